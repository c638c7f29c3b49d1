"""Two users of one deployment: a ``Kit`` per user, and the judgement of what the other user reached.

The first user is the run's (``--llama-stack-header``); the second has its own HTTP client with
its own headers (``--llama-stack-second-user-header``, ``RemoteTarget.second_user_put``). Both
kits share the test's judge, so every finding lands in the one test, and both watch the two
users' header values as secrets (neither user's credential may come back in an answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.secrets import SecretWatch
from llama_conformance.checks import CheckDef
from llama_conformance.contract.members import MemberSpec
from llama_conformance.errors import NotApplicable
from llama_conformance.evidence import Inconclusive
from llama_conformance.harness.build import ProviderUnderTest

NO_SECOND_USER = "give --llama-stack-second-user-header to check per-user isolation"
NOT_A_DEPLOYMENT = ("per-user isolation is a deployment's (its authentication and access policy); a provider "
                    "run in-process or behind the kit's routers has no users. Run against --llama-stack-url with "
                    "--llama-stack-second-user-header")
LIST_LIMIT = 100  # newest first: a resource created a moment ago is on the first page of any list that shows it


@dataclass
class UserKit(Kit):
    """A ``Kit`` whose calls go out as one user (its own ``ProviderUnderTest``, i.e. its own client)."""

    as_user: ProviderUnderTest | None = None
    user: str = "user A"

    @property
    def put(self) -> ProviderUnderTest:
        assert self.as_user is not None
        return self.as_user

    def call(self, member: MemberSpec, *args: Any, **kwargs: Any) -> Outcome:
        """Judged for secrets only: a call's HTTP answer findings (error body, content type) are the
        other suites' (their own tests judge the same calls); this suite judges who reached what."""
        return self.call_watched(member, *args, **kwargs)

    @cached_property
    def secrets(self) -> SecretWatch:
        """Both users' header values: an answer to either may not carry either credential."""
        remote = self.session.remote
        return SecretWatch.of(None, getattr(remote, "headers", None), self.put.redactor,
                              getattr(remote, "second_user_headers", None))


def two_users(kit: Kit) -> tuple[UserKit, UserKit]:
    """User A (the run's headers) and user B (the second user's), or not applicable."""
    remote = kit.session.remote
    if not kit.session.options.stack_url or remote is None or remote.in_process:
        raise NotApplicable(NOT_A_DEPLOYMENT)
    api = kit.api_name or remote.apis[0]
    second = remote.second_user_put(api)
    if second is None:
        raise NotApplicable(NO_SECOND_USER)
    first = UserKit(session=kit.session, judge=kit.judge, api_name=api, as_user=remote.put(api), user="user A")
    return first, UserKit(session=kit.session, judge=kit.judge, api_name=api, as_user=second, user="user B")


def call(kit: Kit, name: str, **fields: Any) -> Outcome:
    """``name`` with ``fields`` as its request model, or as keywords when it takes no request model."""
    member = kit.member(name)
    if member.request_model is not None:
        return kit.ask(name, **fields)
    return kit.call(member, **fields)


@dataclass(frozen=True)
class Resource:
    """What user A created, as the findings name it: ``"file file-123"``."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


UNAUTHENTICATED = 401


def refused(b: UserKit, outcome: Outcome, check: CheckDef, resource: Resource, what: str) -> None:
    """User B's call on A's resource must not succeed (a 404 or 403 is right; a success is the leak).

    A 401 says the deployment did not take B's credential at all: B was refused as nobody, not as
    another user, so isolation was not exercised (inconclusive, not passed)."""
    b.judge.ask(check)
    b.judge.no_hang(outcome)
    if outcome.answer is not None and outcome.answer.status == UNAUTHENTICATED:
        raise Inconclusive([check.id], f"the deployment answered 401 to {b.user}'s `{outcome.member}`: it does not "
                           "accept the --llama-stack-second-user-header credential, so whether another user can "
                           f"reach user A's {resource.kind} was not exercised. Give a credential it accepts.")
    b.judge.check(not outcome.succeeded, check,
                  f"{b.user} {what} user A's {resource} with `{outcome.member}`, and the deployment answered "
                  f"with success: another user's {resource.kind} must be a not-found (404) or forbidden (403) to "
                  "it. The deployment's access policy (or the provider, storing it without its owner) lets one "
                  "user reach another user's resources.")


def not_listed(b: UserKit, outcome: Outcome, check: CheckDef, resource: Resource, ids: list[str]) -> None:
    """User B's own list answered, and does not name A's resource."""
    b.accept(outcome, outcome.member.rsplit(".", 1)[-1], check)
    b.judge.check(resource.id not in ids, check,
                  f"{b.user}'s `{outcome.member}` lists user A's {resource}: another user's "
                  f"{resource.kind}s must not be listed to it.")


def still_there(a: UserKit, outcome: Outcome, check: CheckDef, resource: Resource, after: str) -> None:
    """User A still reaches its own resource (after B's attempts; after B's delete attempt it must exist)."""
    a.judge.ask(check)
    a.judge.no_hang(outcome)
    a.judge.check(outcome.succeeded, check,
                  f"user A's `{outcome.member}` of its own {resource} {after} failed: "
                  f"{outcome.describe_error()}. A user must still reach what it created.")

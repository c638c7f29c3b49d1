"""Security suite: the calls most likely to quote a credential, on any API.

Every call a behavioural test makes is already searched for the run's secrets (``Kit.call``,
``behaviour.secrets``); this test gives security.secret-in-error calls of its own, so it is
judged on every provider, whatever its API and whatever else its suites exercise. It draws
requests for each member a client reaches without creating anything first:

* a model the provider does not serve (and the ones it serves): the error path where an
  adapter builds its message from what it sent its backend (URL, headers, key);
* ids that name nothing (retrieve, list, search): the not-found path;
* the normal answer and stream, where a debugging field may carry the key.

Other findings of these calls are the other checks' business: their own tests judge them.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.examples import run_examples
from llama_conformance.behaviour.invoke import request_arguments
from llama_conformance.behaviour.secrets import CHECK_ID, MIN_SECRET_LENGTH
from llama_conformance.contract.members import MemberSpec
from llama_conformance.report.record import not_applicable
from llama_conformance.strategies import ValueHints, valid_requests

pytestmark = [pytest.mark.behavioral]

UNKNOWN_MODEL = "kit-no-such-model"
UNKNOWN_ID = "kit-no-such-id"
_READS = re.compile(r"(?:^|_)(?:get|retrieve|list|search|query)(?:_|$)")
_EXAMPLES_PER_MEMBER = 4  # the unknown model first (Hypothesis starts from the first choice), then served ones


@dataclass(frozen=True)
class Probe:
    """A member and how to draw its arguments: its request model, or unknown ids for its id parameters."""

    member: MemberSpec
    ids: tuple[str, ...] = ()

    def arguments(self, hints: ValueHints) -> st.SearchStrategy[tuple[tuple[Any, ...], dict[str, Any]]]:
        if self.member.request_model is not None:
            return valid_requests(self.member.request_model, hints).map(
                lambda request: request_arguments(self.member, request))
        return st.just(((), dict.fromkeys(self.ids, UNKNOWN_ID)))


def _required(member: MemberSpec) -> list[Any]:
    return [p for p in member.params if not p.has_default and p.kind is not inspect.Parameter.VAR_KEYWORD]


def _probe(member: MemberSpec) -> Probe | None:
    """How to call ``member`` without creating anything first, if it can be."""
    model = member.request_model
    fields = getattr(model, "model_fields", {}) or {}
    required = _required(member)
    if model is not None and len(required) == 1 and ("model" in fields or _READS.search(member.name)):
        return Probe(member)
    if _READS.search(member.name) and all(p.name.endswith("_id") for p in required):
        return Probe(member, tuple(p.name for p in required))
    return None


def _hints(kit: Kit, probes: list[Probe]) -> ValueHints:
    """``model`` is an unknown model first, then the served ones (when the probes take a model)."""
    takes_model = any("model" in (getattr(p.member.request_model, "model_fields", {}) or {}) for p in probes)
    served: list[str] = []
    if takes_model:
        listed = kit.session.served_models(kit.api_name)
        served = [model for kind in listed.by_kind.values() for model in kind]
    return ValueHints(by_name={"model": st.sampled_from([UNKNOWN_MODEL, *served])})


@pytest.mark.checks(CHECK_ID)
def test_no_secret_in_errors_answers_or_logs(llama_kit: Kit, request: pytest.FixtureRequest) -> None:
    """security.secret-in-error: unknown models and ids, drawn requests, normal answers and streams."""
    kit = llama_kit
    if not kit.secrets:
        not_applicable(request.node, CHECK_ID)
        pytest.skip(f"the run has no secret to look for: the provider config has no SecretStr value or credential "
                    f"field of at least {MIN_SECRET_LENGTH} characters, and no --llama-stack-header was given")
    impl = kit.put.impl
    probes = [probe for member in kit.put.surface.members
              if not member.private and hasattr(impl, member.name) and (probe := _probe(member)) is not None]
    if not probes:
        pytest.skip(f"no member of {kit.put.entry.api} can be called without creating something first; "
                    "the other behavioural tests' calls are still searched for the run's secrets")
    hints = _hints(kit, probes)
    profile = replace(kit.session.profile, max_examples=min(kit.session.profile.max_examples, _EXAMPLES_PER_MEMBER))
    for probe in probes:

        def body(drawn: tuple[tuple[Any, ...], dict[str, Any]], probe: Probe = probe) -> None:
            args, kwargs = drawn
            # A leak fails here; nothing else is judged (the HTTP checks' findings: by their own tests).
            kit.call_watched(probe.member, *args, **kwargs)

        run_examples(probe.arguments(hints), body, profile=profile, session_seed=kit.session.seed,
                     label=f"{probe.member.member_id} arguments")

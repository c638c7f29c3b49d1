"""``Kit``: what a behavioural test holds — the provider, its contract, a judge, and calls.

Suites stay short and declarative: ``kit.request(member, payload)`` builds a request model,
``kit.call_request(...)`` calls the member the way the server's router would (validating
every stream chunk as it arrives and checking the request was not mutated), and
``kit.examples(...)`` runs a body over drawn examples with the session's profile and seed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any

import pytest

from llama_conformance.behaviour.examples import run_examples, run_machine
from llama_conformance.behaviour.invoke import Outcome, call_member, request_arguments
from llama_conformance.behaviour.judge import Judge, kit_frames_hidden
from llama_conformance.behaviour.secrets import SecretWatch
from llama_conformance.checks import CheckRef
from llama_conformance.contract.members import MemberSpec, undeclared_fields
from llama_conformance.engine_checks import DECLARED_IMPLEMENTED, REQUEST_UNCHANGED
from llama_conformance.errors import NotApplicable
from llama_conformance.evidence import Inconclusive
from llama_conformance.harness.build import ProviderUnderTest
from llama_conformance.structural import absence_check
from llama_conformance.target import KitSession
from llama_conformance.target.served import ServedModels

__tracebackhide__ = kit_frames_hidden  # a check's failure shows from the suite's line down
_RECENT = 64


def _dump(request: Any) -> Any:
    dump = getattr(request, "model_dump", None)
    return dump() if callable(dump) else request


def _changed_fields(before: Any, after: Any) -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return ["(the request)"] if before != after else []


@dataclass
class Kit:
    session: KitSession
    judge: Judge
    api_name: str | None = None  # the test's ``api`` marker: which API of a deployment it checks
    # This test's latest outcomes, for ``wire(value)`` of a value taken out of one (see there).
    recent: deque[Outcome] = field(default_factory=lambda: deque(maxlen=_RECENT), repr=False)

    def __repr__(self) -> str:
        """What a failing test's traceback shows for its ``llama_kit`` argument: the provider or deployment and
        the API. The dataclass's own repr spelled out the session, the provider with its config and contract,
        and the judge: pytest built all of it for each failure to print 240 characters of it."""
        over = " over HTTP" if self.session.over_http else ""
        return f"Kit({self.session.put.shown_as}{over}, api={self.api_name or self.session.put.entry.api!r})"

    @property
    def put(self) -> ProviderUnderTest:
        return self.session.put_for(self.api_name)

    @property
    def in_process(self) -> bool:
        """Values are Python objects from the provider (not JSON from a server)."""
        return not self.put.over_http

    def wire(self, value: Any) -> Any:
        """What a client read: the JSON a server sent (``value`` itself in-process).

        Given an ``Outcome``, its value's JSON (``outcome.raw``; chunks: ``outcome.raw_chunks``).
        Given a value or a chunk taken out of one of this test's latest outcomes, the JSON it was
        parsed from; a value no outcome of this test holds is returned as it is.
        """
        if isinstance(value, Outcome):
            return value.raw if value.raw is not None else value.value
        if not self.put.over_http:
            return value
        for outcome in reversed(self.recent):
            if outcome.value is value:
                return outcome.raw
            for index, chunk in enumerate(outcome.chunks or ()):
                if chunk is value and outcome.raw_chunks is not None and index < len(outcome.raw_chunks):
                    return outcome.raw_chunks[index]
        return value

    @property
    def api(self) -> ModuleType:
        """The API package module the provider is judged against (``ogx_api`` ...)."""
        return self.put.contract.package.module

    def member(self, name: str) -> MemberSpec:
        put = self.put  # resolved once: a suite asks for a member on every call it makes
        try:
            member = put.surface.member(name)
        except KeyError:
            # The generation judged against has no such member (ogx-api 1.0 has no Messages batches): nothing
            # of the provider's to verify, so not counted, unlike a skip that leaves a declared check unverified.
            raise NotApplicable(f"{put.contract.package} declares no `{name}` for {put.entry.api}") from None
        if not hasattr(put.impl, name):
            if put.over_http:
                # Not the provider's doing: this mode cannot reach the member (report: not applicable).
                raise NotApplicable(f"`{member.member_id}` has no HTTP route in {put.contract.package}, "
                                    "so it cannot be checked over HTTP (only in-process)")
            # The provider's defect, reported once by the structural check; behaviour that
            # needs the member cannot be called (calling it would be an AttributeError of the kit's).
            pytest.skip(f"{type(put.impl).__name__} has no `{name}` ({member.protocol}.{name}), so the "
                        f"behaviour that needs it is not checked: the provider's maintainer must add it "
                        f"({absence_check(member).id} fails in test_structure[{member.member_id}])")
        return member

    def served(self) -> ServedModels:
        served = self.session.served_models(self.api_name)
        if served.unreachable is not None:  # what follows rests on models the backend could not name
            self.judge.known_cause = served.unreachable
        return served

    def model(self, kind: str, capability: str) -> str:
        """A served model of ``kind``; skip (undeclared) or fail (declared) when there is none."""
        served = self.served().of(kind)
        if served:
            return served[0]
        if self.judge.known_cause is not None:
            if self.session.manifest.declares(capability):
                raise Inconclusive([DECLARED_IMPLEMENTED.id], self.judge.known_cause)
            pytest.skip(f"`{capability}` not checked: no {kind} model could be listed ({self.judge.known_cause})")
        if not self.put.over_http and not hasattr(self.put.impl, "list_models"):
            pytest.skip(f"no {kind} model served: {type(self.put.impl).__name__} has no `list_models` and the "
                        f"manifest registers no {kind} model, so `{capability}` is not checked (the provider's "
                        "maintainer must add list_models: structure.member.present fails)")
        if self.session.manifest.declares(capability):
            self.judge.fail(DECLARED_IMPLEMENTED,
                            f"the provider declares `{capability}` but serves no {kind} model: list_models() "
                            "names none and the manifest registers none.")
        pytest.skip(f"no {kind} model served (list_models() names none; a manifest can register one), "
                    f"so `{capability}` is not checked")

    @cached_property
    def secrets(self) -> SecretWatch:
        """The config secrets (and ``--llama-stack-header`` values) no call may let out; empty: none."""
        remote = self.session.remote if self.put.over_http else None
        config = self.session.put.config if not self.session.options.stack_url else None
        return SecretWatch.of(config, getattr(remote, "headers", None), self.put.redactor)

    def call(self, member: MemberSpec, *args: Any, **kwargs: Any) -> Outcome:
        """Call through the gate; a config secret in what the call left fails security.secret-in-error,
        and over HTTP the call's answer findings (framing, content type, error body) are judged here."""
        outcome = self.call_watched(member, *args, **kwargs)
        self.judge.take(outcome.wire_findings)  # framing, content types, error bodies of this call
        return outcome

    def call_watched(self, member: MemberSpec, *args: Any, **kwargs: Any) -> Outcome:
        """``call`` judging only the secret watch: the call's HTTP findings stay in ``outcome.wire_findings``
        (a test of another family judges them; ``call`` is the one that does)."""
        watch = self.secrets
        if not watch:  # nothing to look for: no log handler, no walk of the answer
            outcome = call_member(self.put, member, *args, **kwargs)
        else:
            with watch.recording() as records:
                outcome = call_member(self.put, member, *args, **kwargs)
            leaks = watch.findings(member.member_id, outcome, records)
            if leaks:  # with this call's HTTP findings
                self.judge.fail_regardless([*leaks, *outcome.wire_findings])
        self.recent.append(outcome)
        return outcome

    def call_request(self, member: MemberSpec, request: Any, *extra: Any, stream: bool = False) -> Outcome:
        """Call with ``request`` as the router does; stream chunks are validated as they arrive."""
        from llama_conformance.validate import stream_checker  # heavy: loaded by behavioural tests only

        sink = None
        if stream and member.chunk_type is not None:
            checker = stream_checker(member.chunk_type, method=member.member_id, request=request,
                                     in_process=self.in_process)

            def sink(chunk: Any) -> list[Any]:  # the chunk as a client read it (``Outcome.raw_chunks``)
                return checker.feed(chunk)

        before = _dump(request)
        args, kwargs = request_arguments(member, request)
        outcome = self.call(member, *args, *extra, stream_sink=sink, **kwargs)
        if sink is not None and outcome.streamed and outcome.error is None:
            outcome.stream_findings.extend(checker.finish())
        changed = _changed_fields(before, _dump(request))
        self.judge.check(not changed, REQUEST_UNCHANGED,
                         f"{member.member_id} changed the request it was given: {', '.join(changed)}. "
                         "The server may reuse the request object; copy it before changing it.", asked=False)
        return outcome

    def ask(self, member_name: str, **payload: Any) -> Outcome:
        """Call ``member_name`` with its request model built from ``payload`` (judged like ``call_request``)."""
        member = self.member(member_name)
        return self.call_request(member, self.request(member, payload))

    def ask_with(self, member_name: str, payload: dict[str, Any], **path: Any) -> Outcome:
        """``member(**path, request=<payload as its request model>)``: a member that takes path ids
        (``conversation_id``) beside its request, judged like ``call_request``.

        Called as the generation declares the member: a flat generation (llama-stack-api 0.4's
        ``add_items(conversation_id, items)``) has the path ids among its request model's fields
        (``members.flat_request_call``), so they go into the model and the call passes its fields as
        keywords; otherwise the model goes to the parameter that declares it."""
        member = self.member(member_name)
        model = member.request_model
        carried = {name: value for name, value in path.items()
                   if member.flat and model is not None and name in model.model_fields}  # type: ignore[attr-defined]
        request = self.request(member, {**carried, **payload})
        before = request.model_dump()
        args, kwargs = request_arguments(member, request)
        if args:  # the model itself, to the parameter that declares it (``request``, ``params``)
            kwargs = {next((p.name for p in member.params if p.annotation is model), "request"): request}
        outcome = self.call(member, **{k: v for k, v in path.items() if k not in carried}, **kwargs)
        self.judge.check(request.model_dump() == before, REQUEST_UNCHANGED,
                         f"{member.member_id} changed the request it was given.", asked=False)
        return outcome

    def accept(self, outcome: Outcome, member: MemberSpec | str, check: CheckRef, *,
               capability: str | None = None, stream: bool = False) -> Any:
        """``outcome`` must be an answer (``check`` fails otherwise) of the declared shape; its value.

        The triple every positive step makes: the call ended and succeeded (a 501 of an undeclared
        ``capability`` skips), and the value (or every chunk) validates against the contract.
        """
        spec = self.member(member) if isinstance(member, str) else member
        self.judge.answered(outcome, check, capability)
        self.validate(outcome, spec, expect_stream=stream, check_id=check)
        return outcome.value

    def answer(self, member_name: str, check: CheckRef, *, capability: str | None = None, **payload: Any) -> Any:
        """Call ``member_name`` with ``payload`` as its request; it must answer validly (``accept``)."""
        return self.accept(self.ask(member_name, **payload), member_name, check, capability=capability)

    def validate(self, outcome: Outcome, member: MemberSpec, *, expect_stream: bool, check_id: CheckRef) -> None:
        """The call succeeded with the right shape: a value (validated) or a stream (validated)."""
        if expect_stream and not outcome.streamed:
            self.judge.fail(check_id, f"{member.member_id} was asked to stream but returned "
                                      f"{type(outcome.value).__name__}, not an async iterator of chunks.")
        if not expect_stream and outcome.streamed:
            self.judge.fail(check_id, f"{member.member_id} returned a stream though the request did not ask "
                                      "for one.")
        if outcome.streamed:  # the stream checker's own findings, stream.nonempty included
            self.judge.take(outcome.stream_findings)
        else:
            from llama_conformance.validate import validate_value

            self.judge.take(validate_value(self.wire(outcome), member.response_type,
                                          method=member.member_id, in_process=self.in_process))

    def request(self, member: MemberSpec, payload: dict[str, Any], *, from_provider: bool = False) -> Any:
        """The member's request model built from ``payload``.

        If the contract rejects it, the suite built it wrong: the test is inconclusive, naming the kit, and the
        provider was never asked. ``from_provider``: the payload carries values taken from the provider's answers
        before any check judged them (a stress batch's ids); a rejection is then the provider's, raised as is.
        """
        model = member.request_model
        if model is None:
            raise TypeError(f"{member.member_id} takes no single request model")
        missing = undeclared_fields(member, payload)
        if missing:  # the generation cannot be asked this: nothing of the provider's to verify
            raise NotApplicable(f"{self.put.contract.package} declares no {', '.join(f'`{m}`' for m in missing)} "
                                f"in {member.member_id}, so this check cannot be asked of it")
        import pydantic

        try:
            return model.model_validate(payload)  # type: ignore[attr-defined]
        except pydantic.ValidationError as exc:
            if from_provider:
                raise
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ())) or "the request"
            more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            raise Inconclusive([], f"the kit built a {member.member_id} request that "
                                   f"{self.put.contract.package} rejects ({where}: {first.get('msg')}{more}), so "
                                   "the provider was not asked; a defect of the kit's suite, not of the provider: "
                                   "whoever maintains the kit must act") from None

    def examples(self, strategy: Any, body: Callable[[Any], None], label: str = "request") -> None:
        run_examples(strategy, body, profile=self.session.profile, session_seed=self.session.seed, label=label)

    def run_machine(self, machine: type[Any]) -> None:
        """Run a state machine class whose rules use ``self.kit`` (bound here, per test)."""
        bound = type(machine.__name__, (machine,), {"kit": self})
        run_machine(bound, profile=self.session.profile, session_seed=self.session.seed)

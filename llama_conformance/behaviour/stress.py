"""Concurrent calls and long streams, bounded: send a batch at once, then count what was lost or doubled.

A server runs many requests on one event loop at once; a provider that keeps one request's
state on ``self`` across an ``await``, or shares one backend slot between streams, only
misbehaves then. A *batch* here is ONE gated call that gathers N member calls on the
provider's loop (the way the server's loop interleaves them), with the per-call deadline:
the calls start together, so each had the whole deadline to be answered.

What the checks can tell without knowing the model:

* **lost**: a call with no answer and no typed error by the deadline, or a 5xx;
* **answered twice**: two calls answered with one object (one completion / file id), a
  stream carrying the chunks of two completions, a listing naming one upload twice;
* **crossed**: each request carries a random marker; an answer that carries *another*
  request's marker answered the wrong request (a real model may drop its own marker, but
  it cannot invent a stranger's);
* **cut short**: a stream that ends (or errs) before a chunk with a ``finish_reason``.

Bounded: ``rounds`` batches per test, no batch starts after the profile's wall-time cap for
the whole stress suite, and a batch never waits past it. Outside ``--llama-profile stress``
the stress checks are not applicable. Against a deployment the profile talks to loopback
only (``refuse_non_loopback``): the kit does not load other people's servers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from llama_conformance.behaviour.invoke import Outcome, consume, method_of
from llama_conformance.behaviour.judge import kit_frames_hidden
from llama_conformance.checks import CheckRef
from llama_conformance.contract.members import MemberSpec
from llama_conformance.errors import GateTimeout, NotApplicable
from llama_conformance.target.profiles import PROFILES, Profile

__tracebackhide__ = kit_frames_hidden  # a check's failure shows from the suite's line down

if TYPE_CHECKING:
    from llama_conformance.behaviour.context import Kit

STRESS_PROFILE = "stress"
_OVERLOADED = 503  # shedding load with "try again" is a typed answer a client can act on


# ----------------------------------------------------------------------------- loopback only


def _loopback_addresses(host: str) -> tuple[bool, str]:
    """Whether every address ``host`` names is loopback, and those addresses (for the message)."""
    try:
        addresses = {ipaddress.ip_address(host.strip("[]"))}
    except ValueError:
        try:
            addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0])
                         for info in socket.getaddrinfo(host, None)}
        except (OSError, ValueError):
            return False, "no address it could resolve"
    shown = ", ".join(sorted(str(a) for a in addresses))
    return bool(addresses) and all(a.is_loopback for a in addresses), shown


def refuse_non_loopback(stack_url: str | None, profile_name: str) -> None:
    """Raise a usage error (exit 4) when the stress profile is aimed at a host off this machine."""
    if not stack_url or not PROFILES[profile_name].stress:
        return
    host = urlsplit(stack_url).hostname or ""
    loopback, addresses = _loopback_addresses(host)
    if loopback:
        return
    profile = PROFILES[profile_name]
    raise pytest.UsageError(
        f"--llama-profile {profile_name} refuses --llama-stack-url={stack_url}: {host or '(no host)'} is "
        f"{addresses}, not a loopback address, and the stress profile sends {profile.concurrency} concurrent "
        f"calls and long streams ({profile.stream_max_tokens} max_tokens) for up to {profile.stress_wall_s:g} s, "
        "which the kit only does to a deployment on this machine. Whoever runs the kit must start the "
        "deployment locally and point the kit at 127.0.0.1, ::1 or localhost, or check this URL with the "
        "default profile (drop --llama-profile stress)."
    )


# ----------------------------------------------------------------------------- budget


@dataclass
class WallBudget:
    """The stress suite's wall-time cap, started by its first test (one per pytest session)."""

    cap_s: float
    started: float | None = None

    def remaining(self) -> float:
        if self.started is None:
            self.started = time.monotonic()
        return self.cap_s - (time.monotonic() - self.started)


STRESS_BUDGET = pytest.StashKey[WallBudget]()


@dataclass
class Batch:
    """N calls gathered at once: each one's outcome, whether it finished, and why the batch ended."""

    outcomes: list[Outcome]
    finished: list[bool]
    deadline_s: float
    seconds: float
    timed_out: str | None = None
    cut_by_cap: bool = False  # the suite's wall-time cap ended it, not the provider's deadline

    def answered(self) -> list[int]:
        return [i for i, o in enumerate(self.outcomes) if self.finished[i] and o.error is None]


@dataclass
class StressRun:
    """One stress test's share of the profile's load, bounded by the suite's wall-time cap."""

    kit: Kit
    budget: WallBudget
    profile: Profile
    completed: int = 0  # batches that ran to their end
    stopped: str | None = None  # why no further batch starts

    def rounds(self) -> Iterator[int]:
        for number in range(self.profile.rounds):
            if self.stopped is not None:
                return
            if self.budget.remaining() <= 0:
                self._stop(f"the stress suite's {self.budget.cap_s:g} s wall-time cap was reached")
                return
            yield number

    def _stop(self, why: str) -> None:
        self.stopped = why
        if self.completed == 0:
            pytest.skip(f"not judged: {why} before this test's first batch (--llama-profile stress bounds the "
                        "whole stress suite; its earlier tests used the time)")

    def batch(self, member: MemberSpec, calls: Sequence[tuple[tuple[Any, ...], dict[str, Any]]],
              label: str) -> Batch:
        """Call ``member`` once per ``(args, kwargs)`` in ``calls``, all at once, in one gated call."""
        put = self.kit.put
        deadline = min(put.gate.timeout_s, max(self.budget.remaining(), 0.1))
        batch = gather(self.kit, member, calls, label, deadline)
        # Framing and error bodies of these calls are this test's (empty in-process).
        self.kit.judge.take([item for outcome in batch.outcomes for item in outcome.wire_findings])
        batch.cut_by_cap = batch.timed_out is not None and deadline < put.gate.timeout_s
        if batch.cut_by_cap:
            self._stop(f"the stress suite's {self.budget.cap_s:g} s wall-time cap ended a batch after "
                       f"{deadline:.1f} s")
        else:
            self.completed += 1
        if batch.timed_out is not None and not batch.cut_by_cap:
            self.stopped = "a batch missed its deadline"  # the finding is made; waiting again proves nothing
        return batch

    def clean_up(self, member: MemberSpec, calls: Sequence[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
        """Undo what a test created (one batch, not judged: the API's own suite judges deletes)."""
        if calls:  # its HTTP findings too: they are the clean-up's, not judged
            gather(self.kit, member, calls, "clean-up", self.kit.put.gate.timeout_s)


def gather(kit: Kit, member: MemberSpec, calls: Sequence[tuple[tuple[Any, ...], dict[str, Any]]], label: str,
           deadline: float) -> Batch:
    """The calls gathered on the provider's loop in ONE gated call: they start together, each is awaited
    (a stream consumed) into its own ``Outcome``; what had not finished by ``deadline`` is cancelled."""
    put = kit.put
    outcomes = [Outcome(member=member.member_id) for _ in calls]
    finished = [False] * len(calls)
    method = method_of(put, member)

    async def one(index: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        await consume(outcomes[index], method, args, kwargs, None, put.contract.package)
        finished[index] = True

    def together() -> Any:  # made on the provider's loop: the gather belongs to it
        return asyncio.gather(*(one(i, args, kwargs) for i, (args, kwargs) in enumerate(calls)))

    put.evidence.current, put.evidence.calling = member.member_id, True
    put.evidence.listen()
    started, timed_out = time.monotonic(), None
    try:
        put.gate.run(f"{member.member_id} x{len(calls)} at once ({label})", together, timeout_s=deadline)
    except GateTimeout as exc:
        timed_out = str(exc)
    finally:
        put.evidence.calling = False
    for outcome in outcomes:
        put.evidence.record_error(member.member_id, outcome.error)
    return Batch(outcomes, finished, deadline, time.monotonic() - started, timed_out)


def stress_run(kit: Kit, config: pytest.Config) -> StressRun:
    """This test's stress load; not applicable outside the stress profile."""
    profile = kit.session.profile
    if not profile.stress:
        raise NotApplicable(f"the stress checks send concurrent calls and long streams only with --llama-profile "
                            f"{STRESS_PROFILE} (this run: {kit.session.options.profile})")
    budget = config.stash.setdefault(STRESS_BUDGET, WallBudget(profile.stress_wall_s))
    run = StressRun(kit, budget, profile)
    if budget.remaining() <= 0:
        run._stop(f"the stress suite's {budget.cap_s:g} s wall-time cap was reached")
    return run


# ----------------------------------------------------------------------------- markers and answers


def markers(count: int) -> list[str]:
    """Random, equally long markers (none is part of another), one per request of a batch."""
    return [f"mark{uuid.uuid4().hex[:16]}" for _ in range(count)]


def field_of(value: Any, name: str) -> Any:
    """``value.name`` of a parsed model or ``value[name]`` of a dict (what a server sent)."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def chat_text(value: Any) -> str:
    """The text of a chat completion's choices."""
    choices = field_of(value, "choices") or []
    return " ".join(str(field_of(field_of(c, "message"), "content") or "") for c in choices)


@dataclass(frozen=True)
class StreamFacts:
    text: str
    ids: frozenset[str]
    finished: bool  # a chunk carried a finish_reason


def stream_facts(chunks: Sequence[Any]) -> StreamFacts:
    """Text, completion ids and whether a finish_reason arrived, of a chat / completion stream."""
    text, ids, finished = [], set(), False
    for chunk in chunks:
        if field_of(chunk, "id"):
            ids.add(str(field_of(chunk, "id")))
        for choice in field_of(chunk, "choices") or []:
            delta = field_of(choice, "delta")  # chat chunks carry a delta, completion chunks their text
            piece = field_of(delta, "content") if delta is not None else field_of(choice, "text")
            text.append(str(piece or ""))
            # "" is no reason: llama-stack-api 0.4 and llama-stack 0.2 require a str on every chunk
            # (OpenAIChunkChoice.finish_reason), so a mid-stream chunk carries "" there.
            finished = finished or bool(field_of(choice, "finish_reason"))
    return StreamFacts("".join(text), frozenset(ids), finished)


def crossed(texts: dict[int, str], sent: Sequence[str]) -> list[str]:
    """Calls whose answer carries another call's marker: answered with someone else's request."""
    found = []
    for index, text in sorted(texts.items()):
        others = [j for j, marker in enumerate(sent) if j != index and marker in text]
        if others:
            found.append(f"call {index} (marker {sent[index]}) was answered with the text of call(s) "
                         f"{others[:4]}{' ...' if len(others) > 4 else ''}")
    return found


def repeated(values: dict[int, Any], what: str) -> list[str]:
    """Calls answered with one and the same ``what`` (an id): one answer given twice."""
    by_value: dict[str, list[int]] = defaultdict(list)
    for index, value in sorted(values.items()):
        if value is not None:
            by_value[str(value)].append(index)
    return [f"calls {calls[:6]}{' ...' if len(calls) > 6 else ''} were all answered with {what} {value!r}"
            for value, calls in by_value.items() if len(calls) > 1]


def lost(batch: Batch, what: str) -> list[str]:
    """Calls with no answer and no typed error by the deadline, or answered with a server error."""
    problems = []
    waiting = [i for i, done in enumerate(batch.finished) if not done]
    if waiting and not batch.cut_by_cap:
        problems.append(f"{len(waiting)} of {len(batch.finished)} concurrent {what} calls had no answer after "
                        f"{batch.deadline_s:g} s (calls {waiting[:8]}{' ...' if len(waiting) > 8 else ''}): "
                        f"{batch.timed_out}")
    for index, outcome in enumerate(batch.outcomes):
        answer = outcome.answer
        if batch.finished[index] and answer is not None and answer.server_error and answer.status != _OVERLOADED:
            problems.append(f"call {index} raised {outcome.describe_error()} under load, not an answer or a "
                            "typed error")
    return problems


def report(kit: Kit, check_id: CheckRef, problems: list[str], batch: Batch, what: str) -> None:
    """One finding per batch: what went wrong with which calls, and who must act."""
    if problems:
        shown = "; ".join(problems[:6]) + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")
        kit.judge.fail(check_id, f"{len(batch.outcomes)} concurrent {what} calls (answered in "
                                 f"{batch.seconds:.2f} s): {shown}. Requests that run at once must not share "
                                 "state: keep per-request values in locals, not on the provider object, and "
                                 "give each answer its own id.")

"""Call one protocol member through the gate and capture everything the checks judge.

A call yields an ``Outcome``: the value, or the stream's chunks, or the exception (with
the HTTP answer the server would give for it), and whether it hung. Streams are consumed
on the provider's loop inside the same gated call, so a stream that stalls mid-way hits
the same deadline as a call that never returns; each chunk is handed to the stream
checker as it arrives. Exceptions are caught inside the gated coroutine, so the only
thing the gate itself raises is a timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.contract.errors import ErrorAnswer, error_answer
from llama_conformance.contract.members import MemberSpec
from llama_conformance.errors import GateTimeout, describe_exception
from llama_conformance.harness.build import ProviderUnderTest

ChunkSink = Callable[[Any], list[Finding]]


@dataclass
class Outcome:
    """What one call did. Exactly one of value / chunks / error / timeout describes it."""

    member: str
    value: Any = None
    chunks: list[Any] | None = None
    error: BaseException | None = None
    answer: ErrorAnswer | None = None
    timed_out: str | None = None
    stream_findings: list[Finding] = field(default_factory=list)

    @property
    def streamed(self) -> bool:
        return self.chunks is not None

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.timed_out is None

    def describe_error(self) -> str:
        if self.timed_out:
            return self.timed_out
        if self.error is None:
            return "no error"
        status = f" (the server would answer {self.answer.status})" if self.answer else ""
        return f"{describe_exception(self.error)}{status}"


def _is_async_iterator(value: Any) -> bool:
    return hasattr(value, "__aiter__") and hasattr(value, "__anext__")


async def _consume(outcome: Outcome, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                   sink: ChunkSink | None, package: Any) -> None:
    try:
        result = await method(*args, **kwargs)
    except Exception as exc:
        outcome.error, outcome.answer = exc, error_answer(exc, package)
        return
    if not _is_async_iterator(result):
        outcome.value = result
        return
    outcome.chunks = []
    try:
        async for chunk in result:
            outcome.chunks.append(chunk)
            if sink is not None:
                outcome.stream_findings.extend(sink(chunk))
    except Exception as exc:  # an error after the first chunk: an SSE error event behind a 200
        outcome.error, outcome.answer = exc, error_answer(exc, package)


def call_member(
    put: ProviderUnderTest,
    member: MemberSpec,
    *args: Any,
    stream_sink: ChunkSink | None = None,
    **kwargs: Any,
) -> Outcome:
    """Call ``member`` on the provider with a deadline, consuming a returned stream."""
    outcome = Outcome(member=member.member_id)
    method = getattr(put.impl, member.name)
    put.evidence.current, put.evidence.calling = member.member_id, True
    put.evidence.listen()
    try:
        put.gate.run(member.member_id,
                     lambda: _consume(outcome, method, args, kwargs, stream_sink, put.contract.package))
    except GateTimeout as exc:
        outcome.timed_out = str(exc)
    finally:
        put.evidence.calling = False
    put.evidence.record_error(member.member_id, outcome.error)
    return outcome


def request_arguments(member: MemberSpec, request: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Positional / keyword arguments that pass ``request`` the way the server's router does.

    Normally the request model itself; where an erratum says the router explodes the model
    into keywords (``provider_call``), its fields.
    """
    if member.provider_call is not None:
        return (), {param.name: getattr(request, param.name) for param in member.provider_call}
    return (request,), {}

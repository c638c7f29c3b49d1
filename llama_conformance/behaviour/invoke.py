"""Call one protocol member through the gate and capture everything the checks judge.

A call yields an ``Outcome``: the value, or the stream's chunks, or the exception (with
the HTTP answer the server would give for it), and whether it hung; over HTTP also the JSON
the server sent for the value (each chunk) and the HTTP findings of that call (``transport.wire``). Streams are consumed
on the provider's loop inside the same gated call, so a stream that stalls mid-way hits
the same deadline as a call that never returns; each chunk is handed to the stream
checker as it arrives. Exceptions are caught inside the gated coroutine, so the only
thing the gate itself raises is a timeout, or ``ProviderExit`` when the provider tried to end
the process (``sys.exit()``). A stream is read up to ``MAX_STREAM_CHUNKS``: one that keeps
going past it is cut (``Outcome.cut``) rather than held in the kit's memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llama_conformance.checks import CheckRef, Finding
from llama_conformance.contract.errors import ErrorAnswer, error_answer
from llama_conformance.contract.members import MemberSpec
from llama_conformance.engine_checks import NO_HANG
from llama_conformance.errors import CallRefused, GateTimeout, ProviderExit, describe_exception, released_memory_error
from llama_conformance.gate import request_of, timeout_message
from llama_conformance.harness.build import ProviderUnderTest
from llama_conformance.transport.wire import RemoteError, WireAnswer, WireFailure

ChunkSink = Callable[[Any], list[Finding]]
# No contract stream is this long: the kit's longest asks for a few hundred tokens.
MAX_STREAM_CHUNKS = 100_000


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
    cut: str | None = None  # the stream went on past MAX_STREAM_CHUNKS and the kit stopped reading
    # The check a timeout is judged under: call.no-hang, or the finding of the crash that made the kit refuse it.
    hang_check: CheckRef = NO_HANG
    refused: bool = False  # not called at all: the member hung or crashed earlier in the run
    # What a client read: the JSON the server sent for ``value`` (in-process, ``value`` itself) and
    # for each chunk, in step with ``chunks``. Validation and the secret watch judge these.
    raw: Any = None
    raw_chunks: list[Any] | None = None
    # This call's HTTP findings (framing, content type, error body, a cut); empty in-process.
    wire_findings: list[Finding] = field(default_factory=list)

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
    """Looked up on the type, as ``async for`` does: on a pydantic answer, a missing attribute of the instance goes
    through its ``__getattr__`` fallback, a few microseconds of every in-process call."""
    kind = type(value)
    return hasattr(kind, "__anext__") and hasattr(kind, "__aiter__")


def method_of(put: ProviderUnderTest, member: MemberSpec) -> Any:
    """What ``consume`` awaits for ``member``: the provider's method, or over HTTP the remote call that
    answers a ``WireAnswer`` (value, JSON and findings together: ``transport.remote_impl``)."""
    wired = getattr(type(put.impl), "wired_member", None)
    if wired is not None:
        return wired(put.impl, member.name)
    return getattr(put.impl, member.name)


async def consume(outcome: Outcome, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                  sink: ChunkSink | None, package: Any) -> None:
    """Await one call on the provider's loop and fill ``outcome``: the value, the chunks or the error.

    Runs inside a gated call (``call_member``, or the stress suite's batch that gathers many).
    ``method`` may answer a ``WireAnswer`` (``method_of``): its JSON and findings go to ``outcome``.
    ``sink`` gets each chunk as a client read it (its JSON over HTTP).
    """
    try:
        result = await method(*args, **kwargs)
    except Exception as exc:
        _failed(outcome, exc, package)
        return
    wire = result if isinstance(result, WireAnswer) else None
    if wire is not None:
        outcome.wire_findings, result = wire.findings, wire.value  # the same list: a stream's findings join it
    if not _is_async_iterator(result):
        outcome.value = result
        outcome.raw = wire.raw if wire is not None else result
        return
    outcome.chunks, outcome.raw_chunks = [], []
    raws = wire.raw if wire is not None and isinstance(wire.raw, list) else None
    try:
        async for chunk in result:
            if len(outcome.chunks) >= MAX_STREAM_CHUNKS:
                outcome.cut = f"the stream went on past {MAX_STREAM_CHUNKS} chunks; the kit stopped reading it"
                close = getattr(result, "aclose", None)
                if close is not None:  # let the provider release what the stream holds
                    await close()
                break
            raw = raws[len(outcome.chunks)] if raws is not None and len(raws) > len(outcome.chunks) else chunk
            outcome.chunks.append(chunk)
            outcome.raw_chunks.append(raw)
            if sink is not None:
                outcome.stream_findings.extend(sink(raw))
    except Exception as exc:  # an error after the first chunk: an SSE error event behind a 200
        _failed(outcome, exc, package)


def _failed(outcome: Outcome, exc: Exception, package: Any) -> None:
    if isinstance(exc, WireFailure) and exc.findings is not outcome.wire_findings:
        outcome.wire_findings.extend(exc.findings)
    if isinstance(exc, RemoteError) and exc.kit_deadline:
        # The server the kit runs cut the request at the same deadline, a moment before the client's
        # gate would have: one fact (the provider did not answer in time), judged as the gate's timeout.
        outcome.timed_out = timeout_message(outcome.member, float(exc.kit_deadline), how=(
            f"without returning (the kit's server cut {exc.route} at its deadline and answered 504)"))
        return
    outcome.error, outcome.answer = _released(exc), error_answer(exc, package)


def _released(exc: Exception) -> Exception:
    """A ``MemoryError`` without its frames: their locals hold what filled the memory ceiling.

    Kept, the traceback keeps the provider's runaway list alive, and the kit itself then runs out
    of memory formatting the failure. The message names the frame that allocated.
    """
    if isinstance(exc, MemoryError) and exc.__traceback__ is not None:
        return released_memory_error(exc)
    return exc


def call_member(
    put: ProviderUnderTest,
    member: MemberSpec,
    *args: Any,
    stream_sink: ChunkSink | None = None,
    **kwargs: Any,
) -> Outcome:
    """Call ``member`` on the provider with a deadline, consuming a returned stream."""
    outcome = Outcome(member=member.member_id)
    method = method_of(put, member)
    put.gate.hidden_errors.clear()  # what earlier requests left (a fuzz case, a background task) is not this call's
    put.evidence.current, put.evidence.calling = member.member_id, True
    put.evidence.listen()
    try:
        put.gate.run(member.member_id,
                     lambda: consume(outcome, method, args, kwargs, stream_sink, put.contract.package),
                     request=request_of(args, kwargs))
    except GateTimeout as exc:
        outcome.timed_out = str(exc)
        if isinstance(exc, CallRefused):
            outcome.hang_check, outcome.refused = exc.check_id, True
    except ProviderExit as exc:
        outcome.error, outcome.answer = exc, error_answer(exc, put.contract.package)
    finally:
        put.evidence.calling = False
    if put.gate.hidden_errors:  # over HTTP: the request this call made hit sys.exit() or the memory ceiling
        hidden = put.gate.hidden_errors.pop()
        put.gate.hidden_errors.clear()
        outcome.error, outcome.answer = hidden, error_answer(hidden, put.contract.package)
    put.evidence.record_error(member.member_id, outcome.error)
    return outcome


def request_arguments(member: MemberSpec, request: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Positional / keyword arguments that pass ``request`` the way the server's router does.

    Normally the request model itself; where an erratum says the router explodes the model
    into keywords (``provider_call``), its fields. A parameter the model does not carry (a flat
    generation's upload, ``members.flat_request_call``) is the caller's to pass positionally.
    """
    if member.provider_call is not None:
        fields = type(request).model_fields
        return (), {param.name: getattr(request, param.name) for param in member.provider_call if param.name in fields}
    return (request,), {}

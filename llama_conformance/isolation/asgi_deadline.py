"""The per-request deadline of a provider served in-process over ASGI (``--llama-over-http``).

The fuzzer reaches the app through schemathesis' in-process client, which runs it on a
loop of its own (anyio's ``BlockingPortal``) and waits without a deadline: the kit's gate is
not on that path. This middleware puts every HTTP request under the same rules as a gated
call: it tells the worker's ``FlightRecorder`` (so the watchdog bounds a request whose
provider code never yields, and a crash names the route and the body) and cancels a request
that runs past the deadline, answering ``504`` with a header that says the kit did it. A
provider's ``sys.exit()`` becomes ``ProviderExit`` (left alone, asyncio ends the loop with it),
also kept on the gate so the call that made the request is judged by it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from llama_conformance.errors import ProviderExit, released_memory_error
from llama_conformance.gate import guard_loop
from llama_conformance.transport.wire import DEADLINE_HEADER

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_BODY_SHOWN = 16_384  # recorded raw; redacted, then cut to 2,000 characters when shown


class RequestDeadline:
    """ASGI middleware: each HTTP request recorded, and cancelled at the gate's deadline."""

    def __init__(self, app: Any, gate: Any) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        # The fuzzer's client runs the app on a loop of its own.
        guard_loop(asyncio.get_running_loop(), self.gate.hidden_errors.append)
        limit = float(self.gate.timeout_s)
        recorder = self.gate.recorder
        label = f"{scope.get('method', 'GET')} {scope.get('path', '/')}"
        token = recorder.call_started(label, None, limit) if recorder is not None else None
        body = bytearray()
        started = False

        async def recording_receive() -> Message:
            message = await receive()
            if token is not None and message.get("type") == "http.request" and len(body) < _BODY_SHOWN:
                body.extend(bytes(message.get("body", b""))[: _BODY_SHOWN - len(body)])
                if not message.get("more_body"):
                    recorder.call_request(token, body.decode("utf-8", "replace"))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        deadline = asyncio.timeout(limit)
        try:
            async with deadline:
                await self.app(scope, recording_receive, tracking_send)
        except (SystemExit, KeyboardInterrupt) as exc:  # asyncio would end the loop with them: one request's error
            exit_error = ProviderExit(f"`{label}` raised {type(exc).__name__}({exc}) while serving the request: a "
                                      "provider must never end the process that serves it; raise an error instead.")
            self.gate.hidden_errors.append(exit_error)
            raise exit_error from exc
        except MemoryError as exc:  # its frames hold what filled the ceiling: release them before anything else
            memory_error = released_memory_error(exc)
            self.gate.hidden_errors.append(memory_error)
            raise memory_error from None
        except TimeoutError:
            if not deadline.expired():
                raise  # the provider's own TimeoutError: an error of the request like any other
            if not started:  # the client is owed an answer; a stream already begun just ends
                await _deadline_answer(send, label, limit)
        finally:
            if token is not None:
                recorder.call_ended(token)


async def _deadline_answer(send: Send, label: str, limit: float) -> None:
    body = json.dumps({"error": {"message": f"{label} ran past the kit's {limit:g} s deadline (call.no-hang)",
                                 "type": "deadline"}}).encode()
    await send({"type": "http.response.start", "status": 504,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (DEADLINE_HEADER.encode(), f"{limit:g}".encode())]})
    await send({"type": "http.response.body", "body": body})

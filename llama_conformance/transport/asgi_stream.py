"""An httpx transport to an in-process ASGI app that streams the answer instead of buffering it.

``httpx.ASGITransport`` runs the app to its end and keeps every body part in a list before
it returns the response, so an app that streams forever never returns and grows without
bound, and a body cut at the kit's limit has already been held whole. This transport runs
the app as a task beside the caller and hands body parts over through a small queue: the
response returns once the app has started it, the caller reads parts as they come (the
queue's size holds the app back when the caller is slower), and closing the response
disconnects and cancels the app, as a client hanging up on a server would.

Exceptions behave as with ``ASGITransport(raise_app_exceptions=False)``: one before the
answer started is a bare 500, one after it ends the body where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import httpx

Message = MutableMapping[str, Any]
ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]

_QUEUED_PARTS = 8  # body parts waiting for the reader; the app waits beyond that
_END = object()


class _AppBody(httpx.AsyncByteStream):
    """The body parts the app sends, read as they arrive; closing stops the app."""

    def __init__(self, parts: asyncio.Queue[Any], task: asyncio.Task[None], disconnected: asyncio.Event) -> None:
        self._parts = parts
        self._task = task
        self._disconnected = disconnected

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (part := await self._next()) is not _END:
            yield part

    async def _next(self) -> Any:
        """The next part; the end once the app is done and nothing is left (it may end without saying so)."""
        while True:
            try:
                return self._parts.get_nowait()
            except asyncio.QueueEmpty:
                if self._task.done():
                    return _END
            getter = asyncio.ensure_future(self._parts.get())
            await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                return getter.result()
            getter.cancel()

    async def aclose(self) -> None:
        self._disconnected.set()
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(BaseException):  # the app's own end (cancelled, raised) is not the caller's
            await self._task


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` without buffering (see the module docstring)."""

    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw], "scheme": request.url.scheme,
            "path": request.url.path, "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query, "server": (request.url.host, request.url.port),
            "client": self.client, "root_path": "",
        }
        body = request.stream.__aiter__()
        request_done = False
        disconnected = asyncio.Event()
        started = asyncio.Event()
        head: dict[str, Any] = {}
        parts: asyncio.Queue[Any] = asyncio.Queue(maxsize=_QUEUED_PARTS)

        async def receive() -> Message:
            nonlocal request_done
            if request_done:
                await disconnected.wait()
                return {"type": "http.disconnect"}
            try:
                chunk = await body.__anext__()
            except StopAsyncIteration:
                request_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                head["status"], head["headers"] = message["status"], message.get("headers", [])
                started.set()
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if chunk and request.method != "HEAD":
                    await parts.put(chunk)
                if not message.get("more_body", False):
                    await parts.put(_END)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception:  # answered as a server would: a bare 500, or the body ends where it was
                if not started.is_set():
                    head["status"], head["headers"] = 500, []
                    started.set()
            finally:
                started.set()  # the reader sees the end once the task is done (``_AppBody._next``)

        task = asyncio.get_running_loop().create_task(run())
        waiter = asyncio.get_running_loop().create_task(started.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # the caller was cancelled while the app had not answered: stop the app
            waiter.cancel()
            await _AppBody(parts, task, disconnected).aclose()
            raise
        waiter.cancel()
        if "status" not in head:  # the app returned (or was cancelled) without answering
            head["status"], head["headers"] = 500, []
        return httpx.Response(head["status"], headers=head["headers"],
                              stream=_AppBody(parts, task, disconnected))

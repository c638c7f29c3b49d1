"""In-process uploads are the server's: spooled as its form parser spools a file part, read in memory.

A ``BytesIO`` in an ``UploadFile`` looks to starlette like a file on disk, so every ``read``/``seek`` of
the provider went through the thread pool: a path a server never takes for a small upload.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import pytest
import starlette.datastructures
from starlette.requests import Request

from llama_conformance.behaviour.uploads import spooled_upload

ROOT = Path(__file__).resolve().parents[1]


def _parsed_by_the_server(content: bytes) -> Any:
    """The ``UploadFile`` starlette's form parser makes of one multipart file part."""
    boundary = "kit-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [
        (b"content-type", f"multipart/form-data; boundary={boundary}".encode())]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def parse() -> Any:
        form = await Request(scope, receive).form()
        return form["file"]

    return asyncio.run(parse())


@pytest.mark.parametrize("size", [16, 2 * 1024 * 1024], ids=["small", "over-the-spool"])
def test_an_upload_is_spooled_and_read_as_behind_a_server(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    content = bytes(range(256)) * (size // 256)
    served, ours = _parsed_by_the_server(content), spooled_upload(content, "a.txt", "text/plain")
    assert type(ours.file) is type(served.file)
    assert getattr(ours.file, "_rolled", None) == getattr(served.file, "_rolled", None)
    trips: list[str] = []
    real_trip = starlette.datastructures.run_in_threadpool

    async def counted(func: Any, *args: Any) -> Any:
        trips.append(func.__name__)
        return await real_trip(func, *args)

    monkeypatch.setattr(starlette.datastructures, "run_in_threadpool", counted)

    async def read(upload: Any) -> bytes:
        await upload.seek(0)
        return bytes(await upload.read())

    served_trips = (asyncio.run(read(served)), list(trips))
    trips.clear()
    assert (asyncio.run(read(ours)), trips) == served_trips  # the same bytes, the same thread-pool trips
    assert served_trips[0] == content and (served_trips[1] == []) == (size < 1024 * 1024)


def test_no_suite_or_engine_module_builds_an_upload_of_its_own() -> None:
    """Every in-process upload comes from ``spooled_upload``: an ``UploadFile(...)`` anywhere else in the
    suites or the engine would hand a provider what no server hands it."""
    built = []
    for path in [*(ROOT / "suites").rglob("*.py"), *(ROOT / "llama_conformance").rglob("*.py")]:
        if path.name == "uploads.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "UploadFile":
                built.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not built, built

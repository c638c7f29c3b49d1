"""The kit's OpenAI-compatible server: the OpenAI wire format over the reference provider.

In-process through httpx's ASGI transport (no server package, no socket), except the
launcher tests, which start the real subprocess on 127.0.0.1. Every error path is driven
by a provider that fails on purpose, so each mapping is shown to catch what it should.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import socket
import struct
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from llama_conformance_fixtures.openai_server import OpenAIServerError, serve_openai_compatible
from llama_conformance_fixtures.openai_server.app import create_app

USER = {"role": "user", "content": "the echo must be this sentence"}
CHAT = {
    "model": "kit-echo",
    "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        USER,
    ],
}


def request(method: str, path: str, *, app: Any = None, **kwargs: Any) -> httpx.Response:
    """One request to the app (a fresh reference-backed app unless one is given)."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app or create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def sse_payloads(response: httpx.Response) -> list[str]:
    """The ``data:`` payloads of an SSE body, asserting the framing on the way."""
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.endswith("\n\n")
    events = response.text[:-2].split("\n\n")
    assert all(event.startswith("data: ") and "\n" not in event for event in events), events
    return [event.removeprefix("data: ") for event in events]


def assert_openai_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert {"message", "type", "code"} <= set(error), error
    assert error["code"] == code
    assert error["type"] == ("invalid_request_error" if status < 500 else "server_error")
    assert isinstance(error["message"], str) and error["message"]
    return error


# -- models -----------------------------------------------------------------------------

def test_models_list_is_the_openai_list_shape() -> None:
    body = request("GET", "/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["kit-echo", "kit-embed"]  # the chat model first
    for model in body["data"]:
        assert set(model) == {"id", "object", "created", "owned_by"}
        assert model["object"] == "model" and isinstance(model["created"], int) and model["owned_by"]


def test_retrieve_model_and_unknown_model() -> None:
    assert request("GET", "/v1/models/kit-embed").json()["id"] == "kit-embed"
    assert_openai_error(request("GET", "/v1/models/kit-nope"), 404, "model_not_found")


# -- chat -------------------------------------------------------------------------------

def test_chat_answers_with_the_last_user_message() -> None:
    response = request("POST", "/v1/chat/completions", json=CHAT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "kit-echo"
    [choice] = body["choices"]
    assert choice["message"] == {"role": "assistant", "content": USER["content"]}
    assert choice["finish_reason"] == "stop"
    assert None not in body.values()  # unset optional fields are left out, not sent as null


def test_chat_stream_is_sse_chunks_then_done() -> None:
    response = request("POST", "/v1/chat/completions", json={**CHAT, "stream": True})
    assert response.status_code == 200
    payloads = sse_payloads(response)
    assert payloads[-1] == "[DONE]" and payloads.count("[DONE]") == 1
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    pieces = [c["choices"][0]["delta"].get("content") for c in chunks]
    assert "".join(p for p in pieces if p) == USER["content"]
    assert len([p for p in pieces if p]) == len(USER["content"].split())  # word by word
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


# -- completions ------------------------------------------------------------------------

def test_completion_echoes_the_prompt_as_json_and_as_a_stream() -> None:
    params = {"model": "kit-echo", "prompt": "complete this prompt"}
    body = request("POST", "/v1/completions", json=params).json()
    assert body["object"] == "text_completion"
    assert body["choices"][0]["text"] == "complete this prompt"

    payloads = sse_payloads(request("POST", "/v1/completions", json={**params, "stream": True}))
    assert payloads[-1] == "[DONE]"
    texts = [json.loads(p)["choices"][0]["text"] for p in payloads[:-1]]
    assert "".join(texts) == "complete this prompt"


# -- embeddings -------------------------------------------------------------------------

def test_embeddings_default_and_requested_dimensions() -> None:
    body = request("POST", "/v1/embeddings", json={"model": "kit-embed", "input": ["alpha", "beta"]}).json()
    assert body["object"] == "list" and body["model"] == "kit-embed"
    assert [d["index"] for d in body["data"]] == [0, 1]
    vectors = [d["embedding"] for d in body["data"]]
    assert [len(v) for v in vectors] == [32, 32]
    assert vectors[0] != vectors[1]
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-9) for v in vectors)
    assert body["usage"]["prompt_tokens"] >= 1

    again = request("POST", "/v1/embeddings", json={"model": "kit-embed", "input": "alpha"}).json()
    assert again["data"][0]["embedding"] == vectors[0]  # deterministic, single string accepted

    small = request("POST", "/v1/embeddings", json={"model": "kit-embed", "input": "alpha", "dimensions": 8}).json()
    assert len(small["data"][0]["embedding"]) == 8


def test_embeddings_base64_is_little_endian_float32() -> None:
    floats = request("POST", "/v1/embeddings", json={"model": "kit-embed", "input": "alpha"}).json()
    encoded = request(
        "POST", "/v1/embeddings", json={"model": "kit-embed", "input": "alpha", "encoding_format": "base64"}
    ).json()
    text = encoded["data"][0]["embedding"]
    assert isinstance(text, str)
    raw = base64.b64decode(text, validate=True)
    assert len(raw) == 32 * 4
    decoded = struct.unpack("<32f", raw)
    assert decoded == pytest.approx(floats["data"][0]["embedding"], rel=1e-6)


# -- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", {**CHAT, "model": "kit-nope"}),
        ("/v1/chat/completions", {**CHAT, "stream": True, "model": "kit-nope"}),
        ("/v1/completions", {"model": "kit-nope", "prompt": "x"}),
        ("/v1/embeddings", {"model": "kit-nope", "input": "x"}),
        ("/v1/embeddings", {"model": "kit-echo", "input": "x"}),  # a chat model cannot embed
    ],
    ids=["chat", "chat-stream", "completion", "embeddings", "embeddings-with-chat-model"],
)
def test_unknown_model_is_404_model_not_found(path: str, body: dict[str, Any]) -> None:
    error = assert_openai_error(request("POST", path, json=body), 404, "model_not_found")
    assert body["model"] in error["message"]


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"content": b"{not json"}, None),
        ({"json": ["a", "list"]}, None),
        ({"json": {"model": "kit-echo"}}, "messages"),
        ({"json": {**CHAT, "messages": "not a list"}}, "messages"),
        ({"json": {**CHAT, "stream": "sometimes"}}, "stream"),
    ],
    ids=["invalid-json", "not-an-object", "missing-messages", "messages-not-a-list", "bad-stream-flag"],
)
def test_bad_input_is_400(kwargs: dict[str, Any], param: str | None) -> None:
    error = assert_openai_error(request("POST", "/v1/chat/completions", **kwargs), 400, "invalid_request")
    assert error["param"] == param


def test_unknown_path_and_wrong_method_answer_in_openai_shape() -> None:
    assert_openai_error(request("GET", "/v1/nothing-here"), 404, "not_found")
    assert_openai_error(request("GET", "/v1/chat/completions"), 405, "method_not_allowed")


class FailingProvider:
    """Fails the way it is told to: at once, or after the first stream chunk."""

    def __init__(self, error: Exception, *, after_first_chunk: bool = False) -> None:
        self.error = error
        self.after_first_chunk = after_first_chunk

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _stream(self) -> AsyncIterator[dict[str, Any]]:
        yield {"id": "chunk-1", "object": "chat.completion.chunk", "created": 0, "model": "m",
               "choices": [{"index": 0, "delta": {"content": "partial"}}]}
        raise self.error

    async def openai_chat_completion(self, params: Any) -> Any:
        if self.after_first_chunk:
            return self._stream()
        raise self.error


def test_server_failure_is_500_without_the_exception_message() -> None:
    app = create_app(FailingProvider(RuntimeError("secret-token-123 leaked")))
    response = request("POST", "/v1/chat/completions", app=app, json=CHAT)
    error = assert_openai_error(response, 500, "server_error")
    assert "secret-token-123" not in response.text
    assert "RuntimeError" in error["message"]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [(ValueError("temperature out of range"), 400, "invalid_request"),
     (NotImplementedError("no tools here"), 501, "not_implemented")],
    ids=["ValueError", "NotImplementedError"],
)
def test_provider_errors_map_like_the_servers(error: Exception, status: int, code: str) -> None:
    response = request("POST", "/v1/chat/completions", app=create_app(FailingProvider(error)), json=CHAT)
    assert_openai_error(response, status, code)


def test_stream_failure_after_the_first_chunk_is_an_error_event_without_done() -> None:
    app = create_app(FailingProvider(ValueError("went wrong mid-stream"), after_first_chunk=True))
    response = request("POST", "/v1/chat/completions", app=app, json={**CHAT, "stream": True})
    assert response.status_code == 200  # the headers were sent with the first chunk
    payloads = sse_payloads(response)
    assert "[DONE]" not in payloads
    assert json.loads(payloads[0])["choices"][0]["delta"]["content"] == "partial"
    assert json.loads(payloads[-1])["error"]["message"] == "went wrong mid-stream"


# -- the probes adapters send besides the OpenAI API -------------------------------------

def test_health_and_ollama_probes() -> None:
    assert request("GET", "/health").status_code == 200  # remote::vllm health()
    assert isinstance(request("GET", "/api/version").json()["version"], str)  # ogx remote::ollama
    running = request("GET", "/api/ps").json()["models"]  # llama-stack remote::ollama
    assert [m["model"] for m in running] == ["kit-echo", "kit-embed"]


# -- the launcher ------------------------------------------------------------------------

def _listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses listening on ``port``, from /proc/net/tcp (state 0A = LISTEN)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if int(port_hex, 16) == port and state == "0A":
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_launcher_serves_on_loopback_and_stops_the_process() -> None:
    with serve_openai_compatible() as url:
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rsplit(":", 1)[1])
        assert httpx.get(f"{url}/v1/models", timeout=10).json()["data"][0]["id"] == "kit-echo"
        reply = httpx.post(f"{url}/v1/chat/completions", json=CHAT, timeout=10).json()
        assert reply["choices"][0]["message"]["content"] == USER["content"]
        if Path("/proc/net/tcp").exists():
            assert _listening_addresses(port) == {"127.0.0.1"}
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/models", timeout=2)


def test_launcher_reports_a_server_that_exits_at_once(tmp_path: Path) -> None:
    script = tmp_path / "exits.sh"
    script.write_text("#!/bin/sh\necho 'cannot start: missing thing' >&2\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(OpenAIServerError, match=r"exited with code 3(.|\n)*cannot start: missing thing"), \
            serve_openai_compatible(python=str(script)):
        pytest.fail("must not yield")


def test_launcher_times_out_and_leaves_no_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = tmp_path / "hangs.sh"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    script.chmod(0o755)
    with pytest.raises(OpenAIServerError, match=r"not ready within 1\.5 s"), \
            serve_openai_compatible(python=str(script), startup_timeout_s=1.5):
        pytest.fail("must not yield")
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_cli_refuses_a_port_in_use() -> None:
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "llama_conformance_fixtures.openai_server", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )
    assert done.returncode == 2
    assert f"cannot bind 127.0.0.1:{port}" in done.stderr

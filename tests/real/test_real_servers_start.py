"""Real ogx / llama-stack servers start on 127.0.0.1, serve the kit's providers, and stop.

These are the servers the HTTP mode (``--llama-stack-url``) is tested against. Each server
kind runs only where its CLI sits beside ``sys.executable`` (ogx and llama-stack 0.7.3
cannot share a venv); elsewhere its tests skip with the reason. The reference configs load
``inline::kit-inference`` / ``inline::kit-files`` into the real server as external
providers, so every answer checked here passed through the server's own routers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from llama_conformance_fixtures.servers import (
    REFERENCE_CHAT_MODEL,
    SERVER_KINDS,
    RunningServer,
    ServerStartError,
    group_members,
    missing_reason,
    reference_config,
    running_server,
    server_cli,
    server_config,
)
from llama_conformance_fixtures.servers.configs import PROVIDERS_DIR_CONFIGS

pytestmark = pytest.mark.slow

INFERENCE_PATHS = {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models"}
FILES_PATHS = {"/v1/files", "/v1/files/{file_id}", "/v1/files/{file_id}/content"}


def _require(kind: str) -> None:
    reason = missing_reason(kind)
    if reason is not None:
        pytest.skip(reason)


def _paths(server: RunningServer) -> set[str]:
    return set(httpx.get(server.url + "/openapi.json", timeout=30).json()["paths"])


def _providers(server: RunningServer) -> dict[str, str]:
    """provider_id -> provider_type, as the server reports what it runs."""
    data = httpx.get(server.url + "/v1/providers", timeout=30).json()["data"]
    return {p["provider_id"]: p["provider_type"] for p in data}


def _assert_stopped(pid: int) -> None:
    assert group_members(pid) == [], f"processes of server group {pid} outlived the with block"


def _file_round_trip(url: str) -> None:
    """Upload, find it in the list, read the bytes back, delete: through the real server."""
    content = b"kit round trip \xe2\x9c\x93\n"
    with httpx.Client(base_url=url, timeout=30) as client:
        upload = client.post("/v1/files", data={"purpose": "assistants"},
                             files={"file": ("round-trip.txt", content, "text/plain")})
        assert upload.status_code == 200, upload.text
        uploaded = upload.json()
        assert uploaded["object"] == "file"
        assert uploaded["bytes"] == len(content)
        assert uploaded["filename"] == "round-trip.txt"
        listed = client.get("/v1/files")
        assert listed.status_code == 200, listed.text
        assert uploaded["id"] in [f["id"] for f in listed.json()["data"]]
        body = client.get(f"/v1/files/{uploaded['id']}/content")
        assert body.status_code == 200, body.text
        assert body.content == content
        deleted = client.delete(f"/v1/files/{uploaded['id']}")
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["deleted"] is True
        gone = client.get(f"/v1/files/{uploaded['id']}")
        assert gone.status_code == 404, gone.text


# --- the reference providers inside each real server ----------------------------------------


@pytest.fixture(scope="module", params=SERVER_KINDS)
def reference_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[RunningServer]:
    """One server per kind serving the kit's reference providers, shared by this module's tests."""
    kind = request.param
    _require(kind)
    with running_server(kind, reference_config(kind), workdir=tmp_path_factory.mktemp(kind)) as server:
        print(f"\n{kind} {server.config.name}: ready in {server.startup_s:.1f} s, "
              f"RSS {server.rss_bytes() / 2**20:.0f} MiB")
        yield server


def test_reference_server_runs_the_kits_providers(reference_server: RunningServer) -> None:
    assert reference_server.url == f"http://127.0.0.1:{reference_server.port}"
    providers = _providers(reference_server)
    assert providers.get("kit-inference") == "inline::kit-inference", providers
    assert providers.get("kit-files") == "inline::kit-files", providers


def test_openapi_has_inference_and_files_paths(reference_server: RunningServer) -> None:
    paths = _paths(reference_server)
    assert paths >= INFERENCE_PATHS | FILES_PATHS, sorted((INFERENCE_PATHS | FILES_PATHS) - paths)


def test_reference_models_are_listed_with_provider_prefix(reference_server: RunningServer) -> None:
    """Both servers register listed models as `<provider_id>/<name>`: no plain `kit-echo`."""
    ids = {m["id"] for m in httpx.get(reference_server.url + "/v1/models", timeout=30).json()["data"]}
    assert REFERENCE_CHAT_MODEL in ids, ids
    assert "kit-echo" not in ids
    answer = httpx.post(reference_server.url + "/v1/chat/completions", timeout=30,
                        json={"model": "kit-echo", "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 404, answer.text


def test_chat_completion(reference_server: RunningServer) -> None:
    answer = httpx.post(reference_server.url + "/v1/chat/completions", timeout=30, json={
        "model": REFERENCE_CHAT_MODEL, "messages": [{"role": "user", "content": "hello from the kit"}],
    })
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "hello from the kit"  # kit-echo echoes
    assert body["choices"][0]["finish_reason"] == "stop"


def test_chat_completion_stream_is_sse(reference_server: RunningServer) -> None:
    request = {"model": REFERENCE_CHAT_MODEL, "stream": True,
               "messages": [{"role": "user", "content": "hello from the kit"}]}
    with httpx.stream("POST", reference_server.url + "/v1/chat/completions", json=request, timeout=30) as answer:
        assert answer.status_code == 200, answer.read().decode()
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = [line[len("data:"):].strip() for line in answer.iter_lines() if line.startswith("data:")]
    chunks = [json.loads(e) for e in events if e != "[DONE]"]
    assert chunks and all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "hello from the kit"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_file_upload_list_round_trip(reference_server: RunningServer) -> None:
    _file_round_trip(reference_server.url)


# --- other configs: each starts, answers, and leaves nothing behind --------------------------


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_providers_dir_config_serves_kit_files_and_stops_when_the_block_raises(kind: str, tmp_path: Path) -> None:
    """``external_providers_dir`` (the kit's providers.d) works too; an exception inside the
    block still stops the whole process group."""
    _require(kind)
    with pytest.raises(RuntimeError, match="test failed inside the block"), \
            running_server(kind, server_config(PROVIDERS_DIR_CONFIGS[kind]), workdir=tmp_path) as server:
        pid = server.process.pid
        assert _providers(server).get("kit-files") == "inline::kit-files-from-dir"
        _file_round_trip(server.url)
        raise RuntimeError("test failed inside the block")
    assert server.process.returncode is not None
    _assert_stopped(pid)


# The offline built-in configs (OFFLINE_CONFIGS) start, answer and stop in tests/real/test_real_servers_http.py, which
# runs the kit on each of them: a second start here only to see it start cost a server start each (10 CPU-s for ogx's
# 10-API config).


# --- failures are reported with the server's own words, and leave nothing behind ------------


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_server_that_exits_raises_with_its_log_tail(kind: str, tmp_path: Path) -> None:
    _require(kind)
    config = tmp_path / "bad.yaml"
    text = reference_config(kind).read_text().replace("inline::kit-files", "inline::no-such-provider-xyz")
    config.write_text(text)
    with pytest.raises(ServerStartError, match="exited with code") as caught, \
            running_server(kind, config, workdir=tmp_path / "work"):
        pytest.fail("a server with an unknown provider type must not start")
    assert "no-such-provider-xyz" in caught.value.log_tail
    assert "no-such-provider-xyz" in str(caught.value)
    assert caught.value.pid is not None
    _assert_stopped(caught.value.pid)


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_ready_timeout_raises_and_stops_the_server(kind: str, tmp_path: Path) -> None:
    _require(kind)
    with pytest.raises(ServerStartError, match="did not answer") as caught, \
            running_server(kind, reference_config(kind), workdir=tmp_path, ready_timeout_s=0.5):
        pytest.fail("no server is ready half a second after it was spawned")
    assert caught.value.pid is not None
    _assert_stopped(caught.value.pid)


def test_llama_stack_rejects_kit_providers_built_on_ogx_api(tmp_path: Path) -> None:
    """Why the fixture exports LLAMA_CONFORMANCE_API_PACKAGE per server: with ogx_api installed
    beside llama-stack, the fixtures would default to it, and llama-stack rejects the specs."""
    _require("llama-stack")
    pytest.importorskip("ogx_api")
    with pytest.raises(ServerStartError, match="exited with code") as caught, \
            running_server("llama-stack", reference_config("llama-stack"), workdir=tmp_path,
                           env={"LLAMA_CONFORMANCE_API_PACKAGE": "ogx_api"}):
        pytest.fail("llama-stack must not accept provider specs built on ogx_api")
    assert "ProviderWithSpec" in caught.value.log_tail


def test_missing_server_gives_a_skip_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only a CLI beside sys.executable counts: a venv without the server gets a reason, and
    starting it anyway fails before anything is spawned."""
    monkeypatch.setattr("sys.executable", str(tmp_path / "bin" / "python"))
    for kind in SERVER_KINDS:
        assert server_cli(kind) is None
        reason = missing_reason(kind)
        assert reason is not None and str(tmp_path) in reason and "not installed" in reason
        with pytest.raises(ServerStartError, match="not installed"), running_server(kind, reference_config(kind)):
            pytest.fail("unreachable")
    with pytest.raises(ValueError, match="Unknown server kind"):
        missing_reason("vllm")

"""The HTTP transport under the suites: routes, encoding, SSE parsing, answers, safety.

Each piece is shown to do its job on a good input and to catch (or refuse) a bad one: the
route map is read from the package's routers; the SSE parser survives any split of the
bytes; error bodies of the wrong shape, non-JSON events and a mid-stream error are
reported; a request for another origin is refused; a redirect is not followed; a reset
connection is retried once on a fresh one; the request budget holds.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import UploadFile

ogx_api = pytest.importorskip("ogx_api")

from llama_conformance.contract import load_contract  # noqa: E402
from llama_conformance.transport.checks import CONTENT_TYPE as HTTP_CONTENT_TYPE  # noqa: E402
from llama_conformance.transport.checks import ERROR_BODY, SSE_FRAMING  # noqa: E402
from llama_conformance.transport.client import (  # noqa: E402
    OffTargetRequest,
    RequestBudgetExhausted,
    TargetClient,
    TargetOptions,
)
from llama_conformance.transport.decode import (  # noqa: E402
    check_error_body,
    decode_stream,
    decode_value,
    raise_for_answer,
    stream_answer,
)
from llama_conformance.transport.encode import encode_call  # noqa: E402
from llama_conformance.transport.remote_impl import RemoteImpl, package_error_model  # noqa: E402
from llama_conformance.transport.sse import SseParser  # noqa: E402
from llama_conformance.transport.wire import RemoteError, WireAnswer  # noqa: E402

CONTRACT = load_contract("ogx_api")
ROUTES = CONTRACT.routes()


# -- routes ----------------------------------------------------------------------------------

def test_routes_come_from_the_packages_routers() -> None:
    chat = ROUTES.route("inference", "openai_chat_completion")
    assert chat is not None and (chat.method, chat.path, chat.json_body, chat.streams) == \
        ("POST", "/v1/chat/completions", True, True)
    upload = ROUTES.route("files", "openai_upload_file")
    assert upload is not None and upload.file_params == ("file",) and "purpose" in upload.form_params
    listing = ROUTES.route("files", "openai_list_files")
    assert listing is not None and set(listing.query_params) == {"after", "limit", "order", "purpose"}
    assert ROUTES.route("inference", "register_model") is None  # the routing table's call, not a route


# -- encoding --------------------------------------------------------------------------------

def test_a_request_travels_in_path_query_body_or_multipart_as_its_route_says() -> None:
    files = ogx_api.files.models
    content = encode_call(ROUTES.route("files", "openai_retrieve_file_content"), (
        files.RetrieveFileContentRequest(file_id="file a/b"),), {})
    assert content.path == "/v1/files/file%20a%2Fb/content" and content.json is None
    listing = encode_call(ROUTES.route("files", "openai_list_files"),
                          (files.ListFilesRequest(limit=2, order="asc"),), {})
    assert listing.params == [("limit", "2"), ("order", "asc")]  # only what was set: the server fills defaults
    upload = encode_call(ROUTES.route("files", "openai_upload_file"), (
        files.UploadFileRequest(purpose="assistants", expires_after={"anchor": "created_at", "seconds": 3600}),
        UploadFile(file=io.BytesIO(b"abc"), filename="a.txt")), {})
    assert upload.files == {"file": ("a.txt", b"abc", "application/octet-stream")}
    assert upload.data == {"purpose": "assistants",
                           "expires_after": json.dumps({"anchor": "created_at", "seconds": 3600})}
    chat = encode_call(ROUTES.route("inference", "openai_chat_completion"), (
        ogx_api.OpenAIChatCompletionRequestWithExtraBody.model_validate(
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}),), {})
    assert chat.json == {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


# -- SSE -------------------------------------------------------------------------------------

STREAM = b'data: {"a": 1}\r\n\r\n: keep-alive\n\nevent: delta\ndata: {"b":\ndata:  2}\n\ndata: [DONE]\n\ndata: {"c": 3}'


@pytest.mark.parametrize("size", [1, 2, 3, 7, len(STREAM)])
def test_sse_events_survive_any_split_of_the_bytes(size: int) -> None:
    parser = SseParser()
    events = []
    for start in range(0, len(STREAM), size):
        events += parser.feed(STREAM[start:start + size])
    events += parser.close()  # the last event has no blank line: end of stream completes it
    assert [(e.event, e.data, e.done) for e in events] == [
        ("message", '{"a": 1}', False), ("delta", '{"b":\n 2}', False),
        ("message", "[DONE]", True), ("message", '{"c": 3}', False)]


# -- answers ---------------------------------------------------------------------------------

def _response(status: int, body: bytes, content_type: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": content_type},
                          request=httpx.Request("GET", "http://t/x"))


def test_error_body_must_have_the_declared_shape() -> None:
    model = package_error_model(CONTRACT)
    assert model is not None
    assert check_error_body({"error": {"message": "no such file"}}, model, "GET /v1/files/x", 404) == []
    found = check_error_body({"detail": "no such file"}, model, "GET /v1/files/x", 404)
    assert [f.check.id for f in found] == ["http.error.body"] and "OpenAIErrorResponse" in found[0].message


def _drain(stream: Any) -> tuple[list[Any], BaseException | None]:
    async def run() -> tuple[list[Any], BaseException | None]:
        got = []
        try:
            async for chunk in stream:
                got.append(chunk)
        except RemoteError as exc:
            return got, exc
        return got, None

    return asyncio.run(run())


def test_a_stream_event_that_is_not_json_is_a_framing_finding_of_that_call() -> None:
    route = ROUTES.route("inference", "openai_chat_completion")
    body = b'data: {"id": "x"}\n\ndata: {oops\n\ndata: [DONE]\n\n'
    wire = stream_answer(_response(200, body, "text/event-stream"), route, None, WireAnswer())
    chunks, error = _drain(wire.value)
    assert chunks == [{"id": "x"}, "{oops"] and error is None
    assert wire.raw == chunks  # each event's JSON, in step with the chunks
    assert [f.check.id for f in wire.findings] == [SSE_FRAMING.id]
    clean = stream_answer(_response(200, b'data: {"id": "x"}\n\n', "text/event-stream"), route, None, WireAnswer())
    _drain(clean.value)
    assert clean.findings == []


def test_an_error_event_ends_the_stream_with_its_status() -> None:
    route = ROUTES.route("inference", "openai_chat_completion")
    body = b'data: {"id": "x"}\n\ndata: {"error": {"message": "bad model", "code": "400"}}\n\n'
    chunks, error = _drain(decode_stream(_response(200, body, "text/event-stream"), route, None, WireAnswer()))
    assert chunks == [{"id": "x"}]
    assert isinstance(error, RemoteError) and error.status_code == 400 and "after 1 stream events" in str(error)


def test_a_value_comes_with_its_json_and_an_error_with_its_findings() -> None:
    """The transport hands back what the call brought: the parsed value, the JSON it came from and the
    call's findings together; an error answer raises with the findings it made (nothing is left over)."""
    route = ROUTES.route("inference", "openai_chat_completion")
    wire = asyncio.run(decode_value(_response(200, b'{"id": "x"}', "text/plain"), route, None, WireAnswer()))
    assert wire.value == {"id": "x"} and wire.raw == {"id": "x"}
    assert [f.check.id for f in wire.findings] == [HTTP_CONTENT_TYPE.id]
    error_model = package_error_model(CONTRACT)

    async def refused() -> None:
        await raise_for_answer(_response(404, b'{"detail": "gone"}', "application/json"), route, error_model,
                               WireAnswer())

    with pytest.raises(RemoteError) as raised:
        asyncio.run(refused())
    assert raised.value.status_code == 404 and [f.check.id for f in raised.value.findings] == [ERROR_BODY.id]


# -- the client: one origin, no redirects, a budget, one retry after a reset ------------------

def _app_redirecting(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/moved":
        return httpx.Response(307, headers={"location": "http://elsewhere.invalid/x"})
    return httpx.Response(200, json={"ok": True})


def _client(**options: Any) -> TargetClient:
    return TargetClient(TargetOptions(base_url="http://target.test:8321",
                                      transport=lambda: httpx.MockTransport(_app_redirecting), **options))


def test_requests_stay_on_the_target_and_redirects_are_not_followed() -> None:
    client = _client()

    async def run() -> None:
        moved = await client.send("GET", "/moved")
        assert moved.status_code == 307  # an answer to judge, not an instruction
        with pytest.raises(OffTargetRequest, match=r"only talks to http://target\.test:8321"):
            await client.send("GET", "http://elsewhere.invalid/x")
        with pytest.raises(OffTargetRequest):
            await client.send("GET", "http://target.test:9999/x")  # same host, other port
        assert (await client.send("GET", "/fine")).status_code == 200

    asyncio.run(run())


def test_the_request_budget_holds() -> None:
    client = _client(max_requests=2)

    async def run() -> None:
        await client.send("GET", "/a")
        await client.send("GET", "/b")
        with pytest.raises(RequestBudgetExhausted, match="budget \\(2"):
            await client.send("GET", "/c")

    asyncio.run(run())


def _server_that_drops_the_first_connection() -> tuple[int, list[int]]:
    """A raw socket server: the first connection is closed without an answer, later ones get 200."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    seen: list[int] = []

    def serve() -> None:
        for n in range(2):
            conn, _ = sock.accept()
            conn.recv(65536)
            seen.append(n)
            if n > 0:
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n"
                             b"connection: close\r\n\r\n{\"ok\":true}")
            conn.close()
        sock.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1], seen


def test_a_reset_connection_is_retried_once_on_a_fresh_one() -> None:
    port, seen = _server_that_drops_the_first_connection()
    client = TargetClient(TargetOptions(base_url=f"http://127.0.0.1:{port}", timeout_s=5))

    async def run() -> httpx.Response:
        response = await client.send("GET", "/v1/health")
        await client.reset()
        return response

    response = asyncio.run(run())
    assert response.status_code == 200 and seen == [0, 1] and client.retries == 1 and client.sent == 2


# -- RemoteImpl ------------------------------------------------------------------------------

def test_unrouted_members_do_not_exist_over_http() -> None:
    impl = RemoteImpl("inference", CONTRACT, _client())
    assert hasattr(impl, "openai_chat_completion") and not hasattr(impl, "register_model")
    assert hasattr(impl, "list_models")  # served by the Models API's GET /v1/models


MODELS_LISTING = {"data": [
    {"id": "kit-embed", "custom_metadata": {"model_type": "embedding", "provider_id": "kit-inference"}},
    {"id": "kit-echo", "owned_by": "ogx"},  # no model_type: an llm, as OpenAI's listing has none
    {"id": 7, "custom_metadata": {"model_type": "llm"}},  # no id a request could name
    {"id": "kit-vision", "custom_metadata": {"model_type": "hologram"}},  # a kind the package does not know
    {"id": "kit-odd", "custom_metadata": {"model_type": ["llm"]}},  # no kind at all: skipped, not a failed listing
    "not-an-entry",
]}


def _listing_client() -> TargetClient:
    def serve(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/models", request.url
        return httpx.Response(200, json=MODELS_LISTING)

    return TargetClient(TargetOptions(base_url="http://target.test:8321",
                                      transport=lambda: httpx.MockTransport(serve)))


def test_the_kits_model_lookup_reads_what_list_models_answers_and_builds_no_judge() -> None:
    """The kit lists the deployment's models to pick the one a drawn request names, in a fuzz-only run too. That
    lookup (``served_lookup``) reads the ids and kinds ``list_models()`` answers a suite, without the package's
    ``Model``, error model or SDK judge (importing ``ogx_api`` and ogx-client was a fifth of a fast fuzz run's CPU
    each); the member a suite calls builds its judges before its gated call."""
    impl = RemoteImpl("inference", CONTRACT, _listing_client())
    lookup_call = impl.served_lookup()
    assert lookup_call is not None
    lookup = asyncio.run(lookup_call())
    assert "_error_model" not in vars(impl) and "_sdk" not in vars(impl), sorted(vars(impl))
    assert [(m.identifier, m.provider_id, m.model_type) for m in lookup] == [
        ("kit-embed", "kit-inference", "embedding"), ("kit-echo", "remote", "llm")]

    listed = asyncio.run(impl.list_models())
    assert "_error_model" in vars(impl) and "_sdk" not in vars(impl), sorted(vars(impl))
    assert all(isinstance(m, ogx_api.Model) for m in listed)
    assert [(m.identifier, m.provider_resource_id, m.provider_id, m.model_type.value) for m in listed] == \
        [(m.identifier, m.provider_resource_id, m.provider_id, m.model_type) for m in lookup]
    assert callable(impl.openai_chat_completion)
    assert "_sdk" in vars(impl), sorted(vars(impl))


def test_only_the_inference_stand_in_looks_models_up() -> None:
    assert RemoteImpl("files", CONTRACT, _listing_client()).served_lookup() is None
    assert RemoteImpl("inference", CONTRACT, _listing_client()).served_lookup() is not None


def test_a_union_tag_left_at_its_default_is_still_sent() -> None:
    """``exclude_unset`` alone drops ``type: "static"``; the router then cannot pick the union member."""
    from llama_conformance.transport.encode import dump_sent

    static = ogx_api.VectorStoreChunkingStrategyStatic(
        static=ogx_api.VectorStoreChunkingStrategyStaticConfig(max_chunk_size_tokens=100, chunk_overlap_tokens=10))
    sent = dump_sent(ogx_api.vector_io.OpenAIAttachFileRequest(file_id="file-1", chunking_strategy=static))
    assert sent["chunking_strategy"]["type"] == "static"
    assert "attributes" not in sent  # what the caller left unset stays the server's default


def test_clients_share_one_tls_context_per_ca_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every client of a run shares one verifying TLS context (loading the CA bundle is ~30 ms a client), but
    not across CA locations: a deployment behind a private CA, named by ``SSL_CERT_FILE`` as httpx reads it,
    is trusted by that CA, and the default bundle stays the default's."""
    import re

    import certifi

    def ssl_context() -> Any:  # what the client's connection pool verifies with
        client = TargetClient(TargetOptions(base_url="https://deployment.example"))._new_client()
        return client._transport._pool._ssl_context  # type: ignore[attr-defined]

    one_ca = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                       Path(certifi.where()).read_text(), re.S)
    assert one_ca is not None
    private = tmp_path / "private-ca.pem"
    private.write_text(one_ca.group(0))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    default = ssl_context()
    assert ssl_context() is default and len(default.get_ca_certs()) > 1  # built once, the whole bundle
    monkeypatch.setenv("SSL_CERT_FILE", str(private))
    named = ssl_context()
    assert named is not default and len(named.get_ca_certs()) == 1


def test_the_documents_fetch_takes_the_shared_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """The document is fetched by a client of its own, before any other: it takes the process's context too (a
    context of its own loaded the CA bundle once more in every URL run), and so trusts what they trust."""
    import httpx

    from llama_conformance.errors import KitUsageError
    from llama_conformance.openapi import fetch_spec
    from llama_conformance.transport.client import shared_tls_context

    verified_with: list[Any] = []
    plain_init = httpx.Client.__init__

    def spying_init(self: httpx.Client, *args: Any, **kwargs: Any) -> None:
        verified_with.append(kwargs.get("verify"))
        plain_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", spying_init)
    with pytest.raises(KitUsageError, match="no connection"):
        fetch_spec("http://127.0.0.1:9", timeout_s=2.0)  # the discard port: nothing listens
    assert verified_with and verified_with[0] is shared_tls_context()

"""The OpenAPI side of HTTP mode: fetching a server's document and repairing it.

The saved documents in ``fixtures/specs`` were served by real servers (ogx 1.5.0 with the
10-API offline config, llama-stack 0.7.3 with the 11-API offline config); the repair must
make them self-contained without touching them, and say what it changed.
"""

from __future__ import annotations

import copy
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ogx_api  # first, before anything could import llama_stack_api
import pytest
from tests_support import refused_port

from llama_conformance.errors import KitUsageError
from llama_conformance.openapi import (
    SSE_DATA_KEY,
    Repair,
    RepairedSpec,
    dangling_refs,
    fetch_spec,
    read_spec_file,
    repair_spec,
    sse_chunk_schemas,
)
from llama_conformance.openapi.repair import ERROR_BODY_NAME, SDK_ANSWERS_KEY, iter_refs, resolves
from llama_conformance.openapi.sse import iter_operations

SPECS = Path(__file__).resolve().parent.parent / "fixtures" / "specs"
SERVER_SPECS = {"ogx_api": SPECS / "ogx-1.5.0.openapi.json",
                "llama_stack_api": SPECS / "llama-stack-0.7.3.openapi.json"}


def _package(name: str) -> Any:
    import importlib

    return importlib.import_module(name)


@pytest.fixture(scope="module", params=sorted(SERVER_SPECS))
def server_spec(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, json.loads(SERVER_SPECS[request.param].read_text())


@pytest.fixture(scope="module")
def repaired_pair(server_spec: tuple[str, dict[str, Any]]) -> tuple[dict[str, Any], RepairedSpec]:
    name, spec = server_spec
    return spec, repair_spec(spec, _package(name))


def _in_process_spec(package_name: str, apis: tuple[str, ...]) -> dict[str, Any]:
    """What a server built from the package serves for ``apis``: their routers, a dummy implementation."""
    import importlib

    from fastapi import FastAPI

    app = FastAPI()
    for api in apis:
        app.include_router(importlib.import_module(f"{package_name}.{api}.fastapi_routes").create_router(object()))
    return app.openapi()


def _dangling_by_operation(spec: dict[str, Any], paths: set[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for ref, pointers in dangling_refs(spec).items():
        for pointer in pointers:
            path = pointer.split("/")[2].replace("~1", "/").replace("~0", "~")
            if path in paths:
                found.setdefault(path, set()).add(ref)
    return found


# --- the servers' documents are not self-contained --------------------------------------


def test_saved_server_specs_have_dangling_refs(server_spec: tuple[str, dict[str, Any]]) -> None:
    _name, spec = server_spec
    missing = dangling_refs(spec)
    assert "#/components/responses/BadRequest400" in missing
    assert any(ref.startswith("#/components/schemas/") for ref in missing)
    operations = sum(1 for _ in iter_operations(spec))
    assert len(missing["#/components/responses/DefaultError"]) == operations  # every operation uses it


@pytest.mark.parametrize("package_name", sorted(SERVER_SPECS))
def test_in_process_routers_leave_the_same_refs_dangling_as_the_server(package_name: str) -> None:
    served = json.loads(SERVER_SPECS[package_name].read_text())
    in_process = _in_process_spec(package_name, ("inference", "files"))
    paths = set(in_process["paths"])
    assert paths <= set(served["paths"])
    assert _dangling_by_operation(in_process, paths) == _dangling_by_operation(served, paths)


# --- the repair ---------------------------------------------------------------------------


def test_repaired_spec_has_no_dangling_ref(repaired_pair: tuple[dict[str, Any], RepairedSpec]) -> None:
    _spec, repaired = repaired_pair
    refs = list(iter_refs(repaired.spec))
    assert refs, "the walk found no $ref at all"
    unresolved = [(pointer, ref) for pointer, ref in refs if not resolves(repaired.spec, ref)]
    assert unresolved == []
    assert repaired.unresolved == []


def test_the_input_is_not_mutated(server_spec: tuple[str, dict[str, Any]]) -> None:
    name, spec = server_spec
    before = copy.deepcopy(spec)
    repair_spec(spec, _package(name))
    assert spec == before


def test_every_change_is_one_listed_repair(repaired_pair: tuple[dict[str, Any], RepairedSpec]) -> None:
    spec, repaired = repaired_pair
    changed = set()
    for section in ("schemas", "responses"):
        old = spec.get("components", {}).get(section, {})
        new = repaired.spec["components"].get(section, {})
        changed |= {f"/components/{section}/{key}" for key in new if old.get(key) != new[key]}
        relaxed = {f"/components/{section}/{key}" for key in old if new[key] != old[key]}
        errata = [repair.pointer for repair in repaired.of_kind("erratum")]
        # only errata touch old ones (a repair names the schema, or a property inside it)
        assert all(any(p == pointer or p.startswith(pointer + "/") for p in errata) for pointer in relaxed), relaxed
    for method, path, operation in iter_operations(repaired.spec):
        if SDK_ANSWERS_KEY in operation:  # the answers other SDKs get, beside the declared one
            changed.add(f"/paths/{path.replace('~', '~0').replace('/', '~1')}/{method}/{SDK_ANSWERS_KEY}")
        for status, response in operation["responses"].items():
            before = spec["paths"][path][method]["responses"].get(status, {})
            for media_type, media in response.get("content", {}).items():
                escaped = path.replace("~", "~0").replace("/", "~1")
                if media_type not in (before.get("content") or {}):  # a media type the router sends, added
                    changed.add(f"/paths/{escaped}/{method}/responses/{status}")
                if SSE_DATA_KEY in media:
                    changed.add(f"/paths/{escaped}/{method}/responses/{status}/content/text~1event-stream")
                    assert media_type == "text/event-stream"
    listed = [(repair.kind, repair.pointer) for repair in repaired.repairs]
    assert len(listed) == len(set(listed))  # no change listed twice
    # every change listed, nothing that did not change (a property's repair changes its schema)
    assert {pointer.split("/properties/")[0] for _kind, pointer in listed} == changed
    for missing in dangling_refs(spec):
        assert ("schema", missing[1:]) in listed or ("response", missing[1:]) in listed


def test_repairing_twice_changes_nothing(server_spec: tuple[str, dict[str, Any]],
                                        repaired_pair: tuple[dict[str, Any], RepairedSpec]) -> None:
    name, _spec = server_spec
    _spec, repaired = repaired_pair
    again = repair_spec(repaired.spec, _package(name))
    assert again.repairs == []
    assert again.spec == repaired.spec


def test_a_repair_reads_as_one_line() -> None:
    repair = Repair("schema", "/components/schemas/X", "filled from pkg.X")
    assert str(repair) == "[schema] /components/schemas/X: filled from pkg.X"
    with pytest.raises(AttributeError):
        repair.kind = "other"  # type: ignore[misc]


def _tiny_spec(**components: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/v1/things": {
                "get": {
                    "parameters": [{"$ref": "#/components/parameters/Missing"}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/NoSuchModelAnywhere"}}}},
                        "404": {"$ref": "#/components/responses/NotFound404"},
                        "default": {"$ref": "other.json#/components/responses/Elsewhere"},
                    },
                }
            }
        },
        "components": components,
    }


def test_what_cannot_be_resolved_is_listed_and_neutralised() -> None:
    spec = _tiny_spec()
    repaired = repair_spec(spec, _package("ogx_api"))
    assert dangling_refs(repaired.spec) == {}
    unresolved = {repair.pointer: repair.detail for repair in repaired.unresolved}
    operation = "/paths/~1v1~1things/get"
    assert set(unresolved) == {
        f"{operation}/parameters/0",
        f"{operation}/responses/200/content/application~1json/schema",
        f"{operation}/responses/default",
    }
    assert "NoSuchModelAnywhere" in unresolved[f"{operation}/responses/200/content/application~1json/schema"]
    got = repaired.spec["paths"]["/v1/things"]["get"]
    assert got["responses"]["200"]["content"]["application/json"]["schema"] == {}
    assert got["responses"]["default"]["description"].startswith("unresolved reference")
    assert repaired.of_kind("response")[0].pointer == "/components/responses/NotFound404"  # filled, not dropped


# --- what the filled components say -------------------------------------------------------


def _validator(document: dict[str, Any], ref: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator({"components": document["components"], "$ref": ref})


def test_error_responses_describe_what_the_servers_send(repaired_pair: tuple[dict[str, Any], RepairedSpec]) -> None:
    _spec, repaired = repaired_pair
    body = repaired.spec["components"]["responses"]["BadRequest400"]["content"]["application/json"]["schema"]
    validator = _validator(repaired.spec, body["$ref"])
    # Bodies observed from running ogx 1.5.0 and llama-stack 0.7.3 servers.
    for sent in ({"error": {"message": "Model 'nope' not found."}},
                 {"error": {"message": "bad", "type": "invalid_request_error", "code": "400"}},
                 {"detail": "Not Found"}, {"detail": "Method Not Allowed"}):
        assert validator.is_valid(sent), sent
    for not_sent in ({"status": 400, "title": "Bad Request"}, {"error": "text"}, {"error": {}}, []):
        assert not validator.is_valid(not_sent), not_sent
    [note] = repaired.of_kind("error-body")
    assert "Error (status, title, detail, instance) is not what the servers send" in note.detail


def test_filled_schema_accepts_a_real_chunk_and_rejects_a_wrong_one(
    repaired_pair: tuple[dict[str, Any], RepairedSpec],
) -> None:
    _spec, repaired = repaired_pair
    chunk_ref = sse_chunk_schemas(repaired.spec)["POST /v1/chat/completions"]["$ref"]
    assert chunk_ref == "#/components/schemas/OpenAIChatCompletionChunk"
    validator = _validator(repaired.spec, chunk_ref)
    good = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "object": "chat.completion"})
    assert not validator.is_valid({**good, "choices": [{"index": 0, "delta": {}, "finish_reason": "done"}]})


def test_streams_are_described_as_events(repaired_pair: tuple[dict[str, Any], RepairedSpec]) -> None:
    _spec, repaired = repaired_pair
    media = repaired.spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    assert media[SSE_DATA_KEY] == {"$ref": "#/components/schemas/OpenAIChatCompletionChunk"}
    event = media["schema"]
    assert event["required"] == ["data"] and event["properties"]["data"] == {"type": "string"}
    content = event["else"]["properties"]["data"]
    assert content["contentMediaType"] == "application/json"
    assert content["contentSchema"]["else"] == media[SSE_DATA_KEY]
    streams = sse_chunk_schemas(repaired.spec)
    assert {"POST /v1/chat/completions", "POST /v1/completions", "POST /v1/responses"} <= set(streams)
    assert len(streams) == len(repaired.of_kind("sse-event"))


# --- fetching -----------------------------------------------------------------------------

MINI = {"openapi": "3.1.0", "info": {"title": "mini", "version": "1"}, "paths": {}}


class _Recorder(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    hits: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:
        type(self).hits.append((self.path, self.headers.get("Authorization")))
        status, headers, body = type(self).routes.get(self.path, (404, {}, b"{}"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


def _serve(host: str, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> Iterator[tuple[str, list[Any]]]:
    handler = type("Handler", (_Recorder,), {"routes": routes, "hits": []})
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", handler.hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def other_host() -> Iterator[tuple[str, list[Any]]]:
    """A second server on another loopback address: anything it receives was sent off-target."""
    yield from _serve("127.0.0.2", {"/openapi.json": (200, {}, json.dumps(MINI).encode())})


@pytest.fixture
def target(other_host: tuple[str, list[Any]]) -> Iterator[tuple[str, list[Any]]]:
    other_url, _hits = other_host
    spec = json.dumps(MINI).encode()
    yield from _serve("127.0.0.1", {
        "/openapi.json": (200, {"Content-Type": "application/json"}, spec),
        "/moved/openapi.json": (307, {"Location": f"{other_url}/openapi.json"}, b""),
        "/html/openapi.json": (200, {"Content-Type": "text/html"}, b"<html>hello</html>"),
        "/list/openapi.json": (200, {}, b"[1, 2]"),
        "/notapi/openapi.json": (200, {}, b'{"hello": "world"}'),
        "/locked/openapi.json": (401, {}, b'{"detail": "no"}'),
    })


def test_fetch_returns_the_document_and_sends_the_headers(target: tuple[str, list[Any]]) -> None:
    url, hits = target
    assert fetch_spec(url + "/", headers={"Authorization": "Bearer sekrit-1"}) == MINI
    assert hits == [("/openapi.json", "Bearer sekrit-1")]


def test_a_redirect_to_another_host_is_reported_not_followed(target: tuple[str, list[Any]],
                                                             other_host: tuple[str, list[Any]]) -> None:
    url, _hits = target
    other_url, other_hits = other_host
    with pytest.raises(KitUsageError) as caught:
        fetch_spec(url + "/moved")
    message = str(caught.value)
    assert f"{url}/moved/openapi.json" in message and "redirect" in message and other_url in message
    assert other_hits == []


@pytest.mark.parametrize(("prefix", "expected"), [
    ("/html", "not JSON"),
    ("/list", "not an OpenAPI document"),
    ("/notapi", "no `openapi` field"),
    ("/locked", "--llama-stack-header"),
    ("/nowhere", "HTTP 404"),
])
def test_a_wrong_answer_is_a_usage_error_naming_the_url(target: tuple[str, list[Any]], prefix: str,
                                                        expected: str) -> None:
    url, _hits = target
    with pytest.raises(KitUsageError) as caught:
        fetch_spec(url + prefix, headers={"Authorization": "Bearer sekrit-2"})
    assert f"{url}{prefix}/openapi.json" in str(caught.value)
    assert expected in str(caught.value)
    assert "sekrit-2" not in str(caught.value)


def test_a_dead_url_fails_fast_with_what_to_check() -> None:
    with refused_port() as port, pytest.raises(KitUsageError) as caught:
        started = time.monotonic()
        fetch_spec(f"http://127.0.0.1:{port}")  # the default timeout
    assert time.monotonic() - started < 10
    assert f"http://127.0.0.1:{port}/openapi.json" in str(caught.value)
    assert "Is the server running" in str(caught.value)


def test_a_port_that_accepts_but_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever reads or answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(KitUsageError) as caught:
            fetch_spec(f"http://127.0.0.1:{port}", timeout_s=1.0)
        elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 6.0  # the default timeout is 8 s; under load the client's set-up takes a while
    assert "no answer within 1 s" in str(caught.value)


def test_spec_files_are_read_as_json_or_yaml(tmp_path: Path) -> None:
    import yaml

    as_json, as_yaml, not_api = tmp_path / "a.json", tmp_path / "a.yaml", tmp_path / "b.yaml"
    as_json.write_text(json.dumps(MINI))
    as_yaml.write_text(yaml.safe_dump(MINI))
    not_api.write_text("just: text\n")
    assert read_spec_file(as_json) == read_spec_file(as_yaml) == MINI
    with pytest.raises(KitUsageError, match="no `openapi` field"):
        read_spec_file(not_api)
    with pytest.raises(KitUsageError, match="does not exist"):
        read_spec_file(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(KitUsageError, match="neither valid JSON nor YAML"):
        read_spec_file(tmp_path / "broken.json")


# --- the errata of ogx-api 1.5's newer APIs ----------------------------------------------

def test_newer_apis_errata_describe_what_their_routers_do() -> None:
    """file_processors' exclusive file / file_id, messages' JSONL results, the vendor error bodies."""
    name = "ogx_api"
    repaired = repair_spec(json.loads(SERVER_SPECS[name].read_text()), _package(name))
    schemas = repaired.spec["components"]["schemas"]
    process = next(schema for key, schema in schemas.items() if key.startswith("Body_process_file"))
    assert "file_id" not in process["properties"] and process["required"] == ["file"]
    assert process["properties"]["file"]["type"] == "string"  # null is no longer an upload
    results = repaired.spec["paths"]["/v1/messages/batches/{message_batch_id}/results"]["get"]
    assert "application/x-jsonl" in results["responses"]["200"]["content"]
    bodies = {branch.get("$ref") for branch in schemas[ERROR_BODY_NAME]["anyOf"]}
    assert {"#/components/schemas/AnthropicErrorResponse", "#/components/schemas/GoogleErrorResponse"} <= bodies
    details = " ".join(repair.detail for repair in repaired.of_kind("erratum"))
    assert "erratum.mutually-exclusive-fields" in details and "erratum.jsonl-undocumented" in details


class _ModelsBehindTheRouter:
    """Just enough of a Models implementation for ogx-api's own router to answer in every SDK's format."""

    def __init__(self) -> None:
        from ogx_api.models.models import Model

        self.model = Model(identifier="m1", provider_id="p", provider_resource_id="m1", created=1)

    async def list_models(self) -> Any:
        from ogx_api.models.models import ListModelsResponse

        return ListModelsResponse(data=[self.model])

    async def openai_list_models(self) -> Any:
        from ogx_api.models.models import OpenAIListModelsResponse, OpenAIModel

        return OpenAIListModelsResponse(data=[OpenAIModel(id="m1", created=1, owned_by="p")])

    async def anthropic_list_models(self, **_page: Any) -> Any:
        from ogx_api.models.models import AnthropicListModelsResponse, AnthropicModelInfo

        info = AnthropicModelInfo(id="m1", display_name="m1", created_at="1970-01-01T00:00:01Z")
        return AnthropicListModelsResponse(data=[info], first_id="m1", last_id="m1")

    async def google_list_models(self) -> Any:
        from ogx_api.models.models import GoogleListModelsResponse, GoogleModelInfo

        return GoogleListModelsResponse(models=[GoogleModelInfo(name="models/m1", display_name="m1")])

    async def get_model(self, request: Any) -> Any:
        return self.model


SDK_HEADERS = {"openai": {}, "anthropic": {"anthropic-version": "2023-06-01"}, "google": {"x-goog-api-key": "k"}}


def _models_app(impl: Any) -> Any:
    from fastapi import FastAPI
    from ogx_api.models.fastapi_routes import create_router

    app = FastAPI()
    app.include_router(create_router(impl))
    return app


def _judge_answer(app: Any, route: str, headers: dict[str, str]) -> Exception | None:
    """The kit's response-schema check (``fuzz.checks``) on the app's answer to one request: the failure, or None."""
    from llama_conformance.fuzz import load_schema
    from llama_conformance.fuzz.checks import response_schema_conformance

    schema = load_schema(repair_spec(json.loads(SERVER_SPECS["ogx_api"].read_text()), ogx_api), app=app)
    case = schema[route]["GET"].Case(headers=dict(headers), path_parameters={"model_id": "m1"} if "{" in route else {})
    answer = case.call()
    assert answer.status_code == 200, answer.text
    try:
        case.validate_response(answer, checks=[response_schema_conformance])
    except BaseExceptionGroup as group:  # schemathesis' FailureGroup
        return group.exceptions[0]  # type: ignore[return-value]
    except Exception as failure:
        return failure
    return None


@pytest.mark.parametrize("sdk", sorted(SDK_HEADERS))
@pytest.mark.parametrize("route", ["/v1/models", "/v1/models/{model_id}"])
def test_an_answer_in_the_format_an_sdk_header_chose_is_held_to_that_sdks_model(sdk: str, route: str) -> None:
    """``erratum.sdk-format-answers``: ogx-api 1.5's own models router, asked with a documented SDK header, answers
    in that SDK's format; the saved document declares only the OpenAI one, so the answer failed
    ``fuzz.response-schema`` on a real ogx server (seen with ``x-goog-*``). The kit's check now holds it to that
    SDK's model, and every other answer to the declared one."""
    assert _judge_answer(_models_app(_ModelsBehindTheRouter()), route, SDK_HEADERS[sdk]) is None


def _google_listing_whatever_asked(listing: dict[str, Any]) -> Any:
    """A server answering ``GET /v1/models`` with ``listing`` whatever the request's headers: a server's defect."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.get("/v1/models")
    async def list_models() -> Any:
        return JSONResponse(listing)

    return app


@pytest.mark.parametrize(("sdk", "listing", "says"), [
    ("openai", {"models": [{"name": "models/m1", "display_name": "m1"}]}, "Response violates schema"),
    ("google", {"models": [{"name": 7, "display_name": "m1"}]}, "Response violates the Google SDK's schema"),
], ids=["google-format-to-an-openai-request", "broken-google-answer"])
def test_an_answer_in_the_wrong_format_or_broken_still_fails(sdk: str, listing: dict[str, Any], says: str) -> None:
    """A Google-format listing to a request that named no SDK is held to the declared OpenAI model, and fails; a
    broken one to a Google request is held to the Google model, and fails naming the field."""
    failure = _judge_answer(_google_listing_whatever_asked(listing), "/v1/models", SDK_HEADERS[sdk])
    assert failure is not None and failure.title == says, failure
    assert failure.code == "ST108"  # fuzz.response-schema
    if sdk == "google":
        assert "7 is not of type" in failure.message and "name" in failure.message, failure.message


def test_a_route_returning_a_starlette_response_is_documented_as_a_raw_body() -> None:
    """llama-stack-api 0.4-0.6's files content route names ``#/components/schemas/Response`` (the Starlette
    class it returns) and no document defines it: the repair describes the answer as a string, as 0.7 does;
    the same name anywhere else is still unresolved."""
    answer = {"$ref": "#/components/schemas/Response"}
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "0"}, "paths": {"/v1/files/{file_id}/content": {
        "get": {"responses": {"200": {"description": "The raw file content as a binary response.",
                                      "content": {"application/json": {"schema": answer}}}}}}}}
    repaired = repair_spec(spec, ogx_api)
    content = repaired.spec["paths"]["/v1/files/{file_id}/content"]["get"]["responses"]["200"]["content"]
    assert content == {"application/json": {"schema": {"type": "string"}}}
    assert [(r.kind, r.pointer) for r in repaired.repairs] == [
        ("raw-body", "/paths/~1v1~1files~1{file_id}~1content/get/responses/200/content/application~1json/schema")]
    assert not repaired.unresolved

    spec["paths"]["/v1/files/{file_id}/content"]["get"]["parameters"] = [
        {"name": "q", "in": "query", "schema": copy.deepcopy(answer)}]  # not an answer: no raw body to describe
    assert [r.kind for r in repair_spec(spec, ogx_api).repairs].count("unresolved") == 2


def test_each_sdk_answer_schema_is_compiled_once() -> None:
    """Compiling the SDK answer's validator against a real server's components takes milliseconds, validating an
    answer a microsecond: the check compiles it once per answer (``fuzz.checks._sdk_validator``), and keeps only the
    newest few, so a process that loads many documents does not keep them all alive."""
    from types import SimpleNamespace

    from llama_conformance.fuzz import checks

    spec = repair_spec(json.loads(SERVER_SPECS["ogx_api"].read_text()), ogx_api).spec
    case = SimpleNamespace(operation=SimpleNamespace(schema=SimpleNamespace(raw_schema=spec)))
    answer = spec["paths"]["/v1/models"]["get"][SDK_ANSWERS_KEY][1]
    first = checks._sdk_validator(case, answer)[1]
    assert checks._sdk_validator(case, answer)[1] is first
    others = [dict(answer) for _ in range(8)]  # eight other answers, each compiled in turn
    for other in others:
        checks._sdk_validator(case, other)
    assert checks._sdk_validator(case, answer)[1] is not first  # the oldest was dropped, so compiled again
    assert len(checks._SDK_VALIDATORS) <= 8

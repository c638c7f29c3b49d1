"""The schemathesis driver: every operation of a repaired document runs, on target, bounded.

The target is the kit's in-process deployment (``transport.asgi.app_for``) of the reference
providers: the package's own routers over ``fixtures/reference``, no server process.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import ogx_api  # noqa: F401 - first, before anything could import llama_stack_api
import pytest
from schemathesis.specs.openapi import checks as schemathesis_checks
from tests_support import refused_port

from llama_conformance.contract import load_contract
from llama_conformance.fuzz import (
    GuardedSession,
    RequestBudget,
    judge_events,
    load_schema,
    operation_labels,
    parse_events,
    run_operation,
    schema_errors,
    sse_event_conformance,
)
from llama_conformance.fuzz.run import find_operation
from llama_conformance.fuzz.sse_check import SseEventViolation, chunk_validator
from llama_conformance.openapi import repair_spec, sse_chunk_schemas
from llama_conformance.transport.asgi import app_for
from llama_conformance.transport.client import OffTargetRequest
from llama_conformance_fixtures.broken.inference_chunk_wrong_object import ChunkWrongObject
from llama_conformance_fixtures.reference.files import KitFilesConfig, KitFilesImpl
from llama_conformance_fixtures.reference.inference import KitInferenceConfig, KitInferenceImpl

CHAT = "POST /v1/chat/completions"
STREAM_BODY = {"model": "kit-echo", "messages": [{"role": "user", "content": "hello there friend"}], "stream": True}


@pytest.fixture(scope="module")
def contract() -> Any:
    return load_contract("ogx_api")


def _app(contract: Any, inference: Any = None, files: Any = None) -> Any:
    return app_for({"files": files or KitFilesImpl(KitFilesConfig()),
                    "inference": inference or KitInferenceImpl(KitInferenceConfig())}, contract)


@pytest.fixture(scope="module")
def reference_app(contract: Any) -> Any:
    return _app(contract)


@pytest.fixture(scope="module")
def raw_spec(reference_app: Any) -> dict[str, Any]:
    return reference_app.openapi()


@pytest.fixture(scope="module")
def repaired(raw_spec: dict[str, Any], contract: Any) -> Any:
    return repair_spec(raw_spec, contract.package.module)


@pytest.fixture(scope="module")
def schema(repaired: Any, reference_app: Any) -> Any:
    return load_schema(repaired, app=reference_app, max_examples=1, seed=1)


# --- raw vs repaired ----------------------------------------------------------------------


def test_the_raw_spec_runs_no_case_and_says_why(raw_spec: dict[str, Any], reference_app: Any) -> None:
    raw = load_schema(raw_spec, app=reference_app, max_examples=1)
    operations = sum(len(item) for item in raw_spec["paths"].values())
    assert operation_labels(raw) == []
    assert len(schema_errors(raw)) == operations
    outcome = run_operation(raw, "GET /v1/files")
    assert outcome.cases == 0
    assert outcome.errors[0].startswith("schemathesis cannot build GET /v1/files")
    assert "components/responses" in outcome.errors[0]


def test_every_operation_of_the_repaired_spec_runs_cases(schema: Any, raw_spec: dict[str, Any]) -> None:
    labels = operation_labels(schema)
    assert len(labels) == sum(len(item) for item in raw_spec["paths"].values())
    assert schema_errors(schema) == []
    budget = RequestBudget(200)
    for label in labels:
        outcome = run_operation(schema, label, checks=["not_a_server_error"], budget=budget, time_budget_s=20)
        assert outcome.errors == [], outcome.report()
        assert outcome.cases > 0, outcome.summary()
    assert budget.sent > len(labels)


# --- streams ------------------------------------------------------------------------------


def _stream_answer(schema: Any) -> tuple[Any, Any]:
    case = find_operation(schema, CHAT).Case(body=STREAM_BODY, media_type="application/json")
    return case, case.call()


def test_a_good_stream_passes_the_sse_check_and_schemathesis_own_validation(schema: Any) -> None:
    case, response = _stream_answer(schema)
    assert response.status_code == 200 and response.headers["content-type"][0].startswith("text/event-stream")
    assert len(parse_events(response.content)) >= 3
    case.validate_response(response, checks=[sse_event_conformance, schemathesis_checks.response_schema_conformance])


def test_a_stream_with_an_invalid_chunk_fails_naming_event_and_path(contract: Any, repaired: Any) -> None:
    broken = _app(contract, inference=ChunkWrongObject(KitInferenceConfig()))
    case, response = _stream_answer(load_schema(repaired, app=broken, max_examples=1))
    events = parse_events(response.content)
    with pytest.raises(SseEventViolation) as caught:
        sse_event_conformance(None, response, case)
    message = str(caught.value)
    last = len(events) - 1  # the fixture's defect is on the finishing chunk
    assert f"event #{last} at $.object:" in message and "chat.completion.chunk" in message
    # The event description in the document lets schemathesis' own check see it too.
    with pytest.raises(AssertionError, match="SSE event violates schema"):
        schemathesis_checks.response_schema_conformance(None, response, case)


GOOD = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
        "choices": [{"index": 0, "delta": {"content": "hi", "role": "assistant"}, "finish_reason": None}]}
LAST = {**GOOD, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}


@pytest.mark.parametrize(("datas", "conformant"), [
    (["GOOD", "[DONE]"], True),
    (["GOOD", '{"error": {"message": "upstream closed"}}'], True),
    (["BAD"], False),
    (["{not json"], False),
])
def test_schemathesis_reads_the_event_description_of_the_repaired_spec(repaired: Any, datas: list[str],
                                                                       conformant: bool) -> None:
    """Plain schemathesis, no kit check: [DONE] and a final error event pass, a bad chunk does not."""
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    chunks = {"GOOD": json.dumps(GOOD), "BAD": json.dumps({**GOOD, "object": "chat.completion"})}
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat() -> StreamingResponse:
        lines = [f"data: {chunks.get(data, data)}\n\n" for data in datas]
        return StreamingResponse(iter(lines), media_type="text/event-stream")

    case, response = _stream_answer(load_schema(repaired, app=app, max_examples=1))
    if conformant:
        schemathesis_checks.response_schema_conformance(None, response, case)
    else:
        with pytest.raises(AssertionError, match="SSE event violates schema"):
            schemathesis_checks.response_schema_conformance(None, response, case)


@pytest.fixture(scope="module")
def chunk(repaired: Any) -> Any:
    return chunk_validator(repaired.spec, sse_chunk_schemas(repaired.spec)[CHAT])


def _sse(*datas: str) -> bytes:
    return "".join(f"data: {data}\n\n" for data in datas).encode()


@pytest.mark.parametrize("body", [
    _sse(json.dumps(GOOD), json.dumps(LAST)),
    _sse(json.dumps(GOOD), json.dumps(LAST), "[DONE]"),
    _sse(json.dumps(GOOD), json.dumps({"error": {"message": "upstream closed"}})),
    _sse(json.dumps(GOOD), json.dumps({"error": {"message": "x"}}), "[DONE]"),
    b": keep-alive\r\n\r\ndata: " + json.dumps(GOOD).encode() + b"\r\n\r\ndata: " + json.dumps(LAST).encode(),
], ids=["plain", "done-sentinel", "error-event-last", "error-then-done", "crlf-comment-no-final-blank"])
def test_conformant_streams_pass(chunk: Any, body: bytes) -> None:
    assert judge_events(parse_events(body), chunk) == []


@pytest.mark.parametrize(("body", "expected"), [
    (_sse(json.dumps(GOOD), json.dumps({**LAST, "choices": [{"index": 0, "delta": {}, "finish_reason": "done"}]})),
     "event #1 at $.choices[0].finish_reason: 'done' is not one of"),
    (_sse(json.dumps({**GOOD, "created": "yesterday"})), "event #0 at $.created: 'yesterday' is not of type"),
    (_sse("[DONE]", json.dumps(GOOD)), "event #0: `[DONE]` must be the last event"),
    (_sse(json.dumps({"error": {"message": "x"}}), json.dumps(GOOD)), "event #0: an error event must end the stream"),
    (_sse(json.dumps({"error": {"code": 5}})), "event #0 at $.error.message: an error event must carry"),
    (_sse("{not json"), "event #0: `data` is not JSON"),
    (b"", "the stream carried no event"),
])
def test_broken_streams_are_caught(chunk: Any, body: bytes, expected: str) -> None:
    problems = [str(problem) for problem in judge_events(parse_events(body), chunk)]
    assert any(problem.startswith(expected) for problem in problems), problems


# --- safety: one origin, no redirects, bounded ---------------------------------------------


def _serve(host: str, answer: tuple[int, dict[str, str], bytes]) -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            status, headers, body = answer
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def other_host() -> Iterator[tuple[str, list[str]]]:
    yield from _serve("127.0.0.2", (200, {"Content-Type": "application/json"}, b'{"ok": true}'))


@pytest.fixture
def redirecting(other_host: tuple[str, list[str]]) -> Iterator[tuple[str, list[str]]]:
    yield from _serve("127.0.0.1", (307, {"Location": f"{other_host[0]}/v1/ping"}, b""))


def test_the_session_refuses_other_hosts_and_never_follows_a_redirect(
    redirecting: tuple[str, list[str]], other_host: tuple[str, list[str]]
) -> None:
    target, target_hits = redirecting
    other, other_hits = other_host
    session = GuardedSession(target, RequestBudget(10))
    with pytest.raises(OffTargetRequest, match=f"only talks to {target}"):
        session.get(f"{other}/v1/ping")
    answer = session.get(f"{target}/v1/ping")
    assert answer.status_code == 307 and target_hits == ["/v1/ping"]
    assert other_hits == [] and session.refused == [f"{other}/v1/ping"]


def test_a_fuzz_run_against_a_redirecting_server_stays_on_target(
    redirecting: tuple[str, list[str]], other_host: tuple[str, list[str]]
) -> None:
    target, target_hits = redirecting
    _other, other_hits = other_host
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/v1/ping": {"get": {
        "parameters": [{"name": "n", "in": "query", "schema": {"type": "integer", "maximum": 5}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}}}}}
    outcome = run_operation(load_schema(spec, base_url=target, max_examples=3, seed=2), "GET /v1/ping",
                            checks=["status_code_conformance"])
    assert outcome.cases == len(target_hits) > 0
    assert other_hits == []
    assert [failure.status for failure in outcome.failures] == [307]  # the redirect is the answer judged


def test_the_request_budget_and_the_time_bound_stop_a_run(schema: Any) -> None:
    outcome = run_operation(schema, "GET /v1/files", max_examples=10, budget=RequestBudget(2))
    assert outcome.cases == 2 and "budget (2)" in (outcome.stopped or "")
    outcome = run_operation(schema, CHAT, max_examples=50, time_budget_s=0)
    # The bound runs from the first case sent (building strategies is the kit's time, not the provider's):
    # one case of the 50 asked, then the stop (no wall-clock assertion: a loaded machine is slow, not wrong).
    assert outcome.cases == 1 and outcome.stopped == "time bound reached"


# --- what a failure says --------------------------------------------------------------------


class _ListCrashes(KitFilesImpl):
    async def openai_list_files(self, request: Any) -> Any:
        raise KeyError("listing broke")


def test_a_failure_carries_a_curl_command_without_the_secrets(contract: Any, repaired: Any) -> None:
    app = _app(contract, files=_ListCrashes(KitFilesConfig()))
    headers = {"Authorization": "Bearer sekrit-token-1", "X-Tenant": "hush-value-2"}
    schema = load_schema(repaired, app=app, headers=headers, max_examples=2, seed=3)
    outcome = run_operation(schema, "GET /v1/files", checks=["not_a_server_error"])
    assert not outcome.ok
    [failure] = outcome.failures
    assert failure.status == 500 and 1 <= failure.count <= outcome.cases
    report = outcome.report()
    assert "Reproduce with:\n  curl -X GET" in report and "/v1/files" in report
    assert "-H 'Authorization: [Filtered]'" in report and "-H 'X-Tenant: ***'" in report
    assert "sekrit-token-1" not in report and "hush-value-2" not in report


def test_a_good_provider_passes_what_the_broken_one_fails(schema: Any) -> None:
    outcome = run_operation(schema, "GET /v1/files", checks=["not_a_server_error"], max_examples=2)
    assert outcome.ok and outcome.cases > 0


# --- the pattern the plugin uses: one pytest item per operation ----------------------------

EXAMPLE = '''
import ogx_api  # noqa: F401
import pytest
from llama_conformance.contract import load_contract
from llama_conformance.fuzz import RequestBudget, load_schema, operation_labels, run_operation
from llama_conformance.openapi import repair_spec
from llama_conformance.transport.asgi import app_for
from llama_conformance_fixtures.reference.files import KitFilesConfig, KitFilesImpl


class ListCrashes(KitFilesImpl):
    async def openai_list_files(self, request):
        raise KeyError("listing broke")


CONTRACT = load_contract("ogx_api")
APP = app_for({"files": ListCrashes(KitFilesConfig())}, CONTRACT)
SCHEMA = load_schema(repair_spec(APP.openapi(), CONTRACT.package.module), app=APP,
                     headers={"Authorization": "Bearer sekrit-3"}, max_examples=2, seed=0)
BUDGET = RequestBudget(500)


@pytest.mark.parametrize("label", operation_labels(SCHEMA))
def test_operation(label):
    outcome = run_operation(SCHEMA, label, budget=BUDGET, time_budget_s=20,
                            checks=["not_a_server_error", "status_code_conformance", "sse_event_conformance"])
    assert outcome.cases > 0, outcome.summary()
    if not outcome.ok:
        pytest.fail(outcome.report(), pytrace=False)
'''


def test_one_pytest_item_per_operation_and_failures_show_curl(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fuzz_example=EXAMPLE)
    # A fresh process: an xdist worker may already hold llama_stack_api, and ogx_api's models
    # imported after it are not the ones the routers expect (every call would be a 500).
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncio", "-rf")
    result.assert_outcomes(passed=4, failed=1)  # the five Files operations; only listing crashes
    result.stdout.fnmatch_lines(["FAILED *test_operation?GET /v1/files? - *"])
    output = result.stdout.str()
    assert "Reproduce with:" in output and "curl -X GET" in output and "[Filtered]" in output
    assert "sekrit-3" not in output


def test_transport_errors_become_failures_not_crashes() -> None:
    # A port nobody listens on: every case is a failure "no answer", the run itself completes.
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/v1/x": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    with refused_port() as port:
        outcome = run_operation(load_schema(spec, base_url=f"http://127.0.0.1:{port}", max_examples=1), "GET /v1/x")
    assert outcome.cases == 1 and outcome.failures[0].title == "No answer (connection failed)"


@pytest.fixture
def fast_profile_schema(repaired: Any, reference_app: Any) -> Any:
    """The fast profile's budget (12 examples per mode): what a kit run draws for these seeds."""
    return load_schema(repaired, app=reference_app, max_examples=12, seed=3)


def _negative_upload(schema: Any, description: str) -> Any:
    """A drawn invalid ``POST /v1/files`` case with one mutation, whose description contains ``description``."""
    from hypothesis import HealthCheck, find, settings
    from schemathesis import GenerationMode

    strategy = find_operation(schema, "POST /v1/files").as_strategy(generation_mode=GenerationMode.NEGATIVE)
    def only(case: Any) -> bool:
        said = case.meta.phase.data.description or ""
        return said.count("violates `") == 1 and description in said

    return find(strategy, only,
                settings=settings(max_examples=2000, database=None, suppress_health_check=list(HealthCheck)))


def test_a_retyped_file_part_is_valid_as_sent_but_a_real_negative_is_not(fast_profile_schema: Any) -> None:
    """``file`` retyped to a boolean reaches the server as a file whose bytes read ``false``: valid
    as sent, so accepting it is no ST201. A broken ``purpose`` is invalid data whatever the wire."""
    from llama_conformance.fuzz.file_parts import only_file_parts_retyped

    retyped = _negative_upload(fast_profile_schema, "violates `type` at /properties/file")
    assert only_file_parts_retyped(retyped)
    broken_purpose = _negative_upload(fast_profile_schema, "/properties/purpose")
    assert not only_file_parts_retyped(broken_purpose)


def test_valid_cases_reuse_the_ids_earlier_answers_carried(fast_profile_schema: Any, monkeypatch) -> None:
    """With the run's feedback, ``GET /v1/files/{file_id}`` reads files the uploads created;
    without it, every drawn id is a 404."""
    import llama_conformance.fuzz.run as driver
    from llama_conformance.fuzz.feedback import RunFeedback

    schema = fast_profile_schema

    statuses: list[tuple[str, int]] = []
    deliver = driver.FuzzRun.deliver

    def spy(self: Any, case: Any) -> Any:
        response = deliver(self, case)
        statuses.append((case.operation.label, getattr(response, "status_code", 0)))
        return response

    monkeypatch.setattr(driver.FuzzRun, "deliver", spy)
    for feedback in (None, RunFeedback(schema)):
        statuses.clear()
        run_operation(schema, "POST /v1/files", seed=1, feedback=feedback)
        run_operation(schema, "GET /v1/files/{file_id}", seed=1, feedback=feedback)
        found = sum(1 for label, status in statuses if label.startswith("GET") and status == 200)
        assert (found >= 6) if feedback else (found == 0), (feedback, statuses)


def test_resources_are_created_before_the_operations_that_read_them() -> None:
    from llama_conformance.openapi.sse import creators_first

    labels = ["DELETE /v1/files/{file_id}", "GET /v1/files/{file_id}", "GET /v1/files", "POST /v1/files",
              "POST /v1/vector_stores/{vector_store_id}/files", "POST /v1/vector_stores"]
    assert creators_first(labels) == ["POST /v1/files", "POST /v1/vector_stores", "GET /v1/files",
                                      "POST /v1/vector_stores/{vector_store_id}/files", "GET /v1/files/{file_id}",
                                      "DELETE /v1/files/{file_id}"]


def test_a_501_is_an_unimplemented_member_not_a_server_crash(fast_profile_schema: Any) -> None:
    """The server maps NotImplementedError to 501; schemathesis calls any 5xx a server error.
    The kit keeps it under the SHOULD check ``fuzz.implemented``; a 500 stays a MUST failure."""
    from hypothesis import find, settings
    from schemathesis.core.failures import ServerError

    from llama_conformance.fuzz.ids import check_for_code
    from llama_conformance.fuzz.outcome import OperationOutcome
    from llama_conformance.fuzz.run import FuzzRun
    from llama_conformance.redact import Redactor

    operation = find_operation(fast_profile_schema, "GET /v1/files")
    case = find(operation.as_strategy(), lambda case: True, settings=settings(database=None))
    outcome = OperationOutcome(label=operation.label)
    run = FuzzRun(fast_profile_schema, operation, checks=[], time_budget_s=60,
                  budget=RequestBudget(), session=None, redact=Redactor(set()), outcome=outcome)
    for status in (501, 500):
        run.keep_unless_valid_as_sent(ServerError(operation=operation.label, status_code=status), case, status)
    checks = [(check_for_code(f.code).id, check_for_code(f.code).level.value, f.status) for f in outcome.failures]
    assert checks == [("fuzz.implemented", "SHOULD", 501), ("fuzz.not-a-server-error", "MUST", 500)]


def test_should_failures_are_warnings_unless_strict() -> None:
    """The fuzzer judges levels itself: a SHOULD-level failure leaves ``failures`` for ``warnings``
    (redacted), a MUST-level one stays; strict keeps both as failures."""
    from llama_conformance.fuzz.outcome import FuzzFailure, OperationOutcome
    from llama_conformance.fuzz.session import downgrade_should
    from llama_conformance.redact import Redactor

    def outcome() -> OperationOutcome:
        return OperationOutcome(label="POST /v1/files", failures=[
            FuzzFailure("POST /v1/files", "ST202", "Rejected positive data", "sk-secret refused", 400, "curl"),
            FuzzFailure("POST /v1/files", "ST201", "Accepted negative data", "accepted", 200, "curl"),
        ])

    lenient = outcome()
    warnings = downgrade_should(lenient, strict=False, redact=Redactor({"sk-secret"}))
    assert [f.code for f in lenient.failures] == ["ST201"]
    assert [(w.check.id, w.level.value) for w in warnings] == [("fuzz.positive-data-acceptance", "SHOULD")]
    assert "sk-secret" not in warnings[0].message
    strict = outcome()
    assert downgrade_should(strict, strict=True, redact=Redactor(set())) == []
    assert len(strict.failures) == 2


def test_a_404_about_a_body_id_is_not_a_missing_created_resource() -> None:
    """The kit's own vector_io reference met this: a drawn file_id attached to a store just created."""
    from types import SimpleNamespace

    from llama_conformance.fuzz.checks import about_a_body_id

    attach = SimpleNamespace(body={"file_id": "file-drawn", "attributes": None},
                             path_parameters={"vector_store_id": "vs_1"})
    assert about_a_body_id("File file-drawn not found", attach)
    assert not about_a_body_id("Vector store vs_1 not found", attach)  # the created store itself: judged
    read = SimpleNamespace(body=None, path_parameters={"file_id": "file-1"})
    assert not about_a_body_id("Not found", read)  # no body id: schemathesis' check decides

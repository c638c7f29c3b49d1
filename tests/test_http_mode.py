"""HTTP mode end to end: a deployment on loopback, checked with ``--llama-stack-url``.

The reference deployment (the kit's reference inference + files providers behind their
package's own routers, served by uvicorn in a subprocess) passes every behavioural suite
over HTTP. Each HTTP-level defect (``fixtures/deployment/defects.py``) fails the check made
for it; a dead URL is a usage error within seconds; header secrets never reach the output.
And the same broken *providers* that fail in-process fail the same checks when served
through their routers (``--llama-over-http``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from tests_support import assert_fails_exactly, failed_tests, failure_reports, must_ids, refused_port, requires

from llama_conformance import catalogue
from llama_conformance.checks import Proof, check_ids
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_fixtures.deployment import serve_deployment
from llama_conformance_suites.files.checks import UNKNOWN_TEST

pytestmark = pytest.mark.slow
SUITES = ("-m", "behavioral or negative or stateful")
SECRET = "Bearer kit-secret-token-5f1e"


@pytest.fixture(scope="module")
def deployment() -> Iterator[str]:
    requires("ogx_api")
    with serve_deployment() as url:
        yield url


def run_url(pytester: pytest.Pytester, url: str, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(f"--llama-stack-url={url}", "-p", "no:asyncio", "-rA", *extra)


def test_reference_deployment_passes_every_suite_over_http(pytester: pytest.Pytester, deployment: str) -> None:
    result = run_url(pytester, deployment, *SUITES, "--llama-stack-header", f"Authorization: {SECRET}")
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert outcomes.get("passed", 0) >= 20 and "failed" not in outcomes, outcomes
    text = result.stdout.str()
    assert f"deployment: {deployment} (HTTP" in text and "APIs served: files, inference" in text
    assert "headers: Authorization (values redacted)" in text and SECRET not in text
    # What HTTP cannot reach is a listed skip, not a silent pass.
    assert "test_register_served_model: `inference.register_model` has no HTTP route" in text


# HTTP-level defect -> (selection, a test that must fail, the check every failure names)
HTTP_DEFECTS = {
    "error-detail-body": (("-m", "negative"), "test_unknown_model[chat]", "http.error.body"),
    "sse-not-json": (("-m", "behavioral", "-k", "test_chat_stream and not fuzz"), "test_chat_stream",
                     "http.sse.framing"),
    "json-as-text": (("-m", "behavioral", "-k", "test_chat_answer or test_embeddings_answer"), "test_chat_answer",
                     "http.content-type"),
    "redirects-files": (("-m", "behavioral", "-k", "test_list_purpose_filter"), "test_list_purpose_filter",
                        "http.redirect"),
    "stream-stalls-midway": (("-m", "behavioral", "-k", "test_chat_stream and not fuzz", "--llama-timeout=2"),
                             "test_chat_stream", "call.no-hang"),
}


@pytest.mark.parametrize("defect", sorted(HTTP_DEFECTS))
def test_http_defect_is_caught_by_its_check(pytester: pytest.Pytester, defect: str) -> None:
    requires("ogx_api")
    selection, must_fail, check_id = HTTP_DEFECTS[defect]
    with serve_deployment(defect) as url:
        started = time.monotonic()
        result = run_url(pytester, url, *selection)
        elapsed = time.monotonic() - started
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    reports = failure_reports(result)
    assert must_fail in failed_tests(result), result.stdout.str()
    for test, report in reports.items():
        assert check_id in must_ids(report), f"{test} does not name {check_id}:\n{report}"
    if defect == "stream-stalls-midway":  # one timeout, then the run moves on
        assert elapsed < 90, elapsed  # a timeout per stalled call would be far more; under load start-up is 10-30 s


def test_a_dead_url_is_a_usage_error_within_seconds(pytester: pytest.Pytester) -> None:
    with refused_port() as port:  # nothing listens
        started = time.monotonic()
        result = run_url(pytester, f"http://127.0.0.1:{port}")
        elapsed = time.monotonic() - started
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stderr.str() + result.stdout.str()
    assert f"127.0.0.1:{port}" in text and "Traceback" not in text, text
    assert elapsed < 10 + 30, elapsed  # the kit's own limit is 10 s; the rest is pytest starting up (a loaded CI)


def test_a_url_that_is_not_http_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run_url(pytester, "ftp://127.0.0.1:21")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "must be an http(s) URL" in result.stderr.str()


# -- broken providers behind their routers: the same checks as in-process ---------------------

# In-process-only defects are left out, with the reason:
#   *-mutates-*: a request sent over HTTP is a copy, mutation cannot reach the caller;
#   *-embeddings-dict, *-chunks-as-dicts: a dict and a model serialize to the same JSON;
#   inference-register-rejects: register_model has no route (the routing table calls it);
#   inference-unknown-model-*: behind a server the routing table answers an unknown model 404
#   before the provider sees it (the in-process deployment does the same).
# One per family of checks: content, pagination, typed errors, response schema, embeddings,
# stream invariants, capabilities (the full matrix runs in-process: the wings' proofs, test_proofs).
OVER_HTTP = ("files-content-corrupted", "files-list-after-skips", "files-unknown-key-error", "files-unknown-answered",
             "inference-chat-bad-finish-reason", "inference-embeddings-one-vector", "inference-stream-ids-differ",
             "inference-stream-not-implemented")


# Where HTTP itself changes the symptom: ``None`` for an unknown file fails the router's
# ``response_model`` validation, so the client gets a 500 (call.typed-error), not a 200.
OVER_HTTP_SYMPTOM = {
    "files-unknown-answered": {UNKNOWN_TEST: check_ids((TYPED_ERROR,)), "test_delete": check_ids((TYPED_ERROR,))},
}


def _proof(fixture: str) -> Proof:
    """The wing's proof row of ``fixture`` (its run and the tests that must fail)."""
    return next(proof for wing in catalogue.wings() for proof in wing.proofs if proof.fixture == fixture)


@pytest.mark.defects
@pytest.mark.parametrize("defect", OVER_HTTP)
def test_broken_provider_over_http_fails_the_same_check(run_suites, defect: str) -> None:
    proof = _proof(defect)
    failing = OVER_HTTP_SYMPTOM.get(defect) or {test: check_ids(refs) for test, refs in proof.fails.items()}
    result = run_suites(f"inline::broken-{defect}", "--llama-over-http", *proof.run)
    reports = assert_fails_exactly(result, failing)
    assert all("--llama-over-http" in report for report in reports.values())  # the rerun line keeps the mode
    assert re.search(r"transport: HTTP through the API package's routers", result.stdout.str())


# -- the fuzzer: schemathesis per operation over the repaired document ------------------------

FUZZ = ("-m", "fuzz", "--hypothesis-seed=3")


def test_reference_deployment_passes_the_fuzzer_and_lists_every_repair(pytester: pytest.Pytester,
                                                                         deployment: str) -> None:
    result = run_url(pytester, deployment, *FUZZ)
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.OK, text
    assert "PASSED http/test_openapi_fuzz.py::test_operation[POST /v1/chat/completions]" in text
    # chains over the links schemathesis infers (files: upload -> retrieve / content / delete)
    assert "PASSED http/test_openapi_fuzz.py::test_linked_operations" in text
    assert re.search(r"llama-conformance: fuzzed \d+ tests, \d+ cases \(chained [1-9]\d*, ", text), text
    assert re.search(r"llama-conformance: \d+ repairs of the deployment's OpenAPI document", text), text
    for repaired in ("/components/responses/BadRequest400", "/components/schemas/OpenAIChatCompletionChunk",
                     "erratum.form-json-field"):
        assert repaired in text, repaired


@pytest.mark.parametrize(("defect", "operation", "select", "what"), [
    ("inference-chat-bad-finish-reason", "POST /v1/chat/completions", "POST and chat", "Response violates schema"),
    ("files-unknown-key-error", "GET /v1/files/{file_id}", "GET and file_id and not content", "Server error"),
])
def test_broken_provider_fails_the_fuzzer_with_a_curl_to_reproduce(run_suites, defect: str, operation: str,
                                                                   select: str, what: str) -> None:
    result = run_suites(f"inline::broken-{defect}", "--llama-over-http", *FUZZ, "-k", select)
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text
    assert f"FAILED http/test_openapi_fuzz.py::test_operation[{operation}]" in text, text
    report = failure_reports(result)[f"test_operation[{operation}]"]
    assert what in report and "curl -X " in report, report
    assert "--hypothesis-seed=3" in report  # the rerun line


@pytest.mark.parametrize(("defect", "check", "code"), [
    ("files-delete-keeps", "fuzz.use-after-free", "ST301 Deleted resource still available"),
    ("files-upload-not-stored", "fuzz.resource-availability", "ST302 Created resource not found"),
])
def test_chained_cases_catch_what_single_cases_cannot(run_suites, defect: str, check: str, code: str) -> None:
    """Only a chain (upload, then read; delete, then read) shows these; the per-operation items pass them."""
    result = run_suites(f"inline::broken-{defect}", "--llama-over-http", *FUZZ, "-k", "linked")
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text
    report = failure_reports(result)["test_linked_operations"]
    assert f"[MUST {check}] {code}" in report and "curl -X " in report, report


def test_fuzz_reports_redact_header_secrets(pytester: pytest.Pytester) -> None:
    requires("ogx_api")
    with serve_deployment("json-as-text") as url:  # JSON served as text/plain breaks every answer: curls are shown
        result = run_url(pytester, url, *FUZZ, "-k", "GET and files", "--llama-stack-header",
                         f"Authorization: {SECRET}")
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED and "curl -X " in text, text
    assert SECRET not in text and SECRET.split()[1] not in text

"""The kit over HTTP against real servers: ``ogx run`` and ``llama stack run`` on loopback.

* Serving the kit's reference providers (external providers by ``module:``), each server
  passes every behavioural suite over HTTP: the server's routers, registry and error
  translation add no defect of their own.
* Serving their built-in providers (files ``inline::localfs``; inference through
  ``remote::vllm`` / ``remote::openai`` to the kit's OpenAI-compatible loopback server), the
  kit reports what it reports in-process: llama-stack 0.7.3's localfs loses files when
  paging with ``after`` (``files.list.pagination``, a real defect); ogx 1.5's passes. The same
  run judges the conversations and prompts services (core services of both servers) and batches
  test by test, each failing test with the only checks it may fail (``SERVICE_FINDINGS``).
* The official SDK as a second judge (``http.sdk-parses``) in the same run, on the same server:
  on ogx 1.5 every answer and stream event is also parsed by ogx-client 1.5.0 as its generated
  methods parse them, and ``SDK_FINDINGS`` lists every finding it makes; llama-stack 0.7.3's
  official client, llama-stack-client, is a Stainless client whose default parsing is
  ``construct_type`` (no validation), so no SDK can reject an answer there: the judge is off and
  the check is not applicable. (One server per kind serves both: a server start is 5-8 CPU-s.)

Each server kind runs where its CLI sits beside ``sys.executable`` (one tox env each).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpcore  # noqa: F401  (imported before pytester snapshots sys.modules: see below)
import httpx  # noqa: F401
import pytest

from llama_conformance.transport.sdk_judge import not_judged_reason
from llama_conformance_fixtures.openai_server import serve_openai_compatible
from llama_conformance_fixtures.servers import (
    RunningServer,
    group_members,
    missing_reason,
    reference_config,
    running_server,
    server_config,
)
from llama_conformance_fixtures.servers.configs import OFFLINE_CONFIGS

# pytester restores sys.modules after each test; httpx imports httpcore lazily (on its first
# client), so httpcore would be imported anew in the next test while httpx keeps mapping the
# first import's exception classes, and a refused connection would escape as httpcore's.
pytestmark = pytest.mark.slow
SUITES = ("-m", "behavioral or negative or stateful")
BUILTIN = {"ogx": "ogx-offline-10-apis.yaml", "llama-stack": "llama-stack-offline-11-apis.yaml"}
PACKAGE = {"ogx": "ogx_api", "llama-stack": "llama_stack_api"}
SDK_LINE = re.compile(r"\[(MUST|ERRATUM [\w.-]+ /) http\.sdk-parses\] ([^\n]*)")
# Every http.sdk-parses finding on each real server's built-in providers (seed 1): (route, SDK model).
# None on either. ogx 1.5's sqlite-vec scores an exact match 1/0 -> infinity
# (ogx/providers/inline/vector_io/sqlite_vec/sqlite_vec.py:375), which the server's JSON carries as null:
# ogx-client's ``vector_stores.search`` and ``vector_io.query`` raise a ValidationError on it, but so does
# the API package's own model (a score is a float), so the contract's judges report it once, under their
# ids (vector_io.search.scores-finite, MUST), and the SDK judge stays silent on answers the contract
# itself rejects. Every other answer of the suites parses with ogx-client 1.5.0.
SDK_FINDINGS: dict[str, set[tuple[str, str]]] = {"ogx": set(), "llama-stack": set()}
SDK_TESTS: dict[str, set[str]] = {"ogx": set(), "llama-stack": set()}
SECTION = re.compile(r"^_{3,} (test_[^ ]+) _{3,}$", re.M)


def _assert_stopped(server: RunningServer) -> None:
    """Every process of the server's group ended with its ``with`` block."""
    assert server.process.returncode is not None
    assert group_members(server.process.pid) == [], f"processes of server group {server.process.pid} outlived it"


def _require(kind: str) -> None:
    reason = missing_reason(kind)
    if reason is not None:
        pytest.skip(reason)


@pytest.fixture
def loopback_openai() -> Iterator[str]:
    with serve_openai_compatible() as url:
        yield url + "/v1"


def sdk_findings(text: str) -> set[tuple[str, str]]:
    """(route, the SDK model that rejected it) of every http.sdk-parses finding in a run's output."""
    found = set()
    for _, message in SDK_LINE.findall(text):
        route = message.split(":", 1)[0].split(" stream event")[0]
        model = re.search(r"parses it as (\w+)", message)
        found.add((route, model.group(1) if model else "?"))
    return found


def charged_tests(text: str) -> set[str]:
    """The failed tests whose report names a MUST http.sdk-parses finding."""
    parts = SECTION.split(text)
    return {name for name, body in zip(parts[1::2], parts[2::2], strict=True) if "[MUST http.sdk-parses]" in body}


def _run(pytester: pytest.Pytester, url: str, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(f"--llama-stack-url={url}", "-p", "no:asyncio", "-rA", *SUITES, *extra)


@pytest.mark.parametrize("kind", ["ogx", "llama-stack"])
def test_reference_providers_behind_a_real_server_pass(pytester: pytest.Pytester, kind: str) -> None:
    _require(kind)
    with running_server(kind, reference_config(kind)) as server:  # the APIs the kit's references serve there
        result = _run(pytester, server.url, "--llama-api=files,inference,models")
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert outcomes.get("passed", 0) >= 20, outcomes
    package = {"ogx": "ogx-api", "llama-stack": "llama-stack-api"}[kind]
    assert f"contract: {package} " in result.stdout.str()  # detected from the routes the server publishes


# Serving their built-in providers, every suite over HTTP (seed 1): the failing tests, and the
# only checks their failures may name (the conversations, prompts and batches suites apart, test by
# test: SERVICE_FINDINGS). Both servers answer not-found on responses and vector-store file batches
# with FastAPI's `{"detail": ...}`, not the declared OpenAIErrorResponse that files and models answer
# with (http.error.body); ogx's search results name the file processor's random document id, not the
# attached file (vector_io.files.attach); llama-stack 0.7.3's localfs skips same-second files when
# paging with `after` (files.list.pagination).
BUILTIN_FINDINGS: dict[str, tuple[set[str], set[str]]] = {
    "ogx": ({"negative/test_unknown_ids.py::test_unknown_ids[responses]",
             # the responses suite runs over a URL now (the chat model comes from /v1/models): ogx answers
             # create with input "" by a 500 (a stream: an `error` event before response.created, and no
             # terminal event), and not-found / 409s of every responses route with `{"detail": ...}`
             "responses/test_responses.py::test_create_fuzz", "responses/test_responses.py::test_create_stream_fuzz",
             "responses/test_responses.py::test_delete", "responses/test_responses.py::test_cancel_finished_response",
             "responses/test_responses.py::test_previous_response_chain",
             "responses/test_responses.py::test_store_false_is_not_kept",
             "responses/test_responses_stateful.py::test_responses_state_machine",
             "vector_io/test_vector_io.py::test_unknown_ids",
             # sqlite-vec scores an exact match inf, null on the wire (sqlite_vec.py:375); updated
             # attributes reach the file, not its chunks (openai_vector_store_mixin.py:1609-1610); search
             # results name pypdf's document UUID, not the file id (mixin :1171, pypdf.py:165)
             "vector_io/test_vector_io.py::test_exact_match_scores_are_finite",
             "vector_io/test_vector_io_files.py::test_file_attributes_update",
             "vector_io/test_vector_io_search.py::test_search_names_attached_file",
             # background with stream refused with a 400 whose body is {"detail"}; so are a response naming
             # an unknown prompt (404, core/prompts/prompts.py:109-110), both previous_response_id and
             # conversation, a malformed conversation id (400, builtin openai_responses.py:954-967) and an
             # unknown one (404, core/conversations/conversations.py:449)
             "responses/test_responses_depth.py::test_background_stream",
             "responses/test_responses_params.py::test_prompt_unknown",
             "responses/test_responses_params.py::test_conversation_with_previous",
             "responses/test_responses_params.py::test_conversation_unknown",
             # file processors run in a worker (execution_mode: worker): ogx/core/jobs/proxy.py:96 raises
             # RuntimeError for every failed job, so pypdf's ValueError (400) and the files API's not-found
             # (404) reach the client as a 500; in-process pypdf refuses them cleanly
             # (tests/real/test_real_file_processors.py). Exactly-one-of file / file_id: {"detail"} body.
             "file_processors/test_file_processors.py::test_corrupt_document[docx]",
             "file_processors/test_file_processors.py::test_corrupt_document[pdf]",
             "file_processors/test_file_processors.py::test_file_xor_file_id",
             "file_processors/test_file_processors.py::test_process_document[docx]",
             "file_processors/test_file_processors.py::test_unknown_file_id",
             "file_processors/test_file_processors.py::test_unsupported_type",
             # messages through the vllm adapter's native passthrough (AnthropicMixin) to the loopback
             # server's /v1/messages: the inference router rewrites params.model to the provider's id and,
             # unlike chat / completions / embeddings (ogx/core/routers/inference.py:223, 236, 298), never
             # restores it (lines 355-361), so the answer names 'kit-echo', not the 'vllm/kit-echo' asked;
             # a backend 400 on a streamed request (messages: []) becomes a 200 whose first event is an
             # error (anthropic_mixin.py:121-133 raises inside the stream's generator)
             "messages/test_messages.py::test_create", "messages/test_messages.py::test_stream",
             "messages/test_messages.py::test_stream_fuzz",
             # three version uploads at once share a version number (skills/builtin/impl.py:221-247)
             "skills/test_skills.py::test_versions_at_once"},
            {"http.error.body", "stream.responses.created-first", "stream.responses.terminal-once",
             "vector_io.search.scores-finite", "vector_io.files.attributes-update", "vector_io.search.file-id",
             "call.typed-error", "file_processors.errors.corrupt",
             "file_processors.errors.unsupported", "file_processors.not-found", "messages.create",
             "messages.stream", "stream.messages.start-first", "stream.messages.stop-last",
             "skills.versions.at-once"}),
    "llama-stack": ({"files/test_files.py::test_list_pagination_and_order",
                     "negative/test_unknown_ids.py::test_unknown_ids[responses]",
                     # over a URL too: create with input "" answers 500, the list's `after` skips
                     # same-second responses and chains say previous_response_id null (as in-process,
                     # test_real_responses.py), and not-found bodies are `{"detail": ...}`
                     "responses/test_responses.py::test_create_fuzz",
                     "responses/test_responses.py::test_create_stream_fuzz",
                     "responses/test_responses.py::test_delete",
                     "responses/test_responses.py::test_cancel_finished_response",
                     "responses/test_responses.py::test_list_pagination_and_order",
                     "responses/test_responses.py::test_previous_response_chain",
                     "responses/test_responses.py::test_store_false_is_not_kept",
                     "responses/test_responses_stateful.py::test_responses_state_machine",
                     "vector_io/test_vector_io.py::test_unknown_ids",
                     # {"detail"} bodies: background with stream's 400, a response naming an unknown prompt
                     # (400), both previous_response_id and conversation (400), an unknown conversation (404)
                     "responses/test_responses_depth.py::test_background_stream",
                     "responses/test_responses_params.py::test_prompt_unknown",
                     "responses/test_responses_params.py::test_conversation_with_previous",
                     "responses/test_responses_params.py::test_conversation_unknown",
                     # pypdf 0.7.3 reads every file as a PDF: text, Markdown, HTML, DOCX, opaque bytes and a
                     # corrupt PDF raise PdfStreamError / PdfReadError, a 500 (not a 4xx refusal)
                     "file_processors/test_file_processors.py::test_corrupt_document[docx]",
                     "file_processors/test_file_processors.py::test_corrupt_document[html]",
                     "file_processors/test_file_processors.py::test_corrupt_document[md]",
                     "file_processors/test_file_processors.py::test_corrupt_document[pdf]",
                     "file_processors/test_file_processors.py::test_corrupt_document[txt]",
                     "file_processors/test_file_processors.py::test_process_document[docx]",
                     "file_processors/test_file_processors.py::test_process_document[html]",
                     "file_processors/test_file_processors.py::test_process_document[md]",
                     "file_processors/test_file_processors.py::test_process_document[txt]",
                     "file_processors/test_file_processors.py::test_unsupported_type",
                     # faiss scores an exact match inf (null on the wire); attributes updated on the file
                     # only, not on its chunks (openai_vector_store_mixin.py:1237); keyword / hybrid search
                     # raise NotImplementedError in faiss, which the mixin (789-797) answers as no results
                     "vector_io/test_vector_io.py::test_exact_match_scores_are_finite",
                     "vector_io/test_vector_io_files.py::test_file_attributes_update",
                     "vector_io/test_vector_io_search.py::test_search_modes",
                     "vector_io/test_vector_io_search.py::test_search_rankers"},
                    {"http.error.body", "files.list.pagination", "conversations.items.pagination",
                     "conversations.items.order", "call.typed-error", "responses.list.pagination",
                     "responses.chain", "file_processors.errors.corrupt",
                     "file_processors.errors.unsupported", "vector_io.search.scores-finite",
                     "vector_io.files.attributes-update", "vector_io.search.modes", "vector_io.search.rankers"}),
}

# Conversations and prompts (no provider type in either registry: core services each server mounts with
# responses) and batches (inline::reference), judged test by test in the same run (seed 1, so the same
# drawn examples every CI run, where the suites' own run drew new ones): each failing test of their suites
# -> the MUST check ids it may fail with (all of them, or where timing decides, a part). Every other test
# of those suites passes. The conversations' not-found answers on both servers (and on ogx the prompts',
# and its refusals of a duplicate item id and of a stale prompt version, 400s) are FastAPI's
# `{"detail": ...}`, not the declared OpenAIErrorResponse (``{"error": {"message": ...}}``) the same servers
# send for files and batches: every test that meets one fails on it first (http.error.body); llama-stack
# 0.7.3's prompts routes answer the declared body, and its prompts tests pass. llama-stack 0.7.3's
# conversations service has three defects of its own: ``list_items`` ignores ``after`` and always answers
# ``has_more=false``, so a walk with ``limit=2`` stops after the first page (conversations.items.pagination);
# items are ordered by a one-second ``created_at`` alone, so items added by separate calls in one second tie
# and ``order=desc`` keeps them in insertion order (conversations.items.order: core/conversations/
# conversations.py:217-224 numbers a call's items from ``int(time.time())``, :283-286 sorts by
# ``created_at``); two items sharing a client id in one request are a 500 (the items table's key clashes),
# not a client error (call.typed-error).
ERROR_BODY = {"http.error.body"}
_SERVICE_NOT_FOUND = {"conversations/test_conversations.py::test_delete": ERROR_BODY,
                      "conversations/test_conversations.py::test_unknown_item_ids": ERROR_BODY,
                      "conversations/test_conversations_items.py::test_item_copied": ERROR_BODY,
                      "negative/test_unknown_ids.py::test_unknown_ids[conversations]": ERROR_BODY}
SERVICE_FINDINGS: dict[str, dict[str, set[str]]] = {
    "ogx": {**_SERVICE_NOT_FOUND,
            "conversations/test_conversations.py::test_items_pagination_and_delete": ERROR_BODY,  # the deleted item
            "conversations/test_conversations_stateful.py::test_conversations_state_machine": ERROR_BODY,
            "prompts/test_prompts.py::test_delete": ERROR_BODY,
            "prompts/test_prompts.py::test_unknown_versions": ERROR_BODY,
            "prompts/test_prompts.py::test_versions_and_default": ERROR_BODY,  # the stale update's 400
            "prompts/test_prompts_stateful.py::test_prompts_state_machine": ERROR_BODY,
            "negative/test_unknown_ids.py::test_unknown_ids[prompts]": ERROR_BODY},
    "llama-stack": {**_SERVICE_NOT_FOUND,
                    "conversations/test_conversations.py::test_items_pagination_and_delete":
                        {"conversations.items.pagination"},
                    "conversations/test_conversations.py::test_items_add_retrieve_order": {"conversations.items.order"},
                    "conversations/test_conversations.py::test_duplicate_item_ids": {"call.typed-error"},
                    # an unknown item's 404, or the order defect when two add_items calls share a second (RACES)
                    "conversations/test_conversations_stateful.py::test_conversations_state_machine":
                        ERROR_BODY | {"conversations.stateful"}},
}
# The tests of those suites a builtin run judges: 22 in the three suites, and their three rows of the negative suite's
# unknown-id table. A test added to (or dropped from) those suites changes it.
SERVICE_TESTS_RUN = 25
_SERVICE_SUITE = re.compile(r"^(?:(?:batches|conversations|prompts)/\S+|negative/test_unknown_ids\.py::"
                            r"test_unknown_ids\[(?:batches|conversations|prompts)\])$")
# Both answer set_as_default with is_default=false for a version they store as the default; batch output
# lines carry response.body as a JSON string.
SERVICE_WARNINGS = {("batches/test_batches.py::test_create_run_complete", "SHOULD", "batches.output.format"),
                    ("prompts/test_prompts.py::test_create_get_list", "SHOULD", "prompts.answer-default")}


# Findings whose test depends on timing, each a real one when it shows: a background response
# the echo model finishes before the cancel arrives is refused with a 409 whose body is
# {"detail"} (http.error.body), as every other ogx refusal; a batch that completes between the
# reference batches provider's status read and its write of "cancelling" stays "cancelling" for
# good (ogx batches/reference/batches.py:323-331, llama-stack's :264-272: _update_batch does not
# look again), which batches.cancel.immediate names when the poll runs out. On llama-stack 0.7.3 the
# conversations state machine meets conversations.items.order's defect when two add_items calls fall in
# one second: each numbers its items from int(time.time()) (core/conversations/conversations.py:217-224),
# so they collide with the earlier call's, and list_items sorts by created_at alone (:283-286); ogx 1.5
# keeps a sort order. Whether the machine's steps share a second depends on the machine's speed.
RACES = {kind: {"responses/test_responses_depth.py::test_background_cancel",
                "batches/test_batches_validation.py::test_immediate_cancel"} for kind in ("ogx", "llama-stack")}
RACES["llama-stack"].add("conversations/test_conversations_stateful.py::test_conversations_state_machine")
RACE_CHECKS = {"batches.cancel.immediate", "conversations.stateful"}


@pytest.mark.parametrize("kind", ["ogx", "llama-stack"])
def test_builtin_providers_behind_a_real_server(pytester: pytest.Pytester, kind: str,
                                               request: pytest.FixtureRequest) -> None:
    _require(kind)
    loopback_openai: str = request.getfixturevalue("loopback_openai")  # after the skip: a server start each
    for attempt in range(2):
        with running_server(kind, server_config(BUILTIN[kind]), env={"KIT_OPENAI_URL": loopback_openai}) as server:
            result = _run(pytester, server.url, "--hypothesis-seed=1", f"--llama-report=report-{attempt}")
        _assert_stopped(server)
        text = result.stdout.str()
        # ogx serves file processing from worker processes that share its SQLite job queue; on a CI machine
        # running four test workers at once its server once stalled for over 30 s (a file batch, then every
        # vector store call after it). A stall on a starved machine is not what this test pins: on a fresh
        # server, once more. A stall that comes back fails below (call.no-hang is not an allowed check).
        if attempt == 0 and "[MUST call.no-hang]" in text:
            continue
        break
    assert "PASSED inference/test_inference.py::test_chat_answer" in text, text
    assert "files.upload.filename-kept" in text  # both localfs sanitize names (SHOULD)
    services = SERVICE_FINDINGS[kind]
    failing = BUILTIN_FINDINGS[kind][0] | set(services)
    allowed = BUILTIN_FINDINGS[kind][1].union(*services.values())
    failed = {line.split(" ", 1)[1].split(" - ", 1)[0] for line in text.splitlines() if line.startswith("FAILED ")}
    assert failing <= failed <= failing | RACES.get(kind, set()), "\n".join(sorted(failed))
    named = set(re.findall(r"\[MUST ([\w.-]+)\]", text))
    assert named <= allowed | RACE_CHECKS, sorted(named - allowed - RACE_CHECKS)
    assert result.ret == (pytest.ExitCode.TESTS_FAILED if failing else pytest.ExitCode.OK), text[-3000:]
    # The official SDK judged the same answers: what it rejects, and the tests it charges (each stops there).
    assert sdk_findings(text) == SDK_FINDINGS[kind], "\n".join(m for _, m in SDK_LINE.findall(text))
    assert charged_tests(text) == SDK_TESTS[kind], sorted(charged_tests(text))
    judged = not_judged_reason(PACKAGE[kind])
    report = json.loads((pytester.path / f"report-{attempt}" / "report.json").read_text())
    _judged_test_by_test(kind, text, report)
    sdk_status = {check["status"] for check in report["checks"] if check["id"] == "http.sdk-parses"}
    if kind == "llama-stack":
        assert judged is not None and "construct_type" in judged  # not applicable: nothing could reject
        assert sdk_status <= {"not-applicable"}, sdk_status  # and the run judged nothing with it
    else:
        assert judged is None, judged
        assert sdk_status == {"passed"}, sdk_status  # the run's own record: the SDK judged answers


def _judged_test_by_test(kind: str, text: str, report: dict[str, Any]) -> None:
    """The conversations, prompts and batches suites of a builtin run, from the run's report (which names each
    test by its path and lists every check it judged): each test passed, or failed only on the check ids
    SERVICE_FINDINGS allows it; none was skipped or broke; the SHOULD warnings of SERVICE_WARNINGS were given."""
    judged: dict[str, set[str]] = defaultdict(set)  # test -> the outcomes of its checks
    must: dict[str, set[str]] = defaultdict(set)  # test -> the MUST checks it failed
    warned = set()
    for row in report["results"]:
        if not _SERVICE_SUITE.match(row["test"]):
            continue
        judged[row["test"]].add(row["outcome"])
        if row["outcome"] == "failed" and row["level"] == "MUST":
            must[row["test"]].add(row["check"])
        elif row["outcome"] == "warned":
            warned.add((row["test"], row["level"], row["check"]))
    assert len(judged) == SERVICE_TESTS_RUN, sorted(judged)  # every test of them ran and was judged
    errors = {line.split(" ")[1] for line in text.splitlines() if line.startswith("ERROR ")}
    assert not {test for test in errors if _SERVICE_SUITE.match(test)}, sorted(errors)  # none broke in set-up
    expected = SERVICE_FINDINGS[kind]
    for test, outcomes in sorted(judged.items()):
        assert outcomes <= {"passed", "failed", "warned", "not-applicable"}, (test, outcomes)  # none skipped
        if test in expected:
            assert must[test] and must[test] <= expected[test], (test, must[test], expected[test])
        elif test in RACES[kind]:  # a race may fail, on its own check only
            assert must[test] <= RACE_CHECKS, (test, must[test])
        else:
            assert not must[test], (test, must[test])
    assert warned >= SERVICE_WARNINGS, sorted(warned)
    assert '{"detail": "Conversation' in text, text
    if kind == "ogx":  # llama-stack's prompts answer the declared error body
        assert '{"detail": "Prompt' in text, text


# What the fuzzer finds on each real server, seed 1 (benchmarks/compare_real_servers.py runs
# every operation of the 10/11-API configs beside plain `schemathesis run`). Both list files
# with a 500 for an out-of-range `limit` (documented 1-10,000, never enforced); ogx 1.5 answers
# its admin tool listing with a 500 when no tool runtime is configured.
FUZZ_FINDINGS = {
    "ogx": ("ogx-files-only.yaml", (), {"GET /v1/files", "GET /v1/admin/tools"}),
    "llama-stack": ("llama-stack-offline-11-apis.yaml", ("-k", "v1/files or document"), {"GET /v1/files"}),
}


def test_every_offline_config_is_started_here() -> None:
    """Each offline built-in config starts, answers and stops in a test of this module (the kit's run on its
    built-ins, or its fuzzer), which is where a config that no longer starts shows."""
    for kind, names in OFFLINE_CONFIGS.items():
        assert set(names) == {BUILTIN[kind], FUZZ_FINDINGS[kind][0]}, (kind, names)
        assert all(server_config(name).is_file() for name in names), names


@pytest.mark.parametrize("kind", ["ogx", "llama-stack"])
def test_fuzzing_a_real_server(pytester: pytest.Pytester, kind: str) -> None:
    _require(kind)
    config, select, failing = FUZZ_FINDINGS[kind]
    with running_server(kind, server_config(config)) as server:
        result = pytester.runpytest_subprocess(f"--llama-stack-url={server.url}", "-p", "no:asyncio", "-rA",
                                               "-m", "fuzz", "--hypothesis-seed=1", *select)
    _assert_stopped(server)
    text = result.stdout.str()
    failed = {line.split("[", 1)[1].rsplit("]", 1)[0] for line in text.splitlines()
              if line.startswith("FAILED") and "test_operation[" in line}
    assert failed == failing, text
    assert text.count("[MUST fuzz.not-a-server-error] ST101 Server error (HTTP 500)") == len(failing), text
    assert "curl -X GET 'http://127.0.0.1:" in text and "/v1/files?" in text  # the reproducer
    assert "test_openapi_document_is_usable PASSED" in text or \
        "PASSED http/test_openapi_fuzz.py::test_openapi_document_is_usable" in text, text

"""Every behavioural check catches the one broken provider made for it; the good providers pass.

Each fixture of ``fixtures/broken/`` differs from a reference provider by exactly one defect,
so the expected outcome is exact: the named tests fail and each failure names its check id
(``[MUST <id>]``); a SHOULD-level defect leaves the run passing (exit 0) with its finding in
the "SHOULD-level findings" summary; an undeclared capability is a skip with its reason.

The MUST and SHOULD matrices run as one batch: a kit session per defect, all in one fresh
process (``tests_support.run_kit_batch``), since a process start with its imports of the API
package and Hypothesis costs more than most runs. Each run still selects its suite with
``-m`` and, where the other tests would only repeat the verdict or would depend on what
Hypothesis happens to draw, the tests that judge the defect with ``-k``. Two cases pin
``--hypothesis-seed``: the drawn-only defects they plant are found for that seed, not for
every seed (see ``SEEDED``).
"""

from __future__ import annotations

import re
import shlex

import pytest
from tests_support import requires, run_kit_batch

# The defect matrix: one kit run per broken fixture (the ogx tox env runs it; see tox.ini), all
# in one process on one xdist worker (``matrix``).
pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("behavioural-matrix")]

CAPABILITIES = ("chat", "streaming", "stream-usage", "completions", "embeddings", "embeddings-dimensions",
                "rerank", "tool-calls")
ALL = tuple(f"--llama-capability={name}" for name in CAPABILITIES)
BEHAVIOURAL = ("-m", "behavioral")
EVERY_SUITE = ("-m", "behavioral or negative or stateful")

# A seed for which the fast profile draws what the defect needs: an explicit ``stream=false``
# in test_chat_fuzz (25 of 40 seeds sampled draw one: a pinned optional field may still be
# left out, so most drawn requests have no ``stream`` at all) and ``encoding_format="base64"``
# in test_embeddings_fuzz (35 of 40). Seed 1 draws both within the first three examples.
SEEDED = ("--hypothesis-seed=1",)


def literal(text: str) -> str:
    """``text`` as an fnmatch pattern that matches only itself (test ids contain brackets)."""
    return "".join("[[]" if c == "[" else "[]]" if c == "]" else c for c in text)


def only(*tests: str) -> tuple[str, ...]:
    """``-k`` for these tests (-k matches substrings: each name here is part of no other test's name,
    except parametrized ids such as ``test_embeddings_answer[single]`` / ``[batch]``)."""
    return ("-k", " or ".join(tests))


STREAMS_UNDECLARED = (*BEHAVIOURAL, "-k", "test_chat_stream and not fuzz")  # test_chat_stream, ..._stream_usage
STREAMS = (*STREAMS_UNDECLARED, *ALL)
STREAM_TESTS = ("test_chat_stream", "test_chat_stream_usage")
STREAM_USAGE = (*BEHAVIOURAL, *only("test_chat_stream_usage"), *ALL)
EMBEDDINGS = (*BEHAVIOURAL, *only("test_embeddings_answer", "test_embeddings_dimensions"), *ALL)
UNKNOWN_MODEL_TESTS = tuple(f"test_unknown_model[{kind}]" for kind in ("chat", "chat-stream", "completion",
                                                                         "embeddings"))
CHAT_TESTS = ("test_chat_answer", "test_chat_fuzz", "test_chat_stream", "test_chat_stream_fuzz",
              "test_chat_stream_usage", "test_chat_with_tools", "test_unknown_model[chat]",
              "test_unknown_model[chat-stream]")


def each(tests: tuple[str, ...], *check_ids: str) -> dict[str, tuple[str, ...]]:
    return {test: check_ids for test in tests}


# defect -> (run arguments, {failing test: check ids its failure must name}); no other test fails
MUST_DEFECTS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    # files
    "files-upload-wrong-bytes": ((*BEHAVIOURAL, *only("test_upload_retrieve_content")),
                                 {"test_upload_retrieve_content": ("files.upload",)}),
    "files-content-corrupted": ((*BEHAVIOURAL, *only("test_upload_retrieve_content")),
                                {"test_upload_retrieve_content": ("files.content",)}),
    "files-retrieve-differs": ((*BEHAVIOURAL, *only("test_upload_retrieve_content")),
                               {"test_upload_retrieve_content": ("files.retrieve",)}),
    "files-list-after-skips": ((*BEHAVIOURAL, *only("test_list_pagination_and_order")),
                               {"test_list_pagination_and_order": ("files.list.pagination",)}),
    "files-list-no-more": ((*BEHAVIOURAL, *only("test_list_pagination_and_order")),
                           {"test_list_pagination_and_order": ("files.list.pagination",)}),
    "files-list-limit-capped": (BEHAVIOURAL, each(("test_list_pagination_and_order", "test_list_purpose_filter",
                                                   "test_delete"), "files.list")),
    "files-delete-keeps": (("-m", "behavioral or stateful", *only("test_delete", "test_files_state_machine")),
                           {"test_delete": ("files.delete",), "test_files_state_machine": ("files.stateful",)}),
    "files-unknown-key-error": ((*BEHAVIOURAL, *only("test_unknown_file_id", "test_delete")),
                                each(("test_unknown_file_id", "test_delete"), "call.typed-error")),
    "files-unknown-answered": ((*BEHAVIOURAL, *only("test_unknown_file_id", "test_delete")),
                               {"test_unknown_file_id": ("files.not-found",), "test_delete": ("files.delete",)}),
    "files-list-mutates-request": (BEHAVIOURAL, each(("test_list_pagination_and_order", "test_list_purpose_filter",
                                                      "test_delete", "test_files_resource_bound"),
                                                     "call.request-unchanged")),
    # inference: stream invariants
    "inference-stream-ids-differ": (STREAMS, each(STREAM_TESTS, "stream.completion.same-id")),
    "inference-stream-model-changes": (STREAMS, each(STREAM_TESTS, "stream.completion.same-model")),
    "inference-finish-reason-first": (STREAMS, each(STREAM_TESTS, "stream.completion.finish-reason-last")),
    "inference-finish-reason-missing": (STREAMS, each(STREAM_TESTS, "stream.completion.finish-reason-present")),
    "inference-chunk-wrong-object": (STREAMS, each(STREAM_TESTS, "stream.chunk.schema", "stream.chunk.roundtrip",
                                                   "stream.completion.same-object")),
    "inference-usage-twice": (STREAM_USAGE, {"test_chat_stream_usage": ("stream.completion.usage-once",)}),
    "inference-usage-total-wrong": (STREAM_USAGE, {"test_chat_stream_usage": ("stream.completion.usage-total",)}),
    "inference-usage-first": (STREAM_USAGE, {"test_chat_stream_usage": ("stream.completion.usage-last",)}),
    # inference: chat
    "inference-stream-not-implemented": (STREAMS, each(STREAM_TESTS, "capability.declared-implemented")),
    "inference-stream-ignored": (STREAMS, {"test_chat_stream": ("inference.chat.stream",),
                                           "test_chat_stream_usage": ("inference.chat.stream-usage",)}),
    "inference-streams-unasked": ((*BEHAVIOURAL, *only("test_chat_fuzz"), *SEEDED, *ALL),
                                  {"test_chat_fuzz": ("inference.chat.fuzz",)}),
    "inference-chat-stream-required": ((*BEHAVIOURAL, *only("test_chat_answer", "test_chat_with_tools"), *ALL),
                                       {"test_chat_answer": ("inference.chat.answer",),
                                        "test_chat_with_tools": ("inference.chat.tools",)}),
    "inference-chat-bad-finish-reason": ((*BEHAVIOURAL, *only("test_chat_answer"), *ALL),
                                         {"test_chat_answer": ("response.schema", "response.roundtrip")}),
    "inference-mutates-params": ((*BEHAVIOURAL, "-k", "chat", *ALL), each(CHAT_TESTS, "call.request-unchanged")),
    "inference-unknown-model-key-error": (("-m", "negative", *ALL), each(UNKNOWN_MODEL_TESTS, "call.typed-error")),
    "inference-unknown-model-answered": (("-m", "negative", *ALL), each(UNKNOWN_MODEL_TESTS, "negative.unknown-id")),
    # inference: models, completions, rerank
    "inference-list-models-raises": (BEHAVIOURAL, {"test_models_listed": ("inference.models.listed",)}),
    "inference-register-rejects": ((*BEHAVIOURAL, *only("test_register_served_model")),
                                   {"test_register_served_model": ("inference.models.register",)}),
    "inference-completion-stream-inverted": ((*BEHAVIOURAL, "-k", "test_completion", *ALL),
                                             {"test_completion_answer": ("inference.completion.answer",),
                                              "test_completion_stream": ("inference.completion.stream",)}),
    "inference-rerank-ignores-limit": ((*BEHAVIOURAL, *only("test_rerank_answer"), *ALL),
                                       {"test_rerank_answer": ("inference.rerank.answer",)}),
    # inference: embeddings
    "inference-embeddings-one-vector": (EMBEDDINGS, each(("test_embeddings_answer[batch]",
                                                          "test_embeddings_dimensions"), "embeddings.count")),
    "inference-embeddings-reversed": (EMBEDDINGS, each(("test_embeddings_answer[batch]",
                                                        "test_embeddings_dimensions"), "embeddings.index-order")),
    "inference-embeddings-ragged": (EMBEDDINGS, each(("test_embeddings_answer[batch]", "test_embeddings_dimensions"),
                                                     "embeddings.same-length")),
    "inference-embeddings-ignore-dimensions": (EMBEDDINGS, {"test_embeddings_dimensions": ("embeddings.dimensions",)}),
    "inference-dimensions-rejected": (EMBEDDINGS, {"test_embeddings_dimensions": ("inference.embeddings.dimensions",)}),
    "inference-embeddings-base64-ignored": ((*BEHAVIOURAL, *only("test_embeddings_fuzz"), *SEEDED, *ALL),
                                            {"test_embeddings_fuzz": ("embeddings.encoding-format",)}),
    # wrong class in-process: a dict where the contract declares a model
    "inference-embeddings-dict": (EMBEDDINGS, each(("test_embeddings_answer[single]", "test_embeddings_answer[batch]",
                                                    "test_embeddings_dimensions"), "response.type")),
    "inference-chunks-as-dicts": (STREAMS, each(STREAM_TESTS, "stream.chunk.type")),
    "inference-stream-empty": (STREAMS, each(STREAM_TESTS, "stream.nonempty")),
}

def _params(table: dict) -> list:
    return sorted(table)


# -- reading a run's output ------------------------------------------------------------------

_BLOCK = re.compile(r"^=+ (.*?) =+$")
_SECTION = re.compile(r"^_{3,} (\S.*?) _{3,}$")
_FAILED = re.compile(r"^FAILED \S+::(\S+)")
_DURATION = re.compile(r" in (\d+(?:\.\d+)?)s")


def _block(result: pytest.RunResult, title: str) -> list[str]:
    """The lines of the ``==== <title> ====`` block of a run's output (up to the next block)."""
    lines, inside = [], False
    for line in result.stdout.lines:
        header = _BLOCK.match(line)
        if header:
            inside = title in header.group(1)
            continue
        if inside:
            lines.append(line)
    return lines


def failure_reports(result: pytest.RunResult) -> dict[str, str]:
    """Each failed test's report (pytest's FAILURES block), by test name."""
    reports: dict[str, list[str]] = {}
    name = None
    for line in _block(result, "FAILURES"):
        section = _SECTION.match(line)
        if section:
            name = section.group(1)
            reports[name] = []
        elif name is not None:
            reports[name].append(line)
    return {test: "\n".join(lines) for test, lines in reports.items()}


def failed_tests(result: pytest.RunResult) -> set[str]:
    return {m.group(1) for line in result.stdout.lines if (m := _FAILED.match(line))}


def must_ids(report: str) -> set[str]:
    return set(re.findall(r"\[MUST ([\w.-]+)\]", report))


def run_seconds(result: pytest.RunResult) -> float:
    found = _DURATION.search(result.stdout.lines[-1])
    assert found, result.stdout.lines[-1]
    return float(found.group(1))


def assert_fails_exactly(result: pytest.RunResult, failing: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Exactly ``failing`` failed (exit 1), each report naming its check ids; returns the reports."""
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text
    assert failed_tests(result) == set(failing), text
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == len(failing) and "errors" not in outcomes, outcomes
    reports = failure_reports(result)
    assert set(reports) == set(failing), sorted(reports)
    for test, check_ids in failing.items():
        missing = set(check_ids) - must_ids(reports[test])
        assert not missing, f"{test} does not name {sorted(missing)}:\n{reports[test]}"
    return reports


def assert_passes(result: pytest.RunResult) -> dict[str, int]:
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert "failed" not in outcomes and "errors" not in outcomes, outcomes
    return outcomes


# -- MUST defects: the named tests fail with the named checks ---------------------------------

@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pytest.RunResult]:
    """Every MUST and SHOULD defect run of this module, in one kit process (``run_kit_batch``):
    the fixtures are in-memory reference subclasses judged against one API package."""
    runs = {**{f"must:{d}": (f"--llama-provider=inline::broken-{d}", *MUST_DEFECTS[d][0]) for d in MUST_DEFECTS},
            **{f"should:{d}": (f"--llama-provider=inline::broken-{d}", *SHOULD_DEFECTS[d][0])
               for d in SHOULD_DEFECTS}}
    results = run_kit_batch(tmp_path_factory.mktemp("defect-matrix"), list(runs.values()))
    return dict(zip(runs, results, strict=True))


@pytest.mark.parametrize("defect", _params(MUST_DEFECTS))
def test_must_defect_is_caught(matrix: dict[str, pytest.RunResult], defect: str) -> None:
    _, failing = MUST_DEFECTS[defect]
    result = matrix[f"must:{defect}"]
    reports = assert_fails_exactly(result, failing)
    for test in failing:  # every behavioural failure tells how to rerun it with the same seed
        assert "- llama-conformance rerun -" in reports[test] and "--hypothesis-seed=" in reports[test]


def test_only_the_state_machine_catches_reused_ids(run_suites) -> None:
    """Ids reused after delete: every single-call test passes; the state machine fails."""
    result = run_suites("inline::broken-files-ids-reused", *EVERY_SUITE)
    reports = assert_fails_exactly(result, {"test_files_state_machine": ("files.stateful",)})
    assert result.parseoutcomes().get("passed") == 6  # upload/retrieve/content, list x2, delete, unknown id, limits
    assert re.search(r"upload returned id '[^']+', which was already used", reports["test_files_state_machine"])
    assert "state.delete(" in reports["test_files_state_machine"]  # the shrunk sequence is shown


@pytest.mark.parametrize(("defect", "args", "failing"), [
    ("files-list-hangs", ("-m", "behavioral or stateful"),
     ("test_list_pagination_and_order", "test_list_purpose_filter", "test_delete", "test_files_state_machine",
      "test_files_resource_bound")),
    ("inference-stream-stalls", (*BEHAVIOURAL, "-k", "chat", *ALL),
     ("test_chat_stream", "test_chat_stream_fuzz", "test_chat_stream_usage", "test_chat_with_tools",
      "test_unknown_model[chat]", "test_unknown_model[chat-stream]")),
])
def test_hanging_call_fails_once_then_fast(run_suites, defect: str, args: tuple[str, ...],
                                           failing: tuple[str, ...]) -> None:
    """A call that never returns fails call.no-hang after the timeout; later calls of that member
    fail at once, so the run ends in seconds, not one timeout per call."""
    result = run_suites(f"inline::broken-{defect}", "--llama-timeout=1", *args)
    reports = assert_fails_exactly(result, each(failing, "call.no-hang"))
    verdicts = [re.findall(r"CheckFailed: \[MUST call\.no-hang\] (.*)", report)[0] for report in reports.values()]
    waited = [v for v in verdicts if "ran for 1 s without returning" in v]
    refused = [v for v in verdicts if v.startswith("Not called") and "already exceeded the 1 s timeout" in v]
    assert len(waited) == 1 and len(refused) == len(failing) - 1, verdicts
    assert run_seconds(result) < 30


# -- drawn-only defects: found, shrunk, printed, reproducible ---------------------------------

def test_fuzz_finds_a_crash_on_drawn_parameters_and_the_seed_reproduces_it(run_suites, pytester) -> None:
    """TypeError only when a sampling parameter is set: minimal requests pass, test_chat_fuzz
    finds it, prints the shrunk request as JSON and a rerun command whose seed reproduces it."""
    args = (*BEHAVIOURAL, *only("test_chat_answer", "test_chat_fuzz"), *ALL)
    result = run_suites("inline::broken-inference-sampling-type-error", *args)
    reports = assert_fails_exactly(result, {"test_chat_fuzz": ("call.typed-error",)})
    report = reports["test_chat_fuzz"]
    assert "TypeError" in report and "the server turns that into a 500" in report, report
    shrunk = re.findall(r"request \(JSON\): (\{.*\})", report)
    assert len(shrunk) == 1, report
    sampling = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "seed", "frequency_penalty",
                "presence_penalty", "stop")
    assert any(f'"{name}": ' in shrunk[0] for name in sampling), shrunk[0]
    lines = report.splitlines()
    rerun = lines[next(i for i, line in enumerate(lines) if "- llama-conformance rerun -" in line) + 1]
    assert rerun.startswith("pytest ") and "::test_chat_fuzz " in rerun and "--hypothesis-seed=" in rerun, rerun

    again = pytester.runpytest_subprocess(*shlex.split(rerun)[1:])  # the printed line, as a user runs it
    again_report = assert_fails_exactly(again, {"test_chat_fuzz": ("call.typed-error",)})["test_chat_fuzz"]
    assert re.findall(r"request \(JSON\): (\{.*\})", again_report) == shrunk


# -- SHOULD defects: the run passes, the finding is listed ------------------------------------

# defect -> (run arguments, test, check id, what the finding says)
SHOULD_DEFECTS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "files-list-ignores-asc": ((*BEHAVIOURAL, *only("test_list_pagination_and_order")),
                               "test_list_pagination_and_order", "files.list.order", "order=asc lists created_at *"),
    "files-list-ignores-purpose": ((*BEHAVIOURAL, *only("test_list_purpose_filter")),
                                   "test_list_purpose_filter", "files.list.purpose", "purpose=* also listed *"),
    "files-filename-sanitized": ((*BEHAVIOURAL, *only("test_upload_retrieve_content")),
                                 "test_upload_retrieve_content", "files.upload.filename-kept", "filename is *"),
    # ogx collapses ".." on purpose: "0.." (every character safe) comes back "0_"; a SHOULD finding, not a
    # MUST files.upload failure. The thorough budget draws "0.." or ".env" for certain.
    "files-filename-dots-collapsed": ((*BEHAVIOURAL, *only("test_upload_retrieve_content"), "--llama-profile=thorough"),
                                      "test_upload_retrieve_content", "files.upload.filename-kept",
                                      "filename is '*_*', but '*' was uploaded.*"),
    "inference-rejects-rich-messages": ((*BEHAVIOURAL, *only("test_chat_fuzz"), *ALL), "test_chat_fuzz",
                                        "call.valid-request-accepted", "*rejected * of * valid drawn requests*"),
    # optional capabilities not declared: a MUST finding about them becomes a warning
    "inference-usage-twice": (BEHAVIOURAL, "test_chat_stream_usage", "stream.completion.usage-once",
                              "(capability `stream-usage` not declared) *usage arrives again*"),
    "inference-embeddings-ignore-dimensions": (
        (*BEHAVIOURAL, *only("test_embeddings_dimensions"), "--llama-capability=embeddings"),
        "test_embeddings_dimensions", "embeddings.dimensions",
        "(capability `embeddings-dimensions` not declared) *the request asked for 8*"),
}


@pytest.mark.parametrize("defect", sorted(SHOULD_DEFECTS))
def test_should_defect_is_a_warning_not_a_failure(matrix: dict[str, pytest.RunResult], defect: str) -> None:
    _, test, check_id, says = SHOULD_DEFECTS[defect]
    result = matrix[f"should:{defect}"]
    assert_passes(result)
    assert _block(result, "SHOULD-level findings"), result.stdout.str()
    result.stdout.fnmatch_lines([
        "*llama-conformance: SHOULD-level findings (warnings, not failures)*",
        f"{literal(test)}: [[]SHOULD {check_id}[]] {says}",
    ])


def test_undeclared_streaming_that_raises_not_implemented_is_a_skip(run_suites) -> None:
    result = run_suites("inline::broken-inference-stream-not-implemented", *STREAMS_UNDECLARED)
    outcomes = assert_passes(result)
    assert outcomes.get("skipped") == 2, outcomes
    skipped = _block(result, "tests skipped (not passed)")
    for test in STREAM_TESTS:
        reason = (f"{test}: capability `streaming` not declared, and inference.openai_chat_completion raises "
                  "NotImplementedError")
        assert any(line.startswith(reason) for line in skipped), skipped


# -- good providers pass -------------------------------------------------------------------------

def test_order_check_passes_a_provider_that_orders_distinct_timestamps(run_suites) -> None:
    """The good twin of files-list-ignores-asc (one upload per clock second) passes every files suite."""
    result = run_suites("inline::broken-files-distinct-clock", *EVERY_SUITE)
    assert assert_passes(result).get("passed") == 7
    assert not _block(result, "SHOULD-level findings"), result.stdout.str()


@pytest.mark.parametrize(("provider", "package"), [
    ("inline::kit-inference", None),
    ("inline::kit-files", None),
    ("inline::kit-inference", "llama_stack_api"),
    ("inline::kit-files", "llama_stack_api"),
])
def test_reference_providers_pass_every_suite(run_suites, provider: str, package: str | None) -> None:
    extra: tuple[str, ...] = ALL if provider.endswith("inference") else ()
    if package:
        requires(package)
        extra = (*extra, f"--llama-api-package={package}")
    result = run_suites(provider, *extra)
    outcomes = assert_passes(result)
    assert outcomes.get("passed", 0) >= 12, outcomes
    assert not _block(result, "SHOULD-level findings"), result.stdout.str()
    # with every capability declared, only optional protocol members the provider does not
    # implement are skipped (structural); every behavioural check ran
    skipped = _block(result, "tests skipped (not passed)")
    assert all(line.startswith("test_structure[") for line in skipped), skipped

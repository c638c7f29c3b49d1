"""The fuzzer's checks, each proven by a deployment with one HTTP-level defect that a fuzz run catches.

For every row, the reference deployment with that defect (``fixtures/deployment/defects.py``)
is fuzzed on the one operation the defect is on (``-m fuzz -k``, a pinned seed): the run
fails that operation's test, naming exactly the check the defect breaks (the kit id, as
``[MUST <id>]`` / ``[SHOULD <id>]``), and the good deployment passes the same run. A SHOULD check
is run ``--llama-strict`` (both ways), so its finding fails the run instead of warning.

The deployments (every defect's and the good one) are started at once and fuzzed in one kit
process (``tests_support.run_kit_batch``), on one xdist worker.

Proven elsewhere: ``fuzz.use-after-free`` and ``fuzz.resource-availability`` need chained cases
(``tests/test_http_mode.py::test_chained_cases_catch_what_single_cases_cannot``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import pytest
from tests_support import failure_reports, requires, run_kit_batch

from llama_conformance_fixtures.deployment import serve_deployment
from llama_conformance_fixtures.deployment.defects import DEFECTS

pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("fuzz-proofs")]

FUZZ = ("-m", "fuzz", "--hypothesis-seed=3")
STRICT = ("--llama-strict",)
GOOD = None

# defect -> (the operation it is on, the -k that selects that operation's fuzz test alone, extra arguments)
ROWS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "files-delete-fails": ("DELETE /v1/files/{file_id}", "DELETE", ()),
    "files-upload-201": ("POST /v1/files", "POST and files", ()),
    "json-as-text": ("GET /v1/files", "GET and files and not file_id", ()),
    "files-list-drops-data": ("GET /v1/files", "GET and files and not file_id", ()),
    "sse-not-json": ("POST /v1/chat/completions", "chat", ()),
    "files-list-ignores-query": ("GET /v1/files", "GET and files and not file_id", ()),
    "files-list-refuses-query": ("GET /v1/files", "GET and files and not file_id", STRICT),
    "files-content-resets": ("GET /v1/files/{file_id}/content", "content", ()),
    "rerank-not-implemented": ("POST /v1alpha/inference/rerank", "rerank", STRICT),
}

MARKER = re.compile(r"\[(?:MUST|SHOULD|MAY) ([\w.-]+)\]")


def _args(url: str, select: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    return (f"--llama-stack-url={url}", *FUZZ, "-k", f"test_operation and ({select})", *extra)


@contextmanager
def _deployments(defects: list[str | None]) -> Iterator[dict[str | None, str]]:
    """Every deployment up at once (each starts in its own process; waiting for them in turn would add up)."""
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=len(defects)) as pool:
        contexts = {defect: serve_deployment(defect) for defect in defects}
        started = {defect: pool.submit(context.__enter__) for defect, context in contexts.items()}
        urls = {}
        for defect, future in started.items():
            urls[defect] = future.result()
            stack.push(contexts[defect].__exit__)
        yield urls


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str | None, str, tuple[str, ...]], pytest.RunResult]:
    """(defect or GOOD, selection, extra) -> its kit run: each row on its defect, and each distinct
    selection on the good deployment."""
    requires("ogx_api")
    keys = [(defect, select, extra) for defect, (_op, select, extra) in ROWS.items()]
    keys += list(dict.fromkeys((GOOD, select, extra) for _defect, select, extra in keys))
    with _deployments([*ROWS, GOOD]) as urls:
        results = run_kit_batch(tmp_path_factory.mktemp("fuzz-proofs"),
                                [_args(urls[defect], select, extra) for defect, select, extra in keys])
    return dict(zip(keys, results, strict=True))


@pytest.mark.parametrize("defect", sorted(ROWS))
def test_fuzz_check_is_caught_by_a_broken_deployment(runs, defect: str) -> None:
    operation, select, extra = ROWS[defect]
    check = DEFECTS[defect][1]
    result = runs[(defect, select, extra)]
    text = result.stdout.str()
    test = f"test_operation[{operation}]"
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text
    assert f"FAILED http/test_openapi_fuzz.py::{test}" in text and result.parseoutcomes()["failed"] == 1, text
    report = failure_reports(result)[test]
    assert set(MARKER.findall(report)) == {check}, report  # that check, and no other
    assert "curl -X " in report or "No answer" in report, report
    good = runs[(GOOD, select, extra)]
    assert good.ret == pytest.ExitCode.OK and f"PASSED http/test_openapi_fuzz.py::{test}" in good.stdout.str(), \
        good.stdout.str()

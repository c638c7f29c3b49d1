"""The kit's reference batches, conversations and prompts providers pass every suite, in-process
and over HTTP.

The broken fixtures of these APIs (``fixtures/broken/{batches,conversations,prompts}_*.py``) are
declared in each wing's check table (``suites/<api>/checks.py``: ``WING.proofs``) and run by
``tests/test_proofs.py``; this module keeps the good twins. A fresh pytest process costs ~5 s of
start-up, so the runs share ONE fresh process (``tests_support.run_kit_batch``: ``pytest.main``
once per run, a separate session each).
"""

from __future__ import annotations

import pytest
from _pytest.pytester import RunResult
from tests_support import assert_passes, run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("crud-batch")]

GOOD: dict[str, tuple[str, ...]] = {
    "kit-conversations": ("conversations",),
    "kit-prompts": ("prompts",),
    "kit-batches": ("batches",),
    "kit-conversations-http": ("conversations", "--llama-over-http", "-m", "not fuzz"),
    "kit-prompts-http": ("prompts", "--llama-over-http", "-m", "not fuzz"),
}


def _cases() -> dict[str, list[str]]:
    cases = {}
    for name, (api, *extra) in GOOD.items():
        provider = "inline::" + name.removesuffix("-http")
        cases[name] = [f"--llama-provider={provider}", f"--llama-api={api}", *extra]
    return cases


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunResult]:
    """Every run of this module, made once in one fresh process (see the module docstring)."""
    cases = _cases()
    results = run_kit_batch(tmp_path_factory.mktemp("crud-runs"), [tuple(args) for args in cases.values()])
    return dict(zip(cases, results, strict=True))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_reference_passes_every_suite(runs: dict[str, RunResult], name: str) -> None:
    """The good twins pass structure, behaviour, negative and stateful suites, in-process and over HTTP."""
    result = runs[name]
    outcomes = assert_passes(result)
    assert outcomes.get("passed", 0) >= 9, outcomes
    assert "SHOULD-level findings" not in result.stdout.str() or name.endswith("-http"), result.stdout.str()
    for test in DEPTH.get(name, ()):  # the contract-depth tests (issue 15) ran and passed
        assert test in passed_ids(result), (test, result.stdout.str()[-3000:])


# The contract-depth tests (issue 15) each reference must pass, by run.
DEPTH = {
    "kit-batches": ("test_idempotency_key", "test_invalid_lines", "test_unsupported_endpoint", "test_immediate_cancel",
                    "test_finished_batch_cancel"),
    "kit-conversations": ("test_item_copied", "test_delete"),
    "kit-conversations-http": ("test_item_copied", "test_delete"),
}


def passed_ids(result: RunResult) -> set[str]:
    """The names of the tests the run reports PASSED (its -v or -rA lines)."""
    names = set()
    for line in result.outlines:
        for word in line.split():
            if "::" in word and "PASSED" in line:
                names.add(word.rsplit("::", 1)[-1])
    return names

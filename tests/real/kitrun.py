"""Helpers for running the kit on real providers and reading its verdict precisely.

``KitRun`` parses a verbose kit run: which kit tests passed, failed or skipped, the MUST
check ids of each failure and the SHOULD / MAY warnings the kit's summary lists. Kept out
of conftest.py so test modules can import it by name.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parents[2] / "fixtures" / "configs"

_RESULT_LINE = re.compile(r"::(test_\w+(?:\[[^\]]*\])?) (PASSED|FAILED|SKIPPED|ERROR|INCONCLUSIVE)\b")
# The same from an isolated run's worker: ``[gw0] [  9%] FAILED path::test_x[param]``.
_WORKER_RESULT_LINE = re.compile(r"^\[gw\d+\] \[ *\d+%\] (PASSED|FAILED|SKIPPED|ERROR|INCONCLUSIVE) "
                                 r"\S*::(test_\w+(?:\[[^\]]*\])?)")
_FAILURE_HEADER = re.compile(r"^_{3,} (test_\S+) _{3,}$")
# A MUST finding of a failed test: the structural suite prints it as a bare ``[MUST id] ...`` line; the
# behavioural suites fail with ``CheckFailed`` (an AssertionError whose message is one ``[MUST id] ...`` line
# per finding), which pytest prints as ``E   ...CheckFailed: [MUST id]`` and ``E   [MUST id]`` lines.
_MUST_LINE = re.compile(r"^(?:E\s+(?:[\w.]*CheckFailed: )?)?\[MUST ([\w.\-]+)\]")
_WARNING_LINE = re.compile(r"^(test_\w+(?:\[[^\]]*\])?): \[(SHOULD|MAY) ([\w.\-]+)\]")


def has_module(name: str) -> bool:
    """Importable here, without importing it (a server import is slow and writes state)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


needs_ogx = pytest.mark.skipif(
    not has_module("ogx"), reason="needs the ogx 1.5 server package (the ogx venv / tox env)"
)
needs_llama_stack = pytest.mark.skipif(
    not has_module("llama_stack"),
    reason="needs the llama-stack 0.7.3 server package (the llama-stack venv / tox env)",
)


@dataclass
class KitRun:
    """The outcome of one kit run, parsed from its verbose output."""

    result: pytest.RunResult
    outcomes: dict[str, str] = field(default_factory=dict)
    must: dict[str, list[str]] = field(default_factory=dict)
    warnings: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def parse(cls, result: pytest.RunResult) -> KitRun:
        """Outcomes, warnings and ``must``: each failed test's MUST check ids, structural and behavioural
        alike, each id once per test (a finding reported twice, or under two messages, is one id)."""
        run = cls(result)
        current: str | None = None
        raised: dict[str, list[str]] = {}  # ids of ``E`` lines, after the bare lines' (their order in ``must``)
        for line in result.outlines:
            if match := _RESULT_LINE.search(line):
                run.outcomes.setdefault(match.group(1), match.group(2))
            elif match := _WORKER_RESULT_LINE.match(line):
                run.outcomes.setdefault(match.group(2), match.group(1))
            if match := _FAILURE_HEADER.match(line):
                current = match.group(1)
                run.must.setdefault(current, [])
            elif current and (match := _MUST_LINE.match(line)):
                ids = raised.setdefault(current, []) if line.startswith("E") else run.must[current]
                if match.group(1) not in ids:
                    ids.append(match.group(1))
            if match := _WARNING_LINE.match(line):
                test, level, check = match.groups()
                run.warnings.add((test, level, check))
        for test, ids in raised.items():
            run.must[test] += [check for check in ids if check not in run.must[test]]
        return run

    def ids(self, outcome: str) -> set[str]:
        return {test for test, seen in self.outcomes.items() if seen == outcome}

    def expect(
        self,
        *,
        passed: int,
        failed: dict[str, list[str]] | None = None,
        skipped: int = 0,
        warnings: set[tuple[str, str, str]] | None = None,
        inconclusive: int = 0,
    ) -> None:
        """The whole verdict: counts, each failing test with its MUST check ids, warnings."""
        failed = failed or {}
        self.result.assert_outcomes(passed=passed, failed=len(failed), skipped=skipped)
        assert self.result.parseoutcomes().get("inconclusive", 0) == inconclusive, self.result.stdout.str()
        assert self.ids("FAILED") == set(failed), self.result.stdout.str()
        for test, checks in failed.items():
            assert sorted(self.must.get(test, [])) == sorted(checks), (test, self.must.get(test))
        assert self.warnings == (warnings or set()), self.warnings


def config(name: str) -> str:
    """``--llama-provider-config`` for a config shipped in fixtures/configs."""
    return f"--llama-provider-config={CONFIGS / name}"


def expect_failures_only(run: KitRun, failed: dict[str, list[str]], *, at_least: int,
                         races: dict[str, list[str]] | None = None) -> None:
    """The verdict without pinning how many tests ran: exactly the ``failed`` tests failed,
    each with exactly its (distinct) MUST check ids; nothing errored (collection included);
    at least ``at_least`` passed; the exit code says so.

    For runs whose suites grow (behavioural suites joining the structural one), where
    ``KitRun.expect`` would have to hard-code a count that changes with every new check.
    ``races``: tests that may also fail, each then with exactly its check ids: a real finding that
    shows only when the provider's timing lets it (the caller's docstring names the source lines).
    """
    raced = {test: checks for test, checks in (races or {}).items() if test in run.ids("FAILED")}
    failed = {**failed, **raced}
    output = run.result.stdout.str()
    outcomes = run.result.parseoutcomes()
    expected_ret = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK
    assert run.result.ret == expected_ret, output
    assert not outcomes.get("errors") and not run.ids("ERROR"), output
    assert outcomes.get("failed", 0) == len(failed) and run.ids("FAILED") == set(failed), output
    for test, checks in failed.items():
        assert set(run.must.get(test, [])) == set(checks), (test, run.must.get(test))
    assert outcomes.get("passed", 0) >= at_least, (outcomes, at_least)


def expect_no_failures(run: KitRun, *, at_least: int) -> None:
    """Exit code 0, no failure, error or MUST finding, at least ``at_least`` passed."""
    expect_failures_only(run, {}, at_least=at_least)

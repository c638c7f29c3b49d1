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

_RESULT_LINE = re.compile(r"::(test_\w+(?:\[[^\]]*\])?) (PASSED|FAILED|SKIPPED|ERROR)\b")
_FAILURE_HEADER = re.compile(r"^_{3,} (test_\S+) _{3,}$")
_MUST_LINE = re.compile(r"^\[MUST ([\w.\-]+)\]")
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
        run = cls(result)
        current: str | None = None
        for line in result.outlines:
            if match := _RESULT_LINE.search(line):
                run.outcomes.setdefault(match.group(1), match.group(2))
            if match := _FAILURE_HEADER.match(line):
                current = match.group(1)
                run.must.setdefault(current, [])
            elif current and (match := _MUST_LINE.match(line)):
                run.must[current].append(match.group(1))
            if match := _WARNING_LINE.match(line):
                test, level, check = match.groups()
                run.warnings.add((test, level, check))
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
    ) -> None:
        """The whole verdict: counts, each failing test with its MUST check ids, warnings."""
        failed = failed or {}
        self.result.assert_outcomes(passed=passed, failed=len(failed), skipped=skipped)
        assert self.ids("FAILED") == set(failed), self.result.stdout.str()
        for test, checks in failed.items():
            assert sorted(self.must.get(test, [])) == sorted(checks), (test, self.must.get(test))
        assert self.warnings == (warnings or set()), self.warnings


def config(name: str) -> str:
    """``--llama-provider-config`` for a config shipped in fixtures/configs."""
    return f"--llama-provider-config={CONFIGS / name}"

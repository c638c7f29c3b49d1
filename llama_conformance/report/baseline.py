"""Baselines: the failures a provider repo expects today, by check id, so CI gates on change.

A baseline file is YAML (comments survive a human edit; ``--llama-update-baseline``
rewrites it)::

    # llama-conformance baseline for inline::my-provider
    expected_failures:
      files.list.pagination: "same-second cursor; fixed upstream in 0.8"

A failure of a baselined check is an expected failure (pytest's ``xfail``): the run
passes. A failure of any other check fails the run. A baselined check that now passes
fails the run too ("stale baseline"), so a baseline only ever shrinks by a deliberate edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from llama_conformance.errors import KitUsageError

HEADER = ("# llama-conformance baseline: checks expected to fail for this provider, with why.\n"
          "# A failure of any other check fails the run; a listed check that passes fails it too (stale).\n"
          "# Rewrite with --llama-update-baseline; review the diff like any other change.\n")


@dataclass
class Baseline:
    path: Path
    expected: dict[str, str] = field(default_factory=dict)  # check id -> why it is expected to fail

    def covers(self, check_ids: list[str]) -> bool:
        """True when every check a failure names is expected to fail."""
        return bool(check_ids) and all(check_id in self.expected for check_id in check_ids)

    def reason(self, check_ids: list[str]) -> str:
        notes = [f"{check_id}: {self.expected[check_id]}" if self.expected.get(check_id) else check_id
                 for check_id in check_ids]
        return "baselined (" + "; ".join(notes) + ")"

    def stale(self, statuses: dict[str, str]) -> list[str]:
        """Baselined checks that ran and passed (or only warned) in this run."""
        return sorted(check_id for check_id in self.expected if statuses.get(check_id) in ("passed", "warned"))

    def write(self, failing: list[str], provider: str | None) -> None:
        """Rewrite the file with exactly ``failing``, keeping the notes of checks that stay."""
        expected = {check_id: self.expected.get(check_id, "") for check_id in sorted(set(failing))}
        title = f"# target: {provider}\n" if provider else ""
        body = yaml.safe_dump({"expected_failures": expected}, sort_keys=True, allow_unicode=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(HEADER + title + body)
        self.expected = expected


def load_baseline(path: Path, *, must_exist: bool = True) -> Baseline:
    """Read a baseline; unknown check ids are a usage error (a typo would silently baseline nothing)."""
    if not path.exists():
        if must_exist:
            raise KitUsageError(f"Baseline file {path} does not exist. Create it with --llama-update-baseline "
                                f"(it records the checks failing now), or fix the path.")
        return Baseline(path=path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise KitUsageError(f"Baseline file {path} is not valid YAML: {exc}") from None
    expected = data.get("expected_failures", {}) if isinstance(data, dict) else None
    if isinstance(expected, list):
        expected = dict.fromkeys(expected, "")
    if not isinstance(expected, dict):
        raise KitUsageError(f"Baseline file {path} must be a mapping with `expected_failures:` (check id: why), "
                            f"got {type(data).__name__}.")
    from llama_conformance.report.plan import test_plan

    known = {check.id for check in test_plan()}
    unknown = sorted(set(expected) - known)
    if unknown:
        raise KitUsageError(f"Baseline file {path} names unknown check id(s) {', '.join(unknown)}; "
                            "`llama-conformance list` prints every check id.")
    return Baseline(path=path, expected={str(k): str(v or "") for k, v in expected.items()})


__all__ = ["Baseline", "load_baseline"]

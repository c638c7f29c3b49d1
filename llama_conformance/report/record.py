"""What one test contributes to the report, carried on pytest's own reports.

A test names the checks it judges (``@pytest.mark.checks(...)``); what it found travels in
``TestReport.user_properties`` under one key, as JSON: the checks it covers (its marker and
every check its judge evaluated), the findings its failure carried (``failed``, taken from the
exception as data, never read back out of its text), its SHOULD findings and errata. That one channel reaches every
consumer the kit has: the process that writes the report (also the xdist controller, which
never sees the items), and pytest's ``--junitxml``, which writes user properties as
``<property>`` elements, so a JUnit file carries the check ids too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

from llama_conformance.checks import CheckRef, Finding, check_id

PROPERTY = "llama_conformance"
CHECKS_MARKER = "checks"
NOTED = pytest.StashKey[list[Finding]]()  # SHOULD findings and errata a test recorded on its item
EVALUATED = pytest.StashKey[list[str]]()  # every check the test's judge evaluated (``Judge.evaluated``)
REPAIRS = pytest.StashKey[list[str]]()  # HTTP mode: the changes made to the deployment's OpenAPI document
# A test the kit could not judge (``llama_conformance.evidence``): {"checks", "cause", "others"}; ``others``
# says what the test's remaining checks got: "passed" (a pass on tainted evidence) or "not-judged".
INCONCLUSIVE = pytest.StashKey[dict[str, Any]]()



@dataclass
class NotedFinding:
    """A finding as a record carries it: its check's id, its level, its (redacted) message."""

    check: str
    level: str
    message: str
    erratum: str | None = None

    @classmethod
    def of(cls, item: Finding, redact: Callable[[str], str] | None = None) -> NotedFinding:
        return cls(check=item.check.id, level=str(item.level),
                   message=redact(item.message) if redact else item.message, erratum=item.erratum)


FAILED = pytest.StashKey[list[NotedFinding]]()  # the findings of a failure (redacted), in its phases' order


@dataclass
class TestRecord:
    """The kit's view of one test: the checks it covers, and what it noted besides pass/fail."""

    checks: list[str]
    api: str | None
    subject: str | None
    reproducer: str | None
    noted: list[NotedFinding] = field(default_factory=list)
    failed: list[NotedFinding] = field(default_factory=list)  # what the test's failure found (none: it passed)
    # The changes made to the deployment's OpenAPI document, by the test that read it; None: this test did not.
    repairs: list[str] | None = None
    inconclusive: dict[str, Any] | None = None
    not_applicable: list[str] = field(default_factory=list)  # checks the test found nothing to apply to
    # wall time of the provider calls the test made (its fixtures' too): label -> [calls, seconds, longest]
    provider_time: dict[str, list[float]] = field(default_factory=dict)

    def to_property(self) -> tuple[str, str]:
        return PROPERTY, json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_report(cls, report: pytest.TestReport) -> TestRecord | None:
        for name, value in getattr(report, "user_properties", ()):
            if name == PROPERTY:
                data = json.loads(value)
                data["noted"] = [NotedFinding(**n) for n in data.get("noted", [])]
                data["failed"] = [NotedFinding(**n) for n in data.get("failed", [])]
                return cls(**data)
        return None


NOT_APPLICABLE = pytest.StashKey[set[str]]()  # checks a test found nothing to apply to (see not_applicable)


def covered_checks(item: pytest.Item) -> list[str]:
    """The check ids a test judges, from its ``checks`` markers (module and function level),
    less the ones it declared not applicable to this target."""
    dropped = item.stash.get(NOT_APPLICABLE, set())
    ids: list[str] = []
    for marker in item.iter_markers(CHECKS_MARKER):
        named = [check_id(ref) for ref in marker.args]
        ids += [name for name in named if name not in ids and name not in dropped]
    return ids


def not_applicable(item: pytest.Item, *checks: CheckRef) -> None:
    """The target offers nothing these checks could judge (no linked operations to chain): they are
    ``not-applicable`` in the report (with the test's skip reason), instead of "only skipped"."""
    item.stash.setdefault(NOT_APPLICABLE, set()).update(check_id(check) for check in checks)


def note(item: pytest.Item, findings: list[Finding]) -> None:
    """Keep SHOULD findings and errata a test made, for its record (and the terminal summary)."""
    item.stash.setdefault(NOTED, []).extend(findings)


def evaluated(item: pytest.Item, check_ids: list[str]) -> None:
    """The checks the test's judge evaluated: its record covers them with its marker's."""
    item.stash[EVALUATED] = list(check_ids)


def failed(item: pytest.Item, findings: list[NotedFinding]) -> None:
    """The findings a failing phase of the test carried (redacted): the checks its failure charges."""
    item.stash.setdefault(FAILED, []).extend(findings)


def covered_and_evaluated(item: pytest.Item) -> list[str]:
    """The marker's checks, then the ones the judge evaluated besides (less those found not applicable)."""
    dropped = item.stash.get(NOT_APPLICABLE, set())
    return list(dict.fromkeys([*covered_checks(item),
                               *(name for name in item.stash.get(EVALUATED, []) if name not in dropped)]))


def make_record(item: pytest.Item, subject: str | None, api: str | None, reproducer: str | None,
                redact: Any) -> TestRecord:
    noted = [NotedFinding.of(f, redact) for f in item.stash.get(NOTED, [])]
    inconclusive = item.stash.get(INCONCLUSIVE, None)
    if inconclusive is not None:
        inconclusive = {**inconclusive, "cause": redact(inconclusive["cause"])}
    found_nothing: set[str] = item.stash.get(NOT_APPLICABLE, set())
    failed_so_far: list[NotedFinding] = item.stash.get(FAILED, [])
    return TestRecord(checks=covered_and_evaluated(item), api=api, subject=subject, reproducer=reproducer,
                      noted=noted, failed=list(failed_so_far),
                      repairs=[redact(repair) for repair in item.stash[REPAIRS]] if REPAIRS in item.stash else None,
                      inconclusive=inconclusive,
                      not_applicable=sorted(found_nothing))

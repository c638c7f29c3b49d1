"""What one test contributes to the report, carried on pytest's own reports.

A test names the checks it judges (``@pytest.mark.checks(...)``); what it found travels in
``TestReport.user_properties`` under one key, as JSON. That one channel reaches every
consumer the kit has: the process that writes the report (also the xdist controller, which
never sees the items), and pytest's ``--junitxml``, which writes user properties as
``<property>`` elements, so a JUnit file carries the check ids too.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

from llama_conformance.checks import CHECKS, Finding, check_id

PROPERTY = "llama_conformance"
CHECKS_MARKER = "checks"
NOTED = pytest.StashKey[list[Finding]]()  # SHOULD findings and errata a test recorded on its item
REPAIRS = pytest.StashKey[list[str]]()  # HTTP mode: the changes made to the deployment's OpenAPI document
# A test the kit could not judge (``llama_conformance.evidence``): {"checks", "cause", "others"}; ``others``
# says what the test's remaining checks got: "passed" (a pass on tainted evidence) or "not-judged".
INCONCLUSIVE = pytest.StashKey[dict[str, Any]]()

# A rendered finding: ``[MUST files.list] message`` (``Finding.render``); errata are never failures.
# Ids hold underscores where an API's name does (``vector_io.store.create``, ``tool_runtime.invoke``).
FINDING_TAG = re.compile(r"\[(MUST|SHOULD|MAY) ([a-z][a-z0-9._-]*[a-z0-9])\]")


@dataclass
class NotedFinding:
    check: str
    level: str
    message: str
    erratum: str | None = None


@dataclass
class TestRecord:
    """The kit's view of one test: the checks it covers, and what it noted besides pass/fail."""

    checks: list[str]
    api: str | None
    subject: str | None
    reproducer: str | None
    noted: list[NotedFinding] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    inconclusive: dict[str, Any] | None = None
    not_applicable: list[str] = field(default_factory=list)  # checks the test found nothing to apply to

    def to_property(self) -> tuple[str, str]:
        return PROPERTY, json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_report(cls, report: pytest.TestReport) -> TestRecord | None:
        for name, value in getattr(report, "user_properties", ()):
            if name == PROPERTY:
                data = json.loads(value)
                data["noted"] = [NotedFinding(**n) for n in data.get("noted", [])]
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


def not_applicable(item: pytest.Item, *check_ids: str) -> None:
    """The target offers nothing these checks could judge (no linked operations to chain): they are
    ``not-applicable`` in the report (with the test's skip reason), instead of "only skipped"."""
    item.stash.setdefault(NOT_APPLICABLE, set()).update(check_ids)


def note(item: pytest.Item, findings: list[Finding]) -> None:
    """Keep SHOULD findings and errata a test made, for its record (and the terminal summary)."""
    item.stash.setdefault(NOTED, []).extend(findings)


def make_record(item: pytest.Item, subject: str | None, api: str | None, reproducer: str | None,
                redact: Any) -> TestRecord:
    noted = [NotedFinding(check=f.check.id, level=str(f.level), message=redact(f.message), erratum=f.erratum)
             for f in item.stash.get(NOTED, [])]
    inconclusive = item.stash.get(INCONCLUSIVE, None)
    if inconclusive is not None:
        inconclusive = {**inconclusive, "cause": redact(inconclusive["cause"])}
    found_nothing: set[str] = item.stash.get(NOT_APPLICABLE, set())
    return TestRecord(checks=covered_checks(item), api=api, subject=subject, reproducer=reproducer, noted=noted,
                      repairs=[redact(repair) for repair in item.stash.get(REPAIRS, [])], inconclusive=inconclusive,
                      not_applicable=sorted(found_nothing))


def failed_checks(text: str) -> list[tuple[str, str, str]]:
    """``(level, check id, message)`` for every finding rendered in a failure's text.

    The message runs from the tag to the next tag or the end, so a failure that names three
    checks gives three results, each with its own text.
    """
    matches = [m for m in FINDING_TAG.finditer(text) if m.group(2) in CHECKS]
    found = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        found.append((match.group(1), match.group(2), text[match.end():end].strip()))
    return found

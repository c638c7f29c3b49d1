"""Named conformance checks: a stable id, an RFC 2119 level, a title, and findings.

Every check the kit runs is declared here once (``CHECKS``), so the published test plan,
failure messages and reports all speak of the same ids. A ``Finding`` is one violation: the
check it belongs to, the level it is judged at (an optional member downgrades "present" to
SHOULD), and a message that says what the contract declares and what the provider has.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


@dataclass(frozen=True)
class CheckDef:
    """A check of the published test plan. ``capability`` is None for core behaviour."""

    id: str
    level: Level
    title: str
    api: str | None = None
    capability: str | None = None


@dataclass(frozen=True)
class Finding:
    """One violation. ``erratum`` is set when the published contract, not the provider, is
    at fault (every real provider does otherwise): reported, never counted as a failure."""

    check: CheckDef
    message: str
    level: Level
    erratum: str | None = None

    def render(self) -> str:
        if self.erratum:
            return f"[ERRATUM {self.erratum} / {self.check.id}] {self.message}"
        return f"[{self.level} {self.check.id}] {self.message}"


def _define(*defs: CheckDef) -> dict[str, CheckDef]:
    return {d.id: d for d in defs}


CHECKS: dict[str, CheckDef] = _define(
    CheckDef("lifecycle.build", Level.MUST,
             "The factory builds the provider with the spec's config and dependencies"),
    CheckDef("structure.member.present", Level.MUST,
             "Every protocol member exists on the provider"),
    CheckDef("structure.member.callable", Level.MUST, "Every protocol method is callable"),
    CheckDef("structure.member.async", Level.MUST,
             "Methods the protocol declares async are coroutine functions"),
    CheckDef("structure.member.stream-returns-iterator", Level.MUST,
             "A streaming method is a coroutine that returns the iterator, not an async generator"),
    CheckDef("structure.member.not-protocol-stub", Level.MUST,
             "A required member is implemented, not inherited as the protocol's empty stub"),
    CheckDef("structure.params.names-and-kinds", Level.MUST,
             "Every protocol parameter exists with the same name, position and kind"),
    CheckDef("structure.params.no-new-required", Level.MUST,
             "The provider adds no required parameter the protocol does not declare"),
    CheckDef("structure.params.defaults-kept", Level.SHOULD,
             "Parameters keep the protocol's default values"),
    CheckDef("structure.annotations.compatible", Level.MUST,
             "Parameter annotations are the protocol's or wider; return annotations the same or narrower"),
    CheckDef("structure.attribute.present", Level.SHOULD,
             "Attributes the protocol gives a value exist after construction (only isinstance() notices)"),
    CheckDef("structure.attribute.assignable", Level.MUST,
             "Store attributes accept the assignment the routing tables make at start-up"),
    CheckDef("structure.attribute.type", Level.MUST,
             "Attribute values set by the provider match the declared type"),
    CheckDef("structure.routing.implied-member", Level.SHOULD,
             "Members the server's routing tables call without a protocol declaring them exist"),
)


def register(*defs: CheckDef) -> None:
    """Add checks declared by another module (validation, behavioural suites) to ``CHECKS``.

    Ids are global and stable: registering one id twice with a different meaning is a bug.
    """
    for check in defs:
        existing = CHECKS.get(check.id)
        if existing is not None and existing != check:
            raise ValueError(f"check id {check.id!r} registered twice with different definitions")
        CHECKS[check.id] = check


def finding(
    check_id: str, message: str, level: Level | None = None, erratum: str | None = None
) -> Finding:
    check = CHECKS[check_id]
    return Finding(check=check, message=message, level=level or check.level, erratum=erratum)

"""Named conformance checks: a stable id, an RFC 2119 level, a title, and findings.

Every check the kit runs is declared here once (``CHECKS``), so the published test plan,
failure messages and reports all speak of the same ids. A ``Finding`` is one violation: the
check it belongs to, the level it is judged at (an optional member downgrades "present" to
SHOULD), and a message that says what the contract declares and what the provider has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class Needs(StrEnum):
    """What a run must offer before a check can be exercised at all (``report.applicability``)."""

    ANY = "any"
    HTTP = "http"  # an HTTP answer: --llama-stack-url or --llama-over-http
    PROVIDER = "provider"  # the provider object itself: built by the kit, not a deployment behind a URL


@dataclass(frozen=True)
class CheckDef:
    """A check of the published test plan. ``capability`` is None for core behaviour.

    ``applies_to`` narrows an API-neutral check (``api`` None) to the APIs whose answers can
    exercise it (the embeddings invariants: inference); empty, any API. A check of a cross-API
    wing (``tenancy``: no provider serves it) names there the APIs it judges. ``needs`` is what the
    run must offer to exercise it. Both are stated where the check is declared, so a report
    lists only checks that can apply to its target, and says which its mode could not exercise.
    """

    id: str
    level: Level
    title: str
    api: str | None = None
    capability: str | None = None
    # Where the published contract states it (the protocol member, the route, the schema): the plan
    # (``llama-conformance list``) and every report cite it; a test proves every check has one.
    reference: str = ""
    applies_to: tuple[str, ...] = ()
    needs: Needs = Needs.ANY
    # The check judges what the provider *decided from its dependencies' answers* (a shield that asks
    # an LLM whether input is safe): against a kit stand-in that only echoes it cannot be judged
    # (``llama_conformance.evidence``). Shapes, errors, counts and order are the provider's alone.
    judges_dependency_answers: bool = False
    # A failure of the check is the provider's whatever the environment did (a secret in an error
    # leaks even when the backend was down; a crash is a crash): never made inconclusive.
    environment_proof: bool = False

    @property
    def scope(self) -> str:
        """``core`` (always checked) or ``extended`` (checked as part of a declared capability)."""
        return "core" if self.capability is None else "extended"


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


CHECKS: dict[str, CheckDef] = {}
# The build and the structural suite judge the provider object: a deployment behind a URL has none.
_PROVIDER = Needs.PROVIDER
BUILD = CheckDef("lifecycle.build", Level.MUST,
                 "The factory builds the provider with the spec's config and dependencies", needs=_PROVIDER,
                 reference='ProviderSpec.module: get_provider_impl / get_adapter_impl(config, deps)')
MEMBER_PRESENT = CheckDef("structure.member.present", Level.MUST, "Every protocol member exists on the provider",
                          needs=_PROVIDER,
                          reference="the API's Protocol in the API package: every member's signature "
                                    '(inspect.signature)')
MEMBER_CALLABLE = CheckDef("structure.member.callable", Level.MUST, "Every protocol method is callable",
                           needs=_PROVIDER,
                           reference="the API's Protocol in the API package: every member's signature "
                                     '(inspect.signature)')
MEMBER_ASYNC = CheckDef("structure.member.async", Level.MUST,
                        "Methods the protocol declares async are coroutine functions", needs=_PROVIDER,
                        reference="the API's Protocol in the API package: every member's signature "
                                  '(inspect.signature)')
STREAM_RETURNS_ITERATOR = CheckDef("structure.member.stream-returns-iterator", Level.MUST,
                                   "A streaming method is a coroutine that returns the iterator, not an async "
                                   "generator", needs=_PROVIDER,
                                   reference='streaming members: `-> X | AsyncIterator[Chunk]`, awaited by '
                                             'the router')
MEMBER_NOT_STUB = CheckDef("structure.member.not-protocol-stub", Level.MUST,
                           "A required member is implemented, not inherited as the protocol's empty stub",
                           needs=_PROVIDER,
                           reference="the API's Protocol in the API package: every member's signature "
                                     '(inspect.signature)')
PARAMS_NAMES_AND_KINDS = CheckDef("structure.params.names-and-kinds", Level.MUST,
                                  "Every protocol parameter exists with the same name, position and kind",
                                  needs=_PROVIDER,
                                  reference="the API's Protocol in the API package: every member's "
                                            'signature (inspect.signature)')
PARAMS_NO_NEW_REQUIRED = CheckDef("structure.params.no-new-required", Level.MUST,
                                  "The provider adds no required parameter the protocol does not declare",
                                  needs=_PROVIDER,
                                  reference="the API's Protocol in the API package: every member's "
                                            'signature (inspect.signature)')
PARAMS_DEFAULTS_KEPT = CheckDef("structure.params.defaults-kept", Level.SHOULD,
                                "Parameters keep the protocol's default values", needs=_PROVIDER,
                                reference="the API's Protocol in the API package: every member's signature "
                                          '(inspect.signature)')
PARAMS_ANNOTATIONS = CheckDef("structure.annotations.compatible", Level.MUST,
                              "Parameter annotations are the protocol's or wider; return annotations the same or "
                              "narrower", needs=_PROVIDER,
                              reference="the API's Protocol in the API package: every member's signature "
                                        '(inspect.signature)')
ATTRIBUTE_PRESENT = CheckDef("structure.attribute.present", Level.SHOULD,
                             "Attributes the protocol gives a value exist after construction (only isinstance() "
                             "notices)", needs=_PROVIDER,
                             reference="the Protocol's annotated attributes (API_NAMESPACE, store slots)")
ATTRIBUTE_ASSIGNABLE = CheckDef("structure.attribute.assignable", Level.MUST,
                                "Store attributes accept the assignment the routing tables make at start-up",
                                needs=_PROVIDER,
                                reference='routing tables assign store slots (model_store, ...) at start-up')
ATTRIBUTE_TYPE = CheckDef("structure.attribute.type", Level.MUST,
                          "Attribute values set by the provider match the declared type", needs=_PROVIDER,
                          reference="the Protocol's annotated attributes")
ROUTING_IMPLIED_MEMBER = CheckDef("structure.routing.implied-member", Level.MUST,
                                  "Members the server's routing tables call without a protocol declaring them exist",
                                  needs=_PROVIDER,
                                  reference='routing tables call unregister_* on the provider (Private '
                                            'protocols)')
_STRUCTURAL: tuple[CheckDef, ...] = (
    BUILD, MEMBER_PRESENT, MEMBER_CALLABLE, MEMBER_ASYNC, STREAM_RETURNS_ITERATOR, MEMBER_NOT_STUB,
    PARAMS_NAMES_AND_KINDS, PARAMS_NO_NEW_REQUIRED, PARAMS_DEFAULTS_KEPT, PARAMS_ANNOTATIONS, ATTRIBUTE_PRESENT,
    ATTRIBUTE_ASSIGNABLE, ATTRIBUTE_TYPE, ROUTING_IMPLIED_MEMBER,
)
# Why MUST: when a user unregisters a benchmark (scoring function, ...), the server's routing table
# deletes it from its registry and then calls ``provider.unregister_benchmark(identifier)``; a
# provider without that member raises AttributeError there, so the user's DELETE gets a 500. The
# published protocol not declaring the member is the contract's gap, not a licence to break the
# route. Every finding about such a member takes this check's level: the structural one here, and
# a behavioural test that meets the absent member (``structural.absence_check``), so one defect is
# never reported at two levels.




def register(*defs: CheckDef) -> None:
    """Add checks declared by another module (validation, behavioural suites) to ``CHECKS``.

    Ids are global and stable: registering one id twice with a different meaning is a bug.
    """
    for check in defs:
        existing = CHECKS.get(check.id)
        if existing is not None and existing != check:
            raise ValueError(f"check id {check.id!r} registered twice with different definitions")
        CHECKS[check.id] = check


register(*_STRUCTURAL)


# A check as code names it: the declared ``CheckDef`` (preferred: its id is then written once, in the
# declaration) or, where only text can travel (a marker read back from a report), its id.
CheckRef = CheckDef | str


def check_id(ref: CheckRef) -> str:
    return ref if isinstance(ref, str) else ref.id


def check_ids(refs: tuple[CheckRef, ...] | list[CheckRef]) -> tuple[str, ...]:
    return tuple(check_id(ref) for ref in refs)


def finding(
    check: CheckRef, message: str, level: Level | None = None, erratum: str | None = None
) -> Finding:
    """A finding of ``check``, at its registered definition (the registry holds the reference text)."""
    definition = CHECKS.get(check_id(check)) or (check if isinstance(check, CheckDef) else CHECKS[check])
    return Finding(check=definition, message=message, level=level or definition.level, erratum=erratum)


@dataclass(frozen=True)
class Proof:
    """One row of the defect matrix: a broken fixture and exactly what the kit must say about it.

    ``fixture`` is the provider type's tail (``inline::broken-<fixture>``, one module of
    ``fixtures/broken/``). ``fails`` maps each test that must fail to the checks its failure
    must name; no other test may fail. ``warns`` is a SHOULD-level proof: the run passes and
    the summary shows ``[SHOULD <check>] <text>``. ``run`` holds the extra kit arguments (suite
    markers, ``-k``, capabilities, a pinned seed); ``package`` pins the API package the fixture
    is judged against (``llama_stack_api`` for the 0.7 fixtures), None: the default one.
    """

    fixture: str
    fails: Mapping[str, tuple[CheckRef, ...]] = field(default_factory=dict)
    run: tuple[str, ...] = ()
    warns: tuple[tuple[CheckRef, str], ...] = ()
    package: str | None = None

    def proves(self) -> set[str]:
        named = {check_id(ref) for refs in self.fails.values() for ref in refs}
        return named | {check_id(ref) for ref, _text in self.warns}


def only(*tests: str) -> tuple[str, ...]:
    """A proof's ``-k`` for these tests (-k matches substrings: each name is part of no other test's
    name, except parametrized ids such as ``test_embeddings_answer[single]`` / ``[batch]``)."""
    return ("-k", " or ".join(tests))


def each(tests: tuple[str, ...], *checks: CheckRef) -> dict[str, tuple[CheckRef, ...]]:
    """A proof's ``fails``: every one of ``tests`` fails naming ``checks``."""
    return {test: checks for test in tests}


@dataclass(frozen=True)
class UnknownCall:
    """One member called with an id that names nothing: ``member(<id_field>=id, **extra)``."""

    member: str
    id_field: str
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UnknownIds:
    """One API's row of the negative contract: every member that takes an id of this kind must
    answer an unknown one with a typed not-found (``check``), never a success, a 5xx or a hang.

    Declared in the API's wing (``Wing.unknown_ids``); one parametrized test
    (``suites/negative/test_unknown_ids.py``) runs every row (``behaviour.negative.run_unknown_ids``)
    over drawn ids: ``known`` (a plausible one) and ``prefix`` + drawn letters and digits.
    """

    check: CheckDef
    prefix: str
    known: str
    calls: tuple[UnknownCall, ...]
    max_size: int = 40
    min_size: int = 1
    codepoints: tuple[int, int] = (48, 122)  # the drawn tail's alphabet, where ids have a format
    label: str = "id"
    also: tuple[CheckRef, ...] = ()  # further checks the row's test judges


@dataclass(frozen=True)
class Wing:
    """What one API means to the kit, declared in its folder (``suites/<api>/checks.py``).

    ``checks``: the API's own checks. ``proofs``: the broken fixtures that prove them (and the
    engine checks they trip). ``proven_elsewhere``: a check whose proof needs a harness of its
    own (a crashing worker, a live server), by the kit test that proves it
    (``tests/test_isolation.py::test_segfault_is_a_finding``); ``tests/test_proofs.py`` checks it exists.
    """

    api: str
    checks: tuple[CheckDef, ...]
    proofs: tuple[Proof, ...] = ()
    proven_elsewhere: Mapping[str, str] = field(default_factory=dict)
    unknown_ids: tuple[UnknownIds, ...] = ()

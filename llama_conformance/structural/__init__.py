"""The structural suite's checks: does the built provider have the protocol's shape?

Each protocol member (and each required attribute) is judged separately, so the pytest
report has one test per member, named after it, and a failure lists every violated check
with what the protocol declares and what the provider has.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from llama_conformance.checks import (
    ATTRIBUTE_ASSIGNABLE,
    ATTRIBUTE_PRESENT,
    ATTRIBUTE_TYPE,
    MEMBER_ASYNC,
    MEMBER_CALLABLE,
    MEMBER_NOT_STUB,
    MEMBER_PRESENT,
    ROUTING_IMPLIED_MEMBER,
    STREAM_RETURNS_ITERATOR,
    CheckDef,
    Finding,
    Level,
    finding,
)
from llama_conformance.contract import AttributeSpec, MemberSpec
from llama_conformance.contract.typecompat import describe, is_subtype, normalize
from llama_conformance.structural.signature import compare_signature

_ABSENT = object()


@dataclass
class StructuralResult:
    """Findings for one member; ``skip_reason`` when the member is legitimately absent."""

    member_id: str
    findings: list[Finding] = field(default_factory=list)
    skip_reason: str | None = None

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.level == Level.MUST]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level != Level.MUST]


def _defining_class(impl: Any, name: str) -> type | None:
    for klass in type(impl).__mro__:
        if name in vars(klass):
            return klass
    return None


def _is_protocol_class(klass: type | None) -> bool:
    return klass is not None and bool(vars(klass).get("_is_protocol", False))


def _is_coroutine_callable(method: Any) -> bool:
    return inspect.iscoroutinefunction(method) or inspect.iscoroutinefunction(
        getattr(method, "__call__", None)  # noqa: B004 - async callable objects count
    )


def absence_check(member: MemberSpec) -> CheckDef:
    """The check that judges ``member`` being absent from a provider, whichever suite meets it.

    A behavioural test that needs an absent member names this check (and takes its level), so
    the structural and behavioural suites report one missing member at one level.
    """
    return ROUTING_IMPLIED_MEMBER if member.implied else MEMBER_PRESENT


def absence_level(member: MemberSpec) -> Level:
    """How binding ``member``'s absence is: SHOULD for an optional member (the protocol's own
    default raises NotImplementedError, the server answers 501), else its absence check's level."""
    return Level.SHOULD if member.optional else absence_check(member).level


def _missing(member: MemberSpec, where: str, provider: str) -> str:
    """Why a missing member matters, and who must act: the server calls it, and a missing method is an
    AttributeError there, which the server answers as a 500."""
    if member.optional:
        return f"{where} is missing from {provider} (optional: the protocol's default raises NotImplementedError)."
    if member.implied:
        resource = member.name.removeprefix("unregister_").replace("_", " ")
        calls = (f"the server's routing table calls it when a {resource} is unregistered, so unregistering one "
                 "fails with a server error (500)")
    elif member.private:
        calls = "the server's routing table calls it, so that call fails with a server error (500)"
    else:
        calls = "the server's router calls it, so its route fails with a server error (500)"
    return f"{where} is missing from {provider}: {calls}. The provider's maintainer must add it."


def check_member(impl: Any, member: MemberSpec) -> StructuralResult:
    """All structural checks of one protocol member on a built provider."""
    result = StructuralResult(member.member_id)
    where = f"{member.protocol}.{member.name}"
    present_level = absence_level(member)
    present_check = absence_check(member)

    owner = _defining_class(impl, member.name)
    in_instance = member.name in getattr(impl, "__dict__", {})
    if owner is None and not in_instance:
        result.findings.append(finding(present_check, _missing(member, where, type(impl).__name__), present_level))
        return result

    if not in_instance and _is_protocol_class(owner):
        if member.optional:
            result.skip_reason = (
                f"{where} is not implemented: {type(impl).__name__} inherits the protocol "
                "default, which raises NotImplementedError (an optional capability; the "
                "server answers 501)."
            )
        else:
            declared = describe(member.returns)
            # A member declared to return None is no less a stub: it does nothing at all.
            does = ("does nothing (the contract declares no return value, but the work the router asks for is "
                    "never done)" if declared == "None" else f"returns None where the contract declares `{declared}`")
            result.findings.append(finding(
                MEMBER_NOT_STUB,
                f"{type(impl).__name__}.{member.name} is the empty stub inherited from "
                f"{owner.__name__ if owner else member.protocol}: calling it {does}. Implement it.",
            ))
        return result

    method = getattr(impl, member.name, _ABSENT)
    if not callable(method):
        result.findings.append(finding(
            MEMBER_CALLABLE,
            f"{where} is a method; {type(impl).__name__}.{member.name} is a "
            f"{type(method).__name__} ({method!r:.60}).",
        ))
        return result

    if member.is_async:
        if inspect.isasyncgenfunction(method):
            if member.streaming:
                result.findings.append(finding(
                    STREAM_RETURNS_ITERATOR,
                    f"{where} must be `async def` and *return* an async iterator (the router "
                    f"awaits it); {type(impl).__name__}.{member.name} is an async generator "
                    "function, so awaiting it raises TypeError. Move the `yield`s into a "
                    "helper and `return helper(...)`.",
                ))
            else:
                result.findings.append(finding(
                    MEMBER_ASYNC,
                    f"{where} is a coroutine returning {describe(member.returns)}; the "
                    "provider's is an async generator.",
                ))
        elif not _is_coroutine_callable(method):
            result.findings.append(finding(
                MEMBER_ASYNC,
                f"{where} is `async def` (the router awaits it); "
                f"{type(impl).__name__}.{member.name} is a plain function.",
            ))

    result.findings.extend(compare_signature(member, method))
    if member.implied:  # a call the routing table makes: judged under its check, at that check's level
        result.findings = [
            finding(ROUTING_IMPLIED_MEMBER, f.message) if f.level == Level.MUST else f
            for f in result.findings
        ]
    return result


def _is_store_slot(attr: AttributeSpec) -> bool:
    """Attributes typed with a store protocol are assigned by the server's routing tables."""
    norm = normalize(attr.annotation)
    members = norm if isinstance(norm, frozenset) else {norm}
    return any(isinstance(m, type) and vars(m).get("_is_protocol", False) for m in members)


def check_attribute(attr: AttributeSpec, impl: Any, own_value: Any, missing: bool) -> StructuralResult:
    """One protocol attribute on a built provider.

    An attribute the protocol gives a value (``API_NAMESPACE = "Inference"``,
    ``model_store = None``) must exist after construction, as built, before the kit assigns
    anything. One it only annotates (``shield_store: ShieldStore``) is the routing table's
    to assign, so it need not exist yet; a store slot must accept the assignment.
    """
    result = StructuralResult(attr.member_id)
    impl_name = type(impl).__name__
    declared = f"{attr.protocol} declares `{attr.name}: {describe(attr.annotation)}`"
    if missing and attr.default is not inspect.Parameter.empty:
        # SHOULD, not MUST: no server code reads these before assigning them. Constants
        # (``API_NAMESPACE``) are read by nobody; store slots (``model_store``) are assigned
        # unconditionally by the routing tables at start-up (ogx 1.5 and llama-stack 0.7.3
        # ``routing_tables/common.py``). Only ``isinstance(impl, protocol)`` notices.
        what = ("a store the routing table assigns at start-up" if _is_store_slot(attr)
                else "a constant the protocol supplies to its subclasses")
        result.findings.append(finding(
            ATTRIBUTE_PRESENT,
            f"{declared} = {attr.default!r}, {what}; {impl_name} does not have it after construction, "
            f"so `isinstance(impl, {attr.protocol})` is False (no router reads it before assigning it).",
        ))
    if _is_store_slot(attr):
        try:
            setattr(impl, attr.name, getattr(impl, attr.name, None))
        except Exception as exc:
            result.findings.append(finding(
                ATTRIBUTE_ASSIGNABLE,
                f"{declared}, which the server's routing table assigns at start-up; "
                f"assigning {impl_name}.{attr.name} raises {type(exc).__name__}: {exc}.",
            ))
    if not missing and own_value is not None and not is_subtype(type(own_value), attr.annotation):
        result.findings.append(finding(
            ATTRIBUTE_TYPE,
            f"{declared}; {impl_name}.{attr.name} is {own_value!r:.60} ({type(own_value).__name__}).",
        ))
    return result

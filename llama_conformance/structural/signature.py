"""Compare a provider method's signature with the protocol member it implements.

What callers rely on: the server's routers call members positionally with the request
model (``impl.openai_list_files(request)``), other providers call by keyword, and the
routing tables pass one positional identifier to ``unregister_*``. So a parameter must
keep its name and position and accept at least the ways the protocol's kind accepts; a
provider may add parameters only with defaults (or ``*args`` / ``**kwargs``).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from typing import Any

from llama_conformance.checks import (
    PARAMS_ANNOTATIONS,
    PARAMS_DEFAULTS_KEPT,
    PARAMS_NAMES_AND_KINDS,
    PARAMS_NO_NEW_REQUIRED,
    Finding,
    Level,
    finding,
)
from llama_conformance.contract import MemberSpec, ParamSpec
from llama_conformance.contract.members import resolved_hints
from llama_conformance.contract.typecompat import describe, is_subtype

P = inspect.Parameter
_POSITIONAL = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)


def _kind_accepts(provider: inspect._ParameterKind, protocol: inspect._ParameterKind) -> bool:
    """Can the provider's parameter kind receive every call the protocol's kind allows?"""
    if protocol == P.POSITIONAL_OR_KEYWORD:
        return provider == P.POSITIONAL_OR_KEYWORD
    if protocol == P.POSITIONAL_ONLY:
        return provider in _POSITIONAL
    if protocol == P.KEYWORD_ONLY:
        return provider in (P.KEYWORD_ONLY, P.POSITIONAL_OR_KEYWORD)
    return provider == protocol


def bound_signature(method: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(method)
    except (TypeError, ValueError):
        return None


def _describe_param(param: ParamSpec | inspect.Parameter) -> str:
    default = param.default_value if isinstance(param, ParamSpec) else param.default
    tail = "" if default is P.empty else f" = {default!r}"
    return f"`{param.name}` ({param.kind.description}{tail})"


def compare_signature(member: MemberSpec, method: Any) -> list[Finding]:
    """Findings for one provider method against its protocol member.

    Where a documented erratum says the server's router calls providers in another shape
    (``member.provider_call``), a provider matching that shape is not failed: the finding
    against the declaration is replaced by a MAY note naming the erratum. A provider that
    matches only the declaration gets a SHOULD warning that the real router breaks it.
    """
    declared = _compare(member, method)
    if member.provider_call is None:
        return declared
    as_called = _compare(dataclasses.replace(member, params=member.provider_call), method)
    declared_ok = not any(f.level == Level.MUST for f in declared)
    called_ok = not any(f.level == Level.MUST for f in as_called)
    where = f"{member.protocol}.{member.name}"
    if called_ok and not declared_ok:
        return [
            finding(
                PARAMS_NAMES_AND_KINDS,
                f"erratum: {where} is declared with a request model, but {member.erratum}; "
                "the provider has the shape the server calls, so it is accepted.",
                Level.MAY,
            ),
            *as_called,
        ]
    if declared_ok and not called_ok:
        return [
            *declared,
            finding(
                PARAMS_NAMES_AND_KINDS,
                f"{where} matches the protocol, but {member.erratum}: behind that server "
                "this signature raises TypeError.",
                Level.SHOULD,
            ),
        ]
    return declared


def _compare(member: MemberSpec, method: Any) -> list[Finding]:
    """Findings for one provider method against ``member.params``."""
    signature = bound_signature(method)
    if signature is None:
        return []  # builtins / C callables: nothing to compare, nothing to accuse
    params = list(signature.parameters.values())
    var_positional = any(p.kind == P.VAR_POSITIONAL for p in params)
    var_keyword = any(p.kind == P.VAR_KEYWORD for p in params)
    named = {p.name: p for p in params if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)}
    positional = [p for p in params if p.kind in _POSITIONAL]
    hints = resolved_hints(getattr(method, "__func__", method))
    where = f"{member.protocol}.{member.name}"
    found: list[Finding] = []

    for index, expected in enumerate(member.params):
        if member.implied or expected.kind == P.POSITIONAL_ONLY:
            # only the position matters: the routing table passes the identifier positionally
            if index < len(positional) or var_positional:
                continue
            found.append(finding(
                PARAMS_NAMES_AND_KINDS,
                f"{where} is called with {len(member.params)} positional argument(s); the "
                f"provider's signature {signature} accepts {len(positional)}.",
            ))
            continue
        actual = named.get(expected.name)
        if actual is None:
            if var_keyword and (expected.kind == P.KEYWORD_ONLY or var_positional):
                continue  # *args/**kwargs accept it
            found.append(finding(
                PARAMS_NAMES_AND_KINDS,
                f"{where} declares parameter {_describe_param(expected)}; the provider's "
                f"signature {signature} has no parameter of that name.",
            ))
            continue
        problems = []
        if not _kind_accepts(actual.kind, expected.kind):
            problems.append(f"kind {actual.kind.description}")
        if expected.kind in _POSITIONAL and actual.kind in _POSITIONAL:
            expected_index = [p.name for p in member.params if p.kind in _POSITIONAL].index(expected.name)
            if positional.index(actual) != expected_index:
                problems.append(f"position {positional.index(actual)} (protocol: {expected_index})")
        if problems:
            found.append(finding(
                PARAMS_NAMES_AND_KINDS,
                f"{where} declares {_describe_param(expected)}; the provider has "
                f"{_describe_param(actual)} with {' and '.join(problems)}.",
            ))
        if expected.has_default and actual.default is P.empty:
            found.append(finding(
                PARAMS_NO_NEW_REQUIRED,
                f"{where} gives `{expected.name}` the default {expected.default_value!r}; the "
                "provider makes it required, so callers that omit it fail.",
            ))
        elif expected.has_default and not _same_default(expected.default_value, actual.default):
            found.append(finding(
                PARAMS_DEFAULTS_KEPT,
                f"{where} defaults `{expected.name}` to {expected.default_value!r}; the provider "
                f"defaults it to {actual.default!r}.",
            ))
        if actual.name in hints and not is_subtype(expected.annotation, hints[actual.name]):
            found.append(finding(
                PARAMS_ANNOTATIONS,
                f"{where} declares `{expected.name}: {describe(expected.annotation)}`; the "
                f"provider annotates it `{describe(hints[actual.name])}`, which does not accept "
                "every value the protocol allows.",
            ))

    declared = {p.name for p in member.params}
    # the leading parameters filled by position whatever their names (a positional-only declaration)
    by_position = positional[:1 if member.implied else sum(p.kind == P.POSITIONAL_ONLY for p in member.params)]
    for extra in params:
        required = extra.default is P.empty and extra.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)
        if required and extra.name not in declared and extra not in by_position:
            found.append(finding(
                PARAMS_NO_NEW_REQUIRED,
                f"{where} declares no parameter `{extra.name}`; the provider requires it "
                f"(signature {signature}), so calls made as the protocol declares fail.",
            ))

    if "return" in hints and not is_subtype(hints["return"], member.returns):
        if _only_raises(method):
            # It never returns, so no caller can receive the mis-annotated value: the
            # annotation is wrong (``NoReturn`` is meant) but harmless. ogx 1.5's OpenAI
            # adapter declares ``openai_chat_completions_with_reasoning(...) -> None`` and
            # only raises ValueError ("does not support reasoning").
            found.append(finding(
                PARAMS_ANNOTATIONS,
                f"{where} returns `{describe(member.returns)}`; the provider declares "
                f"`{describe(hints['return'])}`, but its body only raises, so it never "
                "returns a value. Annotate it `NoReturn` or with the protocol's type.",
                Level.SHOULD,
            ))
        else:
            found.append(finding(
                PARAMS_ANNOTATIONS,
                f"{where} returns `{describe(member.returns)}`; the provider declares "
                f"`{describe(hints['return'])}`, which is not a subtype of it.",
            ))
    return found


def _only_raises(method: Any) -> bool:
    """True if the function's body (after a docstring) is a single ``raise`` statement."""
    func = inspect.unwrap(getattr(method, "__func__", method))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, ValueError):
        return False
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def _same_default(expected: Any, actual: Any) -> bool:
    """Whether the provider keeps the protocol's default (its value, ``ParamSpec.default_value``). The provider's
    side is taken as written: a provider whose own default is a ``Field(...)`` hands that FieldInfo object to
    anyone who calls it directly."""
    try:
        return bool(expected == actual)
    except Exception:
        return expected is actual

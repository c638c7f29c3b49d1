"""``call.resource-bound``: absurd but schema-valid sizes are refused (4xx) or answered in time.

A request model says ``n: int | None = Field(ge=1)`` and nothing more; a client may send
``n=2147483647`` and the contract calls it valid. A provider that believes it builds two
billion choices, allocates a vector of ``dimensions`` floats, or embeds a batch of 100,000
inputs blocks its server for minutes or runs it out of memory. The contract leaves the
provider two answers: refuse with a typed error (the server's 400) naming the limit, or
answer within the deadline and the memory ceiling.

This module finds the size fields of a member's request by name and type (``n``,
``max_tokens``, ``dimensions``, ``limit``, ``max_num_results``, ``top_k`` ...), and the
fields that carry inputs (``input``, ``messages``, ``prompt``, ``items``, ``query``), and
builds one absurd request per field from a minimal valid request the suite gives. A field
the schema bounds gets its bound (the contract promises it is served); an unbounded one
gets ``HUGE_INT``, ``HUGE_ARRAY`` items or a string of ``HUGE_STRING`` characters: absurd for
the provider, cheap for the kit (one shared short item, one string built once per case).
``absurd_in_body`` applies the same names to a JSON body the HTTP fuzzer sent.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import annotated_types
import pydantic

from llama_conformance.behaviour.judge import kit_frames_hidden
from llama_conformance.checks import Finding, finding
from llama_conformance.contract.sizes import (  # noqa: F401  (the size vocabulary is the contract's; re-exported)
    _SIZE_NAME,
    FUZZ_ARRAY,
    FUZZ_INT,
    FUZZ_STRING,
    HUGE_ARRAY,
    HUGE_INT,
    HUGE_STRING,
    INPUT_NAMES,
    absurd_in_body,
    is_size_name,
    show,
)
from llama_conformance.engine_checks import RESOURCE_BOUND

__tracebackhide__ = kit_frames_hidden  # a check's failure shows from the suite's line down

if TYPE_CHECKING:  # the fuzzer imports ``absurd_in_body`` without the behavioural engine
    from llama_conformance.behaviour.context import Kit
    from llama_conformance.behaviour.invoke import Outcome
    from llama_conformance.contract.members import MemberSpec

CHECK_ID = RESOURCE_BOUND  # the check this module's findings belong to



@dataclass(frozen=True)
class AbsurdCase:
    """One absurd request: which field, the value as shown, and the request (model or kwargs)."""

    field: str
    shown: str
    request: Any


def _arms(annotation: Any) -> tuple[Any, ...]:
    """The alternatives of a union (``Annotated`` peeled), else the annotation alone."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(arm for sub in typing.get_args(annotation) for arm in _arms(sub))
    return (annotation,)


def _takes_int(annotation: Any) -> bool:
    return any(arm is int for arm in _arms(annotation))


def upper_bound(metadata: list[Any]) -> int | None:
    """The largest value the field's declared constraints allow, if they bound it."""
    bounds = [int(item.le) for item in metadata if isinstance(item, annotated_types.Le)]  # type: ignore[call-overload]
    bounds += [int(item.lt) - 1 for item in metadata  # type: ignore[call-overload]
               if isinstance(item, annotated_types.Lt)]
    return min(bounds) if bounds else None


def _max_length(metadata: list[Any]) -> int | None:
    lengths = [int(item.max_length) for item in metadata if isinstance(item, annotated_types.MaxLen)]
    return min(lengths) if lengths else None


def _huge_inputs(value: Any, max_length: int | None) -> list[tuple[str, Any, Any]]:
    """The absurd twins of an input the base request carries: (path shown, new value, what grew)."""
    if isinstance(value, str):
        huge = "x" * min(HUGE_STRING, max_length or HUGE_STRING)
        return [("", huge, huge)]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        many = ["absurd"] * min(HUGE_ARRAY, max_length or HUGE_ARRAY)
        long = "x" * HUGE_STRING
        return [("", many, many), ("[0]", [long], long)]
    if isinstance(value, list) and value and isinstance(value[-1], dict) and isinstance(value[-1].get("content"), str):
        long = "x" * HUGE_STRING
        return [(f"[{len(value) - 1}].content", [*value[:-1], {**value[-1], "content": long}], long)]
    return []


def absurd_cases(model: type[pydantic.BaseModel], base: Mapping[str, Any],
                 build: Callable[[dict[str, Any]], Any] | None = None) -> Iterator[AbsurdCase]:
    """One absurd request per size field and per input field of ``model``, grown from ``base``.

    ``build`` turns a payload into what the member is called with (default: the model).
    Lazily: each case's huge value exists only while it is being checked. An array or string
    longer than the schema allows is cut to the schema's ``max_length`` (read from pydantic's
    own error: the bound may sit on one arm of a union); a payload the model still rejects
    is not a case.
    """
    make = build or model.model_validate
    fields = model.model_fields
    for name, info in fields.items():
        if not (is_size_name(name) and _takes_int(info.annotation)):
            continue
        bound = upper_bound(info.metadata)
        value = bound if bound is not None else HUGE_INT
        shown = f"{value} (the schema's upper bound)" if bound is not None else str(value)
        case = _validated(make, {**base, name: value}, name, shown)
        if case is not None:
            yield case
    for name in INPUT_NAMES:
        if name not in fields or name not in base:
            continue
        for path, value, grew in _huge_inputs(base[name], _max_length(fields[name].metadata)):
            case = _validated(make, {**base, name: value}, name + path, show(grew))
            if case is None and isinstance(value, list) and not path:
                allowed = _allowed_length(make, {**base, name: value}, name)
                if allowed:
                    case = _validated(make, {**base, name: value[:allowed]}, name,
                                      f"{show(value[:allowed])} (the schema's max_length)")
            if case is not None:
                yield case


def _allowed_length(make: Callable[[dict[str, Any]], Any], payload: dict[str, Any], name: str) -> int | None:
    """The largest ``max_length`` pydantic names for ``name`` when it rejects ``payload`` as too long."""
    try:
        make(payload)
    except pydantic.ValidationError as exc:
        lengths = [int(err["ctx"]["max_length"]) for err in exc.errors()
                   if err["type"] == "too_long" and err["loc"][:1] == (name,) and "max_length" in err.get("ctx", {})]
        return max(lengths) if lengths else None
    return None


def absurd_param_cases(member: MemberSpec, base: Mapping[str, Any]) -> Iterator[AbsurdCase]:
    """For members that take plain parameters (``limit: int | None``): one case per size parameter."""
    for param in member.params:
        if is_size_name(param.name) and _takes_int(param.annotation):
            yield AbsurdCase(param.name, str(HUGE_INT), {**base, param.name: HUGE_INT})


def _validated(make: Callable[[dict[str, Any]], Any], payload: dict[str, Any], field: str,
               shown: str) -> AbsurdCase | None:
    try:
        return AbsurdCase(field, shown, make(payload))
    except (pydantic.ValidationError, ValueError, TypeError):
        return None


def _payload(request: Any) -> Any:
    dump = getattr(request, "model_dump", None)
    return dump(mode="json", exclude_unset=True) if callable(dump) else request


def _timed_out(outcome: Outcome) -> str | None:
    """The deadline, passed: the gate's timeout, or an HTTP client's own (``ReadTimeout``)."""
    if outcome.timed_out:
        return outcome.timed_out
    if outcome.error is not None and "Timeout" in type(outcome.error).__name__:
        return f"{type(outcome.error).__name__}: {outcome.error}"
    return None


def verdict(outcome: Outcome, case: AbsurdCase) -> Finding | None:
    """``None`` when the absurd request was refused with a 4xx (or 501) or answered; else the finding."""
    remedy = (f"The provider's maintainer must refuse {case.field} above what it can serve with a 400 "
              "(raise ValueError or the API package's invalid-parameter error naming the limit), or answer "
              "within the deadline.")
    request = f"request: {show(_payload(case.request))}"
    late = _timed_out(outcome)
    if outcome.refused and late is not None:  # the member hung or crashed earlier: that finding's, not this one's
        return finding(outcome.hang_check, late)
    if late is not None:
        return finding(CHECK_ID, f"{outcome.member} did not answer {case.field}={case.shown} within the deadline "
                                 f"({late}). {remedy}\n{request}")
    error = outcome.error
    if error is None:
        return None
    if isinstance(error, MemoryError):
        return finding(CHECK_ID, f"{outcome.member} ran out of memory on {case.field}={case.shown} "
                                 f"(MemoryError past the memory ceiling): it sized its work by the request. "
                                 f"{remedy}\n{request}")
    answer = outcome.answer
    if answer is not None and (answer.client_error or answer.not_implemented):
        return None
    return finding(CHECK_ID, f"{outcome.member} raised {outcome.describe_error()} on {case.field}={case.shown}: "
                             f"a client cannot tell a limit from a crash. {remedy}\n{request}")


def check_cases(kit: Kit, member: MemberSpec, cases: Iterator[AbsurdCase],
                call: Callable[[AbsurdCase], Outcome]) -> int:
    """Call every case, judge it, and fail with every finding; the number of cases checked.

    After a timeout the gate refuses the member at once (it may still be running), so the
    cases after it would only repeat "not called": checking stops there.
    """
    findings: list[Finding] = []
    checked = 0
    for case in cases:
        outcome = call(case)
        checked += 1
        found = verdict(outcome, case)
        if found is not None:
            findings.append(found)
            if _timed_out(outcome):
                break
        elif outcome.succeeded and not outcome.streamed:  # answered: the answer must still be valid
            kit.validate(outcome, member, expect_stream=False, check_id=CHECK_ID)
    kit.judge.take(findings)
    return checked

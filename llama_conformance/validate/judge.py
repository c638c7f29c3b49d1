"""Judge one value against its declared type: class, JSON Schema, pydantic round trip.

This is the hot path of every response and every stream chunk, so it is arranged around
what is cheap: a fast jsonschema-rs yes/no on the JSON form, pydantic's Rust validator for
the round trip, and the slow, wordy ``jsonschema`` explanation only after a "no".

In-process a value is a pydantic object: it is dumped the way the server dumps it (JSON mode,
its own class's serializer) and the dump is judged. Over HTTP it already is JSON. Either way
the caller gets the JSON form back, so stream invariants read one shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

from llama_conformance.checks import Finding, Level
from llama_conformance.validate.compiled import CompiledType, compiled
from llama_conformance.validate.errata import DEFAULT_ERRATA, Erratum
from llama_conformance.validate.explain import SchemaProblem, fast_sites
from llama_conformance.validate.ids import (
    RESPONSE_ROUNDTRIP,
    RESPONSE_SCHEMA,
    RESPONSE_TYPE,
    STREAM_CHUNK_ROUNDTRIP,
    STREAM_CHUNK_SCHEMA,
    STREAM_CHUNK_TYPE,
)
from llama_conformance.validate.messages import data_path, json_path, short_repr, violation

MAX_PROBLEMS = 5  # per check and value: the first few say what is wrong; hundreds drown it

_JSON_TYPES = (dict, list, str, int, float, bool, type(None))


@dataclass(frozen=True)
class CheckIds:
    """Which check ids a judge reports under (a whole response, or one stream chunk)."""

    type: str
    schema: str
    roundtrip: str


VALUE_CHECKS = CheckIds(RESPONSE_TYPE, RESPONSE_SCHEMA, RESPONSE_ROUNDTRIP)
CHUNK_CHECKS = CheckIds(STREAM_CHUNK_TYPE, STREAM_CHUNK_SCHEMA, STREAM_CHUNK_ROUNDTRIP)


def _holds_models(value: Any) -> bool:
    """A list of pydantic objects is an in-process value even when nobody said so."""
    return isinstance(value, list | tuple) and bool(value) and isinstance(value[0], BaseModel)


class Judge:
    """Judges values of one declared type; one instance per response or per stream.

    Each erratum is reported once per judge (the first value that needs it), and so is each
    kind of wrong class: a stream of 500 chunks from a foreign class is one finding, not 500.
    """

    def __init__(
        self,
        tp: Any,
        *,
        method: str,
        checks: CheckIds = VALUE_CHECKS,
        errata: tuple[Erratum, ...] = DEFAULT_ERRATA,
        in_process: bool | None = None,
    ) -> None:
        self.compiled: CompiledType = compiled(tp)
        self.method = method
        self.checks = checks
        self.in_process = in_process
        self.relaxed, self._fast = self.compiled.fast_for(errata)
        self._validator = self.compiled.adapter.validator
        # a schema pass already proves the round trip for most types: then it is not run again
        self._implied = self.compiled.schema_implies_roundtrip(self.relaxed)
        # errata that can still fire: those whose relaxation changes this type's schema
        self.pending: set[str] = {e.id for e in self.relaxed}
        self._type_seen: set[str] = set()
        # the declared model class itself (not a union): its objects take the shortest path
        tp_ = self.compiled.tp
        self._exact: type | None = tp_ if isinstance(tp_, type) and issubclass(tp_, BaseModel) else None
        self._exact_dump = tp_.__pydantic_serializer__.to_python if self._exact is not None else None

    # -- the three checks ------------------------------------------------------------------

    def quick(self, value: Any) -> Any:
        """The JSON form of ``value`` if it passes schema and round trip on the fast path
        with nothing to report, else ``None`` (then ``judge`` words what is wrong).

        This is the hot path of a stream: a dict over HTTP, or an object of the declared
        class judged shallowly, costs two Rust calls (three with the dump) and no findings;
        one fewer when the schema pass proves the round trip (``schema_implies_roundtrip``).
        """
        if self.pending:
            return None
        kind = type(value)
        if kind is dict and not self.in_process:
            data = value
        elif kind is self._exact and self._exact_dump is not None:
            try:
                data = self._exact_dump(value, mode="json", warnings=False)
            except (PydanticSerializationError, TypeError, ValueError):
                return None
        else:
            return None
        if not self._fast.is_valid(data):
            return None
        if self._implied:
            return data
        try:
            self._validator.validate_python(data)
        except ValidationError:
            return None
        return data

    def judge(self, value: Any, where: str = "", *, deep: bool = True) -> tuple[Any, list[Finding]]:
        """Findings for ``value`` and its JSON form (``None`` if it has none).

        ``deep`` also looks inside an in-process model for values of the wrong class (a dict
        where a nested model is due). It costs about 40% more per object; a stream checker
        may sample it (see ``nested_check``).
        """
        findings: list[Finding] = []
        kind = type(value)
        if kind is dict and not self.in_process:
            data = value  # JSON over HTTP: judged as it came
        elif kind is self._exact and not deep and self._exact_dump is not None:
            try:  # an object of the declared class, shallow: dump as the server does, no detour
                data = self._exact_dump(value, mode="json", warnings=False)
            except (PydanticSerializationError, TypeError, ValueError) as exc:
                self._unserializable(exc, where, findings)
                return None, findings
        else:
            data, ok = self._json_form(value, where, findings, deep)
            if not ok:
                return None, findings
        # the hot path is two Rust calls; the wordy slow paths run only after a "no"
        valid = self._fast.is_valid(data)
        if self.pending or not valid:
            self._schema(data, valid, where, findings)
        if valid and self._implied:
            return data, findings
        try:
            self._validator.validate_python(data)
        except ValidationError:
            self._roundtrip(data, where, findings)
        return data, findings

    def nested_check(self, value: Any, where: str = "") -> list[Finding]:
        """Only the "wrong class inside" part of a deep judgement, for a chunk judged shallowly."""
        findings: list[Finding] = []
        classes = self.compiled.classes
        if isinstance(value, BaseModel) and (classes is None or isinstance(value, classes)):
            try:
                value.__pydantic_serializer__.to_python(value, mode="json", warnings="error")
            except PydanticSerializationError as exc:
                if "UnexpectedValue" in str(exc):
                    self._type_problem(_nested_detail(str(exc)), value, where, findings, key="nested")
        return findings

    def _json_form(self, value: Any, where: str, findings: list[Finding], deep: bool) -> tuple[Any, bool]:
        classes = self.compiled.classes
        if isinstance(value, BaseModel):
            if classes is not None and not isinstance(value, classes):
                cls = type(value)
                self._type_problem(
                    f"a {cls.__module__}.{cls.__qualname__}, not the declared {self.compiled.name}: "
                    "code that checks isinstance breaks (its JSON is judged by the other checks)",
                    value, where, findings, level=Level.SHOULD, key=f"class:{cls.__qualname__}",
                )
                return self._dump(value.__pydantic_serializer__.to_python, value, where, findings, nested=False)
            return self._dump(value.__pydantic_serializer__.to_python, value, where, findings, nested=deep)
        json_like = isinstance(value, _JSON_TYPES)
        if classes is not None and not isinstance(value, classes) and (self.in_process or not json_like):
            cls = type(value)
            self._type_problem(
                f"None where the contract declares {self.compiled.name}" if value is None else
                f"a {cls.__qualname__} where {self.compiled.name} is due in-process "
                "(callers use attributes, not keys)",
                value, where, findings, key=f"class:{cls.__qualname__}",
            )
        if json_like and not _holds_models(value):
            return value, True  # JSON already (a dict where a model is due was reported above)
        return self._dump(self.compiled.adapter.dump_python, value, where, findings, nested=deep)

    def _dump(
        self, dump: Any, value: Any, where: str, findings: list[Finding], *, nested: bool
    ) -> tuple[Any, bool]:
        """The JSON form as the server writes it; with ``nested``, a model of the wrong class
        inside (a dict where a model is due, from ``model_construct``) is a type finding."""
        if nested:
            try:  # "error" turns the serializer's "Expected X, got dict" warning into an exception
                return dump(value, mode="json", warnings="error"), True
            except PydanticSerializationError as exc:
                if "UnexpectedValue" not in str(exc):
                    return self._unserializable(exc, where, findings)
                self._type_problem(_nested_detail(str(exc)), value, where, findings, key="nested")
        try:
            return dump(value, mode="json", warnings=False), True
        except (PydanticSerializationError, TypeError, ValueError) as exc:
            return self._unserializable(exc, where, findings)

    def _schema(self, data: Any, valid: bool, where: str, findings: list[Finding]) -> None:
        relaxed = self.relaxed
        if valid:
            if self.pending:
                self._schema_errata(data, where, findings, failures=())
            return
        problems = self.compiled.detail(relaxed).problems(data)
        if not problems:  # the engines disagree: let the fast one word it
            problems = [
                SchemaProblem(tuple(e.instance_path), e.message, e.instance)
                for e in self._fast.iter_errors(data)
            ]
        self._emit(self.checks.schema, problems, where, findings)
        if self.pending:
            self._schema_errata(data, where, findings, failures=problems)

    def _schema_errata(
        self, data: Any, where: str, findings: list[Finding], failures: Any
    ) -> None:
        """Report each pending erratum this value needs: it fails without that relaxation."""
        failed_at = {p.path for p in failures}
        for erratum in self.relaxed:
            if erratum.id not in self.pending:
                continue
            others = tuple(e for e in self.relaxed if e is not erratum)
            if not failures and self.compiled.fast(others).is_valid(data):
                continue
            # only the places, not the wording, are needed: the fast engine lists them
            sites = [p for p in fast_sites(self.compiled.fast(others), data) if p not in failed_at]
            if sites:
                self._erratum(erratum, self.checks.schema, sites, where, findings)

    def _roundtrip(self, data: Any, where: str, findings: list[Finding]) -> None:
        try:
            self._validator.validate_python(data)
            return
        except ValidationError as exc:
            error = exc
        try:  # python-mode strictness is not the wire's: the JSON text has the last word
            self.compiled.adapter.validate_json(json.dumps(data))
            return
        except ValidationError as exc:
            error = exc
        except (TypeError, ValueError):
            pass
        problems: list[SchemaProblem] = []
        tolerated: dict[str, tuple[Erratum, list[tuple[Any, ...]]]] = {}
        for err in error.errors(include_url=False):
            path = data_path(data, err.get("loc", ()), missing=err.get("type") == "missing")
            erratum = next((e for e in self.relaxed if e.tolerates(err)), None)
            if erratum is not None:
                tolerated.setdefault(erratum.id, (erratum, []))[1].append(path)
                continue
            problems.append(SchemaProblem(path, f"{err.get('msg')} [{err.get('type')}]", err.get("input")))
        self._emit(self.checks.roundtrip, problems, where, findings)
        for erratum, sites in tolerated.values():
            if erratum.id in self.pending:
                self._erratum(erratum, self.checks.roundtrip, sites, where, findings)

    # -- wording ---------------------------------------------------------------------------

    def _emit(self, check_id: str, problems: list[SchemaProblem], where: str, findings: list[Finding]) -> None:
        for number, problem in enumerate(problems[:MAX_PROBLEMS], 1):
            detail = problem.detail
            if number == MAX_PROBLEMS and len(problems) > MAX_PROBLEMS:
                detail += f" (and {len(problems) - MAX_PROBLEMS} more problems)"
            findings.append(violation(check_id, self.method, detail, path=problem.path,
                                      value=problem.instance, where=where))

    def _erratum(
        self, erratum: Erratum, check_id: str, sites: list[tuple[Any, ...]], where: str, findings: list[Finding]
    ) -> None:
        self.pending.discard(erratum.id)
        others = sorted({json_path(s) for s in sites[1:]} - {json_path(sites[0])})
        more = f" and {len(others) - 6} more" if len(others) > 6 else ""
        also = f"; also at {', '.join(others[:6])}{more}" if others else ""
        detail = f"{erratum.summary}{also}. Reported once, not counted as a failure"
        findings.append(violation(check_id, self.method, detail, path=sites[0], where=where, erratum=erratum.id))

    def _type_problem(
        self, detail: str, value: Any, where: str, findings: list[Finding],
        *, key: str, level: Level | None = None,
    ) -> None:
        if key in self._type_seen:
            return
        self._type_seen.add(key)
        findings.append(violation(self.checks.type, self.method, detail, value=value, where=where, level=level))

    def _unserializable(self, exc: Exception, where: str, findings: list[Finding]) -> tuple[None, bool]:
        findings.append(violation(
            self.checks.roundtrip, self.method,
            f"cannot be serialized to JSON as the server would: {type(exc).__name__}: {short_repr(str(exc))}",
            where=where,
        ))
        return None, False


_UNEXPECTED = re.compile(r"Expected `([^`]+)`.*?field_name='([^']*)'.*?input_type=([\w.]+)")


def _nested_detail(text: str) -> str:
    """The serializer's "Expected `X` ... [field_name='f', input_type=dict]" as a sentence."""
    found = _UNEXPECTED.findall(text)
    if not found:
        return f"holds a value of the wrong class inside: {short_repr(text)}"
    expected, field_name, got = found[0]
    more = f" (and {len(found) - 1} more such fields)" if len(found) > 1 else ""
    held = "None" if got == "NoneType" else f"a {got}"
    return f"field {field_name!r} holds {held} where {expected} is due{more}"

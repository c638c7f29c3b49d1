"""Documented errata: where the published contract, not the provider, is wrong.

Each erratum is a relaxation of the published JSON Schema plus, where pydantic is strict
too, the pydantic errors it tolerates. The validators accept a value under the relaxed
contract and report each erratum a value needed once, as a finding that carries the
erratum id (level MAY): visible in every report, never counted as a provider failure.

Both errata are derived from the installed package's own schema (no copied schema): if a
later package version fixes the contract, the relaxation changes nothing and the erratum
can no longer fire.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from llama_conformance.validate.ids import ERRATUM_COMPLETION_FINISH_NULL, ERRATUM_NULL_STRIPPED


@dataclass(frozen=True)
class Erratum:
    """A contract defect: how to relax the schema of ``tp``, and which pydantic errors to forgive."""

    id: str
    summary: str
    relax: Callable[[dict[str, Any], Any], bool]
    tolerates: Callable[[Mapping[str, Any]], bool]


def _admits_null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if schema.get("const", 0) is None or None in schema.get("enum", [0]):
        return True
    return any(_admits_null(sub) for key in ("anyOf", "oneOf") for sub in schema.get(key, ()))


def _object_schemas(schema: Any) -> Iterator[dict[str, Any]]:
    """Every subschema that declares ``properties``, wherever it is nested."""
    if isinstance(schema, dict):
        if isinstance(schema.get("properties"), dict):
            yield schema
        for value in schema.values():
            yield from _object_schemas(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _object_schemas(value)


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    keep: dict[str, Any] = {k: prop[k] for k in ("default", "description", "title") if k in prop}
    return {"anyOf": [prop, {"type": "null"}], **keep}


def _fields_defaulting_to_none(tp: Any) -> set[str]:
    """Wire names of a pydantic model's fields whose default is None."""
    fields = getattr(tp, "model_fields", None)
    if not isinstance(fields, dict):
        return set()
    return {info.alias or name for name, info in fields.items()
            if not info.is_required() and info.default is None}


def _relax_null_stripped(schema: dict[str, Any], tp: Any) -> bool:
    """Re-admit null where the field's default is None or OpenAPI 3.0 ``nullable`` is set.

    ``ogx_api``/``llama_stack_api`` mark many optional fields with ``remove_null_from_anyof``:
    the published schema then forbids null, but the model's default is None and the
    package's own serializer (``model_dump_json``, used by the server for JSON and SSE)
    writes ``null`` there. Judging the wire by the stripped schema would fail every provider.
    """
    changed = False
    declared_none = _fields_defaulting_to_none(tp)
    for obj in list(_object_schemas(schema)):
        for name, prop in list(obj["properties"].items()):
            if not isinstance(prop, dict):
                continue
            defaults_none = "default" in prop and prop["default"] is None
            # Some fields lose their default in the published schema (``deprecated``
            # fields); the model itself still says None, so the top-level model decides.
            top_level_none = obj is schema and name in declared_none
            if (defaults_none or top_level_none or prop.get("nullable") is True) and not _admits_null(prop):
                obj["properties"][name] = _nullable(prop)
                changed = True
    return changed


def _choice_class(tp: Any) -> type | None:
    fields = getattr(tp, "model_fields", None) or {}
    info = fields.get("choices")
    if info is None:
        return None
    args = typing.get_args(info.annotation)
    return args[0] if args and isinstance(args[0], type) else None


def _relax_completion_finish_reason(schema: dict[str, Any], tp: Any) -> bool:
    """Admit null for the text-completion choice's ``finish_reason`` (streams only)."""
    choice = _choice_class(tp)
    if choice is None:
        return False
    changed = False
    for key, definition in schema.get("$defs", {}).items():
        if choice.__name__ not in (key, definition.get("title")):
            continue
        prop = definition.get("properties", {}).get("finish_reason")
        if isinstance(prop, dict) and not _admits_null(prop):
            definition["properties"]["finish_reason"] = _nullable(prop)
            changed = True
    return changed


def _tolerates_finish_reason_null(error: Mapping[str, Any]) -> bool:
    loc = error.get("loc", ())
    return (
        error.get("input", 0) is None
        and len(loc) >= 3
        and loc[0] == "choices"
        and isinstance(loc[1], int)
        and loc[-1] == "finish_reason"
    )


NULL_STRIPPED = Erratum(
    id=ERRATUM_NULL_STRIPPED,
    summary=(
        "null where the published JSON Schema leaves it out (the package strips null with "
        "remove_null_from_anyof), although the field defaults to None and the package's own "
        "serializer, which the server uses, writes null there"
    ),
    relax=_relax_null_stripped,
    tolerates=lambda error: False,  # pydantic accepts None on these fields
)

COMPLETION_FINISH_REASON_NULL = Erratum(
    id=ERRATUM_COMPLETION_FINISH_NULL,
    summary=(
        "finish_reason is null on a streamed text-completion chunk: the contract declares "
        "OpenAICompletionChoice.finish_reason non-nullable, yet every OpenAI-style stream "
        "carries null until the final chunk of a choice (RUNNING.md, 'Contract ambiguities'); "
        "the final chunk of each choice is still required to carry one"
    ),
    relax=_relax_completion_finish_reason,
    tolerates=_tolerates_finish_reason_null,
)

# Always in force: a response or chunk is judged by what the package's serializer emits.
DEFAULT_ERRATA: tuple[Erratum, ...] = (NULL_STRIPPED,)
# Text-completion streams add the finish_reason erratum.
COMPLETION_STREAM_ERRATA: tuple[Erratum, ...] = (NULL_STRIPPED, COMPLETION_FINISH_REASON_NULL)

"""One declared type, compiled once: its JSON Schemas, their validators, its pydantic validator.

Compiling a schema costs milliseconds; validating a chunk must cost microseconds. So each
type (and each set of errata relaxed on it) is compiled once per process and cached:

- the *published* schema, ``TypeAdapter(tp).json_schema(mode="serialization")``: what the
  package says a serialized value looks like;
- relaxed variants, one per subset of the errata that change it (see ``errata.py``);
- a ``jsonschema-rs`` validator per variant: the fast yes/no on every value;
- a ``jsonschema`` (Python) validator per variant, built only when a value fails: it words
  the error and gives its path;
- pydantic's ``TypeAdapter`` for the round trip.
"""

from __future__ import annotations

import copy
import threading
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from pydantic import BaseModel, PydanticInvalidForJsonSchema, PydanticSchemaGenerationError, TypeAdapter

from llama_conformance.contract.packages import type_prefixes
from llama_conformance.errors import KitUsageError
from llama_conformance.validate.errata import Erratum
from llama_conformance.validate.explain import Explainer

try:
    import jsonschema_rs
except ImportError:  # pragma: no cover - the kit depends on it; this keeps a broken install usable
    jsonschema_rs = None  # type: ignore[assignment]


class _PythonFast:
    """Stand-in for a jsonschema-rs validator when it is not installed: same verdicts,
    about 500 times slower per value (install ``jsonschema-rs``)."""

    def __init__(self, explainer: Explainer) -> None:
        self.explainer = explainer

    def is_valid(self, data: Any) -> bool:
        return bool(self.explainer.validator.is_valid(data))

    def iter_errors(self, data: Any) -> list[Any]:
        return []

    def sites(self, data: Any) -> list[tuple[Any, ...]]:
        return list(dict.fromkeys(p.path for p in self.explainer.problems(data)))


def type_name(tp: Any) -> str:
    """A short readable name for a declared type (``OpenAIChatCompletionChunk``, ``list[File]``)."""
    if isinstance(tp, type):
        return tp.__name__
    text = repr(tp)
    for prefix in ("typing.", *type_prefixes()):
        text = text.replace(prefix, "")
    return text if len(text) <= 100 else text[:97] + "..."


def model_classes(tp: Any) -> tuple[type, ...] | None:
    """The classes an in-process value of ``tp`` may be, when ``tp`` is a model or a union of
    models (``Annotated`` and ``None`` members allowed); ``None`` when that is not the case and
    the shape is left to the schema and the round trip."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return model_classes(typing.get_args(tp)[0])
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return (tp,)
    if origin is typing.Union or origin is types.UnionType:
        found: list[type] = []
        for member in typing.get_args(tp):
            if member is type(None):
                found.append(member)
                continue
            sub = model_classes(member)
            if sub is None:
                return None
            found.extend(sub)
        return tuple(found)
    return None


@dataclass
class CompiledType:
    """Everything needed to judge values of one declared type, built lazily and kept."""

    tp: Any
    adapter: TypeAdapter[Any]
    published: dict[str, Any]
    classes: tuple[type, ...] | None
    name: str
    _variants: dict[frozenset[str], dict[str, Any]] = field(default_factory=dict)
    _fast: dict[frozenset[str], Any] = field(default_factory=dict)
    _detail: dict[frozenset[str], Explainer] = field(default_factory=dict)
    _effective: dict[tuple[str, ...], tuple[Erratum, ...]] = field(default_factory=dict)
    _judged: dict[tuple[Erratum, ...], tuple[tuple[Erratum, ...], Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def effective(self, errata: tuple[Erratum, ...]) -> tuple[Erratum, ...]:
        """The errata whose relaxation changes this type's schema (the others cannot fire)."""
        key = tuple(e.id for e in errata)
        hit = self._effective.get(key)
        if hit is None:
            hit = tuple(e for e in errata if e.relax(copy.deepcopy(self.published), self.tp))
            self._effective[key] = hit
        return hit

    def fast_for(self, errata: tuple[Erratum, ...]) -> tuple[tuple[Erratum, ...], Any]:
        """The errata that apply to this type and the fast validator with all of them relaxed:
        what every judge of this type needs first, looked up once per (type, errata)."""
        hit = self._judged.get(errata)
        if hit is None:
            relaxed = self.effective(errata)
            hit = (relaxed, self.fast(relaxed))
            self._judged[errata] = hit
        return hit

    def schema(self, relaxed: tuple[Erratum, ...]) -> dict[str, Any]:
        key = frozenset(e.id for e in relaxed)
        schema = self._variants.get(key)
        if schema is None:
            schema = copy.deepcopy(self.published)
            for erratum in relaxed:
                erratum.relax(schema, self.tp)
            self._variants[key] = schema
        return schema

    def fast(self, relaxed: tuple[Erratum, ...]) -> Any:
        """The jsonschema-rs validator of the schema with ``relaxed`` applied."""
        key = frozenset(e.id for e in relaxed)
        validator = self._fast.get(key)
        if validator is None:
            with self._lock:
                if jsonschema_rs is None:
                    validator = _PythonFast(self.detail(relaxed))
                else:
                    validator = jsonschema_rs.validator_for(self.schema(relaxed))
                self._fast[key] = validator
        return validator

    def detail(self, relaxed: tuple[Erratum, ...]) -> Explainer:
        """The jsonschema (Python) explainer: slow, but words errors and gives their paths."""
        key = frozenset(e.id for e in relaxed)
        validator = self._detail.get(key)
        if validator is None:
            schema = self.schema(relaxed)
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            validator = Explainer(cls(schema))
            self._detail[key] = validator
        return validator


_CACHE: dict[Any, CompiledType] = {}
_CACHE_LOCK = threading.Lock()


def _key(tp: Any) -> Any:
    try:
        hash(tp)
    except TypeError:  # Annotated[..., FieldInfo] is not hashable: key by identity, keep tp alive
        return ("id", id(tp))
    return tp


def compiled(tp: Any) -> CompiledType:
    """The compiled form of ``tp``, built on first use and cached for the process."""
    key = _key(tp)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is None:
            try:
                adapter: TypeAdapter[Any] = TypeAdapter(tp)
                published = adapter.json_schema(mode="serialization")
            except (PydanticSchemaGenerationError, PydanticInvalidForJsonSchema) as exc:
                raise KitUsageError(
                    f"{type_name(tp)} has no JSON Schema, so its values cannot be validated as JSON "
                    f"({str(exc).splitlines()[0]}). Raw responses (starlette Response) are not JSON; "
                    "for a stream (AsyncIterator[...]) judge each chunk with stream_checker."
                ) from exc
            hit = CompiledType(tp=tp, adapter=adapter, published=published,
                               classes=model_classes(tp), name=type_name(tp))
            _CACHE[key] = hit
    return hit

"""One declared type, compiled once: its JSON Schemas, their validators, its pydantic validator.

Compiling a schema costs milliseconds; validating a chunk must cost microseconds. So each
type (and each set of errata relaxed on it) is compiled once per process and cached:

- the *published* schema, ``TypeAdapter(tp).json_schema(mode="serialization")``: what the
  package says a serialized value looks like;
- relaxed variants, one per subset of the errata that change it (see ``errata.py``);
- a ``jsonschema-rs`` validator per variant: the fast yes/no on every value;
- a ``jsonschema`` (Python) validator per variant, built only when a value fails: it words
  the error and gives its path (so ``jsonschema``, a tenth of a structural run's own imports with
  its format checkers, is imported only then);
- pydantic's ``TypeAdapter`` for the round trip;
- whether the round trip can add anything to a schema pass (``schema_implies_roundtrip``):
  for most stream chunk types it cannot, and skipping it halves the cost of a chunk.
"""

from __future__ import annotations

import copy
import threading
import types
import typing
from dataclasses import dataclass, field
from typing import Any

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
    _implies: dict[frozenset[str], bool] = field(default_factory=dict)
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

    def schema_implies_roundtrip(self, relaxed: tuple[Erratum, ...]) -> bool:
        """True when every JSON value the relaxed schema accepts also validates into ``tp``.

        Then a value whose JSON form passed the fast schema check cannot fail the round trip,
        and the judge skips it (it is the dearest step of a chunk). Proven from pydantic's
        core schema, conservatively: only plain models, strings without patterns, numbers,
        booleans, literals, enums, lists, dicts and unions, nothing pydantic checks that the
        schema cannot say (validators, serializers, aliases, computed fields, strict mode,
        ``model_post_init``); and each property an erratum made nullable must admit None in
        pydantic too. Anything unproven keeps the round trip.
        """
        key = frozenset(e.id for e in relaxed)
        hit = self._implies.get(key)
        if hit is None:
            core = getattr(self.adapter, "core_schema", None)
            models: dict[str, dict[str, Any]] = {}
            hit = isinstance(core, dict) and _plain(core, models) and all(
                _admits_none(models.get(title, {}).get(name))
                for title, name in _nullable_sites(self.published, self.schema(relaxed)))
            self._implies[key] = hit
        return hit

    def detail(self, relaxed: tuple[Erratum, ...]) -> Explainer:
        """The jsonschema (Python) explainer: slow, but words errors and gives their paths."""
        key = frozenset(e.id for e in relaxed)
        validator = self._detail.get(key)
        if validator is None:
            import jsonschema

            schema = self.schema(relaxed)
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            validator = Explainer(cls(schema))
            self._detail[key] = validator
        return validator


# core schema node kinds whose validation a JSON Schema states exactly (keys that would add
# a check the schema does not make are refused in ``_plain``)
_PLAIN_KINDS = frozenset({"model", "model-fields", "model-field", "str", "int", "float", "bool", "none", "nullable",
                          "literal", "enum", "list", "dict", "union", "tagged-union", "default", "definitions",
                          "definition-ref", "any"})
_UNSTATED_KEYS = frozenset({"serialization", "pattern", "validation_alias", "serialization_alias", "post_init",
                            "multiple_of", "custom_error_type", "function"})


def _plain(node: Any, models: dict[str, dict[str, Any]]) -> bool:
    """Whether pydantic checks nothing in ``node`` beyond what its JSON Schema says; collects each
    model's fields by its schema title (``$defs`` key) for the nullable sites on the way."""
    if isinstance(node, list | tuple):
        return all(_plain(item, models) for item in node)
    if not isinstance(node, dict):
        return True
    kind = node.get("type")
    if isinstance(kind, str):
        if kind not in _PLAIN_KINDS or _UNSTATED_KEYS & node.keys() or node.get("strict") \
                or node.get("allow_inf_nan") is False:
            return False
        if kind == "model":
            config = node.get("config") or {}
            if node.get("custom_init") or node.get("root_model") or config.get("strict"):
                return False
            fields = node.get("schema", {})
            if fields.get("computed_fields") or fields.get("type") != "model-fields":
                return False
            cls = node.get("cls")
            models[str(config.get("title") or getattr(cls, "__name__", ""))] = fields.get("fields", {})
        if kind == "tagged-union" and not isinstance(node.get("discriminator"), str):
            return False
    return all(_plain(value, models) for name, value in node.items()
               if name not in ("metadata", "cls", "config", "default", "expected", "ref", "schema_ref"))


def _admits_none(field_schema: Any) -> bool:
    """Whether a model field's core schema accepts None (an unknown field does not)."""
    if not isinstance(field_schema, dict):
        return False
    node = field_schema.get("schema", field_schema) if field_schema.get("type") == "model-field" else field_schema
    kind = node.get("type")
    if kind in ("nullable", "none", "any"):
        return True
    if kind == "default":
        return _admits_none(node.get("schema"))
    if kind == "union":
        return any(_admits_none(c[0] if isinstance(c, tuple) else c) for c in node.get("choices", ()))
    return False


def _nullable_sites(published: Any, relaxed: Any, title: str = "") -> list[tuple[str, str]]:
    """(object title, property) of every property the errata changed: they only ever re-admit null."""
    sites: list[tuple[str, str]] = []
    if isinstance(published, dict) and isinstance(relaxed, dict):
        here = published.get("title", title) if isinstance(published.get("properties"), dict) else title
        for name, value in published.items():
            other = relaxed.get(name)
            if name == "properties" and isinstance(value, dict) and isinstance(other, dict):
                for prop, sub in value.items():
                    if sub != other.get(prop):  # wrapped as {"anyOf": [published, null]}: look inside too
                        sites.append((here, prop))
                        inner = (other.get(prop) or {}).get("anyOf", [None])[0]
                        sites += _nullable_sites(sub, inner, here) if inner != sub else []
            elif name == "$defs" and isinstance(value, dict) and isinstance(other, dict):
                for key, sub in value.items():
                    sites += _nullable_sites(sub, other.get(key), key)
            elif value != other:
                sites += _nullable_sites(value, other, here)
    elif isinstance(published, list) and isinstance(relaxed, list):
        for a, b in zip(published, relaxed, strict=False):
            sites += _nullable_sites(a, b, title)
    return sites


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

"""Compile a pydantic model's core schema into a request plan (``plan.py``).

One function per core-schema type. Anything that cannot be sent as JSON (``is-instance``,
callables) compiles to ``None``, "impossible": an optional field that is impossible is left
out, an impossible union branch is dropped, and an impossible required field is an error
that names the model and the path, since no valid request could then be drawn.

Hints are applied here, per field: a user hint (``ValueHints``) first, then a validator
hint (``validator_hints.py``), then the field's own schema.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr

from llama_conformance.strategies.alphabet import WIRE_CHARACTERS
from llama_conformance.strategies.coreschema import CoreSchema, SchemaRegistry, recursive_refs, split_definitions
from llama_conformance.strategies.hints import ValueHints
from llama_conformance.strategies.plan import (
    AnyJSON,
    Boolean,
    Const,
    Drawn,
    Filter,
    FixedTuple,
    Floating,
    Guard,
    Integer,
    Mapping,
    Node,
    Nullable,
    OneOf,
    Seq,
    Struct,
    Tagged,
    Text,
    Union,
    contains,
)
from llama_conformance.strategies.validator_hints import validator_hint

MAX_RECURSION = 2  # times one recursive definition may nest inside itself
# In a plain union, a model's Literal fields (``type: Literal["function_call"] =
# "function_call"``) are always sent: they are how a client says which branch it means, and a
# before-validator may otherwise pick a branch for it (GoogleInputTurn._coerce_content
# defaults a missing ``type`` to "text").
FORCE_LITERALS = "<literals>"

# Validators that never reject a value their inner schema accepted: no filter needed.
_BENIGN_AFTER = {"sequence_validator"}


class StrategyDerivationError(ValueError):
    """A request model has a required part that cannot be drawn as JSON."""


def _accepts(validator: Any, value: Any) -> bool:
    try:
        validator.validate_python(value)
    except ValueError:  # pydantic's ValidationError is a ValueError
        return False
    return True


def _is_literal(schema: CoreSchema) -> bool:
    """A ``Literal[...]`` field, seen through its default."""
    while schema["type"] == "default":
        schema = schema["schema"]
    return bool(schema["type"] == "literal")


def _json(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _function_name(schema: CoreSchema) -> str:
    func = schema.get("function", {}).get("function")
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)


def _is_benign(schema: CoreSchema) -> bool:
    func = schema.get("function", {}).get("function")
    if func is SecretStr or (isinstance(func, type) and issubclass(func, SecretStr)):
        return True
    return getattr(func, "__name__", "") in _BENIGN_AFTER


def _field_key(name: str, field: CoreSchema) -> str:
    """The key an HTTP client sends: the validation alias if there is one."""
    alias = field.get("validation_alias")
    if isinstance(alias, str):
        return alias
    if isinstance(alias, list) and alias:
        first = alias[0]
        if isinstance(first, list) and first and isinstance(first[0], str) and len(first) == 1:
            return first[0]
        if isinstance(first, str):
            return first
    return name


_ISO_DATETIMES = st.datetimes(
    min_value=_dt.datetime(2000, 1, 1), max_value=_dt.datetime(2100, 1, 1), timezones=st.just(_dt.UTC)
).map(lambda d: d.isoformat())
_SPECIAL: dict[str, tuple[st.SearchStrategy[Any], tuple[Any, ...]]] = {
    "datetime": (_ISO_DATETIMES, ("not a datetime", [1])),
    "date": (st.dates(_dt.date(2000, 1, 1), _dt.date(2100, 1, 1)).map(lambda d: d.isoformat()), ("not a date", [1])),
    "time": (st.times().map(lambda t: t.isoformat()), ("not a time", [1])),
    "timedelta": (st.integers(0, 86_400), ("not a duration", [1])),
    "uuid": (st.uuids().map(str), ("not-a-uuid", 7)),
    "url": (st.sampled_from(["https://example.com/", "https://example.org/a?b=c", "http://localhost:8080/x"]),
            ("not a url", 7)),
    "decimal": (st.integers(-1000, 1000).map(lambda i: i / 4), ("not a number", [1])),
    "bytes": (st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12), (7, [1])),
}


class Compiler:
    """Compiles one model; nodes for shared definitions are compiled once and reused."""

    def __init__(self, model: type[BaseModel], hints: ValueHints) -> None:
        self.model = model
        self.hints = hints
        root, defs = split_definitions(model.__pydantic_core_schema__)
        self.root_schema = root
        self.registry = SchemaRegistry(defs)
        self.recursive = recursive_refs(defs)
        self.memo: dict[tuple[Any, ...], Node | None] = {}
        self.stack: list[str] = []
        self.filters: list[Filter] = []

    def compile(self) -> Node:
        node = self.node(self.root_schema, self.model.__name__)
        if node is None:
            raise StrategyDerivationError(f"{self.model.__qualname__}: no JSON value can satisfy its schema")
        return node

    # -- dispatch ---------------------------------------------------------------------------

    def node(
        self,
        schema: CoreSchema,
        path: str,
        *,
        force: frozenset[str] = frozenset(),
        owner: type | None = None,
        model_schema: CoreSchema | None = None,
    ) -> Node | None:
        kind = schema["type"]
        handler: Callable[..., Node | None] | None = getattr(self, "_" + kind.replace("-", "_"), None)
        if handler is None:
            if kind in _SPECIAL:
                strategy, wrong = _SPECIAL[kind]
                return Drawn(schema, self.registry, strategy, wrong=wrong)
            return None  # is-instance, callable, custom types: not JSON
        return handler(schema, path, force=force, owner=owner, model_schema=model_schema)

    # -- references and wrappers ------------------------------------------------------------

    def _definitions(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        for d in schema["definitions"]:
            self.registry.defs.setdefault(d["ref"], d)
        return self.node(schema["schema"], path, **kw)

    def _definition_ref(self, schema: CoreSchema, path: str, *, force: frozenset[str], **kw: Any) -> Node | None:
        ref = schema["schema_ref"]
        target = self.registry.defs[ref]
        if ref in self.recursive:
            if self.stack.count(ref) >= MAX_RECURSION:
                return None
            self.stack.append(ref)
            try:
                return self.node(target, path, force=force)
            finally:
                self.stack.pop()
        key = ("ref", ref, force)
        if key not in self.memo:
            self.memo[key] = self.node(target, path, force=force)
        return self.memo[key]

    def _default(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        inner = self.node(schema["schema"], path, **kw)
        if inner is not None and schema.get("on_error") == "default":
            return self._guard(schema, inner)  # an invalid value silently becomes the default
        return inner

    def _custom_error(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        return self.node(schema["schema"], path, **kw)

    def _nullable(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        inner = self.node(schema["schema"], path, **kw)
        if inner is None:
            return Const(schema, self.registry, None, literal=False)
        return Nullable(schema, self.registry, inner)

    def _json_or_python(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        # The payload is JSON, so draw from the JSON schema; pydantic (python mode, as FastAPI
        # calls it) judges it with the python schema, hence the guard.
        inner = self.node(schema["json_schema"], path, **kw)
        return None if inner is None else self._guard(schema, inner)

    def _lax_or_strict(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        inner = self.node(schema["lax_schema"], path, **kw)
        return None if inner is None else self._guard(schema, inner)

    def _chain(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        inner = self.node(schema["steps"][0], path, **kw)
        if inner is None:
            return None
        return self._filter(schema, self._guard(schema, inner), path)

    def _function_before(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        inner = self.node(schema["schema"], path, **kw)
        if inner is None:
            return None
        return self._guard(schema, self._drop_rejected_null(schema, inner))

    _function_wrap = _function_before

    def _function_after(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        inner = self.node(schema["schema"], path, **kw)
        if inner is None or _is_benign(schema):
            return inner
        inner = self._drop_rejected_null(schema, inner)
        # A before-validator beneath may edit its input in place: validate a copy then.
        return self._filter(schema, inner, path, copy_first=contains(inner, Guard))

    def _function_plain(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        source = schema.get("json_schema_input_schema")
        inner = self.node(source, path, **kw) if source else AnyJSON(schema, self.registry)
        return None if inner is None else self._filter(schema, self._guard(schema, inner), path)

    def _guard(self, schema: CoreSchema, inner: Node) -> Node:
        return Guard(schema, self.registry, inner)

    def _filter(self, schema: CoreSchema, inner: Node, path: str, *, copy_first: bool = True) -> Node:
        node = Filter(schema, self.registry, inner, f"{_function_name(schema)} at {path}", copy_first=copy_first)
        self.filters.append(node)
        return node

    def _drop_rejected_null(self, schema: CoreSchema, inner: Node) -> Node:
        """``str | None`` whose validator rejects ``None`` (``_reject_explicit_null``): never
        draw the ``None`` that would only be thrown away."""
        if isinstance(inner, Nullable) and self.registry.verdict(schema, None) is not True:
            return inner.inner
        return inner

    # -- scalars ----------------------------------------------------------------------------

    def _any(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        return AnyJSON(schema, self.registry)

    def _none(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        return Const(schema, self.registry, None, literal=False)

    def _bool(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        return Boolean(schema, self.registry)

    def _str(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        lo = int(schema.get("min_length") or 0)
        hi = schema.get("max_length")
        pattern = schema.get("pattern")
        strategy = None
        if pattern:
            # Full matches are a subset of what pydantic's search accepts, and they avoid
            # Python's ``$`` matching before a trailing newline (Rust's does not). The string's
            # own validator still has the last word.
            validator = self.registry.validator(schema)
            strategy = st.from_regex(re.compile(pattern), fullmatch=True, alphabet=WIRE_CHARACTERS).filter(
                lambda s: _accepts(validator, s))
        return Text(schema, self.registry, lo, hi, strategy)

    def _int(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        lower = (schema["ge"], True) if "ge" in schema else ((schema["gt"], False) if "gt" in schema else None)
        upper = (schema["le"], True) if "le" in schema else ((schema["lt"], False) if "lt" in schema else None)
        return Integer(schema, self.registry, lower, upper, schema.get("multiple_of"))

    def _float(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        lower = (schema["ge"], True) if "ge" in schema else ((schema["gt"], False) if "gt" in schema else None)
        upper = (schema["le"], True) if "le" in schema else ((schema["lt"], False) if "lt" in schema else None)
        return Floating(schema, self.registry, lower, upper)

    def _literal(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        values = [_json(v) for v in schema["expected"]]
        if len(values) == 1:
            return Const(schema, self.registry, values[0], literal=True)
        return OneOf(schema, self.registry, values)

    def _enum(self, schema: CoreSchema, path: str, **kw: Any) -> Node:
        return OneOf(schema, self.registry, [m.value for m in schema["members"]])

    # -- containers -------------------------------------------------------------------------

    def _sequence(self, schema: CoreSchema, path: str, unique: bool) -> Node | None:
        item_schema = schema.get("items_schema") or {"type": "any"}
        item = self.node(item_schema, path + "[]")
        lo = int(schema.get("min_length") or 0)
        if item is None:
            return Const(schema, self.registry, [], literal=False) if lo == 0 else None
        return Seq(schema, self.registry, item, lo, schema.get("max_length"), unique)

    def _list(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        return self._sequence(schema, path, unique=False)

    def _set(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        return self._sequence(schema, path, unique=True)

    _frozenset = _set
    _generator = _list

    def _tuple(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        items = [self.node(s, f"{path}[{i}]") for i, s in enumerate(schema.get("items_schema", []))]
        variadic = schema.get("variadic_item_index")
        if any(item is None for i, item in enumerate(items) if i != variadic):
            return None
        if variadic is not None and items[variadic] is None:
            items.pop(variadic)
            variadic = None
        return FixedTuple(schema, self.registry, [i for i in items if i is not None], variadic)

    def _dict(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        key = self.node(schema.get("keys_schema") or {"type": "str"}, path + "{key}")
        value = self.node(schema.get("values_schema") or {"type": "any"}, path + "{}")
        lo = int(schema.get("min_length") or 0)
        if key is None or value is None:
            return Const(schema, self.registry, {}, literal=False) if lo == 0 else None
        if isinstance(key, Text) and key.min_length == 0:
            key = Text(key.schema, key.registry, 1, key.max_length, key.pattern)  # keep keys visible
        return Mapping(schema, self.registry, key, value, lo, schema.get("max_length"))

    def _union(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        branches = []
        for choice in schema["choices"]:
            sub = choice[0] if isinstance(choice, tuple | list) else choice
            node = self.node(sub, path, force=frozenset({FORCE_LITERALS}))
            if node is not None:
                branches.append(node)
        if not branches:
            return None
        return Union(schema, self.registry, branches)

    def _tagged_union(self, schema: CoreSchema, path: str, **kw: Any) -> Node | None:
        discriminator = schema["discriminator"]
        if isinstance(discriminator, list) and len(discriminator) == 1 and len(discriminator[0]) == 1:
            discriminator = discriminator[0][0]
        if not isinstance(discriminator, str):
            return self._union({**schema, "choices": list(schema["choices"].values())}, path, **kw)
        seen: dict[int, Node | None] = {}
        branches = []
        for tag, choice in schema["choices"].items():
            if id(choice) not in seen:
                seen[id(choice)] = self.node(choice, f"{path}<{_json(tag)}>", force=frozenset({discriminator}))
            node = seen[id(choice)]
            if node is not None:
                branches.append((_json(tag), node))
        if not branches:
            return None
        return Tagged(schema, self.registry, discriminator, branches)

    # -- objects ----------------------------------------------------------------------------

    def _model(self, schema: CoreSchema, path: str, *, force: frozenset[str], **kw: Any) -> Node | None:
        cls = schema["cls"]
        if schema.get("root_model"):
            return self.node(schema["schema"], path, force=force)
        key = ("model", id(schema), force)
        if key in self.memo:
            return self.memo[key]
        inner = self.node(schema["schema"], path, force=force, owner=cls, model_schema=schema)
        if isinstance(inner, Guard):
            inner.schema = schema  # model-level before-validators: judge with the whole model
        self.memo[key] = inner
        return inner

    def _model_fields(
        self,
        schema: CoreSchema,
        path: str,
        *,
        force: frozenset[str],
        owner: type | None,
        model_schema: CoreSchema | None,
        **kw: Any,
    ) -> Node | None:
        config = (model_schema or {}).get("config", {})
        extra = schema.get("extra_behavior") or config.get("extra_fields_behavior")
        fields = [
            (name, field, field["schema"]["type"] != "default")
            for name, field in schema["fields"].items()
        ]
        return self._struct(model_schema or schema, path, fields, force=force, owner=owner, forbid=extra == "forbid")

    def _typed_dict(self, schema: CoreSchema, path: str, *, force: frozenset[str], **kw: Any) -> Node | None:
        total = schema.get("total", True)
        fields = [(name, f, f.get("required", total)) for name, f in schema["fields"].items()]
        forbid = schema.get("extra_behavior") == "forbid"
        return self._struct(schema, path, fields, force=force, owner=schema.get("cls"), forbid=forbid)

    def _dataclass(self, schema: CoreSchema, path: str, *, force: frozenset[str], **kw: Any) -> Node | None:
        args = schema["schema"]
        fields = [(f["name"], f, f["schema"]["type"] != "default") for f in args.get("fields", [])]
        forbid = args.get("extra_behavior") == "forbid"
        return self._struct(schema, path, fields, force=force, owner=schema.get("cls"), forbid=forbid)

    def _struct(
        self,
        schema: CoreSchema,
        path: str,
        fields: list[tuple[str, CoreSchema, bool]],
        *,
        force: frozenset[str],
        owner: type | None,
        forbid: bool,
    ) -> Node | None:
        required: list[tuple[str, Node]] = []
        optional: list[tuple[str, Node]] = []
        required_keys = set()
        keys = set()
        for name, field, is_required in fields:
            key = _field_key(name, field)
            keys |= {name, key}
            node = self._field_node(owner, name, key, field["schema"], f"{path}.{key}")
            if is_required:
                required_keys.add(key)
            if node is None:
                if is_required:
                    raise StrategyDerivationError(
                        f"{self.model.__qualname__}: required field {path}.{key} cannot be drawn as JSON"
                    )
                continue
            forced = key in force or (FORCE_LITERALS in force and _is_literal(field["schema"]))
            (required if is_required or forced else optional).append((key, node))
        return Struct(
            schema, self.registry, owner, required, optional, frozenset(required_keys), frozenset(keys), forbid
        )

    def _field_node(self, owner: type | None, name: str, key: str, schema: CoreSchema, path: str) -> Node | None:
        hinted = self.hints.lookup(owner, (name, key)) if self.hints else None
        if hinted is None:
            hinted = validator_hint(owner, name)
        if hinted is not None:
            return Drawn(schema, self.registry, hinted)
        return self.node(schema, path)


def compile_model(model: type[BaseModel], hints: ValueHints) -> tuple[Node, Compiler]:
    compiler = Compiler(model, hints)
    return compiler.compile(), compiler

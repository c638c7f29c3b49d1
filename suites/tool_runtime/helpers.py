"""ToolRuntime helpers for the suites: call by keyword, arguments drawn from a tool's
``input_schema``, and how an invocation ended (answered, refused in the result, or raised).

Tool schemas are small JSON Schemas (an object of scalar properties, in practice); the
strategy covers that shape and falls back to strings for anything richer. A third of the drawn
strings hold a domain value (``llama_conformance.strategies.domain``: an injection phrase, PII,
insecure code): tool arguments come from a model that read untrusted text, and that is what
a tool's quoting, logging and query building must survive.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.strategies.domain import salted

_SCALARS: dict[str, Any] = {
    "string": salted(st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20),
                     percent=35),
    "number": st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    "integer": st.integers(min_value=-10**6, max_value=10**6),
    "boolean": st.booleans(),
}
# A value of the wrong type for each JSON type (an object fits none of the scalar types).
WRONG = {"kit": "not-a-valid-value"}


def call(kit: Kit, name: str, **kwargs: Any) -> Outcome:
    """Call member ``name`` with keyword arguments (ToolRuntime members take no request model)."""
    return kit.call(kit.member(name), **kwargs)


def _value(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if schema.get("enum"):
        return st.sampled_from(schema["enum"])
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "array":
        return st.lists(_value(schema.get("items") or {"type": "string"}), max_size=3)
    if kind == "object":
        return arguments(schema)
    return _SCALARS.get(kind or "string", _SCALARS["string"])


def arguments(schema: dict[str, Any] | None) -> Any:
    """Arguments valid for an object ``schema``: every required property, some optional ones."""
    schema = schema or {}
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required") or [] if name in properties]
    optional = {name: _value(prop) for name, prop in properties.items() if name not in required}
    return st.fixed_dictionaries({name: _value(properties[name]) for name in required},
                                 optional=optional)


def invalid_arguments(schema: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """Argument sets that violate ``schema``: each required property missing, or of a wrong type."""
    schema = schema or {}
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required") or [] if name in properties]
    if not required:
        return []
    filler = {name: example(properties[name]) for name in required}
    cases: list[tuple[str, dict[str, Any]]] = [("no arguments", {})]
    for name in required:
        cases.append((f"`{name}` missing", {k: v for k, v in filler.items() if k != name}))
        if properties[name].get("type") not in (None, "object"):
            cases.append((f"`{name}` of the wrong type", {**filler, name: WRONG}))
    return cases


def example(schema: dict[str, Any]) -> Any:
    """One fixed valid value for a property ``schema``."""
    kind = schema.get("type")
    return {"string": "kit", "number": 1.5, "integer": 2, "boolean": True, "array": [],
            "object": {}}.get(kind if isinstance(kind, str) else "string", "kit")


def refused(outcome: Outcome) -> str | None:
    """Why an invocation was refused (an error, or a result carrying error_message), else None."""
    if outcome.error is not None:
        return outcome.describe_error()
    message = getattr(outcome.value, "error_message", None)
    if message:
        return f"a result with error_message {message!r} (error_code {getattr(outcome.value, 'error_code', None)})"
    return None

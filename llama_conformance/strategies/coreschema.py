"""Reading pydantic's core schema: definitions, references, and validators for any subtree.

The plan is compiled from ``Model.__pydantic_core_schema__`` rather than from type hints
because the core schema is what pydantic actually runs: constraints pushed inside
``Optional``, discriminators (including tags that have defaults), aliases, and the
``function-*`` validators that no type hint shows. The same schema also lets us build a
validator for any subtree, which is how filters and the invalid family ask "does pydantic
accept this value *here*?" without validating a whole request.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator

CoreSchema = Mapping[str, Any]


def split_definitions(schema: CoreSchema) -> tuple[CoreSchema, dict[str, CoreSchema]]:
    """The root schema and the ``definitions`` it refers to (``ref`` -> schema)."""
    if schema.get("type") == "definitions":
        return schema["schema"], {d["ref"]: d for d in schema["definitions"]}
    return schema, {}


def _children(schema: Any) -> Iterator[Any]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key not in ("metadata", "serialization"):
                yield value
    elif isinstance(schema, list | tuple):
        yield from schema


def direct_refs(schema: Any) -> set[str]:
    """``schema_ref`` of every ``definition-ref`` inside ``schema`` (not following them)."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict) and node.get("type") == "definition-ref":
            found.add(node["schema_ref"])
        stack.extend(_children(node))
    return found


def reachable_refs(schema: Any, defs: Mapping[str, CoreSchema]) -> set[str]:
    """Every definition ``schema`` needs, following references transitively."""
    seen: set[str] = set()
    todo = list(direct_refs(schema))
    while todo:
        ref = todo.pop()
        if ref in seen or ref not in defs:
            continue
        seen.add(ref)
        todo.extend(direct_refs(defs[ref]))
    return seen


def recursive_refs(defs: Mapping[str, CoreSchema]) -> set[str]:
    """Definitions that can reach themselves: these need a depth bound when drawn."""
    graph = {ref: direct_refs(schema) for ref, schema in defs.items()}
    out = set()
    for ref in graph:
        seen: set[str] = set()
        todo = list(graph[ref])
        while todo:
            nxt = todo.pop()
            if nxt == ref:
                out.add(ref)
                break
            if nxt not in seen:
                seen.add(nxt)
                todo.extend(graph.get(nxt, ()))
    return out


class SchemaRegistry:
    """The definitions of one model and a cache of validators for its subtrees."""

    def __init__(self, defs: Mapping[str, CoreSchema]) -> None:
        self.defs = dict(defs)
        # id(schema) -> (schema, validator): holding the schema keeps its id from being reused.
        self._validators: dict[int, tuple[CoreSchema, SchemaValidator]] = {}

    def validator(self, schema: CoreSchema) -> SchemaValidator:
        hit = self._validators.get(id(schema))
        if hit is not None:
            return hit[1]
        refs = reachable_refs(schema, self.defs)
        own = schema.get("ref")
        if own in refs:  # a recursive definition: validate through its reference
            core: Any = {
                "type": "definitions",
                "schema": {"type": "definition-ref", "schema_ref": own},
                "definitions": [self.defs[r] for r in sorted(refs)],
            }
        elif refs:
            core = {"type": "definitions", "schema": schema, "definitions": [self.defs[r] for r in sorted(refs)]}
        else:
            core = schema
        validator = SchemaValidator(core)
        self._validators[id(schema)] = (schema, validator)
        return validator

    def verdict(self, schema: CoreSchema, value: Any, *, copy_first: bool = False) -> bool | None:
        """True if pydantic accepts ``value`` for ``schema``, False if it rejects it with a
        ValidationError, None if a validator crashed with anything else (neither a clean
        accept nor a clean reject: such values belong to neither family)."""
        if copy_first:
            value = copy.deepcopy(value)  # before-validators may edit the input in place
        try:
            self.validator(schema).validate_python(value)
        except ValidationError:
            return False
        except Exception:
            return None
        return True

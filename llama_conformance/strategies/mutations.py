"""The invalid family: a valid payload with exactly one mutation the contract must reject.

A draw records every site (``plan.Site``), picks a mutation *kind* first (so rare kinds such
as an unknown discriminator tag show up as often as wrong types), then a site offering it,
and applies it. The mutated value is judged by the site's outermost guard (a plain union, a
before-validator) or else by the site's own validator: the invalid family only contains
values pydantic itself rejects *there*, never mutations it legally accepts (an extra field
on a model that allows extras, ``"5"`` for an int in lax mode, ``{"url": ...}`` coerced by a
before-validator). Everything between the site and the request root only adds checks
(models, lists, dicts, tagged unions, nullable wrappers), so the request is rejected too;
``tests/test_strategies.py`` verifies that end to end.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

from llama_conformance.strategies.choices import Choices
from llama_conformance.strategies.plan import (
    Boolean,
    Const,
    DrawContext,
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
    Site,
    Struct,
    Tagged,
    Text,
    Union,
    children,
)

MUTATION_KINDS: tuple[str, ...] = (
    "missing_required",
    "wrong_type",
    "out_of_range",
    "too_short",
    "too_long",
    "not_allowed",
    "unknown_tag",
    "extra_forbidden",
)
MAX_ATTEMPTS = 8  # payloads drawn before giving up on one invalid example
_MAX_GROWTH = 10_000  # longest string/list a length mutation may build

_NOT_OBJECT = ("not an object", 7, [1])
_NOT_ARRAY = ("not an array", 7, {"unexpected": 1})
_NOT_STRING = (12345, 1.5, True, [1], {"unexpected": 1})
_NOT_INT = ("not a number", 1.5, [1], {"unexpected": 1})
_NOT_FLOAT = ("not a number", [1], {"unexpected": 1})
_NOT_BOOL = ("not a boolean", 1.5, 7, [1], {"unexpected": 1})
_NOT_SCALAR = ([1], {"unexpected": 1})
_WRONG: dict[type, tuple[Any, ...]] = {
    Struct: _NOT_OBJECT,
    Mapping: _NOT_OBJECT,
    Tagged: _NOT_OBJECT,
    Seq: _NOT_ARRAY,
    FixedTuple: _NOT_ARRAY,
    Text: _NOT_STRING,
    Integer: _NOT_INT,
    Floating: _NOT_FLOAT,
    Boolean: _NOT_BOOL,
    OneOf: _NOT_SCALAR,
    Const: _NOT_SCALAR,
    Union: (7.25, [[[1]]], {"unexpected": {"nested": 1}}),
}


@dataclass(frozen=True)
class InvalidRequest:
    """A request payload the contract says must be rejected, and what was done to it."""

    payload: dict[str, Any]
    mutation: str  # "messages[0].role: 'robot' not in ('user', 'system', ...)"
    kind: str = ""  # one of MUTATION_KINDS
    path: str = ""  # "messages[0].role", "" for the request itself


def format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def kinds_at(site: Site, value: Any) -> list[str]:
    """Mutation kinds that make sense for the value drawn at ``site``."""
    node = site.node
    typed = type(node) in _WRONG or (isinstance(node, Drawn) and bool(node.wrong))
    kinds = ["wrong_type"] if typed and site.path else []  # the request itself stays an object
    if isinstance(node, Integer | Floating) and (node.lower or node.upper):
        kinds.append("out_of_range")
    elif isinstance(node, Text):
        if node.min_length > 0:
            kinds.append("too_short")
        if node.max_length is not None and node.max_length < _MAX_GROWTH:
            kinds.append("too_long")
    elif isinstance(node, OneOf | Const):
        kinds.append("not_allowed")
    elif site.value_free:
        pass  # the remaining kinds edit a value that was not drawn
    elif isinstance(node, Struct) and isinstance(value, dict):
        if any(key in value for key in node.required_keys):
            kinds.append("missing_required")
        if node.forbid:
            kinds.append("extra_forbidden")
    elif isinstance(node, Seq | Mapping) and isinstance(value, list | dict):
        if node.min_length > 0 and len(value) >= node.min_length:
            kinds.append("too_short")
        if node.max_length is not None and node.max_length < _MAX_GROWTH and not getattr(node, "unique", False):
            kinds.append("too_long")
    elif isinstance(node, Tagged) and isinstance(value, dict) and node.key in value:
        kinds.append("unknown_tag")
    return kinds


def can_mutate(root: Node) -> bool:
    """Whether any request of this plan has a site with a mutation kind: False for a model
    with no fields (or only ``Any`` and hinted ones), which accepts every JSON object."""
    seen: set[int] = set()
    todo = [(root, True)]
    while todo:
        node, is_root = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Struct) and (node.required_keys or node.forbid):
            return True
        if not is_root and type(node) in _WRONG:
            return True
        if isinstance(node, Drawn) and node.wrong:
            return True
        wrapper = isinstance(node, Guard | Filter | Nullable)
        todo.extend((child, is_root and wrapper) for child in children(node))
    return False


def _pick(src: Choices, options: list[Any] | tuple[Any, ...]) -> Any:
    return options[src.integer(0, len(options) - 1)]


def _unused(candidates: list[Any], taken: list[Any]) -> Any:
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    return None


def mutate(site: Site, kind: str, value: Any, ctx: DrawContext) -> tuple[Any, str]:
    """The mutated value and a human-readable account of the mutation."""
    node, src = site.node, ctx.src
    if kind == "wrong_type":
        pool = node.wrong if isinstance(node, Drawn) else _WRONG[type(node)]
        new = _pick(src, pool)
        return new, f"{new!r} where {node.label()} is expected (wrong type)"
    if kind == "out_of_range":
        assert isinstance(node, Integer | Floating)
        sides = [s for s in (("lower", node.lower), ("upper", node.upper)) if s[1] is not None]
        side, (bound, inclusive) = _pick(src, sides)
        step = 1 if isinstance(node, Integer) else max(1.0, abs(bound) * 0.5)
        if side == "lower":
            new = bound - step if inclusive else bound
            rule = f"{'ge' if inclusive else 'gt'}={bound}"
        else:
            new = bound + step if inclusive else bound
            rule = f"{'le' if inclusive else 'lt'}={bound}"
        if isinstance(new, float) and not math.isfinite(new):
            new = -1e308 if side == "lower" else 1e308
        return new, f"{new!r} violates {rule}"
    if kind == "not_allowed":
        allowed = node.values if isinstance(node, OneOf) else [node.value]  # type: ignore[attr-defined]
        if all(isinstance(v, str) for v in allowed):
            new = _unused([f"{allowed[0]}_not_allowed", "__not_allowed__"], allowed)
        elif all(isinstance(v, bool) for v in allowed):
            new = _unused([False, True, "not allowed"], allowed)
        elif all(isinstance(v, int | float) for v in allowed):
            new = max(allowed) + 1
        else:
            new = "__not_allowed__"
        return new, f"{new!r} not in {tuple(allowed)!r}"
    if kind == "unknown_tag":
        assert isinstance(node, Tagged) and isinstance(value, dict)
        tag = _unused(["__unknown_tag__", "__unknown_tag_2__"], node.tags)
        return {**value, node.key: tag}, f"{node.key}={tag!r} is not one of the tags {tuple(node.tags)!r}"
    if kind == "missing_required":
        assert isinstance(node, Struct) and isinstance(value, dict)
        present = [key for key in sorted(node.required_keys) if key in value]
        key = _pick(src, present)
        return {k: v for k, v in value.items() if k != key}, f"required field {key!r} removed"
    if kind == "extra_forbidden":
        assert isinstance(node, Struct) and isinstance(value, dict)
        key = _unused(["unexpected_field", "unexpected_field_2"], list(node.keys))
        return {**value, key: 1}, f"unknown field {key!r} added to {node.label()} (extra='forbid')"
    if kind in ("too_short", "too_long"):
        return _resize(node, kind, value, ctx)
    raise ValueError(f"unknown mutation kind {kind!r}")


def _resize(node: Node, kind: str, value: Any, ctx: DrawContext) -> tuple[Any, str]:
    if isinstance(node, Text):
        text = value if isinstance(value, str) else ""
        if kind == "too_short":
            new = text[: node.min_length - 1]
            return new, f"string of length {len(new)} is shorter than min_length={node.min_length}"
        assert node.max_length is not None
        new = text + "x" * (node.max_length + 1 - len(text))
        return new, f"string of length {len(new)} is longer than max_length={node.max_length}"
    if isinstance(node, Seq):
        if kind == "too_short":
            new_list = list(value)[: node.min_length - 1]
            return new_list, f"{len(new_list)} items, fewer than min_length={node.min_length}"
        assert node.max_length is not None
        grown = list(value)
        while len(grown) <= node.max_length:
            grown.append(copy.deepcopy(grown[-1]) if grown else node.item.draw(_quiet(ctx)))
        return grown, f"{len(grown)} items, more than max_length={node.max_length}"
    assert isinstance(node, Mapping) and isinstance(value, dict)
    if kind == "too_short":
        keep = list(value)[: node.min_length - 1]
        new_dict = {k: value[k] for k in keep}
        return new_dict, f"{len(new_dict)} entries, fewer than min_length={node.min_length}"
    assert node.max_length is not None
    grown_dict = dict(value)
    filler = next(iter(value.values())) if value else node.value.draw(_quiet(ctx))
    i = 0
    while len(grown_dict) <= node.max_length:
        grown_dict.setdefault(f"extra_key_{i}", copy.deepcopy(filler))
        i += 1
    return grown_dict, f"{len(grown_dict)} entries, more than max_length={node.max_length}"


def _quiet(ctx: DrawContext) -> DrawContext:
    """A non-recording context on the same choices, for values a mutation needs."""
    return DrawContext(ctx.src, ctx.max_leaves)


def value_at(payload: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        payload = payload[part]
    return payload


def replaced(payload: dict[str, Any], path: tuple[str | int, ...], new: Any) -> Any:
    """``payload`` with the value at ``path`` replaced (in place; the root is returned)."""
    if not path:
        return new
    parent = value_at(payload, path[:-1])
    parent[path[-1]] = new
    return payload


def draw_invalid(root: Node, ctx_factory: Any, model_name: str) -> InvalidRequest:
    """One invalid request: see the module docstring. ``ctx_factory()`` gives a fresh
    recording ``DrawContext``."""
    ctx: DrawContext | None = None
    for _ in range(MAX_ATTEMPTS):
        ctx = ctx_factory()
        payload = root.draw(ctx)
        assert ctx.sites is not None
        offers = [(site, kind) for site in ctx.sites for kind in kinds_at(site, value_at(payload, site.path))]
        if not offers:
            continue
        kinds = [k for k in MUTATION_KINDS if any(kind == k for _, kind in offers)]
        kind = _pick(ctx.src, kinds)
        site = _pick(ctx.src, [s for s, k in offers if k == kind])
        new, account = mutate(site, kind, value_at(payload, site.path), ctx)
        payload = replaced(payload, site.path, new)
        judge_path, judge = site.guard if site.guard is not None else (site.path, site.node)
        if judge.registry.verdict(judge.schema, value_at(payload, judge_path), copy_first=True) is False:
            where = format_path(site.path)
            return InvalidRequest(payload, f"{where or '<request>'}: {account}", kind, where)
    assert ctx is not None
    ctx.src.reject(f"no mutation of {model_name} was rejected in {MAX_ATTEMPTS} attempts")
    raise AssertionError("unreachable")

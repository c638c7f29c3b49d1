"""Plan nodes for JSON containers and for the wrappers pydantic puts around values:
nullable, objects, arrays, dicts, tuples, unions (plain and tagged), guards and filters."""

from __future__ import annotations

import json
from typing import Any

from llama_conformance.strategies.context import DrawContext, Node
from llama_conformance.strategies.coreschema import CoreSchema, SchemaRegistry
from llama_conformance.strategies.scalars import Const, Drawn

OPTIONAL_CAP = 4  # optional fields per object, at most
LIST_CAP = 3  # list/dict entries, at most (or the minimum, if larger)
NULL_P = 0.2  # chance a nullable field is null (choices.NULL_BASE: the same for optional ones)
FILTER_TRIES = 8  # fresh draws a validator-guarded node gets before the example is dropped
FILTER_BUDGET = 8  # leaves a redraw may spend even when the request's budget is gone


class Nullable(Node):
    __slots__ = ("inner",)
    is_site = False

    def __init__(self, schema: CoreSchema, registry: SchemaRegistry, inner: Node) -> None:
        super().__init__(schema, registry)
        self.inner = inner

    def draw(self, ctx: DrawContext) -> Any:
        if ctx.leaves >= ctx.max_leaves or ctx.src.boolean(NULL_P):
            if ctx.sites is not None:
                _record_value_free(ctx, self.inner)
            return None
        return self.inner.draw(ctx)


class Struct(Node):
    """A JSON object for a model or TypedDict: required keys always, a few optional ones."""

    __slots__ = ("forbid", "keys", "nullable", "optional", "owner", "required", "required_keys")

    def __init__(
        self,
        schema: CoreSchema,
        registry: SchemaRegistry,
        owner: type | None,
        required: list[tuple[str, Node]],
        optional: list[tuple[str, Node]],
        required_keys: frozenset[str],
        keys: frozenset[str],
        forbid: bool,
    ) -> None:
        super().__init__(schema, registry)
        self.owner = owner
        self.required = required
        self.optional = optional
        # Optional nullable fields get their null from the subset choice (one choice for all).
        self.nullable = tuple(isinstance(node, Nullable) for _, node in optional)
        self.required_keys = required_keys  # keys pydantic requires (forced tags excluded)
        self.keys = keys  # every key the model knows (names and aliases)
        self.forbid = forbid

    def label(self) -> str:
        return self.owner.__name__ if self.owner is not None else "object"

    def draw(self, ctx: DrawContext) -> Any:
        out: dict[str, Any] = {}
        recording = ctx.sites is not None
        for key, node in self.required:
            if recording:
                ctx.path.append(key)
                out[key] = node.draw(ctx)
                ctx.path.pop()
            else:
                out[key] = node.draw(ctx)
        optional = self.optional
        if optional and ctx.leaves < ctx.max_leaves:
            for index, null in ctx.src.subset(len(optional), OPTIONAL_CAP, self.nullable):
                key, node = optional[index]
                if recording:
                    ctx.path.append(key)
                if null:
                    out[key] = None
                    if recording:
                        _record_value_free(ctx, node.inner)  # type: ignore[attr-defined]
                else:
                    out[key] = (node.inner if self.nullable[index] else node).draw(ctx)  # type: ignore[attr-defined]
                if recording:
                    ctx.path.pop()
        if recording:
            ctx.record(self)
        return out


class Seq(Node):
    """A JSON array (list, set, frozenset) within its length bounds."""

    __slots__ = ("gen_max", "item", "max_length", "min_length", "unique")

    def __init__(
        self,
        schema: CoreSchema,
        registry: SchemaRegistry,
        item: Node,
        min_length: int,
        max_length: int | None,
        unique: bool,
    ) -> None:
        super().__init__(schema, registry)
        self.item = item
        self.min_length = min_length
        self.max_length = max_length
        self.gen_max = max(min_length, LIST_CAP) if max_length is None else min(max_length, max(min_length, LIST_CAP))
        self.unique = unique

    def draw(self, ctx: DrawContext) -> Any:
        lo = self.min_length
        size = lo if ctx.leaves >= ctx.max_leaves else ctx.src.integer(lo, self.gen_max)
        item = self.item
        if self.unique:
            return self._draw_unique(ctx, size)
        if ctx.sites is None:
            return [item.draw(ctx) for _ in range(size)]
        out = []
        for i in range(size):
            ctx.path.append(i)
            out.append(item.draw(ctx))
            ctx.path.pop()
        ctx.record(self)
        return out

    def _draw_unique(self, ctx: DrawContext, size: int) -> list[Any]:
        """A set: a drawn duplicate is dropped, with any sites recorded inside it."""
        out: list[Any] = []
        seen: set[str] = set()
        for _ in range(size):
            mark = len(ctx.sites) if ctx.sites is not None else 0
            ctx.path.append(len(out))
            value = self.item.draw(ctx)
            ctx.path.pop()
            key = json.dumps(value, sort_keys=True, default=str)
            if key in seen:
                if ctx.sites is not None:
                    del ctx.sites[mark:]
                continue
            seen.add(key)
            out.append(value)
        if len(out) < self.min_length:
            ctx.src.reject("set items collided")
        if ctx.sites is not None:
            ctx.record(self)
        return out


class Mapping(Node):
    """A JSON object with free keys (``dict[str, X]``)."""

    __slots__ = ("gen_max", "key", "max_length", "min_length", "value")

    def __init__(
        self,
        schema: CoreSchema,
        registry: SchemaRegistry,
        key: Node,
        value: Node,
        min_length: int,
        max_length: int | None,
    ) -> None:
        super().__init__(schema, registry)
        self.key, self.value = key, value
        self.min_length, self.max_length = min_length, max_length
        self.gen_max = max(min_length, LIST_CAP) if max_length is None else min(max_length, max(min_length, LIST_CAP))

    def draw(self, ctx: DrawContext) -> Any:
        lo = self.min_length
        size = lo if ctx.leaves >= ctx.max_leaves else ctx.src.integer(lo, self.gen_max)
        out: dict[str, Any] = {}
        recording = ctx.sites is not None
        for _ in range(size):
            sites, ctx.sites = ctx.sites, None  # keys are not mutated: an odd key is still a key
            key = str(self.key.draw(ctx))
            ctx.sites = sites
            if key in out:
                continue  # a repeated key would overwrite a value (and orphan its sites)
            if recording:
                ctx.path.append(key)
                out[key] = self.value.draw(ctx)
                ctx.path.pop()
            else:
                out[key] = self.value.draw(ctx)
        if len(out) < lo:
            ctx.src.reject("dict keys collided")
        if recording:
            ctx.record(self)
        return out


class FixedTuple(Node):
    """A JSON array with positional item types (``tuple[A, B]``, ``tuple[A, ...]``)."""

    __slots__ = ("items", "variadic")

    def __init__(
        self, schema: CoreSchema, registry: SchemaRegistry, items: list[Node], variadic: int | None
    ) -> None:
        super().__init__(schema, registry)
        self.items = items
        self.variadic = variadic

    def draw(self, ctx: DrawContext) -> Any:
        out: list[Any] = []
        for i, node in enumerate(self.items):
            repeat = 1
            if i == self.variadic:
                repeat = 0 if ctx.leaves >= ctx.max_leaves else ctx.src.integer(0, LIST_CAP)
            for _ in range(repeat):
                if ctx.sites is not None:
                    ctx.path.append(len(out))
                    out.append(node.draw(ctx))
                    ctx.path.pop()
                else:
                    out.append(node.draw(ctx))
        if ctx.sites is not None:
            ctx.record(self)
        return out


class Union(Node):
    """A plain (smart or left-to-right) union: a guard, since another branch may accept what
    one branch rejects."""

    __slots__ = ("branches",)

    def __init__(self, schema: CoreSchema, registry: SchemaRegistry, branches: list[Node]) -> None:
        super().__init__(schema, registry)
        self.branches = branches

    def draw(self, ctx: DrawContext) -> Any:
        branch = self.branches[ctx.src.integer(0, len(self.branches) - 1)]
        if ctx.sites is None:
            return branch.draw(ctx)
        ctx.record(self)
        ctx.guards.append((tuple(ctx.path), self))
        try:
            return branch.draw(ctx)
        finally:
            ctx.guards.pop()


class Tagged(Node):
    """A discriminated union. Every branch always carries its tag, even when the tag field
    has a default: pydantic picks the branch from the tag *before* defaults apply, so a
    payload without it is rejected (this is where JSON Schema based generators go wrong)."""

    __slots__ = ("branches", "key", "tags")

    def __init__(
        self, schema: CoreSchema, registry: SchemaRegistry, key: str, branches: list[tuple[Any, Node]]
    ) -> None:
        super().__init__(schema, registry)
        self.key = key
        self.branches = [node for _, node in branches]
        self.tags = [tag for tag, _ in branches]

    def draw(self, ctx: DrawContext) -> Any:
        value = self.branches[ctx.src.integer(0, len(self.branches) - 1)].draw(ctx)
        if ctx.sites is not None:
            ctx.record(self)
        return value


class Guard(Node):
    """A node pydantic validates differently from its parts (before/wrap validators, a
    python-vs-JSON schema split): mutations beneath it are judged by its validator."""

    __slots__ = ("inner",)
    is_site = False

    def __init__(self, schema: CoreSchema, registry: SchemaRegistry, inner: Node) -> None:
        super().__init__(schema, registry)
        self.inner = inner

    def draw(self, ctx: DrawContext) -> Any:
        if ctx.sites is None:
            return self.inner.draw(ctx)
        ctx.guards.append((tuple(ctx.path), self))
        try:
            return self.inner.draw(ctx)
        finally:
            ctx.guards.pop()


class Filter(Node):
    """An after-validator (cross-field rules, ``validate_file_reference`` ...): redraw the
    subtree until the subtree's own validator accepts it, up to ``FILTER_TRIES`` times."""

    __slots__ = ("copy_first", "failed", "inner", "name", "tried")
    is_site = False

    def __init__(
        self, schema: CoreSchema, registry: SchemaRegistry, inner: Node, name: str, *, copy_first: bool
    ) -> None:
        super().__init__(schema, registry)
        self.inner = inner
        self.name = name
        self.copy_first = copy_first
        self.tried = 0
        self.failed = 0

    def draw(self, ctx: DrawContext) -> Any:
        budget = ctx.max_leaves
        try:
            for attempt in range(FILTER_TRIES):
                mark = len(ctx.sites) if ctx.sites is not None else 0
                leaves = ctx.leaves
                if attempt:  # a spent budget leaves out the optional field the validator wants
                    ctx.max_leaves = max(budget, leaves + FILTER_BUDGET)
                value = self.inner.draw(ctx)
                self.tried += 1
                if self.registry.verdict(self.schema, value, copy_first=self.copy_first):
                    return value
                self.failed += 1
                ctx.leaves = leaves
                if ctx.sites is not None:
                    del ctx.sites[mark:]
        finally:
            ctx.max_leaves = budget
        ctx.src.reject(f"{self.name} rejected {FILTER_TRIES} draws in a row")
        raise AssertionError("unreachable")  # reject() does not return


def _record_value_free(ctx: DrawContext, node: Node) -> None:
    """A nullable drew None: its inner type can still be mutated into (wrong type, bounds)."""
    pushed = 0
    while isinstance(node, Filter | Guard):
        if isinstance(node, Guard):
            ctx.guards.append((tuple(ctx.path), node))
            pushed += 1
        node = node.inner
    mutable = node.is_site and not (isinstance(node, Drawn) and not node.wrong)
    if mutable and not (isinstance(node, Const) and not node.literal):
        ctx.record(node, value_free=True)
    for _ in range(pushed):
        ctx.guards.pop()


def children(node: Node) -> list[Node]:
    """The nodes a node draws from (dict keys excluded: they are never mutated)."""
    if isinstance(node, Struct):
        return [n for _, n in node.required + node.optional]
    if isinstance(node, Seq):
        return [node.item]
    if isinstance(node, Mapping):
        return [node.value]
    if isinstance(node, FixedTuple):
        return list(node.items)
    if isinstance(node, Union | Tagged):
        return list(node.branches)
    if isinstance(node, Nullable | Guard | Filter):
        return [node.inner]
    return []


def contains(root: Node, kind: type[Node]) -> bool:
    """Whether a node of ``kind`` is reachable from ``root`` (plans may share subtrees)."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, kind):
            return True
        todo.extend(children(node))
    return False

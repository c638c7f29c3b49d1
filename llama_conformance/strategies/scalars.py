"""Plan nodes for JSON scalars: literals, enums, strings, numbers, booleans, ``Any``, and
values from ready-made strategies (hints, dates, UUIDs)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llama_conformance.strategies.choices import text_lengths
from llama_conformance.strategies.context import DrawContext, Node
from llama_conformance.strategies.coreschema import CoreSchema, SchemaRegistry

TEXT_SPAN = 12  # characters beyond the minimum length, at most (plus the max_length itself)
NUMBER_WINDOW = 1000  # how far from a bound (or zero) numbers are drawn

_ANY_TEXT = text_lengths(0, 8, None)


class Const(Node):
    """A single allowed value: a one-value ``Literal`` (a site) or a forced value (not)."""

    __slots__ = ("literal", "value")

    def __init__(self, schema: CoreSchema, registry: SchemaRegistry, value: Any, *, literal: bool) -> None:
        super().__init__(schema, registry)
        self.value = value
        self.literal = literal

    def draw(self, ctx: DrawContext) -> Any:
        if ctx.sites is not None and self.literal:
            ctx.record(self)
        return [] if self.value == [] else self.value


class OneOf(Node):
    """One of several allowed values (``Literal[...]``, ``Enum``)."""

    __slots__ = ("values",)

    def __init__(self, schema: CoreSchema, registry: SchemaRegistry, values: list[Any]) -> None:
        super().__init__(schema, registry)
        self.values = values

    def draw(self, ctx: DrawContext) -> Any:
        ctx.leaves += 1
        if ctx.sites is not None:
            ctx.record(self)
        return self.values[ctx.src.integer(0, len(self.values) - 1)]


class Text(Node):
    """A string within its length bounds; patterns are drawn with ``st.from_regex``."""

    __slots__ = ("lengths", "max_length", "min_length", "pattern")

    def __init__(
        self,
        schema: CoreSchema,
        registry: SchemaRegistry,
        min_length: int,
        max_length: int | None,
        pattern: st.SearchStrategy[str] | None,
    ) -> None:
        super().__init__(schema, registry)
        self.min_length = min_length
        self.max_length = max_length
        gen_max = min_length + TEXT_SPAN if max_length is None else min(max_length, min_length + TEXT_SPAN)
        self.lengths = text_lengths(min_length, gen_max, max_length)
        self.pattern = pattern

    def draw(self, ctx: DrawContext) -> Any:
        ctx.leaves += 1
        if ctx.sites is not None:
            ctx.record(self)
        if self.pattern is not None:
            return ctx.src.draw(self.pattern)
        return ctx.text(self.lengths)


class Integer(Node):
    """An int inside ``ge/gt/le/lt`` (drawn within ``NUMBER_WINDOW`` of a bound or of zero)."""

    __slots__ = ("hi", "lo", "lower", "multiple_of", "upper")

    def __init__(
        self,
        schema: CoreSchema,
        registry: SchemaRegistry,
        lower: tuple[int, bool] | None,
        upper: tuple[int, bool] | None,
        multiple_of: int | None,
    ) -> None:
        super().__init__(schema, registry)
        self.lower, self.upper = lower, upper  # (bound, inclusive)
        lo = None if lower is None else (lower[0] if lower[1] else lower[0] + 1)
        hi = None if upper is None else (upper[0] if upper[1] else upper[0] - 1)
        if lo is None and hi is None:
            lo, hi = -NUMBER_WINDOW, NUMBER_WINDOW
        elif lo is None:
            lo = hi - NUMBER_WINDOW  # type: ignore[operator]
        elif hi is None:
            hi = lo + NUMBER_WINDOW
        self.multiple_of = multiple_of
        if multiple_of:
            lo, hi = -(-lo // multiple_of), hi // multiple_of  # type: ignore[operator]
        self.lo, self.hi = lo, hi

    def draw(self, ctx: DrawContext) -> Any:
        ctx.leaves += 1
        if ctx.sites is not None:
            ctx.record(self)
        value = ctx.src.integer(self.lo, self.hi)  # type: ignore[arg-type]
        return value * self.multiple_of if self.multiple_of else value


class Floating(Node):
    """A finite float inside ``ge/gt/le/lt`` (JSON has no NaN or infinity)."""

    __slots__ = ("hi", "lo", "lower", "upper")

    def __init__(
        self,
        schema: CoreSchema,
        registry: SchemaRegistry,
        lower: tuple[float, bool] | None,
        upper: tuple[float, bool] | None,
    ) -> None:
        import math

        super().__init__(schema, registry)
        self.lower, self.upper = lower, upper
        lo = None if lower is None else (lower[0] if lower[1] else math.nextafter(lower[0], math.inf))
        hi = None if upper is None else (upper[0] if upper[1] else math.nextafter(upper[0], -math.inf))
        if lo is None and hi is None:
            lo, hi = -float(NUMBER_WINDOW), float(NUMBER_WINDOW)
        elif lo is None:
            lo = hi - NUMBER_WINDOW  # type: ignore[operator]
        elif hi is None:
            hi = lo + NUMBER_WINDOW
        self.lo, self.hi = float(lo), float(hi)  # type: ignore[arg-type]

    def draw(self, ctx: DrawContext) -> Any:
        ctx.leaves += 1
        if ctx.sites is not None:
            ctx.record(self)
        return ctx.src.floating(self.lo, self.hi)


class Boolean(Node):
    __slots__ = ()

    def draw(self, ctx: DrawContext) -> Any:
        ctx.leaves += 1
        if ctx.sites is not None:
            ctx.record(self)
        return ctx.src.boolean(0.5)


class AnyJSON(Node):
    """``Any``: a simple JSON scalar (null, bool, int, short string, float)."""

    __slots__ = ()
    is_site = False

    def draw(self, ctx: DrawContext) -> Any:
        ctx.leaves += 1
        src = ctx.src
        kind = src.integer(0, 4)
        if kind == 0:
            return ctx.text(_ANY_TEXT)
        if kind == 1:
            return src.integer(-NUMBER_WINDOW, NUMBER_WINDOW)
        if kind == 2:
            return src.boolean(0.5)
        if kind == 3:
            return src.floating(-float(NUMBER_WINDOW), float(NUMBER_WINDOW))
        return None


class Drawn(Node):
    """A value from a ready-made strategy: a user hint, a validator hint, a date, a UUID."""

    __slots__ = ("strategy", "wrong")

    def __init__(
        self,
        schema: CoreSchema,
        registry: SchemaRegistry,
        strategy: st.SearchStrategy[Any],
        *,
        wrong: tuple[Any, ...] = (),
    ) -> None:
        super().__init__(schema, registry)
        self.strategy = strategy
        self.wrong = wrong  # wrong-type values, if this node may be mutated at all

    def draw(self, ctx: DrawContext) -> Any:
        ctx.leaves += 1
        if ctx.sites is not None and self.wrong:
            ctx.record(self)
        return ctx.src.draw(self.strategy)

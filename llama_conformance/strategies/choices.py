"""Where a plan gets its decisions from: Hypothesis's choice sequence, through one narrow door.

A request plan (``plan.py``) asks for a handful of primitive decisions: an integer in a range,
a biased coin, a short string, which optional fields to send, a float in a range, or a value
from a user-supplied strategy. This module answers them in one of two ways:

* ``DataChoices`` (the default) calls ``ConjectureData.draw_integer`` / ``draw_boolean`` /
  ``draw_float`` directly from a ``SearchStrategy`` subclass, so each decision is one choice in
  Hypothesis's choice sequence and shrinking works per decision. Decisions that would take many
  choices are packed into one integer: a string is one integer (its length in the remainder,
  its characters in the quotient), and the optional fields of an object are two (how many;
  which, and which of those are null). A chat request costs ~21 choices, and each choice costs
  ~20 us on a 2-core machine, which is what makes 1,000+ chat requests per CPU second possible
  (see ``benchmarks/bench_strategies.py``). These are Hypothesis internals (verified against
  hypothesis 6.170); they are confined to this module and ``sampling.py``.
* ``DrawChoices`` answers the same questions with public strategies inside ``st.composite``.
  It is slower but touches nothing private: set ``LLAMA_CONFORMANCE_PUBLIC_DRAW=1`` (or pass
  ``public=True``), and it is used automatically if the private hooks are missing.

Both shrink towards the simplest request: the shortest strings ("a" * min_length), no optional
fields, the first union branch, the shortest lists.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from typing import Any, Protocol

from hypothesis import reject as _reject
from hypothesis import strategies as st

# Strings are drawn from one of two alphabets, chosen once per request: printable ASCII
# (lowercase first, so shrinking ends at "a"), or ASCII plus Latin-1, Greek, CJK and emoji for
# the requests that exercise multi-byte UTF-8. No control characters, no lone surrogates: those
# cannot travel in a UTF-8 JSON body.
ASCII_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ _-.,:;!?'\"()[]{}<>/\\|@#$%^&*+=~`"
)
UNICODE_ALPHABET = ASCII_ALPHABET + "".join(
    chr(c) for lo, hi in ((0xC0, 0xFF), (0x391, 0x3A9), (0x4E00, 0x4E0F), (0x1F600, 0x1F60F)) for c in range(lo, hi + 1)
)
@functools.cache
def _multiplier(size: int) -> int:
    """A multiplier near golden-ratio * size and coprime to it: multiplying by it modulo
    ``size`` permutes ``range(size)`` and spreads small indices over the whole range."""
    m = size * 6180339887498949 // 10**16 | 1
    while math.gcd(m, size) != 1:
        m += 1
    return m


def scramble(index: int, size: int) -> int:
    """A bijection of ``range(size)`` that keeps 0 at 0 (the shrink target)."""
    return index * _multiplier(size) % size if size > 2 else index


@functools.cache
def text_lengths(min_size: int, max_size: int, boundary: int | None) -> tuple[int, ...]:
    """The lengths a string may get: min..max, plus a far ``boundary`` (a field's real
    ``max_length``, which short strings would otherwise never reach)."""
    lengths = tuple(range(min_size, max_size + 1))
    return (*lengths, boundary) if boundary is not None and boundary > max_size else lengths


_DISTINCT_PREFIX = 32


def text_index_range(lengths: tuple[int, ...], k: int) -> int:
    return len(lengths) * k ** min(max(lengths), _DISTINCT_PREFIX)


def decode_text(index: int, lengths: tuple[int, ...], alphabet: str) -> str:
    """The string for ``index``: its remainder picks the length (so every length, the empty
    string and the boundary included, is equally likely), the quotient the characters,
    scrambled so that the small quotients Hypothesis favours still look random. Index 0 is
    "a" * min_size, where shrinking ends."""
    k = len(alphabet)
    index, slot = divmod(index, len(lengths))
    length = lengths[slot]
    distinct = min(length, _DISTINCT_PREFIX)  # a 10,000-character boundary string tiles a prefix
    size = k**distinct
    index = scramble(index % size, size)
    chars = []
    for _ in range(distinct):
        index, digit = divmod(index, k)
        chars.append(alphabet[digit])
    text = "".join(chars)
    return text if distinct == length else (text * (length // distinct + 1))[:length]


NULL_BASE = 5  # an optional nullable field that is sent is null one time in NULL_BASE


@functools.cache
def _subset_counts(n: int, cap: int) -> tuple[int, ...]:
    return tuple(math.comb(n, size) for size in range(min(n, cap) + 1))


def decode_subset(size: int, index: int, n: int) -> list[int]:
    """The ``index``-th ``size``-subset of range(n) (combinatorial number system), scrambled."""
    index = scramble(index, math.comb(n, size))
    out = []
    for i in range(n - 1, -1, -1):
        if size == 0:
            break
        below = math.comb(i, size)
        if index >= below:
            out.append(i)
            index -= below
            size -= 1
    return out


class Choices(Protocol):
    """The decisions a plan can ask for while drawing one value."""

    def integer(self, lo: int, hi: int) -> int: ...
    def boolean(self, p: float) -> bool: ...
    def text(self, lengths: tuple[int, ...], unicode: bool | None) -> tuple[str, bool]:
        """A string with one of ``lengths``; ``unicode=None`` decides the alphabet too."""
        ...

    def subset(self, n: int, cap: int, nullable: tuple[bool, ...]) -> list[tuple[int, bool]]:
        """At most ``cap`` distinct indices of range(n), each with whether to send null
        (only where ``nullable``)."""
        ...

    def floating(self, lo: float, hi: float) -> float: ...
    def draw(self, strategy: st.SearchStrategy[Any]) -> Any: ...
    def reject(self, why: str) -> None: ...


try:  # the private hooks; everything below degrades to DrawChoices without them
    from hypothesis.internal.conjecture.data import ConjectureData

    _HAVE_PRIVATE = all(
        hasattr(ConjectureData, name)
        for name in ("draw_integer", "draw_boolean", "draw_float", "mark_invalid")
    )
except ImportError:  # pragma: no cover - depends on the installed Hypothesis
    ConjectureData = None  # type: ignore[assignment,misc]
    _HAVE_PRIVATE = False


class DataChoices:
    """Decisions answered by single choices of a ``ConjectureData`` (fast path)."""

    __slots__ = ("data",)

    def __init__(self, data: Any) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return lo if lo == hi else self.data.draw_integer(lo, hi)

    def boolean(self, p: float) -> bool:
        return self.data.draw_boolean(p)

    def text(self, lengths: tuple[int, ...], unicode: bool | None) -> tuple[str, bool]:
        # One integer choice per string: draw_string spends time per character (a coin and a
        # character each) and is several times slower. The first string of a request also
        # carries the alphabet decision in its low two bits.
        if unicode is None:
            count = text_index_range(lengths, len(UNICODE_ALPHABET))
            index, slot = divmod(self.data.draw_integer(0, 4 * count - 1), 4)
            unicode = slot == 3  # a quarter of the requests
        else:
            index = -1
        alphabet = UNICODE_ALPHABET if unicode else ASCII_ALPHABET
        if index < 0:
            index = self.data.draw_integer(0, text_index_range(lengths, len(alphabet)) - 1)
        return decode_text(index, lengths, alphabet), unicode

    def subset(self, n: int, cap: int, nullable: tuple[bool, ...]) -> list[tuple[int, bool]]:
        # Two choices (how many, which and which of them null) for any number of optional
        # fields, instead of one per field and one more per nullable field.
        counts = _subset_counts(n, cap)
        size = self.data.draw_integer(0, len(counts) - 1)
        if not size:
            return []
        span = counts[size] * NULL_BASE**size
        which, nulls = divmod(scramble(self.data.draw_integer(0, span - 1), span), NULL_BASE**size)
        out = []
        for index in decode_subset(size, which, n):
            nulls, digit = divmod(nulls, NULL_BASE)
            out.append((index, nullable[index] and digit == 0))
        return out

    def floating(self, lo: float, hi: float) -> float:
        return self.data.draw_float(lo, hi, allow_nan=False)

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def reject(self, why: str) -> None:
        self.data.mark_invalid(why)




@functools.cache
def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


@functools.cache
def _texts(lengths: tuple[int, ...], unicode: bool) -> st.SearchStrategy[str]:
    alphabet = st.sampled_from(UNICODE_ALPHABET if unicode else ASCII_ALPHABET)
    return st.sampled_from(lengths).flatmap(lambda n: st.text(alphabet, min_size=n, max_size=n))


@functools.cache
def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


class DrawChoices:
    """The same decisions through public strategies and a ``st.composite`` draw function."""

    __slots__ = ("_draw",)

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return lo if lo == hi else self._draw(_ints(lo, hi))

    def boolean(self, p: float) -> bool:
        # A coin with probability ~p of True, shrinking towards False.
        sides = max(2, round(1 / p)) if p > 0 else 2
        return bool(self._draw(_ints(0, sides - 1)) == sides - 1)

    def text(self, lengths: tuple[int, ...], unicode: bool | None) -> tuple[str, bool]:
        if unicode is None:
            unicode = self.boolean(0.25)
        return self._draw(_texts(lengths, unicode)), unicode

    def subset(self, n: int, cap: int, nullable: tuple[bool, ...]) -> list[tuple[int, bool]]:
        size = self._draw(_ints(0, min(n, cap)))
        if not size:
            return []
        chosen = decode_subset(size, self._draw(_ints(0, math.comb(n, size) - 1)), n)
        return [(index, nullable[index] and self.boolean(1 / NULL_BASE)) for index in chosen]

    def floating(self, lo: float, hi: float) -> float:
        return self._draw(_floats(lo, hi))

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self._draw(strategy)

    def reject(self, why: str) -> None:
        _reject()


def private_hooks_available() -> bool:
    return _HAVE_PRIVATE


def _public_requested() -> bool:
    return os.environ.get("LLAMA_CONFORMANCE_PUBLIC_DRAW", "") not in ("", "0")


if _HAVE_PRIVATE:
    from hypothesis.strategies._internal.strategies import SearchStrategy as _SearchStrategy

    class _PlanStrategy(_SearchStrategy[Any]):
        """A strategy whose whole draw is one call into a plan (private fast path)."""

        def __init__(self, run: Callable[[Choices], Any], name: str) -> None:
            super().__init__()
            self._run = run
            self._name = name

        def do_draw(self, data: Any) -> Any:
            return self._run(DataChoices(data))

        def calc_has_reusable_values(self, recur: Any) -> bool:
            return False  # fresh dicts every draw; callers may mutate them

        def __repr__(self) -> str:
            return self._name


def plan_strategy(
    run: Callable[[Choices], Any], name: str, *, public: bool | None = None
) -> st.SearchStrategy[Any]:
    """A strategy that draws by calling ``run(choices)``: fast path unless told otherwise."""
    use_public = _public_requested() if public is None else public
    if _HAVE_PRIVATE and not use_public:
        return _PlanStrategy(run, name)

    @st.composite
    def composite(draw: Any) -> Any:
        return run(DrawChoices(draw))

    return composite()

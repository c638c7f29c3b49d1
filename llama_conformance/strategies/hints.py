"""Provider-aware values: one mechanism that puts real ids and model names into requests.

A conformance suite cannot ask a provider to retrieve ``file-8fz2q``: it must use a file it
uploaded, a model the provider serves, a vector store it created. ``ValueHints`` maps a field
*name* (``"model"``, ``"file_id"``, ``"vector_store_id"``, ``"after"``) to a strategy, and the
plan uses that strategy wherever a field of that name is drawn, at any depth. A
``(ModelClass, field)`` key pins one field of one model when a name is too broad.

A hint replaces the whole value of the field (``None`` included): a ``str | None`` field
hinted with real ids never gets ``None``. An optional field stays optional: it may still be
left out. Hints are immutable and hashable by the identity of their strategies, so built
strategies can be cached per ``(model, hints)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument


def _check(where: str, strategy: Any) -> st.SearchStrategy[Any]:
    if not isinstance(strategy, st.SearchStrategy):
        raise InvalidArgument(
            f"ValueHints {where} must map to a Hypothesis strategy, got {strategy!r}. "
            f"Wrap a constant with st.just(...) or a list of ids with st.sampled_from([...])."
        )
    return strategy


class ValueHints:
    """Strategies for fields by name (any depth) or by ``(ModelClass, field)``."""

    __slots__ = ("_by_field", "_by_name", "_key")

    def __init__(
        self,
        by_name: Mapping[str, st.SearchStrategy[Any]] | None = None,
        by_field: Mapping[tuple[type, str], st.SearchStrategy[Any]] | None = None,
    ) -> None:
        names = {str(k): _check(f"field name {k!r}", v) for k, v in (by_name or {}).items()}
        fields: dict[tuple[type, str], st.SearchStrategy[Any]] = {}
        for key, value in (by_field or {}).items():
            if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], type)):
                raise InvalidArgument(f"ValueHints by_field keys are (ModelClass, 'field') tuples, got {key!r}.")
            fields[key] = _check(f"field {key[0].__name__}.{key[1]}", value)
        self._by_name: Mapping[str, st.SearchStrategy[Any]] = MappingProxyType(names)
        self._by_field: Mapping[tuple[type, str], st.SearchStrategy[Any]] = MappingProxyType(fields)
        # Identity of the strategies, not their repr: two st.just(x) are different hints.
        self._key = (
            tuple(sorted((name, id(s)) for name, s in names.items())),
            tuple(sorted(((id(k[0]), k[1]), id(s)) for k, s in fields.items())),
        )

    @property
    def by_name(self) -> Mapping[str, st.SearchStrategy[Any]]:
        return self._by_name

    @property
    def by_field(self) -> Mapping[tuple[type, str], st.SearchStrategy[Any]]:
        return self._by_field

    def with_(self, **by_name: st.SearchStrategy[Any]) -> ValueHints:
        """A new ValueHints with these name hints added (or replaced)."""
        return ValueHints({**self._by_name, **by_name}, self._by_field)

    def with_field(self, model: type, field: str, strategy: st.SearchStrategy[Any]) -> ValueHints:
        """A new ValueHints with one ``(model, field)`` hint added (or replaced)."""
        return ValueHints(self._by_name, {**self._by_field, (model, field): strategy})

    def lookup(self, model: type | None, names: tuple[str, ...]) -> st.SearchStrategy[Any] | None:
        """The strategy for a field known by ``names`` (python name, then alias) on ``model``."""
        if model is not None and self._by_field:
            for name in names:
                found = self._by_field.get((model, name))
                if found is not None:
                    return found
        for name in names:
            found = self._by_name.get(name)
            if found is not None:
                return found
        return None

    def __bool__(self) -> bool:
        return bool(self._by_name or self._by_field)

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValueHints):
            return NotImplemented
        # Equal keys mean the same strategy objects, which both instances keep alive.
        return self._key == other._key

    def __repr__(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self._by_name.items()]
        parts += [f"{m.__name__}.{f}={v!r}" for (m, f), v in self._by_field.items()]
        return f"ValueHints({', '.join(parts)})"


NO_HINTS = ValueHints()

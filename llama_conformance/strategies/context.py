"""The state of one draw and the base of every plan node.

``DrawContext`` carries the choice source, the leaf budget that keeps requests small, and,
when the invalid family draws, the sites it records (see ``plan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from llama_conformance.strategies.choices import Choices
from llama_conformance.strategies.coreschema import CoreSchema, SchemaRegistry


@dataclass(slots=True)
class Site:
    """A value the invalid family may mutate: where it is and who must judge the mutation."""

    path: tuple[str | int, ...]
    node: Node
    guard: tuple[tuple[str | int, ...], Node] | None
    value_free: bool = False  # the node drew nothing here (a nullable gave None)


class DrawContext:
    """State of one draw: the choice source, the leaf budget, and (invalid family) sites."""

    __slots__ = ("guards", "leaves", "max_leaves", "path", "sites", "src", "unicode")

    def __init__(self, src: Choices, max_leaves: int, *, record: bool = False) -> None:
        self.src = src
        self.leaves = 0
        self.max_leaves = max_leaves
        self.sites: list[Site] | None = [] if record else None
        self.path: list[str | int] = []
        self.guards: list[tuple[tuple[str | int, ...], Node]] = []
        self.unicode: bool | None = None  # decided by the first string drawn

    def text(self, lengths: tuple[int, ...]) -> str:
        text, self.unicode = self.src.text(lengths, self.unicode)
        return text

    def record(self, node: Node, *, value_free: bool = False) -> None:
        assert self.sites is not None
        # The outermost guard: an inner one (a Sequence's python schema) may reject what an
        # outer one (``str | Sequence[...]``) accepts through another branch.
        guard = self.guards[0] if self.guards else None
        self.sites.append(Site(tuple(self.path), node, guard, value_free))


class Node:
    """One JSON value kind. ``schema`` is the core schema it came from (for validators)."""

    __slots__ = ("registry", "schema")
    is_site: ClassVar[bool] = True  # values of this node can be mutated

    def __init__(self, schema: CoreSchema, registry: SchemaRegistry) -> None:
        self.schema = schema
        self.registry = registry

    def draw(self, ctx: DrawContext) -> Any:
        raise NotImplementedError

    def label(self) -> str:
        return str(self.schema.get("type", type(self).__name__))

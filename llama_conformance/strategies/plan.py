"""A request plan: a tree of small nodes, compiled once per model, that draws JSON payloads.

Each node draws one kind of JSON value with as few decisions as possible (a decision is one
Hypothesis choice, see ``choices.py``): a model draws its required fields, then which optional
fields to send (at most ``OPTIONAL_CAP``, null or not, in two choices); a list draws its length
(at most ``LIST_CAP`` items, or its minimum if larger); a string is a single choice. A
per-draw leaf budget (``max_leaves``) keeps big request models small: once spent, optional
fields are left out, lists keep their minimum length and nullable fields are ``None``.

When the invalid family draws (``mutations.py``), the same nodes also *record sites*: the
path of every value they produced and the outermost enclosing guard (a node whose validation
is not the sum of its parts: a plain union, a before-validator, a python/JSON split). A
mutation at a site is then checked against that guard's validator, or the site's own.
"""

from llama_conformance.strategies.containers import (
    FILTER_BUDGET,
    FILTER_TRIES,
    LIST_CAP,
    NULL_P,
    OPTIONAL_CAP,
    Filter,
    FixedTuple,
    Guard,
    Mapping,
    Nullable,
    Seq,
    Struct,
    Tagged,
    Union,
    children,
    contains,
)
from llama_conformance.strategies.context import DrawContext, Node, Site
from llama_conformance.strategies.scalars import (
    NUMBER_WINDOW,
    TEXT_SPAN,
    AnyJSON,
    Boolean,
    Const,
    Drawn,
    Floating,
    Integer,
    OneOf,
    Text,
)

__all__ = [
    "FILTER_BUDGET",
    "FILTER_TRIES",
    "LIST_CAP",
    "NULL_P",
    "NUMBER_WINDOW",
    "OPTIONAL_CAP",
    "TEXT_SPAN",
    "AnyJSON",
    "Boolean",
    "Const",
    "DrawContext",
    "Drawn",
    "Filter",
    "FixedTuple",
    "Floating",
    "Guard",
    "Integer",
    "Mapping",
    "Node",
    "Nullable",
    "OneOf",
    "Seq",
    "Site",
    "Struct",
    "Tagged",
    "Text",
    "Union",
    "children",
    "contains",
]

"""The three public families over one cached plan per ``(model, hints, max_leaves)``.

Compiling a plan walks the whole core schema (CreateResponseRequest has hundreds of nodes),
so plans and the strategies built on them are cached; ``ValueHints`` hash by the identity of
their strategies, which keeps the cache correct without asking strategies to be comparable.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import BaseModel, ValidationError

from llama_conformance.strategies.choices import Choices, plan_strategy
from llama_conformance.strategies.compile import Compiler, compile_model
from llama_conformance.strategies.hints import NO_HINTS, ValueHints
from llama_conformance.strategies.mutations import InvalidRequest, can_mutate, draw_invalid
from llama_conformance.strategies.plan import DrawContext, Node

DEFAULT_MAX_LEAVES = 24


class RequestPlan:
    """A compiled model: draws valid payloads and invalid requests from choices."""

    def __init__(self, model: type[BaseModel], hints: ValueHints, max_leaves: int) -> None:
        self.model = model
        self.max_leaves = max_leaves
        self.root: Node
        self.compiler: Compiler
        self.root, self.compiler = compile_model(model, hints)

    def draw_valid(self, src: Choices) -> dict[str, Any]:
        return self.root.draw(DrawContext(src, self.max_leaves))

    def draw_invalid(self, src: Choices) -> InvalidRequest:
        return draw_invalid(
            self.root, lambda: DrawContext(src, self.max_leaves, record=True), self.model.__qualname__
        )

    @property
    def can_mutate(self) -> bool:
        return can_mutate(self.root)

    def filter_stats(self) -> tuple[int, int]:
        """(values drawn under after-validators, of which rejected and redrawn)."""
        filters = self.compiler.filters
        return sum(f.tried for f in filters), sum(f.failed for f in filters)


def _check_model(model: Any) -> None:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise InvalidArgument(
            f"{model!r} is not a pydantic model class. Request strategies are derived from the "
            f"request models a protocol method takes (MemberSpec.request_models); plain "
            f"parameters and UploadFile have none."
        )


@functools.lru_cache(maxsize=1024)
def request_plan(
    model: type[BaseModel], hints: ValueHints = NO_HINTS, max_leaves: int = DEFAULT_MAX_LEAVES
) -> RequestPlan:
    """The compiled plan behind the strategies (cached): ``can_mutate``, ``filter_stats``."""
    _check_model(model)
    return RequestPlan(model, hints, max_leaves)


@functools.lru_cache(maxsize=1024)
def _payloads(model: type[BaseModel], hints: ValueHints, max_leaves: int, public: bool | None) -> Any:
    plan = request_plan(model, hints, max_leaves)
    return plan_strategy(plan.draw_valid, f"request_payloads({model.__qualname__})", public=public)


def request_payloads(
    model: type[BaseModel],
    hints: ValueHints | None = None,
    *,
    max_leaves: int = DEFAULT_MAX_LEAVES,
    public: bool | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """JSON-like dicts (what an HTTP client would send) that pydantic should accept.

    ``max_leaves`` bounds the scalar values per payload; ``public=True`` draws through public
    Hypothesis strategies only (slower; see ``choices.py``).
    """
    _check_model(model)
    if max_leaves < 1:
        raise InvalidArgument(f"max_leaves={max_leaves!r} must be at least 1")
    return _payloads(model, hints or NO_HINTS, max_leaves, public)


def _validated(model: type[BaseModel], payload: dict[str, Any]) -> BaseModel | None:
    try:
        return model.model_validate(payload)
    except ValidationError:
        return None


@functools.lru_cache(maxsize=1024)
def _valid(model: type[BaseModel], hints: ValueHints) -> Any:
    return (
        request_payloads(model, hints)
        .map(functools.partial(_validated, model))
        .filter(lambda instance: instance is not None)
    )


def valid_requests(model: type[BaseModel], hints: ValueHints | None = None) -> st.SearchStrategy[BaseModel]:
    """``request_payloads(...)`` validated into the model; a rejected draw is dropped."""
    _check_model(model)
    return _valid(model, hints or NO_HINTS)


@functools.lru_cache(maxsize=1024)
def _invalid(model: type[BaseModel], hints: ValueHints, public: bool | None) -> Any:
    plan = request_plan(model, hints, DEFAULT_MAX_LEAVES)
    if not plan.can_mutate:
        raise InvalidArgument(
            f"{model.__qualname__} accepts every JSON object (it has no required, typed or "
            f"constrained field), so there is no invalid request to draw. Check "
            f"request_plan(model).can_mutate before asking for invalid_requests."
        )
    return plan_strategy(plan.draw_invalid, f"invalid_requests({model.__qualname__})", public=public)


def invalid_requests(
    model: type[BaseModel], hints: ValueHints | None = None, *, public: bool | None = None
) -> st.SearchStrategy[InvalidRequest]:
    """Payloads the contract says must be rejected: a valid payload with ONE mutation."""
    _check_model(model)
    return _invalid(model, hints or NO_HINTS, public)

"""``stream_checker``: pick the invariant set a stream's chunk type calls for.

The choice reads the chunk type itself, never a package name, so it holds for ``ogx_api``
and ``llama_stack_api`` alike: a model whose ``object`` defaults to
``chat.completion.chunk`` streams chat completions, one whose ``object`` is
``text_completion`` text completions; a union whose members' ``type`` literals include
``response.created`` is a Responses event stream, one with ``message_start`` a Messages
stream. Anything else gets the generic checker (schema and round trip of every chunk).
"""

from __future__ import annotations

import functools
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field

from llama_conformance.validate.stream_base import StreamChecker
from llama_conformance.validate.stream_completion import CompletionStreamChecker, TextCompletionStreamChecker
from llama_conformance.validate.stream_messages import MessagesStreamChecker
from llama_conformance.validate.stream_responses import ResponsesStreamChecker


def _members(tp: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _members(typing.get_args(tp)[0])
    if origin is Union or origin is typing.get_origin(int | str):
        return tuple(m for arg in typing.get_args(tp) for m in _members(arg))
    return (tp,)


def _type_literal(model: Any) -> str | None:
    """The single value of a model's ``type: Literal[...]`` field, if it has one."""
    info = getattr(model, "model_fields", {}).get("type")
    if info is None or typing.get_origin(info.annotation) is not Literal:
        return None
    values = typing.get_args(info.annotation)
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


def as_chunk_type(chunk_type: Any) -> Any:
    """A type pydantic can validate against, one object per set of chunk classes.

    A union of event classes (a collection of classes is accepted too) becomes a union
    discriminated by ``type`` when every member has its own ``type`` literal, so pydantic
    picks the branch in one step and the JSON Schema carries the mapping that lets failures
    be explained against the right branch.
    """
    collection = isinstance(chunk_type, frozenset | set | tuple | list)
    members = tuple(chunk_type) if collection else _members(chunk_type)
    return chunk_type if len(members) <= 1 else _union_of(frozenset(members))


@functools.cache
def _union_of(classes: frozenset[Any]) -> Any:
    """One union object per set of classes: the compiled-type cache is keyed by it, and
    ``Annotated[..., Field()]`` is not hashable, so it is found again by identity."""
    members = sorted(classes, key=lambda c: getattr(c, "__qualname__", repr(c)))
    if len(members) == 1:
        return members[0]
    union: Any = Union[tuple(members)]  # noqa: UP007 (built at run time from a tuple)
    tags = [_type_literal(m) for m in members]
    models = all(isinstance(m, type) and issubclass(m, BaseModel) for m in members)
    if models and None not in tags and len(set(tags)) == len(tags):
        return Annotated[union, Field(discriminator="type")]
    return union


def _object_default(model: Any) -> Any:
    info = getattr(model, "model_fields", {}).get("object")
    return None if info is None else info.default


_CLASSES: dict[int, tuple[Any, type[StreamChecker]]] = {}


def checker_class(chunk_type: Any) -> type[StreamChecker]:
    """Which invariant set applies to a stream of ``chunk_type`` (decided once per type)."""
    hit = _CLASSES.get(id(chunk_type))
    if hit is None or hit[0] is not chunk_type:
        hit = (chunk_type, _decide(chunk_type))  # the type is kept, so its id is not reused
        _CLASSES[id(chunk_type)] = hit
    return hit[1]


def _decide(chunk_type: Any) -> type[StreamChecker]:
    members = _members(chunk_type)
    if len(members) == 1:
        obj = _object_default(members[0])
        if obj == "chat.completion.chunk":
            return CompletionStreamChecker
        if obj == "text_completion" and "choices" in getattr(members[0], "model_fields", {}):
            return TextCompletionStreamChecker
    tags = {_type_literal(m) for m in members}
    if "response.created" in tags:
        return ResponsesStreamChecker
    if "message_start" in tags:
        return MessagesStreamChecker
    return StreamChecker


def stream_checker(
    chunk_type: Any,
    *,
    method: str,
    request: BaseModel | dict[str, Any] | None = None,
    in_process: bool | None = None,
) -> StreamChecker:
    """A fresh checker for one stream of ``chunk_type`` chunks from ``method``.

    ``request`` (model or dict) tells what the caller asked for (``stream_options.
    include_usage``). ``in_process=True`` makes a dict where a model is due a finding.
    """
    tp = as_chunk_type(chunk_type)
    return checker_class(tp)(tp, method=method, request=request, in_process=in_process)


"""``validate_value``: judge one returned value (a whole response) against its declared type."""

from __future__ import annotations

import collections.abc
import functools
import types
import typing
from typing import Any, Union

from llama_conformance.checks import Finding
from llama_conformance.validate.judge import VALUE_CHECKS, Judge

_STREAMS = (collections.abc.AsyncIterator, collections.abc.AsyncGenerator, collections.abc.AsyncIterable)


def _is_stream(tp: Any) -> bool:
    return typing.get_origin(tp) in _STREAMS or tp in _STREAMS


@functools.cache
def _without_streams(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if not _is_stream(a)]
    return args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007 (built at run time)


def response_type(tp: Any) -> Any:
    """The non-streaming part of a declared return type.

    Streaming methods declare ``Response | AsyncIterator[Chunk]``; a whole value is judged
    against ``Response`` (the chunks have ``stream_checker``). Other types pass through.
    """
    if typing.get_origin(tp) in (Union, types.UnionType) and any(_is_stream(a) for a in typing.get_args(tp)):
        try:
            return _without_streams(tp)
        except TypeError:  # unhashable members: no cache, same answer
            return _without_streams.__wrapped__(tp)
    return tp


def validate_value(value: Any, tp: Any, *, method: str, in_process: bool | None = None) -> list[Finding]:
    """Findings for ``value`` as a result of ``method`` declared to return ``tp``.

    Three checks: ``response.type`` (in-process, the value is an instance of ``tp``, nested
    models included), ``response.schema`` (its JSON matches the package's published JSON
    Schema of ``tp``) and ``response.roundtrip`` (that JSON validates back into ``tp``).
    ``tp`` may be a member's whole declared return type: a streaming alternative
    (``AsyncIterator[...]``) is left out.

    ``value`` is a pydantic object (in-process) or parsed JSON (over HTTP). ``in_process=True``
    makes a dict where a model is due a finding; ``None`` infers the transport from the value.
    An empty list means the value conforms; findings carrying ``erratum`` are contract defects
    the value needed, reported but never failures.
    """
    judge = Judge(response_type(tp), method=method, checks=VALUE_CHECKS, in_process=in_process)
    return judge.judge(value)[1]

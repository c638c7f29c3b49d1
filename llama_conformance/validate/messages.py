"""How a violation is worded: method, check id, JSON path, offending value.

Every message the validators produce goes through :func:`violation`, so a provider author
always reads the same shape: ``inference.openai_chat_completion: [stream.chunk.schema]
chunk #3 at $.choices[0].finish_reason: 'done' is not one of [...] (value: 'done')``.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable
from typing import Any

from llama_conformance.checks import Finding, Level, finding

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Bounded repr: an embedding vector or a whole response object must not be rendered whole
# (it would cost more than the validation and drown the message).
_REPR = reprlib.Repr()
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlist = 6
_REPR.maxtuple = 6
_REPR.maxdict = 4
_REPR.maxlevel = 2
_MAX_REPR = 120


def short_repr(value: Any) -> str:
    """A repr of ``value`` cut to about 120 characters, cheap even for huge values."""
    text = _REPR.repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def json_path(parts: Iterable[Any]) -> str:
    """``('choices', 0, 'finish_reason')`` as ``$.choices[0].finish_reason``."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out.append(f"[{part}]")
        elif isinstance(part, str) and _IDENTIFIER.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{str(part)!r}]")
    return "".join(out)


def data_path(data: Any, loc: Iterable[Any], *, missing: bool = False) -> tuple[Any, ...]:
    """The part of a pydantic error ``loc`` that addresses ``data`` itself.

    Pydantic puts union branch names and discriminator tags into ``loc``
    (``('response.created', 'sequence_number')``, ``('embedding', 'list[float]', 0)``);
    they are not keys of the JSON and would give a wrong path, so a step is kept only where
    it addresses the data, or where it is the field a ``missing`` error names.
    """
    steps = list(loc)
    kept: list[Any] = []
    node = data
    for i, step in enumerate(steps):
        addresses = (isinstance(node, dict) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        )
        if addresses:
            kept.append(step)
            node = node[step]
        elif missing and i == len(steps) - 1:
            kept.append(step)
    return tuple(kept)


def violation(
    check_id: str,
    method: str,
    detail: str,
    *,
    path: Iterable[Any] = (),
    value: Any = ...,
    where: str = "",
    erratum: str | None = None,
    level: Level | None = None,
) -> Finding:
    """A finding whose message names the method, the check, the place and the value."""
    place = f"{where} at {json_path(path)}" if where else f"at {json_path(path)}"
    shown = "" if value is ... else f" (value: {short_repr(value)})"
    if erratum:
        detail = f"contract erratum {erratum}: {detail}"
    message = f"{method}: [{check_id}] {place}: {detail}{shown}"
    return finding(check_id, message, level=Level.MAY if erratum else level, erratum=erratum)

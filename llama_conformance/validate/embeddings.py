"""Semantics of an embeddings response, judged against the request that produced it.

The schema says each item has an ``embedding`` and an ``index``; it cannot say that there
is one vector per input, in input order, all of one length, of the requested
``dimensions``, finite, and encoded as ``encoding_format`` asked (float lists, or base64 of
little-endian float32 as OpenAI defines it). Those are checked here; the schema and round
trip of the response are ``validate_value``'s job.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.validate.ids import (
    EMBEDDINGS_COUNT,
    EMBEDDINGS_DIMENSIONS,
    EMBEDDINGS_ENCODING,
    EMBEDDINGS_FINITE,
    EMBEDDINGS_INDEX,
    EMBEDDINGS_SAME_LENGTH,
    EMBEDDINGS_USAGE,
)
from llama_conformance.validate.messages import violation
from llama_conformance.validate.stream_base import field_of


def input_count(inputs: Any) -> int | None:
    """How many vectors a request's ``input`` calls for: a string or one token array is one
    input; a list of strings or of token arrays is one input per element."""
    if isinstance(inputs, str):
        return 1
    if isinstance(inputs, list | tuple):
        if inputs and all(isinstance(x, int) and not isinstance(x, bool) for x in inputs):
            return 1
        return len(inputs)
    return None


def _decode(vector: Any, encoding: str) -> tuple[list[float] | None, str | None]:
    """The vector as floats, or why it does not follow ``encoding``."""
    if encoding == "base64":
        if not isinstance(vector, str):
            return None, f"encoding_format is 'base64', but the embedding is a {type(vector).__name__}"
        try:
            raw = base64.b64decode(vector, validate=True)
        except (binascii.Error, ValueError) as exc:
            return None, f"encoding_format is 'base64', but the embedding is not base64 ({exc})"
        if len(raw) % 4:
            return None, f"base64 decodes to {len(raw)} bytes, not a whole number of float32 values"
        return list(struct.unpack(f"<{len(raw) // 4}f", raw)), None
    if not isinstance(vector, list) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in vector
    ):
        return None, f"encoding_format is {encoding!r}, so the embedding must be a list of floats"
    return [float(x) for x in vector], None


def check_embeddings(response: Any, request: Any, *, method: str) -> list[Finding]:
    """Findings for an embeddings ``response`` (model or dict) to ``request`` (model or dict)."""
    findings: list[Finding] = []
    items = field_of(response, "data")
    if not isinstance(items, list):
        return [violation(EMBEDDINGS_COUNT, method, "the response has no data list", path=("data",), value=items)]
    expected = input_count(field_of(request, "input"))
    if expected is not None and len(items) != expected:
        findings.append(violation(EMBEDDINGS_COUNT, method,
                                  f"{len(items)} vectors for {expected} inputs", path=("data",), value=items))
    indexes = [field_of(item, "index") for item in items]
    for position, index in enumerate(indexes):
        if index != position:
            findings.append(violation(EMBEDDINGS_INDEX, method,
                                      f"item {position} has index {index!r}; indexes must be 0..{len(items) - 1} "
                                      f"in order (got {indexes[:10]}{' ...' if len(indexes) > 10 else ''})",
                                      path=("data", position, "index"), value=index))
            break
    encoding = field_of(request, "encoding_format") or "float"
    dimensions = field_of(request, "dimensions")
    lengths: dict[int, int] = {}
    # each per-vector check is reported once, at its first offending vector, with a count:
    # a provider that ignores `dimensions` gets one finding, not one per input
    first: dict[str, tuple[Finding, int]] = {}

    def note(check_id: str, detail: str, path: tuple[Any, ...], value: Any) -> None:
        if check_id in first:
            first[check_id] = (first[check_id][0], first[check_id][1] + 1)
        else:
            first[check_id] = (violation(check_id, method, detail, path=path, value=value), 1)

    for position, item in enumerate(items):
        path = ("data", position, "embedding")
        raw = field_of(item, "embedding")
        vector, problem = _decode(raw, encoding)
        if vector is None:
            note(EMBEDDINGS_ENCODING, problem or "", path, raw)
            continue
        lengths.setdefault(len(vector), position)
        if dimensions is not None and len(vector) != dimensions:
            note(EMBEDDINGS_DIMENSIONS, f"{len(vector)} dimensions; the request asked for {dimensions}",
                 path, len(vector))
        if not all(map(math.isfinite, vector)):
            bad = next(i for i, x in enumerate(vector) if not math.isfinite(x))
            note(EMBEDDINGS_FINITE, f"value {bad} is {vector[bad]!r}", (*path, bad), vector[bad])
    for found, count in first.values():
        if count > 1:
            found = Finding(check=found.check, level=found.level, erratum=found.erratum,
                            message=f"{found.message} [{count} of {len(items)} vectors]")
        findings.append(found)
    findings.extend(_usage_findings(field_of(response, "usage"), method))
    if len(lengths) > 1:
        shown = ", ".join(f"{n} (first at item {p})" for n, p in sorted(lengths.items(), key=lambda kv: kv[1]))
        findings.append(violation(EMBEDDINGS_SAME_LENGTH, method, f"vectors of different lengths: {shown}",
                                  path=("data",)))
    return findings


def _usage_findings(usage: Any, method: str) -> list[Finding]:
    """Token counts are counts: not negative, and the total covers the prompt (SHOULD).

    ``inline::sentence-transformers`` sends -1 for "not counted"; the contract has no such
    sentinel (``int``, no bound), so a client summing usage is misled: a warning, not a failure.
    """
    prompt, total = field_of(usage, "prompt_tokens"), field_of(usage, "total_tokens")
    if not isinstance(prompt, int) or not isinstance(total, int):
        return []
    if prompt < 0 or total < 0:
        return [violation(EMBEDDINGS_USAGE, method, f"usage counts are negative (prompt_tokens {prompt}, "
                          f"total_tokens {total}); report 0 or the real count", path=("usage",), value=usage)]
    if total < prompt:
        return [violation(EMBEDDINGS_USAGE, method, f"total_tokens {total} < prompt_tokens {prompt}",
                          path=("usage",), value=usage)]
    return []

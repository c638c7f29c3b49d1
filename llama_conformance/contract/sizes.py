"""Which request fields size the work a call asks for, and when a size is absurd.

A request model says ``n: int | None = Field(ge=1)`` and nothing more; the packages declare no
"size" marker, so size fields are found by name (``n``, ``max_tokens``, ``dimensions``, ``limit``,
``top_k`` ...), and the fields that carry inputs by theirs (``input``, ``messages``, ``prompt`` ...).
These names mean the same in every API (OpenAI's included) and in both API packages.

Two judges use them: the behavioural ``call.resource-bound`` check (``behaviour.resource_bound``)
grows one absurd request per field, and the HTTP fuzzer (``fuzz.checks``) asks whether a body it
sent was absurd (``absurd_in_body``) before it blames an answer on the size.
"""

from __future__ import annotations

import json
import re
from typing import Any

HUGE_INT = 2**31 - 1  # the largest int32: accepted by every schema without an upper bound
HUGE_ARRAY = 100_000  # 50x OpenAI's embeddings batch limit (2,048)
HUGE_STRING = 8_000_000  # 8 MB of text: far beyond any context window the kit serves

# Integer fields that size the work or the answer.
_SIZE_NAME = re.compile(
    r"^(n|k|limit|top_k|top_n|dimensions|best_of|logprobs|top_logprobs|max_[a-z_]+|[a-z_]*_size[a-z_]*"
    r"|[a-z_]*_tokens|num_[a-z_]+|[a-z_]+_count)$")
# Fields that carry the inputs a provider processes: arrays and strings of them.
INPUT_NAMES = ("input", "messages", "prompt", "items", "query", "documents", "content", "texts")

# What the fuzzer's requests must exceed to count as absurd (schemathesis draws ints up to
# 2**63 for an unbounded ``n``; 171,882 choices already took an echo provider minutes).
FUZZ_INT = 100_000
FUZZ_ARRAY = 10_000
FUZZ_STRING = 1_000_000
# What an absurd size is brought down to when the fuzzer asks whether the size caused an answer: small
# enough for any provider, and not below the minimums the packages declare (``max_output_tokens`` >= 16).
MODEST = 16


def is_size_name(name: str) -> bool:
    return bool(_SIZE_NAME.match(name))


def show(value: Any, limit: int = 60) -> str:
    """A value as a finding shows it: huge strings and arrays by their size, not their text."""
    if isinstance(value, str) and len(value) > limit:
        return f"<a string of {len(value):,} characters {value[:12]!r}...>"
    if isinstance(value, list) and len(value) > 5:
        return f"<an array of {len(value):,} items, the first {show(value[0], limit)}>"
    if isinstance(value, list):
        return "[" + ", ".join(show(item, limit) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {show(v, limit)}" for k, v in value.items()) + "}"
    return json.dumps(value, default=str)


def _absurd_int(key: Any, value: Any) -> bool:
    """A size-named integer field of a fuzzed request at ``FUZZ_INT`` or more."""
    return isinstance(value, int) and not isinstance(value, bool) and is_size_name(str(key)) and value >= FUZZ_INT


def absurd_in_body(body: Any, path: str = "") -> list[str]:
    """Where a JSON request (body or query) the fuzzer sent carries an absurd size, as ``path=value`` shown.

    A size-named integer of ``FUZZ_INT`` or more, an array above ``FUZZ_ARRAY`` items, a string
    above ``FUZZ_STRING`` characters, at any depth. Empty: nothing absurd, the answer is the
    other fuzz checks' business.
    """
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            where = f"{path}.{key}" if path else str(key)
            if _absurd_int(key, value):
                found.append(f"{where}={value}")
            else:
                found += absurd_in_body(value, where)
    elif isinstance(body, list):
        if len(body) > FUZZ_ARRAY:
            found.append(f"{path}={show(body)}")
        else:
            for index, item in enumerate(body):
                found += absurd_in_body(item, f"{path}[{index}]")
    elif isinstance(body, str) and len(body) > FUZZ_STRING:
        found.append(f"{path}={show(body)}")
    return found


def within_bounds(body: Any) -> Any:
    """A copy of a fuzzed JSON request with every size ``absurd_in_body`` names brought down to ``MODEST``.

    Sent again after a 5xx, it tells whether the size caused the error: a server that fails the same
    request with modest sizes fails it for another reason, and ``call.resource-bound`` would name the
    wrong field and ask its maintainer for the wrong fix.
    """
    if isinstance(body, dict):
        return {key: MODEST if _absurd_int(key, value) else within_bounds(value) for key, value in body.items()}
    if isinstance(body, list):
        kept = body[:MODEST] if len(body) > FUZZ_ARRAY else body
        return [within_bounds(item) for item in kept]
    if isinstance(body, str) and len(body) > FUZZ_STRING:
        return body[:MODEST]
    return body

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
import math
import re
from collections.abc import Callable
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
# What an absurd size is brought down to when the fuzzer asks whether the size caused an answer: small enough
# for any provider (``within_bounds`` raises it to a field's schema minimum where that is more).
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


def within_bounds(body: Any, schema: Any = None, resolve: Callable[[Any], Any] = lambda node: node) -> Any:
    """A copy of a fuzzed JSON request with every size ``absurd_in_body`` names brought down to ``MODEST``, or to
    the least the request's JSON ``schema`` allows there when that is more (``minimum``, ``minItems``,
    ``minLength``; ogx's ``budget_tokens`` starts at 1,024). ``resolve`` follows a schema's ``$ref``.

    Sent again after a 5xx, it tells whether the size caused the error: a server that fails the same
    request with modest sizes fails it for another reason, and ``call.resource-bound`` would name the
    wrong field and ask its maintainer for the wrong fix.
    """
    node = _resolved(schema, resolve)
    if isinstance(body, dict):
        return {key: _modest_int(_property(node, key, resolve), resolve) if _absurd_int(key, value)
                else within_bounds(value, _property(node, key, resolve), resolve) for key, value in body.items()}
    if isinstance(body, list):
        kept = body[:max(MODEST, _least(node, "minItems", resolve))] if len(body) > FUZZ_ARRAY else body
        return [within_bounds(item, node.get("items"), resolve) for item in kept]
    if isinstance(body, str) and len(body) > FUZZ_STRING:
        return body[:max(MODEST, _least(node, "minLength", resolve))]
    return body


def _resolved(schema: Any, resolve: Callable[[Any], Any]) -> dict[str, Any]:
    for _depth in range(16):  # a $ref to a $ref ...; a cycle ends here, as an unknown schema
        if not isinstance(schema, dict) or "$ref" not in schema:
            break
        schema = resolve(schema)
    return schema if isinstance(schema, dict) and "$ref" not in schema else {}


def _branches(schema: dict[str, Any], resolve: Callable[[Any], Any], depth: int = 4) -> list[dict[str, Any]]:
    """The schema and the branches of its ``anyOf`` / ``oneOf`` / ``allOf``, resolved, nested ones too (the
    packages' optional unions are ``anyOf: [oneOf: [...], null]``)."""
    found = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, ()) if depth else ():
            found += _branches(_resolved(branch, resolve), resolve, depth - 1)
    return found


def _property(schema: dict[str, Any], key: Any, resolve: Callable[[Any], Any]) -> dict[str, Any]:
    for branch in _branches(schema, resolve):
        found = (branch.get("properties") or {}).get(key)
        if found is not None:
            return _resolved(found, resolve)
    return {}


def _modest_int(schema: dict[str, Any], resolve: Callable[[Any], Any]) -> int:
    """``MODEST``, raised to the field's least allowed integer and kept at or under its greatest."""
    value = max(MODEST, _least(schema, "minimum", resolve))
    ceilings = [_integer_bound(branch, upper=True) for branch in _branches(schema, resolve)]
    ceiling = max((bound for bound in ceilings if bound is not None), default=None)
    return value if ceiling is None or ceiling >= value else ceiling


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integer_bound(schema: dict[str, Any], *, upper: bool) -> int | None:
    """The greatest (``upper``) or least integer the ``maximum`` / ``minimum`` (or exclusive forms) allow."""
    inclusive: Any = schema.get("maximum" if upper else "minimum")
    exclusive: Any = schema.get("exclusiveMaximum" if upper else "exclusiveMinimum")
    if _numeric(inclusive):
        return math.floor(inclusive) if upper else math.ceil(inclusive)
    if _numeric(exclusive):
        return math.ceil(exclusive) - 1 if upper else math.floor(exclusive) + 1
    return None


def _least(schema: dict[str, Any], keyword: str, resolve: Callable[[Any], Any]) -> int:
    """The least integer (``minimum``) or size (``minItems``, ``minLength``) the schema or any branch allows; else 0."""
    floors = [_integer_bound(branch, upper=False) if keyword == "minimum" else
              (branch.get(keyword) if _numeric(branch.get(keyword)) else None) for branch in _branches(schema, resolve)]
    return min((int(floor) for floor in floors if floor is not None), default=0)

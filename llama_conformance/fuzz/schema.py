"""Turn a repaired document into a configured schemathesis schema (4.32 Python API).

``schemathesis.openapi.from_dict`` loads the document with an explicit, empty
``schemathesis.Config()`` - never ``Config.discover()``, so a ``schemathesis.toml`` lying in
the user's working directory cannot change what the kit sends or where. The target is
either a real server (``base_url``: requests go through ``fuzz.guard.GuardedSession``) or
an ASGI app reached in-process (``app``: the kit's fast path, ``schema.app``, wrapped by
``fuzz.asgi.served_like`` so a provider's exception is an answer, not a crash of the run).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from llama_conformance.fuzz.asgi import served_like
from llama_conformance.openapi.repair import RepairedSpec
from llama_conformance.transport.limits import DEFAULT_LIMITS, Limits

ASGI_BASE_URL = "http://localhost"
DEFAULT_MODES = ("positive", "negative")


def load_schema(
    repaired: RepairedSpec | Mapping[str, Any],
    *,
    base_url: str | None = None,
    app: Any = None,
    headers: Mapping[str, str] | None = None,
    max_examples: int = 10,
    seed: int | None = None,
    modes: Iterable[str] = DEFAULT_MODES,
    request_timeout_s: float = 30.0,
    limits: Limits = DEFAULT_LIMITS,
) -> Any:
    """A schemathesis ``OpenApiSchema`` for one target; exactly one of ``base_url`` / ``app``.

    ``max_examples`` is per operation and per generation mode; ``seed`` makes generation
    reproducible (it is also what ``run_operation`` uses unless given another). ``headers``
    go with every request (credentials: they are redacted from every report). ``limits``
    bound what is read of each answer (in-process here; a server's through ``GuardedSession``);
    schemathesis' own event cap is set to the kit's, so a long legitimate stream is read whole.
    """
    if (base_url is None) == (app is None):
        raise ValueError("load_schema needs exactly one target: base_url (a server) or app (an ASGI app)")
    document = repaired.spec if isinstance(repaired, RepairedSpec) else repaired
    # from_dict normalises keys in place; the caller's document stays untouched.
    schema = schemathesis.openapi.from_dict(copy.deepcopy(dict(document)), config=schemathesis.Config())
    if app is not None:
        # an escaping exception becomes the answer a server would give; answers are cut at the limits
        schema.app = served_like(app, limits, limits.stream_time_s(request_timeout_s))
    schema.config.update(
        base_url=(base_url or ASGI_BASE_URL).rstrip("/"),
        headers=dict(headers or {}),
        max_redirects=0,
        request_timeout=request_timeout_s,
    )
    # Schemathesis' own cap (20 events) would cut long legitimate streams silently: the kit's
    # bound (fuzz.bounded) cuts first, and names what it cut.
    schema.config.max_stream_events = limits.stream_events + 1
    schema.config.generation.update(
        max_examples=max_examples,
        modes=[GenerationMode(mode) for mode in modes],
        no_shrink=True,  # shrinking re-sends requests; a failing case is reported as found
        database="none",
    )
    # Reports redact credentials themselves (fuzz.outcome.redact_curl); schemathesis' sanitizer
    # would also rewrite body fields such as `max_tokens` and break the reproducing curl.
    schema.config.output.sanitization.enabled = False
    if seed is not None:
        schema.config.seed = seed
    return schema


def operation_labels(schema: Any) -> list[str]:
    """``["GET /v1/files", "POST /v1/chat/completions", ...]``: the operations schemathesis can run."""
    return [result.ok().label for result in schema.get_all_operations() if isinstance(result, Ok)]


def schema_errors(schema: Any) -> list[str]:
    """One line per operation schemathesis cannot build (a raw server document has one per operation)."""
    errors = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            error = result.err()
            where = f"{getattr(error, 'method', '') or ''} {getattr(error, 'path', '') or ''}".strip()
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            errors.append(f"{where or 'document'}: {first_line}")
    return errors

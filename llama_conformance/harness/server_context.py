"""What a server sets up around every request that a provider may read, supplied in-process.

llama-stack 0.2's server starts a tracing trace for every request (its TracingMiddleware,
``llama_stack/distribution/server/server.py:317``, and telemetry set up whether or not the run
config has it, ``:496-499``), so inside a call ``tracing.get_current_span()`` always returns a
span. Provider code relies on that: 0.2.14's meta-reference agent assigns ``turn_id`` only
inside ``if span:`` (``agent_instance.py:178-189``) and fails with UnboundLocalError without
one. Judged in-process the kit is the server, so it gives calls a span that records nothing; a
crash for want of it would be the kit's, not the provider's. Later generations moved tracing
out of the request path, and need nothing here.
"""

from __future__ import annotations

import importlib
from typing import Any

from llama_conformance.contract.generation import LLAMA_STACK
from llama_conformance.contract.packages import ApiPackage

# The module whose ``get_current_span`` 0.2 providers call (``tracing.get_current_span()``).
_PRESPLIT_TRACING = "llama_stack.providers.utils.telemetry.tracing"


class _SilentSpan:
    """A span as provider code uses it: attributes set on it, nothing read back, nothing exported."""

    def set_attribute(self, key: str, value: Any) -> None:
        return None


def open_request_context(package: ApiPackage) -> None:
    """Install what ``package``'s server gives every request, once per process."""
    if package.distribution != LLAMA_STACK:
        return
    try:
        tracing = importlib.import_module(_PRESPLIT_TRACING)
    except ImportError:
        return
    current = getattr(tracing, "get_current_span", None)
    if current is None or getattr(current, "_kit_server_span", False):
        return

    def get_current_span() -> Any:
        return current() or _SilentSpan()

    get_current_span._kit_server_span = True  # type: ignore[attr-defined]
    setattr(tracing, "get_current_span", get_current_span)  # noqa: B010 - the module is the server's, typed for none

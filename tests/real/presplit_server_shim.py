"""What a llama-stack 0.2.14 server gives its agents provider that the kit's harness does not yet (a pytest
plugin, ``-p presplit_server_shim``, for tests/real/test_generation_proofs.py only).

``inline::meta-reference`` agents of 0.2.14 depends on ``vector_dbs`` (the routing table that became
``vector_stores``) and a ``vector_io`` provider, and reads the request's tracing span. The kit has no
``vector_dbs`` stand-in, its reference vector_io names the later ``VectorStoresProtocolPrivate``
(0.2.14: ``VectorDBsProtocolPrivate``), and it opens no span. The server does all three:
registry/agents.py:35 lists ``Api.vector_dbs``; server/server.py:496-499 sets up telemetry whether or not
the run config has it, and its TracingMiddleware (server.py:317) starts a trace per request, so
agent_instance.py:178-189, which assigns ``turn_id`` only inside ``if span:``, always has one there. This
plugin supplies the same, so what the suites then find is the provider's. The agent / session / turn
suites call neither dependency's members. These belong in the harness (``harness/dependencies.py``,
``fixtures/reference/__init__.py``); until then, this shim is what the real run rests on.
"""

from __future__ import annotations

from typing import Any


class _Span:
    """The current span as agent code uses it: attributes set on it, nothing read back."""

    def set_attribute(self, key: str, value: Any) -> None:
        return None


def _serve_as_the_server() -> None:
    """Applied when pytest loads the plugin (``-p``), before the kit resolves dependencies at configure time."""
    from llama_stack.providers.utils.telemetry import tracing

    from llama_conformance_fixtures import _api, reference

    reference.REFERENCE_PROVIDERS.setdefault("vector_dbs", reference.REFERENCE_PROVIDERS["vector_stores"])
    _api._OLDER_NAMES.setdefault("VectorStoresProtocolPrivate", "VectorDBsProtocolPrivate")
    tracing.get_current_span = lambda: _Span()


_serve_as_the_server()

"""What the provider raised behind its in-process routes, kept as the evidence an in-process call would leave.

In-process, a call's exception reaches the kit, which records what a verdict cannot rest on (a
package the provider's spec declares but this environment lacks, a backend it could not reach:
``ProviderEvidence.record_error``). With ``--llama-over-http`` the same provider sits behind its
package's routers, and what reaches the kit is the 500 the server makes of that exception: the
cause is gone, and an install the server's build would have done became a finding. This
middleware sits around the in-process app and hands each exception the app raises to the
provider's evidence log before the server's handler answers, so the behavioural and fuzz suites
see over HTTP what they see in-process.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.evidence import EvidenceLog


class ProviderErrorWitness:
    """ASGI middleware: record every exception of a request in ``evidence``, then let it propagate.

    Starlette answers an ``Exception`` handler's errors in its outermost middleware, so an exception
    the provider raises passes through this one on its way there, unchanged.
    """

    def __init__(self, app: Any, evidence: EvidenceLog) -> None:
        self.app = app
        self.evidence = evidence

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            # Named by the route: the fuzz suite's requests are no member call of the kit's.
            self.evidence.record_error(f"{scope.get('method', '?')} {scope.get('path', '?')}", exc)
            raise

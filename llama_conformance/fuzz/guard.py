"""Keep the fuzzer on its target: one origin, no redirects, a bounded number of requests.

Schemathesis sends its HTTP requests through a ``requests.Session``; the driver hands it a
``GuardedSession``, so the rules hold for every request it makes, including any a check
re-sends. A request for another scheme, host or port is refused before a socket is opened
(``OffTargetRequest``), redirects are never followed (the 3xx is the answer under test), and
past the budget every request fails with ``RequestBudgetExhausted``. The in-process ASGI
path cannot leave the process, but shares the same ``RequestBudget`` so a run is bounded
the same way. Every answer is read against the kit's limits (``fuzz.bounded``): a body or
stream past them is cut and marked, never read whole.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from llama_conformance.fuzz.bounded import bound_response
from llama_conformance.transport.client import OffTargetRequest, RequestBudgetExhausted, origin_of
from llama_conformance.transport.limits import DEFAULT_LIMITS, Limits

DEFAULT_FUZZ_REQUESTS = 5_000


class RequestBudget:
    """A thread-safe count of requests against a maximum, shared by everything one run sends."""

    def __init__(self, max_requests: int = DEFAULT_FUZZ_REQUESTS) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        self.max_requests = max_requests
        self.sent = 0
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int:
        return max(self.max_requests - self.sent, 0)

    def take(self) -> None:
        """Count one request, or refuse it once the budget is spent."""
        with self._lock:
            if self.sent >= self.max_requests:
                raise RequestBudgetExhausted(
                    f"the fuzzing request budget ({self.max_requests}) is spent; no more requests are sent"
                )
            self.sent += 1


class GuardedSession(requests.Session):
    """A ``requests.Session`` that only reaches ``base_url``'s origin and never follows a redirect."""

    def __init__(self, base_url: str, budget: RequestBudget | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__()
        self.base_url = base_url
        self.limits = limits
        self.origin = origin_of(base_url)
        self.budget = budget or RequestBudget()
        self.trust_env = False  # no proxy or netrc from the environment: requests go where they say
        self.refused: list[str] = []

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        # `allow_redirects=False`, not `max_redirects = 0`: requests raises TooManyRedirects on any 3xx
        # when max_redirects is 0, even when it does not follow it, and the 3xx is the answer to judge.
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = str(request.url)
        if origin_of(url) != self.origin:
            self.refused.append(url)
            scheme, host, port = origin_of(url)
            raise OffTargetRequest(
                f"refused a request to {scheme}://{host}:{port}: the fuzzer only talks to {self.base_url}"
            )
        self.budget.take()
        kwargs["allow_redirects"] = False
        preload = not kwargs.get("stream", False)
        kwargs["stream"] = True  # the body is read here, bounded, never by requests in one go
        response = bound_response(super().send(request, **kwargs), self.limits, self._stream_time_s(kwargs))
        if preload:
            response.content  # noqa: B018  (what requests would have done, within the bounds)
        return response

    def _stream_time_s(self, kwargs: dict[str, Any]) -> float | None:
        """How long an answer may keep sending: a share of the request's (read) timeout."""
        timeout = kwargs.get("timeout")
        if isinstance(timeout, tuple):
            timeout = timeout[1]
        return self.limits.stream_time_s(float(timeout)) if isinstance(timeout, int | float) else None

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        # Redirects are never followed, so credentials are never carried to another host.
        return None

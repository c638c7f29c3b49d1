"""``Target``: what a run checks, whichever way it is reached.

Three kinds, one interface: the provider built in-process (``provider.ProviderTarget``), the
same provider behind its package's routers reached through ASGI, and a deployment behind a URL
(both ``http.RemoteTarget``). Each says which APIs it serves and which operations they publish,
hands a behavioural test ``put_for(api)`` (what the ``Kit`` calls: the provider, or its HTTP
stand-in), and is closed once at the end of the run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from llama_conformance.harness.build import ProviderUnderTest


class Target(ABC):
    """One thing under test: its APIs, their operations, what a test of an API calls, and its end."""

    apis: list[str]  # the APIs this target serves (what the run checks)

    @abstractmethod
    def operations(self) -> list[str]:
        """``METHOD /path`` of every operation the target serves, creators first (the fuzz suite's items)."""

    @abstractmethod
    def put_for(self, api: str | None) -> ProviderUnderTest:
        """What a behavioural test of ``api`` calls (None: the target's first API)."""

    @abstractmethod
    def close(self) -> str | None:
        """Release what the target holds; a problem to report (a provider's failing ``shutdown()``), if any."""

    @property
    def over_http(self) -> bool:
        """Calls travel as HTTP requests (to a deployment, or to the routers in-process)."""
        return False

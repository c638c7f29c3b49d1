"""The provider built in-process: the kit calls its object directly (the default mode)."""

from __future__ import annotations

from dataclasses import dataclass, field

from llama_conformance.harness import ProviderUnderTest, construct_provider
from llama_conformance.target.base import Target


@dataclass
class ProviderTarget(Target):
    """A provider discovered and prepared at configure; its factory runs on first use (``build``)."""

    put: ProviderUnderTest
    constructed: bool = False
    apis: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.apis = [self.put.entry.api]

    def operations(self) -> list[str]:
        """The routes its package's routers give it, known before anything is built."""
        from llama_conformance.contract.routes import RouterPlaceholder
        from llama_conformance.openapi.sse import creators_first, iter_operations, operation_key
        from llama_conformance.transport.asgi import app_for

        # Routers only store the impl; a placeholder with every member keeps the routes a
        # provider can serve and drops the ones that call no member (server features).
        spec = app_for({self.put.entry.api: RouterPlaceholder()}, self.put.contract).openapi()
        return creators_first([operation_key(method, path) for method, path, _ in iter_operations(spec)])

    def build(self) -> ProviderUnderTest:
        """Run the factory once (``KitUsageError``: the environment lacks something; a provider
        failure is kept in ``build_error``)."""
        if not self.constructed:
            self.constructed = True
            construct_provider(self.put)
        return self.put

    def put_for(self, api: str | None) -> ProviderUnderTest:
        return self.build()

    def close(self) -> str | None:
        return self.put.close() if self.constructed else None

"""Build providers the way the server does: config, storage, dependencies, factory."""

from llama_conformance.harness.build import (
    BuildOptions,
    ProviderUnderTest,
    build_provider,
    construct_provider,
    prepare_provider,
)

__all__ = [
    "BuildOptions",
    "ProviderUnderTest",
    "build_provider",
    "construct_provider",
    "prepare_provider",
]

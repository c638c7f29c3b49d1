"""A module missing at build time is matched to the spec's pip_packages by distribution name."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from llama_conformance.discovery import ProviderEntry
from llama_conformance.harness.build import declared_package


def _entry(*pip_packages: str) -> ProviderEntry:
    return ProviderEntry(
        provider_type="remote::x", api="inference", module="x", config_class="x.C",
        raw_spec=SimpleNamespace(pip_packages=list(pip_packages)),
    )


@pytest.mark.parametrize(
    ("module", "requirement"),
    [
        ("databricks", "databricks-sdk"),
        ("faiss", "faiss-cpu>=1.8"),
        ("weaviate.classes", "weaviate-client>=4.23.1"),
        ("together", "together>=2.34.0"),
        ("sqlite_vec", "sqlite-vec"),
    ],
)
def test_declared_distribution_is_found(module: str, requirement: str) -> None:
    assert declared_package(_entry("chardet", requirement), module) == requirement


@pytest.mark.parametrize("module", ["aiohttp", "data", None])
def test_undeclared_module_is_not_matched(module: str | None) -> None:
    assert declared_package(_entry("databricks-sdk", "httpx2"), module) is None

"""A package the spec declares but the environment lacks: matched to ``pip_packages`` by distribution name, and
the environment's problem (inconclusive) in-process, over HTTP and in the fuzz suite alike."""

from __future__ import annotations

import json
from pathlib import Path
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


# ----------------------------------------------------------------------------- behind the in-process routes

def test_the_witness_records_what_the_provider_raised_behind_its_routes() -> None:
    """An exception the app raises is the provider's evidence (named by its route), then goes on to the handler."""
    import asyncio

    from llama_conformance.harness.build import ProviderEvidence
    from llama_conformance.harness.witness import ProviderErrorWitness

    async def app(scope: dict, receive: object, send: object) -> None:
        raise ModuleNotFoundError("No module named 'faiss'", name="faiss")

    log = ProviderEvidence(entry=_entry("faiss-cpu>=1.8"))
    witness = ProviderErrorWitness(app, log)
    with pytest.raises(ModuleNotFoundError):
        asyncio.run(witness({"type": "http", "method": "POST", "path": "/v1/vector_stores"}, None, None))
    cause = log.inconclusive_cause(0, ["vector_io.store.create"])
    assert cause is not None and cause.startswith("POST /v1/vector_stores: the provider imports 'faiss'")
    assert "`pip install 'faiss-cpu>=1.8'`" in cause


@pytest.mark.slow
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_a_declared_package_missing_over_http_is_inconclusive(
    pytester: pytest.Pytester, tmp_path: Path, declared: bool
) -> None:
    """--llama-over-http, behavioural and fuzz suites: the 500 the routes make of a declared package's
    ModuleNotFoundError is the environment's, as the same call in-process is (tests/test_inconclusive.py);
    an undeclared one stays the provider's packaging defect."""
    from test_inconclusive import LAZY_IMPORT_PROVIDER

    pytester.makepyfile(lazy_import_files=LAZY_IMPORT_PROVIDER)
    provider = f"inline::lazy-{'declared' if declared else 'undeclared'}"
    result = pytester.runpytest_subprocess(f"--llama-provider={provider}", "--llama-provider-module=lazy_import_files",
                                           "--llama-over-http", "-p", "no:asyncio", "-rA", "-k", "upload or operation",
                                           "--hypothesis-seed=1", f"--llama-report={tmp_path / 'report'}")
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    output = result.stdout.str()
    if declared:
        assert result.parseoutcomes().get("failed", 0) == 0, output
        result.stdout.fnmatch_lines([
            "test_upload_retrieve_content: [[]files.upload[]] POST /v1/files: the provider imports "
            "'llama_conformance_missing_dependency', from the package its spec's pip_packages declares*",
            "test_operation[[]POST /v1/files[]]: [[]fuzz.not-a-server-error[]] POST /v1/files: the provider imports*"
            "(`pip install 'llama-conformance-missing-dependency>=1.0'`)*"])
        assert statuses["files.upload"] == "inconclusive" and report["verdict"] == "Inconclusive", statuses
    else:
        assert result.parseoutcomes()["failed"] >= 2, output  # the upload check and the fuzzed POST /v1/files
        assert statuses["files.upload"] == "failed" and report["verdict"] == "Not conformant", statuses
        assert "pip_packages declares" not in output

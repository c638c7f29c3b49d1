"""Real remote adapters whose backend is down: *inconclusive*, never a contract failure.

The built-in remote vector_io adapters of both servers (chromadb, qdrant, pgvector, weaviate,
milvus, elasticsearch) and ogx's remote inference adapters, as they ship, pointed at a closed
loopback port. Every suite runs. Each test states the whole verdict: which checks the kit could
not judge (with the cause it names) and the real defects it still finds where the provider
fails before it ever reaches its backend, each with the line of their source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kitrun import config, has_module, needs_llama_stack, needs_ogx

pytestmark = [pytest.mark.slow]

PERSISTENCE = "persistence: {namespace: 'vector_io::kit', backend: kv_default}\n"
# adapter -> (client module it needs, config with the closed port as {port})
VECTOR_IO: dict[str, tuple[str, str]] = {
    "chromadb": ("chromadb", "url: http://127.0.0.1:{port}\n"),
    "qdrant": ("qdrant_client", "url: http://127.0.0.1:{port}\n"),
    "pgvector": ("asyncpg", "host: 127.0.0.1\nport: {port}\ndb: postgres\nuser: postgres\npassword: kit-secret\n"),
    # a cluster URL without "localhost" makes both adapters build a cloud client with api_key None
    # (ogx weaviate.py:337-351, llama-stack :303-315): a TypeError before any connection
    "weaviate": ("weaviate", "weaviate_cluster_url: localhost:{port}\n"),
    "milvus": ("pymilvus", "uri: http://127.0.0.1:{port}\ntoken: null\n"),
    "elasticsearch": ("elasticsearch", "elasticsearch_url: http://127.0.0.1:{port}\n"),
}

# A real defect found with the backend down, because it lies in the store's metadata, which the
# adapter keeps in the server's KV store before it ever reaches its backend: llama-stack 0.7.3's
# sqlite KV store ignores the namespace (providers/utils/kvstore/sqlite/sqlite.py:25, one table for
# every namespace), so two instances on one backend see each other's stores.
LS_KV_DEFECTS = {"vector_io.isolation.backend"}


def _report(path: Path) -> dict[str, Any]:
    return json.loads((path / "report.json").read_text())


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    return {check["id"]: check["status"] for check in report["checks"]}


def assert_unreachable_is_inconclusive(run: Any, report_dir: Path, port: int, real_defects: set[str]) -> None:
    """Every check the dead backend touched is inconclusive with the port named; what failed is
    exactly ``real_defects``; the verdict says which."""
    report = _report(report_dir)
    statuses = _statuses(report)
    failed = {check for check, status in statuses.items() if status == "failed"}
    assert failed == real_defects, (failed, run.result.stdout.str()[-6000:])
    assert "inconclusive" in statuses.values(), run.result.stdout.str()[-6000:]
    causes = [entry["cause"] for entry in report["inconclusive"]]
    assert causes and all("could not be reached" in cause for cause in causes), causes
    # the address is named (the port itself may be redacted: the config took it from the environment)
    assert any(f"127.0.0.1:{port}" in cause or "127.0.0.1:***" in cause or f"localhost:{port}" in cause
               for cause in causes), causes
    assert report["verdict"] == ("Not conformant" if real_defects else "Inconclusive")
    assert run.result.ret == 1


def _run_vector_io(run_real_provider: Any, tmp_path: Path, adapter: str, port: int) -> tuple[Any, Path]:
    module, text = VECTOR_IO[adapter]
    if not has_module(module):
        pytest.skip(f"remote::{adapter} needs {module}")
    path = tmp_path / f"{adapter}.yaml"
    path.write_text(text.format(port=port) + PERSISTENCE)
    report = tmp_path / "report"
    run = run_real_provider(f"remote::{adapter}", "--llama-api=vector_io", f"--llama-provider-config={path}",
                            "--hypothesis-seed=1", "--llama-timeout=15", f"--llama-report={report}")
    return run, report


@needs_ogx
@pytest.mark.parametrize("adapter", sorted(VECTOR_IO))
def test_ogx_vector_io_backend_down(run_real_provider, tiktoken_cache: Path, closed_port: int, tmp_path: Path,
                                    adapter: str) -> None:
    """ogx 1.5: chromadb, pgvector, weaviate, milvus and elasticsearch fail to build (they connect
    in initialize()): lifecycle.build is inconclusive; qdrant builds and the store calls are."""
    run, report = _run_vector_io(run_real_provider, tmp_path, adapter, closed_port)
    assert_unreachable_is_inconclusive(run, report, closed_port, set())


@needs_llama_stack
@pytest.mark.parametrize(("adapter", "defects"), [
    ("chromadb", set()),
    ("pgvector", set()),
    ("weaviate", set()),
    ("milvus", set()),
    # these two build without a connection and get as far as the KV store
    ("qdrant", LS_KV_DEFECTS),
    ("elasticsearch", LS_KV_DEFECTS),
])
def test_llama_stack_vector_io_backend_down(run_real_provider, tiktoken_cache: Path, closed_port: int,
                                            tmp_path: Path, adapter: str, defects: set[str]) -> None:
    run, report = _run_vector_io(run_real_provider, tmp_path, adapter, closed_port)
    assert_unreachable_is_inconclusive(run, report, closed_port, defects)


@needs_ogx
@pytest.mark.parametrize(("adapter", "config_file"), [
    ("openai", "ogx-inference-openai.yaml"),
    ("vllm", "ogx-inference-vllm.yaml"),
    ("ollama", "ogx-inference-ollama.yaml"),
])
def test_ogx_inference_backend_down(run_real_provider, closed_port: int, tmp_path: Path, adapter: str,
                                    config_file: str) -> None:
    """Every suite runs: the structure is judged (it needs no server), list_models and every call
    are inconclusive, and no check fails."""
    report = tmp_path / "report"
    run = run_real_provider(f"remote::{adapter}", "--llama-api=inference", config(config_file),
                            "--hypothesis-seed=1", f"--llama-report={report}")
    assert_unreachable_is_inconclusive(run, report, closed_port, set())
    assert _statuses(_report(report))["lifecycle.build"] == "passed"

"""Dependencies and stores are handed over exactly as each server generation's resolver does.

Read off ogx 1.5 and llama-stack 0.7.3 ``core/resolver.py`` and ``routing_tables/common.py``:

* ``deps`` holds exactly the APIs the spec declares (required ones, and optional ones the
  server has). A routing table (``shields`` ...) exists whenever its router API (``safety``)
  is served, so a provider declaring both gets both, never one alone (TrustyAI's garak eval
  provider refused "Safety API is provided but Shields API is not provided" when the kit gave
  safety alone).
* After construction the routing table assigns one store per provider API: ``model_store``,
  ``vector_store_store``, ``tool_store`` (both); ``shield_store``, ``dataset_store``,
  ``scoring_function_store``, ``benchmark_store`` (llama-stack only). Neither ever assigns
  ``vector_store_table``: a provider that awaits it (llama-stack 0.7.3's elasticsearch adapter)
  gets its own typed ``ValueError``, not a ``TypeError`` from a synchronous kit table.
* ogx also sets ``__provider_deps__``.

``--llama-without-optional-deps`` builds with the required APIs only; ``--llama-stack-config``
builds the dependencies from a server run config (real providers, marked as such).

Facts about the built provider are read in a fresh process (a probe script, or a conftest
that dumps the session's provider), so no API package is imported here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests_support import requires

# The servers' offline run configs the repository ships (fixtures/configs/servers), not files beside the
# checkout: a fresh clone must carry everything its tests read.
SERVER_CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs" / "servers"
OGX_FILES_ONLY = SERVER_CONFIGS / "ogx-files-only.yaml"
LS_OFFLINE = SERVER_CONFIGS / "llama-stack-offline-11-apis.yaml"
SHAPES = "llama_conformance_fixtures.broken.config_shapes"

_PROBE = r'''
import asyncio, json, sys
from pathlib import Path
from llama_conformance.discovery import DiscoveryOptions, discover
from llama_conformance.harness import BuildOptions, build_provider

STORES = ("vector_store_table", "vector_store_store", "model_store", "shield_store", "dataset_store",
          "scoring_function_store", "benchmark_store", "tool_store")
results = []
for job in json.loads(sys.argv[1]):
    entry = discover(job["provider"], DiscoveryOptions(provider_module=job.get("module"), api=job.get("api")))
    put = build_provider(entry, BuildOptions(api_package=job.get("package"),
                                             optional_dependencies=job.get("optional", True)))
    impl = put.impl
    out = {"build_error": put.build_error, "deps": sorted(put.dependencies), "injected": put.injected,
           "stores": {n: type(getattr(impl, n)).__name__ for n in STORES if getattr(impl, n, None) is not None},
           "provider_deps": (sorted(str(getattr(k, "value", k)) for k in impl.__provider_deps__)
                             if hasattr(impl, "__provider_deps__") else None),
           "seen_deps": getattr(impl, "seen_deps", None), "siblings": getattr(impl, "siblings_seen", None)}
    if job.get("query_unknown"):
        request = put.contract.package.module.QueryChunksRequest(vector_store_id="vs_unknown", query="q")
        try:
            put.gate.run("query_chunks", lambda: impl.query_chunks(request))
            out["query_unknown"] = "answered"
        except Exception as exc:
            out["query_unknown"] = f"{type(exc).__name__}: {exc}"
    put.close()
    results.append(out)
print("PROBE:" + json.dumps(results))
'''


def probe(tmp_path: Path, jobs: list[dict[str, Any]], package: str | None = None) -> list[dict[str, Any]]:
    """Build each job's provider with the harness in one fresh process; what each looked like."""
    script = tmp_path / "probe.py"
    script.write_text(_PROBE)
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CONFORMANCE_API_PACKAGE"}
    if package:
        env["LLAMA_CONFORMANCE_API_PACKAGE"] = package
        jobs = [{**job, "package": package} for job in jobs]
    done = subprocess.run([sys.executable, str(script), json.dumps(jobs)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROBE:")), None)
    assert line is not None, done.stdout + done.stderr
    return list(json.loads(line[len("PROBE:"):]))


# A conftest for kit runs under pytester: writes what the session's provider was built with.
_DUMP = '''
import json
from llama_conformance.pytest_plugin.session import KIT_SESSION

def pytest_sessionfinish(session):
    kit = session.config.stash.get(KIT_SESSION, None)
    if kit is not None and kit.put.impl is not None:
        put = kit.put
        with open("kit-deps.json", "w") as out:
            json.dump({"deps": {api: type(impl).__module__ for api, impl in put.dependencies.items()},
                       "real": sorted(put.real_dependencies)}, out)
'''


@pytest.fixture
def dumped(pytester: pytest.Pytester):
    """Run the kit's structural suite; returns the result and what the provider was built with."""
    pytester.makeconftest(_DUMP)

    def run(provider: str, *extra: str) -> tuple[pytest.RunResult, dict[str, Any]]:
        result = pytester.runpytest_subprocess(f"--llama-provider={provider}", "-p", "no:asyncio",
                                               "-m", "structural", "-rA", *extra)
        dump = pytester.path / "kit-deps.json"
        return result, (json.loads(dump.read_text()) if dump.exists() else {})

    return run


# -- the kit's stand-ins, per generation ---------------------------------------------------------

def test_ogx_stores_deps_and_attributes(tmp_path: Path) -> None:
    requires("ogx_api")
    vector_io, without_optional, awaits, files = probe(tmp_path, [
        {"provider": "inline::kit-vector-io"},
        {"provider": "inline::kit-vector-io", "optional": False},
        {"provider": "inline::shape-awaits-table", "module": SHAPES, "query_unknown": True},
        {"provider": "inline::shape-plain-files", "module": SHAPES},
    ], package="ogx_api")
    assert vector_io["build_error"] is None
    assert vector_io["deps"] == ["files", "inference"]
    assert vector_io["injected"] == ["vector_store_store"]
    assert vector_io["stores"] == {"vector_store_store": "KitVectorStoresImpl"}  # no vector_store_table
    assert vector_io["provider_deps"] == ["files", "inference"]  # ogx sets __provider_deps__
    assert without_optional["deps"] == ["inference"]
    assert without_optional["provider_deps"] == ["inference"]
    assert awaits["query_unknown"] == "ValueError: Vector DB not found vs_unknown"
    assert files["siblings"] == {}  # ogx's set_sibling_providers: a non-routed provider alone in its config
    assert files["provider_deps"] == []


def test_llama_stack_stores_deps_and_attributes(tmp_path: Path) -> None:
    requires("llama_stack_api")
    jobs = [{"provider": f"inline::kit-{name}"} for name in ("vector-io", "inference", "safety", "datasetio",
                                                             "scoring", "eval", "tools")]
    jobs.append({"provider": "inline::shape-awaits-table", "module": SHAPES, "query_unknown": True})
    jobs.append({"provider": "inline::shape-plain-files", "module": SHAPES})
    results = probe(tmp_path, jobs, package="llama_stack_api")
    files = results.pop()
    jobs.pop()
    assert files["siblings"] is None  # llama-stack never calls set_sibling_providers
    stores = {job["provider"]: result["stores"] for job, result in zip(jobs, results, strict=True)}
    assert stores == {
        "inline::kit-vector-io": {"vector_store_store": "KitVectorStoresImpl"},
        "inline::kit-inference": {"model_store": "ReferenceModelStore"},
        "inline::kit-safety": {"shield_store": "ReferenceShieldStore"},
        "inline::kit-datasetio": {"dataset_store": "KitDatasetsImpl"},
        "inline::kit-scoring": {"scoring_function_store": "KitScoringFunctionsImpl"},
        "inline::kit-eval": {"benchmark_store": "KitBenchmarksImpl"},
        "inline::kit-tools": {"tool_store": "ReferenceToolStore"},
        "inline::shape-awaits-table": {"vector_store_store": "KitVectorStoresImpl"},
    }
    assert all(result["provider_deps"] is None for result in results)  # llama-stack sets no __provider_deps__
    assert results[-1]["query_unknown"] == "ValueError: Vector DB not found vs_unknown"


def test_routing_table_comes_with_its_router_and_optional_deps_can_be_left_out(tmp_path: Path) -> None:
    requires("llama_stack_api")
    both, required_only = probe(tmp_path, [
        {"provider": "inline::shape-shields-pair", "module": SHAPES},
        {"provider": "inline::shape-shields-pair", "module": SHAPES, "optional": False},
    ], package="llama_stack_api")
    assert both["build_error"] is None, both["build_error"]
    assert both["seen_deps"] == ["datasetio", "safety", "shields"]
    assert required_only["build_error"] is None
    assert required_only["seen_deps"] == ["datasetio"]


def test_without_optional_deps_option_reaches_the_build(dumped) -> None:
    result, built = dumped("inline::kit-vector-io", "--llama-without-optional-deps")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    assert sorted(built["deps"]) == ["inference"]
    assert built["real"] == []


# -- --llama-stack-config -------------------------------------------------------------------------

def test_served_apis_follow_the_servers_rules() -> None:
    """Routing tables come with their served router; non-routed providers are started anyway;
    the servers' own APIs are always there; without ``apis:`` every routed API is served."""
    import yaml

    from llama_conformance.harness.stack_config import INTERNAL_APIS, served_apis

    ls = served_apis(yaml.safe_load(LS_OFFLINE.read_text()), "llama_stack_api")
    assert {"models", "shields", "datasets", "scoring_functions", "benchmarks", "tool_groups",
            "vector_stores"} <= ls
    assert {"safety", "eval", "files", "batches"} <= ls
    ogx_files = served_apis(yaml.safe_load(OGX_FILES_ONLY.read_text()), "ogx_api")
    assert ogx_files == {"files"} | INTERNAL_APIS
    routed_unlisted = {"apis": ["files"], "providers": {"files": [{"provider_id": "f", "provider_type": "x"}],
                                                         "inference": [{"provider_id": "i", "provider_type": "y"}]}}
    assert "inference" not in served_apis(routed_unlisted, "ogx_api")  # its router is not served
    assert "models" not in served_apis(routed_unlisted, "ogx_api")
    no_apis = {"providers": {"files": [{"provider_id": "f", "provider_type": "x"}],
                             "safety": [{"provider_id": "__disabled__", "provider_type": "z"}]}}
    assert {"files", "models", "shields", "inference", "safety"} <= served_apis(no_apis, "llama_stack_api")

def test_stack_config_dependencies_are_the_configs_real_providers(
    dumped, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requires("ogx")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    result, built = dumped("inline::kit-file-processors", f"--llama-stack-config={OGX_FILES_ONLY}")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    assert built["deps"] == {"files": "ogx.providers.inline.files.localfs.files"}
    assert built["real"] == ["files"]


def test_stack_config_lists_the_provider_itself(dumped, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    requires("ogx")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    result, _ = dumped("inline::localfs", "--llama-api=files", f"--llama-stack-config={OGX_FILES_ONLY}")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    # its config is the run config's entry (the env value is redacted like every env value)
    assert ('config: {"metadata_store": {"backend": "sql_default", "table_name": "files_metadata"}, '
            '"storage_dir": "***/files"') in result.stdout.str()
    assert str(tmp_path / "state") not in result.stdout.str()
    assert (tmp_path / "state" / "files").is_dir()


def test_stack_config_missing_dependency_is_a_usage_error(dumped, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    requires("ogx")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    result, _ = dumped("inline::kit-batches", f"--llama-stack-config={OGX_FILES_ONLY}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stderr.str()
    assert "inline::kit-batches requires the inference API, which --llama-stack-config" in text
    assert "add a inference provider" in text
    assert "Traceback" not in text


def test_stack_config_unknown_type_and_missing_file_are_usage_errors(dumped, tmp_path: Path) -> None:
    requires("ogx")
    config = tmp_path / "run.yaml"
    config.write_text("version: 2\napis: [files]\nproviders:\n  files:\n"
                      "  - {provider_id: mine, provider_type: 'inline::no-such-files', config: {}}\n")
    result, _ = dumped("inline::kit-file-processors", f"--llama-stack-config={config}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stderr.str()
    assert "lists provider type 'inline::no-such-files' for files (provider_id 'mine')" in text
    assert "inline::localfs" in text  # the types the server does know
    result, _ = dumped("inline::kit-file-processors", f"--llama-stack-config={tmp_path / 'nope.yaml'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--llama-stack-config" in result.stderr.str() and "does not exist" in result.stderr.str()


def test_stack_config_with_a_deployment_url_is_refused(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--llama-stack-url=http://127.0.0.1:9",
                                           f"--llama-stack-config={OGX_FILES_ONLY}", "-p", "no:asyncio")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "nothing is built" in result.stderr.str()


def test_llama_stack_config_builds_real_safety_beside_the_shields_stand_in(
    dumped, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The llama-stack run config's first safety provider (llama-guard, itself on a real OpenAI
    adapter) and its datasetio are real; shields is the kit's stand-in, served with safety."""
    requires("llama_stack")
    monkeypatch.setenv("SQLITE_STORE_DIR", str(tmp_path / "state"))
    result, built = dumped("inline::shape-shields-pair", f"--llama-provider-module={SHAPES}",
                           "--llama-api-package=llama_stack_api", f"--llama-stack-config={LS_OFFLINE}")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    assert built["deps"] == {
        "datasetio": "llama_stack.providers.inline.datasetio.localfs.datasetio",
        "safety": "llama_stack.providers.inline.safety.llama_guard.llama_guard",
        "shields": "llama_conformance_fixtures.reference.shields",
    }
    assert built["real"] == ["datasetio", "safety"]

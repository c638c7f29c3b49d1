"""The documented matrix workflow (docs/matrix-workflow.yml), its steps run here as commands.

A batch system (GitHub Actions here) runs one ``llama-conformance matrix TARGETS.yaml --shard
I/N`` per job and a fan-in job merges the uploaded folders. This module reads the workflow file,
runs each shard job's command as the runner would (its ``${{ matrix.shard }}`` filled in), copies
each shard's ``reports`` where ``download-artifact`` would put it, and runs the merge step's
command: the verdicts come from real kit runs in real environments (the kit reference passes on
two ogx-api lines, a broken twin fails on ``call.typed-error``), so what the workflow publishes is
what a single run would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests_support import REPO

from llama_conformance.cache_folder import CACHE_ENV

pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("matrix-workflow")]

WORKFLOW = REPO / "docs" / "matrix-workflow.yml"
TARGETS = """
schema_version: matrix-targets-1
targets:
  - name: kit-files
    provider: inline::kit-files
    generations: [ogx-api==1.5.0, ogx-api==1.4.1]
    args: ["-m", "structural", "-n", "0"]
  - name: broken-unknown-key
    provider: inline::broken-files-unknown-key-error
    module: llama_conformance_fixtures.broken
    generations: [ogx-api==1.5.0]
    args: ["-k", "test_unknown_ids", "-n", "0"]
"""


def _step(job: dict[str, object], name: str) -> str:
    steps = job["steps"]
    assert isinstance(steps, list)
    return str(next(step["run"] for step in steps if step.get("name") == name))


def _run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One workflow step's command, by bash, with this environment's ``llama-conformance``."""
    tool = str(Path(sys.executable).parent / "llama-conformance")
    return subprocess.run(["bash", "-c", command.replace("llama-conformance ", f"{tool} ", 1)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def test_the_workflow_steps_shard_run_and_merge(tmp_path: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    assert shard_job["strategy"]["fail-fast"] is False and merge_job["needs"] == "shard"
    (tmp_path / "TARGETS.yaml").write_text(TARGETS)
    # compat's default env cache, pointed at the generation tests' (the same kit and packages: the same envs)
    cache = tmp_path / "xdg" / "llama-conformance"
    cache.mkdir(parents=True)
    generations = Path(os.environ.get("LLAMA_CONFORMANCE_GENERATIONS_DIR", REPO / "build" / "generations"))
    generations.mkdir(parents=True, exist_ok=True)
    (cache / "compat").symlink_to(generations)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", CACHE_ENV)}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")

    shards = shard_job["strategy"]["matrix"]["shard"]
    for shard in shards:
        done = _run(_step(shard_job, "run shard").replace("${{ matrix.shard }}", str(shard)), tmp_path, env)
        assert done.returncode == 0, done.stdout + done.stderr  # a failing cell is the merge's to judge
        reports = tmp_path / f"shard-{shard}" / "reports"
        if reports.is_dir():  # upload-artifact, then download-artifact into artifacts/<artifact name>
            shutil.copytree(reports, tmp_path / "artifacts" / f"shard-{shard}")
    merged = _run(_step(merge_job, "merge"), tmp_path, env)
    assert merged.returncode == 1, merged.stdout + merged.stderr  # the broken twin's cell fails
    matrix = json.loads((tmp_path / "matrix" / "matrix.json").read_text())
    cells = {(c["target"], c["version"]): c for c in matrix["cells"]}
    assert set(cells) == {("kit-files", "1.5.0"), ("kit-files", "1.4.1"), ("broken-unknown-key", "1.5.0")}
    assert cells[("kit-files", "1.5.0")]["outcome"] == cells[("kit-files", "1.4.1")]["outcome"] == "pass"
    broken = cells[("broken-unknown-key", "1.5.0")]
    assert broken["outcome"] == "fail" and "call.typed-error" in broken["failed_checks"], broken
    readme = (tmp_path / "matrix" / broken["report"] / "README.md").read_text()
    assert ("llama-conformance matrix TARGETS.yaml --target broken-unknown-key --generation ogx-api==1.5.0"
            in readme)


SERVICE_TARGETS = f"""
schema_version: matrix-targets-2
services:
  mcp:
    run: ["{{python}}", -m, llama_conformance_fixtures.services.mcp, --port, "{{port}}"]
    installs: ["mcp==2.3.0", "uvicorn"]
    exports: {{LLAMA_CONFORMANCE_MCP_URL: "http://127.0.0.1:{{port}}/mcp"}}
  gone:
    run: ["{{python}}", -c, "raise SystemExit('this service cannot start')", "{{port}}"]
targets:
  - name: ogx-mcp
    provider: "remote::model-context-protocol"
    apis: [tool_runtime]
    generations: [ogx-api==1.5.0]
    installs: {json.dumps(yaml.safe_load((REPO / "docs" / "matrix" / "TARGETS.yaml").read_text())["x-installs"]["ogx"])}
    services: [mcp]
    manifest: {REPO / "fixtures" / "configs" / "mcp-group.manifest.yaml"}
    args: ["-n", "0", "--hypothesis-seed=1"]
  - name: needs-gone
    provider: inline::kit-files
    generations: [ogx-api==1.5.0]
    services: [gone]
"""


def test_a_service_backed_cell_and_a_cell_whose_service_is_gone(tmp_path: Path) -> None:
    """The matrix starts the kit's MCP server (its own cached venv) for a real ogx 1.5
    ``remote::model-context-protocol`` cell, which is judged over the real transport (the SHOULD warning
    of tests/real/test_real_mcp.py: the ``fail`` tool's error answered as ``error_code=1``); the cell
    whose service dies is inconclusive, naming its log; the matrix exits 3."""
    path = tmp_path / "TARGETS.yaml"
    path.write_text(SERVICE_TARGETS)
    generations = Path(os.environ.get("LLAMA_CONFORMANCE_GENERATIONS_DIR", REPO / "build" / "generations"))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    tool = str(Path(sys.executable).parent / "llama-conformance")
    done = subprocess.run([tool, "matrix", str(path), "--out", str(tmp_path / "out"), "-j", "1", "--kit", str(REPO),
                           "--cache", str(generations)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1500, check=False)
    said = done.stdout + done.stderr
    assert done.returncode == 3, said  # one cell passes, one could not be judged
    cells = {c["target"]: c for c in json.loads((tmp_path / "out" / "matrix.json").read_text())["cells"]}
    assert cells["ogx-mcp"]["outcome"] == "pass", cells["ogx-mcp"]
    record = json.loads((tmp_path / "out" / "reports" / "ogx-mcp" / "ogx-api-1.5.0" / "cell.json").read_text())
    assert record["counts"]["passed"] >= 10 and record["counts"]["warned"] == 1, record["counts"]
    assert record["services"] == ["mcp"] and record["env_variables"] == ["LLAMA_CONFORMANCE_MCP_URL"]
    output = (tmp_path / "out" / "reports" / "ogx-mcp" / "ogx-api-1.5.0" / "kit-output.txt").read_text()
    assert "Error executing tool fail" in output, output[-3000:]  # the real server's own error came back
    assert (tmp_path / "out" / "services" / "mcp.log").is_file()
    gone = cells["needs-gone"]
    assert gone["outcome"] == "inconclusive", gone
    note = json.loads((tmp_path / "out" / "reports" / "needs-gone" / "ogx-api-1.5.0" / "cell.json").read_text())["note"]
    assert "this service cannot start" in note and str(tmp_path / "out" / "services" / "gone.log") in note, note

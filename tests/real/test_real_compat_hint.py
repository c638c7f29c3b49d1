"""``llama-conformance compat`` on a provider built for llama-stack-api 0.5, judged on 0.5.4 and 0.7.3: a real
migration hint.

``kit_gen_ls05``'s file processor (fixtures/generations/kit_gen_ls05/file_processors.py) declares
``process_file`` with 0.5's flat parameters. 0.7 takes a request model instead, so on 0.7.3 the
structural suite fails that member, and compat diffs the two versions' own contracts (each env dumps
its signatures) into the hint pinned below: what changed and what to write. On 0.5.4 the provider
passes. Each version's env (the kit editable, the API version, the provider) is built once and cached
under ``build/generations/`` like the other generation tests; an env that cannot be built makes the
row inconclusive, and then this test skips rather than fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# ``defects``: run once, in the ogx tox env (the llama-stack env deselects it).
pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("compat-hint")]

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "generations" / "kit_gen_ls05"
PROVIDER = "inline::gen-ls05-file-processors"
HINT = ("file_processors.process_file changed from llama-stack-api 0.5.4 to llama-stack-api 0.7.3: parameters "
        "file_id, options, chunking_strategy became request. For llama-stack-api 0.7.3 write `async def "
        "process_file(self, request: ProcessFileRequest, file: UploadFile | None = ...) -> ProcessFileResponse`")
# The package as its author would ship it, with no upper bound on the API (as llama-stack-provider-trustyai-fms
# 0.4.0 ships): both versions install beside it, and 0.7.3 is where it breaks.
PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "kit-gen-ls05"
version = "0.5.0"
dependencies = ["llama-stack-api>=0.5"]

[tool.setuptools]
packages = ["kit_gen_ls05"]
"""


def _generations_dir() -> Path:
    return Path(os.environ.get("LLAMA_CONFORMANCE_GENERATIONS_DIR", REPO / "build" / "generations"))


def _project() -> Path:
    """A project directory installing ``kit_gen_ls05`` (a link to the fixture). Its name carries a hash of the
    fixture's sources: compat keys an env by what it installs, so a changed fixture gets a new env."""
    sources = b"".join(path.read_bytes() for path in sorted(FIXTURE.glob("*.py")))
    root = _generations_dir() / "projects" / f"kit-gen-ls05-{hashlib.sha256(sources).hexdigest()[:12]}"
    root.mkdir(parents=True, exist_ok=True)
    link = root / "kit_gen_ls05"
    if not link.exists():
        link.symlink_to(FIXTURE, target_is_directory=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def test_a_signature_change_between_the_versions_gets_a_migration_hint(tmp_path: Path) -> None:
    out = tmp_path / "compat"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(
        [sys.executable, "-m", "llama_conformance.cli", "compat", f"--llama-provider={PROVIDER}",
         "--llama-provider-module=kit_gen_ls05", "--install", str(_project()), "--distribution", "llama-stack-api",
         "--versions", "0.5.4,0.7.3", "--kit", str(REPO), "--cache", str(_generations_dir()), "--out", str(out)],
        cwd=tmp_path, env={**env, "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode == 3:
        pytest.skip(f"a version could not be judged (an env that would not build?): {done.stdout}{done.stderr}")
    assert done.returncode == 1, done.stdout + done.stderr
    summary = [line for line in done.stdout.splitlines() if not line.startswith(("compat:", "  ", "table:"))]
    assert summary[0].startswith(
        "passes 0.5.4; on llama-stack-api 0.7.3 fails file_processors.process"), done.stdout
    rows = {row["version"]: row for row in json.loads((out / "compat.json").read_text())["rows"]}
    assert rows["0.5.4"]["outcome"] == "pass" and rows["0.5.4"]["hints"] == []
    assert rows["0.7.3"]["outcome"] == "fail" and "structure.params.names-and-kinds" in rows["0.7.3"]["failed_checks"]
    assert rows["0.7.3"]["hints"] == [HINT]
    assert HINT.replace("|", "\\|") in (out / "compat.md").read_text()  # the table's Markdown escapes the pipe

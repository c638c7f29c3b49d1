"""Running the kit in another API generation's environment, for the tests of tests/real/ that need one.

The kit's own environment carries one API package (ogx-api 1.5 or llama-stack-api 0.7); a test of
an older generation runs the kit in an isolated, cached environment holding the kit (editable: it
sees the working tree) and that generation's package, built by ``llama_conformance.compat.envs``
(uv when present, else venv + pip) under ``build/generations/`` or
``$LLAMA_CONFORMANCE_GENERATIONS_DIR``. The environment is keyed by the interpreter, the
distribution and version, the extra installs and the kit's pyproject.toml, so a changed dependency
builds a new one and an unchanged one is reused. One place builds them and runs the kit there, so
every generation test keys and strips its environment the same way.

An environment that cannot be built (no index reachable) skips the test, never fails it: that is
an environment problem, not a verdict.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from kitrun import KitRun
from tests_support import _BATCH, kit_env_python

from llama_conformance.contract.packages import API_PACKAGE_ENV

# Kit arguments every batched run gets: no asyncio plugin (the kit brings its own loop), no cache
# writes into the temp directory, and every outcome in the summary (the tests read it).
BATCH_ARGS = ("-p", "no:asyncio", "-p", "no:cacheprovider", "-rA")


def generation_python(distribution: str, version: str, installs: tuple[str, ...] = ()) -> Path:
    """``tests_support.kit_env_python`` with the fuzzer's engine beside the kit (the ``fuzz`` extra: some of these
    runs fuzz over HTTP)."""
    from llama_conformance.fuzz.available import engine_requirement

    return kit_env_python(distribution, version, (*installs, engine_requirement()))


def generation_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would pin the other process to this one's API package or
    interpreter (the API package choice, the active venv, this process's import path), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in (API_PACKAGE_ENV, "VIRTUAL_ENV", "PYTHONPATH")}
    env.update(extra)
    return env


def start_batch(python: Path, directory: Path, runs: Sequence[Sequence[str]], *, args: Sequence[str] = (),
                env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start every kit run of ``runs`` (each with ``args`` and ``BATCH_ARGS``) in one process of ``python``
    (``tests_support.run_kit_batch`` with another interpreter): one interpreter start and one import of
    the API package for all of them. ``env`` is added to ``generation_env()``."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "kit_batch.py"
    script.write_text(_BATCH)
    argv = [[*run, *args, *BATCH_ARGS] for run in runs]
    return subprocess.Popen([str(python), str(script), json.dumps(argv)], cwd=directory,
                            env=generation_env(**(env or {})), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def batch_results(process: subprocess.Popen[str], timeout: float = 900) -> list[pytest.RunResult]:
    """The RunResult of each run of a started batch, in order (its whole output when it reported none)."""
    stdout, stderr = process.communicate(timeout=timeout)
    line = next((x for x in stdout.splitlines() if x.startswith("KIT-BATCH:")), None)
    assert line is not None, stdout + stderr
    return [pytest.RunResult(r["ret"], r["out"].splitlines(), [], r["seconds"])
            for r in json.loads(line[len("KIT-BATCH:"):])]


def run_batch(python: Path, directory: Path, runs: Sequence[Sequence[str]], *, args: Sequence[str] = (),
              env: Mapping[str, str] | None = None, timeout: float = 900) -> list[pytest.RunResult]:
    """``start_batch`` and wait for its ``batch_results``."""
    return batch_results(start_batch(python, directory, runs, args=args, env=env), timeout)


def run_kit(python: Path, directory: Path, *args: str, timeout: float = 900) -> KitRun:
    """One verbose kit run in its own process of ``python`` (for a provider that keeps process-wide state)."""
    done = subprocess.run([str(python), "-m", "pytest", *args, "-v", "-p", "no:randomly", "-p", "no:cacheprovider"],
                          cwd=directory, env=generation_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)
    return KitRun.parse(pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(), 0.0))

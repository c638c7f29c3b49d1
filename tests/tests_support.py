"""Helpers for the kit's tests that must not import an API package in the test process.

Importing llama_stack_api before ogx_api in one process trips a pydantic assertion, so a
test that only needs to know whether a package is installed asks importlib, not import.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def requires(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed")


_BATCH = r"""
import contextlib, io, json, sys, time
import pytest

results = []
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        ret = pytest.main(args)
    results.append({"ret": int(ret), "out": out.getvalue(), "seconds": time.perf_counter() - started})
print("KIT-BATCH:" + json.dumps(results))
"""

BROKEN_MODULE = "--llama-provider-module=llama_conformance_fixtures.broken"


def run_kit_batch(directory: Path, runs: list[tuple[str, ...]]) -> list[pytest.RunResult]:
    """Run the kit once per argument list, all in one fresh process in ``directory``; a RunResult each.

    One interpreter start and one import of the API package for all of them, instead of one
    each (3-5 s apiece on CI). Only for providers that keep no process-wide state (the
    in-memory reference fixtures and their broken twins) and runs judged against one API
    package (the fixtures pick theirs once per process): a provider on the server's storage
    registries, or a run against the other package, needs a process of its own. Mark the
    module ``pytest.mark.xdist_group(...)`` so one worker runs the batch once.
    """
    script = directory / "kit_batch.py"
    script.write_text(_BATCH)
    argv = [[*run, BROKEN_MODULE, "-p", "no:asyncio", "-p", "no:cacheprovider", "-rA"] for run in runs]
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CONFORMANCE_API_PACKAGE"}
    done = subprocess.run([sys.executable, str(script), json.dumps(argv)], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("KIT-BATCH:")), None)
    assert line is not None, done.stdout + done.stderr
    return [pytest.RunResult(r["ret"], r["out"].splitlines(), [], r["seconds"])
            for r in json.loads(line[len("KIT-BATCH:"):])]

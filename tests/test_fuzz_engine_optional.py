"""schemathesis is the kit's ``fuzz`` extra: a plain install runs every suite but the fuzzer's, and says so.

Why an extra (``fuzz.available``): schemathesis's pytest plugin loads in every pytest process of the environment
and patches Hypothesis for all of them, so a provider author's own failing Hypothesis test no longer shows its
values (``test_schemathesis_blanks_another_suites_failing_example`` shows it on the installed version). A run
without the engine is simulated by the path finder (which pytest's and the kit's import hooks ask too) finding no
``schemathesis`` module, with its plugin's entry point blocked (``-p no:schemathesis``): what an environment without
the package gives pytest.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from llama_conformance.cache_folder import CACHE_ENV
from llama_conformance.fuzz import available
from llama_conformance_fixtures.deployment import serve_deployment

WITHOUT_ENGINE = """
import importlib.machinery, sys

def find_spec(cls, name, path=None, target=None, real=importlib.machinery.PathFinder.find_spec):
    return None if name.partition(".")[0] == "schemathesis" else real(name, path, target)

importlib.machinery.PathFinder.find_spec = classmethod(find_spec)  # every finder of site-packages asks it
import pytest
code = pytest.main([{args}, "-p", "no:schemathesis", "-p", "no:cacheprovider", "-q", "--llama-isolation=off",
                    "--hypothesis-seed=1"])
print("RESULT", int(code), "schemathesis" in sys.modules)
"""


@pytest.fixture(scope="module")
def deployment() -> Iterator[str]:
    with serve_deployment() as url:
        yield url


def run_without_engine(tmp_path: Path, *args: str) -> tuple[str, str]:
    """The RESULT line (exit code, whether schemathesis got imported) and the whole output of a fresh kit run."""
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", WITHOUT_ENGINE.format(args=", ".join(map(repr, args)))],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    result = next((line for line in done.stdout.splitlines() if line.startswith("RESULT")), output)
    return result, output


def test_the_kit_requires_schemathesis_only_through_its_fuzz_extra() -> None:
    requirements = [Requirement(line) for line in importlib.metadata.requires("llama-conformance") or []]
    engine = [r for r in requirements if r.name == "schemathesis"]
    assert engine, "the fuzz extra must name schemathesis"
    assert all(r.marker is not None and r.marker.evaluate({"extra": "fuzz"})
               and not r.marker.evaluate({"extra": ""}) for r in engine), engine  # never unconditional
    assert available.supported_versions() == engine[0].specifier  # the range is read from there, not written twice


def test_the_engine_is_available_here_and_its_absence_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    available.unavailable_reason.cache_clear()
    assert available.unavailable_reason() is None  # the kit's own test env has the extra
    monkeypatch.setattr(available.importlib.util, "find_spec", lambda name: None)
    available.unavailable_reason.cache_clear()
    missing = available.unavailable_reason()
    assert missing is not None and "pip install 'llama-conformance[fuzz]'" in missing and "not installed" in missing
    monkeypatch.undo()
    monkeypatch.setattr(available.importlib.metadata, "version", lambda name: "3.39.16")
    available.unavailable_reason.cache_clear()
    old = available.unavailable_reason()
    assert old is not None and "schemathesis 3.39.16" in old and "llama-conformance[fuzz]" in old
    monkeypatch.undo()
    available.unavailable_reason.cache_clear()


def test_an_http_run_without_the_engine_runs_the_rest_and_says_why_the_fuzzer_did_not(
        deployment: str, tmp_path: Path) -> None:
    result, output = run_without_engine(tmp_path, f"--llama-stack-url={deployment}", "--llama-api=files",
                                        "-m", "negative or fuzz", "-k", "unknown or fuzz or operation or openapi")
    assert result == "RESULT 0 False", output
    assert "passed" in output and "test_operation" not in output, output  # the fuzz tests are not collected
    assert "fuzz.answer" in output and "pip install 'llama-conformance[fuzz]'" in output, output


def test_a_fuzz_only_run_without_the_engine_is_a_usage_error(deployment: str, tmp_path: Path) -> None:
    result, output = run_without_engine(tmp_path, f"--llama-stack-url={deployment}", "-m", "fuzz")
    assert result == "RESULT 4 False", output
    assert "Nothing to run: the tests selected need the fuzzer" in output, output
    assert "pip install 'llama-conformance[fuzz]'" in output and "Traceback" not in output, output


SUITE_WITH_A_FAILING_EXAMPLE = """
from hypothesis import given, strategies as st

@given(st.lists(st.integers()))
def test_small_sum(xs):
    assert sum(xs) < 100
"""


@pytest.mark.parametrize("plugin", ["loaded", "left-out"])
def test_schemathesis_blanks_another_suites_failing_example(pytester: pytest.Pytester, plugin: str) -> None:
    """Why the engine is an extra: with its plugin loaded, someone else's failing Hypothesis test prints
    ``xs=,`` instead of its values (schemathesis replaces Hypothesis's printer process-wide). If a schemathesis
    release stops doing so, this test fails and the extra's comment in pyproject.toml must be revisited."""
    pytester.makepyfile(test_user=SUITE_WITH_A_FAILING_EXAMPLE)
    args = ["-p", "no:schemathesis"] if plugin == "left-out" else []
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                            cwd=pytester.path, capture_output=True, text=True, timeout=120, check=False)
    shown = "xs=[100]" in result.stdout
    assert result.returncode == 1 and shown is (plugin == "left-out"), result.stdout

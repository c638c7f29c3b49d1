"""schemathesis is the kit's ``fuzz`` extra: a plain install runs every suite but the fuzz suite, and says so.

Why an extra (``fuzz.available``): schemathesis's pytest plugin loads in every pytest process of the environment
and patches Hypothesis for all of them, so a provider author's own failing Hypothesis test no longer shows its
values (``test_schemathesis_blanks_another_suites_failing_example`` shows it on the installed version).

What a plain install does is measured in one: an environment built the way the kit's generation tests build theirs
(``compat.envs``, cached beside them), holding the kit and this env's ogx-api and nothing of the ``fuzz`` extra.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from tests_support import kit_env_python

from llama_conformance.cache_folder import CACHE_ENV
from llama_conformance.contract.packages import API_PACKAGE_ENV
from llama_conformance.fuzz import available
from llama_conformance_fixtures.deployment import serve_deployment

ENGINE_MISSING = "pip install 'llama-conformance[fuzz]'"
NOTHING_TO_RUN = "Nothing to run: the tests selected need the fuzzer"


@pytest.fixture(scope="module")
def plain_python() -> Path:
    """The interpreter of an environment with the kit and ogx-api, as ``pip install 'llama-conformance[ogx]'`` makes
    one (no ``fuzz`` extra)."""
    return kit_env_python("ogx-api", importlib.metadata.version("ogx-api"))


@pytest.fixture(scope="module")
def deployment() -> Iterator[str]:
    with serve_deployment() as url:
        yield url


def plain_run(python: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A kit run in the plain environment, from an empty folder, with its own kit cache."""
    env = {name: value for name, value in os.environ.items()
           if name not in (API_PACKAGE_ENV, "VIRTUAL_ENV", "PYTHONPATH", CACHE_ENV)}
    env[CACHE_ENV] = str(tmp_path / "cache")
    return subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=1", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_kit_requires_schemathesis_only_through_its_fuzz_extra() -> None:
    requirements = [Requirement(line) for line in importlib.metadata.requires("llama-conformance") or []]
    engine = [r for r in requirements if r.name == "schemathesis"]
    assert engine, "the fuzz extra must name schemathesis"
    assert all(r.marker is not None and r.marker.evaluate({"extra": "fuzz"})
               and not r.marker.evaluate({"extra": ""}) for r in engine), engine  # never unconditional
    assert available.supported_versions() == engine[0].specifier  # the range is read from there, not written twice
    assert available.engine_requirement() == f"schemathesis{engine[0].specifier}"


def test_the_engine_is_available_here_and_its_absence_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def reason() -> str | None:
        available.unavailable_reason.cache_clear()
        return available.unavailable_reason()

    assert reason() is None  # the kit's own test env has the extra
    monkeypatch.setattr(available.importlib.util, "find_spec", lambda name: None)
    missing = reason()
    assert missing is not None and ENGINE_MISSING in missing and "not installed" in missing
    monkeypatch.undo()
    for version, shown in (("3.39.16", "schemathesis 3.39.16"), ("nightly", "schemathesis nightly")):
        monkeypatch.setattr(available.importlib.metadata, "version", lambda name, v=version: v)
        unfit = reason()
        assert unfit is not None and shown in unfit and "llama-conformance[fuzz]" in unfit, unfit
    monkeypatch.undo()
    available.unavailable_reason.cache_clear()


def test_a_plain_install_has_no_schemathesis_and_runs_the_providers_suites(plain_python: Path,
                                                                          tmp_path: Path) -> None:
    probe = subprocess.run([str(plain_python), "-c", "import importlib.util; print(importlib.util.find_spec("
                            "'schemathesis'))"], capture_output=True, text=True, timeout=60, check=False)
    assert probe.stdout.strip() == "None", probe.stdout + probe.stderr
    done = plain_run(plain_python, tmp_path, "--llama-provider=inline::kit-files", "--llama-isolation=off")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "14 passed" in done.stdout and ENGINE_MISSING not in done.stdout, done.stdout[-3000:]


def test_an_http_run_without_the_engine_runs_the_other_suites_and_names_the_extra(
        plain_python: Path, deployment: str, tmp_path: Path) -> None:
    done = plain_run(plain_python, tmp_path, f"--llama-stack-url={deployment}", "--llama-api=files",
                     "-m", "negative or fuzz", "-rA", f"--llama-report={tmp_path / 'report'}")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "PASSED" in done.stdout and "test_openapi_fuzz" not in done.stdout, done.stdout[-4000:]
    assert "fuzz.answer" in done.stdout and ENGINE_MISSING in done.stdout, done.stdout[-3000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    checks = {check["id"]: check for check in report["checks"]}
    for check in ("fuzz.answer", "fuzz.not-a-server-error"):
        assert checks[check]["status"] == "not-applicable" and ENGINE_MISSING in checks[check]["reason"], checks[check]
    assert "repairs" not in report  # the document was not read: nothing is said of what it needed
    assert report["verdict"] == "Partially conformant", report["verdict"]
    assert any("fuzz suite did not run" in reason and ENGINE_MISSING in reason for reason in report["verdict_reasons"])


def test_core_checks_left_out_for_want_of_an_install_make_the_verdict_partial() -> None:
    from llama_conformance.report.verdict import CONFORMANT, PARTIAL, decide

    must = "fuzz.answer"
    assert decide({must: "passed"}, set(), strict=False, failed_levels={}, selection=None)[0] == CONFORMANT
    verdict, reasons = decide({must: "passed"}, set(), strict=False, failed_levels={}, selection=None,
                              left_out=["the fuzz suite did not run"])
    assert (verdict, reasons) == (PARTIAL, ["the fuzz suite did not run"])


@pytest.mark.parametrize("selection", ["test_openapi_document_is_usable", "test_unknown_ids"])
def test_the_report_speaks_of_repairs_only_when_a_test_read_the_document(
        deployment: str, tmp_path: Path, selection: str) -> None:
    """The document test records its repairs; a run without it says nothing of them (an empty list would read as
    "the document needed no change", which nobody checked)."""
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"--llama-stack-url={deployment}", "--llama-api=files", "-k", selection,
                           f"--llama-report={tmp_path / 'report'}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    if selection == "test_openapi_document_is_usable":
        assert report["repairs"], report.get("repairs")  # the reference deployment's document needs some
    else:
        assert "repairs" not in report


@pytest.mark.parametrize("selection", [("-m", "fuzz"), ("-k", "test_operation"), ("-m", "fuzz or slow")],
                         ids=["mark", "keyword", "unregistered-mark"])
def test_a_selection_of_only_fuzz_tests_without_the_engine_is_a_usage_error(
        plain_python: Path, deployment: str, tmp_path: Path, selection: tuple[str, str]) -> None:
    done = plain_run(plain_python, tmp_path, f"--llama-stack-url={deployment}", *selection)
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr[-2000:]
    assert NOTHING_TO_RUN in done.stdout + done.stderr and ENGINE_MISSING in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "INTERNALERROR" not in done.stdout + done.stderr


@pytest.mark.parametrize("workers", ["isolation", "user"])
def test_the_usage_error_reaches_the_scheduler_from_a_worker(plain_python: Path, deployment: str, tmp_path: Path,
                                                             workers: str) -> None:
    """A worker process collects (the default isolation's one, or the user's ``-n 2``): the error must end the run
    with exit 4 and its paragraph; a worker that merely exits with it leaves the scheduler with "no tests ran"."""
    run = (("--llama-provider=inline::kit-files", "--llama-over-http", "--llama-isolation=process")  # the kit's tests
           if workers == "isolation" else (f"--llama-stack-url={deployment}", "-n", "2"))  # set it off for their runs
    done = plain_run(plain_python, tmp_path, *run, "-m", "fuzz")
    output = done.stdout + done.stderr
    assert done.returncode == 4, output[-4000:]
    assert NOTHING_TO_RUN in output and ENGINE_MISSING in output and "INTERNALERROR" not in output, output[-4000:]


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

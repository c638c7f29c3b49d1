"""Over ``--llama-stack-url`` the suites use the models the deployment serves, and
``--llama-api`` narrows every suite, the fuzzer included (issue 12).

The deployment is the kit's reference one with the reference vector_io and responses added
(``serve_deployment(apis=...)``); one copy lists every model in ``/v1/models``, the other only
its chat model, as a deployment that registered no embedding model would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests_support import requires

from llama_conformance.cache_folder import CACHE_ENV
from llama_conformance_fixtures.deployment import serve_deployment

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deployment-models")]  # one worker, one server each
EXTRA_APIS = ("vector_io", "responses")
SUITES = ("-m", "behavioral or negative or stateful")


@pytest.fixture(scope="module")
def deployment() -> Iterator[str]:
    requires("ogx_api")
    with serve_deployment(apis=EXTRA_APIS) as url:
        yield url


@pytest.fixture(scope="module")
def chat_only_deployment() -> Iterator[str]:
    requires("ogx_api")
    with serve_deployment(apis=EXTRA_APIS, models=("llm",)) as url:
        yield url


def run_url(pytester: pytest.Pytester, url: str, *extra: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(f"--llama-stack-url={url}", "-p", "no:asyncio", "-rA", *extra)


def test_responses_use_the_chat_model_the_deployment_lists(pytester: pytest.Pytester, deployment: str) -> None:
    """No manifest: /v1/models names kit-echo, so the responses suite runs instead of skipping."""
    result = run_url(pytester, deployment, "--llama-api=responses", "-m", "behavioral",
                     "-k", "test_create_and_retrieve or test_create_stream")
    text = result.stdout.str()
    assert "no chat model known" not in text, text
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK and outcomes.get("passed", 0) >= 2 and "skipped" not in outcomes, text


def test_vector_io_uses_a_listed_embedding_model_whatever_the_manifest_names(
        pytester: pytest.Pytester, deployment: str, tmp_path: Path) -> None:
    """A manifest naming only the chat model does not hide the deployment's embedding model."""
    manifest = tmp_path / "chat.manifest.yaml"
    manifest.write_text("models:\n  - {model_id: kit-echo, model_type: llm}\n")
    result = run_url(pytester, deployment, "--llama-api=vector_io", f"--llama-manifest={manifest}", *SUITES,
                     "-k", "test_store_create_retrieve_update or test_chunks_insert_query_search")
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK and outcomes.get("passed") == 2, result.stdout.str()


def test_vector_io_without_a_served_embedding_model_is_skipped_with_the_reason(
        pytester: pytest.Pytester, chat_only_deployment: str) -> None:
    """No embedding model listed: no store is created with an invented model name (false MUST failures)."""
    result = run_url(pytester, chat_only_deployment, "--llama-api=vector_io", *SUITES)
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and outcomes.get("skipped", 0) >= 8, result.stdout.str()
    # Only the unknown store's status needs no store at all, so no model either.
    passed = [line for line in result.stdout.lines if line.startswith("PASSED ")]
    assert all(line.endswith("::test_unknown_store_answers_404") for line in passed), result.stdout.str()
    result.stdout.fnmatch_lines(["SKIPPED * the deployment serves no embedding model: its /v1/models lists none*"
                                 "required dependency of vector_io*"])


def test_llama_api_narrows_the_fuzz_suite_to_that_apis_operations(pytester: pytest.Pytester,
                                                                   deployment: str) -> None:
    result = run_url(pytester, deployment, "--llama-api=files", "-m", "fuzz", "--collect-only", "-q")
    operations = [line for line in result.stdout.lines if "test_operation[" in line]
    assert operations, result.stdout.str()
    assert all(" /v1/files" in line for line in operations), operations
    assert len(operations) == 5, operations  # upload, list, retrieve, content, delete


FUZZ_ONLY = """
import sys, pytest
code = pytest.main(['--llama-stack-url={url}', '-m', 'fuzz', '-k', 'test_operation and chat', '--llama-isolation=off',
                    '-q', '-p', 'no:cacheprovider', '--hypothesis-seed=1'])
print('RESULT', int(code), sorted({{name.split('.')[0] for name in sys.modules}} & {{'ogx_api', 'ogx_client'}}))
"""


def test_a_fuzz_only_run_imports_neither_the_api_package_nor_its_sdk(deployment: str, tmp_path: Path) -> None:
    """A run that only fuzzes a deployment needs its document (repaired once, then read from the kit's cache), the
    routes (cached) and the served models a drawn chat request names, none of which imports ``ogx_api`` (about a
    second of CPU) or ogx-client (1.5 s). The first run fills the cache; the second is what a user's runs are."""
    env = {**{k: v for k, v in os.environ.items() if k != CACHE_ENV}, CACHE_ENV: str(tmp_path / "cache")}
    results = []
    for _ in range(2):  # fresh interpreters: the tests' own has the package loaded
        done = subprocess.run([sys.executable, "-c", FUZZ_ONLY.format(url=deployment)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        results.append(next((line for line in done.stdout.splitlines() if line.startswith("RESULT")),
                            done.stdout + done.stderr))
    assert results[1] == "RESULT 0 []", results
    assert results[0].startswith("RESULT 0"), results  # the cold run repairs the document with the package


# Installed through ``sitecustomize`` on the run's PYTHONPATH: both API packages are found where they are installed,
# and their import fails there, as a half-finished upgrade leaves one. A package shadowed on PYTHONPATH would not
# do: pytest puts the suites' folder first on sys.path when it imports them, site-packages for an installed kit.
HALF_UPGRADED = """
import importlib.abc, importlib.machinery, sys

class HalfUpgraded(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise RuntimeError("half-upgraded")

class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        real = importlib.machinery.PathFinder.find_spec(name, path) if name in ("ogx_api", "llama_stack_api") else None
        if real is None:
            return None
        spec = importlib.machinery.ModuleSpec(name, HalfUpgraded(), origin=real.origin, is_package=True)
        spec.submodule_search_locations = real.submodule_search_locations
        return spec

sys.meta_path.insert(0, Finder())
"""


SHADOW = 'raise RuntimeError("half-upgraded")\n'


@pytest.mark.parametrize("where", ["installed", "shadowed"])
def test_an_api_package_that_does_not_import_ends_the_run_in_one_paragraph(deployment: str, tmp_path: Path,
                                                                           where: str) -> None:
    """An API package that fails to import is the user's to fix: exit code 4 and one paragraph naming the package,
    the cause and the fix, never a traceback or an error charged to a test. With a cold cache the run reads the
    package at start; with the route map cached, a run against a URL first needs it inside a test, and ends there.

    ``installed``: broken where it is installed. ``shadowed``: a copy on ``PYTHONPATH`` comes first, as the user
    put it, also for the first import inside a test of an installed kit, after pytest's ``prepend`` import mode
    put the suites' root (site-packages) first on ``sys.path`` (``collection.restore_path_order``)."""
    site = tmp_path / "site"
    if where == "installed":
        site.mkdir()
        (site / "sitecustomize.py").write_text(HALF_UPGRADED)
    else:
        for name in ("ogx_api", "llama_stack_api"):  # whichever the run judges against (each tox env has both)
            (site / name).mkdir(parents=True)
            (site / name / "__init__.py").write_text(SHADOW)
    env = {k: v for k, v in os.environ.items() if k not in (CACHE_ENV, "PYTHONPATH")}
    env[CACHE_ENV] = str(tmp_path / "cache")
    broken = {**env, "PYTHONPATH": str(site)}

    def run(run_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", f"--llama-stack-url={deployment}", "-q",
                               "-p", "no:cacheprovider", *args], cwd=tmp_path, env=run_env, capture_output=True,
                              text=True, timeout=300, check=False)

    # the chat test builds the package's request models; the files test reads the package only once it runs
    selection = ("-m", "behavioral", "-k", "test_chat_answer" if where == "installed" else "test_upload_retrieve")
    cold = run(broken, *selection)
    assert run(env, "-m", "fuzz", "-k", "no-such-test").returncode == pytest.ExitCode.NO_TESTS_COLLECTED  # warms
    warm = run(broken, *selection)
    for result in (cold, warm):
        output = result.stdout + result.stderr
        assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
        assert re.search(r"The API package (ogx_api|llama_stack_api) \((ogx-api|llama-stack-api) [\d.]+\), which",
                         output), output
        assert "RuntimeError: half-upgraded" in output and "pip install --force-reinstall '" in output, output
        assert "Traceback" not in output and "INTERNALERROR" not in output and " FAILED " not in output, output
    assert " passed" not in warm.stdout and " failed" not in warm.stdout, warm.stdout  # ended at its first test

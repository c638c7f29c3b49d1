"""Shared helpers for the kit's own tests.

Most tests run the kit the way a provider author does — a pytest run with
``--llama-provider`` — inside pytester, and read the outcome like a specification.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import cpu_ledger
import env_split
import pytest
import warm_start

from llama_conformance import catalogue
from llama_conformance.cache_folder import CACHE_ENV
from llama_conformance.contract.packages import API_PACKAGE_ENV

pytest_plugins = ["pytester"]

BROKEN = "--llama-provider-module=llama_conformance_fixtures.broken"

def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave out what the other tox env runs (``env_split``)."""
    return True if env_split.runs_elsewhere(collection_path) else None


@pytest.fixture(autouse=True)
def _fresh_fixture_package() -> Iterator[None]:
    """A test may pin the fixtures' API package through the environment (``select_api_package``, a
    provider built in this process): no test starts with it, and none leaves it behind, so no later
    subprocess (a deployment a module fixture starts, a kit run) inherits another test's choice."""
    os.environ.pop(API_PACKAGE_ENV, None)
    yield
    os.environ.pop(API_PACKAGE_ENV, None)


def pytest_configure(config: pytest.Config) -> None:
    """Kit runs start in-process (``--llama-isolation=off``) unless a test asks for the worker.

    The worker costs each run an interpreter start-up (about 5 s), and most tests are about what
    a check finds, which is the same in both; tests/test_isolation.py runs the default, and
    says ``--llama-isolation=process``. Set for the whole session (module-scoped fixtures start
    kit batches too), in the environment every kit process inherits.
    """
    cpu_ledger.register(config)  # LLAMA_CONFORMANCE_TESTS_CPU=<dir>: each test's CPU seconds (tests/cpu_ledger.py)
    os.environ["LLAMA_CONFORMANCE_ISOLATION"] = "off"
    if getattr(config.option, "loadscopereorder", None):
        # xdist's loadgroup would hand out the largest groups first and single tests last, which left
        # tests/real's long waits (milvus-lite's two minutes, a backend that never answers) for the end of the
        # run, with a core idle. The order is ours instead (``env_split.heavy_first``): the waits first, then
        # the heavy units, and the light tests fill the end (tests/cpu_ledger.py).
        config.option.loadscopereorder = False
    # A suite test that evaluates a check its ``checks`` marker does not name fails as a kit defect.
    os.environ["LLAMA_CONFORMANCE_VERIFY_MARKERS"] = "1"
    catalogue.load()  # tests read the whole plan (reports, proofs) without a kit run in this process


@pytest.hookimpl(tryfirst=True)  # before xdist starts the workers (in its own sessionstart), who inherit it
def pytest_sessionstart(session: pytest.Session) -> None:
    share_the_kit_cache(session.config)


def share_the_kit_cache(config: pytest.Config) -> None:
    """Every kit run of the session shares one cache folder (route maps, repaired documents, Hypothesis's
    constants of local modules), as a user's successive runs share ``~/.cache/llama-conformance``.

    pytester gives each run a new home, so each run started cold. Where the kit is imported from a checkout (an
    editable install) that cost about 1 s of CPU a run, most of it Hypothesis parsing each module of the
    checkout for constants (three kit-heavy files: 149-163 -> 98-113 CPU-s); CI's wheel install does not pay
    it. The folder is new for each session (under its base temporary folder; xdist's workers
    inherit it from the controller), so a fresh clone still starts cold once. A folder the developer set
    is kept; the tests of the cache itself set their own."""
    if not os.environ.get(CACHE_ENV) and not hasattr(config, "workerinput"):
        folder = config._tmp_path_factory.getbasetemp() / "kit-cache"  # type: ignore[attr-defined]
        folder.mkdir(exist_ok=True)
        os.environ[CACHE_ENV] = str(folder)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A test worker's collected heap (the test modules, the API package and contracts they load at import, the
    catalogue) lives until the worker ends: frozen, the worker's full collections walk only what tests make, as
    the kit does for its own runs (``pytest_plugin/heap.py``). Unfrozen, they took 13-15 % of a worker's own CPU."""
    gc.freeze()


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester whose ``runpytest_subprocess`` forks a warm interpreter (tests/warm_start.py): still a fresh
    process per kit run, without each one importing pytest, pydantic, fastapi and openai's types again."""
    monkeypatch.setattr(pytester, "runpytest_subprocess", functools.partial(warm_start.runpytest_subprocess, pytester))
    return pytester


@pytest.fixture
def run_kit(pytester: pytest.Pytester):
    """Run the kit's structural suite in a fresh process on a provider, as an author would."""

    def run(provider: str, *extra: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            f"--llama-provider={provider}", BROKEN, "-p", "no:asyncio", "-m", "structural", "-rA", *extra,
        )

    return run


@pytest.fixture
def run_suites(pytester: pytest.Pytester):
    """Run every suite of the kit (structural, behavioural, negative, stateful) on a provider."""

    def run(provider: str, *extra: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            f"--llama-provider={provider}", BROKEN, "-p", "no:asyncio", "-rA", *extra,
        )

    return run


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the defect-matrix tests the ogx env runs (``env_split.ogx_only``); the tests that mostly wait
    first, then the heavy work units (``env_split.heavy_first``); make ``--dist loadgroup`` group again under
    pytest 9.2.

    pytest-xdist 3.8 tags a test of an ``xdist_group`` by rewriting ``item._nodeid`` to
    ``<nodeid>@<group>``; pytest 9.2 builds ``Item.nodeid`` from ``item._id`` instead, so the tag
    was lost and every batch fixture (``test_proofs``, the kit batches) ran on both workers, twice.
    """
    elsewhere = [item for item in items
                 if env_split.ogx_only(item.path, item.get_closest_marker("defects") is not None)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in elsewhere]
    env_split.heavy_first(items)
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest before 9.2 reads ``_nodeid`` itself
        return
    for item in items:
        tagged = item.__dict__.get("_nodeid")
        if isinstance(tagged, str) and tagged != item.nodeid:
            item._id = NodeId.parse(tagged)  # type: ignore[attr-defined]

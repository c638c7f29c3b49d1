"""Which tox env runs which of the kit's tests: every test runs in exactly one of them.

tox.ini sets ``SPLIT_ENV`` to the env's name (not set: every test runs here). The llama-stack env runs what needs
the llama-stack 0.7.3 server or its PyPI providers, and the server-neutral files of ``BALANCED``, which bring its
share to about half of the worker time, so that both envs end together (tests/cpu_ledger.py measured it); the ogx
env runs everything else. ``tests/real`` and the harness files run in both, each against its own server, except their
defect-matrix tests (``mark.defects``: the generation envs and proofs, whichever server the env carries), which
run once, in the ogx env (``ogx_only``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SPLIT_ENV = "LLAMA_CONFORMANCE_TESTS_SPLIT"
TESTS = Path(__file__).resolve().parent
NEEDS_LLAMA_STACK = frozenset({"real", "test_harness_dependencies.py", "test_harness_config.py"})
BALANCED = frozenset({"test_reports.py", "test_security_suites.py", "test_bad_input.py", "test_inconclusive.py",
                      "test_isolation.py", "test_footprint.py", "test_deployment_models.py", "test_sdk_judge.py",
                      "test_fuzz_driver.py", "test_strategies.py", "test_compat.py", "test_declared_package.py",
                      "test_generation.py", "test_warm_start.py", "test_domain_values.py", "test_upstream_coverage.py",
                      "test_tenancy_options.py", "test_openapi_repair.py", "test_openapi_cache.py",
                      "test_http_mode.py",
                      # 2026-12-06: the ogx env still ended ~100 s after this one (its tests/real run alone is
                      # ~1,170 worker-s); these server-neutral files (~100 worker-s) move the difference over
                      "test_behavioural_checks.py", "test_fuzz_proofs.py", "test_resource_bound.py", "test_stress.py",
                      "test_startup.py", "test_responses_suites.py"})


def _top(path: Path) -> str | None:
    """The file or folder directly under tests/ that holds ``path``; None outside tests/."""
    try:
        return path.resolve().relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        return None


def runs_elsewhere(path: Path) -> bool:
    """Whether the other tox env runs ``path`` (a test file or folder under tests/)."""
    split, top = os.environ.get(SPLIT_ENV), _top(path)
    if top is None:
        return False
    if split == "ogx":
        return top in BALANCED
    if split == "llama-stack" and (path.is_dir() or top.startswith("test_")):
        return top not in NEEDS_LLAMA_STACK | BALANCED
    return False


def ogx_only(path: Path, marked_defects: bool) -> bool:
    """Whether a test the llama-stack env collected runs in the ogx env instead: a defect-matrix test of a file
    both envs run (``NEEDS_LLAMA_STACK``), which needs no server and would otherwise run twice."""
    if os.environ.get(SPLIT_ENV) != "llama-stack" or not marked_defects:
        return False
    return _top(path) in NEEDS_LLAMA_STACK


# Tests that mostly wait (a service's own polling, a dead backend's retries), by node id prefix: they run
# first, while every core is busy with the others. Last, they left a core idle: test_milvus_lite spends
# 61-133 s of its worker's time on 6 CPU-s (pymilvus polls every index build and load, 0.2-0.5 s a time,
# for each of the ~120 stores a run creates), and it started 500 s into a 730 s ogx env (CI ledger 2026-12-06).
WAITS_FIRST = ("tests/real/test_real_vector_io_services.py::test_milvus_lite",
               "tests/real/test_real_unreachable.py::test_ogx_inference_backend_down")


def heavy_first(items: list[pytest.Item]) -> None:
    """Order the tests, in place, as xdist should hand them out (in this order, and every worker computes the
    same one): the ``WAITS_FIRST`` tests, then the heavy work units, then the light tests, each part in
    collection order.

    Heavy: a test of an ``xdist_group`` (a worker takes a group whole: a batch fixture and every test that reads
    it, 10-150 s) or marked ``slow`` (it starts a server, a service or kit runs). The light rest (472 tests in
    73 s of the ogx env) then ends the run and evens out its end. In collection order a group of
    tests/test_worker_fork.py came last: it ran 47 s on one worker while every other worker had finished
    (CI ledger 2026-12-07, 30 s of one core idle)."""
    def rank(item: pytest.Item) -> int:
        if item.nodeid.startswith(WAITS_FIRST):
            return 0
        heavy = item.get_closest_marker("xdist_group") is not None or item.get_closest_marker("slow") is not None
        return 1 if heavy else 2

    items.sort(key=rank)

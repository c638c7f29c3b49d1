"""A pytest plugin for ``bench_scaling.py``: counts the test cases Hypothesis runs in this process.

Loaded with ``-p count_examples`` (the benchmarks folder on ``PYTHONPATH``); at the end of the
session it writes ``{"examples": N}`` to ``$KIT_BENCH_COUNT_FILE``. It listens on Hypothesis's
observability callback with coverage off (one observation per test case run, drawn examples and fuzz cases
alike; the kit's summary line tells the fuzz cases apart), on every thread because the kit's
suites may draw outside pytest's own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis.internal import observability

_COUNT = {"examples": 0}


def _observe(observation: Any, thread_id: int) -> None:  # the all-threads signature
    if getattr(observation, "type", None) == "test_case" and getattr(observation, "status", None) != "gave_up":
        _COUNT["examples"] += 1


def pytest_configure(config: pytest.Config) -> None:
    # Not the NOCOVER environment variable: it also turns on Hypothesis's own delivery of every
    # observation to files under .hypothesis/, which costs time and changes what a run does.
    observability.OBSERVABILITY_COLLECT_COVERAGE = False  # read per test case (hypothesis.core)
    observability.add_observability_callback(_observe, all_threads=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    target = os.environ.get("KIT_BENCH_COUNT_FILE")
    if target:
        Path(target).write_text(json.dumps(_COUNT))

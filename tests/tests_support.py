"""Helpers for the kit's tests that must not import an API package in the test process.

Importing llama_stack_api before ogx_api in one process trips a pydantic assertion, so a
test that only needs to know whether a package is installed asks importlib, not import.
"""

from __future__ import annotations

import importlib.util

import pytest


def requires(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed")

"""Shared helpers for the kit's own tests.

Most tests run the kit the way a provider author does — a pytest run with
``--llama-provider`` — inside pytester, and read the outcome like a specification.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

BROKEN = "--llama-provider-module=llama_conformance_fixtures.broken"


@pytest.fixture(autouse=True)
def _fresh_fixture_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run may pin the fixtures' API package through the environment; undo it."""
    monkeypatch.delenv("LLAMA_CONFORMANCE_API_PACKAGE", raising=False)


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

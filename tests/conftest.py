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
    """Run the kit in a fresh process on a provider, as an author would, and return the result."""

    def run(provider: str, *extra: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            f"--llama-provider={provider}", BROKEN, "-p", "no:asyncio", "-p", "no:hypothesispytest",
            "-rA", *extra,
        )

    return run

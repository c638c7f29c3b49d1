"""The published test plan: every check the kit can run, as registered.

The engine declares the checks any API is held to (structural ones in ``checks``, how a call
ends in ``engine_checks``, validation in ``validate.ids``, HTTP in ``transport.checks``, the
fuzzer in ``fuzz.ids``); each API's wing declares its own (``suites/<api>/checks.py``).
``llama_conformance.catalogue.load()`` registers both; the report layer only reads the registry.
"""

from __future__ import annotations

from llama_conformance.checks import CHECKS, CheckDef


def test_plan() -> list[CheckDef]:
    """Every registered check, sorted by id (``llama_conformance.catalogue.load()`` registers them all:
    the plugin and the CLI call it before anything reads the plan)."""
    return sorted(CHECKS.values(), key=lambda check: check.id)


test_plan.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, whatever its name

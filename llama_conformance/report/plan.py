"""The published test plan: every check the kit can run, loaded from the modules that declare them.

Checks register themselves where they are implemented (structural checks in ``checks``,
behavioural ones in ``behaviour.plan``, validation in ``validate.ids``, HTTP in
``transport.checks``, the fuzzer in ``fuzz.ids``); the plan imports those declarations,
none of the machinery behind them, so listing it is cheap.
"""

from __future__ import annotations

import importlib

from llama_conformance.checks import CHECKS, CheckDef

DECLARING_MODULES = (
    "llama_conformance.behaviour.plan",
    "llama_conformance.validate.ids",
    "llama_conformance.transport.checks",
    "llama_conformance.fuzz.ids",
)


def test_plan() -> list[CheckDef]:
    """Every check, sorted by id."""
    for module in DECLARING_MODULES:
        importlib.import_module(module)
    return sorted(CHECKS.values(), key=lambda check: check.id)


test_plan.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, whatever its name

"""The whole test plan: the engine's checks and every API wing's, registered once, explicitly.

Each API is a wing: one folder of ``llama_conformance_suites`` (``suites/<api>/``) holding its
check table (``checks.py``: ``WING``), its helpers and its tests. The engine below never imports
a wing; this module, like the plugin and the CLI that call it, sits above both, finds the
wings by walking the suites package, and registers their checks in ``checks.CHECKS``, which
the report, the evidence rules and the published plan read. Adding a check to an API touches
that API's folder only.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from llama_conformance import checks as registry
from llama_conformance.checks import CheckDef, Wing

# The engine's own checks (any API: how a call ends, validation, HTTP answers, the fuzzer),
# declared in the modules that judge them; importing them registers them.
_ENGINE_TABLES = (
    "llama_conformance.engine_checks",
    "llama_conformance.checks",
    "llama_conformance.validate.ids",
    "llama_conformance.transport.checks",
    "llama_conformance.fuzz.ids",
)


@cache
def wings() -> tuple[Wing, ...]:
    """Every wing of the installed suites package, in name order, its checks registered."""
    import llama_conformance_suites

    for module in _ENGINE_TABLES:
        importlib.import_module(module)
    found = []
    for info in sorted(pkgutil.iter_modules(llama_conformance_suites.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        try:
            table = importlib.import_module(f"llama_conformance_suites.{info.name}.checks")
        except ModuleNotFoundError as error:
            if error.name != f"llama_conformance_suites.{info.name}.checks":
                raise
            continue  # a suite without checks of its own (it judges engine checks only)
        wing = table.WING
        registry.register(*wing.checks)
        found.append(wing)
    return tuple(found)


def load() -> None:
    """Register every check the kit knows (idempotent): call before reading ``checks.CHECKS``."""
    wings()


def proofs() -> dict[str, list[str]]:
    """Check id -> what proves the kit catches its violation: broken fixtures (``inline::broken-<name>``)
    and kit tests with a harness of their own; published with the plan (``llama-conformance list``)."""
    proven: dict[str, list[str]] = {}
    for wing in wings():
        for proof in wing.proofs:
            for check in sorted(proof.proves()):
                proven.setdefault(check, []).append(f"inline::broken-{proof.fixture}")
        for check, test in wing.proven_elsewhere.items():
            proven.setdefault(check, []).append(test)
    return proven


def test_plan() -> list[CheckDef]:
    """Every check of the kit, sorted by id, the wings' included (the public ``llama_conformance.test_plan``)."""
    from llama_conformance.report.plan import test_plan as registered

    load()
    return registered()


test_plan.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, whatever its name

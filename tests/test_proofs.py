"""The defect matrix, derived from the wings' check tables: every check is proven by a broken fixture.

Each API's wing (``suites/<api>/checks.py``) declares its checks and the ``Proof`` rows that
prove them: a one-defect fixture of ``fixtures/broken/``, the kit arguments that select what
judges it, and exactly which tests must fail naming which checks (or, for a SHOULD defect, the
warning the passing run must show). This module runs every row and asserts it exactly, and
fails when a registered check has no proof at all: a check nobody has seen fail is not done.

Rows run in batches (``tests_support.run_kit_batch``: one fresh process per wing and API
package, a pytest session per row), each wing on one xdist worker (``xdist_group``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests_support import assert_proof_run, requires, run_kit_batch

from llama_conformance import catalogue
from llama_conformance.checks import CHECKS, Proof, Wing

pytestmark = [pytest.mark.defects]

TESTS = Path(__file__).parent
WINGS = catalogue.wings()


def _label(wing: Wing, proof: Proof) -> str:
    """The row's test id: its fixture, and where one fixture has several rows (a capability declared and
    not), its place among them."""
    same = [p for p in wing.proofs if p.fixture == proof.fixture]
    return proof.fixture + (f"#{same.index(proof) + 1}" if len(same) > 1 else "")


def _proof_params() -> list[object]:
    return [pytest.param(wing, proof, id=f"{wing.api}:{_label(wing, proof)}",
                         marks=pytest.mark.xdist_group(f"proofs-{wing.api}-{proof.package or 'default'}"))
            for wing in WINGS for proof in wing.proofs]


def _args(proof: Proof) -> tuple[str, ...]:
    package = (f"--llama-api-package={proof.package}",) if proof.package else ()
    return (f"--llama-provider=inline::broken-{proof.fixture}", *package, *proof.run)


_RUNS: dict[tuple[str, str | None], dict[int, pytest.RunResult]] = {}


@functools.cache
def _apis(package: str | None) -> frozenset[str]:
    """The APIs the installed ``package`` (default: the kit's choice) declares, read in a subprocess (this
    process never imports an API package). A wing of an API gone today (``agents`` and ``post_training``:
    llama-stack-api 0.5/0.6) is proved in that generation's env (tests/real/test_generation_proofs.py)."""
    code = ("import json; from llama_conformance.contract import load_contract; "
            f"print(json.dumps(sorted(load_contract({package!r}).apis)))")
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CONFORMANCE_API_PACKAGE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    return frozenset(json.loads(out.splitlines()[-1]))


def _run_of(wing: Wing, proof: Proof, tmp_path_factory: pytest.TempPathFactory) -> pytest.RunResult:
    """The run of ``proof``: its wing's rows for its package run once per worker, as one batch."""
    key = (wing.api, proof.package)
    if key not in _RUNS:
        rows = [p for p in wing.proofs if p.package == proof.package]
        if proof.package:
            requires(proof.package)
        results = run_kit_batch(tmp_path_factory.mktemp(f"proofs-{wing.api}"), [_args(p) for p in rows])
        _RUNS[key] = {id(p): result for p, result in zip(rows, results, strict=True)}
    return _RUNS[key][id(proof)]


@pytest.mark.parametrize(("wing", "proof"), _proof_params())
def test_proof(wing: Wing, proof: Proof, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The fixture's run says exactly what the row declares: these tests fail naming these checks
    (each with a rerun line), or the run passes with these SHOULD findings."""
    if proof.package:
        requires(proof.package)
    if wing.api not in _apis(proof.package):
        pytest.skip(f"{wing.api}: not an API of the installed {proof.package or 'API package'}; proved in its own "
                    "generation's env by tests/real/test_generation_proofs.py")
    assert_proof_run(_run_of(wing, proof, tmp_path_factory), proof)


def test_every_check_is_proven_by_a_broken_fixture() -> None:
    """A registered check no proof names (and no kit test proves by its own harness) is not done."""
    proven = {check for wing in WINGS for proof in wing.proofs for check in proof.proves()}
    elsewhere = {check: where for wing in WINGS for check, where in wing.proven_elsewhere.items()}
    unproven = sorted(set(CHECKS) - proven - set(elsewhere))
    assert not unproven, f"checks without a broken fixture that proves them: {unproven}"
    for check, where in elsewhere.items():
        path, _, test = where.partition("::")
        source = (TESTS.parent / path).read_text() if (TESTS.parent / path).is_file() else ""
        assert re.search(rf"^(async )?def {re.escape(test)}\(", source, re.M), f"{check}: no test {where}"


def test_every_proof_names_an_existing_fixture_and_registered_checks() -> None:
    broken = TESTS.parent / "fixtures" / "broken"
    registry = (broken / "provider.py").read_text()  # defects whose module name differs from the type's tail
    for wing in WINGS:
        for proof in wing.proofs:
            module = broken / (proof.fixture.replace("-", "_") + ".py")
            assert module.is_file() or f'"{proof.fixture}"' in registry, f"{wing.api}: no fixture {proof.fixture}"
            unknown = proof.proves() - set(CHECKS)
            assert not unknown, f"{wing.api}:{proof.fixture} names unregistered checks {sorted(unknown)}"


def test_every_wing_check_belongs_to_its_api() -> None:
    for wing in WINGS:
        strays = [check.id for check in wing.checks if check.api != wing.api]
        assert not strays, f"suites/{wing.api}/checks.py declares checks of another API: {strays}"

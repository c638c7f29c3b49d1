"""The llama-stack-api 0.x suites (safety, datasetio, scoring, eval, benchmarks): the kit's reference
providers pass them, and what the defect matrix (``tests/test_proofs.py``, from each wing's
``WING.proofs``) cannot say in its rows: a member the routing table calls is absent (judged once,
at MUST), and an in-place redaction is reported with the path it rewrote.

The APIs exist only in llama-stack-api, so every run forces that package. All runs share one
fresh process (``matrix``): one interpreter start and one import of the package for every run.
"""

from __future__ import annotations

import re

import pytest
from tests_support import (
    assert_passes,
    failed_tests,
    failure_reports,
    literal,
    must_ids,
    requires,
    run_kit_batch,
)

from llama_conformance import catalogue
from llama_conformance.checks import ROUTING_IMPLIED_MEMBER, Proof
from llama_conformance_suites.benchmarks.checks import UNREGISTER

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("ls07-matrix")]

LLAMA_STACK_API = "--llama-api-package=llama_stack_api"

# One defect, one level: no unregister_benchmark, which the routing table calls when a user unregisters
# (test_a_missing_routing_table_member_is_judged_at_one_level).
ONE_LEVEL = ("--llama-provider=inline::broken-benchmarks-unregister-missing", LLAMA_STACK_API,
             "-m", "structural or behavioral", "-k", "unregister_benchmark")
# A member the routing table calls is absent: the structural suite fails it at MUST, once; the
# behavioural test that needs it is not judged (a skip naming that check), never a second finding.
# defect -> (api, member, the behavioural test that needs it)
ABSENT_MEMBERS: dict[str, tuple[str, str, str]] = {
    "datasetio-register-missing": ("datasetio", "register_dataset", "test_iterrows_and_pagination"),
    "datasetio-unregister-missing": ("datasetio", "unregister_dataset", "test_unregister"),
    "safety-register-missing": ("safety", "register_shield", "test_run_shield_clean_input"),
    "safety-unregister-missing": ("safety", "unregister_shield", "test_unregister_shield"),
}
# The safety wing's proof whose finding must name the rewritten path (its row, run once more here).
REDACTS = "safety-redacts-in-place"
# The safety wing's proof of a routing-table member that is there but not callable (a dict named register_shield):
# its finding must say what fails and who must act.
SHADOWED = "safety-register-shadowed"


def _proof(fixture: str) -> Proof:
    return next(proof for wing in catalogue.wings() for proof in wing.proofs if proof.fixture == fixture)


def _args(proof: Proof) -> tuple[str, ...]:
    package = (f"--llama-api-package={proof.package}",) if proof.package else ()
    return (f"--llama-provider=inline::broken-{proof.fixture}", *package, *proof.run)


@pytest.fixture(autouse=True)
def _llama_stack_api() -> None:
    requires("llama_stack_api")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pytest.RunResult]:
    """Every run of this module in one kit process (``run_kit_batch``): all are judged against
    llama-stack-api, by in-memory fixtures that keep no process-wide state."""
    requires("llama_stack_api")
    runs = {**{d: (f"--llama-provider=inline::broken-{d}", LLAMA_STACK_API, "-m", "structural or behavioral", "-k",
                   f"{member} or {test}") for d, (_api, member, test) in ABSENT_MEMBERS.items()},
            **{p: (f"--llama-provider={p}", LLAMA_STACK_API) for p in REFERENCES}, "one-level": ONE_LEVEL,
            REDACTS: _args(_proof(REDACTS)), SHADOWED: _args(_proof(SHADOWED))}
    return dict(zip(runs, run_kit_batch(tmp_path_factory.mktemp("ls07-matrix"), list(runs.values())), strict=True))


def test_a_missing_routing_table_member_is_judged_at_one_level(matrix: dict[str, pytest.RunResult]) -> None:
    """The structural suite fails the absent unregister_benchmark at MUST (the user's DELETE would get a
    500); a behavioural test that needs it reports it at no other level (it names the same check, or a
    check at the same level): levels come from one place (``checks.py``, ``structural.absence_check``)."""
    result = matrix["one-level"]
    text = result.stdout.str()
    failed = failed_tests(result)
    structural = "test_structure[eval.unregister_benchmark]"
    assert result.ret == pytest.ExitCode.TESTS_FAILED and structural in failed, text
    assert failed <= {structural, "test_unregister_benchmark"}, failed
    assert ROUTING_IMPLIED_MEMBER.id in must_ids(failure_reports(result)[structural])
    named = "|".join(re.escape(check.id) for check in (ROUTING_IMPLIED_MEMBER, UNREGISTER))
    tags = re.findall(rf"\[(MUST|SHOULD|MAY) ({named})\]", text)
    assert tags and {level for level, _check in tags} == {"MUST"}, tags


@pytest.mark.parametrize("defect", sorted(ABSENT_MEMBERS))
def test_an_absent_member_fails_once_at_must(matrix: dict[str, pytest.RunResult], defect: str) -> None:
    api, member, behavioural = ABSENT_MEMBERS[defect]
    result = matrix[defect]
    structural = f"test_structure[{api}.{member}]"
    assert failed_tests(result) == {structural}, result.stdout.str()
    assert must_ids(failure_reports(result)[structural]), result.stdout.str()
    assert not re.search(rf"\[(SHOULD|MAY) [a-z.-]+\][^\n]*{member}", result.stdout.str())
    result.stdout.fnmatch_lines([f"{literal(behavioural)}: * has no `{member}`*maintainer must add it*fails in "
                                 f"{literal(structural)}*"])


def test_in_place_redaction_names_the_changed_path(matrix: dict[str, pytest.RunResult]) -> None:
    """The finding points at the message field the shield rewrote and shows what it became."""
    (test,) = _proof(REDACTS).fails
    report = failure_reports(matrix[REDACTS])[test]
    assert re.search(r"safety\.run_shield changed the caller's request in place: messages\[\d\]\.content: "
                     r"'[^']*' became '[^']*\[REDACTED\]", report), report


def test_a_non_callable_routing_member_names_the_call_and_who_must_act(matrix: dict[str, pytest.RunResult]) -> None:
    (test,) = _proof(SHADOWED).fails
    report = failure_reports(matrix[SHADOWED])[test]
    assert ("[MUST safety.shield.register] the provider has a non-callable `register_shield`; the server's routing "
            "table calls register_shield(Shield) anyway (ShieldsProtocolPrivate), which then fails (a 500). The "
            "provider's maintainer must make it a method.") in report, report


# reference provider -> tests it passes (structural and behavioural suites, no skips)
REFERENCES = {
    "inline::kit-benchmarks": 5,  # routing-table stand-ins: the structural suite only
    "inline::kit-datasets": 5,
    "inline::kit-datasetio": 10,
    "inline::kit-safety": 11,
    "inline::kit-scoring": 11,
    "inline::kit-eval": 14,
}


@pytest.mark.parametrize("provider", sorted(REFERENCES))
def test_reference_provider_passes_every_suite(matrix: dict[str, pytest.RunResult], provider: str) -> None:
    result = matrix[provider]
    outcomes = assert_passes(result)
    assert outcomes.get("passed") == REFERENCES[provider] and "skipped" not in outcomes, outcomes

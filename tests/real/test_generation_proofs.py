"""The defect matrix of the APIs only older generations declare, run where those APIs exist.

``agents`` and ``post_training`` are APIs of llama-stack-api 0.5-0.6 (gone from 0.7 and from
ogx-api), so their wings' Proof rows cannot run in the kit's own environment: this module runs
them in an isolated, cached environment holding the kit (editable: it sees the working tree) and
llama-stack-api 0.6.1 (``llama_conformance.compat.envs``: uv when present, else venv + pip; under
``build/generations/``). It asserts exactly what ``tests/test_proofs.py`` asserts of every other
wing: each broken fixture fails exactly the tests its row names, each failure naming its checks
and telling how to rerun it; a SHOULD row passes and shows its warning; and the references pass
the whole suite. An environment that cannot be built (no index reachable) skips, never fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from generation_envs import generation_python as _generation_python
from generation_envs import run_batch, run_kit
from kitrun import KitRun, expect_failures_only
from tests_support import BROKEN_MODULE, assert_passes, assert_proof_run, output_block

from llama_conformance.checks import Proof, Wing
from llama_conformance_suites.agents.checks import WING as AGENTS
from llama_conformance_suites.post_training.checks import WING as POST_TRAINING

pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("generation-proofs")]

DISTRIBUTION, VERSION = "llama-stack-api", "0.6.1"
WINGS = (AGENTS, POST_TRAINING)
SERVER_VERSIONS = ("0.5.4", "0.6.1")  # the server releases whose API packages declare agents and post_training
REFERENCES = {"agents": "inline::kit-agents", "post_training": "inline::kit-post-training"}


def _environment(version: str, *installs: str) -> Path:
    """The interpreter of the cached llama-stack-api ``version`` environment with ``installs`` beside the kit
    (built on first use; skips when it cannot be built)."""
    return _generation_python(DISTRIBUTION, version, installs)


@pytest.fixture(scope="module")
def generation_python() -> Path:
    """The kit and llama-stack-api 0.6.1: the reference and broken fixtures need nothing else."""
    return _environment(VERSION)


@pytest.fixture(scope="module", params=SERVER_VERSIONS)
def server_python(request: pytest.FixtureRequest) -> Path:
    """A llama-stack 0.5 / 0.6 server package beside its API package, for its built-in providers. Both allow
    mcp 2.x, whose removed ``McpError`` their agents provider imports (RUNNING.md: pin ``mcp<2``)."""
    return _environment(request.param, f"llama-stack=={request.param}", "mcp<2")


def _args(proof: Proof) -> tuple[str, ...]:
    package = (f"--llama-api-package={proof.package}",) if proof.package else ()
    return (f"--llama-provider=inline::broken-{proof.fixture}", *package, *proof.run)


def _reference_args(wing: Wing) -> tuple[str, ...]:
    return (f"--llama-provider={REFERENCES[wing.api]}", f"--llama-api={wing.api}")


_RUNS: dict[str, list[pytest.RunResult]] = {}


def _runs_of(wing: Wing, python: Path, tmp_path_factory: pytest.TempPathFactory) -> list[pytest.RunResult]:
    """The wing's reference run, then one run per Proof row, as one batch (run once per module)."""
    if wing.api not in _RUNS:
        rows = [_reference_args(wing), *(_args(p) for p in wing.proofs)]
        _RUNS[wing.api] = run_batch(python, tmp_path_factory.mktemp(f"generation-{wing.api}"), rows,
                                    args=(BROKEN_MODULE,), timeout=1800)
    return _RUNS[wing.api]


def _proof_params() -> list[object]:
    return [pytest.param(wing, proof, id=f"{wing.api}:{proof.fixture}") for wing in WINGS for proof in wing.proofs]


@pytest.mark.parametrize("wing", [pytest.param(w, id=w.api) for w in WINGS])
def test_reference_passes(wing: Wing, generation_python: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The reference provider passes the whole wing (and the structural suite) without a finding."""
    result = _runs_of(wing, generation_python, tmp_path_factory)[0]
    outcomes = assert_passes(result)
    assert outcomes.get("passed", 0) > len(wing.checks) // 2, outcomes
    assert not output_block(result, "SHOULD-level findings"), result.stdout.str()


@pytest.mark.parametrize(("wing", "proof"), _proof_params())
def test_generation_proof(wing: Wing, proof: Proof, generation_python: Path,
                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """As tests/test_proofs.py::test_proof: exactly these tests fail naming these checks (with a rerun
    line), or the run passes with these SHOULD findings."""
    # assert_proof_run waives the rerun line for structural rows; every row here is behavioural and shows it
    assert "structural" not in proof.run, proof
    assert_proof_run(_runs_of(wing, generation_python, tmp_path_factory)[1 + wing.proofs.index(proof)], proof)


def test_every_generation_check_is_proven() -> None:
    """Every check of these wings has a Proof row here (tests/test_proofs.py cannot run them)."""
    for wing in WINGS:
        proven = {check for proof in wing.proofs for check in proof.proves()}
        unproven = sorted({check.id for check in wing.checks} - proven - set(wing.proven_elsewhere))
        assert not unproven, f"{wing.api}: checks without a broken fixture that proves them: {unproven}"


def _real_run(python: Path, directory: Path, provider: str, *extra: str) -> KitRun:
    """One verbose kit run on a llama-stack 0.6.1 built-in provider, in its own process."""
    return run_kit(python, directory, f"--llama-provider={provider}", *extra)


def test_real_agents_meta_reference(server_python: Path, tmp_path: Path) -> None:
    """llama-stack 0.5.4 and 0.6.1 ``inline::meta-reference`` agents (the Responses API of that generation),
    built on the kit's reference dependencies. Two real defects, both still in llama-stack 0.7.3's responses provider
    (tests/real/test_real_responses.py) and fixed in ogx 1.5:
    MUST agents.list: llama_stack/core/storage/sqlstore/sqlalchemy_sqlstore.py:272 (0.5.4: :244) pages with
    ``created_at < cursor`` (strict, one-second resolution, no id tiebreaker), so a walk with ``after``
    skips every response created in the same second as the page's last one;
    MUST agents.chain: providers/inline/agents/meta_reference/responses/streaming.py:345 (0.5.4: :237)
    (``_snapshot_response``) builds the response without ``previous_response_id``, so a chained response
    says null. Structure, create, stream, retrieve, input items, delete, store=false and unknown ids pass."""
    run = _real_run(server_python, tmp_path, "inline::meta-reference", "--llama-api=agents", "--hypothesis-seed=1")
    expect_failures_only(run, {"test_list": ["agents.list"], "test_chain": ["agents.chain"]}, at_least=12)
    assert "the chained response says previous_response_id=None" in run.result.stdout.str()
    assert not run.warnings, run.warnings


def test_real_post_training_nvidia(server_python: Path, tmp_path: Path) -> None:
    """llama-stack 0.5.4 and 0.6.1 ``remote::nvidia`` post_training, the same lines in both (the only built-in
    trainer without torch: the torchtune and huggingface ones need torch, which the index serves for
    Python 3.12 only as CUDA builds of several GB), its customizer URL unreachable (the default
    ``http://nemo.test``). Real defects:
    MUST structure.annotations.compatible: remote/post_training/nvidia/post_training.py:117 declares
    ``get_training_jobs -> ListNvidiaPostTrainingJobs`` (its docstring: 'Updated the base class return
    type'), no subtype of ListPostTrainingJobsResponse;
    MUST call.typed-error + post_training.supervised-fine-tune: post_training.py:341 calls
    ``warn_unsupported_params(training_config["data_config"], ...)``, and utils.py:22 ``.keys()`` on it:
    a request without the optional ``data_config`` (TrainingConfig.data_config defaults to None) is an
    AttributeError, a 500, before the customizer is asked (every test that starts a job meets it).
    preference_optimize raises NotImplementedError (post_training.py:425): a skip, the capability
    ``preference-optimization`` undeclared. Unknown job ids need the customizer: inconclusive."""
    run = _real_run(server_python, tmp_path, "remote::nvidia", "--llama-api=post_training", "--hypothesis-seed=1")
    crash = ["call.typed-error", "post_training.supervised-fine-tune"]
    expect_failures_only(run, {
        "test_structure[post_training.get_training_jobs]": ["structure.annotations.compatible"],
        "test_supervised_fine_tune": crash, "test_cancel": crash, "test_list_jobs": crash,
        "test_duplicate_job_uuid": crash,
    }, at_least=6)
    assert run.ids("SKIPPED") == {"test_preference_optimize"}, run.result.stdout.str()
    assert run.result.parseoutcomes().get("inconclusive") == 1, run.result.stdout.str()
    assert "AttributeError: 'NoneType' object has no attribute 'keys'" in run.result.stdout.str()

"""The defect matrix of the APIs only older generations declare, run where those APIs exist.

``agents`` and ``post_training`` are APIs of llama-stack-api 0.5-0.6 (gone from 0.7 and from
ogx-api), so their wings' Proof rows cannot run in the kit's own environment: this module runs
them in an isolated, cached environment holding the kit (editable: it sees the working tree) and
llama-stack-api 0.6.1 (``llama_conformance.compat.envs``: uv when present, else venv + pip; under
``build/generations/``). It asserts exactly what ``tests/test_proofs.py`` asserts of every other
wing: each broken fixture fails exactly the tests its row names, each failure naming its checks
and telling how to rerun it; a SHOULD row passes and shows its warning; and the references pass
the whole suite. An environment that cannot be built (no index reachable) skips, never fails.

The agents wing also declares llama-stack 0.2's agent / session / turn checks: their rows
(``PRESPLIT_PROOFS``) run in the ``llama-stack==0.2.14`` environment of
``test_real_generations_presplit.py`` (the same key, so one cached environment serves both).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from generation_envs import generation_python as _generation_python
from generation_envs import run_batch, run_kit
from kitrun import KitRun, expect_failures_only
from test_real_generations_presplit import DISTRIBUTION as PRESPLIT_DISTRIBUTION
from test_real_generations_presplit import INSTALLS as PRESPLIT_INSTALLS
from test_real_generations_presplit import VERSION as PRESPLIT_VERSION
from tests_support import BROKEN_MODULE, assert_passes, assert_proof_run, output_block

from llama_conformance.checks import Proof, Wing
from llama_conformance_suites.agents.checks import PRESPLIT_PROOFS
from llama_conformance_suites.agents.checks import WING as AGENTS
from llama_conformance_suites.post_training.checks import WING as POST_TRAINING

pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("generation-proofs")]

DISTRIBUTION, VERSION = "llama-stack-api", "0.6.1"
WINGS = (AGENTS, POST_TRAINING)
SERVER_VERSIONS = ("0.5.4", "0.6.1")  # the server releases whose API packages declare agents and post_training
REFERENCES = {"agents": "inline::kit-agents", "post_training": "inline::kit-post-training"}
# What a reference runs per package: on llama-stack 0.2 the structural suite and the agent / session / turn
# tests. Its Responses members are left out there: the responses steps judge ``store``, a field 0.2.14's
# OpenAIResponseObject does not declare, and the reference streams 0.5's event types.
PRESPLIT = "llama-stack 0.2.14"
REFERENCE_RUN = {VERSION: (), PRESPLIT: ("-k", "not test_agents")}
# The presplit run as test_real_generations_presplit.py makes it: a temp HOME, no version check.
PRESPLIT_ENV = {"LLAMA_STACK_DISABLE_VERSION_CHECK": "1", "PYTHONWARNINGS": "ignore"}


def _environment(version: str, *installs: str) -> Path:
    """The interpreter of the cached llama-stack-api ``version`` environment with ``installs`` beside the kit
    (built on first use; skips when it cannot be built)."""
    return _generation_python(DISTRIBUTION, version, installs)


def _generation(proof: Proof) -> str:
    """Where ``proof`` runs: llama-stack 0.2.14 for the agent / session / turn rows, else llama-stack-api 0.6.1."""
    return PRESPLIT if proof in PRESPLIT_PROOFS else VERSION


def _generation_env(generation: str) -> Path:
    """The kit and llama-stack-api 0.6.1 (the reference and broken fixtures need nothing else), or
    llama-stack 0.2.14 with what its offline built-ins import."""
    if generation == PRESPLIT:
        return _generation_python(PRESPLIT_DISTRIBUTION, PRESPLIT_VERSION, PRESPLIT_INSTALLS)
    return _environment(VERSION)


@pytest.fixture(scope="module", params=SERVER_VERSIONS)
def server_python(request: pytest.FixtureRequest) -> Path:
    """A llama-stack 0.5 / 0.6 server package beside its API package, for its built-in providers. Both allow
    mcp 2.x, whose removed ``McpError`` their agents provider imports (RUNNING.md: pin ``mcp<2``)."""
    return _environment(request.param, f"llama-stack=={request.param}", "mcp<2")


def _args(proof: Proof) -> tuple[str, ...]:
    package = (f"--llama-api-package={proof.package}",) if proof.package else ()
    return (f"--llama-provider=inline::broken-{proof.fixture}", *package, *proof.run)


def _reference_args(wing: Wing, generation: str) -> tuple[str, ...]:
    return (f"--llama-provider={REFERENCES[wing.api]}", f"--llama-api={wing.api}", *REFERENCE_RUN[generation])


def _rows(wing: Wing, generation: str) -> list[Proof]:
    return [proof for proof in wing.proofs if _generation(proof) == generation]


_RUNS: dict[tuple[str, str], list[pytest.RunResult]] = {}


def _runs_of(wing: Wing, generation: str, tmp_path_factory: pytest.TempPathFactory) -> list[pytest.RunResult]:
    """The wing's reference run, then one run per Proof row of ``generation``, as one batch in that
    generation's environment (run once per module)."""
    key = (wing.api, generation)
    if key not in _RUNS:
        python = _generation_env(generation)
        directory = tmp_path_factory.mktemp(f"generation-{wing.api}")
        env = {"HOME": str(directory), **PRESPLIT_ENV} if generation == PRESPLIT else {}
        rows = [_reference_args(wing, generation), *(_args(p) for p in _rows(wing, generation))]
        _RUNS[key] = run_batch(python, directory, rows, args=(BROKEN_MODULE,), env=env, timeout=1800)
    return _RUNS[key]


def _generations() -> list[tuple[Wing, str]]:
    """Each wing with each generation its rows run in, in order."""
    return [(wing, generation) for wing in WINGS for generation in dict.fromkeys(map(_generation, wing.proofs))]


def _proof_params() -> list[object]:
    return [pytest.param(wing, proof, id=f"{wing.api}:{proof.fixture}") for wing in WINGS for proof in wing.proofs]


@pytest.mark.parametrize(("wing", "generation"),
                         [pytest.param(w, g, id=f"{w.api}:{g}") for w, g in _generations()])
def test_reference_passes(wing: Wing, generation: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The reference provider passes the whole wing (and the structural suite) without a finding."""
    result = _runs_of(wing, generation, tmp_path_factory)[0]
    outcomes = assert_passes(result)
    assert outcomes.get("passed", 0) > len(_rows(wing, generation)) // 2, outcomes
    assert not output_block(result, "SHOULD-level findings"), result.stdout.str()


@pytest.mark.parametrize(("wing", "proof"), _proof_params())
def test_generation_proof(wing: Wing, proof: Proof, tmp_path_factory: pytest.TempPathFactory) -> None:
    """As tests/test_proofs.py::test_proof: exactly these tests fail naming these checks (with a rerun
    line), or the run passes with these SHOULD findings."""
    # assert_proof_run waives the rerun line for structural rows; every row here is behavioural and shows it
    assert "structural" not in proof.run, proof
    generation = _generation(proof)
    assert_proof_run(_runs_of(wing, generation, tmp_path_factory)[1 + _rows(wing, generation).index(proof)], proof)


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
    # agents.list shows only when the page's last two responses share a second: on a loaded machine the
    # creations spread over several seconds and the walk skips nothing (a fresh-clone CI run saw it pass).
    expect_failures_only(run, {"test_chain": ["agents.chain"]}, at_least=12, races={"test_list": ["agents.list"]})
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


# llama-stack 0.2.14's meta-reference agents imports ``mcp`` (its MCP tool runtime; ``mcp<2``: 2.x drops
# the ``McpError`` it imports), which the proofs' environment does not hold.
META_REFERENCE_INSTALLS = (*PRESPLIT_INSTALLS, "mcp<2")


def test_real_agents_meta_reference_0_2(tmp_path: Path) -> None:
    """llama-stack 0.2.14 ``inline::meta-reference`` agents on the agent / session / turn suite and the structural
    one, built on the kit's reference dependencies with what its server adds (a ``vector_dbs`` stand-in and a
    request span: ``harness.server_context``). Its turns
    stream through the kit's echoing inference: the grammar and bookkeeping of a turn are judged, never its text.
    Real defects (paths under llama_stack/providers/inline/agents/meta_reference/):
    MUST agents.turn: agents.py:174 raises NotImplementedError('Non-streaming agent turns not yet implemented')
    for stream=False, the protocol's default (apis/agents/agents.py:396, ':returns: If stream=False, returns a
    Turn object');
    MUST agents.agent-not-found: agents.py:212-215 returns what persistence.py:140-141 (get_session_turn) gives
    for an unknown turn id, None, so get_agents_turn answers null for a turn that does not exist;
    SHOULD agents.turn-start: no event of its streams is turn_start (agent_instance.py opens with step_start;
    nothing in 0.2.14 builds AgentTurnResponseTurnStartPayload);
    MUST structure.params.names-and-kinds: agents.py:152-160 declares create_agent_turn's stream / documents /
    toolgroups in another order than the protocol (agents.py:391-400 of the API); get_agents_session
    (agents.py:224-227) and delete_agents_session (:245) swap agent_id and session_id (the protocol: session_id,
    agent_id). The server calls them by keyword, so only a positional caller meets it;
    MUST structure.annotations.compatible: agents.py:363 annotates delete_openai_response -> None, not the
    protocol's OpenAIDeleteResponseObject.
    Agents and sessions (create / get / list / delete), streamed turns, steps and cascading deletes pass."""
    python = _generation_python(PRESPLIT_DISTRIBUTION, PRESPLIT_VERSION, META_REFERENCE_INSTALLS)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)  # the kit's own test session may have made it already
    args = ("--llama-provider=inline::meta-reference", "--llama-api=agents", "--hypothesis-seed=1", "-v",
            "-k", "test_agent_sessions or test_structure or test_build")
    result = run_batch(python, tmp_path, [args], env={"HOME": str(home), **PRESPLIT_ENV})[0]
    run = KitRun.parse(result)
    order = ["structure.params.names-and-kinds"]
    expect_failures_only(run, {
        "test_turn_answer": ["agents.turn"], "test_unknown_agent_ids": ["agents.agent-not-found"],
        **{f"test_structure[agents.{m}]": order
           for m in ("create_agent_turn", "get_agents_session", "delete_agents_session")},
        "test_structure[agents.delete_openai_response]": ["structure.annotations.compatible"],
    }, at_least=19)
    assert {test for test, level, check in run.warnings if check == "agents.turn-start"} == {
        "test_turn_events", "test_turn_steps", "test_cascading_delete"}, run.warnings
    assert "get_agents_turn of an unknown turn succeeded (NoneType: None)" in result.stdout.str()

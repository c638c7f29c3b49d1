"""The pre-split generation: llama-stack 0.2.14, whose API lives in the server (``llama_stack.apis``).

Providers pinned to llama-stack 0.2.x import ``llama_stack.apis.files`` and
``llama_stack.providers.datatypes``; the kit reads that generation's contract from those modules
(``contract.presplit``) and judges such a provider against it by default. This module runs the
kit in an isolated, cached environment holding the kit (editable: it sees the working tree) and
``llama-stack==0.2.14`` with what its offline built-ins need (``llama_conformance.compat.envs``:
uv when present, else venv + pip; under ``build/generations/``), and pins every verdict:

* two references (``inline::kit-files``, ``inline::kit-models``) pass the structural suite: the
  references are written for request models, and the fixtures give them the generation's flat
  call shape (``llama_conformance_fixtures._api``);
* the server's own ``inline::localfs`` (files) and ``inline::faiss`` (vector_io) pass it, found in
  its 0.2 registry (``llama_stack.distribution.distribution``);
* a provider written for 0.2.14 (``fixtures/generations/kit_gen_ls02``) is judged against its own
  generation with no flag, and fails exactly where it is incomplete: it leaves the ``openai_*``
  members of 0.2.14's ``InferenceProvider`` as the protocol's empty stubs;
* a flat member is called with the generation's parameters (``members.flat_request_call``):
  localfs answers an unknown id and the listing bound as the contract asks.

An environment that cannot be built (no index reachable) skips, never fails.
"""

from __future__ import annotations

import pytest
from generation_envs import REPO, generation_python, run_batch
from kitrun import KitRun, with_behaviour_must

# defects: run once, in the ogx env (the env is built here, whatever server the tox env carries).
pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("generation-presplit")]

DISTRIBUTION, VERSION = "llama-stack", "0.2.14"
# What its offline built-ins import when built: localfs' sqlite metadata store, faiss' index.
INSTALLS = ("sqlalchemy[asyncio]", "aiosqlite", "faiss-cpu")
GENERATIONS = REPO / "fixtures" / "generations"  # kit_gen_ls02: a provider written for 0.2.14
STRUCTURAL = ("-m", "structural", "-n", "0")

RUNS: dict[str, tuple[str, ...]] = {
    "kit-files": ("--llama-provider=inline::kit-files", *STRUCTURAL),
    "kit-models": ("--llama-provider=inline::kit-models", *STRUCTURAL),
    "localfs": ("--llama-provider=inline::localfs", "--llama-api=files", *STRUCTURAL),
    "faiss": ("--llama-provider=inline::faiss", "--llama-api=vector_io", *STRUCTURAL),
    "echo-0.2": ("--llama-provider-module=kit_gen_ls02.provider", "--llama-provider=inline::gen-ls02-echo",
                 *STRUCTURAL),
    "localfs-flat-calls": ("--llama-provider=inline::localfs", "--llama-api=files", "-n", "0",
                           "-k", "test_unknown_ids or test_files_resource_bound"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KitRun]:
    """Every run of ``RUNS`` in one process of the 0.2.14 environment (one import of the server for all).

    The built-ins keep their state in per-run sqlite files under the temp HOME, so sharing the process
    is safe; every run is judged against the one package installed there.
    """
    python = generation_python(DISTRIBUTION, VERSION, INSTALLS)
    directory = tmp_path_factory.mktemp("presplit")
    home = directory / "home"
    home.mkdir()
    results = run_batch(python, directory, list(RUNS.values()), args=("-v",),
                        env={"HOME": str(home), "PYTHONPATH": str(GENERATIONS),
                             "LLAMA_STACK_DISABLE_VERSION_CHECK": "1", "PYTHONWARNINGS": "ignore"})
    return {name: with_behaviour_must(KitRun.parse(result)) for name, result in zip(RUNS, results, strict=True)}


@pytest.mark.parametrize(("name", "passed"), [("kit-files", 6), ("kit-models", 6)])
def test_references_pass_structure(runs: dict[str, KitRun], name: str, passed: int) -> None:
    """The references, written for request models, take the generation's flat shape and pass."""
    runs[name].expect(passed=passed)


@pytest.mark.parametrize(("name", "passed"), [("localfs", 6), ("faiss", 18)])
def test_builtins_pass_structure(runs: dict[str, KitRun], name: str, passed: int) -> None:
    """llama-stack 0.2.14's own built-ins, found in its registry, match their generation's contract."""
    runs[name].expect(passed=passed)
    runs[name].result.stdout.fnmatch_lines(["*llama-stack 0.2.14*"])


def test_provider_built_on_0_2_is_judged_against_0_2(runs: dict[str, KitRun]) -> None:
    """No flag: the provider's own generation is the contract; its incomplete members are its findings."""
    stubs = ["openai_completion", "openai_chat_completion", "openai_embeddings", "embeddings"]
    run = runs["echo-0.2"]
    run.expect(passed=7, skipped=2,
               failed={f"test_structure[inference.{m}]": ["structure.member.not-protocol-stub"] for m in stubs},
               warnings={("test_structure[inference.chat_completion]", "SHOULD", "structure.params.defaults-kept")})
    assert "MISMATCH" not in run.result.stdout.str()


def test_flat_members_are_called_with_the_generation_parameters(runs: dict[str, KitRun]) -> None:
    """``openai_retrieve_file(file_id)`` and ``openai_list_files(after, limit, order, purpose)`` are called
    as 0.2.14 declares them: the behavioural checks judge localfs instead of failing on the call shape."""
    runs["localfs-flat-calls"].expect(passed=2)

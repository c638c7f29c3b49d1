"""The pre-split generation: llama-stack 0.2.14, whose API lives in the server (``llama_stack.apis``).

Providers pinned to llama-stack 0.2.x import ``llama_stack.apis.files`` and
``llama_stack.providers.datatypes``; the kit reads that generation's contract from those modules
(``contract.presplit``) and judges such a provider against it by default. This module runs the
kit in an isolated, cached environment holding the kit (editable: it sees the working tree) and
``llama-stack==0.2.14`` with what its offline built-ins need (``llama_conformance.compat.envs``:
uv when present, else venv + pip; under ``build/generations/``), and pins every verdict:

* every reference whose API 0.2.14 declares passes its default profile (structural, behavioural,
  negative, stateful suites) in-process: the references are written for request models, and the
  fixtures give them the generation's flat call shape (``llama_conformance_fixtures._api``). What
  0.2.14 cannot be asked is not applicable, naming the generation: an upload's ``expires_after``
  (``openai_upload_file(file, purpose)``), ``rerank``, ``run_moderation``, ``unregister_shield`` /
  ``unregister_benchmark`` (its routing tables never call them), streamed usage (neither chunk type
  has the field) and a text completion's int ``logprobs``. Its legacy inference members are the
  reference's to implement (protocol stubs 0.2.14 requires: ``chat_completion``, ``completion``,
  ``embeddings``); ``batch_*`` keep the protocol's ``NotImplementedError`` default (optional, the
  server answers 501, skipped saying so);
* a provider written for 0.2.14 (``fixtures/generations/kit_gen_ls02``) is judged against its own
  generation with no flag, and fails exactly where it is incomplete: it leaves the ``openai_*``
  members of 0.2.14's ``InferenceProvider`` as the protocol's empty stubs;
* the server's own built-ins, found in its 0.2 registry (``llama_stack.distribution.distribution``),
  with their real defects (file:line in ``llama_stack/`` of 0.2.14; a typed error there is what its
  ``translate_exception``, distribution/server/server.py:99-133, maps to a 4xx: ``ValueError``,
  never a 404, ``contract.errors``):

  - files ``inline::localfs``: a file uploaded with a name outside latin-1 cannot be downloaded
    (providers/inline/files/localfs/files.py:213 puts the raw name in ``Content-Disposition``, which
    Starlette encodes as latin-1: ``UnicodeEncodeError``); and listing with ``after`` loses files
    created in the same second as the cursor (files.py:127-128 pages by ``created_at`` with the id
    as cursor; providers/utils/sqlstore/sqlalchemy_sqlstore.py:149-152 keeps only rows strictly
    after the cursor's ``created_at``, with no tie-break);
  - datasetio ``inline::localfs``: ``iterrows`` of an unknown dataset raises ``KeyError``, a 500
    (providers/inline/datasetio/localfs/datasetio.py:98; also after unregistering, the SHOULD
    warning), and ``append_rows`` loses the rows (datasetio.py:105-111 concatenates them into a
    fresh ``PandasDataframeDataset`` it then drops);
  - scoring ``inline::basic``: ``basic::bfcl`` indexes ``input_row["id"]`` unchecked
    (providers/inline/scoring/basic/scoring_fn/bfcl_scoring_fn.py:85), so rows without an id get
    a ``KeyError``, a 500; and ``score_batch`` reads ``dataset_def.dataset_schema``
    (providers/inline/scoring/basic/scoring.py:89), a field 0.2.14's ``Dataset`` no longer has
    (apis/datasets/datasets.py:108): an ``AttributeError``, a 500, for every batch. Its math scorer's
    ``time_limit`` (providers/utils/scoring/basic_scoring_utils.py:21-22) arms a timer, then calls
    ``signal.signal``, which the kit's call thread refuses (a ``ValueError`` that
    inline/scoring/basic/utils/math_utils.py:90-98 swallows, leaving a LaTeX answer unevaluated): not a
    finding, the server calls it on its main thread; the kit ignores the stray SIGALRM that would
    otherwise end this batch (``gate._ignore_stray_alarms``);
  - safety ``inline::code-scanner``: inconclusive, its declared ``codeshield`` is not installed here;
  - vector_io ``inline::faiss``, every suite, through 0.2's router replayed by the kit
    (``suites/vector_io/helpers.py``: a store's id is its name, registered with ``register_vector_db``
    and created with the provider's id, distribution/routers/vector_io.py:116-157): ``openai_create_vector_store``
    writes ``provider_id`` / ``provider_vector_db_id`` into the caller's ``metadata`` dict
    (providers/utils/memory/openai_vector_store_mixin.py:200-205); an exact match scores ``inf``
    (providers/inline/vector_io/faiss/faiss.py:135: ``1/d`` with d=0), which JSON cannot carry; keyword and
    hybrid search raise ``NotImplementedError`` (faiss.py:145, 156) that the mixin swallows into an empty
    page (openai_vector_store_mixin.py:414-422), so a client cannot tell "unsupported" from "no match"; a
    file that failed to attach is stored without its ``last_error`` (openai_vector_store_mixin.py:577
    ``model_dump(exclude={"last_error"})``, read back at :667-668). The attach fails here because the text
    path imports ``chardet`` (providers/utils/memory/vector_store.py:87), which faiss's spec does not
    declare (providers/registry/vector_io.py:33; only ``inline::rag-runtime`` does), so a faiss-only
    server built by ``llama stack build`` lacks it too; the checks that need an attached file's text skip
    saying so. File batches (0.2 has none) and the typed filter grammar are not applicable;
  - private ``register_*`` members named otherwise than the protocol (``register_dataset(dataset_def)``)
    are accepted with a MAY erratum: 0.2's routing table passes the resource positionally
    (distribution/routing_tables/common.py:37-49);
* ``--llama-over-http`` exits 4 with one paragraph: 0.2.14 has no ``fastapi_routes`` to mount.

An environment that cannot be built (no index reachable) skips, never fails.
"""

from __future__ import annotations

import pytest
from generation_envs import generation_python, run_batch
from kitrun import KitRun
from tests_support import REPO

# defects: run once, in the ogx env (the env is built here, whatever server the tox env carries).
pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("generation-presplit")]

DISTRIBUTION, VERSION = "llama-stack", "0.2.14"
# What its offline built-ins import when built: localfs' sqlite metadata store, faiss' index.
INSTALLS = ("sqlalchemy[asyncio]", "aiosqlite", "faiss-cpu")
GENERATIONS = REPO / "fixtures" / "generations"  # kit_gen_ls02: a provider written for 0.2.14
STRUCTURAL = ("-m", "structural", "-n", "0")
DEFAULT = ("-n", "0", "--hypothesis-seed=1")  # the default profile, every suite; drawn examples repeatable
MANIFEST = f"--llama-manifest={REPO / 'fixtures' / 'configs' / 'kit-inference.manifest.yaml'}"

# reference -> (passed, skipped) of its default profile on 0.2.14: no failure, no warning.
REFERENCES: dict[str, tuple[int, int]] = {
    "files": (12, 2), "models": (6, 0), "inference": (42, 9), "datasetio": (10, 0), "datasets": (5, 0),
    "scoring": (10, 0), "eval": (12, 1), "benchmarks": (4, 0), "safety": (7, 2), "tools": (11, 0),
    "tool-groups": (7, 0),
}
RUNS: dict[str, tuple[str, ...]] = {
    **{f"kit-{name}": (f"--llama-provider=inline::kit-{name}", *DEFAULT, *((MANIFEST,) if name == "inference" else ()))
       for name in REFERENCES},
    "localfs": ("--llama-provider=inline::localfs", "--llama-api=files", *DEFAULT),
    "datasetio-localfs": ("--llama-provider=inline::localfs", "--llama-api=datasetio", *DEFAULT),
    "basic": ("--llama-provider=inline::basic", "--llama-api=scoring", *DEFAULT),
    "code-scanner": ("--llama-provider=inline::code-scanner", "--llama-api=safety", *DEFAULT),
    "faiss": ("--llama-provider=inline::faiss", "--llama-api=vector_io", *DEFAULT),
    "echo-0.2": ("--llama-provider-module=kit_gen_ls02.provider", "--llama-provider=inline::gen-ls02-echo",
                 *STRUCTURAL),
    "over-http": ("--llama-provider=inline::kit-files", "--llama-over-http", "-n", "0"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KitRun]:
    """Every run of ``RUNS`` in one process of the 0.2.14 environment (one import of the server for all).

    The built-ins keep their state in per-run sqlite files under the temp HOME, so sharing the process
    is safe; every run is judged against the one package installed there. The shield the kit names is
    the code scanner's (the safety reference accepts any).
    """
    python = generation_python(DISTRIBUTION, VERSION, INSTALLS)
    directory = tmp_path_factory.mktemp("presplit")
    home = directory / "home"
    home.mkdir()
    results = run_batch(python, directory, list(RUNS.values()), args=("-v",),
                        env={"HOME": str(home), "PYTHONPATH": str(GENERATIONS),
                             "LLAMA_STACK_DISABLE_VERSION_CHECK": "1", "PYTHONWARNINGS": "ignore",
                             "LLAMA_CONFORMANCE_SHIELD_ID": "CodeScanner"})
    return {name: KitRun.parse(result) for name, result in zip(RUNS, results, strict=True)}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_references_pass_their_default_profile(runs: dict[str, KitRun], name: str) -> None:
    """Each reference, written for request models, takes the generation's flat shape and passes every suite;
    what 0.2.14 cannot be asked is not applicable (a skip naming the generation), never a failure."""
    passed, skipped = REFERENCES[name]
    runs[f"kit-{name}"].expect(passed=passed, skipped=skipped)


def test_reference_checks_not_askable_of_0_2_are_not_applicable(runs: dict[str, KitRun]) -> None:
    """The flat upload of 0.2.14 has no ``expires_after``: the check says so instead of failing the reference."""
    runs["kit-files"].result.stdout.fnmatch_lines([
        "*llama-stack 0.2.14 declares no `expires_after` in files.openai_upload_file, so this check cannot be "
        "asked of it*"])


def test_files_localfs_findings(runs: dict[str, KitRun]) -> None:
    """0.2.14's localfs: non-latin-1 names break the download; same-second files fall out of ``after`` pages."""
    run = runs["localfs"]
    run.expect(passed=10, skipped=2, failed={"test_upload_retrieve_content": ["files.content"],
                                             "test_list_pagination_and_order": ["files.list.pagination"]})
    run.result.stdout.fnmatch_lines(["*llama-stack 0.2.14*", "*UnicodeEncodeError: 'latin-1' codec*"])


def test_datasetio_localfs_findings(runs: dict[str, KitRun]) -> None:
    """0.2.14's datasetio localfs: a ``KeyError`` for an unknown dataset, appended rows lost."""
    runs["datasetio-localfs"].expect(
        passed=8,
        failed={"test_append_rows_round_trip": ["datasetio.append-rows"],
                "test_unknown_ids[datasetio]": ["call.typed-error", "datasetio.not-found"]},
        warnings={("test_unregister", "SHOULD", "datasetio.unregister.forgets"),
                  ("test_structure[datasetio.register_dataset]", "MAY", "structure.params.names-and-kinds")})


def test_scoring_basic_findings(runs: dict[str, KitRun]) -> None:
    """0.2.14's basic scoring: bfcl's unchecked ``input_row["id"]``; ``score_batch`` reads a field ``Dataset``
    lost; ``register_scoring_function(function_def)`` passes as the server calls it (a MAY erratum)."""
    run = runs["basic"]
    run.expect(passed=8, failed={"test_score_listed_functions": ["call.typed-error"],
                                 "test_score_batch": ["scoring.score-batch"]},
               warnings={("test_structure[scoring.register_scoring_function]", "MAY",
                          "structure.params.names-and-kinds")})
    run.result.stdout.fnmatch_lines([
        "*KeyError: 'id'*", "*'Dataset' object has no attribute 'dataset_schema'*",
        "*MAY structure.params.names-and-kinds*register_object_with_provider*"])


def test_code_scanner_without_codeshield_is_inconclusive(runs: dict[str, KitRun]) -> None:
    """The package its spec declares is missing: whoever runs the kit must install it, the provider is not blamed."""
    run = runs["code-scanner"]
    run.expect(passed=5, skipped=2, inconclusive=2)
    run.result.stdout.fnmatch_lines(["*pip install codeshield*"])


def test_faiss_findings(runs: dict[str, KitRun]) -> None:
    """llama-stack 0.2.14's faiss, found in its registry, matches its generation's contract (18 structural
    tests) and is judged on behaviour through 0.2's router: four real defects, nothing of the kit's."""
    run = runs["faiss"]
    run.expect(passed=26, skipped=12, failed={
        "test_store_create_retrieve_update": ["call.request-unchanged"],
        "test_exact_match_scores_are_finite": ["vector_io.search.scores-finite"],
        "test_search_modes": ["vector_io.search.modes"],
        "test_attach_file": ["vector_io.files.attach"]},
        # an unknown store is a ValueError (openai_vector_store_mixin.py:274 and on; 0.2's routing table raises one
        # first, routing_tables/common.py:155), which 0.2's server answers 400 (server.py:99-133), not 404
        warnings={("test_unknown_store_answers_404", "SHOULD", "vector_io.not-found.404")})
    run.result.stdout.fnmatch_lines(["*llama-stack 0.2.14*"])
    out = run.result.stdout.str()
    assert "Keyword search is not supported in FAISS" in out and "No module named 'chardet'" in out, out[-4000:]
    assert "Provider ID is required" not in out and "does not replay" not in out, out[-4000:]


def test_provider_built_on_0_2_is_judged_against_0_2(runs: dict[str, KitRun]) -> None:
    """No flag: the provider's own generation is the contract; its incomplete members are its findings."""
    stubs = ["openai_completion", "openai_chat_completion", "openai_embeddings", "embeddings"]
    run = runs["echo-0.2"]
    run.expect(passed=7, skipped=2,
               failed={f"test_structure[inference.{m}]": ["structure.member.not-protocol-stub"] for m in stubs},
               warnings={("test_structure[inference.chat_completion]", "SHOULD", "structure.params.defaults-kept")})
    assert "MISMATCH" not in run.result.stdout.str()


def test_over_http_exits_4_saying_why(runs: dict[str, KitRun]) -> None:
    """0.2.14 ships no routers to mount: a usage error naming the cause and the in-process alternative."""
    result = runs["over-http"].result
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    result.stdout.fnmatch_lines([
        "*--llama-over-http cannot judge this provider*files.fastapi_routes.create_router*llama-stack 0.2.14*"
        "has none*drop --llama-over-http*"])

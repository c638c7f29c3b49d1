"""The kit on the llama-stack-api lines before the 0.7 it is developed on: 0.4, 0.5 and 0.6.

A provider built on llama-stack-api 0.5 is judged against 0.5's contract, not 0.7's: the
generations differ (0.4 declares flat parameters for most members where 0.6 takes request
models, and 0.5 still does for vector_io, file_processors and tool_groups; 0.4 / 0.5 errors
derive from ``ValueError`` and carry no status; some types are renamed), and those differences
live in ``llama_conformance.contract`` alone. This module builds one isolated, cached
environment per line (``generation_envs``: uv when present, else venv + pip, under
``build/generations/``) holding the kit (editable: it sees the working tree) and
``llama-stack-api==X``, and pins every verdict there:

* the references pass: the files suite (structural and behavioural) and the tool_runtime suite
  in full, the models structural suite (on 0.4 and 0.5 the references, written for request
  models, are given the generation's flat call shape: ``llama_conformance_fixtures._api``);
* a broken twin still fails there, on the same check: ``files-unknown-key-error`` raises a bare
  ``KeyError`` for an unknown id, which every line's server turns into a 500
  (``call.typed-error``), while the references' not-found errors are 404s on every line, 0.4 /
  0.5 included, whose server mapped ``ResourceNotFoundError`` by name (``contract.errors``);
* on 0.4 and 0.5 every reference passes its default profile (``REFERENCES``), with the checks the
  line cannot be asked not applicable there (a member or field it does not declare), each named;
* a real provider of the 0.6 line, the llama-stack 0.6.1 server's own ``inline::localfs`` files
  provider, judged against llama-stack-api 0.6.1 with no flag, and its findings there.

An environment that cannot be built (no index reachable) skips, never fails.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from generation_envs import batch_results, generation_python, start_batch
from kitrun import KitRun
from tests_support import BROKEN_MODULE

# defects: run once, in the ogx env (the envs are built here, whatever server the tox env carries).
pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("generation-llama-stack-api")]

DISTRIBUTION = "llama-stack-api"
LINES = ("0.4.7", "0.5.4", "0.6.1")
IN_PROCESS = ("-n", "0", "-p", "no:randomly")

RUNS: dict[str, tuple[str, ...]] = {
    "kit-files": ("--llama-provider=inline::kit-files", *IN_PROCESS),
    "kit-tools": ("--llama-provider=inline::kit-tools", *IN_PROCESS),
    "kit-models": ("--llama-provider=inline::kit-models", "-m", "structural", *IN_PROCESS),
    "broken-unknown-key": (BROKEN_MODULE, "--llama-provider=inline::broken-files-unknown-key-error",
                           "-k", "test_unknown_ids", *IN_PROCESS),
}
# Every reference's default profile on the lines before 0.6 (whose request models the references are
# written for): reference -> (passed, not applicable, other skips), from runs on 0.4.7 and 0.5.4. Not
# applicable: inference's streamed-completion usage and int logprobs (0.4-0.6 declare neither),
# vector_io's filter-key pattern and hybrid_search (ogx-api 1.5 only), its search and query_chunks filters (no
# ComparisonFilter / CompoundFilter before 0.6: filters are a free-form dict) and, on 0.4, its weighted ranker
# (SearchRankingOptions has no alpha); 0.5's agents API has no create_agent. The other vector_io skip
# is the reference's own: its config names no storage backend a second instance could share.
_COMMON = {"kit-files": (14, 0, 0), "kit-batches": (15, 0, 0), "kit-conversations": (18, 0, 0),
           "kit-prompts": (14, 0, 0), "kit-inference": (46, 3, 0), "kit-models": (6, 0, 0), "kit-tools": (10, 0, 0),
           "kit-file-processors": (18, 0, 0), "kit-tool-groups": (7, 0, 0), "kit-connectors": (5, 0, 0),
           "kit-scoring": (11, 0, 0), "kit-datasetio": (10, 0, 0), "kit-safety": (11, 0, 0), "kit-eval": (14, 0, 0),
           "kit-datasets": (5, 0, 0), "kit-benchmarks": (5, 0, 0)}
REFERENCES: dict[str, dict[str, tuple[int, int, int]]] = {
    "0.4.7": {**_COMMON, "kit-vector-io": (40, 5, 1)},
    # agents and post_training: 0.5-0.6 APIs (0.4 declares them with flat parameters the references do not take)
    "0.5.4": {**_COMMON, "kit-vector-io": (41, 4, 1), "kit-agents": (14, 7, 0), "kit-post-training": (13, 0, 0)},
}
# The router errata the structural suite reports on 0.5 (DatasetIORouter explodes the request model).
_ERRATA = {"0.5.4": {"kit-datasetio": {(f"test_structure[datasetio.{name}]", "MAY", "structure.params.names-and-kinds")
                                       for name in ("iterrows", "append_rows")}}}
_NOT_APPLICABLE = re.compile(r"llama-conformance: (\d+) tests not applicable")


def _reference_runs(version: str) -> dict[str, tuple[str, ...]]:
    return {name: (f"--llama-provider=inline::{name}", *IN_PROCESS) for name in REFERENCES[version]}


# The llama-stack 0.6.1 server with its API package (the server does not pin it: 0.7.3 would come) and
# what its localfs files provider imports (a sqlite metadata store); mcp<2 as llama-stack 0.7 needs
# (/work/shared/facts/RUNNING.md).
SERVER = ("llama-stack", "0.6.1", ("llama-stack-api==0.6.1", "mcp<2", "aiosqlite", "sqlalchemy[asyncio]"))
SERVER_RUNS: dict[str, tuple[str, ...]] = {
    "localfs": ("--llama-provider=inline::localfs", "--llama-api=files", "--hypothesis-seed=1", *IN_PROCESS),
}


def _start(python: Path, directory: Path, runs: dict[str, tuple[str, ...]]) -> subprocess.Popen[str]:
    """Every run of ``runs`` in one process of that environment (one import of its package)."""
    return start_batch(python, directory, list(runs.values()), args=("-v",),
                       env={"HOME": str(directory), "PYTHONWARNINGS": "ignore",
                            "LLAMA_STACK_DISABLE_VERSION_CHECK": "1"})


def _verdicts(process: subprocess.Popen[str], runs: dict[str, tuple[str, ...]]) -> dict[str, KitRun]:
    results = batch_results(process)
    return {name: KitRun.parse(result) for name, result in zip(runs, results, strict=True)}


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, KitRun]]:
    """Line -> run name -> its verdict (``server`` for the llama-stack 0.6.1 built-in); the batches
    run side by side."""
    started = {version: (_start(generation_python(DISTRIBUTION, version),
                                tmp_path_factory.mktemp(f"llama-stack-api-{version}"), RUNS), RUNS)
               for version in LINES}
    for version in REFERENCES:  # beside the line's own batch: the two share nothing but the environment
        started[f"references-{version}"] = (
            _start(generation_python(DISTRIBUTION, version), tmp_path_factory.mktemp(f"references-{version}"),
                   _reference_runs(version)), _reference_runs(version))
    started["server"] = (_start(generation_python(*SERVER), tmp_path_factory.mktemp("llama-stack-server"), SERVER_RUNS),
                         SERVER_RUNS)
    return {name: _verdicts(process, runs) for name, (process, runs) in started.items()}


@pytest.mark.parametrize("version", LINES)
def test_references_pass_their_generation(lines: dict[str, dict[str, KitRun]], version: str) -> None:
    """The references pass the files and tool_runtime suites and the models structure on each line,
    judged against that line's contract (the run names the package it judged against)."""
    runs = lines[version]
    runs["kit-files"].expect(passed=14)
    runs["kit-tools"].expect(passed=10)
    runs["kit-models"].expect(passed=6)
    runs["kit-files"].result.stdout.fnmatch_lines([f"*llama-stack-api {version}*"])


@pytest.mark.parametrize("version", LINES)
def test_broken_twin_fails_on_every_generation(lines: dict[str, dict[str, KitRun]], version: str) -> None:
    """A bare ``KeyError`` for an unknown id is a 500 on every line: the defect is caught on each."""
    lines[version]["broken-unknown-key"].expect(
        passed=0, failed={"test_unknown_ids[files]": ["call.typed-error", "files.not-found"]})


@pytest.mark.parametrize("version", list(REFERENCES))
def test_every_reference_passes_its_generation(lines: dict[str, dict[str, KitRun]], version: str) -> None:
    """Every reference passes its default profile on 0.4 and 0.5 in-process, judged against that line:
    what the line declares differently is the contract's (``members.flat_request_call``, the package
    table's ``router_nones``), and what it does not declare at all is not applicable, never failed."""
    runs = lines[f"references-{version}"]
    for name, (passed, not_applicable, other) in REFERENCES[version].items():
        run = runs[name]
        run.expect(passed=passed, skipped=not_applicable + other, warnings=_ERRATA.get(version, {}).get(name))
        found = _NOT_APPLICABLE.search(run.result.stdout.str())
        assert (int(found.group(1)) if found else 0) == not_applicable, (name, run.result.stdout.str())


def test_llama_stack_0_6_localfs(lines: dict[str, dict[str, KitRun]]) -> None:
    """llama-stack 0.6.1's ``inline::localfs``, judged against llama-stack-api 0.6.1 (its own, no flag).

    Real findings (llama_stack/providers/inline/files/localfs/files.py in 0.6.1):

    - files.content: ``openai_retrieve_file_content`` puts the stored filename into
      ``Content-Disposition`` as is (line 227); a filename outside latin-1 ("Ā") makes the
      header unencodable (UnicodeEncodeError), so the content of such a file cannot be read.
      0.7 sanitizes the header's filename (``sanitize_content_disposition_filename``).
    - files.list.pagination: it orders by ``created_at`` with an ``("id", after)`` cursor (lines
      162-168), which the sqlstore reads as ``created_at > created_at(after)``: page two skips the
      files created in the same second as the cursor (as 0.7.3 does).
    - files.upload.expires-at: ``expires_after`` is logged as ignored (lines 101-105) and
      ``expires_at`` comes from its own ``ttl_secs`` (line 118): the client is not told (as 0.7.3).
    """
    run = lines["server"]["localfs"]
    run.result.stdout.fnmatch_lines(["*judged against llama-stack-api 0.6.1*"])
    run.expect(passed=11, failed={
        "test_upload_retrieve_content": ["files.content"],
        "test_list_pagination_and_order": ["files.list.pagination"],
        "test_upload_expires_after": ["files.upload.expires-at"],
    })

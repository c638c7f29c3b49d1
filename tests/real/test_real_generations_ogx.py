"""The kit on the older ogx-api lines (1.0.x, 1.4.x): each run judged against the contract of its own line.

The kit's own environment carries ogx-api 1.5; a provider built on 1.0 or 1.4 is installed beside
that older package, and the kit must judge it against what that package declares. Each line gets
an isolated, cached environment (``build/generations/``, gitignored: the kit editable, so it sees
the working tree, and ``ogx-api==X``; built by ``llama_conformance.compat.envs``: uv when present,
else venv + pip). An environment that cannot be built (no index reachable) skips, never fails.

What differs between the lines, and what the runs below pin:

* ogx-api 1.0 declares no Message Batches (``Messages.create_message_batch`` ... arrive in 1.4) and
  no ``InferenceProvider.anthropic_messages`` / ``anthropic_count_tokens``: the structural suite
  has fewer members there, and the batch tests are skipped with a reason naming the line (the
  contract declares no such member), never failures of the provider.
* ogx-api 1.0 declares ``AnthropicCreateMessageRequest.tool_choice`` as ``Any`` and tool definitions
  without a ``type``: the dict a client sent reaches the provider as it is. A provider written for
  1.4's typed models (``request.tool_choice.type``) breaks there, and ``messages.tool-use`` says so
  on 1.0 only (the broken fixture ``messages-typed-tool-choice``; the kit's own reference had
  this very defect until it read ``tool_choice`` both ways).
* ogx-api 1.0's upload route reads ``expires_after`` from flattened ``anchor`` / ``seconds`` form fields
  only (1.4 reads OpenAI's ``expires_after[anchor]`` too): over HTTP no provider can be judged on
  ``files.upload.expires-at`` there, so it is not applicable (``PackageRow.by_version``); on 1.4 it runs.
* ogx-api 1.0-1.4's count_tokens route answers 500 to every provider exception (1.5 maps not-found to 404):
  over HTTP the unknown-model half of ``messages.unknown-model`` and the fuzzing of that route are not
  applicable there, naming the route; a valid count is still judged.

The references (``inline::kit-*``) pass on every line; one kit process per line runs them all.
"""

from __future__ import annotations

import concurrent.futures

import pytest
from generation_envs import generation_python, run_batch
from tests_support import BROKEN_MODULE, assert_fails_exactly, assert_passes, output_block

from llama_conformance_suites.messages.checks import TOOL_USE

# ``defects``: run once, in the ogx tox env (the llama-stack env deselects it; the envs built are the same).
pytestmark = [pytest.mark.slow, pytest.mark.defects, pytest.mark.xdist_group("ogx-generations")]

DISTRIBUTION = "ogx-api"
LINES = ("1.0.4", "1.4.1")
NOT_APPLICABLE = "NOT APPLICABLE"


# What every run gets: the broken fixtures (typed-tool-choice is one), the tests in order.
KIT_ARGS = (BROKEN_MODULE, "-p", "no:randomly")
# name -> kit arguments; the same runs on every line, so the counts below compare the lines.
RUNS: dict[str, tuple[str, ...]] = {
    "files": ("--llama-provider=inline::kit-files",),
    "messages": ("--llama-provider=inline::kit-messages",),
    "inference-structure": ("--llama-provider=inline::kit-inference", "-m", "structural"),
    "typed-tool-choice": ("--llama-provider=inline::broken-messages-typed-tool-choice", "-k", "test_tool_use"),
    "files-expiry-http": ("--llama-provider=inline::kit-files", "--llama-over-http", "-k", "test_upload_expires_after"),
    "count-tokens-http": ("--llama-provider=inline::kit-messages", "--llama-over-http", "-k",
                          "test_unknown_model or test_count_tokens or count_tokens]"),
}
# (line, run) -> pytest's counts of the run.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("1.0.4", "files"): {"passed": 14},
    ("1.4.1", "files"): {"passed": 14},
    # 1.0: no Message Batches: five structural tests fewer, the seven batch tests skipped.
    ("1.0.4", "messages"): {"passed": 15, "skipped": 7},
    ("1.4.1", "messages"): {"passed": 27},
    # 1.0: no anthropic_messages / anthropic_count_tokens on InferenceProvider.
    ("1.0.4", "inference-structure"): {"passed": 11, "skipped": 1},
    ("1.4.1", "inference-structure"): {"passed": 11, "skipped": 3},
}
TYPED_TOOL_CHOICE_FAILS = {"test_tool_use[auto]": (TOOL_USE,), "test_tool_use[tool]": (TOOL_USE,)}


@pytest.fixture(scope="module")
def generation_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[pytest.RunResult]]:
    """Each line's runs (``RUNS``, in order), the lines side by side (one process each)."""
    pythons = {line: generation_python(DISTRIBUTION, line) for line in LINES}
    with concurrent.futures.ThreadPoolExecutor(len(LINES)) as pool:
        futures = {line: pool.submit(run_batch, pythons[line], tmp_path_factory.mktemp(f"ogx-api-{line}"),
                                     list(RUNS.values()), args=KIT_ARGS) for line in LINES}
        return {line: future.result() for line, future in futures.items()}


def _result(runs: dict[str, list[pytest.RunResult]], line: str, name: str) -> pytest.RunResult:
    return runs[line][list(RUNS).index(name)]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("name", ["files", "messages", "inference-structure"])
def test_reference_passes_on_its_line(generation_runs: dict[str, list[pytest.RunResult]], line: str,
                                      name: str) -> None:
    """The reference passes, judged against the line's own contract (the header says which), with the
    line's own counts; no SHOULD finding."""
    result = _result(generation_runs, line, name)
    outcomes = assert_passes(result)
    assert {k: v for k, v in outcomes.items() if k in ("passed", "skipped")} == EXPECTED[(line, name)], \
        result.stdout.str()
    result.stdout.fnmatch_lines([f"*judged against {DISTRIBUTION} {line}*"])
    assert not output_block(result, "SHOULD-level findings"), result.stdout.str()


def test_message_batches_are_not_in_ogx_api_1_0(generation_runs: dict[str, list[pytest.RunResult]]) -> None:
    """ogx-api 1.0 declares no Message Batches: each of the seven batch tests says so, naming the line (a skip,
    never a failure of the provider); on 1.4 all seven run and pass."""
    old = _result(generation_runs, "1.0.4", "messages")
    skips = [line for line in old.stdout.lines if line.startswith("SKIPPED")]
    assert sum(int(line.split("[")[1].split("]")[0]) for line in skips) == 7, skips
    assert all(f"{DISTRIBUTION} 1.0.4 declares no `" in line and "_message_batch` for messages" in line
               for line in skips), skips
    new = _result(generation_runs, "1.4.1", "messages")
    ran = {line.rpartition("::")[2] for line in new.stdout.lines
           if line.startswith("PASSED messages/test_message_batches.py")}
    assert len(ran) == 7, ran


def test_typed_tool_choice_fails_on_ogx_api_1_0_only(generation_runs: dict[str, list[pytest.RunResult]]) -> None:
    """A provider reading ``tool_choice.type`` (1.4's typed model) fails messages.tool-use on 1.0, where
    the client's dict reaches it, and passes on 1.4."""
    reports = assert_fails_exactly(_result(generation_runs, "1.0.4", "typed-tool-choice"), TYPED_TOOL_CHOICE_FAILS)
    for report in reports.values():
        assert "AttributeError" in report, report
    assert assert_passes(_result(generation_runs, "1.4.1", "typed-tool-choice")).get("passed") == 2


def test_expires_after_over_http_is_judged_where_the_router_passes_it_on(
        generation_runs: dict[str, list[pytest.RunResult]]) -> None:
    """Over HTTP, ogx-api 1.0's upload route drops what OpenAI clients send as expires_after: the check is
    not applicable there, naming the route; 1.4's route passes it on, and the reference passes the check."""
    old = _result(generation_runs, "1.0.4", "files-expiry-http")
    outcomes = assert_passes(old)
    assert outcomes.get("skipped") == 1 and "passed" not in outcomes, old.stdout.str()
    old.stdout.fnmatch_lines([f"*{NOT_APPLICABLE}: {DISTRIBUTION} 1.0.4: its upload router (ogx-api 1.0: "
                              "files/fastapi_routes.py:121*"])
    new = _result(generation_runs, "1.4.1", "files-expiry-http")
    assert assert_passes(new).get("passed") == 1, new.stdout.str()


@pytest.mark.parametrize("line", LINES)
def test_count_tokens_route_errors_are_not_the_providers(generation_runs: dict[str, list[pytest.RunResult]],
                                                         line: str) -> None:
    """Over HTTP, the count_tokens route of ogx-api 1.0 and 1.4 turns the reference's not-found error into a 500:
    the checks resting on it are not applicable, naming the version and the route; the valid count passes."""
    result = _result(generation_runs, line, "count-tokens-http")
    outcomes = assert_passes(result)
    assert outcomes.get("skipped") == 2 and outcomes.get("passed") == 1, result.stdout.str()
    result.stdout.fnmatch_lines([f"*{NOT_APPLICABLE}: POST /v1/messages/count_tokens: {DISTRIBUTION} {line}: its "
                                 "count_tokens route (messages/fastapi_routes.py*answers 500 to every exception*",
                                 f"*{NOT_APPLICABLE}: count_message_tokens for an unknown model: {DISTRIBUTION} "
                                 f"{line}: its count_tokens route*"], consecutive=False)

"""What the inference and files defect matrix cannot say: the runs that need a harness of their own.

The matrix itself (one broken fixture per check, the exact tests that fail naming their checks,
the SHOULD findings a passing run lists) is declared in the wings, ``suites/inference/checks.py``
and ``suites/files/checks.py`` (``WING.proofs``), and run by ``tests/test_proofs.py``. Here: a
hanging call (a timeout, then every later call of that member refused at once), a crash only
drawn parameters reach (shrunk, printed, reproduced by the printed rerun line), the state machine
as the only test that sees reused ids, an undeclared capability's NotImplementedError as a skip,
and the good providers passing every suite.
"""

from __future__ import annotations

import importlib
import re
import shlex

import pytest
import tests_support
from tests_support import assert_fails_exactly, assert_passes, only, output_block, requires

from llama_conformance.behaviour.judge import CheckFailed, Judge, kit_frames_hidden
from llama_conformance.capabilities import Manifest
from llama_conformance.checks import each
from llama_conformance.engine_checks import NO_HANG, TYPED_ERROR
from llama_conformance.validate.ids import STREAM_SAME_ID
from llama_conformance_suites.files.checks import STATEFUL
from llama_conformance_suites.inference.checks import ALL, BEHAVIOURAL, STREAM_TESTS

pytestmark = [pytest.mark.defects]

EVERY_SUITE = ("-m", "behavioral or negative or stateful")
STREAMS_UNDECLARED = (*BEHAVIOURAL, "-k", "test_chat_stream and not fuzz")  # test_chat_stream, ..._stream_usage

# TRANSITION (issue 14): the kit tests of wings not yet converted import these from here; they live
# in ``tests_support`` (import them from there). Delete these names once nothing imports them.
_block, failed_tests, failure_reports, literal, must_ids = (
    tests_support.output_block, tests_support.failed_tests, tests_support.failure_reports, tests_support.literal,
    tests_support.must_ids)

_DURATION = re.compile(r" in (\d+(?:\.\d+)?)s")


def run_seconds(result: pytest.RunResult) -> float:
    found = _DURATION.search(result.stdout.lines[-1])
    assert found, result.stdout.lines[-1]
    return float(found.group(1))



def test_only_the_state_machine_catches_reused_ids(run_suites) -> None:
    """Ids reused after delete: every single-call test passes; the state machine fails."""
    result = run_suites("inline::broken-files-ids-reused", *EVERY_SUITE)
    reports = assert_fails_exactly(result, each(("test_files_state_machine",), STATEFUL))
    # upload/retrieve/content, list x2, delete, unknown id, limits, expires_after
    assert result.parseoutcomes().get("passed") == 7
    assert re.search(r"upload returned id '[^']+', which was already used", reports["test_files_state_machine"])
    assert "state.delete(" in reports["test_files_state_machine"]  # the shrunk sequence is shown


def test_a_machine_tells_its_own_failure_from_one_its_caller_is_handling() -> None:
    """``ended_by_a_failure`` in teardown: True after a failed step, False after a run that passed, even when
    the machine runs while some caller handles an exception (``sys.exc_info`` alone shows that one too)."""
    from hypothesis.stateful import RuleBasedStateMachine, rule

    from llama_conformance.behaviour.examples import ended_by_a_failure, run_machine
    from llama_conformance.target.profiles import PROFILES

    seen: list[bool] = []

    class Passing(RuleBasedStateMachine):
        @rule()
        def step(self) -> None:
            pass

        def teardown(self) -> None:
            seen.append(ended_by_a_failure())

    class Failing(Passing):
        @rule()
        def fail(self) -> None:
            raise CheckFailed([])

    try:
        raise KeyError("a caller's")
    except KeyError:
        run_machine(Passing, profile=PROFILES["fast"], session_seed=1)
    assert seen and not any(seen), seen
    seen.clear()
    with pytest.raises(CheckFailed):
        run_machine(Failing, profile=PROFILES["fast"], session_seed=1)
    assert True in seen, seen


def test_a_sweep_reads_back_what_a_step_touched_and_everything_every_eighth_read() -> None:
    """``Sweep``: only the resources touched since the last read (and still held), and every resource on every
    ``SWEEP_EVERY``-th read and in teardown."""
    from llama_conformance.behaviour.examples import SWEEP_EVERY, Sweep

    sweep, held = Sweep(), {"a": 1, "b": 2}
    sweep.touch("a")
    sweep.touch("a")
    assert sweep.due(held) == {"a": 1}
    sweep.touch("b")
    sweep.touch("gone")  # deleted since: not held, not read
    assert sweep.due(held) == {"b": 2}
    assert sweep.due(held) == {}  # nothing touched since
    for _ in range(SWEEP_EVERY - 4):
        sweep.touch("a")
        assert sweep.due(held) == {"a": 1}
    assert sweep.due(held) == {"a": 1, "b": 2}  # the eighth read, nothing touched
    assert sweep.due(held, everything=True) == {"a": 1, "b": 2}  # teardown


@pytest.mark.parametrize("api, defect", [("conversations", "conversations-items-to-latest"),
                                         ("skills", "skills-update-moves-latest")])
def test_a_machine_that_failed_is_not_read_back_again_in_teardown(run_suites, api: str, defect: str) -> None:
    """A machine's teardown reads every resource back, except after a step or an invariant failed: its finding
    is reported once (the read-back failed too, and was shown "during handling of the above exception")."""
    test = f"test_{api}_state_machine"
    result = run_suites(f"inline::broken-{defect}", "-k", test, "--hypothesis-seed=1")
    report = assert_fails_exactly(result, {test: (f"{api}.stateful",)})[test]
    assert "another exception occurred" not in report and report.count("CheckFailed: [MUST") == 1, report
    assert "state.teardown()" in report  # the shrunk sequence is shown to its end


@pytest.mark.parametrize(("defect", "args", "failing"), [
    ("files-list-hangs", ("-m", "behavioral or stateful"),
     ("test_list_pagination_and_order", "test_list_purpose_filter", "test_delete", "test_files_state_machine",
      "test_files_resource_bound")),
    ("inference-stream-stalls", (*BEHAVIOURAL, "-k", "chat", *ALL),
     ("test_chat_stream", "test_chat_stream_fuzz", "test_chat_stream_usage", "test_chat_with_tools",
      "test_unknown_model[chat]", "test_unknown_model[chat-stream]")),
])
def test_hanging_call_fails_once_then_fast(run_suites, defect: str, args: tuple[str, ...],
                                           failing: tuple[str, ...]) -> None:
    """A call that never returns fails call.no-hang after the timeout; later calls of that member
    fail at once, so the run ends in seconds, not one timeout per call."""
    result = run_suites(f"inline::broken-{defect}", "--llama-timeout=1", *args)
    reports = assert_fails_exactly(result, each(failing, NO_HANG))
    verdict = re.compile(rf"CheckFailed: \[MUST {re.escape(NO_HANG.id)}\] (.*)")
    verdicts = [verdict.findall(report)[0] for report in reports.values()]
    waited = [v for v in verdicts if "ran for 1 s without returning" in v]
    refused = [v for v in verdicts if v.startswith("Not called") and "already exceeded the 1 s timeout" in v]
    assert len(waited) == 1 and len(refused) == len(failing) - 1, verdicts
    assert run_seconds(result) < 90  # one timeout per call would be minutes; a loaded CI's start-up is not


# -- drawn-only defects: found, shrunk, printed, reproducible ---------------------------------

def test_fuzz_finds_a_crash_on_drawn_parameters_and_the_seed_reproduces_it(run_suites, pytester) -> None:
    """TypeError only when a sampling parameter is set: minimal requests pass, test_chat_fuzz
    finds it, prints the shrunk request as JSON and a rerun command whose seed reproduces it."""
    args = (*BEHAVIOURAL, *only("test_chat_answer", "test_chat_fuzz"), *ALL)
    result = run_suites("inline::broken-inference-sampling-type-error", *args)
    reports = assert_fails_exactly(result, each(("test_chat_fuzz",), TYPED_ERROR))
    report = reports["test_chat_fuzz"]
    assert "TypeError" in report and "the server turns that into a 500" in report, report
    shrunk = re.findall(r"request \(JSON\): (\{.*\})", report)
    assert len(shrunk) == 1, report
    sampling = ("temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "seed", "frequency_penalty",
                "presence_penalty", "stop")
    assert any(f'"{name}": ' in shrunk[0] for name in sampling), shrunk[0]
    lines = report.splitlines()
    rerun = lines[next(i for i, line in enumerate(lines) if "- llama-conformance rerun -" in line) + 1]
    assert rerun.startswith("pytest ") and "::test_chat_fuzz " in rerun and "--hypothesis-seed=" in rerun, rerun

    again = pytester.runpytest_subprocess(*shlex.split(rerun)[1:])  # the printed line, as a user runs it
    again_report = assert_fails_exactly(again, each(("test_chat_fuzz",), TYPED_ERROR))["test_chat_fuzz"]
    assert re.findall(r"request \(JSON\): (\{.*\})", again_report) == shrunk


# -- how a failure reads: from the suite's line to the findings ----------------------------------

def test_a_failure_is_shown_from_the_suites_line_not_the_engines(run_suites) -> None:
    """A failed check's traceback ends at the suite's line that asked for it, then its findings: the engine's
    frames below that line (``Kit.accept`` -> ``Judge.take`` -> ``Judge._raise``, the example loop's body) are left
    out, called directly or from a drawn example. ``--full-trace`` shows them again."""
    args = (*BEHAVIOURAL, "-k", "test_chat_stream and not usage", *ALL)
    failing = each(("test_chat_stream", "test_chat_stream_fuzz"), STREAM_SAME_ID)
    reports = assert_fails_exactly(run_suites("inline::broken-inference-stream-ids-differ", *args), failing)
    direct, drawn = reports["test_chat_stream"], reports["test_chat_stream_fuzz"]
    assert re.search(r"^>\s+kit\.accept\(kit\.call_request\(", direct, re.M), direct
    assert re.search(r"^>\s+kit\.validate\(outcome, ", drawn, re.M), drawn  # the suite's body, as drawn
    # The suite's argument, in a line: not the session, provider, contract and judge pytest once built to cut
    assert "llama_kit = Kit(inline::broken-inference-stream-ids-differ, api='inference')" in direct, direct
    for report in (direct, drawn):
        # Hypothesis's wrapper of the example loop stays, under the loop's name: its frame runs Hypothesis's code.
        engine = set(re.findall(r"llama_conformance/behaviour/(\w+\.py):\d+: in (\w+)", report))
        assert engine <= {("examples.py", "property_")}, report
        assert "judge.py" not in report and "context.py" not in report, report
        assert re.search(r"suites/inference/test_inference\.py:\d+: CheckFailed$", report, re.M), report
    full = failure_reports(run_suites("inline::broken-inference-stream-ids-differ", *args, "--full-trace"))
    assert "llama_conformance/behaviour/judge.py" in full["test_chat_stream"], full["test_chat_stream"]


def test_an_error_of_the_kit_itself_keeps_the_engines_frames() -> None:
    """Only a check's failure hides the engine's frames: any other exception raised there (a defect of the kit)
    is shown through them."""
    judge = Judge(manifest=Manifest())
    with pytest.raises(CheckFailed) as failed:
        judge.fail(NO_HANG, "a finding")
    with pytest.raises(TypeError) as broken:
        judge.take(None)  # type: ignore[arg-type]  # not iterable: raised inside Judge._sort
    shown = {name: [entry.frame.code.path.name for entry in info.traceback.filter(info)]
             for name, info in (("failed", failed), ("broken", broken))}
    assert "judge.py" not in shown["failed"], shown
    assert "judge.py" in shown["broken"], shown
    # Hypothesis's report of several distinct failures: hidden only when every one is a check's.
    for members, hidden in (([failed.value, CheckFailed([])], True), ([failed.value, broken.value], False)):
        with pytest.raises(ExceptionGroup) as group:
            raise ExceptionGroup("distinct failures", members)
        assert kit_frames_hidden(group) is hidden, members


def test_what_a_traceback_shows_of_the_provider_names_it_and_never_its_config() -> None:
    """``--showlocals`` and a failing test's arguments print these objects: the provider and its API only."""
    from llama_conformance.discovery import ProviderEntry
    from llama_conformance.harness.build import ProviderUnderTest

    entry = ProviderEntry(provider_type="remote::acme", api="inference", module="acme", config_class="acme.Config")
    put = ProviderUnderTest(entry=entry, contract=None, gate=None, redactor=None,  # type: ignore[arg-type]
                            config={"api_key": "sk-never-shown"})
    assert repr(put) == "ProviderUnderTest(remote::acme, api='inference')"


def test_what_a_traceback_shows_of_a_deployment_holds_neither_its_url_nor_its_headers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fuzz tests take the target and the fuzz run as arguments, and ``-vv`` prints their reprs whole: no
    header value, no URL (it may carry credentials), no OpenAPI document."""
    from llama_conformance.fuzz.session import FuzzRun
    from llama_conformance.target.http import RemoteTarget
    from llama_conformance.target.options import KitOptions
    from llama_conformance.transport import remote_impl

    monkeypatch.setattr(remote_impl, "RemoteImpl", lambda *args: None)  # no contract here to build it from
    url, secret = "http://user:pw-never-shown@127.0.0.1:1", "Bearer sk-never-shown"
    target = RemoteTarget(url=url, contract=None, gate=None, redactor=None, client=None,  # type: ignore[arg-type]
                          spec={"paths": {"/v1/files": {}}}, apis=["files"], headers={"Authorization": secret})
    options = KitOptions(provider=None, provider_module=None, providers_dir=None, provider_config=None, api=None,
                         api_package=None, timeout_s=1, stack_url=url, stack_headers=(f"Authorization: {secret}",))
    fuzz = FuzzRun(target=target, schema=None, budget=None, feedback=None, seed=1,  # type: ignore[arg-type]
                   time_budget_s=1)
    put = target.put("files")  # the HTTP stand-in, whose provider_type is the deployment's URL
    for shown in (repr(target), repr(fuzz), repr(options), repr(put)):
        assert "never-shown" not in shown and "/v1/files" not in shown, shown
    assert repr(fuzz) == "FuzzRun(RemoteTarget(a deployment, apis=['files']), seed=1)"
    assert repr(put) == "ProviderUnderTest(a deployment, api='files')"


@pytest.mark.parametrize("module", ["judge", "context", "examples", "negative", "resource_bound", "steps", "stress"])
def test_every_engine_module_between_a_suite_and_the_judge_hides_its_frames(module: str) -> None:
    """The modules a check's failure passes through on its way to the suite (a real run shows judge, context and
    examples; negative, resource_bound, steps and stress are the other helpers suites call)."""
    engine = importlib.import_module(f"llama_conformance.behaviour.{module}")
    assert engine.__tracebackhide__ is kit_frames_hidden


# -- an undeclared capability: a skip with its reason, not a failure ----------------------------

def test_undeclared_streaming_that_raises_not_implemented_is_a_skip(run_suites) -> None:
    result = run_suites("inline::broken-inference-stream-not-implemented", *STREAMS_UNDECLARED)
    outcomes = assert_passes(result)
    assert outcomes.get("skipped") == 2, outcomes
    skipped = output_block(result, "tests skipped (not passed)")
    for test in STREAM_TESTS:
        reason = (f"{test}: capability `streaming` not declared, and inference.openai_chat_completion raises "
                  "NotImplementedError")
        assert any(line.startswith(reason) for line in skipped), skipped


# -- good providers pass -------------------------------------------------------------------------

def test_order_check_passes_a_provider_that_orders_distinct_timestamps(run_suites) -> None:
    """The good twin of files-list-ignores-asc (one upload per clock second) passes every files suite."""
    result = run_suites("inline::broken-files-distinct-clock", *EVERY_SUITE)
    assert assert_passes(result).get("passed") == 8
    assert not output_block(result, "SHOULD-level findings"), result.stdout.str()


@pytest.mark.parametrize(("provider", "package"), [
    ("inline::kit-inference", None),
    ("inline::kit-files", None),
    ("inline::kit-inference", "llama_stack_api"),
    ("inline::kit-files", "llama_stack_api"),
])
def test_reference_providers_pass_every_suite(run_suites, provider: str, package: str | None) -> None:
    extra: tuple[str, ...] = ALL if provider.endswith("inference") else ()
    if package:
        requires(package)
        extra = (*extra, f"--llama-api-package={package}")
    result = run_suites(provider, *extra)
    outcomes = assert_passes(result)
    assert outcomes.get("passed", 0) >= 12, outcomes
    assert not output_block(result, "SHOULD-level findings"), result.stdout.str()
    # with every capability declared, only optional protocol members the provider does not
    # implement are skipped (structural); every behavioural check ran
    skipped = output_block(result, "tests skipped (not passed)")
    assert all(line.startswith("test_structure[") for line in skipped), skipped

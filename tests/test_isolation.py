"""Provider code never takes the run down: each way of breaking the process is a finding, in the
worker the kit replaces, in-process and over HTTP, within 1.75 x the deadline plus start-up, and
with the kit's memory measured, not assumed.

Each run selects the chat test (the broken member) and the embeddings test (a healthy one, run
on the provider rebuilt after the crash), so "the run goes on" is shown, not claimed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests_support import MeasuredRun

from llama_conformance.isolation.recorder import HARD_DEADLINE_FACTOR, SLACK_FACTOR

pytestmark = pytest.mark.xdist_group("isolation")

WATCHDOG_LATEST = HARD_DEADLINE_FACTOR + SLACK_FACTOR  # the watchdog fires at 1.5-1.75 x the deadline

DEADLINE_S = 4.0
CEILING = "1GiB"
GIB = 2**30
SELECTION = "test_chat_answer or test_embeddings_answer"
BASE = ["-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:asyncio", "-q", "-rA",
        "--llama-provider-module=llama_conformance_fixtures.broken", "--llama-isolation=process",
        f"--llama-timeout={DEADLINE_S:g}", f"--llama-memory-limit={CEILING}",
        "--llama-capability=chat", "--llama-capability=embeddings", "-k", SELECTION,
        "--durations=0", "--durations-min=0"]
# The broken member's call phase, from the run's --durations: called, and ended by the kit. Under load the
# start-ups around it stretch; this does not, beyond the slack.
_CHAT_DURATION = re.compile(r"([\d.]+)s call[ \t]+.*?test_chat_answer\b")
_CHAT_SLACK_S = 8.0
HANGS = {"isolation-cpu-spin", "isolation-blocked-loop"}
# The defects that end the worker: the scheduler reports their test, with the time it ran (xdist alone: 0 s).
# A SystemExit is caught in the call, and a MemoryError may be: pytest times those tests itself.
ENDS_WORKER = HANGS | {"isolation-segfault", "isolation-os-exit"}

# defect -> (the check that names it, what the finding says about how it ended)
DEFECTS = {
    "isolation-cpu-spin": ("call.no-hang", "did not give control back for 6 s"),
    "isolation-blocked-loop": ("call.no-hang", "kept the provider's event loop blocked"),
    "isolation-unbounded-alloc": ("call.resource-bound", "memory ceiling"),
    "isolation-segfault": ("call.no-crash", "Segmentation fault"),
    "isolation-os-exit": ("call.no-crash", "ended during the call without a Python error"),
    "isolation-sys-exit": ("call.no-crash", "SystemExit"),
}
_FINDING = re.compile(r"\[MUST ([\w.\-]+)\] ([^\n]*)")


class CleanRunTime:
    """Wall time of the same selection on the good reference provider, in the same mode: the start-up
    the bound allows. Measured once per mode; measured again when a run exceeds its bound, because
    a CI machine running two tox envs side by side can be several times slower than when the first
    measurement was taken, and the bound is about the kit (no wait beyond the deadline), not the load."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seconds: dict[bool, float] = {}

    def measure(self, over_http: bool) -> float:
        where = self.root / f"good-{'http' if over_http else 'local'}-{len(list(self.root.iterdir()))}"
        where.mkdir()
        run = MeasuredRun([*BASE, "--llama-provider=inline::kit-inference",
                           *(["--llama-over-http"] if over_http else [])], where)
        assert run.returncode == 0, run.output[-3000:]
        self.seconds[over_http] = run.seconds
        return run.seconds

    def of(self, over_http: bool) -> float:
        return self.seconds[over_http] if over_http in self.seconds else self.measure(over_http)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> CleanRunTime:
    return CleanRunTime(tmp_path_factory.mktemp("clean"))


def _bound(clean_seconds: float) -> float:
    """The whole run: one deadline x 1.75 beyond a clean run's time, one more start-up for the rebuild,
    and room for the load changing between the two runs. It catches a wait outside the tests (a worker
    restart that hangs, a default timeout); the broken test's own time is bounded tightly below."""
    return DEADLINE_S * WATCHDOG_LATEST + 3 * clean_seconds + 10


_PROVIDER_TIME = re.compile(r"^(.+): ([\d.]+) s in [\d,]+ calls? \(longest [\d.]+ s\)$", re.M)


def _provider_time(output: str) -> dict[str, float]:
    """The summary's lines under "calls into provider code took": label -> seconds (the three that took most)."""
    header = output.find("calls into provider code took")
    if header < 0:
        return {}
    section = output[header:].split("\n=", 1)[0]
    return {label: float(seconds) for label, seconds in _PROVIDER_TIME.findall(section)}


def _translated_to_500(output: str) -> bool:
    return "answered 500: Internal server error" in output and "memory ceiling" not in output


@pytest.mark.parametrize("over_http", [False, True], ids=["in-process", "over-http"])
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_is_a_finding_and_the_run_goes_on(defect: str, over_http: bool, clean_run: CleanRunTime,
                                                  tmp_path: Path) -> None:
    check_id, how = DEFECTS[defect]
    args = [*BASE, f"--llama-provider=inline::broken-{defect}", *(["--llama-over-http"] if over_http else [])]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    run = MeasuredRun(args, tmp_path, tmpdir=scratch)
    if over_http and defect == "isolation-unbounded-alloc" and _translated_to_500(run.output):
        # Where the MemoryError lands decides what the kit sees: raised while the provider builds its
        # answer, the package's router turns it into its own 500 (translate_exception) before the kit's
        # middleware can see it (a known limit of the HTTP mode); raised while the answer is serialized,
        # it reaches the middleware. The first happens now and then on a loaded machine: run once more.
        again = tmp_path / "again"
        again.mkdir()
        run = MeasuredRun(args, again, tmpdir=scratch)
    findings = [(check, text) for check, text in _FINDING.findall(run.output)]
    named = [text for check, text in findings if check == check_id and how in text]
    assert run.returncode == 1, run.output[-3000:]
    assert named, f"no [MUST {check_id}] finding saying {how!r}:\n{run.output[-4000:]}"
    member = "POST /v1/chat/completions" if over_http else "inference.openai_chat_completion"
    assert any(member in text or "openai_chat_completion" in text for text in named), named
    if defect not in ("isolation-unbounded-alloc", "isolation-sys-exit"):  # a crash shows the request
        assert any("Request: {" in text or "kit-echo" in text for text in named), named
    # The run went on: the healthy member, on the provider rebuilt after the crash, passed.
    assert re.search(r"PASSED \S*test_embeddings_answer\[single\]", run.output), run.output[-3000:]
    # The broken test ended on time, and says so: its reported time is the deadline waited out (xdist
    # alone reports 0 s for a test whose worker died), not more than the hard deadline plus slack.
    timed = _CHAT_DURATION.findall(run.output)
    assert timed, f"no --durations line for test_chat_answer:\n{run.output[-3000:]}"
    chat_seconds = float(timed[0])
    assert chat_seconds < DEADLINE_S * WATCHDOG_LATEST + _CHAT_SLACK_S, run.output[-3000:]
    if defect in ENDS_WORKER:
        assert chat_seconds > 0, run.output[-3000:]
    if defect in HANGS:
        assert chat_seconds >= DEADLINE_S, run.output[-3000:]
    if defect in ENDS_WORKER:  # the call the worker died in is where the run's time went, and the summary says so
        spent = _provider_time(run.output)
        chat = [seconds for label, seconds in spent.items() if "chat" in label]
        assert chat and (max(chat) >= DEADLINE_S if defect in HANGS else max(chat) > 0), (spent, run.output[-3000:])
    # Bounded: a hang or a wait for some default timeout would show here; a loaded machine would not,
    # since the clean run is measured again, under the load of now, before the bound is applied.
    if run.seconds >= _bound(clean_run.of(over_http)):
        clean_run.measure(over_http)
    assert run.seconds < _bound(clean_run.of(over_http)), (run.seconds, clean_run.seconds)
    # Nothing left in the temp directory: not the scheduler's prepared provider, not the dead worker's.
    assert not list(scratch.glob("llama-conformance-*")), list(scratch.iterdir())
    # The process the user started stays small; no process of the run passes the ceiling by much.
    assert run.kit_peak < 1.5 * GIB, run.kit_peak
    assert run.largest_peak < 1.25 * GIB, run.peak_rss
    # The provider ran in a worker: an interpreter of its own, which the "off" test below must not see.
    assert run.other_interpreters(), run.program_peaks


def test_off_keeps_everything_in_process(tmp_path: Path) -> None:
    """``--llama-isolation=off``: no worker (one process), and sys.exit is still one call's finding."""
    args = [arg for arg in BASE if arg != "--llama-isolation=process"]
    run = MeasuredRun([*args, "--llama-isolation=off", "--llama-provider=inline::broken-isolation-sys-exit"],
                      tmp_path)
    assert "[MUST call.no-crash]" in run.output and "SystemExit" in run.output, run.output[-3000:]
    assert "bringing up nodes" not in run.output
    # No second interpreter. A short-lived helper an import may spawn is not a worker: in the llama-stack env
    # a 1.7 MB child showed (ldconfig or the like), and once the same helper caught before its exec, a
    # 137 MB copy of the kit under the kit's command line; a worker runs its own, with the kit, 100 MB or more.
    assert run.kit_pid in run.program_peaks, run.program_peaks
    assert not run.other_interpreters(), run.program_peaks


@pytest.mark.parametrize("value", ["lots", "10MiB"])
def test_bad_memory_limit_is_a_usage_error(value: str, tmp_path: Path) -> None:
    run = MeasuredRun(["--llama-provider=inline::kit-inference", f"--llama-memory-limit={value}"], tmp_path)
    assert run.returncode == 4, run.output
    assert "--llama-memory-limit" in run.output and "Traceback" not in run.output

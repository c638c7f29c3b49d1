"""Helpers for the kit's tests that must not import an API package in the test process.

Importing llama_stack_api before ogx_api in one process trips a pydantic assertion, so a
test that only needs to know whether a package is installed asks importlib, not import.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import warm_start

from llama_conformance.checks import CheckRef, Proof, check_id, only  # noqa: F401  (only: the proofs' -k, for tests)
from llama_conformance.contract.packages import API_PACKAGE_ENV

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port where a connection is refused, held for the ``with`` block.

    The socket stays bound without listening: a connect is refused (RST) as on a free port, and no
    other process (another xdist worker, the other tox env) can take the port in the meantime, as it
    could between closing a probe socket and the test's first connect."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def requires(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed")


_BATCH = r"""
import contextlib, io, json, sys, time
import pytest

results = []
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        ret = pytest.main(args)
    results.append({"ret": int(ret), "out": out.getvalue(), "seconds": time.perf_counter() - started})
print("KIT-BATCH:" + json.dumps(results))
"""

BROKEN_MODULE = "--llama-provider-module=llama_conformance_fixtures.broken"


def run_kit_batch(directory: Path, runs: list[tuple[str, ...]]) -> list[pytest.RunResult]:
    """Run the kit once per argument list, all in one new process in ``directory`` (forked from the warm
    launcher, ``warm_start.run_python``: the kit and its fixtures load fresh in it); a RunResult each.

    One interpreter start and one import of the API package for all of them, instead of one
    each (3-5 s apiece on CI). Only for providers that keep no process-wide state (the
    in-memory reference fixtures and their broken twins) and runs judged against one API
    package (the fixtures pick theirs once per process): a provider on the server's storage
    registries, or a run against the other package, needs a process of its own. Mark the
    module ``pytest.mark.xdist_group(...)`` so one worker runs the batch once.
    """
    script = directory / "kit_batch.py"
    script.write_text(_BATCH)
    argv = [[*run, BROKEN_MODULE, "-p", "no:asyncio", "-p", "no:cacheprovider", "-rA"] for run in runs]
    env = {k: v for k, v in os.environ.items() if k != API_PACKAGE_ENV}
    done = warm_start.run_python(script, [json.dumps(argv)], directory, env, timeout=900)  # a fork of a warm process
    line = next((x for x in done.stdout.splitlines() if x.startswith("KIT-BATCH:")), None)
    assert line is not None, done.stdout + done.stderr
    return [pytest.RunResult(r["ret"], r["out"].splitlines(), [], r["seconds"])
            for r in json.loads(line[len("KIT-BATCH:"):])]


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc, Linux).

    Read from each tree process's ``task/<tid>/children`` (a few files), not by scanning every process of
    the machine: ``MeasuredRun`` asks 50 times a second, and on a busy CI machine the full scan cost a
    quarter of a core, charged to the very runs whose time the tests bound."""
    if not Path(f"/proc/{root}/task/{root}/children").exists():
        return _tree_by_scan(root)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            threads = [entry.name for entry in Path(f"/proc/{pid}/task").iterdir()]
        except OSError:
            continue
        for tid in threads:
            try:
                todo += [int(child) for child in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except (OSError, ValueError):
                continue
    return found


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, pgrp, session, ...: ``proc(5)``
    numbers them from 3); None when the process is gone. The name is in parentheses and may hold spaces."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _tree_by_scan(root: int) -> list[int]:
    """``process_tree`` where the kernel has no ``children`` files: every process's parent, from ``stat``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := stat_fields(entry.name)) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):  # the process's peak so far: no sample misses it
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _program_peak(pid: int) -> tuple[str, int] | None:
    """The command line ``pid`` runs and its peak RSS under it; None when it changed program while read.

    A fork caught before its ``exec`` still shows its parent's command line and the parent's pages
    (an import's ``ldconfig`` helper once showed as a 137 MB copy of the kit). The kernel resets the
    peak at ``exec``, so a peak read between two equal command lines belongs to that program."""
    before = command_line(pid)
    peak = _rss_bytes(pid)
    return (before, peak) if before and command_line(pid) == before else None


class MeasuredRun:
    """A kit run in a subprocess, with its wall time and the peak RSS of each of its processes.

    ``program_peaks`` is each process's peak per command line it ran, so a fork that went on to ``exec``
    a small helper is not mistaken for a second interpreter; ``peak_rss`` is each process's peak."""

    def __init__(self, args: list[str], cwd: Path, timeout: float = 300, tmpdir: Path | None = None) -> None:
        import time

        env = {k: v for k, v in os.environ.items() if k not in (API_PACKAGE_ENV,
                                                                "LLAMA_CONFORMANCE_ISOLATION")}
        if tmpdir is not None:  # the run's temporary files, to see what it leaves behind
            env["TMPDIR"] = str(tmpdir)
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=cwd, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.program_peaks: dict[int, dict[str, int]] = {}
        self.samples: dict[int, int] = {}  # how many samples saw each process (one every 20 ms)
        self.parents: dict[int, int | None] = {}
        import threading

        output: list[str] = []
        reader = threading.Thread(target=lambda: output.append(process.stdout.read() if process.stdout else ""))
        reader.start()
        while process.poll() is None:
            for pid in process_tree(process.pid):
                sample = _program_peak(pid)
                if sample is None:
                    continue
                command, peak = sample
                self.samples[pid] = self.samples.get(pid, 0) + 1
                if pid not in self.parents:
                    fields = stat_fields(pid)
                    self.parents[pid] = int(fields[1]) if fields else None
                programs = self.program_peaks.setdefault(pid, {})
                programs[command] = max(programs.get(command, 0), peak)
            if time.perf_counter() - started > timeout:
                process.kill()
            time.sleep(0.02)
        reader.join()
        self.seconds = time.perf_counter() - started
        self.returncode = process.returncode
        self.output = "".join(output)
        self.kit_pid = process.pid

    @property
    def peak_rss(self) -> dict[int, int]:
        return {pid: max(programs.values()) for pid, programs in self.program_peaks.items()}

    @property
    def kit_peak(self) -> int:
        """The peak RSS of the process the user started (the scheduler when a worker runs the provider)."""
        return self.peak_rss.get(self.kit_pid, 0)

    @property
    def largest_peak(self) -> int:
        return max(self.peak_rss.values(), default=0)

    def other_interpreters(self, smallest: int = 32 * 2**20, lasting: int = 10) -> dict[int, dict[str, int]]:
        """Processes below the kit where provider code could run: one that ran a program of its own (not the
        kit's command line) and grew past ``smallest`` (a fresh worker is an interpreter with the kit loaded,
        100 MB or more; a helper an import spawns, ``ldconfig`` and the like, is a few MB), or one with the
        kit's command line that lived for ``lasting`` samples (a worker forked from the kit's zygote; a fork
        caught before its ``exec`` shows the kit's command line for a sample or two). The zygote that forks
        such workers is the kit's own child and lasts too, but runs no provider code: not counted."""
        kit_command = set(self.program_peaks.get(self.kit_pid, {}))
        found: dict[int, dict[str, int]] = {}
        for pid, programs in self.program_peaks.items():
            if pid == self.kit_pid:
                continue
            own = {command: peak for command, peak in programs.items()
                   if (command not in kit_command and peak > smallest)
                   or (command in kit_command and self.samples.get(pid, 0) >= lasting
                       and self.parents.get(pid) != self.kit_pid)}
            if own:
                found[pid] = own
        return found


# -- reading a kit run's output ------------------------------------------------------------------

_BLOCK = re.compile(r"^=+ (.*?) =+$")
_SECTION = re.compile(r"^_{3,} (\S.*?) _{3,}$")
_FAILED = re.compile(r"^FAILED \S+::(\S+)")


def output_block(result: pytest.RunResult, title: str) -> list[str]:
    """The lines of the ``==== <title> ====`` block of a run's output (up to the next block)."""
    lines, inside = [], False
    for line in result.stdout.lines:
        header = _BLOCK.match(line)
        if header:
            inside = title in header.group(1)
            continue
        if inside:
            lines.append(line)
    return lines


def failure_reports(result: pytest.RunResult) -> dict[str, str]:
    """Each failed test's report (pytest's FAILURES block), by test name."""
    reports: dict[str, list[str]] = {}
    name = None
    for line in output_block(result, "FAILURES"):
        section = _SECTION.match(line)
        if section:
            name = section.group(1)
            reports[name] = []
        elif name is not None:
            reports[name].append(line)
    return {test: "\n".join(lines) for test, lines in reports.items()}


def failed_tests(result: pytest.RunResult) -> set[str]:
    return {m.group(1) for line in result.stdout.lines if (m := _FAILED.match(line))}


def must_ids(report: str) -> set[str]:
    """The MUST check ids a failure report names (what the user reads: ``[MUST <id>] ...``)."""
    return set(re.findall(r"\[MUST ([\w.-]+)\]", report))


def assert_fails_exactly(result: pytest.RunResult, failing: Mapping[str, tuple[CheckRef, ...]]) -> dict[str, str]:
    """Exactly ``failing`` failed (exit 1), each report naming its check ids; returns the reports."""
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text
    assert failed_tests(result) == set(failing), text
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == len(failing) and "errors" not in outcomes, outcomes
    reports = failure_reports(result)
    assert set(reports) == set(failing), sorted(reports)
    for test, check_ids in failing.items():
        missing = {check_id(ref) for ref in check_ids} - must_ids(reports[test])
        assert not missing, f"{test} does not name {sorted(missing)}:\n{reports[test]}"
    return reports


def assert_passes(result: pytest.RunResult) -> dict[str, int]:
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert "failed" not in outcomes and "errors" not in outcomes, outcomes
    return outcomes


def literal(text: str) -> str:
    """``text`` as an fnmatch pattern that matches only itself (test ids contain brackets)."""
    return "".join("[[]" if c == "[" else "[]]" if c == "]" else c for c in text)


def assert_proof_run(result: pytest.RunResult, proof: Proof) -> None:
    """A Proof row's run says exactly what the row declares: these tests fail naming these checks (each
    drawn-example failure with a rerun line telling its seed), or the run passes; and it shows the row's
    SHOULD findings. One body for tests/test_proofs.py and tests/real/test_generation_proofs.py, so a wing
    proved in another generation's env is held to the same verdict."""
    if proof.fails:
        failing = {test: tuple(check_id(ref) for ref in refs) for test, refs in proof.fails.items()}
        reports = assert_fails_exactly(result, failing)
        if "structural" not in proof.run:  # every drawn-example failure tells how to rerun it with its seed
            for test in failing:
                assert "- llama-conformance rerun -" in reports[test], reports[test]
    else:
        assert_passes(result)
    if proof.warns:
        assert output_block(result, "SHOULD-level findings"), result.stdout.str()
        result.stdout.fnmatch_lines([f"*[[]SHOULD {literal(check_id(ref))}[]] {text}"
                                     for ref, text in proof.warns], consecutive=False)


def kit_env_python(distribution: str, version: str, installs: tuple[str, ...] = ()) -> Path:
    """The interpreter of a cached environment holding the kit (this tree, editable, no extras) and
    ``distribution==version``, with ``installs`` beside them, built on first use by ``compat.envs`` under
    ``build/generations/`` (or ``$LLAMA_CONFORMANCE_GENERATIONS_DIR``); skips the test when it cannot be built (no
    package index reachable): an environment problem, not a verdict."""
    from llama_conformance.compat import envs

    kit = envs.running_kit(REPO)  # this tree, whatever way the running kit was installed (tox deletes its wheel)
    spec = envs.EnvSpec(python=envs.python_tag(), distribution=distribution, version=version, kit=kit.fingerprint,
                        installs=installs)
    built = envs.ensure_env(spec, kit, Path(os.environ.get("LLAMA_CONFORMANCE_GENERATIONS_DIR",
                                                           REPO / "build" / "generations")))
    if built.problem:
        pytest.skip(f"{distribution}=={version} environment ({', '.join(installs) or 'the kit only'}) could not be "
                    f"built: {built.problem}")
    return built.python

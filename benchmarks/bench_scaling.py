"""How a kit run's cost grows: per check, per drawn example, per fuzz case, per API.

Issue 18 asks for a table from which a user can predict a run's length. Each row is a fresh
``pytest`` process (bytecode caching on, after one uncounted warm-up of the first row), timed
by its CPU (``RUSAGE_CHILDREN``: user + system), and counted: tests run, checks judged (from
the report it writes), Hypothesis test cases run (``count_examples.py``, on Hypothesis's
observability callback, coverage off) and fuzz cases (the kit's summary line). The marginal
costs come from pairs of rows in the same run: (thorough - fast CPU) / (thorough - fast
examples) is the cost of one more drawn example, and likewise for fuzz cases and APIs.

Parts (``--part``, repeatable; default ``profiles`` and ``fuzz``, about a minute on a quiet
2-core machine; ``apis`` starts a server and checks all of it, under 3 min, so only on request):

* ``profiles``: ``inline::kit-files`` in-process: structural only, the fast profile, the
  thorough profile (every suite of the files API);
* ``fuzz``: the same provider behind its routers (``--llama-over-http -m fuzz``), fast and thorough;
* ``apis``: a real ogx 1.5 server with its offline built-in config (the one
  ``compare_real_servers.py`` starts), checked over HTTP at the fast profile for 1 API
  (files), 3 (files, inference, vector_io) and every API it serves.

Drawn examples are counted only in the ``profiles`` part (see ``measure``).

    python benchmarks/bench_scaling.py [--part profiles --part fuzz --part apis] [--json OUT]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROVIDER = "inline::kit-files"
SEED = "--hypothesis-seed=1"
THREE_APIS = "files,inference,vector_io"
SERVER_CONFIG = "ogx-offline-10-apis.yaml"
RUN_TIMEOUT_S = 900
JUDGED = ("passed", "failed", "warned", "inconclusive", "expected-failure")


@dataclass
class Measured:
    part: str
    name: str
    cpu_s: float
    wall_s: float
    tests: int
    checks_judged: int
    hypothesis_cases: int
    fuzz_cases: int
    exit_code: int
    last_line: str

    @property
    def examples(self) -> int:
        """Drawn examples (behavioural and stateful): Hypothesis's test cases, in runs that count them."""
        return self.hypothesis_cases


def child_environment(home: Path, count_file: Path) -> dict[str, str]:
    """The start-up benchmark's environment (``bench_startup.child_environment``), with the example counter."""
    from bench_startup import child_environment as startup_environment

    env = startup_environment(home)
    path = os.pathsep.join(p for p in (str(BENCH_DIR), env.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": path, "KIT_BENCH_COUNT_FILE": str(count_file)}


def measure(part: str, name: str, args: list[str], workdir: Path, *, count: bool = True) -> Measured:
    """One fresh kit run: CPU of its process tree, its counts from the report and the counter.

    ``count=False`` leaves the counter out (runs that fuzz: the kit's summary line counts their
    cases, and a run that draws nothing has nothing to count).
    """
    import subprocess

    report_dir, count_file = workdir / "report", workdir / "count.json"
    for stale in (report_dir / "report.json", count_file):
        stale.unlink(missing_ok=True)
    counter = ["-p", "count_examples"] if count else []
    command = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:randomly", *counter, SEED,
               f"--llama-report={report_dir}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=workdir, env=child_environment(workdir, count_file),
                              capture_output=True, text=True, check=False, timeout=RUN_TIMEOUT_S)
        output, exit_code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired:  # the row says so; the other rows still count
        output, exit_code = f"timed out after {RUN_TIMEOUT_S} s", -1
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads((report_dir / "report.json").read_text()) if (report_dir / "report.json").is_file() else {}
    counted = json.loads(count_file.read_text()) if count_file.is_file() else {}
    outcome = re.findall(r"^=* ?(\d+ (?:passed|failed)[^\n]*?) in [\d.]+s", output, re.M)
    tests = sum(int(n) for n, word in re.findall(r"(\d+) (passed|failed|inconclusive)", outcome[-1])) if outcome \
        else 0
    fuzz = re.findall(r"fuzzed \d+ tests, (\d+) cases", output)
    return Measured(
        part=part, name=name, wall_s=wall,
        cpu_s=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        tests=tests, checks_judged=sum(1 for c in report.get("checks", []) if c.get("status") in JUDGED),
        hypothesis_cases=int(counted.get("examples", 0)), fuzz_cases=int(fuzz[-1]) if fuzz else 0,
        exit_code=exit_code, last_line=outcome[-1] if outcome else output.strip()[-160:])


def marginal(high: Measured, low: Measured, unit: str) -> str:
    """CPU of one more ``unit`` between two rows of the same run."""
    count = {"example": high.examples - low.examples, "fuzz case": high.fuzz_cases - low.fuzz_cases}[unit]
    if count <= 0:
        return f"per {unit}: n/a (no more {unit}s in {high.name!r} than in {low.name!r})"
    return f"per {unit}: {1000 * (high.cpu_s - low.cpu_s) / count:.2f} ms CPU ({high.name} - {low.name}, {count} more)"


def part_profiles(workdir: Path) -> list[Measured]:
    base = [f"--llama-provider={PROVIDER}", "--llama-isolation=off"]
    measure("profiles", "warm-up", [*base, "-m", "structural"], workdir)  # fills the bytecode caches
    return [measure("profiles", "structural only", [*base, "-m", "structural"], workdir),
            measure("profiles", "fast profile, all suites", base, workdir),
            measure("profiles", "thorough profile, all suites", [*base, "--llama-profile=thorough"], workdir)]


def part_fuzz(workdir: Path) -> list[Measured]:
    base = [f"--llama-provider={PROVIDER}", "--llama-over-http", "--llama-isolation=off", "-m", "fuzz"]
    return [measure("fuzz", "fuzz, fast", base, workdir, count=False),
            measure("fuzz", "fuzz, thorough", [*base, "--llama-profile=thorough"], workdir, count=False)]


@contextlib.contextmanager
def ogx_server() -> Iterator[str]:
    from llama_conformance_fixtures.openai_server import serve_openai_compatible
    from llama_conformance_fixtures.servers import running_server, server_config

    with serve_openai_compatible() as openai_url, \
            running_server("ogx", server_config(SERVER_CONFIG), env={"KIT_OPENAI_URL": openai_url + "/v1"}) as server:
        yield server.url


def part_apis(workdir: Path) -> list[Measured]:
    with ogx_server() as url:
        base = [f"--llama-stack-url={url}"]
        return [measure("apis", "1 API (files)", [*base, "--llama-api=files"], workdir, count=False),
                measure("apis", f"3 APIs ({THREE_APIS})", [*base, f"--llama-api={THREE_APIS}"], workdir, count=False),
                measure("apis", "every API the server serves", base, workdir, count=False)]


PARTS = {"profiles": part_profiles, "fuzz": part_fuzz, "apis": part_apis}


def print_table(rows: list[Measured]) -> None:
    print(f"{'part':9} {'run':40} {'CPU s':>7} {'wall s':>7} {'tests':>6} {'checks':>7} {'examples':>9} "
          f"{'fuzz':>6}  CPU ms per test / check")
    for r in rows:
        per = f"{1000 * r.cpu_s / max(r.tests, 1):.0f} / {1000 * r.cpu_s / max(r.checks_judged, 1):.0f}"
        print(f"{r.part:9} {r.name:40} {r.cpu_s:7.2f} {r.wall_s:7.2f} {r.tests:6} {r.checks_judged:7} "
              f"{r.examples:9} {r.fuzz_cases:6}  {per}")


def derived(rows: list[Measured]) -> list[str]:
    by = {r.name: r for r in rows}
    lines = []
    if {"structural only", "fast profile, all suites", "thorough profile, all suites"} <= by.keys():
        lines.append(marginal(by["thorough profile, all suites"], by["fast profile, all suites"], "example"))
        structural = by["structural only"]
        lines.append(f"fixed: start-up + every structural check: {structural.cpu_s:.2f} s CPU "
                     f"({structural.tests} tests)")
    if {"fuzz, fast", "fuzz, thorough"} <= by.keys():
        lines.append(marginal(by["fuzz, thorough"], by["fuzz, fast"], "fuzz case"))
    apis = [r for r in rows if r.part == "apis"]
    if len(apis) == 3:
        one, three, every = apis
        lines.append(f"per API (fast): {(three.cpu_s - one.cpu_s) / 2:.2f} s CPU from 1 to 3 APIs; "
                     f"{every.cpu_s:.2f} s for every API of the server")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=sorted(PARTS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows: list[Measured] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.part or ["profiles", "fuzz"]:
            started = time.perf_counter()
            rows += PARTS[part](Path(tmp))
            print(f"[{part}: {time.perf_counter() - started:.0f} s]", file=sys.stderr, flush=True)
    print(f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; seed 1")
    print_table(rows)
    lines = derived(rows)
    print(*lines, sep="\n")
    failed = [r for r in rows if r.exit_code not in (0, 1)]
    for r in failed:
        print(f"run did not complete: {r.name} (exit {r.exit_code}): {r.last_line}", file=sys.stderr)
    if args.json:
        payload: dict[str, Any] = {"rows": [{**asdict(r), "examples": r.examples} for r in rows], "derived": lines,
                                   "cpus": os.cpu_count()}
        args.json.write_text(json.dumps(payload, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

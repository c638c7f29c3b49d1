"""Start-up cost of a kit run against the floor it cannot go below, measured side by side.

Target (issue 18): ``pytest --llama-provider=inline::kit-files -m structural`` costs at most
1.15x the CPU of ``python -c "import pytest, ogx_api, <the provider module>"``: the kit should
add little to what loading the provider already costs. Every row is a fresh process (as a CI
job starts it) with bytecode caching on and one uncounted warm-up run, timed by the CPU its
process tree used (``RUSAGE_CHILDREN``: user + system, the xdist worker included), which a
loaded machine disturbs far less than wall time. Rows run in alternating order round by
round; each figure is the median of ``--rounds``.

Run it with the Python of the environment to measure. A plain install (``pip install
'llama-conformance[ogx]'``) has no schemathesis: it is the kit's ``fuzz`` extra, because its
``pytest11`` plugin loads in every pytest run of an environment that has it. Rows besides the floor:

* the structural run in-process (``--llama-isolation off``, the target row), through
  ``llama-conformance run`` (which writes the report), with the default isolation (a worker
  process), over HTTP (``--llama-over-http``: the routers and the route map), and the default
  profile (every suite of the provider's API);
* only where schemathesis is installed (the ``fuzz`` extra, as in the kit's own test envs): the floor
  plus ``import schemathesis.pytest.plugin`` (the plugin pytest loads in every run there; it imports
  schemathesis, Hypothesis and requests), and the target row with ``-p no:schemathesis`` (what that
  plugin alone adds).

    python benchmarks/bench_startup.py [--rounds 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

TARGET_RATIO = 1.15
PROVIDER = "inline::kit-files"
PROVIDER_MODULE = "llama_conformance_fixtures.reference.files"  # where inline::kit-files's code lives
FLOOR = "import pytest, ogx_api, provider module (floor)"
TARGET_ROW = "kit -m structural, in-process (target)"
# The command as a provider author types it (no Hypothesis option: pytest then imports Hypothesis only
# when a test or a plugin needs it); the default-profile row, which draws examples, fixes the seed.
KIT = ("-m", "pytest", f"--llama-provider={PROVIDER}", "-q", "-p", "no:randomly")
# The kit's `fuzz` extra: where it is installed, pytest loads its plugin (a pytest11 entry point) in every run.
FUZZ_ENGINE_INSTALLED = importlib.util.find_spec("schemathesis") is not None
ROWS: dict[str, tuple[str, ...]] = {
    FLOOR: ("-c", f"import pytest, ogx_api, {PROVIDER_MODULE}"),
    # What schemathesis's pytest plugin module costs to import on top of the floor.
    **({"floor + import schemathesis.pytest.plugin (fuzz extra)": (
        "-c", f"import pytest, ogx_api, {PROVIDER_MODULE}, schemathesis.pytest.plugin")}
       if FUZZ_ENGINE_INSTALLED else {}),
    TARGET_ROW: (*KIT, "-m", "structural", "--llama-isolation=off"),
    # With the fuzz extra, schemathesis's plugin (it imports schemathesis, Hypothesis and requests) is the
    # largest share of the gap: this row shows it.
    **({"kit -m structural, in-process, -p no:schemathesis (fuzz extra)": (
        *KIT, "-m", "structural", "--llama-isolation=off", "-p", "no:schemathesis")}
       if FUZZ_ENGINE_INSTALLED else {}),
    # The kit's own command: it leaves schemathesis's plugin out itself, and always writes the report.
    "llama-conformance run -m structural, in-process": ("-m", "llama_conformance.cli", "run",
                                                         f"--llama-provider={PROVIDER}", "-m", "structural",
                                                         "--llama-isolation=off"),
    "kit -m structural, worker process (default isolation)": (*KIT, "-m", "structural"),
    "kit -m structural --llama-over-http": (*KIT, "-m", "structural", "--llama-over-http", "--llama-isolation=off"),
    "kit default profile, in-process": (*KIT, "--llama-isolation=off", "--hypothesis-seed=1"),
}


@dataclass
class Row:
    name: str
    command: list[str]
    cpu_s: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)
    last_line: str = ""

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_s)

    @property
    def wall(self) -> float:
        return statistics.median(self.wall_s)


def child_environment(home: Path) -> dict[str, str]:
    """The caller's environment with bytecode caching on (a user's machine keeps ``.pyc`` files:
    without them every run recompiles the API package) and a throwaway HOME and cache dir."""
    # the caller's own kit cache folder would lend its warm route maps and Hypothesis home to the rows
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONDONTWRITEBYTECODE", "LLAMA_CONFORMANCE_CACHE")}
    return {**env, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "LLAMA_STACK_DISABLE_VERSION_CHECK": "1"}


def run(row: Row, workdir: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """CPU seconds of the process tree, wall seconds and the last output line of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(row.command, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
    last = lines[-1] if lines else ""
    if done.returncode != 0:
        raise SystemExit(f"{row.name} failed (exit {done.returncode}): {last}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, last


def ratio_to(row: Row, floor: Row) -> float:
    """The median of the row's per-round ratios to the floor: a round runs every row back to back, so
    the machine's speed, which drifts by a quarter between rounds on a shared VM, cancels out."""
    return statistics.median(cpu / base for cpu, base in zip(row.cpu_s, floor.cpu_s, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [Row(name, [sys.executable, *command]) for name, command in ROWS.items()]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp) / "empty"  # a directory with no tests or config of its own
        workdir.mkdir()
        env = child_environment(Path(tmp))
        load_before = os.getloadavg()
        for row in rows:  # warm-up: fills the bytecode and route caches, not counted
            run(row, workdir, env)
        for round_ in range(args.rounds):
            for row in rows if round_ % 2 == 0 else reversed(rows):
                cpu, wall, row.last_line = run(row, workdir, env)
                row.cpu_s.append(cpu)
                row.wall_s.append(wall)
        load_after = os.getloadavg()
    floor = rows[0]
    install = "the fuzz extra installed" if FUZZ_ENGINE_INSTALLED else "a plain install (no fuzz extra)"
    print(f"start-up of {sys.executable}, {install}, median of {args.rounds} rounds; load average "
          f"{load_before[0]:.2f} -> {load_after[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'row':64} {'CPU s':>7} {'x floor':>8} {'wall s':>7}  last line")
    for row in rows:
        print(f"{row.name:64} {row.cpu:7.2f} {ratio_to(row, floor):7.2f}x {row.wall:7.2f}  {row.last_line[:60]}")
    ratio = ratio_to(next(row for row in rows if row.name == TARGET_ROW), floor)
    print(f"target: {TARGET_ROW} <= {TARGET_RATIO}x the floor: {ratio:.2f}x "
          f"({'met' if ratio <= TARGET_RATIO else 'not met'})")
    if args.json:
        args.json.write_text(json.dumps({
            "python": platform.python_version(), "cpus": os.cpu_count(), "rounds": args.rounds,
            "fuzz_engine_installed": FUZZ_ENGINE_INSTALLED,
            "load_average": [load_before[0], load_after[0]], "target_ratio": TARGET_RATIO, "ratio": ratio,
            "rows": [{**asdict(row), "cpu_median_s": row.cpu, "wall_median_s": row.wall,
                      "ratio_to_floor": ratio_to(row, floor)} for row in rows]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What each of the kit's own tests costs in CPU, not wall time: where to cut when CI grows slower.

CI runs two tox envs side by side on two cores with every core busy, so a test's wall time mostly
says how loaded the machine was while it ran. CPU seconds say what it costs. A test's CPU is what
its worker's whole process tree used while it ran: the worker, the warm-start launcher and the kit
runs it forks, servers and services (each process's own time and that of the children it reaped).

On when ``LLAMA_CONFORMANCE_TESTS_CPU=<dir>``: each xdist worker appends one JSON line per test to
``<dir>/<tox env>-<worker>.jsonl``; ``python tests/cpu_ledger.py <dir> [ogx-*.jsonl]`` prints the
totals per file and the dearest tests.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import warm_start
from tests_support import process_tree, stat_fields

LEDGER_ENV = "LLAMA_CONFORMANCE_TESTS_CPU"
_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User + system seconds of ``root`` and its descendants, with what each reaped of its children."""
    total = 0
    for pid in process_tree(root):
        if (fields := stat_fields(pid)) is not None:
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / _TICKS


class CpuLedger:
    def __init__(self, folder: Path, worker: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{worker}.jsonl"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        started, cpu = time.perf_counter(), tree_cpu_seconds(os.getpid())
        warm_start.KIT_RUNS.clear()
        yield
        line = {"test": item.nodeid, "start": round(time.time() - (time.perf_counter() - started), 1),
                "wall": round(time.perf_counter() - started, 2),
                "cpu": round(tree_cpu_seconds(os.getpid()) - cpu, 2),
                "kit_runs": len(warm_start.KIT_RUNS), "kit_runs_cpu": round(sum(warm_start.KIT_RUNS), 2)}
        with self.path.open("a") as out:
            out.write(json.dumps(line) + "\n")


def register(config: pytest.Config) -> None:
    folder = os.environ.get(LEDGER_ENV)
    if folder and sys.platform == "linux":
        worker = getattr(config, "workerinput", {}).get("workerid", "main")
        where = os.environ.get("TOX_ENV_NAME") or Path(sys.prefix).name  # two envs may share the folder
        config.pluginmanager.register(CpuLedger(Path(folder), f"{where}-{worker}"), "cpu-ledger")


def main(folder: str, pattern: str = "*.jsonl") -> None:
    rows = [json.loads(line) for path in Path(folder).glob(pattern) for line in path.read_text().splitlines()]
    per_file: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0, 0.0])
    for row in rows:
        entry = per_file[row["test"].split("::")[0]]
        entry[0] += row["cpu"]
        entry[1] += row["wall"]
        entry[2] += 1
        entry[3] += row.get("kit_runs", 0)  # forked by the warm launcher (older ledgers lack both)
        entry[4] += row.get("kit_runs_cpu", 0.0)
    total, runs, runs_cpu = (sum(r.get(key, 0) for r in rows) for key in ("cpu", "kit_runs", "kit_runs_cpu"))
    print(f"total CPU {total:.0f} s; {runs} warm kit runs used {runs_cpu:.0f} s of it")
    print(f"{'CPU s':>8} {'wall s':>8} {'tests':>5} {'runs':>5} {'runs s':>7}  file")
    for name, (cpu, wall, count, kit_runs, kit_cpu) in sorted(per_file.items(), key=lambda kv: -kv[1][0]):
        print(f"{cpu:8.1f} {wall:8.1f} {int(count):5d} {int(kit_runs):5d} {kit_cpu:7.1f}  {name}")
    print("\ndearest tests:")
    for row in sorted(rows, key=lambda r: -r["cpu"])[:40]:
        print(f"{row['cpu']:8.1f} {row['wall']:8.1f}  {row['test']}")


if __name__ == "__main__":
    main(*sys.argv[1:3])  # <dir> [a glob of its files: ogx-*.jsonl]

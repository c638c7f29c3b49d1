"""What isolating provider code costs: per call and per run, as ratios to today's gate in the same run.

(a) per call: N calls of a provider coroutine through ``CallGate`` with the worker's
    ``FlightRecorder`` (a record written before and after each call, the watchdog re-armed)
    against the same gate without it (``--llama-isolation=off``, the gate as it was).
(b) per run: whole kit runs of ``inline::kit-inference`` (every suite, the default profile),
    ``--llama-isolation=process`` (one xdist worker) against ``off``, alternated, median of R.

    .tox/ogx/bin/python benchmarks/bench_isolation.py [--calls 5000] [--rounds 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from llama_conformance.gate import CallGate
from llama_conformance.isolation.recorder import FlightRecorder


async def _answer(value: int) -> int:
    return value


def per_call(calls: int) -> dict[str, float]:
    """Seconds per gated call, without and with the recorder (best of 3 batches each)."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as run_dir:
        for name in ("off", "process"):
            gate = CallGate(timeout_s=30.0, name=name)
            if name == "process":
                gate.recorder = FlightRecorder(Path(run_dir), "bench")
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                for i in range(calls):
                    gate.run("bench.answer", lambda i=i: _answer(i), request={"i": i})
                best = min(best, (time.perf_counter() - started) / calls)
            if gate.recorder is not None:
                gate.recorder.close()
            gate.close()
            results[name] = best
    return results


def per_run(rounds: int) -> dict[str, list[float]]:
    """Wall seconds of whole kit runs, alternating the modes so drift hits both alike."""
    times: dict[str, list[float]] = {"off": [], "process": []}
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CONFORMANCE_ISOLATION"}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(rounds):
            for mode in ("off", "process"):
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "pytest", "--llama-provider=inline::kit-inference",
                                       f"--llama-isolation={mode}", "-q", "-p", "no:randomly",
                                       "-p", "no:cacheprovider"], cwd=cwd, env=env, capture_output=True, text=True,
                                      check=False)
                times[mode].append(time.perf_counter() - started)
                if done.returncode != 0:
                    raise SystemExit(f"the {mode} run failed:\n{done.stdout[-3000:]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    calls = per_call(args.calls)
    runs = per_run(args.rounds)
    off, process = statistics.median(runs["off"]), statistics.median(runs["process"])
    report: dict[str, Any] = {
        "per_call_us": {mode: round(seconds * 1e6, 1) for mode, seconds in calls.items()},
        "per_call_ratio": round(calls["process"] / calls["off"], 2),
        "per_run_s": {"off": round(off, 2), "process": round(process, 2)},
        "per_run_ratio": round(process / off, 2),
        "per_run_added_s": round(process - off, 2),
        "runs": runs,
    }
    print(f"(a) per call: off {report['per_call_us']['off']} us, process {report['per_call_us']['process']} us "
          f"-> ratio {report['per_call_ratio']}")
    print(f"(b) per run (kit-inference, all suites, median of {args.rounds}): off {off:.2f} s, process "
          f"{process:.2f} s -> ratio {report['per_run_ratio']} (+{report['per_run_added_s']} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

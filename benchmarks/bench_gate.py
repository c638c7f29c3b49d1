"""The gate's cost per call, as a ratio to a plain event-loop call in the same run (issue 18: <= 2x).

Three ways to run the same provider coroutine, N calls each, rows alternated round after round,
CPU time of this process (``time.process_time``: both threads of a hop are counted) and wall time:

* plain: ``loop.run_until_complete(coro)`` on the calling thread, no deadline (the baseline);
* hop (the gate before issue 18's change): ``asyncio.run_coroutine_threadsafe`` to a loop thread and
  ``concurrent.futures.Future.result(timeout)``;
* gate: ``CallGate.run`` as the kit calls it (``HandOff``: eager start, a plain lock).

Two coroutines: one that returns at once, one that suspends once (``await asyncio.sleep(0)``), as a
provider doing I/O does. The loop stays on one thread in every row but plain: a faster design that
moved it between threads broke ogx's batches reference (benchmarks/README.md).

    .tox/ogx/bin/python benchmarks/bench_gate.py [--calls 20000] [--rounds 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from llama_conformance.gate import CallGate


async def returns_at_once(value: int) -> int:
    return value


async def suspends_once(value: int) -> int:
    await asyncio.sleep(0)
    return value


Maker = Callable[[int], Coroutine[Any, Any, int]]


def plain(make: Maker, calls: int) -> None:
    loop = asyncio.new_event_loop()
    for i in range(calls):
        loop.run_until_complete(make(i))
    loop.close()


def hop(make: Maker, calls: int) -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    for i in range(calls):
        asyncio.run_coroutine_threadsafe(make(i), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join()


def gate(make: Maker, calls: int) -> None:
    gate = CallGate(timeout_s=30.0, name="bench")
    for i in range(calls):
        gate.run("bench.call", lambda i=i: make(i))
    gate.close()


ROWS = {"plain": plain, "hop": hop, "gate": gate}


def measure(calls: int, rounds: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for make in (returns_at_once, suspends_once):
        cpu: dict[str, list[float]] = {name: [] for name in ROWS}
        wall: dict[str, list[float]] = {name: [] for name in ROWS}
        for round_no in range(rounds):
            order = list(ROWS) if round_no % 2 == 0 else list(reversed(ROWS))
            for name in order:
                started_cpu, started = time.process_time(), time.perf_counter()
                ROWS[name](make, calls)
                cpu[name].append((time.process_time() - started_cpu) / calls)
                wall[name].append((time.perf_counter() - started) / calls)
        row = {name: {"cpu_us": statistics.median(cpu[name]) * 1e6, "wall_us": statistics.median(wall[name]) * 1e6}
               for name in ROWS}
        for name in ROWS:
            row[name]["cpu_ratio"] = row[name]["cpu_us"] / row["plain"]["cpu_us"]
            row[name]["wall_ratio"] = row[name]["wall_us"] / row["plain"]["wall_us"]
        results[make.__name__] = row
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args(argv)
    results = measure(args.calls, args.rounds)
    print(f"{'coroutine':<16} {'row':<6} {'CPU us/call':>12} {'x plain':>8} {'wall us/call':>13} {'x plain':>8}")
    for coroutine, rows in results.items():
        for name, row in rows.items():
            print(f"{coroutine:<16} {name:<6} {row['cpu_us']:12.1f} {row['cpu_ratio']:8.2f} "
                  f"{row['wall_us']:13.1f} {row['wall_ratio']:8.2f}")
    if args.json_out:
        with open(args.json_out, "w") as out:
            json.dump({"calls": args.calls, "rounds": args.rounds, "results": results}, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

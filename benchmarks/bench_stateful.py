"""What the state machines' invariants cost, as a share of the run they belong to.

Target (issue 18): invariants cost <= 20 % of a thorough run of each state machine. A kit run
(``pytest --llama-provider=P -m stateful --llama-profile=thorough``) is started as a fresh
process with this file loaded as a pytest plugin (``-p bench_stateful``): every
``@invariant`` of every ``RuleBasedStateMachine`` in the collected modules, and every rule, is
wrapped to add up the process's CPU time spent inside it (``time.process_time``: the provider
runs on the gate's thread of the same process, so its share of a call is counted; other jobs
on a loaded machine are not). Each test's own CPU time is the denominator.

    .tox/ogx/bin/python benchmarks/bench_stateful.py [--provider inline::kit-files] [--profile thorough]
        [-k test_files_state_machine] [--api files] [--rounds 3] [--json OUT]

Each round is one process; the share reported is the median over rounds, per test.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

SHARE_TARGET = 0.20
_OUT_ENV = "LLAMA_CONFORMANCE_BENCH_STATEFUL_OUT"

# -- the plugin side (inside the kit's pytest process) ------------------------------------------

_spent: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
_calls: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_current: list[str] = [""]


def _timed(name: str, func: Any) -> Any:
    @functools.wraps(func)  # keeps Hypothesis's rule/invariant markers (in the wrapper's __dict__)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            _spent[_current[0]][name] += time.process_time() - start
            _calls[_current[0]][name] += 1
    return wrapper


def _instrument(cls: type) -> None:
    """Time each rule, invariant and the teardown of one machine class, once.

    Hypothesis calls the function its ``Rule``/``Invariant`` marker holds, not the class
    attribute, so a new function carrying a copy of the marker (with the timed function in it)
    replaces the attribute; this runs at collection, before Hypothesis first reads the class.
    """
    from hypothesis.stateful import INVARIANT_MARKER, RULE_MARKER

    if cls.__dict__.get("_bench_timed"):
        return
    for attr, func in list(vars(cls).items()):
        if attr == "teardown" and callable(func):
            setattr(cls, attr, _timed("teardown", func))
            continue
        for marker, kind in ((INVARIANT_MARKER, "invariant"), (RULE_MARKER, "rule")):
            held = getattr(func, marker, None)
            if held is None:
                continue
            timed = _timed(f"{kind}:{attr}", held.function)
            setattr(timed, marker, dataclasses.replace(held, function=timed))
            setattr(cls, attr, timed)
    cls._bench_timed = True  # type: ignore[attr-defined]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from hypothesis.stateful import RuleBasedStateMachine

    for module in {item.module for item in items if getattr(item, "module", None) is not None}:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, RuleBasedStateMachine) \
                    and value is not RuleBasedStateMachine:
                _instrument(value)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    _current[0] = item.name
    start = time.process_time()
    try:
        return (yield)
    finally:
        _spent[item.name]["test"] += time.process_time() - start


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get(_OUT_ENV)
    if out:
        Path(out).write_text(json.dumps({"spent": _spent, "calls": _calls}))


# -- the driver side ----------------------------------------------------------------------------

def one_round(provider: str, profile: str, keyword: str, workdir: Path, api: str = "") -> dict[str, Any]:
    out = workdir / "stateful.json"
    env = {**os.environ, "HOME": str(workdir), _OUT_ENV: str(out),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "pytest", f"--llama-provider={provider}", "-m", "stateful", "-k", keyword,
               f"--llama-profile={profile}", "-p", "bench_stateful", "-q", "-n", "0", "-p", "no:randomly",
               "-p", "no:cacheprovider", "--hypothesis-seed=1", *([f"--llama-api={api}"] if api else [])]
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"the kit run failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--provider", default="inline::kit-files")
    parser.add_argument("--profile", default="thorough")
    parser.add_argument("-k", dest="keyword", default="state_machine")
    parser.add_argument("--api", default="", help="--llama-api for a provider that serves several APIs")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args(argv)
    shares: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[float]] = defaultdict(list)
    detail: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            data = one_round(args.provider, args.profile, args.keyword, Path(tmp), args.api)
            for test, spent in data["spent"].items():
                if not test or "test" not in spent:
                    continue
                invariants = sum(v for k, v in spent.items() if k.startswith("invariant:"))
                shares[test].append(invariants / spent["test"])
                totals[test].append(spent["test"])
                detail[test] = {"cpu_s": {k: round(v, 4) for k, v in spent.items()}, "calls": data["calls"][test]}
    result = {
        "provider": args.provider, "profile": args.profile, "rounds": args.rounds,
        "clock": "process CPU time (time.process_time) inside the kit's pytest process",
        "tests": {test: {"invariant_share_median": round(statistics.median(s), 3),
                         "test_cpu_s_median": round(statistics.median(totals[test]), 3),
                         "last_round": detail[test]} for test, s in shares.items()},
        "target_share_max": SHARE_TARGET,
    }
    result["pass"] = all(t["invariant_share_median"] <= SHARE_TARGET for t in result["tests"].values())
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())

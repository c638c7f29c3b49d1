"""Draw speed and acceptance of the request strategies, against ``st.from_type``.

What it measures (prints one JSON document):

* ``chat``: ``request_payloads(OpenAIChatCompletionRequestWithExtraBody)`` from ogx_api, the
  target being >= 1,000 valid requests drawn per second on a 2-core machine.
  - ``direct``: draws straight from a seeded ``ConjectureData`` (no test engine), the cost
    of the strategy itself. Each draw is then validated with pydantic, so ``valid_per_s``
    only counts accepted payloads. Reported per CPU second (``process_time``, robust to other
    load on a shared machine) and per wall second, best and median of ``--rounds``.
  - ``given``: a real ``@given(st.data())`` test with ``max_examples``, ``database=None``,
    ``phases=[generate]``; ``draw_only_per_s`` times just ``data.draw(strategy)`` inside the
    engine, ``examples_per_s`` the whole loop.
  - ``public_path_direct``: the same as ``direct`` through the fallback that uses only public
    Hypothesis API (``LLAMA_CONFORMANCE_PUBLIC_DRAW=1``), on a quarter of the draws.
  - ``engine_floor``: the same ``@given`` loop drawing ``st.integers()`` (one choice): what
    Hypothesis's engine costs per example with almost nothing to draw. No strategy can make
    ``examples_per_s`` beat it.
* ``from_type``: for every ogx_api request model, ``st.from_type(Model)`` versus
  ``request_payloads(Model)``: how many draws produce an accepted value, and accepted values
  per CPU second (best of 3 runs each). ``ratio`` = ours / from_type where from_type produces
  any valid value.

Usage: ``python benchmarks/bench_strategies.py [--draws 2000] [--compare-draws 100]
[--rounds 3] [--json OUT]``. Takes one to two minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hypothesis
import ogx_api  # noqa: F401 - llama_stack_api must never be imported before it
import pydantic
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from ogx_api.inference.models import OpenAIChatCompletionRequestWithExtraBody as Chat
from pydantic import BaseModel, ValidationError

from llama_conformance.strategies import request_models_of, request_payloads
from llama_conformance.strategies.catalog import unique_models
from llama_conformance.strategies.sampling import DISCARDED, draws


def _accepted(model: type[BaseModel], value: Any) -> bool:
    try:
        if isinstance(value, BaseModel):  # from_type builds instances: check they round-trip
            model.model_validate(value.model_dump(mode="json", by_alias=True))
        else:
            model.model_validate(value)
    except (ValidationError, ValueError, TypeError):  # bytes that are not UTF-8 cannot be dumped
        return False
    return True


def direct_rate(model: type[BaseModel], strategy: Any, n: int, seed: int) -> dict[str, Any]:
    """Draw n values straight from ConjectureData; validate each (validation not timed)."""
    cpu = wall = 0.0
    valid = discarded = 0
    values = []
    it = draws(strategy, n, seed)
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        value = next(it)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        values.append(value)
    for value in values:
        if value is DISCARDED:
            discarded += 1
        elif _accepted(model, value):
            valid += 1
    return {
        "draws": n,
        "valid": valid,
        "discarded": discarded,
        "acceptance": valid / n,
        "valid_per_cpu_s": valid / cpu if cpu else None,
        "valid_per_wall_s": valid / wall if wall else None,
    }


def given_rate(strategy: Any, n: int) -> dict[str, Any]:
    """A real @given test: examples/s end to end and the time spent inside data.draw."""
    spent = {"cpu": 0.0, "wall": 0.0, "count": 0}

    @settings(
        max_examples=n, database=None, phases=[Phase.generate], deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def test(data: Any) -> None:
        c0, w0 = time.process_time(), time.perf_counter()
        data.draw(strategy)
        spent["cpu"] += time.process_time() - c0
        spent["wall"] += time.perf_counter() - w0
        spent["count"] += 1

    c0, w0 = time.process_time(), time.perf_counter()
    test()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    count = spent["count"]
    return {
        "examples": count,
        "examples_per_cpu_s": count / cpu,
        "examples_per_wall_s": count / wall,
        "draw_only_per_cpu_s": count / spent["cpu"] if spent["cpu"] else None,
        "draw_only_per_wall_s": count / spent["wall"] if spent["wall"] else None,
    }


def rounds(fn: Any, k: int, key: str) -> dict[str, Any]:
    results = [fn(i) for i in range(k)]
    values = [r[key] for r in results if r[key] is not None]
    return {**results[-1], f"{key}_best": max(values), f"{key}_median": statistics.median(values)}


def guarded_draws(model: type[BaseModel], strategy: Any, n: int) -> dict[str, Any]:
    """n draws, each on its own seed, so one exception does not end the run."""
    valid = failed = discarded = 0
    errors: dict[str, int] = {}
    with contextlib.suppress(Exception):  # warm-up off the clock: both resolve lazily on first use
        next(draws(strategy, 1, "warm-up"))
    c0 = time.process_time()
    for i in range(n):
        try:
            value = next(draws(strategy, 1, f"compare:{i}"))
        except Exception as error:  # from_type raises on Any, ValidationError from builds, ...
            failed += 1
            errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
            continue
        if value is DISCARDED:
            discarded += 1
        elif _accepted(model, value):
            valid += 1
        else:
            failed += 1
    cpu = time.process_time() - c0
    return {
        "valid": valid,
        "failed": failed,
        "discarded": discarded,
        "errors": errors,
        "acceptance": valid / n,
        "valid_per_cpu_s": valid / cpu if cpu else 0.0,
    }


def best_of(k: int, run: Any) -> dict[str, Any]:
    """The fastest of k identical runs: short timings on a shared machine only err slow."""
    return max((run() for _ in range(k)), key=lambda r: r["valid_per_cpu_s"])


def compare_with_from_type(n: int) -> dict[str, Any]:
    rows = []
    for model in unique_models(request_models_of("ogx_api")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = best_of(3, lambda m=model: guarded_draws(m, st.from_type(m), n))
        ours = best_of(3, lambda m=model: guarded_draws(m, request_payloads(m), n))
        ratio = ours["valid_per_cpu_s"] / theirs["valid_per_cpu_s"] if theirs["valid"] else None
        rows.append({"model": model.__qualname__, "from_type": theirs, "ours": ours, "ratio": ratio})
    works = [r for r in rows if r["from_type"]["valid"]]
    fully = [r for r in rows if r["from_type"]["acceptance"] == 1.0]
    ratios = [r["ratio"] for r in works]
    return {
        "models": len(rows),
        "draws_per_model": n,
        "from_type_produces_valid_values": len(works),
        "from_type_fully_works": len(fully),
        "from_type_mean_acceptance": statistics.mean(r["from_type"]["acceptance"] for r in rows),
        "ours_mean_acceptance": statistics.mean(r["ours"]["acceptance"] for r in rows),
        "ours_min_acceptance": min(r["ours"]["acceptance"] for r in rows),
        "ratio_median_where_from_type_works": statistics.median(ratios) if ratios else None,
        "ratio_min_where_from_type_works": min(ratios) if ratios else None,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--compare-draws", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    chat = request_payloads(Chat)
    list(draws(chat, 50, "warm-up"))  # compile the plan and build validators once
    out: dict[str, Any] = {
        "environment": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "hypothesis": hypothesis.__version__,
            "pydantic": pydantic.VERSION,
            "load_average": os.getloadavg(),
        },
        "chat": {
            "model": f"{Chat.__module__}.{Chat.__qualname__}",
            "direct": rounds(lambda i: direct_rate(Chat, chat, args.draws, i), args.rounds, "valid_per_cpu_s"),
            "given": given_rate(chat, args.draws),
            "public_path_direct": direct_rate(Chat, request_payloads(Chat, public=True), args.draws // 4, 0),
        },
        "engine_floor": given_rate(st.integers(), args.draws),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["chat"]["from_type"] = guarded_draws(Chat, st.from_type(Chat), 50)
    comparison = compare_with_from_type(args.compare_draws)
    out["from_type_comparison"] = {k: v for k, v in comparison.items() if k != "rows"}
    out["from_type_rows"] = comparison["rows"]
    text = json.dumps(out, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()

"""Draw N examples from a strategy, reproducibly, without running a test.

The acceptance table needs tens of thousands of draws; through ``@given`` each one costs
~1.5 ms of engine bookkeeping on a 2-core machine, whatever the strategy. Drawing straight
from a ``ConjectureData`` seeded with ``random.Random(seed)`` costs only the draw, gives the
same value for the same seed, and is how ``benchmarks/bench_strategies.py`` measures raw
draw speed. If Hypothesis's internals move, the public ``@given`` loop is used instead.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

DISCARDED = object()  # a draw the strategy itself threw away (filter, assume)


def _private_sampler() -> Any:
    try:
        from hypothesis.control import BuildContext
        from hypothesis.errors import StopTest
        from hypothesis.internal.conjecture.data import ConjectureData
    except ImportError:  # pragma: no cover - depends on the installed Hypothesis
        return None

    def sample(strategy: st.SearchStrategy[Any], n: int, rnd: random.Random) -> Iterator[Any]:
        for _ in range(n):
            data = ConjectureData(random=rnd)
            try:
                with BuildContext(data, is_final=False, wrapped_test=None):  # type: ignore[arg-type]
                    value = data.draw(strategy)
            except StopTest:
                yield DISCARDED
                continue
            yield value

    return sample


_SAMPLE = _private_sampler()


def draws(strategy: st.SearchStrategy[Any], n: int, seed: int | str = 0) -> Iterator[Any]:
    """``n`` draws (``DISCARDED`` for the ones the strategy rejected), reproducible per seed."""
    if _SAMPLE is not None:
        try:
            yield from _SAMPLE(strategy, n, random.Random(seed))
            return
        except TypeError:  # pragma: no cover - BuildContext signature changed
            pass
    yield from _given_draws(strategy, n, seed)


def _given_draws(strategy: st.SearchStrategy[Any], n: int, seed: int | str) -> Iterator[Any]:
    out: list[Any] = []

    @hypothesis_seed(random.Random(seed).getrandbits(64))
    @settings(
        max_examples=n,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    yield from out

"""Run a check over drawn examples with Hypothesis: budget profiles, seed, readable failures.

The suites stay plain functions: ``run_examples(strategy, body, ...)`` builds the
``@given`` test on the fly with the profile's budget and the session seed. Every example
notes its request as JSON, so the shrunk failing request is printed as JSON; the kit's
report hook adds the one-line command that reruns the check with the same seed. The
example database is off: a conformance run must not write ``.hypothesis/`` into a
provider's repository, and the seed already makes a failure reproducible.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, note, seed, settings
from hypothesis import strategies as st

from llama_conformance.behaviour.judge import kit_frames_hidden
from llama_conformance.target.profiles import DEFAULT_PROFILE, PROFILES, Profile

K = TypeVar("K")
V = TypeVar("V")

__tracebackhide__ = kit_frames_hidden  # a check's failure shows from the suite's line down
__all__ = ["DEFAULT_PROFILE", "PROFILES", "Profile", "as_json", "hypothesis_settings", "run_examples", "run_machine"]


def hypothesis_settings(profile: Profile, *, stateful: bool = False) -> settings:
    return settings(
        max_examples=profile.max_examples,
        stateful_step_count=profile.stateful_steps if stateful else 50,
        deadline=None,  # the gate enforces --llama-timeout per call instead
        database=None,
        derandomize=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_unset=True)
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return value


def as_json(value: Any) -> str:
    """An example as the JSON a client would send (pydantic models dumped, bytes decoded)."""
    try:
        return json.dumps(_jsonable(value), ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        return repr(value)


def run_examples(
    strategy: st.SearchStrategy[Any],
    body: Callable[[Any], None],
    *,
    profile: Profile,
    session_seed: int,
    label: str = "request",
) -> None:
    """Call ``body(example)`` for drawn examples; a failure is shrunk and re-raised."""

    @seed(session_seed)
    @hypothesis_settings(profile)
    @given(strategy)
    def property_(example: Any) -> None:
        note(f"{label} (JSON): {as_json(example)}")
        body(example)

    property_()


SWEEP_EVERY = 8


class Sweep:
    """What a state machine's invariant reads back: the resources a step touched since the last read, and all of
    them on every ``SWEEP_EVERY``-th read and in teardown. A defect in the step's own resource shows at that step,
    one that reaches into another resource (cross-talk) within a few steps; reading everything after every step
    was a third of a thorough run (issue 18: invariants <= 20 %)."""

    def __init__(self) -> None:
        self._touched: set[Any] = set()
        self._reads = 0

    def touch(self, key: Any) -> None:
        """A step changed ``key``: the next read looks at it."""
        self._touched.add(key)

    def due(self, held: Mapping[K, V], *, everything: bool = False) -> dict[K, V]:
        """The part of ``held`` (the model, by resource) to read back now; touching starts again."""
        self._reads += 1
        if everything or self._reads % SWEEP_EVERY == 0:
            chosen = dict(held)
        else:
            chosen = {key: value for key, value in held.items() if key in self._touched}
        self._touched.clear()
        return chosen


# The exception a caller was handling when the running machine started (None: none), which
# ``ended_by_a_failure`` must not take for a failure of the machine's own.
_HANDLED_AT_START: list[BaseException | None] = [None]


def run_machine(machine: type[Any], *, profile: Profile, session_seed: int) -> None:
    """Run a ``RuleBasedStateMachine`` class with the profile's step budget and the session seed."""
    from hypothesis.stateful import run_state_machine_as_test

    seeded = seed(session_seed)(machine)
    outer, _HANDLED_AT_START[0] = _HANDLED_AT_START[0], sys.exc_info()[1]
    try:
        run_state_machine_as_test(seeded, settings=hypothesis_settings(profile, stateful=True))
    finally:
        _HANDLED_AT_START[0] = outer


def ended_by_a_failure() -> bool:
    """In a state machine's ``teardown``: whether a step or an invariant has just failed.

    Hypothesis calls ``teardown`` from a ``finally`` block, so that failure is still in flight there
    (``sys.exc_info``). The model may then be a step behind the provider, and a final read-back that failed too
    was raised while the first was handled: the report showed the finding twice, the second "during handling of
    the above exception", and a replay that failed only in teardown could be called flaky. An exception some
    caller of the machine was handling is not the machine's (``_HANDLED_AT_START``)."""
    in_flight = sys.exc_info()[1]
    return in_flight is not None and in_flight is not _HANDLED_AT_START[0]


def tear_down(final_check: Callable[[], Any], delete: Callable[[Any], Any], made: Iterable[Any]) -> None:
    """A state machine's ``teardown``: ``final_check()`` once more, unless a step failed (``ended_by_a_failure``),
    then ``delete`` each of ``made``, whatever the check found (a real server keeps what a machine leaves)."""
    try:
        if not ended_by_a_failure():
            final_check()
    finally:
        for each in list(made):
            delete(each)

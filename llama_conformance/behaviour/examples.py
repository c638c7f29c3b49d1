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
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, note, seed, settings
from hypothesis import strategies as st

from llama_conformance.behaviour.judge import kit_frames_hidden
from llama_conformance.target.profiles import DEFAULT_PROFILE, PROFILES, Profile

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


def run_machine(machine: type[Any], *, profile: Profile, session_seed: int) -> None:
    """Run a ``RuleBasedStateMachine`` class with the profile's step budget and the session seed."""
    from hypothesis.stateful import run_state_machine_as_test

    seeded = seed(session_seed)(machine)
    run_state_machine_as_test(seeded, settings=hypothesis_settings(profile, stateful=True))

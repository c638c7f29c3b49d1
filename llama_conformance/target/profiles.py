"""Example budgets of the behavioural suites, by name (``--llama-profile``).

Kept apart from ``examples`` so the plugin can offer the option without importing Hypothesis
on every pytest run, kit or not.

The ``stress`` profile also switches on the stress suite (``suites/stress``): concurrent calls
and long streams against one provider or a loopback deployment, bounded in count (``rounds``
batches of ``concurrency`` calls per test) and in time (``stress_wall_s`` for the whole suite).
In every other profile ``concurrency`` is 0 and the stress checks are not applicable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Examples per property; the fast profile keeps one provider's run under a minute."""

    max_examples: int
    stateful_steps: int
    description: str
    # The stress suite's load; 0 concurrency leaves it off (its checks are then not applicable).
    concurrency: int = 0  # calls sent at once in one batch
    rounds: int = 0  # batches per stress test, each with fresh markers
    stream_concurrency: int = 0  # long streams consumed at once (each holds hundreds of chunks)
    stream_max_tokens: int = 0  # max_tokens of a long stream
    stress_wall_s: float = 0.0  # wall-time cap of the whole stress suite; no batch starts past it

    @property
    def stress(self) -> bool:
        return self.concurrency > 0


PROFILES: dict[str, Profile] = {
    "fast": Profile(max_examples=12, stateful_steps=12, description="the CI default"),
    "thorough": Profile(max_examples=150, stateful_steps=40, description="before a release"),
    # The other suites keep the fast budget: the stress run's minutes go to concurrency.
    "stress": Profile(max_examples=12, stateful_steps=12,
                      description="the fast budget plus concurrent calls and long streams (loopback only)",
                      concurrency=32, rounds=4, stream_concurrency=8, stream_max_tokens=2048, stress_wall_s=60.0),
}
DEFAULT_PROFILE = "fast"

"""Example budgets of the behavioural suites, by name (``--llama-profile``).

Kept apart from ``examples`` so the plugin can offer the option without importing Hypothesis
on every pytest run, kit or not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Examples per property; the fast profile keeps one provider's run under a minute."""

    max_examples: int
    stateful_steps: int
    description: str


PROFILES: dict[str, Profile] = {
    "fast": Profile(max_examples=12, stateful_steps=12, description="the CI default"),
    "thorough": Profile(max_examples=150, stateful_steps=40, description="before a release"),
}
DEFAULT_PROFILE = "fast"

"""Values for fields whose validators demand more than their type says.

A ``function-after`` validator is opaque: the core schema shows that one runs, not what it
wants. The plan already filters such nodes (``plan.Filter``), which is enough when the
validator rejects a minority of draws (``OpenAIFileFile`` needs ``file_id`` or
``file_data``). It is not enough when almost no random value passes: weights that must sum
to 1.0, a prompt that must contain two placeholders in order. Those fields get a strategy
here, keyed by class *name* so the same entry serves ``ogx_api`` and ``llama_stack_api``.

Each entry restates a validator's rule; the acceptance test in ``tests/test_strategies.py``
fails if a package changes the rule and an entry goes stale. User hints take precedence.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

_WEIGHT_KEYS = ("vector", "keyword", "neural")


def _weights(parts: tuple[str, ...], cuts: list[int]) -> dict[str, float]:
    # Percentages that add up to exactly 100, then scaled: the sum is 1.0 within 1e-9.
    bounds = [0, *sorted(cuts), 100]
    return {key: (bounds[i + 1] - bounds[i]) / 100 for i, key in enumerate(parts)}


def _weights_strategy() -> st.SearchStrategy[dict[str, float] | None]:
    subsets = [("vector",), ("keyword",), ("vector", "keyword"), _WEIGHT_KEYS]
    return st.one_of(
        st.none(),
        st.sampled_from(subsets).flatmap(
            lambda parts: st.lists(st.integers(0, 100), min_size=len(parts) - 1, max_size=len(parts) - 1).map(
                lambda cuts: _weights(parts, cuts)
            )
        ),
    )


def _contextual_prompt() -> st.SearchStrategy[str]:
    words = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8)
    return st.tuples(words, words, words).map(
        lambda w: f"{w[0]}{{{{WHOLE_DOCUMENT}}}}{w[1]}{{{{CHUNK_CONTENT}}}}{w[2]}"
    )


# (class name, field name) -> strategy, with the validator rule each one satisfies.
VALIDATOR_HINTS: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    # SearchRankingOptions.validate_weights: keys from {vector, keyword, neural}, sum == 1.0
    ("SearchRankingOptions", "weights"): _weights_strategy(),
    # VectorStoreChunkingStrategyContextualConfig.validate_config: both placeholders, in order
    ("VectorStoreChunkingStrategyContextualConfig", "context_prompt"): _contextual_prompt(),
    # ... and chunk_overlap_tokens < max_chunk_size_tokens, whose lower bound is 100
    ("VectorStoreChunkingStrategyContextualConfig", "chunk_overlap_tokens"): st.integers(0, 99),
}


def validator_hint(owner: type | None, field: str) -> st.SearchStrategy[Any] | None:
    if owner is None:
        return None
    return VALIDATOR_HINTS.get((owner.__name__, field))

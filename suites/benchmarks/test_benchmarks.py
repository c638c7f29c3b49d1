"""Benchmark registration on eval providers: register_benchmark, and the unregister_benchmark
the routing table calls although BenchmarksProtocolPrivate does not declare it.

The Benchmarks API is the server's routing table; these checks are what eval providers
owe it (``checks.py`` beside this file), so the suite runs for the eval API (in-process: the
calls have no HTTP route).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.strategies.alphabet import WIRE_CHARACTERS
from llama_conformance_suites.benchmarks.checks import REGISTER, UNREGISTER, UNREGISTER_FORGETS
from llama_conformance_suites.benchmarks.helpers import benchmark, register_benchmark, unregister_benchmark, unregisters
from llama_conformance_suites.eval.helpers import run_eval

pytestmark = [pytest.mark.behavioral, pytest.mark.api("eval")]

IDS = st.text(st.characters(min_codepoint=48, max_codepoint=122), min_size=1, max_size=24)
METADATA = st.dictionaries(st.sampled_from(["owner", "notes", "version"]),
                           st.one_of(st.text(WIRE_CHARACTERS, max_size=20), st.integers(0, 100)), max_size=3)


@pytest.mark.checks(REGISTER, *ANSWER)
def test_register_benchmark(llama_kit: Kit) -> None:
    """benchmarks.register: drawn benchmarks are accepted and can be evaluated afterwards."""
    kit = llama_kit

    def body(example: tuple) -> None:
        suffix, metadata = example
        item = benchmark(kit, f"kit-benchmark-{suffix}", metadata=metadata)
        register_benchmark(kit, item)
        try:
            outcome = run_eval(kit, item.identifier)
            kit.judge.check(outcome.error is None and not outcome.timed_out, REGISTER,
                            f"run_eval of registered benchmark {item.identifier!r} raised "
                            f"{outcome.describe_error()}.")
        finally:
            if unregisters(kit):
                unregister_benchmark(kit, item.identifier)

    kit.examples(st.tuples(IDS, METADATA), body, label="benchmark")


@pytest.mark.checks(REGISTER, UNREGISTER, UNREGISTER_FORGETS, *ANSWER)
def test_unregister_benchmark(llama_kit: Kit) -> None:
    """benchmarks.unregister answers; benchmarks.unregister.forgets (SHOULD): run_eval of it then is not-found."""
    kit = llama_kit
    item = benchmark(kit)
    register_benchmark(kit, item)
    kit.judge.answered(unregister_benchmark(kit, item.identifier), UNREGISTER)
    after = run_eval(kit, item.identifier)
    kit.judge.no_hang(after)
    gone = after.error is not None and after.answer is not None and after.answer.client_error
    kit.judge.check(gone, UNREGISTER_FORGETS,
                    f"run_eval of unregistered benchmark {item.identifier} "
                    + (f"raised {after.describe_error()}, not a not-found error." if after.error else
                       "still answered."))

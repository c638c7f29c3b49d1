"""Behavioural checks of benchmark registration on eval providers (registered on import).

The Benchmarks API itself is the server's routing table; what a provider owes it is
BenchmarksProtocolPrivate: register_benchmark, and the unregister_benchmark the
routing table calls although the protocol does not declare it. So these checks belong to
the eval API.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("benchmarks.register", MUST,
             "register_benchmark accepts drawn benchmarks as the routing table sends them, and they can be "
             "evaluated afterwards", "eval", None,
             reference="BenchmarksProtocolPrivate.register_benchmark(benchmark: Benchmark); "
                       "POST /v1alpha/eval/benchmarks; Benchmark"),
    CheckDef("benchmarks.unregister", MUST,
             "unregister_benchmark(identifier), which the routing table calls, answers for a registered benchmark",
             "eval", None,
             reference="BenchmarksRoutingTable.unregister_benchmark -> provider.unregister_benchmark(identifier); "
                       "DELETE /v1alpha/eval/benchmarks/{benchmark_id}"),
    CheckDef("benchmarks.unregister.forgets", SHOULD,
             "After unregister_benchmark, run_eval of that benchmark is a not-found error", "eval", None,
             reference="BenchmarksProtocolPrivate; Eval.run_eval; RunEvalRequest.benchmark_id"),
)

register(*CHECKS)

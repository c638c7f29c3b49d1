"""The benchmarks wing: what an eval provider owes the Benchmarks API's routing table, and the
broken fixtures that prove it.

The Benchmarks API itself is the server's routing table; what a provider owes it is
BenchmarksProtocolPrivate: register_benchmark, and the unregister_benchmark the routing table
calls although the protocol does not declare it. So these checks are the eval API's (``api``
"eval", registered by the eval wing, ``suites/eval/checks.py``: ``CHECKS`` below); this folder
declares them and holds their suite, helpers and proofs. Each id is written here only.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "eval"  # the API whose providers the checks judge (the benchmarks suite is marked api("eval"))

REGISTER = CheckDef("benchmarks.register", MUST,
                    "register_benchmark accepts drawn benchmarks as the routing table sends them, and they can be "
                    "evaluated afterwards", API, None,
                    reference="BenchmarksProtocolPrivate.register_benchmark(benchmark: Benchmark); "
                              "POST /v1alpha/eval/benchmarks; Benchmark")
UNREGISTER = CheckDef("benchmarks.unregister", MUST,
                      "unregister_benchmark(identifier), which the routing table calls, answers for a registered "
                      "benchmark", API, None,
                      reference="BenchmarksRoutingTable.unregister_benchmark -> provider.unregister_benchmark"
                                "(identifier); DELETE /v1alpha/eval/benchmarks/{benchmark_id}")
UNREGISTER_FORGETS = CheckDef("benchmarks.unregister.forgets", SHOULD,
                              "After unregister_benchmark, run_eval of that benchmark is a not-found error", API, None,
                              reference="BenchmarksProtocolPrivate; Eval.run_eval; RunEvalRequest.benchmark_id")

CHECKS = (REGISTER, UNREGISTER, UNREGISTER_FORGETS)

# The fixtures are eval providers of llama-stack-api 0.x; a fixed seed: a rare draw must not hide a defect.
_SUITES = ("-m", "behavioral or negative")
_SEEDED = ("--hypothesis-seed=1",)
_PACKAGE = "llama_stack_api"


def _proof(fixture: str, test: str, check: CheckDef) -> Proof:
    return Proof(fixture, {test: (check,)}, run=(*_SUITES, "-k", test, *_SEEDED), package=_PACKAGE)


# ``api`` "benchmarks": this folder's proofs, batched apart from the eval wing's (the checks are
# registered once, by the eval wing, whose API they belong to).
WING = Wing(
    api="benchmarks",
    checks=(),
    proofs=(
        _proof("benchmarks-register-ignored", "test_register_benchmark", REGISTER),
        _proof("benchmarks-unregister-fails", "test_unregister_benchmark", UNREGISTER),
        Proof("benchmarks-unregister-keeps", run=(*_SUITES, "-k", "test_unregister_benchmark", *_SEEDED),
              warns=((UNREGISTER_FORGETS, "run_eval of unregistered benchmark * still answered."),),
              package=_PACKAGE),
    ),
)

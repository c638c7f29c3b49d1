"""The benchmarks a suite registers, through the routing table's calls (``steps.routing_call``)."""

from __future__ import annotations

from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.steps import KIT_DATASET_ID, KIT_SCORING_FN, new_id, owner, routing_call
from llama_conformance.checks import CheckDef
from llama_conformance_suites.benchmarks.checks import REGISTER, UNREGISTER


def benchmark(kit: Kit, benchmark_id: str | None = None, *, dataset_id: str = KIT_DATASET_ID,
              scoring_functions: tuple[str, ...] = (KIT_SCORING_FN,), metadata: dict[str, Any] | None = None) -> Any:
    identifier = benchmark_id or new_id("kit-benchmark")
    return kit.api.Benchmark(identifier=identifier, provider_resource_id=identifier, provider_id=owner(kit),
                             dataset_id=dataset_id, scoring_functions=list(scoring_functions),
                             metadata=metadata or {})


def register_benchmark(kit: Kit, item: Any, check: CheckDef = REGISTER) -> None:
    outcome = routing_call(kit, "register_benchmark", item, check_id=check)
    kit.judge.answered(outcome, check)


def unregisters(kit: Kit) -> bool:
    """Whether a test's cleanup can unregister its benchmark: the provider has ``unregister_benchmark`` and
    the server calls it (llama-stack 0.2's routing table never does, so its contract has no such member)."""
    declared = any(member.name == "unregister_benchmark" for member in kit.put.surface.members)
    return declared and callable(getattr(kit.put.impl, "unregister_benchmark", None))


def unregister_benchmark(kit: Kit, identifier: str, check: CheckDef = UNREGISTER) -> Outcome:
    return routing_call(kit, "unregister_benchmark", identifier, check_id=check)

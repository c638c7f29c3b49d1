"""Schemathesis over the deployment's repaired OpenAPI document, one test per operation.

Runs with ``--llama-stack-url`` (a server) or ``--llama-provider ... --llama-over-http``
(the provider behind its routers, in-process). Each operation gets the session profile's
example budget in every generation mode (valid and invalid data), a time bound and the
run's request budget (``llama_fuzz``: ``fuzz.session.FuzzRun``). The checks: no server errors,
documented status codes and content types, responses (and every stream event) matching their
schemas, invalid data rejected, valid data accepted, and use-after-free / resource availability
where the document links operations. A failure lists each distinct problem with a ``curl`` that
reproduces it; SHOULD-level problems are warnings unless ``--llama-strict`` (judged by the fuzzer).
"""

from __future__ import annotations

import pytest

from llama_conformance.checks import CheckRef, check_ids
from llama_conformance.engine_checks import RESOURCE_BOUND
from llama_conformance.errors import NotApplicable
from llama_conformance.fuzz.ids import (
    FUZZ_CHECK_IDS,
    NOT_A_SERVER_ERROR,
    RESOURCE_AVAILABILITY,
    RESPONSE_SCHEMA,
    USE_AFTER_FREE,
)
from llama_conformance.pytest_plugin.verdict import fail_with

pytestmark = [pytest.mark.http, pytest.mark.fuzz]


@pytest.mark.checks(RESPONSE_SCHEMA)
def test_openapi_document_is_usable(llama_remote, request: pytest.FixtureRequest) -> None:
    """The document the deployment publishes, and every repair the kit made to it.

    Dangling references and payload-only stream media types are defects of the published
    contract (every ogx / llama-stack server has them), so they are reported as errata; a
    reference the kit cannot resolve from the API package fails, because the operations
    that use it cannot be checked.
    """
    from llama_conformance.pytest_plugin.terminal import record_repairs

    repaired = llama_remote.repaired()
    record_repairs(request.node, repaired.repairs)
    if repaired.unresolved:
        pytest.fail("The deployment's OpenAPI document references definitions the API package does not have, so "
                    "the operations using them are fuzzed against an empty schema:\n"
                    + "\n".join(str(r) for r in repaired.unresolved), pytrace=False)


# Which kind of model an operation's ``model`` must name (the rest of the body is drawn).
MODEL_KIND = {"/chat/completions": "llm", "/completions": "llm", "/embeddings": "embedding", "/rerank": "rerank"}


def served_values(operation: str, session) -> dict[str, list[str]]:
    """``model`` -> the served models of the kind the operation needs (none: drawn like the rest)."""
    path = operation.split(" ", 1)[1]
    kind = next((k for suffix, k in MODEL_KIND.items() if path.endswith(suffix)), None)
    if kind is None or "inference" not in session.apis:
        return {}
    models = session.served_models("inference").of(kind)
    return {"model": list(models)} if models else {}


@pytest.mark.checks(*FUZZ_CHECK_IDS, RESOURCE_BOUND.id)
def test_operation(fuzz_operation: str, llama_fuzz, llama_session, request: pytest.FixtureRequest) -> None:
    from llama_conformance.pytest_plugin.terminal import record_fuzz_tally, record_should

    if fuzz_operation == "POST /v1/messages/count_tokens":
        package = llama_session.put_for("messages").contract.package
        if package.row.count_tokens_errors_as_500:  # every case the provider refuses would be a 500
            raise NotApplicable(f"{fuzz_operation}: {package}: {package.row.count_tokens_errors_as_500}")
    outcome = llama_fuzz.operation(fuzz_operation, body_values=served_values(fuzz_operation, llama_session))
    record_fuzz_tally(request.node, outcome.cases_by_mode, outcome.elapsed_s, outcome.ended_early)
    if outcome.warnings:
        record_should(request.node, outcome.warnings)
    _judge(outcome, llama_fuzz, (*FUZZ_CHECK_IDS, RESOURCE_BOUND.id))
    if outcome.cases == 0:
        pytest.skip(f"{fuzz_operation}: no case could be generated ({outcome.summary()})")


def _judge(outcome, llama_fuzz, checks: tuple[CheckRef, ...]) -> None:
    """Fail on what the fuzzer found (its errors shown beside it); with nothing found, a run that errored or could
    not spend its budget judged nothing: the checks are inconclusive, and the message says who must act."""
    from llama_conformance.evidence import Inconclusive

    if outcome.failures:
        fail_with(outcome.findings(), llama_fuzz.redactor(outcome.report()))
    cause = outcome.unjudged_cause()
    if cause is not None:
        raise Inconclusive(check_ids(checks), llama_fuzz.redactor(f"{outcome.summary()}: {cause}"))


LINKED_CHECKS = (USE_AFTER_FREE, RESOURCE_AVAILABILITY, NOT_A_SERVER_ERROR, RESPONSE_SCHEMA)


@pytest.mark.checks(*LINKED_CHECKS)
def test_linked_operations(llama_fuzz, llama_session, request: pytest.FixtureRequest) -> None:
    """Chains over the operations the document links (or schemathesis infers links between):
    a created resource is readable, a deleted one is gone, and no step gets a 5xx."""
    from llama_conformance.fuzz.stateful import NoLinks
    from llama_conformance.pytest_plugin.terminal import record_fuzz_tally

    try:
        outcome = llama_fuzz.linked(max_scenarios=llama_session.profile.max_examples)
    except NoLinks as exc:
        from llama_conformance.report.record import not_applicable

        not_applicable(request.node, *LINKED_CHECKS)
        pytest.skip(f"no linked operations to chain: {exc}")
    record_fuzz_tally(request.node, {"chained": outcome.cases}, outcome.elapsed_s, outcome.ended_early)
    _judge(outcome, llama_fuzz, LINKED_CHECKS)
    if outcome.cases == 0:
        pytest.skip(f"no chained case could be sent ({outcome.summary()})")

"""Schemathesis over the deployment's repaired OpenAPI document, one test per operation.

Runs with ``--llama-stack-url`` (a server) or ``--llama-provider ... --llama-over-http``
(the provider behind its routers, in-process). Each operation gets the session profile's
example budget in every generation mode (valid and invalid data), a time bound and the
run's request budget. The checks: no server errors, documented status codes and content
types, responses (and every stream event) matching their schemas, invalid data rejected,
valid data accepted, and use-after-free / resource availability where the document links
operations. A failure lists each distinct problem with a ``curl`` that reproduces it.
"""

from __future__ import annotations

import pytest

from llama_conformance.fuzz.ids import FUZZ_CHECK_IDS

pytestmark = [pytest.mark.http, pytest.mark.fuzz]

TIME_BOUND_S = {"fast": 20.0, "thorough": 120.0}


@pytest.mark.checks("fuzz.response-schema")
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


@pytest.mark.checks(*FUZZ_CHECK_IDS, "call.resource-bound")
def test_operation(fuzz_operation: str, llama_remote, llama_session, request: pytest.FixtureRequest) -> None:
    from llama_conformance.checks import Level, finding
    from llama_conformance.fuzz import run_operation
    from llama_conformance.fuzz.ids import check_for_code
    from llama_conformance.pytest_plugin.terminal import record_fuzz_tally, record_should

    profile = llama_session.profile
    schema = llama_remote.fuzz_schema(max_examples=profile.max_examples, seed=llama_session.seed)
    outcome = run_operation(schema, fuzz_operation, seed=llama_session.seed,
                            time_budget_s=TIME_BOUND_S.get(llama_session.options.profile, 20.0),
                            budget=llama_remote.fuzz_budget, secrets=llama_remote.headers,
                            body_values=served_values(fuzz_operation, llama_session),
                            feedback=llama_remote.fuzz_feedback)
    record_fuzz_tally(request.node, outcome.cases_by_mode, outcome.elapsed_s)
    # SHOULD-level failures (a schema-valid request refused: semantic validation is allowed)
    # are warnings, unless --llama-strict makes them binding.
    should = [f for f in outcome.failures if check_for_code(f.code).level is not Level.MUST]
    if should and not llama_session.options.strict:
        outcome.failures = [f for f in outcome.failures if f not in should]
        record_should(request.node, [finding(check_for_code(f.code).id, llama_remote.redactor(str(f)))
                                     for f in should])
    if outcome.failures or outcome.errors:
        pytest.fail(llama_remote.redactor(outcome.report()), pytrace=False)
    if outcome.cases == 0:
        pytest.skip(f"{fuzz_operation}: no case could be generated ({outcome.summary()})")


LINKED_CHECKS = ("fuzz.use-after-free", "fuzz.resource-availability", "fuzz.not-a-server-error",
                 "fuzz.response-schema")


@pytest.mark.checks(*LINKED_CHECKS)
def test_linked_operations(llama_remote, llama_session, request: pytest.FixtureRequest) -> None:
    """Chains over the operations the document links (or schemathesis infers links between):
    a created resource is readable, a deleted one is gone, and no step gets a 5xx."""
    from llama_conformance.fuzz.stateful import NoLinks, run_linked
    from llama_conformance.pytest_plugin.terminal import record_fuzz_tally

    profile = llama_session.profile
    schema = llama_remote.fuzz_schema(max_examples=profile.max_examples, seed=llama_session.seed)
    try:
        outcome = run_linked(schema, max_scenarios=profile.max_examples, seed=llama_session.seed,
                             time_budget_s=TIME_BOUND_S.get(llama_session.options.profile, 20.0),
                             budget=llama_remote.fuzz_budget, secrets=llama_remote.headers)
    except NoLinks as exc:
        from llama_conformance.report.record import not_applicable

        not_applicable(request.node, *LINKED_CHECKS)
        pytest.skip(f"no linked operations to chain: {exc}")
    record_fuzz_tally(request.node, {"chained": outcome.cases}, outcome.elapsed_s)
    if outcome.failures or outcome.errors:
        pytest.fail(llama_remote.redactor(outcome.report()), pytrace=False)
    if outcome.cases == 0:
        pytest.skip(f"no chained case could be sent ({outcome.summary()})")

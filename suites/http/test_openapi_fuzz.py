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

pytestmark = [pytest.mark.http, pytest.mark.fuzz]

TIME_BOUND_S = {"fast": 20.0, "thorough": 120.0}


def test_openapi_document_is_usable(llama_remote, request: pytest.FixtureRequest) -> None:
    """The document the deployment publishes, and every repair the kit made to it.

    Dangling references and payload-only stream media types are defects of the published
    contract (every ogx / llama-stack server has them), so they are reported as errata; a
    reference the kit cannot resolve from the API package fails, because the operations
    that use it cannot be checked.
    """
    from llama_conformance.pytest_plugin.terminal import record_repairs

    repaired = llama_remote.repaired()
    record_repairs(request.config, repaired.repairs)
    if repaired.unresolved:
        pytest.fail("The deployment's OpenAPI document references definitions the API package does not have, so "
                    "the operations using them are fuzzed against an empty schema:\n"
                    + "\n".join(str(r) for r in repaired.unresolved), pytrace=False)


def test_operation(fuzz_operation: str, llama_remote, llama_session) -> None:
    from llama_conformance.fuzz import run_operation

    profile = llama_session.profile
    schema = llama_remote.fuzz_schema(max_examples=profile.max_examples, seed=llama_session.seed)
    outcome = run_operation(schema, fuzz_operation, seed=llama_session.seed,
                            time_budget_s=TIME_BOUND_S.get(llama_session.options.profile, 20.0),
                            budget=llama_remote.fuzz_budget, secrets=llama_remote.headers)
    if outcome.failures or outcome.errors:
        pytest.fail(llama_remote.redactor(outcome.report()), pytrace=False)
    if outcome.cases == 0:
        pytest.skip(f"{fuzz_operation}: no case could be generated ({outcome.summary()})")

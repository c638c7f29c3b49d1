"""``call.resource-bound``: absurd but schema-valid sizes are refused (4xx) or answered in time.

- each ``resource-*`` broken provider (n choices built one by one, any ``dimensions``
  computed, MemoryError on a big ``n``) fails exactly ``test_inference_resource_bound``
  under ``call.resource-bound``, with the absurd field and the request shown, in-process
  and over HTTP (``--llama-over-http``);
- the reference providers refuse or answer every absurd request and pass, both ways;
- the HTTP fuzzer's 5xx on an absurd ``n`` is reported as ``call.resource-bound``, with the
  ``curl`` that replays it, not as ``fuzz.not-a-server-error``;
- the absurd requests respect the schema: a declared bound is sent as is, lengths are cut
  to ``max_length``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, Field
from tests_support import run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("resource-bound")]

CAPABILITIES = ("chat", "streaming", "completions", "embeddings", "embeddings-dimensions", "rerank")
ALL = tuple(f"--llama-capability={name}" for name in CAPABILITIES)
RESOURCE = ("-m", "behavioral", "-k", "resource_bound", "--llama-timeout=3", "-p", "no:randomly")
MODES = {"in-process": (), "over-http": ("--llama-over-http",)}

# defect -> what its finding must say (the absurd field and value, and why)
DEFECTS = {
    "resource-chat-n-unbounded": ("n=2147483647", "did not answer n=2147483647 within the deadline"),
    "resource-dimensions-unbounded": ("dimensions=2147483647",
                                      "did not answer dimensions=2147483647 within the deadline"),
    "resource-chat-n-memory": ("n=2147483647", "ran out of memory on n=2147483647"),
}
# Over HTTP the kit sees the server's answer, not the exception: MemoryError arrives as a 500.
OVER_HTTP_SAYS: dict[str, str] = {}  # over HTTP the kit still sees the MemoryError behind the 500
GOOD = ("kit-inference", "kit-files", "kit-vector-io")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pytest.RunResult]:
    """Every kit run of this module, in one process (in-memory fixtures, one API package)."""
    plan: dict[str, tuple[str, ...]] = {}
    for mode, extra in MODES.items():
        for defect in DEFECTS:
            plan[f"{defect}:{mode}"] = (f"--llama-provider=inline::broken-{defect}", *RESOURCE, *ALL, *extra)
        for good in GOOD:
            declared = ALL if good == "kit-inference" else ()
            plan[f"{good}:{mode}"] = (f"--llama-provider=inline::{good}", *RESOURCE, *declared, *extra)
    results = run_kit_batch(tmp_path_factory.mktemp("resource-bound"), list(plan.values()))
    return dict(zip(plan, results, strict=True))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_unbounded_size_is_caught_with_the_request_shown(runs: dict[str, pytest.RunResult], defect: str,
                                                          mode: str) -> None:
    result = runs[f"{defect}:{mode}"]
    text = result.stdout.str()
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.TESTS_FAILED and outcomes.get("failed") == 1, text
    assert "FAILED " in text and "test_inference_resource_bound" in text, text
    field, says = DEFECTS[defect]
    if mode == "over-http":
        says = OVER_HTTP_SAYS.get(defect, says)
    verdicts = re.findall(r"CheckFailed: \[MUST call\.resource-bound\] (.*)", text)
    assert verdicts and says in verdicts[0], text
    assert "must refuse" in verdicts[0] and "with a 400" in verdicts[0], verdicts  # who must act
    name, value = field.split("=")
    shown = re.findall(r"request: (\{.*\})", text)
    assert shown and f'"{name}": {value}' in shown[0], text
    assert "call.no-hang]" not in text and "call.typed-error]" not in text, text  # one id per defect


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("provider", GOOD)
def test_reference_providers_refuse_or_answer_absurd_sizes(runs: dict[str, pytest.RunResult], provider: str,
                                                           mode: str) -> None:
    result = runs[f"{provider}:{mode}"]
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK and outcomes.get("passed") == 1, result.stdout.str()
    assert "skipped" not in outcomes, result.stdout.str()


def test_fuzzer_reports_a_5xx_on_an_absurd_size_as_resource_bound() -> None:
    """A 5xx to a request that carries an absurd size is one defect, the unbounded size: the fuzzer's
    server-error check reports it as call.resource-bound (LC-SIZE) naming the field, not as a 5xx.

    Judged on a case directly: which sizes Hypothesis draws for one seed varies by process."""
    from types import SimpleNamespace

    from llama_conformance.fuzz.checks import UnboundedSize, not_a_server_error_or_unbounded
    from llama_conformance.fuzz.ids import check_for_code

    case = SimpleNamespace(body={"model": "kit-echo", "messages": [], "n": 171882}, query=None,
                           operation=SimpleNamespace(label="POST /v1/chat/completions"))
    answer = SimpleNamespace(status_code=500, headers={})
    with pytest.raises(UnboundedSize) as raised:
        not_a_server_error_or_unbounded(None, answer, case)
    assert "n=171882" in raised.value.message and "HTTP 500" in raised.value.title
    assert check_for_code(UnboundedSize.code).id == "call.resource-bound"


class _ChatRequest(BaseModel):
    model: str
    n: int


def _app_answering(status_for: Callable[[int], int], sent: list[int]) -> Any:
    """A one-route chat app answering ``status_for(n)`` (a 500 from a raised error, as a server's handler
    gives), each request's ``n`` noted in ``sent``: the stand-in for a server's defect."""
    from fastapi import FastAPI, HTTPException

    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def create(request: _ChatRequest) -> dict[str, int]:
        sent.append(request.n)
        status = status_for(request.n)
        if status == 500:
            raise RuntimeError("a defect")  # served_like answers 500
        if status != 200:
            raise HTTPException(status, "refused")
        return {"n": request.n}

    return app


@pytest.mark.parametrize(("defect", "status_for", "code", "says"), [
    ("the size", lambda n: 500 if n >= 1_000 else 200, "LC-SIZE", "Absurd size answered with HTTP 500"),
    ("something else", lambda n: 500, "ST101",
     "brought down to 16 (or to the least its schema allows) got HTTP 500, so the size is not what fails it"),
    ("something else, another 5xx", lambda n: 500 if n >= 1_000 else 503, "ST101", "schema allows) got HTTP 503,"),
    ("not ruled out: the modest value refused", lambda n: 500 if n >= 1_000 else 400, "LC-SIZE", "HTTP 500"),
])
def test_a_5xx_to_an_absurd_size_is_blamed_on_the_size_unless_a_modest_request_fails_too(
        defect: str, status_for: Callable[[int], int], code: str, says: str) -> None:
    """The fuzzer sends a failing request again with its sizes brought down, once per operation and status: a
    server that gets a server error then too fails for another reason, and ``call.resource-bound`` would ask its
    maintainer for the wrong fix (seen on a real ogx 1.5 server: ``POST /v1/responses`` with
    ``max_output_tokens=553948`` answered 500, and so did the same body with 16, because of its
    ``max_infer_iters: null``). That is ``fuzz.not-a-server-error``, with the modest request as the reproducer. A
    modest request refused (its value may be below a minimum) rules nothing out."""
    from llama_conformance.fuzz import load_schema, run_operation
    from llama_conformance.fuzz.ids import check_for_code

    sent: list[int] = []
    app = _app_answering(status_for, sent)
    schema = load_schema(app.openapi(), app=app, max_examples=4, seed=1, modes=("positive",))
    outcome = run_operation(schema, "POST /v1/chat/completions", checks=["not_a_server_error"], seed=1,
                            body_values={"n": [171882]})
    assert [failure.code for failure in outcome.failures] == [code], (defect, outcome.failures)
    [failure] = outcome.failures
    assert failure.count == outcome.cases >= 2  # every case carried the absurd n; the replay is not a case
    assert sent.count(16) == 1 and len(sent) == outcome.cases + 1, sent  # one replay, for the first 5xx
    assert says in failure.title + " " + failure.message, failure
    if code == "ST101":
        assert check_for_code(code).id == "fuzz.not-a-server-error"
        assert "n=171882" in failure.message and "maintainer must fix" in failure.message
        assert '"n": 16' in failure.curl and "171882" not in failure.curl, failure.curl  # the modest reproducer
    else:
        assert '"n": 171882' in failure.curl, failure.curl


class _ThinkingRequest(BaseModel):
    model: str
    budget_tokens: int = Field(ge=1024)  # as ogx's AnthropicThinkingConfig: a minimum above MODEST


def test_the_modest_request_keeps_to_the_fields_own_minimum() -> None:
    """``budget_tokens`` brought down to 16 would be refused by the router's validation (a 422), which rules
    nothing out: the modest value is the field's minimum, 1,024, so a server failing every request is still
    found not to fail for the size."""
    from fastapi import FastAPI

    from llama_conformance.fuzz import load_schema, run_operation

    sent: list[int] = []
    app = FastAPI()

    @app.post("/v1/think")
    async def think(request: _ThinkingRequest) -> dict[str, int]:
        sent.append(request.budget_tokens)
        raise RuntimeError("a defect")

    schema = load_schema(app.openapi(), app=app, max_examples=3, seed=1, modes=("positive",))
    outcome = run_operation(schema, "POST /v1/think", checks=["not_a_server_error"], seed=1,
                            body_values={"budget_tokens": [500000]})
    assert [failure.code for failure in outcome.failures] == ["ST101"], outcome.failures
    [failure] = outcome.failures
    assert sent.count(1024) == 1 and '"budget_tokens": 1024' in failure.curl, (sent, failure.curl)


def test_with_no_request_left_for_the_modest_one_the_size_stays_the_cause() -> None:
    """The request budget spent by the first case: no modest request can be sent, nothing is ruled out, and the
    5xx stays ``call.resource-bound``, as before the replay existed (the run ends at the budget, and says so)."""
    from llama_conformance.fuzz import load_schema, run_operation
    from llama_conformance.fuzz.guard import RequestBudget

    sent: list[int] = []
    app = _app_answering(lambda n: 500, sent)
    schema = load_schema(app.openapi(), app=app, max_examples=4, seed=1, modes=("positive",))
    outcome = run_operation(schema, "POST /v1/chat/completions", checks=["not_a_server_error"], seed=1,
                            body_values={"n": [171882]}, budget=RequestBudget(1))
    assert [failure.code for failure in outcome.failures] == ["LC-SIZE"] and sent == [171882], outcome.failures
    assert outcome.stopped and "budget" in outcome.stopped, outcome


def test_absurd_requests_respect_the_schema() -> None:
    from llama_conformance.behaviour import resource_bound as rb
    from llama_conformance.contract import load_contract

    surface = load_contract("ogx_api").surface
    search = surface("vector_io").member("openai_search_vector_store").request_model
    cases = {case.field: case for case in rb.absurd_cases(search, {"query": "q"})}
    assert cases["max_num_results"].request.max_num_results == 50  # le=50: the bound, which is valid
    assert len(cases["query"].request.query) == rb.HUGE_STRING
    embeddings = surface("inference").member("openai_embeddings").request_model
    cases = {case.field: case for case in rb.absurd_cases(embeddings, {"model": "m", "input": ["a", "b"]})}
    assert cases["dimensions"].request.dimensions == rb.HUGE_INT
    assert len(cases["input"].request.input) == 2048  # max_length of the list arm of a union
    assert len(cases["input[0]"].request.input[0]) == rb.HUGE_STRING


def test_absurd_sizes_in_a_fuzzed_body_are_named() -> None:
    from llama_conformance.behaviour.resource_bound import absurd_in_body

    assert absurd_in_body({"model": "m", "n": 171882, "seed": 10**12}) == ["n=171882"]
    assert absurd_in_body({"input": ["a"] * 20_000})[0].startswith("input=<an array of 20,000 items")
    assert absurd_in_body({"messages": [{"content": "x" * 2_000_000}]})[0].startswith("messages[0].content=")
    assert absurd_in_body({"n": 3, "max_tokens": 100, "limit": 10_000}) == []

    from llama_conformance.contract.sizes import within_bounds

    sent = {"model": "m", "n": 171882, "seed": 10**12, "input": ["a"] * 20_000,
            "messages": [{"content": "x" * 2_000_000, "top_k": 500_000}], "flag": True}
    modest = within_bounds(sent)
    assert modest == {"model": "m", "n": 16, "seed": 10**12, "input": ["a"] * 16,
                      "messages": [{"content": "x" * 16, "top_k": 16}], "flag": True}
    assert absurd_in_body(modest) == [] and len(sent["input"]) == 20_000  # a copy; the case is unchanged
    # Within what the schema allows: a minimum above 16 (through anyOf and $ref), a maximum below it, minItems.
    schemas = {"Body": {"properties": {"budget_tokens": {"anyOf": [{"type": "integer", "minimum": 1024},
                                                                   {"type": "null"}]},
                                       "n": {"type": "integer", "exclusiveMaximum": 9},
                                       "input": {"type": "array", "minItems": 20, "items": {"$ref": "#/Item"}},
                                       "chunking": {"anyOf": [{"oneOf": [{"$ref": "#/Static"}]}, {"type": "null"}]}}},
               "Item": {"properties": {"top_k": {"type": "integer", "exclusiveMinimum": 99.5}}},
               "Static": {"properties": {"max_chunk_size_tokens": {"type": "integer", "minimum": 100.0}}}}
    bounded = within_bounds({"budget_tokens": 500_000, "n": 171_882, "input": [{"top_k": 10**6}] * 20_000,
                             "chunking": {"max_chunk_size_tokens": 900_000}},
                            {"$ref": "#/Body"}, lambda node: schemas.get(node["$ref"][2:]))
    assert bounded == {"budget_tokens": 1024, "n": 8, "input": [{"top_k": 100}] * 20,
                       "chunking": {"max_chunk_size_tokens": 100}}, bounded


def test_the_kit_servers_504_at_the_deadline_is_the_same_timeout_as_the_gates() -> None:
    """Over HTTP the kit's server and the client's gate share one deadline; whichever fires first, the
    finding is the same: the server's 504 (marked with the deadline header) is judged as a timeout.

    CI once saw the server's 504 arrive first and the finding read "raised RemoteError" instead."""
    import asyncio

    from llama_conformance.behaviour.invoke import Outcome, consume
    from llama_conformance.behaviour.resource_bound import AbsurdCase, verdict
    from llama_conformance.contract import load_contract
    from llama_conformance.transport.wire import RemoteError

    package = load_contract("ogx_api").package

    async def cut_by_the_kits_server() -> None:
        raise RemoteError(504, "POST /v1/chat/completions ran past the kit's 3 s deadline (call.no-hang)",
                          route="POST /v1/chat/completions", kit_deadline="3")

    outcome = Outcome(member="inference.openai_chat_completion")
    asyncio.run(consume(outcome, cut_by_the_kits_server, (), {}, None, package))
    assert outcome.error is None and outcome.timed_out and "ran for 3 s without returning" in outcome.timed_out
    case = AbsurdCase("n", "2147483647", {"model": "kit-echo", "n": 2147483647})
    found = verdict(outcome, case)
    assert found is not None and found.check.id == "call.resource-bound", found
    assert "did not answer n=2147483647 within the deadline" in found.message, found.message

    async def provider_504() -> None:  # a provider's own 504 (no deadline header) stays the provider's error
        raise RemoteError(504, "upstream timed out", route="POST /v1/chat/completions")

    outcome = Outcome(member="inference.openai_chat_completion")
    asyncio.run(consume(outcome, provider_504, (), {}, None, package))
    assert outcome.timed_out is None and isinstance(outcome.error, RemoteError)

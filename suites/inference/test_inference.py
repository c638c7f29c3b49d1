"""Inference suite: models, chat (plain, streamed, with tools), completions, embeddings, rerank.

Requests name a model the provider serves (from the manifest or ``list_models()``), as the
server's router would after resolving the client's model id. Every response and every
stream chunk is validated against the contract (``llama_conformance.validate``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, CAPABILITY, EMBEDDINGS, FUZZED, NEGATIVE, STREAM, STREAM_USAGE
from llama_conformance.behaviour.judge import as_capability
from llama_conformance.checks import CheckDef
from llama_conformance.engine_checks import TYPED_ERROR, UNKNOWN_ID
from llama_conformance.errors import NotApplicable
from llama_conformance.strategies import ValueHints, valid_requests
from llama_conformance.validate import (
    EMBEDDINGS_DIMENSIONS,
    STREAM_USAGE_LAST,
    STREAM_USAGE_ONCE,
    STREAM_USAGE_TOTAL,
    check_embeddings,
)
from llama_conformance_suites.inference.checks import (
    CHAT_ANSWER,
    CHAT_FUZZ,
    CHAT_STREAM,
    CHAT_STREAM_USAGE,
    CHAT_TOOLS,
    COMPLETION_ANSWER,
    COMPLETION_STREAM,
    EMBED_ANSWER,
    EMBED_DIMENSIONS,
    EMBED_FUZZ,
    MODELS_LISTED,
    MODELS_REGISTER,
    RERANK_ANSWER,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("inference")]

USER_TEXT = "Name three prime numbers."
USAGE_CHECKS = (STREAM_USAGE_ONCE, STREAM_USAGE_LAST, STREAM_USAGE_TOTAL)


def _fuzz_hints(kit: Kit, member_name: str, model: str) -> ValueHints:
    """Requests name the served model, as the router passes it."""
    return ValueHints(by_field={(kit.member(member_name).request_model, "model"): st.just(model)})


def _fuzz(kit: Kit, member_name: str, model: str, check: CheckDef, *, stream: bool | None = None) -> None:
    """Drawn valid requests: a valid answer or a typed rejection; never a 5xx, hang or mutation."""
    member = kit.member(member_name)
    strategy = valid_requests(member.request_model, _fuzz_hints(kit, member_name, model))
    if stream is not None:
        # A hint only shapes a field when it is drawn; an optional field may be left out, so
        # the stream flag is set on every request (and counted as set, for the JSON shown).
        strategy = strategy.map(lambda request: request.model_copy(update={"stream": stream}))
    tally = {"answered": 0, "rejected": 0}

    def body(request: Any) -> None:
        streaming = bool(getattr(request, "stream", False))
        outcome = kit.call_request(member, request, stream=streaming)
        if outcome.succeeded:
            tally["answered"] += 1
            # usage in a stream is the stream-usage capability's, whatever else was drawn
            usage = [f for f in outcome.stream_findings if f.check.id in USAGE_CHECKS]
            rest = [f for f in outcome.stream_findings if f.check.id not in USAGE_CHECKS]
            outcome.stream_findings = rest + as_capability(usage, "stream-usage", kit.session.manifest)
            kit.validate(outcome, member, expect_stream=streaming, check_id=check)
        else:
            tally["rejected"] += 1
            kit.judge.typed_rejection(outcome)

    kit.examples(strategy, body)
    kit.judge.mostly_accepted(member.member_id, tally)


# -- models (the private protocol the routing table uses) ---------------------------------

@pytest.mark.checks(MODELS_LISTED, *ANSWER)
def test_models_listed(llama_kit: Kit) -> None:
    """inference.models.listed"""
    kit = llama_kit
    member = kit.member("list_models")
    served = kit.served()
    if "list_models" in served.problems:
        kit.judge.fail(MODELS_LISTED, served.problems["list_models"])
    kit.accept(kit.call(member), member, MODELS_LISTED)


@pytest.mark.checks(MODELS_REGISTER, *ANSWER)
def test_register_served_model(llama_kit: Kit) -> None:
    """inference.models.register: the routing table registers each served model at start-up."""
    kit = llama_kit
    served = kit.served()
    if "register_model" in served.problems:
        kit.judge.fail(MODELS_REGISTER, served.problems["register_model"])
    if not served.models:
        pytest.skip("no served model to register (list_models() names none; a manifest can declare one)")
    member = kit.member("register_model")
    for model in served.models[:3]:
        outcome = kit.call(member, model)
        kit.judge.answered(outcome, MODELS_REGISTER)
        if outcome.value is not None:
            kit.validate(outcome, member, expect_stream=False, check_id=MODELS_REGISTER)


# -- chat ---------------------------------------------------------------------------------

def _chat(kit: Kit, **extra: Any) -> tuple[Any, Any]:
    member = kit.member("openai_chat_completion")
    model = kit.model("llm", "chat")
    request = kit.request(member, {"model": model, "messages": [{"role": "user", "content": USER_TEXT}], **extra})
    return member, request


@pytest.mark.checks(CHAT_ANSWER, *CAPABILITY, *ANSWER)
def test_chat_answer(llama_kit: Kit) -> None:
    """inference.chat.answer"""
    kit = llama_kit
    member, request = _chat(kit)
    kit.accept(kit.call_request(member, request), member, CHAT_ANSWER, capability="chat")


@pytest.mark.checks(CHAT_FUZZ, *CAPABILITY, *FUZZED, *ANSWER)
def test_chat_fuzz(llama_kit: Kit) -> None:
    """inference.chat.fuzz, call.typed-error, call.request-unchanged, call.no-hang"""
    kit = llama_kit
    _fuzz(kit, "openai_chat_completion", kit.model("llm", "chat"), CHAT_FUZZ, stream=False)


@pytest.mark.checks(CHAT_STREAM, *CAPABILITY, *STREAM)
def test_chat_stream(llama_kit: Kit) -> None:
    """inference.chat.stream: chunks valid; one id and object; finish_reason last."""
    kit = llama_kit
    member, request = _chat(kit, stream=True)
    kit.accept(kit.call_request(member, request, stream=True), member, CHAT_STREAM, capability="streaming",
               stream=True)


@pytest.mark.checks(CHAT_STREAM, *CAPABILITY, *FUZZED, *STREAM)
def test_chat_stream_fuzz(llama_kit: Kit) -> None:
    """inference.chat.stream over drawn requests"""
    kit = llama_kit
    _fuzz(kit, "openai_chat_completion", kit.model("llm", "chat"), CHAT_STREAM, stream=True)


@pytest.mark.checks(CHAT_STREAM_USAGE, *CAPABILITY, *STREAM_USAGE, *STREAM)
def test_chat_stream_usage(llama_kit: Kit) -> None:
    """inference.chat.stream-usage: include_usage reports usage exactly once, adding up."""
    kit = llama_kit
    if "usage" not in getattr(kit.member("openai_chat_completion").chunk_type, "model_fields", {"usage": None}):
        # the contract (llama-stack 0.2) cannot carry it: not the provider's to honour
        raise NotApplicable(f"{kit.put.contract.package}'s chat completion chunk (OpenAIChatCompletionChunk) has no "
                            "usage field to carry stream_options.include_usage in")
    member, request = _chat(kit, stream=True, stream_options={"include_usage": True})
    outcome = kit.call_request(member, request, stream=True)
    kit.judge.answered(outcome, CHAT_STREAM_USAGE, capability="streaming")
    findings = as_capability(outcome.stream_findings, "stream-usage", kit.session.manifest)
    outcome.stream_findings = findings
    kit.validate(outcome, member, expect_stream=True, check_id=CHAT_STREAM_USAGE)


@pytest.mark.checks(CHAT_TOOLS, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_chat_with_tools(llama_kit: Kit) -> None:
    """inference.chat.tools: a request offering a tool is answered validly (tool call or text)."""
    kit = llama_kit
    tool = {"type": "function", "function": {
        "name": "add", "description": "Add two integers",
        "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                       "required": ["a", "b"]}}}
    member, request = _chat(kit, tools=[tool], tool_choice="auto")
    outcome = kit.call_request(member, request)
    kit.judge.no_hang(outcome)
    if not outcome.succeeded and not kit.session.manifest.declares("tool-calls"):
        kit.judge.typed_rejection(outcome)
        pytest.skip(f"capability `tool-calls` not declared, and the provider rejects tools: "
                    f"{outcome.describe_error()}")
    kit.accept(outcome, member, CHAT_TOOLS, capability="tool-calls")


# -- completions --------------------------------------------------------------------------

def _completion(kit: Kit, **extra: Any) -> tuple[Any, Any]:
    member = kit.member("openai_completion")
    model = kit.model("llm", "completions")
    return member, kit.request(member, {"model": model, "prompt": "Once upon a time", **extra})


@pytest.mark.checks(COMPLETION_ANSWER, *CAPABILITY, *ANSWER)
def test_completion_answer(llama_kit: Kit) -> None:
    """inference.completion.answer"""
    kit = llama_kit
    member, request = _completion(kit)
    kit.accept(kit.call_request(member, request), member, COMPLETION_ANSWER, capability="completions")


@pytest.mark.checks(COMPLETION_STREAM, *CAPABILITY, *STREAM)
def test_completion_stream(llama_kit: Kit) -> None:
    """inference.completion.stream"""
    kit = llama_kit
    member, request = _completion(kit, stream=True)
    kit.accept(kit.call_request(member, request, stream=True), member, COMPLETION_STREAM, capability="completions",
               stream=True)


# -- embeddings ---------------------------------------------------------------------------

def _embed(kit: Kit, payload: dict[str, Any]) -> tuple[Any, Any, Any]:
    member = kit.member("openai_embeddings")
    request = kit.request(member, payload)
    return member, request, kit.call_request(member, request)


@pytest.mark.checks(EMBED_ANSWER, *CAPABILITY, *EMBEDDINGS, *ANSWER)
@pytest.mark.parametrize("inputs", ["single", "batch"])
def test_embeddings_answer(llama_kit: Kit, inputs: str) -> None:
    """inference.embeddings.answer: one vector per input, in order."""
    kit = llama_kit
    model = kit.model("embedding", "embeddings")
    text: Any = "The quick brown fox" if inputs == "single" else ["first", "second text", "third, longer text"]
    member, request, outcome = _embed(kit, {"model": model, "input": text})
    kit.accept(outcome, member, EMBED_ANSWER, capability="embeddings")
    kit.judge.take(check_embeddings(outcome.value, request, method=member.member_id))


def _dimensions_optional(kit: Kit, findings: list) -> list:
    """Only the dimensions finding depends on the embeddings-dimensions capability."""
    dims = [f for f in findings if f.check.id == EMBEDDINGS_DIMENSIONS]
    rest = [f for f in findings if f.check.id != EMBEDDINGS_DIMENSIONS]
    return rest + as_capability(dims, "embeddings-dimensions", kit.session.manifest)


@pytest.mark.checks(EMBED_DIMENSIONS, EMBEDDINGS_DIMENSIONS, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_embeddings_dimensions(llama_kit: Kit) -> None:
    """inference.embeddings.dimensions (capability embeddings-dimensions)"""
    kit = llama_kit
    model = kit.model("embedding", "embeddings")
    member, request, outcome = _embed(kit, {"model": model, "input": ["a", "b"], "dimensions": 8})
    kit.judge.no_hang(outcome)
    if not outcome.succeeded and not kit.session.manifest.declares("embeddings-dimensions"):
        kit.judge.typed_rejection(outcome)
        pytest.skip(f"capability `embeddings-dimensions` not declared, and dimensions=8 is rejected: "
                    f"{outcome.describe_error()}")
    kit.accept(outcome, member, EMBED_DIMENSIONS, capability="embeddings-dimensions")
    kit.judge.take(_dimensions_optional(kit, check_embeddings(outcome.value, request, method=member.member_id)))


@pytest.mark.checks(EMBED_FUZZ, *CAPABILITY, *FUZZED, *EMBEDDINGS, *ANSWER)
def test_embeddings_fuzz(llama_kit: Kit) -> None:
    """inference.embeddings.fuzz"""
    kit = llama_kit
    model = kit.model("embedding", "embeddings")
    member = kit.member("openai_embeddings")
    strategy = valid_requests(member.request_model, _fuzz_hints(kit, "openai_embeddings", model))

    def body(request: Any) -> None:
        outcome = kit.call_request(member, request)
        if not outcome.succeeded:
            kit.judge.typed_rejection(outcome)
            return
        kit.validate(outcome, member, expect_stream=False, check_id=EMBED_FUZZ)
        kit.judge.take(_dimensions_optional(kit, check_embeddings(outcome.value, request, method=member.member_id)))

    kit.examples(strategy, body)


# -- rerank -------------------------------------------------------------------------------

@pytest.mark.checks(RERANK_ANSWER, *CAPABILITY, *ANSWER)
def test_rerank_answer(llama_kit: Kit) -> None:
    """inference.rerank.answer"""
    kit = llama_kit
    member = kit.member("rerank")
    if not hasattr(kit.put.impl, "rerank"):
        pytest.skip("the provider has no rerank (an optional member; the structural suite reports it)")
    model = kit.model("rerank", "rerank")
    items = ["Paris is the capital of France.", "Bananas are yellow.", "France borders Spain."]
    request = kit.request(member, {"model": model, "query": "capital of France", "items": items,
                                   "max_num_results": 2})
    ranked = kit.accept(kit.call_request(member, request), member, RERANK_ANSWER, capability="rerank")
    indices = [d.index for d in ranked.data]
    kit.judge.check(all(0 <= i < len(items) for i in indices) and len(set(indices)) == len(indices),
                    RERANK_ANSWER, f"indices {indices} are not distinct positions in {len(items)} items.")
    kit.judge.check(len(indices) <= 2, RERANK_ANSWER,
                    f"max_num_results=2 but {len(indices)} results came back.")
    scores = [d.relevance_score for d in ranked.data]
    kit.judge.check(scores == sorted(scores, reverse=True), RERANK_ANSWER,
                    f"results are not ordered by relevance_score: {scores}.")


# -- negative contract --------------------------------------------------------------------

UNKNOWN_MODEL = "kit-unknown-model-7f3a"
# the capability a NotImplementedError of each call belongs to (skip if undeclared, fail if declared)
CAPABILITY_OF_CALL = {"chat": "chat", "chat-stream": "streaming", "completion": "completions",
                      "embeddings": "embeddings"}


@pytest.mark.negative
@pytest.mark.parametrize("member_name,payload", [
    ("openai_chat_completion", {"messages": [{"role": "user", "content": "hi"}]}),
    ("openai_chat_completion", {"messages": [{"role": "user", "content": "hi"}], "stream": True}),
    ("openai_completion", {"prompt": "hi"}),
    ("openai_embeddings", {"input": "hi"}),
], ids=list(CAPABILITY_OF_CALL))
@pytest.mark.checks(*NEGATIVE, *CAPABILITY)
def test_unknown_model(
    llama_kit: Kit, member_name: str, payload: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    """negative.unknown-id: an unknown model is a typed client error, never a success or a 5xx.

    Not a row of the negative table (``WING.unknown_ids``): a row calls ``member(id_field=id)`` without
    streaming and with no capability, but this test streams one call (``chat-stream``: the error may come
    with the stream) and holds each call's NotImplementedError to the capability it belongs to (a skip
    when undeclared, ``capability.declared-implemented`` when declared), and a model id is a free string,
    so one unknown name tells all a drawn one would.
    """
    kit = llama_kit
    member = kit.member(member_name)
    call = kit.request(member, {"model": UNKNOWN_MODEL, **payload})
    outcome = kit.call_request(member, call, stream=bool(payload.get("stream")))
    kit.judge.no_hang(outcome)
    if outcome.answer is not None and outcome.answer.not_implemented:
        capability = CAPABILITY_OF_CALL[request.node.callspec.id]
        kit.judge.not_implemented(capability, outcome)
    if outcome.succeeded:
        kit.judge.fail(UNKNOWN_ID, f"{member.member_id} answered a request for the unknown model "
                                              f"{UNKNOWN_MODEL!r} instead of raising a not-found error.")
    kit.judge.typed_rejection(outcome)
    kit.judge.check(outcome.answer is not None and outcome.answer.client_error, UNKNOWN_ID,
                    f"{member.member_id} raised {outcome.describe_error()} for an unknown model; a 4xx is due.")

"""Response and stream validation: every check catches its bad input and passes the good one.

Each check id has one case: a good value or stream in the shape real providers send, and the
same thing with one defect. The bad one must be caught under that id, with the JSON path in
the message; the good one must raise no failure (errata are reported, never failures). The
cases run against both API packages; types come from the kit's contract, never by name.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib.util
import json
import struct
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

# ogx_api first: importing llama_stack_api before it in one process trips a pydantic assertion
ogx_api = pytest.importorskip("ogx_api")

from pydantic import BaseModel  # noqa: E402

from llama_conformance.checks import CHECKS, Finding, Level  # noqa: E402
from llama_conformance.contract import load_contract  # noqa: E402
from llama_conformance.validate import (  # noqa: E402
    CHECK_IDS,
    ERRATUM_COMPLETION_FINISH_NULL,
    ERRATUM_NULL_STRIPPED,
    StreamChecker,
    check_embeddings,
    stream_checker,
    validate_value,
)
from llama_conformance.validate.stream_completion import CompletionStreamChecker, TextCompletionStreamChecker  # noqa: E402
from llama_conformance.validate.stream_messages import MessagesStreamChecker  # noqa: E402
from llama_conformance.validate.stream_responses import ResponsesStreamChecker  # noqa: E402

PACKAGES = [p for p in ("ogx_api", "llama_stack_api") if importlib.util.find_spec(p) is not None]
CHAT = "inference.openai_chat_completion"
TEXT = "inference.openai_completion"
RESP = "responses.create_openai_response"
MSGS = "messages.create_message"
EMB = "inference.openai_embeddings"
USAGE = {"stream_options": {"include_usage": True}}


# -- the contract's types ----------------------------------------------------------------------

@dataclass(frozen=True)
class Types:
    package: str
    chat_chunk: Any
    chat_completion: Any
    text_completion: Any
    response_events: Any  # what the contract hands over: a set of event classes
    message_events: Any  # None where the package has no Messages API
    embeddings_response: Any
    prompt: Any


def _member(contract: Any, api: str, name: str) -> Any:
    return next(m for m in contract.surface(api).members if m.name == name)


def _model_in(tp: Any) -> Any:
    return next(a for a in typing.get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel))


@functools.cache
def types_of(package: str) -> Types:
    contract = load_contract(package)
    chat = _member(contract, "inference", "openai_chat_completion")
    messages = (_member(contract, "messages", "create_message").chunk_type
                if "messages" in contract.surfaces else None)
    return Types(
        package=package,
        chat_chunk=chat.chunk_type,
        chat_completion=_model_in(chat.returns),
        text_completion=_member(contract, "inference", "openai_completion").chunk_type,
        response_events=_member(contract, "responses", "create_openai_response").chunk_type,
        message_events=messages,
        embeddings_response=_member(contract, "inference", "openai_embeddings").returns,
        prompt=_member(contract, "prompts", "get_prompt").returns,
    )


@pytest.fixture(params=PACKAGES)
def types(request: pytest.FixtureRequest) -> Types:
    return types_of(request.param)


def failures(findings: list[Finding]) -> list[str]:
    return [f.render() for f in findings if not f.erratum]


# -- good data, in the shape providers send it ---------------------------------------------------

def chat_stream(t: Types) -> list[dict[str, Any]]:
    """Role, content, a tool call, the finish, then usage: as the server writes it (nulls too)."""
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": finish}])

    raw = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}), chunk({"content": "lo"}),
           chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                  "function": {"name": "f", "arguments": ""}}]}),
           chunk({"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": "{}"}}]}),
           chunk({}, "tool_calls"),
           dict(base, choices=[], usage={"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8})]
    return [json.loads(t.chat_chunk.model_validate(c).model_dump_json()) for c in raw]


def chat_objects(t: Types) -> list[Any]:
    return [t.chat_chunk.model_validate(c) for c in chat_stream(t)]


def text_stream() -> list[dict[str, Any]]:
    """A text completion stream as OpenAI-style servers send it: null finish_reason until the end."""
    base = {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "m"}
    texts = [("Hel", None), ("lo", None), ("", "stop")]
    return [dict(base, choices=[{"index": 0, "text": s, "finish_reason": f, "logprobs": None}]) for s, f in texts]


def response_stream(terminal: str = "completed") -> list[dict[str, Any]]:
    response = {"id": "resp_1", "object": "response", "created_at": 1, "model": "m", "output": [],
                "status": "in_progress", "store": True}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": "Hi", "annotations": []}]}
    return [
        {"type": "response.created", "sequence_number": 0, "response": response},
        {"type": "response.in_progress", "sequence_number": 1, "response": response},
        {"type": "response.output_item.added", "sequence_number": 2, "response_id": "resp_1",
         "output_index": 0, "item": dict(message, status="in_progress", content=[])},
        {"type": "response.output_text.delta", "sequence_number": 3, "content_index": 0, "delta": "Hi",
         "item_id": "msg_1", "output_index": 0},
        {"type": "response.output_item.done", "sequence_number": 4, "response_id": "resp_1",
         "output_index": 0, "item": message},
        {"type": f"response.{terminal}", "sequence_number": 5,
         "response": dict(response, status=terminal, output=[message])},
    ]


def message_stream() -> list[dict[str, Any]]:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "m",
               "stop_reason": None, "usage": {"input_tokens": 3, "output_tokens": 0}}
    return [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
        {"type": "message_stop"},
    ]


def embeddings(vectors: list[list[float]], *, encoding: str = "float") -> dict[str, Any]:
    def encode(v: list[float]) -> Any:
        return base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if encoding == "base64" else v

    return {"object": "list", "model": "m", "usage": {"prompt_tokens": 2, "total_tokens": 2},
            "data": [{"object": "embedding", "index": i, "embedding": encode(v)} for i, v in enumerate(vectors)]}


def prompt(prompt_id: str = "pmpt_" + "a" * 48) -> dict[str, Any]:
    return {"prompt": "Hello {{ name }}", "version": 1, "prompt_id": prompt_id, "variables": ["name"],
            "is_default": True}


# -- helpers that judge ------------------------------------------------------------------------

def run(chunk_type: Any, chunks: list[Any], method: str = CHAT, **kwargs: Any) -> list[Finding]:
    return stream_checker(chunk_type, method=method, **kwargs).check_all(chunks)


def edited(chunks: list[dict[str, Any]], at: int, **changes: Any) -> list[dict[str, Any]]:
    out = copy.deepcopy(chunks)
    out[at].update(changes)
    return out


def with_choice(chunks: list[dict[str, Any]], at: int, **changes: Any) -> list[dict[str, Any]]:
    out = copy.deepcopy(chunks)
    out[at]["choices"][0].update(changes)
    return out


# -- one case per check id ---------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """A defect and its fix, judged the same way: ``bad`` must be caught, ``good`` must pass."""

    bad: Callable[[Types], list[Finding]]
    good: Callable[[Types], list[Finding]]
    path: str
    needs: str | None = None  # a Types field that must exist in the package


def _chat(t: Types, chunks: list[Any], **kw: Any) -> list[Finding]:
    return run(t.chat_chunk, chunks, request=USAGE, **kw)


def _emb(vectors: list[list[float]], request: dict[str, Any], *, encoding: str = "float",
         edit: Callable[[dict[str, Any]], None] | None = None) -> list[Finding]:
    response = embeddings(vectors, encoding=encoding)
    if edit:
        edit(response)
    return check_embeddings(response, dict({"model": "m", "encoding_format": encoding}, **request), method=EMB)


def _unknown_usage(response: dict[str, Any]) -> None:
    response["usage"] = {"prompt_tokens": -1, "total_tokens": -1}  # inline::sentence-transformers


def _swap_indexes(response: dict[str, Any]) -> None:
    response["data"][0]["index"], response["data"][1]["index"] = 1, 0


def _nan(response: dict[str, Any]) -> None:
    response["data"][1]["embedding"][2] = float("nan")


def _not_base64(response: dict[str, Any]) -> None:
    response["data"][0]["embedding"] = "%%% not base64 %%%"


def _completion_dict(t: Types, finish: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": "hi"}}]}


def _foreign_model_of(t: Types) -> BaseModel:
    """A model of the same shape and another class: what OpenAI SDK objects are to the contract."""
    chunk = chat_objects(t)[1]

    class ForeignChunk(BaseModel):
        id: str
        object: str
        created: int
        model: str
        choices: list[dict[str, Any]]

    return ForeignChunk.model_validate(chunk.model_dump(mode="json"))


def _responses(t: Types, events: list[dict[str, Any]]) -> list[Finding]:
    return run(t.response_events, events, method=RESP)


def _messages(t: Types, events: list[dict[str, Any]]) -> list[Finding]:
    return run(t.message_events, events, method=MSGS)


def _drop(events: list[dict[str, Any]], at: int) -> list[dict[str, Any]]:
    return events[:at] + events[at + 1:]


def _second_usage(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*chunks, copy.deepcopy(chunks[-1])]


def _choice_after_usage(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    late = copy.deepcopy(chunks[2])
    late["choices"][0]["index"] = 1
    late["choices"][0]["finish_reason"] = "stop"
    return [*chunks, late]


CASES: dict[str, Case] = {
    "response.type": Case(
        bad=lambda t: validate_value(_completion_dict(t, "stop"), t.chat_completion, method=CHAT, in_process=True),
        good=lambda t: validate_value(t.chat_completion.model_validate(_completion_dict(t, "stop")),
                                      t.chat_completion, method=CHAT, in_process=True),
        path="at $:"),
    "response.schema": Case(
        bad=lambda t: validate_value(_completion_dict(t, "done"), t.chat_completion, method=CHAT),
        good=lambda t: validate_value(_completion_dict(t, "length"), t.chat_completion, method=CHAT),
        path="$.choices[0].finish_reason"),
    # the prompt id format is a pydantic validator the JSON Schema cannot express
    "response.roundtrip": Case(
        bad=lambda t: validate_value(prompt("pmpt_short"), t.prompt, method="prompts.get_prompt"),
        good=lambda t: validate_value(prompt(), t.prompt, method="prompts.get_prompt"),
        path="$.prompt_id"),
    "stream.chunk.type": Case(
        bad=lambda t: _chat(t, chat_stream(t), in_process=True),
        good=lambda t: _chat(t, chat_objects(t), in_process=True),
        path="at $:"),
    "stream.chunk.schema": Case(
        bad=lambda t: _chat(t, with_choice(chat_stream(t), 5, finish_reason="done")),
        good=lambda t: _chat(t, with_choice(chat_stream(t), 5, finish_reason="stop")),
        path="$.choices[0].finish_reason"),
    "stream.chunk.roundtrip": Case(
        bad=lambda t: run(t.prompt, [prompt(), prompt("pmpt_short")], method="prompts.stream"),
        good=lambda t: run(t.prompt, [prompt(), prompt()], method="prompts.stream"),
        path="$.prompt_id"),
    "stream.nonempty": Case(
        bad=lambda t: _chat(t, []),
        good=lambda t: _chat(t, chat_stream(t)),
        path="stream end at $"),
    "stream.completion.same-id": Case(
        bad=lambda t: _chat(t, edited(chat_stream(t), 2, id="chatcmpl-2")),
        good=lambda t: _chat(t, chat_stream(t)),
        path="$.id"),
    "stream.completion.same-object": Case(
        bad=lambda t: _chat(t, edited(chat_stream(t), 2, object="chat.completion")),
        good=lambda t: _chat(t, chat_stream(t)),
        path="$.object"),
    "stream.completion.same-model": Case(
        bad=lambda t: _chat(t, edited(chat_stream(t), 2, model="other")),
        good=lambda t: _chat(t, chat_stream(t)),
        path="$.model"),
    "stream.completion.finish-reason-last": Case(
        bad=lambda t: _chat(t, with_choice(chat_stream(t), 2, finish_reason="stop")),
        good=lambda t: _chat(t, chat_stream(t)),
        path="$.choices[0]"),
    "stream.completion.finish-reason-present": Case(
        bad=lambda t: _chat(t, _drop(chat_stream(t), 5)),
        good=lambda t: _chat(t, chat_stream(t)),
        path="$.choices"),
    "stream.completion.usage-once": Case(
        bad=lambda t: _chat(t, _second_usage(chat_stream(t))),
        good=lambda t: _chat(t, chat_stream(t)),
        path="$.usage"),
    "stream.completion.usage-last": Case(
        bad=lambda t: _chat(t, _choice_after_usage(chat_stream(t))),
        good=lambda t: _chat(t, chat_stream(t)[:-1] + _choice_after_usage(chat_stream(t))[-1:] + chat_stream(t)[-1:]),
        path="$.choices"),
    "stream.completion.usage-total": Case(
        bad=lambda t: _chat(t, edited(chat_stream(t), 6, usage={"prompt_tokens": 3, "completion_tokens": 5,
                                                                  "total_tokens": 9})),
        good=lambda t: _chat(t, chat_stream(t)),
        path="$.usage"),
    "stream.responses.created-first": Case(
        bad=lambda t: _responses(t, _drop(response_stream(), 0)),
        good=lambda t: _responses(t, response_stream()),
        path="$.type"),
    "stream.responses.sequence-increasing": Case(
        bad=lambda t: _responses(t, edited(response_stream(), 3, sequence_number=2)),
        good=lambda t: _responses(t, edited(response_stream(), 3, sequence_number=3)),
        path="$.sequence_number"),
    "stream.responses.terminal-once": Case(
        bad=lambda t: _responses(t, response_stream()[:-1]),
        good=lambda t: _responses(t, response_stream("incomplete")),
        path="stream end at $"),
    "stream.responses.terminal-last": Case(
        bad=lambda t: _responses(t, response_stream()[:-1] + response_stream()[-1:]
                                 + [edited(response_stream(), 3, sequence_number=9)[3]]),
        good=lambda t: _responses(t, response_stream("failed")),
        path="$.type"),
    "stream.responses.same-response-id": Case(
        bad=lambda t: _responses(t, edited(response_stream(), 1, response=dict(response_stream()[1]["response"],
                                                                                 id="resp_2"))),
        good=lambda t: _responses(t, response_stream()),
        path="$.response.id"),
    "stream.responses.terminal-status": Case(
        bad=lambda t: _responses(t, edited(response_stream(), 5, response=dict(response_stream()[5]["response"],
                                                                                 status="in_progress"))),
        good=lambda t: _responses(t, response_stream()),
        path="$.response.status"),
    "stream.messages.start-first": Case(
        bad=lambda t: _messages(t, _drop(message_stream(), 0)),
        good=lambda t: _messages(t, message_stream()),
        path="$.type", needs="message_events"),
    "stream.messages.stop-last": Case(
        bad=lambda t: _messages(t, [*message_stream(), {"type": "ping"}]),
        good=lambda t: _messages(t, message_stream()),
        path="$.type", needs="message_events"),
    "stream.messages.block-lifecycle": Case(
        bad=lambda t: _messages(t, _drop(message_stream(), 4)),
        good=lambda t: _messages(t, message_stream()),
        path="$.type", needs="message_events"),
    "embeddings.count": Case(
        bad=lambda t: _emb([[0.1, 0.2]], {"input": ["a", "b"]}),
        good=lambda t: _emb([[0.1, 0.2], [0.3, 0.4]], {"input": ["a", "b"]}),
        path="$.data"),
    "embeddings.index-order": Case(
        bad=lambda t: _emb([[0.1], [0.2]], {"input": ["a", "b"]}, edit=_swap_indexes),
        good=lambda t: _emb([[0.1], [0.2]], {"input": [[1, 2], [3]]}),
        path="$.data[0].index"),
    "embeddings.same-length": Case(
        bad=lambda t: _emb([[0.1, 0.2], [0.3]], {"input": ["a", "b"]}),
        good=lambda t: _emb([[0.1, 0.2], [0.3, 0.4]], {"input": ["a", "b"]}),
        path="$.data"),
    "embeddings.dimensions": Case(
        bad=lambda t: _emb([[0.1, 0.2, 0.3]], {"input": "a", "dimensions": 2}),
        good=lambda t: _emb([[0.1, 0.2]], {"input": "a", "dimensions": 2}),
        path="$.data[0].embedding"),
    "embeddings.finite": Case(
        bad=lambda t: _emb([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]], {"input": ["a", "b"]}, edit=_nan),
        good=lambda t: _emb([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]], {"input": ["a", "b"]}),
        path="$.data[1].embedding[2]"),
    "embeddings.encoding-format": Case(
        bad=lambda t: _emb([[0.5, 0.25]], {"input": [1, 2, 3]}, encoding="base64", edit=_not_base64),
        good=lambda t: _emb([[0.5, 0.25]], {"input": [1, 2, 3]}, encoding="base64"),
        path="$.data[0].embedding"),
    "embeddings.usage": Case(
        bad=lambda t: _emb([[0.1, 0.2]], {"input": "a"}, edit=_unknown_usage),
        good=lambda t: _emb([[0.1, 0.2]], {"input": "a"}),
        path="$.usage"),
}


def test_every_check_id_has_a_case_and_is_registered() -> None:
    assert sorted(CASES) == sorted(CHECK_IDS)
    for check_id in CHECK_IDS:
        assert CHECKS[check_id].level in (Level.MUST, Level.SHOULD)
        assert CHECKS[check_id].title


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_bad_input_is_caught_with_its_path(types: Types, check_id: str) -> None:
    case = CASES[check_id]
    if case.needs and getattr(types, case.needs) is None:
        pytest.skip(f"{types.package} has no {case.needs}")
    hits = [f for f in case.bad(types) if f.check.id == check_id and not f.erratum]
    assert hits, f"{check_id} did not fire"
    message = hits[0].message
    assert f"[{check_id}]" in message and case.path in message, message
    assert message.split(":")[0] in (CHAT, TEXT, RESP, MSGS, EMB, "prompts.get_prompt", "prompts.stream")


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_good_input_passes(types: Types, check_id: str) -> None:
    case = CASES[check_id]
    if case.needs and getattr(types, case.needs) is None:
        pytest.skip(f"{types.package} has no {case.needs}")
    assert failures(case.good(types)) == []


# -- details the table does not show -------------------------------------------------------------

def test_text_completion_null_finish_reason_is_an_erratum_not_a_failure(types: Types) -> None:
    checker = stream_checker(types.text_completion, method=TEXT)
    assert isinstance(checker, TextCompletionStreamChecker)
    findings = checker.check_all(text_stream())
    assert failures(findings) == []
    errata = [f for f in findings if f.erratum == ERRATUM_COMPLETION_FINISH_NULL]
    assert len(errata) == 1  # once per stream, not once per chunk
    assert errata[0].level == Level.MAY and "$.choices[0].finish_reason" in errata[0].message


def test_text_completion_null_erratum_also_covers_in_process_objects(types: Types) -> None:
    # what the in-tree OpenAI helper passes through: models built without validation
    model = types.text_completion
    choice_type = typing.get_args(model.model_fields["choices"].annotation)[0]
    objects = [model.model_construct(**dict(c, choices=[choice_type.model_construct(**x) for x in c["choices"]]))
               for c in text_stream()]
    findings = stream_checker(model, method=TEXT, in_process=True).check_all(objects)
    assert failures(findings) == []
    assert ERRATUM_COMPLETION_FINISH_NULL in {f.erratum for f in findings}


def test_text_completion_still_needs_a_final_finish_reason(types: Types) -> None:
    findings = run(types.text_completion, text_stream()[:2], method=TEXT)
    assert [f.check.id for f in findings if not f.erratum] == ["stream.completion.finish-reason-present"]


def test_null_stripped_schema_is_one_erratum_per_stream(types: Types) -> None:
    findings = _chat(types, chat_stream(types))
    errata = [f for f in findings if f.erratum]
    assert [f.erratum for f in errata] == [ERRATUM_NULL_STRIPPED]
    assert "chunk #1" in errata[0].message and "$.usage" in errata[0].message


def test_null_stripped_erratum_is_silent_when_no_null_is_sent(types: Types) -> None:
    # the same chunk without the nulls the schema leaves out: nothing to report
    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}
    assert validate_value(chunk, types.chat_chunk, method=CHAT) == []


def test_a_foreign_model_class_is_a_should_finding(types: Types) -> None:
    findings = validate_value(_foreign_model_of(types), types.chat_chunk, method=CHAT)
    assert [(f.check.id, f.level) for f in findings if not f.erratum] == [("response.type", Level.SHOULD)]


def test_a_dict_nested_inside_a_model_is_a_type_finding(types: Types) -> None:
    bad = types.chat_chunk.model_construct(id="x", object="chat.completion.chunk", created=1, model="m",
                                           choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}])
    findings = validate_value(bad, types.chat_chunk, method=CHAT)
    assert [f.check.id for f in findings if not f.erratum] == ["response.type"]
    assert "field 'choices' holds a dict" in findings[0].message


def test_none_where_a_model_is_due_is_named_none_not_nonetype(types: Types) -> None:
    findings = validate_value(None, types.chat_chunk, method=CHAT, in_process=True)
    message = next(f.message for f in findings if f.check.id == "response.type")
    assert "None where the contract declares " in message and "NoneType" not in message, message


def test_an_unserializable_object_is_a_roundtrip_finding(types: Types) -> None:
    bad = types.chat_chunk.model_construct(id=object(), object="chat.completion.chunk", created=1, model="m",
                                           choices=[])
    assert "response.roundtrip" in {f.check.id for f in validate_value(bad, types.chat_chunk, method=CHAT)}


def test_schema_failure_in_a_union_points_into_the_claimed_branch(types: Types) -> None:
    events = edited(response_stream(), 3, delta=7)
    findings = [f for f in _responses(types, events) if f.check.id == "stream.chunk.schema" and not f.erratum]
    assert findings and "chunk #4 at $.delta:" in findings[0].message


def test_invariants_report_a_broken_stream_a_few_times_not_on_every_chunk(types: Types) -> None:
    chunks = [dict(c, id=f"id-{i}") for i, c in enumerate(chat_stream(types))]
    same_id = [f for f in _chat(types, chunks) if f.check.id == "stream.completion.same-id"]
    assert len(same_id) == 3 and "not reported" in same_id[-1].message


def test_usage_not_requested_may_be_absent(types: Types) -> None:
    assert failures(run(types.chat_chunk, chat_stream(types)[:-1])) == []
    assert [f.check.id for f in _chat(types, chat_stream(types)[:-1]) if not f.erratum] == [
        "stream.completion.usage-once"]


def test_factory_picks_the_invariants_from_the_chunk_type(types: Types) -> None:
    assert isinstance(stream_checker(types.chat_chunk, method=CHAT), CompletionStreamChecker)
    assert type(stream_checker(types.text_completion, method=TEXT)) is TextCompletionStreamChecker
    assert isinstance(stream_checker(types.response_events, method=RESP), ResponsesStreamChecker)
    if types.message_events is not None:
        assert isinstance(stream_checker(types.message_events, method=MSGS), MessagesStreamChecker)
    assert type(stream_checker(types.prompt, method="x")) is StreamChecker


def test_response_events_validate_as_objects_in_process(types: Types) -> None:
    from pydantic import TypeAdapter

    from llama_conformance.validate.stream_factory import as_chunk_type

    adapter: TypeAdapter[Any] = TypeAdapter(as_chunk_type(types.response_events))
    objects = [adapter.validate_python(e) for e in response_stream()]
    assert failures(run(types.response_events, objects, method=RESP, in_process=True)) == []


def test_embeddings_accept_a_response_model_and_a_request_model(types: Types) -> None:
    contract = load_contract(types.package)
    request_model = _member(contract, "inference", "openai_embeddings").request_models[0]
    request = request_model(model="m", input=["a", "b"], dimensions=2)
    response = types.embeddings_response.model_validate(embeddings([[0.1, 0.2], [0.3, 0.4]]))
    assert check_embeddings(response, request, method=EMB) == []
    short = types.embeddings_response.model_validate(embeddings([[0.1, 0.2]]))
    assert {f.check.id for f in check_embeddings(short, request, method=EMB)} == {"embeddings.count"}


def test_embeddings_ignoring_dimensions_is_one_finding_with_a_count() -> None:
    findings = _emb([[0.1, 0.2, 0.3]] * 4, {"input": ["a"] * 4, "dimensions": 2})
    assert [f.check.id for f in findings] == ["embeddings.dimensions"]
    assert "[4 of 4 vectors]" in findings[0].message


def test_a_second_terminal_event_is_caught(types: Types) -> None:
    events = [*response_stream(), dict(response_stream("failed")[-1], sequence_number=6)]
    ids = [f.check.id for f in _responses(types, events) if not f.erratum]
    assert "stream.responses.terminal-once" in ids and "stream.responses.terminal-last" in ids


def test_an_error_event_instead_of_a_terminal_one_is_named(types: Types) -> None:
    if types.package != "ogx_api":
        pytest.skip("llama_stack_api 0.7.3 has no standalone error event")
    events = [*response_stream()[:-1], {"type": "error", "message": "boom", "sequence_number": 5}]
    found = [f for f in _responses(types, events) if f.check.id == "stream.responses.terminal-once"]
    assert found and "error event on chunk #6: 'boom'" in found[0].message


def test_a_delta_for_a_block_never_started_is_caught(types: Types) -> None:
    if types.message_events is None:
        pytest.skip(f"{types.package} has no Messages API")
    events = message_stream()
    events.insert(2, {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "x"}})
    found = [f for f in _messages(types, events) if f.check.id == "stream.messages.block-lifecycle"]
    assert found and "content block 1, which is never started" in found[0].message


def test_a_whole_declared_return_type_is_judged_by_its_non_streaming_part(types: Types) -> None:
    returns = _member(load_contract(types.package), "inference", "openai_chat_completion").returns
    assert failures(validate_value(_completion_dict(types, "stop"), returns, method=CHAT)) == []
    assert {f.check.id for f in validate_value(_completion_dict(types, "done"), returns, method=CHAT)} == {
        "response.schema", "response.roundtrip"}


def test_a_type_without_json_schema_is_a_usage_error_not_a_crash(types: Types) -> None:
    from llama_conformance.errors import KitUsageError

    returns = _member(load_contract(types.package), "files", "openai_retrieve_file_content").returns
    with pytest.raises(KitUsageError, match="has no JSON Schema"):
        validate_value(b"raw bytes", returns, method="files.openai_retrieve_file_content")

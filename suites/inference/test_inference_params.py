"""Inference parameters a client relies on: usage, n, stop, max_tokens, logprobs (whole and
streamed), seed, response_format, tool calls (streamed, and forbidden by tool_choice none), and
on text completions stop, max_tokens, n, logprobs and usage in streams.

A client that sends ``n=2`` reads two choices; one that sends ``stop`` or ``max_tokens`` relies
on the answer ending where it asked. A provider that cannot honour a parameter must say so
with a typed 4xx: answering as if the parameter were absent hands the client something else
than it asked for, silently. So each test here asks for one parameter, and:

* a 4xx refusal skips the test (a clean refusal, the client can act on it), unless the
  check's capability is declared: then the provider promised the parameter, and fails;
* a 5xx fails ``call.typed-error`` (``steps.refused_cleanly``);
* an answer must honour the parameter. For a check of an optional capability (logprobs,
  seed, response-format, tool-calls) the finding binds when the capability is declared and
  is a warning otherwise (``as_capability``), as for the other optional inference checks.

What is checked is what any model must do with the parameter, not what the kit's echo model
answers: a stop sequence never appears in the content, usage stays within max_tokens, the
arguments of a forced tool call validate against its parameters' schema.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import jsonschema
import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, CAPABILITY, STREAM, STREAM_USAGE
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.judge import as_capability
from llama_conformance.behaviour.steps import refused_cleanly
from llama_conformance.checks import CheckDef, finding
from llama_conformance.contract.members import MemberSpec
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance.errors import NotApplicable
from llama_conformance_suites.inference.checks import (
    CHAT_LOGPROBS,
    CHAT_MAX_TOKENS,
    CHAT_N,
    CHAT_RESPONSE_FORMAT,
    CHAT_SEED,
    CHAT_STOP,
    CHAT_STREAM_LOGPROBS,
    CHAT_TOOL_CHOICE_NONE,
    CHAT_TOOL_STREAM,
    COMPLETION_LOGPROBS,
    COMPLETION_MAX_TOKENS,
    COMPLETION_N,
    COMPLETION_STOP,
    COMPLETION_STREAM_USAGE,
    USAGE_TOTAL,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("inference")]

# Long enough that any answer to it, the echo's included, runs past a limit of two tokens.
USER_TEXT = "Name three prime numbers and say why each one is prime."
STOP = "prime"
LIMIT = 2
TOP_LOGPROBS = 2
TEXT_LOGPROBS = 3  # a text completion's logprobs is an int (0..5): how many alternatives per token
SEED = 1234
ADD_TOOL = {"type": "function", "function": {
    "name": "add", "description": "Add two integers",
    "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                   "required": ["a", "b"], "additionalProperties": False}}}
ANSWER_SCHEMA = {"type": "object", "properties": {"primes": {"type": "array", "items": {"type": "integer"}},
                                                  "reason": {"type": "string"}},
                 "required": ["primes", "reason"], "additionalProperties": False}
USAGE_IDS = {str(check) for check in STREAM_USAGE}
RESPONSE_FORMATS = {
    "json_object": {"type": "json_object"},
    "json_schema": {"type": "json_schema", "json_schema": {"name": "primes", "schema": ANSWER_SCHEMA, "strict": True}},
}


def _get(value: Any, name: str) -> Any:
    """A field of a value as a client read it: JSON over HTTP, a model in-process."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _chat(kit: Kit, text: str = USER_TEXT, **extra: Any) -> tuple[MemberSpec, Any]:
    member = kit.member("openai_chat_completion")
    model = kit.model("llm", "chat")
    return member, kit.request(member, {"model": model, "messages": [{"role": "user", "content": text}], **extra})


def _asked(kit: Kit, member: MemberSpec, request: Any, check: CheckDef, what: str, *,
           capability: str | None = None, stream: bool = False, validate: bool = True,
           serves: str | None = None) -> Outcome:
    """The answer to a request asking for ``what``; a clean refusal skips, unless ``capability``
    is declared (a promise broken: ``check`` fails); a 5xx fails ``call.typed-error``. A member
    not implemented at all fails ``capability.declared-implemented`` when ``capability`` (or
    ``serves``, the capability of the member itself, e.g. completions) is declared."""
    kit.judge.ask(check)
    outcome = kit.call_request(member, request, stream=stream)
    kit.judge.no_hang(outcome)
    if outcome.error is not None:
        implemented = capability or serves
        if outcome.answer is not None and outcome.answer.not_implemented and implemented:
            kit.judge.not_implemented(implemented, outcome)
        refused_cleanly(kit, outcome, check)  # a 5xx fails here
        if capability and kit.session.manifest.declares(capability):
            kit.judge.fail(check, f"{member.member_id} refused {what} with {outcome.describe_error()}, but the "
                                  f"provider declares the `{capability}` capability.")
        pytest.skip(f"{member.member_id} refuses {what} with {outcome.describe_error()}: a clean refusal, "
                    "which a client can act on (the parameter is not checked further)")
    if validate:
        kit.validate(outcome, member, expect_stream=stream, check_id=check)
    return outcome


def _honoured(kit: Kit, ok: bool, check: CheckDef, message: str, *capabilities: str) -> None:
    """``check`` holds unless ``ok`` is false: binding when every capability is declared, else a warning."""
    if ok:
        return
    findings = [finding(check, message)]
    for capability in capabilities:
        findings = as_capability(findings, capability, kit.session.manifest)
    kit.judge.take(findings)


def _choices(kit: Kit, outcome: Outcome) -> list[Any]:
    return list(_get(kit.wire(outcome), "choices") or [])


def _content(choice: Any) -> Any:
    return _get(_get(choice, "message"), "content")


def _chunks(outcome: Outcome) -> list[Any]:
    return list(outcome.raw_chunks if outcome.raw_chunks is not None else outcome.chunks or [])


# -- usage arithmetic (core) --------------------------------------------------------------

@pytest.mark.checks(USAGE_TOTAL, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_usage_adds_up(llama_kit: Kit) -> None:
    """inference.chat.usage-total: a client bills and budgets by these numbers; they must add up."""
    kit = llama_kit
    member, request = _chat(kit)
    outcome = kit.call_request(member, request)
    kit.accept(outcome, member, USAGE_TOTAL, capability="chat")
    usage = _get(kit.wire(outcome), "usage")
    if usage is None:
        pytest.skip(f"{member.member_id} answers without usage (optional in the contract): nothing to add up")
    prompt, completion, total = (_get(usage, k) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
    kit.judge.check(prompt + completion == total, USAGE_TOTAL,
                    f"usage says prompt_tokens {prompt} + completion_tokens {completion} = total_tokens {total}.")


# -- n, stop, max_tokens: honoured or refused ----------------------------------------------

@pytest.mark.checks(CHAT_N, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_n_choices(llama_kit: Kit) -> None:
    """inference.chat.n: n=2 gets two choices, indexed 0 and 1."""
    kit = llama_kit
    member, request = _chat(kit, n=2)
    outcome = _asked(kit, member, request, CHAT_N, "n=2", capability=None)
    indices = sorted(_get(choice, "index") for choice in _choices(kit, outcome))
    kit.judge.check(indices == [0, 1], CHAT_N,
                    f"n=2 was answered with choices indexed {indices}; two choices, indexed 0 and 1, are due "
                    "(or a 4xx if the provider cannot give more than one).")


@pytest.mark.checks(CHAT_STOP, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_stop_sequence(llama_kit: Kit) -> None:
    """inference.chat.stop: the content ends before the stop sequence, which it never contains."""
    kit = llama_kit
    member, request = _chat(kit, stop=[STOP])
    outcome = _asked(kit, member, request, CHAT_STOP, f"stop={[STOP]}")
    for choice in _choices(kit, outcome):
        content = _content(choice) or ""
        kit.judge.check(STOP not in content, CHAT_STOP,
                        f"stop={[STOP]} was asked, but choice {_get(choice, 'index')} contains it: {content!r}.")
        finish = _get(choice, "finish_reason")
        kit.judge.check(finish in ("stop", "length"), CHAT_STOP,
                        f"stop={[STOP]} was asked, but choice {_get(choice, 'index')} finished with {finish!r}.")


@pytest.mark.checks(CHAT_MAX_TOKENS, TYPED_ERROR, *CAPABILITY, *ANSWER)
@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens(llama_kit: Kit, field: str) -> None:
    """inference.chat.max-tokens: at most the limit is generated; an answer cut by it says length."""
    kit = llama_kit
    member, request = _chat(kit, **{field: LIMIT})
    outcome = _asked(kit, member, request, CHAT_MAX_TOKENS, f"{field}={LIMIT}")
    answers = [(_get(choice, "index"), _content(choice) or "", _get(choice, "finish_reason"))
               for choice in _choices(kit, outcome)]
    _within_limit(kit, outcome, CHAT_MAX_TOKENS, f"{field}={LIMIT}", answers)


def _within_limit(kit: Kit, outcome: Outcome, check: CheckDef, asked: str, answers: list[tuple[Any, str, Any]]) -> None:
    """At most ``LIMIT`` tokens came (usage and each choice's words), and a choice cut by the limit says
    ``length``: the one judgement of max_tokens for chat and text completions alike."""
    usage = _get(kit.wire(outcome), "usage")
    completion = _get(usage, "completion_tokens") if usage is not None else None
    if completion is not None:
        kit.judge.check(completion <= LIMIT, check, f"{asked} was asked, but usage.completion_tokens is {completion}.")
    for index, text, finish in answers:
        # no token holds two whitespace-separated words: more words than the limit is more tokens
        kit.judge.check(len(text.split()) <= LIMIT, check,
                        f"{asked} was asked, but choice {index} has {len(text.split())} words: {text!r}.")
        reached = completion is not None and completion >= LIMIT
        kit.judge.check(finish == "length" if reached else finish in ("length", "stop"), check,
                        f"{asked} was asked and {completion} tokens came; choice {index} finished with "
                        f"{finish!r}" + (", not 'length'." if reached else "."))

# -- optional capabilities ----------------------------------------------------------------

@pytest.mark.checks(CHAT_LOGPROBS, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_logprobs(llama_kit: Kit) -> None:
    """inference.chat.logprobs (capability logprobs): one entry per token, top_logprobs of each."""
    kit = llama_kit
    member, request = _chat(kit, logprobs=True, top_logprobs=TOP_LOGPROBS)
    outcome = _asked(kit, member, request, CHAT_LOGPROBS, f"logprobs=true, top_logprobs={TOP_LOGPROBS}",
                     capability="logprobs")
    for choice in _choices(kit, outcome):
        index = _get(choice, "index")
        tokens = _get(_get(choice, "logprobs"), "content")
        if not tokens:
            _honoured(kit, False, CHAT_LOGPROBS, f"logprobs=true was asked, but choice {index} carries no "
                      "logprobs.content.", "logprobs")
            continue
        content = _content(choice)
        joined = "".join(str(_get(t, "token")) for t in tokens)
        _honoured(kit, not isinstance(content, str) or joined == content, CHAT_LOGPROBS,
                  f"choice {index}: the logprob tokens spell {joined!r}, not the content {content!r}.", "logprobs")
        for token in tokens:
            top = _get(token, "top_logprobs") or []
            values = [_get(token, "logprob"), *(_get(t, "logprob") for t in top)]
            _honoured(kit, all(isinstance(v, int | float) and v <= 0 for v in values), CHAT_LOGPROBS,
                      f"choice {index}, token {_get(token, 'token')!r}: a log probability above 0 in {values}.",
                      "logprobs")
            _honoured(kit, len(top) == TOP_LOGPROBS, CHAT_LOGPROBS,
                      f"top_logprobs={TOP_LOGPROBS} was asked, but token {_get(token, 'token')!r} of choice "
                      f"{index} has {len(top)} alternatives.", "logprobs")


@pytest.mark.checks(CHAT_SEED, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_seed_repeats(llama_kit: Kit) -> None:
    """inference.chat.seed (capability seed): three sampled answers with one seed are one answer."""
    kit = llama_kit
    answers = []
    for _ in range(3):
        member, request = _chat(kit, seed=SEED, temperature=1.0)
        outcome = _asked(kit, member, request, CHAT_SEED, f"seed={SEED}", capability="seed")
        answers.append([_content(choice) for choice in _choices(kit, outcome)])
    _honoured(kit, all(a == answers[0] for a in answers), CHAT_SEED,
              f"the same request with seed={SEED} (temperature 1.0) was answered differently: {answers}.", "seed")


@pytest.mark.checks(CHAT_RESPONSE_FORMAT, TYPED_ERROR, *CAPABILITY, *ANSWER)
@pytest.mark.parametrize("form", list(RESPONSE_FORMATS))
def test_response_format(llama_kit: Kit, form: str) -> None:
    """inference.chat.response-format (capability response-format): the content is the JSON asked."""
    kit = llama_kit
    # json_object needs the word JSON in the messages (OpenAI refuses the request otherwise)
    member, request = _chat(kit, f"Answer in JSON. {USER_TEXT}", response_format=RESPONSE_FORMATS[form])
    outcome = _asked(kit, member, request, CHAT_RESPONSE_FORMAT, f"response_format {form}",
                     capability="response-format")
    for choice in _choices(kit, outcome):
        content, index = _content(choice), _get(choice, "index")
        try:
            value = json.loads(content) if isinstance(content, str) else None
        except json.JSONDecodeError as exc:
            _honoured(kit, False, CHAT_RESPONSE_FORMAT, f"response_format {form} was asked, but choice {index}'s "
                      f"content is not JSON ({exc}): {content!r}.", "response-format")
            continue
        _honoured(kit, isinstance(value, dict), CHAT_RESPONSE_FORMAT, f"response_format {form} was asked, but "
                  f"choice {index}'s content is not a JSON object: {content!r}.", "response-format")
        if form == "json_schema" and isinstance(value, dict):
            errors = [e.message for e in jsonschema.Draft202012Validator(ANSWER_SCHEMA).iter_errors(value)]
            _honoured(kit, not errors, CHAT_RESPONSE_FORMAT, f"choice {index}'s JSON does not validate against "
                      f"the schema asked: {'; '.join(errors[:3])} ({content!r}).", "response-format")


def _reassembled(chunks: list[Any]) -> tuple[dict[Any, dict[str, str]], dict[Any, Any]]:
    """Tool calls put together from their deltas, per (choice, call index); each choice's finish_reason."""
    calls: dict[Any, dict[str, str]] = {}
    finish: dict[Any, Any] = {}
    for chunk in chunks:
        for choice in _get(chunk, "choices") or []:
            if _get(choice, "finish_reason"):  # "" marks a mid-stream chunk where a str is required (0.4)
                finish[_get(choice, "index")] = _get(choice, "finish_reason")
            for call in _get(_get(choice, "delta"), "tool_calls") or []:
                slot = calls.setdefault((_get(choice, "index"), _get(call, "index")), {"name": "", "arguments": ""})
                function = _get(call, "function")
                slot["name"] = slot["name"] or (_get(function, "name") or "")
                slot["arguments"] += _get(function, "arguments") or ""
    return calls, finish


@pytest.mark.checks(CHAT_TOOL_STREAM, TYPED_ERROR, *CAPABILITY, *STREAM, *STREAM_USAGE)
def test_tool_call_deltas(llama_kit: Kit) -> None:
    """inference.chat.tool-stream (capabilities tool-calls, streaming): a client concatenates the
    argument deltas of each call; what it gets must be the function's arguments, as JSON."""
    kit = llama_kit
    member, request = _chat(kit, "Add 2 and 3 with the tool.", tools=[ADD_TOOL], stream=True,
                            tool_choice={"type": "function", "function": {"name": "add"}})
    outcome = _asked(kit, member, request, CHAT_TOOL_STREAM, "a forced tool call, streamed",
                     capability="tool-calls", stream=True)
    calls, finish = _reassembled(_chunks(outcome))
    binding = ("tool-calls", "streaming")
    _honoured(kit, bool(calls), CHAT_TOOL_STREAM, "tool_choice named the function `add`, but no chunk carried a "
              "tool call.", *binding)
    for (choice, index), call in calls.items():
        where = f"choice {choice}, tool call {index}"
        _honoured(kit, call["name"] == "add", CHAT_TOOL_STREAM,
                  f"{where}: the deltas name the function {call['name']!r}, not 'add'.", *binding)
        try:
            arguments = json.loads(call["arguments"])
        except json.JSONDecodeError as exc:
            _honoured(kit, False, CHAT_TOOL_STREAM, f"{where}: the argument deltas reassemble into "
                      f"{call['arguments']!r}, which is not JSON ({exc}).", *binding)
            continue
        errors = [e.message for e in jsonschema.Draft202012Validator(
            ADD_TOOL["function"]["parameters"]).iter_errors(arguments)]
        _honoured(kit, not errors, CHAT_TOOL_STREAM, f"{where}: the arguments {call['arguments']!r} do not "
                  f"validate against the function's parameters: {'; '.join(errors[:3])}.", *binding)
        # OpenAI finishes a call forced by name with "stop", one the model chose with "tool_calls"
        _honoured(kit, finish.get(choice) in ("tool_calls", "stop"), CHAT_TOOL_STREAM,
                  f"{where}: the choice finished with {finish.get(choice)!r}, not 'tool_calls'.", *binding)


@pytest.mark.checks(COMPLETION_STREAM_USAGE, TYPED_ERROR, *CAPABILITY, *STREAM, *STREAM_USAGE)
def test_text_stream_usage(llama_kit: Kit) -> None:
    """inference.completion.stream-usage (capability stream-usage): as for chat, usage once, at the end."""
    kit = llama_kit
    member = kit.member("openai_completion")
    if "usage" not in getattr(member.chunk_type, "model_fields", {}):
        # the contract (llama-stack-api 0.7) cannot carry it: not the provider's to honour
        raise NotApplicable(f"{kit.put.contract.package}'s streamed text completion (OpenAICompletion) has no "
                            "usage field to carry stream_options.include_usage in")
    model = kit.model("llm", "completions")
    request = kit.request(member, {"model": model, "prompt": "Once upon a time", "stream": True,
                                   "stream_options": {"include_usage": True}})
    outcome = _asked(kit, member, request, COMPLETION_STREAM_USAGE, "stream_options.include_usage",
                     capability="completions", stream=True, validate=False)
    if not outcome.streamed:
        kit.validate(outcome, member, expect_stream=True, check_id=COMPLETION_STREAM_USAGE)
    carried = [chunk for chunk in _chunks(outcome) if _get(chunk, "usage") is not None]
    _honoured(kit, bool(carried), COMPLETION_STREAM_USAGE,
              "stream_options.include_usage was asked, but no chunk of the text completion carried usage.",
              "stream-usage")
    usage = [f for f in outcome.stream_findings if f.check.id in USAGE_IDS]
    rest = [f for f in outcome.stream_findings if f.check.id not in USAGE_IDS]
    outcome.stream_findings = rest + as_capability(usage, "stream-usage", kit.session.manifest)
    kit.validate(outcome, member, expect_stream=True, check_id=COMPLETION_STREAM_USAGE)


@pytest.mark.checks(CHAT_STREAM_LOGPROBS, TYPED_ERROR, *CAPABILITY, *STREAM, *STREAM_USAGE)
def test_streamed_logprobs(llama_kit: Kit) -> None:
    """inference.chat.stream-logprobs (capabilities logprobs, streaming): a client that streams and
    asks for logprobs reads them from the chunk that carries the text; each content chunk must
    carry its tokens' log probabilities, k alternatives each, and the tokens spell the content."""
    kit = llama_kit
    member, request = _chat(kit, stream=True, logprobs=True, top_logprobs=TOP_LOGPROBS)
    outcome = _asked(kit, member, request, CHAT_STREAM_LOGPROBS,
                     f"logprobs=true, top_logprobs={TOP_LOGPROBS}, streamed", capability="logprobs", stream=True)
    binding = ("logprobs", "streaming")
    content: dict[Any, str] = {}
    spelled: dict[Any, str] = {}
    for number, chunk in enumerate(_chunks(outcome)):
        for choice in _get(chunk, "choices") or []:
            index, piece = _get(choice, "index"), _get(_get(choice, "delta"), "content")
            tokens = _get(_get(choice, "logprobs"), "content") or []
            content[index] = content.get(index, "") + (piece or "")
            spelled[index] = spelled.get(index, "") + "".join(str(_get(t, "token")) for t in tokens)
            if piece and not tokens:
                _honoured(kit, False, CHAT_STREAM_LOGPROBS, f"logprobs=true was asked, but chunk {number} carries "
                          f"the content {piece!r} of choice {index} without logprobs.content.", *binding)
            for token in tokens:
                top = _get(token, "top_logprobs") or []
                values = [_get(token, "logprob"), *(_get(t, "logprob") for t in top)]
                _honoured(kit, all(isinstance(v, int | float) and v <= 0 for v in values), CHAT_STREAM_LOGPROBS,
                          f"chunk {number}, choice {index}, token {_get(token, 'token')!r}: a log probability "
                          f"above 0 in {values}.", *binding)
                _honoured(kit, len(top) == TOP_LOGPROBS, CHAT_STREAM_LOGPROBS,
                          f"top_logprobs={TOP_LOGPROBS} was asked, but token {_get(token, 'token')!r} (chunk "
                          f"{number}, choice {index}) has {len(top)} alternatives.", *binding)
    for index, text in content.items():
        _honoured(kit, spelled.get(index, "") == text, CHAT_STREAM_LOGPROBS, f"choice {index}: the streamed "
                  f"logprob tokens spell {spelled.get(index, '')!r}, not the streamed content {text!r}.", *binding)


@pytest.mark.checks(CHAT_TOOL_CHOICE_NONE, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_tool_choice_none(llama_kit: Kit) -> None:
    """inference.chat.tool-choice-none (capability tool-calls): tools are offered but tool_choice
    forbids calling them; a client that sends this runs no tool loop, so a call it gets is lost."""
    kit = llama_kit
    member, request = _chat(kit, "Add 2 and 3 with the tool.", tools=[ADD_TOOL], tool_choice="none")
    outcome = _asked(kit, member, request, CHAT_TOOL_CHOICE_NONE, 'tools with tool_choice="none"',
                     capability="tool-calls")
    for choice in _choices(kit, outcome):
        index = _get(choice, "index")
        calls = _get(_get(choice, "message"), "tool_calls") or []
        names = [_get(_get(call, "function"), "name") for call in calls]
        _honoured(kit, not calls, CHAT_TOOL_CHOICE_NONE, f'tool_choice="none" was asked, but choice {index} '
                  f"calls {names}.", "tool-calls")
        finish = _get(choice, "finish_reason")
        _honoured(kit, finish != "tool_calls", CHAT_TOOL_CHOICE_NONE, f'tool_choice="none" was asked, but '
                  f"choice {index} finished with {finish!r}.", "tool-calls")


# -- text completions (openai_completion) --------------------------------------------------

def _text(kit: Kit, **extra: Any) -> tuple[MemberSpec, Any]:
    member = kit.member("openai_completion")
    model = kit.model("llm", "completions")
    return member, kit.request(member, {"model": model, "prompt": USER_TEXT, **extra})


def _texts(kit: Kit, outcome: Outcome) -> list[tuple[Any, str, Any]]:
    """(index, text, finish_reason) of each choice of a text completion."""
    return [(_get(c, "index"), _get(c, "text") or "", _get(c, "finish_reason")) for c in _choices(kit, outcome)]


@pytest.mark.checks(COMPLETION_STOP, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_text_stop(llama_kit: Kit) -> None:
    """inference.completion.stop: the text ends before the stop sequence, which it never contains
    (upstream inference/test_openai_completion.py::test_openai_completion_stop_sequence)."""
    kit = llama_kit
    member, request = _text(kit, stop=[STOP])
    outcome = _asked(kit, member, request, COMPLETION_STOP, f"stop={[STOP]}", serves="completions")
    for index, text, finish in _texts(kit, outcome):
        kit.judge.check(STOP not in text, COMPLETION_STOP,
                        f"stop={[STOP]} was asked, but choice {index} contains it: {text!r}.")
        kit.judge.check(finish in ("stop", "length"), COMPLETION_STOP,
                        f"stop={[STOP]} was asked, but choice {index} finished with {finish!r}.")


@pytest.mark.checks(COMPLETION_MAX_TOKENS, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_text_max_tokens(llama_kit: Kit) -> None:
    """inference.completion.max-tokens: at most the limit is generated; a cut text says length."""
    kit = llama_kit
    member, request = _text(kit, max_tokens=LIMIT)
    outcome = _asked(kit, member, request, COMPLETION_MAX_TOKENS, f"max_tokens={LIMIT}", serves="completions")
    _within_limit(kit, outcome, COMPLETION_MAX_TOKENS, f"max_tokens={LIMIT}", _texts(kit, outcome))


@pytest.mark.checks(COMPLETION_N, TYPED_ERROR, *CAPABILITY, *ANSWER)
def test_text_n_choices(llama_kit: Kit) -> None:
    """inference.completion.n: n=2 gets two choices, indexed 0 and 1."""
    kit = llama_kit
    member, request = _text(kit, n=2)
    outcome = _asked(kit, member, request, COMPLETION_N, "n=2", serves="completions")
    indices = sorted(index for index, _, _ in _texts(kit, outcome))
    kit.judge.check(indices == [0, 1], COMPLETION_N,
                    f"n=2 was asked of a text completion and answered with choices indexed {indices}; two choices, "
                    "indexed 0 and 1, are due (or a 4xx if the provider cannot give more than one).")


def _text_logprobs(logprobs: Any) -> tuple[list[Any], list[Any], list[dict[Any, Any]]] | None:
    """(tokens, token_logprobs, top_logprobs) of a text completion choice's ``logprobs``, or None.

    Two shapes carry them. OpenAI's wire format for completions (``tokens``, ``token_logprobs``,
    ``top_logprobs`` as one {token: logprob} per position), which the openai SDK reads and
    vLLM / OpenAI answer; and the type the contract declares for ``OpenAICompletionChoice.logprobs``
    (``OpenAIChoiceLogprobs``: chat's ``content`` list of ``OpenAITokenLogProb``), which is the only
    shape an in-process provider's typed answer can hold. Either is a client's to read.
    """
    tokens = _get(logprobs, "tokens")
    if tokens:
        top = list(_get(logprobs, "top_logprobs") or [])
        return list(tokens), list(_get(logprobs, "token_logprobs") or []), [dict(t or {}) for t in top]
    content = _get(logprobs, "content")
    if content:
        return ([_get(t, "token") for t in content], [_get(t, "logprob") for t in content],
                [{_get(a, "token"): _get(a, "logprob") for a in _get(t, "top_logprobs") or []} for t in content])
    return None


@pytest.mark.checks(COMPLETION_LOGPROBS, TYPED_ERROR, *CAPABILITY, *ANSWER, *STREAM)
@pytest.mark.parametrize("mode", ["whole", "streamed"])
def test_text_logprobs(llama_kit: Kit, mode: str) -> None:
    """inference.completion.logprobs (capability logprobs; streamed: and streaming): one log
    probability per token of the text, with its k most likely alternatives, the chosen token
    among them at its own value; streamed, on every chunk that carries text (upstream
    inference/test_openai_completion.py::test_openai_completion_logprobs and ..._streaming)."""
    kit = llama_kit
    member = kit.member("openai_completion")
    field = getattr(member.request_model, "model_fields", {}).get("logprobs")
    if field is None or int not in typing.get_args(field.annotation):
        # llama-stack-api 0.7 declares it a bool: a client cannot ask for k alternatives through it
        raise NotApplicable(f"{kit.put.contract.package}'s OpenAICompletionRequestWithExtraBody.logprobs is "
                            f"{getattr(field, 'annotation', None)}, not OpenAI's int: it cannot ask for "
                            f"{TEXT_LOGPROBS} alternatives")
    stream = mode == "streamed"
    binding = ("logprobs", "streaming") if stream else ("logprobs",)
    member, request = _text(kit, logprobs=TEXT_LOGPROBS, **({"stream": True} if stream else {}))
    outcome = _asked(kit, member, request, COMPLETION_LOGPROBS, f"logprobs={TEXT_LOGPROBS}, {mode}",
                     capability="logprobs", serves="completions", stream=stream)
    # per choice: its text, and the (tokens, token_logprobs, top_logprobs) that came with it
    texts: dict[Any, str] = {}
    shapes: dict[Any, tuple[list[Any], list[Any], list[dict[Any, Any]]]] = {}
    if stream:
        parts = [(n, c) for n, chunk in enumerate(_chunks(outcome)) for c in _get(chunk, "choices") or []]
    else:
        parts = [(None, c) for c in _choices(kit, outcome)]
    for number, choice in parts:
        index, piece = _get(choice, "index"), _get(choice, "text") or ""
        shape = _text_logprobs(_get(choice, "logprobs"))
        texts[index] = texts.get(index, "") + piece
        where = f"choice {index}" + (f" (chunk {number})" if stream else "")
        if shape is None:
            _honoured(kit, not piece, COMPLETION_LOGPROBS, f"logprobs={TEXT_LOGPROBS} was asked, but {where} "
                      f"carries the text {piece!r} without log probabilities (neither tokens nor content).", *binding)
            continue
        tokens, values, tops = shape
        _honoured(kit, len(tokens) == len(values) == len(tops), COMPLETION_LOGPROBS,
                  f"{where}: {len(tokens)} tokens, {len(values)} token_logprobs and {len(tops)} top_logprobs; "
                  "one of each per token is due.", *binding)
        so_far = shapes.setdefault(index, ([], [], []))
        for into, values_of in zip(so_far, shape, strict=True):
            into.extend(values_of)
        for token, value, top in zip(tokens, values, tops, strict=False):
            alternatives = list(top.values())
            _honoured(kit, all(isinstance(v, int | float) and v <= 0 for v in [value, *alternatives]),
                      COMPLETION_LOGPROBS, f"{where}, token {token!r}: a log probability above 0 in "
                      f"{[value, *alternatives]}.", *binding)
            # OpenAI's completions reference: "the API will always return the logprob of the sampled
            # token, so there may be up to logprobs+1 elements in the response" (vLLM does the same)
            _honoured(kit, TEXT_LOGPROBS <= len(top) <= TEXT_LOGPROBS + 1, COMPLETION_LOGPROBS,
                      f"logprobs={TEXT_LOGPROBS} was asked, but token {token!r} of {where} has {len(top)} "
                      "alternatives.", *binding)
            chosen = top.get(token)
            _honoured(kit, isinstance(chosen, int | float) and isinstance(value, int | float)
                      and abs(chosen - value) < 1e-6, COMPLETION_LOGPROBS,
                      f"{where}: the alternatives of token {token!r} give it {chosen!r}, its token_logprob is "
                      f"{value!r}.", *binding)
    for index, text in texts.items():
        joined = "".join(str(t) for t in shapes.get(index, ([], [], []))[0])
        _honoured(kit, not text or joined == text, COMPLETION_LOGPROBS,
                  f"choice {index}: the logprob tokens spell {joined!r}, not the text {text!r}.", *binding)

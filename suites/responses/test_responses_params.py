"""Responses suite, request parameters: echoed parameters, prompt templates, conversations, streamed logprobs.

A client reads back what it asked for from the response object (OpenAI's SDKs expose
``response.temperature``, ``.truncation``, ``.parallel_tool_calls``...), names a stored template
with ``prompt`` instead of sending the instructions each time, and continues either a
``previous_response_id`` chain or a ``conversation``, never both. Each is easy to accept and
ignore: a parameter reported at its default, a template resolved without its variables or at
the wrong version, an unknown template or conversation answered as if absent (or a 500). ogx's
own integration tests (responses/test_openai_responses.py ``test_openai_response_with_*``,
test_prompt_templates.py, test_responses_errors.py) exercise the same fields.

What the echo model makes observable: it answers the last user message, so a template (a
system message) is seen through ``usage.input_tokens``, which counts every word sent to it.
The template carries filler words and the variable a long or a short value; each difference
must show up in the input tokens (at least half of it, for tokenizers that merge words).
"""

from __future__ import annotations

import contextlib
import math
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.checks import CheckDef, finding
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.responses.checks import (
    CONVERSATION_EXCLUSIVE,
    CONVERSATION_UNKNOWN,
    CREATE,
    PARAMS_ECHOED,
    PROMPT,
    PROMPT_NOT_FOUND,
    RETRIEVE,
    STREAM,
    STREAM_LOGPROBS,
)
from llama_conformance_suites.responses.helpers import as_json, by_id, create, terminal_response

pytestmark = [pytest.mark.behavioral, pytest.mark.api("responses")]

# Values none of which is a default, so an echo of the default is told from the value asked.
ASKED: dict[str, Any] = {"temperature": 0.5, "top_p": 0.9, "max_output_tokens": 100, "truncation": "disabled",
                         "parallel_tool_calls": False, "prompt_cache_key": "kit-cache-key-1", "max_tool_calls": 3,
                         "top_logprobs": 2}
FILLER = 30  # words version 2 of the template adds
LONG_VALUE = 20  # words of the long variable value
QUESTION = "Say something short."
# ogx's conversation id format: 'conv_' and 48 lowercase hex digits
UNKNOWN_CONVERSATION = "conv_" + "0" * 48
MALFORMED_CONVERSATION = "not-a-conversation-id"


def _request_fields(kit: Kit) -> dict[str, Any]:
    """The fields of this contract's CreateResponseRequest (older packages lack some)."""
    return dict(getattr(kit.member("create_openai_response").request_model, "model_fields", {}))


def _cleanup(kit: Kit, *response_ids: str | None) -> None:
    for response_id in response_ids:
        if response_id:
            by_id(kit, "delete_openai_response", response_id)


def _created(kit: Kit, check: CheckDef, text: str = QUESTION, **extra: Any) -> dict[str, Any]:
    return as_json(kit, kit.accept(create(kit, text, **extra), "create_openai_response", check))


def _refused(kit: Kit, outcome: Outcome, check: CheckDef, what: str, due: str) -> None:
    """``outcome`` must be a client error (4xx): not answered, not a hang, not a 5xx."""
    kit.judge.ask(check)
    kit.judge.no_hang(outcome)
    if outcome.succeeded:
        _cleanup(kit, (as_json(kit, outcome.value) or {}).get("id") if not outcome.streamed else None)
        kit.judge.fail(check, f"{what} was answered; a client error ({due}) is due.")
    if outcome.answer is not None and outcome.answer.client_error:
        return
    message = (f"{what} raised {outcome.describe_error()}; a client error ({due}) is due: raise ValueError or the "
               "API package's typed error.")
    kit.judge.take([finding(TYPED_ERROR, message), finding(check, message)])


def _shared_params(kit: Kit) -> dict[str, Any]:
    """The ``ASKED`` parameters this contract's request and response object both define."""
    request_fields = _request_fields(kit)
    object_fields = kit.api.OpenAIResponseObject.model_fields
    shared = {name: value for name, value in ASKED.items() if name in request_fields and name in object_fields}
    if not shared:
        pytest.skip("this contract's response object echoes none of the request parameters")
    return shared


def _differences(asked: dict[str, Any], response: dict[str, Any] | None) -> list[str]:
    wrong = []
    for name, value in asked.items():
        got = (response or {}).get(name)
        same = (isinstance(value, float) and isinstance(got, int | float) and math.isclose(got, value)) or got == value
        if not same:
            wrong.append(f"{name}={got!r} (asked {value!r})")
    return wrong


@pytest.mark.checks(CREATE, RETRIEVE, STREAM, PARAMS_ECHOED, *ANSWER)
def test_params_echoed(llama_kit: Kit) -> None:
    """responses.params.echoed: the parameters asked come back created, retrieved, chained and streamed."""
    kit = llama_kit
    asked = _shared_params(kit)
    response = _created(kit, CREATE, **asked)
    stream_id = chained_id = None
    try:
        wrong = _differences(asked, response)
        kit.judge.check(not wrong, PARAMS_ECHOED, f"the created response says {', '.join(wrong)}.")
        retrieved = as_json(kit, kit.accept(by_id(kit, "get_openai_response", response["id"]),
                                            "get_openai_response", RETRIEVE))
        wrong = _differences(asked, retrieved)
        kit.judge.check(not wrong, PARAMS_ECHOED, f"the retrieved response says {', '.join(wrong)}.")
        chained = _created(kit, CREATE, previous_response_id=response["id"], **asked)
        chained_id = chained.get("id")
        wrong = _differences(asked, chained)
        kit.judge.check(not wrong, PARAMS_ECHOED, f"a response chained to {response['id']!r} with the same "
                                                  f"parameters says {', '.join(wrong)}.")
        outcome = create(kit, QUESTION, stream=True, **asked)
        kit.accept(outcome, "create_openai_response", STREAM, stream=True)
        events = [as_json(kit, chunk) for chunk in outcome.chunks or []]
        created = next((e.get("response") for e in events if e.get("type") == "response.created"), None)
        final = terminal_response(kit, outcome.chunks or [])
        stream_id = (final or {}).get("id")
        for label, streamed in (("response.created", created), ("terminal", final)):
            wrong = _differences(asked, streamed if isinstance(streamed, dict) else None)
            kit.judge.check(not wrong, PARAMS_ECHOED, f"the stream's {label} event's response says "
                                                      f"{', '.join(wrong)}.")
    finally:
        _cleanup(kit, chained_id, stream_id, response.get("id"))


@dataclass
class _Prompts:
    """The prompts API the responses provider reads templates from, and how to call it."""

    impl: Any
    gate: Any

    def call(self, kit: Kit, name: str, request: Any) -> Any:
        return self.gate.run(f"prompts.{name} (responses prompt)", lambda: getattr(self.impl, name)(request))

    def create(self, kit: Kit, text: str, variables: list[str]) -> Any:
        """A stored template; skip when the prompts API cannot store one (the deployment serves none)."""
        try:
            return self.call(kit, "create_prompt", kit.api.CreatePromptRequest(prompt=text, variables=variables))
        except Exception as exc:  # a missing prompts API is no verdict on responses
            pytest.skip(f"the prompts API the responses provider reads templates from did not store one "
                        f"({type(exc).__name__}: {str(exc)[:160]}): prompt templates cannot be tested here")

    def update(self, kit: Kit, prompt_id: str, version: int, text: str, variables: list[str]) -> Any:
        return self.call(kit, "update_prompt", kit.api.UpdatePromptRequest(
            prompt_id=prompt_id, prompt=text, version=version, variables=variables, set_as_default=True))

    def delete(self, kit: Kit, prompt_id: str) -> None:
        with contextlib.suppress(Exception):  # cleanup: the verdict is already made
            self.call(kit, "delete_prompt", kit.api.DeletePromptRequest(prompt_id=prompt_id))


def _prompts(kit: Kit) -> _Prompts:
    """The provider's prompts API: in-process its prompts dependency, else the deployment's; skip without one."""
    if "prompt" not in _request_fields(kit):
        pytest.skip("this contract's CreateResponseRequest has no prompt")
    session = kit.session
    if session.remote is not None and not session.remote.in_process:
        # the deployment's own prompts API (served beside responses even when --llama-api names only responses)
        put = session.remote.put("prompts")
        return _Prompts(put.impl, put.gate)
    impl = session.put.dependencies.get("prompts")
    if impl is None:
        pytest.skip("the provider under test was built without a prompts dependency: its responses cannot name "
                    "stored prompt templates (declare prompts among its api_dependencies to test them)")
    return _Prompts(impl, session.put.gate)


def _text(value: str) -> dict[str, Any]:
    return {"type": "input_text", "text": value}


def _input_tokens(response: dict[str, Any]) -> int:
    used = (response.get("usage") or {}).get("input_tokens")
    if not isinstance(used, int):
        pytest.skip("the response reports no usage.input_tokens: what reached the model cannot be seen")
    return used


@pytest.mark.checks(CREATE, PROMPT, *ANSWER)
def test_prompt_template(llama_kit: Kit) -> None:
    """responses.prompt: the template of the version asked, its variables filled in, reaches the model."""
    kit = llama_kit
    prompts = _prompts(kit)
    template = "You are the kit's test assistant. Answer questions about {{ topic }} politely."
    longer = template + " " + " ".join(f"filler{i}" for i in range(FILLER))
    stored = prompts.create(kit, template, ["topic"])
    made: list[str | None] = []
    try:
        prompts.update(kit, stored.prompt_id, stored.version, longer, ["topic"])
        alone = _created(kit, CREATE)
        made.append(alone.get("id"))

        def with_prompt(version: str, topic: str) -> dict[str, Any]:
            asked = {"id": stored.prompt_id, "version": version, "variables": {"topic": _text(topic)}}
            response = _created(kit, PROMPT, prompt=asked)
            made.append(response.get("id"))
            echoed = response.get("prompt") or {}
            kit.judge.check(echoed.get("id") == stored.prompt_id and str(echoed.get("version")) == version, PROMPT,
                            f"a response created with prompt {{id: {stored.prompt_id!r}, version: {version!r}}} "
                            f"says prompt {response.get('prompt')!r}.")
            return response

        short = with_prompt(str(stored.version), "cats")
        long = with_prompt(str(stored.version), " ".join(f"topic{i}" for i in range(LONG_VALUE)))
        newer = with_prompt(str(stored.version + 1), "cats")
        base, used_short, used_long, used_newer = (_input_tokens(r) for r in (alone, short, long, newer))
        kit.judge.check(used_short - base >= len(template.split()) // 2, PROMPT,
                        f"with the prompt template ({len(template.split())} words) the response used {used_short} "
                        f"input tokens, without it {base}: the template did not reach the model.")
        kit.judge.check(used_long - used_short >= LONG_VALUE // 2, PROMPT,
                        f"the variable topic given {LONG_VALUE} words used {used_long} input tokens, given one word "
                        f"{used_short}: the variable was not filled into the template.")
        kit.judge.check(used_newer - used_short >= FILLER // 2, PROMPT,
                        f"version {stored.version + 1} of the template ({FILLER} words longer) used {used_newer} "
                        f"input tokens, version {stored.version} {used_short}: the version asked was not the one "
                        "sent to the model.")
    finally:
        _cleanup(kit, *made)
        prompts.delete(kit, stored.prompt_id)


@pytest.mark.checks(PROMPT_NOT_FOUND, TYPED_ERROR)
def test_prompt_unknown(llama_kit: Kit) -> None:
    """responses.prompt.not-found: an unknown template id or version is a client error."""
    kit = llama_kit
    prompts = _prompts(kit)
    unknown = f"pmpt_{uuid.uuid4().hex}{uuid.uuid4().hex[:16]}"  # the prompts API's id format, naming nothing
    outcome = create(kit, QUESTION, prompt={"id": unknown, "variables": {"topic": _text("cats")}})
    _refused(kit, outcome, PROMPT_NOT_FOUND, f"a response naming the unknown prompt {unknown!r}", "404")
    stored = prompts.create(kit, "Answer questions about {{ topic }}.", ["topic"])
    try:
        outcome = create(kit, QUESTION, prompt={"id": stored.prompt_id, "version": "99",
                                                "variables": {"topic": _text("cats")}})
        _refused(kit, outcome, PROMPT_NOT_FOUND,
                 f"a response naming version 99 of prompt {stored.prompt_id!r} (which has only version "
                 f"{stored.version})", "404")
    finally:
        prompts.delete(kit, stored.prompt_id)


def _needs_conversation(kit: Kit) -> None:
    if "conversation" not in _request_fields(kit):
        pytest.skip("this contract's CreateResponseRequest has no conversation")


@pytest.mark.checks(CREATE, CONVERSATION_EXCLUSIVE, TYPED_ERROR)
def test_conversation_with_previous(llama_kit: Kit) -> None:
    """responses.conversation.exclusive: previous_response_id and conversation together are refused."""
    kit = llama_kit
    _needs_conversation(kit)
    first = _created(kit, CREATE)
    try:
        outcome = create(kit, QUESTION, previous_response_id=first["id"], conversation=UNKNOWN_CONVERSATION)
        _refused(kit, outcome, CONVERSATION_EXCLUSIVE,
                 f"a response given both previous_response_id {first['id']!r} and conversation "
                 f"{UNKNOWN_CONVERSATION!r}", "400")
    finally:
        _cleanup(kit, first.get("id"))


@pytest.mark.checks(CONVERSATION_UNKNOWN, TYPED_ERROR)
def test_conversation_unknown(llama_kit: Kit) -> None:
    """responses.conversation.unknown: a malformed or unknown conversation id is a client error."""
    kit = llama_kit
    _needs_conversation(kit)
    for conversation, due in ((UNKNOWN_CONVERSATION, "404"), (MALFORMED_CONVERSATION, "400")):
        outcome = create(kit, QUESTION, conversation=conversation)
        _refused(kit, outcome, CONVERSATION_UNKNOWN, f"a response naming conversation {conversation!r}", due)


@pytest.mark.checks(STREAM, STREAM_LOGPROBS, *ANSWER)
def test_stream_include_logprobs(llama_kit: Kit) -> None:
    """responses.include.logprobs.stream (SHOULD): a stream asked for logprobs carries them on its deltas."""
    kit = llama_kit
    if "include" not in _request_fields(kit):
        pytest.skip("this contract's CreateResponseRequest has no include")
    outcome = create(kit, "Say a few words please.", stream=True, include=["message.output_text.logprobs"])
    kit.accept(outcome, "create_openai_response", STREAM, stream=True)
    events = [as_json(kit, chunk) for chunk in outcome.chunks or []]
    final = terminal_response(kit, outcome.chunks or [])
    try:
        deltas = [e for e in events if e.get("type") == "response.output_text.delta"]
        if not deltas:
            pytest.skip("the stream carried no output_text delta to judge")
        tokens = [t for e in deltas for t in e.get("logprobs") or [] if isinstance(t, dict)]
        kit.judge.check(bool(tokens), STREAM_LOGPROBS,
                        f"include message.output_text.logprobs was asked on a stream, but its {len(deltas)} output "
                        "text deltas carry no logprobs.")
        wrong = [t for t in tokens if not isinstance(t.get("logprob"), int | float) or t["logprob"] > 0]
        kit.judge.check(not wrong, STREAM_LOGPROBS, f"the stream's deltas carry logprobs that are no log "
                                                    f"probability: {wrong[:3]}.")
        closed = [e.get("item") for e in events if e.get("type") == "response.output_item.done"]
        for label, items in (("its terminal response", (final or {}).get("output")),
                             ("its output_item.done events", closed)):
            parts = [part for item in items or [] if isinstance(item, dict) and item.get("type") == "message"
                     for part in item.get("content") or []
                     if isinstance(part, dict) and part.get("type") == "output_text"]
            bare = [number for number, part in enumerate(parts) if not part.get("logprobs")]
            kit.judge.check(not bare, STREAM_LOGPROBS,
                            f"include message.output_text.logprobs was asked on a stream, but output_text parts "
                            f"{bare} of {label} carry no logprobs.")
    finally:
        _cleanup(kit, (final or {}).get("id"))

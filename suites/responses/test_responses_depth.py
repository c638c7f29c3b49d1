"""Responses suite, contract depth: max_output_tokens, background runs, structured output, include.

Each is a request field a client sets to change what it gets back, and each is easy to accept and
ignore: a limit not passed to the model (or a cut reported ``completed``), a ``background`` request
answered in the foreground or not stoppable by ``cancel``, a ``stream`` that silently drops
``background``, a ``text.format`` schema the answer does not follow. ogx's own integration tests
(tests/integration/responses) exercise the same fields.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema
import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.responses.checks import (
    BACKGROUND,
    BACKGROUND_STREAM,
    CREATE,
    INCLUDE_LOGPROBS,
    INCOMPLETE_REASON,
    MAX_OUTPUT,
    RETRIEVE,
    STRUCTURED,
)
from llama_conformance_suites.responses.helpers import (
    as_json,
    by_id,
    chat_model,
    create,
    output_text,
    terminal_response,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("responses")]

LIMIT = 16  # the smallest max_output_tokens ogx-api accepts (ge=16)
LONG_TEXT = "Repeat every word of this list back, in order: " + " ".join(f"word{i}" for i in range(4 * LIMIT))
SETTLE_S = 1.0  # how long a cancelled background response is watched for a late change
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
          "required": ["city", "population"], "additionalProperties": False}


def _needs(kit: Kit, field: str) -> None:
    if field not in kit.member("create_openai_response").request_model.model_fields:
        pytest.skip(f"this contract's CreateResponseRequest has no {field}")


def _created(kit: Kit, text: Any, check: Any = CREATE, **extra: Any) -> dict[str, Any]:
    return as_json(kit, kit.accept(create(kit, text, **extra), "create_openai_response", check))


def _formatted(kit: Kit, text: str, form: dict[str, Any]) -> dict[str, Any]:
    """A response whose request sets ``text.format`` (``create``'s own ``text`` is the input)."""
    member = kit.member("create_openai_response")
    request = kit.request(member, {"model": chat_model(kit), "input": text, "text": {"format": form}})
    return as_json(kit, kit.accept(kit.call_request(member, request), member, CREATE))


def _retrieved(kit: Kit, response_id: str) -> dict[str, Any]:
    return as_json(kit, kit.accept(by_id(kit, "get_openai_response", response_id), "get_openai_response", RETRIEVE))


def _cleanup(kit: Kit, response_id: str | None) -> None:
    if response_id:
        by_id(kit, "delete_openai_response", response_id)


@pytest.mark.checks(CREATE, MAX_OUTPUT, INCOMPLETE_REASON, *ANSWER)
def test_max_output_tokens(llama_kit: Kit) -> None:
    """responses.max-output-tokens, responses.incomplete-reason (SHOULD): a long answer asked with a small limit."""
    kit = llama_kit
    _needs(kit, "max_output_tokens")
    response = _created(kit, LONG_TEXT, max_output_tokens=LIMIT)
    try:
        used = (response.get("usage") or {}).get("output_tokens")
        kit.judge.check(used is None or used <= LIMIT, MAX_OUTPUT,
                        f"max_output_tokens={LIMIT}, but the response reports {used} output tokens.")
        status, details = response.get("status"), response.get("incomplete_details") or {}
        reached = used is not None and used >= LIMIT
        kit.judge.check(not (reached and status == "completed"), MAX_OUTPUT,
                        f"the answer used all {LIMIT} max_output_tokens (output_tokens {used}) and was cut, yet the "
                        "response says status 'completed': a client takes a truncated answer for a whole one.")
        if status == "incomplete":
            kit.judge.check(bool(details.get("reason")), MAX_OUTPUT,
                            "the response is 'incomplete' without incomplete_details.reason.")
            kit.judge.check(details.get("reason") == "max_output_tokens", INCOMPLETE_REASON,
                            f"a response cut at max_output_tokens={LIMIT} says incomplete_details.reason "
                            f"{details.get('reason')!r}, not 'max_output_tokens' (OpenAI's value).")
    finally:
        _cleanup(kit, response.get("id"))


def _settled(kit: Kit, response_id: str, until: tuple[str, ...]) -> dict[str, Any]:
    """Retrieve until the status is in ``until`` (bounded by the kit's call timeout)."""
    deadline = time.monotonic() + kit.put.gate.timeout_s
    while True:
        got = _retrieved(kit, response_id)
        if got.get("status") in until or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


@pytest.mark.checks(CREATE, RETRIEVE, BACKGROUND, TYPED_ERROR, *ANSWER)
def test_background_cancel(llama_kit: Kit) -> None:
    """responses.background: answered queued at once; cancel stops it for good; left alone, it finishes."""
    kit = llama_kit
    _needs(kit, "background")
    started = _created(kit, "a background answer", BACKGROUND, background=True)
    left = _created(kit, "another background answer", BACKGROUND, background=True)
    try:
        for response in (started, left):
            kit.judge.check(response.get("status") in ("queued", "in_progress") and response.get("background") is True,
                            BACKGROUND, f"background=true answered status {response.get('status')!r} with "
                            f"background {response.get('background')!r}, not a queued background response.")
        outcome = by_id(kit, "cancel_openai_response", started["id"])
        kit.judge.no_hang(outcome)
        if outcome.succeeded:
            answered = as_json(kit, outcome.value).get("status")
            kit.judge.check(answered == "cancelled", BACKGROUND,
                            f"cancel of a queued background response answered status {answered!r}.")
            time.sleep(SETTLE_S)
            after = _retrieved(kit, started["id"])
            kit.judge.check(after.get("status") == "cancelled", BACKGROUND,
                            f"a background response cancel answered 'cancelled' for is {after.get('status')!r} "
                            f"{SETTLE_S:.0f} s later: it ran on.")
        else:  # it finished before the cancel arrived: a conflict is fair then
            kit.judge.typed_rejection(outcome)
            after = _retrieved(kit, started["id"])
            kit.judge.check(after.get("status") in ("completed", "incomplete", "failed"), BACKGROUND,
                            f"cancel of background response {started['id']} raised {outcome.describe_error()} "
                            f"while it was {after.get('status')!r}.")
        done = _settled(kit, left["id"], ("completed", "incomplete", "failed", "cancelled"))
        kit.judge.check(done.get("status") in ("completed", "incomplete") and bool(output_text(done)), BACKGROUND,
                        f"a background response left alone is {done.get('status')!r} with output "
                        f"{output_text(done)!r} after {kit.put.gate.timeout_s:.0f} s.")
    finally:
        _cleanup(kit, started.get("id"))
        _cleanup(kit, left.get("id"))


@pytest.mark.checks(BACKGROUND_STREAM, TYPED_ERROR)
def test_background_stream(llama_kit: Kit) -> None:
    """responses.background-stream: refused (4xx), or a stream of a background response."""
    kit = llama_kit
    _needs(kit, "background")
    outcome = create(kit, "background and stream", background=True, stream=True)
    kit.judge.no_hang(outcome)
    kit.judge.ask(BACKGROUND_STREAM)
    if not outcome.succeeded:
        kit.judge.typed_rejection(outcome)
        return
    final = terminal_response(kit, outcome.chunks or []) if outcome.streamed else as_json(kit, outcome.value)
    _cleanup(kit, (final or {}).get("id"))
    kit.judge.check(bool(final) and final.get("background") is True, BACKGROUND_STREAM,
                    f"background=true with stream=true was answered as a response with background "
                    f"{(final or {}).get('background')!r}: the background request was silently dropped.")


@pytest.mark.checks(CREATE, STRUCTURED, *ANSWER)
def test_structured_output(llama_kit: Kit) -> None:
    """responses.structured-output: text.format json_schema makes the output JSON valid against the schema."""
    kit = llama_kit
    _needs(kit, "text")
    form = {"type": "json_schema", "name": "city", "schema": SCHEMA, "strict": True}
    response = _formatted(kit, "Name a city and its population.", form)
    try:
        answer = output_text(response)
        try:
            value = json.loads(answer)
        except ValueError:
            kit.judge.fail(STRUCTURED, f"text.format json_schema was asked, but the output text is not JSON: "
                                       f"{answer[:120]!r}.")
        errors = [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(value)]
        kit.judge.check(not errors, STRUCTURED,
                        f"the output {answer[:120]!r} does not follow the text.format schema: {errors[:3]}.")
    finally:
        _cleanup(kit, response.get("id"))


@pytest.mark.checks(CREATE, INCLUDE_LOGPROBS, *ANSWER)
def test_include_logprobs(llama_kit: Kit) -> None:
    """responses.include.logprobs (SHOULD): include message.output_text.logprobs returns them."""
    kit = llama_kit
    _needs(kit, "include")
    response = _created(kit, "Say a few words.", include=["message.output_text.logprobs"])
    try:
        parts = [part for item in response.get("output") or [] if isinstance(item, dict)
                 and item.get("type") == "message" for part in item.get("content") or []
                 if isinstance(part, dict) and part.get("type") == "output_text"]
        for number, part in enumerate(parts):
            tokens = part.get("logprobs") or []
            kit.judge.check(bool(tokens), INCLUDE_LOGPROBS,
                            f"include message.output_text.logprobs was asked, but output_text part {number} "
                            f"({part.get('text', '')[:40]!r}) carries logprobs {part.get('logprobs')!r}.")
            wrong = [t for t in tokens if not isinstance(t.get("logprob"), int | float) or t["logprob"] > 0]
            kit.judge.check(not wrong, INCLUDE_LOGPROBS,
                            f"output_text part {number} has logprobs that are no log probability: {wrong[:3]}.")
    finally:
        _cleanup(kit, response.get("id"))

"""Interactions suite: create (whole and streamed), chaining by previous_interaction_id, and the
negative contract (an unknown previous interaction, an unserved model).

Each test names the checks it makes (``checks.py`` beside this file). The API has no get, list or
delete: an interaction's id is only ever used again as ``previous_interaction_id``, so chaining is
the round trip judged here.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.coverage import STREAM as STREAMED
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.checks import CheckDef
from llama_conformance_suites.interactions.checks import (
    CHAIN,
    CREATE,
    NOT_FOUND,
    STREAM,
    STREAM_USAGE,
    UNKNOWN_MODEL,
)
from llama_conformance_suites.interactions.helpers import answer, completed_id, create, events, stream_problems
from llama_conformance_suites.responses.helpers import chat_model

pytestmark = [pytest.mark.behavioral, pytest.mark.api("interactions")]

UNKNOWN_INTERACTION_ID = "interaction-" + "0" * 24


def _interaction_id(kit: Kit, text: str, check: CheckDef, **extra: Any) -> str:
    return str(answer(kit, create(kit, text, **extra), check).get("id") or "")


@pytest.mark.checks(CREATE, *ANSWER)
def test_create(llama_kit: Kit) -> None:
    """interactions.create: two creates answer two completed interactions of the model asked for."""
    kit = llama_kit
    model = chat_model(kit)
    seen: list[str] = []
    for text, extra in (("Say hello.", {}), ("Name a colour.", {"system_instruction": "Answer in one word."})):
        interaction = answer(kit, create(kit, text, **extra), CREATE)
        seen.append(interaction.get("id") or "")
        kit.judge.check(bool(seen[-1]) and seen.count(seen[-1]) == 1, CREATE,
                        f"create answered id {seen[-1]!r}: ids so far {seen}; each interaction needs its own.")
        kit.judge.check(interaction.get("model") == model, CREATE,
                        f"create answered model {interaction.get('model')!r}; {model!r} was asked for.")
        kit.judge.check((interaction.get("status"), interaction.get("role"), interaction.get("object")) ==
                        ("completed", "model", "interaction"), CREATE,
                        f"create answered status={interaction.get('status')!r} role={interaction.get('role')!r} "
                        f"object={interaction.get('object')!r}.")
        kit.judge.check(bool(interaction.get("outputs")), CREATE, f"create of {text!r} answered no output.")


@pytest.mark.checks(STREAM, *STREAMED)
def test_stream(llama_kit: Kit) -> None:
    """interactions.stream: start first, blocks opened / filled / stopped by index, complete last, one id."""
    kit = llama_kit
    for text in ("Say hello.", "Count: one two three"):
        outcome = create(kit, text, stream=True)
        kit.accept(outcome, "create_interaction", STREAM, stream=True)
        stream = events(kit, outcome)
        problems = stream_problems(stream)
        kit.judge.check(not problems, STREAM, f"the stream of {text!r}: " + "; ".join(problems) + ".")
        text_out = "".join((e.get("delta") or {}).get("text", "") for e in stream
                           if e.get("event_type") == "content.delta")
        kit.judge.check(bool(text_out), STREAM, f"the stream of {text!r} delivered no text delta.")


@pytest.mark.checks(CREATE, STREAM, STREAM_USAGE, *STREAMED)
def test_stream_usage(llama_kit: Kit) -> None:
    """interactions.stream-usage: where the whole answer counts tokens, the streamed one counts them too."""
    kit = llama_kit
    text = "Count the tokens of this sentence."
    whole = (answer(kit, create(kit, text), CREATE).get("usage") or {}).get("total_tokens") or 0
    if not whole:
        pytest.skip("the whole answer reports no token usage, so there is nothing a stream must match")
    outcome = create(kit, text, stream=True)
    kit.accept(outcome, "create_interaction", STREAM, stream=True)
    complete: dict[str, Any] = next(
        (e for e in reversed(events(kit, outcome)) if e.get("event_type") == "interaction.complete"), {})
    usage = (complete.get("interaction") or {}).get("usage") or {}
    kit.judge.check(bool(usage.get("total_tokens")), STREAM_USAGE,
                    f"the streamed interaction of {text!r} reports usage {usage}; the whole answer to the same "
                    f"request counts {whole} tokens.")


@pytest.mark.checks(CHAIN, CREATE, STREAM, *ANSWER)
def test_chain(llama_kit: Kit) -> None:
    """interactions.chain: a whole interaction, a streamed one and a chained one can each be continued."""
    kit = llama_kit
    first = _interaction_id(kit, "Remember the word lantern.", CREATE)
    second = _interaction_id(kit, "Which word?", CHAIN, previous_interaction_id=first)
    kit.judge.check(second not in ("", first), CHAIN,
                    f"continuing {first!r} answered id {second!r}; a continuation is a new interaction.")
    _interaction_id(kit, "And again?", CHAIN, previous_interaction_id=second)
    streamed = create(kit, "Remember the word harbour.", stream=True)
    kit.accept(streamed, "create_interaction", STREAM, stream=True)
    streamed_id = completed_id(events(kit, streamed))
    kit.judge.check(bool(streamed_id), STREAM, "the stream's interaction.complete names no interaction id.")
    outcome = create(kit, "Which word?", previous_interaction_id=streamed_id)
    kit.judge.check(outcome.error is None, CHAIN,
                    f"continuing the streamed interaction {streamed_id!r} raised {outcome.describe_error()}: "
                    "a streamed interaction must be kept like a whole one.")
    answer(kit, outcome, CHAIN)


@pytest.mark.checks(NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_previous(llama_kit: Kit) -> None:
    """interactions.not-found: previous_interaction_id naming nothing, whole and streamed."""
    kit = llama_kit
    for unknown in (UNKNOWN_INTERACTION_ID, f"interaction-{uuid.uuid4().hex[:24]}"):
        for stream in (False, True):
            outcome = create(kit, "Continue.", stream=stream, previous_interaction_id=unknown)
            if outcome.streamed and outcome.error is None:
                kit.judge.fail(NOT_FOUND, f"create(stream=True, previous_interaction_id={unknown!r}) streamed an "
                                          "answer; it must raise a client error before the stream starts.")
            expect_not_found(kit, outcome, NOT_FOUND, f"create(stream={stream}, previous_interaction_id={unknown!r})")


@pytest.mark.checks(UNKNOWN_MODEL, *NEGATIVE)
@pytest.mark.negative
def test_unknown_model(llama_kit: Kit) -> None:
    """interactions.unknown-model: a model nobody serves is a client error, whole and streamed."""
    kit = llama_kit
    model = f"kit-unserved-{uuid.uuid4().hex[:8]}"
    for stream in (False, True):
        outcome = create(kit, "Say hello.", stream=stream, model=model)
        if outcome.streamed and outcome.error is None:
            kit.judge.fail(UNKNOWN_MODEL, f"create(stream=True, model={model!r}) streamed an answer from a model "
                                          "nobody serves.")
        expect_not_found(kit, outcome, UNKNOWN_MODEL, f"create(stream={stream}, model={model!r})")

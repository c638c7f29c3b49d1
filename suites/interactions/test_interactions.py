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
    GENERATION_CONFIG,
    MAX_OUTPUT,
    NOT_FOUND,
    STREAM,
    STREAM_USAGE,
    UNKNOWN_MODEL,
)
from llama_conformance_suites.interactions.helpers import answer, completed_id, create, events, stream_problems
from llama_conformance_suites.responses.helpers import chat_model

pytestmark = [pytest.mark.behavioral, pytest.mark.api("interactions")]

UNKNOWN_INTERACTION_ID = "interaction-" + "0" * 24
TWELVE_WORDS = "one two three four five six seven eight nine ten eleven twelve"


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


def _streamed(kit: Kit, outcome: Any) -> tuple[str, dict[str, Any]]:
    """(the text of a stream's deltas, the usage its interaction.complete reports)."""
    stream = events(kit, outcome)
    text = "".join((e.get("delta") or {}).get("text", "") for e in stream if e.get("event_type") == "content.delta")
    complete: dict[str, Any] = next(
        (e for e in reversed(stream) if e.get("event_type") == "interaction.complete"), {})
    return text, (complete.get("interaction") or {}).get("usage") or {}


@pytest.mark.checks(MAX_OUTPUT, CREATE, STREAM, *ANSWER, *STREAMED)
def test_max_output_tokens(llama_kit: Kit) -> None:
    """interactions.max-output-tokens: max_output_tokens=3 for a twelve-word answer (the echo's) bounds it.

    A word is at least one token for every tokenizer a chat model uses (they split on spaces
    first), so "no more words than tokens allowed" holds whatever the model; the reported
    output tokens are held to the bound only where the answer reports them (not zero)."""
    kit = llama_kit
    bound, text = 3, f"Repeat exactly: {TWELVE_WORDS}"
    config = {"max_output_tokens": bound}
    whole = answer(kit, create(kit, text, generation_config=config), MAX_OUTPUT)
    said = "".join(str(o.get("text", "")) for o in whole.get("outputs") or [] if isinstance(o, dict))
    used = (whole.get("usage") or {}).get("total_output_tokens") or 0
    kit.judge.check(len(said.split()) <= bound and used <= bound, MAX_OUTPUT,
                    f"max_output_tokens={bound}, and the answer holds {len(said.split())} words ({said[:80]!r}), "
                    f"reporting total_output_tokens={used}.")
    outcome = create(kit, text, stream=True, generation_config=config)
    kit.accept(outcome, "create_interaction", STREAM, stream=True)
    said, usage = _streamed(kit, outcome)
    used = usage.get("total_output_tokens") or 0
    kit.judge.check(len(said.split()) <= bound and used <= bound, MAX_OUTPUT,
                    f"max_output_tokens={bound}, and the stream delivers {len(said.split())} words ({said[:80]!r}), "
                    f"reporting total_output_tokens={used}.")


@pytest.mark.checks(GENERATION_CONFIG, CREATE, STREAM, *ANSWER, *STREAMED)
def test_generation_config(llama_kit: Kit) -> None:
    """interactions.generation-config: in-range sampling values, at their bounds too, are answered.

    The answer they shape is not judged (sampling is the model's); a refusal of values the contract
    declares in range is."""
    kit = llama_kit
    configs = ({"temperature": 0.0, "top_p": 1.0, "top_k": 1}, {"temperature": 2.0, "top_p": 0.5, "top_k": 40})
    for config in configs:
        for stream in (False, True):
            outcome = create(kit, "Say hello.", stream=stream, generation_config=config)
            if not outcome.succeeded:
                kit.judge.no_hang(outcome)
                kit.judge.check(False, GENERATION_CONFIG,
                                f"create(stream={stream}) with generation_config={config} was refused: "
                                f"{outcome.describe_error()}; the contract declares these values in range.")
                continue
            if stream:
                kit.accept(outcome, "create_interaction", STREAM, stream=True)
                kit.judge.check(bool(_streamed(kit, outcome)[0]), STREAM,
                                f"the stream with generation_config={config} delivered no text delta.")
            else:
                kit.judge.check(bool(answer(kit, outcome, CREATE).get("outputs")), CREATE,
                                f"create with generation_config={config} answered no output.")

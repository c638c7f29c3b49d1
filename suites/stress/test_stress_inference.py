"""Inference under load: concurrent chats answered once each, long concurrent streams run to the end.

Each request carries a random marker. The kit cannot demand that a real model repeat it, so
a chat is judged by what no model can do on its own: answer with another request's marker,
reuse another answer's id, or leave a call unanswered. Runs only with --llama-profile stress.
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import CAPABILITY, HTTP_ANSWER
from llama_conformance.behaviour.invoke import Outcome, request_arguments
from llama_conformance.behaviour.stress import (
    Batch,
    chat_text,
    crossed,
    field_of,
    lost,
    markers,
    repeated,
    report,
    stream_facts,
    stress_run,
)
from llama_conformance.engine_checks import ANSWERED_ONCE, STREAM_COMPLETE
from llama_conformance.transport.checks import SSE_FRAMING

pytestmark = [pytest.mark.behavioral, pytest.mark.api("inference")]


def _chat(kit: Kit, marker: str, *, long: bool = False) -> Any:
    """A chat whose answer would name ``marker``; a long one asks for (and echoes) hundreds of words."""
    member = kit.member("openai_chat_completion")
    model = kit.model("llm", "chat")
    if long:
        max_tokens = kit.session.profile.stream_max_tokens
        numbers = " ".join(str(n) for n in range(1, max_tokens // 4 + 1))
        text = f"{marker} Repeat these numbers, one per line, then say {marker}: {numbers}"
        return kit.request(member, {"model": model, "messages": [{"role": "user", "content": text}],
                                    "max_tokens": max_tokens, "stream": True})
    text = f"Reply with this token and nothing else: {marker}"
    return kit.request(member, {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": 32})


def _alone(kit: Kit, request: Any) -> Outcome:
    member = kit.member("openai_chat_completion")
    args, kwargs = request_arguments(member, request)
    return kit.call(member, *args, **kwargs)  # over HTTP, its answer's findings are judged too


@pytest.mark.checks(ANSWERED_ONCE, *CAPABILITY, *HTTP_ANSWER)
def test_concurrent_chats_are_answered_once(llama_kit: Kit, request: pytest.FixtureRequest) -> None:
    """stress.answered-once: N chats at once, each answered once (own id, no stranger's marker), none lost."""
    kit = llama_kit
    run = stress_run(kit, request.config)
    member = kit.member("openai_chat_completion")
    first = _alone(kit, _chat(kit, markers(1)[0]))
    if not first.succeeded:
        pytest.skip(f"a single chat is not answered ({first.describe_error()}): the inference suite judges that; "
                    "there is no answer to load")
    for number in run.rounds():
        sent = markers(run.profile.concurrency)
        calls = [request_arguments(member, _chat(kit, marker)) for marker in sent]
        batch = run.batch(member, calls, f"round {number + 1}")
        answered = batch.answered()
        values = {i: batch.outcomes[i].value for i in answered}
        problems = lost(batch, "chat")
        problems += crossed({i: chat_text(v) for i, v in values.items()}, sent)
        problems += repeated({i: field_of(v, "id") for i, v in values.items()}, "completion id")
        report(kit, ANSWERED_ONCE, problems, batch, "chat")


def _stream_problems(batch: Batch, sent: list[str]) -> tuple[list[str], list[str]]:
    """(cut short, answered twice or crossed) of a batch of streams."""
    incomplete, doubled = [], []
    texts, ids = {}, {}
    for index, outcome in enumerate(batch.outcomes):
        if not batch.finished[index]:
            if not batch.cut_by_cap:
                incomplete.append(f"stream {index} had {len(outcome.chunks or [])} chunks and no end after "
                                  f"{batch.deadline_s:g} s")
            continue
        if outcome.chunks is None:
            if outcome.error is None:
                incomplete.append(f"stream {index} returned {type(outcome.value).__name__}, not a stream")
            continue  # refused before streaming: lost() judges the kind of error
        facts = stream_facts(outcome.chunks)
        if outcome.error is not None:
            incomplete.append(f"stream {index} raised {outcome.describe_error()} after {len(outcome.chunks)} chunks")
        elif not facts.finished:
            incomplete.append(f"stream {index} ended after {len(outcome.chunks)} chunks without a finish_reason")
        if len(facts.ids) > 1:
            doubled.append(f"stream {index} carries chunks of {len(facts.ids)} completions {sorted(facts.ids)[:3]}")
        texts[index] = facts.text
        ids[index] = next(iter(facts.ids)) if len(facts.ids) == 1 else None
    doubled += crossed(texts, sent) + repeated(ids, "completion id")
    return incomplete, doubled


@pytest.mark.checks(STREAM_COMPLETE, ANSWERED_ONCE, *CAPABILITY, *HTTP_ANSWER, SSE_FRAMING)
def test_long_concurrent_streams_complete(llama_kit: Kit, request: pytest.FixtureRequest) -> None:
    """stress.stream-complete: a long stream alone, then several at once, each to its finish_reason."""
    kit = llama_kit
    run = stress_run(kit, request.config)
    member = kit.member("openai_chat_completion")
    first = _alone(kit, _chat(kit, markers(1)[0], long=True))
    if first.answer is not None and first.answer.not_implemented and first.chunks is None:
        kit.judge.not_implemented("streaming", first)
    if first.error is not None and first.chunks is None and first.answer is not None and first.answer.client_error:
        pytest.skip(f"a long stream ({run.profile.stream_max_tokens} max_tokens) alone is refused "
                    f"({first.describe_error()}), so concurrent long streams are not checked")
    alone = Batch([first], [first.timed_out is None], kit.put.gate.timeout_s, 0.0, first.timed_out)
    incomplete, _ = _stream_problems(alone, [""])
    kit.judge.check(not incomplete, STREAM_COMPLETE, f"a long stream alone did not run to its end: {incomplete[0]}"
                    if incomplete else "")
    for number in run.rounds():
        sent = markers(run.profile.stream_concurrency)
        calls = [request_arguments(member, _chat(kit, marker, long=True)) for marker in sent]
        batch = run.batch(member, calls, f"long streams, round {number + 1}")
        incomplete, doubled = _stream_problems(batch, sent)
        report(kit, STREAM_COMPLETE, incomplete, batch, "long streaming chat")
        report(kit, ANSWERED_ONCE, lost(batch, "streaming chat") + doubled, batch, "long streaming chat")

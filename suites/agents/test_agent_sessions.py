"""Agents suite (llama-stack 0.2): agents, their sessions, turns (plain and streamed) and steps.

The pre-split ``Agents`` protocol (llama_stack/apis/agents/agents.py of 0.2.14) addresses everything by
ids the provider hands out: an agent (``create_agent``), its sessions, a session's turns, a turn's
steps. Each test walks one branch of that tree and deletes what it made, so a persistent service is
left as found. Generations without these members (llama-stack-api 0.4 on) make every test here not
applicable (``Kit.member``). Objects are judged as the JSON a client reads (``as_json``), so the suite
runs the same in-process and over HTTP. The 0.2 server maps ``ValueError`` to 400, its one not-found
idiom, so an unknown id is judged by ``expect_not_found`` (any client error).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, ENDS
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.checks import CheckDef
from llama_conformance.validate import ids
from llama_conformance_suites.agents.checks import (
    AGENT,
    AGENT_NOT_FOUND,
    CASCADE,
    SESSION,
    STEP,
    TURN,
    TURN_START,
    TURN_STREAM,
    UNKNOWN_AGENT_ID,
)
from llama_conformance_suites.responses.helpers import as_json, chat_model, text_of

pytestmark = [pytest.mark.behavioral, pytest.mark.api("agents")]

INSTRUCTIONS = "Answer in one short sentence."
QUESTION = "Name one prime number."
EVENTS = (*ENDS, ids.STREAM_CHUNK_TYPE, ids.STREAM_CHUNK_SCHEMA, ids.STREAM_CHUNK_ROUNDTRIP, ids.STREAM_NONEMPTY)
_OPENS, _CLOSES = "step_start", "step_complete"
_ENDS_TURN = ("turn_complete", "turn_awaiting_input")


def _answer(kit: Kit, check: CheckDef, member: str, **payload: Any) -> Any:
    """``member(**payload)`` must answer validly (``check``); its value as JSON."""
    return as_json(kit, kit.answer(member, check, **payload))


def _config(kit: Kit) -> dict[str, Any]:
    return {"model": chat_model(kit), "instructions": INSTRUCTIONS, "name": "kit-agent"}


@contextmanager
def _agent(kit: Kit, check: CheckDef) -> Iterator[str]:
    """A new agent's id, deleted again afterwards (a test may have deleted it already)."""
    # create_agent's one parameter is the AgentConfig model: it is the request, as the router passes it
    agent_id = str(_answer(kit, check, "create_agent", **_config(kit)).get("agent_id"))
    try:
        yield agent_id
    finally:
        kit.ask("delete_agent", agent_id=agent_id)


def _session(kit: Kit, agent_id: str, check: CheckDef, name: str = "kit-session") -> str:
    return str(_answer(kit, check, "create_agent_session", agent_id=agent_id, session_name=name).get("session_id"))


def _ids(page: dict[str, Any], key: str) -> list[Any]:
    return [row.get(key) for row in page.get("data") or [] if isinstance(row, dict)]


def _turn(kit: Kit, agent_id: str, session_id: str, check: CheckDef) -> dict[str, Any]:
    """A plain (not streamed) turn asking ``QUESTION``, as JSON."""
    turn = _answer(kit, check, "create_agent_turn", agent_id=agent_id, session_id=session_id,
                   messages=[{"role": "user", "content": QUESTION}], stream=False)
    kit.judge.check(isinstance(turn, dict) and bool(turn.get("turn_id")), check, f"the turn answered {turn!r}.")
    return turn


def _same_turn(kit: Kit, got: Any, turn: dict[str, Any], how: str, check: CheckDef) -> None:
    """``got`` is ``turn`` as the provider keeps it: id, session, input, output and steps."""
    keys = ("turn_id", "session_id", "input_messages", "output_message", "steps")
    differ = [k for k in keys if not isinstance(got, dict) or got.get(k) != turn.get(k)]
    kit.judge.check(not differ, check, f"{how} differs from the turn created in {differ}: "
                                       f"{ {k: got.get(k) for k in differ} if isinstance(got, dict) else got!r}.")


def _unknown(kit: Kit, check: CheckDef, what: str, member: str, **payload: Any) -> None:
    expect_not_found(kit, kit.ask(member, **payload), check, what)


@pytest.mark.checks(AGENT, *ANSWER)
def test_agent_lifecycle(llama_kit: Kit) -> None:
    """agents.agent: create -> get (the config it was given) -> listed -> delete -> neither found nor listed."""
    kit = llama_kit
    with _agent(kit, AGENT) as agent_id:
        got = _answer(kit, AGENT, "get_agent", agent_id=agent_id)
        config = got.get("agent_config") or {}
        sent = _config(kit)
        differ = {k: config.get(k) for k, v in sent.items() if config.get(k) != v}
        kit.judge.check(got.get("agent_id") == agent_id and not differ, AGENT,
                        f"get_agent({agent_id}) answered agent_id={got.get('agent_id')!r} with config fields {differ}, "
                        f"not the {sent} it was created with.")
        listed = _ids(_answer(kit, AGENT, "list_agents"), "agent_id")
        kit.judge.check(agent_id in listed, AGENT, f"list_agents does not list {agent_id} (it lists {listed}).")
        kit.answer("delete_agent", AGENT, agent_id=agent_id)
        _unknown(kit, AGENT, "get_agent of a deleted agent", "get_agent", agent_id=agent_id)
        listed = _ids(_answer(kit, AGENT, "list_agents"), "agent_id")
        kit.judge.check(agent_id not in listed, AGENT, f"list_agents still lists {agent_id} after delete_agent.")


@pytest.mark.checks(AGENT, SESSION, *ANSWER)
def test_session_lifecycle(llama_kit: Kit) -> None:
    """agents.session: create -> get (its name, no turns) -> listed -> delete -> neither found nor listed."""
    kit = llama_kit
    with _agent(kit, AGENT) as agent_id:
        session_id = _session(kit, agent_id, SESSION, name="lifecycle")
        got = _answer(kit, SESSION, "get_agents_session", agent_id=agent_id, session_id=session_id)
        kit.judge.check((got.get("session_id"), got.get("session_name"), got.get("turns")) ==
                        (session_id, "lifecycle", []), SESSION,
                        f"get_agents_session answered session_id={got.get('session_id')!r}, "
                        f"session_name={got.get('session_name')!r}, turns={got.get('turns')!r}; due: {session_id!r}, "
                        "'lifecycle', [] (a new session).")
        listed = _ids(_answer(kit, SESSION, "list_agent_sessions", agent_id=agent_id), "session_id")
        kit.judge.check(session_id in listed, SESSION, f"list_agent_sessions does not list {session_id} ({listed}).")
        kit.answer("delete_agents_session", SESSION, agent_id=agent_id, session_id=session_id)
        _unknown(kit, SESSION, "get_agents_session of a deleted session", "get_agents_session",
                 agent_id=agent_id, session_id=session_id)
        listed = _ids(_answer(kit, SESSION, "list_agent_sessions", agent_id=agent_id), "session_id")
        kit.judge.check(session_id not in listed, SESSION,
                        f"list_agent_sessions still lists {session_id} after delete_agents_session.")


@pytest.mark.checks(AGENT, SESSION, TURN, *ANSWER)
def test_turn_answer(llama_kit: Kit) -> None:
    """agents.turn: a plain turn holds the message sent, an assistant answer and steps; kept as answered."""
    kit = llama_kit
    with _agent(kit, AGENT) as agent_id:
        session_id = _session(kit, agent_id, SESSION)
        turn = _turn(kit, agent_id, session_id, TURN)
        sent = [text_of(m.get("content")) for m in turn.get("input_messages") or [] if isinstance(m, dict)]
        output = turn.get("output_message") or {}
        kit.judge.check(turn.get("session_id") == session_id and sent == [QUESTION], TURN,
                        f"the turn says session_id={turn.get('session_id')!r} and input {sent}; due: {session_id!r} "
                        f"and [{QUESTION!r}].")
        kit.judge.check(output.get("role") == "assistant" and bool(text_of(output.get("content")).strip())
                        and bool(turn.get("steps")), TURN,
                        f"the turn's output message is {output!r} with {len(turn.get('steps') or [])} steps: an "
                        "assistant answer and the steps that made it are due.")
        got = _answer(kit, TURN, "get_agents_turn", agent_id=agent_id, session_id=session_id,
                      turn_id=turn["turn_id"])
        _same_turn(kit, got, turn, "get_agents_turn", TURN)
        session = _answer(kit, TURN, "get_agents_session", agent_id=agent_id, session_id=session_id)
        turns = [t for t in session.get("turns") or [] if isinstance(t, dict)]
        kit.judge.check(len(turns) == 1, TURN, f"get_agents_session holds {len(turns)} turns after one.")
        _same_turn(kit, turns[0], turn, "the session's turn", TURN)


def _event_problems(events: list[dict[str, Any]]) -> list[str]:
    """What breaks the turn's event grammar: steps closed as opened, one end, last (turn_start is
    agents.turn-start's: a SHOULD)."""
    kinds = [e.get("event_type") for e in events]
    problems = []
    if (kinds[-1:] and kinds[-1] not in _ENDS_TURN) or sum(k in _ENDS_TURN for k in kinds) != 1:
        problems.append(f"the stream does not end with exactly one of {_ENDS_TURN}: {kinds}")
    open_steps: dict[Any, Any] = {}
    for index, event in enumerate(events):
        kind, step = event.get("event_type"), event.get("step_id")
        if kind == _OPENS:
            open_steps[step] = event.get("step_type")
        elif kind == "step_progress" and step not in open_steps:
            problems.append(f"event {index}: step_progress of step {step!r}, which is not open")
        elif kind == _CLOSES:
            if open_steps.pop(step, None) != event.get("step_type"):
                problems.append(f"event {index}: step_complete of {step!r} ({event.get('step_type')}) closes no "
                                "step_start of that id and type")
            details = event.get("step_details") or {}
            if details.get("step_id") != step:
                problems.append(f"event {index}: step_complete of {step!r} details step {details.get('step_id')!r}")
    if open_steps:
        problems.append(f"steps {sorted(map(str, open_steps))} start but never complete")
    return problems


def _streamed_turn(kit: Kit, agent_id: str, session_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A streamed turn asking ``QUESTION`` (how every llama-stack client asks): its event payloads and
    the turn its last event carries, as JSON, judged under agents.turn-stream."""
    outcome = kit.ask("create_agent_turn", agent_id=agent_id, session_id=session_id,
                      messages=[{"role": "user", "content": QUESTION}], stream=True)
    kit.accept(outcome, "create_agent_turn", TURN_STREAM, stream=True)
    events = [(as_json(kit, chunk).get("event") or {}).get("payload") or {} for chunk in outcome.chunks or []]
    problems = _event_problems(events)
    kit.judge.check(not problems, TURN_STREAM, "; ".join(problems) + ".")
    turn = events[-1].get("turn") or {}
    started = [e.get("turn_id") for e in events if e.get("event_type") == "turn_start"]
    kit.judge.check(started == [turn.get("turn_id")] and events[0].get("event_type") == "turn_start", TURN_START,
                    f"the stream of turn {turn.get('turn_id')!r} opens with {events[0].get('event_type')!r} and "
                    f"starts turns {started}: one turn_start of that turn, first, is due.")
    return events, turn


@pytest.mark.checks(AGENT, SESSION, TURN_STREAM, TURN_START, *ANSWER, *EVENTS)
def test_turn_events(llama_kit: Kit) -> None:
    """agents.turn-stream: the event grammar holds, and the last event's turn is the one kept;
    agents.turn-start: it opens with the turn's turn_start."""
    kit = llama_kit
    with _agent(kit, AGENT) as agent_id:
        session_id = _session(kit, agent_id, SESSION)
        events, turn = _streamed_turn(kit, agent_id, session_id)
        steps = [e.get("step_details") for e in events if e.get("event_type") == _CLOSES]
        kit.judge.check(turn.get("steps") == steps, TURN_STREAM,
                        f"the final turn lists steps {turn.get('steps')!r}, not the {steps!r} the stream completed.")
        got = _answer(kit, TURN_STREAM, "get_agents_turn", agent_id=agent_id, session_id=session_id,
                      turn_id=turn.get("turn_id"))
        _same_turn(kit, got, turn, "get_agents_turn of the streamed turn", TURN_STREAM)


@pytest.mark.checks(AGENT, SESSION, TURN_STREAM, TURN_START, STEP, *ANSWER, *EVENTS)
def test_turn_steps(llama_kit: Kit) -> None:
    """agents.step: each listed step is found as listed; an unknown step id is a client error. The turn is
    streamed, as clients ask, so a provider without plain turns (agents.turn) is still judged here."""
    kit = llama_kit
    with _agent(kit, AGENT) as agent_id:
        session_id = _session(kit, agent_id, SESSION)
        turn = _streamed_turn(kit, agent_id, session_id)[1]
        where = {"agent_id": agent_id, "session_id": session_id, "turn_id": turn["turn_id"]}
        for step in turn.get("steps") or []:
            got = _answer(kit, STEP, "get_agents_step", step_id=step.get("step_id"), **where).get("step")
            kit.judge.check(got == step, STEP, f"get_agents_step({step.get('step_id')}) answered {got!r}, not the "
                                               f"step the turn lists ({step!r}).")
        _unknown(kit, STEP, "get_agents_step of an unknown step id", "get_agents_step", step_id=UNKNOWN_AGENT_ID,
                 **where)


def _unknown_ids(agent_id: str, session_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(what, member, payload) of every call naming an unknown agent, session or turn."""
    nobody = UNKNOWN_AGENT_ID
    for member, extra in (("get_agent", {}), ("delete_agent", {}), ("list_agent_sessions", {}),
                          ("create_agent_session", {"session_name": "x"}),
                          ("get_agents_session", {"session_id": session_id})):
        yield f"{member} of an unknown agent", member, {"agent_id": nobody, **extra}
    for member, extra in (("get_agents_session", {}), ("delete_agents_session", {}),
                          ("get_agents_turn", {"turn_id": nobody}),
                          ("create_agent_turn", {"messages": [{"role": "user", "content": QUESTION}],
                                                 "stream": True})):
        yield f"{member} of an unknown session", member, {"agent_id": agent_id, "session_id": nobody, **extra}
    yield ("get_agents_turn of an unknown turn", "get_agents_turn",
           {"agent_id": agent_id, "session_id": session_id, "turn_id": nobody})


@pytest.mark.checks(AGENT, SESSION, AGENT_NOT_FOUND, *ANSWER)
def test_unknown_agent_ids(llama_kit: Kit) -> None:
    """agents.agent-not-found: every member refuses an agent, session or turn id that names nothing."""
    kit = llama_kit
    with _agent(kit, AGENT) as agent_id:
        session_id = _session(kit, agent_id, SESSION)
        for what, member, payload in _unknown_ids(agent_id, session_id):
            _unknown(kit, AGENT_NOT_FOUND, what, member, **payload)


@pytest.mark.checks(AGENT, SESSION, TURN_STREAM, TURN_START, CASCADE, *ANSWER, *EVENTS)
def test_cascading_delete(llama_kit: Kit) -> None:
    """agents.delete-cascade: a deleted session's turns and a deleted agent's sessions are gone with it."""
    kit = llama_kit
    with _agent(kit, AGENT) as agent_id:
        dropped, kept = _session(kit, agent_id, SESSION, "dropped"), _session(kit, agent_id, SESSION, "kept")
        turn_id = _streamed_turn(kit, agent_id, dropped)[1].get("turn_id")
        kit.answer("delete_agents_session", SESSION, agent_id=agent_id, session_id=dropped)
        _unknown(kit, CASCADE, "get_agents_turn of a turn of a deleted session", "get_agents_turn",
                 agent_id=agent_id, session_id=dropped, turn_id=turn_id)
        kit.answer("delete_agent", AGENT, agent_id=agent_id)
        _unknown(kit, CASCADE, "get_agents_session of a session of a deleted agent", "get_agents_session",
                 agent_id=agent_id, session_id=kept)

"""Prompts API helpers for the suites: calls by payload, templates whose variables are declared.

A prompt's text may only use ``{{ name }}`` placeholders it declares in ``variables`` (the
``Prompt`` model rejects the rest), so drawn templates are built from declared names.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.conversations import call

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="{}"),
                min_size=1, max_size=30)
UNKNOWN_PROMPT_ID = "pmpt_" + "0" * 48


@st.composite
def templates(draw: Any) -> tuple[str, list[str]]:
    """(prompt text, variables) with every placeholder declared, and maybe unused variables."""
    names = draw(st.lists(NAMES, max_size=3, unique=True))
    used = [n for n in names if draw(st.booleans())]
    text = draw(WORDS) + "".join(f" {{{{ {n} }}}} {draw(WORDS)}" for n in used)
    return text, names


def list_prompts(kit: Kit) -> Any:
    """``list_prompts()`` takes no request, so it is called bare (wire findings still judged)."""
    outcome = kit.call(kit.member("list_prompts"))
    if kit.put.over_http:
        kit.judge.take(kit.put.wire.drain())
    return outcome


CREATE = "prompts.create"


def create_prompt(kit: Kit, text: str, variables: list[str], check_id: str = CREATE) -> Any:
    """A new prompt, or the test fails under ``check_id``: ``prompts.create``, the check of this step,
    whichever test needs the prompt (its own checks are then not judged); a state machine, which
    judges every step as one sequence, passes its own."""
    outcome = call(kit, "create_prompt", prompt=text, variables=variables)
    kit.judge.answered(outcome, check_id)
    kit.validate(outcome, kit.member("create_prompt"), expect_stream=False, check_id=check_id)
    return outcome.value


def delete_prompt(kit: Kit, prompt_id: str) -> Any:
    return call(kit, "delete_prompt", prompt_id=prompt_id)


def versions(kit: Kit, prompt_id: str, check_id: str) -> list[Any]:
    outcome = call(kit, "list_prompt_versions", prompt_id=prompt_id)
    kit.judge.answered(outcome, check_id)
    kit.validate(outcome, kit.member("list_prompt_versions"), expect_stream=False, check_id=check_id)
    return list(outcome.value.data)

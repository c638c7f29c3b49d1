"""Prompts API helpers for the suites: calls by payload, templates whose variables are declared.

A prompt's text may only use ``{{ name }}`` placeholders it declares in ``variables`` (the
``Prompt`` model rejects the rest), so drawn templates are built from declared names.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.checks import CheckDef
from llama_conformance.strategies.alphabet import WIRE_CHARACTERS
from llama_conformance_suites.prompts.checks import CREATE

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True, alphabet=WIRE_CHARACTERS)
WORDS = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="{}"),
                min_size=1, max_size=30)


@st.composite
def templates(draw: Any) -> tuple[str, list[str]]:
    """(prompt text, variables) with every placeholder declared, and maybe unused variables."""
    names = draw(st.lists(NAMES, max_size=3, unique=True))
    used = [n for n in names if draw(st.booleans())]
    text = draw(WORDS) + "".join(f" {{{{ {n} }}}} {draw(WORDS)}" for n in used)
    return text, names


def list_prompts(kit: Kit) -> Any:
    """``list_prompts()`` takes no request, so it is called bare."""
    return kit.call(kit.member("list_prompts"))


def create_prompt(kit: Kit, text: str, variables: list[str], check: CheckDef = CREATE) -> Any:
    """A new prompt, or the test fails under ``check``: ``CREATE``, the check of this step,
    whichever test needs the prompt (its own checks are then not judged); a state machine, which
    judges every step as one sequence, passes its own."""
    return kit.answer("create_prompt", check, prompt=text, variables=variables)


def delete_prompt(kit: Kit, prompt_id: str) -> Any:
    return kit.ask("delete_prompt", prompt_id=prompt_id)


def versions(kit: Kit, prompt_id: str, check: CheckDef) -> list[Any]:
    return list(kit.answer("list_prompt_versions", check, prompt_id=prompt_id).data)

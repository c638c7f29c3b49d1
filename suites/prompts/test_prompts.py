"""Prompts suite: create / get / list, versions (update, list, default), delete, and the
negative contract (unknown prompt ids and versions).

Each test names the checks it makes (``checks.py`` beside this file). Prompts the tests create
are deleted again, so a persistent service is left as found. Unknown prompt ids are the shared
negative table's row (``WING.unknown_ids``); unknown versions of a real prompt are judged here.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.checks import CheckDef
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.prompts.checks import (
    ANSWER_DEFAULT,
    CREATE,
    DEFAULT,
    DELETE,
    GET,
    LIST,
    NOT_FOUND,
    VERSIONS,
    VERSIONS_STALE,
)
from llama_conformance_suites.prompts.helpers import create_prompt, delete_prompt, list_prompts, templates, versions

pytestmark = [pytest.mark.behavioral, pytest.mark.api("prompts")]


def _get(kit: Kit, prompt_id: str, check: CheckDef, version: int | None = None) -> Any:
    return kit.answer("get_prompt", check, prompt_id=prompt_id, **({"version": version} if version else {}))


def _listed(kit: Kit, check: CheckDef) -> dict[str, Any]:
    listed = kit.accept(list_prompts(kit), "list_prompts", check)
    ids = [p.prompt_id for p in listed.data]
    kit.judge.check(len(ids) == len(set(ids)), check, f"list_prompts lists a prompt more than once: {ids}.")
    return {p.prompt_id: p for p in listed.data}


@pytest.mark.checks(CREATE, GET, LIST, ANSWER_DEFAULT, *ANSWER)
def test_create_get_list(llama_kit: Kit) -> None:
    """prompts.create over drawn templates; get and list_prompts show what was created."""
    kit = llama_kit
    seen: set[str] = set()

    def body(template: tuple[str, list[str]]) -> None:
        text, variables = template
        created = create_prompt(kit, text, variables)
        try:
            kit.judge.check(created.prompt_id not in seen, CREATE,
                            f"create answered prompt_id {created.prompt_id!r} a second time.")
            seen.add(created.prompt_id)
            kit.judge.check(created.version == 1, CREATE,
                            f"create answered version={created.version}; a new prompt is version 1.")
            kit.judge.check(created.is_default is True, ANSWER_DEFAULT,
                            "create answered is_default=False, but a new prompt's only version is its default "
                            "(get_prompt says so).")
            kit.judge.check(created.prompt == text and sorted(created.variables) == sorted(variables),
                            CREATE, f"create answered {created.prompt!r} {created.variables!r}, "
                            f"{text!r} {variables!r} was sent.")
            for version in (None, 1):
                got = _get(kit, created.prompt_id, GET, version)
                kit.judge.check((got.prompt, got.version, sorted(got.variables)) ==
                                (text, 1, sorted(variables)), GET,
                                f"get(version={version}) answered {got.prompt!r} v{got.version}, create stored "
                                f"{text!r} v1.")
            listed = _listed(kit, LIST)
            kit.judge.check(created.prompt_id in listed and listed[created.prompt_id].version == 1, LIST,
                            f"list_prompts does not list {created.prompt_id} at version 1.")
        finally:
            delete_prompt(kit, created.prompt_id)

    kit.examples(templates(), body, label="template")


@pytest.mark.checks(CREATE, VERSIONS, ANSWER_DEFAULT, VERSIONS_STALE, DEFAULT, TYPED_ERROR, *ANSWER)
def test_versions_and_default(llama_kit: Kit) -> None:
    """Updates add versions 2..n; the default follows set_as_default and set_default_version."""
    kit = llama_kit

    def body(example: tuple) -> None:
        first, updates = example
        created = create_prompt(kit, *first)
        prompt_id = created.prompt_id
        texts = [first[0]]
        default = 1
        try:
            for (text, variables), as_default in updates:
                answer = kit.answer("update_prompt", VERSIONS, prompt_id=prompt_id, prompt=text, variables=variables,
                                    version=len(texts), set_as_default=as_default)
                texts.append(text)
                default = len(texts) if as_default else default
                kit.judge.check(answer.version == len(texts) and answer.prompt == text, VERSIONS,
                                f"update {len(texts) - 1} answered v{answer.version} {answer.prompt!r}; "
                                f"v{len(texts)} {text!r} is due.")
                kit.judge.check(answer.is_default is as_default, ANSWER_DEFAULT,
                                f"update with set_as_default={as_default} answered is_default={answer.is_default}.")
            listed = versions(kit, prompt_id, VERSIONS)
            kit.judge.check([p.version for p in listed] == list(range(1, len(texts) + 1)), VERSIONS,
                            f"list_prompt_versions lists {[p.version for p in listed]}, versions 1.."
                            f"{len(texts)} exist.")
            kit.judge.check([p.prompt for p in listed] == texts, VERSIONS,
                            "list_prompt_versions texts differ from the texts stored.")
            defaults = [p.version for p in listed if p.is_default]
            kit.judge.check(defaults == [default], DEFAULT,
                            f"versions marked default: {defaults}; v{default} is the default.")
            for version, text in enumerate(texts, 1):
                got = _get(kit, prompt_id, VERSIONS, version)
                kit.judge.check(got.version == version and got.prompt == text, VERSIONS,
                                f"get(version={version}) answered v{got.version} {got.prompt!r}.")
            if len(texts) > 1:
                stale = kit.ask("update_prompt", prompt_id=prompt_id, prompt="stale", version=1)
                kit.judge.no_hang(stale)
                kit.judge.typed_rejection(stale)
                kit.judge.check(stale.error is not None, VERSIONS_STALE,
                                f"update naming version 1 of {len(texts)} succeeded.")
                if stale.error is None:
                    texts.append("stale")
            target = 1 if default != 1 else len(texts)
            answer = kit.answer("set_default_version", DEFAULT, prompt_id=prompt_id, version=target)
            kit.judge.check(answer.version == target, DEFAULT,
                            f"set_default_version({target}) answered v{answer.version}.")
            got = _get(kit, prompt_id, DEFAULT)
            kit.judge.check(got.version == target, DEFAULT,
                            f"after set_default_version({target}), get() answers v{got.version}.")
            kit.judge.check(got.is_default is True, ANSWER_DEFAULT,
                            f"get() answers the default v{target} with is_default=False.")
            listed_default = _listed(kit, DEFAULT).get(prompt_id)
            kit.judge.check(listed_default is not None and listed_default.version == target, DEFAULT,
                            f"after set_default_version({target}), list_prompts shows "
                            f"v{getattr(listed_default, 'version', None)}.")
            marked = [p.version for p in versions(kit, prompt_id, DEFAULT) if p.is_default]
            kit.judge.check(marked == [target], DEFAULT,
                            f"after set_default_version({target}), versions marked default: {marked}.")
        finally:
            delete_prompt(kit, prompt_id)

    updates = st.lists(st.tuples(templates(), st.booleans()), min_size=1, max_size=3)
    kit.examples(st.tuples(templates(), updates), body, label="versions")


@pytest.mark.checks(CREATE, DELETE, *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """Delete removes every version: get, get(version), versions and list no longer show it."""
    kit = llama_kit
    created = create_prompt(kit, "to be deleted", [])
    kit.judge.answered(kit.ask("update_prompt", prompt_id=created.prompt_id, prompt="v2", version=1), DELETE)
    kit.accept(delete_prompt(kit, created.prompt_id), "delete_prompt", DELETE)
    kit.judge.check(created.prompt_id not in _listed(kit, DELETE), DELETE,
                    f"{created.prompt_id} is still listed after delete.")
    for what, after in (
        ("get_prompt", kit.ask("get_prompt", prompt_id=created.prompt_id)),
        ("get_prompt(version=2)", kit.ask("get_prompt", prompt_id=created.prompt_id, version=2)),
        ("list_prompt_versions", kit.ask("list_prompt_versions", prompt_id=created.prompt_id)),
        ("delete_prompt", delete_prompt(kit, created.prompt_id)),
    ):
        expect_not_found(kit, after, DELETE, f"{what} of a deleted prompt")


@pytest.mark.checks(CREATE, NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_versions(llama_kit: Kit) -> None:
    """prompts.not-found: versions a real prompt does not have (its unknown ids: the negative table)."""
    kit = llama_kit
    created = create_prompt(kit, "present", [])
    try:
        for member in ("get_prompt", "set_default_version"):
            outcome = kit.ask(member, prompt_id=created.prompt_id, version=7)
            expect_not_found(kit, outcome, NOT_FOUND, f"{member} of unknown version 7")
    finally:
        delete_prompt(kit, created.prompt_id)

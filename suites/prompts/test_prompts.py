"""Prompts suite: create / get / list, versions (update, list, default), delete, and the
negative contract (unknown prompt ids and versions).

Each test names the checks it makes (``llama_conformance.behaviour.plan_prompts``). Prompts
the tests create are deleted again, so a persistent service is left as found.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.conversations import call
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.behaviour.prompts import (
    UNKNOWN_PROMPT_ID,
    create_prompt,
    delete_prompt,
    list_prompts,
    templates,
    versions,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("prompts")]


def _get(kit: Kit, prompt_id: str, check_id: str, version: int | None = None) -> Any:
    outcome = call(kit, "get_prompt", prompt_id=prompt_id, **({"version": version} if version else {}))
    kit.judge.answered(outcome, check_id)
    kit.validate(outcome, kit.member("get_prompt"), expect_stream=False, check_id=check_id)
    return outcome.value


def _listed(kit: Kit, check_id: str) -> dict[str, Any]:
    outcome = list_prompts(kit)
    kit.judge.answered(outcome, check_id)
    kit.validate(outcome, kit.member("list_prompts"), expect_stream=False, check_id=check_id)
    ids = [p.prompt_id for p in outcome.value.data]
    kit.judge.check(len(ids) == len(set(ids)), check_id, f"list_prompts lists a prompt more than once: {ids}.")
    return {p.prompt_id: p for p in outcome.value.data}


@pytest.mark.checks("prompts.create", "prompts.get", "prompts.list", "prompts.answer-default", *ANSWER)
def test_create_get_list(llama_kit: Kit) -> None:
    """prompts.create over drawn templates; get and list_prompts show what was created."""
    kit = llama_kit
    seen: set[str] = set()

    def body(template: tuple[str, list[str]]) -> None:
        text, variables = template
        created = create_prompt(kit, text, variables)
        try:
            kit.judge.check(created.prompt_id not in seen, "prompts.create",
                            f"create answered prompt_id {created.prompt_id!r} a second time.")
            seen.add(created.prompt_id)
            kit.judge.check(created.version == 1, "prompts.create",
                            f"create answered version={created.version}; a new prompt is version 1.")
            kit.judge.check(created.is_default is True, "prompts.answer-default",
                            "create answered is_default=False, but a new prompt's only version is its default "
                            "(get_prompt says so).")
            kit.judge.check(created.prompt == text and sorted(created.variables) == sorted(variables),
                            "prompts.create", f"create answered {created.prompt!r} {created.variables!r}, "
                            f"{text!r} {variables!r} was sent.")
            for version in (None, 1):
                got = _get(kit, created.prompt_id, "prompts.get", version)
                kit.judge.check((got.prompt, got.version, sorted(got.variables)) ==
                                (text, 1, sorted(variables)), "prompts.get",
                                f"get(version={version}) answered {got.prompt!r} v{got.version}, create stored "
                                f"{text!r} v1.")
            listed = _listed(kit, "prompts.list")
            kit.judge.check(created.prompt_id in listed and listed[created.prompt_id].version == 1, "prompts.list",
                            f"list_prompts does not list {created.prompt_id} at version 1.")
        finally:
            delete_prompt(kit, created.prompt_id)

    kit.examples(templates(), body, label="template")


@pytest.mark.checks("prompts.versions", "prompts.answer-default", "prompts.versions.stale", "prompts.default",
                    *ANSWER)
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
                outcome = call(kit, "update_prompt", prompt_id=prompt_id, prompt=text, variables=variables,
                               version=len(texts), set_as_default=as_default)
                kit.judge.answered(outcome, "prompts.versions")
                kit.validate(outcome, kit.member("update_prompt"), expect_stream=False, check_id="prompts.versions")
                texts.append(text)
                default = len(texts) if as_default else default
                answer = outcome.value
                kit.judge.check(answer.version == len(texts) and answer.prompt == text, "prompts.versions",
                                f"update {len(texts) - 1} answered v{answer.version} {answer.prompt!r}; "
                                f"v{len(texts)} {text!r} is due.")
                kit.judge.check(answer.is_default is as_default, "prompts.answer-default",
                                f"update with set_as_default={as_default} answered is_default={answer.is_default}.")
            listed = versions(kit, prompt_id, "prompts.versions")
            kit.judge.check([p.version for p in listed] == list(range(1, len(texts) + 1)), "prompts.versions",
                            f"list_prompt_versions lists {[p.version for p in listed]}, versions 1.."
                            f"{len(texts)} exist.")
            kit.judge.check([p.prompt for p in listed] == texts, "prompts.versions",
                            "list_prompt_versions texts differ from the texts stored.")
            defaults = [p.version for p in listed if p.is_default]
            kit.judge.check(defaults == [default], "prompts.default",
                            f"versions marked default: {defaults}; v{default} is the default.")
            for version, text in enumerate(texts, 1):
                got = _get(kit, prompt_id, "prompts.versions", version)
                kit.judge.check(got.version == version and got.prompt == text, "prompts.versions",
                                f"get(version={version}) answered v{got.version} {got.prompt!r}.")
            if len(texts) > 1:
                stale = call(kit, "update_prompt", prompt_id=prompt_id, prompt="stale", version=1)
                kit.judge.no_hang(stale)
                kit.judge.typed_rejection(stale)
                kit.judge.check(stale.error is not None, "prompts.versions.stale",
                                f"update naming version 1 of {len(texts)} succeeded.")
                if stale.error is None:
                    texts.append("stale")
            target = 1 if default != 1 else len(texts)
            outcome = call(kit, "set_default_version", prompt_id=prompt_id, version=target)
            kit.judge.answered(outcome, "prompts.default")
            kit.validate(outcome, kit.member("set_default_version"), expect_stream=False,
                         check_id="prompts.default")
            kit.judge.check(outcome.value.version == target, "prompts.default",
                            f"set_default_version({target}) answered v{outcome.value.version}.")
            got = _get(kit, prompt_id, "prompts.default")
            kit.judge.check(got.version == target, "prompts.default",
                            f"after set_default_version({target}), get() answers v{got.version}.")
            kit.judge.check(got.is_default is True, "prompts.answer-default",
                            f"get() answers the default v{target} with is_default=False.")
            listed_default = _listed(kit, "prompts.default").get(prompt_id)
            kit.judge.check(listed_default is not None and listed_default.version == target, "prompts.default",
                            f"after set_default_version({target}), list_prompts shows "
                            f"v{getattr(listed_default, 'version', None)}.")
            marked = [p.version for p in versions(kit, prompt_id, "prompts.default") if p.is_default]
            kit.judge.check(marked == [target], "prompts.default",
                            f"after set_default_version({target}), versions marked default: {marked}.")
        finally:
            delete_prompt(kit, prompt_id)

    updates = st.lists(st.tuples(templates(), st.booleans()), min_size=1, max_size=3)
    kit.examples(st.tuples(templates(), updates), body, label="versions")


@pytest.mark.checks("prompts.delete", *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """Delete removes every version: get, get(version), versions and list no longer show it."""
    kit = llama_kit
    created = create_prompt(kit, "to be deleted", [])
    update = call(kit, "update_prompt", prompt_id=created.prompt_id, prompt="v2", version=1)
    kit.judge.answered(update, "prompts.delete")
    outcome = delete_prompt(kit, created.prompt_id)
    kit.judge.answered(outcome, "prompts.delete")
    kit.validate(outcome, kit.member("delete_prompt"), expect_stream=False, check_id="prompts.delete")
    kit.judge.check(created.prompt_id not in _listed(kit, "prompts.delete"), "prompts.delete",
                    f"{created.prompt_id} is still listed after delete.")
    for what, after in (
        ("get_prompt", call(kit, "get_prompt", prompt_id=created.prompt_id)),
        ("get_prompt(version=2)", call(kit, "get_prompt", prompt_id=created.prompt_id, version=2)),
        ("list_prompt_versions", call(kit, "list_prompt_versions", prompt_id=created.prompt_id)),
        ("delete_prompt", delete_prompt(kit, created.prompt_id)),
    ):
        expect_not_found(kit, after, "prompts.delete", f"{what} of a deleted prompt")


UNKNOWN_IDS = st.one_of(st.just(UNKNOWN_PROMPT_ID),
                        st.text(st.characters(min_codepoint=97, max_codepoint=102), min_size=48, max_size=48)
                        .map(lambda s: f"pmpt_{s}"))


@pytest.mark.checks("prompts.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_ids(llama_kit: Kit) -> None:
    """prompts.not-found: unknown prompt ids for every member, unknown versions of a real prompt."""
    kit = llama_kit

    def body(prompt_id: str) -> None:
        for what, outcome in (
            ("get_prompt", call(kit, "get_prompt", prompt_id=prompt_id)),
            ("list_prompt_versions", call(kit, "list_prompt_versions", prompt_id=prompt_id)),
            ("update_prompt", call(kit, "update_prompt", prompt_id=prompt_id, prompt="x", version=1)),
            ("set_default_version", call(kit, "set_default_version", prompt_id=prompt_id, version=1)),
            ("delete_prompt", delete_prompt(kit, prompt_id)),
        ):
            expect_not_found(kit, outcome, "prompts.not-found", f"{what}({prompt_id!r})")

    kit.examples(UNKNOWN_IDS, body, label="prompt_id")
    created = create_prompt(kit, "present", [])
    try:
        for member in ("get_prompt", "set_default_version"):
            outcome = call(kit, member, prompt_id=created.prompt_id, version=7)
            expect_not_found(kit, outcome, "prompts.not-found", f"{member} of unknown version 7")
    finally:
        delete_prompt(kit, created.prompt_id)

"""Skills suite: create / get / list, versions and the default, content, deletes, bad bundles and
unknown ids.

Each test names the checks it makes (``checks.py`` beside this file). Skills the tests create are
deleted again, so a persistent service is left as found; lists are judged on the skills a test
made (a shared service may hold others).
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.behaviour.stress import gather
from llama_conformance.checks import CheckDef
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.skills.checks import (
    BAD_BUNDLE,
    CONTENT,
    CREATE,
    DEFAULT,
    DELETE,
    GET,
    LIST,
    NOT_FOUND,
    UNKNOWN_SKILL_ID,
    VERSION_DELETE,
    VERSION_FRESH,
    VERSIONS,
    VERSIONS_AT_ONCE,
)
from llama_conformance_suites.skills.helpers import (
    add_version,
    arguments,
    bundle,
    call,
    content_of,
    create_skill,
    delete,
    listing,
    new_skill,
    update,
    upload,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("skills")]


def _get(kit: Kit, skill_id: str, check: CheckDef) -> Any:
    return kit.accept(call(kit, "get_skill", skill_id), "get_skill", check)


def _versions(kit: Kit, skill_id: str, check: CheckDef, **payload: Any) -> list[Any]:
    return list(kit.accept(listing(kit, "list_skill_versions", skill_id, **payload), "list_skill_versions",
                           check).data)


def _content(kit: Kit, skill_id: str, check: CheckDef, version: str | None = None) -> bytes:
    if version is None:
        return content_of(kit, call(kit, "get_skill_content", skill_id), check, "get_skill_content")
    outcome = call(kit, "get_skill_version_content", skill_id, version)
    return content_of(kit, outcome, check, f"get_skill_version_content(version={version})")


def _all_skills(kit: Kit, check: CheckDef, **payload: Any) -> list[Any]:
    """Every listed skill, page by page (limit 100, the contract's largest), with the page links judged."""
    skills: list[Any] = []
    after = None
    for _ in range(1000):
        page = kit.accept(listing(kit, "list_skills", **payload, **({"after": after} if after else {})),
                          "list_skills", check)
        skills += page.data
        if not page.has_more or not page.data:
            break
        after = page.data[-1].id
    return skills


@pytest.mark.checks(CREATE, GET, *ANSWER)
def test_create_get(llama_kit: Kit) -> None:
    """skills.create: a fresh id, the manifest's name and description, version 1; get answers it back."""
    kit = llama_kit
    made: list[str] = []
    try:
        for name, description in (("kit-skill-a", "Adds numbers."), ("kit-skill-b", "Reads: colons, quotes ''.")):
            skill, _ = new_skill(kit, name, description)
            made.append(skill.id)
            kit.judge.check(made.count(skill.id) == 1, CREATE, f"create answered id {skill.id!r} a second time.")
            kit.judge.check((skill.name, skill.description) == (name, description), CREATE,
                            f"create answered name={skill.name!r} description={skill.description!r}; SKILL.md says "
                            f"{name!r} {description!r}.")
            kit.judge.check((skill.default_version, skill.latest_version) == ("1", "1"), CREATE,
                            f"create answered default_version={skill.default_version!r} latest_version="
                            f"{skill.latest_version!r}; a new skill's only version is '1'.")
            got = _get(kit, skill.id, GET)
            kit.judge.check(got.model_dump() == skill.model_dump(), GET,
                            f"get_skill answered {got.model_dump()}, create answered {skill.model_dump()}.")
    finally:
        for skill_id in made:
            delete(kit, skill_id)


@pytest.mark.checks(CREATE, LIST, *ANSWER)
def test_list(llama_kit: Kit) -> None:
    """skills.list: each skill once, created_at order as asked (desc by default), pages of 1 walk it once."""
    kit = llama_kit
    made = [new_skill(kit, f"kit-list-{n}")[0].id for n in range(3)]
    try:
        for order in (None, "desc", "asc"):
            payload = {"order": order} if order else {}
            listed = _all_skills(kit, LIST, limit=100, **payload)
            ids = [s.id for s in listed]
            kit.judge.check(len(ids) == len(set(ids)), LIST, f"list_skills(order={order}) lists a skill twice.")
            kit.judge.check(set(made) <= set(ids), LIST,
                            f"list_skills(order={order}) leaves out {sorted(set(made) - set(ids))}.")
            stamps = [s.created_at for s in listed]
            wanted = sorted(stamps, reverse=order != "asc")
            kit.judge.check(stamps == wanted, LIST,
                            f"list_skills(order={order or 'default'}) is not sorted by created_at "
                            f"{'ascending' if order == 'asc' else 'descending'}: {stamps}.")
            walked = _all_skills(kit, LIST, limit=1, **payload)
            kit.judge.check([s.id for s in walked] == ids, LIST,
                            f"pages of 1 (after = the last id) walk {[s.id for s in walked]}, one page of 100 "
                            f"lists {ids}.")
        first = kit.accept(listing(kit, "list_skills", limit=1), "list_skills", LIST)
        kit.judge.check(len(first.data) == 1 and first.has_more is True, LIST,
                        f"list_skills(limit=1) of {len(made)}+ skills answered {len(first.data)} skills, "
                        f"has_more={first.has_more}.")
    finally:
        for skill_id in made:
            delete(kit, skill_id)


@pytest.mark.checks(CREATE, GET, VERSIONS, DEFAULT, CONTENT, TYPED_ERROR, *ANSWER)
def test_versions_and_default(llama_kit: Kit) -> None:
    """Versions 2 and 3 (3 as default), update_skill back to 1; get, list and content follow each step."""
    kit = llama_kit
    skill, first = new_skill(kit, "kit-versions", "v1")
    bundles = {"1": first}
    try:
        kit.judge.check(_content(kit, skill.id, CONTENT) == first, CONTENT,
                        "get_skill_content of a new skill is not the bundle uploaded.")
        for number, as_default in (("2", False), ("3", True)):
            bundles[number] = bundle("kit-versions", f"v{number}")
            answer = kit.accept(add_version(kit, skill.id, bundles[number], default=as_default),
                                "create_skill_version", VERSIONS)
            kit.judge.check((answer.version, answer.skill_id, answer.description) ==
                            (number, skill.id, f"v{number}"), VERSIONS,
                            f"create_skill_version answered version={answer.version!r} skill_id={answer.skill_id!r} "
                            f"description={answer.description!r}; version {number!r} of {skill.id} is due.")
            got = _get(kit, skill.id, GET)
            default = number if as_default else "1"
            kit.judge.check(got.latest_version == number, VERSIONS,
                            f"after uploading version {number}, get_skill says latest_version={got.latest_version!r}.")
            kit.judge.check(got.default_version == default, VERSIONS,
                            f"after uploading version {number} with default={as_default}, get_skill says "
                            f"default_version={got.default_version!r}; {default!r} is due.")
            kit.judge.check(_content(kit, skill.id, CONTENT) == bundles[default], CONTENT,
                            f"get_skill_content does not answer the default version {default}'s bundle.")
        listed = _versions(kit, skill.id, VERSIONS)
        kit.judge.check([v.version for v in listed] == ["3", "2", "1"], VERSIONS,
                        f"list_skill_versions (desc by default) lists {[v.version for v in listed]}, not 3, 2, 1.")
        walked, after = [], None
        for _ in range(len(listed) + 1):  # pages of one, ``after`` = the last version's id
            page = kit.accept(listing(kit, "list_skill_versions", skill.id, limit=1,
                                      **({"after": after} if after else {})), "list_skill_versions", VERSIONS)
            walked += [v.version for v in page.data]
            if not page.has_more or not page.data:
                break
            after = page.data[-1].id
        kit.judge.check(walked == ["3", "2", "1"], VERSIONS,
                        f"list_skill_versions in pages of 1 (after = the last id) walks {walked}, not 3, 2, 1.")
        ascending = _versions(kit, skill.id, VERSIONS, order="asc")
        kit.judge.check([v.version for v in ascending] == ["1", "2", "3"], VERSIONS,
                        f"list_skill_versions(order=asc) lists {[v.version for v in ascending]}.")
        for number, content in bundles.items():
            one = kit.accept(call(kit, "get_skill_version", skill.id, number), "get_skill_version", VERSIONS)
            kit.judge.check((one.version, one.skill_id) == (number, skill.id), VERSIONS,
                            f"get_skill_version({number}) answered version {one.version!r} of {one.skill_id!r}.")
            kit.judge.check(_content(kit, skill.id, CONTENT, number) == content, CONTENT,
                            f"get_skill_version_content({number}) is not version {number}'s bundle.")
        answer = kit.accept(update(kit, skill.id, "1"), "update_skill", DEFAULT)
        kit.judge.check(answer.default_version == "1", DEFAULT,
                        f"update_skill(default_version='1') answered default_version={answer.default_version!r}.")
        kit.judge.check(_get(kit, skill.id, GET).default_version == "1", DEFAULT,
                        "after update_skill(default_version='1'), get_skill names another default.")
        kit.judge.check(_content(kit, skill.id, CONTENT) == first, CONTENT,
                        "after update_skill(default_version='1'), get_skill_content is not version 1's bundle.")
        refused = update(kit, skill.id, "9")
        kit.judge.no_hang(refused)
        kit.judge.typed_rejection(refused)
        kit.judge.check(refused.error is not None, DEFAULT, "update_skill(default_version='9') of a skill with "
                                                            "versions 1-3 succeeded.")
    finally:
        delete(kit, skill.id)


@pytest.mark.checks(CREATE, VERSIONS_AT_ONCE, *ANSWER)
def test_versions_at_once(llama_kit: Kit) -> None:
    """skills.versions.at-once: three uploads started together are three versions, each with its own bundle.

    A client (or two) may upload while another upload is under way; numbering by a read of
    ``latest_version`` that another upload has not written yet gives two bundles one number.
    """
    kit = llama_kit
    skill, _ = new_skill(kit, "kit-at-once")
    try:
        member = kit.member("create_skill_version")
        bundles = [bundle("kit-at-once", f"at once {n}") for n in range(3)]
        calls = [((), arguments(kit, member.name, skill.id, kit.request(member, {}), upload(content)))
                 for content in bundles]
        batch = gather(kit, member, calls, "skill versions", deadline=kit.put.gate.timeout_s)
        for outcome in batch.outcomes:
            kit.judge.answered(outcome, VERSIONS_AT_ONCE)
        numbers = [o.value.version for o in batch.outcomes]
        kit.judge.check(len(set(numbers)) == len(numbers), VERSIONS_AT_ONCE,
                        f"{len(numbers)} create_skill_version calls at once answered versions {numbers}: "
                        "several bundles under one number, all but one of them lost.")
        listed = sorted(v.version for v in _versions(kit, skill.id, VERSIONS_AT_ONCE))
        kit.judge.check(listed == sorted(["1", *numbers]), VERSIONS_AT_ONCE,
                        f"after uploading versions {numbers} at once, list_skill_versions lists {listed}.")
        for number, content in zip(numbers, bundles, strict=True):
            kit.judge.check(_content(kit, skill.id, VERSIONS_AT_ONCE, number) == content, VERSIONS_AT_ONCE,
                            f"get_skill_version_content({number}) is not the bundle uploaded as version {number}.")
    finally:
        delete(kit, skill.id)


@pytest.mark.checks(CREATE, DELETE, *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """skills.delete: answered deleted=true; the skill, its versions and content are gone everywhere."""
    kit = llama_kit
    skill, _ = new_skill(kit, "kit-delete")
    kit.judge.answered(add_version(kit, skill.id, bundle("kit-delete")), DELETE)
    answer = kit.accept(delete(kit, skill.id), "delete_skill", DELETE)
    kit.judge.check((answer.id, answer.deleted) == (skill.id, True), DELETE,
                    f"delete_skill answered id={answer.id!r} deleted={answer.deleted!r}.")
    kit.judge.check(skill.id not in {s.id for s in _all_skills(kit, DELETE, limit=100)}, DELETE,
                    f"{skill.id} is still listed after delete_skill.")
    for what, args in (("get_skill", ()), ("list_skill_versions", None), ("get_skill_content", ()),
                       ("get_skill_version", ("2",)), ("get_skill_version_content", ("1",)), ("delete_skill", ())):
        after = listing(kit, what, skill.id) if args is None else call(kit, what, skill.id, *args)
        expect_not_found(kit, after, DELETE, f"{what} of a deleted skill")


@pytest.mark.checks(CREATE, VERSION_DELETE, VERSION_FRESH, *ANSWER)
def test_version_delete(llama_kit: Kit) -> None:
    """Deleting the default and latest version 3 leaves 1-2, points both at one that exists, and the next
    upload is not numbered 3 again (SHOULD)."""
    kit = llama_kit
    skill, _ = new_skill(kit, "kit-version-delete")
    try:
        for _n in range(2):
            kit.judge.answered(add_version(kit, skill.id, bundle("kit-version-delete"), default=True), VERSION_DELETE)
        answer = kit.accept(call(kit, "delete_skill_version", skill.id, "3"), "delete_skill_version", VERSION_DELETE)
        kit.judge.check((answer.id, answer.version, answer.deleted) == (skill.id, "3", True), VERSION_DELETE,
                        f"delete_skill_version answered id={answer.id!r} version={answer.version!r} "
                        f"deleted={answer.deleted!r}.")
        left = [v.version for v in _versions(kit, skill.id, VERSION_DELETE)]
        kit.judge.check(sorted(left) == ["1", "2"], VERSION_DELETE,
                        f"after deleting version 3 of 1-3, list_skill_versions lists {left}.")
        expect_not_found(kit, call(kit, "get_skill_version", skill.id, "3"), VERSION_DELETE,
                         "get_skill_version of a deleted version")
        got = _get(kit, skill.id, VERSION_DELETE)
        kit.judge.check(got.default_version in left and got.latest_version in left, VERSION_DELETE,
                        f"after deleting the default and latest version 3, get_skill says default_version="
                        f"{got.default_version!r} latest_version={got.latest_version!r}; the skill has {left}.")
        again = kit.accept(add_version(kit, skill.id, bundle("kit-version-delete")), "create_skill_version",
                           VERSION_DELETE)
        kit.judge.check(again.version != "3", VERSION_FRESH,
                        f"create_skill_version after deleting version 3 numbered the new bundle {again.version!r} "
                        "again: a client that read version 3 now gets another bundle under that number.")
    finally:
        delete(kit, skill.id)


@pytest.mark.checks(BAD_BUNDLE, CREATE, TYPED_ERROR, *ANSWER)
@pytest.mark.negative
def test_bad_bundles(llama_kit: Kit) -> None:
    """skills.bad-bundle: not a zip, no SKILL.md, a SKILL.md naming nothing: a client error, nothing created."""
    kit = llama_kit
    before = {s.id for s in _all_skills(kit, BAD_BUNDLE, limit=100)}
    bad = {
        "bytes that are not a zip": b"this is not a zip archive",
        "a zip without SKILL.md": bundle("x", manifest=""),
        "a SKILL.md without a name": bundle("x", manifest="---\ndescription: nameless\n---\nbody\n"),
    }
    for what, content in bad.items():
        outcome = create_skill(kit, content)
        kit.judge.no_hang(outcome)
        kit.judge.typed_rejection(outcome)
        kit.judge.check(outcome.error is not None, BAD_BUNDLE, f"create_skill of {what} succeeded.")
    after = {s.id for s in _all_skills(kit, BAD_BUNDLE, limit=100)}
    kit.judge.check(after <= before, BAD_BUNDLE, f"refused bundles left skills behind: {sorted(after - before)}.")
    skill, _ = new_skill(kit, "kit-bad-version")
    try:
        outcome = add_version(kit, skill.id, b"not a zip either")
        kit.judge.no_hang(outcome)
        kit.judge.typed_rejection(outcome)
        kit.judge.check(outcome.error is not None, BAD_BUNDLE, "create_skill_version of bytes that are not a zip "
                                                               "succeeded.")
        kit.judge.check(_get(kit, skill.id, BAD_BUNDLE).latest_version == "1", BAD_BUNDLE,
                        "a refused version upload changed the skill's latest_version.")
    finally:
        delete(kit, skill.id)


@pytest.mark.checks(CREATE, NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_skill_ids(llama_kit: Kit) -> None:
    """skills.not-found: an id naming no skill, and a version a real skill does not have, for every member."""
    kit = llama_kit
    for what, outcome in (
        ("get_skill", call(kit, "get_skill", UNKNOWN_SKILL_ID)),
        ("update_skill", update(kit, UNKNOWN_SKILL_ID, "1")),
        ("delete_skill", call(kit, "delete_skill", UNKNOWN_SKILL_ID)),
        ("get_skill_content", call(kit, "get_skill_content", UNKNOWN_SKILL_ID)),
        ("create_skill_version", add_version(kit, UNKNOWN_SKILL_ID, bundle("kit-orphan"))),
        ("list_skill_versions", listing(kit, "list_skill_versions", UNKNOWN_SKILL_ID)),
        ("get_skill_version", call(kit, "get_skill_version", UNKNOWN_SKILL_ID, "1")),
        ("get_skill_version_content", call(kit, "get_skill_version_content", UNKNOWN_SKILL_ID, "1")),
        ("delete_skill_version", call(kit, "delete_skill_version", UNKNOWN_SKILL_ID, "1")),
    ):
        expect_not_found(kit, outcome, NOT_FOUND, f"{what}(skill_id={UNKNOWN_SKILL_ID!r})")
    skill, _ = new_skill(kit, "kit-unknown-version")
    try:
        for member in ("get_skill_version", "get_skill_version_content", "delete_skill_version"):
            expect_not_found(kit, call(kit, member, skill.id, "7"), NOT_FOUND, f"{member} of unknown version 7")
    finally:
        delete(kit, skill.id)

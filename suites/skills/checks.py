"""The skills wing's check table: what the Skills API promises, and the broken fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs use
these names). ``WING`` is what ``llama_conformance.catalogue`` registers. The contract is
``ogx_api.skills`` (ogx-api 1.5: protocol ``Skills``, models, routes under ``/v1alpha/skills``),
which follows OpenAI's Skills wire format.

Unknown skill ids are judged by this suite (``test_unknown_skill_ids``), not by a row of the shared
negative table: every Skills member takes the id as a bare path parameter beside (or instead of)
its request model, which ``UnknownCall`` (``kit.ask``) cannot pass.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing, only

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "skills"
_S = "Skills."

CREATE = CheckDef("skills.create", MUST,
                  "Create answers a skill with a fresh id, the name and description of its SKILL.md, and "
                  "version 1 as both default and latest",
                  API, None, f"{_S}create_skill; POST /v1alpha/skills; Skill")
GET = CheckDef("skills.get", MUST, "get_skill answers the skill as stored (id, name, description, versions)",
               API, None, f"{_S}get_skill; GET /v1alpha/skills/{{skill_id}}")
LIST = CheckDef("skills.list", MUST,
                "list_skills lists every skill once, sorted by created_at in the order asked (desc by default), "
                "and limit/after pages walk the list once with has_more true until the last page",
                API, None, f"{_S}list_skills; GET /v1alpha/skills; ListSkillsRequest / ListSkillsResponse")
CONTENT = CheckDef("skills.content", MUST,
                   "get_skill_content answers the default version's bundle byte for byte, "
                   "get_skill_version_content the bundle of the version asked",
                   API, None, f"{_S}get_skill_content / get_skill_version_content; "
                   "GET /v1alpha/skills/{skill_id}/content, /versions/{version}/content")
VERSIONS = CheckDef("skills.versions", MUST,
                    "create_skill_version answers version latest+1 of that skill; latest_version follows, "
                    "default_version only with default=true; list and get of versions show them all",
                    API, None, f"{_S}create_skill_version / list_skill_versions / get_skill_version; "
                    "SkillVersionCreateRequest.default; Skill.latest_version")
DEFAULT = CheckDef("skills.default", MUST,
                   "update_skill(default_version) makes that version the default get_skill and get_skill_content "
                   "answer; a version the skill does not have is refused with a client error",
                   API, None, f"{_S}update_skill; POST /v1alpha/skills/{{skill_id}}; SkillUpdateRequest")
DELETE = CheckDef("skills.delete", MUST,
                  "delete_skill answers deleted=true and removes the skill and every version from get, list, "
                  "versions and content",
                  API, None, f"{_S}delete_skill; DELETE /v1alpha/skills/{{skill_id}}; SkillDeleteResponse")
VERSIONS_AT_ONCE = CheckDef("skills.versions.at-once", MUST,
                            "Versions uploaded at the same time get distinct numbers and every one is kept "
                            "(listed, its own bundle answered)",
                            API, None, f"{_S}create_skill_version (each upload is 'a new version of a skill')")
VERSION_DELETE = CheckDef("skills.version-delete", MUST,
                          "delete_skill_version removes that version from get and list; a deleted default or latest "
                          "version is replaced by one the skill still has",
                          API, None, f"{_S}delete_skill_version; DELETE /v1alpha/skills/{{skill_id}}/versions/"
                          "{version}; SkillVersionDeleteResponse")
VERSION_FRESH = CheckDef("skills.version-number-fresh", SHOULD,
                         "A version number is never given twice: after a version is deleted the next upload gets a "
                         "new number, so a client holding version n never gets another bundle under it",
                         API, None, f"{_S}create_skill_version; SkillVersion.version (OpenAI: versions are "
                         "immutable)")
BAD_BUNDLE = CheckDef("skills.bad-bundle", MUST,
                      "A bundle that is not a zip, or has no SKILL.md naming the skill, is refused with a client "
                      "error and creates nothing",
                      API, None, f"{_S}create_skill / create_skill_version ('a zip bundle containing a SKILL.md "
                      "manifest')")
NOT_FOUND = CheckDef("skills.not-found", MUST,
                     "Unknown skill ids and versions are a typed not-found (4xx) for every member that takes one",
                     API, None, f"{_S}get_skill / update_skill / delete_skill / *_content / *_version(s)")

STATEFUL = CheckDef("skills.stateful", MUST,
                    "Any sequence of creates, version uploads, default changes and deletes matches a model of each "
                    "skill's versions, default, latest version and default bundle",
                    API, None, f"{_S}* (the members together)")

UNKNOWN_SKILL_ID = "skill-" + "0" * 32

_SUITES = ("--llama-api=skills", "-m", "behavioral or negative or stateful")
_SEEDED = ("--hypothesis-seed=1",)  # the machine's defect needs an upload and a default change before a check


def _proof(fixture: str, test: str, *checks: CheckDef) -> Proof:
    return Proof(fixture, {test: checks}, run=(*_SUITES, *only(test)))


WING = Wing(
    api=API,
    checks=(CREATE, GET, LIST, CONTENT, VERSIONS, VERSIONS_AT_ONCE, DEFAULT, DELETE, VERSION_DELETE, VERSION_FRESH,
            BAD_BUNDLE, NOT_FOUND, STATEFUL),
    proofs=(
        _proof("skills-create-drops-description", "test_create_get", CREATE),
        _proof("skills-get-drops-description", "test_create_get", GET),
        _proof("skills-list-after-skips", "test_list", LIST),
        _proof("skills-content-latest", "test_versions_and_default", CONTENT),
        _proof("skills-latest-not-updated", "test_versions_and_default", VERSIONS),
        _proof("skills-versions-race", "test_versions_at_once", VERSIONS_AT_ONCE),
        _proof("skills-update-ignored", "test_versions_and_default", DEFAULT),
        _proof("skills-delete-keeps", "test_delete", DELETE),
        _proof("skills-version-delete-keeps-default", "test_version_delete", VERSION_DELETE),
        _proof("skills-accepts-any-zip", "test_bad_bundles", BAD_BUNDLE),
        _proof("skills-unknown-version-answered", "test_unknown_skill_ids", NOT_FOUND),
        Proof("skills-update-moves-latest", {"test_skills_state_machine": (STATEFUL,)},
              run=(*_SUITES, *only("test_skills_state_machine"), *_SEEDED)),
        Proof("skills-version-number-reused", run=(*_SUITES, *only("test_version_delete")),
              warns=((VERSION_FRESH, "create_skill_version after deleting version*"),)),
    ),
)

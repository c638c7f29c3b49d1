"""The prompts wing's check table: what the Prompts API promises, and the broken fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs
use these names). ``WING`` is what ``llama_conformance.catalogue`` registers.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "prompts"
_P = "Prompts."

CREATE = CheckDef("prompts.create", MUST,
                  "Create answers version 1 with a fresh prompt_id and the text and variables sent",
                  API, None, f"{_P}create_prompt; POST /prompts; CreatePromptRequest -> Prompt")
GET = CheckDef("prompts.get", MUST,
               "Get without a version returns the default version; with a version, exactly that version",
               API, None, f"{_P}get_prompt; GET /prompts/{{prompt_id}}; GetPromptRequest.version")
LIST = CheckDef("prompts.list", MUST, "list_prompts lists every prompt once, at its default version",
                API, None, f"{_P}list_prompts; GET /prompts; ListPromptsResponse")
VERSIONS = CheckDef("prompts.versions", MUST,
                    "Update adds version n+1 with the new text; list_prompt_versions lists versions 1..n in order, "
                    "one of them the default",
                    API, None, f"{_P}update_prompt / list_prompt_versions; POST /prompts/{{prompt_id}}; "
                    "GET /prompts/{prompt_id}/versions; Prompt.version")
ANSWER_DEFAULT = CheckDef("prompts.answer-default", SHOULD,
                          "The prompt create / update / get answers says is_default as stored (a new prompt, an "
                          "update with set_as_default, the version get() returns by default)",
                          API, None, f"{_P}create_prompt / update_prompt; UpdatePromptRequest.set_as_default -> "
                          "Prompt.is_default")
VERSIONS_STALE = CheckDef("prompts.versions.stale", SHOULD,
                          "An update naming a version that is not the latest is rejected with a client error",
                          API, None, f"{_P}update_prompt; UpdatePromptRequest.version ('the current version')")
DEFAULT = CheckDef("prompts.default", MUST,
                   "set_default_version makes that version the one get() and list_prompts return, and the only "
                   "default", API, None, f"{_P}set_default_version; PUT /prompts/{{prompt_id}}/set-default-version")
DELETE = CheckDef("prompts.delete", MUST, "Delete removes the prompt and all its versions from get, versions and list",
                  API, None, f"{_P}delete_prompt; DELETE /prompts/{{prompt_id}}")
NOT_FOUND = CheckDef("prompts.not-found", MUST,
                     "Unknown prompt ids and versions are a typed not-found (4xx) for every member that takes one",
                     API, None, f"{_P}get_prompt / list_prompt_versions / update_prompt / delete_prompt / "
                     "set_default_version; PromptNotFoundError")
STATEFUL = CheckDef("prompts.stateful", MUST,
                    "Any sequence of creates, updates, default changes and deletes matches a model of what exists",
                    API, None, f"{_P}* (the CRUD members together)")

UNKNOWN_PROMPT_ID = "pmpt_" + "0" * 48

# A run of the prompts suites on one broken fixture, selecting the tests that judge its defect.
_SUITES = ("--llama-api=prompts", "-m", "behavioral or negative or stateful")
_SEEDED = ("--hypothesis-seed=1",)  # the machine's defect needs two prompts and the right interleaving


def _proof(fixture: str, tests: str, fails: dict[str, tuple[CheckDef, ...]], *extra: str) -> Proof:
    return Proof(fixture, fails, run=(*_SUITES, "-k", tests, *extra))


def _warning(fixture: str, tests: str, check: CheckDef, text: str) -> Proof:
    return Proof(fixture, run=(*_SUITES, "-k", tests), warns=((check, text),))


WING = Wing(
    api=API,
    checks=(CREATE, GET, LIST, VERSIONS, ANSWER_DEFAULT, VERSIONS_STALE, DEFAULT, DELETE, NOT_FOUND, STATEFUL),
    proofs=(
        _proof("prompts-create-wrong-version", "test_create_get_list", {"test_create_get_list": (CREATE,)}),
        _proof("prompts-get-adds-variable", "test_create_get_list", {"test_create_get_list": (GET,)}),
        _proof("prompts-list-drops-newest", "test_create_get_list", {"test_create_get_list": (LIST,)}),
        _proof("prompts-versions-desc", "test_versions_and_default", {"test_versions_and_default": (VERSIONS,)}),
        _proof("prompts-default-not-set", "test_versions_and_default", {"test_versions_and_default": (DEFAULT,)}),
        _proof("prompts-delete-keeps", "test_delete", {"test_delete": (DELETE,)}),
        _proof("prompts-unknown-answered", "test_unknown_ids or test_unknown_versions",
               {"test_unknown_ids[prompts]": (NOT_FOUND,)}),
        _proof("prompts-update-to-latest", "stateful", {"test_prompts_state_machine": (STATEFUL,)}, *_SEEDED),
        _warning("prompts-update-answer-not-default", "test_versions_and_default", ANSWER_DEFAULT,
                 "update with set_as_default=True answered is_default=False*"),
        _warning("prompts-stale-update-accepted", "test_versions_and_default", VERSIONS_STALE,
                 "update naming version 1 of*"),
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="pmpt_", known=UNKNOWN_PROMPT_ID, min_size=48, max_size=48,
                   codepoints=(97, 102), label="prompt_id", calls=(
                       UnknownCall("get_prompt", "prompt_id"),
                       UnknownCall("list_prompt_versions", "prompt_id"),
                       UnknownCall("update_prompt", "prompt_id", {"prompt": "x", "version": 1}),
                       UnknownCall("set_default_version", "prompt_id", {"version": 1}),
                       UnknownCall("delete_prompt", "prompt_id"),
                   )),
    ),
)

"""Behavioural checks of the prompts API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

_API = "prompts"
_P = "Prompts."

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("prompts.create", MUST,
             "Create answers version 1 with a fresh prompt_id and the text and variables sent",
             _API, None, f"{_P}create_prompt; POST /prompts; CreatePromptRequest -> Prompt"),
    CheckDef("prompts.get", MUST,
             "Get without a version returns the default version; with a version, exactly that version",
             _API, None, f"{_P}get_prompt; GET /prompts/{{prompt_id}}; GetPromptRequest.version"),
    CheckDef("prompts.list", MUST, "list_prompts lists every prompt once, at its default version",
             _API, None, f"{_P}list_prompts; GET /prompts; ListPromptsResponse"),
    CheckDef("prompts.versions", MUST,
             "Update adds version n+1 with the new text; list_prompt_versions lists versions 1..n in order, "
             "one of them the default",
             _API, None, f"{_P}update_prompt / list_prompt_versions; POST /prompts/{{prompt_id}}; "
             "GET /prompts/{prompt_id}/versions; Prompt.version"),
    CheckDef("prompts.answer-default", SHOULD,
             "The prompt create / update / get answers says is_default as stored (a new prompt, an update with "
             "set_as_default, the version get() returns by default)",
             _API, None, f"{_P}create_prompt / update_prompt; UpdatePromptRequest.set_as_default -> Prompt.is_default"),
    CheckDef("prompts.versions.stale", SHOULD,
             "An update naming a version that is not the latest is rejected with a client error",
             _API, None, f"{_P}update_prompt; UpdatePromptRequest.version ('the current version')"),
    CheckDef("prompts.default", MUST,
             "set_default_version makes that version the one get() and list_prompts return, and the only default",
             _API, None, f"{_P}set_default_version; PUT /prompts/{{prompt_id}}/set-default-version"),
    CheckDef("prompts.delete", MUST, "Delete removes the prompt and all its versions from get, versions and list",
             _API, None, f"{_P}delete_prompt; DELETE /prompts/{{prompt_id}}"),
    CheckDef("prompts.not-found", MUST,
             "Unknown prompt ids and versions are a typed not-found (4xx) for every member that takes one",
             _API, None, f"{_P}get_prompt / list_prompt_versions / update_prompt / delete_prompt / "
             "set_default_version; PromptNotFoundError"),
    CheckDef("prompts.stateful", MUST,
             "Any sequence of creates, updates, default changes and deletes matches a model of what exists",
             _API, None, f"{_P}* (the CRUD members together)"),
)

register(*CHECKS)

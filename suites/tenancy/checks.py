"""The tenancy wing's check table: on a deployment serving several users, each user's resources are its own.

A deployment with authentication (ogx / llama-stack ``server.auth``) stamps what a user creates
with that user as owner, and its access policy (by default: a user reaches what it owns)
decides who else may read, list or delete it. A policy that lets every user reach everything,
or a provider that stores resources without their owner, hands one user's uploaded files,
vector stores, conversations, stored responses and prompts to every other user. The run names two
users (``--llama-stack-header`` and ``--llama-stack-second-user-header``); user A creates a
resource and user B must not retrieve it (a 404 or 403 is right; a 200 with it is the
leak), find it in its list, read its contents or delete it, while A still reaches it.

The proof needs a live server with authentication, so it is a kit test of its own
(``proven_elsewhere``): ``tests/real/test_real_tenancy.py`` runs the suite against real ogx
servers, one with the default policy (passes) and one whose policy permits every user every
action (fails each check, naming the resource and the method).
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Needs, Wing

MUST = Level.MUST
API = "tenancy"
_POLICY = ("server.auth access_policy (default: a user reaches only resources it owns; "
           "ogx core/access_control/access_control.py default_policy)")

FILES = CheckDef("tenancy.files", MUST,
                 "Another user cannot retrieve, read the content of, list or delete a user's uploaded file; "
                 "its owner still can", API, None,
                 f"{_POLICY}; Files.openai_retrieve_file / openai_retrieve_file_content / openai_list_files / "
                 "openai_delete_file", applies_to=("files",), needs=Needs.HTTP)
VECTOR_STORES = CheckDef("tenancy.vector-stores", MUST,
                         "Another user cannot retrieve, list, search, update or delete a user's vector store; its "
                         "owner still can", API, None,
                         f"{_POLICY}; VectorIO.openai_retrieve_vector_store / openai_list_vector_stores / "
                         "openai_search_vector_store / openai_update_vector_store / openai_delete_vector_store",
                         applies_to=("vector_io",), needs=Needs.HTTP)
CONVERSATIONS = CheckDef("tenancy.conversations", MUST,
                         "Another user cannot retrieve, read the items of, add items to, update or delete a "
                         "user's conversation; its owner still can", API, None,
                         f"{_POLICY}; Conversations.get_conversation / list_items / add_items / "
                         "update_conversation / openai_delete_conversation", applies_to=("conversations",),
                         needs=Needs.HTTP)
RESPONSES = CheckDef("tenancy.responses", MUST,
                     "Another user cannot retrieve, list, read the input items of, continue "
                     "(previous_response_id) or delete a user's stored response; its owner still can", API, None,
                     f"{_POLICY}; Responses.get_openai_response / list_openai_responses / "
                     "list_openai_response_input_items / create_openai_response(previous_response_id) / "
                     "delete_openai_response", applies_to=("responses",), needs=Needs.HTTP)
PROMPTS = CheckDef("tenancy.prompts", MUST,
                   "Another user cannot retrieve, list, read the versions of, update or delete a user's prompt; "
                   "its owner still can", API, None,
                   f"{_POLICY}; Prompts.get_prompt / list_prompts / list_prompt_versions / update_prompt / "
                   "delete_prompt", applies_to=("prompts",), needs=Needs.HTTP)

_REAL = "tests/real/test_real_tenancy.py::test_permit_all_policy_fails_every_tenancy_check"

WING = Wing(
    api=API,
    checks=(FILES, VECTOR_STORES, CONVERSATIONS, RESPONSES, PROMPTS),
    proven_elsewhere={check.id: _REAL for check in (FILES, VECTOR_STORES, CONVERSATIONS, RESPONSES, PROMPTS)},
)

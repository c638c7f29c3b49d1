"""Tenancy suite: what one user of a deployment creates, another user cannot reach.

For each resource kind the deployment serves (files, vector stores, conversations, stored
responses, prompts), user A (``--llama-stack-header``) creates one and
user B (``--llama-stack-second-user-header``) tries every way to it the API offers: retrieve it,
read what it holds, find it in its own list, change it, delete it. Each must fail for B (a 404 or 403; a
200 naming A's resource is the leak); then A still retrieves it (so B's delete did not delete
it) and A's resource is deleted again. A deployment without authentication gives every caller
the same identity, so the same headers for both users are refused before any test (a usage
error). Without a second user, in-process and with --llama-over-http, there is no second user
to check against: not applicable.
"""

from __future__ import annotations

import uuid

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.checks import CheckDef
from llama_conformance_suites.conversations.helpers import create as create_conversation
from llama_conformance_suites.conversations.helpers import message
from llama_conformance_suites.files.helpers import upload_file, upload_purposes
from llama_conformance_suites.prompts.helpers import create_prompt, list_prompts
from llama_conformance_suites.responses.helpers import create as create_response
from llama_conformance_suites.tenancy.checks import CONVERSATIONS, FILES, PROMPTS, RESPONSES, VECTOR_STORES
from llama_conformance_suites.tenancy.helpers import (
    LIST_LIMIT,
    Resource,
    UserKit,
    call,
    not_listed,
    refused,
    still_there,
    two_users,
)
from llama_conformance_suites.vector_io.helpers import created_store, search

# ``http``: a provider run in-process has no users, so these tests are not even collected there (no
# skip padding every in-process run); over HTTP without a second user they are not applicable.
pytestmark = [pytest.mark.behavioral, pytest.mark.http]


def _ids(outcome: object) -> list[str]:
    value = getattr(outcome, "value", None)
    return [str(getattr(item, "id", "")) for item in getattr(value, "data", None) or []]


def _own_list_names(a: UserKit, list_name: str, check: CheckDef, resource: Resource) -> None:
    """User A's own list (newest first) still names its resource, whatever user B tried."""
    own = call(a, list_name, limit=LIST_LIMIT, order="desc")
    a.accept(own, list_name, check)
    a.judge.check(resource.id in _ids(own), check, f"user A's own `{list_name}` does not list its {resource}.")


def _listed_and_deleted_apart(a: UserKit, b: UserKit, check: CheckDef, resource: Resource, list_name: str,
                              delete: str, get: str, **ids: str) -> None:
    """B's own list does not name A's resource, B cannot delete it, and A's list still names it: the
    closing steps of every kind that has a list of its own (newest first)."""
    listed = call(b, list_name, limit=LIST_LIMIT, order="desc")
    not_listed(b, listed, check, resource, _ids(listed))
    _delete_attempt(a, b, check, resource, delete, get, **ids)
    _own_list_names(a, list_name, check, resource)


def _delete_attempt(a: UserKit, b: UserKit, check: CheckDef, resource: Resource, member: str, get: str,
                    **ids: str) -> None:
    """B's delete is refused, and A's resource is still there after it."""
    refused(b, call(b, member, **ids), check, resource, "deleted")
    still_there(a, call(a, get, **ids), check, resource, "after user B tried to delete it")


@pytest.mark.api("files")
@pytest.mark.checks(FILES, *ANSWER)
def test_files_are_per_user(llama_kit: Kit) -> None:
    """tenancy.files: B cannot retrieve, read, list or delete A's file; A still can."""
    a, b = two_users(llama_kit)
    marker = f"kit-tenancy-{uuid.uuid4().hex}"
    outcome, _ = upload_file(a, f"{marker}\n".encode(), f"{marker}.txt", upload_purposes(a)[0])
    created = a.accept(outcome, "openai_upload_file", FILES)
    file = Resource("file", created.id)
    try:
        refused(b, call(b, "openai_retrieve_file", file_id=file.id), FILES, file, "retrieved")
        refused(b, call(b, "openai_retrieve_file_content", file_id=file.id), FILES, file, "read the content of")
        _listed_and_deleted_apart(a, b, FILES, file, "openai_list_files", "openai_delete_file", "openai_retrieve_file",
                                  file_id=file.id)
    finally:
        call(a, "openai_delete_file", file_id=file.id)


@pytest.mark.api("vector_io")
@pytest.mark.checks(VECTOR_STORES, *ANSWER)
def test_vector_stores_are_per_user(llama_kit: Kit) -> None:
    """tenancy.vector-stores: B cannot retrieve, list, search or delete A's vector store; A still can."""
    a, b = two_users(llama_kit)
    store = Resource("vector store", created_store(a, VECTOR_STORES, name=f"kit-tenancy-{uuid.uuid4().hex}").id)
    ids = {"vector_store_id": store.id}
    try:
        refused(b, call(b, "openai_retrieve_vector_store", **ids), VECTOR_STORES, store, "retrieved")
        refused(b, search(b, store.id, "kit tenancy"), VECTOR_STORES, store, "searched")
        refused(b, b.ask_with("openai_update_vector_store", {"name": "renamed by user B"}, **ids), VECTOR_STORES,
                store, "renamed")
        _listed_and_deleted_apart(a, b, VECTOR_STORES, store, "openai_list_vector_stores",
                                  "openai_delete_vector_store", "openai_retrieve_vector_store", **ids)
    finally:
        call(a, "openai_delete_vector_store", **ids)


@pytest.mark.api("conversations")
@pytest.mark.checks(CONVERSATIONS, *ANSWER)
def test_conversations_are_per_user(llama_kit: Kit) -> None:
    """tenancy.conversations: B cannot retrieve, read the items of or delete A's conversation; A still can."""
    a, b = two_users(llama_kit)
    created = create_conversation(a, CONVERSATIONS, items=[message("user", "kit tenancy: user A's words")])
    conversation = Resource("conversation", created.id)
    ids = {"conversation_id": conversation.id}
    try:
        refused(b, call(b, "get_conversation", **ids), CONVERSATIONS, conversation, "retrieved")
        refused(b, call(b, "list_items", **ids), CONVERSATIONS, conversation, "listed the items of")
        refused(b, b.ask_with("add_items", {"items": [message("user", "user B's words")]}, **ids), CONVERSATIONS,
                conversation, "added items to")
        refused(b, b.ask_with("update_conversation", {"metadata": {"by": "user B"}}, **ids), CONVERSATIONS,
                conversation, "updated")
        _delete_attempt(a, b, CONVERSATIONS, conversation, "openai_delete_conversation", "get_conversation", **ids)
        items = call(a, "list_items", **ids)
        still_there(a, items, CONVERSATIONS, conversation, "(its items)")
    finally:
        call(a, "openai_delete_conversation", **ids)


@pytest.mark.api("responses")
@pytest.mark.checks(RESPONSES, *ANSWER)
def test_stored_responses_are_per_user(llama_kit: Kit) -> None:
    """tenancy.responses: B cannot retrieve, list, read the input of, continue or delete A's stored response;
    A still can."""
    a, b = two_users(llama_kit)
    created = a.accept(create_response(a, "kit tenancy: user A's question", store=True), "create_openai_response",
                       RESPONSES)
    response = Resource("stored response", created.id)
    ids = {"response_id": response.id}
    try:
        refused(b, call(b, "get_openai_response", **ids), RESPONSES, response, "retrieved")
        refused(b, call(b, "list_openai_response_input_items", **ids), RESPONSES, response,
                "listed the input items of")
        # Continuing A's response would hand B its conversation as context (and B's answer would quote it).
        refused(b, create_response(b, "kit tenancy: user B's follow-up", previous_response_id=response.id),
                RESPONSES, response, "continued (previous_response_id)")
        _listed_and_deleted_apart(a, b, RESPONSES, response, "list_openai_responses", "delete_openai_response",
                                  "get_openai_response", **ids)
    finally:
        call(a, "delete_openai_response", **ids)


@pytest.mark.api("prompts")
@pytest.mark.checks(PROMPTS, *ANSWER)
def test_prompts_are_per_user(llama_kit: Kit) -> None:
    """tenancy.prompts: B cannot retrieve, list, read the versions of, update or delete A's prompt; A still can."""
    a, b = two_users(llama_kit)
    prompt = Resource("prompt", create_prompt(a, "kit tenancy: user A's prompt", [], PROMPTS).prompt_id)
    ids = {"prompt_id": prompt.id}
    try:
        refused(b, call(b, "get_prompt", **ids), PROMPTS, prompt, "retrieved")
        refused(b, call(b, "list_prompt_versions", **ids), PROMPTS, prompt, "listed the versions of")
        listed = list_prompts(b)
        not_listed(b, listed, PROMPTS, prompt, [p.prompt_id for p in getattr(listed.value, "data", None) or []])
        refused(b, call(b, "update_prompt", prompt="user B's words", version=1, **ids), PROMPTS, prompt, "updated")
        _delete_attempt(a, b, PROMPTS, prompt, "delete_prompt", "get_prompt", **ids)
        own = list_prompts(a)
        a.accept(own, "list_prompts", PROMPTS)
        a.judge.check(prompt.id in [p.prompt_id for p in own.value.data], PROMPTS,
                      f"user A's own `list_prompts` does not list its {prompt}.")
    finally:
        call(a, "delete_prompt", **ids)

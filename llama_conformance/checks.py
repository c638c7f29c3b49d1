"""Named conformance checks: a stable id, an RFC 2119 level, a title, and findings.

Every check the kit runs is declared here once (``CHECKS``), so the published test plan,
failure messages and reports all speak of the same ids. A ``Finding`` is one violation: the
check it belongs to, the level it is judged at (an optional member downgrades "present" to
SHOULD), and a message that says what the contract declares and what the provider has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class Needs(StrEnum):
    """What a run must offer before a check can be exercised at all (``report.applicability``)."""

    ANY = "any"
    HTTP = "http"  # an HTTP answer: --llama-stack-url or --llama-over-http
    PROVIDER = "provider"  # the provider object itself: built by the kit, not a deployment behind a URL


@dataclass(frozen=True)
class CheckDef:
    """A check of the published test plan. ``capability`` is None for core behaviour.

    ``applies_to`` narrows an API-neutral check (``api`` None) to the APIs whose answers can
    exercise it (the embeddings invariants: inference); empty, any API. ``needs`` is what the
    run must offer to exercise it. Both are stated where the check is declared, so a report
    lists only checks that can apply to its target, and says which its mode could not exercise.
    """

    id: str
    level: Level
    title: str
    api: str | None = None
    capability: str | None = None
    reference: str = ""  # where the contract states it; filled from ``REFERENCES`` at registration
    applies_to: tuple[str, ...] = ()
    needs: Needs = Needs.ANY
    # The check judges what the provider *decided from its dependencies' answers* (a shield that asks
    # an LLM whether input is safe): against a kit stand-in that only echoes it cannot be judged
    # (``llama_conformance.evidence``). Shapes, errors, counts and order are the provider's alone.
    judges_dependency_answers: bool = False
    # A failure of the check is the provider's whatever the environment did (a secret in an error
    # leaks even when the backend was down; a crash is a crash): never made inconclusive.
    environment_proof: bool = False

    @property
    def scope(self) -> str:
        """``core`` (always checked) or ``extended`` (checked as part of a declared capability)."""
        return "core" if self.capability is None else "extended"


@dataclass(frozen=True)
class Finding:
    """One violation. ``erratum`` is set when the published contract, not the provider, is
    at fault (every real provider does otherwise): reported, never counted as a failure."""

    check: CheckDef
    message: str
    level: Level
    erratum: str | None = None

    def render(self) -> str:
        if self.erratum:
            return f"[ERRATUM {self.erratum} / {self.check.id}] {self.message}"
        return f"[{self.level} {self.check.id}] {self.message}"


CHECKS: dict[str, CheckDef] = {}
_STRUCTURAL: tuple[CheckDef, ...] = (
    CheckDef("lifecycle.build", Level.MUST,
             "The factory builds the provider with the spec's config and dependencies"),
    CheckDef("structure.member.present", Level.MUST,
             "Every protocol member exists on the provider"),
    CheckDef("structure.member.callable", Level.MUST, "Every protocol method is callable"),
    CheckDef("structure.member.async", Level.MUST,
             "Methods the protocol declares async are coroutine functions"),
    CheckDef("structure.member.stream-returns-iterator", Level.MUST,
             "A streaming method is a coroutine that returns the iterator, not an async generator"),
    CheckDef("structure.member.not-protocol-stub", Level.MUST,
             "A required member is implemented, not inherited as the protocol's empty stub"),
    CheckDef("structure.params.names-and-kinds", Level.MUST,
             "Every protocol parameter exists with the same name, position and kind"),
    CheckDef("structure.params.no-new-required", Level.MUST,
             "The provider adds no required parameter the protocol does not declare"),
    CheckDef("structure.params.defaults-kept", Level.SHOULD,
             "Parameters keep the protocol's default values"),
    CheckDef("structure.annotations.compatible", Level.MUST,
             "Parameter annotations are the protocol's or wider; return annotations the same or narrower"),
    CheckDef("structure.attribute.present", Level.SHOULD,
             "Attributes the protocol gives a value exist after construction (only isinstance() notices)"),
    CheckDef("structure.attribute.assignable", Level.MUST,
             "Store attributes accept the assignment the routing tables make at start-up"),
    CheckDef("structure.attribute.type", Level.MUST,
             "Attribute values set by the provider match the declared type"),
    CheckDef("structure.routing.implied-member", Level.MUST,
             "Members the server's routing tables call without a protocol declaring them exist"),
)
# Why MUST: when a user unregisters a benchmark (scoring function, ...), the server's routing table
# deletes it from its registry and then calls ``provider.unregister_benchmark(identifier)``; a
# provider without that member raises AttributeError there, so the user's DELETE gets a 500. The
# published protocol not declaring the member is the contract's gap, not a licence to break the
# route. Every finding about such a member takes this check's level: the structural one here, and
# a behavioural test that meets the absent member (``structural.absence_check``), so one defect is
# never reported at two levels.

# The build and the structural suite judge the provider object: a deployment behind a URL has none.
_STRUCTURAL = tuple(replace(check, needs=Needs.PROVIDER) for check in _STRUCTURAL)


# Where the published contract states each check: the protocol member, the route, the
# schema. Kept beside the ids so the test plan (``llama-conformance list``) and every report
# cite the same clause; a test proves every registered check has one.
_MEMBER_SIGNATURES = "the API's Protocol in the API package: every member's signature (inspect.signature)"
_CHAT = "InferenceProvider.openai_chat_completion; POST /v1/chat/completions"
_COMPLETION = "InferenceProvider.openai_completion; POST /v1/completions"
_EMBEDDINGS = "InferenceProvider.openai_embeddings; POST /v1/embeddings; OpenAIEmbeddingsResponse"
_RESPONSES_STREAM = "ResponsesProtocol create_openai_response(stream=True); OpenAIResponseObjectStream"
_MESSAGES_STREAM = "Messages API create_message(stream=True); message stream events"
_FILES = "Files protocol; /v1/files routes"
_ERRORS = "the server's translate_exception: API errors -> their status, ValueError -> 400, others -> 500"
REFERENCES: dict[str, str] = {
    "lifecycle.build": "ProviderSpec.module: get_provider_impl / get_adapter_impl(config, deps)",
    "structure.member.present": _MEMBER_SIGNATURES,
    "structure.member.callable": _MEMBER_SIGNATURES,
    "structure.member.async": _MEMBER_SIGNATURES,
    "structure.member.stream-returns-iterator": "streaming members: `-> X | AsyncIterator[Chunk]`, awaited by the "
                                                "router",
    "structure.member.not-protocol-stub": _MEMBER_SIGNATURES,
    "structure.params.names-and-kinds": _MEMBER_SIGNATURES,
    "structure.params.no-new-required": _MEMBER_SIGNATURES,
    "structure.params.defaults-kept": _MEMBER_SIGNATURES,
    "structure.annotations.compatible": _MEMBER_SIGNATURES,
    "structure.attribute.present": "the Protocol's annotated attributes (API_NAMESPACE, store slots)",
    "structure.attribute.assignable": "routing tables assign store slots (model_store, ...) at start-up",
    "structure.attribute.type": "the Protocol's annotated attributes",
    "structure.routing.implied-member": "routing tables call unregister_* on the provider (Private protocols)",
    "call.no-hang": "every protocol member; --llama-timeout per call, streams included",
    "call.typed-error": _ERRORS,
    "call.request-unchanged": "every protocol member: request models are the caller's",
    "call.valid-request-accepted": "the request models of the API package (fields, constraints)",
    "call.resource-bound": "every protocol member's size parameters (n, max_tokens, dimensions, limit, "
                           "max_num_results, top_k, batch sizes, strings and arrays); --llama-memory-limit",
    "call.no-crash": "every protocol member: the server process serves every other request after this one",
    "security.secret-in-error": "the provider's config (SecretStr fields, ${env.VAR} values) and "
                                "--llama-stack-header values; the server sends a ValueError's text to the client",
    "stress.answered-once": "every protocol member, called concurrently as a server's event loop does",
    "stress.stream-complete": "streaming members: `-> AsyncIterator[Chunk]`, consumed concurrently",
    "capability.declared-implemented": "the manifest's capabilities; NotImplementedError -> 501",
    "negative.unknown-id": "ModelNotFoundError / ResourceNotFoundError (404); " + _ERRORS,
    "inference.models.listed": "ModelsProtocolPrivate.list_models -> list[Model] | None",
    "inference.models.register": "ModelsProtocolPrivate.register_model(model) -> Model",
    "inference.chat.answer": _CHAT + "; OpenAIChatCompletion",
    "inference.chat.fuzz": _CHAT + "; OpenAIChatCompletionRequestWithExtraBody",
    "inference.chat.stream": _CHAT + " (stream=true); OpenAIChatCompletionChunk",
    "inference.chat.stream-usage": _CHAT + " (stream_options.include_usage); OpenAIChatCompletionUsage",
    "inference.chat.tools": _CHAT + " (tools, tool_choice)",
    "inference.completion.answer": _COMPLETION + "; OpenAICompletion",
    "inference.completion.stream": _COMPLETION + " (stream=true); OpenAICompletion chunks",
    "inference.embeddings.answer": _EMBEDDINGS,
    "inference.embeddings.fuzz": _EMBEDDINGS + "; OpenAIEmbeddingsRequestWithExtraBody",
    "inference.embeddings.dimensions": _EMBEDDINGS + " (dimensions)",
    "inference.rerank.answer": "InferenceProvider.rerank; POST /v1alpha/inference/rerank; RerankResponse",
    "files.upload": _FILES + ": openai_upload_file; POST /v1/files; OpenAIFileObject",
    "files.upload.filename-kept": _FILES + ": OpenAIFileObject.filename",
    "files.retrieve": _FILES + ": openai_retrieve_file; GET /v1/files/{file_id}",
    "files.content": _FILES + ": openai_retrieve_file_content; GET /v1/files/{file_id}/content",
    "files.list": _FILES + ": openai_list_files; GET /v1/files; ListOpenAIFileResponse",
    "files.list.pagination": _FILES + ": openai_list_files(after, limit); has_more, first_id, last_id",
    "files.list.order": _FILES + ": openai_list_files(order)",
    "files.list.purpose": _FILES + ": openai_list_files(purpose)",
    "files.delete": _FILES + ": openai_delete_file; DELETE /v1/files/{file_id}; OpenAIFileDeleteResponse",
    "files.not-found": _FILES + ": retrieve / content / delete of an unknown file_id; " + _ERRORS,
    "files.stateful": _FILES + ": every member, in any order",
    "response.type": "the member's return annotation",
    "response.schema": "the JSON Schema of the member's return type (model_json_schema)",
    "response.roundtrip": "the member's return type (pydantic model_validate of the JSON)",
    "stream.chunk.type": "the chunk type of the member's `AsyncIterator[Chunk]` return",
    "stream.chunk.schema": "the JSON Schema of the chunk type",
    "stream.chunk.roundtrip": "the chunk type (pydantic model_validate of the JSON)",
    "stream.nonempty": "streaming members: `-> AsyncIterator[Chunk]`",
    "stream.completion.same-id": "OpenAIChatCompletionChunk.id / OpenAICompletion.id",
    "stream.completion.same-object": "OpenAIChatCompletionChunk.object",
    "stream.completion.same-model": "OpenAIChatCompletionChunk.model",
    "stream.completion.finish-reason-last": "OpenAIChunkChoice.finish_reason",
    "stream.completion.finish-reason-present": "OpenAIChunkChoice.finish_reason",
    "stream.completion.usage-once": "stream_options.include_usage; OpenAIChatCompletionChunk.usage",
    "stream.completion.usage-last": "OpenAIChatCompletionChunk.usage",
    "stream.completion.usage-total": "OpenAIChatCompletionUsage total_tokens",
    "stream.responses.created-first": _RESPONSES_STREAM,
    "stream.responses.sequence-increasing": _RESPONSES_STREAM + ".sequence_number",
    "stream.responses.terminal-once": _RESPONSES_STREAM,
    "stream.responses.terminal-last": _RESPONSES_STREAM,
    "stream.responses.same-response-id": _RESPONSES_STREAM + ".response.id",
    "stream.responses.terminal-status": _RESPONSES_STREAM + ".response.status",
    "stream.messages.start-first": _MESSAGES_STREAM,
    "stream.messages.stop-last": _MESSAGES_STREAM,
    "stream.messages.block-lifecycle": _MESSAGES_STREAM,
    "embeddings.count": _EMBEDDINGS + ".data",
    "embeddings.index-order": _EMBEDDINGS + ".data[].index",
    "embeddings.same-length": _EMBEDDINGS + ".data[].embedding",
    "embeddings.dimensions": _EMBEDDINGS + " (dimensions)",
    "embeddings.finite": _EMBEDDINGS + ".data[].embedding",
    "embeddings.encoding-format": _EMBEDDINGS + " (encoding_format)",
    "embeddings.usage": _EMBEDDINGS + ".usage",
    "http.content-type": "the deployment's OpenAPI document: responses.*.content media types",
    "http.sse.framing": "text/event-stream responses: `data:` lines carrying the chunk JSON",
    "http.error.body": "the package's error response model (OpenAIErrorResponse) on 4xx / 5xx",
    "http.redirect": "every route of the package's create_router",
}


def register(*defs: CheckDef) -> None:
    """Add checks declared by another module (validation, behavioural suites) to ``CHECKS``.

    Ids are global and stable: registering one id twice with a different meaning is a bug.
    The reference comes from ``REFERENCES`` unless the definition carries its own.
    """
    for check in defs:
        if not check.reference and check.id in REFERENCES:
            check = replace(check, reference=REFERENCES[check.id])
        existing = CHECKS.get(check.id)
        if existing is not None and existing != check:
            raise ValueError(f"check id {check.id!r} registered twice with different definitions")
        CHECKS[check.id] = check


register(*_STRUCTURAL)


# A check as code names it: the declared ``CheckDef`` (preferred: its id is then written once, in the
# declaration) or, where only text can travel (a marker read back from a report), its id.
CheckRef = CheckDef | str


def check_id(ref: CheckRef) -> str:
    return ref if isinstance(ref, str) else ref.id


def check_ids(refs: tuple[CheckRef, ...] | list[CheckRef]) -> tuple[str, ...]:
    return tuple(check_id(ref) for ref in refs)


def finding(
    check: CheckRef, message: str, level: Level | None = None, erratum: str | None = None
) -> Finding:
    """A finding of ``check``, at its registered definition (the registry holds the reference text)."""
    definition = CHECKS.get(check_id(check)) or (check if isinstance(check, CheckDef) else CHECKS[check])
    return Finding(check=definition, message=message, level=level or definition.level, erratum=erratum)


@dataclass(frozen=True)
class Proof:
    """One row of the defect matrix: a broken fixture and exactly what the kit must say about it.

    ``fixture`` is the provider type's tail (``inline::broken-<fixture>``, one module of
    ``fixtures/broken/``). ``fails`` maps each test that must fail to the checks its failure
    must name; no other test may fail. ``warns`` is a SHOULD-level proof: the run passes and
    the summary shows ``[SHOULD <check>] <text>``. ``run`` holds the extra kit arguments (suite
    markers, ``-k``, capabilities, a pinned seed); ``package`` pins the API package the fixture
    is judged against (``llama_stack_api`` for the 0.7 fixtures), None: the default one.
    """

    fixture: str
    fails: Mapping[str, tuple[CheckRef, ...]] = field(default_factory=dict)
    run: tuple[str, ...] = ()
    warns: tuple[tuple[CheckRef, str], ...] = ()
    package: str | None = None

    def proves(self) -> set[str]:
        named = {check_id(ref) for refs in self.fails.values() for ref in refs}
        return named | {check_id(ref) for ref, _text in self.warns}


@dataclass(frozen=True)
class UnknownCall:
    """One member called with an id that names nothing: ``member(<id_field>=id, **extra)``."""

    member: str
    id_field: str
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UnknownIds:
    """One API's row of the negative contract: every member that takes an id of this kind must
    answer an unknown one with a typed not-found (``check``), never a success, a 5xx or a hang.

    Declared in the API's wing (``Wing.unknown_ids``); one parametrized test
    (``suites/negative/test_unknown_ids.py``) runs every row (``behaviour.negative.run_unknown_ids``)
    over drawn ids: ``known`` (a plausible one) and ``prefix`` + drawn letters and digits.
    """

    check: CheckDef
    prefix: str
    known: str
    calls: tuple[UnknownCall, ...]
    max_size: int = 40
    min_size: int = 1
    codepoints: tuple[int, int] = (48, 122)  # the drawn tail's alphabet, where ids have a format
    label: str = "id"
    also: tuple[CheckRef, ...] = ()  # further checks the row's test judges


@dataclass(frozen=True)
class Wing:
    """What one API means to the kit, declared in its folder (``suites/<api>/checks.py``).

    ``checks``: the API's own checks. ``proofs``: the broken fixtures that prove them (and the
    engine checks they trip). ``proven_elsewhere``: a check whose proof needs a harness of its
    own (a crashing worker, a live server), by the kit test that proves it
    (``tests/test_isolation.py::test_segfault_is_a_finding``); ``tests/test_proofs.py`` checks it exists.
    """

    api: str
    checks: tuple[CheckDef, ...]
    proofs: tuple[Proof, ...] = ()
    proven_elsewhere: Mapping[str, str] = field(default_factory=dict)
    unknown_ids: tuple[UnknownIds, ...] = ()

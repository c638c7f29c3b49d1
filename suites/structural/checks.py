"""How the structural checks are proven: one broken fixture each, judged by the structural suite.

The checks themselves are the engine's (``llama_conformance.checks``: every API is held to its
protocol's shape), so this wing declares none; it holds their proofs.
"""

from __future__ import annotations

from llama_conformance.checks import (
    ATTRIBUTE_ASSIGNABLE,
    ATTRIBUTE_PRESENT,
    ATTRIBUTE_TYPE,
    BUILD,
    MEMBER_ASYNC,
    MEMBER_CALLABLE,
    MEMBER_NOT_STUB,
    MEMBER_PRESENT,
    PARAMS_ANNOTATIONS,
    PARAMS_DEFAULTS_KEPT,
    PARAMS_NAMES_AND_KINDS,
    PARAMS_NO_NEW_REQUIRED,
    ROUTING_IMPLIED_MEMBER,
    STREAM_RETURNS_ITERATOR,
    CheckDef,
    Proof,
    Wing,
)

_STRUCTURAL = ("-m", "structural")
_TESTS = "tests/test_structural_checks.py"


def _proof(fixture: str, test: str, check: CheckDef) -> Proof:
    return Proof(fixture, {test: (check,)}, run=_STRUCTURAL)


WING = Wing(
    api="structural",
    checks=(),
    proofs=(
        _proof("files-missing-member", "test_structure[files.openai_delete_file]", MEMBER_PRESENT),
        _proof("files-not-callable", "test_structure[files.openai_delete_file]", MEMBER_CALLABLE),
        _proof("files-sync-method", "test_structure[files.openai_list_files]", MEMBER_ASYNC),
        _proof("files-protocol-stub", "test_structure[files.openai_retrieve_file]", MEMBER_NOT_STUB),
        _proof("files-renamed-param", "test_structure[files.openai_retrieve_file]", PARAMS_NAMES_AND_KINDS),
        _proof("files-keyword-only-param", "test_structure[files.openai_retrieve_file]", PARAMS_NAMES_AND_KINDS),
        _proof("files-new-required-param", "test_structure[files.openai_list_files]", PARAMS_NO_NEW_REQUIRED),
        _proof("files-narrowed-param", "test_structure[files.openai_retrieve_file]", PARAMS_ANNOTATIONS),
        _proof("files-widened-return", "test_structure[files.openai_retrieve_file]", PARAMS_ANNOTATIONS),
        _proof("inference-stream-generator", "test_structure[inference.openai_chat_completion]",
               STREAM_RETURNS_ITERATOR),
        _proof("inference-attribute-type", "test_attribute[inference.API_NAMESPACE]", ATTRIBUTE_TYPE),
        _proof("inference-private-member-missing", "test_structure[inference.should_refresh_models]",
               MEMBER_PRESENT),
        _proof("inference-store-not-assignable", "test_attribute[inference.model_store]", ATTRIBUTE_ASSIGNABLE),
    ),
    proven_elsewhere={  # SHOULD findings with exact counts, another package, a failing factory
        ATTRIBUTE_PRESENT.id: f"{_TESTS}::test_missing_attributes_are_should_warnings",
        PARAMS_DEFAULTS_KEPT.id: f"{_TESTS}::test_changed_default_is_a_should_warning_not_a_failure",
        ROUTING_IMPLIED_MEMBER.id: f"{_TESTS}::test_missing_implied_unregister_is_a_must_failure",
        BUILD.id: "tests/test_bad_input.py::test_factory_that_raises_fails_the_build_check",
    },
)

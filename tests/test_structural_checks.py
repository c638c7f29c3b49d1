"""Every structural check catches the one broken fixture made for it, and passes the good ones.

Each broken provider differs from a reference provider by exactly one defect, so the
expected outcome is exact: one named test fails, with one named check id.
"""

from __future__ import annotations

import pytest
from tests_support import requires

# The defect matrix: one kit run per broken fixture (the ogx tox env runs it; see tox.ini).
pytestmark = pytest.mark.defects


# The MUST proofs (one fixture, one failing test, one check each) are the structural wing's rows
# (``suites/structural/checks.py``), run by ``tests/test_proofs.py``; the runs here need a count,
# another API package or a message of their own.


def test_missing_attributes_are_should_warnings(run_kit) -> None:
    """``model_store`` and ``API_NAMESPACE`` missing are SHOULD: the routing tables assign
    stores unconditionally at start-up and nobody reads the constant; only isinstance() notices."""
    result = run_kit("inline::broken-inference-missing-attributes")
    result.assert_outcomes(passed=14)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*[[]SHOULD structure.attribute.present[]]*model_store*routing table assigns*"])
    result.stdout.fnmatch_lines(["*[[]SHOULD structure.attribute.present[]]*API_NAMESPACE*"])


@pytest.mark.parametrize(("defect", "member", "says"), [
    ("prompts-delete-stub", "prompts.delete_prompt",
     "calling it does nothing (the contract declares no return value, but the work the router asks for is never "
     "done)"),
    ("files-protocol-stub", "files.openai_retrieve_file",
     "calling it returns None where the contract declares `OpenAIFileObject`"),
])
def test_protocol_stub_names_what_the_contract_declares(run_kit, defect: str, member: str, says: str) -> None:
    """A stub of a member declared to return None does nothing; it does not return "None instead of a None"."""
    result = run_kit(f"inline::broken-{defect}")
    assert result.parseoutcomes().get("failed") == 1, result.stdout.str()
    result.stdout.fnmatch_lines([f"*[[]MUST structure.member.not-protocol-stub[]]*{says}. Implement it.*"])
    assert "None instead of a" not in result.stdout.str()


def test_changed_default_is_a_should_warning_not_a_failure(run_kit) -> None:
    result = run_kit("inline::broken-tools-changed-default")
    result.assert_outcomes(passed=6)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "*SHOULD-level findings*",
        "test_structure[[]tool_runtime.list_runtime_tools[]]: [[]SHOULD structure.params.defaults-kept[]]*"
        "defaults `tool_group_id` to None; the provider defaults it to 'kit::math'*",
    ])


def test_return_mismatch_on_a_method_that_only_raises_is_a_should_warning(run_kit) -> None:
    result = run_kit("inline::broken-files-only-raises-return")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([
        "test_structure[[]files.openai_retrieve_file[]]: [[]SHOULD structure.annotations.compatible[]]*"
        "its body only raises*",
    ])


def test_missing_implied_unregister_is_a_must_failure(run_kit) -> None:
    """The routing table calls unregister_scoring_function when a user unregisters a function; without
    it the user's DELETE gets a 500, whatever the protocol declares: MUST (``checks.py``)."""
    requires("llama_stack_api")
    result = run_kit("inline::broken-scoring-implied-member-missing",
                     "--llama-api-package=llama_stack_api")
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines([
        "*[[]MUST structure.routing.implied-member[]] ScoringFunctionsProtocolPrivate."
        "unregister_scoring_function is missing from * the server's routing table calls it when a scoring function "
        "is unregistered, so unregistering one fails with a server error (500). The provider's maintainer must add it.",
    ])
    assert "SHOULD structure.routing.implied-member" not in result.stdout.str()


@pytest.mark.parametrize(
    ("provider", "passed", "skipped", "extra"),
    [
        ("inline::kit-files", 6, 0, ()),
        # reasoning and the two anthropic members are optional and not implemented
        ("inline::kit-inference", 11, 3, ()),
        ("inline::kit-tools", 6, 0, ()),
        ("inline::kit-scoring", 7, 0, ("--llama-api-package=llama_stack_api",)),
        ("inline::kit-files", 6, 0, ("--llama-api-package=llama_stack_api",)),
        ("inline::kit-inference", 11, 1, ("--llama-api-package=llama_stack_api",)),
    ],
)
def test_reference_providers_pass(run_kit, provider: str, passed: int, skipped: int, extra: tuple[str, ...]) -> None:
    if extra:
        requires("llama_stack_api")
    result = run_kit(provider, *extra)
    result.assert_outcomes(passed=passed, skipped=skipped)
    assert result.ret == pytest.ExitCode.OK
    assert "SHOULD-level findings" not in result.stdout.str()


def test_optional_member_not_implemented_is_a_skip_with_reason(run_kit) -> None:
    result = run_kit("inline::kit-inference")
    result.stdout.fnmatch_lines([
        "SKIPPED*InferenceProvider.anthropic_messages is not implemented*raises NotImplementedError*",
    ])


def test_tests_are_named_after_protocol_members(run_kit) -> None:
    result = run_kit("inline::kit-files", "--collect-only", "-q")
    for member in ("openai_upload_file", "openai_list_files", "openai_retrieve_file",
                   "openai_delete_file", "openai_retrieve_file_content"):
        result.stdout.fnmatch_lines([f"*test_structure[[]files.{member}[]]"])


def test_a_default_written_as_a_pydantic_field_is_its_value() -> None:
    """llama-stack 0.2's protocols write ``model: str | None = Field(default=None, description=...)``: the default is
    None, not the FieldInfo. A provider writing ``= None`` keeps it (no finding); one that makes it required is told
    the default is None (llama-stack-provider-kft's finding showed the FieldInfo's repr)."""
    import dataclasses
    import inspect

    from pydantic import Field

    from llama_conformance.contract.members import MemberSpec, ParamSpec
    from llama_conformance.structural.signature import compare_signature

    declared = ParamSpec("model", inspect.Parameter.KEYWORD_ONLY, str | None, Field(default=None, description="d"))
    member = MemberSpec(api="post_training", name="supervised_fine_tune", protocol="PostTraining",
                        params=(declared,), returns=None, is_async=True, streaming=False)

    async def keeps(*, model: str | None = None) -> None: ...

    async def requires(*, model: str | None) -> None: ...

    async def changes(*, model: str | None = "m") -> None: ...

    assert compare_signature(member, keeps) == []
    [required] = compare_signature(member, requires)
    assert required.check.id == "structure.params.no-new-required", required
    assert "gives `model` the default None;" in required.message and "FieldInfo" not in required.message
    [changed] = compare_signature(member, changes)
    assert "defaults `model` to None; the provider defaults it to 'm'" in changed.message, changed

    # The other way round stays a finding: a provider's own Field(...) default reaches direct callers as a FieldInfo.
    plain = dataclasses.replace(member, params=(dataclasses.replace(declared, default=None),))

    async def fieldinfo(*, model: str | None = Field(default=None)) -> None: ...

    [kept] = compare_signature(plain, fieldinfo)
    assert kept.check.id == "structure.params.defaults-kept" and "FieldInfo" in kept.message, kept


def test_the_dpo_config_the_suite_sends_fits_every_generation_that_has_one() -> None:
    """``suites.post_training.helpers.DPO_CONFIG`` against DPOAlignmentConfig as llama-stack 0.2.14 declares it
    (``llama_stack/apis/post_training/post_training.py``: four required floats) and as llama-stack-api 0.4-0.6 do
    (``post_training/models.py``: ``beta`` and a defaulted ``loss_type``). Copied here: no env of the kit's tests
    installs either; each generation's model keeps its own fields and ignores the others."""
    from typing import Literal

    from pydantic import BaseModel

    from llama_conformance_suites.post_training.helpers import DPO_CONFIG

    class DPOAlignmentConfig02(BaseModel):
        reward_scale: float
        reward_clip: float
        epsilon: float
        gamma: float

    class DPOAlignmentConfig04(BaseModel):
        beta: float
        loss_type: Literal["sigmoid", "hinge", "ipo", "kto_pair"] = "sigmoid"

    assert DPOAlignmentConfig02.model_validate(DPO_CONFIG).model_dump() == {
        "reward_scale": 1.0, "reward_clip": 5.0, "epsilon": 0.1, "gamma": 0.99}
    assert DPOAlignmentConfig04.model_validate(DPO_CONFIG).model_dump() == {"beta": 0.1, "loss_type": "sigmoid"}

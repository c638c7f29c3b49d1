"""Structural suite: the provider has the shape its protocol declares.

One test per protocol member (``test_structure[files.openai_list_files]``) and per declared
attribute. MUST findings fail the test; SHOULD findings are reported as warnings.
"""

from __future__ import annotations

import pytest

from llama_conformance.contract import AttributeSpec, MemberSpec
from llama_conformance.evidence import Inconclusive
from llama_conformance.harness.build import is_missing
from llama_conformance.pytest_plugin.session import KitSession
from llama_conformance.pytest_plugin.verdict import judge, require_built
from llama_conformance.structural import check_attribute, check_member

pytestmark = [pytest.mark.structural]

MEMBER_CHECKS = ("structure.member.present", "structure.member.callable", "structure.member.async",
                 "structure.member.stream-returns-iterator", "structure.member.not-protocol-stub",
                 "structure.params.names-and-kinds", "structure.params.no-new-required",
                 "structure.params.defaults-kept", "structure.annotations.compatible",
                 "structure.routing.implied-member")
ATTRIBUTE_CHECKS = ("structure.attribute.present", "structure.attribute.assignable", "structure.attribute.type")


@pytest.mark.checks("lifecycle.build")
def test_build(llama_session: KitSession) -> None:
    """lifecycle.build: the factory returns a provider within the timeout."""
    put = llama_session.provider()
    if put.build_inconclusive:
        raise Inconclusive(["lifecycle.build"], f"{put.build_inconclusive} ({put.build_error})")
    if put.build_error:
        pytest.fail(f"[MUST lifecycle.build] {put.build_error}", pytrace=False)


@pytest.mark.checks(*MEMBER_CHECKS)
def test_structure(
    llama_session: KitSession, structural_member: MemberSpec, request: pytest.FixtureRequest
) -> None:
    put = require_built(llama_session)
    judge(request, check_member(put.impl, structural_member), strict=llama_session.options.strict)


@pytest.mark.checks(*ATTRIBUTE_CHECKS)
def test_attribute(
    llama_session: KitSession, structural_attribute: AttributeSpec, request: pytest.FixtureRequest
) -> None:
    put = require_built(llama_session)
    value = put.own_attributes.get(structural_attribute.name)
    missing = is_missing(value)
    judge(request, check_attribute(structural_attribute, put.impl, None if missing else value, missing),
          strict=llama_session.options.strict)

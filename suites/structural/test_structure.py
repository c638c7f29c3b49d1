"""Structural suite: the provider has the shape its protocol declares.

One test per protocol member (``test_structure[files.openai_list_files]``) and per declared
attribute. MUST findings fail the test; SHOULD findings are reported as warnings.
"""

from __future__ import annotations

import pytest

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
    finding,
)
from llama_conformance.contract import AttributeSpec, MemberSpec
from llama_conformance.evidence import Inconclusive
from llama_conformance.harness.build import is_missing
from llama_conformance.pytest_plugin.session import KitSession
from llama_conformance.pytest_plugin.verdict import fail_with, judge, require_built
from llama_conformance.structural import check_attribute, check_member

pytestmark = [pytest.mark.structural]

MEMBER_CHECKS = (MEMBER_PRESENT, MEMBER_CALLABLE, MEMBER_ASYNC, STREAM_RETURNS_ITERATOR, MEMBER_NOT_STUB,
                 PARAMS_NAMES_AND_KINDS, PARAMS_NO_NEW_REQUIRED, PARAMS_DEFAULTS_KEPT, PARAMS_ANNOTATIONS,
                 ROUTING_IMPLIED_MEMBER)
ATTRIBUTE_CHECKS = (ATTRIBUTE_PRESENT, ATTRIBUTE_ASSIGNABLE, ATTRIBUTE_TYPE)


@pytest.mark.checks(BUILD)
def test_build(llama_session: KitSession) -> None:
    """lifecycle.build: the factory returns a provider within the timeout."""
    put = llama_session.provider()
    if put.build_inconclusive:
        raise Inconclusive([BUILD.id], f"{put.build_inconclusive} ({put.build_error})")
    if put.build_error:
        fail_with([finding(BUILD, put.build_error)])


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

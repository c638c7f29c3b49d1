"""Files under absurd sizes: ``call.resource-bound`` for ``openai_list_files``.

``limit`` is documented 1-10,000 and bounded by neither package: ``limit=2147483647`` is a
valid request. A provider answers it with what it has (a page cannot be longer than the
files stored) or refuses it with a typed error; it must not size a buffer or a query by it.
"""

from __future__ import annotations

import pytest

from llama_conformance.behaviour import resource_bound as rb
from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER

pytestmark = [pytest.mark.behavioral, pytest.mark.api("files")]


@pytest.mark.checks(rb.CHECK_ID, *ANSWER)
def test_files_resource_bound(llama_kit: Kit) -> None:
    """call.resource-bound: an absurd list limit is refused (4xx) or answered within the deadline."""
    kit = llama_kit
    member = kit.member("openai_list_files")
    if member.request_model is None:
        pytest.skip(f"{member.member_id} takes no request model in {kit.put.contract.package}")
    cases = rb.absurd_cases(member.request_model, {})
    if not rb.check_cases(kit, member, cases, lambda case: kit.call_request(member, case.request)):
        pytest.skip(f"{member.member_id}'s request has no size field to make absurd")

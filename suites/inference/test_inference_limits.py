"""Inference under absurd sizes: ``call.resource-bound`` for chat, completions, embeddings, rerank.

One request per size field (``n``, ``max_tokens``, ``best_of``, ``dimensions``,
``max_num_results`` ...) and per input (a prompt of 8 MB, a batch of 100,000 inputs), each
grown from a minimal valid request naming a served model
(``llama_conformance.behaviour.resource_bound``). Each must be refused with a typed error
or answered within the deadline. A kind whose member the package lacks, or for which the
provider serves no model, is not called; an unimplemented member answers 501, which is not
this check's business (``capability.declared-implemented`` is).
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour import resource_bound as rb
from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER

pytestmark = [pytest.mark.behavioral, pytest.mark.api("inference")]

# member -> (model kind, the minimal request besides its model)
BASES: dict[str, tuple[str, dict[str, Any]]] = {
    "openai_chat_completion": ("llm", {"messages": [{"role": "user", "content": "Say hi."}]}),
    "openai_completion": ("llm", {"prompt": "Once upon a time"}),
    "openai_embeddings": ("embedding", {"input": ["first", "second"]}),
    "rerank": ("rerank", {"query": "capital of France", "items": ["Paris", "Bananas"]}),
}


@pytest.mark.checks(rb.CHECK_ID, *ANSWER)
def test_inference_resource_bound(llama_kit: Kit) -> None:
    """call.resource-bound: absurd sizes are refused (4xx) or answered within the deadline."""
    kit = llama_kit
    members = {m.name: m for m in kit.put.surface.members}
    checked: list[str] = []
    for name, (kind, base) in BASES.items():
        member = members.get(name)
        served = kit.served().of(kind)
        if member is None or member.request_model is None or not served or not hasattr(kit.put.impl, name):
            continue
        cases = rb.absurd_cases(member.request_model, {"model": served[0], **base})
        rb.check_cases(kit, member, cases, lambda case, member=member: kit.call_request(member, case.request))
        checked.append(member.member_id)
    if not checked:
        pytest.skip("no inference member could be called with absurd sizes: the provider serves no model "
                    "for chat, completions, embeddings or rerank")

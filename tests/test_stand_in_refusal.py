"""A model the kit's stand-in inference does not serve is the kit's gap, not the provider's defect.

llama-stack 0.7.3's ``inline::llama-guard`` moderates with the model its caller names (the shield's
``provider_resource_id``), ``inline::llm-as-judge`` asks for its functions' ``judge_model``: against the
kit's stand-in, which serves only ``kit-echo`` / ``kit-embed``, both pass on the stand-in's
``ModelNotFoundError``. A call that must answer and ends that way is inconclusive (a deployment registers
the model); the same error raised by the provider itself, or without the provider asking a stand-in to
generate, still fails the check.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.judge import CheckFailed, Judge
from llama_conformance.capabilities import Manifest
from llama_conformance.evidence import EvidenceLog, Inconclusive
from llama_conformance_fixtures._api import api
from llama_conformance_fixtures.reference.inference import KitInferenceConfig, KitInferenceImpl

CHECK = "safety.moderation"


async def _moderate_with(model: str) -> None:
    """What llama-guard's run_moderation does: generate with the model it was given."""
    stand_in = KitInferenceImpl(KitInferenceConfig())
    await stand_in.openai_chat_completion(api.OpenAIChatCompletionRequestWithExtraBody(
        model=model, messages=[{"role": "user", "content": "Is this safe?"}]))


def _error(coroutine: Any) -> BaseException:
    try:
        asyncio.run(coroutine)
    except Exception as exc:  # the error the provider passed on, traceback and all
        return exc
    raise AssertionError("the call was expected to raise")


async def _provider_raises_itself(model: str) -> None:
    raise api.ModelNotFoundError(model)


def _judge(asked_stand_in: bool) -> Judge:
    log = EvidenceLog()
    if asked_stand_in:
        log.record_stand_in("safety.run_moderation", "inference.openai_chat_completion")
    return Judge(Manifest(), evidence=log, mark=0)


def test_the_stand_ins_model_not_found_is_inconclusive() -> None:
    outcome = Outcome("safety.run_moderation", error=_error(_moderate_with("kit-shield")))
    with pytest.raises(Inconclusive) as raised:
        _judge(asked_stand_in=True).answered(outcome, CHECK)
    assert raised.value.check_ids == [CHECK]
    assert "does not serve" in raised.value.cause and "--llama-stack-config" in raised.value.cause


def test_the_providers_own_model_not_found_still_fails() -> None:
    outcome = Outcome("safety.run_moderation", error=_error(_provider_raises_itself("kit-shield")))
    with pytest.raises(CheckFailed, match=CHECK):
        _judge(asked_stand_in=True).answered(outcome, CHECK)


def test_without_a_generation_asked_of_the_stand_in_it_still_fails() -> None:
    outcome = Outcome("safety.run_moderation", error=_error(_moderate_with("kit-shield")))
    with pytest.raises(CheckFailed, match=CHECK):
        _judge(asked_stand_in=False).answered(outcome, CHECK)

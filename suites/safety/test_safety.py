"""Safety suite: run_shield on clean and drawn input, unknown shields, run_moderation, unregister.

Shields are registered as the shields routing table does (in-process only: the server
gives ``register_shield`` no route); see ``llama_conformance.behaviour.safety``. A server
registers a shield once and keeps it, so the tests re-register (idempotent) and only the
last one unregisters: a provider that cannot register a shield again after unregistering
it does not fail every test.

Drawn text is salted with what shields exist for (PII shapes, injection phrases, unsafe
requests, insecure code: ``llama_conformance.strategies.domain``), so a shield's detection
path, and any rewriting it does to the caller's messages, is reached within the fast budget.
"""

from __future__ import annotations

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.behaviour.safety import (
    MESSAGES,
    moderation_inputs,
    register_shield,
    run_moderation,
    run_shield,
    unregister_shield,
)
from llama_conformance.behaviour.steps import refused_cleanly

pytestmark = [pytest.mark.behavioral, pytest.mark.api("safety")]

CLEAN = ("Hello! How are you today?", "What is the capital of France?", "Please summarize this paragraph.")


def _clean_messages(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


@pytest.mark.checks("safety.shield.register", "safety.run-shield.clean", *ANSWER)
def test_run_shield_clean_input(llama_kit: Kit) -> None:
    """safety.run-shield.clean: benign text gets a valid answer with no error-level violation."""
    kit = llama_kit
    shield = register_shield(kit)
    for text in CLEAN:
        outcome = run_shield(kit, shield.identifier, _clean_messages(text))
        kit.judge.answered(outcome, "safety.run-shield.clean")
        kit.validate(outcome, kit.member("run_shield"), expect_stream=False, check_id="safety.run-shield.clean")
        violation = outcome.value.violation
        # An INFO/WARN "violation" reporting a pass is tolerated: in-tree consumers (agents,
        # responses) block only on ViolationLevel.ERROR.
        level = str(getattr(getattr(violation, "violation_level", None), "value", "")) if violation else ""
        kit.judge.check(level != "error", "safety.run-shield.clean",
                        f"run_shield blocks the clean input {text!r} with an error-level violation: {violation!r}.")


@pytest.mark.checks("safety.shield.register", "safety.run-shield.fuzz", *ANSWER, *FUZZED)
def test_run_shield_fuzz(llama_kit: Kit) -> None:
    """safety.run-shield.fuzz: drawn conversations (with PII, injections, unsafe requests, insecure
    code) are answered validly or refused with a typed error; call.request-unchanged: never rewritten."""
    kit = llama_kit
    shield = register_shield(kit)
    member = kit.member("run_shield")

    def body(messages: list[dict]) -> None:
        outcome = run_shield(kit, shield.identifier, messages)
        if refused_cleanly(kit, outcome, "safety.run-shield.fuzz"):
            return
        kit.validate(outcome, member, expect_stream=False, check_id="safety.run-shield.fuzz")

    kit.examples(MESSAGES, body, label="messages")


@pytest.mark.checks("safety.shield.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_shield(llama_kit: Kit) -> None:
    """safety.shield.not-found: an unknown shield id is a client error, never a clean verdict."""
    kit = llama_kit
    ids = unknown_ids("kit-unknown-", known="kit-shield-does-not-exist", max_size=30)

    def body(shield_id: str) -> None:
        expect_not_found(kit, run_shield(kit, shield_id, _clean_messages(CLEAN[0])), "safety.shield.not-found",
                         f"run_shield(shield_id={shield_id!r})")

    kit.examples(ids, body, label="shield_id")


@pytest.mark.checks("safety.shield.register", "safety.moderation", "safety.moderation.clean",
                    "call.request-unchanged", *ANSWER)
def test_run_moderation_shape(llama_kit: Kit) -> None:
    """safety.moderation: one result per input (a string or a list of clean and drawn, domain-salted
    texts); safety.moderation.clean (SHOULD): the clean ones are not flagged."""
    kit = llama_kit
    shield = register_shield(kit)
    member = kit.member("run_moderation")

    def body(inputs: str | list[str]) -> None:
        outcome = run_moderation(kit, inputs, shield.provider_resource_id)
        kit.judge.answered(outcome, "safety.moderation")
        kit.validate(outcome, member, expect_stream=False, check_id="safety.moderation")
        expected = len(inputs) if isinstance(inputs, list) else 1
        results = outcome.value.results
        kit.judge.check(len(results) == expected, "safety.moderation",
                        f"run_moderation of {expected} input(s) returned {len(results)} results.")
        clean = [text for text in (inputs if isinstance(inputs, list) else [inputs]) if text in CLEAN]
        flagged = [r for r, text in zip(results, inputs if isinstance(inputs, list) else [inputs], strict=False)
                   if text in clean and r.flagged]
        kit.judge.check(not flagged, "safety.moderation.clean",
                        f"run_moderation flags clean input among {inputs!r}.")

    kit.examples(moderation_inputs(CLEAN), body, label="input")


@pytest.mark.checks("safety.shield.register", "safety.shield.unregister", *ANSWER)
def test_unregister_shield(llama_kit: Kit) -> None:
    """safety.shield.unregister: the routing table's unregister_shield(identifier) answers."""
    kit = llama_kit
    shield = register_shield(kit)
    kit.judge.answered(unregister_shield(kit, shield), "safety.shield.unregister")

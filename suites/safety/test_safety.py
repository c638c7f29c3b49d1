"""Safety suite: run_shield on clean and drawn input, run_moderation, unregister.

Shields are registered as the shields routing table does (in-process only: the server
gives ``register_shield`` no route); see ``helpers.py`` beside this file. A server
registers a shield once and keeps it, so the tests re-register (idempotent) and only the
last one unregisters: a provider that cannot register a shield again after unregistering
it does not fail every test.

Drawn text is salted with what shields exist for (PII shapes, injection phrases, unsafe
requests, insecure code: ``llama_conformance.strategies.domain``), so a shield's detection
path, and any rewriting it does to the caller's messages, is reached within the fast budget.
Each test names the checks it makes (``checks.py``); unknown shield ids are the shared
negative table's row (``WING.unknown_ids``: ``test_unknown_ids[safety]``).
"""

from __future__ import annotations

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED
from llama_conformance.behaviour.steps import refused_cleanly
from llama_conformance.engine_checks import REQUEST_UNCHANGED, TYPED_ERROR
from llama_conformance_suites.safety.checks import (
    CLEAN,
    MODERATION,
    MODERATION_CLEAN,
    RUN_SHIELD_CLEAN,
    RUN_SHIELD_FUZZ,
    SHIELD_REGISTER,
    SHIELD_UNREGISTER,
)
from llama_conformance_suites.safety.helpers import (
    MESSAGES,
    moderation_inputs,
    register_shield,
    run_moderation,
    run_shield,
    unregister_shield,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("safety")]


def _clean_messages(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


@pytest.mark.checks(SHIELD_REGISTER, RUN_SHIELD_CLEAN, TYPED_ERROR, *ANSWER)
def test_run_shield_clean_input(llama_kit: Kit) -> None:
    """safety.run-shield.clean: benign text gets a valid answer with no error-level violation."""
    kit = llama_kit
    shield = register_shield(kit)
    for text in CLEAN:
        answer = kit.accept(run_shield(kit, shield.identifier, _clean_messages(text)), "run_shield", RUN_SHIELD_CLEAN)
        violation = answer.violation
        # An INFO/WARN "violation" reporting a pass is tolerated: in-tree consumers (agents,
        # responses) block only on ViolationLevel.ERROR.
        level = str(getattr(getattr(violation, "violation_level", None), "value", "")) if violation else ""
        kit.judge.check(level != "error", RUN_SHIELD_CLEAN,
                        f"run_shield blocks the clean input {text!r} with an error-level violation: {violation!r}.")


@pytest.mark.checks(SHIELD_REGISTER, RUN_SHIELD_FUZZ, *ANSWER, *FUZZED)
def test_run_shield_fuzz(llama_kit: Kit) -> None:
    """safety.run-shield.fuzz: drawn conversations (with PII, injections, unsafe requests, insecure
    code) are answered validly or refused with a typed error; call.request-unchanged: never rewritten."""
    kit = llama_kit
    shield = register_shield(kit)
    member = kit.member("run_shield")

    def body(messages: list[dict]) -> None:
        outcome = run_shield(kit, shield.identifier, messages)
        if refused_cleanly(kit, outcome, RUN_SHIELD_FUZZ):
            return
        kit.validate(outcome, member, expect_stream=False, check_id=RUN_SHIELD_FUZZ)

    kit.examples(MESSAGES, body, label="messages")


@pytest.mark.checks(SHIELD_REGISTER, MODERATION, MODERATION_CLEAN, REQUEST_UNCHANGED, TYPED_ERROR, *ANSWER)
def test_run_moderation_shape(llama_kit: Kit) -> None:
    """safety.moderation: one result per input (a string or a list of clean and drawn, domain-salted
    texts); safety.moderation.clean (SHOULD): the clean ones are not flagged."""
    kit = llama_kit
    shield = register_shield(kit)
    member = kit.member("run_moderation")

    def body(inputs: str | list[str]) -> None:
        answer = kit.accept(run_moderation(kit, inputs, shield.provider_resource_id), member, MODERATION)
        expected = len(inputs) if isinstance(inputs, list) else 1
        results = answer.results
        kit.judge.check(len(results) == expected, MODERATION,
                        f"run_moderation of {expected} input(s) returned {len(results)} results.")
        clean = [text for text in (inputs if isinstance(inputs, list) else [inputs]) if text in CLEAN]
        flagged = [r for r, text in zip(results, inputs if isinstance(inputs, list) else [inputs], strict=False)
                   if text in clean and r.flagged]
        kit.judge.check(not flagged, MODERATION_CLEAN, f"run_moderation flags clean input among {inputs!r}.")

    kit.examples(moderation_inputs(CLEAN), body, label="input")


@pytest.mark.checks(SHIELD_REGISTER, SHIELD_UNREGISTER, TYPED_ERROR, *ANSWER)
def test_unregister_shield(llama_kit: Kit) -> None:
    """safety.shield.unregister: the routing table's unregister_shield(identifier) answers."""
    kit = llama_kit
    shield = register_shield(kit)
    kit.judge.answered(unregister_shield(kit, shield), SHIELD_UNREGISTER)

"""Behavioural checks of the safety API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("safety.shield.register", MUST,
             "register_shield accepts a shield the provider serves, as the shields routing table sends it",
             "safety", None, reference="ShieldsProtocolPrivate.register_shield(shield: Shield)"),
    CheckDef("safety.run-shield.clean", MUST,
             "run_shield on a registered shield with clean input returns a valid RunShieldResponse with no "
             "error-level violation", "safety", None,
             reference="Safety.run_shield; POST /v1/safety/run-shield; RunShieldRequest; RunShieldResponse",
             judges_dependency_answers=True),
    CheckDef("safety.run-shield.fuzz", MUST,
             "Drawn messages get a valid RunShieldResponse or a typed error", "safety", None,
             reference="Safety.run_shield; RunShieldRequest.messages; RunShieldResponse; SafetyViolation"),
    CheckDef("safety.shield.not-found", MUST,
             "run_shield with an unknown shield id raises a client (4xx) error, not a response", "safety", None,
             reference="Safety.run_shield; RunShieldRequest.shield_id; ShieldStore.get_shield"),
    CheckDef("safety.moderation", MUST,
             "run_moderation returns a valid ModerationObject with one result per input, in input order",
             "safety", None,
             reference="Safety.run_moderation; POST /v1/moderations; RunModerationRequest; ModerationObject"),
    CheckDef("safety.moderation.clean", SHOULD, "Clean input is not flagged by run_moderation", "safety", None,
             reference="Safety.run_moderation; ModerationObjectResults.flagged", judges_dependency_answers=True),
    CheckDef("safety.shield.unregister", MUST,
             "unregister_shield (which the shields routing table calls) answers for a registered shield",
             "safety", None,
             reference="ShieldsProtocolPrivate.unregister_shield(identifier); DELETE /v1/shields/{identifier}"),
)

register(*CHECKS)

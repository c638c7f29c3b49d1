"""The safety wing's check table: what the Safety API promises, and the broken fixtures that prove it.

Each check is declared once, here (the suite and the proofs use these names). ``WING`` is what
``llama_conformance.catalogue`` registers.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing
from llama_conformance.engine_checks import REQUEST_UNCHANGED, TYPED_ERROR

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "safety"

SHIELD_REGISTER = CheckDef("safety.shield.register", MUST,
                           "register_shield accepts a shield the provider serves, as the shields routing table sends "
                           "it", API, None, reference="ShieldsProtocolPrivate.register_shield(shield: Shield)")
RUN_SHIELD_CLEAN = CheckDef("safety.run-shield.clean", MUST,
                            "run_shield on a registered shield with clean input returns a valid RunShieldResponse with "
                            "no error-level violation", API, None,
                            reference="Safety.run_shield; POST /v1/safety/run-shield; RunShieldRequest; "
                                      "RunShieldResponse",
                            judges_dependency_answers=True)
RUN_SHIELD_FUZZ = CheckDef("safety.run-shield.fuzz", MUST,
                           "Drawn messages get a valid RunShieldResponse or a typed error", API, None,
                           reference="Safety.run_shield; RunShieldRequest.messages; RunShieldResponse; "
                                     "SafetyViolation")
SHIELD_NOT_FOUND = CheckDef("safety.shield.not-found", MUST,
                            "run_shield with an unknown shield id raises a client (4xx) error, not a response", API,
                            None, reference="Safety.run_shield; RunShieldRequest.shield_id; ShieldStore.get_shield")
MODERATION = CheckDef("safety.moderation", MUST,
                      "run_moderation returns a valid ModerationObject with one result per input, in input order",
                      API, None,
                      reference="Safety.run_moderation; POST /v1/moderations; RunModerationRequest; ModerationObject")
MODERATION_CLEAN = CheckDef("safety.moderation.clean", SHOULD, "Clean input is not flagged by run_moderation", API,
                            None, reference="Safety.run_moderation; ModerationObjectResults.flagged",
                            judges_dependency_answers=True)
SHIELD_UNREGISTER = CheckDef("safety.shield.unregister", MUST,
                             "unregister_shield (which the shields routing table calls) answers for a registered "
                             "shield", API, None,
                             reference="ShieldsProtocolPrivate.unregister_shield(identifier); "
                                       "DELETE /v1/shields/{identifier}")

# Benign texts: no shield may block them (safety.run-shield.clean) nor flag them (safety.moderation.clean).
CLEAN = ("Hello! How are you today?", "What is the capital of France?", "Please summarize this paragraph.")

# Runs of the safety suites (llama-stack-api 0.x only) on one broken fixture, with a fixed seed: a
# rare draw (a moderation of one input only, no PII shape to redact) must not hide the defect.
_SUITES = ("-m", "behavioral or negative")
_SEEDED = ("--hypothesis-seed=1",)
_PACKAGE = "llama_stack_api"


def _proof(fixture: str, test: str, *checks: CheckDef) -> Proof:
    return Proof(fixture, {test: checks}, run=(*_SUITES, "-k", test.partition("[")[0], *_SEEDED), package=_PACKAGE)


WING = Wing(
    api=API,
    checks=(SHIELD_REGISTER, RUN_SHIELD_CLEAN, RUN_SHIELD_FUZZ, SHIELD_NOT_FOUND, MODERATION, MODERATION_CLEAN,
            SHIELD_UNREGISTER),
    proofs=(
        _proof("safety-register-shadowed", "test_run_shield_clean_input", SHIELD_REGISTER),
        _proof("safety-clean-flagged", "test_run_shield_clean_input", RUN_SHIELD_CLEAN),
        _proof("safety-assistant-crash", "test_run_shield_fuzz", RUN_SHIELD_FUZZ, TYPED_ERROR),
        # only text with a PII shape is rewritten: caught because drawn messages carry domain values
        # (the finding names the rewritten path: tests/test_ls07_suites.py reads this row's run)
        _proof("safety-redacts-in-place", "test_run_shield_fuzz", REQUEST_UNCHANGED),
        _proof("safety-unknown-shield-clean", "test_unknown_ids[safety]", SHIELD_NOT_FOUND),
        _proof("safety-moderation-one-result", "test_run_moderation_shape", MODERATION),
        _proof("safety-unregister-fails", "test_unregister_shield", SHIELD_UNREGISTER),
        Proof("safety-moderation-flags-all", run=(*_SUITES, "-k", "test_run_moderation_shape", *_SEEDED),
              warns=((MODERATION_CLEAN, "run_moderation flags clean input among *"),), package=_PACKAGE),
    ),
    unknown_ids=(
        UnknownIds(SHIELD_NOT_FOUND, prefix="kit-unknown-", known="kit-shield-does-not-exist", max_size=30,
                   label="shield_id", calls=(
                       UnknownCall("run_shield", "shield_id", {"messages": [{"role": "user", "content": CLEAN[0]}]}),
                   )),
    ),
)

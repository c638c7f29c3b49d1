"""Safety helpers for the suites: register a shield the way the shields routing table does.

The routing table stores the shield (the provider reads it back through ``shield_store``)
and calls the provider's ``register_shield``. Which shield ids a provider serves is its
own business (code-scanner takes only ``code-scanner`` / ``code-shield``), so the kit
offers a short list of provider resource ids and keeps the first one the provider accepts.

Drawn inputs carry what shields exist for (``llama_conformance.strategies.domain``): about
half of the drawn texts hold a PII shape, an injection phrase, an unsafe request or insecure
code, so a shield's detection path runs on the fast profile's dozen examples, not only its
"nothing found" path. ``run_shield`` / ``run_moderation`` name the field path a provider
changed in the caller's request (a redaction shield rewriting ``messages[0].content``).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.judge import CheckFailed
from llama_conformance.behaviour.request_diff import describe_changes
from llama_conformance.behaviour.steps import owner, routing_call
from llama_conformance.checks import CheckDef, Finding
from llama_conformance.contract.members import MemberSpec
from llama_conformance.contract.shapes import message_payload
from llama_conformance.engine_checks import REQUEST_UNCHANGED
from llama_conformance.strategies.alphabet import WIRE_CHARACTERS
from llama_conformance.strategies.domain import salted
from llama_conformance_suites.safety.checks import SHIELD_REGISTER, SHIELD_UNREGISTER

SHIELD_ENV = "LLAMA_CONFORMANCE_SHIELD_ID"
# Tried in order: the environment's choice, the kit's own name, the in-tree code scanner's.
CANDIDATES = ("kit-shield", "code-scanner")

ROLES = ("user", "system", "assistant")
DRAWN_TEXT = st.text(WIRE_CHARACTERS, min_size=1, max_size=200)
# Half drawn text, half drawn text holding a domain value: PII for half of those. Measured in
# tests/test_domain_values.py: every one of 100 seeds reaches a PII shape within the fast
# profile's 12 examples, where plain drawn text reaches none.
TEXT = salted(DRAWN_TEXT, percent=50)
MESSAGES = st.lists(st.fixed_dictionaries({"role": st.sampled_from(ROLES), "content": TEXT}), min_size=1, max_size=4)


def candidates() -> tuple[str, ...]:
    chosen = os.environ.get(SHIELD_ENV)
    return (chosen,) if chosen else CANDIDATES


def _store(kit: Kit) -> Any:
    return getattr(kit.put.impl, "shield_store", None)


def register_shield(kit: Kit) -> Any:
    """A shield the provider accepted (also added to its injected store); skip when it takes none."""
    refusals = []
    for resource in candidates():
        # identifier = provider resource id: what `register_shield(shield_id=...)` makes when no
        # provider_shield_id is given, and what the router then passes on to run_shield.
        shield = kit.api.Shield(identifier=resource, provider_resource_id=resource, provider_id=owner(kit))
        store = _store(kit)
        if callable(getattr(store, "add", None)):
            store.add(shield)  # the routing table stores it before it calls the provider
        outcome = routing_call(kit, "register_shield", shield, check_id=SHIELD_REGISTER)
        kit.judge.no_hang(outcome)
        if outcome.error is None:
            return shield
        kit.judge.typed_rejection(outcome)
        refusals.append(f"{resource!r}: {outcome.describe_error()}")
    pytest.skip(f"the provider accepts none of the shields the kit can name ({'; '.join(refusals)}); set "
                f"{SHIELD_ENV} to a provider_resource_id it serves")


def unregister_shield(kit: Kit, shield: Any, check: CheckDef = SHIELD_UNREGISTER) -> Any:
    outcome = routing_call(kit, "unregister_shield", shield.identifier, check_id=check)
    remove = getattr(_store(kit), "remove", None)
    if callable(remove):
        remove(shield.identifier)
    return outcome


def moderation_inputs(clean: tuple[str, ...]) -> st.SearchStrategy[str | list[str]]:
    """One input or a list: ``clean`` texts (judged by ``MODERATION_CLEAN``) and drawn ones."""
    text = st.one_of(st.sampled_from(clean), TEXT)
    return st.one_of(text, st.lists(text, min_size=1, max_size=4))


def _call_naming_changes(kit: Kit, member: MemberSpec, request: Any) -> Outcome:
    """``kit.call_request``, with a ``REQUEST_UNCHANGED`` finding that names the changed paths.

    The kit's comparison names the top-level field only (``messages``); a shield author needs
    ``messages[1].content`` and what the text became (redacted of the run's secrets).
    """
    before = request.model_dump()
    try:
        return kit.call_request(member, request)
    except CheckFailed as failed:
        detail = describe_changes(before, request.model_dump(), kit.put.redactor)
        if not detail:
            raise
        findings = [_detailed(item, member, detail) for item in failed.findings]
        raise CheckFailed(findings) from None


def _detailed(item: Finding, member: MemberSpec, detail: str) -> Finding:
    if item.check.id != REQUEST_UNCHANGED.id:
        return item
    return replace(item, message=f"{member.member_id} changed the caller's request in place: {detail}. The "
                                 "server hands the same objects on (to inference, the next shield, logs): "
                                 "judge a copy, never rewrite the input.")


def _ask_naming_changes(kit: Kit, name: str, **payload: Any) -> Outcome:
    member = kit.member(name)
    return _call_naming_changes(kit, member, kit.request(member, payload))


def run_shield(kit: Kit, shield_id: str, messages: list[dict[str, Any]]) -> Outcome:
    # each message as the generation's model of its role requires (llama-stack 0.2: an assistant's stop_reason)
    messages = [message_payload(kit.api, message) for message in messages]
    return _ask_naming_changes(kit, "run_shield", shield_id=shield_id, messages=messages)


def run_moderation(kit: Kit, text: str | list[str], model: str | None) -> Outcome:
    return _ask_naming_changes(kit, "run_moderation", input=text, **({"model": model} if model else {}))

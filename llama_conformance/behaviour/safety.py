"""Safety helpers for the suites: register a shield the way the shields routing table does.

The routing table stores the shield (the provider reads it back through ``shield_store``)
and calls the provider's ``register_shield``. Which shield ids a provider serves is its
own business (code-scanner takes only ``code-scanner`` / ``code-shield``), so the kit
offers a short list of provider resource ids and keeps the first one the provider accepts.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from llama_conformance.behaviour.benchmarks import owner, routing_call
from llama_conformance.behaviour.context import Kit

SHIELD_ENV = "LLAMA_CONFORMANCE_SHIELD_ID"
# Tried in order: the environment's choice, the kit's own name, the in-tree code scanner's.
CANDIDATES = ("kit-shield", "code-scanner")


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
        outcome = routing_call(kit, "register_shield", shield, check_id="safety.shield.register")
        kit.judge.no_hang(outcome)
        if outcome.error is None:
            return shield
        kit.judge.typed_rejection(outcome)
        refusals.append(f"{resource!r}: {outcome.describe_error()}")
    pytest.skip(f"the provider accepts none of the shields the kit can name ({'; '.join(refusals)}); set "
                f"{SHIELD_ENV} to a provider_resource_id it serves")


def unregister_shield(kit: Kit, shield: Any, check_id: str = "safety.shield.unregister") -> Any:
    outcome = routing_call(kit, "unregister_shield", shield.identifier, check_id=check_id)
    remove = getattr(_store(kit), "remove", None)
    if callable(remove):
        remove(shield.identifier)
    return outcome


def run_shield(kit: Kit, shield_id: str, messages: list[dict[str, Any]]) -> Any:
    member = kit.member("run_shield")
    return kit.call_request(member, kit.request(member, {"shield_id": shield_id, "messages": messages}))


def run_moderation(kit: Kit, text: str | list[str], model: str | None) -> Any:
    member = kit.member("run_moderation")
    return kit.call_request(member, kit.request(member, {"input": text, **({"model": model} if model else {})}))

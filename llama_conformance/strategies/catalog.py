"""Which request models exist: every ``request_models`` entry of every member of a contract."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def request_models_of(contract: Any) -> list[tuple[str, str, type[BaseModel]]]:
    """``(api, member, model)`` for each request model a protocol member takes.

    ``contract`` is a ``llama_conformance.contract.Contract`` or an API package name
    (``"ogx_api"``, ``"llama_stack_api"``). A model used by two members appears twice, once
    per member; ``UploadFile`` and plain parameters are not request models and never appear.
    """
    if isinstance(contract, str):
        from llama_conformance.contract import load_contract

        contract = load_contract(contract)
    out = []
    for api, surface in contract.surfaces.items():
        for member in surface.members:
            for model in member.request_models:
                if isinstance(model, type) and issubclass(model, BaseModel):
                    out.append((api, member.name, model))
    return out


def unique_models(entries: Any) -> list[type[BaseModel]]:
    """Models from ``(api, member, model)`` rows or bare classes, first occurrence kept."""
    seen: dict[type[BaseModel], None] = {}
    for entry in entries:
        model = entry[-1] if isinstance(entry, tuple) else entry
        seen.setdefault(model, None)
    return list(seen)

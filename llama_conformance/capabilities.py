"""What a provider claims to support beyond the core of its API: capabilities and models.

A provider declares optional capabilities with ``--llama-capability NAME`` (repeatable) or
in a manifest (``--llama-manifest FILE.yaml``)::

    capabilities: [streaming, embeddings, embeddings-dimensions]
    models:                       # registered through the provider's register_model first
      - model_id: all-minilm
        provider_resource_id: ${env.MODEL_PATH}
        model_type: embedding
        metadata: {embedding_dimension: 384}

The declaration decides how a ``NotImplementedError`` reads: for an undeclared capability
it is an honest "not supported" (a skip, with its reason shown); for a declared one it is a
broken promise (a failure). Everything else about the behaviour is checked either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_conformance.configfile import expand_env, read_yaml_mapping
from llama_conformance.errors import KitUsageError

# Capabilities the suites know, per API, with what each covers. Core behaviour of an API
# (the members every provider must implement) is not a capability: it is always checked.
KNOWN_CAPABILITIES: dict[str, dict[str, str]] = {
    "inference": {
        "chat": "chat completions with an LLM model",
        "streaming": "stream=true returns chunks (chat, and completions if declared)",
        "stream-usage": "stream_options.include_usage reports usage once, at the end",
        "completions": "legacy text completions",
        "embeddings": "embeddings with an embedding model",
        "embeddings-dimensions": "the dimensions parameter of embeddings is honoured",
        "rerank": "rerank documents against a query",
        "tool-calls": "chat requests that carry tools",
        "logprobs": "logprobs / top_logprobs return a log probability per token, with that many alternatives",
        "seed": "the same seed and request give the same answer",
        "response-format": "response_format json_object / json_schema answers parse and validate",
    },
    "files": {},
}


@dataclass(frozen=True)
class ModelDecl:
    """A model the kit registers through the provider before testing, as a routing table would."""

    model_id: str
    model_type: str = "llm"
    provider_resource_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    capabilities: frozenset[str] = frozenset()
    models: tuple[ModelDecl, ...] = ()

    def declares(self, capability: str) -> bool:
        return capability in self.capabilities


def _known(api: str | None) -> dict[str, str]:
    if api is None:
        return {name: text for table in KNOWN_CAPABILITIES.values() for name, text in table.items()}
    return KNOWN_CAPABILITIES.get(api, {})


def _check_names(names: Iterable[str], api: str | None, source: str) -> frozenset[str]:
    known = _known(api)
    unknown = sorted(set(names) - set(known))
    if unknown:
        listing = "; ".join(f"{name} ({known[name]})" for name in sorted(known)) or \
            "none (this API has only core behaviour)"
        raise KitUsageError(
            f"{source} declares unknown capabilities {', '.join(unknown)} for the {api} API. "
            f"Known capabilities: {listing}."
        )
    return frozenset(names)


def _model(raw: Any, source: str) -> ModelDecl:
    if not isinstance(raw, dict) or "model_id" not in raw:
        raise KitUsageError(
            f"{source}: every entry under `models:` needs at least `model_id` "
            f"(and usually `model_type`: llm, embedding or rerank); got {raw!r}."
        )
    allowed = {"model_id", "model_type", "provider_resource_id", "metadata"}
    extra = sorted(set(raw) - allowed)
    if extra:
        raise KitUsageError(f"{source}: model entry {raw['model_id']!r} has unknown keys {extra}; "
                            f"allowed: {sorted(allowed)}.")
    return ModelDecl(
        model_id=str(raw["model_id"]),
        model_type=str(raw.get("model_type") or "llm"),
        provider_resource_id=None if raw.get("provider_resource_id") is None else str(raw["provider_resource_id"]),
        metadata=dict(raw.get("metadata") or {}),
    )


def load_manifest(path: Path | None, cli_capabilities: Iterable[str], api: str | None) -> Manifest:
    """The manifest file (if any) merged with ``--llama-capability`` names; usage errors if malformed."""
    names = set(cli_capabilities)
    models: list[ModelDecl] = []
    if path is not None:
        source = f"Manifest {path}"
        raw = expand_env(read_yaml_mapping(path, "--llama-manifest"), set())
        unknown_keys = sorted(set(raw) - {"capabilities", "models"})
        if unknown_keys:
            raise KitUsageError(f"{source} has unknown keys {unknown_keys}; allowed: capabilities, models.")
        declared = raw.get("capabilities") or []
        if not isinstance(declared, list):
            raise KitUsageError(f"{source}: `capabilities:` must be a list of names.")
        if not isinstance(raw.get("models") or [], list):
            raise KitUsageError(f"{source}: `models:` must be a list of model entries (each with `model_id`).")
        if not declared and not raw.get("models"):
            # An empty manifest is almost always the wrong file (or an unset template): running
            # on would quietly check the provider as if it claimed nothing.
            raise KitUsageError(
                f"{source} declares no capabilities and no models ({'its lists are empty' if raw else 'it is empty'}), "
                "so it would change nothing. Fix the file you pass with --llama-manifest: list `capabilities:` "
                f"(known: {', '.join(sorted(_known(api))) or 'none for this API'}) and/or `models:` to register, "
                "or leave the option out to check core behaviour only."
            )
        names.update(str(name) for name in declared)
        models = [_model(entry, source) for entry in raw.get("models") or []]
    return Manifest(
        capabilities=_check_names(names, api, "The manifest" if path else "--llama-capability"),
        models=tuple(models),
    )

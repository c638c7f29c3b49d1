"""What a provider claims to support beyond the core of its API: capabilities and models.

A provider declares optional capabilities with ``--llama-capability NAME`` (repeatable) or
in a manifest (``--llama-manifest FILE.yaml``)::

    capabilities: [streaming, embeddings, embeddings-dimensions]
    models:                       # registered through the provider's register_model first
      - model_id: all-minilm
        provider_resource_id: ${env.MODEL_PATH}
        model_type: embedding
        metadata: {embedding_dimension: 384}
    tool_groups:                  # tool_runtime: registered through register_toolgroup first
      - toolgroup_id: mcp::docs
        mcp_endpoint: {uri: http://127.0.0.1:8000/mcp}

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
class ToolGroupDecl:
    """A tool group the kit registers with a tool runtime before testing, as a client's
    ``POST /v1/toolgroups`` (``ToolGroupInput``) has the server's routing table do.

    A run config cannot do it: ogx 1.5 and llama-stack 0.7.3 drop ``registered_resources.tool_groups``
    (``core/datatypes.py``, ``_warn_deprecated_tool_groups``), and an MCP runtime lists and calls
    tools only for a group registered with an ``mcp_endpoint``.
    """

    toolgroup_id: str
    mcp_endpoint: str | None = None
    provider_id: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    capabilities: frozenset[str] = frozenset()
    models: tuple[ModelDecl, ...] = ()
    tool_groups: tuple[ToolGroupDecl, ...] = ()

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


def _tool_group(raw: Any, source: str, api: str | None) -> ToolGroupDecl:
    allowed = {"toolgroup_id", "provider_id", "mcp_endpoint", "args"}
    if not isinstance(raw, dict) or not raw.get("toolgroup_id") or set(raw) - allowed:
        raise KitUsageError(
            f"{source}: every entry under `tool_groups:` is a ToolGroupInput, with `toolgroup_id` and optionally "
            f"`mcp_endpoint: {{uri: URL}}`, `provider_id` and `args` (allowed keys: {sorted(allowed)}); got {raw!r}."
        )
    if api not in (None, "tool_runtime"):
        raise KitUsageError(f"{source}: `tool_groups:` are registered with a tool_runtime provider, and the provider "
                            f"under test serves {api}; remove them or check a tool runtime.")
    endpoint = raw.get("mcp_endpoint")
    uri = endpoint.get("uri") if isinstance(endpoint, dict) else endpoint
    if endpoint is not None and (not isinstance(uri, str) or not uri):
        raise KitUsageError(f"{source}: tool group {raw['toolgroup_id']!r} has mcp_endpoint {endpoint!r}; "
                            "give the MCP server's URL as `mcp_endpoint: {uri: http://HOST:PORT/mcp}`.")
    if not isinstance(raw.get("args") or {}, dict):
        raise KitUsageError(f"{source}: the `args` of tool group {raw['toolgroup_id']!r} must be a mapping.")
    return ToolGroupDecl(toolgroup_id=str(raw["toolgroup_id"]), mcp_endpoint=uri,
                         provider_id=None if raw.get("provider_id") is None else str(raw["provider_id"]),
                         args=dict(raw.get("args") or {}))


def load_manifest(path: Path | None, cli_capabilities: Iterable[str], api: str | None) -> Manifest:
    """The manifest file (if any) merged with ``--llama-capability`` names; usage errors if malformed."""
    names = set(cli_capabilities)
    models: list[ModelDecl] = []
    groups: list[ToolGroupDecl] = []
    if path is not None:
        source = f"Manifest {path}"
        raw = expand_env(read_yaml_mapping(path, "--llama-manifest"), set())
        unknown_keys = sorted(set(raw) - {"capabilities", "models", "tool_groups"})
        if unknown_keys:
            raise KitUsageError(f"{source} has unknown keys {unknown_keys}; allowed: capabilities, models, "
                                "tool_groups.")
        declared = raw.get("capabilities") or []
        if not isinstance(declared, list):
            raise KitUsageError(f"{source}: `capabilities:` must be a list of names.")
        if not isinstance(raw.get("models") or [], list):
            raise KitUsageError(f"{source}: `models:` must be a list of model entries (each with `model_id`).")
        if not isinstance(raw.get("tool_groups") or [], list):
            raise KitUsageError(f"{source}: `tool_groups:` must be a list of tool group entries "
                                "(each with `toolgroup_id`).")
        if not declared and not raw.get("models") and not raw.get("tool_groups"):
            # An empty manifest is almost always the wrong file (or an unset template): running
            # on would quietly check the provider as if it claimed nothing.
            raise KitUsageError(
                f"{source} declares no capabilities and no models ({'its lists are empty' if raw else 'it is empty'}), "
                "so it would change nothing. Fix the file you pass with --llama-manifest: list `capabilities:` "
                f"(known: {', '.join(sorted(_known(api))) or 'none for this API'}) and/or `models:` or "
                f"`tool_groups:` to register, "
                "or leave the option out to check core behaviour only."
            )
        names.update(str(name) for name in declared)
        models = [_model(entry, source) for entry in raw.get("models") or []]
        groups = [_tool_group(entry, source, api) for entry in raw.get("tool_groups") or []]
    return Manifest(
        capabilities=_check_names(names, api, "The manifest" if path else "--llama-capability"),
        models=tuple(models),
        tool_groups=tuple(groups),
    )

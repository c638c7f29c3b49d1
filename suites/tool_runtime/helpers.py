"""ToolRuntime helpers for the suites: call by keyword, arguments drawn from a tool's
``input_schema``, and how an invocation ended (answered, refused in the result, or raised).

Tool schemas are small JSON Schemas (an object of scalar properties, in practice); the
strategy covers that shape and falls back to strings for anything richer. A third of the drawn
strings hold a domain value (``llama_conformance.strategies.domain``: an injection phrase, PII,
insecure code): tool arguments come from a model that read untrusted text, and that is what
a tool's quoting, logging and query building must survive.

Tool groups: a server lists a runtime's tools only per registered group
(``list_runtime_tools(group_id, group.mcp_endpoint)``, ogx 1.5 ``core/routing_tables/toolgroups.py:91-103``)
and resolves tool names through its routing table (``:114-121``), which a runtime reads as its
``tool_store``. ``listed_tools`` does the same for the groups a server would have registered
(the manifest's ``tool_groups:``, else --llama-stack-config's, else the spec's ``toolgroup_id``);
without any it lists with no group, and a 4xx to that call (a call a server never makes; an MCP
runtime needs an endpoint) is inconclusive, naming the manifest entry the user must give.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.capabilities import Manifest, ToolGroupDecl
from llama_conformance.checks import CheckDef
from llama_conformance.errors import describe_exception
from llama_conformance.evidence import Inconclusive, environment_cause
from llama_conformance.harness import ProviderUnderTest
from llama_conformance.harness.build import provider_id
from llama_conformance.strategies.domain import salted

_SCALARS: dict[str, Any] = {
    "string": salted(st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20),
                     percent=35),
    "number": st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    "integer": st.integers(min_value=-10**6, max_value=10**6),
    "boolean": st.booleans(),
}
# A value of the wrong type for each JSON type (an object fits none of the scalar types).
WRONG = {"kit": "not-a-valid-value"}


def call(kit: Kit, name: str, **kwargs: Any) -> Outcome:
    """Call member ``name`` with keyword arguments (ToolRuntime members take no request model)."""
    return kit.call(kit.member(name), **kwargs)


def _value(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if schema.get("enum"):
        return st.sampled_from(schema["enum"])
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "array":
        return st.lists(_value(schema.get("items") or {"type": "string"}), max_size=3)
    if kind == "object":
        return arguments(schema)
    return _SCALARS.get(kind or "string", _SCALARS["string"])


def arguments(schema: dict[str, Any] | None) -> Any:
    """Arguments valid for an object ``schema``: every required property, some optional ones."""
    schema = schema or {}
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required") or [] if name in properties]
    optional = {name: _value(prop) for name, prop in properties.items() if name not in required}
    return st.fixed_dictionaries({name: _value(properties[name]) for name in required},
                                 optional=optional)


def invalid_arguments(schema: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """Argument sets that violate ``schema``: each required property missing, or of a wrong type."""
    schema = schema or {}
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required") or [] if name in properties]
    if not required:
        return []
    filler = {name: example(properties[name]) for name in required}
    cases: list[tuple[str, dict[str, Any]]] = [("no arguments", {})]
    for name in required:
        cases.append((f"`{name}` missing", {k: v for k, v in filler.items() if k != name}))
        if properties[name].get("type") not in (None, "object"):
            cases.append((f"`{name}` of the wrong type", {**filler, name: WRONG}))
    return cases


def example(schema: dict[str, Any]) -> Any:
    """One fixed valid value for a property ``schema``."""
    kind = schema.get("type")
    return {"string": "kit", "number": 1.5, "integer": 2, "boolean": True, "array": [],
            "object": {}}.get(kind if isinstance(kind, str) else "string", "kit")


def refused(outcome: Outcome) -> str | None:
    """Why an invocation was refused (an error, or a result carrying error_message or an error_code
    above 0), else None.

    ``error_code`` is "Error code if the tool invocation failed" (``ToolInvocationResult``), and
    ogx's own caller takes ``error_code > 0`` as a failure (``responses/tool_executor.py:169``);
    an MCP runtime reports a tool's error that way, its text in ``content`` and no error_message
    (ogx ``providers/utils/tools/mcp.py:491-494``).
    """
    if outcome.error is not None:
        return outcome.describe_error()
    message = getattr(outcome.value, "error_message", None)
    code = getattr(outcome.value, "error_code", None)
    if message:
        return f"a result with error_message {message!r} (error_code {code})"
    if isinstance(code, int) and code > 0:
        content = getattr(outcome.value, "content", None)
        text = " ".join(str(getattr(item, "text", item)) for item in content) if isinstance(content, list) \
            else str(content)
        return (f"a result with error_code {code} and no error_message (content "
                f"{text[:200] + '...' if len(text) > 200 else text!r})")
    return None


class RegisteredToolStore:
    """The routing table's tool index for the registered groups, in front of the kit's stand-in
    store: a listed tool's name resolves to the ToolDef its group's listing returned (the MCP
    runtime reads the endpoint from its ``metadata``), else to the stand-in's answer."""

    def __init__(self, groups: list[Any], fallback: Any) -> None:
        self.groups = {group.identifier: group for group in groups}
        self.tools: dict[str, Any] = {}
        self.fallback = fallback

    async def get_tool(self, tool_name: str) -> Any:
        if tool_name in self.tools:
            return self.tools[tool_name]
        if self.fallback is None:
            raise ValueError(f"Tool '{tool_name}' not found")
        return await self.fallback.get_tool(tool_name)

    async def get_tool_group(self, toolgroup_id: str) -> Any:
        if toolgroup_id in self.groups:
            return self.groups[toolgroup_id]
        if self.fallback is None:
            raise ValueError(f"Tool group '{toolgroup_id}' not found")
        return await self.fallback.get_tool_group(toolgroup_id)


def _register_group(kit: Kit, check: CheckDef, register: Any, group: Any) -> None:
    """``register_toolgroup(group)`` as the routing table calls it; a raise fails ``check`` (an
    unreachable service: inconclusive), since a server could then serve none of the group's tools."""
    put = kit.put
    try:
        put.gate.call("tool_runtime.register_toolgroup", register, group)
    except Exception as exc:  # a GateTimeout (a hang) too: the provider's
        cause = environment_cause(exc)
        if cause is not None:
            raise Inconclusive([check.id], put.redactor(cause)) from None
        kit.judge.fail(check, put.redactor(
            f"register_toolgroup({group.identifier!r}) raised {describe_exception(exc)}: a server registers "
            "every tool group with its runtime this way before listing its tools."))


def _declared_groups(put: ProviderUnderTest, manifest: Manifest) -> tuple[ToolGroupDecl, ...]:
    """The manifest's tool groups, else those --llama-stack-config registers for the provider
    (``harness.stack_config.registered_tool_groups``), else the one the provider's spec names
    (``toolgroup_id``), which both servers register for every configured runtime at start-up (ogx 1.5
    ``core/stack.py:272-323``, llama-stack 0.7.3 ``:247-298``, ``auto_register_tool_groups``)."""
    if manifest.tool_groups:
        return manifest.tool_groups
    if put.stack is not None and put.stack.tool_groups:
        return put.stack.tool_groups
    builtin = getattr(put.entry.raw_spec, "toolgroup_id", None)
    return (ToolGroupDecl(toolgroup_id=builtin),) if isinstance(builtin, str) and builtin else ()


def _register(kit: Kit, check: CheckDef) -> RegisteredToolStore | None:
    """Register the tool groups with the provider once, as the routing table does
    (``register_toolgroup(group)``, then its store as the runtime's ``tool_store``); None without any."""
    put = kit.put
    decls = _declared_groups(put, kit.session.manifest)
    if not decls or put.over_http:
        return None
    current = getattr(put.impl, "tool_store", None)
    if isinstance(current, RegisteredToolStore):  # registered by an earlier test of this run
        return current
    api = kit.api
    groups = [api.ToolGroup(identifier=d.toolgroup_id, provider_resource_id=d.toolgroup_id,
                            provider_id=d.provider_id or provider_id(put.entry), args=d.args or None,
                            mcp_endpoint=api.URL(uri=d.mcp_endpoint) if d.mcp_endpoint else None) for d in decls]
    register = getattr(put.impl, "register_toolgroup", None)
    for group in groups:
        if callable(register):
            _register_group(kit, check, register, group)
    store = RegisteredToolStore(groups, current)
    with contextlib.suppress(AttributeError, TypeError):  # a provider refusing it: structure's tool_store check says so
        put.impl.tool_store = store
    return store


def listed_tools(kit: Kit, check: CheckDef) -> list[Any]:
    """The tools a server would list: each registered group's (indexed for ``invoke_tool``), else
    ``list_runtime_tools()``; ``check`` fails unless every listing answers valid definitions."""
    store = _register(kit, check)
    if store is None:
        outcome = call(kit, "list_runtime_tools")
        answer = outcome.answer
        if outcome.error is not None and answer is not None and answer.status < 500:
            raise Inconclusive([check.id], kit.put.redactor(
                f"list_runtime_tools() naming no tool group was refused ({outcome.describe_error()}); a server "
                "only ever lists the tools of a registered group, with its mcp_endpoint, and the kit registered "
                "none (neither the manifest nor --llama-stack-config names one, nor the provider's spec; ogx 1.5 and "
                "llama-stack 0.7.3 drop a run config's registered_resources.tool_groups). Whoever runs the kit must "
                "give the group this runtime serves, in --llama-manifest: "
                "`tool_groups: [{toolgroup_id: mcp::NAME, mcp_endpoint: {uri: http://HOST:PORT/mcp}}]`"))
        return list(kit.accept(outcome, "list_runtime_tools", check).data)
    tools: list[Any] = []
    for group in store.groups.values():
        outcome = call(kit, "list_runtime_tools", tool_group_id=group.identifier, mcp_endpoint=group.mcp_endpoint)
        for tool in kit.accept(outcome, "list_runtime_tools", check).data:
            with contextlib.suppress(AttributeError, ValueError, TypeError):
                tool.toolgroup_id = group.identifier  # as the routing table's ``_index_tools``
            store.tools[tool.name] = tool
            tools.append(tool)
    return tools

"""Behavioural checks of the tool_runtime API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "tool_runtime"

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("tool_runtime.list", MUST,
             "list_runtime_tools answers valid tool definitions: names non-empty and unique, input_schema a "
             "JSON Schema object", API, None,
             reference="ToolRuntime.list_runtime_tools; ListToolDefsResponse, "
                       "ToolDef.input_schema"),
    CheckDef("tool_runtime.invoke", MUST,
             "Arguments drawn from a listed tool's input_schema get a valid ToolInvocationResult or a typed 4xx "
             "error, never a 5xx or a hang", API, None,
             reference="ToolRuntime.invoke_tool; ToolInvocationResult"),
    CheckDef("tool_runtime.invoke.answers", SHOULD,
             "Arguments valid for a tool's input_schema are answered, not refused (no error, no error_message)",
             API, None, reference="ToolDef.input_schema; ToolRuntime.invoke_tool; ToolInvocationResult.error_message"),
    CheckDef("tool_runtime.invoke.invalid-arguments", MUST,
             "Arguments that violate the input_schema (a required one missing, a wrong type) get a typed 4xx "
             "error or a result with error_message, never a 5xx or a plain success", API, None,
             reference="ToolDef.input_schema; ToolRuntime.invoke_tool; ToolInvocationResult.error_message/"
                       "error_code"),
    CheckDef("tool_runtime.not-found", MUST,
             "Invoking an unknown tool name gets a typed 4xx error or a result with error_message", API, None,
             reference="ToolRuntime.invoke_tool(tool_name)"),
)

register(*CHECKS)

"""The tool_runtime wing's check table: what the ToolRuntime API promises, and the broken fixtures
that prove it.

Each check is declared once, here (the suite and the proofs use these names). ``WING`` is what
``llama_conformance.catalogue`` registers. Unknown tool names are judged by the suite's own test,
not a row of the negative table: the arguments come from a listed tool, and a result carrying
``error_message`` or an ``error_code`` above 0 is a refusal too.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "tool_runtime"

LIST = CheckDef("tool_runtime.list", MUST,
                "list_runtime_tools answers valid tool definitions: names non-empty and unique, input_schema a "
                "JSON Schema object", API, None,
                reference="ToolRuntime.list_runtime_tools; ListToolDefsResponse, ToolDef.input_schema")
INVOKE = CheckDef("tool_runtime.invoke", MUST,
                  "Arguments drawn from a listed tool's input_schema get a valid ToolInvocationResult or a typed 4xx "
                  "error, never a 5xx or a hang", API, None,
                  reference="ToolRuntime.invoke_tool; ToolInvocationResult")
INVOKE_ANSWERS = CheckDef("tool_runtime.invoke.answers", SHOULD,
                          "Arguments valid for a tool's input_schema are answered, not refused (no error, no "
                          "error_message, no error_code above 0)", API, None,
                          reference="ToolDef.input_schema; ToolRuntime.invoke_tool; "
                                    "ToolInvocationResult.error_message/error_code")
INVALID_ARGUMENTS = CheckDef("tool_runtime.invoke.invalid-arguments", MUST,
                             "Arguments that violate the input_schema (a required one missing, a wrong type) get a "
                             "typed 4xx error or a result with error_message or an error_code above 0, never a 5xx "
                             "or a plain success", API,
                             None, reference="ToolDef.input_schema; ToolRuntime.invoke_tool; "
                                             "ToolInvocationResult.error_message/error_code")
NOT_FOUND = CheckDef("tool_runtime.not-found", MUST,
                     "Invoking an unknown tool name gets a typed 4xx error or a result with error_message or an "
                     "error_code above 0", API, None, reference="ToolRuntime.invoke_tool(tool_name)")

# A run of the tool_runtime suites on one broken fixture (``tool-runtime-<defect>``, a subclass
# of the reference ``kit::math`` runtime), selecting the test that judges its defect.
_SUITES = ("--llama-api=tool_runtime", "-m", "behavioral or negative")


def _proof(defect: str, test: str, check: CheckDef) -> Proof:
    return Proof(f"tool-runtime-{defect}", {test: (check,)}, run=(*_SUITES, "-k", test))


WING = Wing(
    api=API,
    checks=(LIST, INVOKE, INVOKE_ANSWERS, INVALID_ARGUMENTS, NOT_FOUND),
    proofs=(
        _proof("list-duplicates", "test_list_tools", LIST),
        _proof("invoke-crashes", "test_invoke_with_valid_arguments", INVOKE),
        _proof("bad-args-key-error", "test_invoke_with_invalid_arguments", INVALID_ARGUMENTS),
        _proof("unknown-answered", "test_unknown_tool", NOT_FOUND),
        _proof("bad-args-code-zero", "test_invoke_with_invalid_arguments", INVALID_ARGUMENTS),
        Proof("tool-runtime-invoke-refuses", run=(*_SUITES, "-k", "test_invoke_with_valid_arguments"),
              warns=((INVOKE_ANSWERS, "*the runtime is busy*"),)),
        # An error_code above 0 with content that reads as an answer: refused all the same.
        Proof("tool-runtime-invoke-error-code", run=(*_SUITES, "-k", "test_invoke_with_valid_arguments"),
              warns=((INVOKE_ANSWERS, "*error_code 1 and no error_message*"),)),
    ),
)

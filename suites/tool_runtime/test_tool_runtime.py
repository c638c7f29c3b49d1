"""ToolRuntime suite: list the tools, invoke each with arguments drawn from its input_schema,
with arguments that violate it, and invoke a tool that does not exist.

A refusal may come two ways: a raised error (the server maps it to a status) or a
``ToolInvocationResult`` carrying ``error_message`` or an ``error_code`` above 0 (``tr.refused``).
Both are fine for bad arguments and unknown tools; only a 5xx (an untyped crash), a hang or a
plain success is not. The tools are those of the manifest's tool groups, listed per group as a
server lists them (``tr.listed_tools``). Each test names the checks it makes (``checks.py``
beside this file).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED, NEGATIVE
from llama_conformance.checks import CheckDef
from llama_conformance.contract.shapes import tool_input_schema
from llama_conformance_suites.tool_runtime import helpers as tr
from llama_conformance_suites.tool_runtime.checks import INVALID_ARGUMENTS, INVOKE, INVOKE_ANSWERS, LIST, NOT_FOUND

pytestmark = [pytest.mark.behavioral, pytest.mark.api("tool_runtime")]


def _tools(kit: Kit) -> list[Any]:
    return tr.listed_tools(kit, LIST)


def _crash(kit: Kit, outcome: Any, check: CheckDef, what: str) -> None:
    """A hang or a 5xx is a failure of ``check`` (with the typed-error advice)."""
    kit.judge.no_hang(outcome)
    answer = outcome.answer
    if outcome.error is not None and answer is not None and answer.server_error:
        kit.judge.fail(check, f"{what} raised {outcome.describe_error()}: a client cannot act on a "
                                 f"{answer.status}. Raise ValueError (or a typed error), or answer a "
                                 "ToolInvocationResult with error_message.")


@pytest.mark.checks(LIST, *ANSWER)
def test_list_tools(llama_kit: Kit) -> None:
    """tool_runtime.list: valid definitions, unique non-empty names, object input schemas."""
    kit = llama_kit
    tools = _tools(kit)
    names = [t.name for t in tools]
    kit.judge.check(all(names), LIST, f"a tool has an empty name: {names}.")
    twice = sorted({n for n in names if names.count(n) > 1})
    kit.judge.check(not twice, LIST, f"tools listed more than once: {twice}.")
    for tool in tools:
        schema = tool_input_schema(tool)
        if schema is None:
            continue
        from jsonschema.validators import validator_for

        try:
            validator_for(schema).check_schema(schema)
            valid = True
        except Exception as exc:  # jsonschema's SchemaError, or a schema of the wrong shape
            valid, problem = False, str(exc).splitlines()[0]
        kit.judge.check(valid, LIST, f"{tool.name}: input_schema is not a JSON Schema "
                                                    f"({problem if not valid else ''}).")
        kit.judge.check(schema.get("type", "object") == "object", LIST,
                        f"{tool.name}: input_schema has type {schema.get('type')!r}; tool arguments are an object.")


@pytest.mark.checks(LIST, INVOKE, INVOKE_ANSWERS, *ANSWER, *FUZZED)
def test_invoke_with_valid_arguments(llama_kit: Kit) -> None:
    """tool_runtime.invoke (MUST) and tool_runtime.invoke.answers (SHOULD) over drawn arguments."""
    kit = llama_kit
    tools = _tools(kit)
    if not tools:
        pytest.skip("the runtime lists no tools")
    member = kit.member("invoke_tool")
    pairs = st.one_of(*[st.tuples(st.just(t.name), tr.arguments(tool_input_schema(t))) for t in tools])

    def body(example: tuple[str, dict[str, Any]]) -> None:
        name, arguments = example
        outcome = tr.call(kit, "invoke_tool", tool_name=name, kwargs=arguments)
        what = f"invoke_tool({name!r}, {arguments!r})"
        _crash(kit, outcome, INVOKE, what)
        if outcome.error is None:
            kit.validate(outcome, member, expect_stream=False, check_id=INVOKE)
        reason = tr.refused(outcome)
        kit.judge.check(reason is None, INVOKE_ANSWERS,
                        f"{what}, valid for the tool's input_schema, was refused: {reason}.")

    kit.examples(pairs, body, label="(tool, arguments)")


@pytest.mark.checks(LIST, INVALID_ARGUMENTS, *NEGATIVE)
@pytest.mark.negative
def test_invoke_with_invalid_arguments(llama_kit: Kit) -> None:
    """tool_runtime.invoke.invalid-arguments: a required argument missing or of the wrong type."""
    kit = llama_kit
    check = INVALID_ARGUMENTS
    cases = [(t.name, label, args) for t in _tools(kit) for label, args in tr.invalid_arguments(tool_input_schema(t))]
    if not cases:
        pytest.skip("no listed tool requires an argument, so none can be left out")
    for name, label, arguments in cases:
        outcome = tr.call(kit, "invoke_tool", tool_name=name, kwargs=arguments)
        what = f"invoke_tool({name!r}) with {label} ({arguments!r})"
        _crash(kit, outcome, check, what)
        kit.judge.check(tr.refused(outcome) is not None, check,
                        f"{what} answered a plain success; arguments that violate the input_schema must be "
                        "refused (a 4xx error or error_message).")


@pytest.mark.checks(LIST, NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_tool(llama_kit: Kit) -> None:
    """tool_runtime.not-found: an unknown tool name, with arguments a listed tool would accept.

    Not a row of the negative table: the names and arguments come from the listed tools (setup),
    and a result carrying error_message is a refusal too.
    """
    kit = llama_kit
    check = NOT_FOUND
    tools = _tools(kit)
    known = {t.name for t in tools}
    # Arguments a listed tool would accept, so only the name is wrong.
    shaped = [t for t in tools if (tool_input_schema(t) or {}).get("properties")] or tools[:1]
    arguments = {name: tr.example(prop) for t in shaped[:1]
                 for name, prop in ((tool_input_schema(t) or {}).get("properties") or {}).items()}
    names = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=16) \
        .map(lambda s: f"kit_unknown_tool_{s}").filter(lambda n: n not in known)

    def body(name: str) -> None:
        outcome = tr.call(kit, "invoke_tool", tool_name=name, kwargs=arguments)
        what = f"invoke_tool({name!r})"
        _crash(kit, outcome, check, what)
        kit.judge.check(tr.refused(outcome) is not None, check,
                        f"{what}, a tool the runtime does not list, answered a plain success.")

    kit.examples(names, body, label="tool_name")

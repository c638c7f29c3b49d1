"""The tool_runtime suite catches each broken provider made for it; the kit's reference passes.

Each fixture (``fixtures/broken/tool_runtime_*.py``) differs from the reference tool runtime
(``kit::math`` with ``kit_add``) by one defect. The runs share one fresh process
(``tests_support.run_kit_batch``: in-memory providers, no process-wide state).
"""

from __future__ import annotations

import pytest
from test_behavioural_checks import _block, assert_fails_exactly, assert_passes, only
from tests_support import run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("tool_runtime-batch")]

TOOLS = ("--llama-api=tool_runtime", "-m", "behavioral or negative")

# defect -> (tests to run, {failing test: check ids its failure must name}); no other selected test fails
MUST_DEFECTS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "list-duplicates": (("test_list_tools",), {"test_list_tools": ("tool_runtime.list",)}),
    "invoke-crashes": (("test_invoke_with_valid_arguments",),
                       {"test_invoke_with_valid_arguments": ("tool_runtime.invoke",)}),
    "bad-args-key-error": (("test_invoke_with_invalid_arguments",),
                           {"test_invoke_with_invalid_arguments": ("tool_runtime.invoke.invalid-arguments",)}),
    "unknown-answered": (("test_unknown_tool",), {"test_unknown_tool": ("tool_runtime.not-found",)}),
}
SHOULD_RUN = ("--llama-provider=inline::broken-tool-runtime-invoke-refuses", *TOOLS,
              *only("test_invoke_with_valid_arguments"))
REFERENCE_RUN = ("--llama-provider=inline::kit-tools", "--llama-api=tool_runtime")  # every suite


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pytest.RunResult]:
    names = sorted(MUST_DEFECTS)
    runs = [(f"--llama-provider=inline::broken-tool-runtime-{name}", *TOOLS, *only(*MUST_DEFECTS[name][0]))
            for name in names]
    results = run_kit_batch(tmp_path_factory.mktemp("tool-runtime-batch"), [*runs, SHOULD_RUN, REFERENCE_RUN])
    return {**dict(zip(names, results, strict=False)), "invoke-refuses": results[-2], "reference": results[-1]}


@pytest.mark.parametrize("defect", sorted(MUST_DEFECTS))
def test_must_defect_is_caught(batch: dict[str, pytest.RunResult], defect: str) -> None:
    assert_fails_exactly(batch[defect], MUST_DEFECTS[defect][1])


def test_refusing_valid_arguments_is_a_should_finding(batch: dict[str, pytest.RunResult]) -> None:
    result = batch["invoke-refuses"]
    assert_passes(result)
    findings = "\n".join(_block(result, "llama-conformance: SHOULD-level findings (warnings, not failures)"))
    assert "[SHOULD tool_runtime.invoke.answers]" in findings and "the runtime is busy" in findings, findings


def test_reference_tool_runtime_passes_every_suite(batch: dict[str, pytest.RunResult]) -> None:
    outcomes = assert_passes(batch["reference"])
    assert outcomes.get("passed") == 10 and "skipped" not in outcomes, outcomes

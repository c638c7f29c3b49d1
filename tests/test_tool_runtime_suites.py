"""The kit's reference tool runtime passes every tool_runtime suite.

The broken runtimes made for the suite (``fixtures/broken/tool_runtime_*.py``, each the reference
``kit::math`` with ``kit_add`` and one defect) are the tool_runtime wing's proofs
(``suites/tool_runtime/checks.py``: ``WING.proofs``), run by ``tests/test_proofs.py``.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from tests_support import assert_passes, run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("tool_runtime-batch")]

REFERENCE_RUN = ("--llama-provider=inline::kit-tools", "--llama-api=tool_runtime")  # every suite


def test_reference_tool_runtime_passes_every_suite(tmp_path: Path) -> None:
    (result,) = run_kit_batch(tmp_path, [REFERENCE_RUN])
    outcomes = assert_passes(result)
    assert outcomes.get("passed") == 10 and "skipped" not in outcomes, outcomes


def _manifest(directory: Path, group: str) -> str:
    path = directory / f"{group.replace(':', '_')}.yaml"
    path.write_text(f"tool_groups:\n  - toolgroup_id: '{group}'\n")
    return f"--llama-manifest={path}"


def test_manifest_tool_groups_are_listed_per_group(tmp_path: Path) -> None:
    """A manifest's tool group is registered and its tools listed with ``list_runtime_tools(group_id, ...)``,
    as a server lists them: the reference's own group passes every suite; a group it does not serve is a
    failed listing (a registered group the runtime cannot list), not an inconclusive one; a tool group in
    the manifest of a provider of another API is a usage error."""
    own, other, files = run_kit_batch(tmp_path, [
        (*REFERENCE_RUN, _manifest(tmp_path, "kit::math")),
        (*REFERENCE_RUN, _manifest(tmp_path, "kit::elsewhere"), "-m", "behavioral"),
        ("--llama-provider=inline::kit-files", _manifest(tmp_path, "kit::math")),
    ])
    assert assert_passes(own).get("passed") == 10, own.stdout.str()
    assert other.ret == pytest.ExitCode.TESTS_FAILED and other.parseoutcomes().get("failed") == 4, other.stdout.str()
    other.stdout.fnmatch_lines(["*tool_runtime.list*Unknown tool group 'kit::elsewhere'*"])
    assert files.ret == pytest.ExitCode.USAGE_ERROR, files.stdout.str()
    files.stdout.fnmatch_lines(["*`tool_groups:` are registered with a tool_runtime provider*"])


@pytest.mark.parametrize(("entry", "message"), [
    ("- mcp_endpoint: {uri: 'http://127.0.0.1:1/mcp'}", "*every entry under `tool_groups:`*with `toolgroup_id`*"),
    ("- {toolgroup_id: mcp::x, endpoint: 'http://127.0.0.1:1/mcp'}", "*allowed keys*"),
    ("- {toolgroup_id: mcp::x, mcp_endpoint: {url: 'http://127.0.0.1:1/mcp'}}", "*mcp_endpoint: {uri: http*"),
    ("- {toolgroup_id: mcp::x, args: [1]}", "*`args`*must be a mapping*"),
])
def test_malformed_manifest_tool_group_is_a_usage_error(tmp_path: Path, entry: str, message: str) -> None:
    """Each malformed ``tool_groups:`` entry is one paragraph naming what to write."""
    from llama_conformance.capabilities import load_manifest
    from llama_conformance.errors import KitUsageError

    path = tmp_path / "manifest.yaml"
    path.write_text(f"tool_groups:\n  {entry}\n")
    with pytest.raises(KitUsageError) as caught:
        load_manifest(path, (), "tool_runtime")
    assert fnmatch.fnmatch(str(caught.value), message), str(caught.value)


def test_manifest_tool_group_endpoint_as_a_url_or_a_mapping(tmp_path: Path) -> None:
    """``mcp_endpoint`` is read as ``ToolGroupInput`` has it (``{uri: URL}``) or as the URL itself."""
    from llama_conformance.capabilities import load_manifest

    path = tmp_path / "manifest.yaml"
    path.write_text("tool_groups:\n  - {toolgroup_id: 'mcp::a', mcp_endpoint: {uri: 'http://h:1/mcp'}}\n"
                    "  - {toolgroup_id: 'mcp::b', mcp_endpoint: 'http://h:2/sse', provider_id: mcp}\n")
    a, b = load_manifest(path, (), "tool_runtime").tool_groups
    assert (a.toolgroup_id, a.mcp_endpoint, a.provider_id) == ("mcp::a", "http://h:1/mcp", None)
    assert (b.toolgroup_id, b.mcp_endpoint, b.provider_id) == ("mcp::b", "http://h:2/sse", "mcp")

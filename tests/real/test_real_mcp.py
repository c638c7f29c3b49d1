"""The kit on tool_runtime ``remote::model-context-protocol`` (ogx 1.5 with mcp 2, llama-stack 0.7.3
with mcp 1) against a real MCP server: ``llama_conformance_fixtures.services.mcp`` (PyPI ``mcp``, FastMCP; the matrix's
MCP targets start the same module) with the
tools ``add``, ``echo`` and ``fail`` (raises), on 127.0.0.1 over streamable HTTP and over SSE.

An MCP runtime answers only for a tool group registered with an ``mcp_endpoint``: the server's
routing table lists a group's tools with ``list_runtime_tools(group_id, group.mcp_endpoint)``
(ogx ``core/routing_tables/toolgroups.py:91-103``) and resolves tool names for ``invoke_tool``
(``:114-121``). Neither server registers one from a run config any more (``registered_resources.
tool_groups`` is dropped: ogx ``core/datatypes.py:820-833``, llama-stack ``:751-764``); a client
registers it (``POST /v1/toolgroups``), and the kit does so from the manifest's ``tool_groups:``
(fixtures/configs/mcp-group.manifest.yaml):

- Without a tool group, ``list_runtime_tools()`` raises ``ValueError("mcp_endpoint is required")``, a
  400 (``providers/remote/tool_runtime/model_context_protocol/model_context_protocol.py:50-51`` in
  both): a call a server never makes, so the four behavioural tests are *inconclusive*, naming the
  manifest entry to give. Structure passes.
- With the group, the kit judges the runtime's real round trip over both transports, and every MUST
  check passes: listing, drawn valid arguments, arguments the MCP server rejects (the runtime answers
  ``error_code=1`` with the server's text in ``content``, ogx ``providers/utils/tools/mcp.py:491-494``,
  llama-stack ``:467``: a refusal) and unknown tools (the tool store raises ``ValueError``, a 400).
  One SHOULD warning, ``tool_runtime.invoke.answers``: the ``fail`` tool raises for any argument and
  the runtime reports it as ``error_code=1``. That is this MCP server's tool failing, faithfully
  passed on, not a defect of the runtime; it is pinned to show the kit reads ``error_code``.
- From a run config (fixtures/configs/mcp-run.yaml, ``--llama-stack-config``), the group counts where
  the installed server reads it: the llama-stack 0.6.1 generation registers it and the verdict is the
  one above; ogx 1.5 and llama-stack 0.7.3 drop it, and the run is inconclusive as without a group.
- Checked by hand, not pinned: with nothing listening at the endpoint the four behavioural tests
  are inconclusive (a service the provider needs could not be reached).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from generation_envs import generation_python, run_kit
from kitrun import CONFIGS, has_module
from services import free_port, port_open, running_service

pytestmark = [pytest.mark.slow]

MCP = "remote::model-context-protocol"
INSTALL = "pip install 'mcp>=2' uvicorn beside ogx 1.5, or 'mcp<2' uvicorn beside llama-stack 0.7.3"
MANIFEST = f"--llama-manifest={CONFIGS / 'mcp-group.manifest.yaml'}"
RUN_CONFIG = f"--llama-stack-config={CONFIGS / 'mcp-run.yaml'}"
# The llama-stack 0.6.1 server env of tests/real/test_real_generations_llama_stack.py (``SERVER``): the same cache.
LLAMA_STACK_0_6 = ("llama-stack", "0.6.1", ("llama-stack-api==0.6.1", "mcp<2", "aiosqlite", "sqlalchemy[asyncio]"))
FAIL_TOOL = ("test_invoke_with_valid_arguments", "SHOULD", "tool_runtime.invoke.answers")
needs_server = pytest.mark.skipif(not (has_module("ogx") or has_module("llama_stack")) or not has_module("mcp"),
                                  reason=f"needs the ogx 1.5 or llama-stack 0.7.3 server and PyPI mcp: {INSTALL}")


@pytest.fixture(scope="module", params=["streamable-http", "sse"])
def mcp_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The MCP server on 127.0.0.1, one transport at a time; yields its endpoint URL."""
    if not (has_module("mcp") and has_module("uvicorn")):
        pytest.skip(f"needs PyPI mcp and uvicorn: {INSTALL}")
    transport = str(request.param)
    port = free_port()
    argv = [sys.executable, "-m", "llama_conformance_fixtures.services.mcp", "--port", str(port),
            "--transport", transport]
    with running_service(f"mcp-{transport}", argv, tmp_path_factory.mktemp("mcp"), port=port,
                         ready=port_open(port), timeout=60) as service:
        yield f"{service.url}{'/mcp' if transport == 'streamable-http' else '/sse'}"


@needs_server
def test_mcp_runtime_without_a_tool_group_is_inconclusive(run_real_provider) -> None:
    """Structure passes; every behavioural test is inconclusive at ``tool_runtime.list``, naming the
    manifest's ``tool_groups:`` (module docstring)."""
    run = run_real_provider(MCP, "--hypothesis-seed=1")
    run.expect(passed=6, inconclusive=4)
    run.result.stdout.fnmatch_lines([
        "*test_list_tools: [[]tool_runtime.list[]] list_runtime_tools() naming no tool group was refused "
        "(ValueError: mcp_endpoint is required (the server would answer 400))*--llama-manifest*tool_groups*"])


@needs_server
def test_mcp_runtime_with_a_tool_group(run_real_provider, monkeypatch: pytest.MonkeyPatch, mcp_server: str) -> None:
    """Every check passes over the real transport; the one warning is the ``fail`` tool's error,
    which the runtime answers as ``error_code=1`` (module docstring)."""
    monkeypatch.setenv("LLAMA_CONFORMANCE_MCP_URL", mcp_server)
    run = run_real_provider(MCP, MANIFEST, "--hypothesis-seed=1")
    run.expect(passed=10, warnings={FAIL_TOOL})
    # The MCP server's own tool and its own error: the verdict rests on the real round trip.
    run.result.stdout.fnmatch_lines(["*invoke_tool('fail', *was refused: a result with error_code 1 and no "
                                     "error_message (content *Error executing tool fail*"])


@needs_server
def test_run_config_tool_group_dropped_by_this_server(run_real_provider, monkeypatch: pytest.MonkeyPatch) -> None:
    """ogx 1.5 and llama-stack 0.7.3 drop ``registered_resources.tool_groups``: so does the kit (inconclusive)."""
    monkeypatch.setenv("LLAMA_CONFORMANCE_MCP_URL", "http://127.0.0.1:9/mcp")  # never called
    run = run_real_provider(MCP, RUN_CONFIG, "--hypothesis-seed=1")
    run.expect(passed=6, inconclusive=4)
    run.result.stdout.fnmatch_lines(["*drop a run config's registered_resources.tool_groups*"])


# A generation env's server, the same in both tox envs: run once, in the ogx env (``env_split.ogx_only``). Its
# mcp 1.x client then talks to the ogx env's mcp 2 server, as a client of the older line meets a newer server.
@pytest.mark.defects
def test_run_config_tool_group_on_llama_stack_0_6(tmp_path: Path, mcp_server: str) -> None:
    """llama-stack 0.6.1 registers the run config's group at start-up, and so does the kit: the verdict of
    ``test_mcp_runtime_with_a_tool_group``, over mcp 1.x's client."""
    python = generation_python(*LLAMA_STACK_0_6)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LLAMA_CONFORMANCE_MCP_URL", mcp_server)
        run = run_kit(python, tmp_path, f"--llama-provider={MCP}", RUN_CONFIG,
                                          "--hypothesis-seed=1", "-n", "0")
    run.expect(passed=10, warnings={FAIL_TOOL})

"""A small real MCP server for tests/real/test_real_mcp.py, written with PyPI ``mcp`` (FastMCP).

Run as a script: ``python mcp_server.py --port N [--transport streamable-http|sse]``. It serves
three tools on 127.0.0.1 (``add``, ``echo``, and ``fail``, which always raises) over streamable
HTTP at ``/mcp`` or over SSE at ``/sse``, through uvicorn, until it is terminated.

It runs under both SDK lines, since the two servers pin different ones: ogx 1.5 requires
``mcp>=2`` (FastMCP renamed ``mcp.server.mcpserver.MCPServer``), llama-stack 0.7.3 breaks on mcp 2
and runs with ``mcp<2`` (``mcp.server.fastmcp.FastMCP``). Both build the transport's ASGI app the
same way, and both turn a tool's exception into a ``CallToolResult`` with ``isError`` set: the
error reaches the provider as an MCP answer, which is what a provider must translate.
"""

from __future__ import annotations

import argparse
from typing import Any

PATHS = {"streamable-http": "/mcp", "sse": "/sse"}


def build_server() -> Any:
    """The MCP server object (MCPServer on mcp 2, FastMCP on mcp 1) with the three tools."""
    try:
        from mcp.server.mcpserver import MCPServer as Server
    except ImportError:  # mcp 1.x (the llama-stack 0.7.3 env)
        from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef,attr-defined]

    server = Server("kit-mcp")

    @server.tool()
    def add(a: float, b: float) -> float:
        """Add two numbers."""
        return a + b

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails: the tool raises, the server answers an MCP error result."""
        raise RuntimeError(f"kit-mcp fail tool: {reason}")

    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=sorted(PATHS), default="streamable-http")
    args = parser.parse_args(argv)
    import uvicorn

    server = build_server()
    # Both SDKs protect a loopback server against DNS rebinding by default (Host must be 127.0.0.1:*).
    app = server.streamable_http_app() if args.transport == "streamable-http" else server.sse_app()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

"""The MCP test server for tests/real/test_real_mcp.py, run as a script: ``python mcp_server.py --port N
[--transport streamable-http|sse]``. It lives in the kit's fixtures package
(``llama_conformance_fixtures.services.mcp``), where the matrix's MCP targets start it too."""

from llama_conformance_fixtures.services.mcp import main

if __name__ == "__main__":
    main()

"""The tool_runtime suite."""

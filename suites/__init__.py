"""Conformance suites shipped in the wheel as ``llama_conformance_suites``.

The plugin collects this package when ``--llama-provider`` is given and no paths are.
"""

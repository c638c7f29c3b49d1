"""The pytest side of the kit: one module per concern, wired in ``llama_conformance.plugin``."""

"""The public API: every exported name resolves, and the heavy layers load only on use."""

from __future__ import annotations

import subprocess
import sys

import llama_conformance


def test_every_exported_name_resolves() -> None:
    missing = [name for name in llama_conformance.__all__ if getattr(llama_conformance, name, None) is None]
    assert not missing


def test_importing_the_package_does_not_load_validation_or_strategies() -> None:
    """The pytest plugin imports the package on every pytest run, kit or not."""
    code = ("import sys, llama_conformance; "
            "print(sorted(m for m in sys.modules if m.startswith(('llama_conformance.validate', "
            "'llama_conformance.strategies'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    use = "import llama_conformance as lc; print(lc.validate_value.__module__)"
    loaded = subprocess.run([sys.executable, "-c", use], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "llama_conformance.validate.value"

"""Where the kit keeps what it can rebuild: one folder, named once.

Route maps and repaired OpenAPI documents (``contract.disk_cache``), Hypothesis's own caches
(constants of local modules, Unicode tables: ``pytest_plugin.session``) and compat's
environments (``compat.envs``) all live under it, so a CI that keeps one folder between runs
(``LLAMA_CONFORMANCE_CACHE``) keeps every one of them, and a run whose home is new (a container,
a test's temporary home) starts cold in all of them at once, never in some.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CACHE_ENV = "LLAMA_CONFORMANCE_CACHE"


def kit_cache_dir() -> Path:
    """``$LLAMA_CONFORMANCE_CACHE``, else ``$XDG_CACHE_HOME/llama-conformance`` (``~/.cache`` by default; the
    temporary folder when there is no home directory to find)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home directory to find
        base = Path(tempfile.gettempdir())
    return base / "llama-conformance"

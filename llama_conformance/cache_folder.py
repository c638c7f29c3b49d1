"""Where the kit keeps what it can rebuild: one folder, named once.

Route maps and repaired OpenAPI documents (``contract.disk_cache``), Hypothesis's own caches
(constants of local modules, Unicode tables: ``pytest_plugin.session``) and compat's
environments (``compat.envs``) all live under it, so a CI that keeps one folder between runs
(``LLAMA_CONFORMANCE_CACHE``) keeps every one of them, and a run whose home is new (a container,
a test's temporary home) starts cold in all of them at once, never in some.
"""

from __future__ import annotations

import functools
import os
import stat
import tempfile
from pathlib import Path

CACHE_ENV = "LLAMA_CONFORMANCE_CACHE"


def kit_cache_dir() -> Path:
    """``$LLAMA_CONFORMANCE_CACHE`` (``~`` expanded, made absolute: compat runs the kit from its report folders),
    else ``$XDG_CACHE_HOME/llama-conformance`` (``~/.cache`` by default), else, with no home directory to find,
    a folder of this user's own in the temporary folder (``without_home``)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser().absolute()
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "llama-conformance"
    except RuntimeError:  # no home directory to find
        return without_home()


def without_home() -> Path:
    """``<tmp>/llama-conformance-<uid>``, made 0700, when this user owns it and nobody else can write to it; else a
    new private folder for this process. compat runs the interpreters it finds in its cache: a shared temporary
    folder another user could have filled first must never be one."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    folder = Path(tempfile.gettempdir()) / f"llama-conformance-{uid if uid is not None else 'user'}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if (stat.S_ISDIR(info.st_mode) and (uid is None or info.st_uid == uid)
                and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return folder
    except OSError:
        pass
    return private_folder()


@functools.cache
def private_folder() -> Path:
    """A new 0700 folder, made once per process: every cache lookup of the run finds the same one."""
    return Path(tempfile.mkdtemp(prefix="llama-conformance-"))

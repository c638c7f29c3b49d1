"""The kit's one on-disk cache: answers derived only from the installed API package and the kit.

Route maps (mounting every API's routers) and repaired OpenAPI documents (JSON Schemas built by
pydantic) cost a fifth of an HTTP run's start-up and are the same every run until the API
package or the kit changes. Each is kept in a JSON file named by the package, its version, the
kind of answer and a digest of the kit's own code, so:

- an upgraded API package or kit is a miss (its files are named apart);
- an edited kit (an editable checkout) is a miss too: the digest covers every module of the kit
  (path, size and mtime; about a millisecond to stat), not only the one that builds the answer,
  since a route map also depends on the package table and the errata;
- an edited API package is a miss too when it is an editable install (a developer's checkout of
  ogx keeps its version while its routes change): its modules are stamped as the kit's are. An
  installed distribution is not stamped (its files are its version's);
- a cache that cannot be read or written is simply not used: a read-only home or a full disk
  costs the rebuild, never the run.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from llama_conformance.cache_folder import kit_cache_dir
from llama_conformance.contract.packages import ApiPackage
from llama_conformance.version import __version__ as KIT_VERSION

_KIT_ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def kit_stamp() -> str:
    """The kit's version, a digest of its modules' (path, size, mtime) and pydantic's version (it writes the
    schemas a repaired document holds): what every cached answer depends on besides its package and key."""
    digest = hashlib.sha256(KIT_VERSION.encode())
    _stamp_modules(digest, _KIT_ROOT)
    try:
        digest.update(metadata.version("pydantic").encode())
    except metadata.PackageNotFoundError:
        digest.update(b"-")
    return digest.hexdigest()


def _stamp_modules(digest: Any, root: Path) -> None:
    for path in sorted(root.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())


def package_stamp(package: ApiPackage) -> str:
    """"" for an API package installed from a distribution; for an editable install, a digest of its modules'
    (path, size, mtime), found without importing it (``find_spec`` of its top-level name)."""
    return _package_stamp(package.name, package.distribution)


@functools.cache
def _package_stamp(name: str, distribution: str) -> str:
    try:
        direct_url = metadata.distribution(distribution).read_text("direct_url.json")
        editable = bool(json.loads(direct_url or "{}").get("dir_info", {}).get("editable"))
    except (metadata.PackageNotFoundError, ValueError, AttributeError):
        return ""
    spec = importlib.util.find_spec(name.split(".")[0]) if editable else None
    if spec is None:
        return ""
    digest = hashlib.sha256()
    for location in spec.submodule_search_locations or [str(Path(spec.origin or "").parent)]:
        _stamp_modules(digest, Path(location))
    return digest.hexdigest()


def cached_json(package: ApiPackage, kind: str, key: Any, build: Callable[[], Any]) -> Any:
    """``build()``'s JSON-able answer, from the cache file of (package, version, ``kind``, kit, ``key``)."""
    digest = hashlib.sha256(json.dumps([kit_stamp(), package_stamp(package), key]).encode()).hexdigest()[:16]
    path = kit_cache_dir() / f"{package.distribution}-{package.version}-{kind}-{digest}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass  # absent, unreadable or torn: build it
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(value))
        partial.replace(path)  # atomic: a parallel run reads the old file or the whole new one
    except OSError:
        pass  # read-only home, full disk: the run goes on without a cache
    return value

"""Repaired documents kept on disk: a second run against the same deployment skips the repair.

``repair_spec`` needs the API package imported (every definition it fills comes from there)
and builds JSON Schemas with pydantic: 0.2-0.4 s of CPU on a real server's document, paid
before the first fuzz case is sent. Its result depends only on the served document, the
API package's version, the repair code and pydantic's schema generator, so it is kept in the
kit's one on-disk cache (``contract.disk_cache``, beside the route maps, under the same
rules: keyed by package, version and kit; unreadable or unwritable means not used), and
``repaired_for`` reads it back without touching the package: ``package.module`` is only
resolved on a miss.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from llama_conformance.contract.disk_cache import cached_json  # the kit's one on-disk cache
from llama_conformance.contract.packages import ApiPackage
from llama_conformance.openapi.repair import Repair, RepairedSpec, repair_spec


def cache_key(spec: Mapping[str, Any], *, errata: bool) -> list[Any]:
    """What, besides the package and the kit, the repair of ``spec`` depends on."""
    document = hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str).encode())
    return [document.hexdigest(), errata]  # the kit's code and pydantic's version: disk_cache.kit_stamp


def _as_json(repaired: RepairedSpec) -> dict[str, Any]:
    return {"spec": repaired.spec, "repairs": [repair.__dict__ for repair in repaired.repairs]}


def repaired_for(spec: Mapping[str, Any], package: ApiPackage, *, errata: bool = True) -> RepairedSpec:
    """``repair_spec(spec, package.module)``, read from the kit's cache when this exact repair was made before."""
    stored = cached_json(package, "openapi", cache_key(spec, errata=errata),
                     lambda: _as_json(repair_spec(spec, package.module, errata=errata)))
    try:
        return RepairedSpec(spec=stored["spec"], repairs=[Repair(**repair) for repair in stored["repairs"]])
    except (KeyError, TypeError):  # a file of another shape under this name: repair, ignore the file
        return repair_spec(spec, package.module, errata=errata)

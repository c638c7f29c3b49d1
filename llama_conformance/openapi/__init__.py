"""The OpenAPI side of HTTP mode: fetch a server's document and make it usable.

``fetch_spec`` / ``read_spec_file`` get the document (every failure is a ``KitUsageError``
that names the URL or file and what to check); ``repair_spec`` fills what the servers leave
dangling from the API package and describes event streams as events; ``sse_chunk_schemas``
gives the chunk schema of each streaming operation of a repaired document; ``repaired_for``
is ``repair_spec`` kept in the kit's on-disk cache, keyed by the document and the package's version.
"""

from __future__ import annotations

from llama_conformance.openapi.cache import repaired_for
from llama_conformance.openapi.fetch import fetch_spec, read_spec_file
from llama_conformance.openapi.repair import Repair, RepairedSpec, dangling_refs, repair_spec
from llama_conformance.openapi.sse import SSE_DATA_KEY, operation_key, sse_chunk_schemas

__all__ = [
    "SSE_DATA_KEY",
    "Repair",
    "RepairedSpec",
    "dangling_refs",
    "fetch_spec",
    "operation_key",
    "read_spec_file",
    "repair_spec",
    "repaired_for",
    "sse_chunk_schemas",
]

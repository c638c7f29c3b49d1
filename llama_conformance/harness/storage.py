"""Register the storage backends a provider config names, as the server does at start-up.

Built-in providers resolve ``{backend: sql_default, table_name: ...}`` references through a
process-wide registry in the server package (``<server>.core.storage``). The kit registers
sqlite backends in its temp dir under every backend name the config mentions (plus the
server's defaults), deciding kv or sql by the reference's shape (``namespace`` vs
``table_name``). Without a server installed there is nothing to register, and an external
provider that does not use the server's storage helpers needs nothing.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from llama_conformance.contract import ApiPackage

_DEFAULT_BACKENDS = {"kv_default": "kv", "sql_default": "sql"}


def backend_references(config: Any) -> dict[str, str]:
    """``{backend name: "kv" | "sql"}`` for every store reference inside a config mapping."""
    found: dict[str, str] = {}

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            backend = obj.get("backend")
            if isinstance(backend, str):
                found[backend] = "sql" if "table_name" in obj else "kv"
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(config)
    return found


def register_backends(package: ApiPackage, config: dict[str, Any], directory: Path) -> list[str]:
    """Register sqlite backends for ``config`` in the server matching ``package``.

    Returns the registered names (empty when no server package is importable).
    """
    server = package.row.server
    named = backend_references(config)
    if not named and server not in sys.modules:
        # No store named and nothing has imported the server: the provider does not use its storage
        # helpers, and importing them (sqlalchemy, the server's datatypes) would cost a structural run
        # a large share of its start-up. A built-in provider's spec comes from the server, so it is loaded.
        return []
    try:
        datatypes = importlib.import_module(f"{server}.core.storage.datatypes")
        kvstore = importlib.import_module(f"{server}.core.storage.kvstore.kvstore")
        sqlstore = importlib.import_module(f"{server}.core.storage.sqlstore.sqlstore")
    except ImportError:
        return []
    wanted = {**_DEFAULT_BACKENDS, **named}
    directory.mkdir(parents=True, exist_ok=True)
    kv = {
        name: datatypes.SqliteKVStoreConfig(db_path=str(directory / f"{name}.kv.db"))
        for name, kind in wanted.items()
        if kind == "kv"
    }
    sql = {
        name: datatypes.SqliteSqlStoreConfig(db_path=str(directory / f"{name}.sql.db"))
        for name, kind in wanted.items()
        if kind == "sql"
    }
    kvstore.register_kvstore_backends(kv)
    sqlstore.register_sqlstore_backends(sql)
    return sorted(wanted)

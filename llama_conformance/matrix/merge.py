"""Build the matrix from cell folders made anywhere: a run's own, a CI fan-in's downloaded artifacts.

``merge`` reads every ``cell.json`` under the folders it is given, copies each cell's folder into
``OUT/reports/<target>/<distribution>-<version>/`` (so the published matrix links work) and writes
the matrix. Two folders for one cell are refused, naming both: which one is right is for whoever
merges to say, never for the kit to guess. Cells made by different kit versions are merged, and
the matrix says so: their verdicts may not be comparable.

The matrix holds no time stamp and lists cells in a fixed order, so merging the same folders
again writes the same bytes (the published ``docs/matrix/`` can be checked against its inputs).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from llama_conformance.matrix.run import CELL_FILE, CELL_SCHEMA

MATRIX_SCHEMA = "matrix-1"
OUTCOMES = ("pass", "fail", "inconclusive")


class MergeError(ValueError):
    """The folders cannot be merged as given: one paragraph, exit 4."""


def find_cells(paths: Sequence[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """(folder, record) of every cell under ``paths`` (a folder is searched; a cell.json is taken as is)."""
    found: list[tuple[Path, dict[str, Any]]] = []
    for path in paths:
        if not path.exists():
            raise MergeError(f"{path} does not exist: give the folders a matrix run or its shards wrote.")
        files = [path] if path.is_file() else sorted(path.rglob(CELL_FILE))
        for file in files:
            try:
                record = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise MergeError(f"{file} is not readable JSON ({exc}).") from None
            if not isinstance(record, dict) or record.get("schema_version") != CELL_SCHEMA:
                raise MergeError(f"{file} is not a matrix cell record (schema {CELL_SCHEMA}).")
            found.append((file.parent.resolve(), record))
    if not found:
        raise MergeError(f"no {CELL_FILE} under {', '.join(map(str, paths))}: these are not matrix report folders.")
    return found


def merge(found: Iterable[tuple[Path, dict[str, Any]]], out: Path) -> dict[str, Any]:
    """Copy every cell's folder under ``out/reports`` and return the matrix."""
    by_key: dict[tuple[str, str, str], tuple[Path, dict[str, Any]]] = {}
    for folder, record in found:
        key = (record["target"], record["distribution"], record["version"])
        if key in by_key and by_key[key][0] != folder:
            raise MergeError(f"two reports for target {key[0]!r} on {key[1]} {key[2]}: {by_key[key][0]} and {folder}. "
                             "A cell has one verdict: remove the stale one (or rerun that cell) and merge again.")
        by_key[key] = (folder, record)
    reports = out.resolve() / "reports"
    cells: list[dict[str, Any]] = []
    for (target, distribution, version), (folder, record) in sorted(by_key.items(), key=_order):
        destination = reports / target / f"{distribution}-{version}"
        if folder != destination:
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(folder, destination)
        cells.append({**_cell_summary(record), "report": f"reports/{target}/{distribution}-{version}"})
    return matrix_json(cells, [record for _, record in by_key.values()])


def _order(item: tuple[tuple[str, str, str], Any]) -> tuple[str, str, Any]:
    target, distribution, version = item[0]
    return target, distribution, _version_key(version)


def _version_key(version: str) -> Any:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def _cell_summary(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("target", "distribution", "version", "outcome", "verdict", "counts", "failed_checks", "reason", "note",
            "kit_version", "certified")
    return {k: record.get(k) for k in keys}


def matrix_json(cells: list[dict[str, Any]], records: list[dict[str, Any]]) -> dict[str, Any]:
    """The matrix: targets (rows), generations (columns, newest first per distribution), cells, totals."""
    targets: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r["target"]):
        targets.setdefault(record["target"], {"name": record["target"], "provider": record["provider"],
                                              "provider_module": record.get("provider_module"),
                                              "apis": record.get("apis") or [], "product": record.get("product")})
    generations = sorted({(c["distribution"], c["version"]) for c in cells},
                         key=lambda g: (g[0], _negated(g[1])))
    kit_versions = sorted({str(c["kit_version"]) for c in cells})
    totals = {outcome: sum(1 for c in cells if c["outcome"] == outcome) for outcome in OUTCOMES}
    return {"schema_version": MATRIX_SCHEMA, "kit_versions": kit_versions, "mixed_kit_versions": len(kit_versions) > 1,
            "targets": list(targets.values()),
            "generations": [{"distribution": d, "version": v} for d, v in generations],
            "cells": cells, "totals": {"cells": len(cells), **totals}}


def _negated(version: str) -> Any:
    key = _version_key(version)
    if key[0] == 0:
        release = key[1].release
        return (0, tuple(-part for part in release))
    return key


def exit_status(matrix: dict[str, Any]) -> int:
    """0 every cell passes, 1 a cell fails, 3 none fails but one could not be judged."""
    totals = matrix["totals"]
    if totals["fail"]:
        return 1
    return 3 if totals["inconclusive"] else 0

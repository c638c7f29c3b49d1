"""The matrix as files: ``matrix.json`` (validated against its schema), ``matrix.md``, ``matrix.html``.

Rows are targets, columns API generations; a cell shows the verdict with its pass / fail counts
and links to that cell's folder (its README says how to reproduce it). The JSON schema ships
with the kit so a consumer (a website, a dashboard) can validate what it reads.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from llama_conformance.compat.table import OUTCOME_TABLE_STYLE
from llama_conformance.matrix.merge import MATRIX_SCHEMA, OUTCOMES

_GENERATION = {"type": "object", "required": ["distribution", "version"],
               "properties": {"distribution": {"type": "string"}, "version": {"type": "string"}}}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "llama-conformance matrix",
    "type": "object",
    "required": ["schema_version", "kit_versions", "mixed_kit_versions", "targets", "generations", "cells", "totals"],
    "properties": {
        "schema_version": {"const": MATRIX_SCHEMA},
        "kit_versions": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "mixed_kit_versions": {"type": "boolean"},
        "targets": {"type": "array", "items": {
            "type": "object", "required": ["name", "provider", "apis"],
            "properties": {"name": {"type": "string"}, "provider": {"type": "string"},
                           "provider_module": {"type": ["string", "null"]},
                           "apis": {"type": "array", "items": {"type": "string"}},
                           "product": {"type": ["object", "null"], "additionalProperties": {"type": "string"}}}}},
        "generations": {"type": "array", "items": _GENERATION},
        "cells": {"type": "array", "items": {
            "type": "object",
            "required": ["target", "distribution", "version", "outcome", "verdict", "counts", "report", "kit_version"],
            "properties": {"target": {"type": "string"}, "distribution": {"type": "string"},
                           "version": {"type": "string"}, "outcome": {"enum": list(OUTCOMES)},
                           "verdict": {"type": "string"},
                           "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                           "failed_checks": {"type": "array", "items": {"type": "string"}},
                           "reason": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]},
                           "report": {"type": "string"}, "kit_version": {"type": "string"},
                           "certified": {"type": "boolean"}}}},
        "totals": {"type": "object", "required": ["cells", *OUTCOMES],
                   "additionalProperties": {"type": "integer"}},
    },
}
_MARK = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️"}


class InvalidMatrix(ValueError):
    """The kit built a matrix its own schema rejects: a kit bug."""


def schema_problems(data: Any) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(data)]


def summary_line(matrix: dict[str, Any]) -> str:
    totals = matrix["totals"]
    line = (f"{totals['cells']} cell(s) ({len(matrix['targets'])} target(s) x {len(matrix['generations'])} "
            f"generation(s)): {totals['pass']} pass, {totals['fail']} fail, {totals['inconclusive']} inconclusive")
    if matrix["mixed_kit_versions"]:
        line += f"; made by different kit versions ({', '.join(matrix['kit_versions'])}): verdicts may not compare"
    return line


def _columns(matrix: dict[str, Any]) -> list[tuple[str, str]]:
    return [(g["distribution"], g["version"]) for g in matrix["generations"]]


def _index(matrix: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(c["target"], c["distribution"], c["version"]): c for c in matrix["cells"]}


def _counts(cell: dict[str, Any]) -> str:
    counts = cell["counts"]
    return f"{counts.get('passed', 0)}/{counts.get('failed', 0)}" if counts else "-"


def render_markdown(matrix: dict[str, Any]) -> str:
    def text(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    columns, cells = _columns(matrix), _index(matrix)
    lines = ["# llama-conformance matrix", "", f"**{text(summary_line(matrix))}**", "",
             "Each cell: outcome, verdict, checks passed/failed; it links to the cell's folder (report and how to "
             "reproduce it).", "",
             "| target | provider | APIs | " + " | ".join(f"{d} {v}" for d, v in columns) + " |",
             "|---|---|---|" + "---|" * len(columns)]
    for target in matrix["targets"]:
        row = []
        for distribution, version in columns:
            cell = cells.get((target["name"], distribution, version))
            label = "" if cell is None else f"{_MARK[cell['outcome']]} {text(cell['verdict'])} {_counts(cell)}"
            row.append("" if cell is None else f"[{label}]({cell['report']}/README.md)")
        lines.append(f"| {target['name']} | `{target['provider']}` | {', '.join(target['apis']) or 'all'} | "
                     + " | ".join(row) + " |")
    failing = [c for c in matrix["cells"] if c["outcome"] != "pass"]
    if failing:
        lines += ["", "## Why cells did not pass", ""]
        lines += [f"- **{c['target']}** on {c['distribution']} {c['version']}: "
                  + text(c.get("reason") or ", ".join(f"`{x}`" for x in c.get("failed_checks") or [])
                         or c.get("note") or c["verdict"]) for c in failing]
    return "\n".join(lines) + "\n"


def render_html(matrix: dict[str, Any]) -> str:
    esc = html.escape
    columns, cells = _columns(matrix), _index(matrix)
    head = "".join(f"<th>{esc(d)} {esc(v)}</th>" for d, v in columns)
    rows = []
    for target in matrix["targets"]:
        tds = []
        for distribution, version in columns:
            cell = cells.get((target["name"], distribution, version))
            if cell is None:
                tds.append("<td></td>")
                continue
            why = esc(cell.get("reason") or ", ".join(cell.get("failed_checks") or []))
            tds.append(f'<td class="{esc(cell["outcome"])}"><a href="{esc(cell["report"])}/report.html">'
                       f'{esc(cell["verdict"])}</a> {esc(_counts(cell))}'
                       + (f"<br><small>{why}</small>" if why else "") + "</td>")
        rows.append(f"<tr><td>{esc(target['name'])}</td><td><code>{esc(target['provider'])}</code></td>"
                    f"<td>{esc(', '.join(target['apis']) or 'all')}</td>{''.join(tds)}</tr>")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>llama-conformance matrix</title>"
            f"<style>{OUTCOME_TABLE_STYLE}</style></head><body><h1>llama-conformance matrix</h1>"
            f"<p><strong>{esc(summary_line(matrix))}</strong></p><table><tr><th>target</th><th>provider</th>"
            f"<th>APIs</th>{head}</tr>" + "".join(rows) + "</table></body></html>\n")


def write_matrix(matrix: dict[str, Any], out: Path) -> list[Path]:
    problems = schema_problems(matrix)
    if problems:
        raise InvalidMatrix("matrix.json does not match its schema (a kit bug; please report it): "
                            + "; ".join(problems[:5]))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in (("matrix.json", json.dumps(matrix, indent=2, ensure_ascii=False) + "\n"),
                          ("matrix.md", render_markdown(matrix)), ("matrix.html", render_html(matrix)),
                          ("matrix.schema.json", json.dumps(SCHEMA, indent=2) + "\n")):
        (out / name).write_text(content, encoding="utf-8")
        written.append(out / name)
    return written

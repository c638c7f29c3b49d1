"""The version x verdict table: ``compat.json`` (validated against a small schema), ``compat.md``, ``compat.html``.

The first line of the printed summary answers the author's question in one sentence
("passes 1.4.1 and 1.5.0; on ogx-api 1.0.4 fails structure.params.names-and-kinds on
files.openai_upload_file"); each row links to that version's full report.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_conformance.compat.runner import VersionResult

SCHEMA_VERSION = "compat-1"
OUTCOMES = ("pass", "fail", "inconclusive")
COMPAT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "llama-conformance compat table",
    "type": "object",
    "required": ["schema_version", "provider", "distribution", "summary", "rows"],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "provider": {"type": "string"},
        "provider_module": {"type": ["string", "null"]},
        "distribution": {"type": "string"},
        "requirement": {"type": ["string", "null"]},
        "against": {"type": ["string", "null"]},
        "summary": {"type": "string"},
        "rows": {"type": "array", "items": {
            "type": "object",
            "required": ["distribution", "version", "outcome", "verdict", "counts", "failures", "env_seconds",
                         "env_cached", "report", "note"],
            "properties": {
                "distribution": {"type": "string"},
                "version": {"type": "string"},
                "outcome": {"enum": list(OUTCOMES)},
                "verdict": {"type": "string"},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                "failures": {"type": "array", "items": {"type": "object", "required": ["check", "member"]}},
                "failed_checks": {"type": "array", "items": {"type": "string"}},
                "env_seconds": {"type": "number"},
                "env_cached": {"type": "boolean"},
                "run_seconds": {"type": "number"},
                "report": {"type": ["string", "null"]},
                "note": {"type": ["string", "null"]},
                "reason": {"type": ["string", "null"]},
                "hints": {"type": "array", "items": {"type": "string"}},
            },
        }},
    },
}


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _first_failure(row: VersionResult) -> str:
    if not row.failures:
        return f"({row.reason or (row.note or row.verdict.lower())[:160]})"
    first = row.failures[0]
    more = len(row.failed_checks) - 1
    return f"{first['check']}" + (f" on {first['member']}" if first.get("member") else "") + \
        (f" (+{more} more check{'s' if more > 1 else ''})" if more > 0 else "")


def summary_line(rows: Sequence[VersionResult]) -> str:
    """``passes 1.4.1 and 1.5.0; on ogx-api 1.0.4 fails CHECK on MEMBER; ogx-api 1.3.1 inconclusive``."""
    parts = []
    passing = [r.version for r in rows if r.outcome == "pass"]
    partial = [r.version for r in rows if r.outcome == "pass" and r.verdict != "Conformant"]
    if passing:
        if not partial:
            suffix = ""
        elif partial == passing:
            suffix = " (partially conformant)" if len(passing) == 1 else " (partially conformant on every one)"
        else:
            suffix = f" (partially conformant on {_and(partial)})"
        parts.append(f"passes {_and(passing)}{suffix}")
    for row in rows:
        if row.outcome == "fail":
            parts.append(f"on {row.distribution} {row.version} fails {_first_failure(row)}")
    for row in rows:
        if row.outcome == "inconclusive":
            parts.append(f"{row.distribution} {row.version} inconclusive: {(row.reason or row.note or '')[:160]}")
    return "; ".join(parts) or "no version was run"


def table_json(rows: Sequence[VersionResult], *, provider: str, provider_module: str | None, distribution: str,
               requirement: str | None, against: str | None = None) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "provider": provider, "provider_module": provider_module,
            "distribution": distribution, "requirement": requirement, "against": against,
            "summary": summary_line(rows), "rows": [row.as_json() for row in rows]}


def schema_problems(data: Any) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(COMPAT_SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(data)]


def _counts(row: dict[str, Any]) -> str:
    counts = row["counts"]
    return (f"{counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, {counts.get('warned', 0)} warned"
            if counts else "-")


def _failures(row: dict[str, Any]) -> list[str]:
    return [f"{f['check']}" + (f" on {f['member']}" if f.get("member") else "") for f in row["failures"]]


def _env(row: dict[str, Any]) -> str:
    return "cached" if row["env_cached"] else f"{row['env_seconds']:.1f} s"


def render_markdown(data: dict[str, Any]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"# Compatibility of `{data['provider']}` across {data['distribution']} versions", "",
             f"**{cell(data['summary'])}**", ""]
    if data.get("requirement"):
        lines += [f"The provider requires {data['distribution']}{data['requirement']}.", ""]
    lines += ["| version | outcome | verdict | counts | first failing checks | env build | report |",
              "|---|---|---|---|---|---|---|"]
    for row in data["rows"]:
        failing = "<br>".join(f"`{cell(f)}`" for f in _failures(row)) or (cell(row["note"] or "") or "-")
        target = "report.md" if row["counts"] else "kit-output.txt"
        link = f"[{target}]({row['report']}/{target})" if row["report"] else "-"
        lines.append(f"| {row['distribution']} {row['version']} | {row['outcome']} | {cell(row['verdict'])} | "
                     f"{_counts(row)} | {failing} | {_env(row)} | {link} |")
    hinted = [row for row in data["rows"] if row.get("hints")]
    if hinted:
        lines += ["", "## Migration hints", ""]
        for row in hinted:
            lines += [f"- **{row['distribution']} {row['version']}**: {cell(hint)}" for hint in row["hints"]]
    return "\n".join(lines) + "\n"


# The style of the kit's outcome tables (compat's and the matrix's): a row or cell coloured by its outcome.
OUTCOME_TABLE_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}.pass{background:#e6f4ea}"
          ".fail{background:#fce8e6}.inconclusive{background:#fef7e0}code{font-size:90%}")


def render_html(data: dict[str, Any]) -> str:
    esc = html.escape
    rows = []
    for row in data["rows"]:
        failing = "<br>".join(f"<code>{esc(f)}</code>" for f in _failures(row)) or esc(row["note"] or "-")
        hints = "".join(f"<br><em>{esc(h)}</em>" for h in row.get("hints") or [])
        target = "report.html" if row["counts"] else "kit-output.txt"
        link = f'<a href="{esc(row["report"])}/{target}">{target}</a>' if row["report"] else "-"
        rows.append(f'<tr class="{esc(row["outcome"])}"><td>{esc(row["distribution"])} {esc(row["version"])}</td>'
                    f'<td>{esc(row["outcome"])}</td><td>{esc(row["verdict"])}</td><td>{esc(_counts(row))}</td>'
                    f"<td>{failing}{hints}</td><td>{esc(_env(row))}</td><td>{link}</td></tr>")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>compat: "
            f"{esc(data['provider'])}</title><style>{OUTCOME_TABLE_STYLE}</style></head><body>"
            f"<h1>Compatibility of <code>{esc(data['provider'])}</code> across "
            f"{esc(data['distribution'])} versions</h1>"
            f"<p><strong>{esc(data['summary'])}</strong></p><table><tr><th>version</th><th>outcome</th><th>verdict</th>"
            "<th>counts</th><th>first failing checks</th><th>env build</th><th>report</th></tr>"
            + "".join(rows) + "</table></body></html>\n")


class InvalidTable(ValueError):
    """The kit built a table its own schema rejects: a kit bug."""


def write_table(data: dict[str, Any], out: Path) -> list[Path]:
    problems = schema_problems(data)
    if problems:
        raise InvalidTable("compat.json does not match its schema (a kit bug; please report it): "
                           + "; ".join(problems[:5]))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("compat.json", json.dumps(data, indent=2) + "\n"), ("compat.md", render_markdown(data)),
                       ("compat.html", render_html(data))):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written

"""Write a report directory: ``report.json`` (validated first), ``report.md``, ``report.html``, ``badge.svg``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llama_conformance.report.schema import schema_problems

FILES = ("report.json", "report.md", "report.html", "badge.svg")


class InvalidReport(ValueError):
    """The kit built a report its own schema rejects: a bug in the kit, said as such."""


def render_all(report: dict[str, Any]) -> dict[str, str]:
    from llama_conformance.report.badge import render_badge
    from llama_conformance.report.render_html import render_html
    from llama_conformance.report.render_md import render_markdown

    return {"report.json": json.dumps(report, indent=2, sort_keys=False) + "\n",
            "report.md": render_markdown(report), "report.html": render_html(report),
            "badge.svg": render_badge(report)}


def write_report(report: dict[str, Any], directory: Path) -> list[Path]:
    problems = schema_problems(report)
    if problems:
        raise InvalidReport("the report does not match report-1.schema.json (a kit bug; please report it):\n"
                            + "\n".join(problems[:20]))
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_all(report).items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written

"""The JSON Schema every ``report.json`` is validated against, shipped and versioned with the kit.

``schema_version`` is MAJOR.MINOR, and "a reader of major 1 reads every 1.x report": a minor adds optional
fields. The schema closes every object (``additionalProperties: false``) so that what the kit writes is exactly
what it declares; a kit reading a report of a newer minor (``llama-conformance report`` / ``diff`` of a report
another kit version wrote) checks it with the objects opened (``reading_problems``), so the fields it does not
know yet are passed over, not refused.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "report-1.schema.json"
KIT_MINOR = 2  # the schema_version minor this kit writes (``report.build.SCHEMA_VERSION``)


@functools.cache
def report_schema() -> dict[str, Any]:
    text = resources.files("llama_conformance.report").joinpath("schema", SCHEMA_FILE).read_text()
    return json.loads(text)  # type: ignore[no-any-return]


@functools.cache
def _fast_validator() -> Any:
    """jsonschema-rs's validator of the schema, or None where it is not installed."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a dependency of the kit
        return None
    return jsonschema_rs.Draft202012Validator(report_schema())


def reading_problems(report: Any) -> list[str]:
    """Every way a report this kit reads breaks the schema: ``schema_problems``, with the objects opened for a
    report of a newer minor than the kit's (see the module)."""
    version = report.get("schema_version") if isinstance(report, dict) else None
    major, _, minor = str(version).partition(".")
    if major == "1" and minor.isdigit() and int(minor) > KIT_MINOR:
        return schema_problems(report, schema=_opened(report_schema()))
    return schema_problems(report)


def _opened(node: Any) -> Any:
    """``node`` with every ``additionalProperties: false`` dropped: an object may carry fields a newer minor added."""
    if isinstance(node, dict):
        return {key: _opened(value) for key, value in node.items()
                if not (key == "additionalProperties" and value is False)}
    if isinstance(node, list):
        return [_opened(value) for value in node]
    return node


def schema_problems(report: Any, *, schema: dict[str, Any] | None = None) -> list[str]:
    """Every way ``report`` breaks the schema (empty: valid), each with its JSON path.

    Every written report is checked, so a valid one takes the fast path (jsonschema-rs: the kit's
    validators already use it); ``jsonschema``, with its import (~50 ms) and its wording of each
    error, is for a report that fails.
    """
    fast = _fast_validator() if schema is None else None
    try:
        if fast is not None and fast.is_valid(report):
            return []
    except (ValueError, TypeError):  # what jsonschema-rs cannot read (a non-string key): jsonschema judges
        pass
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema() if schema is None else schema)
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
            for error in sorted(validator.iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))]

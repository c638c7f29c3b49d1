"""The JSON Schema every ``report.json`` is validated against, shipped and versioned with the kit."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "report-1.schema.json"


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


def schema_problems(report: Any) -> list[str]:
    """Every way ``report`` breaks the schema (empty: valid), each with its JSON path.

    Every written report is checked, so a valid one takes the fast path (jsonschema-rs: the kit's
    validators already use it); ``jsonschema``, with its import (~50 ms) and its wording of each
    error, is for a report that fails.
    """
    fast = _fast_validator()
    try:
        if fast is not None and fast.is_valid(report):
            return []
    except (ValueError, TypeError):  # what jsonschema-rs cannot read (a non-string key): jsonschema judges
        pass
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema())
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
            for error in sorted(validator.iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))]

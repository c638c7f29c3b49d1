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


def schema_problems(report: Any) -> list[str]:
    """Every way ``report`` breaks the schema (empty: valid), each with its JSON path."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema())
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
            for error in sorted(validator.iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))]

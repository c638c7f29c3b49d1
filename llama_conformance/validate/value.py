"""``validate_value``: judge one returned value (a whole response) against its declared type."""

from __future__ import annotations

from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.contract.members import non_stream_part
from llama_conformance.validate.judge import VALUE_CHECKS, Judge


def validate_value(value: Any, tp: Any, *, method: str, in_process: bool | None = None) -> list[Finding]:
    """Findings for ``value`` as a result of ``method`` declared to return ``tp``.

    Three checks: ``response.type`` (in-process, the value is an instance of ``tp``, nested
    models included), ``response.schema`` (its JSON matches the package's published JSON
    Schema of ``tp``) and ``response.roundtrip`` (that JSON validates back into ``tp``).
    ``tp`` may be a member's whole declared return type: a streaming alternative
    (``AsyncIterator[...]``) is left out.

    ``value`` is a pydantic object (in-process) or parsed JSON (over HTTP). ``in_process=True``
    makes a dict where a model is due a finding; ``None`` infers the transport from the value.
    An empty list means the value conforms; findings carrying ``erratum`` are contract defects
    the value needed, reported but never failures.
    """
    judge = Judge(non_stream_part(tp), method=method, checks=VALUE_CHECKS, in_process=in_process)
    return judge.judge(value)[1]

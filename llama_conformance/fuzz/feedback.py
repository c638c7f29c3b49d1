"""Values learned from the deployment's own answers, shared by every operation of one run.

Most operations of a real server take the id of something that exists (a file, a vector
store, a batch); drawn ids only reach the 404 path. ``schemathesis run`` keeps the ids its
earlier answers carried (an "extra data source" built from the document's resources) and
draws later path parameters from them; that is how it reaches, for example, the results of
a real message batch. ``RunFeedback`` gives the kit's per-operation items the same memory:
one pool per run, fed with every answer, read by valid-data strategies (never by invalid
ones: an invalid case must stay invalid), plus the constants schemathesis extracts from the
document.
"""

from __future__ import annotations

import contextlib
from typing import Any

from schemathesis import GenerationMode


class RunFeedback:
    """The run's memory of resource ids and document constants (both may be absent)."""

    def __init__(self, schema: Any) -> None:
        self.pool = _extra_data_source(schema)
        self._sources = _feedback_sources(self.pool, schema)

    def for_mode(self, mode: GenerationMode) -> Any:
        """What a strategy of ``mode`` may draw from (``None``: nothing, as before)."""
        if self._sources is None:
            return None
        return self._sources if mode is GenerationMode.POSITIVE else self._sources.for_negative()

    def learn(self, case: Any, response: Any) -> None:
        """Remember what ``response`` says exists; an answer the pool cannot read teaches nothing."""
        if self.pool is None:
            return
        from schemathesis.core.transport import Response

        with contextlib.suppress(Exception):  # the pool is an aid to generation, never a finding
            self.pool.record_response(operation=case.operation, response=Response.from_any(response), case=case)


def _extra_data_source(schema: Any) -> Any:
    try:
        return schema.create_extra_data_source()
    except Exception:  # older or newer schemathesis without the analysis: run without memory
        return None


def _feedback_sources(pool: Any, schema: Any) -> Any:
    try:
        from schemathesis.generation.feedback import FeedbackSources
        from schemathesis.python._constants.orchestrator import make_constants_value_source
    except ImportError:
        return None
    try:
        constants = make_constants_value_source(schema)
    except Exception:
        constants = None
    if pool is None and constants is None:
        return None
    return FeedbackSources(extra_data_source=pool, constants_value_source=constants)

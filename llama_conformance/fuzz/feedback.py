"""Values learned from the deployment's own answers, shared by every operation of one run.

Most operations of a real server take the id of something that exists (a file, a vector
store, a batch); drawn ids only reach the 404 path. ``schemathesis run`` keeps the ids its
earlier answers carried (an "extra data source" built from the document's resources) and
draws later path parameters from them; that is how it reaches, for example, the results of
a real message batch. ``RunFeedback`` gives the kit's per-operation items the same memory:
one pool per run, fed with every answer, read by valid-data strategies (never by invalid
ones: an invalid case must stay invalid), plus the constants schemathesis extracts from the
document.

The pool holds still while Hypothesis draws: what answers teach waits (``learn``) until the
Hypothesis run that sent them ends (``settle``), as schemathesis keeps its own pool frozen during
a run and refreshes it between suites. A pool that grew mid-run made the same choices draw other
ids, which Hypothesis stops a run for (``fuzz.drift``).
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
        self._learned: list[tuple[Any, Any]] = []  # (case, answer) since the last settle

    def for_mode(self, mode: GenerationMode) -> Any:
        """What a strategy of ``mode`` may draw from (``None``: nothing, as before)."""
        if self._sources is None:
            return None
        return self._sources if mode is GenerationMode.POSITIVE else self._sources.for_negative()

    def learn(self, case: Any, response: Any) -> None:
        """Keep what ``response`` says exists, for the pool once the Hypothesis run that sent it ends (``settle``)."""
        if self.pool is None:
            return
        from schemathesis.core.transport import Response

        with contextlib.suppress(Exception):  # the pool is an aid to generation, never a finding
            self._learned.append((case, Response.from_any(response)))

    def settle(self) -> None:
        """Put what the answers since the last settle taught into the pool; one it cannot read teaches nothing."""
        learned, self._learned = self._learned, []
        for case, response in learned:
            with contextlib.suppress(Exception):
                self.pool.record_response(operation=case.operation, response=response, case=case)


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

"""``StreamChecker``: judge a stream chunk by chunk as it arrives, then the stream as a whole.

A checker validates every chunk the moment it is fed (class, JSON Schema, round trip, and
the invariants that can be decided so far), so a test can fail on the chunk that broke the
contract and a long stream costs no memory. ``finish()`` adds what only the end can tell
(a choice that never finished, a missing terminal event, an empty stream).

Subclasses add invariants by overriding ``_observe`` (one chunk's JSON form) and
``_conclude``; both read the JSON form, so in-process objects and HTTP dicts are one case.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from llama_conformance.checks import Finding, Level
from llama_conformance.validate.errata import DEFAULT_ERRATA, Erratum
from llama_conformance.validate.ids import STREAM_NONEMPTY
from llama_conformance.validate.judge import CHUNK_CHECKS, Judge
from llama_conformance.validate.messages import violation

MAX_PER_CHECK = 3  # an invariant broken once tends to break on every later chunk: say it thrice


class StreamChecker:
    """Schema-and-round-trip checker for any chunk type; the base of the specific ones."""

    kind = "generic"
    # Whether the "wrong class nested inside a model" look (``Judge.nested_check``) is
    # sampled rather than run on every chunk: it runs at chunks 1, 2, 4, 8, ... and on every chunk
    # ``_observe`` calls a rare kind. A provider that builds chunks with ``model_construct``
    # does so in one code path per kind of chunk, so each kind is still looked at.
    sample_nested = False

    def __init__(
        self,
        chunk_type: Any,
        *,
        method: str,
        request: Any = None,
        in_process: bool | None = None,
        errata: tuple[Erratum, ...] = DEFAULT_ERRATA,
    ) -> None:
        self.chunk_type = chunk_type
        self.method = method
        self.request = request
        self.judge = Judge(chunk_type, method=method, checks=CHUNK_CHECKS, errata=errata, in_process=in_process)
        self.count = 0
        self._reported: dict[str, int] = {}

    def feed(self, chunk: Any) -> list[Finding]:
        """Judge one chunk as it arrives; returns the findings it causes (often none)."""
        self.count = count = self.count + 1
        shallow = bool(self.sample_nested and count & (count - 1))
        if shallow or type(chunk) is dict:  # the hot path: nothing to word, nothing to look inside
            data = self.judge.quick(chunk)
            if data is not None:
                findings: list[Finding] = []
                if self._observe(data, findings) and shallow:  # a rare chunk: look inside after all
                    findings.extend(self.judge.nested_check(chunk, "chunk #" + str(count)))
                return findings
        data, findings = self.judge.judge(chunk, "chunk #" + str(count), deep=not shallow)
        if data is not None and self._observe(data, findings) and shallow:
            findings.extend(self.judge.nested_check(chunk, "chunk #" + str(count)))
        return findings

    def finish(self) -> list[Finding]:
        """Judge the stream as a whole, once it has ended."""
        findings: list[Finding] = []
        if self.count == 0:
            self._report(findings, STREAM_NONEMPTY, "the stream ended without yielding a chunk", where="stream end")
        else:
            self._conclude(findings)
        return findings

    def check_all(self, chunks: Iterable[Any]) -> list[Finding]:
        """Feed every chunk of a finished stream, then finish: all findings in order."""
        findings: list[Finding] = []
        for chunk in chunks:
            findings.extend(self.feed(chunk))
        findings.extend(self.finish())
        return findings

    # -- for subclasses ---------------------------------------------------------------------

    def _observe(self, data: Any, findings: list[Finding]) -> bool | None:
        """Incremental invariants on one chunk's JSON form (none for unknown chunk types).

        Returns True for a rare kind of chunk (a final or usage chunk) that deserves the
        nested-class look even when sampling skipped it.
        """
        return None

    def _conclude(self, findings: list[Finding]) -> None:
        """Invariants decided at the end of the stream."""

    def _report(
        self,
        findings: list[Finding],
        check_id: str,
        detail: str,
        *,
        path: tuple[Any, ...] = (),
        value: Any = ...,
        where: str | None = None,
        level: Level | None = None,
    ) -> None:
        seen = self._reported.get(check_id, 0)
        self._reported[check_id] = seen + 1
        if seen >= MAX_PER_CHECK:
            return
        if seen == MAX_PER_CHECK - 1:
            detail += " (further violations of this check in this stream are not reported)"
        findings.append(violation(check_id, self.method, detail, path=path, value=value,
                                  where=where or f"chunk #{self.count}", level=level))


def field_of(obj: Any, name: str) -> Any:
    """``obj.name`` or ``obj[name]``: requests arrive as models in-process and dicts over HTTP."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    value = getattr(obj, name, None)
    if value is None:
        extra = getattr(obj, "model_extra", None) or {}
        value = extra.get(name)
    return value

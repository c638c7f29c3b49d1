"""Where a request changed during a call: field paths and a short excerpt of each change.

``Kit.call_request`` fails ``call.request-unchanged`` naming only the top-level field
(``messages``). For a shield that rewrote one message's text in place, the author needs the
path (``messages[1].content``) and what became of the text (``'... 123-45-6789 ...'`` became
``'... [REDACTED] ...'``); this module finds both in two ``model_dump()`` snapshots. Values are
excerpts around the first differing character, passed through the run's secret redactor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MISSING = object()
CONTEXT = 24  # characters shown either side of where two strings start to differ
MAX_CHANGES = 3  # paths spelled out in one finding; the rest are counted


def changed_paths(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """``(path, before, after)`` for every leaf that differs, e.g. ``messages[0].content``."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[tuple[str, Any, Any]] = []
        for key in sorted(before.keys() | after.keys(), key=str):
            sub = f"{path}.{key}" if path else str(key)
            changes += changed_paths(before.get(key, _MISSING), after.get(key, _MISSING), sub)
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [change for i, (b, a) in enumerate(zip(before, after, strict=True))
                for change in changed_paths(b, a, f"{path}[{i}]")]
    return [] if before == after else [(path or "(the request)", before, after)]


def _excerpts(before: str, after: str) -> tuple[str, str]:
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0  # common suffix, not overlapping the common prefix
    while (end < min(len(before), len(after)) - start
           and before[len(before) - 1 - end] == after[len(after) - 1 - end]):
        end += 1
    lo = max(0, start - CONTEXT)

    def cut(text: str) -> str:
        hi = min(len(text), len(text) - end + CONTEXT)
        return ("..." if lo else "") + text[lo:hi] + ("..." if hi < len(text) else "")

    return cut(before), cut(after)


def _shown(value: Any) -> str:
    return "(absent)" if value is _MISSING else repr(value)


def describe_changes(before: Any, after: Any, redact: Callable[[str], str] = str) -> str:
    """The changed paths of two snapshots, each with a redacted excerpt of old and new value."""
    changes = changed_paths(before, after)
    parts = []
    for path, old, new in changes[:MAX_CHANGES]:
        if isinstance(old, str) and isinstance(new, str):
            old_text, new_text = (repr(t) for t in _excerpts(old, new))
        else:
            old_text, new_text = _shown(old)[:2 * CONTEXT], _shown(new)[:2 * CONTEXT]
        parts.append(f"{path}: {redact(old_text)} became {redact(new_text)}")
    more = len(changes) - MAX_CHANGES
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")

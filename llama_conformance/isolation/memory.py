"""The memory ceiling of the process that runs provider code (``--llama-memory-limit``).

``RLIMIT_DATA`` bounds a process's private writable memory (heap, anonymous mappings, thread
stacks): the allocations a runaway provider makes. Past it ``malloc`` fails, so CPython raises
``MemoryError`` in the frame that allocated, even inside a C loop that never yields, where a
watchdog thread polling RSS could not act. Address space (``RLIMIT_AS``) is not used: runtimes
reserve far more of it than they touch (glibc arenas, thread stacks, gRPC), and a ceiling on it
fails good providers.
"""

from __future__ import annotations

import re
import resource
from collections.abc import Callable

GIB = 2**30
DEFAULT_MEMORY_LIMIT = 4 * GIB
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_OFF = {"0", "none", "off", "unlimited"}
# The kit's own worker needs this much before any provider code runs (imports, contract,
# validators, Hypothesis): a smaller ceiling would fail the kit, not the provider.
MIN_MEMORY_LIMIT = 512 * 2**20


def parse_memory_limit(text: str) -> int | None:
    """Bytes from ``4GiB``, ``4G``, ``512M``, ``2.5g``; None for ``0``/``none`` (no ceiling).

    Raises ValueError with the reason for anything else.
    """
    value = text.strip().lower()
    if value in _OFF:
        return None
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"{text!r} is not a size: give a number with a unit, e.g. 4GiB, 512MiB or 2G")
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < MIN_MEMORY_LIMIT:
        raise ValueError(f"{text!r} is below {format_size(MIN_MEMORY_LIMIT)}, what the kit itself needs before "
                         "any provider code runs")
    return size


def format_size(size: int) -> str:
    for unit, factor in (("GiB", GIB), ("MiB", 2**20)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


def apply_ceiling(limit: int | None) -> Callable[[], None]:
    """Set the soft ``RLIMIT_DATA`` to ``limit`` (never above the hard one); return what restores it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if limit is None:
        return lambda: None
    wanted = min(value for value in (limit, soft, hard) if value != resource.RLIM_INFINITY)  # never looser
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))

    def restore() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))

    return restore

"""Run a forked worker's session in one roomy chunk of CPython's frame stack.

CPython (3.11 on) keeps the frames of a thread's Python calls in chunks of 16 KiB
(``Python/pystate.c`` ``push_chunk``) and unmaps a chunk the moment the first frame in it
returns. A thread whose usual depth sits at a chunk's end maps and unmaps 16 KiB (and faults
its pages in again) on every call that crosses it. A forked worker runs beneath the frames of the
scheduler it was forked from, execnet's and its own pytest's, and its tests sat on such an end:
the thorough skills state machine made about 350,000 ``mmap``/``munmap`` pairs, eleven per call
into the provider, and cost 14.3-14.9 CPU-s against 9.4-10.1 s in-process.

``call_with_stack_room`` calls through a function whose frame has 16,500 slots. No chunk in use
can hold it, so CPython gives it a new one of 256 KiB (``push_chunk`` doubles 16 KiB until the
frame and 1,000 slots more fit), and every frame the call makes fills the ~127 KiB behind it
instead of crossing into chunks of its own. The slots are never read: the frame is only large.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

ROOM_SLOTS = 16_500  # 8 bytes each: > 128 KiB with CPython's 1,000-slot margin, so a 256 KiB chunk
_roomy: Callable[..., Any] | None = None


def _passthrough[T](func: Callable[..., T], *args: Any) -> T:
    return func(*args)


def _build_roomy() -> Callable[..., Any]:
    """``_passthrough`` with ``ROOM_SLOTS`` more local names (4.5 ms; compiling source with that many
    locals takes 46 ms); the plain function where this interpreter's code objects refuse it."""
    code = _passthrough.__code__
    if code.co_cellvars or code.co_freevars:  # appended names must not shift a cell's slot
        return _passthrough
    names = tuple(f"_room{i}" for i in range(ROOM_SLOTS))
    try:
        roomy_code = code.replace(co_varnames=code.co_varnames + names, co_nlocals=code.co_nlocals + ROOM_SLOTS)
    except (TypeError, ValueError):
        return _passthrough
    return types.FunctionType(roomy_code, _passthrough.__globals__, "call_in_room")


def call_with_stack_room[T](func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` with ~127 KiB of frame stack of its own (see the module docstring)."""
    global _roomy
    if _roomy is None:
        _roomy = _build_roomy()
    return _roomy(func, *args)

"""Keep the garbage collector off the heap the kit builds once and never frees.

By the time tests run, a kit process holds a large, long-lived heap: the API package's
pydantic models, the compiled validators, schemathesis' parsed document, Hypothesis.
Every full collection walks all of it again, and so does interpreter shutdown, which on
these machines cost about 1 s per run (measured: exit came 1.0-1.5 s after the last atexit
handler; 0.4 s with the heap frozen). ``gc.freeze()`` moves what exists into the permanent
generation, so collections during the run and at exit only walk what the tests allocate.

Nothing is lost: frozen objects are still freed by reference counting; only cyclic garbage
made before the freeze stays until the process ends, which is where it was going.

For the same reason the collector is held back while that heap is built (the API package, the
provider, the suites: thousands of pydantic classes, none of them garbage): with the default
thresholds it ran about a tenth of the import time for nothing. The thresholds are restored when the
tests start, so what the tests allocate is collected as usual. The young cyclic garbage of the set-up
(1,800-3,100 objects in a files, inference or fuzz run) is frozen with the rest and stays until the
process ends: collecting it first (``gc.collect(1)``) took 73-79 ms, most of what holding back saves.
"""

from __future__ import annotations

import atexit
import gc

# Generation 0 every 50,000 allocations instead of 700, the older ones almost never: the set-up's garbage
# is a few temporaries; its objects live for the whole run.
SETUP_THRESHOLDS = (50_000, 20, 1_000)
_defaults: tuple[int, ...] | None = None


def defer_collection_during_setup() -> None:
    """From the command line to the first test: the set-up heap is built without cyclic collections."""
    global _defaults
    if _defaults is None:
        _defaults = gc.get_threshold()
        gc.set_threshold(*SETUP_THRESHOLDS)


def end_setup() -> None:
    """The tests start (or, in a scheduling process, its loop; or the run ends before): the collector's
    thresholds as they were, unless something else set its own meanwhile (a conftest's is kept)."""
    global _defaults
    if _defaults is not None:
        if gc.get_threshold() == SETUP_THRESHOLDS:
            gc.set_threshold(*_defaults)
        _defaults = None


def freeze_setup_heap() -> None:
    """The tests (or a scheduling process's loop) start: the imports, the contract and the provider's set-up heap
    are permanent."""
    gc.freeze()


def freeze_at_exit() -> None:
    """At unconfigure: shutdown does not walk the whole heap once more for cycles nobody will use."""
    atexit.register(gc.freeze)

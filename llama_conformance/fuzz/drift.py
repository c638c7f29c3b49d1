"""When Hypothesis gives up on a fuzz run because a live deployment answered differently: no one's defect.

Hypothesis records every choice a run makes and expects the same choices to draw the same way again. A
deployment keeps state: the files earlier runs uploaded change a listing, which changes the links a chain
can follow, which changes what the next scenario draws. Hypothesis then stops the whole run with
``FlakyStrategyDefinition`` ("Inconsistent data generation"), another ``Flaky`` (the same choices once ended
a scenario, once not: an answer lost once), or, in a replay, with an assertion inside its data tree.
Schemathesis does not count any of them as an error in its own stateful runs
(``schemathesis/engine/errors.py`` ``is_inconsistent_replay``, ``engine/run/stateful/_executor.py``
``_classify_flaky``): the suite ends, what it found stands, and it starts another suite only when that one
found something new. The kit reruns the chains left (``fuzz.stateful``) and ends a per-operation run where it
stopped (``fuzz.run``).

Before this, the kit reported the exception as an error of the run, and the test failed charged with its first
check: against its own reference deployment, after one suite run had uploaded files, ``test_linked_operations``
failed ``fuzz.use-after-free`` with seeds 1 and 2 ("Not conformant"), though no answer was wrong.
"""

from __future__ import annotations

import hypothesis


def drifted(exc: BaseException) -> bool:
    """True when Hypothesis stopped because the same choices drew differently this time (see the module)."""
    if isinstance(exc, hypothesis.errors.Flaky):
        return True
    if not isinstance(exc, AssertionError):
        return False
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_globals.get("__name__") == "hypothesis.internal.conjecture.datatree"

"""How the stress checks are proven: defects only concurrent calls show (``--llama-profile stress``).

The checks are the engine's (``llama_conformance.engine_checks``); their fixtures pass every
single-call test, so the proof runs the stress profile and checks that too (a kit test of its own).
"""

from __future__ import annotations

from llama_conformance.checks import Wing
from llama_conformance.engine_checks import ANSWERED_ONCE, STREAM_COMPLETE

_CAUGHT = "tests/test_stress.py::test_concurrency_defect_is_caught_by_its_stress_check"

WING = Wing(api="stress", checks=(), proven_elsewhere={ANSWERED_ONCE.id: _CAUGHT, STREAM_COMPLETE.id: _CAUGHT})

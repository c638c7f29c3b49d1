"""How the contract every API shares is proven where no single wing's fixture can show it.

A crash (segfault, ``os._exit``, ``sys.exit``) takes the worker process down, and an absurd size
may need the memory ceiling: both need a run of their own (``--llama-isolation=process``, measured
memory), so their proofs are kit tests. Unknown ids are proven by each wing's rows.
"""

from __future__ import annotations

from llama_conformance.checks import Wing
from llama_conformance.engine_checks import NO_CRASH, RESOURCE_BOUND

WING = Wing(
    api="negative",
    checks=(),
    proven_elsewhere={
        NO_CRASH.id: "tests/test_isolation.py::test_defect_is_a_finding_and_the_run_goes_on",
        RESOURCE_BOUND.id: "tests/test_resource_bound.py::test_unbounded_size_is_caught_with_the_request_shown",
    },
)

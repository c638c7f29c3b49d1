"""The batches suites on the real built-in batches provider, ``inline::reference``, in-process.

ogx 1.5 and llama-stack 0.7.3 ship the same reference implementation: it reads the input
file from the kit's reference Files, runs each line through the kit's reference inference
(models checked through the kit's reference Models) and writes an output file. Both pass
every MUST check: create / retrieve / list / cancel, the status machine, one result per input
line, idempotency keys (same key and parameters: the first batch; other parameters: 409),
invalid input lines (stream, endpoint mismatch, a missing line or body field, a line that is not
JSON: the batch fails naming the line), an unsupported endpoint refused at create (400), a cancel
right after create (cancelling then cancelled, both stamped) and a cancel of a completed batch
refused (409). Both write each result's ``response.body`` as a JSON *string*, where OpenAI's batch
output carries the object (a SHOULD finding, ``batches.output.format``): an OpenAI client
reading ``line["response"]["body"]["choices"]`` fails on their files.
"""

from __future__ import annotations

import pytest
from kitrun import needs_llama_stack, needs_ogx

pytestmark = pytest.mark.slow

BODY_AS_STRING = ("test_create_run_complete", "SHOULD", "batches.output.format")


@pytest.mark.parametrize("server", [pytest.param("ogx", marks=needs_ogx),
                                    pytest.param("llama-stack", marks=needs_llama_stack)])
def test_batches_reference(run_real_provider, server: str) -> None:
    """Structure (5) and every behavioural suite (10) pass; the output format is a SHOULD finding."""
    run = run_real_provider("inline::reference", "--llama-api=batches", "-p", "no:asyncio")
    run.expect(passed=15, warnings={BODY_AS_STRING})

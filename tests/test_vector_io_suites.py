"""The kit's reference vector_io provider passes every suite.

The broken vector_io fixtures (``fixtures/broken/vector_io_*.py``) are declared in the wing's
check table (``suites/vector_io/checks.py``: ``WING.proofs``) and run by ``tests/test_proofs.py``;
this module keeps the good twin.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_support import assert_passes, literal, run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("vector_io-batch")]

REFERENCE_RUN = ("--llama-provider=inline::kit-vector-io", "--llama-api=vector_io")  # every suite


def test_reference_vector_io_passes_every_suite(tmp_path: Path) -> None:
    """The good twin: the kit's reference vector_io passes structure, behaviour, negative and
    stateful suites (the shared-backend check is skipped: its config names no backend)."""
    (result,) = run_kit_batch(tmp_path, [REFERENCE_RUN])
    outcomes = assert_passes(result)
    assert outcomes.get("skipped") == 1, outcomes
    result.stdout.fnmatch_lines([literal("SKIPPED [1] *the provider's config names no storage backend*")])

"""The kit's reference tool runtime passes every tool_runtime suite.

The broken runtimes made for the suite (``fixtures/broken/tool_runtime_*.py``, each the reference
``kit::math`` with ``kit_add`` and one defect) are the tool_runtime wing's proofs
(``suites/tool_runtime/checks.py``: ``WING.proofs``), run by ``tests/test_proofs.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_support import assert_passes, run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("tool_runtime-batch")]

REFERENCE_RUN = ("--llama-provider=inline::kit-tools", "--llama-api=tool_runtime")  # every suite


def test_reference_tool_runtime_passes_every_suite(tmp_path: Path) -> None:
    (result,) = run_kit_batch(tmp_path, [REFERENCE_RUN])
    outcomes = assert_passes(result)
    assert outcomes.get("passed") == 10 and "skipped" not in outcomes, outcomes

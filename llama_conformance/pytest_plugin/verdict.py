"""Turn a check result into a pytest outcome: fail on MUST, warn on SHOULD, skip with reason."""

from __future__ import annotations

import pytest

from llama_conformance.harness import ProviderUnderTest
from llama_conformance.pytest_plugin.session import KitSession
from llama_conformance.pytest_plugin.terminal import record_should
from llama_conformance.structural import StructuralResult


def require_built(session: KitSession) -> ProviderUnderTest:
    put = session.provider()
    if put.build_inconclusive:
        pytest.skip("not judged: the provider could not be built because its backend was unreachable "
                    "(see test_build)")
    if put.build_error:
        pytest.skip("the provider did not build, so it cannot be checked (see test_build)")
    return put


def judge(request: pytest.FixtureRequest, result: StructuralResult, *, strict: bool = False) -> None:
    """MUST findings fail; SHOULD findings warn, or fail too under ``--llama-strict``."""
    failures = [*result.failures, *result.warnings] if strict else result.failures
    if result.warnings and not strict:
        record_should(request.node, result.warnings)
    if failures:
        pytest.fail("\n".join(f.render() for f in failures), pytrace=False)
    if result.skip_reason:
        pytest.skip(result.skip_reason)

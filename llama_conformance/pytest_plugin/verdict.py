"""Turn a check result into a pytest outcome: fail on MUST, warn on SHOULD, skip with reason.

A failure carries its findings as data (``CheckFailed`` of the judge, ``FindingsFailed`` here):
``findings_of`` takes them back from whatever reached pytest, Hypothesis' wrappers included, and
the report reads those, never the failure's text.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

from llama_conformance.checks import Finding
from llama_conformance.harness import ProviderUnderTest
from llama_conformance.pytest_plugin.session import KitSession
from llama_conformance.pytest_plugin.terminal import record_should
from llama_conformance.structural import StructuralResult


class FindingsFailed(pytest.fail.Exception):  # type: ignore[name-defined,misc]
    """``pytest.fail(text, pytrace=False)`` that carries the findings ``text`` tells of."""

    def __init__(self, findings: list[Finding], text: str | None = None) -> None:
        super().__init__(text if text is not None else "\n".join(f.render() for f in findings), pytrace=False)
        self.findings = list(findings)


def fail_with(findings: list[Finding], text: str | None = None) -> NoReturn:
    """Fail the test on ``findings`` (shown as ``text``, or rendered), without a traceback."""
    raise FindingsFailed(findings, text)


def findings_of(exc: BaseException | None) -> list[Finding]:
    """The findings a failure carries, in order: a ``CheckFailed`` / ``FindingsFailed``'s own, and those
    of every exception a group holds (Hypothesis raises one for several distinct failures, and
    ``FlakyFailure`` for one it could not reproduce). None: a failure the kit did not judge."""
    from llama_conformance.behaviour.judge import CheckFailed  # the judge's module: loaded by kit tests only

    if isinstance(exc, CheckFailed | FindingsFailed):
        return list(exc.findings)
    if isinstance(exc, BaseExceptionGroup):
        found: list[Finding] = []
        for inner in exc.exceptions:
            found += [item for item in findings_of(inner) if item not in found]
        return found
    return []


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
        fail_with(failures)
    if result.skip_reason:
        pytest.skip(result.skip_reason)

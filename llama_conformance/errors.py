"""Errors the kit raises on purpose, each written for the provider author.

`KitUsageError` means the kit could not even start on what it was given (unknown provider
type, unimportable module, invalid config) and maps to pytest's usage exit code 4. A
provider's own failure while being built is not an exception of the kit's: it is kept as
``ProviderUnderTest.build_error`` and fails the ``lifecycle.build`` check. Messages are one
paragraph: what happened, the cause, and what to do next.
"""

from __future__ import annotations

import traceback

import pytest


class KitUsageError(Exception):
    """The kit cannot run with the options it was given (pytest exit code 4)."""


class ApiPackageBroken(KitUsageError):
    """The API package the kit judges against does not import. Found when first needed, which may be inside a
    test (a run against a URL reads the package only then): the run ends there, with exit code 4."""


class GateTimeout(Exception):
    """A call into provider code exceeded ``--llama-timeout`` (or was refused after one did)."""


class CallRefused(GateTimeout):
    """The kit did not call a member that took down an earlier worker; ``check_id`` is that finding's check."""

    def __init__(self, message: str, check_id: str) -> None:
        super().__init__(message)
        self.check_id = check_id


class ProviderExit(Exception):
    """Provider code raised ``SystemExit`` or ``KeyboardInterrupt`` inside a call (``call.no-crash``).

    Left as they are, asyncio re-raises both out of the event loop and the provider's loop
    thread dies with every later call; as an ordinary exception it is one call's finding.
    """


def describe_exception(exc: BaseException) -> str:
    """One line naming an exception and its message, following ``__cause__`` once.

    Provider authors need the root cause (``ModuleNotFoundError: No module named 'x'``),
    not the wrapper, and not a traceback as the only message.
    """
    text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc and str(cause) not in text:
        text += f" (caused by {type(cause).__name__}: {cause})"
    return text


def released_memory_error(exc: MemoryError) -> MemoryError:
    """A new ``MemoryError`` naming where ``exc`` was raised; ``exc``'s frames are cleared.

    The frames of a ``MemoryError`` hold what filled the memory: clearing them lets it go before
    the kit reports the error (``behaviour.invoke``, ``isolation.asgi_deadline``).
    """
    if exc.__traceback__ is not None:  # first: reading the frames allocates, and the ceiling is still full
        traceback.clear_frames(exc.__traceback__)
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ is not None else []
    where = f" at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    return MemoryError(f"{exc}{where}".strip())


NOT_APPLICABLE_TAG = "NOT APPLICABLE"


class NotApplicable(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """This mode cannot exercise the test's checks (the member it needs has no HTTP route; it builds
    instances in-process): a skip to pytest and JUnit, ``not-applicable`` in the report
    (``report.applicability``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{NOT_APPLICABLE_TAG}: {reason}")

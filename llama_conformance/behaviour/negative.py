"""The negative contract every API shares: unknown ids are a typed client error.

Each suite asks the same of its retrieve / update / delete members: an id that names
nothing must be refused with a not-found (4xx) error the server can map, never answered,
never a bare ``KeyError`` (a 500), never a hang. One definition here, so every API is held
to the same rule and says it in the same words.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.judge import kit_frames_hidden
from llama_conformance.checks import CheckRef, UnknownIds, finding
from llama_conformance.engine_checks import TYPED_ERROR

__tracebackhide__ = kit_frames_hidden  # a check's failure shows from the suite's line down


def run_unknown_ids(kit: Kit, row: UnknownIds) -> None:
    """One API's row of the negative contract, over drawn ids: ``row.known`` (a plausible one) and
    ``row.prefix`` + drawn letters and digits; every member of the row must refuse each."""

    def body(unknown: str) -> None:
        for call in row.calls:
            outcome = kit.ask(call.member, **{call.id_field: unknown, **call.extra})
            expect_not_found(kit, outcome, row.check, f"{call.member}({call.id_field}={unknown!r})")

    ids = unknown_ids(row.prefix, known=row.known, max_size=row.max_size, min_size=row.min_size,
                      codepoints=row.codepoints)
    kit.examples(ids, body, label=row.label)


def expect_not_found(kit: Kit, outcome: Outcome, check_id: CheckRef, what: str) -> None:
    """``outcome`` must be a typed client error (404 / 400): not a success, a hang or a 5xx.

    A 5xx names both ``call.typed-error`` and ``check_id``, so the report says which
    contract clause the crash broke.
    """
    kit.judge.no_hang(outcome)
    if outcome.error is None:
        kit.judge.fail(check_id, f"{what} succeeded ({type(outcome.value).__name__}: "
                                 f"{str(outcome.value)[:120]}); it must raise a not-found error.")
    if outcome.answer is not None and outcome.answer.client_error:
        return
    message = (f"{what} raised {outcome.describe_error()}; a client error (404) is due. Raise the API "
               "package's not-found error (or ValueError), not a bare KeyError/AttributeError.")
    kit.judge.take([finding(TYPED_ERROR, message), finding(check_id, message)])


def unknown_ids(prefix: str, *, known: str | None = None, max_size: int = 40, min_size: int = 1,
                codepoints: tuple[int, int] = (48, 122)) -> Any:
    """Ids that name nothing: ``known`` (a plausible one) or ``prefix`` + drawn letters and digits."""
    low, high = codepoints
    drawn = st.text(st.characters(min_codepoint=low, max_codepoint=high), min_size=min_size, max_size=max_size)
    return st.one_of(st.just(known or f"{prefix}does-not-exist"), drawn.map(lambda s: f"{prefix}{s}"))

"""Unknown ids are a typed not-found, for every API, from one table.

Each API's wing declares its rows (``Wing.unknown_ids`` in ``suites/<api>/checks.py``: the members
that take an id, the check they answer to); this one test runs them all. A row carries its API's
marker, so a run selects it with the rest of that API's suite.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import NEGATIVE
from llama_conformance.behaviour.negative import run_unknown_ids
from llama_conformance.checks import UnknownIds, Wing

pytestmark = [pytest.mark.behavioral, pytest.mark.negative]  # as every API suite marks its own negative tests


def _wings() -> list[Wing]:
    """The wings beside this suite (the suites package walks itself: no layer above is asked)."""
    found = []
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent.parent)]), key=lambda i: i.name):
        if info.ispkg and (Path(__file__).parent.parent / info.name / "checks.py").exists():
            found.append(importlib.import_module(f"llama_conformance_suites.{info.name}.checks").WING)
    return found


def _params() -> list[object]:
    rows: list[tuple[str, UnknownIds]] = [(wing.api, row) for wing in _wings() for row in wing.unknown_ids]
    return [pytest.param(row, id=f"{api}-{row.label}" if sum(a == api for a, _ in rows) > 1 else api,
                         marks=[pytest.mark.api(api), pytest.mark.checks(row.check, *row.also, *NEGATIVE)])
            for api, row in rows]


@pytest.mark.parametrize("row", _params())
def test_unknown_ids(llama_kit: Kit, row: UnknownIds) -> None:
    """Ids that name nothing, for every member of the API that takes one: a typed not-found."""
    run_unknown_ids(llama_kit, row)

"""DatasetIO helpers for the suites: datasets registered the routing table's way, rows read back.

Rows are compared after a JSON round trip: a provider may hold them in a dataframe and give
back numpy scalars that equal the values sent, which the server serializes to the same JSON.
"""

from __future__ import annotations

import json
from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.steps import new_id, owner, routing_call
from llama_conformance.checks import CheckDef
from llama_conformance_suites.datasetio.checks import REGISTER, UNREGISTER


def dataset(kit: Kit, rows: list[dict[str, Any]], dataset_id: str | None = None) -> Any:
    identifier = dataset_id or new_id("kit-dataset")
    return kit.api.Dataset(identifier=identifier, provider_resource_id=identifier, provider_id=owner(kit),
                           purpose=kit.api.DatasetPurpose.eval_question_answer,
                           source=kit.api.RowsDataSource(rows=rows))


def register_dataset(kit: Kit, rows: list[dict[str, Any]], check: CheckDef = REGISTER) -> str:
    item = dataset(kit, rows)
    outcome = routing_call(kit, "register_dataset", item, check_id=check)
    kit.judge.answered(outcome, check)
    return item.identifier


def unregister_dataset(kit: Kit, dataset_id: str, check: CheckDef = UNREGISTER) -> Outcome:
    return routing_call(kit, "unregister_dataset", dataset_id, check_id=check)


def iterrows(kit: Kit, dataset_id: str, **page: Any) -> Outcome:
    return kit.ask("iterrows", dataset_id=dataset_id, **page)


def append_rows(kit: Kit, dataset_id: str, rows: list[dict[str, Any]]) -> Outcome:
    return kit.ask("append_rows", dataset_id=dataset_id, rows=rows)


def plain(rows: Any) -> Any:
    """Rows as JSON would carry them (numpy scalars and the like become plain values)."""
    return json.loads(json.dumps(rows, default=lambda v: v.item() if hasattr(v, "item") else str(v)))

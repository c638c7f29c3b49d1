"""Behavioural checks of the datasetio API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("datasetio.register", MUST,
             "register_dataset accepts a dataset with a rows source, as the datasets routing table sends it",
             "datasetio", None,
             reference="DatasetsProtocolPrivate.register_dataset(dataset: Dataset); RowsDataSource"),
    CheckDef("datasetio.iterrows", MUST,
             "iterrows of a registered dataset returns its rows, in order, as a valid PaginatedResponse",
             "datasetio", None,
             reference="DatasetIO.iterrows; GET /v1beta/datasetio/iterrows/{dataset_id}; PaginatedResponse"),
    CheckDef("datasetio.iterrows.pagination", MUST,
             "Walking pages with start_index/limit yields every row once, in order; has_more is true exactly "
             "while rows remain", "datasetio", None,
             reference="DatasetIO.iterrows (start_index, limit); IterRowsRequest; PaginatedResponse.has_more"),
    CheckDef("datasetio.append-rows", MUST,
             "append_rows adds the rows: iterrows afterwards returns the old rows followed by the new ones",
             "datasetio", None,
             reference="DatasetIO.append_rows; POST /v1beta/datasetio/append-rows/{dataset_id}; AppendRowsParams"),
    CheckDef("datasetio.not-found", MUST,
             "iterrows / append_rows of an unknown dataset id raise a not-found (4xx) error", "datasetio", None,
             reference="DatasetIO.iterrows, DatasetIO.append_rows; DatasetNotFoundError (404)"),
    CheckDef("datasetio.unregister", MUST,
             "unregister_dataset (which the datasets routing table calls) answers for a registered dataset",
             "datasetio", None,
             reference="DatasetsProtocolPrivate.unregister_dataset; DELETE /v1beta/datasets/{dataset_id}"),
    CheckDef("datasetio.unregister.forgets", SHOULD,
             "After unregister_dataset, iterrows of that id is a not-found error", "datasetio", None,
             reference="DatasetsProtocolPrivate.unregister_dataset; DatasetIO.iterrows; DatasetNotFoundError"),
)

register(*CHECKS)

"""The datasetio wing's check table: what the DatasetIO API promises, and the broken fixtures that prove it.

Each check is declared once, here (the suite and the proofs use these names). ``WING`` is what
``llama_conformance.catalogue`` registers.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing
from llama_conformance.engine_checks import TYPED_ERROR

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "datasetio"

REGISTER = CheckDef("datasetio.register", MUST,
                    "register_dataset accepts a dataset with a rows source, as the datasets routing table sends it",
                    API, None, reference="DatasetsProtocolPrivate.register_dataset(dataset: Dataset); RowsDataSource")
ITERROWS = CheckDef("datasetio.iterrows", MUST,
                    "iterrows of a registered dataset returns its rows, in order, as a valid PaginatedResponse",
                    API, None,
                    reference="DatasetIO.iterrows; GET /v1beta/datasetio/iterrows/{dataset_id}; PaginatedResponse")
PAGINATION = CheckDef("datasetio.iterrows.pagination", MUST,
                      "Walking pages with start_index/limit yields every row once, in order; has_more is true exactly "
                      "while rows remain", API, None,
                      reference="DatasetIO.iterrows (start_index, limit); IterRowsRequest; PaginatedResponse.has_more")
APPEND_ROWS = CheckDef("datasetio.append-rows", MUST,
                       "append_rows adds the rows: iterrows afterwards returns the old rows followed by the new ones",
                       API, None,
                       reference="DatasetIO.append_rows; POST /v1beta/datasetio/append-rows/{dataset_id}; "
                                 "AppendRowsParams")
NOT_FOUND = CheckDef("datasetio.not-found", MUST,
                     "iterrows / append_rows of an unknown dataset id raise a not-found (4xx) error", API, None,
                     reference="DatasetIO.iterrows, DatasetIO.append_rows; DatasetNotFoundError (404)")
UNREGISTER = CheckDef("datasetio.unregister", MUST,
                      "unregister_dataset (which the datasets routing table calls) answers for a registered dataset",
                      API, None,
                      reference="DatasetsProtocolPrivate.unregister_dataset; DELETE /v1beta/datasets/{dataset_id}")
UNREGISTER_FORGETS = CheckDef("datasetio.unregister.forgets", SHOULD,
                              "After unregister_dataset, iterrows of that id is a not-found error", API, None,
                              reference="DatasetsProtocolPrivate.unregister_dataset; DatasetIO.iterrows; "
                                        "DatasetNotFoundError")

# Runs of the datasetio suites (llama-stack-api 0.x only) on one broken fixture, with a fixed seed.
_SUITES = ("-m", "behavioral or negative")
_SEEDED = ("--hypothesis-seed=1",)
_PACKAGE = "llama_stack_api"


def _proof(fixture: str, test: str, *checks: CheckDef) -> Proof:
    return Proof(fixture, {test: checks}, run=(*_SUITES, "-k", test.partition("[")[0], *_SEEDED), package=_PACKAGE)


WING = Wing(
    api=API,
    checks=(REGISTER, ITERROWS, PAGINATION, APPEND_ROWS, NOT_FOUND, UNREGISTER, UNREGISTER_FORGETS),
    proofs=(
        _proof("datasetio-register-refuses-rows", "test_iterrows_and_pagination", REGISTER),
        _proof("datasetio-iterrows-drops-last", "test_iterrows_and_pagination", ITERROWS),
        _proof("datasetio-has-more-wrong", "test_iterrows_and_pagination", PAGINATION),
        _proof("datasetio-append-discarded", "test_append_rows_round_trip", APPEND_ROWS),
        _proof("datasetio-unknown-key-error", "test_unknown_ids[datasetio]", NOT_FOUND, TYPED_ERROR),
        _proof("datasetio-unregister-fails", "test_unregister", UNREGISTER),
        Proof("datasetio-unregister-keeps", run=(*_SUITES, "-k", "test_unregister", *_SEEDED),
              warns=((UNREGISTER_FORGETS, "iterrows of unregistered dataset * still returned 1 rows."),),
              package=_PACKAGE),
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="kit-unknown-", known="kit-dataset-does-not-exist", max_size=30,
                   label="dataset_id", calls=(
                       UnknownCall("iterrows", "dataset_id"),
                       UnknownCall("append_rows", "dataset_id", {"rows": [{"input_query": "q"}]}),
                   )),
    ),
)

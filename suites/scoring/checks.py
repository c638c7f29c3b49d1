"""The scoring wing's check table: what the Scoring API promises, and the broken fixtures that prove it.

Each check is declared once, here (the suite and the proofs use these names). ``WING`` is what
``llama_conformance.catalogue`` registers. Unknown scoring functions are judged by the suite's own
test, not a row of the negative table: the name is a key of ``scoring_functions``, not an id field.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing
from llama_conformance.engine_checks import TYPED_ERROR

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "scoring"

FUNCTIONS_LISTED = CheckDef("scoring.functions.listed", MUST,
                            "list_scoring_functions returns valid ScoringFn objects with distinct identifiers", API,
                            None, reference="ScoringFunctionsProtocolPrivate.list_scoring_functions; ScoringFn")
SCORE = CheckDef("scoring.score", MUST,
                 "score with listed functions returns one result per requested function, one score row per input row",
                 API, None, reference="Scoring.score; POST /v1/scoring/score; ScoreRequest; ScoreResponse; "
                                      "ScoringResult")
SCORE_FUZZ = CheckDef("scoring.score.fuzz", MUST, "Drawn input rows get a valid ScoreResponse or a typed error",
                      API, None, reference="Scoring.score; ScoreRequest.input_rows; ScoreResponse")
SCORE_BATCH = CheckDef("scoring.score-batch", MUST,
                       "score_batch of a dataset scores every row of it, for every requested function", API, None,
                       reference="Scoring.score_batch; POST /v1/scoring/score-batch; ScoreBatchRequest; "
                                 "ScoreBatchResponse")
NOT_FOUND = CheckDef("scoring.not-found", MUST,
                     "score with an unknown scoring function, or score_batch of an unknown dataset, raises a client "
                     "(4xx) error", API, None,
                     reference="Scoring.score, Scoring.score_batch; ScoreRequest.scoring_functions; ScoreBatchRequest")

# Runs of the scoring suites (llama-stack-api 0.x only) on one broken fixture, with a fixed seed.
_SUITES = ("-m", "behavioral or negative")
_SEEDED = ("--hypothesis-seed=1",)
_PACKAGE = "llama_stack_api"


def _proof(fixture: str, test: str, *checks: CheckDef) -> Proof:
    return Proof(fixture, {test: checks}, run=(*_SUITES, "-k", test, *_SEEDED), package=_PACKAGE)


WING = Wing(
    api=API,
    checks=(FUNCTIONS_LISTED, SCORE, SCORE_FUZZ, SCORE_BATCH, NOT_FOUND),
    proofs=(
        _proof("scoring-functions-duplicated", "test_score_listed_functions", FUNCTIONS_LISTED),
        _proof("scoring-score-one-row", "test_score_listed_functions", SCORE),
        _proof("scoring-empty-answer-crash", "test_score_fuzz", SCORE_FUZZ, TYPED_ERROR),
        _proof("scoring-batch-drops-rows", "test_score_batch", SCORE_BATCH),
        _proof("scoring-unknown-key-error", "test_unknown_function_and_dataset", NOT_FOUND, TYPED_ERROR),
    ),
)

"""Behavioural checks of the scoring API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("scoring.functions.listed", MUST,
             "list_scoring_functions returns valid ScoringFn objects with distinct identifiers", "scoring", None,
             reference="ScoringFunctionsProtocolPrivate.list_scoring_functions; ScoringFn"),
    CheckDef("scoring.score", MUST,
             "score with listed functions returns one result per requested function, one score row per input row",
             "scoring", None,
             reference="Scoring.score; POST /v1/scoring/score; ScoreRequest; ScoreResponse; ScoringResult"),
    CheckDef("scoring.score.fuzz", MUST, "Drawn input rows get a valid ScoreResponse or a typed error",
             "scoring", None, reference="Scoring.score; ScoreRequest.input_rows; ScoreResponse"),
    CheckDef("scoring.score-batch", MUST,
             "score_batch of a dataset scores every row of it, for every requested function", "scoring", None,
             reference="Scoring.score_batch; POST /v1/scoring/score-batch; ScoreBatchRequest; ScoreBatchResponse"),
    CheckDef("scoring.not-found", MUST,
             "score with an unknown scoring function, or score_batch of an unknown dataset, raises a client "
             "(4xx) error", "scoring", None,
             reference="Scoring.score, Scoring.score_batch; ScoreRequest.scoring_functions; ScoreBatchRequest"),
)

register(*CHECKS)

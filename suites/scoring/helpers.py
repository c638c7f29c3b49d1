"""Scoring helpers for the suites: the functions a provider lists, score calls, sample rows.

Rows carry the columns the in-tree scoring functions read (``input_query``,
``expected_answer``, ``generated_answer``). A listed function may still refuse rows it
cannot use (a regex parser, a judge needing params) with a typed error; only functions
that answer are then held to the shape of their results.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome


def sample_rows() -> list[dict[str, Any]]:
    return [
        {"input_query": "2+2", "expected_answer": "4", "generated_answer": "4"},
        {"input_query": "capital of France", "expected_answer": "Paris", "generated_answer": "Lyon"},
        {"input_query": "colour of the sky", "expected_answer": "blue", "generated_answer": "blue"},
    ]


def list_functions(kit: Kit) -> Outcome:
    """``list_scoring_functions()`` takes no request, so it is called bare."""
    return kit.call(kit.member("list_scoring_functions"))


def score(kit: Kit, rows: list[dict[str, Any]], functions: list[str]) -> Outcome:
    return kit.ask("score", input_rows=rows, scoring_functions=dict.fromkeys(functions))


def score_batch(kit: Kit, dataset_id: str, functions: list[str]) -> Outcome:
    return kit.ask("score_batch", dataset_id=dataset_id, scoring_functions=dict.fromkeys(functions))


def shape_problems(response: Any, functions: list[str], rows: int) -> list[str]:
    """What is wrong with a score / score_batch answer: missing or extra functions, row counts."""
    problems = []
    results = dict(response.results)
    if set(results) != set(functions):
        problems.append(f"results are keyed {sorted(results)}, but {sorted(functions)} were requested")
    for name, result in results.items():
        if len(result.score_rows) != rows:
            problems.append(f"{name} has {len(result.score_rows)} score rows for {rows} input rows")
    return problems

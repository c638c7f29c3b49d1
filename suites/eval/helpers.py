"""Eval helpers for the suites: a model candidate, eval rows, and the job calls.

The candidate names ``kit-echo`` (``checks.KIT_CHAT_MODEL``), the chat model of the kit's reference
inference provider (what an eval provider's ``inference`` dependency is here); it answers with the
last user message, so the rows' ``chat_completion_input`` decides each generation.
"""

from __future__ import annotations

import json
import time
from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.steps import KIT_SCORING_FN
from llama_conformance.checks import CheckDef
from llama_conformance_suites.eval.checks import CANDIDATE

FINAL = ("completed", "failed", "cancelled")


def config(num_examples: int | None = None) -> dict[str, Any]:
    return {"eval_candidate": CANDIDATE, **({"num_examples": num_examples} if num_examples is not None else {})}


def eval_row(question: str, answer: str) -> dict[str, Any]:
    return {"input_query": question, "expected_answer": answer,
            "chat_completion_input": json.dumps([{"role": "user", "content": question}])}


def evaluate_rows(kit: Kit, benchmark_id: str, rows: list[dict[str, Any]],
                  functions: tuple[str, ...] = (KIT_SCORING_FN,)) -> Outcome:
    return kit.ask("evaluate_rows", benchmark_id=benchmark_id, input_rows=rows, scoring_functions=list(functions),
                   benchmark_config=config())


def run_eval(kit: Kit, benchmark_id: str, num_examples: int | None = None) -> Outcome:
    return kit.ask("run_eval", benchmark_id=benchmark_id, benchmark_config=config(num_examples))


def job_call(kit: Kit, name: str, benchmark_id: str, job_id: str) -> Outcome:
    return kit.ask(name, benchmark_id=benchmark_id, job_id=job_id)


def wait_for_job(kit: Kit, benchmark_id: str, job_id: str, check: CheckDef, seconds: float = 10.0) -> Any:
    """Poll job_status until the job is final (or ``seconds`` pass); returns the last Job."""
    deadline = time.monotonic() + seconds
    while True:
        job = kit.accept(job_call(kit, "job_status", benchmark_id, job_id), "job_status", check)
        status = str(getattr(job.status, "value", job.status))
        if status in FINAL or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def response_problems(response: Any, rows: int, functions: tuple[str, ...]) -> list[str]:
    problems = []
    if len(response.generations) != rows:
        problems.append(f"{len(response.generations)} generations for {rows} rows")
    if set(response.scores) != set(functions):
        problems.append(f"scores are keyed {sorted(response.scores)}, not {sorted(functions)}")
    for name, result in response.scores.items():
        if len(result.score_rows) != rows:
            problems.append(f"{name} has {len(result.score_rows)} score rows for {rows} rows")
    return problems

"""Eval helpers for the suites: a model candidate, eval rows, and the job calls.

The candidate names ``kit-echo``, the chat model of the kit's reference inference provider
(what an eval provider's ``inference`` dependency is here); it answers with the last user
message, so the rows' ``chat_completion_input`` decides each generation.
"""

from __future__ import annotations

import json
import time
from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.steps import KIT_SCORING_FN

KIT_CHAT_MODEL = "kit-echo"
FINAL = ("completed", "failed", "cancelled")


def config(num_examples: int | None = None) -> dict[str, Any]:
    return {"eval_candidate": {"type": "model", "model": KIT_CHAT_MODEL, "sampling_params": {"max_tokens": 32}},
            **({"num_examples": num_examples} if num_examples is not None else {})}


def eval_row(question: str, answer: str) -> dict[str, Any]:
    return {"input_query": question, "expected_answer": answer,
            "chat_completion_input": json.dumps([{"role": "user", "content": question}])}


def evaluate_rows(kit: Kit, benchmark_id: str, rows: list[dict[str, Any]],
                  functions: tuple[str, ...] = (KIT_SCORING_FN,)) -> Outcome:
    member = kit.member("evaluate_rows")
    return kit.call_request(member, kit.request(member, {
        "benchmark_id": benchmark_id, "input_rows": rows, "scoring_functions": list(functions),
        "benchmark_config": config()}))


def run_eval(kit: Kit, benchmark_id: str, num_examples: int | None = None) -> Outcome:
    member = kit.member("run_eval")
    return kit.call_request(member, kit.request(member, {"benchmark_id": benchmark_id,
                                                         "benchmark_config": config(num_examples)}))


def job_call(kit: Kit, name: str, benchmark_id: str, job_id: str) -> Outcome:
    member = kit.member(name)
    return kit.call_request(member, kit.request(member, {"benchmark_id": benchmark_id, "job_id": job_id}))


def wait_for_job(kit: Kit, benchmark_id: str, job_id: str, check_id: str, seconds: float = 10.0) -> Any:
    """Poll job_status until the job is final (or ``seconds`` pass); returns the last Job."""
    deadline = time.monotonic() + seconds
    while True:
        outcome = job_call(kit, "job_status", benchmark_id, job_id)
        kit.judge.answered(outcome, check_id)
        kit.validate(outcome, kit.member("job_status"), expect_stream=False, check_id=check_id)
        status = str(getattr(outcome.value.status, "value", outcome.value.status))
        if status in FINAL or time.monotonic() > deadline:
            return outcome.value
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

"""Post-training helpers for the suites: job requests, starting jobs, polling a job to its end.

Jobs are named by the client, so every test draws fresh uuids. A real provider trains for
minutes or hours: polling is bounded by the kit's call timeout, and a job still running then is
not judged further (skipped with the reason), never failed for being slow. The request payloads
are the smallest the protocol accepts; the datasets and models they name are the provider's
business (a real trainer refuses them with a client error, which the tests report as such).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.checks import CheckDef, finding
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.post_training.checks import STATUS

ENDED = frozenset({"completed", "failed", "cancelled"})
# scheduled -> in_progress -> an end; an end is never left
RANK = {"scheduled": 0, "in_progress": 1, "completed": 2, "failed": 2, "cancelled": 2}
POLL_S = 0.05
BASE_MODEL = "kit-base-model"
# preference_optimize is not offered by every trainer (a 501 then skips, unless this is declared)
PREFERENCE_CAPABILITY = "preference-optimization"


def new_job_uuid() -> str:
    return str(uuid.uuid4())


def training_config() -> dict[str, Any]:
    return {"n_epochs": 1, "max_steps_per_epoch": 1}


def sft_payload(job_uuid: str) -> dict[str, Any]:
    return {"job_uuid": job_uuid, "training_config": training_config(), "hyperparam_search_config": {},
            "logger_config": {}, "model": BASE_MODEL}


# DPOAlignmentConfig's fields in every generation that has it: llama-stack 0.2's (reward_scale, reward_clip,
# epsilon, gamma, all required) and llama-stack-api 0.4-0.6's (beta). A generation's model ignores the others.
DPO_CONFIG = {"beta": 0.1, "reward_scale": 1.0, "reward_clip": 5.0, "epsilon": 0.1, "gamma": 0.99}


def dpo_payload(job_uuid: str) -> dict[str, Any]:
    return {"job_uuid": job_uuid, "finetuned_model": BASE_MODEL, "algorithm_config": dict(DPO_CONFIG),
            "training_config": training_config(), "hyperparam_search_config": {}, "logger_config": {}}


def status_of(value: Any) -> str:
    status = getattr(value, "status", None)
    return str(getattr(status, "value", status))


def start(kit: Kit, member: str, check: CheckDef, job_uuid: str | None = None) -> str:
    """Start a job with ``member`` (supervised_fine_tune / preference_optimize); it must answer the uuid
    sent and its status must answer (both under ``check``). Returns the uuid.

    The request is the smallest the contract allows: no dataset, no model a trainer knows. A trainer
    may refuse that with a client error (it needs data the kit cannot name), which is not a defect:
    the test is skipped with the refusal shown. A 5xx is (``call.typed-error`` and ``check``), and a
    501 of preference_optimize is an honest "not offered" (capability ``preference-optimization``)."""
    job_uuid = job_uuid or new_job_uuid()
    payload = sft_payload(job_uuid) if member == "supervised_fine_tune" else dpo_payload(job_uuid)
    outcome = kit.ask(member, **payload)
    kit.judge.no_hang(outcome)
    answer = outcome.answer
    if outcome.error is not None and answer is not None:
        if answer.not_implemented and member == "preference_optimize":
            kit.judge.not_implemented(PREFERENCE_CAPABILITY, outcome)
        if answer.client_error:
            pytest.skip(f"{member} refused the minimal job request (no dataset, model {BASE_MODEL!r}) with "
                        f"{outcome.describe_error()}: a trainer may need data the kit cannot name, so the job's "
                        "behaviour is not judged here")
        if answer.server_error:
            message = (f"{member} raised {outcome.describe_error()} on a request "
                       "the contract allows: refuse what the trainer cannot run with a 4xx (ValueError or the "
                       "API package's typed error), never a 5xx.")
            kit.judge.take([finding(TYPED_ERROR, message), finding(check, message)])
    job = kit.accept(outcome, member, check)
    kit.judge.check(job.job_uuid == job_uuid, check,
                    f"{member} named job_uuid {job_uuid!r} and answered a job {job.job_uuid!r}.")
    known = kit.ask("get_training_job_status", job_uuid=job_uuid)
    kit.judge.no_hang(known)
    kit.judge.check(known.succeeded, check,
                    f"the job {member} started ({job_uuid}) has no status: get_training_job_status raised "
                    f"{known.describe_error() if known.error is not None else ''}.")
    return job_uuid


def status(kit: Kit, job_uuid: str) -> Any:
    """The job's status, answered and naming the job (``post_training.status``)."""
    got = kit.answer("get_training_job_status", STATUS, job_uuid=job_uuid)
    kit.judge.check(got.job_uuid == job_uuid, STATUS,
                    f"the status of {job_uuid} names job {got.job_uuid!r}.")
    return got


def poll(kit: Kit, job_uuid: str) -> tuple[Any, list[str]]:
    """Read the status until the job ends; every move must go forward (``post_training.status``).

    Bounded by the kit's call timeout: a job still running then is skipped, not failed (training
    takes as long as it takes)."""
    deadline = time.monotonic() + kit.put.gate.timeout_s
    seen: list[str] = []
    while True:
        got = status(kit, job_uuid)
        now = status_of(got)
        if seen:
            kit.judge.check(RANK.get(now, -1) >= RANK.get(seen[-1], 99) and not (seen[-1] in ENDED and now != seen[-1]),
                            STATUS, f"{job_uuid} went from {seen[-1]!r} to {now!r} (statuses seen: {[*seen, now]}).")
        if not seen or seen[-1] != now:
            seen.append(now)
        if now in ENDED:
            return got, seen
        if time.monotonic() > deadline:
            pytest.skip(f"training job {job_uuid} is still {now!r} after {kit.put.gate.timeout_s:.0f} s (statuses "
                        f"seen: {seen}): what it ends with is not judged here")
        time.sleep(POLL_S)


def cancel_quietly(kit: Kit, *job_uuids: str) -> None:
    """Leave no job training behind (a real trainer holds a GPU); the answers are not judged here."""
    for job_uuid in job_uuids:
        kit.ask("cancel_training_job", job_uuid=job_uuid)

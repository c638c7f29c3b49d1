"""Post-training suite (llama-stack-api 0.5-0.6): supervised fine-tune and preference-optimize jobs,
their status to the end, artifacts, the list of jobs, cancel, and a job uuid used twice.

Each test names the checks it makes (``checks.py`` beside this file); unknown job uuids are the
shared negative table's row (``WING.unknown_ids``). The protocol has no delete, so jobs stay; every
test cancels what it started that may still run.
"""

from __future__ import annotations

import itertools
import time

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.post_training.checks import ARTIFACTS, CANCEL, DPO, DUPLICATE, LIST, SFT, STATUS
from llama_conformance_suites.post_training.helpers import (
    ENDED,
    cancel_quietly,
    poll,
    sft_payload,
    start,
    status,
    status_of,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("post_training")]

# How long a cancelled job is watched for coming back to life (a trainer that ignored the cancel).
SETTLE_S = 1.5


def _times_in_order(kit: Kit, job_uuid: str, got: object) -> None:
    """scheduled_at <= started_at <= completed_at wherever both are given; a completed job gives the last two."""
    stamps = [(name, getattr(got, name, None)) for name in ("scheduled_at", "started_at", "completed_at")]
    given = [(name, value) for name, value in stamps if value is not None]
    for (first, early), (second, late) in itertools.pairwise(given):
        kit.judge.check(early <= late, STATUS, f"{job_uuid}: {second} {late} is before {first} {early}.")
    if status_of(got) == "completed":
        missing = [name for name, value in stamps[1:] if value is None]
        kit.judge.check(not missing, STATUS, f"{job_uuid} is completed but does not say {missing}.")


@pytest.mark.checks(SFT, STATUS, ARTIFACTS, TYPED_ERROR, *ANSWER)
def test_supervised_fine_tune(llama_kit: Kit) -> None:
    """post_training.supervised-fine-tune; the job's status to its end (post_training.status) and its
    artifacts (post_training.artifacts)."""
    kit = llama_kit
    job_uuid = start(kit, "supervised_fine_tune", SFT)
    try:
        final, _ = poll(kit, job_uuid)
        _times_in_order(kit, job_uuid, final)
        artifacts = kit.answer("get_training_job_artifacts", ARTIFACTS, job_uuid=job_uuid)
        kit.judge.check(artifacts.job_uuid == job_uuid, ARTIFACTS,
                        f"the artifacts of {job_uuid} name job {artifacts.job_uuid!r}.")
        listed = [c.identifier for c in final.checkpoints]
        held = [c.identifier for c in artifacts.checkpoints]
        kit.judge.check(held == listed, ARTIFACTS,
                        f"the artifacts of {job_uuid} hold checkpoints {held}; its {status_of(final)} status lists "
                        f"{listed}.")
        strays = [(c.identifier, c.post_training_job_id) for c in artifacts.checkpoints
                  if c.post_training_job_id != job_uuid]
        kit.judge.check(not strays, ARTIFACTS, f"checkpoints of {job_uuid} name other jobs: {strays}.")
    finally:
        cancel_quietly(kit, job_uuid)


@pytest.mark.checks(DPO, STATUS, TYPED_ERROR, *ANSWER)
def test_preference_optimize(llama_kit: Kit) -> None:
    """post_training.preference-optimize; the job's status to its end (post_training.status)."""
    kit = llama_kit
    job_uuid = start(kit, "preference_optimize", DPO)
    try:
        final, _ = poll(kit, job_uuid)
        _times_in_order(kit, job_uuid, final)
    finally:
        cancel_quietly(kit, job_uuid)


@pytest.mark.checks(SFT, STATUS, CANCEL, TYPED_ERROR, *ANSWER)
def test_cancel(llama_kit: Kit) -> None:
    """post_training.cancel: a job cancelled before it ended ends cancelled and stays so."""
    kit = llama_kit
    job_uuid = start(kit, "supervised_fine_tune", SFT)
    try:
        before = status_of(status(kit, job_uuid))
        if before in ENDED:
            pytest.skip(f"the job ended ({before!r}) before the kit could cancel it: cancel is not judged")
        kit.accept(kit.ask("cancel_training_job", job_uuid=job_uuid), "cancel_training_job", CANCEL)
        final, seen = poll(kit, job_uuid)
        kit.judge.check(status_of(final) == "cancelled", CANCEL,
                        f"{job_uuid} was cancelled while {before!r} and ended {status_of(final)!r} (statuses seen "
                        f"after the cancel: {seen}).")
        time.sleep(SETTLE_S)
        later = status_of(status(kit, job_uuid))
        kit.judge.check(later == "cancelled", CANCEL,
                        f"{job_uuid} was cancelled and {SETTLE_S} s later says {later!r}.")
    finally:
        cancel_quietly(kit, job_uuid)


@pytest.mark.checks(SFT, DPO, LIST, TYPED_ERROR, *ANSWER)
def test_list_jobs(llama_kit: Kit) -> None:
    """post_training.list: both jobs started here are listed, every job once."""
    kit = llama_kit
    started = [start(kit, "supervised_fine_tune", SFT), start(kit, "preference_optimize", DPO)]
    try:
        listed = [job.job_uuid for job in kit.accept(kit.call(kit.member("get_training_jobs")), "get_training_jobs",
                                                     LIST).data]
        twice = sorted({u for u in listed if listed.count(u) > 1})
        kit.judge.check(not twice, LIST, f"get_training_jobs lists {twice} more than once.")
        missing = [u for u in started if u not in listed]
        kit.judge.check(not missing, LIST, f"get_training_jobs does not list the jobs {missing} started here.")
    finally:
        cancel_quietly(kit, *started)


@pytest.mark.checks(SFT, DUPLICATE, TYPED_ERROR, *ANSWER)
def test_duplicate_job_uuid(llama_kit: Kit) -> None:
    """post_training.duplicate-job (SHOULD): a second job under a uuid in use is refused with a client error."""
    kit = llama_kit
    job_uuid = start(kit, "supervised_fine_tune", SFT)
    try:
        again = kit.ask("supervised_fine_tune", **sft_payload(job_uuid))
        kit.judge.no_hang(again)
        kit.judge.typed_rejection(again)
        kit.judge.check(again.error is not None, DUPLICATE,
                        f"a second supervised_fine_tune with job_uuid {job_uuid} was accepted: two jobs under one "
                        "name cannot be told apart by status, artifacts or cancel.")
    finally:
        cancel_quietly(kit, job_uuid)

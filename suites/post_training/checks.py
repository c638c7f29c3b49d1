"""The post_training wing's check table: what the llama-stack-api 0.5-0.6 PostTraining API promises.

A job is named by the client (``job_uuid``), started by ``supervised_fine_tune`` or
``preference_optimize``, and then read back: its status (``JobStatus``: scheduled, in_progress,
completed, failed, cancelled; the times it was scheduled, started and completed; its
checkpoints), its artifacts (the same checkpoints), the list of jobs, and cancel. The protocol
declares no logs member (``PostTrainingJobLogStream`` has no method), so logs are not judged.
Each check is declared once, here; ``WING`` is what ``llama_conformance.catalogue`` registers.
The proofs run where the API exists (``tests/real/test_generation_proofs.py``, the 0.6.1 venv).
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing, only

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "post_training"
PACKAGE = "llama_stack_api"  # the only package line whose Api enum still declares post_training
_P = "PostTraining."

SFT = CheckDef("post_training.supervised-fine-tune", MUST,
               "supervised_fine_tune answers a job with the job_uuid the request named, and the job exists "
               "(its status answers)", API, None,
               f"{_P}supervised_fine_tune; POST /v1alpha/post-training/supervised-fine-tune; SupervisedFineTuneRequest."
               "job_uuid ('The UUID of the job to create') -> PostTrainingJob")
DPO = CheckDef("post_training.preference-optimize", MUST,
               "preference_optimize answers a job with the job_uuid the request named, and the job exists "
               "(its status answers)", API, None,
               f"{_P}preference_optimize; POST /v1alpha/post-training/preference-optimize; PreferenceOptimizeRequest."
               "job_uuid -> PostTrainingJob")
STATUS = CheckDef("post_training.status", MUST,
                  "A job's status names the job, moves only forward (scheduled -> in_progress -> an end) and never "
                  "leaves an end; its times are ordered scheduled <= started <= completed; a completed job says "
                  "when it started and completed", API, None,
                  f"{_P}get_training_job_status; GET /v1alpha/post-training/jobs/{{job_uuid}}/status; "
                  "PostTrainingJobStatusResponse (scheduled_at / started_at / completed_at); JobStatus")
ARTIFACTS = CheckDef("post_training.artifacts", MUST,
                     "A job's artifacts name the job and hold the checkpoints its status lists, each made by that "
                     "job (post_training_job_id)", API, None,
                     f"{_P}get_training_job_artifacts; GET /v1alpha/post-training/jobs/{{job_uuid}}/artifacts; "
                     "PostTrainingJobArtifactsResponse.checkpoints; Checkpoint.post_training_job_id")
CANCEL = CheckDef("post_training.cancel", MUST,
                  "Cancelling a job that has not ended ends it as cancelled, and it stays cancelled", API, None,
                  f"{_P}cancel_training_job; POST /v1alpha/post-training/jobs/{{job_uuid}}/cancel; "
                  "JobStatus.cancelled ('Job was cancelled before completion')")
LIST = CheckDef("post_training.list", MUST, "get_training_jobs lists every job once", API, None,
                f"{_P}get_training_jobs; GET /v1alpha/post-training/jobs; ListPostTrainingJobsResponse")
NOT_FOUND = CheckDef("post_training.not-found", MUST,
                     "Status, artifacts and cancel of an unknown job_uuid raise a not-found (4xx) error", API, None,
                     f"{_P}get_training_job_status / get_training_job_artifacts / cancel_training_job")
DUPLICATE = CheckDef("post_training.duplicate-job", SHOULD,
                     "A job_uuid already in use is refused with a client error (the client names jobs: two under "
                     "one name cannot be told apart)", API, None,
                     "SupervisedFineTuneRequest.job_uuid / PreferenceOptimizeRequest.job_uuid ('The UUID of the job "
                     "to create')")

UNKNOWN_JOB_UUID = "00000000-0000-4000-8000-000000000000"
_SUITE = ("--llama-api=post_training", "-m", "behavioral or negative")


def _proof(fixture: str, test: str, *checks: CheckDef) -> Proof:
    """``test`` fails naming ``checks`` (-k takes the name without its parameter id)."""
    return Proof(fixture, {test: checks}, run=(*_SUITE, *only(test.split("[")[0])), package=PACKAGE)


WING = Wing(
    api=API,
    checks=(SFT, DPO, STATUS, ARTIFACTS, CANCEL, LIST, NOT_FOUND, DUPLICATE),
    proofs=(
        _proof("post-training-sft-uuid-ignored", "test_supervised_fine_tune", SFT),
        _proof("post-training-dpo-not-kept", "test_preference_optimize", DPO),
        _proof("post-training-status-unordered", "test_supervised_fine_tune", STATUS),
        _proof("post-training-artifacts-empty", "test_supervised_fine_tune", ARTIFACTS),
        _proof("post-training-cancel-ignored", "test_cancel", CANCEL),
        _proof("post-training-list-drops-first", "test_list_jobs", LIST),
        _proof("post-training-unknown-answered", "test_unknown_ids[post_training]", NOT_FOUND),
        Proof("post-training-duplicate-accepted", run=(*_SUITE, *only("test_duplicate_job_uuid")), package=PACKAGE,
              warns=((DUPLICATE, "a second supervised_fine_tune with job_uuid*"),)),
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="job-", known=UNKNOWN_JOB_UUID, label="job_uuid", calls=(
            UnknownCall("get_training_job_status", "job_uuid"),
            UnknownCall("get_training_job_artifacts", "job_uuid"),
            UnknownCall("cancel_training_job", "job_uuid"),
        )),
    ),
)

"""The kit on third-party llama-stack providers from PyPI: what it must report.

- ``llama-stack-provider-trustyai-fms`` (safety ``remote::trustyai_fms``) against the kit's
  loopback FMS detector service (``llama_conformance_fixtures.openai_server.detector``);
- ``llama-stack-provider-lmeval`` (eval ``remote::trustyai_lmeval``), which runs LM-Eval jobs on a Kubernetes
  cluster: with no cluster configured on the machine, and with one configured at a closed port;
- ``llama-stack-provider-ragas`` (eval ``inline::trustyai_ragas``) with the kit's reference
  inference, files, benchmarks and datasetio providers. It pins llama-stack 0.6.x but runs
  on 0.7.3, so it is installed without its dependencies (see the report / tox notes).

Each test states the complete verdict of one kit run; every failure is a real finding,
explained where it is asserted. (csoai, the third one, is in test_real_llama_stack.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kitrun import has_module, needs_llama_stack

pytestmark = [pytest.mark.slow, needs_llama_stack]


@pytest.fixture(scope="module")
def detector_url() -> Iterator[str]:
    from llama_conformance_fixtures.openai_server.detector import serve_detector

    with serve_detector() as url:
        yield url


@pytest.mark.skipif(not has_module("llama_stack_provider_trustyai_fms"),
                    reason="needs llama-stack-provider-trustyai-fms")
def test_safety_trustyai_fms(run_real_provider, detector_url: str, tmp_path: Path) -> None:
    """Real findings:

    - safety.shield.not-found: ``run_shield`` of an unknown shield answers a RunShieldResponse
      (an error-level violation "No detectors found for shield") instead of raising. The
      server's router refuses unknown shields before the provider; embedded use does not.
    - structure.annotations.compatible: ``register_shield`` returns a Shield where
      ShieldsProtocolPrivate declares None.
    A clean input passes (as an INFO-level "violation" reporting the pass, which in-tree
    consumers tolerate: they block on ERROR only).
    """
    run = run_real_provider("remote::trustyai_fms", "--llama-provider-module=llama_stack_provider_trustyai_fms",
                            _fms_config(tmp_path, detector_url), "--hypothesis-seed=1")
    run.expect(passed=9, failed=FMS_DEFECTS)


# Found whether the detector is up or down: neither needs it.
FMS_DEFECTS = {
    "test_structure[safety.register_shield]": ["structure.annotations.compatible"],
    "test_unknown_ids[safety]": ["safety.shield.not-found"],
}


def _fms_config(tmp_path: Path, detector_url: str) -> str:
    config = tmp_path / "trustyai-fms.yaml"
    config.write_text(
        "shields:\n"
        "  kit-shield:\n"
        "    type: content\n"
        f"    detector_url: {detector_url}\n"
        "    confidence_threshold: 0.5\n"
        "    message_types: [user, system, completion]\n"
        "verify_ssl: false\n"
    )
    return f"--llama-provider-config={config}"


@pytest.mark.skipif(not has_module("llama_stack_provider_trustyai_fms"),
                    reason="needs llama-stack-provider-trustyai-fms")
@pytest.mark.parametrize("isolation", ["off", "process"])
def test_safety_trustyai_fms_detector_down(run_real_provider, closed_port: int, tmp_path: Path,
                                           isolation: str) -> None:
    """The detector unreachable: the shield catches its client's connection error, logs it
    (base.py:1564-1578) and answers "pass" anyway, so the shield's answers rest on a detector it
    never reached: the checks of run_shield and run_moderation are inconclusive (the kit reads the
    call's log records), never passed or failed. The two defects that need no detector stay. The same
    in-process and in the worker a user's run gets by default (forked, ``isolation.zygote``)."""
    run = run_real_provider("remote::trustyai_fms", "--llama-provider-module=llama_stack_provider_trustyai_fms",
                            _fms_config(tmp_path, f"http://127.0.0.1:{closed_port}"), "--hypothesis-seed=1",
                            f"--llama-isolation={isolation}")
    assert run.ids("FAILED") == set(FMS_DEFECTS), run.result.stdout.str()
    inconclusive = run.result.parseoutcomes().get("inconclusive", 0)
    assert inconclusive >= 2, run.result.stdout.str()
    run.result.stdout.fnmatch_lines(["*could not be reached*logged by*and not raised*",
                                     "*llama-conformance verdict: Not conformant*"])


@pytest.mark.skipif(not has_module("llama_stack_provider_ragas"), reason="needs llama-stack-provider-ragas")
def test_eval_ragas_inline(run_real_provider, tmp_path: Path) -> None:
    """Real findings:

    - eval.evaluate-rows: ``evaluate_rows`` raises NotImplementedError ("use run_eval
      instead"), an honest 501 for a member the protocol gives no default.
    - eval.job.not-found / eval.benchmark.not-found: unknown jobs and benchmarks raise
      ``RagasEvaluationError``, which is no client error: the server answers 500; after
      ``unregister_benchmark`` too (the SHOULD warning).
    The job of the kit's sample benchmark fails (its ragas metric needs a real model and
    other columns), so the lifecycle test skips instead of judging job_result.
    """
    config = tmp_path / "ragas.yaml"
    config.write_text("embedding_model: kit-embed\n")
    run = run_real_provider("inline::trustyai_ragas", "--llama-provider-module=llama_stack_provider_ragas",
                            f"--llama-provider-config={config}", "--hypothesis-seed=1")
    run.expect(
        passed=10,
        skipped=1,
        failed={
            "test_evaluate_rows": ["eval.evaluate-rows"],
            "test_unknown_job": ["call.typed-error", "eval.job.not-found"],
            "test_unknown_ids[eval]": ["call.typed-error", "eval.benchmark.not-found"],
        },
        warnings={("test_unregister_benchmark", "SHOULD", "benchmarks.unregister.forgets")},
    )


# Found whether a cluster is configured or not: lmeval.py:884 ``class LMEval(Eval, BenchmarksProtocolPrivate)``
# has no ``unregister_benchmark``, which llama-stack 0.7.3's routing table calls after it forgets a benchmark
# (llama_stack/core/routing_tables/common.py:93): unregistering any benchmark of this provider is a 500.
LMEVAL_STRUCTURE = {"test_structure[eval.unregister_benchmark]": ["structure.routing.implied-member"]}
NEEDS_LMEVAL = pytest.mark.skipif(not has_module("llama_stack_provider_lmeval"),
                                  reason="needs llama-stack-provider-lmeval")


@NEEDS_LMEVAL
def test_eval_lmeval_without_a_cluster(run_real_provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No kubeconfig on the machine: every call that reaches for the cluster raises lmeval's LMEvalConfigError
    wrapping kubernetes' "Invalid kube-config file. No configuration found" (lmeval.py:930-938). Those checks are
    inconclusive, naming the missing configuration and who must act; before, they were six MUST failures of the
    provider. The one defect that needs no cluster stays."""
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    run = run_real_provider("remote::trustyai_lmeval", "--llama-provider-module=llama_stack_provider_lmeval",
                            "--hypothesis-seed=1")
    run.expect(passed=7, skipped=1, inconclusive=5, failed=LMEVAL_STRUCTURE)
    run.result.stdout.fnmatch_lines(["*could not load its configuration for its backend on this machine "
                                     "(ConfigException: Invalid kube-config file. No configuration found.)*"
                                     "whoever runs the kit*"])


@NEEDS_LMEVAL
def test_eval_lmeval_with_its_cluster_down(run_real_provider, closed_port: int, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A kubeconfig naming a cluster at a closed port: what needs the cluster is inconclusive (urllib3's
    MaxRetryError, the address named), and a real defect that needs none shows: ``job_result`` of an unknown job
    answers an empty EvaluateResponse (lmeval.py:1663-1664, ``if not job: return EvaluateResponse(generations=[],
    scores={})``) where ``job_status`` of the same id raises (lmeval.py:1351). The kubeconfig's token is never
    printed."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: down\n  cluster: {{server: 'http://127.0.0.1:{closed_port}'}}\n"
        "users:\n- name: kit\n  user: {token: kit-lmeval-token-0123456789}\n"
        "contexts:\n- name: kit\n  context: {cluster: down, user: kit, namespace: default}\ncurrent-context: kit\n")
    config = tmp_path / "lmeval.yaml"
    config.write_text(f"use_k8s: true\nbase_url: http://127.0.0.1:{closed_port}\nnamespace: default\n")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    run = run_real_provider("remote::trustyai_lmeval", "--llama-provider-module=llama_stack_provider_lmeval",
                            f"--llama-provider-config={config}", "--hypothesis-seed=1")
    run.expect(passed=8, skipped=1, inconclusive=3,
               failed={**LMEVAL_STRUCTURE, "test_unknown_job": ["eval.job.not-found"]})
    run.result.stdout.fnmatch_lines([f"*could not be reached (MaxRetryError: *port={closed_port}*"])
    assert "kit-lmeval-token-0123456789" not in run.result.stdout.str() + run.result.stderr.str()

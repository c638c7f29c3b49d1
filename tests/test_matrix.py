"""``llama-conformance matrix`` / ``merge`` without building environments: the targets file, shards, merging,
the certified mode and the matrix files (tests/real/test_real_matrix.py runs real cells)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from llama_conformance.cli import main as cli
from llama_conformance.compat.envs import KitSource
from llama_conformance.compat.runner import VersionResult
from llama_conformance.matrix import merge as merging
from llama_conformance.matrix.render import schema_problems
from llama_conformance.matrix.run import CELL_FILE, RunSettings, _refuse_core_skips, cell_readme, cell_record
from llama_conformance.matrix.targets import Cell, all_cells, load_targets, shard

GOOD = """
targets:
  - name: files
    provider: inline::localfs
    apis: [files]
    generations: [ogx-api==1.5.0, ogx-api==1.4.1, llama-stack-api==0.7.3]
  - name: vectors
    provider: inline::faiss
    generations: [ogx-api==1.5.0]
"""


def _write(tmp_path: Path, text: str, name: str = "TARGETS.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """The command exits 4 with one paragraph naming the problem, never a traceback."""
    assert cli(argv) == 4
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(("text", "said"), [
    ("targets: []\n", "non-empty `targets:` list"),
    ("targets:\n  - name: a\n    provider: inline::x\n    generations: [ogx-api=1.5.0]\n", "DISTRIBUTION==VERSION"),
    ("targets:\n  - name: a\n    provider: inline::x\n    generations: [numpy==1.0]\n", "DISTRIBUTION==VERSION"),
    ("targets:\n  - name: a\n    provider: inline::x\n    generations: [ogx-api==banana]\n", "is not a version"),
    ("targets:\n  - name: a\n    provider: x\n    generations: [ogx-api==1.5.0]\n", "provider type"),
    ("targets:\n  - name: A B\n    provider: inline::x\n    generations: [ogx-api==1.5.0]\n", "`name`"),
    ("targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0]}\n"
     "  - {name: a, provider: 'inline::y', generations: [ogx-api==1.5.0]}\n", "two targets are named 'a'"),
    ("targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0], colour: red}\n", "unknown key"),
    ("targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0], "
     "args: ['--llama-report=x']}\n", "may not set --llama-report"),
    ("targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0], config: nope.yaml}\n",
     "is not a file"),
    ("targets: [\n", "cannot read the targets file"),
    ("x-shared: &g [ogx-api==1.5.0]\ntargets:\n  - {name: a, provider: 'inline::x', generations: *g}\nextra: 1\n",
     "unknown top-level key(s) extra"),
])
def test_a_bad_targets_file_is_refused_in_one_paragraph(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         text: str, said: str) -> None:
    err = _usage_error(capsys, ["matrix", str(_write(tmp_path, text)), "--list"])
    assert said in err


@pytest.mark.parametrize(("options", "said"), [
    (["--shard", "3/2"], "1 <= I <= N"), (["--shard", "x"], "I/N"), (["--target", "nope"], "--target 'nope'"),
    (["--generation", "ogx-api==9.9.9"], "not listed by any target"), (["-j", "0"], "-j"),
    (["--kit", "/nonexistent-kit"], "neither a source directory holding pyproject.toml nor a wheel"),
])
def test_nonsense_options_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str],
                                 said: str) -> None:
    assert said in _usage_error(capsys, ["matrix", str(_write(tmp_path, GOOD)), "--list", *options])


def test_a_missing_file_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "cannot read" in _usage_error(capsys, ["matrix", str(tmp_path / "absent.yaml"), "--list"])


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_shards_split_the_cells_disjointly_and_completely(tmp_path: Path, count: int) -> None:
    cells = all_cells(load_targets(_write(tmp_path, GOOD)))
    slices = [shard(cells, index, count) for index in range(1, count + 1)]
    flat = [cell.key for part in slices for cell in part]
    assert sorted(flat) == sorted(cell.key for cell in cells) and len(set(flat)) == len(cells) == 4
    assert max(map(len, slices)) - min(map(len, slices)) <= 1


def test_list_prints_the_shard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["matrix", str(_write(tmp_path, GOOD)), "--list", "--shard", "2/2"]) == 0
    assert capsys.readouterr().out.splitlines() == ["files\togx-api==1.4.1", "vectors\togx-api==1.5.0"]


def test_certified_refuses_a_selection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0], args: ['-m', 'structural']}\n"
    path = _write(tmp_path, text)
    assert cli(["matrix", str(path), "--list"]) == 0
    capsys.readouterr()
    assert "certified matrix covers every check" in _usage_error(capsys, ["matrix", str(path), "--list", "--certified"])


def test_an_env_variable_read_from_the_environment_must_be_set(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    text = "targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0], env: {KEY: '${MY_KEY}'}}\n"
    target = load_targets(_write(tmp_path, text))[0]
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(ValueError, match="MY_KEY, which is not set here"):
        target.environment()
    monkeypatch.setenv("MY_KEY", "sk-secret-123")
    assert target.environment() == {"KEY": "sk-secret-123"}


def _settings(tmp_path: Path, version: str = "0.1.0", certified: bool = False) -> RunSettings:
    return RunSettings(kit=KitSource(version=version, source_dir=None, fingerprint=version), cache=tmp_path / "cache",
                       out=tmp_path / "out", jobs=1, certified=certified, targets_file=tmp_path / "TARGETS.yaml")


def _row(outcome: str = "pass", verdict: str = "Conformant") -> VersionResult:
    return VersionResult(distribution="ogx-api", version="1.5.0", outcome=outcome, verdict=verdict,
                         counts={"passed": 3, "failed": int(outcome == "fail")},
                         failed_checks=["files.not-found"] if outcome == "fail" else [])


def _cell_folder(root: Path, cell: Cell, record: dict[str, Any]) -> Path:
    folder = root / cell.report_dir
    folder.mkdir(parents=True)
    (folder / CELL_FILE).write_text(json.dumps(record))
    (folder / "report.md").write_text("report")
    return folder


def test_a_cell_record_names_variables_but_never_their_values(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    text = "targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0], env: {KEY: '${MY_KEY}'}}\n"
    monkeypatch.setenv("MY_KEY", "sk-secret-123")
    cell = all_cells(load_targets(_write(tmp_path, text)))[0]
    record = cell_record(cell, _row(), _settings(tmp_path), None)
    assert "sk-secret-123" not in json.dumps(record) and record["env_variables"] == ["KEY"]
    assert record["reproduce"]["matrix"] == ("llama-conformance matrix TARGETS.yaml --target a "
                                             "--generation ogx-api==1.5.0")


def _shards(tmp_path: Path, kit_versions: tuple[str, str] = ("0.1.0", "0.1.0")) -> list[Path]:
    """Two shard folders as two machines would upload them: three cells, one failing."""
    cells = all_cells(load_targets(_write(tmp_path, GOOD)))[:3]
    roots = [tmp_path / "artifacts" / "shard-1", tmp_path / "artifacts" / "shard-2"]
    for position, cell in enumerate(cells):
        row = _row("fail", "Not conformant") if position == 1 else _row()
        version = kit_versions[position % 2]
        _cell_folder(roots[position % 2], cell, cell_record(cell, row, _settings(tmp_path, version), None))
    return roots


def test_merge_builds_one_matrix_from_shards_and_judges_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roots = _shards(tmp_path)
    out = tmp_path / "matrix"
    assert cli(["merge", *map(str, roots), "--out", str(out)]) == 1  # a cell fails
    matrix = json.loads((out / "matrix.json").read_text())
    assert schema_problems(matrix) == []
    assert matrix["totals"] == {"cells": 3, "pass": 2, "fail": 1, "inconclusive": 0}
    assert [g["version"] for g in matrix["generations"] if g["distribution"] == "ogx-api"] == ["1.5.0", "1.4.1"]
    for cell in matrix["cells"]:
        assert (out / cell["report"] / "report.md").is_file()  # each link resolves inside the merged folder
    assert "3 cell(s) (1 target(s) x 3 generation(s)): 2 pass, 1 fail" in capsys.readouterr().out
    first = {name: (out / name).read_bytes() for name in ("matrix.json", "matrix.md", "matrix.html")}
    assert cli(["merge", *map(str, roots), "--out", str(out)]) == 1
    assert first == {name: (out / name).read_bytes() for name in first}, "merging again must write the same bytes"
    assert cli(["merge", str(out / "reports"), "--out", str(out)]) == 1  # its own output merges in place


def test_merge_refuses_two_reports_of_one_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roots = _shards(tmp_path)
    copy = tmp_path / "again"
    for cell_json in roots[0].rglob(CELL_FILE):
        target = copy / cell_json.parent.relative_to(roots[0])
        target.mkdir(parents=True)
        (target / CELL_FILE).write_bytes(cell_json.read_bytes())
    err = _usage_error(capsys, ["merge", str(roots[0]), str(copy), "--out", str(tmp_path / "m")])
    assert "two reports for target 'files'" in err and str(copy) in err


def test_merge_says_when_kit_versions_differ(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roots = _shards(tmp_path, ("0.1.0", "0.2.0"))
    cli(["merge", *map(str, roots), "--out", str(tmp_path / "m")])
    assert "made by different kit versions (0.1.0, 0.2.0)" in capsys.readouterr().out
    assert json.loads((tmp_path / "m" / "matrix.json").read_text())["mixed_kit_versions"] is True


@pytest.mark.parametrize("given", ["absent", "empty", "not-a-cell"])
def test_merge_of_what_is_not_a_cell_folder_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    given: str) -> None:
    path = tmp_path / given
    if given != "absent":
        path.mkdir()
    if given == "not-a-cell":
        (path / CELL_FILE).write_text(json.dumps({"schema_version": "report-1"}))
    _usage_error(capsys, ["merge", str(path), "--out", str(tmp_path / "m")])


def test_exit_status_follows_the_cells() -> None:
    def matrix(**totals: int) -> dict[str, Any]:
        return {"totals": {"cells": sum(totals.values()), **{k: totals.get(k, 0)
                                                             for k in ("pass", "fail", "inconclusive")}}}
    assert merging.exit_status(matrix(**{"pass": 2})) == 0
    assert merging.exit_status(matrix(**{"pass": 1, "inconclusive": 1})) == 3
    assert merging.exit_status(matrix(**{"fail": 1, "inconclusive": 1})) == 1


def test_certified_mode_refuses_a_skipped_core_check(tmp_path: Path) -> None:
    report = {"checks": [{"id": "files.not-found", "level": "MUST", "status": "skipped"},
                         {"id": "files.list.order", "level": "SHOULD", "status": "skipped"},
                         {"id": "files.expires", "level": "MUST", "status": "not-applicable"}]}
    (tmp_path / "report.json").write_text(json.dumps(report))
    row = _row()
    _refuse_core_skips(row, tmp_path)
    assert (row.outcome, row.verdict) == ("fail", "Not certified")
    assert row.note is not None and "files.not-found" in row.note and "files.expires" not in row.note
    report["checks"] = report["checks"][1:]
    (tmp_path / "report.json").write_text(json.dumps(report))
    row = _row()
    _refuse_core_skips(row, tmp_path)
    assert row.outcome == "pass"


def test_installs_follow_the_generation(tmp_path: Path) -> None:
    text = ("targets:\n  - {name: a, provider: 'inline::localfs', generations: [ogx-api==1.5.0, ogx-api==1.4.1], "
            "installs: ['ogx=={version}', 'aiosqlite']}\n")
    cells = all_cells(load_targets(_write(tmp_path, text)))
    assert [c.installs for c in cells] == [("ogx==1.4.1", "aiosqlite"), ("ogx==1.5.0", "aiosqlite")]


def test_an_anchor_list_inside_installs_is_spliced_in_and_a_stack_config_is_passed(tmp_path: Path) -> None:
    (tmp_path / "run.yaml").write_text("version: 2\n")
    text = ("x-installs: &ogx ['ogx=={version}', aiosqlite]\ntargets:\n  - {name: a, provider: 'inline::builtin', "
            "generations: [ogx-api==1.5.0], installs: [*ogx, boto3], stack_config: run.yaml}\n")
    cell = all_cells(load_targets(_write(tmp_path, text)))[0]
    assert cell.installs == ("ogx==1.5.0", "aiosqlite", "boto3")
    assert f"--llama-stack-config={tmp_path / 'run.yaml'}" in cell.target.kit_args()


def test_a_cell_the_matrix_cannot_run_is_inconclusive_and_the_others_still_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_conformance.compat import envs
    from llama_conformance.matrix import run

    cells = all_cells(load_targets(_write(tmp_path, GOOD)))[:2]
    monkeypatch.setattr(envs, "ensure_env", lambda spec, kit, cache: envs.BuiltEnv(spec, cache, 0.0, cached=True))

    def run_version(env: Any, provider: str, *rest: Any) -> VersionResult:
        if env.spec.distribution == "llama-stack-api":
            raise OSError("no such interpreter")
        return _row()
    monkeypatch.setattr(run.runner, "run_version", run_version)
    records = run.run_cells(cells, _settings(tmp_path))
    assert [r["outcome"] for r in records] == ["inconclusive", "pass"]
    assert "a llama-conformance bug" in records[0]["note"] and "no such interpreter" in records[0]["note"]
    assert (tmp_path / "out" / "reports" / cells[0].report_dir / CELL_FILE).is_file()


PUBLISHED = Path(__file__).resolve().parents[1] / "docs" / "matrix"


def test_the_published_matrix_is_what_its_targets_and_reports_give() -> None:
    """docs/matrix/ is regenerated by one command (`tox -e matrix`): its matrix is exactly the merge of its
    report folders, and those are exactly the cells of its targets file (at least 40)."""
    from llama_conformance.matrix.render import render_html, render_markdown

    cells = all_cells(load_targets(PUBLISHED / "TARGETS.yaml"))
    assert len(cells) >= 40
    matrix = merging.merge(merging.find_cells([PUBLISHED / "reports"]), PUBLISHED)  # in place: nothing is copied
    assert {(c["target"], f"{c['distribution']}=={c['version']}") for c in matrix["cells"]} == {c.key for c in cells}
    assert (PUBLISHED / "matrix.json").read_text() == json.dumps(matrix, indent=2, ensure_ascii=False) + "\n"
    assert (PUBLISHED / "matrix.md").read_text() == render_markdown(matrix)
    assert (PUBLISHED / "matrix.html").read_text() == render_html(matrix)
    assert schema_problems(matrix) == []


# ---------------------------------------------------------------------------- services

SERVICES = """
schema_version: matrix-targets-2
services:
  web:
    run: ["{python}", -m, http.server, --bind, 127.0.0.1, "{port}"]
    ready: {http: /}
    exports: {WEB_URL: "http://127.0.0.1:{port}", WEB_DIR: "{workdir}"}
  dies:
    run: ["{python}", -c, "import sys; print('no licence for port', sys.argv[1]); sys.exit(3)", "{port}"]
targets:
  - {name: uses-web, provider: "inline::x", generations: [ogx-api==1.5.0], services: [web],
     env: {KEY: "${WEB_URL}", OTHER: plain}}
  - {name: uses-dies, provider: "inline::x", generations: [ogx-api==1.5.0], services: [dies, web]}
  - {name: uses-none, provider: "inline::x", generations: [ogx-api==1.5.0]}
"""
_TARGET = "targets:\n  - {name: a, provider: 'inline::x', generations: [ogx-api==1.5.0], services: [s]}\n"


def _service_file(service: str, target: str = _TARGET, schema: str = "matrix-targets-2") -> str:
    return f"schema_version: {schema}\nservices:\n  s: {service}\n{target}"


@pytest.mark.parametrize(("text", "said"), [
    (_service_file('{run: [x, "{port}"]}', schema="matrix-targets-1"), "services came with matrix-targets-2"),
    ("schema_version: matrix-targets-3\n" + _TARGET, "this kit reads matrix-targets-1, matrix-targets-2"),
    ("schema_version: matrix-targets-2\nservices: [a]\n" + _TARGET, "`services:` must map service names"),
    ("schema_version: matrix-targets-2\nservices:\n  S 1: {run: [x, '{port}']}\n" + _TARGET, "a service name must"),
    (_service_file("x"), "is not a mapping"),
    (_service_file('{run: [x, "{port}"], colour: red}'), "unknown key(s) colour"),
    (_service_file("{run: []}"), "`run` must be the command line"),
    (_service_file("{run: [x, 8080]}"), "`run` must be a list of strings"),
    (_service_file("{run: [x, --port, '8080']}"), "never says {port}"),
    (_service_file('{run: [x, "{port}", "{home}"]}'), "{home} in '{home}' is not a placeholder"),
    (_service_file('{run: [x, "{port}"], installs: [chromadb]}'), "the first of `installs` must be pinned"),
    (_service_file('{run: [x, "{port}"], ready: http}'), "`ready` is `tcp`"),
    (_service_file('{run: [x, "{port}"], ready: {http: health}}'), "`ready` is `tcp`"),
    (_service_file('{run: [x, "{port}"], timeout: 0}'), "`timeout` must be a positive number"),
    (_service_file('{run: [x, "{port}"], user: postgres}'), "`user` can only be `unprivileged`"),
    (_service_file('{run: [x, "{port}"], exports: {1X: a}}'), "`exports` must map variable names"),
    (_service_file('{run: [x, "{port}"], exports: {URL: "{python}"}}'), "{python} in '{python}' is not a placeholder"),
    (_service_file('{run: [x, "{port}"]}', _TARGET.replace("[s]", "[s, t]")), "`services` names t, which"),
    (_service_file('{run: [x, "{port}"]}', _TARGET.replace("[s]", "[s, s]")), "a service is listed twice"),
    (_service_file('{run: [x, "{port}"]}', _TARGET.replace("[s]", "s")), "`services` must be a list of strings"),
])
def test_a_bad_services_section_is_refused_in_one_paragraph(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            text: str, said: str) -> None:
    err = _usage_error(capsys, ["matrix", str(_write(tmp_path, text)), "--list"])
    assert said in err


def test_a_target_reads_what_its_services_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_conformance.matrix.targets import load_targets_and_services

    targets, services = load_targets_and_services(_write(tmp_path, SERVICES))
    assert targets[0].services == ("web",) and list(services) == ["web", "dies"]
    assert services["web"].argv(8000, tmp_path, "py")[:3] == ["py", "-m", "http.server"]
    exported = services["web"].exported(8000, tmp_path)
    assert exported == {"WEB_URL": "http://127.0.0.1:8000", "WEB_DIR": str(tmp_path)}
    monkeypatch.delenv("WEB_URL", raising=False)  # read from the service, not from the runner's environment
    assert targets[0].environment(exported) == {**exported, "KEY": "http://127.0.0.1:8000", "OTHER": "plain"}
    cell = all_cells(targets)[2]
    settings = dataclasses.replace(_settings(tmp_path), services=services)
    record = cell_record(cell, _row(), settings, None)
    assert cell.target.name == "uses-web" and record["services"] == ["web"]
    assert record["env_variables"] == ["WEB_URL", "WEB_DIR", "KEY", "OTHER"]
    assert "- services: web (started by the matrix" in cell_readme(record)


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_services_start_before_the_cells_and_stop_after_and_a_dead_one_makes_only_its_cells_inconclusive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real processes: ``python -m http.server`` (up) and one that exits at once. The cell needing the dead one
    is inconclusive, naming the log and who acts; the others run while the live one answers; it is gone after."""
    from llama_conformance.compat import envs
    from llama_conformance.matrix import run
    from llama_conformance.matrix.targets import load_targets_and_services
    from llama_conformance.services import port_open

    targets, services = load_targets_and_services(_write(tmp_path, SERVICES))
    monkeypatch.setattr(envs, "ensure_env", lambda spec, kit, cache: envs.BuiltEnv(spec, cache, 0.0, cached=True))
    seen: dict[str, dict[str, str]] = {}

    def run_version(env: Any, provider: str, module: Any, package: str, parent: Path, args: Any, timeout: float,
                    variables: dict[str, str]) -> VersionResult:
        seen[parent.name] = variables
        if "WEB_URL" in variables:
            assert port_open(_port_of(variables["WEB_URL"]))(), "the service must be up while its cells run"
        return _row()
    monkeypatch.setattr(run.runner, "run_version", run_version)
    settings = dataclasses.replace(_settings(tmp_path), services=services)
    records = {r["target"]: r for r in run.run_cells(all_cells(targets), settings)}
    assert {t: r["outcome"] for t, r in records.items()} == {"uses-dies": "inconclusive", "uses-none": "pass",
                                                             "uses-web": "pass"}
    note = records["uses-dies"]["note"]
    log = tmp_path / "out" / "services" / "dies.log"
    assert "service dies exited with code 3 before it was ready" in note and str(log) in note, note
    assert "no licence for port" in note and "Whoever runs the matrix must make the service start" in note
    assert "no licence for port" in log.read_text()
    assert set(seen) == {"uses-web", "uses-none"} and seen["uses-none"] == {}
    assert seen["uses-web"]["KEY"] == seen["uses-web"]["WEB_URL"]
    assert not port_open(_port_of(seen["uses-web"]["WEB_URL"]))(), "the service must be stopped after the cells"
    assert not Path(seen["uses-web"]["WEB_DIR"]).exists(), "its workdir is removed"


def test_a_service_that_never_gets_ready_is_stopped_at_its_deadline(tmp_path: Path) -> None:
    import time

    from llama_conformance.matrix import services as matrix_services
    from llama_conformance.matrix.targets import ServiceSpec

    pid_file = tmp_path / "pid"
    # The shell writes its pid before anything else (a Python that imports slowly under load could be
    # stopped at the deadline before writing it); exec keeps the pid for the sleep.
    spec = ServiceSpec(name="sleepy", run=("/bin/sh", "-c", f"echo $$ > {pid_file}; exec sleep 120", "{port}"),
                       timeout=1.0)
    started = time.monotonic()
    with matrix_services.running([spec], tmp_path, tmp_path / "cache", _settings(tmp_path).kit) as states:
        assert time.monotonic() - started < 15
        problem = states["sleepy"].problem
        assert problem is not None and "was not ready on 127.0.0.1:" in problem and "within 1 s" in problem
        with pytest.raises(ProcessLookupError):  # stopped at the deadline, not left running
            os.kill(int(pid_file.read_text()), 0)


def test_a_service_whose_venv_cannot_be_built_names_the_command(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_conformance import services as kit_services
    from llama_conformance.matrix import services as matrix_services
    from llama_conformance.matrix.targets import ServiceSpec

    def refuse(name: str, requirements: Any, cache: Path, kit: Any) -> Path:
        raise kit_services.ServiceBuildError(f"the {name} service's venv could not be built (no index)",
                                             "uv venv X && uv pip install ...")
    monkeypatch.setattr(kit_services, "service_python", refuse)
    spec = ServiceSpec(name="chroma", run=("{python}", "{port}"), installs=("chromadb==1.5.9",))
    with matrix_services.running([spec], tmp_path, tmp_path / "cache", _settings(tmp_path).kit) as states:
        problem = states["chroma"].problem
    assert problem is not None and "no index" in problem and "build it by hand: uv venv X" in problem
    assert "whoever runs the matrix must make chromadb==1.5.9 installable" in problem


@pytest.mark.skipif(not (hasattr(os, "geteuid") and os.geteuid() == 0 and Path("/usr/bin/python3").is_file()),
                    reason="needs root and a system python nobody can run")
def test_an_unprivileged_service_runs_as_nobody_when_the_matrix_runs_as_root(tmp_path: Path) -> None:
    import pwd

    from llama_conformance.matrix import services as matrix_services
    from llama_conformance.matrix.targets import ServiceSpec

    spec = ServiceSpec(name="web", run=("/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "{port}"),
                       unprivileged=True, exports=(("WEB_DIR", "{workdir}"),))
    with matrix_services.running([spec], tmp_path, tmp_path / "cache", _settings(tmp_path).kit) as states:
        assert states["web"].problem is None, states["web"].problem
        workdir = Path(states["web"].exported["WEB_DIR"])
        assert workdir.stat().st_uid == pwd.getpwnam("nobody").pw_uid  # it may write its own scratch folder
        listening = [line for line in Path("/proc/net/tcp").read_text().splitlines()[1:] if line.split()[3] == "0A"]
        assert any(int(line.split()[7]) == pwd.getpwnam("nobody").pw_uid for line in listening)


def test_services_start_in_file_order_and_stop_in_reverse_even_when_the_run_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_conformance import services as kit_services
    from llama_conformance.matrix import services as matrix_services
    from llama_conformance.matrix.targets import ServiceSpec

    events: list[str] = []
    start, stop = kit_services.start_service, kit_services.Service.stop

    def starting(name: str, *args: Any, **kwargs: Any) -> kit_services.Service:
        events.append(f"start {name}")
        return start(name, *args, **kwargs)

    def stopping(self: kit_services.Service, grace: float = 10.0) -> None:
        events.append(f"stop {self.name}")
        stop(self, grace)
    monkeypatch.setattr(kit_services, "start_service", starting)
    monkeypatch.setattr(kit_services.Service, "stop", stopping)
    web = ("{python}", "-m", "http.server", "--bind", "127.0.0.1", "{port}")
    specs = [ServiceSpec(name="first", run=web), ServiceSpec(name="second", run=web)]
    kit = _settings(tmp_path).kit
    with (pytest.raises(RuntimeError, match="a cell crashed the matrix"),
          matrix_services.running(specs, tmp_path, tmp_path / "cache", kit) as states):
        assert all(state.problem is None for state in states.values()), states
        raise RuntimeError("a cell crashed the matrix")
    assert events == ["start first", "start second", "stop second", "stop first"]

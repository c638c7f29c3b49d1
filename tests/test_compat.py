"""``llama-conformance compat``: version selection, env cache keys, the table, bad input, and one real run.

The unit tests feed fake index lists and fake rows; the end-to-end test builds real envs
(ogx-api 1.4.1 and 1.5.0, cached under build/generations/ so a CI run builds them once) and
runs the kit's files reference in each. Every kit run is a subprocess: this process never
imports an API package.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llama_conformance.compat import envs, main, table, versions
from llama_conformance.compat.runner import VersionResult, from_report, last_message

ROOT = Path(__file__).parent.parent
OGX_INDEX = ["1.5.0", "1.4.1", "1.4.0", "1.3.1", "1.3.0", "1.2.5", "1.2.4", "1.2.0", "1.1.3", "1.1.0", "1.0.4",
             "1.0.0", "0.8.0", "0.1.0", "1.6.0rc1"]


# --------------------------------------------------------------------------- versions


def test_index_output_is_parsed() -> None:
    text = "WARNING: something\nogx-api (1.5.0)\nAvailable versions: 1.5.0, 1.4.1, 1.0.4\n  INSTALLED: 1.5.0\n"
    assert versions.parse_index_output(text) == ["1.5.0", "1.4.1", "1.0.4"]
    assert versions.parse_index_output("ERROR: No matching distribution found") == []


def test_default_is_newest_patch_per_line_within_the_generation() -> None:
    """No requirement: every 1.x line (0.x placeholders are outside the kit's range), newest patch, no rc."""
    assert versions.select_versions(OGX_INDEX, "ogx-api", None) == ["1.0.4", "1.1.3", "1.2.5", "1.3.1", "1.4.1",
                                                                     "1.5.0"]


def test_requirement_narrows_the_lines_and_the_newest_is_added() -> None:
    """What the provider claims, plus the newest overall: what its users meet next."""
    assert versions.select_versions(OGX_INDEX, "ogx-api", ">=1.2,<1.4") == ["1.2.5", "1.3.1", "1.5.0"]
    assert versions.select_versions(OGX_INDEX, "ogx-api", "==1.0.4") == ["1.0.4", "1.5.0"]


def test_pre_split_llama_stack_stays_below_the_split() -> None:
    index = ["0.7.3", "0.4.0", "0.3.5", "0.3.0", "0.2.23", "0.2.14", "0.1.9"]
    assert versions.select_versions(index, "llama-stack", None) == ["0.2.23", "0.3.5"]
    assert versions.select_versions(index, "llama-stack", "==0.2.14") == ["0.2.14", "0.3.5"]


def test_prereleases_only_when_nothing_else_exists() -> None:
    assert versions.select_versions(["1.6.0rc1", "1.6.0rc2"], "ogx-api", None) == ["1.6.0rc2"]


def test_nonsense_and_unknown_versions_are_usage_errors() -> None:
    assert versions.parse_versions(" 1.4.1,1.5,1.4.1 ") == ["1.4.1", "1.5"]
    with pytest.raises(versions.VersionError, match="not a version"):
        versions.parse_versions("1.4.1,latest")
    with pytest.raises(versions.VersionError, match="names no version"):
        versions.parse_versions(" , ")
    with pytest.raises(versions.VersionError, match=r"9\.9\.9 is not on the package index"):
        versions.check_known(["1.5.0", "9.9.9"], OGX_INDEX, "ogx-api")


def test_against_latest_is_the_newest_release_or_the_installed_one_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--against latest`` (the CI job of docs/compat.md): the newest final release in the generation; when the
    installed version is that one, it is judged alone instead of a usage error."""
    assert versions.newest_release([*OGX_INDEX, "1.6.0rc1"], "ogx-api") == "1.5.0"
    assert versions.newest_release(["0.7.3"], "ogx-api") is None  # nothing in the generation's range
    monkeypatch.setattr(versions, "available_versions", lambda distribution: OGX_INDEX)
    args = argparse.Namespace(versions=None, against="latest")
    monkeypatch.setattr(importlib.metadata, "version", lambda distribution: "1.4.1")
    assert main._versions(args, "ogx-api", None) == ["1.4.1", "1.5.0"]
    monkeypatch.setattr(importlib.metadata, "version", lambda distribution: "1.5.0")
    assert main._versions(args, "ogx-api", None) == ["1.5.0"]
    with pytest.raises(main.CompatUsageError, match="is the installed version itself"):
        main._versions(argparse.Namespace(versions=None, against="1.5.0"), "ogx-api", None)


# --------------------------------------------------------------------------- env cache key


def test_env_key_is_stable_and_changes_with_every_input() -> None:
    spec = envs.EnvSpec(python="CPython-3.12.1", distribution="ogx-api", version="1.4.1", kit="0.1.0+src.abc")
    assert spec.key == envs.EnvSpec(**vars(spec)).key
    variants = [{"python": "CPython-3.13.0"}, {"distribution": "llama-stack-api"}, {"version": "1.5.0"},
                {"kit": "0.1.0+src.def"}, {"installs": ("my-provider==1.0",)}]
    keys = {spec.key} | {envs.EnvSpec(**{**vars(spec), **change}).key for change in variants}
    assert len(keys) == len(variants) + 1
    assert spec.dirname.startswith("ogx-api-1.4.1-")


def test_the_env_installs_kit_api_version_and_provider_in_one_call() -> None:
    kit = envs.KitSource(version="0.1.0", source_dir="/src/kit", fingerprint="x")
    spec = envs.EnvSpec(python="p", distribution="ogx-api", version="1.4.1", kit="x", installs=("prov==2",))
    assert envs.requirements(spec, kit) == ["-e", "/src/kit", "ogx-api==1.4.1", "prov==2"]
    released = envs.KitSource(version="0.1.0", source_dir=None, fingerprint="0.1.0")
    assert envs.requirements(spec, released)[0] == "llama-conformance==0.1.0"


def test_the_env_cache_is_in_the_kits_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One folder holds every cache of the kit: a CI that keeps ``$LLAMA_CONFORMANCE_CACHE`` keeps compat's envs."""
    monkeypatch.setenv("LLAMA_CONFORMANCE_CACHE", str(tmp_path / "kit"))
    assert envs.default_cache_dir() == tmp_path / "kit" / "compat"
    monkeypatch.delenv("LLAMA_CONFORMANCE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert envs.default_cache_dir() == tmp_path / "xdg" / "llama-conformance" / "compat"


def test_a_cached_env_is_reused_without_building(tmp_path: Path) -> None:
    spec = envs.EnvSpec(python="p", distribution="ogx-api", version="1.4.1", kit="x")
    (tmp_path / spec.dirname).mkdir()
    (tmp_path / spec.dirname / "compat-env.json").write_text("{}")
    built = envs.ensure_env(spec, envs.KitSource("0", None, "x"), tmp_path)
    assert built.cached and built.problem is None and built.path == tmp_path / spec.dirname


def test_console_scripts_point_at_the_env_after_its_rename(tmp_path: Path) -> None:
    """Installers write the scratch directory's interpreter into scripts; the env is renamed into place after."""
    scratch, target = tmp_path / ".scratch", tmp_path / "env"
    (scratch / "bin").mkdir(parents=True)
    (scratch / "bin" / "tool").write_text(f"#!{scratch}/bin/python\nprint('x')\n")
    (scratch / "bin" / "other").write_text("#!/usr/bin/env python3\n")
    envs._relocate_scripts(scratch, target)
    assert (scratch / "bin" / "tool").read_text() == f"#!{target}/bin/python\nprint('x')\n"
    assert (scratch / "bin" / "other").read_text() == "#!/usr/bin/env python3\n"


def test_the_envs_own_uv_comes_before_one_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A venv used without activating it: PATH's ``uv`` may be a pyenv shim that fails for this Python
    (seen running the tests with ``.tox/ogx/bin/python``: every env build 'could not install')."""
    env_bin, shims = tmp_path / "env" / "bin", tmp_path / "shims"
    env_bin.mkdir(parents=True)
    shims.mkdir()
    for uv in (env_bin / "uv", shims / "uv"):
        uv.write_text("#!/bin/sh\n")
        uv.chmod(0o755)
    monkeypatch.setenv("PATH", str(shims))
    monkeypatch.setattr(sys, "executable", str(env_bin / "python"))
    assert envs.find_uv() == str(env_bin / "uv")
    (env_bin / "uv").unlink()  # an env without uv: PATH's
    assert envs.find_uv() == str(shims / "uv")


def test_install_failures_name_who_must_act() -> None:
    spec = envs.EnvSpec(python="p", distribution="ogx-api", version="1.0.9", kit="x")
    missing = envs.describe_install_failure(
        "  x No solution found when resolving dependencies:\n  Because there is no version of ogx-api==1.0.9 ...", spec)
    assert missing.startswith("could not install ogx-api==1.0.9: ogx-api==1.0.9 cannot be installed from the index")
    conflict = envs.describe_install_failure(
        "  x No solution found when resolving dependencies:\n  Because prov==2 depends on ogx-api>=1.4 and you "
        "require ogx-api==1.0.9, we can conclude that your requirements are unsatisfiable.", spec)
    assert "the provider's maintainer declares which versions it supports" in conflict
    # A pyenv shim on PATH for another Python (what a venv used without activating it can find): the installer
    # never ran, which is the machine's to fix, and the line that says so is shown, not pyenv's closing advice.
    shim = envs.describe_install_failure(
        "$ /root/.pyenv/shims/uv venv --quiet ...\npyenv: uv: command not found\n\nThe `uv' command exists in these "
        "Python versions:\n  3.12.1\n\nNote: See 'pyenv help global' for tips on allowing multiple\n      Python "
        "versions to be found at the same time.", spec, returncode=127)
    assert "the installer itself could not run" in shim
    assert shim.endswith("Installer said: pyenv: uv: command not found")
    # A package's own build failing that way ran the installer: the blame stays where the resolver's output puts it.
    build = envs.describe_install_failure(
        "  x Failed to build `pyaudio==0.2.14`\n  src/pyaudio.c:1:10: fatal error: portaudio.h: No such file or "
        "directory", spec, returncode=1)
    assert "the installer itself could not run" not in build and "portaudio.h" in build


# --------------------------------------------------------------------------- rows and the table


def _report(verdict: str, failed: list[tuple[str, str | None]]) -> dict[str, object]:
    return {"verdict": verdict,
            "totals": {"overall": {"passed": 9, "failed": len(failed), "warned": 1}},
            "checks": [{"id": check, "status": "failed"} for check, _ in failed] + [{"id": "ok", "status": "passed"}],
            "results": [{"check": check, "outcome": "failed", "subject": member,
                         "message": "files.openai_list_files: [x] broke"} for check, member in failed]}


def _row(version: str, verdict: str, failed: list[tuple[str, str | None]] = (), **extra: object) -> VersionResult:  # type: ignore[assignment]
    return from_report(_report(verdict, list(failed)), {"distribution": "ogx-api", "version": version,
                                                        "report": f"ogx-api-{version}", **extra})


def test_a_row_reads_verdict_counts_and_first_failures() -> None:
    row = _row("1.0.4", "Not conformant", [("structure.params.names-and-kinds", "files.openai_upload_file"),
                                           ("files.list", None)])
    assert (row.outcome, row.counts["failed"], row.failed_checks) == (
        "fail", 2, ["files.list", "structure.params.names-and-kinds"])
    assert row.failures[0]["member"] == "files.openai_upload_file"
    assert row.failures[1]["member"] == "files.openai_list_files"  # no subject: the message names it
    assert _row("1.5.0", "Partially conformant").outcome == "pass"
    assert _row("1.5.0", "Inconclusive").outcome == "inconclusive"


def test_summary_line_and_renderings() -> None:
    rows = [_row("1.0.4", "Not conformant", [("structure.params.names-and-kinds", "files.openai_upload_file")]),
            _row("1.4.1", "Conformant"), _row("1.5.0", "Partially conformant"),
            VersionResult("ogx-api", "1.3.1", "inconclusive", "Inconclusive", note="could not install ogx-api==1.3.1")]
    data = table.table_json(rows, provider="inline::x", provider_module=None, distribution="ogx-api",
                            requirement=">=1.0")
    assert data["summary"] == ("passes 1.4.1 and 1.5.0 (partially conformant on 1.5.0); on ogx-api 1.0.4 fails "
                               "structure.params.names-and-kinds on files.openai_upload_file; ogx-api 1.3.1 "
                               "inconclusive: could not install ogx-api==1.3.1")
    assert table.schema_problems(data) == []
    assert table.summary_line([_row("1.4.1", "Conformant")]) == "passes 1.4.1"
    assert table.summary_line([_row("1.4.1", "Partially conformant")]) == "passes 1.4.1 (partially conformant)"
    assert table.summary_line([_row("1.4.1", "Partially conformant"), _row("1.5.0", "Partially conformant")]) == \
        "passes 1.4.1 and 1.5.0 (partially conformant on every one)"
    markdown = table.render_markdown(data)
    assert "| ogx-api 1.0.4 | fail | Not conformant | 9 passed, 1 failed, 1 warned | " \
           "`structure.params.names-and-kinds on files.openai_upload_file` | 0.0 s | " \
           "[report.md](ogx-api-1.0.4/report.md) |" in markdown
    assert "| ogx-api 1.3.1 | inconclusive | Inconclusive | - | could not install ogx-api==1.3.1 |" in markdown
    page = table.render_html(data)
    assert '<tr class="fail">' in page and 'href="ogx-api-1.4.1/report.html"' in page


def test_the_table_schema_rejects_a_broken_table(tmp_path: Path) -> None:
    data = table.table_json([_row("1.5.0", "Conformant")], provider="p", provider_module=None,
                            distribution="ogx-api", requirement=None)
    data["rows"][0]["outcome"] = "maybe"
    with pytest.raises(table.InvalidTable, match="outcome"):
        table.write_table(data, tmp_path)


def test_against_is_worse_on_a_lower_verdict_or_a_new_failing_check() -> None:
    current = _row("1.4.1", "Partially conformant", [("a.check", None)])
    assert not main.worse(_row("1.5.0", "Partially conformant", [("a.check", None)]), current)
    assert not main.worse(_row("1.5.0", "Conformant"), current)
    assert main.worse(_row("1.5.0", "Not conformant", [("a.check", None)]), current)
    assert main.worse(_row("1.5.0", "Partially conformant", [("b.check", None)]), current)
    not_importing = VersionResult("ogx-api", "1.5.0", "fail", "Not conformant", note="does not import")
    assert main.worse(not_importing, _row("1.4.1", "Not conformant", [("a.check", None)]))


def test_a_run_without_report_says_what_the_kit_said() -> None:
    output = "collected 0 items\nERROR: llama-conformance: API 'responses' does not exist\n\nno tests ran\n"
    assert last_message(output) == "ERROR: llama-conformance: API 'responses' does not exist"


# --------------------------------------------------------------------------- the command


def _compat(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "llama_conformance.cli", "compat", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)


@pytest.mark.parametrize(("args", "said"), [
    (("--llama-provider=inline::no-such-provider", "--versions=1.5.0"), "inline::no-such-provider"),
    (("--llama-provider=inline::kit-files", "--versions=1.5.0,next"), "'next' in --versions is not a version"),
    (("--llama-provider=inline::kit-files", "--versions=1.5.0", "-j", "0"), "-j must be at least 1"),
])
def test_bad_input_exits_4_with_one_paragraph(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    done = _compat(*args, "--cache", str(tmp_path / "cache"), cwd=tmp_path)
    assert done.returncode == 4, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "cache").exists()


def test_an_unreachable_index_exits_4(tmp_path: Path) -> None:
    env = {**os.environ, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL": "",
           "PIP_FIND_LINKS": "", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2", "PIP_CONFIG_FILE": os.devnull}
    done = _compat("--llama-provider=inline::kit-files", "--cache", str(tmp_path / "cache"), cwd=tmp_path, env=env)
    assert done.returncode == 4, done.stderr
    assert "the package index lists no release of ogx-api" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_kit_files_over_two_ogx_api_versions(tmp_path: Path) -> None:
    """The real thing: two envs (cached under build/generations/), the kit run in each, the table's verdicts."""
    if not envs.find_uv() and not os.environ.get("LLAMA_CONFORMANCE_COMPAT_PIP"):
        pytest.skip("uv is not installed (venv + pip works too, but builds each env for minutes)")
    # --kit: the checkout (tox installs the kit from a wheel it deletes after the run; this version is on no index)
    done = _compat("--llama-provider=inline::kit-files", "--versions=1.4.1,1.5.0", "--kit", str(ROOT),
                   "--cache", str(ROOT / "build" / "generations"), "--out", str(tmp_path / "out"), "-j", "2",
                   "--", "-m", "structural", cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((tmp_path / "out" / "compat.json").read_text())
    assert [(r["version"], r["outcome"]) for r in data["rows"]] == [("1.4.1", "pass"), ("1.5.0", "pass")]
    assert done.stdout.splitlines()[0].startswith("passes 1.4.1")
    for row in data["rows"]:
        report = json.loads((tmp_path / "out" / row["report"] / "report.json").read_text())
        assert report["contract"]["version"] == row["version"]  # each judged against its own version
    assert (tmp_path / "out" / "compat.html").is_file() and (tmp_path / "out" / "compat.md").is_file()


# --------------------------------------------------------------------------- migration hints


def test_a_signature_change_becomes_a_hint_saying_what_to_write() -> None:
    from llama_conformance.compat.signatures import migration_hints

    old = {"files.openai_retrieve_file": {"params": [["request", "positional or keyword", "RetrieveFileRequest",
                                                      False]], "returns": "OpenAIFileObject"},
           "files.openai_list_files": {"params": [["purpose", "positional or keyword", "OpenAIFileUploadPurpose",
                                                   True]], "returns": "ListOpenAIFileResponse"}}
    new = {"files.openai_retrieve_file": {"params": [["file_id", "positional or keyword", "str", False]],
                                          "returns": "OpenAIFileObject"},
           "files.openai_list_files": {"params": [["purpose", "positional or keyword", "OpenAIFilePurpose", True]],
                                       "returns": "ListOpenAIFileResponse"},
           "files.same": {"params": [], "returns": "None"}}
    hints = migration_hints(["files.openai_retrieve_file", "files.openai_list_files", "files.same", "files.absent"],
                            old, new, "ogx-api 1.5.0", "ogx-api 1.0.4")
    assert hints == [
        "files.openai_retrieve_file changed from ogx-api 1.5.0 to ogx-api 1.0.4: parameters request became file_id. "
        "For ogx-api 1.0.4 write `async def openai_retrieve_file(self, file_id: str) -> OpenAIFileObject`",
        "files.openai_list_files changed from ogx-api 1.5.0 to ogx-api 1.0.4: `purpose` type OpenAIFileUploadPurpose "
        "-> OpenAIFilePurpose. For ogx-api 1.0.4 write `async def openai_list_files(self, purpose: OpenAIFilePurpose "
        "= ...) -> ListOpenAIFileResponse`",
        "files.same is new in ogx-api 1.0.4 (absent from ogx-api 1.5.0): write `async def same(self) -> None`"]


def test_only_an_import_the_api_package_breaks_fails_a_version() -> None:
    """No module of the API package: that version breaks the provider. Any other missing module: the env's."""
    from llama_conformance.compat.runner import api_import_failure

    assert api_import_failure("ERROR: Cannot import p (--llama-provider-module): ModuleNotFoundError: No module named "
                              "'llama_stack_api.safety.models'; 'llama_stack_api.safety' is not a package")
    assert api_import_failure("ERROR: Cannot import p: ImportError: cannot import name 'Files' from 'ogx_api.files'")
    assert not api_import_failure("ERROR: Cannot import p: ModuleNotFoundError: No module named 'numpy'")


def test_hints_come_from_the_two_envs_dumps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A version failing a structural check on a member gets the change against a version that passes;
    each dump comes from that version's own env."""
    from llama_conformance.compat import signatures

    failing = _row("0.4.7", "Not conformant", [("structure.params.names-and-kinds", "prompts.get_prompt")])
    passing = _row("0.7.3", "Conformant")
    (tmp_path / "ogx-api-0.4.7").mkdir()
    (tmp_path / "ogx-api-0.4.7" / "report.json").write_text(json.dumps(
        _report("Not conformant", [("structure.params.names-and-kinds", "prompts.get_prompt")])))
    built = {v: envs.BuiltEnv(envs.EnvSpec("p", "ogx-api", v, "k"), tmp_path / f"env-{v}", 0.0, True)
             for v in ("0.4.7", "0.7.3")}
    declared = {"0.4.7": [["prompt_id", "positional or keyword", "str", False]],
                "0.7.3": [["request", "positional or keyword", "GetPromptRequest", False]]}
    monkeypatch.setattr(signatures, "dump_in", lambda python, package: {
        "prompts.get_prompt": {"params": declared[python.parent.parent.name.removeprefix("env-")],
                               "returns": "Prompt"}})
    main.add_migration_hints([failing, passing], built, "llama_stack_api", tmp_path)
    assert failing.hints == ["prompts.get_prompt changed from ogx-api 0.7.3 to ogx-api 0.4.7: parameters request "
                             "became prompt_id. For ogx-api 0.4.7 write `async def get_prompt(self, prompt_id: str) "
                             "-> Prompt`"]
    assert passing.hints == []


def test_a_kit_path_that_is_neither_a_checkout_nor_a_wheel_exits_4(tmp_path: Path) -> None:
    done = _compat("--llama-provider=inline::kit-files", "--versions=1.5.0", "--kit", str(tmp_path),
                   "--cache", str(tmp_path / "cache"), cwd=tmp_path)
    assert done.returncode == 4, done.stderr
    assert "neither a source directory holding pyproject.toml nor a wheel" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_env_gets_the_fuzzers_engine_only_when_the_kit_runs_over_http() -> None:
    """compat's envs install the kit without extras; a comparison over HTTP runs the fuzz suite, so each version's env
    gets the engine too (else both sides would leave the fuzz checks out and the comparison say nothing of them)."""
    from llama_conformance.fuzz.available import engine_requirement

    over_http = main.with_fuzzer(("provider==1",), ["--llama-over-http", "-m", "fuzz"])
    assert over_http == ("provider==1", engine_requirement()) and "schemathesis" in over_http[1]
    assert main.with_fuzzer(("provider==1",), ["-m", "structural"]) == ("provider==1",)

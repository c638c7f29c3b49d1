"""The API generation a provider is built on, shown beside the contract it is judged against.

A provider built on llama-stack 0.2 (``llama_stack.apis``) or llama-stack-api 0.5 and judged
against the installed package fails on every signature the generations changed; the run
must say so once, at the top, or its real defects drown. The providers here live in
``fixtures/generations``; each test writes their distribution metadata (``Requires-Dist``)
into a temp dir, as ``pip install`` would.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests_support import requires

from llama_conformance.contract import generation
from llama_conformance.contract.generation import BuiltOn, Evidence, built_on, judge, provider_modules
from llama_conformance.contract.packages import ApiPackage, package_for_provider
from llama_conformance.report.schema import schema_problems

GENERATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "generations"
OGX = ApiPackage("ogx_api", "ogx-api", "1.5.0")
LS_API = ApiPackage("llama_stack_api", "llama-stack-api", "0.7.3")
LS02 = provider_modules("kit_gen_ls02.inference", "kit_gen_ls02.provider.get_provider_spec()",
                        "kit_gen_ls02.inference.EchoConfig")


def install_metadata(site: Path, name: str, top: str, *requires_dist: str) -> None:
    """A distribution's metadata, as ``pip install`` leaves it beside the package."""
    info = site / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 0.1.0",
             *(f"Requires-Dist: {r}" for r in requires_dist)]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "top_level.txt").write_text(f"{top}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The generation fixtures importable (for the kit's subprocesses too), with their metadata."""
    site = tmp_path / "site"
    install_metadata(site, "kit-gen-ls05", "kit_gen_ls05", "llama-stack-api<0.6,>=0.5", "pydantic>=2")
    install_metadata(site, "kit-gen-ls02", "kit_gen_ls02", "llama-stack==0.2.14", 'pytest; extra == "test"')
    for entry in (site, GENERATIONS):
        monkeypatch.syspath_prepend(str(entry))
    monkeypatch.setenv("PYTHONPATH", f"{GENERATIONS}:{site}")
    generation.clear_cache()
    yield site
    generation.clear_cache()


def old_llama_stack_installed() -> bool:
    try:
        return importlib.metadata.version("llama-stack").startswith(("0.0.", "0.1.", "0.2.", "0.3."))
    except importlib.metadata.PackageNotFoundError:
        return False


# --------------------------------------------------------------------------- what is known


def test_a_provider_on_llama_stack_apis_is_dated_from_its_source_without_importing_it(site: Path) -> None:
    built = built_on(LS02)
    assert built.package == "llama-stack"
    assert built.version_spec == "==0.2.14"
    details = [e.detail for e in built.evidence]
    assert "imports llama_stack.apis.common.content_types (kit_gen_ls02/inference.py:7)" in details
    assert "kit-gen-ls02 0.1.0 requires llama-stack==0.2.14" in details
    assert not [name for name in sys.modules if name.startswith("kit_gen_ls02")]


def test_a_module_changed_in_the_same_process_is_read_again(site: Path) -> None:
    """Each file's imports are parsed once per process (a batch of runs judges many providers that share
    modules), keyed by the file's version: a module changed since is read anew."""
    package = site / "kit_gen_edited"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = package / "provider.py"
    module.write_text("import llama_stack_api\n")
    assert built_on(("kit_gen_edited.provider",)).package == "llama-stack-api"
    module.write_text("from ogx_api import inference  # moved to ogx\n")
    built_on.cache_clear()  # the provider's verdict, not the files' parses
    assert built_on(("kit_gen_edited.provider",)).package == "ogx-api"
    size, mtime = module.stat().st_size, module.stat().st_mtime_ns
    back = "import llama_stack_api  # back: "
    module.write_text(back + "x" * (size - len(back) - 1) + "\n")
    os.utime(module, ns=(mtime, mtime))
    assert module.stat().st_size == size
    built_on.cache_clear()
    assert built_on(("kit_gen_edited.provider",)).package == "llama-stack-api"


def test_the_header_line_names_the_generation_the_evidence_and_the_contract(site: Path) -> None:
    if old_llama_stack_installed():
        pytest.skip("llama-stack <= 0.3 is installed: the line also names it")
    facts = judge(built_on(LS02), OGX)
    assert facts.header_line == (
        "built on: llama-stack 0.2.14 (llama_stack.apis; Requires-Dist llama-stack==0.2.14) — judged against "
        "ogx-api 1.5.0")
    assert facts.mismatch is True
    assert facts.note is not None and facts.note.startswith(
        "MISMATCH: this provider is built on llama-stack 0.2.14 (llama_stack.apis; ")
    assert "another API generation than the ogx-api 1.5.0 it is judged against" in facts.note
    assert "not the provider" in facts.note


def _requirement(spec: str) -> Evidence:
    return Evidence("llama-stack-api", "requires-dist", f"requires llama-stack-api{spec}", "", spec)


IMPORT_LS_API = Evidence("llama-stack-api", "import", "imports llama_stack_api", "llama_stack_api")
IMPORT_OGX = Evidence("ogx-api", "import", "imports ogx_api", "ogx_api")


@pytest.mark.parametrize(
    ("built", "contract", "mismatch", "says"),
    [
        (BuiltOn("llama-stack-api", (IMPORT_LS_API, _requirement("<0.6,>=0.5"))), LS_API, True,
         "judged against llama-stack-api 0.7.3, outside its requirement"),
        (BuiltOn("llama-stack-api", (IMPORT_LS_API, _requirement("<0.6,>=0.5"))),
         ApiPackage("llama_stack_api", "llama-stack-api", "0.5.4"), False, None),
        (BuiltOn("llama-stack-api", (IMPORT_LS_API,)), OGX, True, "another API generation than the ogx-api 1.5.0"),
        (BuiltOn("ogx-api", (IMPORT_OGX,)), OGX, False, None),
        (BuiltOn(None), OGX, None, None),
    ],
    ids=["version-outside-requirement", "version-inside", "other-package", "same-package", "unknown"],
)
def test_generations_differ_by_package_or_by_requirement(built: BuiltOn, contract: ApiPackage, mismatch: bool | None,
                                                         says: str | None) -> None:
    facts = judge(built, contract)
    assert facts.mismatch is mismatch
    assert (facts.note is None) is (says is None)
    if says:
        assert facts.note is not None and says in facts.note


def test_a_provider_with_import_fallbacks_is_built_on_the_contracts_generation() -> None:
    facts = judge(BuiltOn("ogx-api", (IMPORT_OGX, IMPORT_LS_API)), LS_API)
    assert (facts.mismatch, facts.built_on.package) == (False, "llama-stack-api")


@pytest.mark.parametrize(
    ("requirement", "package", "version_spec"),
    [
        ("llama-stack==0.2.14", "llama-stack", "==0.2.14"),
        ("llama-stack<0.4,>=0.2", "llama-stack", "<0.4,>=0.2"),
        ("llama-stack==0.2.*", "llama-stack", "==0.2.*"),
        ("llama-stack>=0.5.0", "llama-stack-api", ">=0.5.0"),  # the server dates its API package
        ("llama-stack-api<0.6,>=0.5", "llama-stack-api", "<0.6,>=0.5"),
        ("ogx>=1.5", "ogx-api", ">=1.5"),
        ('ogx-api>=1; extra == "test"', None, None),  # an extra is optional, not what it is built on
        ("llama-stack>=0.2.5", None, None),  # either generation: only the code could tell
    ],
)
def test_requires_dist_names_the_generation_and_its_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             requirement: str, package: str | None,
                                                             version_spec: str | None) -> None:
    (tmp_path / "kit_gen_plain").mkdir()
    (tmp_path / "kit_gen_plain" / "__init__.py").write_text('"""No API import: only its metadata tells."""\n')
    install_metadata(tmp_path, "kit-gen-plain", "kit_gen_plain", requirement)
    monkeypatch.syspath_prepend(str(tmp_path))
    generation.clear_cache()
    built = built_on(("kit_gen_plain",))
    generation.clear_cache()
    assert (built.package, built.version_spec) == (package, version_spec)


def test_an_unimportable_provider_is_told_which_generation_it_needs(site: Path) -> None:
    if old_llama_stack_installed():
        pytest.skip("llama-stack <= 0.3 is installed: the provider imports")
    hint = generation.import_failure_hint("kit_gen_ls02.provider")
    assert hint.startswith(
        " This provider is built on llama-stack 0.2.14 (llama_stack.providers.datatypes; Requires-Dist "
        "llama-stack==0.2.14), which is not installed")
    assert "; the contract packages installed are " in hint


def test_a_provider_whose_loaded_modules_name_no_package_is_judged_by_its_declared_one(site: Path) -> None:
    requires("ogx_api")
    requires("llama_stack_api")
    # Nothing of it is imported (a spec from a YAML file): without its source and metadata
    # the kit would fall back to the newest package, ogx-api.
    assert package_for_provider(None, None, "kit_gen_ls05.provider").name == "llama_stack_api"
    assert not [name for name in sys.modules if name.startswith("kit_gen_ls05")]


def test_the_distribution_shipping_a_package_is_the_one_that_says_so(site: Path) -> None:
    """Named like the package is the cheap answer, unless that distribution says it ships other packages; a
    distribution with no top_level.txt (hatchling, flit) is found from its file list."""
    from llama_conformance.pytest_plugin.reporting import distribution_of

    install_metadata(site, "kit-gen-decoy", "kit_gen_other")  # named like kit_gen_decoy, ships kit_gen_other
    install_metadata(site, "kit-gen-real", "kit_gen_decoy")
    listed = site / "kit_gen_listed-0.1.0.dist-info"
    listed.mkdir()
    (listed / "METADATA").write_text("Metadata-Version: 2.1\nName: kit-gen-listed\nVersion: 0.1.0\n")
    (listed / "RECORD").write_text("kit_gen_unnamed/__init__.py,,\nkit_gen_listed-0.1.0.dist-info/RECORD,,\n")
    (site / "kit_gen_unnamed").mkdir()
    (site / "kit_gen_unnamed" / "__init__.py").write_text("")  # importlib.metadata lists only files present
    generation.clear_cache()
    assert distribution_of("kit_gen_decoy.provider") == ("kit-gen-real", "0.1.0")
    assert distribution_of("kit_gen_other") == ("kit-gen-decoy", "0.1.0")
    assert distribution_of("kit_gen_unnamed.provider") == ("kit-gen-listed", "0.1.0")
    assert distribution_of("kit_gen_nowhere") == (None, None)


# --------------------------------------------------------------------------- what a run shows


def _kit(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*args, "-p", "no:asyncio", "-m", "structural", "-rA")


def test_an_older_generation_is_named_once_at_the_top_and_once_in_the_summary(
        site: Path, pytester: pytest.Pytester, tmp_path: Path) -> None:
    requires("llama_stack_api")
    report_dir = tmp_path / "report"
    result = _kit(pytester, "--llama-provider=inline::gen-ls05-files", "--llama-provider-module=kit_gen_ls05",
                  f"--llama-report={report_dir}")
    lines = result.outlines
    installed = importlib.metadata.version("llama-stack-api")
    assert (f"built on: llama-stack-api <0.6,>=0.5 (llama_stack_api; ProviderSpec from llama_stack_api; "
            f"Requires-Dist llama-stack-api<0.6,>=0.5) — judged against llama-stack-api {installed}") in lines
    warnings = [i for i, line in enumerate(lines) if line.startswith("MISMATCH:")]
    collected = next(i for i, line in enumerate(lines) if line.startswith("collected"))
    summary = next(i for i, line in enumerate(lines) if "llama-conformance: API generation mismatch" in line)
    assert warnings == [warnings[0], summary + 1] and warnings[0] < collected, "\n".join(lines)
    assert f"is judged against llama-stack-api {installed}, outside its requirement" in lines[warnings[0]]

    report = json.loads((report_dir / "report.json").read_text())
    assert schema_problems(report) == []
    target = report["target"]
    assert target["generation_mismatch"] is True and target["generation_note"] == lines[warnings[0]]
    assert (target["built_on"]["package"], target["built_on"]["version_spec"]) == ("llama-stack-api", "<0.6,>=0.5")
    assert {e["kind"] for e in target["built_on"]["evidence"]} == {"import", "spec-class", "requires-dist"}
    assert (target["distribution"], target["version"]) == ("kit-gen-ls05", "0.1.0")  # the provider's, from its metadata
    markdown = (report_dir / "report.md").read_text()
    assert markdown.index("> **Generation mismatch.** This provider is built on") < markdown.index("## Facts")
    assert "| Built on | llama-stack-api \\<0.6,\\>=0.5 (llama\\_stack\\_api; " in markdown  # escaped Markdown
    assert "— another generation than the contract (see the note at the top) |" in markdown
    html = (report_dir / "report.html").read_text()
    assert html.index('<p class="mismatch" role="note"><strong>Generation mismatch.</strong>') < html.index("<main>")


def test_the_same_generation_gets_no_warning(pytester: pytest.Pytester, tmp_path: Path) -> None:
    requires("ogx_api")
    report_dir = tmp_path / "report"
    result = _kit(pytester, "--llama-provider=inline::kit-files", f"--llama-report={report_dir}")
    installed = importlib.metadata.version("ogx-api")
    assert f"built on: ogx-api 1.x (ProviderSpec from ogx_api) — judged against ogx-api {installed}" in result.outlines
    assert not [line for line in result.outlines if "MISMATCH" in line]
    report = json.loads((report_dir / "report.json").read_text())
    assert schema_problems(report) == []
    assert report["target"]["generation_mismatch"] is False and report["target"]["generation_note"] is None
    assert (report["target"]["distribution"], report["target"]["version"]) == \
        ("llama-conformance", importlib.metadata.version("llama-conformance"))  # the fixtures ship with the kit
    assert "Generation mismatch" not in (report_dir / "report.md").read_text()
    assert 'class="mismatch"' not in (report_dir / "report.html").read_text()


@pytest.mark.parametrize("found_by", ["module", "providers-dir"])
def test_a_provider_on_an_absent_generation_is_a_usage_error_naming_it(
        site: Path, pytester: pytest.Pytester, tmp_path: Path, found_by: str) -> None:
    if old_llama_stack_installed():
        pytest.skip("llama-stack <= 0.3 is installed: the provider imports")
    if found_by == "module":
        where = "--llama-provider-module=kit_gen_ls02"
    else:  # the spec from a YAML file: the kit fails importing the provider's module instead
        yaml = tmp_path / "providers.d" / "inline" / "inference" / "gen-ls02-echo.yaml"
        yaml.parent.mkdir(parents=True)
        yaml.write_text("module: kit_gen_ls02.inference\nconfig_class: kit_gen_ls02.inference.EchoConfig\n")
        where = f"--llama-providers-dir={tmp_path / 'providers.d'}"
    result = _kit(pytester, "--llama-provider=inline::gen-ls02-echo", where)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = "\n".join(result.errlines)
    assert "This provider is built on llama-stack 0.2.14 (llama_stack." in text
    assert "Requires-Dist llama-stack==0.2.14), which is not installed" in text
    assert "; the contract packages installed are" in text


def test_an_api_the_contract_lacks_is_a_usage_error_naming_the_providers_generation(
        site: Path, pytester: pytest.Pytester) -> None:
    requires("ogx_api")
    requires("llama_stack_api")
    result = _kit(pytester, "--llama-provider=inline::gen-ls05-safety", "--llama-provider-module=kit_gen_ls05",
                  "--llama-api-package=ogx_api")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = "\n".join(result.errlines)
    assert "has no API named 'safety'" in text
    assert ("This provider is built on llama-stack-api <0.6,>=0.5 (llama_stack_api; ProviderSpec from "
            "llama_stack_api; Requires-Dist llama-stack-api<0.6,>=0.5), another API generation.") in text


def test_an_advertised_provider_on_an_absent_generation_is_named_when_its_type_is_not_found(
        pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if old_llama_stack_installed():
        pytest.skip("llama-stack <= 0.3 is installed: the provider imports")
    # Installed like a PyPI provider: discovery finds it by its distribution's name, fails to
    # import it, and must say why when the type is then unknown.
    install_metadata(tmp_path, "llama-stack-provider-gen-ls02", "kit_gen_ls02", "llama-stack==0.2.14")
    monkeypatch.setenv("PYTHONPATH", f"{GENERATIONS}:{tmp_path}")
    result = _kit(pytester, "--llama-provider=inline::gen-ls02-echo")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = "\n".join(result.errlines)
    assert "Unknown provider type inline::gen-ls02-echo." in text
    assert ("An advertised provider package could not be read: Cannot import kit_gen_ls02.provider" in text
            and "This provider is built on llama-stack 0.2.14 (llama_stack.providers.datatypes; " in text)


@pytest.mark.parametrize(("version", "blind"), [("1.0.4", True), ("1.4.1", True), ("1.5.0", False)])
def test_count_tokens_route_before_ogx_api_1_5_answers_500_to_every_error(version: str, blind: bool) -> None:
    """ogx-api 1.0-1.4's count_tokens route turns every provider exception into a 500 (1.5 maps not-found
    to 404): a fact of the package's route, so over HTTP the typed-error checks on it are not applicable."""
    reason = ApiPackage("ogx_api", "ogx-api", version).row.count_tokens_errors_as_500
    assert (reason is not None) == blind
    if reason is not None:
        assert "messages/fastapi_routes.py" in reason and "answers 500 to every exception" in reason
    assert LS_API.row.count_tokens_errors_as_500 is None  # llama-stack-api has no messages API

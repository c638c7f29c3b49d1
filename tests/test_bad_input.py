"""Bad input to the kit ends in one clear paragraph and exit code 4, or in one failed
check — never a hang, never a raw traceback as the only message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests_support import requires

CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"


def _usage_error(result: pytest.RunResult) -> str:
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    text = result.stderr.str()
    assert "Traceback" not in text
    return text


def test_unknown_provider_type_lists_types_and_nearest_match(run_kit) -> None:
    text = _usage_error(run_kit("inline::kit-file"))
    assert "Unknown provider type inline::kit-file." in text
    assert "Did you mean inline::kit-files?" in text
    # the types it did find (the first 40 of them, sorted: one early in the order, so new fixtures do not push it out)
    assert "inline::broken-bad-config-class" in text


def test_a_type_of_another_api_says_which_api_has_it(run_kit) -> None:
    """ogx 1.5 has no datasetio API: ``inline::localfs --llama-api=datasetio`` names the API that has the type,
    instead of suggesting the same name as its own nearest match."""
    text = _usage_error(run_kit("inline::kit-files", "--llama-api=inference"))
    assert "inline::kit-files exists for files, not for inference" in text and "Did you mean" not in text


def test_module_that_fails_to_import_shows_the_cause(run_kit) -> None:
    text = _usage_error(run_kit("inline::broken-does-not-import"))
    assert "Cannot import provider module llama_conformance_fixtures.broken.does_not_import" in text
    assert "No module named 'llama_conformance_missing_dependency'" in text


def test_bad_config_class_is_named(run_kit) -> None:
    text = _usage_error(run_kit("inline::broken-bad-config-class"))
    assert "config_class 'llama_conformance_fixtures.reference.files.NoSuchConfig'" in text
    assert "cannot be loaded" in text


def test_invalid_config_names_the_field(run_kit) -> None:
    result = run_kit("inline::kit-files", f"--llama-provider-config={CONFIGS / 'kit-files-invalid.yaml'}")
    text = _usage_error(result)
    assert "does not validate against KitFilesConfig" in text
    assert "`ttl_seconds`" in text


def test_config_needing_an_unset_env_var_says_which(run_kit) -> None:
    result = run_kit("inline::kit-files", f"--llama-provider-config={CONFIGS / 'kit-files-needs-env.yaml'}")
    text = _usage_error(result)
    assert "needs environment variable LLAMA_CONFORMANCE_TEST_UNSET_TTL" in text


def test_missing_config_file_is_a_usage_error(run_kit, tmp_path: Path) -> None:
    text = _usage_error(run_kit("inline::kit-files", f"--llama-provider-config={tmp_path / 'nope.yaml'}"))
    assert "does not exist" in text


def test_provider_using_both_api_packages_is_ambiguous(run_kit) -> None:
    requires("llama_stack_api")
    requires("ogx_api")
    text = _usage_error(run_kit("inline::broken-both-packages"))
    assert "uses both" in text
    assert "--llama-api-package=ogx_api" in text


def test_both_packages_resolved_by_the_option(run_kit) -> None:
    requires("llama_stack_api")
    result = run_kit("inline::broken-both-packages", "--llama-api-package=ogx_api")
    result.assert_outcomes(passed=6)


def test_factory_that_raises_fails_the_build_check(run_kit) -> None:
    result = run_kit("inline::broken-lifecycle-raising")
    result.assert_outcomes(failed=1, skipped=5)
    result.stdout.fnmatch_lines([
        "*[[]MUST lifecycle.build[]]*get_provider_impl() raised RuntimeError: storage backend "
        "'tenant-7' is not reachable*",
    ])
    result.stdout.fnmatch_lines(["SKIPPED*the provider did not build*"])


def test_factory_returning_none_fails_the_build_check(run_kit) -> None:
    result = run_kit("inline::broken-lifecycle-none")
    result.assert_outcomes(failed=1, skipped=5)
    result.stdout.fnmatch_lines(["*returned None, not a provider*"])


@pytest.mark.parametrize(
    ("defect", "how"),
    [
        ("lifecycle-hanging", "without returning"),
        ("lifecycle-blocking", "and blocked the event loop"),
        ("lifecycle-hanging-initialize", "without returning"),
    ],
)
def test_hanging_factory_or_initialize_fails_within_the_timeout(run_kit, defect: str, how: str) -> None:
    started = time.monotonic()
    result = run_kit(f"inline::broken-{defect}", "--llama-timeout=1")
    elapsed = time.monotonic() - started
    result.assert_outcomes(failed=1, skipped=5)
    result.stdout.fnmatch_lines([f"*[[]MUST lifecycle.build[]]*ran for 1 s {how}*"])
    assert elapsed < 90, f"a hanging provider held the run for {elapsed:.0f} s"  # it hangs for an hour


def test_providers_dir_in_the_server_layout_is_discovered(run_kit) -> None:
    providers_dir = Path(__file__).resolve().parent.parent / "fixtures" / "providers.d"
    result = run_kit("inline::kit-files-from-dir", f"--llama-providers-dir={providers_dir}")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["provider: inline::kit-files-from-dir (api files) from *kit-files-from-dir.yaml"])


def test_declared_but_missing_package_is_a_usage_error_not_a_provider_failure(run_kit) -> None:
    result = run_kit("inline::broken-lifecycle-declared-missing-package")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert "a package its spec declares ('llama-conformance-missing-dependency>=1.0')" in output
    assert "pip install 'llama-conformance-missing-dependency>=1.0'" in output
    assert "lifecycle.build" not in output


def test_undeclared_missing_package_is_the_providers_packaging_defect(run_kit) -> None:
    result = run_kit("inline::broken-lifecycle-undeclared-missing-package")
    result.assert_outcomes(failed=1, skipped=5)
    result.stdout.fnmatch_lines([
        "*[[]MUST lifecycle.build[]]*No module named 'llama_conformance_missing_dependency', "
        "and the spec's pip_packages does not declare it*",
    ])


def test_config_secrets_never_reach_the_output(run_kit, monkeypatch: pytest.MonkeyPatch) -> None:
    """Env values a config references and SecretStr fields are redacted, also when the
    provider itself puts them into its exception message."""
    monkeypatch.setenv("LLAMA_CONFORMANCE_TEST_API_KEY", "sk-kit-test-0123456789")
    monkeypatch.setenv("LLAMA_CONFORMANCE_TEST_HOST", "tenant-42.internal.example")
    result = run_kit("inline::broken-lifecycle-leaking", f"--llama-provider-config={CONFIGS / 'leaky.yaml'}")
    result.assert_outcomes(failed=1, skipped=5)
    output = result.stdout.str() + result.stderr.str()
    assert "sk-kit-test-0123456789" not in output
    assert "tenant-42.internal.example" not in output
    result.stdout.fnmatch_lines([
        '*config: {"api_key": "**********", "endpoint": "https://***/v1"}*',
        "*authentication failed for key *** at https://***/v1*",
    ])


# -- issue 12: what a new user ran into ------------------------------------------------------

def _kit(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*args, "-p", "no:asyncio", "-rA")


def test_provider_module_alone_checks_its_single_provider(pytester: pytest.Pytester) -> None:
    """A package declaring one provider leaves no doubt: it is checked without --llama-provider."""
    result = _kit(pytester, "--llama-provider-module=llama_conformance_fixtures.single_provider", "-m", "structural")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["provider: inline::kit-files-single (api files) from *single_provider*"])


def test_providers_dir_alone_checks_its_single_provider(pytester: pytest.Pytester) -> None:
    providers_dir = Path(__file__).resolve().parent.parent / "fixtures" / "providers.d"
    result = _kit(pytester, f"--llama-providers-dir={providers_dir}", "-m", "structural")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["provider: inline::kit-files-from-dir (api files) from *kit-files-from-dir.yaml"])


def test_provider_module_alone_with_several_providers_lists_their_types(pytester: pytest.Pytester) -> None:
    text = _usage_error(_kit(pytester, "--llama-provider-module=llama_conformance_fixtures.broken"))
    assert "no --llama-provider was given, so the kit cannot tell which one to check" in text
    assert "Add --llama-provider=TYPE with one of: inline::broken-" in text and "(files)" in text


@pytest.mark.parametrize("content", ["", "# nothing yet\n", "capabilities: []\nmodels: []\n"])
def test_empty_manifest_is_refused(run_kit, tmp_path: Path, content: str, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(content)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # the run's temporary files, to see what it leaves
    text = _usage_error(run_kit("inline::kit-files", f"--llama-manifest={manifest}"))
    assert f"Manifest {manifest} declares no capabilities and no models" in text
    assert "Fix the file you pass with --llama-manifest" in text
    # refused after the provider was prepared: its scratch directory goes with the refusal
    assert not list(scratch.glob("llama-conformance-*")), list(scratch.iterdir())


@pytest.mark.parametrize(("option", "says"), [
    ("--llama-timeout=-1", "--llama-timeout must be a number of seconds above 0"),
    ("--llama-timeout=0", "--llama-timeout must be a number of seconds above 0"),
    ("--llama-timeout=nan", "got nan"),
    ("--llama-timeout=inf", "got inf"),
    ("--llama-max-requests=0", "--llama-max-requests must be a whole number of requests of at least 1"),
])
def test_impossible_numbers_are_usage_errors_not_provider_failures(run_kit, option: str, says: str) -> None:
    text = _usage_error(run_kit("inline::kit-files", option))
    assert says in text and "run again" in text


def test_unknown_api_in_list_is_an_error_naming_the_known_apis() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "llama_conformance.cli", "list", "--api", "nope"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "unknown API 'nope' for --api: the kit has checks for " in done.stderr
    assert "files, inference" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_run_writes_no_hypothesis_folder_into_the_working_directory(run_suites, pytester: pytest.Pytester,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Behavioural and stateful suites draw with Hypothesis, which caches into ./.hypothesis by
    default even with the example database off; the provider's repository must stay clean. Its
    caches go to the kit's cache folder instead, where the next run finds them."""
    from llama_conformance.cache_folder import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(pytester.path / "kit-cache"))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)  # a home the user chose is kept
    pytester.makeconftest(HYPOTHESIS_HOME)
    result = run_suites("inline::kit-files")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert result.parseoutcomes().get("passed", 0) >= 10
    assert not (pytester.path / ".hypothesis").exists()
    assert (pytester.path / "home.txt").read_text() == str(pytester.path / "kit-cache" / "hypothesis")


HYPOTHESIS_HOME = """
from pathlib import Path


def pytest_unconfigure(config):
    from hypothesis.configuration import storage_directory

    Path("home.txt").write_text(str(storage_directory(intent_to_write=False).home_directory))
"""


def test_conformance_env_needs_python_312() -> None:
    """The README's second command: started on Python 3.11 it builds its env on 3.12, or tox says it
    found no 3.12 (a missing interpreter fails, never a silent skip); not pip's "No matching distribution"."""
    import configparser

    root = Path(__file__).resolve().parent.parent
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(root / "tox.ini")
    bases = [b.strip() for b in tox["testenv:conformance"]["base_python"].replace("\n", ",").split(",") if b.strip()]
    assert bases and all(b.startswith("python3.") and int(b.split(".")[1]) >= 12 for b in bases), bases
    assert tox["tox"]["skip_missing_interpreters"].strip() == "false"  # a missing 3.12 fails, never a silent skip
    assert "Both commands need Python 3.12 or newer" in (root / "README.md").read_text()


PROVIDERS_D_BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "providers.d-broken"


@pytest.mark.parametrize(("provider", "module"), [
    ("inline::broken-module-absent", "llama_conformance_fixtures.reference.no_such_files_module"),
    ("inline::broken-package-absent", "llama_conformance_no_such_provider_package.provider"),
])
def test_yaml_naming_a_module_that_does_not_exist_is_a_packaging_defect(run_kit, provider: str, module: str) -> None:
    text = _usage_error(run_kit(provider, f"--llama-providers-dir={PROVIDERS_D_BROKEN}"))
    yaml_file = PROVIDERS_D_BROKEN / "inline" / "files" / f"{provider.split('::')[1]}.yaml"
    assert f"the YAML file {yaml_file} names the module {module}, which does not exist" in text
    assert "packaging defect of the provider" in text and "the provider's maintainer must" in text
    assert "Install the provider's dependencies" not in text


def test_yaml_naming_a_module_whose_import_fails_is_a_missing_dependency(run_kit) -> None:
    text = _usage_error(run_kit("inline::broken-dependency-absent", f"--llama-providers-dir={PROVIDERS_D_BROKEN}"))
    assert "No module named 'llama_conformance_missing_dependency'" in text
    assert "Install the provider's dependencies" in text and "packaging defect" not in text


def test_provider_without_list_models_is_a_clear_skip_not_a_traceback(run_suites) -> None:
    """The structural suite reports the missing member; behaviour that needs it is skipped, naming it."""
    result = run_suites("inline::broken-inference-list-models-missing")
    text = result.stdout.str()
    assert "AttributeError" not in text, text
    assert result.parseoutcomes().get("failed") == 1, text
    result.stdout.fnmatch_lines(["FAILED *test_structure[[]inference.list_models[]]*"])
    result.stdout.fnmatch_lines(["SKIPPED*ListModelsMissing has no `list_models` (ModelsProtocolPrivate.list_models)*"
                                 "structure.member.present fails in test_structure[[]inference.list_models[]]*"])

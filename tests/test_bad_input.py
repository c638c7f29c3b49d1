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
    assert "inline::broken-files-missing-member" in text  # the types it did find


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
    assert elapsed < 30, f"a hanging provider held the run for {elapsed:.0f} s"


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

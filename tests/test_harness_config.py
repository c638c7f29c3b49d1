"""Provider configs are built as the servers build them: ``config_class(**config)``, whatever the class.

Both resolvers (ogx 1.5 and llama-stack 0.7.3 ``core/resolver.py``) call the spec's
``config_class`` with the config mapping, so a ``@dataclass`` or a plain class starts a
server as well as a pydantic model does; the kit must build, check and show such configs,
and find their secrets. A ``sample_run_config()`` its own class rejects is the provider's
packaging defect, and the message says who must act.

The unit tests define their config classes here (no API package is imported in this
process); the end-to-end ones run the kit on ``fixtures/broken/config_shapes.py``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pydantic
import pytest

from llama_conformance.errors import KitUsageError
from llama_conformance.harness.config import (
    CONFIG_FROM_SAMPLE,
    CONFIG_FROM_STACK,
    config_as_data,
    config_secrets,
    import_config_class,
    sample_config,
    validate_config,
)

SHAPES = "--llama-provider-module=llama_conformance_fixtures.broken.config_shapes"


@dataclasses.dataclass
class Inner:
    password: pydantic.SecretStr


@dataclasses.dataclass
class DataConfig:
    url: str
    retries: int = 3
    inner: Inner | None = None

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"retries must not be negative, got {self.retries}")


class PlainConfig:
    def __init__(self, url: str, token: pydantic.SecretStr | None = None) -> None:
        self.url = url
        self.token = token


class ModelConfig(pydantic.BaseModel):
    url: str


NOT_A_CLASS = "a module-level string, named as config_class"


# -- what can be a config class ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["DataConfig", "PlainConfig", "ModelConfig"])
def test_dataclasses_and_plain_classes_are_config_classes(name: str) -> None:
    assert import_config_class(f"{__name__}.{name}", "inline::x") is globals()[name]


def test_a_value_that_cannot_be_called_is_refused_saying_why() -> None:
    with pytest.raises(KitUsageError, match=r"a str value, not a class.*`config_class\(\*\*config\)`"):
        import_config_class(f"{__name__}.NOT_A_CLASS", "inline::x")


# -- validation by calling the class -----------------------------------------------------------

def test_dataclass_config_is_built_by_calling_it() -> None:
    config = validate_config(DataConfig, {"url": "http://h", "retries": 1}, "inline::x")
    assert config == DataConfig(url="http://h", retries=1)


def test_dataclass_unknown_and_missing_fields_are_each_named() -> None:
    with pytest.raises(KitUsageError) as caught:
        validate_config(DataConfig, {"retry": 2, "colour": "red"}, "inline::x")
    text = str(caught.value)
    assert "does not validate against DataConfig" in text
    for part in ("`retry`: not a field of DataConfig", "`colour`: not a field of DataConfig",
                 "`url`: field required", "Fix --llama-provider-config"):
        assert part in text


def test_dataclass_post_init_value_error_is_a_config_problem() -> None:
    with pytest.raises(KitUsageError, match=r"retries must not be negative, got -1.*Fix --llama-provider-config"):
        validate_config(DataConfig, {"url": "http://h", "retries": -1}, "inline::x")


def test_plain_class_type_error_names_the_field() -> None:
    with pytest.raises(KitUsageError, match="`url`: field required"):
        validate_config(PlainConfig, {}, "inline::x")


def test_stack_config_origin_points_at_its_entry() -> None:
    with pytest.raises(KitUsageError, match="Fix its entry in --llama-stack-config"):
        validate_config(ModelConfig, {}, "inline::x", CONFIG_FROM_STACK)


def test_sample_that_does_not_validate_is_the_providers_packaging_defect() -> None:
    with pytest.raises(KitUsageError) as caught:
        validate_config(DataConfig, {"uri": "http://h"}, "inline::x", CONFIG_FROM_SAMPLE)
    text = str(caught.value)
    assert "packaging defect of the provider" in text
    assert "maintainer must fix sample_run_config()" in text
    assert "`uri`: not a field of DataConfig" in text
    assert "Fix --llama-provider-config" not in text
    assert "\n" not in text  # one paragraph


def test_sample_run_config_that_raises_is_a_packaging_defect(tmp_path: Path) -> None:
    class Raising:
        @classmethod
        def sample_run_config(cls, **kwargs: Any) -> dict[str, Any]:
            raise RuntimeError("forgot a default")

    class NotAMapping:
        @classmethod
        def sample_run_config(cls, **kwargs: Any) -> Any:
            return ["url"]

    with pytest.raises(KitUsageError, match=r"raised RuntimeError: forgot a default.*packaging defect"):
        sample_config(Raising, tmp_path, "inline::x")
    with pytest.raises(KitUsageError, match=r"returned a list.*packaging defect"):
        sample_config(NotAMapping, tmp_path, "inline::x")


# -- secrets and the header --------------------------------------------------------------------

def test_secrets_are_found_inside_dataclass_and_plain_configs() -> None:
    data = DataConfig(url="u", inner=Inner(password=pydantic.SecretStr("dc-secret-1")))
    plain = PlainConfig(url="u", token=pydantic.SecretStr("plain-secret-2"))
    assert config_secrets(data) == {"dc-secret-1"}
    assert config_secrets(plain) == {"plain-secret-2"}


def test_dataclass_and_plain_configs_are_shown_masked() -> None:
    data = DataConfig(url="u", inner=Inner(password=pydantic.SecretStr("dc-secret-1")))
    assert config_as_data(data) == {"url": "u", "retries": 3, "inner": {"password": "**********"}}
    assert config_as_data(PlainConfig(url="u", token=pydantic.SecretStr("s3cret"))) == {
        "url": "u", "token": "**********"}


# -- end to end ----------------------------------------------------------------------------------

def test_dataclass_config_provider_builds_and_its_secret_is_redacted(
    run_kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMA_CONFORMANCE_TEST_SHAPE_TOKEN", "sk-shape-token-0123456789")
    result = run_kit("inline::shape-dataclass-files", SHAPES)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(['config: {"token": "**********", "ttl_seconds": 31536000} (secrets redacted)'])
    assert "sk-shape-token-0123456789" not in result.stdout.str() + result.stderr.str()


def test_plain_class_config_provider_builds(run_kit) -> None:
    result = run_kit("inline::shape-plain-files", SHAPES)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(['config: {"label": "from-sample", "ttl_seconds": 31536000} (secrets redacted)'])


def test_dataclass_config_file_is_checked_by_calling_the_class(run_kit, tmp_path: Path) -> None:
    config = tmp_path / "shape.yaml"
    config.write_text("ttl_seconds: 0\n")
    result = run_kit("inline::shape-dataclass-files", SHAPES, f"--llama-provider-config={config}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stderr.str()
    assert "does not validate against DataclassFilesConfig" in text
    assert "ttl_seconds must be a positive number of seconds, got 0" in text
    assert "Traceback" not in text


@pytest.mark.parametrize(("provider", "detail"), [
    ("inline::shape-bad-sample", "`ttl_seconds`: Input should be a valid integer"),
    ("inline::shape-dataclass-bad-sample",
     "`ttl`: not a field of DataclassBadSampleConfig; `ttl_seconds`: field required"),
])
def test_own_sample_config_that_does_not_validate_blames_the_provider(run_kit, provider: str, detail: str) -> None:
    result = run_kit(provider, SHAPES)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stderr.str()
    assert f"{provider}'s own sample config" in text
    assert detail in text
    assert "packaging defect of the provider" in text
    assert "The provider's maintainer must fix sample_run_config()" in text
    assert "Fix --llama-provider-config" not in text
    assert "Traceback" not in text


def test_a_config_without_a_sample_asks_for_one_and_blames_no_sample(run_kit) -> None:
    """No ``--llama-provider-config`` and a config class with no ``sample_run_config()``: the kit tried an empty
    config. It once called that the provider's own sample, failing to validate (a packaging defect), of a
    provider that has none (llama-stack-provider-trustyai-garak 0.4.1); the person running the kit must act."""
    result = run_kit("inline::shape-no-sample", SHAPES)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stderr.str()
    assert "inline::shape-no-sample needs a config: NoSampleConfig offers no sample_run_config()" in text, text
    assert "`endpoint`: field required" in text and "--llama-provider-config FILE" in text, text
    assert "packaging defect" not in text and "Traceback" not in text, text

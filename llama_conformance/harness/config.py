"""Provider configuration: read, expand like the server, validate, and know its secrets.

The kit does not import the server to expand ``${env.VAR}``, ``${env.VAR:=default}`` and
``${env.VAR:+value}``: a provider author may have only the API package installed. The rules
are the server's (``replace_env_vars``): an expanded empty string becomes ``None``,
``true``/``false`` and numbers become typed values. Every value taken from the environment
is remembered as a secret so output and reports can redact it.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml

from llama_conformance.errors import KitUsageError, describe_exception

_ENV_PATTERN = re.compile(r"\$\{env\.([A-Za-z0-9_]+)(?::([=+])([^}]*))?\}")


@dataclass
class ExpandedConfig:
    """A config mapping after env expansion, with the environment values it used."""

    values: dict[str, Any]
    secrets: set[str] = field(default_factory=set)


def _convert(text: str) -> Any:
    if text == "":
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def expand_env(value: Any, secrets: set[str], path: str = "") -> Any:
    """Expand ``${env.…}`` references recursively, as the server does."""
    if isinstance(value, dict):
        return {k: expand_env(v, secrets, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, secrets, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, operator, expr = match.group(1), match.group(2), match.group(3) or ""
        env_value = os.environ.get(name)
        if env_value:
            secrets.add(env_value)
        if operator == "=":
            return os.path.expanduser(env_value or expr)
        if operator == "+":
            return expr if env_value else ""
        if not env_value:
            raise KitUsageError(
                f"The provider config needs environment variable {name} (at `{path}`), which "
                f"is not set. Set it, or write `${{env.{name}:=default}}` in the config."
            )
        return os.path.expanduser(env_value)

    result = _ENV_PATTERN.sub(substitute, value)
    return _convert(result) if result != value else value


def read_yaml_mapping(path: Path, option: str) -> dict[str, Any]:
    """A YAML file that must hold a mapping; ``option`` names it in errors (``--llama-manifest``)."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise KitUsageError(f"{option} {path} does not exist.") from None
    except yaml.YAMLError as exc:
        raise KitUsageError(f"{option} {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KitUsageError(f"{option} {path} must hold a mapping, not a {type(data).__name__}.")
    return data


def read_config_file(path: Path) -> dict[str, Any]:
    """A provider config YAML: either the config mapping itself or a run.yaml-style entry."""
    data = read_yaml_mapping(path, "--llama-provider-config")
    # Accept a provider entry copied from a run.yaml: {provider_id, provider_type, config}.
    if "provider_type" in data and isinstance(data.get("config"), dict):
        return data["config"]
    return data


def import_config_class(dotted: str, provider_type: str) -> type[pydantic.BaseModel]:
    module_name, _, class_name = dotted.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except Exception as exc:
        raise KitUsageError(
            f"The spec of {provider_type} names config_class {dotted!r}, which cannot be "
            f"loaded: {describe_exception(exc)}. config_class must be the dotted path of a "
            "pydantic model importable here."
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, pydantic.BaseModel)):
        raise KitUsageError(
            f"The spec of {provider_type} names config_class {dotted!r}, which is a "
            f"{type(cls).__name__}, not a pydantic model class."
        )
    return cls


def sample_config(config_class: type[Any], distro_dir: Path) -> dict[str, Any]:
    """The config class's ``sample_run_config`` with a temp dir as the distro dir, else {}."""
    sample = getattr(config_class, "sample_run_config", None)
    if sample is None:
        return {}
    # The server's distro dir exists; sample configs put files right in it (sqlite-vec's db).
    distro_dir.mkdir(parents=True, exist_ok=True)
    try:
        return dict(sample(__distro_dir__=str(distro_dir)))
    except TypeError:
        return dict(sample())


def validate_config(
    config_class: type[pydantic.BaseModel], values: dict[str, Any], provider_type: str
) -> pydantic.BaseModel:
    """Build the config object; a validation error names each field."""
    try:
        return config_class(**values)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"`{'.'.join(str(p) for p in err['loc']) or '(root)'}`: {err['msg']}"
            for err in exc.errors()
        )
        raise KitUsageError(
            f"The config for {provider_type} does not validate against "
            f"{config_class.__name__}: {problems}. Fix --llama-provider-config."
        ) from None


def config_secrets(config: Any) -> set[str]:
    """Every ``SecretStr`` value inside a validated config."""
    found: set[str] = set()

    def walk(obj: Any) -> None:
        if isinstance(obj, pydantic.SecretStr | pydantic.SecretBytes):
            raw = obj.get_secret_value()
            found.add(raw.decode() if isinstance(raw, bytes) else raw)
        elif isinstance(obj, pydantic.BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name, None))
        elif isinstance(obj, dict):
            for item in obj.values():
                walk(item)
        elif isinstance(obj, list | tuple | set):
            for item in obj:
                walk(item)

    walk(config)
    return {s for s in found if s}

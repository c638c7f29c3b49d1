"""Config files as the server reads them: YAML mappings, and ``${env.VAR}`` expansion.

The kit does not import the server to expand ``${env.VAR}``, ``${env.VAR:=default}`` and
``${env.VAR:+value}``: a provider author may have only the API package installed. The rules
are the server's (``replace_env_vars``): an expanded empty string becomes ``None``,
``true``/``false`` and numbers become typed values. Every value taken from the environment
is remembered as a secret so output and reports can redact it. Used by the provider config
(``harness.config``) and the manifest (``capabilities``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from llama_conformance.errors import KitUsageError

_ENV_PATTERN = re.compile(r"\$\{env\.([A-Za-z0-9_]+)(?::([=+])([^}]*))?\}")


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

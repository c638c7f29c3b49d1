"""Provider configuration: read, expand like the server, validate, and know its secrets.

The kit does not import the server to expand ``${env.VAR}``, ``${env.VAR:=default}`` and
``${env.VAR:+value}``: a provider author may have only the API package installed. The rules
are the server's (``replace_env_vars``): an expanded empty string becomes ``None``,
``true``/``false`` and numbers become typed values. Every value taken from the environment
is remembered as a secret so output and reports can redact it.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from itertools import pairwise
from pathlib import Path
from typing import Any

import pydantic
import pydantic_core

# The file helpers live low (``configfile``: the manifest reads files too); kept importable here.
from llama_conformance.configfile import expand_env, read_yaml_mapping  # noqa: F401
from llama_conformance.errors import KitUsageError, describe_exception


@dataclass
class ExpandedConfig:
    """A config mapping after env expansion, with the environment values it used."""

    values: dict[str, Any]
    secrets: set[str] = field(default_factory=set)


def read_config_file(path: Path) -> dict[str, Any]:
    """A provider config YAML: either the config mapping itself or a run.yaml-style entry."""
    data = read_yaml_mapping(path, "--llama-provider-config")
    # Accept a provider entry copied from a run.yaml: {provider_id, provider_type, config}.
    if "provider_type" in data and isinstance(data.get("config"), dict):
        return data["config"]
    return data


def import_config_class(dotted: str, provider_type: str) -> Any:
    """The object a spec's ``config_class`` names, if the server could build a config with it.

    Both servers' resolvers call ``config_type(**config)`` on whatever the dotted path names
    (``instantiate_class_type``), so a pydantic model, a ``@dataclass`` and a plain class all
    start a server; only a value that cannot be called cannot.
    """
    module_name, _, class_name = dotted.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except Exception as exc:
        raise KitUsageError(
            f"The spec of {provider_type} names config_class {dotted!r}, which cannot be "
            f"loaded: {describe_exception(exc)}. config_class must be the dotted path of a "
            "config class (a pydantic model, a dataclass or a plain class) importable here."
        ) from exc
    if not callable(cls):
        raise KitUsageError(
            f"The spec of {provider_type} names config_class {dotted!r}, which is a "
            f"{type(cls).__name__} value, not a class: the server builds the config with "
            "`config_class(**config)` and cannot call it."
        )
    return cls


def _class_name(config_class: Any) -> str:
    return str(getattr(config_class, "__name__", None) or type(config_class).__name__)


def _sample_defect(config_class: Any, provider_type: str, what: str) -> KitUsageError:
    """The one paragraph for a ``sample_run_config()`` that cannot be used: the provider's defect.

    The server's distribution tooling writes the sample config into the run configs it
    generates, so a sample its own class rejects breaks every server built from it; the
    person who can fix it is the provider's maintainer, not the one running the kit.
    """
    name = _class_name(config_class)
    return KitUsageError(
        f"{provider_type}'s own sample config {what}. This is a packaging defect of the provider, "
        f"not a problem of this run: {name}.sample_run_config() is what a server's distribution "
        f"tooling writes into run configs, so a sample that does not validate against {name} "
        "breaks every server started from it. The provider's maintainer must fix sample_run_config() "
        "(or the config class); until then, check the provider with a valid config of your own "
        "(--llama-provider-config FILE)."
    )


def sample_config(config_class: Any, distro_dir: Path, provider_type: str = "The provider") -> dict[str, Any]:
    """The config class's ``sample_run_config`` with a temp dir as the distro dir, else {}.

    A ``sample_run_config`` that raises or returns something other than a mapping is the
    provider's packaging defect, reported as one (``_sample_defect``), never a traceback.
    """
    sample = getattr(config_class, "sample_run_config", None)
    if sample is None:
        return {}
    # The server's distro dir exists; sample configs put files right in it (sqlite-vec's db).
    distro_dir.mkdir(parents=True, exist_ok=True)
    try:
        try:
            value = sample(__distro_dir__=str(distro_dir))
        except TypeError:
            value = sample()
    except Exception as exc:
        raise _sample_defect(
            config_class, provider_type,
            f"cannot be made: {_class_name(config_class)}.sample_run_config() raised {describe_exception(exc)}",
        ) from None
    if not isinstance(value, dict):
        raise _sample_defect(
            config_class, provider_type,
            f"is not a mapping: {_class_name(config_class)}.sample_run_config() returned a {type(value).__name__}",
        )
    return dict(value)


# Where a config's values came from decides who must act when they do not validate.
CONFIG_FROM_FILE = "file"  # --llama-provider-config: the person running the kit
CONFIG_FROM_SAMPLE = "sample"  # the provider's sample_run_config(): its maintainer
CONFIG_FROM_STACK = "stack-config"  # an entry of --llama-stack-config: the person running the kit
CONFIG_NONE = "none"  # no file, and no sample_run_config() to start from: the person running the kit


def signature_problems(config_class: Any, values: dict[str, Any]) -> list[str]:
    """Field-level problems of calling a dataclass or plain class with ``values``, read off its signature.

    A dataclass or plain class reports them as one ``TypeError`` (``__init__() got an
    unexpected keyword argument 'x'``) that names only the first; the signature names all.
    """
    try:
        params = inspect.signature(config_class).parameters
    except (TypeError, ValueError):
        return []
    named = {name: p for name, p in params.items()
             if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    problems = []
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        problems += [f"`{key}`: not a field of {_class_name(config_class)}" for key in values if key not in named]
    problems += [f"`{name}`: field required" for name, p in named.items()
                 if p.default is inspect.Parameter.empty and name not in values]
    return problems


def _remedy(origin: str, config_class: Any, provider_type: str, problems: str) -> KitUsageError:
    name = _class_name(config_class)
    if origin == CONFIG_FROM_SAMPLE:
        return _sample_defect(config_class, provider_type,
                              f"(from {name}.sample_run_config()) does not validate against {name}: {problems}")
    if origin == CONFIG_NONE:  # nothing of the provider's was used: it offers no sample to blame
        return KitUsageError(
            f"{provider_type} needs a config: {name} offers no sample_run_config() to start from, and an empty "
            f"config does not validate against it: {problems}. Give one with --llama-provider-config FILE."
        )
    where = "Fix its entry in --llama-stack-config" if origin == CONFIG_FROM_STACK else "Fix --llama-provider-config"
    return KitUsageError(
        f"The config for {provider_type} does not validate against {name}: {problems}. {where}."
    )


def validate_config(
    config_class: Any, values: dict[str, Any], provider_type: str, origin: str = CONFIG_FROM_FILE
) -> Any:
    """Build the config object as the server does, ``config_class(**values)``; problems name each field.

    A pydantic model reports its own field errors. A dataclass or plain class validates
    only by being called: its ``TypeError`` / ``ValueError`` (an unknown or missing field, a
    ``__post_init__`` check) is a config problem too, named per field where the signature
    tells which. ``origin`` (``CONFIG_FROM_*``) decides who is told to fix it.
    """
    try:
        return config_class(**values)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"`{'.'.join(str(p) for p in err['loc']) or '(root)'}`: {err['msg']}"
            for err in exc.errors()
        )
        raise _remedy(origin, config_class, provider_type, problems) from None
    except Exception as exc:
        named = signature_problems(config_class, values)
        detail = "; ".join(named) if named else f"`(root)`: {describe_exception(exc)}"
        if not isinstance(exc, TypeError | ValueError):
            detail = f"{_class_name(config_class)}(**config) raised {describe_exception(exc)}"
        raise _remedy(origin, config_class, provider_type, detail) from None


def _plain_object(obj: Any) -> bool:
    """An instance of a user's plain class (a config that is neither pydantic nor a dataclass)."""
    return (hasattr(obj, "__dict__") and not isinstance(obj, type | Enum | Path)
            and type(obj).__module__ != "builtins" and not callable(obj))


_CREDENTIAL_WORDS = frozenset({"apikey", "token", "secret", "password", "passwd", "passphrase", "credential",
                               "credentials", "authorization"})
_CREDENTIAL_PAIRS = frozenset({("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"),
                               ("auth", "key"), ("client", "secret")})
_MASKED_SECRET = "*" * 10  # pydantic's dump of a SecretStr


def _is_credential_name(key: str) -> bool:
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()) if w]
    return bool(_CREDENTIAL_WORDS & set(words)) or any(pair in _CREDENTIAL_PAIRS for pair in pairwise(words))


def credential_fields(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """``(field path, value)`` of string fields named like a credential in JSON-like config data."""
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and value != _MASKED_SECRET and _is_credential_name(str(key)):
                yield where, value
            else:
                yield from credential_fields(value, where)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from credential_fields(value, f"{path}[{index}]")


def config_secrets(config: Any) -> set[str]:
    """Every ``SecretStr`` value inside a validated config: pydantic, dataclass or plain object."""
    found: set[str] = set()
    seen: set[int] = set()

    def walk(obj: Any) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, pydantic.SecretStr | pydantic.SecretBytes):
            raw = obj.get_secret_value()
            found.add(raw.decode() if isinstance(raw, bytes) else raw)
        elif isinstance(obj, pydantic.BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name, None))
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for item in dataclasses.fields(obj):
                walk(getattr(obj, item.name, None))
        elif isinstance(obj, dict):
            for item in obj.values():
                walk(item)
        elif isinstance(obj, list | tuple | set):
            for item in obj:
                walk(item)
        elif _plain_object(obj):
            for item in vars(obj).values():
                walk(item)

    walk(config)
    # A plain `api_key: str` is as secret as a SecretStr one (ogx's wolfram_alpha config has one).
    # Short ones ("EMPTY", "fake") are placeholders, and would shred ordinary text.
    found |= {value for _path, value in credential_fields(config_as_data(config)) if len(value) >= 8}
    return {s for s in found if s}


def config_as_data(config: Any) -> dict[str, Any]:
    """The validated config as JSON data for the run header and the report (``SecretStr`` masked).

    Pydantic models dump themselves; dataclasses and plain objects go through pydantic's
    generic serializer, which masks ``SecretStr`` the same way. Env-derived secrets are
    the caller's ``Redactor``'s to replace.
    """
    try:
        if isinstance(config, pydantic.BaseModel):
            data = config.model_dump(mode="json")
        else:
            target = vars(config) if _plain_object(config) and not dataclasses.is_dataclass(config) else config
            data = pydantic_core.to_jsonable_python(target, fallback=repr)
    except Exception:
        return {}
    return data if isinstance(data, dict) else {}

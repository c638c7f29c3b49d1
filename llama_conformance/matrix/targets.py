"""``TARGETS.yaml``: the providers a matrix judges, each on the API generations it names, and its shards.

A target is one provider as a user would run it (type, the module or distribution that ships
it, config, manifest, environment variables, extra kit arguments) plus the API generations
(``ogx-api==1.5.0``) it is judged on. A *cell* is one target on one generation: the unit a
shard runs, a report describes and the matrix shows. Cells are ordered by (target, generation)
so ``--shard I/N`` gives every machine of a batch system the same disjoint slice without
coordination.

A target may need *services* (a PostgreSQL, an S3 server, an MCP server: the top-level
``services:`` section says how to run each on a free loopback port and what it exports to the
cells that use it); the matrix starts each one the selected cells need, once, before they run
(``matrix.services``).

Everything here is input from the user: each problem is said in one paragraph naming the file
and the target (``TargetsError``, exit 4), before any environment is built.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from llama_conformance.compat.versions import GENERATION_RANGES

# 2 adds `services:` (and a target's `services:`): a kit of schema 1 would refuse such a file by its
# unknown key, so the file says which kit can read it. This kit reads both.
SCHEMA_VERSION = "matrix-targets-2"
READABLE_SCHEMAS = ("matrix-targets-1", SCHEMA_VERSION)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FROM_ENVIRONMENT = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# Kit arguments a target may not set itself: the matrix decides them per cell.
_OWNED_ARGS = ("--llama-provider=", "--llama-provider-module=", "--llama-api-package=", "--llama-report=")
# Selections a certified matrix refuses: a certificate covers every check of the target's APIs.
SELECTION_ARGS = ("-k", "-m", "--deselect")
_KEYS = {"name", "provider", "module", "apis", "generations", "installs", "config", "manifest", "env", "args",
         "product", "timeout", "services", "stack_config"}
_SERVICE_KEYS = {"run", "installs", "ready", "timeout", "user", "exports"}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]*)\}")
# What a service's `run` may name: its port, a scratch directory of its own, and the interpreter of its
# venv (`installs:`), else the one running the matrix (which holds the kit's fixtures package).
RUN_PLACEHOLDERS = ("port", "workdir", "python")
EXPORT_PLACEHOLDERS = ("port", "workdir")
DEFAULT_SERVICE_TIMEOUT_S = 60.0


class TargetsError(ValueError):
    """The targets file cannot be used as written: one paragraph, exit 4."""


@dataclasses.dataclass(frozen=True)
class Generation:
    """One API package release a target is judged on: ``distribution==version``."""

    distribution: str
    version: str

    def __str__(self) -> str:
        return f"{self.distribution}=={self.version}"

    @property
    def slug(self) -> str:
        return f"{self.distribution}-{self.version}"


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    """A backing service as the targets file describes it: how to run it on a free loopback port, when it
    is ready, and the variables it gives the cells that use it."""

    name: str
    run: tuple[str, ...]
    installs: tuple[str, ...] = ()  # its own cached venv (first one pinned name==version); {python} runs there
    ready_http: str | None = None  # a path answering below 500; None: the port accepts connections
    timeout: float = DEFAULT_SERVICE_TIMEOUT_S
    unprivileged: bool = False  # run as `nobody` when the matrix runs as root (PostgreSQL refuses root)
    exports: tuple[tuple[str, str], ...] = ()

    def argv(self, port: int, workdir: Path, python: str) -> list[str]:
        values = {"port": str(port), "workdir": str(workdir), "python": python}
        return [_PLACEHOLDER.sub(lambda m: values[m.group(1)], arg) for arg in self.run]

    def exported(self, port: int, workdir: Path) -> dict[str, str]:
        values = {"port": str(port), "workdir": str(workdir)}
        return {name: _PLACEHOLDER.sub(lambda m: values[m.group(1)], value) for name, value in self.exports}


@dataclasses.dataclass(frozen=True)
class Target:
    """One provider as the matrix runs it; paths are absolute (resolved against the targets file)."""

    name: str
    provider: str
    generations: tuple[Generation, ...]
    module: str | None = None
    apis: tuple[str, ...] = ()
    installs: tuple[str, ...] = ()
    config: Path | None = None
    manifest: Path | None = None
    env: tuple[tuple[str, str], ...] = ()  # (name, value or ${VAR} read from the runner's environment)
    args: tuple[str, ...] = ()
    product: Path | None = None
    timeout: float | None = None
    services: tuple[str, ...] = ()  # names of the `services:` it needs, started by the matrix
    stack_config: Path | None = None  # a server run config giving the provider its real dependencies

    def kit_args(self) -> list[str]:
        """The kit arguments the target itself decides (the matrix adds provider, package and report)."""
        args = [f"--llama-api={api}" for api in self.apis]
        if self.config:
            args.append(f"--llama-provider-config={self.config}")
        if self.manifest:
            args.append(f"--llama-manifest={self.manifest}")
        if self.stack_config:
            args.append(f"--llama-stack-config={self.stack_config}")
        return [*args, *self.args]

    def installs_for(self, generation: Generation) -> tuple[str, ...]:
        """The installs of one cell: ``{version}`` is the generation's version, so one target follows a
        server across its lines (``ogx=={version}`` beside ``ogx-api==1.4.1`` is ogx 1.4.1)."""
        return tuple(i.replace("{version}", generation.version) for i in self.installs)

    def environment(self, exported: Mapping[str, str] | None = None) -> dict[str, str]:
        """The variables the kit run gets: what its services export, then its own ``env``, where ``${VAR}``
        is read from those exports or else from the runner's environment now (a secret lives there, never
        in the targets file); a missing one is the runner's problem, said before running."""
        provided = dict(exported or {})
        values: dict[str, str] = dict(provided)
        for name, value in self.env:
            found = _FROM_ENVIRONMENT.match(value)
            if found and found.group(1) in provided:
                value = provided[found.group(1)]
            elif found:
                if found.group(1) not in os.environ:
                    raise TargetsError(f"target {self.name!r} takes {name} from the environment variable "
                                       f"{found.group(1)}, which is not set here: set it (a secret belongs in the CI "
                                       "system's secret store), or leave the target out with --target.")
                value = os.environ[found.group(1)]
            values[name] = value
        return values


@dataclasses.dataclass(frozen=True)
class Cell:
    """One target on one generation: what a shard runs and a report describes."""

    target: Target
    generation: Generation

    @property
    def key(self) -> tuple[str, str]:
        return self.target.name, str(self.generation)

    @property
    def installs(self) -> tuple[str, ...]:
        return self.target.installs_for(self.generation)

    @property
    def report_dir(self) -> str:
        """Where its report lives under the matrix's ``reports/``: ``<target>/<distribution>-<version>``."""
        return f"{self.target.name}/{self.generation.slug}"


def parse_generation(text: str, where: str) -> Generation:
    distribution, sep, version = str(text).partition("==")
    distribution, version = distribution.strip(), version.strip()
    if not sep or distribution not in GENERATION_RANGES:
        raise TargetsError(f"{where}: generation {text!r} is not DISTRIBUTION==VERSION with a distribution the kit "
                           f"reads a contract from ({', '.join(GENERATION_RANGES)}), e.g. ogx-api==1.5.0.")
    try:
        Version(version)
    except InvalidVersion:
        raise TargetsError(f"{where}: {version!r} in {text!r} is not a version.") from None
    return Generation(distribution, version)


def load_targets(path: Path) -> list[Target]:
    """Every target of ``path``, checked; refuses the file as a whole on the first problem."""
    return load_targets_and_services(path)[0]


def load_targets_and_services(path: Path) -> tuple[list[Target], dict[str, ServiceSpec]]:
    """Every target of ``path`` and every service of its ``services:`` section, checked: the file is
    refused as a whole on the first problem, before anything is built or started."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TargetsError(f"cannot read the targets file {path}: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list) or not data["targets"]:
        raise TargetsError(f"{path} is not a targets file: it must be a mapping with a non-empty `targets:` list "
                           f"(and optionally `schema_version: {SCHEMA_VERSION}`); see docs/matrix.md.")
    unknown = sorted(k for k in data if k not in ("schema_version", "targets", "services")
                     and not str(k).startswith("x-"))
    if unknown:
        raise TargetsError(f"{path}: unknown top-level key(s) {', '.join(map(str, unknown))}; a targets file has "
                           "`schema_version`, `services`, `targets`, and `x-...` keys for YAML anchors shared by "
                           "targets.")
    schema = data.get("schema_version", SCHEMA_VERSION)
    if schema not in READABLE_SCHEMAS:
        raise TargetsError(f"{path} says schema_version {schema!r}; this kit reads {', '.join(READABLE_SCHEMAS)}.")
    if "services" in data and schema != SCHEMA_VERSION:
        raise TargetsError(f"{path} has a `services:` section but says schema_version {schema!r}: services came "
                           f"with {SCHEMA_VERSION}; say so, so that an older kit refuses the file by its version.")
    services = _services(data.get("services"), path)
    base = path.resolve().parent
    targets = [_target(entry, index, path, base) for index, entry in enumerate(data["targets"])]
    seen: set[str] = set()
    for target in targets:
        if target.name in seen:
            raise TargetsError(f"{path}: two targets are named {target.name!r}; a name identifies a row of the "
                               "matrix and a report folder, so each must be unique.")
        seen.add(target.name)
        missing = [s for s in target.services if s not in services]
        if missing:
            raise TargetsError(f"{path}, target {target.name!r}: `services` names {', '.join(missing)}, which the "
                               f"`services:` section does not define (it defines {', '.join(services) or 'none'}).")
    return targets, services


def _services(section: Any, path: Path) -> dict[str, ServiceSpec]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise TargetsError(f"{path}: `services:` must map service names to how each runs (run, ready, exports...); "
                           "see docs/matrix.md.")
    return {str(name): _service(name, entry, path) for name, entry in section.items()}


def _service(name: Any, entry: Any, path: Path) -> ServiceSpec:
    where = f"{path}, service {name!r}"
    if not isinstance(name, str) or not _NAME.match(name):
        raise TargetsError(f"{where}: a service name must be lower-case letters, digits, '.', '_' or '-' (it names "
                           "its log file).")
    if not isinstance(entry, dict):
        raise TargetsError(f"{where} is not a mapping (run, installs, ready, timeout, user, exports).")
    unknown = sorted(set(entry) - _SERVICE_KEYS)
    if unknown:
        raise TargetsError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; a service takes "
                           f"{', '.join(sorted(_SERVICE_KEYS))}.")
    run = _strings(entry, "run", where)
    if not run:
        raise TargetsError(f"{where}: `run` must be the command line that starts it, e.g. "
                           "[\"{python}\", -m, moto.server, -p, \"{port}\"].")
    _placeholders(run, RUN_PLACEHOLDERS, f"{where}: `run`")
    if "{port}" not in " ".join(run):
        raise TargetsError(f"{where}: `run` never says {{port}}: the matrix chooses a free loopback port for each "
                           "service, so the command must listen where it says.")
    installs = _strings(entry, "installs", where)
    if installs and not re.fullmatch(r"[A-Za-z0-9._\-\[\],]+==[^=\s]+", installs[0]):
        raise TargetsError(f"{where}: the first of `installs` must be pinned (name==version, e.g. "
                           f"chromadb==1.5.9): it names the service's cached venv; got {installs[0]!r}.")
    ready = entry.get("ready", "tcp")
    ready_http: str | None = None
    if isinstance(ready, dict) and set(ready) == {"http"} and isinstance(ready["http"], str) \
            and ready["http"].startswith("/"):
        ready_http = ready["http"]
    elif ready != "tcp":
        raise TargetsError(f"{where}: `ready` is `tcp` (the port accepts connections, the default) or "
                           "{http: /path} (GET answers below 500).")
    timeout = entry.get("timeout", DEFAULT_SERVICE_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise TargetsError(f"{where}: `timeout` must be a positive number of seconds (how long it may take to "
                           "get ready).")
    user = entry.get("user")
    if user not in (None, "unprivileged"):
        raise TargetsError(f"{where}: `user` can only be `unprivileged` (run as nobody when the matrix runs as "
                           "root); other accounts are the runner's business.")
    exports = entry.get("exports") or {}
    if not isinstance(exports, dict) or not all(isinstance(k, str) and _ENV_NAME.match(k) for k in exports) \
            or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in exports.values()):
        raise TargetsError(f"{where}: `exports` must map variable names to values, e.g. "
                           "{PGVECTOR_PORT: \"{port}\"}.")
    _placeholders([str(v) for v in exports.values()], EXPORT_PLACEHOLDERS, f"{where}: `exports`")
    return ServiceSpec(name=name, run=tuple(run), installs=tuple(installs), ready_http=ready_http,
                       timeout=float(timeout), unprivileged=user == "unprivileged",
                       exports=tuple((k, str(v)) for k, v in exports.items()))


def _placeholders(values: Sequence[str], allowed: Sequence[str], where: str) -> None:
    for value in values:
        for found in _PLACEHOLDER.findall(value):
            if found not in allowed:
                raise TargetsError(f"{where}: {{{found}}} in {value!r} is not a placeholder the matrix fills "
                                   f"({', '.join('{' + a + '}' for a in allowed)}).")


def _target(entry: Any, index: int, path: Path, base: Path) -> Target:
    where = f"{path}, target {index + 1}"
    if not isinstance(entry, dict):
        raise TargetsError(f"{where} is not a mapping (name, provider, generations, ...).")
    where = f"{path}, target {entry.get('name', index + 1)!r}"
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise TargetsError(f"{where}: unknown key(s) {', '.join(unknown)}; a target takes {', '.join(sorted(_KEYS))}.")
    name, provider = entry.get("name"), entry.get("provider")
    if not isinstance(name, str) or not _NAME.match(name):
        raise TargetsError(f"{where}: `name` must be lower-case letters, digits, '.', '_' or '-' (it names a folder).")
    if not isinstance(provider, str) or "::" not in provider:
        raise TargetsError(f"{where}: `provider` must be a provider type such as inline::localfs.")
    generations = entry.get("generations")
    if not isinstance(generations, list) or not generations:
        raise TargetsError(f"{where}: `generations` must list at least one API package release, e.g. "
                           "[ogx-api==1.5.0, ogx-api==1.4.1].")
    parsed = tuple(parse_generation(g, where) for g in generations)
    if len(set(parsed)) != len(parsed):
        raise TargetsError(f"{where}: a generation is listed twice.")
    args = tuple(_strings(entry, "args", where))
    for arg in args:
        if arg.startswith(_OWNED_ARGS):
            raise TargetsError(f"{where}: `args` may not set {arg.split('=')[0]}: the matrix sets it per cell.")
    env = entry.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(k, str) and _ENV_NAME.match(k) for k in env):
        raise TargetsError(f"{where}: `env` must map variable names to values (or ${{VAR}} to read one here).")
    timeout = entry.get("timeout")
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout <= 0):
        raise TargetsError(f"{where}: `timeout` must be a positive number of seconds.")
    services = _strings(entry, "services", where)
    if len(set(services)) != len(services):
        raise TargetsError(f"{where}: a service is listed twice in `services`.")
    return Target(name=name, provider=provider, generations=parsed, module=_optional(entry, "module", where),
                  apis=tuple(_strings(entry, "apis", where)), installs=_installs(entry, where),
                  config=_path(entry, "config", where, base), manifest=_path(entry, "manifest", where, base),
                  env=tuple((k, str(v)) for k, v in env.items()), args=args,
                  product=_path(entry, "product", where, base), timeout=float(timeout) if timeout else None,
                  services=tuple(services), stack_config=_path(entry, "stack_config", where, base))


def _optional(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise TargetsError(f"{where}: `{key}` must be a string.")
    return value


def _strings(entry: dict[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TargetsError(f"{where}: `{key}` must be a list of strings.")
    return value


def _installs(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    """A target's ``installs``: strings, where a list inside is spliced in (YAML cannot splice an anchor's
    list, so ``[*ogx, boto3]`` is how a target adds to a shared install set)."""
    raw = entry.get("installs") or []
    if not isinstance(raw, list):
        return tuple(_strings(entry, "installs", where))  # refuses it
    flat: list[Any] = []
    for item in raw:
        flat.extend(item if isinstance(item, list) else [item])
    return tuple(_strings({"installs": flat}, "installs", where))


def _path(entry: dict[str, Any], key: str, where: str, base: Path) -> Path | None:
    value = _optional(entry, key, where)
    if value is None:
        return None
    path = (base / value).resolve()
    if not path.is_file():
        raise TargetsError(f"{where}: `{key}` {value!r} is not a file (paths are relative to the targets file).")
    return path


def all_cells(targets: Sequence[Target]) -> list[Cell]:
    """Every cell, in the one order all shards agree on."""
    return sorted((Cell(t, g) for t in targets for g in t.generations), key=lambda c: c.key)


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` (1-based) -> (I, N)."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise TargetsError(f"--shard {text!r}: give I/N with 1 <= I <= N, e.g. --shard 2/8 for the second of eight.")
    return int(found.group(1)), int(found.group(2))


def shard(cells: Sequence[Cell], index: int, count: int) -> list[Cell]:
    """Shard ``index`` of ``count``: every ``count``-th cell from ``index - 1``, so one target's
    generations spread over machines and no shard holds only the slow targets."""
    return [cell for position, cell in enumerate(cells) if position % count == index - 1]


def select(cells: Sequence[Cell], targets: Sequence[str], generations: Sequence[str]) -> list[Cell]:
    """Only the named targets / generations (to rerun one cell: its README gives the command)."""
    known_targets = {c.target.name for c in cells}
    for name in targets:
        if name not in known_targets:
            raise TargetsError(f"--target {name!r} is not in the targets file "
                               f"(it has {', '.join(sorted(known_targets))}).")
    known_generations = {str(c.generation) for c in cells}
    for generation in generations:
        if generation not in known_generations:
            raise TargetsError(f"--generation {generation!r} is not listed by any target "
                               f"(listed: {', '.join(sorted(known_generations))}).")
    return [c for c in cells if (not targets or c.target.name in targets)
            and (not generations or str(c.generation) in generations)]

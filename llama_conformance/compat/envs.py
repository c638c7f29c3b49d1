"""One isolated, cached environment per API package version: the kit, that version, the provider.

Built with ``uv`` when it is on ``PATH`` (or beside the running interpreter), else with
``python -m venv`` and pip. An environment is keyed by everything that decides its contents
(the interpreter, the API distribution and version, the kit's version and source, the extra
requirements), so a second run reuses it and a changed input builds a new one. It is built
in a scratch directory and renamed into place only when every install succeeded: a cached
directory is always complete, and two runs racing for one key waste work, never break.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from llama_conformance.cache_folder import kit_cache_dir

KIT_DISTRIBUTION = "llama-conformance"
_MARKER = "compat-env.json"  # written last: its presence means the env is complete
_BUILD_TIMEOUT_S = 900


@dataclasses.dataclass(frozen=True)
class KitSource:
    """How to install the running kit: from its source directory (editable), else from the index."""

    version: str
    source_dir: str | None  # set for an editable / source install
    fingerprint: str  # version, plus the hash of pyproject.toml for a source install (its dependencies)
    wheel: str | None = None  # set for an install from a local wheel file (tox installs the kit so)

    @property
    def requirement(self) -> list[str]:
        if self.source_dir:
            return ["-e", self.source_dir]
        if self.wheel:  # a local build's version is on no index: the same wheel again
            return [self.wheel]
        return [f"{KIT_DISTRIBUTION}=={self.version}"]


def kit_path_problem(given: Path | None) -> str | None:
    """Why ``given`` (``--kit``) is not something an env can install the kit from, or None when it is:
    a source directory holding pyproject.toml, or a wheel file."""
    if given is None or (given / "pyproject.toml").is_file() or (given.suffix == ".whl" and given.is_file()):
        return None
    return (f"--kit {given}: neither a source directory holding pyproject.toml nor a wheel file. Give the kit's "
            "checkout or a built llama_conformance-*.whl.")


def running_kit(given: Path | None = None) -> KitSource:
    """The kit each env installs: ``given`` (``--kit``: a source directory or a wheel), else where the
    running kit came from. An editable install sees the working tree, so only its declared dependencies
    (pyproject.toml) decide whether a cached env is still right; a wheel is keyed by its hash."""
    dist = importlib.metadata.distribution(KIT_DISTRIBUTION)
    given = given.resolve() if given is not None else None
    source = str(given) if given is not None and given.is_dir() else None
    wheel = str(given) if given is not None and given.suffix == ".whl" else None
    if given is None:
        source = source_dir_of(dist)
        wheel = local_wheel_of(dist) if source is None else None
    fingerprint = dist.version
    if source:
        pyproject = Path(source) / "pyproject.toml"
        digest = hashlib.sha256(pyproject.read_bytes()).hexdigest()[:16] if pyproject.is_file() else "no-pyproject"
        fingerprint = f"{dist.version}+src.{digest}"
    elif wheel:
        fingerprint = f"{dist.version}+whl.{hashlib.sha256(Path(wheel).read_bytes()).hexdigest()[:16]}"
    return KitSource(version=dist.version, source_dir=source, fingerprint=fingerprint, wheel=wheel)


def _installed_from(dist: importlib.metadata.Distribution) -> Path | None:
    """The local path ``dist`` was installed from (PEP 610 ``direct_url.json``), if any."""
    try:
        data = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:
        return None
    if not isinstance(data, dict) or not str(data.get("url", "")).startswith("file://"):
        return None
    return Path(unquote(urlparse(data["url"]).path))


def source_dir_of(dist: importlib.metadata.Distribution) -> str | None:
    """The local directory ``dist`` was installed from, if any."""
    path = _installed_from(dist)
    return str(path) if path is not None and path.is_dir() else None


def local_wheel_of(dist: importlib.metadata.Distribution) -> str | None:
    """The local wheel file ``dist`` was installed from, if it is still there."""
    path = _installed_from(dist)
    return str(path) if path is not None and path.suffix == ".whl" and path.is_file() else None


@dataclasses.dataclass(frozen=True)
class EnvSpec:
    """Everything an environment's contents depend on; ``key`` names its cache directory."""

    python: str  # interpreter version and implementation, e.g. CPython-3.12.1
    distribution: str
    version: str
    kit: str  # KitSource.fingerprint
    installs: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        text = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def dirname(self) -> str:
        return f"{self.distribution}-{self.version}-{self.key}"


def python_tag() -> str:
    return f"{platform.python_implementation()}-{platform.python_version()}"


CACHE_HELP = ("env cache (default: compat/ in the kit's cache folder, $LLAMA_CONFORMANCE_CACHE or "
              "$XDG_CACHE_HOME/llama-conformance)")


def default_cache_dir() -> Path:
    return kit_cache_dir() / "compat"


@dataclasses.dataclass
class BuiltEnv:
    """A ready environment (``python`` set) or why it could not be built (``problem``)."""

    spec: EnvSpec
    path: Path
    seconds: float
    cached: bool
    problem: str | None = None

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def find_uv() -> str | None:
    """``uv`` beside the running interpreter (the venv or tox env the kit is installed in), else on PATH.

    The env's own first: a venv used without activating it leaves PATH to whatever else provides
    ``uv``, and a pyenv shim there fails for every Python but the one it was installed for ("pyenv: uv:
    command not found"), which reads as a package that cannot be installed."""
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("uv")


def requirements(spec: EnvSpec, kit: KitSource) -> list[str]:
    """What one env installs, in one resolver call so conflicts between them are found."""
    return [*kit.requirement, f"{spec.distribution}=={spec.version}", *spec.installs]


def ensure_env(spec: EnvSpec, kit: KitSource, cache: Path) -> BuiltEnv:
    """The cached env for ``spec``, built first if absent; never raises for an install failure."""
    cache = cache.resolve()  # the kit runs with another cwd: a relative interpreter path would not be found
    target = cache / spec.dirname
    if (target / _MARKER).is_file():
        return BuiltEnv(spec, target, 0.0, cached=True)
    cache.mkdir(parents=True, exist_ok=True)
    scratch = cache / f".{spec.dirname}.{os.getpid()}.{time.monotonic_ns()}"
    started = time.monotonic()
    problem = _build(scratch, spec, kit)
    seconds = time.monotonic() - started
    if problem:
        _keep_log(scratch, cache / f"{spec.dirname}.failed.log")
        shutil.rmtree(scratch, ignore_errors=True)
        return BuiltEnv(spec, target, seconds, cached=False, problem=problem)
    (scratch / _MARKER).write_text(json.dumps(dataclasses.asdict(spec), indent=2) + "\n")
    _relocate_scripts(scratch, target)
    try:
        scratch.rename(target)
    except OSError:  # another run built the same key meanwhile: keep theirs
        shutil.rmtree(scratch, ignore_errors=True)
    return BuiltEnv(spec, target, seconds, cached=False)


def _relocate_scripts(scratch: Path, target: Path) -> None:
    """Point the console scripts' shebangs at where the env will live: installers write the scratch
    directory's interpreter into them, and after the rename ``bin/<tool>`` would name a missing file."""
    old, new = f"#!{scratch}/bin/", f"#!{target}/bin/"
    for script in (scratch / "bin").iterdir():
        try:
            if not script.is_file() or script.is_symlink():
                continue
            with script.open("rb") as handle:
                if not handle.read(len(old)).startswith(old.encode()):
                    continue
            script.write_bytes(script.read_bytes().replace(old.encode(), new.encode(), 1))
        except OSError:
            continue


def _build(path: Path, spec: EnvSpec, kit: KitSource) -> str | None:
    """Create the venv at ``path`` and install into it; the problem in one paragraph, or None."""
    log = path.parent / f"{path.name}.log"
    uv = find_uv()
    wanted = requirements(spec, kit)
    if uv:
        steps = [[uv, "venv", "--quiet", "--python", sys.executable, str(path)],
                 [uv, "pip", "install", "--python", str(path / "bin" / "python"), *wanted]]
    else:
        steps = [[sys.executable, "-m", "venv", str(path)],
                 [str(path / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", *wanted]]
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    with log.open("w") as out:
        for step in steps:
            out.write(f"$ {' '.join(step)}\n")
            out.flush()
            try:
                done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, env=environ,
                                      timeout=_BUILD_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired:
                return f"installing took over {_BUILD_TIMEOUT_S} s (slow or unreachable package index)"
            except OSError as exc:
                return f"could not start {step[0]}: {exc}"
            if done.returncode != 0:
                return describe_install_failure(log.read_text(errors="replace"), spec, done.returncode)
    log.rename(path / "build.log")
    return None


def _keep_log(scratch: Path, keep: Path) -> None:
    log = scratch.parent / f"{scratch.name}.log"
    if log.is_file():
        log.replace(keep)


# A line with one of these says why; an installer's last line is often advice ("... at the same time.").
_TELLING = ("because", "error", "not found", "no such file")
# What a shell (or a pyenv shim) exits with when the command it was asked to run cannot be run at all.
_COULD_NOT_RUN = (126, 127)


def describe_install_failure(log: str, spec: EnvSpec, returncode: int | None = None) -> str:
    """Why the env could not be built and who must act: the API release missing from the index is
    for whoever chose the version; a resolver conflict between the provider's requirements and
    that release is the provider's declared range to fix (or the version to leave out)."""
    lines = [line.strip() for line in log.splitlines() if line.strip() and not line.startswith("$ ")]
    lowered = log.lower()
    detail = next((line for line in lines if any(word in line.lower() for word in _TELLING)),
                  lines[-1] if lines else "no output")[:400]
    wanted = f"{spec.distribution}=={spec.version}"
    if returncode in _COULD_NOT_RUN:  # the exit code says so: a build's own "command not found" is not this
        who = ("the installer itself could not run (nothing was resolved): whoever runs compat must make `uv` (or "
               "pip) work for this Python, e.g. install uv into the kit's environment")
    elif (f"no matching distribution found for {spec.distribution}" in lowered
            or (f"no version of {spec.distribution}" in lowered) or "yanked" in lowered):
        who = f"{wanted} cannot be installed from the index (missing or yanked): whoever runs compat should drop it"
    elif "conflict" in lowered or "resolutionimpossible" in lowered or "no solution found" in lowered \
            or "unsatisfiable" in lowered:
        who = (f"the requirements installed beside {wanted} conflict with it: the provider's maintainer declares "
               "which versions it supports (or whoever runs compat leaves this version out)")
    else:
        who = "whoever runs compat must check the package index and the --install requirements"
    return f"could not install {wanted}: {who}. Installer said: {detail}"

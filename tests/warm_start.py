"""``pytester.runpytest_subprocess`` (and ``python script.py``, ``run_python``) from a warm interpreter: a fork
of a process that has already imported pytest and the heavy third-party libraries every kit run needs.

Hundreds of the kit's tests run the kit in a fresh process, as an author does. Each such process
spent a third or more of its CPU importing the same libraries (pytest, pydantic, fastapi, starlette,
httpx, aiohttp, requests, jsonschema, yaml, openai and its types) before the kit did anything. Here
one launcher process per test worker imports them once and forks a child per run: the child is still
a process of its own (the provider's process-wide state and every module of the kit and its fixtures
are fresh in it), with the run's working directory, environment, argv and output files, as
``pytester.run`` would give it.

Loaded in advance, each because it reads nothing from the working directory or the environment at import
time and starts no thread (the launcher refuses to fork once a thread runs):
- pytest, pydantic, fastapi, starlette, httpx, aiohttp, requests, jsonschema, yaml, openai and its types
  (openai reads only its Azure settings, which no test sets);
- Hypothesis and the pytest plugins of Hypothesis and schemathesis, which every pytest process loads from
  their entry points (about 0.4 s of CPU per run on a quiet machine). The other entry points (xdist, anyio,
  platformdirs) cost little, and pytest would warn that each preloaded one "cannot be rewritten", a warning a
  fresh run does not print;
- both API packages (``ogx_api``, ``llama_stack_api``: 0.25-0.3 s of a run once fastapi is loaded), pydantic
  models only. Which one a run uses is still decided in the run. A run whose ``sys.path`` finds either
  somewhere else (a ``PYTHONPATH`` holding another version) gets both fresh, imported in its own order
  (``drop_shadowed_api_packages``);
- ogx-client, which the SDK judge of an HTTP run imports (about 1.5 s of CPU), and SQLAlchemy and
  cryptography, which a real server's provider imports through its storage layer.

The preloaded heap is frozen (``gc.freeze()``) before the first fork, as the kit freezes its own when its
tests start: no child's cyclic collection walks it, or writes to its pages (which a fork would copy). Only
cyclic garbage of the preloading stays until a child ends, where it was going.

Two things Hypothesis fixes on import are the exceptions: its default ``.hypothesis`` home, from the
working directory, which each child sets again from its own (``fresh_cwd_state``); and its "ci" settings
profile, chosen when the environment says CI, which a run that sets the CI variables differently from its
test worker would not get (no test does). Never the kit or its fixtures: they read the run's environment
(its cache folder, its isolation mode) and are the code under test. The launcher starts without
``PYTHONPATH``; each run's own is put on its ``sys.path``. A run whose environment changes what the
interpreter reads at start-up (``PYTHON*`` variables other than ``PYTHONPATH``) falls back to a plain
subprocess; so does every run when ``LLAMA_CONFORMANCE_TESTS_COLD=1``, to compare or to rule the launcher out.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

# The child's side: imports, then one fork per request line, each answered with its pid and its exit code.
_LAUNCHER = r"""
import json, os, runpy, sys, threading, traceback
sys.path.pop(0)  # -c puts the launcher's working directory first; each run gets its own
BASE_PATH = list(sys.path)  # started without PYTHONPATH: each run's own comes first (``child``)
API_PACKAGES = ("ogx_api", "llama_stack_api")
for name in ("pytest", "pydantic", "httpx", "yaml", "jsonschema", "fastapi", "starlette.applications", "anyio",
             "requests", "aiohttp", "openai", "openai.types.chat", "openai.types.responses",
             "openai.types.eval_create_params", "hypothesis", "_hypothesis_pytestplugin", "schemathesis.pytest.plugin",
             "asyncio", "pdb", *API_PACKAGES, "ogx_client", "ogx_client.api", "sqlalchemy", "sqlalchemy.ext.asyncio",
             "cryptography.x509"):
    try:
        __import__(name)
    except Exception:
        pass
import importlib.machinery
import pytest
if threading.active_count() != 1:  # a fork copies only the forking thread: a library's thread would be lost
    sys.exit(f"a preloaded library started a thread ({threading.enumerate()}): the launcher cannot fork safely")
import gc
gc.freeze()  # the preloaded heap: no child's collection walks it (or copies its pages to write gc headers)

def _where(path):
    return os.path.realpath(path) if path else None

def drop_shadowed_api_packages():
    # When the run's sys.path finds either API package somewhere else than where the launcher loaded it from (a
    # PYTHONPATH holding another version), both are dropped with their submodules: the run imports its own, in
    # the order it chooses, as a fresh process would.
    for name in API_PACKAGES:
        module = sys.modules.get(name)
        if module is None:
            continue
        spec = importlib.machinery.PathFinder.find_spec(name, sys.path)
        if spec is None or _where(spec.origin) != _where(getattr(module, "__file__", None)):
            for loaded in [key for key in sys.modules if key.split(".")[0] in API_PACKAGES]:
                del sys.modules[loaded]
            return

def fresh_cwd_state():
    # What a library fixed from the working directory on import, fixed again from the run's.
    configuration = sys.modules.get("hypothesis.configuration")
    if configuration is not None:  # the default .hypothesis home, taken from Path.cwd() at import
        from pathlib import Path
        setattr(configuration, "__hypothesis_home_directory_default", Path.cwd() / ".hypothesis")
        setattr(configuration, "__hypothesis_home_directory", None)  # and none chosen yet

def child(request):
    null = os.open(os.devnull, os.O_RDONLY)  # the output files first: a failure below is reported in them
    os.dup2(null, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
    sys.stdin = open(os.devnull)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # What ``python -m pytest`` started here would have on sys.path: the working directory, PYTHONPATH, the rest.
    # (``python script.py``: the script's directory instead of the working directory.)
    extra = [p for p in request["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
    script = request.get("script")
    sys.path[:] = [os.path.dirname(os.path.abspath(script)) if script else request["cwd"], *extra, *BASE_PATH]
    drop_shadowed_api_packages()
    fresh_cwd_state()
    if script:
        sys.argv = [script, *request["args"]]
        runpy.run_path(script, run_name="__main__")
    else:
        sys.argv = ["-m", *request["args"]]  # runpy puts pytest/__main__.py first, as ``python -m pytest`` does
        runpy.run_module("pytest", run_name="__main__", alter_sys=True)
    return 0

for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = child(request)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(int(code))
    print(json.dumps({"pid": pid}), flush=True)
    _, status, usage = os.wait4(pid, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime}), flush=True)
"""

# Read by the interpreter at start-up, so a forked child would not honour a change: such runs start cold.
_STARTUP_VARS = ("PYTHONHOME", "PYTHONSAFEPATH", "PYTHONHASHSEED", "PYTHONWARNINGS", "PYTHONDONTWRITEBYTECODE",
                 "PYTHONPYCACHEPREFIX", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "PYTHONOPTIMIZE", "PYTHONDEVMODE",
                 "PYTHONUTF8", "PYTHONIOENCODING", "PYTHONUNBUFFERED", "PYTHONSTARTUP", "PYTHONPLATLIBDIR",
                 "PYTHONINTMAXSTRDIGITS", "PYTHONTRACEMALLOC", "PYTHONFAULTHANDLER", "PYTHONEXECUTABLE", "VIRTUAL_ENV")


class _Launcher:
    """The warm process of this test worker, started on first use."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}
        self._buffer = b""

    def _start(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.env = dict(os.environ)
            self._buffer = b""
            # Without PYTHONPATH: a test that set one when this launcher started would otherwise lend its path (and
            # the packages preloaded from it) to every later run of this worker. Each run's own is applied in the run.
            launcher_env = {k: v for k, v in self.env.items() if k != "PYTHONPATH"}
            # Started from this directory, which outlives every test's temporary one (each run sets its own).
            self.process = subprocess.Popen([sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, env=launcher_env, bufsize=0,
                                            cwd=Path(__file__).parent)
            atexit.register(self.close)
        return self.process

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)

    def accepts(self, env: Mapping[str, str]) -> bool:
        if os.environ.get("LLAMA_CONFORMANCE_TESTS_COLD") == "1" or not hasattr(os, "fork"):
            return False
        reference = self.env if self.process is not None and self.process.poll() is None else os.environ
        return all(env.get(name) == reference.get(name) for name in _STARTUP_VARS)

    def _answer(self, process: subprocess.Popen[bytes], deadline: float | None) -> dict[str, float] | None:
        """The launcher's next line, or None when ``deadline`` passed first."""
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not selector.select(wait):
                    return None
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    raise RuntimeError("the warm pytest launcher exited")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, float] = json.loads(line)
        return answer

    def run(self, args: list[str], cwd: Path, env: Mapping[str, str], stdout: Path, stderr: Path,
            timeout: float | None, script: Path | None = None) -> int | None:
        """The exit code of ``python -m pytest args`` (of ``python script args`` when ``script`` is given; negative:
        the signal that ended it), or None when it outlived ``timeout``."""
        process = self._start()
        assert process.stdin is not None
        request = {"args": args, "cwd": str(cwd), "env": dict(env), "stdout": str(stdout), "stderr": str(stderr),
                   "script": str(script) if script else None}
        process.stdin.write((json.dumps(request) + "\n").encode())
        deadline = None if timeout is None else time.monotonic() + timeout
        started = self._answer(process, None)
        assert started is not None
        done = self._answer(process, deadline)
        timed_out = done is None
        if timed_out:
            with contextlib.suppress(ProcessLookupError):  # it ended and was reaped just now: its answer follows
                os.kill(int(started["pid"]), signal.SIGKILL)
            done = self._answer(process, None)
        assert done is not None
        KIT_RUNS.append(done["cpu"])
        return None if timed_out else int(done["code"])


_LAUNCHER_OF_THIS_WORKER = _Launcher()
# CPU seconds of each forked run since the CPU ledger last took them (tests/cpu_ledger.py).
KIT_RUNS: list[float] = []


def runpytest_subprocess(pytester: pytest.Pytester, *args: str | os.PathLike[str],
                         timeout: float | None = None) -> pytest.RunResult:
    """``pytester.runpytest_subprocess`` (same arguments, ``--basetemp``, environment, output files and
    RunResult), forked from the warm launcher; a plain subprocess when the launcher cannot stand in."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH", "")]))
    if pytester.plugins or not _LAUNCHER_OF_THIS_WORKER.accepts(env):
        return pytest.Pytester.runpytest_subprocess(pytester, *args, timeout=timeout)
    from _pytest.pathlib import make_numbered_dir

    basetemp = make_numbered_dir(root=pytester.path, prefix="runpytest-", mode=0o700)
    argv = [f"--basetemp={basetemp}", *(os.fspath(arg) for arg in args)]
    out, err = pytester.path / "stdout", pytester.path / "stderr"
    print("running (warm):", sys.executable, "-mpytest", *argv)
    print("     in:", Path.cwd())
    started = time.perf_counter()
    code = _LAUNCHER_OF_THIS_WORKER.run(argv, Path.cwd(), env, out, err, timeout)
    if code is None:
        raise pytester.TimeoutExpired(f"{timeout} second timeout expired running: {argv}")
    lines, errors = out.read_text(encoding="utf8").splitlines(), err.read_text(encoding="utf8").splitlines()
    for line in lines:
        print(line)
    for line in errors:
        print(line, file=sys.stderr)
    ret: int | pytest.ExitCode = code
    with contextlib.suppress(ValueError):
        ret = pytest.ExitCode(code)
    return pytest.RunResult(ret, lines, errors, time.perf_counter() - started)


def run_python(script: Path, args: list[str], cwd: Path, env: Mapping[str, str],
               timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([sys.executable, script, *args], cwd=cwd, env=env, capture_output=True, text=True,
    timeout=timeout)``, forked from the warm launcher when it can stand in: ``script`` runs as ``__main__`` in a
    process of its own, its directory first on ``sys.path``, with stdin from /dev/null, and its output goes
    through ``<script stem>.stdout`` / ``.stderr`` in ``cwd``. A timeout raises ``subprocess.TimeoutExpired``."""
    if not _LAUNCHER_OF_THIS_WORKER.accepts(env):
        return subprocess.run([sys.executable, str(script), *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
    out, err = cwd / f"{script.stem}.stdout", cwd / f"{script.stem}.stderr"
    code = _LAUNCHER_OF_THIS_WORKER.run(args, cwd, env, out, err, timeout, script=script)
    if code is None:
        raise subprocess.TimeoutExpired([sys.executable, str(script), *args], timeout or 0)
    return subprocess.CompletedProcess([sys.executable, str(script), *args], code,
                                       out.read_text(encoding="utf8"), err.read_text(encoding="utf8"))

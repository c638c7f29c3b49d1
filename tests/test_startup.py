"""What a run skips to start fast (issue 18) without changing what it checks.

* the route maps are read from a cache file named by the API package, its version and the kit,
  equal to the maps built from the routers, rebuilt when any of those changes, and a cache
  that cannot be written is not used;
* the packaged suite modules of APIs the run does not check are not imported, and only those:
  API-neutral modules, modules that mark tests one by one, and paths the user gave are collected;
* a structural run does not import jsonschema (schemathesis's pytest plugin left out, as
  ``llama-conformance run`` does): it words a failed value, and none failed;
* the isolation worker has its scheduler's plugins, forked or fresh (``tests/test_worker_fork.py``: forked);
* the set-up heap is built with the cyclic collector held back, and the tests run with its usual thresholds;
* the set-up heap is frozen before the tests, in an isolated run's scheduler too (it never collects);
* the engine and the bundled providers load with the standard loader, not pytest's assertion rewriter (whose
  cached code loads about 7 times slower), in the scheduler and in a forked worker; the suites stay rewritten.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from llama_conformance.cache_folder import CACHE_ENV
from llama_conformance.contract import disk_cache, load_contract
from llama_conformance.contract import routes as routes_module
from llama_conformance.pytest_plugin.collection import ignore_unselected, suites_dir
from llama_conformance.pytest_plugin.session import KIT_SESSION

CONTRACT = load_contract("ogx_api")
KEY = tuple((api, tuple(m.name for m in surface.members), tuple(m.name for m in surface.members if m.streaming))
            for api, surface in CONTRACT.surfaces.items())


def _fresh_map(cache: Path, monkeypatch: pytest.MonkeyPatch) -> routes_module.RouteMap:
    monkeypatch.setenv("LLAMA_CONFORMANCE_CACHE", str(cache))
    return routes_module.route_map(CONTRACT.package, lambda: KEY)  # past the contract's memo


def test_a_cached_route_map_equals_the_one_built_from_the_routers(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    built = routes_module._build_route_map(CONTRACT.package, KEY)
    first = _fresh_map(tmp_path, monkeypatch)
    assert [p.name.split("-routes-")[0] for p in tmp_path.glob("*.json")] == [f"ogx-api-{CONTRACT.package.version}"]

    def no_routers(*_: object) -> routes_module.RouteMap:
        raise AssertionError("the cached map must be read, not rebuilt")

    monkeypatch.setattr(routes_module, "_build_route_map", no_routers)
    second = _fresh_map(tmp_path, monkeypatch)
    assert first.by_member == second.by_member == built.by_member and built.by_member
    assert first.problems == second.problems == built.problems


def test_another_kit_rebuilds_the_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another kit version, or an edited module of an editable checkout: another ``kit_stamp``, another file."""
    _fresh_map(tmp_path, monkeypatch)
    assert disk_cache.kit_stamp.__wrapped__() == disk_cache.kit_stamp()  # the stamp of an unchanged kit is stable
    monkeypatch.setattr(disk_cache, "kit_stamp", lambda: "another kit")
    _fresh_map(tmp_path, monkeypatch)
    assert len(list(tmp_path.glob("*-routes-*.json"))) == 2


def test_an_unwritable_cache_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    routes = _fresh_map(blocker / "cache", monkeypatch)
    assert routes.by_member == routes_module._build_route_map(CONTRACT.package, KEY).by_member
    monkeypatch.setenv("LLAMA_CONFORMANCE_CACHE", str(blocker / "cache"))
    assert routes_module.package_routes.__wrapped__(CONTRACT.package) == \
        frozenset(routes_module._package_routes(CONTRACT.package))


def test_the_cache_folder_is_absolute_and_never_one_another_user_can_write(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """compat runs the interpreters it finds under the cache folder, so with no home to put it in, the kit takes a
    folder of this user's own in the temporary folder, and a fresh private one when that name is not safe."""
    import stat

    from llama_conformance import cache_folder

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv(CACHE_ENV, "~/kit")
    assert cache_folder.kit_cache_dir() == tmp_path / "home" / "kit"  # compat runs the kit from other folders
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CACHE_ENV, "relative")
    assert cache_folder.kit_cache_dir() == tmp_path / "relative"

    def no_home(cls: type) -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(no_home))
    monkeypatch.setattr(cache_folder.tempfile, "tempdir", str(tmp_path))
    own = cache_folder.kit_cache_dir()
    assert own == tmp_path / f"llama-conformance-{os.getuid()}" and stat.S_IMODE(own.stat().st_mode) == 0o700
    assert cache_folder.kit_cache_dir() == own  # the same folder next time: it stays warm
    own.chmod(0o777)  # as if another user had made it, writable by all
    cache_folder.private_folder.cache_clear()  # another test may have made this process's already
    private = cache_folder.kit_cache_dir()
    assert private != own and private.parent == tmp_path and stat.S_IMODE(private.stat().st_mode) == 0o700
    assert cache_folder.kit_cache_dir() == private  # one folder for the whole run, not one per lookup


@pytest.fixture
def files_run(pytester: pytest.Pytester) -> pytest.Config:
    """A config whose kit session checks the files API, its paths chosen by the kit."""
    config = pytester.parseconfig()
    config.args_source = pytest.Config.ArgsSource.INVOCATION_DIR
    config.stash[KIT_SESSION] = SimpleNamespace(apis=["files"])  # type: ignore[assignment]
    return config


def test_another_apis_suite_module_is_not_imported(files_run: pytest.Config) -> None:
    assert ignore_unselected(suites_dir() / "inference" / "test_inference.py", files_run) is True
    assert ignore_unselected(suites_dir() / "benchmarks" / "test_benchmarks.py", files_run) is True  # api("eval")


def test_the_runs_own_and_api_neutral_modules_are_collected(files_run: pytest.Config) -> None:
    assert ignore_unselected(suites_dir() / "files" / "test_files.py", files_run) is None
    assert ignore_unselected(suites_dir() / "stress" / "test_stress_files.py", files_run) is None
    for neutral in ("structural", "negative", "tenancy", "http"):  # no module mark, or marks per test
        for module in (suites_dir() / neutral).glob("test_*.py"):
            assert ignore_unselected(module, files_run) is None, module


def test_paths_the_user_gave_are_collected_as_given(files_run: pytest.Config) -> None:
    files_run.args_source = pytest.Config.ArgsSource.ARGS
    assert ignore_unselected(suites_dir() / "inference" / "test_inference.py", files_run) is None



def test_a_module_whose_marks_cannot_match_the_runs_m_is_not_imported(files_run: pytest.Config) -> None:
    files_run.option.markexpr = "fuzz"
    assert ignore_unselected(suites_dir() / "files" / "test_files.py", files_run) is True
    assert ignore_unselected(suites_dir() / "structural" / "test_structure.py", files_run) is True
    assert ignore_unselected(suites_dir() / "http" / "test_openapi_fuzz.py", files_run) is None
    files_run.option.markexpr = "not fuzz"
    assert ignore_unselected(suites_dir() / "http" / "test_openapi_fuzz.py", files_run) is True
    assert ignore_unselected(suites_dir() / "files" / "test_files.py", files_run) is None


def test_a_wing_folder_is_not_walked_when_none_of_its_modules_is_kept(files_run: pytest.Config) -> None:
    """A folder goes with its modules: all pruned, the folder is; one kept, it is walked (and judged per module)."""
    assert ignore_unselected(suites_dir() / "inference", files_run) is True  # another API's modules only
    assert ignore_unselected(suites_dir() / "files", files_run) is None
    assert ignore_unselected(suites_dir() / "stress", files_run) is None  # test_stress_files.py is the run's
    files_run.option.markexpr = "structural"
    assert ignore_unselected(suites_dir() / "files", files_run) is True
    assert ignore_unselected(suites_dir() / "structural", files_run) is None
    files_run.option.markexpr = "fuzz"
    assert ignore_unselected(suites_dir() / "http", files_run) is None
    assert ignore_unselected(suites_dir() / "__pycache__", files_run) is None  # no module: pytest's own rules
    files_run.args_source = pytest.Config.ArgsSource.ARGS
    assert ignore_unselected(suites_dir() / "inference", files_run) is None  # paths the user gave: as given


@pytest.mark.parametrize("markexpr", ["structural", "fuzz", "negative", "behavioral and not negative",
                                      "not behavioral", "stateful or http", "api", "no-such-mark"])
def test_pruning_by_marks_collects_exactly_what_m_selects(pytester: pytest.Pytester, markexpr: str) -> None:
    """The same tests with the kit's pruning and without it (the suites given as a path, collected as given):
    a mark a test adds to its module's (``@pytest.mark.negative`` in a behavioural module) keeps its module."""
    def collected(*paths: str) -> list[str]:
        result = pytester.runpytest_inprocess("--llama-provider=inline::kit-files", "--llama-isolation=off",
                                              "-m", markexpr, "--collect-only", "-q", *paths)
        return sorted(line.split("/suites/", 1)[-1].split("suites/", 1)[-1] for line in result.outlines
                      if "::" in line)

    pruned, given = collected(), collected(str(suites_dir()))
    assert pruned == given, (markexpr, set(pruned) ^ set(given))
    assert bool(pruned) is (markexpr not in ("no-such-mark", "fuzz")), markexpr  # the fuzzer needs HTTP


def test_the_packaged_suites_add_no_mark_at_run_time() -> None:
    """What pruning by marks rests on: a test's marks are all written in its module's text."""
    import re

    assert not list(suites_dir().rglob("conftest.py"))
    for module in suites_dir().rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "add_marker" not in text and "getattr(pytest.mark" not in text, module
        if not module.name.startswith("test_"):  # a mark made in a helper would not be in the test module's text
            assert not re.search(r"\bmark\.\w", text), module


def test_what_pruning_by_marks_cannot_know_is_left_to_m() -> None:
    """A mark the kit does not register may be added to its tests by another plugin or the user's conftest; a
    module that assigns ``pytestmark`` twice may drop the first line's marks; either is collected and left to -m."""
    from llama_conformance.pytest_plugin.collection import marks_cannot_match

    text = 'pytestmark = [pytest.mark.behavioral, pytest.mark.api("files")]\n'
    assert marks_cannot_match(text, 'pytest.mark.behavioral, pytest.mark.api("files")', "fuzz")
    assert not marks_cannot_match(text, 'pytest.mark.behavioral, pytest.mark.api("files")', "slow or fuzz")
    assert marks_cannot_match(text, 'pytest.mark.behavioral, pytest.mark.api("files")', "not behavioral")
    twice = text + "pytestmark = [pytest.mark.structural]\n"
    assert not marks_cannot_match(twice, 'pytest.mark.behavioral, pytest.mark.api("files")', "structural")


def test_a_structural_run_does_not_import_jsonschema(tmp_path: Path) -> None:
    """jsonschema (with its format checkers, about 50 ms) words a value that failed: a run where nothing fails
    and nothing else needs it (schemathesis's pytest plugin left out, as ``llama-conformance run`` does) never
    imports it. A fresh interpreter: the tests' warm launcher has it loaded."""
    code = ("import sys, pytest\n"
            "code = pytest.main(['--llama-provider=inline::kit-files', '-m', 'structural', '--llama-isolation=off',\n"
            "                    '-q', '-p', 'no:schemathesis', '-p', 'no:cacheprovider'])\n"
            "print('RESULT', int(code), 'jsonschema' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=180,
                          check=False, env={**{k: v for k, v in os.environ.items() if k != CACHE_ENV},
                                                  "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert "RESULT 0 False" in done.stdout, done.stdout + done.stderr


WORKER_PLUGINS = """
import os
from pathlib import Path


def pytest_configure(config):
    who = f"worker-{os.getpid()}" if hasattr(config, "workerinput") else "scheduler"
    Path(f"{who}.txt").write_text(str(config.pluginmanager.has_plugin("schemathesis")))
"""


@pytest.mark.parametrize("start", ["fork", "fresh"])
@pytest.mark.parametrize("plugin", ["loaded", "left-out"])
def test_the_worker_has_the_plugins_of_its_scheduler(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                      plugin: str, start: str) -> None:
    """A forked worker inherits what its scheduler imported, so a fresh one (the fallback) loads the same
    entry points: schemathesis's plugin changes Hypothesis for the whole process when it loads, and the
    same seed must draw the same examples whichever way the worker started."""
    from llama_conformance.isolation.zygote import START_ENV

    monkeypatch.setenv(START_ENV, start)
    pytester.makeconftest(WORKER_PLUGINS)
    left_out = ["-p", "no:schemathesis"] if plugin == "left-out" else []
    result = pytester.runpytest_subprocess("--llama-provider=inline::kit-files", "--llama-isolation=process",
                                           "-m", "structural", "-p", "no:asyncio", *left_out)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    expected = str(plugin == "loaded")
    assert (pytester.path / "scheduler.txt").read_text() == expected
    assert [path.read_text() for path in pytester.path.glob("worker-*.txt")] == [expected]


GC_THRESHOLDS = """
import gc
from pathlib import Path


class Thresholds:  # registered as a plugin: a conftest's own per-test hooks cover only its folder
    def pytest_collection_finish(self, session):
        Path("setup.txt").write_text(repr(gc.get_threshold()))

    def pytest_runtest_call(self, item):
        Path("tests.txt").write_text(repr(gc.get_threshold()))


def pytest_configure(config):
    config.pluginmanager.register(Thresholds())
"""


def test_the_collector_is_held_back_during_set_up_only(pytester: pytest.Pytester) -> None:
    import gc

    from llama_conformance.pytest_plugin.heap import SETUP_THRESHOLDS

    pytester.makeconftest(GC_THRESHOLDS)
    result = pytester.runpytest_subprocess("--llama-provider=inline::kit-files", "--llama-isolation=off",
                                           "-m", "structural", "-p", "no:asyncio")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert (pytester.path / "setup.txt").read_text() == repr(SETUP_THRESHOLDS)
    assert (pytester.path / "tests.txt").read_text() == repr(gc.get_threshold())


def test_a_run_that_stops_before_its_tests_leaves_the_thresholds_as_it_found_them(pytester: pytest.Pytester) -> None:
    import gc

    before = gc.get_threshold()
    result = pytester.runpytest_inprocess("--llama-provider=inline::no-such-provider", "-p", "no:asyncio")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    assert gc.get_threshold() == before


def test_thresholds_a_conftest_sets_during_set_up_are_kept(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(GC_THRESHOLDS + "\n\ndef pytest_sessionstart(session):\n    gc.set_threshold(1234, 5, 6)\n")
    result = pytester.runpytest_subprocess("--llama-provider=inline::kit-files", "--llama-isolation=off",
                                           "-m", "structural", "-p", "no:asyncio")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert (pytester.path / "tests.txt").read_text() == repr((1234, 5, 6))


SETUP_HEAP = """
import gc, os
from pathlib import Path


class Probe:  # registered as a plugin: a conftest's own per-test hooks cover only its folder
    def __init__(self, config):
        self.config, self.done = config, False

    def pytest_runtest_logstart(self, nodeid, location):  # the scheduler hears of each test too
        if self.done:
            return
        self.done = True
        # made by this process's own pytest before its tests (in a forked worker too: after the fork);
        # gc.get_objects() leaves out the permanent generation, where a frozen object is
        made = self.config.__dict__
        who = f"worker-{os.getpid()}" if hasattr(self.config, "workerinput") else "scheduler"
        state = "walked" if any(o is made for o in gc.get_objects()) else "frozen"
        Path(f"{who}.txt").write_text(state if gc.is_tracked(made) else "untracked")


def pytest_configure(config):
    config.pluginmanager.register(Probe(config))
"""


@pytest.mark.parametrize("isolation", ["process", "off"])
def test_the_set_up_heap_is_frozen_before_the_tests(pytester: pytest.Pytester, isolation: str) -> None:
    """Every full collection after set-up (pytest's own at unconfigure, twice) walks only what the tests made.
    An isolated run's scheduler imports the API package, the provider and the suites too, but never collects:
    unfrozen, its collections took 0.3 s of CPU per run."""
    pytester.makeconftest(SETUP_HEAP)
    result = pytester.runpytest_subprocess("--llama-provider=inline::kit-files", f"--llama-isolation={isolation}",
                                           "-m", "structural", "-p", "no:asyncio")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    found = {path.stem.split("-")[0]: path.read_text() for path in pytester.path.glob("*.txt")}
    assert found == ({"scheduler": "frozen", "worker": "frozen"} if isolation == "process" else {"scheduler": "frozen"})


LOADERS = """
import importlib, json, os, sys
from pathlib import Path

LATE = "llama_conformance.matrix"  # not imported by a structural run: imported here, after any fork


def kind(name):
    loader = type(getattr(sys.modules[name], "__loader__", None)).__name__
    return {"AssertionRewritingHook": "rewritten", "SourceFileLoader": "plain"}.get(loader, loader)


class Probe:  # registered as a plugin: a conftest's own per-test hooks cover only its folder
    def __init__(self, config):
        self.config, self.done = config, False

    def pytest_runtest_logstart(self, nodeid, location):
        if self.done:
            return
        self.done = True
        assert LATE not in sys.modules
        importlib.import_module(LATE)
        found = {name: kind(name) for name in ("llama_conformance.checks", LATE,
                                               "llama_conformance_fixtures.reference.files")}
        root = os.path.dirname(importlib.import_module("llama_conformance_suites").__file__) + os.sep
        suites = [name for name, module in list(sys.modules.items())  # by file: an editable install names them so
                  if (getattr(module, "__file__", None) or "").startswith(root)
                  and os.path.basename(module.__file__).startswith("test_")]
        found["suites"] = sorted({kind(name) for name in suites})
        hooks = [f for f in sys.meta_path if type(f).__name__ == "AssertionRewritingHook"]
        found["marked"] = any("llama_conformance" in getattr(hook, "_must_rewrite", ()) for hook in hooks)
        found["forked"] = getattr(sys.modules.get("llama_conformance.isolation.zygote"), "forked_worker", False)
        who = f"worker-{os.getpid()}" if hasattr(self.config, "workerinput") else "scheduler"
        Path(f"{who}.txt").write_text(json.dumps(found))


def pytest_configure(config):
    config.pluginmanager.register(Probe(config))
"""


@pytest.mark.parametrize("isolation", ["process", "off"])
def test_the_engine_loads_as_a_library_and_the_suites_stay_rewritten(pytester: pytest.Pytester,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     isolation: str) -> None:
    """pytest marks every package of a ``pytest11`` distribution for assertion rewriting, and loads rewritten
    code with ``marshal.load`` on a file (a Python call per object read). The engine and the bundled providers
    assert nothing a user reads, so they load as any library does; the top-level package stays with pytest's
    hook, or pytest would warn that it was imported before it could be rewritten. The suites' assertions are
    the findings' words: rewritten. In a forked worker, whose pytest puts a new hook first, too.
    (pytest marks the kit from its installed files, or an editable install's package when the checkout is on
    ``sys.path``: this proves itself where the kit is installed as a wheel, as in CI, and is skipped elsewhere.)"""
    from llama_conformance.isolation.zygote import START_ENV

    monkeypatch.setenv(START_ENV, "fork")
    pytester.makeconftest(LOADERS)
    result = pytester.runpytest_subprocess("--llama-provider=inline::kit-files", f"--llama-isolation={isolation}",
                                           "-m", "structural", "-p", "no:asyncio", "-rw")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    found = {path.stem.split("-")[0]: json.loads(path.read_text()) for path in pytester.path.glob("*.txt")}
    if not found["scheduler"]["marked"]:
        pytest.skip("pytest does not mark the kit for rewriting here (an editable install run outside its checkout)")
    expected = {"marked": True, "llama_conformance.checks": "plain",
                "llama_conformance.matrix": "plain", "llama_conformance_fixtures.reference.files": "plain",
                "suites": ["rewritten"]}
    # an isolated run's scheduler imports the engine and the provider, never a suite's tests; its worker is forked
    assert found == ({"worker": {**expected, "forked": True}, "scheduler": {**expected, "suites": [], "forked": False}}
                     if isolation == "process" else {"scheduler": {**expected, "forked": False}})
    assert "cannot be rewritten; llama_conformance" not in result.stdout.str() + result.stderr.str()


def test_a_plugin_named_by_its_module_stays_rewritten_and_a_forked_worker_does_not_warn(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """``-p llama_conformance.plugin`` (entry points off) has pytest mark that module for rewriting by name. Loaded
    plainly in the scheduler, the forked worker's new pytest would mark it again, find it imported by another
    loader and warn, an error that loses every worker under ``-W error``: a name pytest asked for stays its own."""
    from llama_conformance.isolation.zygote import START_ENV

    monkeypatch.setenv(START_ENV, "fork")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "xdist", "-p", "llama_conformance.plugin",
                                           "--llama-provider=inline::kit-files", "--llama-isolation=process",
                                           "-m", "structural", "-W", "error::pytest.PytestAssertRewriteWarning")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str() + result.stderr.str()
    assert "cannot be rewritten" not in result.stdout.str() + result.stderr.str()


def test_an_editable_api_package_is_stamped_by_its_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's checkout of the API package keeps its version while its routes change: its cached route maps
    and documents are named by its modules too, so an edit is a miss. An installed distribution is not stamped."""
    from llama_conformance.contract.packages import ApiPackage

    assert disk_cache.package_stamp(CONTRACT.package) == ""
    (tmp_path / "devapi").mkdir()
    (tmp_path / "devapi" / "__init__.py").write_text("ROUTES = 1\n")
    info = tmp_path / "devapi-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: devapi\nVersion: 1.0\n")
    (info / "direct_url.json").write_text('{"url": "file:///src/devapi", "dir_info": {"editable": true}}')
    monkeypatch.syspath_prepend(str(tmp_path))
    package = ApiPackage(name="devapi", distribution="devapi", version="1.0")
    first = disk_cache._package_stamp.__wrapped__(package.name, package.distribution)
    (tmp_path / "devapi" / "__init__.py").write_text("ROUTES = 22\n")
    assert first and disk_cache._package_stamp.__wrapped__(package.name, package.distribution) not in ("", first)


def test_the_suites_root_pytest_puts_first_goes_back_behind_pythonpath() -> None:
    """``collection.restore_path_order``: the front entry pytest's ``prepend`` import mode adds for the packaged
    suites goes when it repeats a later entry (site-packages, for an installed kit); an entry found nowhere else
    (an editable kit's checkout) stays."""
    from llama_conformance.pytest_plugin.collection import restore_path_order, suites_dir

    root = str(suites_dir().parent)
    path = [root, root, "/elsewhere", "/user/pythonpath", root, "/other"]
    restore_path_order(path)
    assert path == ["/elsewhere", "/user/pythonpath", root, "/other"]
    alone = [root, "/user/pythonpath"]
    restore_path_order(alone)
    assert alone == [root, "/user/pythonpath"]

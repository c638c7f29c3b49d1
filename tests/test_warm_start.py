"""The warm launcher (tests/warm_start.py) stands in for ``pytester.runpytest_subprocess`` exactly: same
exit code, output streams, working directory, environment and import path; a timeout still kills the
run; a run whose environment the interpreter reads at start-up is started cold. Every kit test that runs
the kit in a fresh process relies on it, so a difference would show up as a wrong verdict elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import warm_start
from tests_support import requires

PROBE = """
import os, sys

def test_probe():
    import probe_helper  # beside this file: on the run's import path, as in a fresh `python -m pytest`
    assert probe_helper.VALUE == 42
    assert os.environ["WARM_PROBE"] == "set by the test"
    assert os.getcwd() == os.environ["EXPECT_CWD"]
    assert "warm_start" not in sys.modules  # the test process's modules never reach the run
    # Hypothesis (loaded by the launcher) fixed its default home from the launcher's directory on
    # import: in the run it must be the run's own, as in a fresh process.
    from hypothesis.configuration import storage_directory
    assert str(storage_directory(intent_to_write=False).path) == os.path.join(os.getcwd(), ".hypothesis")
"""


def _cold(pytester: pytest.Pytester, *args: str, timeout: float | None = None) -> pytest.RunResult:
    return pytest.Pytester.runpytest_subprocess(pytester, *args, timeout=timeout)


def test_a_run_sees_what_a_fresh_process_sees(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_probe=PROBE, probe_helper="VALUE = 42\n")
    monkeypatch.setenv("WARM_PROBE", "set by the test")
    monkeypatch.setenv("EXPECT_CWD", str(pytester.path))
    warm, cold = pytester.runpytest_subprocess("-s", "-p", "no:randomly"), _cold(pytester, "-s", "-p", "no:randomly")
    assert warm_start._LAUNCHER_OF_THIS_WORKER.process is not None  # the warm run was forked, not started
    warm.assert_outcomes(passed=1)
    cold.assert_outcomes(passed=1)
    assert warm.ret == cold.ret == pytest.ExitCode.OK


def test_a_usage_error_has_the_same_exit_code_and_stderr(pytester: pytest.Pytester) -> None:
    warm, cold = pytester.runpytest_subprocess("--no-such-option"), _cold(pytester, "--no-such-option")
    assert warm.ret == cold.ret == pytest.ExitCode.USAGE_ERROR
    assert warm.stderr.lines == cold.stderr.lines and "unrecognized arguments: --no-such-option" in warm.stderr.str()
    assert warm.stdout.lines == cold.stdout.lines


def test_a_run_past_its_timeout_is_killed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_slow="import time\n\ndef test_slow():\n    time.sleep(120)\n")
    started = time.monotonic()
    with pytest.raises(pytester.TimeoutExpired):
        pytester.runpytest_subprocess("-p", "no:randomly", timeout=5)
    assert time.monotonic() - started < 60
    pytester.makepyfile(test_slow="def test_fast():\n    pass\n")
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)  # the launcher still serves


def test_a_start_up_variable_starts_the_run_cold(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """PYTHONHASHSEED is read when an interpreter starts, never by a fork: the run must honour it anyway."""
    pytester.makepyfile(test_probe="def test_hash():\n    print('HASH', hash('warm-start'))\n")
    monkeypatch.setenv("PYTHONHASHSEED", "123")
    expected = subprocess.run([sys.executable, "-c", "print(hash('warm-start'))"], capture_output=True, text=True,
                              check=True).stdout.strip()
    result = pytester.runpytest_subprocess("-s", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*HASH {expected}*"])


API_PROBE = """
import os, sys

def test_which_package():
    import ogx_api
    shadowed = os.environ.get("EXPECT_SHADOW") == "1"
    assert getattr(ogx_api, "SHADOW", False) == shadowed, ogx_api.__file__
    if shadowed:  # none of the preloaded package's submodules either
        assert not [name for name in sys.modules if name.startswith("ogx_api.")]
    else:  # preloaded, and the run's path finds the same one
        assert "llama_stack_api" in sys.modules
"""


def test_an_api_package_on_the_runs_path_replaces_the_preloaded_one(pytester: pytest.Pytester,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The launcher loads ``ogx_api``; a run whose PYTHONPATH holds another one (an older generation) imports
    that one, as a fresh process would; and a launcher started while a test had set PYTHONPATH does not hand
    that path, or what it loaded from it, to later runs."""
    if os.environ.get("LLAMA_CONFORMANCE_TESTS_COLD") == "1":
        pytest.skip("every run starts cold (LLAMA_CONFORMANCE_TESTS_COLD=1): nothing is preloaded")
    for package in ("ogx_api", "llama_stack_api"):
        requires(package)
    shadow = pytester.mkdir("shadow")
    (shadow / "ogx_api").mkdir()
    (shadow / "ogx_api" / "__init__.py").write_text("SHADOW = True\n")
    pytester.makepyfile(test_probe=API_PROBE)
    warm_start._LAUNCHER_OF_THIS_WORKER.close()  # the next run starts a launcher, with the shadow on PYTHONPATH
    launchers, counted = [], len(warm_start.KIT_RUNS)
    for shadowed in (True, False, True):
        if shadowed:
            monkeypatch.setenv("PYTHONPATH", str(shadow))
        else:
            monkeypatch.delenv("PYTHONPATH")
        monkeypatch.setenv("EXPECT_SHADOW", "1" if shadowed else "0")
        pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)
        launchers.append(warm_start._LAUNCHER_OF_THIS_WORKER.process)
    assert launchers[0] is not None and launchers.count(launchers[0]) == 3  # all three forked from one launcher
    runs = warm_start.KIT_RUNS[counted:]  # what the CPU ledger records: each forked run and its CPU
    assert len(runs) == 3 and all(cpu > 0 for cpu in runs), runs

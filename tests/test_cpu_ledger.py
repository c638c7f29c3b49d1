"""The CPU ledger counts what a test's processes used, children and reaped grandchildren included."""

from __future__ import annotations

import os
import subprocess
import sys

from cpu_ledger import tree_cpu_seconds

BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass"


def test_a_child_and_a_reaped_grandchild_are_counted() -> None:
    before = tree_cpu_seconds(os.getpid())
    grandchild = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BURN.format(s=0.4)!r}])"
    child = subprocess.Popen([sys.executable, "-c", grandchild])
    child.wait()
    assert tree_cpu_seconds(os.getpid()) - before >= 0.4
    assert tree_cpu_seconds(os.getpid()) - before < 5


def test_sleeping_costs_nothing() -> None:
    before = tree_cpu_seconds(os.getpid())
    subprocess.run([sys.executable, "-c", "import time; time.sleep(0.5)"], check=True)
    assert tree_cpu_seconds(os.getpid()) - before < 0.4  # the interpreter's start-up only

"""The kit's library loads as any library does under pytest: not through pytest's assertion rewriter.

pytest marks every top-level package of a distribution that declares a ``pytest11`` entry point for
assertion rewriting (``_pytest.config.Config._mark_plugins_for_rewrite``), so each module of the kit's
engine and of its bundled providers was loaded by ``AssertionRewritingHook``. That hook reads its cached
code with ``marshal.load`` on an open file, which makes a Python call for every object it reads: about
7 times the standard loader's ``marshal.loads`` of the whole file (80 ms against 11 ms for the engine's
166 modules here), paid by every pytest process that runs the kit. Rewriting buys nothing there: the
engine's and the bundled providers' ``assert`` statements are type narrowing, never a check whose message
a user reads. The suites (``llama_conformance_suites``) are test code and stay rewritten: their
assertions are the findings' words.

A finder placed before pytest's hook hands the submodules of these packages to the standard path
finder. The top-level packages themselves stay with the hook, so pytest's "already imported, cannot be
rewritten" warning (which it gives for a marked top-level name loaded by another loader) never fires,
in a worker forked from a scheduler either.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

# The engine and the bundled reference and broken providers; never the suites.
PLAIN_PACKAGES = frozenset({"llama_conformance", "llama_conformance_fixtures"})
_REWRITER = "AssertionRewritingHook"


class PlainLibraryFinder(importlib.abc.MetaPathFinder):
    """Finds a submodule of ``PLAIN_PACKAGES`` with the standard path finder; declines every other name."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        top, dot, _ = fullname.partition(".")
        if not dot or top not in PLAIN_PACKAGES:
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, path, target)


def install() -> None:
    """Put the finder first on ``sys.meta_path`` when pytest's assertion rewriter is there; else do nothing.

    Called again at configure: a pytest started in a process that already had the finder (a worker forked
    from the scheduler, an in-process pytester run) puts its own hook in front of it.
    """
    if not any(type(finder).__name__ == _REWRITER for finder in sys.meta_path):
        return
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, PlainLibraryFinder)]
    sys.meta_path.insert(0, PlainLibraryFinder())


install()  # on import: ``llama_conformance/__init__`` imports this module before any other of the engine

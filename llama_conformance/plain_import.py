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

A finder placed just before pytest's hook hands the submodules of these packages to the standard path
finder. What pytest asked for by name stays with its hook: the top-level packages (marked from the
distribution), a module given as ``-p llama_conformance.plugin`` (marked by ``import_plugin``) or passed to
``pytest.register_assert_rewrite``. Otherwise a worker forked from the scheduler, whose new pytest marks the
same names, would warn that each was "already imported so cannot be rewritten" (and, under ``-W error``, lose
every worker). The top-level packages and this module load through the hook, before the finder exists; so do
the engine modules a forked worker's initial conftests import before its ``pytest_configure`` puts the finder
back in front: slower, not different.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Collection, Sequence
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
        if not dot or top not in PLAIN_PACKAGES or fullname in _named_for_rewriting():
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, path, target)


def _rewriter_at() -> int | None:
    """Where pytest's assertion rewriter sits on ``sys.meta_path``; None without one."""
    return next((index for index, finder in enumerate(sys.meta_path) if type(finder).__name__ == _REWRITER), None)


def _named_for_rewriting() -> Collection[str]:
    """The names pytest's hook was asked to rewrite (``mark_rewrite``); a prefix covers its submodules, but only
    an exact name here is one somebody asked for (the packages' own names are top-level, declined anyway).
    ``_must_rewrite`` is pytest's; without it, nothing is declined by name."""
    at = _rewriter_at()
    return () if at is None else getattr(sys.meta_path[at], "_must_rewrite", ())


def install() -> None:
    """Put the finder just before pytest's assertion rewriter on ``sys.meta_path``; without one, do nothing.

    Called again at configure: a pytest started in a process that already had the finder (a worker forked
    from the scheduler, an in-process pytester run) puts its own hook in front of it. Other finders ahead of
    pytest's (an instrumenting import hook) keep their place.
    """
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, PlainLibraryFinder)]
    at = _rewriter_at()
    if at is not None:
        sys.meta_path.insert(at, PlainLibraryFinder())


install()  # on import: ``llama_conformance/__init__`` imports this module before any other of the engine

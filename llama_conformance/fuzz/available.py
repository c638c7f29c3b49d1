"""Whether the fuzzer's engine, schemathesis, is installed in a version the fuzzer was written for.

schemathesis is the kit's ``fuzz`` extra (``pip install 'llama-conformance[fuzz]'``), not a dependency: it
registers a pytest plugin that every pytest process of the environment loads, which costs a provider author's
own test runs about a third of a second each and patches Hypothesis for them (schemathesis'
``generation/hypothesis/__init__.py`` ``setup``: the printer of failing examples shows no values). Without it an
HTTP run checks everything but the fuzz tests, and says why they did not run and what to install
(``pytest_plugin.collection.out_of_scope``).

The version range is read from the kit's own metadata (the extra's requirement in ``pyproject.toml``), so it is
written once. Nothing here imports schemathesis: a run that cannot fuzz must still start.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

ENGINE = "schemathesis"
INSTALL = "pip install 'llama-conformance[fuzz]'"
_KIT = "llama-conformance"


@cache
def unavailable_reason() -> str | None:
    """None if the fuzzer can run; else one sentence on why not, naming what to install."""
    try:
        found = importlib.util.find_spec(ENGINE) is not None
    except (ImportError, ValueError):  # a broken install, or a module set to None to block it
        found = False
    if not found:
        return (f"the fuzzer's engine, {ENGINE}, is not installed: it is the kit's `fuzz` extra ({INSTALL}), "
                "left out of a plain install because its pytest plugin loads in every pytest run of the environment")
    wanted = supported_versions()
    try:
        installed = importlib.metadata.version(ENGINE)
    except importlib.metadata.PackageNotFoundError:  # importable without metadata (a checkout on the path)
        return None
    from packaging.version import InvalidVersion

    try:
        fits = wanted is None or wanted.contains(installed, prereleases=True)
    except InvalidVersion:  # not a PEP 440 version: no range can say it fits
        fits = False
    if not fits:
        return (f"the installed {ENGINE} {installed} is not a version the fuzzer was written for ({ENGINE}"
                f"{wanted}): install the kit's `fuzz` extra ({INSTALL}) to get one")
    return None


def engine_requirement() -> str:
    """``schemathesis>=4.32,<5``: what an environment the kit builds for its own fuzzing runs installs beside it
    (the range of the ``fuzz`` extra; the bare name when the kit's metadata cannot say)."""
    wanted = supported_versions()
    return f"{ENGINE}{wanted}" if wanted else ENGINE


def supported_versions() -> SpecifierSet | None:
    """The ``SpecifierSet`` of the ``fuzz`` extra's schemathesis requirement, from the installed kit's metadata
    (None when the kit runs from a checkout without metadata, or its metadata names no such requirement)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        declared = importlib.metadata.requires(_KIT) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for line in declared:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.name == ENGINE and requirement.marker is not None and \
                requirement.marker.evaluate({"extra": "fuzz"}):
            return requirement.specifier
    return None

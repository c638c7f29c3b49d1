"""The wheel carries every package of the tree: tox and users install the wheel, not the checkout.

``pyproject.toml`` lists the packages by name (the suites and fixtures folders are shipped under
other names), so a new package folder that is not listed would work from the checkout and be
missing from every installed kit.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
SHIPPED = {"llama_conformance": "llama_conformance", "suites": "llama_conformance_suites",
           "fixtures": "llama_conformance_fixtures"}


def _inside_package(directory: Path, top: Path) -> bool:
    """Every folder from ``top`` down to ``directory`` is a package (``fixtures/generations/*`` are
    provider projects of their own, installed separately, not subpackages of the fixtures)."""
    return all((parent / "__init__.py").exists() for parent in (directory, *directory.parents) if top in
               (parent, *parent.parents))


def test_every_package_folder_is_in_the_wheel() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join((name, *init.parent.relative_to(ROOT / folder).parts))
             for folder, name in SHIPPED.items() for init in (ROOT / folder).rglob("__init__.py")
             if _inside_package(init.parent, ROOT / folder)}
    assert not found - listed, f"package folders missing from pyproject.toml's packages: {sorted(found - listed)}"

"""A check id is written once: in its declaration. Everything else names the declared constant.

An id spelled again as a string (a marker, a ``judge.fail("files.list", ...)``, a table keyed by
text) drifts from its declaration when the check is renamed, and a typo in it names nothing until
a run happens to reach it. This scan reads the kit's library and suites (``ast``: docstrings and
longer messages that merely mention an id are not names) and fails on any string constant equal
to a registered id, other than the first argument of the ``CheckDef(...)`` that declares it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from llama_conformance.checks import CHECKS

ROOT = Path(__file__).parent.parent
SCANNED = ("llama_conformance", "suites")


def _declarations(tree: ast.AST) -> set[int]:
    """``id()`` of the string nodes that declare a check: ``CheckDef("<id>", ...)``, or a module
    constant ``NAME = "<id>"`` that the module's ``CheckDef(NAME, ...)`` declares (one spelling too)."""
    declared, named = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "CheckDef":
            first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "id"), None)
            if isinstance(first, ast.Constant):
                declared.add(id(first))
            elif isinstance(first, ast.Name):
                named.add(first.id)
    for node in getattr(tree, "body", []):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id in named for t in node.targets)):
            declared.add(id(node.value))
    return declared


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


def spelled_again(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    allowed = _declarations(tree) | _docstrings(tree)
    return [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CHECKS
            and id(node) not in allowed]


def test_no_check_id_is_spelled_outside_its_declaration() -> None:
    found = [hit for folder in SCANNED for path in sorted((ROOT / folder).rglob("*.py")) for hit in spelled_again(path)]
    assert not found, "check ids spelled as strings (use the declared CheckDef):\n" + "\n".join(found)


def test_the_scan_finds_a_spelled_id(tmp_path: Path) -> None:
    """The rule can fail: a marker that spells an id is found; its declaration and a docstring are not."""
    any_id = sorted(CHECKS)[0]
    source = ROOT / "suites" / "_scan_probe.py"
    source.write_text(f'"""{any_id}"""\nX = CheckDef("{any_id}", None, "")\n'
                      f'@pytest.mark.checks("{any_id}")\ndef test_x() -> None: ...\n')
    try:
        assert spelled_again(source) == [f"suites/_scan_probe.py:3: {any_id!r}"]
    finally:
        source.unlink()

"""Member signatures of one API package's contract, dumped as JSON, and what changed between two.

``python -m llama_conformance.compat.signatures PACKAGE`` runs inside a compat env (each holds
one version of the API package, so two versions are never imported together) and prints every
member's parameters and return type with module paths dropped. ``migration_hints`` diffs two
such dumps for the members a version failed a structural check on: a parameter renamed, a
request object replacing flat parameters, a type renamed. The hint says what the failing
version declares, which is what the provider must write to support it.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_MODULE_PATH = re.compile(r"\b(?:[a-z_][a-z0-9_]*\.)+(?=[A-Za-z_])")
_NO_DEFAULT = inspect.Parameter.empty


def readable(annotation: Any) -> str:
    """``OpenAIFilePurpose``, ``list[str] | None``: the declared type without module paths."""
    if annotation is _NO_DEFAULT:
        return "?"
    text = annotation.__name__ if isinstance(annotation, type) else repr(annotation)
    text = _MODULE_PATH.sub("", text.replace("typing.", ""))
    return text if len(text) <= 120 else text[:117] + "..."


def dump(package: str | None) -> dict[str, dict[str, Any]]:
    """member id -> {"params": [[name, kind, type, has_default]], "returns": type} of the package's contract."""
    from llama_conformance.contract import load_contract

    contract = load_contract(package)
    found: dict[str, dict[str, Any]] = {}
    for surface in contract.surfaces.values():
        for member in surface.members:
            found[member.member_id] = {
                "params": [[p.name, p.kind_name, readable(p.annotation), p.has_default] for p in member.params],
                "returns": readable(member.returns)}
    return found


def dump_in(python: Path, package: str, timeout_s: float = 120) -> dict[str, dict[str, Any]] | None:
    """The dump made by another env's interpreter; None if it could not be made (no hints then)."""
    try:
        done = subprocess.run([str(python), "-m", "llama_conformance.compat.signatures", package],
                              capture_output=True, text=True, timeout=timeout_s, check=False)
        data = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _shown(params: list[list[Any]]) -> str:
    return ", ".join(f"{name}: {kind_type}" + (" = ..." if has_default else "") if kind == "positional or keyword"
                     else f"{name}: {kind_type} ({kind})" + (" = ..." if has_default else "")
                     for name, kind, kind_type, has_default in params)


def describe_change(member: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
                    old_label: str, new_label: str) -> str | None:
    """One sentence: how ``member`` differs from ``old_label`` to ``new_label``, and what to write for
    ``new_label`` (the failing version); None when the two declare the same thing."""
    name = member.rpartition(".")[2]
    if old == new:
        return None
    if new is None:
        return f"{member} does not exist in {new_label} (it does in {old_label}): the provider needs not offer it there"
    declared = f"`async def {name}(self{', ' if new['params'] else ''}{_shown(new['params'])}) -> {new['returns']}`"
    if old is None:
        return f"{member} is new in {new_label} (absent from {old_label}): write {declared}"
    changes = []
    old_params = {p[0]: p for p in old["params"]}
    new_params = {p[0]: p for p in new["params"]}
    gone = [p for p in old_params if p not in new_params]
    added = [p for p in new_params if p not in old_params]
    if gone and added:
        changes.append(f"parameters {', '.join(gone)} became {', '.join(added)}")
    elif gone:
        changes.append(f"parameter{'s' if len(gone) > 1 else ''} {', '.join(gone)} removed")
    elif added:
        changes.append(f"parameter{'s' if len(added) > 1 else ''} {', '.join(added)} added")
    for pname in (p for p in new_params if p in old_params):
        before, after = old_params[pname], new_params[pname]
        if before[2] != after[2]:
            changes.append(f"`{pname}` type {before[2]} -> {after[2]}")
        if before[1] != after[1]:
            changes.append(f"`{pname}` {before[1]} -> {after[1]}")
        if before[3] != after[3]:
            changes.append(f"`{pname}` {'gained' if after[3] else 'lost'} its default")
    if old["returns"] != new["returns"]:
        changes.append(f"returns {old['returns']} -> {new['returns']}")
    what = "; ".join(changes) or "its signature changed"
    return f"{member} changed from {old_label} to {new_label}: {what}. For {new_label} write {declared}"


def migration_hints(failed_members: Iterable[str], old: dict[str, Any], new: dict[str, Any],
                    old_label: str, new_label: str) -> list[str]:
    """A hint per failed member whose declaration differs between the two contracts."""
    hints = []
    for member in dict.fromkeys(failed_members):
        if member in old or member in new:
            hint = describe_change(member, old.get(member), new.get(member), old_label, new_label)
            if hint:
                hints.append(hint)
    return hints


if __name__ == "__main__":
    print(json.dumps(dump(sys.argv[1] if len(sys.argv) > 1 else None)))

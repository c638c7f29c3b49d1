"""Which versions of an API distribution to try: the index's list, filtered by the provider's requirement.

The default is the newest patch of every minor line the provider admits (its ``Requires-Dist``
on its generation, read by ``contract.generation``) plus the newest release overall, so the
table shows both "what you claim" and "what your users get next". Lines outside a generation's
known range (ogx-api 0.x placeholders, llama-stack 0.4+ without ``llama_stack.apis``) are left
out: the kit reads no contract from them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable, Sequence

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from llama_conformance.contract.generation import LLAMA_STACK, LLAMA_STACK_API, OGX_API

# The versions of each generation's distribution the kit can read a contract from.
GENERATION_RANGES: dict[str, str] = {
    OGX_API: ">=1.0,<2",
    LLAMA_STACK_API: ">=0.4,<1",
    LLAMA_STACK: ">=0.2,<0.4",  # the pre-split server package, API in llama_stack.apis
}
_INDEX_TIMEOUT_S = 60


class VersionError(ValueError):
    """What was asked cannot be answered: a nonsense version, or the index could not be read (exit 4)."""


def parse_versions(text: str) -> list[str]:
    """``1.0.4,1.4.1`` -> normalised versions, in the order given, without repeats."""
    found: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            found.append(str(Version(part)))
        except InvalidVersion:
            raise VersionError(f"{part!r} in --versions is not a version (expected e.g. 1.4.1)") from None
    if not found:
        raise VersionError("--versions names no version (expected a comma-separated list such as 1.4.1,1.5.0)")
    return list(dict.fromkeys(found))


def select_versions(available: Iterable[str], distribution: str, requirement: str | None) -> list[str]:
    """The newest patch of every minor line that ``requirement`` and the generation's range admit,
    plus the newest release overall (a release outside the requirement shows what its users meet
    next). Pre-releases are left out unless nothing else exists. Oldest first."""
    versions = sorted({_parsed for v in available if (_parsed := _version(v)) is not None})
    finals = [v for v in versions if not v.is_prerelease and not v.is_devrelease] or versions
    generation = SpecifierSet(GENERATION_RANGES.get(distribution, ""))
    allowed = _specifier(requirement)
    lines: dict[tuple[int, int], Version] = {}
    for version in finals:
        if generation.contains(version, prereleases=True) and (
                allowed is None or allowed.contains(version, prereleases=True)):
            lines[(version.major, version.minor)] = version  # ascending: the last one is the newest patch
    chosen = set(lines.values())
    newest = newest_release(available, distribution)
    if newest is not None:
        chosen.add(Version(newest))
    return [str(v) for v in sorted(chosen)]


def newest_release(available: Iterable[str], distribution: str) -> str | None:
    """The newest final release of ``available`` in the generation's range (``--against latest``; the newest
    pre-release only when there is no final one), or None when none is in the range."""
    versions = sorted({_parsed for v in available if (_parsed := _version(v)) is not None})
    finals = [v for v in versions if not v.is_prerelease and not v.is_devrelease] or versions
    generation = SpecifierSet(GENERATION_RANGES.get(distribution, ""))
    in_generation = [v for v in finals if generation.contains(v, prereleases=True)]
    return str(in_generation[-1]) if in_generation else None


def check_known(wanted: Sequence[str], available: Iterable[str], distribution: str) -> None:
    """A usage error naming every requested version the index does not list."""
    known = {str(v) for v in (_version(a) for a in available) if v is not None}
    missing = [v for v in wanted if v not in known]
    if missing:
        newest = sorted((Version(v) for v in known), reverse=True)[:8]
        raise VersionError(
            f"{distribution} {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on the package index "
            f"(its newest releases: {', '.join(map(str, newest)) or 'none'}). Name versions the index lists.")


def available_versions(distribution: str, python: str = sys.executable) -> list[str]:
    """Every release of ``distribution`` the configured index lists, read with ``pip index versions``
    (the ordinary client, honouring the user's pip configuration: index URL, certificates, proxies)."""
    command = [python, "-m", "pip", "index", "versions", distribution]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_INDEX_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VersionError(f"could not ask the package index for the releases of {distribution} "
                           f"({' '.join(command)}: {exc}). Check the network / index configuration, or "
                           "name the versions with --versions.") from None
    versions = parse_index_output(done.stdout)
    if done.returncode != 0 or not versions:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise VersionError(f"the package index lists no release of {distribution} ({' '.join(command[2:])} said: "
                           f"{last}). Check the distribution name and the index configuration (pip's index-url), "
                           "or name the versions with --versions.")
    return versions


def parse_index_output(text: str) -> list[str]:
    """The versions of ``pip index versions`` output (``Available versions: 1.5.0, 1.4.1``)."""
    match = re.search(r"^Available versions:\s*(.+)$", text, re.MULTILINE)
    return [v.strip() for v in match.group(1).split(",") if v.strip()] if match else []


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _specifier(text: str | None) -> SpecifierSet | None:
    if not text:
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None

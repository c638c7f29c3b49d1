"""``docs/coverage.md``: every upstream integration test mapped to the kit check that covers it, or why not.

Upstream (ogx) tests its server end to end in ``tests/integration``; a provider author asks which of
those behaviours the kit checks for them. The answer is generated, never written by hand, so it
cannot drift from either side: this module reads upstream's test files *by AST* (upstream code is
never imported: it needs a server, models and keys), joins every test function with the curated
map ``docs/coverage-map.yaml`` and renders markdown. The map's check ids are validated against the
kit's one registry (``catalogue.load()`` then ``checks.CHECKS``), so a renamed or removed check fails
the generator instead of leaving a dead claim in the doc.

Map format: a YAML mapping from an upstream test key (``<path under tests/integration>::<name>``, or
``::Class::name`` for a method) or an fnmatch pattern over such keys, to either
``{checks: [ids], note: "..."}`` or ``{not_covered: "why"}``. The most specific matching rule wins:
an exact key over any pattern, then the pattern with the most literal characters; two equally
specific patterns that both match one test are an error (the map must say which it means).

``--check`` regenerates in memory and exits 1 when a test is unmapped, a rule matches no test (an
upstream rename leaves its claim behind) or the file at ``--out`` differs (stale). Bad input (a
missing path, an unreadable map, an unknown check id) exits 4 with a one-paragraph message, like
every usage error of the kit.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

EXIT_STALE = 1
EXIT_USAGE = 4
_WILDCARDS = re.compile(r"[*?\[]")
# The command as the doc states it: stable paths, so regenerating anywhere gives the same bytes.
COMMAND = (
    "python -m llama_conformance.upstream_coverage --upstream <ogx-{version} sdist>/tests/integration "
    "--map docs/coverage-map.yaml --out docs/coverage.md"
)


class CoverageInputError(Exception):
    """The generator cannot run on what it was given (exit 4): the message says what and what to do."""


@dataclass(frozen=True)
class UpstreamTest:
    """One upstream test function: ``key`` is ``<path>::<name>`` (``<path>::<Class>::<name>`` for a method)."""

    path: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.path}::{self.name}"

    @property
    def area(self) -> str:
        """The folder under ``tests/integration`` (upstream groups its tests by API), ``(root)`` for top-level files."""
        head, _, rest = self.path.partition("/")
        return head if rest else "(root)"


@dataclass(frozen=True)
class Rule:
    """One map entry: ``checks`` (ids, with an optional ``note`` on what part they cover) or ``not_covered``."""

    pattern: str
    checks: tuple[str, ...] = ()
    note: str = ""
    not_covered: str = ""

    @property
    def exact(self) -> bool:
        return _WILDCARDS.search(self.pattern) is None

    @property
    def specificity(self) -> tuple[int, int]:
        """Exact keys first, then patterns by how many literal characters they pin."""
        return (1 if self.exact else 0, len(_WILDCARDS.sub("", self.pattern)))

    def matches(self, key: str) -> bool:
        return key == self.pattern if self.exact else fnmatch.fnmatchcase(key, self.pattern)


@dataclass(frozen=True)
class Row:
    test: UpstreamTest
    rule: Rule | None

    @property
    def status(self) -> str:
        if self.rule is None:
            return "unmapped"
        return "covered" if self.rule.checks else "not covered"


def _is_test_file(path: Path) -> bool:
    """pytest's default ``python_files`` (upstream's pyproject keeps the default)."""
    return path.suffix == ".py" and (path.name.startswith("test_") or path.stem.endswith("_test"))


def _is_fixture(decorator: ast.expr) -> bool:
    """``@pytest.fixture`` / ``@fixture(...)``: a ``test_*`` name pytest does not collect (upstream has some)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return getattr(target, "attr", getattr(target, "id", None)) == "fixture"


def _is_test_function(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test")
        and not any(_is_fixture(decorator) for decorator in node.decorator_list)
    )


def _collectable_class(node: ast.stmt) -> bool:
    """pytest's default ``python_classes``: ``Test*`` without an ``__init__`` (pytest skips those)."""
    if not (isinstance(node, ast.ClassDef) and node.name.startswith("Test")):
        return False
    return not any(isinstance(item, ast.FunctionDef) and item.name == "__init__" for item in node.body)


def collect(upstream: Path) -> list[UpstreamTest]:
    """Every test function under ``upstream`` (a ``tests/integration`` directory), sorted by key."""
    if not upstream.is_dir():
        raise CoverageInputError(
            f"--upstream {upstream} is not a directory. It must be the tests/integration folder of the "
            "ogx sdist: `pip download --no-deps --no-binary :all: ogx==1.5.0 && tar xf ogx-1.5.0.tar.gz`, "
            "then pass ogx-1.5.0/tests/integration."
        )
    found: list[UpstreamTest] = []
    for file in sorted(upstream.rglob("*.py")):
        if not _is_test_file(file):
            continue
        relative = file.relative_to(upstream).as_posix()
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        except (SyntaxError, UnicodeDecodeError) as error:
            raise CoverageInputError(
                f"Upstream test file {relative} cannot be parsed ({error}). The generator reads upstream "
                "tests by AST and needs the files as released: re-extract the sdist."
            ) from error
        for node in tree.body:
            if _is_test_function(node):
                found.append(UpstreamTest(relative, node.name))  # type: ignore[attr-defined]
            elif _collectable_class(node):
                for item in node.body:  # type: ignore[attr-defined]
                    if _is_test_function(item):
                        found.append(UpstreamTest(relative, f"{node.name}::{item.name}"))  # type: ignore[attr-defined]
    if not found:
        raise CoverageInputError(
            f"No test functions under {upstream}: it must be the tests/integration folder of the ogx sdist "
            "(test_*.py files), not the sdist root or another folder."
        )
    return sorted(found, key=lambda test: test.key)


def _known_checks() -> set[str]:
    from llama_conformance import catalogue, checks

    catalogue.load()
    return set(checks.CHECKS)


def load_map(path: Path, known: set[str] | None = None) -> list[Rule]:
    """The curated rules, every check id validated against the kit's registry."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CoverageInputError(f"--map {path} cannot be read ({error}). Pass docs/coverage-map.yaml.") from error
    except yaml.YAMLError as error:
        raise CoverageInputError(f"--map {path} is not valid YAML ({error}). Fix the map file.") from error
    if not isinstance(raw, dict):
        raise CoverageInputError(
            f"--map {path} must be a YAML mapping from upstream test key or pattern to "
            f"{{checks: [...]}} or {{not_covered: why}}; it holds a {type(raw).__name__}."
        )
    known = _known_checks() if known is None else known
    rules: list[Rule] = []
    problems: list[str] = []
    for pattern, entry in raw.items():
        if not isinstance(entry, dict) or set(entry) - {"checks", "note", "not_covered"}:
            problems.append(f"{pattern}: an entry holds checks (+ note) or not_covered, nothing else")
            continue
        ids = entry.get("checks") or []
        reason = entry.get("not_covered") or ""
        if bool(ids) == bool(reason) or not isinstance(ids, list) or not isinstance(reason, str):
            problems.append(f"{pattern}: give either a non-empty checks list or a not_covered reason")
            continue
        unknown = [check for check in ids if check not in known]
        if unknown:
            problems.append(f"{pattern}: unknown check id(s) {', '.join(map(str, unknown))}")
            continue
        rules.append(Rule(str(pattern), tuple(ids), str(entry.get("note") or ""), reason))
    if problems:
        raise CoverageInputError(
            f"--map {path} has {len(problems)} bad rule(s): "
            + "; ".join(problems)
            + ". Check ids must be ones `llama-conformance list` prints (the kit's one registry)."
        )
    return rules


def resolve(tests: Iterable[UpstreamTest], rules: Sequence[Rule]) -> list[Row]:
    """Each test with its most specific matching rule (None: unmapped)."""
    rows = []
    for test in tests:
        matching = sorted((rule for rule in rules if rule.matches(test.key)), key=lambda r: r.specificity, reverse=True)
        if len(matching) > 1 and matching[0].specificity == matching[1].specificity:
            raise CoverageInputError(
                f"Upstream test {test.key} matches equally specific rules {matching[0].pattern!r} and "
                f"{matching[1].pattern!r}. Add an exact rule for it or make one pattern narrower."
            )
        rows.append(Row(test, matching[0] if matching else None))
    return rows


def unused_rules(rows: Sequence[Row], rules: Sequence[Rule]) -> list[str]:
    """Rules no upstream test resolves to: a renamed upstream test leaves its claim behind."""
    used = {row.rule.pattern for row in rows if row.rule is not None}
    return [rule.pattern for rule in rules if rule.pattern not in used]


def upstream_version(upstream: Path) -> str:
    """The sdist's version from its ``PKG-INFO`` (two levels above ``tests/integration``)."""
    for parent in upstream.resolve().parents:
        info = parent / "PKG-INFO"
        if info.is_file():
            for line in info.read_text(encoding="utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    return "unknown"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(rows: Sequence[Row], version: str) -> str:
    """The markdown: how it was made, a summary per area, then every upstream test."""
    areas: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda row: (row.test.area != "(root)", row.test.key)):
        areas.setdefault(row.test.area, []).append(row)
    lines = [
        "# Upstream integration tests and the kit's checks",
        "",
        "<!-- Generated: do not edit. Edit docs/coverage-map.yaml and regenerate. -->",
        "",
        f"Generated by `{COMMAND.format(version=version)}` from the `tests/integration` folder of the "
        f"ogx {version} sdist (read by AST, never imported), joined with the curated map "
        "`docs/coverage-map.yaml`. Every check id below exists in the kit (`llama-conformance list`); "
        "`--check` fails when a test is unmapped or this file is stale.",
        "",
        "A test is *covered* when the listed checks exercise the behaviour its body asserts "
        "(the note says which part when the kit checks only part of it); *not covered* says why.",
        "",
        "## Summary",
        "",
        "| area | tests | covered | not covered | unmapped |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    totals = [0, 0, 0, 0]
    for area, members in areas.items():
        counts = [
            len(members),
            sum(row.status == "covered" for row in members),
            sum(row.status == "not covered" for row in members),
            sum(row.status == "unmapped" for row in members),
        ]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        lines.append(f"| {area} | " + " | ".join(map(str, counts)) + " |")
    lines.append("| **total** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    for area, members in areas.items():
        lines += ["", f"## {area}", "", "| upstream test | kit checks | why not / note |", "| --- | --- | --- |"]
        for row in members:
            test = f"`{_cell(row.test.key)}`"
            if row.rule is None:
                lines.append(f"| {test} | **unmapped** | |")
            elif row.rule.checks:
                checks = ", ".join(f"`{check}`" for check in row.rule.checks)
                lines.append(f"| {test} | {checks} | {_cell(row.rule.note)} |")
            else:
                lines.append(f"| {test} | not covered | {_cell(row.rule.not_covered)} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m llama_conformance.upstream_coverage",
        description="Map upstream's integration tests to the kit's checks and render docs/coverage.md.",
    )
    parser.add_argument("--upstream", required=True, type=Path, help="tests/integration of the ogx sdist")
    parser.add_argument("--map", required=True, type=Path, dest="map_path", help="docs/coverage-map.yaml")
    parser.add_argument("--out", required=True, type=Path, help="docs/coverage.md")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a test is unmapped, a rule unused or --out stale"
    )
    args = parser.parse_args(argv)
    try:
        if not args.out.parent.is_dir():
            raise CoverageInputError(f"--out {args.out}: its folder does not exist. Pass docs/coverage.md.")
        tests = collect(args.upstream)
        rules = load_map(args.map_path)
        rows = resolve(tests, rules)
    except CoverageInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    text = render(rows, upstream_version(args.upstream))
    unmapped = [row.test.key for row in rows if row.rule is None]
    unused = unused_rules(rows, rules)
    for pattern in unused:
        print(f"map rule {pattern!r} matches no upstream test (renamed upstream?): remove or fix it", file=sys.stderr)
    if args.check:
        problems = [f"unmapped upstream test {key}" for key in unmapped] + [f"unused rule {p}" for p in unused]
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if current != text:
            problems.append(f"{args.out} is stale: regenerate it without --check")
        for problem in problems:
            print(problem, file=sys.stderr)
        return EXIT_STALE if problems else 0
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(rows)} upstream tests, {len(unmapped)} unmapped", file=sys.stderr)
    return EXIT_STALE if unmapped else 0


if __name__ == "__main__":
    sys.exit(main())

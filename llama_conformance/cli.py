"""``llama-conformance``: run the kit, print its test plan, re-render or compare reports.

``run`` is pytest with the kit's defaults (a report directory, one progress line); every
other pytest or kit option passes through unchanged, so a CI job can start with ``run``
and grow into plain ``pytest`` without relearning anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_REPORT_DIR = "conformance-report"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llama-conformance", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the suites (pytest with the kit's defaults); other options pass "
                                          "through to pytest, e.g. --llama-provider=inline::localfs")
    run.add_argument("--report", default=DEFAULT_REPORT_DIR, help=f"report directory (default {DEFAULT_REPORT_DIR})")
    listing = commands.add_parser("list", help="print every check: id, level, API, capability, reference")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.add_argument("--api", help="only checks of this API (and API-neutral ones)")
    render = commands.add_parser("report", help="re-render report.md / report.html / badge.svg from a report.json")
    render.add_argument("report_json", type=Path)
    render.add_argument("--out", type=Path, help="directory to write to (default: beside the JSON)")
    diff = commands.add_parser("diff", help="compare two report.json files; exit 1 on any regression")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    compat = commands.add_parser("compat", help="run one provider against several API package versions, each in "
                                                "its own env; writes a version x verdict table (-- passes kit args)")
    from llama_conformance.compat.main import add_arguments

    add_arguments(compat)
    from llama_conformance.matrix.main import add_matrix_arguments, add_merge_arguments

    add_matrix_arguments(commands.add_parser(
        "matrix", help="run every target x API generation of a targets file (or one --shard I/N) and write the matrix"))
    add_merge_arguments(commands.add_parser(
        "merge", help="build the matrix from cell report folders made anywhere (shards, CI artifacts)"))
    args, rest = parser.parse_known_args(argv)
    if args.command not in ("run", "compat") and rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return {"run": _run, "list": _list, "report": _report, "diff": _diff,
                "compat": _compat, "matrix": _matrix, "merge": _merge}[args.command](args, rest)
    except CliError as exc:
        print(f"llama-conformance: {exc}", file=sys.stderr)
        return 2


class CliError(Exception):
    """A problem with what the user gave: said in one paragraph, exit 2."""


def _run(args: argparse.Namespace, rest: list[str]) -> int:
    import pytest

    from llama_conformance.compat.runner import UNUSED_PLUGINS
    from llama_conformance.progress import ProgressLine

    pytest_args = [*rest, "-p", "no:cacheprovider", "-q", "--no-header", "-p", "no:warnings", *UNUSED_PLUGINS]
    if not any(arg.startswith("--llama-report") for arg in rest):
        pytest_args.append(f"--llama-report={args.report}")
    return int(pytest.main(pytest_args, plugins=[ProgressLine()]))


def _list(args: argparse.Namespace, _rest: list[str]) -> int:
    from llama_conformance import catalogue
    from llama_conformance.report.plan import test_plan

    catalogue.load()
    plan = test_plan()
    known = sorted({c.api for c in plan if c.api})
    if args.api and args.api not in known:
        raise CliError(f"unknown API {args.api!r} for --api: the kit has checks for {', '.join(known)}. "
                       "Run `llama-conformance list --api NAME` with one of them, or without --api for every check.")
    checks = [c for c in plan if not args.api or c.api in (None, args.api)]
    proven_by = catalogue.proofs()
    rows: list[dict[str, Any]] = [
        {"id": c.id, "level": str(c.level), "api": c.api, "capability": c.capability, "scope": c.scope,
         "title": c.title, "reference": c.reference, "proven_by": proven_by.get(c.id, [])} for c in checks]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(str(row["id"])) for row in rows)
    print(f"{'check':{width}}  level   api        capability             title")
    for row in rows:
        print(f"{row['id']:{width}}  {row['level']:6}  {row['api'] or 'any':9}  {row['capability'] or 'core':21}  "
              f"{row['title']}\n{'':{width}}  reference: {row['reference']}\n"
              f"{'':{width}}  proven by: {', '.join(row['proven_by']) or '-'}")
    print(f"\n{len(rows)} checks")
    return 0


def _load(path: Path) -> dict[str, Any]:
    from llama_conformance.report.schema import reading_problems

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path} as JSON: {exc}") from None
    problems = reading_problems(data)
    if problems:
        raise CliError(f"{path} is not a llama-conformance report (schema report-1): {problems[0]}"
                       + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return data  # type: ignore[no-any-return]


def _report(args: argparse.Namespace, _rest: list[str]) -> int:
    from llama_conformance.report.write import render_all

    report = _load(args.report_json)
    out = args.out or args.report_json.parent
    out.mkdir(parents=True, exist_ok=True)
    for name, text in render_all(report).items():
        if name != "report.json":
            (out / name).write_text(text, encoding="utf-8")
            print(out / name)
    return 0


def _diff(args: argparse.Namespace, _rest: list[str]) -> int:
    from llama_conformance.report.diff import diff_reports

    result = diff_reports(_load(args.old), _load(args.new))
    print(result.render())
    return 1 if result.regressions else 0


def _compat(args: argparse.Namespace, rest: list[str]) -> int:
    from llama_conformance.compat.main import main as compat_main

    return compat_main(args, rest)


def _matrix(args: argparse.Namespace, _rest: list[str]) -> int:
    from llama_conformance.matrix.main import matrix_main

    return matrix_main(args)


def _merge(args: argparse.Namespace, _rest: list[str]) -> int:
    from llama_conformance.matrix.main import merge_main

    return merge_main(args)


if __name__ == "__main__":
    sys.exit(main())

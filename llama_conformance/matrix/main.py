"""``llama-conformance matrix TARGETS.yaml`` and ``llama-conformance merge FOLDERS...``.

``matrix`` runs every cell (target x API generation) of a targets file, or one shard of them
(``--shard I/N``: any batch system runs N such commands, one per machine, and a fan-in job
``merge``s their folders), and writes each cell's report folder plus the matrix.

Exit codes, for both: 0 every cell passes, 1 a cell fails, 3 none fails but one could not be
judged (an env that would not install, a kit run that could not start or timed out), 4 bad
input (targets file, options, folders that cannot be merged), said in one paragraph.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from llama_conformance.compat import envs
from llama_conformance.matrix import merge as merging
from llama_conformance.matrix.render import summary_line, write_matrix
from llama_conformance.matrix.run import RunSettings, check_certifiable, run_cells
from llama_conformance.matrix.targets import (
    TargetsError,
    all_cells,
    load_targets_and_services,
    parse_shard,
    select,
    shard,
)

DEFAULT_OUT = "conformance-matrix"
EXIT_USAGE = 4


def add_matrix_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("targets", type=Path, help="the targets file (see docs/matrix.md)")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--shard", metavar="I/N", help="run only the I-th of N equal slices of the cells")
    parser.add_argument("--target", action="append", default=[], metavar="NAME", help="only this target (repeatable)")
    parser.add_argument("--generation", action="append", default=[], metavar="DIST==VER",
                        help="only this API generation (repeatable)")
    parser.add_argument("--certified", action="store_true",
                        help="refuse targets that select checks (-k/-m) and cells that skip Core checks")
    parser.add_argument("--list", action="store_true", help="print the cells this command would run, and stop")
    parser.add_argument("--kit", type=Path, metavar="PATH",
                        help="what each env installs for the kit: a source directory or a wheel (default: where the "
                             "running kit came from)")
    parser.add_argument("--cache", type=Path, help=envs.CACHE_HELP)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="cells run at once")


def add_merge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folders", type=Path, nargs="+", help="folders holding cell reports (a run's, or artifacts)")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"output directory (default {DEFAULT_OUT})")


def matrix_main(args: argparse.Namespace) -> int:
    try:
        return _matrix(args)
    except (TargetsError, merging.MergeError) as exc:
        print(f"llama-conformance matrix: {exc}", file=sys.stderr)
        return EXIT_USAGE


def merge_main(args: argparse.Namespace) -> int:
    try:
        out: Path = args.out.resolve()
        matrix = merging.merge(merging.find_cells(args.folders), out)
    except merging.MergeError as exc:
        print(f"llama-conformance merge: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _written(matrix, out)


def _matrix(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise TargetsError("-j must be at least 1.")
    problem = envs.kit_path_problem(args.kit)
    if problem:
        raise TargetsError(problem)
    targets, services = load_targets_and_services(args.targets)
    cells = select(all_cells(targets), args.target, args.generation)
    if args.shard:
        index, count = parse_shard(args.shard)
        cells = shard(cells, index, count)
    if args.certified:
        check_certifiable(cells)
    if args.list:
        for cell in cells:
            print(f"{cell.target.name}\t{cell.generation}")
        return 0
    if not cells:
        print("matrix: this shard holds no cell (more shards than cells); nothing to run.", file=sys.stderr)
        return 0
    out: Path = args.out.resolve()
    settings = RunSettings(kit=envs.running_kit(args.kit), cache=args.cache or envs.default_cache_dir(), out=out,
                           jobs=args.jobs, certified=args.certified, targets_file=args.targets, services=services)
    records = run_cells(cells, settings)
    folders = [(out / "reports" / cell.report_dir, record) for cell, record in zip(cells, records, strict=True)]
    return _written(merging.merge(folders, out), out)


def _written(matrix: dict[str, Any], out: Path) -> int:
    written = write_matrix(matrix, out)
    print(summary_line(matrix))
    print(f"matrix: {', '.join(str(p) for p in written)}")
    return merging.exit_status(matrix)

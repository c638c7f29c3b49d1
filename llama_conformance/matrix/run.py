"""Run the cells of a matrix (or of one shard): one cached environment per generation and install set,
the kit in each, and a self-describing report folder per cell.

Each cell's folder, ``reports/<target>/<distribution>-<version>/``, holds the kit's own report
(``report.json`` / ``.md`` / ``.html``), its output, ``cell.json`` (what ``merge`` reads: the
verdict with the identity of target, generation, kit and product) and a ``README.md`` saying
what was judged and the commands that reproduce it; ``PRODUCT.yaml`` is copied in when the
target has one. A folder is therefore publishable on its own, like Gateway API's
``conformance/reports/<version>/<implementation>/``, and the matrix can be rebuilt from
folders made on any machine.

Environments are built before any kit runs (distinct specs only, in parallel), so two cells on
one generation never race to build the same environment. The services the cells need (the targets
file's ``services:``) are started once, after the environments are built and before any kit runs,
and stopped when the last cell ends (``matrix.services``); a cell whose service is not up is
inconclusive, the others run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from llama_conformance.compat import envs, runner
from llama_conformance.matrix import services as matrix_services
from llama_conformance.matrix.product import load_product
from llama_conformance.matrix.targets import SELECTION_ARGS, Cell, ServiceSpec, TargetsError

CELL_SCHEMA = "matrix-cell-1"
CELL_FILE = "cell.json"
DEFAULT_TIMEOUT_S = 900.0
# The level whose checks a certified report may not skip without a declared reason.
CORE_LEVEL = "MUST"


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """How a matrix run builds and runs its cells."""

    kit: envs.KitSource
    cache: Path
    out: Path  # the matrix directory; cells go under out/reports
    jobs: int
    certified: bool
    targets_file: Path
    services: Mapping[str, ServiceSpec] = dataclasses.field(default_factory=dict)  # the file's `services:`

    def exported_names(self, cell: Cell) -> list[str]:
        """The variables the cell's services give it (named in its record, never valued)."""
        return [name for service in cell.target.services for name, _ in self.services[service].exports]


def check_certifiable(cells: Sequence[Cell]) -> None:
    """A certified matrix judges every check of a target's APIs: refuse a target that narrows the selection."""
    for cell in cells:
        narrowed = [a for a in cell.target.args if a.split("=")[0] in SELECTION_ARGS]
        if narrowed:
            raise TargetsError(f"target {cell.target.name!r} selects checks ({' '.join(narrowed)}): a certified matrix "
                               "covers every check of the target's APIs. Drop the selection from its `args`, or run "
                               "without --certified.")


def run_cells(cells: Sequence[Cell], settings: RunSettings) -> list[dict[str, Any]]:
    """Every cell's record (``cell.json``), in the cells' order."""
    products = {c.target.name: load_product(c.target.product, c.target.name) for c in cells if c.target.product}
    for cell in cells:  # a missing ${VAR}: refused before building (a service's export counts as set)
        cell.target.environment(dict.fromkeys(settings.exported_names(cell), ""))
    specs = {cell.key: envs.EnvSpec(python=envs.python_tag(), distribution=cell.generation.distribution,
                                    version=cell.generation.version, kit=settings.kit.fingerprint,
                                    installs=cell.installs) for cell in cells}
    distinct = list(dict.fromkeys(specs.values()))
    jobs = max(1, min(settings.jobs, len(distinct) or 1))
    print(f"matrix: {len(cells)} cell(s), {len(distinct)} environment(s) "
          f"({'uv' if envs.find_uv() else 'venv + pip'}; cache {settings.cache})", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        built = dict(zip(distinct, pool.map(lambda s: envs.ensure_env(s, settings.kit, settings.cache), distinct),
                         strict=True))
    needed = matrix_services.needed(settings.services, [s for c in cells for s in c.target.services])
    with matrix_services.running(needed, settings.out, settings.cache, settings.kit) as states:

        def one(cell: Cell) -> dict[str, Any]:
            down = [problem for s in cell.target.services if (problem := states[s].problem)]
            try:
                if down:
                    record = _unrun_cell(cell, settings, f"a service this target needs is not up: {'; '.join(down)}")
                else:
                    exported = {k: v for s in cell.target.services for k, v in states[s].exported.items()}
                    record = _run_cell(cell, built[specs[cell.key]], settings, cell.target.environment(exported),
                                       products.get(cell.target.name))
            except Exception as exc:  # one cell's kit bug must not take the other cells' verdicts
                record = _unrun_cell(cell, settings, f"the matrix could not run this cell ({type(exc).__name__}: "
                                                     f"{exc}): a llama-conformance bug, please report it with this "
                                                     "folder")
            print(f"  {cell.target.name} on {cell.generation}: {record['outcome']} ({record['verdict']})",
                  file=sys.stderr)
            return record

        with ThreadPoolExecutor(max_workers=max(1, min(settings.jobs, len(cells) or 1))) as pool:
            return list(pool.map(one, cells))


def _run_cell(cell: Cell, env: envs.BuiltEnv, settings: RunSettings, variables: dict[str, str],
              product: dict[str, str] | None) -> dict[str, Any]:
    target, generation = cell.target, cell.generation
    parent = settings.out / "reports" / target.name
    row = runner.run_version(env, target.provider, target.module, generation.distribution, parent,
                             target.kit_args(), target.timeout or DEFAULT_TIMEOUT_S, variables)
    folder = settings.out / "reports" / cell.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    if settings.certified and row.counts:
        _refuse_core_skips(row, folder)
    record = cell_record(cell, row, settings, product)
    _write_record(folder, record)
    if target.product:
        shutil.copyfile(target.product, folder / "PRODUCT.yaml")
    return record


def _write_record(folder: Path, record: dict[str, Any]) -> None:
    """The cell's ``cell.json`` (what ``merge`` reads) and its ``README.md`` (what people read)."""
    (folder / CELL_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(cell_readme(record), encoding="utf-8")


def _unrun_cell(cell: Cell, settings: RunSettings, note: str) -> dict[str, Any]:
    """The record of a cell the matrix did not get to judge (a service down, the matrix's own crash):
    inconclusive, ``note`` saying why and who must act."""
    row = runner.VersionResult(distribution=cell.generation.distribution, version=cell.generation.version,
                               outcome="inconclusive", verdict="Inconclusive", note=note)
    folder = settings.out / "reports" / cell.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    record = cell_record(cell, row, settings, None)
    _write_record(folder, record)
    return record


def _refuse_core_skips(row: runner.VersionResult, folder: Path) -> None:
    """Certified: a Core (MUST) check skipped by the run is not certified; a not-applicable one (the target
    declared it out of its scope, or the generation lacks it) is."""
    try:
        report = json.loads((folder / "report.json").read_text())
    except (OSError, ValueError):
        return
    skipped = sorted(c["id"] for c in report.get("checks", [])
                     if c.get("level") == CORE_LEVEL and c.get("status") == "skipped")
    if skipped:
        row.outcome, row.verdict = "fail", "Not certified"
        row.reason = f"{len(skipped)} Core check(s) skipped without a declared reason"
        row.note = (f"certified mode: the Core (MUST) checks {', '.join(skipped[:10])}"
                    + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
                    + " were skipped by the run; declare them out of scope in the manifest or make them runnable.")


def cell_record(cell: Cell, row: runner.VersionResult, settings: RunSettings,
                product: dict[str, str] | None) -> dict[str, Any]:
    """What ``merge`` reads back: the verdict and everything that identifies how it was reached (never a
    secret: environment variables are named, not valued)."""
    target, generation = cell.target, cell.generation
    return {
        "schema_version": CELL_SCHEMA,
        "target": target.name,
        "provider": target.provider,
        "provider_module": target.module,
        "apis": list(target.apis),
        "distribution": generation.distribution,
        "version": generation.version,
        "outcome": row.outcome,
        "verdict": row.verdict,
        "counts": row.counts,
        "failed_checks": row.failed_checks,
        "failures": row.failures,
        "reason": row.reason,
        "note": row.note,
        "certified": settings.certified,
        "kit_version": settings.kit.version,
        "installs": list(cell.installs),
        "env_variables": [*settings.exported_names(cell), *(name for name, _ in target.env)],
        "services": list(target.services),
        "product": product,
        "reproduce": reproduce(cell, settings),
        "run_seconds": row.run_seconds,
    }


def reproduce(cell: Cell, settings: RunSettings) -> dict[str, str]:
    """The two ways to get this cell's verdict again: the matrix command for this one cell, and the plain
    kit run in an environment holding the kit and the generation (paths relative to the targets file)."""
    base = settings.targets_file.resolve().parent
    target, generation = cell.target, cell.generation

    def shown(arg: str) -> str:
        # relative to the targets file when they share a folder below / (a checkout's ../../fixtures/x.yaml),
        # so a published README names no path of the machine that made it
        name, sep, value = arg.partition("=")
        if sep and Path(value).is_absolute() and os.path.commonpath([value, base]) != "/":
            return f"{name}={os.path.relpath(value, base)}"
        return arg

    kit_args = [f"--llama-provider={target.provider}", f"--llama-api-package={generation.distribution}",
                *([f"--llama-provider-module={target.module}"] if target.module else []),
                *(shown(a) for a in target.kit_args()), "--llama-report=report"]
    matrix = ["llama-conformance", "matrix", settings.targets_file.name, "--target", target.name,
              "--generation", str(generation), *(["--certified"] if settings.certified else [])]
    return {
        "matrix": shlex.join(matrix),
        "install": shlex.join(["pip", "install", f"{envs.KIT_DISTRIBUTION}=={settings.kit.version}",
                               str(generation), *cell.installs]),
        "kit": shlex.join(["pytest", *kit_args]),
        "env_variables": " ".join(f"{name}=..." for name in [*settings.exported_names(cell),
                                                             *(name for name, _ in target.env)]),
    }


def cell_readme(record: dict[str, Any]) -> str:
    """The folder's README: what was judged, the verdict, and how to reproduce it."""
    product = record.get("product") or {}
    lines = [f"# {record['target']} on {record['distribution']} {record['version']}", "",
             f"**{record['verdict']}** ({record['outcome']})"
             + (f": {record['reason']}" if record.get("reason") else ""), ""]
    if product:
        lines += ["| product | |", "|---|---|", *(f"| {k} | {v} |" for k, v in product.items()), ""]
    lines += [f"- provider: `{record['provider']}`" + (f" from `{record['provider_module']}`"
                                                       if record.get("provider_module") else ""),
              f"- APIs: {', '.join(record['apis']) or 'every API the provider declares'}",
              f"- API package: {record['distribution']} {record['version']}",
              f"- kit: llama-conformance {record['kit_version']}"
              + (" (certified mode)" if record["certified"] else "")]
    if record.get("services"):
        lines += [f"- services: {', '.join(record['services'])} (started by the matrix on 127.0.0.1; by hand, start "
                  "them as the targets file's `services:` says and export what they give)"]
    if record.get("note"):
        lines += [f"- note: {record['note']}"]
    counts = record.get("counts") or {}
    if counts:
        lines += ["- checks: " + ", ".join(f"{v} {k}" for k, v in counts.items())]
    if record.get("failed_checks"):
        lines += ["- failing: " + ", ".join(f"`{c}`" for c in record["failed_checks"])]
    again = record["reproduce"]
    lines += ["", "The full report: [report.md](report.md), [report.html](report.html), [report.json](report.json) "
              "(and the kit's output, kit-output.txt).", "", "## Reproduce", "",
              "With the targets file:", "", "```sh", again["matrix"], "```", "",
              "Or by hand, in a fresh virtual environment:", "", "```sh", again["install"],
              *([f"export {again['env_variables']}"] if again["env_variables"] else []), again["kit"], "```", ""]
    return "\n".join(lines)

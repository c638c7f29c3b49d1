"""``llama-conformance compat``: choose the versions, build their envs, run the kit in each, write the table.

Exit codes: 0 every version passes (with ``--against``: the new version is no worse than the
installed one), 1 some version fails (``--against``: the new version is worse), 3 nothing
failed but some version could not be judged (an env that would not install, a kit run that
could not start or timed out: whoever runs compat must act, the provider is not blamed),
4 bad input (unknown provider, nonsense versions, unreachable index), said in one paragraph.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from llama_conformance.compat import envs, runner, signatures, table, versions
from llama_conformance.errors import KitUsageError

DEFAULT_OUT = "compat-report"
DEFAULT_TIMEOUT_S = 900.0
LATEST = "latest"  # --against latest: the newest release of the API distribution on the index
EXIT_PASS, EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_USAGE = 0, 1, 3, 4
STRUCTURAL_PREFIX = "structure."  # the structural suite's checks: where a signature change between versions shows
_RANK = {"Conformant": 3, "Partially conformant": 2, "Inconclusive": 1, "Not conformant": 0}


class CompatUsageError(Exception):
    """Bad input for compat: one paragraph, exit 4."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--llama-provider", required=True, metavar="TYPE",
                        help="the provider type, e.g. inline::localfs")
    parser.add_argument("--llama-provider-module", metavar="M", help="the package declaring the provider")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--versions", help="comma-separated versions of the API distribution (default: the newest "
                                          "patch of every minor line the provider admits, plus the newest)")
    which.add_argument("--against", metavar="NEW", help="compare the installed version with NEW only; exit 1 when "
                                                        f"NEW is worse ({LATEST}: the newest release on the index; "
                                                        "when that is the installed one, judge it alone)")
    parser.add_argument("--distribution", help="the API distribution (default: the provider's generation: "
                                               "ogx-api, llama-stack-api or llama-stack)")
    parser.add_argument("--install", action="append", default=[], metavar="REQ",
                        help="a requirement each env installs for the provider (repeatable; default: the "
                             "distribution that ships the provider module)")
    parser.add_argument("--kit", type=Path, metavar="PATH",
                        help="what each env installs for the kit: a source directory (editable) or a wheel "
                             "(default: where the running kit came from, else llama-conformance==VERSION)")
    parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--cache", type=Path, help=envs.CACHE_HELP)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="versions run at once")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per version's kit run")


def main(args: argparse.Namespace, extra: list[str]) -> int:
    try:
        return _main(args, [a for a in extra if a != "--"])
    except (CompatUsageError, versions.VersionError) as exc:
        print(f"llama-conformance compat: {exc}", file=sys.stderr)
        return EXIT_USAGE


def with_fuzzer(installs: tuple[str, ...], extra: list[str]) -> tuple[str, ...]:
    """``installs`` plus the fuzzer's engine (the kit's ``fuzz`` extra) when the kit's arguments serve the provider over
    HTTP, where its fuzz suite runs: without it every version's run would leave the fuzz checks out alike, and the
    comparison would say nothing of them."""
    from llama_conformance.fuzz.available import engine_requirement

    return (*installs, engine_requirement()) if "--llama-over-http" in extra else installs


def _main(args: argparse.Namespace, extra: list[str]) -> int:
    if args.jobs < 1 or args.timeout <= 0:
        raise CompatUsageError("-j must be at least 1 and --timeout positive.")
    distribution, requirement, default_installs = _provider_facts(args)
    chosen = _versions(args, distribution, requirement)
    # A local path is keyed (and installed) absolute: the same text from another directory is another env.
    installs = tuple(str(Path(r).resolve()) if Path(r).exists() else r for r in args.install) or default_installs
    installs = with_fuzzer(installs, extra)
    problem = envs.kit_path_problem(args.kit)
    if problem:
        raise CompatUsageError(problem)
    kit = envs.running_kit(args.kit)
    cache = args.cache or envs.default_cache_dir()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    api_package = distribution  # --llama-api-package takes the distribution name of every generation
    print(f"compat: {args.llama_provider} on {distribution} {', '.join(chosen)} "
          f"({'uv' if envs.find_uv() else 'venv + pip'}; envs in {cache})", file=sys.stderr)

    built_envs: dict[str, envs.BuiltEnv] = {}

    def one(version: str) -> runner.VersionResult:
        spec = envs.EnvSpec(python=envs.python_tag(), distribution=distribution, version=version, kit=kit.fingerprint,
                            installs=installs)
        built = built_envs[version] = envs.ensure_env(spec, kit, cache)
        row = runner.run_version(built, args.llama_provider, args.llama_provider_module, api_package, out, extra,
                                 args.timeout)
        print(f"  {distribution} {version}: {row.outcome} ({row.verdict})", file=sys.stderr)
        return row

    with ThreadPoolExecutor(max_workers=min(args.jobs, len(chosen))) as pool:
        rows = list(pool.map(one, chosen))
    add_migration_hints(rows, built_envs, api_package, out)
    data = table.table_json(rows, provider=args.llama_provider, provider_module=args.llama_provider_module,
                            distribution=distribution, requirement=requirement, against=args.against)
    written = table.write_table(data, out)
    print(data["summary"])
    print(f"table: {', '.join(str(p) for p in written)}")
    if args.against:
        return _against_exit(rows)
    if any(r.outcome == "fail" for r in rows):
        return EXIT_FAIL
    return EXIT_INCONCLUSIVE if any(r.outcome == "inconclusive" for r in rows) else EXIT_PASS


def structural_failures(report_dir: Path) -> list[str]:
    """The members a version's report failed a structural check on (where a signature change shows)."""
    try:
        report = json.loads((report_dir / "report.json").read_text())
    except (OSError, ValueError):
        return []
    return [str(r["subject"]) for r in report.get("results", [])
            if r.get("outcome") == "failed" and r.get("subject")
            and str(r.get("check", "")).startswith(STRUCTURAL_PREFIX)]


def add_migration_hints(rows: list[runner.VersionResult], built: dict[str, envs.BuiltEnv], api_package: str,
                        out: Path) -> None:
    """For a version that failed structural checks, what its contract changed on those members compared
    with a version the provider passes (else the newest other version): each env dumps its own contract's
    signatures, so two versions are never imported into one process."""
    failing = [r for r in rows if r.outcome == "fail" and r.report and structural_failures(out / r.report)]
    if not failing:
        return
    dumps: dict[str, dict[str, Any] | None] = {}

    def signatures_of(version: str) -> dict[str, Any] | None:
        if version not in dumps:
            dumps[version] = signatures.dump_in(built[version].python, api_package)
        return dumps[version]

    for row in failing:
        others = [r for r in rows if r is not row and not built[r.version].problem]
        reference = next((r for r in reversed(others) if r.outcome == "pass"), others[-1] if others else None)
        if reference is None:
            continue
        old, new = signatures_of(reference.version), signatures_of(row.version)
        if old is None or new is None:
            continue
        row.hints = signatures.migration_hints(structural_failures(out / str(row.report)), old, new,
                                               f"{reference.distribution} {reference.version}",
                                               f"{row.distribution} {row.version}")


def worse(new: runner.VersionResult, current: runner.VersionResult) -> bool:
    """NEW is worse: a lower verdict (a provider that does not even import on NEW is below any run that
    reached the checks), or a check failing on NEW that passes on the current version."""
    def rank(row: runner.VersionResult) -> int:
        return _RANK.get(row.verdict, 0) if row.counts else -1

    if rank(new) < rank(current):
        return True
    return bool(set(new.failed_checks) - set(current.failed_checks))


def _against_exit(rows: list[runner.VersionResult]) -> int:
    current, new = rows[0], rows[-1]
    if "inconclusive" in (current.outcome, new.outcome):
        print(f"cannot compare: {current.version} {current.outcome}, {new.version} {new.outcome}", file=sys.stderr)
        return EXIT_INCONCLUSIVE
    if worse(new, current):
        added = sorted(set(new.failed_checks) - set(current.failed_checks))
        print(f"{new.distribution} {new.version} is worse than {current.version}: {new.reason or new.verdict} vs "
              f"{current.reason or current.verdict}"
              + (f"; newly failing: {', '.join(added)}" if added else ""))
        return EXIT_FAIL
    return EXIT_PASS


def _provider_facts(args: argparse.Namespace) -> tuple[str, str | None, tuple[str, ...]]:
    """(API distribution, the provider's requirement on it, what each env installs for the provider)."""
    from llama_conformance.contract.generation import built_on, provider_modules
    from llama_conformance.contract.packages import installed_api_packages
    from llama_conformance.discovery import DiscoveryOptions, discover

    try:
        entry = discover(args.llama_provider, DiscoveryOptions(provider_module=args.llama_provider_module))
    except KitUsageError as exc:
        if not (args.install and args.distribution):
            raise CompatUsageError(
                f"{exc} (compat looks the provider up in this environment to learn its API generation and "
                "distribution; if it is installed only in the envs compat builds, give --install REQ and "
                "--distribution DIST.)") from None
        return args.distribution, None, ()
    built = built_on(provider_modules(entry.module, entry.source or "", entry.config_class or ""), entry.spec_module)
    installed = installed_api_packages()
    distribution = args.distribution or built.package or (installed[0].distribution if installed else None)
    if distribution not in versions.GENERATION_RANGES:
        raise CompatUsageError(f"--distribution {distribution!r} is not an API distribution the kit reads a contract "
                               f"from: use one of {', '.join(versions.GENERATION_RANGES)}.")
    requirement = built.version_spec if built.package == distribution else None
    return distribution, requirement, _provider_install(entry.module)


def _provider_install(module: str) -> tuple[str, ...]:
    """The distribution shipping ``module``: its source dir if installed from one, else name==version;
    nothing when it is the kit itself (the env has it) or not from any distribution."""
    from llama_conformance.contract.generation import distribution_shipping

    dist = distribution_shipping(module.split(".")[0])
    if dist is None or dist.metadata["Name"] == envs.KIT_DISTRIBUTION:
        return ()
    source = envs.source_dir_of(dist)
    return (source,) if source else (f"{dist.metadata['Name']}=={dist.version}",)


def _versions(args: argparse.Namespace, distribution: str, requirement: str | None) -> list[str]:
    if args.versions:
        wanted = versions.parse_versions(args.versions)
        versions.check_known(wanted, versions.available_versions(distribution), distribution)
        return wanted
    available = versions.available_versions(distribution)
    if args.against:
        latest = args.against.strip().lower() == LATEST
        new = [versions.newest_release(available, distribution) or ""] if latest else versions.parse_versions(
            args.against)
        if len(new) != 1 or not new[0]:
            raise CompatUsageError("--against takes one version." if not latest else
                                   f"--against {LATEST}: the index lists no release of {distribution} in the kit's "
                                   f"range {versions.GENERATION_RANGES.get(distribution)}.")
        try:
            current = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            raise CompatUsageError(f"--against compares the installed {distribution} with {new[0]}, but {distribution} "
                                   "is not installed here; use --versions OLD,NEW instead.") from None
        versions.check_known([current, new[0]], available, distribution)
        if current == new[0]:
            if latest:  # a scheduled job whose provider is already on the newest release: judge that one
                print(f"--against {LATEST}: the installed {distribution} {current} is the newest release; judging "
                      "it alone", file=sys.stderr)
                return [current]
            raise CompatUsageError(f"--against {new[0]} is the installed version itself: name a newer one.")
        return [current, new[0]]
    chosen = versions.select_versions(available, distribution, requirement)
    if not chosen:
        raise CompatUsageError(f"no release of {distribution} on the index is admitted by the provider's requirement "
                               f"{requirement!r} and the kit's range {versions.GENERATION_RANGES[distribution]}.")
    return chosen

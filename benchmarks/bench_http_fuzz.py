"""The kit's HTTP fuzz mode against plain ``schemathesis run``, same server, same budget.

Target (issue 18): on the same server and operations with the same example budget, the kit's
HTTP mode (stream validation on) sends at least 1.2x the schemathesis CLI's cases per second, at
the fast and the thorough budget. Both runs are fresh processes against one server: the kit's
reference deployment (reference inference + files behind their package's routers, uvicorn on
127.0.0.1, a fresh one for each run).

* baseline: ``schemathesis run DOC --url URL -n 2N --phases fuzzing --checks <the kit's
  schemathesis checks> --no-shrink --seed S`` on the document the kit repaired (the raw
  one runs 0 cases: its references dangle), written to a file first. The CLI's ``-n`` is
  per operation across both generation modes (it draws from ``one_of(positive, negative)``),
  so 2N matches the kit's budget;
* kit: ``pytest --llama-stack-url URL -m fuzz --hypothesis-seed S`` (profile ``fast``: N
  examples per operation and generation mode), which fetches and repairs the document
  itself and also validates every stream event.

Each run gets a fresh deployment (a shared one keeps every run's uploads, and its growing listings
made later runs dearer for both tools). Both are timed wall-clock and in CPU seconds (user + system
of the child: steadier than wall time on a shared machine), start-up included; each round runs both, alternating
which goes first. The two sides do not send exactly the same number of cases (the CLI draws
``-n`` from both modes at once; the kit skips the negative mode where nothing can be made
invalid), so the verdict is throughput: cases sent per wall second and per CPU second, and
the ratio kit / CLI of each (above 1: the kit is faster; the goal of issue 18 is >= 1.2).
Every run is printed as it ends, with the cases it sent (the kit's summary line, the CLI's
"N generated"), so equal work can be checked, not assumed.

    python benchmarks/bench_http_fuzz.py [--rounds 3] [--profile fast|thorough] [--json OUT]

``--profile thorough`` gives both the thorough profile's budget (150 per mode, so ``-n 300``
for the CLI): the fixed start-up of a pytest plugin weighs less against more cases.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = 12  # the fast profile's max_examples (``--profile thorough``: 150)
PROFILE_EXAMPLES = {"fast": 12, "thorough": 150}
SEED = 1
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "negative_data_rejection,positive_data_acceptance,use_after_free,ensure_resource_availability")


def repaired_document(url: str, out: Path) -> int:
    """Fetch and repair the server's document as the kit does; returns its operation count."""
    from llama_conformance.contract import load_contract
    from llama_conformance.openapi import fetch_spec, repair_spec
    from llama_conformance.openapi.sse import iter_operations

    spec = fetch_spec(url)
    repaired = repair_spec(spec, load_contract(None).package.module)
    out.write_text(json.dumps(repaired.spec))
    return len(list(iter_operations(repaired.spec)))


# Both tools run as on a user's machine: Python caches compiled bytecode. Where the
# environment turns that off (PYTHONDONTWRITEBYTECODE, set on these CI machines), every run
# would recompile the API package, openai, Hypothesis and schemathesis from source, a
# start-up cost no user pays twice; a warm-up run of each fills the caches first.
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
# Both run where a user's would, outside this checkout: from its root, pytest would load the kit's own
# ``tests/conftest.py`` (its ``testpaths``), which gives each run a fresh, empty kit cache and turns
# isolation off, so the kit would rebuild its repaired document every run and skip its worker.
NEUTRAL_CWD = tempfile.gettempdir()


def kit_is_local() -> bool:
    """True when the kit runs from a checkout (an editable install) rather than as an installed package.

    Hypothesis draws some values from the constants of the "local" modules a process has loaded (not in
    site-packages, not test files: ``hypothesis.internal.conjecture.providers._get_local_constants``). A checkout's
    kit modules are local, so its fuzz cases differ from a user's (the kit installed from PyPI, as tox installs
    it) and which modules a run happens to load changes them: 37,845 or 54,993 draws for the same chat
    operation and seed. Measure with the kit installed as a package.
    """
    found = subprocess.run([sys.executable, "-c", "import llama_conformance; print(llama_conformance.__file__)"],
                           capture_output=True, text=True, check=False, cwd=NEUTRAL_CWD, env=CHILD_ENV)
    return "-packages/" not in found.stdout  # site-packages, or dist-packages on Debian


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the child) and the output of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=CHILD_ENV, cwd=NEUTRAL_CWD)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout + done.stderr


def cli_run(url: str, document: Path, examples: int = EXAMPLES) -> tuple[float, float, str]:
    cli = str(Path(sys.executable).with_name("schemathesis"))
    return timed([cli, "run", str(document), "--url", url, "-n", str(2 * examples), "--phases", "fuzzing",
                  "--checks", CHECKS, "--no-shrink", "--seed", str(SEED)])


def kit_run(url: str, profile: str = "fast") -> tuple[float, float, str]:
    # The chains (test_linked_operations) are left out: the CLI runs only its fuzzing phase here.
    return timed([sys.executable, "-m", "pytest", f"--llama-stack-url={url}", "-m", "fuzz", "-k", "not linked", "-q",
                  "-p", "no:cacheprovider", f"--hypothesis-seed={SEED}", f"--llama-profile={profile}"])


def cases_of(output: str) -> int | None:
    """Cases sent: the CLI's "N generated", the kit's "fuzzed K tests, N cases"; None if the output has neither."""
    found = re.findall(r"(\d+) generated|tests, (\d+) cases", output)
    return next((int(a or b) for a, b in reversed(found)), None)


def throughput(cases: list[int | None], seconds: list[float]) -> float:
    """Median cases per second over the runs that reported their cases."""
    rates = [count / spent for count, spent in zip(cases, seconds, strict=True) if count and spent > 0]
    return statistics.median(rates) if rates else float("nan")


CLI, KIT = "schemathesis run (baseline)", "kit --llama-stack-url -m fuzz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=sorted(PROFILE_EXAMPLES), default="fast")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-warm-up", action="store_true",
                        help="skip the uncounted warm-up run of each tool (the bytecode caches are already full: "
                             "a thorough CLI run takes minutes)")
    args = parser.parse_args()

    from llama_conformance_fixtures.deployment import serve_deployment

    if kit_is_local():
        print("warning: the kit is imported from a checkout (an editable install), so Hypothesis draws constants "
              "from its modules and its cases differ from an installed kit's (see kit_is_local); install it as a "
              "package to measure what users run: uv pip install --no-deps --reinstall-package llama-conformance .",
              flush=True)

    wall: dict[str, list[float]] = {CLI: [], KIT: []}
    cpu: dict[str, list[float]] = {CLI: [], KIT: []}
    cases: dict[str, list[int | None]] = {CLI: [], KIT: []}
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "repaired.json"
        with serve_deployment() as url:
            operations = repaired_document(url, document)
        examples = PROFILE_EXAMPLES[args.profile]
        runners = {CLI: lambda url: cli_run(url, document, examples), KIT: lambda url: kit_run(url, args.profile)}

        def on_a_fresh_deployment(name: str) -> tuple[float, float, str]:
            # Each run gets a deployment of its own: one shared by every run keeps each run's uploads, so its
            # listings (and each tool's per-case cost) grow through the benchmark and later runs pay more.
            with serve_deployment() as url:
                return runners[name](url)

        for name in () if args.no_warm_up else runners:  # fills the bytecode caches; not counted
            on_a_fresh_deployment(name)
        for round_ in range(args.rounds):
            order = (CLI, KIT) if round_ % 2 == 0 else (KIT, CLI)  # neither always runs on a warmer machine
            for name in order:
                seconds, cpu_seconds, output = on_a_fresh_deployment(name)
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)
                cases[name].append(cases_of(output))
                print(f"  round {round_ + 1}: {name}: {seconds:.2f} s wall, {cpu_seconds:.2f} s CPU, "
                      f"{cases[name][-1]} cases", flush=True)
    print(f"reference deployment, {operations} operations, profile {args.profile}: {examples} examples per operation "
          f"and mode, seed {SEED}")
    ratios = {}
    for label, table in (("wall", wall), ("cpu", cpu)):
        baseline = statistics.median(table[CLI])
        for name, times in table.items():
            median = statistics.median(times)
            print(f"  {label:4s} {name:34s} median {median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})  "
                  f"ratio {median / baseline:.2f}x")
        ratios[label] = statistics.median(table[KIT]) / baseline
    for name, counts in cases.items():
        print(f"  cases sent per run, {name}: {', '.join(str(count) for count in counts)}")
    rates = {}
    for label, table in (("wall", wall), ("cpu", cpu)):
        per_tool = {name: throughput(cases[name], table[name]) for name in (CLI, KIT)}
        rates[label] = per_tool[KIT] / per_tool[CLI]
        print(f"  cases per {label} second: CLI {per_tool[CLI]:.1f}, kit {per_tool[KIT]:.1f}, "
              f"kit / CLI {rates[label]:.2f}x (goal >= 1.2x)")
    if args.json:
        args.json.write_text(json.dumps({
            "operations": operations, "examples": examples, "profile": args.profile, "wall_seconds": wall,
            "cpu_seconds": cpu, "cases": cases, "ratio_wall": ratios["wall"], "ratio_cpu": ratios["cpu"],
            "throughput_ratio_wall": rates["wall"], "throughput_ratio_cpu": rates["cpu"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

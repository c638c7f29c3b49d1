"""The kit's HTTP fuzz mode against plain ``schemathesis run``, same server, same budget.

Target (issue 4): on the same server and operations with the same example budget, the kit's
HTTP mode (stream validation on) is at least as fast as the schemathesis CLI. Both runs
are fresh processes against one server: the kit's reference deployment (reference
inference + files behind their package's routers, uvicorn on 127.0.0.1, started once).

* baseline: ``schemathesis run DOC --url URL -n N --phases fuzzing --checks <the kit's
  schemathesis checks> --no-shrink --seed S`` on the document the kit repaired (the raw
  one runs 0 cases: its references dangle), written to a file first;
* kit: ``pytest --llama-stack-url URL -m fuzz --hypothesis-seed S`` (profile ``fast``: the
  same N examples per operation and generation mode), which fetches and repairs the
  document itself and also validates every stream event.

Both are timed wall-clock, start-up included; the ratio is kit / CLI (below 1: faster).

    python benchmarks/bench_http_fuzz.py [--rounds 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = 12  # the fast profile's max_examples
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


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.stdout + done.stderr


def cli_run(url: str, document: Path) -> tuple[float, str]:
    cli = str(Path(sys.executable).with_name("schemathesis"))
    return timed([cli, "run", str(document), "--url", url, "-n", str(EXAMPLES), "--phases", "fuzzing",
                  "--checks", CHECKS, "--no-shrink", "--seed", str(SEED)])


def kit_run(url: str) -> tuple[float, str]:
    return timed([sys.executable, "-m", "pytest", f"--llama-stack-url={url}", "-m", "fuzz", "-q",
                  "-p", "no:cacheprovider", f"--hypothesis-seed={SEED}"])


def cases_of(output: str) -> str:
    found = re.findall(r"(\d+) (?:test cases|generated)", output)
    return found[-1] if found else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from llama_conformance_fixtures.deployment import serve_deployment

    results: dict[str, list[float]] = {"schemathesis run (baseline)": [], "kit --llama-stack-url -m fuzz": []}
    with serve_deployment() as url, tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "repaired.json"
        operations = repaired_document(url, document)
        for _ in range(args.rounds):
            cli_s, cli_out = cli_run(url, document)
            kit_s, kit_out = kit_run(url)
            results["schemathesis run (baseline)"].append(cli_s)
            results["kit --llama-stack-url -m fuzz"].append(kit_s)
        last = {"cli": cli_out.strip().splitlines()[-3:], "kit": kit_out.strip().splitlines()[-1:]}
    baseline = statistics.median(results["schemathesis run (baseline)"])
    print(f"reference deployment, {operations} operations, {EXAMPLES} examples per operation and mode, seed {SEED}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"  {name:34s} median {median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})  "
              f"ratio {median / baseline:.2f}x")
    print(f"  last CLI summary: {' | '.join(last['cli'])}")
    print(f"  last kit summary: {' | '.join(last['kit'])}")
    if args.json:
        args.json.write_text(json.dumps({"operations": operations, "examples": EXAMPLES, "seconds": results,
                                         "ratio": statistics.median(results['kit --llama-stack-url -m fuzz'])
                                         / baseline}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

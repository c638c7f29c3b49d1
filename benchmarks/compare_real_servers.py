"""The kit's HTTP fuzz mode beside plain ``schemathesis run`` on a real ogx / llama-stack server.

Starts the server of ``--kind`` with its offline built-in config (files ``inline::localfs``,
vector_io, inference through ``remote::openai`` to the kit's OpenAI-compatible loopback
server, ...) on 127.0.0.1, then runs, against the same server:

1. ``schemathesis run URL/openapi.json`` - the document as the server publishes it;
2. ``schemathesis run REPAIRED --url URL`` - the same CLI on the document the kit repaired;
3. ``pytest --llama-stack-url URL -m fuzz`` - the kit (repairs the document itself, validates
   every stream event, runs the chains over inferred links).

Both CLI runs use the kit's schemathesis checks, ``-n 2N`` (the kit's N per generation mode),
no shrinking and one seed. Each line of the output says what the tool reported: cases, the
distinct failures by code (the kit maps codes to its check ids), time. Run it in the tox env
that has the server (``.tox/ogx/bin/python`` for ogx, ``.tox/llama-stack/bin/python`` for
llama-stack):

    python benchmarks/compare_real_servers.py --kind ogx [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http_fuzz import CHECKS, EXAMPLES, SEED, timed

CONFIGS = {"ogx": "ogx-offline-10-apis.yaml", "llama-stack": "llama-stack-offline-11-apis.yaml"}
PACKAGES = {"ogx": "ogx_api", "llama-stack": "llama_stack_api"}


def schemathesis_cli() -> str:
    return str(Path(sys.executable).with_name("schemathesis"))


def cli_summary(output: str) -> dict[str, Any]:
    """Cases, failing operations with their failure titles, and errors from ``schemathesis run`` (4.32)."""
    generated = re.findall(r"(\d+) generated", output)
    errors = re.findall(r"(\d+) errors?\b", output)
    failures: dict[str, list[str]] = {}
    operation = None
    for line in output.splitlines():
        if re.match(r"=+ (WARNINGS|SUMMARY) =+", line):
            break
        if header := re.match(r"_+ (GET|POST|PUT|PATCH|DELETE) (\S+) _+$", line):
            operation = f"{header.group(1)} {header.group(2)}"
        elif operation and (title := re.match(r"- (.+)$", line.strip())) and not line.startswith(" " * 6):
            failures.setdefault(operation, []).append(title.group(1))
    return {"cases": int(generated[-1]) if generated else 0, "errors": int(errors[-1]) if errors else 0,
            "failing_operations": failures, "last_line": output.strip().splitlines()[-1]}


def kit_summary(output: str) -> dict[str, Any]:
    """Cases, failing tests and the check ids their failures name, from a kit run."""
    cases = re.findall(r"fuzzed \d+ tests, (\d+) cases", output)
    outcome = re.findall(r"^=* ?(\d+ (?:passed|failed).*) in [\d.]+s", output, re.M)
    failures: dict[str, list[str]] = {}
    operation = None
    for line in output.splitlines():
        if header := re.match(r"_+ test_(?:operation\[(.+)\]|linked_operations) _+$", line):
            operation = header.group(1) or "linked operations (stateful)"
        elif operation and (finding := re.match(r"\d+\. \[(MUST|SHOULD) (fuzz\.[\w.-]+)\] (ST\d+|LC-\w+) (.+)", line)):
            failures.setdefault(operation, []).append(f"{finding.group(2)}: {finding.group(4)}")
    should = Counter(re.findall(r"\[SHOULD (fuzz\.[\w.-]+)\]", output))
    return {"cases": int(cases[-1]) if cases else 0, "outcome": outcome[-1] if outcome else "?",
            "failing_operations": failures, "should_findings": dict(should),
            "repairs": (re.findall(r"(\d+) repairs of", output) or ["0"])[-1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=sorted(CONFIGS), required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from llama_conformance.contract import load_contract
    from llama_conformance.openapi import fetch_spec, repair_spec
    from llama_conformance_fixtures.openai_server import serve_openai_compatible
    from llama_conformance_fixtures.servers import running_server, server_config

    results: dict[str, Any] = {"kind": args.kind, "examples_per_mode": EXAMPLES, "seed": SEED}
    with serve_openai_compatible() as openai_url, tempfile.TemporaryDirectory() as tmp, \
            running_server(args.kind, server_config(CONFIGS[args.kind]),
                           env={"KIT_OPENAI_URL": openai_url + "/v1"}) as server:
        url = server.url
        raw = Path(tmp) / "raw.json"
        raw.write_text(json.dumps(fetch_spec(url)))
        repaired = Path(tmp) / "repaired.json"
        repaired_spec = repair_spec(json.loads(raw.read_text()), load_contract(PACKAGES[args.kind]).package.module)
        repaired.write_text(json.dumps(repaired_spec.spec))
        common = ["-n", str(2 * EXAMPLES), "--phases", "fuzzing", "--checks", CHECKS, "--no-shrink",
                  "--seed", str(SEED)]
        runs = {
            "schemathesis run (published document)": [schemathesis_cli(), "run", f"{url}/openapi.json", *common],
            "schemathesis run (kit-repaired document)": [schemathesis_cli(), "run", str(repaired), "--url", url,
                                                         *common],
            "kit --llama-stack-url -m fuzz": [sys.executable, "-m", "pytest", f"--llama-stack-url={url}", "-m",
                                              "fuzz", "-q", "-rf", "-p", "no:cacheprovider",
                                              f"--hypothesis-seed={SEED}"],
        }
        for name, command in runs.items():
            wall, cpu, output = timed(command)
            summary = kit_summary(output) if name.startswith("kit") else cli_summary(output)
            results[name] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), **summary}
            label = "kit" if name.startswith("kit") else "cli-" + name.split("(")[1].split()[0]
            (Path(tempfile.gettempdir()) / f"compare-{args.kind}-{label}.log").write_text(output)
            print(f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU, {json.dumps(summary)}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

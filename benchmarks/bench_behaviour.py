"""Wall time of whole kit runs on the bundled reference providers, per profile and suite.

Target (issue 3): the default profile against the reference providers in <= 60 s on a
2-core machine. Each run is a fresh ``pytest --llama-provider=...`` process, as a CI job
would start it, so interpreter start-up and imports are included. The baseline in the same
run is the structural suite alone (``-m structural``): the ratio says what the behavioural
suites cost on top of the floor every run pays.

    python benchmarks/bench_behaviour.py [--rounds 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALL_INFERENCE_CAPABILITIES = ("chat", "streaming", "stream-usage", "completions", "embeddings",
                              "embeddings-dimensions", "rerank", "tool-calls")
TARGETS = {
    "inline::kit-files": (),
    "inline::kit-inference": tuple(f"--llama-capability={c}" for c in ALL_INFERENCE_CAPABILITIES),
}
VARIANTS = {
    "structural only (baseline)": ("-m", "structural"),
    "default profile (fast), all suites": (),
    "thorough profile, all suites": ("--llama-profile=thorough",),
}


def run_once(provider: str, extra: tuple[str, ...], workdir: Path) -> tuple[float, str]:
    command = [sys.executable, "-m", "pytest", f"--llama-provider={provider}", "-q", "-p", "no:cacheprovider",
               "--hypothesis-seed=1", *TARGETS[provider], *extra]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "HOME": str(workdir)}, check=False)
    elapsed = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-200:]
    if done.returncode != 0:
        raise SystemExit(f"{provider} {extra} failed (exit {done.returncode}): {last}")
    return elapsed, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for provider in TARGETS:
            baseline = None
            for name, extra in VARIANTS.items():
                times, summary = [], ""
                for _ in range(args.rounds):
                    elapsed, summary = run_once(provider, extra, workdir)
                    times.append(elapsed)
                median = statistics.median(times)
                baseline = baseline or median
                rows.append({"provider": provider, "variant": name, "median_s": round(median, 2),
                             "runs_s": [round(t, 2) for t in times], "ratio_to_structural": round(median / baseline, 2),
                             "pytest_summary": summary})
                print(f"{provider:24} {name:36} median {median:6.2f} s  x{median / baseline:5.2f}  ({summary})")
    default_total = sum(r["median_s"] for r in rows if r["variant"].startswith("default"))
    print(f"default profile, both reference providers: {default_total:.2f} s (target <= 60 s)")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "default_total_s": default_total}, indent=2))


if __name__ == "__main__":
    main()

"""What ``llama-conformance compat`` costs for one version: first run (env built) vs cached run,
as ratios to the bare kit run in the same env, measured in the same run.

(baseline) ``python -m pytest --llama-provider=inline::kit-files -m structural`` straight in the
           env compat built: the kit's own cost, which compat cannot avoid;
(first)    ``llama-conformance compat --versions V`` with an empty cache: env build + kit run +
           index lookup + table;
(cached)   the same command again: only the lookup, the kit run and the table.
``cached / baseline`` is compat's overhead once envs exist; ``first - cached`` the env build.

    .tox/ogx/bin/python benchmarks/bench_compat.py [--version 1.5.0] [--rounds 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROVIDER = "inline::kit-files"


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default="1.5.0", help="the ogx-api version to build an env for")
    parser.add_argument("--rounds", type=int, default=2, help="cached runs and baseline runs (median)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cache = root / "cache"
        compat = [sys.executable, "-m", "llama_conformance.cli", "compat", f"--llama-provider={PROVIDER}",
                  f"--versions={args.version}", "--cache", str(cache), "--out", str(root / "out"), "--",
                  "-m", "structural"]
        first = _timed(compat, root)
        env_python = next(cache.glob(f"ogx-api-{args.version}-*/bin/python"))
        bare = [str(env_python), "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--llama-provider={PROVIDER}",
                "--llama-api-package=ogx_api", f"--llama-report={root / 'bare'}", "-m", "structural"]
        cached, baseline = [], []
        for _ in range(args.rounds):  # alternated, so drift on a shared machine hits both alike
            baseline.append(_timed(bare, root))
            cached.append(_timed(compat, root))
        row = json.loads((root / "out" / "compat.json").read_text())["rows"][0]
    base, warm = statistics.median(baseline), statistics.median(cached)
    report: dict[str, Any] = {
        "version": args.version, "first_s": round(first, 2), "cached_s": round(warm, 2),
        "baseline_s": round(base, 2), "first_ratio": round(first / base, 2), "cached_ratio": round(warm / base, 2),
        "env_build_s": round(first - warm, 2), "cached_row_env_cached": row["env_cached"],
        "runs": {"cached": cached, "baseline": baseline},
    }
    print(f"baseline (bare kit run in the env): {base:.2f} s")
    print(f"first compat run (env built):        {first:.2f} s -> ratio {report['first_ratio']}")
    print(f"cached compat run:                   {warm:.2f} s -> ratio {report['cached_ratio']} "
          f"(env build ~{report['env_build_s']} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: `mirror lint` over the whole archive against python-frontmatter.

Extracts the 55,167 archive files, then times `mirror lint` (parse, render,
compare every file) and a plain `frontmatter.load` of every file, in the
same run, best of N each. Target: lint at most half frontmatter's time.

    python bench/lint_bench.py [--repeat N] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from common import REPO, TARBALL

LOAD_ALL = """
import os, sys, frontmatter
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        frontmatter.load(os.path.join(root, name))
"""


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    return time.perf_counter() - start, done


def measure(work: Path, repeat: int = 3) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with tarfile.open(TARBALL) as archive:
        archive.extractall(work, filter="data")
    lint = load = float("inf")
    summary = ""
    for _ in range(repeat):
        elapsed, done = timed([sys.executable, "-m", "mirror", "lint", str(work)])
        lint, summary = min(lint, elapsed), done.stdout.strip().splitlines()[-1]
        load = min(load, timed([sys.executable, "-c", LOAD_ALL, str(work)])[0])
    return {"summary": summary, "lint_seconds": round(lint, 2), "frontmatter_seconds": round(load, 2),
            "ratio": round(lint / load, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "lint")
    args = parser.parse_args()
    result = measure(args.work, args.repeat)
    print(f"{result['summary']}\nmirror lint {result['lint_seconds']} s, frontmatter.load "
          f"{result['frontmatter_seconds']} s: ratio {result['ratio']} (target <= 0.5)")
    print(json.dumps(result))
    return 0 if result["ratio"] <= 0.5 and " 0 not canonical, 0 unreadable" in result["summary"] else 1


if __name__ == "__main__":
    sys.exit(main())

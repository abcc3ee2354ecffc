"""Benchmark: CPU per page for extraction + conversion + rendering.

Every real page of ../shared/corpus/pages, as the spider sees it (the page
text), through `page_selector`, `extract` and `render`; each page repeated,
its best time kept; the median and 95th percentile over pages.
Target: median <= 2 ms.

    python bench/cpu_bench.py [--pages DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from common import REPO
from mirror.archive.document import render
from mirror.site.extract import extract, page_selector

DEFAULT_PAGES = REPO.parent / "shared" / "corpus" / "pages"


def page_times(folder: Path, repeat: int) -> list[float]:
    times = []
    for path in sorted(folder.glob("*.html")):
        html = path.read_text(encoding="utf-8")
        url = "https://www.beehive.govt.nz/release/" + path.stem
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            render(extract(page_selector(html), url))
            best = min(best, time.perf_counter() - start)
        times.append(best)
    return times


def measure(folder: Path = DEFAULT_PAGES, repeat: int = 5) -> dict:
    times = sorted(page_times(folder, repeat))
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"pages": len(times), "median_ms": round(statistics.median(times) * 1000, 3),
            "p95_ms": round(p95 * 1000, 3), "max_ms": round(times[-1] * 1000, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.pages.is_dir():
        print(f"{args.pages}: not found", file=sys.stderr)
        return 2
    result = measure(args.pages, args.repeat)
    print(f"{result['pages']} pages: median {result['median_ms']} ms, p95 {result['p95_ms']} ms "
          f"(target: median <= 2 ms)")
    print(json.dumps(result))
    return 0 if result["median_ms"] <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())

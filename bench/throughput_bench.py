"""Benchmark: crawl throughput of the full pipeline against a no-op spider.

The replica serves 2,000 pages built from archive documents; `scrapy crawl
releases` (extraction, conversion, pipelines, manifest, WARC, diff and
reports) and a spider that requests the same URLs and discards the
responses run with the same settings (politeness lifted: no delay, no
autothrottle, 16 concurrent requests), alternately, best of N each (5 by
default: this machine's speed varies by a third from one run to the next,
and the best run of each is the least disturbed).
Target: the full pipeline at least 0.8x the no-op spider's pages a second.

    python bench/throughput_bench.py [--pages N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from common import REPO, build_site, crawl, replica, stat

NOOP = str(REPO / "bench" / "noop_spider.py")


def measure(pages: int, repeat: int, work: Path, settings: dict | None = None) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, site, count = build_site(work, pages)
    best = {"releases": float("inf"), "noop": float("inf")}
    rss = {}
    runs = []
    with replica(site) as origin:
        for round_ in range(repeat):
            for name, spider in (("noop", NOOP), ("releases", "releases")):
                output = work / f"output-{name}-{round_}"
                elapsed, log, peak = crawl(origin, seeds, output, spider, settings)
                fetched = stat(log, "downloader/response_status_count/200") - 1  # robots.txt
                if fetched < count:
                    raise SystemExit(f"{name}: only {fetched} of {count} pages fetched:\n{log[-3000:]}")
                best[name] = min(best[name], elapsed)
                runs.append((name, round(elapsed, 2)))
                rss[name] = peak
    return {"pages": count, "noop_seconds": round(best["noop"], 2), "full_seconds": round(best["releases"], 2),
            "noop_pages_per_s": round(count / best["noop"], 1), "full_pages_per_s": round(count / best["releases"], 1),
            "ratio": round(best["noop"] / best["releases"], 3), "noop_peak_rss_mb": round(rss["noop"] / 1024, 1),
            "full_peak_rss_mb": round(rss["releases"] / 1024, 1), "runs": runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "throughput")
    args = parser.parse_args()
    result = measure(args.pages, args.repeat, args.work)
    print(f"pages {result['pages']}: no-op {result['noop_pages_per_s']} pages/s, "
          f"full pipeline {result['full_pages_per_s']} pages/s, ratio {result['ratio']} (target >= 0.8)")
    print(json.dumps(result))
    return 0 if result["ratio"] >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())

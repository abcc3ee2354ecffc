"""Benchmark: a crawl with all 55,167 archive files as seeds.

The replica serves a page generated for each document (mirror.testing.pagebuild);
`scrapy crawl releases` runs with the throughput benchmark's settings.
Prints pages a second and the crawl's peak memory (peak RSS; target
<= 500 MB); bench/run compares its throughput with the throughput benchmark
(target: within 20%).

    python bench/scale_bench.py [--limit N] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

from common import REPO, build_site, crawl, replica, stat


def measure(work: Path, limit: int | None = None) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, site, count = build_site(work, limit)
    with replica(site) as origin:
        elapsed, log, peak_kb = crawl(origin, seeds, work / "output")
    fetched = stat(log, "mirror/http/200")
    return {"pages": count, "fetched": fetched, "seconds": round(elapsed, 1),
            "pages_per_s": round(fetched / elapsed, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
            "written": stat(log, "mirror/written"),
            "failed": sum(int(n) for n in re.findall(r"'mirror/failed/[^']*': (\d+)", log))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N archive files")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "scale")
    args = parser.parse_args()
    result = measure(args.work, args.limit)
    print(f"{result['fetched']} of {result['pages']} pages in {result['seconds']} s: {result['pages_per_s']} pages/s; "
          f"peak RSS {result['peak_rss_mb']} MB (target <= 500 MB)")
    print(json.dumps(result))
    return 0 if result["peak_rss_mb"] <= 500 and result["fetched"] == result["pages"] else 1


if __name__ == "__main__":
    sys.exit(main())

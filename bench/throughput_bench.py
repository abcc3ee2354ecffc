"""Benchmark: crawl throughput of the full pipeline against bare Scrapy.

The replica serves pages built from archive documents, dressed in the real
site's frame (about 330 kB each, as the site's pages are).  Three crawls of
the same pages, with politeness lifted (no delay, no autothrottle, 16
concurrent requests) and nothing else changed:

- bare: a Scrapy spider that requests the URLs and discards the answers,
  run outside the project (bench/bare_spider.py): the user's alternative;
- full: `scrapy crawl releases` with the project's defaults (extraction,
  conversion, pipelines, manifest, WARC recording, diff and reports);
- no WARC: the same with WARC_ENABLED=0, to show what recording costs.

They run in turn, best of N each (this machine's speed varies from one
run to the next; the best run of each is the least disturbed).
Target: the full pipeline at least 0.8x bare Scrapy's pages a second.

    python bench/throughput_bench.py [--pages N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from common import REPO, build_site, crawl, crawl_bare, replica, stat

KINDS = ("bare", "full", "no_warc")


def measure(pages: int, repeat: int, work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, site, count = build_site(work, pages)
    best = dict.fromkeys(KINDS, float("inf"))
    rss: dict[str, int] = {}
    runs = []
    with replica(site) as origin:
        for round_ in range(repeat):
            for kind in KINDS:
                output = work / f"output-{kind}-{round_}"
                if kind == "bare":
                    elapsed, log, peak = crawl_bare(origin, work / "urls.txt")
                else:
                    elapsed, log, peak = crawl(origin, seeds, output, settings={"WARC_ENABLED": "0"}
                                               if kind == "no_warc" else None)
                fetched = stat(log, "downloader/response_status_count/200") - 1  # robots.txt
                if fetched < count:
                    raise SystemExit(f"{kind}: only {fetched} of {count} pages fetched:\n{log[-3000:]}")
                shutil.rmtree(output, ignore_errors=True)
                best[kind] = min(best[kind], elapsed)
                runs.append((kind, round(elapsed, 2)))
                rss[kind] = max(rss.get(kind, 0), peak)
    rate = {kind: count / best[kind] for kind in KINDS}
    return {"pages": count, "page_bytes": _page_size(site),
            **{f"{kind}_seconds": round(best[kind], 2) for kind in KINDS},
            **{f"{kind}_pages_per_s": round(rate[kind], 1) for kind in KINDS},
            "ratio": round(rate["full"] / rate["bare"], 3), "no_warc_ratio": round(rate["no_warc"] / rate["bare"], 3),
            **{f"{kind}_peak_rss_mb": round(rss[kind] / 1024, 1) for kind in KINDS}, "runs": runs}


def _page_size(site: Path) -> int:
    """The size of one page as served (dressed in the real frame)."""
    from common import FRAME
    from mirror.testing.frame import Frame

    first = min(site.glob("*.html"))
    return len(Frame.from_file(FRAME).dress(first.read_bytes()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "throughput")
    args = parser.parse_args()
    result = measure(args.pages, args.repeat, args.work)
    print(f"{result['pages']} pages of {result['page_bytes']:,} bytes: bare Scrapy {result['bare_pages_per_s']} "
          f"pages/s, full pipeline {result['full_pages_per_s']} pages/s (ratio {result['ratio']}, target >= 0.8), "
          f"without WARC {result['no_warc_pages_per_s']} pages/s")
    print(json.dumps(result))
    return 0 if result["ratio"] >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())

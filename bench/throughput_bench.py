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

They run in turn, N rounds.  This machine's speed drifts by up to a factor
of two over minutes, so each ratio is taken within a round (the three
crawls of a round run within half a minute of each other) and the median
of the rounds' ratios is the figure; the best time of each is shown too.
Every crawl writes to a fresh folder, and all are removed at the end, not
between crawls: on ext4 without a journal, files created within 30 s of
thousands being deleted cost up to 0.7 ms of kernel time each (the
allocator skips the recently deleted inodes one by one), which would
charge the previous crawl's clean-up to the next crawl.
Target: the full pipeline at least 0.8x bare Scrapy's pages a second.

    python bench/throughput_bench.py [--pages N] [--repeat N] [-s NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

from common import REPO, build_site, crawl, crawl_bare, replica, stat

KINDS = ("bare", "full", "no_warc")


def measure(pages: int, repeat: int, work: Path, settings: dict | None = None) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, site, count = build_site(work, pages)
    best = dict.fromkeys(KINDS, float("inf"))
    rss: dict[str, int] = {}
    runs = []
    ratios: dict[str, list[float]] = {"full": [], "no_warc": []}
    try:
        with replica(site) as origin:
            for round_ in range(repeat):
                times = {}
                for kind in KINDS:
                    output = work / f"output-{kind}-{round_}"
                    if kind == "bare":
                        elapsed, log, peak = crawl_bare(origin, work / "urls.txt")
                    else:
                        extra = {**(settings or {}), **({"WARC_ENABLED": "0"} if kind == "no_warc" else {})}
                        elapsed, log, peak = crawl(origin, seeds, output, settings=extra)
                    fetched = stat(log, "downloader/response_status_count/200") - 1  # robots.txt
                    if fetched < count:
                        raise SystemExit(f"{kind}: only {fetched} of {count} pages fetched:\n{log[-3000:]}")
                    times[kind] = elapsed
                    best[kind] = min(best[kind], elapsed)
                    runs.append((kind, round(elapsed, 2)))
                    rss[kind] = max(rss.get(kind, 0), peak)
                for kind in ratios:  # pages a second against bare's, in this round
                    ratios[kind].append(times["bare"] / times[kind])
    finally:
        for output in work.glob("output-*"):
            shutil.rmtree(output, ignore_errors=True)
    rate = {kind: count / best[kind] for kind in KINDS}
    return {"pages": count, "page_bytes": _page_size(site), "rounds": repeat, "settings": settings or {},
            **{f"{kind}_seconds": round(best[kind], 2) for kind in KINDS},
            **{f"{kind}_pages_per_s": round(rate[kind], 1) for kind in KINDS},
            "ratio": round(statistics.median(ratios["full"]), 3),
            "no_warc_ratio": round(statistics.median(ratios["no_warc"]), 3),
            "round_ratios": [round(r, 3) for r in ratios["full"]],
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "throughput")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the project's crawls (default: none, the project's defaults)")
    args = parser.parse_args()
    result = measure(args.pages, args.repeat, args.work, dict(item.split("=", 1) for item in args.set))
    print(f"{result['pages']} pages of {result['page_bytes']:,} bytes, best of {result['rounds']}: bare Scrapy "
          f"{result['bare_pages_per_s']} pages/s, full pipeline {result['full_pages_per_s']} pages/s, without WARC "
          f"{result['no_warc_pages_per_s']} pages/s; median ratio of the rounds: full {result['ratio']} "
          f"(target >= 0.8; rounds {result['round_ratios']}), without WARC {result['no_warc_ratio']}")
    print(json.dumps(result))
    return 0 if result["ratio"] >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())

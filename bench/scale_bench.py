"""Benchmark: a crawl with every archive file as a seed, with the project's
defaults (WARC on), then `mirror reparse` of that crawl's WARC files.

The replica serves a page generated for each document, dressed in the real
site's frame (about 330 kB).  `scrapy crawl releases` runs with politeness
lifted and nothing else changed.  Prints pages a second, the crawl's peak
memory (peak RSS of its largest process, and the peak of the summed PSS
of all its processes: the crawl, the WARC writer, the extraction worker;
target <= 500 MB) and the WARC bytes per page; then
`mirror reparse` of the run's WARC files into a fresh folder: pages a
second (target >= 200) and whether every document came out byte-identical
to the one the crawl wrote.

    python bench/scale_bench.py [--limit N] [--work DIR]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, build_site, crawl, replica, stat


def documents(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in (folder / "releases").rglob("*.md"))


def reparse(output: Path, work: Path) -> dict:
    warcs = sorted(str(p) for p in (output / "warc").glob("*.warc.gz"))
    target = work / "reparsed"
    shutil.rmtree(target, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mirror", "reparse", *warcs, "--output", str(target)],
                          cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    crawled, rebuilt = documents(output), documents(target)
    _, mismatch, errors = filecmp.cmpfiles(output, target, crawled, shallow=False)
    return {"reparse_exit": done.returncode, "reparse_seconds": round(elapsed, 1),
            "reparse_documents": len(rebuilt), "reparse_pages_per_s": round(len(rebuilt) / elapsed, 1),
            "reparse_identical": not mismatch and not errors and rebuilt == crawled,
            "reparse_differ": len(mismatch) + len(errors) + len(set(rebuilt) ^ set(crawled))}


def measure(work: Path, limit: int | None = None) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, site, count = build_site(work, limit)
    output = work / "output"
    tree: dict = {}
    with replica(site) as origin:
        elapsed, log, peak_kb = crawl(origin, seeds, output, tree=tree)
    fetched = stat(log, "mirror/http/200")
    warc_bytes = sum(p.stat().st_size for p in (output / "warc").glob("*.warc.gz"))
    result = {"pages": count, "fetched": fetched, "seconds": round(elapsed, 1),
              "pages_per_s": round(fetched / elapsed, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
              "peak_all_processes_mb": round(tree["peak_pss_kb"] / 1024, 1),
              "written": stat(log, "mirror/written"),
              "failed": sum(int(n) for n in re.findall(r"'mirror/failed/[^']*': (\d+)", log)),
              "warc_bytes": warc_bytes, "warc_bytes_per_page": round(warc_bytes / max(fetched, 1))}
    return {**result, **reparse(output, work)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N archive files")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "scale")
    args = parser.parse_args()
    r = measure(args.work, args.limit)
    print(f"{r['fetched']} of {r['pages']} pages in {r['seconds']} s: {r['pages_per_s']} pages/s; "
          f"peak RSS {r['peak_rss_mb']} MB, all its processes {r['peak_all_processes_mb']} MB (target <= 500 MB); "
          f"WARC {r['warc_bytes_per_page']:,} bytes a page")
    print(f"mirror reparse: {r['reparse_documents']} documents in {r['reparse_seconds']} s: "
          f"{r['reparse_pages_per_s']} pages/s (target >= 200); byte-identical: {r['reparse_identical']}")
    print(json.dumps(r))
    ok = (r["peak_all_processes_mb"] <= 500 and r["fetched"] == r["pages"] and r["reparse_identical"]
          and r["reparse_pages_per_s"] >= 200)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

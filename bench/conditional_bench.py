"""Benchmark: a second crawl of unchanged pages with validators on.

The replica serves 2,000 pages built from archive documents, with ETag and
Last-Modified; two crawls in a row. Targets: at least 95% of the second
crawl's release requests answered 304, no file rewritten, at most 10% of
the first crawl's bytes received.

    python bench/conditional_bench.py [--pages N] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from common import REPO, build_site, crawl, replica, stat


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*.md")}


def measure(pages: int, work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, site, count = build_site(work, pages)
    output = work / "output"
    with replica(site) as origin:
        first_time, first_log, _ = crawl(origin, seeds, output)
        before = mtimes(output / "releases")
        second_time, second_log, _ = crawl(origin, seeds, output)
        after = mtimes(output / "releases")
    requests_2 = stat(second_log, "mirror/http/200") + stat(second_log, "mirror/http/304")
    share_304 = stat(second_log, "mirror/http/304") / requests_2 if requests_2 else 0.0
    bytes_1, bytes_2 = stat(first_log, "downloader/response_bytes"), stat(second_log, "downloader/response_bytes")
    return {"pages": count, "first_seconds": round(first_time, 2), "second_seconds": round(second_time, 2),
            "first_200": stat(first_log, "mirror/http/200"), "second_200": stat(second_log, "mirror/http/200"),
            "second_304": stat(second_log, "mirror/http/304"), "share_304": round(share_304, 4),
            "files_rewritten": sum(1 for path, mtime in after.items() if before.get(path) != mtime),
            "bytes_first": bytes_1, "bytes_second": bytes_2,
            "bytes_ratio": round(bytes_2 / bytes_1, 4) if bytes_1 else None}


def met(result: dict) -> bool:
    return (result["share_304"] >= 0.95 and result["files_rewritten"] == 0
            and result["bytes_ratio"] is not None and result["bytes_ratio"] <= 0.10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "conditional")
    args = parser.parse_args()
    result = measure(args.pages, args.work)
    print(f"pages {result['pages']}; first crawl {result['first_seconds']} s, second {result['second_seconds']} s")
    print(f"second crawl: {result['second_304']} x 304, {result['second_200']} x 200 "
          f"({result['share_304']:.1%} 304; target >= 95%)")
    print(f"files rewritten by the second crawl: {result['files_rewritten']} (target 0)")
    print(f"bytes received: {result['bytes_first']} then {result['bytes_second']} "
          f"({result['bytes_ratio']:.1%}; target <= 10%)")
    print(json.dumps(result))
    return 0 if met(result) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: real addresses rebuilt from archive titles.

Ground truth: every non-ASCII address in ../shared/beehive/addresses (1999–2002,
matched to its archive file by url and date) and every pair in
../shared/corpus/pages/INDEX.tsv whose canonical address is neither its archive
url nor a /node/ page.  Prints how many `rebuild_address` places exactly, and
why each other one cannot be placed (`unplaceable_reason`).

The 1999–2002 list names every non-ASCII address of its span, so every other
archive file of those dates must get no address: any it gets is wrong.

Then the whole archive: how many files get an address (none may come from an
ASCII title) and the time per seed, ASCII titles and others apart.
Targets: >= 98% placed; no wrong address; median < 50 µs per seed with an
ASCII title.

    python bench/address_titles.py [--tarball PATH] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import unquote

from common import REPO, TARBALL, archive_documents
from mirror.archive.document import parse
from mirror.archive.urls import SITE, archive_url
from mirror.site.addresses import rebuild_address, unplaceable_reason

SHARED = REPO.parent / "shared"
ADDRESSES = SHARED / "beehive" / "addresses" / "1999-2002-labour.tsv"
PAGES = SHARED / "corpus" / "pages"


def ground_truth(seeds: dict[tuple[str, str], str]) -> list[tuple[str, str, str]]:
    """(title, archived url, real address) of every known non-ASCII address.
    `seeds` maps (archive url, date) to the archive file's title."""
    truth = []
    for line in ADDRESSES.read_text(encoding="utf-8").splitlines():
        date, path = line.split("\t")
        if path.startswith("/node/"):
            continue
        real = SITE + path
        archived = archive_url(real)
        truth.append((seeds[archived, date[:10]], archived, real))
    with open(PAGES / "INDEX.tsv", encoding="utf-8", newline="") as index:
        for row in csv.DictReader(index, delimiter="\t"):
            real, archived = row["canonical_url"], row["md_url"]
            if real != archived and "/node/" not in real:
                title = parse((PAGES / f"{row['id']}.md").read_text(encoding="utf-8")).title
                truth.append((title, archived, real))
    return truth


def listed_span(documents: list[tuple[str, str, str]]) -> tuple[int, int, int]:
    """(archive files dated within the 1999–2002 list, addresses the list
    names, addresses it does not) over those files."""
    listed, dates = {}, []
    for line in ADDRESSES.read_text(encoding="utf-8").splitlines():
        date, path = line.split("\t")
        dates.append(date[:10])
        if not path.startswith("/node/"):
            listed[archive_url(SITE + path), date[:10]] = SITE + path
    first, last = min(dates), max(dates)
    files = right = wrong = 0
    for title, url, date in documents:
        if first <= date <= last:
            files += 1
            address = rebuild_address(title, url)
            if address is not None:
                right += address == listed.get((url, date))
                wrong += address != listed.get((url, date))
    return files, right, wrong


def timed(documents: list[tuple[str, str]]) -> tuple[list[float], list[float], int, int]:
    """Seconds per call, ASCII titles and others apart, and how many calls
    gave an address for each."""
    ascii_times, other_times, ascii_found, other_found = [], [], 0, 0
    clock = time.perf_counter
    for title, url, _ in documents:
        start = clock()
        address = rebuild_address(title, url)
        elapsed = clock() - start
        if title.isascii():
            ascii_times.append(elapsed)
            ascii_found += address is not None
        else:
            other_times.append(elapsed)
            other_found += address is not None
    return ascii_times, other_times, ascii_found, other_found


def micro(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"n": len(ordered), "median_us": round(statistics.median(ordered) * 1e6, 2),
            "p95_us": round(ordered[round(0.95 * (len(ordered) - 1))] * 1e6, 2),
            "max_us": round(ordered[-1] * 1e6, 1), "total_ms": round(sum(ordered) * 1e3, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tarball", type=Path, default=TARBALL)
    parser.add_argument("--json", action="store_true", help="print one JSON line of the figures at the end")
    args = parser.parse_args()
    if not args.tarball.exists() or not ADDRESSES.exists():
        print(f"{args.tarball} or {ADDRESSES}: not found", file=sys.stderr)
        return 2

    documents, seeds = [], {}
    for _, text in archive_documents(tarball=args.tarball):
        doc = parse(text)
        documents.append((doc.title, doc.url, doc.date))
        seeds[doc.url, doc.date] = doc.title

    truth = ground_truth(seeds)
    unplaced = []
    for title, archived, real in truth:
        if rebuild_address(title, archived) != real:
            unplaced.append((title, archived, real))
    placed = len(truth) - len(unplaced)
    share = placed / len(truth)
    print(f"ground truth: {placed}/{len(truth)} placed exactly ({share:.2%}; target >= 98%)")
    for title, archived, real in unplaced:
        print(f"  - {unplaceable_reason(title, archived, real)}")
        print(f"      title:   {title!r}")
        print(f"      address: {unquote(real.rpartition('/')[2])!r}")

    files, right, wrong = listed_span(documents)
    print(f"1999–2002 span: {files} archive files, {right + wrong} addresses rebuilt: "
          f"{right} listed, {wrong} wrong (target: 0 wrong)")

    # Best of three passes over the whole archive, per call.
    runs = [timed(documents) for _ in range(3)]
    ascii_times = [min(t) for t in zip(*(run[0] for run in runs), strict=True)]
    other_times = [min(t) for t in zip(*(run[1] for run in runs), strict=True)]
    _, _, ascii_found, other_found = runs[0]
    fast, slow = micro(ascii_times), micro(other_times)
    everything = micro(ascii_times + other_times)
    print(f"archive: {len(documents)} files; an address for {ascii_found + other_found} "
          f"({other_found} of {slow['n']} with a non-ASCII title, {ascii_found} of {fast['n']} with an ASCII one)")
    print(f"time per seed: ASCII title median {fast['median_us']} µs (p95 {fast['p95_us']}); "
          f"non-ASCII title median {slow['median_us']} µs (p95 {slow['p95_us']}, max {slow['max_us']}); "
          f"all {everything['total_ms']} ms for {everything['n']} seeds (target: ASCII median < 50 µs)")
    if args.json:
        print(json.dumps({"placed": placed, "total": len(truth), "share": round(share, 4),
                          "unplaceable": [unplaceable_reason(*row) for row in unplaced],
                          "span_files": files, "span_right": right, "span_wrong": wrong,
                          "archive_files": len(documents), "addresses_ascii_titles": ascii_found,
                          "addresses_other_titles": other_found, "ascii": fast, "non_ascii": slow,
                          "all": everything}))
    return 0 if share >= 0.98 and ascii_found == 0 and wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

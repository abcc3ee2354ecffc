"""Benchmark: reaching every release at its real address.

Ground truth: every 1999-2002 release whose address is not its archive
`url` (../shared/beehive/addresses/1999-2002-labour.tsv: non-ASCII
addresses and /node/ pages) and the real pairs' canonical links
(../shared/corpus/pages/INDEX.tsv).  The replica serves a page built from
each archive file of 1999-2002 and of the pairs, at its real address; an
archive form that is not the address answers 404 (the replica's default).

Two crawls of the same seeds, each with a fresh state: without a site
index, then after `mirror index` has read the replica's search listing.
Figures per group (non-ASCII address, /node/ address, plain ASCII): the
share of seeds reached (a document fetched), and page requests per seed.
Then every non-ASCII seed the title alone cannot place, with the reason.

Targets: with the index, 100% of every group and at most 1.02 requests a
seed; without, at least 98% of the non-ASCII group, 100% of the others,
at most 1.10 requests a seed.

    python bench/reach_bench.py [--work DIR]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import FAST, REPO, TARBALL, archive_documents, crawl, replica, stat
from mirror.archive.document import parse
from mirror.archive.urls import SITE, archive_url
from mirror.review.manifest import read_manifest
from mirror.site.addresses import rebuild_address, unplaceable_reason
from mirror.site.governments import GOVERNMENTS
from mirror.testing.pagebuild import build_page, page_from_document

SHARED = REPO.parent / "shared"
TSV = SHARED / "beehive" / "addresses" / "1999-2002-labour.tsv"
PAIRS = SHARED / "corpus" / "pages"
TERM = next(g for g in GOVERNMENTS if g.id == 4376)
TERM_END = next(g for g in GOVERNMENTS if g.id == 4507).start


def group_of(address: str) -> str:
    path = address[len(SITE):]
    if path.startswith("/node/"):
        return "node"
    return "ascii" if archive_url(address) == address else "non-ascii"


def real_addresses() -> dict[str, str]:
    """archive url -> real address, from the ground truth files."""
    found = {}
    with open(TSV, encoding="utf-8") as handle:
        for line in handle:
            _, path = line.rstrip("\n").split("\t")
            found[archive_url(SITE + path)] = SITE + path
    with open(PAIRS / "INDEX.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            found[row["md_url"]] = row["canonical_url"]
    return found


def build(work: Path) -> tuple[Path, Path, dict[str, tuple[str, str]]]:
    """Seeds and pages; returns {archive url: (real address, title)}."""
    seeds, pages = work / "seeds", work / "pages"
    seeds.mkdir(parents=True)
    pages.mkdir(parents=True)
    truth = real_addresses()
    pair_urls = set()
    with open(PAIRS / "INDEX.tsv", encoding="utf-8") as handle:
        pair_urls = {row["md_url"] for row in csv.DictReader(handle, delimiter="\t")}
    chosen: dict[str, tuple[str, str]] = {}
    for _name, text in archive_documents():
        doc = parse(text)
        in_term = TERM.start.isoformat() <= doc.date < TERM_END.isoformat()
        if not (in_term or doc.url in pair_urls) or doc.url in chosen:
            continue
        address = truth.get(doc.url, doc.url)
        page = page_from_document(doc)
        page.canonical = address
        number = len(chosen)
        (seeds / f"{number:05d}.md").write_text(text, encoding="utf-8")
        (pages / f"{number:05d}.html").write_text(build_page(page), encoding="utf-8")
        chosen[doc.url] = (address, doc.title)
    return seeds, pages, chosen


def figures(chosen: dict[str, tuple[str, str]], manifest: dict, requests: int) -> dict:
    groups: dict[str, list[int]] = {}
    for url, (address, _) in chosen.items():
        outcome = manifest.get(url)
        reached = outcome is not None and outcome.outcome in ("written", "unchanged", "not modified")
        groups.setdefault(group_of(address), [0, 0])
        groups[group_of(address)][0] += reached
        groups[group_of(address)][1] += 1
    return {"groups": {name: {"reached": r, "seeds": n, "share": round(r / n, 4)} for name, (r, n) in groups.items()},
            "requests": requests, "requests_per_seed": round(requests / len(chosen), 4)}


def run(origin: str, seeds: Path, output: Path, chosen: dict) -> dict:
    seconds, log, _ = crawl(origin, seeds, output)
    manifest = read_manifest(output / "reports" / "latest" / "manifest.jsonl")
    page_requests = stat(log, "downloader/request_count") - 1  # less robots.txt
    result = figures(chosen, manifest, page_requests)
    result["seconds"] = round(seconds, 1)
    return result


def index(origin: str, output: Path) -> tuple[float, str]:
    command = [sys.executable, "-m", "mirror.cli", "index", "-s", f"MIRROR_ORIGIN={origin}",
               "-s", f"OUTPUT_DIR={output}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise SystemExit(f"mirror index failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, done.stdout.strip()


def unplaced(chosen: dict) -> list[tuple[str, str, str]]:
    """Non-ASCII seeds whose title does not rebuild the real address."""
    missed = []
    for url, (address, title) in sorted(chosen.items()):
        if group_of(address) == "non-ascii" and rebuild_address(title, url) != address:
            missed.append((address, title, unplaceable_reason(title, url, address)))
    return missed


def met(result: dict) -> bool:
    plain, indexed = result["no_index"], result["with_index"]
    return (all(g["share"] == 1.0 for g in indexed["groups"].values()) and indexed["requests_per_seed"] <= 1.02
            and plain["groups"]["non-ascii"]["share"] >= 0.98
            and all(g["share"] == 1.0 for name, g in plain["groups"].items() if name != "non-ascii")
            and plain["requests_per_seed"] <= 1.10)


def measure(work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, pages, chosen = build(work)
    with replica(pages) as origin:
        no_index = run(origin, seeds, work / "plain", chosen)
        index_seconds, index_line = index(origin, work / "indexed")
        with_index = run(origin, seeds, work / "indexed", chosen)
    missed = unplaced(chosen)
    return {"seeds": len(chosen), "no_index": no_index, "with_index": with_index,
            "index_seconds": round(index_seconds, 1), "index": index_line,
            "title_unplaced": [{"address": a, "title": t, "reason": r} for a, t, r in missed]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "reach")
    args = parser.parse_args()
    if not TARBALL.exists() or not TSV.exists():
        print("needs ../shared (the corpus and the addresses) beside the repository")
        return 2
    result = measure(args.work)
    print(f"{result['seeds']} seeds (1999-2002 and the real pairs)")
    for name in ("no_index", "with_index"):
        run_ = result[name]
        groups = ", ".join(f"{g}: {v['reached']}/{v['seeds']} ({v['share']:.1%})" for g, v in
                           sorted(run_["groups"].items()))
        print(f"{name.replace('_', ' ')}: {groups}; {run_['requests_per_seed']} requests a seed; {run_['seconds']} s")
    print(f"index: {result['index']} in {result['index_seconds']} s")
    print(f"non-ASCII seeds the title alone cannot place: {len(result['title_unplaced'])}")
    for miss in result["title_unplaced"]:
        print(f"  {miss['address']}  ({miss['reason']})")
    print("targets met" if met(result) else "TARGETS NOT MET")
    return 0 if met(result) else 1


if __name__ == "__main__":
    raise SystemExit(main())

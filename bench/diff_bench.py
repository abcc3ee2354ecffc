"""Benchmark: `mirror diff` against `diff -r` over the whole archive.

Builds 55,167 seed/output pairs from the archive tarball, with 1% of the
outputs changed (each in one field, the fields taken in turn), and a run
manifest as a crawl would write it; then times `mirror diff` (all three
reports written) and `diff -r` over the same two trees, in this run.

    python bench/diff_bench.py [--tarball PATH] [--work DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mirror.archive.document import FIELDS, parse  # noqa: E402
from mirror.archive.store import write_document  # noqa: E402
from mirror.review.manifest import ManifestWriter, Record  # noqa: E402

DEFAULT_TARBALL = REPO.parent / "shared" / "corpus" / "beehive-markdown-releases.tar.xz"


def change(doc, field: str):
    if field == "title":
        return replace(doc, title=doc.title + " (updated)")
    if field == "date":
        return replace(doc, date="2026-01-01" if doc.date != "2026-01-01" else "2026-01-02")
    if field == "url":
        return replace(doc, url=doc.url + "-0")
    if field == "body":
        return replace(doc, body=doc.body + "\n\nA paragraph added on the site.")
    items = getattr(doc, field)
    return replace(doc, **{field: items[1:] if items else ("Added on the site",)})


def build(tarball: Path, work: Path) -> tuple[int, int]:
    if work.exists():
        shutil.rmtree(work)
    seeds, output = work / "seeds", work / "output"
    with tarfile.open(tarball) as archive:
        archive.extractall(seeds, filter="data")
    paths = sorted(str(p) for p in seeds.rglob("*.md"))
    writer = ManifestWriter(work / "manifest.jsonl")
    changed, seen = 0, set()
    for number, path in enumerate(paths):
        doc = parse(Path(path).read_text(encoding="utf-8"))
        seed_url = doc.url
        if seed_url in seen:
            continue  # a crawl fetches a URL once, whatever the seeds repeat
        seen.add(seed_url)
        if number % 100 == 50:
            doc = change(doc, FIELDS[changed % len(FIELDS)])
            changed += 1
        written = write_document(output, doc)
        writer.write(Record(seed_url, written.outcome, seed_url, 200, written.path, sha1=written.sha1))
    writer.close()
    return len(paths), changed


def timed(command: list[str], repeat: int) -> tuple[float, int]:
    best, code = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        code = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        best = min(best, time.perf_counter() - start)
    return best, code


def measure(tarball: Path, work: Path, repeat: int = 3) -> dict:
    pairs, changed = build(tarball, work)
    seeds, output = work / "seeds", work / "output"
    diff_r_command = ["diff", "-r", str(seeds / "releases"), str(output / "releases")]
    mirror_command = [sys.executable, "-m", "mirror", "diff", "--seeds", str(seeds), "--output", str(output),
                      "--manifest", str(work / "manifest.jsonl"), "--report", str(work / "report")]
    bare_command = [*mirror_command[:mirror_command.index("--manifest")], "--report", str(work / "report-bare")]
    # Interleaved, best of each: all see the same page-cache weather.
    diff_r = mirror = bare = float("inf")
    code = None
    for _ in range(repeat):
        diff_r = min(diff_r, timed(diff_r_command, 1)[0])
        elapsed, code = timed(mirror_command, 1)
        mirror = min(mirror, elapsed)
        bare = min(bare, timed(bare_command, 1)[0])
    summary = json.loads((work / "report" / "report.json").read_text(encoding="utf-8"))["summary"]
    return {"pairs": pairs, "changed_outputs": changed, "diff_r_seconds": round(diff_r, 3),
            "mirror_diff_seconds": round(mirror, 3), "ratio": round(mirror / diff_r, 2),
            "mirror_diff_no_manifest_seconds": round(bare, 3), "no_manifest_ratio": round(bare / diff_r, 2),
            "mirror_diff_exit": code, "summary": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "diff")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.tarball.exists():
        print(f"{args.tarball}: not found", file=sys.stderr)
        return 2
    result = measure(args.tarball, args.work, args.repeat)
    print(f"pairs {result['pairs']}, outputs changed {result['changed_outputs']}")
    print(f"diff -r      {result['diff_r_seconds']:7.2f} s")
    print(f"mirror diff  {result['mirror_diff_seconds']:7.2f} s  "
          f"(exit {result['mirror_diff_exit']}; {result['summary']})")
    print(f"ratio        {result['ratio']:7.2f}x  (target <= 3x)")
    print(f"mirror diff without a manifest {result['mirror_diff_no_manifest_seconds']:.2f} s, "
          f"{result['no_manifest_ratio']:.2f}x (reads every output file)")
    print(json.dumps(result))
    return 0 if result["ratio"] <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())

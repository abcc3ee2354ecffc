"""Benchmark: through the JavaScript wall with the browser.

640 pages built from archive documents, behind the replica's JavaScript
wall (`--js-wall`, a token good for 200 requests), crawled with
BROWSER_FETCH=auto and 16 requests in flight.  Then the same site with
BROWSER_FETCH=never and the default wall settings.

Figures: the share of pages written; the share of page requests the
replica answered with a challenge; the browser's time per page it fetched
and its peak memory (Chromium and its driver, PSS and RSS); and for
`never`, the exit status, its time and its page requests.

Targets: at least 99% written; at most 10% of page requests challenged (a
renewal may cost every request already in flight, not more); with
`never`, exit 2 within 20 page requests.

    python bench/browser_bench.py [--pages N] [--work DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import FAST, REPO, build_site, stat
from mirror.testing.replica import Site, make_server


def _descendants(pid: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, its in parents.items() if its == parent]
        found += children
        frontier += children
    return found


def _memory_kb(pids: list[int]) -> tuple[int, int]:
    """(PSS, RSS) in kB summed over `pids`: PSS counts shared pages once."""
    pss = rss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            continue
    return pss, rss


def _browser_pids(pid: int) -> list[int]:
    pids = []
    for child in _descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"chrom" in command or b"playwright" in command or b"node" in command:
            pids.append(child)
    return pids


class Replica:
    """The replica in a thread of this process, so its counters can be read."""

    def __init__(self, pages: Path, js_wall_uses: int):
        self.site = Site(pages, js_wall_uses=js_wall_uses, validators=False)
        self.site.index()
        self.server = make_server(self.site)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page_requests(self) -> int:
        return sum(n for path, n in self.site.hits.items() if path.startswith("/release/"))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def crawl(origin: str, seeds: Path, output: Path, settings: dict) -> tuple[float, str, int, tuple[int, int]]:
    """(seconds, log, exit status, peak browser memory (PSS, RSS) kB)."""
    command = [sys.executable, "-m", "scrapy", "crawl", "releases", "-s", f"MIRROR_ORIGIN={origin}",
               "-s", f"SEEDS_DIR={seeds}", "-s", f"OUTPUT_DIR={output}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = (0, 0)
    log_parts = []
    reader = threading.Thread(target=lambda: log_parts.append(process.stdout.read()), daemon=True)
    reader.start()
    while process.poll() is None:
        pss, rss = _memory_kb(_browser_pids(process.pid))
        peak = (max(peak[0], pss), max(peak[1], rss))
        time.sleep(0.2)
    reader.join()
    return time.perf_counter() - started, "".join(log_parts), process.returncode, peak


def measure(pages: int, work: Path) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    seeds, site, count = build_site(work, pages)
    replica = Replica(site, js_wall_uses=200)
    try:
        seconds, log, status, (pss, rss) = crawl(replica.origin, seeds, work / "auto",
                                                 {**FAST, "BROWSER_FETCH": "auto"})
        requests, challenges = replica.page_requests(), replica.site.challenges
    finally:
        replica.close()
    fetches = stat(log, "mirror/browser/fetches")
    written = stat(log, "mirror/written") + stat(log, "mirror/unchanged")
    walled = Replica(site, js_wall_uses=200)
    try:
        never_seconds, never_log, never_status, _ = crawl(walled.origin, seeds, work / "never",
                                                          {"BROWSER_FETCH": "never"})
        never_requests = walled.page_requests()
    finally:
        walled.close()
    return {
        "pages": count, "seconds": round(seconds, 1), "exit": status, "written": written,
        "written_share": round(written / count, 4), "page_requests": requests, "challenges": challenges,
        "challenge_share": round(challenges / requests, 4) if requests else None,
        "browser_fetches": fetches,
        "browser_ms_per_page": round(stat(log, "mirror/browser/milliseconds") / fetches, 1) if fetches else None,
        "browser_peak_pss_mb": round(pss / 1024, 1), "browser_peak_rss_mb": round(rss / 1024, 1),
        "never": {"exit": never_status, "seconds": round(never_seconds, 1), "page_requests": never_requests,
                  "stopped": "the site is refusing the crawler" in never_log},
    }


def met(result: dict) -> bool:
    never = result["never"]
    return (result["written_share"] >= 0.99 and result["challenge_share"] is not None
            and result["challenge_share"] <= 0.10 and never["exit"] == 2 and never["page_requests"] <= 20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=640)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "browser")
    args = parser.parse_args()
    if shutil.which("chromium") is None:
        print("needs Debian's chromium (apt-get install chromium)")
        return 2
    r = measure(args.pages, args.work)
    print(f"{r['pages']} pages behind the JavaScript wall, BROWSER_FETCH=auto, 16 in flight: {r['seconds']} s")
    print(f"written {r['written']} ({r['written_share']:.1%}; target >= 99%)")
    print(f"challenged {r['challenges']} of {r['page_requests']} page requests ({r['challenge_share']:.1%}; "
          "target <= 10%)")
    print(f"browser: {r['browser_fetches']} fetches, {r['browser_ms_per_page']} ms a page; peak memory "
          f"{r['browser_peak_pss_mb']} MB PSS ({r['browser_peak_rss_mb']} MB RSS summed)")
    never = r["never"]
    print(f"BROWSER_FETCH=never, default wall settings: exit {never['exit']} after {never['seconds']} s and "
          f"{never['page_requests']} page requests (target: exit 2 within 20)")
    print("targets met" if met(r) else "TARGETS NOT MET")
    return 0 if met(r) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""`mirror index` over a replica of several governments, and the crawl's use
of the index: real commands against the replica on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from mirror.crawl.siteindex import SiteIndex, index_path
from mirror.review.manifest import read_manifest
from mirror.site.governments import search_path
from mirror.testing.pagebuild import Page

from .conftest import (
    FAST,
    REPO,
    Replica,
    finished_log,
    run_crawl,
    scrapy_stats,
    start_logged,
    stop,
    wait_for,
    write_seed,
)

SITE = "https://www.beehive.govt.nz"
# A day well inside each government's term.
TERMS = {6700: date(2025, 3, 1), 6455: date(2021, 6, 1), 4376: date(2000, 6, 1)}


def add_releases(replica: Replica, government: int, count: int, prefix: str, later: int = 0) -> list[str]:
    """`count` releases in `government`'s term, one a day from its day plus `later`."""
    paths = []
    for n in range(count):
        day = TERMS[government] + timedelta(days=later + n)
        path = f"/release/{prefix}-{government}-{n:03d}"
        replica.add(f"{prefix}-{government}-{n:03d}", Page(
            title=f"Invented {prefix} {n}", canonical=SITE + path, date_iso=f"{day}T01:00:00Z",
            date_text=day.isoformat(), ministers=["Hon Pretend"], body_html=f"<p>{prefix} {n}</p>"))
        paths.append(path)
    return paths


def mirror_index(origin: str, output: Path, *governments: int, background: bool = False, timeout: float = 120):
    command = [sys.executable, "-m", "mirror", "index", "-s", f"MIRROR_ORIGIN={origin}", "-s", f"OUTPUT_DIR={output}"]
    for government in governments:
        command += ["--government", str(government)]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    if background:
        return start_logged(command, output.parent / f"{output.name}-{time.monotonic_ns()}.log")
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def search_hits(replica: Replica, government: int) -> list[int]:
    """Requests for each search page of a government's articles, page 0 up."""
    hits = []
    while (count := replica.site.hits[search_path(government, "article", len(hits))]) or len(hits) < 6:
        hits.append(count)
    while hits and not hits[-1]:
        hits.pop()
    return hits


def index_of(output: Path) -> SiteIndex:
    return SiteIndex(index_path(output / "state"))


def test_index_reads_every_government_then_only_what_is_new(replica, tmp_path):
    out = tmp_path / "output"
    add_releases(replica, 6700, 50, "a")
    add_releases(replica, 6455, 30, "b")
    add_releases(replica, 4376, 5, "c")
    first = mirror_index(replica.origin, out, 6700, 6455, 4376)
    assert first.returncode == 0, first.stdout + first.stderr
    # 24 a page, each government read to its first empty page
    assert search_hits(replica, 6700) == [1, 1, 1, 1]
    assert search_hits(replica, 6455) == [1, 1, 1]
    assert search_hits(replica, 4376) == [1, 1]
    index = index_of(out)
    assert index.count() == 85
    assert index.by_archive_url()[f"{SITE}/release/c-4376-002"] == [f"{SITE}/release/c-4376-002"]
    index.close()

    replica.site.hits.clear()
    again = mirror_index(replica.origin, out, 6700, 6455, 4376)
    assert again.returncode == 0
    # incremental: a first page of nothing new ends each government
    assert [search_hits(replica, g) for g in (6700, 6455, 4376)] == [[1], [1], [1]]

    # 30 newer releases push the listing down: pages 0 and 1 hold new ones
    add_releases(replica, 6700, 30, "d", later=100)
    replica.site.hits.clear()
    third = mirror_index(replica.origin, out, 6700, 6455, 4376)
    assert third.returncode == 0
    assert search_hits(replica, 6700) == [1, 1, 1]
    index = index_of(out)
    assert index.count() == 115
    index.close()


def kill_while_asking(replica: Replica, running: subprocess.Popen, path: str) -> None:
    try:
        wait_for(lambda: replica.site.hits[path] or running.poll() is not None, seconds=60,
                 what=f"a request for {path}")
        assert running.poll() is None, finished_log(running, timeout=10)
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=30)
    finally:
        stop(running)


def test_a_killed_index_resumes_where_it_stopped(replica, tmp_path):
    out = tmp_path / "output"
    add_releases(replica, 6455, 60, "e")  # pages 0, 1, 2 (12 results), 3 empty
    stalled = search_path(6455, "article", 2)
    replica.plan({stalled: {"delay": 30}})
    kill_while_asking(replica, mirror_index(replica.origin, out, 6455, background=True), stalled)
    replica.plan({})
    resumed = mirror_index(replica.origin, out, 6455)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    # an earlier government resumes at the page it had not finished
    assert search_hits(replica, 6455) == [1, 1, 2, 1]
    index = index_of(out)
    assert index.count() == 60 and index.progress(6455, "article").complete
    index.close()


def test_a_killed_index_of_the_current_government_rereads_its_top(replica, tmp_path):
    out = tmp_path / "output"
    add_releases(replica, 6700, 60, "f")
    stalled = search_path(6700, "article", 2)
    replica.plan({stalled: {"delay": 30}})
    kill_while_asking(replica, mirror_index(replica.origin, out, 6700, background=True), stalled)
    replica.plan({})
    add_releases(replica, 6700, 5, "g", later=200)  # published meanwhile: at the top
    resumed = mirror_index(replica.origin, out, 6700)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    # page 0 holds the new ones, page 1 nothing new: back to page 2, then on to the end
    assert search_hits(replica, 6700) == [2, 2, 2, 1]
    index = index_of(out)
    assert index.count() == 65
    index.close()


def test_a_page_that_is_not_a_listing_is_not_the_end(replica, tmp_path):
    out = tmp_path / "output"
    add_releases(replica, 6455, 30, "h")
    replica.plan({search_path(6455, "article", 1): {"block": True}})
    walled = mirror_index(replica.origin, out, 6455)
    assert walled.returncode == 2
    assert scrapy_stats(walled.stderr)["mirror/index/failed"] == 1
    # (a test of the log: the page is named, with why it ended nothing)
    assert "page=1" in walled.stderr and "not a search listing page" in walled.stderr
    index = index_of(out)
    progress = index.progress(6455, "article")
    assert not progress.complete and progress.next_page == 1
    index.close()
    replica.plan({search_path(6455, "article", 1): {"status": 500}})
    failed = mirror_index(replica.origin, out, 6455)
    assert failed.returncode == 2 and scrapy_stats(failed.stderr)["mirror/index/failed"] == 1
    assert "http 500" in failed.stderr  # (a test of the log: the failure is named)
    index = index_of(out)
    assert not index.progress(6455, "article").complete
    index.close()


def test_crawl_finds_an_edited_title_by_the_index_and_fetches_what_no_seed_has(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    day = "2021-06-02"
    # the address was made when the title had a curly apostrophe; the title now has a straight one
    real = "/release/minister%E2%80%99s-visit-samoa"
    replica.add("edited", Page(title="Minister's visit to Samoa", canonical=SITE + real,
                               date_iso=f"{day}T01:00:00Z", date_text=day, body_html="<p>Talofa.</p>"))
    replica.add("unseeded", Page(title="A release the archive lacks", canonical=f"{SITE}/release/archive-lacks",
                                 date_iso=f"{day}T02:00:00Z", date_text=day, body_html="<p>New.</p>"))
    write_seed(seeds, "edited.md", f"{SITE}/release/ministers-visit-samoa", title="Minister's visit to Samoa",
               date=day)
    before = run_crawl(replica.origin, seeds, out)
    assert json.loads((out / "reports/latest/report.json").read_text())["summary"]["gone"] == 1, before.log

    assert mirror_index(replica.origin, out, 6455).returncode == 0
    replica.site.hits.clear()
    run_crawl(replica.origin, seeds, out)
    manifest = read_manifest(out / "reports/latest/manifest.jsonl")
    edited = manifest[f"{SITE}/release/ministers-visit-samoa"]
    assert (edited.outcome, edited.final_url) == ("written", SITE + real)
    assert replica.site.hits["/release/ministers-visit-samoa"] == 0  # the index's address first
    report = json.loads((out / "reports/latest/report.json").read_text())
    assert report["summary"]["gone"] == 0 and report["summary"]["new"] == 1
    new = next(e for e in report["entries"] if e["status"] == "new")
    assert new["url"] == f"{SITE}/release/archive-lacks"
    assert report["missing"] == {"count": 1, "by_year": {"2021": 1}, "addresses": [f"{SITE}/release/archive-lacks"]}
    markdown = (out / "reports/latest/report.md").read_text()
    assert "## Missing from the archive (1)" in markdown and "| 2021 | 1 |" in markdown


def test_discovery_feeds_the_index(replica, tmp_path):
    add_releases(replica, 6700, 12, "i")
    seeds = tmp_path / "seeds"
    write_seed(seeds, "one.md", f"{SITE}/release/i-6700-000")  # an empty seeds folder is no run
    result = run_crawl(replica.origin, seeds, tmp_path / "output", "-a", "discover=1")
    index = index_of(tmp_path / "output")
    # the listing's first page (10) and the feed (the same newest 10)
    assert index.count() == 10, result.log
    assert index.known([f"{SITE}/release/i-6700-011"]) == {f"{SITE}/release/i-6700-011"}
    index.close()

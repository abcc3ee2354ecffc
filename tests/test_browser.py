"""Through the bot wall like a browser: real crawls, real headless Chromium,
the replica's JavaScript wall on 127.0.0.1.  Skipped only where no Chromium
is installed (CI installs Debian's `chromium`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mirror.crawl.siteindex import SiteIndex, index_path
from mirror.review.manifest import read_manifest
from mirror.testing.pagebuild import Page

from .conftest import (
    FAST,
    REPO,
    Replica,
    finished_log,
    latest_report,
    mirror_run,
    run_crawl,
    scrapy_stats,
    stop,
    wait_for,
    write_seed,
)

SITE = "https://www.beehive.govt.nz"

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium installed")


@pytest.fixture
def walled(tmp_path):
    """A replica behind the JavaScript wall; tokens good for 200 requests."""
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site", js_wall_uses=200)
    yield replica
    replica.close()


def pages(replica: Replica, seeds: Path, count: int, prefix: str = "walled") -> list[str]:
    paths = []
    for n in range(count):
        path = f"/release/{prefix}-{n:03d}"
        replica.add(f"{prefix}-{n:03d}", Page(title=f"Invented {n}", canonical=SITE + path,
                                              date_iso="2024-02-03T01:00:00Z", date_text="3 February 2024",
                                              ministers=["Hon Pretend"], body_html=f"<p>Page {n}.</p>"))
        write_seed(seeds, f"{prefix}-{n:03d}.md", SITE + path, title=f"Invented {n}", date="2024-02-03")
        paths.append(path)
    return paths


def manifest_of(output: Path) -> dict:
    return read_manifest(output / "reports" / "latest" / "manifest.jsonl")


def test_a_challenge_is_passed_once_and_its_cookies_reused(walled, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    pages(walled, seeds, 30)
    result = run_crawl(walled.origin, seeds, out, settings={"CONCURRENT_REQUESTS": "4",
                                                            "CONCURRENT_REQUESTS_PER_DOMAIN": "4"})
    assert result.returncode == 1, result.log[-3000:]  # the seeds' bodies differ from the pages'
    assert len(result.files()) == 30
    # one browser fetch earned the cookies; every other page came plainly
    assert result.stats["mirror/browser/fetches"] == 1
    through_browser = [o for o in manifest_of(out).values() if o.browser]
    assert len(through_browser) == 1
    # the first requests in flight met the challenge, then none did
    assert walled.site.challenges <= 5
    assert result.stats["playwright/browser_count"] == 1
    assert "Closing browser" in result.log  # (a test of the log: the browser is closed with the run)


def test_cookies_that_stop_working_are_earned_again(tmp_path):
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site", js_wall_uses=10)
    try:
        seeds, out = tmp_path / "seeds", tmp_path / "output"
        pages(replica, seeds, 40)
        result = run_crawl(replica.origin, seeds, out, settings={"CONCURRENT_REQUESTS": "1",
                                                                 "CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
    finally:
        replica.close()
    assert len(result.files()) == 40, result.log[-3000:]
    # A token is good for 10 requests, one at a time here: the browser's fetch uses one, 9 plain pages
    # the rest, and the next plain request meets the challenge again: one browser fetch every 10 pages.
    assert result.stats["mirror/browser/fetches"] == 4
    assert result.stats["playwright/browser_count"] == 1  # one browser for the run


def test_a_wall_the_browser_cannot_pass_stops_the_run(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    paths = pages(replica, seeds, 20)
    replica.plan({path: {"block": True} for path in paths})  # the plain block page: no script to run
    result = run_crawl(replica.origin, seeds, out, settings={"BOTWALL_BACKOFF": "0.5", "BROWSER_PASS_TIMEOUT": "1",
                                                             "CONCURRENT_REQUESTS": "1",
                                                             "CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
    assert result.returncode == 2
    assert result.stats["mirror/botwall/stopped"] is True  # the site is refusing the crawler
    assert latest_report(out)["run"]["finish_reason"] == "blocked"
    assert result.files() == []
    outcomes = manifest_of(out)
    assert outcomes and all(o.outcome == "blocked" for o in outcomes.values())
    assert any(o.browser for o in outcomes.values())
    assert sum(replica.site.hits[p] for p in paths) <= 10


def test_always_fetches_every_page_in_the_browser(walled, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    pages(walled, seeds, 5)
    result = run_crawl(walled.origin, seeds, out, settings={"BROWSER_FETCH": "always"})
    assert len(result.files()) == 5, result.log[-3000:]
    assert all(o.browser for o in manifest_of(out).values())
    assert result.stats["mirror/browser/fetches"] == 5


def test_never_and_a_missing_browser_only_wait_the_wall_out(walled, tmp_path):
    seeds = tmp_path / "seeds"
    pages(walled, seeds, 3)
    settings = {"BOTWALL_BACKOFF": "0.2", "CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    never = run_crawl(walled.origin, seeds, tmp_path / "never", settings={**settings, "BROWSER_FETCH": "never"})
    missing = run_crawl(walled.origin, seeds, tmp_path / "missing",
                        settings={**settings, "BROWSER_EXECUTABLE": "/nonexistent/chromium"})
    for result in (never, missing):
        assert result.returncode == 2 and result.files() == []
        assert result.stats.get("mirror/browser/fetches", 0) == 0
        assert result.stats["mirror/botwall/answers"] >= 1  # the wall answered, and was waited out
    # (a test of the log: a missing browser is said once; `never` is no news)
    assert missing.log.count("the browser path is off") == 1
    assert "the browser path is off" not in never.log


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its command line."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands[child]
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_browser_that_dies_fails_its_page_and_the_run_goes_on(walled, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    paths = pages(walled, seeds, 6)
    walled.plan({paths[0]: {"delay": 5, "times": 1}})
    # No retries: a browser fetch that fails is retried like any failed
    # download, and the retry (in a new browser) would pass; this shows the failure.
    settings = {"BROWSER_FETCH": "always", "CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
                "BROWSER_FETCH_TIMEOUT": "10", "RETRY_TIMES": "0"}
    running = mirror_run(walled.origin, seeds, out, settings=settings, background=True)
    try:
        wait_for(lambda: walled.site.hits[paths[0]], what="the slow page")  # the browser is waiting on it
        browser = {pid: cmd for pid, cmd in descendants(running.pid).items()
                   if "chromium" in cmd or "playwright" in cmd or "node" in cmd}
        assert browser
        for pid in browser:
            os.kill(pid, signal.SIGKILL)
        log = finished_log(running, timeout=120)
    finally:
        stop(running)
    manifest = manifest_of(out)
    assert manifest[SITE + paths[0]].outcome == "failed", log[-3000:]
    assert manifest[SITE + paths[0]].browser
    assert all(manifest[SITE + p].outcome == "written" for p in paths[1:])
    assert scrapy_stats(log)["mirror/browser/crashed"] >= 1
    assert running.returncode == 1  # the others changed; one failure does not make the run untrusted


def test_kill_9_while_the_browser_runs_leaves_no_browser_and_resumes(walled, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    paths = pages(walled, seeds, 8)
    walled.plan({path: {"delay": 0.5} for path in paths})
    settings = {"BROWSER_FETCH": "always", "CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    running = mirror_run(walled.origin, seeds, out, settings=settings, background=True)
    try:
        browser = wait_for(lambda: {pid: cmd for pid, cmd in descendants(running.pid).items() if "chromium" in cmd},
                           what="the browser")
        wait_for(lambda: sum(walled.site.hits[p] for p in paths) >= 2, what="two page requests")
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=30)
    finally:
        stop(running)
    wait_for(lambda: not any(alive(pid) for pid in browser), seconds=10, what="the browser to end")
    walled.plan({})
    resumed = mirror_run(walled.origin, seeds, out, "--resume", settings=settings, background=True)
    try:
        log = finished_log(resumed, timeout=180)
    finally:
        stop(resumed)
    assert resumed.returncode == 1, log[-3000:]
    report = json.loads((out / "reports" / "latest" / "report.json").read_text())
    assert sum(report["summary"].values()) == len(paths) and report["run"]["not_checked"] == 0


def test_mirror_index_passes_the_wall_in_the_browser(walled, tmp_path):
    seeds = tmp_path / "seeds"
    pages(walled, seeds, 30)
    command = [sys.executable, "-m", "mirror", "index", "--government", "6700", "-s", f"MIRROR_ORIGIN={walled.origin}",
               "-s", f"OUTPUT_DIR={tmp_path / 'output'}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    index = SiteIndex(index_path(tmp_path / "output" / "state"))
    try:
        assert index.count() == 30
    finally:
        index.close()
    assert scrapy_stats(done.stderr)["mirror/browser/fetches"] == 1

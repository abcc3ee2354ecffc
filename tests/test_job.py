"""The scheduled job: conditional requests, the revisit budget, speeches, the
bot wall, the run lock, kill -9 and --resume, retries and timeouts.  Every
test is a real crawl against the replica."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from mirror.archive.document import FormatError, parse
from mirror.testing.pagebuild import Page

from .conftest import (
    Replica,
    mirror_run,
    run_crawl,
    stop,
    wait_for,
    where_it_is,
    write_seed,
)

SITE = "https://www.beehive.govt.nz"


def page(slug: str, day: str = "2020-05-06", kind: str = "release", **fields) -> Page:
    base = Page(title=f"Invented release {slug}", canonical=f"{SITE}/{kind}/{slug}", date_iso=f"{day}T01:00:00Z",
                date_text=day, ministers=["Hon Pretend Minister"], portfolios=["Make Believe"],
                body_html=f"<p>Words about {slug}.</p>", kind="speech" if kind == "speech" else "article")
    return replace(base, **fields)


def site_with(replica: Replica, seeds: Path, slugs: list[str], day: str = "2020-05-06") -> None:
    for slug in slugs:
        replica.add(slug, page(slug, day))
        write_seed(seeds, f"{slug}.md", f"{SITE}/release/{slug}", date=day)


def latest_report(output: Path) -> dict:
    return json.loads((output / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))


# --- conditional requests -------------------------------------------------------

def test_second_run_gets_304s_and_a_changed_page_is_fetched_again(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["one", "two", "three"])
    first = run_crawl(replica.origin, seeds, out)
    assert first.report()["run"]["crawl"]["responses"] == {"200": 3, "304": 0}
    before = (replica.folder / "two.html").stat().st_mtime
    changed = replica.add("two", page("two", title="A retitled release two"))
    # Last-Modified has one-second resolution: date the edit two seconds on, rather than wait for the clock
    os.utime(changed, (before + 2, before + 2))
    second = run_crawl(replica.origin, seeds, out)
    summary = second.report()["run"]["crawl"]
    assert (summary["not modified"], summary["written"]) == (2, 1)
    assert summary["responses"] == {"200": 1, "304": 2}
    assert 'title: "A retitled release two"' in (out / "releases/2020/05/2020-05-06-two.md").read_text()
    manifest = [json.loads(line) for line in (out / "reports/latest/manifest.jsonl").read_text().splitlines()]
    assert sorted(m.get("outcome") for m in manifest) == ["not modified", "not modified", "written"]


def test_deleted_output_is_fetched_in_full(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["kept"])
    run_crawl(replica.origin, seeds, out)
    target = out / "releases/2020/05/2020-05-06-kept.md"
    target.unlink()
    again = run_crawl(replica.origin, seeds, out)
    assert again.report()["run"]["crawl"]["responses"] == {"200": 1, "304": 0} and target.exists()


# --- revisit budget ---------------------------------------------------------------

def test_budget_checks_recent_releases_every_run_and_the_rest_in_turn(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    recent_day = (date.today() - timedelta(days=3)).isoformat()
    site_with(replica, seeds, ["fresh-a", "fresh-b"], day=recent_day)
    site_with(replica, seeds, ["old-1", "old-2", "old-3", "old-4"])
    runs = []
    for _ in range(3):
        replica.site.hits.clear()
        result = run_crawl(replica.origin, seeds, out, "-a", "budget=3")
        assert result.returncode == 1, result.log[-3000:]  # the seeds checked differ from their pages
        runs.append({path.rsplit("/", 1)[-1] for path in replica.site.hits if path.startswith("/release/")})
        # (a test of the log: a budget that keeps the promise draws no warning)
        assert "cannot check 6 seeds every 30 days" not in result.log
    # two recent ones every time, and each old one in turn, never checked first
    assert all({"fresh-a", "fresh-b"} <= checked and len(checked) == 3 for checked in runs)
    assert [sorted(checked - {"fresh-a", "fresh-b"}) for checked in runs] == [["old-1"], ["old-2"], ["old-3"]]
    report = latest_report(out)
    assert report["run"]["not_checked"] == 3  # not chosen this run: not judged


def test_budget_too_small_says_what_it_needs(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["a", "b"], day=(date.today() - timedelta(days=1)).isoformat())
    result = run_crawl(replica.origin, seeds, out, "-a", "budget=1")
    # (a test of the log: the warning says what the budget needs)
    assert ("a daily budget of 1 cannot check 2 seeds every 30 days with 2 recent ones every day: it needs 2"
            in result.log)


# --- discovery ---------------------------------------------------------------------

def test_discovery_fetches_listed_releases_no_seed_has(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["seeded-1", "seeded-2"], day="2026-11-01")
    for n in range(3):
        replica.add(f"unseeded-{n}", page(f"unseeded-{n}", f"2026-11-2{n}"))
    replica.add("words-only", page("dated-in-words-only", date_iso=None, date_text="23 November 2026"))
    result = run_crawl(replica.origin, seeds, out, "-a", "discover=1")
    report = latest_report(out)
    new = sorted(e["url"].rsplit("/", 1)[-1] for e in report["entries"] if e["status"] == "new")
    assert new == ["dated-in-words-only", "unseeded-0", "unseeded-1", "unseeded-2"]
    assert all(replica.site.hits[f"/release/{slug}"] == 1 for slug in new)  # listing and feed: fetched once
    assert result.stats["mirror/discovered"] == 4
    # (a test of the log) listing and feed each say what they listed; between them, the four new ones
    said = re.findall(r"(\S+): 6 releases listed \((\S+) to (\S+)\), (\d) not in the seeds", result.log)
    assert sorted(url.rsplit("/", 1)[-1] for url, *_ in said) == ["feed", "releases?page=0"]
    # the listing shows the words-only page's New Zealand date, read with dateparser
    assert ("2026-11-01", "2026-11-23") in {(low, high) for url, low, high, _ in said if "page=0" in url}
    assert sum(int(fresh) for *_, fresh in said) == 4
    assert (out / "releases/2026/11/2026-11-21-unseeded-1.md").exists()
    assert result.returncode == 1


# --- speeches -----------------------------------------------------------------------

def test_speech_seed_is_written_under_speeches(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    replica.add("speech", page("address-to-an-imaginary-conference", "2019-08-01", kind="speech"))
    write_seed(seeds, "s.md", f"{SITE}/speech/address-to-an-imaginary-conference")
    result = run_crawl(replica.origin, seeds, out)
    assert result.files() == ["speeches/2019/08/2019-08-01-address-to-an-imaginary-conference.md"]
    assert "url: https://www.beehive.govt.nz/speech/address-to-an-imaginary-conference\n" in (
        out / result.files()[0]).read_text()


# --- the bot wall --------------------------------------------------------------------

def test_bot_wall_is_retried_then_recorded_blocked(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["passes-later", "always-walled", "plain-1", "plain-2", "plain-3"])
    replica.plan({"/release/passes-later": {"block": True, "times": 1}, "/release/always-walled": {"block": True}})
    result = run_crawl(replica.origin, seeds, out, settings={"BROWSER_FETCH": "never"})  # the plain client's retries
    assert replica.site.hits["/release/always-walled"] == 3       # first answer and two retries
    assert replica.site.hits["/release/passes-later"] == 2
    assert (out / "releases/2020/05/2020-05-06-passes-later.md").exists()
    assert not (out / "releases/2020/05/2020-05-06-always-walled.md").exists()
    assert latest_report(out)["summary"]["blocked"] == 1
    assert result.stats["mirror/botwall/retried"] == 3


def test_run_stops_at_once_when_no_pause_is_allowed(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    slugs = [f"walled-{n}" for n in range(12)]
    site_with(replica, seeds, slugs)
    replica.plan({f"/release/{slug}": {"block": True} for slug in slugs})
    result = run_crawl(replica.origin, seeds, out, settings={"BOTWALL_RETRIES": "0", "BROWSER_FETCH": "never",
                                                             "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
                                                             "CONCURRENT_REQUESTS": "1"})
    assert result.returncode == 2
    assert result.stats["mirror/botwall/stopped"] is True  # the site is refusing the crawler
    assert sum(replica.site.hits[f"/release/{slug}"] for slug in slugs) <= 2
    assert result.files() == []
    report = latest_report(out)
    assert report["run"]["finish_reason"] == "blocked"
    assert report["summary"]["failed"] == 0
    assert report["summary"]["blocked"] >= 1
    assert report["summary"]["blocked"] + report["run"]["not_checked"] == len(slugs)


# --- retries and timeouts ------------------------------------------------------------

def test_500_then_200_is_retried_to_success_and_slow_page_fails(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["flaky", "slow", "fine"])
    replica.plan({"/release/flaky": {"status": 500, "times": 1}, "/release/slow": {"delay": 3}})
    result = run_crawl(replica.origin, seeds, out, settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1"})
    assert (out / "releases/2020/05/2020-05-06-flaky.md").exists()
    report = latest_report(out)
    entries = {e["url"].rsplit("/", 1)[-1]: e for e in report["entries"]}
    assert entries["slow"]["status"] == "failed" and entries["slow"]["reason"] == "timeout"
    assert entries["flaky"]["status"] == "changed"  # fetched on its retry: its seed's body differs from the page
    assert result.returncode == 1


# --- the job: lock, kill -9, resume ----------------------------------------------------

def test_second_run_while_one_is_active_exits_at_once(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["slow-page"])
    replica.plan({"/release/slow-page": {"delay": 4}})
    first = mirror_run(replica.origin, seeds, out, settings={"DOWNLOAD_TIMEOUT": "20"}, background=True)
    try:
        # the first run holds the lock from its start: once it asks for the slow page, it is surely active
        wait_for(lambda: replica.site.hits["/release/slow-page"], seconds=30, what="the first run's request")
        assert (out / "state" / "run.lock").exists() and first.poll() is None
        started = time.monotonic()
        second = mirror_run(replica.origin, seeds, out)
        assert second.returncode == 3
        # (a test of the log: it says why it stopped)
        assert "another run is active" in second.stdout
        assert time.monotonic() - started < 10
    finally:
        stop(first)


def test_usr2_has_a_running_crawl_log_where_it_is_and_go_on(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    site_with(replica, seeds, ["slow-page", "quick-page"])
    replica.plan({"/release/slow-page": {"delay": 3}})
    running = mirror_run(replica.origin, seeds, out, settings={"DOWNLOAD_TIMEOUT": "20"}, background=True)
    try:
        wait_for(lambda: replica.site.hits["/release/slow-page"], seconds=30, what="the slow page's request")
        said = where_it_is(running)
        # the engine's state, with the slow page (maybe the quick one too) in flight, and the main thread's stack
        assert "Dumping stack trace and engine status" in said, said
        assert re.search(r"len\(engine\.downloader\.active\)\s*:\s*[12]\n", said), said
        assert "# Thread: MainThread" in said, said
        assert running.wait(timeout=60) == 1  # it went on: both pages judged (changed)
    finally:
        stop(running)
    assert latest_report(out)["summary"]["changed"] == 2


def documents_all_parse(output: Path) -> int:
    count = 0
    for path in output.rglob("*.md"):
        if "reports" in path.parts:
            continue
        parse(path.read_text(encoding="utf-8"))  # raises on a half-written file
        count += 1
    return count


# Where the crawl is killed: drawn from a fixed seed, so that a failing kill
# point (shown in the test id) can be run again.  Each point is a number of
# page requests the replica has seen (of the 40) and a moment after it, within
# the 0.3 s the replica takes to answer a page.
KILL_SEED = 20240611


def kill_points(seed: int, count: int) -> list[tuple[int, float]]:
    rng = random.Random(seed)
    return [(rng.randint(1, 38), round(rng.uniform(0.0, 0.3), 2)) for _ in range(count)]


KILL_POINTS = kill_points(KILL_SEED, 2)


@pytest.mark.parametrize("asked, later", KILL_POINTS, ids=[f"{n}-pages-asked+{t}s" for n, t in KILL_POINTS])
def test_kill_9_then_resume_accounts_for_every_seed(replica, tmp_path, asked, later):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    slugs = [f"page-{n:02d}" for n in range(40)]
    site_with(replica, seeds, slugs)
    replica.plan({f"/release/{slug}": {"delay": 0.3} for slug in slugs})
    settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": "2", "CONCURRENT_REQUESTS": "2"}
    running = mirror_run(replica.origin, seeds, out, settings=settings, background=True)
    try:
        asked_so_far = lambda: sum(replica.site.hits[f"/release/{slug}"] for slug in slugs)  # noqa: E731
        wait_for(lambda: asked_so_far() >= asked or running.poll() is not None, seconds=120,
                 what=f"page request {asked}",
                 explain=lambda: f"{asked_so_far()} pages asked; {where_it_is(running)}")
        assert running.poll() is None, "the crawl ended before its kill point\n" + where_it_is(running)
        time.sleep(later)  # a fixed offset into the pages in flight, not a wait for anything
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=30)
    finally:
        stop(running)
    try:
        documents_all_parse(out)
    except FormatError as exc:  # pragma: no cover - the failure being tested for
        pytest.fail(f"a document was left half-written: {exc}")
    resumed = mirror_run(replica.origin, seeds, out, "--resume", settings=settings)
    # every seed is judged, and every seed's body differs from its page's: to review
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    report = latest_report(out)
    assert sum(report["summary"].values()) == len(slugs), report["summary"]
    assert report["run"]["not_checked"] == 0
    assert documents_all_parse(out) == len(slugs)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not (out / "state" / "job").exists()  # finished: nothing left to resume


def test_resume_without_an_interrupted_run_says_so(replica, tmp_path):
    result = mirror_run(replica.origin, tmp_path / "seeds", tmp_path / "output", "--resume")
    assert result.returncode == 2
    assert "nothing to resume" in result.stdout  # (a test of the log: it says why)

"""Hostile pages, files and settings met by a crawl: real crawls against the
replica on 127.0.0.1, and the commands on crafted files."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from mirror.review.manifest import read_manifest
from mirror.testing.pagebuild import Page, build_page

from .conftest import (
    FAST,
    REPO,
    crawl_command,
    finished_log,
    mirror_run,
    run_crawl,
    scrapy_stats,
    start_logged,
    stop,
    wait_for,
    write_seed,
)

SITE = "https://www.beehive.govt.nz"


def page(slug: str, canonical: str | None = None, body: str | None = None) -> Page:
    return Page(title=f"Invented {slug}", canonical=canonical or f"{SITE}/release/{slug}",
                date_iso="2022-04-05T01:00:00Z", date_text="5 April 2022", ministers=["Hon Pretend"],
                body_html=body or f"<p>Words of {slug}.</p>")


def seeded(replica, seeds: Path, *slugs: str) -> None:
    for slug in slugs:
        replica.add(slug, page(slug))
        write_seed(seeds, f"{slug}.md", f"{SITE}/release/{slug}", title=f"Invented {slug}", date="2022-04-05")


def manifest_of(out: Path) -> dict:
    return read_manifest(out / "reports" / "latest" / "manifest.jsonl")


def report_of(out: Path) -> dict:
    return json.loads((out / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))


def document(out: Path, slug: str) -> Path:
    return out / "releases" / "2022" / "04" / f"2022-04-05-{slug}.md"


# --- 1. a damaged document is never trusted --------------------------------------------------

def test_a_damaged_document_is_fetched_again_and_repaired(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "kept", "damaged", "same-size")
    run_crawl(replica.origin, seeds, out)
    good = {slug: document(out, slug).read_bytes() for slug in ("kept", "damaged", "same-size")}
    second = run_crawl(replica.origin, seeds, out)
    assert second.stats["mirror/http/304"] == 3  # validators work for intact documents
    document(out, "damaged").write_text("CORRUPTED", encoding="utf-8")
    flipped = bytearray(good["same-size"])
    flipped[-2] ^= 1  # same length, other bytes: caught by the digest
    document(out, "same-size").write_bytes(bytes(flipped))
    third = run_crawl(replica.origin, seeds, out)
    assert third.stats["mirror/http/304"] == 1 and third.stats["mirror/http/200"] == 2
    assert third.stats["mirror/repaired"] == 2
    for slug in good:
        assert document(out, slug).read_bytes() == good[slug]
    manifest = manifest_of(out)
    assert manifest[f"{SITE}/release/damaged"].repaired and manifest[f"{SITE}/release/same-size"].repaired
    assert not manifest[f"{SITE}/release/kept"].repaired
    assert report_of(out)["run"]["repaired"] == sorted(
        str(document(out, s).relative_to(out)) for s in ("damaged", "same-size"))


# --- 2. a page never overwrites another release's document ----------------------------------

def test_a_page_naming_another_release_is_not_written(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "victim", "thief", "climber", "mover")
    # pages whose canonical link names another release, or climbs out of the tree
    (tmp_path / "hostile").mkdir()
    for name, canonical in (("thief", f"{SITE}/release/victim"), ("climber", f"{SITE}/release/../../victim")):
        # outside the replica's folder: served only where the plan says
        (tmp_path / "hostile" / f"{name}.html").write_text(
            build_page(page(name, canonical=canonical, body="<p>Not the victim.</p>")), encoding="utf-8")
    replica.plan({"/release/mover": {"status": 301, "location": "/release/victim"},
                  "/release/thief": {"file": "../hostile/thief.html"},
                  "/release/climber": {"file": "../hostile/climber.html"}})
    run_crawl(replica.origin, seeds, out)
    assert "Words of victim." in document(out, "victim").read_text(encoding="utf-8")
    assert not document(out, "thief").exists() and not document(out, "climber").exists()
    entries = {e["url"].rsplit("/", 1)[-1]: e for e in report_of(out)["entries"]}
    assert entries["thief"]["status"] == "failed"
    assert entries["thief"]["reason"].startswith("page names another release")
    assert entries["climber"]["status"] == "failed"
    assert entries["mover"]["status"] == "moved" and entries["mover"]["output"] == ""
    outputs = [o.output for o in manifest_of(out).values() if o.output]
    assert len(outputs) == len(set(outputs))  # no two outcomes claim one document


# --- 3. redirects never leave the site -----------------------------------------------------

def test_a_redirect_off_the_site_is_not_followed(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "lured", "fine")
    replica.plan({"/release/lured": {"status": 302, "location": "http://evil.example/release/lured"}})
    result = run_crawl(replica.origin, seeds, out)
    outcome = manifest_of(out)[f"{SITE}/release/lured"]
    assert (outcome.outcome, outcome.reason) == ("failed", "redirected off the site to evil.example")
    assert result.stats["mirror/failed/redirected off the site"] == 1
    assert not document(out, "lured").exists() and document(out, "fine").exists()
    warcs = b"".join(p.read_bytes() for p in (out / "warc").glob("*.warc.gz"))
    import gzip
    assert b"evil.example/release" not in gzip.decompress(warcs).split(b"Location:")[0]


# --- 7. an id that decodes into a path is not a seed ------------------------------------------

def test_a_seed_url_whose_id_decodes_to_a_path_is_invalid(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "fine")
    write_seed(seeds, "climb.md", f"{SITE}/release/..%2F..%2Fetc")
    run_crawl(replica.origin, seeds, out)
    invalid = [e for e in report_of(out)["entries"] if e["status"] == "seed-invalid"]
    assert len(invalid) == 1 and "unsafe document id '../../etc'" in invalid[0]["reason"]
    assert not (out / "etc.md").exists() and not list(out.rglob("*-etc.md"))


# --- 8. a torn manifest line swallows nothing ---------------------------------------------------

def test_a_torn_last_manifest_line_does_not_swallow_the_next_record(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    slugs = [f"page-{n}" for n in range(6)]
    seeded(replica, seeds, *slugs)
    replica.plan({"/release/page-3": {"delay": 30}})
    running = mirror_run(replica.origin, seeds, out, settings={"CONCURRENT_REQUESTS": "1",
                                                               "CONCURRENT_REQUESTS_PER_DOMAIN": "1"},
                         background=True)
    manifests = out / "reports"
    try:
        wait_for(lambda: replica.site.hits["/release/page-3"], seconds=60, what="the request for page-3")
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=30)
    finally:
        stop(running)
    manifest = next(manifests.glob("*/manifest.jsonl"))
    done_before = len(read_manifest(manifest))
    with open(manifest, "a", encoding="utf-8") as handle:
        handle.write('{"url": "https://www.beehive.govt.nz/release/page-')  # killed mid-write
    replica.plan({})
    resumed = mirror_run(replica.origin, seeds, out, "--resume")
    # every seed is judged, and every seed's body differs from its page's: to review
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    report = report_of(out)
    assert report["run"]["not_checked"] == 0 and sum(report["summary"].values()) == len(slugs)
    assert len(read_manifest(manifest)) == len(slugs) > done_before


# --- 9. no seeds is no run -----------------------------------------------------------------------

def test_a_missing_or_empty_seeds_folder_is_an_error(replica, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.json").write_text("{}")
    for folder, words in ((tmp_path / "absent", "does not exist"), (empty, "holds no seed files")):
        crawl = run_crawl(replica.origin, folder, tmp_path / "out")
        assert crawl.returncode == 2
        assert f"{folder} {words}" in crawl.log  # (a test of the log: one error naming the folder)
        job = mirror_run(replica.origin, folder, tmp_path / "out2")
        assert job.returncode == 2
        assert words in job.stderr  # (a test of the log, likewise)
        assert crawl.stats.get("mirror/seeds/read", 0) == 0  # notes.json is no seed
        assert not any(path.startswith("/release/") for path in list(replica.site.hits))


# --- 10. a broken state file is set aside -----------------------------------------------------------

def test_a_corrupt_state_file_is_moved_aside_and_the_run_goes_on(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "one", "two")
    (out / "state").mkdir(parents=True)
    (out / "state" / "state.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x07" * 84)  # truncated to 100 bytes
    result = run_crawl(replica.origin, seeds, out)
    assert result.returncode == 1, result.log[-3000:]  # changed: the seeds' bodies differ
    assert document(out, "one").exists() and document(out, "two").exists()
    # (a test of the log: it says so once, without a traceback)
    assert result.log.count("is not a usable database") == 1
    assert "DatabaseError" not in result.log
    assert len(list((out / "state").glob("state.sqlite.broken-*"))) == 1
    again = run_crawl(replica.origin, seeds, out)
    assert again.stats["mirror/http/304"] == 2  # the fresh state works


# --- 11, 14. a page far larger than a release fails, in little memory ----------------------------------

def test_oversize_pages_fail_with_a_short_reason_in_little_memory(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "huge", "bomb", "fine")
    replica.plan({"/release/huge": {"size": 100_000_000}, "/release/bomb": {"gzip_bomb": 400 << 20}})
    command = ["/usr/bin/time", "-f", "MAXRSS %M", sys.executable, "-m", "scrapy", "crawl", "releases",
               "-s", f"MIRROR_ORIGIN={replica.origin}", "-s", f"SEEDS_DIR={seeds}", "-s", f"OUTPUT_DIR={out}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)
    peak_mb = int(re.search(r"MAXRSS (\d+)", done.stderr).group(1)) / 1024
    assert peak_mb < 500, peak_mb
    manifest = manifest_of(out)
    for slug in ("huge", "bomb"):
        outcome = manifest[f"{SITE}/release/{slug}"]
        assert (outcome.outcome, outcome.reason) == ("failed", "page larger than 4194304 bytes"), slug
    assert scrapy_stats(done.stderr)["mirror/failed/page too large"] == 2
    assert document(out, "fine").exists()


# --- 12. scrapy crawl takes the run lock -------------------------------------------------------------

def test_scrapy_crawl_waits_for_no_one_and_stops_at_the_lock(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "slow", "other")
    replica.plan({"/release/slow": {"delay": 5}})
    first = mirror_run(replica.origin, seeds, out, background=True)
    try:
        wait_for(lambda: replica.site.hits["/release/slow"], seconds=30, what="the first run's request")
        second = run_crawl(replica.origin, seeds, out)
        assert second.returncode == 3
        # (a test of the log: it says why it stopped, and no SQLite error leaks out)
        assert "another run is active" in second.log and "database is locked" not in second.log
        first_log = finished_log(first, timeout=60)
    finally:
        stop(first)
    assert first.returncode == 1  # the first run went on to the end: its seeds' bodies differ from the pages
    assert "database is locked" not in first_log  # (a test of the log, likewise)


# --- 13. an output folder that cannot be written mid-run ----------------------------------------------

def test_an_unwritable_output_folder_mid_run_says_so_once(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    seeded(replica, seeds, "early", "late")
    replica.plan({"/release/late": {"delay": 3}})
    command = crawl_command(["scrapy", "crawl", "releases"], replica.origin, seeds, out,
                            settings={"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
    running = start_logged(command, tmp_path / "crawl.log")
    try:
        # the early page is written (by the extraction worker, maybe after the
        # late page is asked for) and the late one is on its way
        wait_for(lambda: replica.site.hits["/release/late"] and document(out, "early").exists(), seconds=30,
                 what="the early page's document and the request for the late page")
        # the documents' and the reports' folders become files: nothing can be written there
        for name in ("releases", "reports"):
            shutil.move(out / name, tmp_path / f"{name}-moved")
            (out / name).write_text("not a folder")
        log = finished_log(running, timeout=60)
    finally:
        stop(running)
    assert running.returncode == 2, log[-3000:]
    assert scrapy_stats(log)["mirror/dropped/write error"] == 1  # the late page could not be written
    # (a test of the log: it says so once, without a traceback)
    assert "Traceback" not in log
    assert log.count("the report cannot be written") == 1
    assert "report: not written" in log

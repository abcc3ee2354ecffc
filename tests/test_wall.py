"""The bot wall at the scale and with the settings a user runs: real crawls
against the replica on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from .conftest import REPO, Replica, scrapy_stats, write_seed

SITE = "https://www.beehive.govt.nz"


def test_a_walled_site_stops_the_run_in_minutes_with_the_default_settings(tmp_path):
    """3,840 seeds, every page the wall's, nothing lifted but the origin: the
    run stops within 240 s and 20 page requests; nothing is written, the
    seeds asked are blocked, the rest not checked."""
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    count = 3840
    for n in range(count):
        write_seed(seeds, f"{n // 100:02d}/{n:04d}.md", f"{SITE}/release/walled-{n:04d}", date="2019-01-01")
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site")
    replica.plan({f"/release/walled-{n:04d}": {"block": True} for n in range(count)})
    command = [sys.executable, "-m", "scrapy", "crawl", "releases", "-s", f"MIRROR_ORIGIN={replica.origin}",
               "-s", f"SEEDS_DIR={seeds}", "-s", f"OUTPUT_DIR={out}"]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    finally:
        took = time.monotonic() - started
        page_requests = sum(n for path, n in replica.site.hits.items() if path.startswith("/release/"))
        replica.close()
    assert done.returncode == 2, done.stderr[-3000:]
    assert took < 240
    assert page_requests <= 20
    assert scrapy_stats(done.stderr)["mirror/botwall/stopped"] is True  # the site is refusing the crawler
    assert not (out / "releases").exists()
    report = json.loads((out / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["finish_reason"] == "blocked"
    summary = report["summary"]
    assert summary["changed"] == summary["gone"] == summary["failed"] == summary["unchanged"] == 0
    assert 1 <= summary["blocked"] <= page_requests
    assert summary["blocked"] + report["run"]["not_checked"] == count

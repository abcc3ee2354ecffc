"""Progress on long runs: the progress line every PROGRESS_INTERVAL seconds,
and `mirror status` from another terminal while a run is active and after."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from mirror.crawl.progress import duration, progress_line
from mirror.crawl.runlock import lock_path, run_lock
from mirror.outcomes import Exit
from mirror.review.status import lock_holder, status
from mirror.testing.pagebuild import Page

from .conftest import (
    REPO,
    Replica,
    finished_log,
    mirror_run,
    run_crawl,
    stop,
    wait_for,
    write_seed,
)

SITE = "https://www.beehive.govt.nz"
PROGRESS = re.compile(r"progress: (\d+) of (\d+) releases \((\d+\.\d)%\), (\d+\.\d\d) requests/s, (.*)$", re.M)


def slow_site(replica: Replica, seeds: Path, count: int, delay: float) -> None:
    plan = {}
    for n in range(count):
        name = f"slow-{n:02d}"
        replica.add(name, Page(title=f"Invented slow release {n}", canonical=f"{SITE}/release/{name}",
                               date_iso="2024-03-04T01:00:00Z", date_text="4 March 2024",
                               body_html=f"<p>Slow page {n}.</p>"))
        write_seed(seeds, f"{name}.md", f"{SITE}/release/{name}")
        plan[f"/release/{name}"] = {"delay": delay}
    replica.plan(plan)


def test_progress_line_and_time_left():
    assert progress_line(30, 120, 45, 30.0) == "30 of 120 releases (25.0%), 1.50 requests/s, about 1m 30s left"
    assert progress_line(0, 120, 0, 10.0).endswith("time left unknown")
    assert progress_line(120, 120, 130, 10.0).endswith("nothing left")
    # a resumed run: 100 done before, 20 in this process's 40 s
    assert progress_line(120, 200, 20, 40.0, done_here=20).endswith("about 2m 40s left")
    assert [duration(s) for s in (5, 65, 3600 * 15 + 61)] == ["5s", "1m 05s", "15h 01m"]


def test_a_long_crawl_logs_its_progress(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    slow_site(replica, seeds, 8, 0.3)
    result = run_crawl(replica.origin, seeds, out, settings={
        "PROGRESS_INTERVAL": "0.25", "CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
    assert result.returncode == 1, result.log[-3000:]
    lines = PROGRESS.findall(result.log)
    assert len(lines) >= 3, result.log[-3000:]
    done = [int(line[0]) for line in lines]
    assert done == sorted(done) and all(line[1] == "8" for line in lines)
    assert any(line[4].startswith("about ") and line[4].endswith(" left") for line in lines)
    assert not (out / "state" / "progress.json").exists()


def test_no_progress_line_when_off(replica, tmp_path):
    seeds = tmp_path / "seeds"
    slow_site(replica, seeds, 2, 0.2)
    result = run_crawl(replica.origin, seeds, tmp_path / "output", settings={"PROGRESS_INTERVAL": "0"})
    assert result.returncode == 1 and not PROGRESS.search(result.log)


def mirror(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mirror", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def test_mirror_status_while_a_run_is_active_and_after(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    slow_site(replica, seeds, 12, 0.4)
    options = ["-s", f"OUTPUT_DIR={out}"]
    idle = mirror("status", *options)
    assert idle.returncode == Exit.OK and "no run is active" in idle.stdout
    assert "last finished run: none" in idle.stdout

    run = mirror_run(replica.origin, seeds, out, background=True, settings={
        "PROGRESS_INTERVAL": "0.2", "CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
    try:
        run_id = wait_for(lambda: (out / "state" / "job" / "run-id").exists()
                          and (out / "state" / "job" / "run-id").read_text().strip(), 60, what="the run's id")
        manifest = out / "reports" / run_id / "manifest.jsonl"
        wait_for(lambda: manifest.exists() and manifest.read_text().count("\n") >= 2
                 and (out / "state" / "progress.json").exists(), 60, what="two outcomes and a progress file")
        active = mirror("status", *options)
        assert active.returncode == Exit.BUSY, active.stdout + active.stderr
        assert f"a run is active: {run_id} (pid {run.pid})" in active.stdout
        found = PROGRESS.search(active.stdout)
        assert found and found.group(2) == "12" and 2 <= int(found.group(1)) < 12, active.stdout
        assert lock_holder(out / "state" / "run.lock") == run.pid
        log = finished_log(run, timeout=120)
    finally:
        stop(run)
    assert run.returncode == 1, log[-3000:]
    after = mirror("status", *options)
    assert after.returncode == Exit.OK, after.stdout
    assert f"last finished run: {run_id}" in after.stdout
    assert "mirror diff: 0 unchanged, 12 changed, 0 new" in after.stdout
    report = Path(after.stdout.split("report: ", 1)[1].strip())
    assert report.is_file() and report.parent.name == run_id


def test_lock_holder_without_a_lock_file(tmp_path):
    assert lock_holder(tmp_path / "run.lock") is None
    (tmp_path / "run.lock").write_text("12345")  # left by a finished run: no lock on it
    assert lock_holder(tmp_path / "run.lock") is None


def test_status_of_a_run_with_no_progress_yet_and_a_stale_progress_file(tmp_path):
    state = tmp_path / "output" / "state"
    state.mkdir(parents=True)
    # left by a run killed earlier, another pid
    (state / "progress.json").write_text('{"run": "20200101T000000000Z", "pid": 1, "total": 5, "done": 1}')
    with run_lock(lock_path(state)) as (lock, _):
        assert lock is not None
        code, lines = status(str(tmp_path / "output"), state)
    assert code == Exit.BUSY
    assert lines[0] == f"mirror status: a run is active: id not known yet (pid {os.getpid()})"
    assert lines[1].startswith("progress: not known yet")
    code, lines = status(str(tmp_path / "output"), state)
    assert code == Exit.OK and lines[0] == "mirror status: no run is active"

"""The keeper's job end to end: `deploy/job.sh` against the replica, with a
real git repository of seeds whose remote is a bare repository.  The site
has a new release in its listing, a changed release and a removed one; the
job commits and pushes the new one, leaves the rest for review, commits
nothing on a second run with nothing new, and nothing while another run
holds the lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mirror.crawl.runlock import lock_path, run_lock
from mirror.crawl.siteindex import SiteIndex, index_path
from mirror.outcomes import WHITESPACE_ONLY
from mirror.site.governments import CURRENT, search_path
from mirror.testing.pagebuild import Page

from .conftest import FAST, REPO, Replica, latest_report, run_crawl, unreachable_origin, write_seed
from .test_accept_git import git, git_env, make_archive

SITE = "https://www.beehive.govt.nz"
JOB = REPO / "deploy" / "job.sh"
NBSP = "\u00a0"


def page(slug: str, day: str, **fields) -> Page:
    base = Page(title=f"Invented release {slug}", canonical=f"{SITE}/release/{slug}",
                date_iso=f"{day}T01:00:00Z", date_text=day, ministers=["Hon Invented Minister"],
                body_html=f"<p>First paragraph of {slug}.</p><p>Second paragraph of {slug}.</p>", linked=True)
    return replace(base, **fields)


def job(root: Path, origin: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    command = [str(JOB), "-s", f"MIRROR_ORIGIN={origin}", "-s", f"SEEDS_DIR={root / 'archive'}",
               "-s", f"OUTPUT_DIR={root / 'output'}", "-s", "BROWSER_FETCH=never"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    # the mirror command of the Python running the tests (CI's virtualenv)
    env = {**env, "MIRROR": str(Path(sys.executable).with_name("mirror"))}
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def archive_of(root: Path, replica: Replica, pages: dict[str, Page], env: dict[str, str]) -> Path:
    """The archive as its keeper has it: what the site served for `pages`,
    committed and pushed (the documents of a crawl of placeholder seeds)."""
    for slug, served in pages.items():
        replica.add(slug, served)
    placeholder = root / "placeholder"
    for slug, served in pages.items():
        write_seed(placeholder, f"{slug}.md", served.canonical)
    built = run_crawl(replica.origin, placeholder, root / "built", settings={"BROWSER_FETCH": "never"})
    assert built.returncode == 1, built.log[-3000:]
    archive, _ = make_archive(root, env)
    shutil.copytree(root / "built" / "releases", archive / "releases")
    return archive


def publish(archive: Path, env: dict[str, str]) -> None:
    git(archive, "add", ".", env=env)
    git(archive, "commit", "--quiet", "-m", "the archive", env=env)
    git(archive, "push", "--quiet", "-u", "origin", "main", env=env)


def commits(archive: Path, env: dict[str, str], ref: str = "HEAD") -> list[str]:
    return git(archive, "log", "--format=%H", ref, env=env).split()


def files_of(archive: Path, env: dict[str, str], commit: str = "HEAD") -> list[str]:
    return sorted(git(archive, "show", "--name-status", "--format=", commit, env=env).strip().splitlines())


def by_url(report: dict) -> dict[str, dict]:
    return {entry["url"]: entry for entry in report["entries"]}


@pytest.fixture(scope="module")
def keeper(tmp_path_factory):
    """The archive (steady, edited, removed), then the site changes: a new
    release, an edited one, a removed one.  The job runs, runs again with
    nothing new, then once more while another run holds the lock."""
    root = tmp_path_factory.mktemp("keeper")
    (root / "site").mkdir()
    replica = Replica(root / "site")
    env = git_env(root / "home")
    try:
        archive = archive_of(root, replica, {slug: page(slug, f"2026-11-{day:02d}") for slug, day in
                                             (("steady", 10), ("edited", 11), ("removed", 12))}, env)
        publish(archive, env)
        replica.add("fresh", page("fresh", "2026-11-30", title="A fresh invented release"))
        replica.add("edited", page("edited", "2026-11-11",
                                   body_html="<p>First paragraph of edited.</p><p>A rewritten second one.</p>"))
        (root / "site" / "removed.html").unlink()
        first = job(root, replica.origin, env)
        first_report = latest_report(root / "output")
        after_first = commits(archive, env)
        second = job(root, replica.origin, env)
        second_report = latest_report(root / "output")
        after_second = commits(archive, env)
        # one more release on the site, and a run that finds the lock held
        replica.add("later", page("later", "2026-12-01"))
        replica.site.hits.clear()
        with run_lock(lock_path(root / "output" / "state")) as (lock, _):
            assert lock is not None
            locked = job(root, replica.origin, env)
        locked_hits = sum(replica.site.hits.values())
    finally:
        replica.close()
    return {"root": root, "archive": archive, "env": env, "first": first, "first_report": first_report,
            "after_first": after_first, "second": second, "second_report": second_report,
            "after_second": after_second, "locked": locked, "locked_hits": locked_hits}


def test_the_job_commits_and_pushes_exactly_the_new_release(keeper):
    first, archive, env = keeper["first"], keeper["archive"], keeper["env"]
    assert first.returncode == 1, first.stdout + first.stderr  # the edited and removed wait for review
    assert len(keeper["after_first"]) == 2  # the archive's commit, and one more
    assert files_of(archive, env, keeper["after_first"][0]) == ["A\treleases/2026/11/2026-11-30-fresh.md"]
    subject = git(archive, "log", "-1", "--format=%s", keeper["after_first"][0], env=env).strip()
    run_id = keeper["first_report"]["run"]["id"]
    assert subject == f"1 added, 0 modified (run {run_id})"
    body = git(archive, "log", "-1", "--format=%b", keeper["after_first"][0], env=env).strip()
    assert body == "new 2026-11-30 A fresh invented release"
    # pushed: the bare remote's main is that commit
    assert git(keeper["root"] / "remote.git", "rev-parse", "main", env=env).strip() == keeper["after_first"][0]
    # and the work tree is clean: the edited and removed releases untouched
    assert git(archive, "status", "--porcelain", env=env) == ""


def test_changed_and_removed_are_left_for_review(keeper):
    entries = by_url(keeper["first_report"])
    assert entries[f"{SITE}/release/edited"]["status"] == "changed"
    assert entries[f"{SITE}/release/removed"]["status"] == "gone"
    assert entries[f"{SITE}/release/fresh"]["status"] == "new"
    # still there on the next run: nothing accepted them
    again = by_url(keeper["second_report"])
    assert {again[f"{SITE}/release/edited"]["status"], again[f"{SITE}/release/removed"]["status"]} == \
        {"changed", "gone"}
    assert f"{SITE}/release/fresh" not in again


def test_changed_and_removed_are_in_the_feed(keeper):
    feed = keeper["root"] / "output" / "reports" / keeper["first_report"]["run"]["id"] / "report.atom"
    if not feed.exists():
        pytest.skip("report.atom is not written yet (the run's Atom feed of entries to review)")
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    text = json.dumps([dict(entry) for entry in parsed.entries], default=str)
    for slug in ("edited", "removed"):
        assert f"{SITE}/release/{slug}" in text


def test_a_second_run_with_nothing_new_commits_nothing(keeper):
    second = keeper["second"]
    assert second.returncode == 1, second.stdout + second.stderr  # the same entries still wait
    assert keeper["after_second"] == keeper["after_first"]
    assert keeper["second_report"]["summary"]["new"] == 0


def test_a_run_while_another_holds_the_lock_exits_3_and_commits_nothing(keeper):
    locked = keeper["locked"]
    assert locked.returncode == 3, locked.stdout + locked.stderr
    assert commits(keeper["archive"], keeper["env"]) == keeper["after_second"]
    assert keeper["locked_hits"] == 0  # not one request to the site
    assert latest_report(keeper["root"] / "output")["run"]["id"] == keeper["second_report"]["run"]["id"]


def test_the_job_indexes_only_the_current_governments_first_pages(keeper):
    index = SiteIndex(index_path(keeper["root"] / "output" / "state"))
    try:
        assert index.known([f"{SITE}/release/fresh"]) == {f"{SITE}/release/fresh"}
        assert index.progress(CURRENT, "article").complete
    finally:
        index.close()


def test_a_run_that_cannot_be_trusted_accepts_nothing_and_exits_2(tmp_path):
    env = git_env(tmp_path / "home")
    archive, _ = make_archive(tmp_path, env)
    for n in range(3):
        write_seed(archive / "releases", f"seed-{n}.md", f"{SITE}/release/seed-{n}", date="2026-11-20")
    publish(archive, env)
    done = job(tmp_path, unreachable_origin(), env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(commits(archive, env)) == 1
    assert latest_report(tmp_path / "output")["summary"]["failed"] == 3


def index_current(origin: str, output: Path, pages: int) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mirror", "index", "--government", "current", "--pages", str(pages),
               "-s", f"MIRROR_ORIGIN={origin}", "-s", f"OUTPUT_DIR={output}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_index_pages_caps_the_pages_of_one_run_and_goes_on_at_the_next(replica, tmp_path):
    for n in range(60):  # 24 a page: three pages
        replica.add(f"r{n:02d}", page(f"r{n:02d}", f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}"))
    output = tmp_path / "output"
    first = index_current(replica.origin, output, 1)
    assert first.returncode == 0, first.stderr[-3000:]
    assert [replica.site.hits[search_path(CURRENT, "article", n)] for n in range(4)] == [1, 0, 0, 0]
    index = SiteIndex(index_path(output / "state"))
    assert index.count() == 24 and not index.progress(CURRENT, "article").complete
    index.close()
    # the next run reads the top again (nothing new there), then goes on where the last one stopped
    second = index_current(replica.origin, output, 2)
    assert second.returncode == 0, second.stderr[-3000:]
    assert [replica.site.hits[search_path(CURRENT, "article", n)] for n in range(4)] == [2, 1, 0, 0]
    index = SiteIndex(index_path(output / "state"))
    assert index.count() == 48 and not index.progress(CURRENT, "article").complete
    index.close()


@pytest.fixture(scope="module")
def whitespace(tmp_path_factory):
    """An archive whose copy of one release has a no-break space the site
    no longer has (whitespace only), and of another a sentence the site has
    since rewritten (a real change)."""
    root = tmp_path_factory.mktemp("whitespace")
    (root / "site").mkdir()
    replica = Replica(root / "site")
    env = git_env(root / "home")
    try:
        archive = archive_of(root, replica, {slug: page(slug, f"2026-11-{day:02d}") for slug, day in
                                             (("spaced", 14), ("reworded", 15))}, env)
        spaced = archive / "releases/2026/11/2026-11-14-spaced.md"
        spaced.write_text(spaced.read_text(encoding="utf-8").replace("of spaced.\n", f"of spaced.{NBSP}\n", 1),
                          encoding="utf-8")
        publish(archive, env)
        replica.add("reworded", page("reworded", "2026-11-15",
                                     body_html="<p>First paragraph of reworded.</p><p>Worded anew.</p>"))
        done = job(root, replica.origin, env)
        report = latest_report(root / "output")
    finally:
        replica.close()
    return {"root": root, "archive": archive, "env": env, "done": done, "report": report}


def test_a_whitespace_only_change_is_committed_and_a_real_change_left(whitespace):
    archive, env, report = whitespace["archive"], whitespace["env"], whitespace["report"]
    entries = by_url(report)
    assert entries[f"{SITE}/release/spaced"]["reason"] == WHITESPACE_ONLY, entries
    assert entries[f"{SITE}/release/reworded"]["status"] == "changed"
    assert entries[f"{SITE}/release/reworded"].get("reason") != WHITESPACE_ONLY
    head = commits(archive, env)
    assert len(head) == 2, whitespace["done"].stdout + whitespace["done"].stderr
    assert files_of(archive, env) == ["M\treleases/2026/11/2026-11-14-spaced.md"]
    subject = git(archive, "log", "-1", "--format=%s", env=env).strip()
    assert subject == f"0 added, 1 modified (run {report['run']['id']})"
    assert git(whitespace["root"] / "remote.git", "rev-parse", "main", env=env).strip() == head[0]
    # the real change waits: the job says there is something to review
    assert whitespace["done"].returncode == 1
    assert "Worded anew" not in (archive / "releases/2026/11/2026-11-15-reworded.md").read_text(encoding="utf-8")
    # and the archive's copy is now the site's, byte for byte
    written = whitespace["root"] / "output" / "releases/2026/11/2026-11-14-spaced.md"
    assert (archive / "releases/2026/11/2026-11-14-spaced.md").read_bytes() == written.read_bytes()
    assert os.path.exists(written)


# --- the schedulers ------------------------------------------------------------------

def workflow() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((REPO / "deploy" / "github-actions.yml").read_text(encoding="utf-8"))


def test_every_scheduler_calls_the_job_hourly():
    crontab = [line for line in (REPO / "deploy" / "crontab").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]
    assert len(crontab) == 1 and crontab[0].startswith("17 * * * * ") and "deploy/job.sh" in crontab[0]
    service = (REPO / "deploy" / "beehive-mirror.service").read_text(encoding="utf-8")
    assert "ExecStart=/srv/beehive-mirror/deploy/job.sh" in service and "SuccessExitStatus=1\n" in service
    assert "OnCalendar=hourly" in (REPO / "deploy" / "beehive-mirror.timer").read_text(encoding="utf-8")
    flow = workflow()
    assert flow[True]["schedule"] == [{"cron": "17 * * * *"}]  # YAML 1.1 reads the key `on` as True
    steps = flow["jobs"]["keep"]["steps"]
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save"))
    assert "output/state" in restore["with"]["path"].split() and save["if"] == "always()"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "output/reports/" and upload["if"] == "always()"


@pytest.mark.parametrize("status, fails", [(0, False), (1, False), (2, True), (3, True)])
def test_the_workflow_fails_only_on_exit_status_2_or_more(tmp_path, status, fails):
    """The workflow's job step, run as Actions runs it (bash -e), with a
    job.sh that exits `status`."""
    step = next(s for s in workflow()["jobs"]["keep"]["steps"] if s.get("id") == "job")
    (tmp_path / "deploy").mkdir()
    fake = tmp_path / "deploy" / "job.sh"
    fake.write_text(f"#!/bin/sh\nexit {status}\n", encoding="utf-8")
    fake.chmod(0o755)
    env = git_env(tmp_path / "home")
    git(tmp_path, "init", "--quiet", "seeds", env=env)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=tmp_path,
                          env={**env, "GITHUB_OUTPUT": str(tmp_path / "output.txt")}, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode != 0) == fails, done.stdout + done.stderr
    assert (tmp_path / "output.txt").read_text(encoding="utf-8") == f"status={status}\n"

"""The project under scrapyd, as a new user deploys it: a real scrapyd on
127.0.0.1 with its own folders, the project deployed with `scrapyd-deploy`,
a crawl scheduled against the replica with `setting=SEEDS_DIR=...`,
`OUTPUT_DIR` and `MIRROR_ORIGIN`, and its report read back."""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from mirror.testing.pagebuild import Page

from .conftest import FAST, REPO, closed_port, latest_report, stop, wait_for, write_seed

pytest.importorskip("scrapyd")
pytest.importorskip("scrapyd_client")

SITE = "https://www.beehive.govt.nz"
BIN = Path(sys.executable).parent
# What `scrapyd-deploy` packs: the files a checkout of the project has.
PROJECT_FILES = ("mirror", "pyproject.toml", "README.md", "scrapy.cfg", "setup.py")


def call(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=30) as answer:
        return json.loads(answer.read())


def answering(base: str) -> bool:
    try:
        return call(base, "daemonstatus.json")["status"] == "ok"
    except (OSError, ValueError):
        return False


@pytest.fixture
def scrapyd(tmp_path):
    """A scrapyd of its own: its folders and config under tmp_path, a free port."""
    port = closed_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    config = configparser.ConfigParser()
    config["scrapyd"] = {"bind_address": "127.0.0.1", "http_port": str(port), "eggs_dir": str(home / "eggs"),
                         "logs_dir": str(home / "logs"), "items_dir": "", "dbs_dir": str(home / "dbs"),
                         "poll_interval": "0.2", "max_proc": "1"}
    with open(home / "scrapyd.conf", "w", encoding="utf-8") as handle:
        config.write(handle)
    # scrapyd reads ./scrapyd.conf (and ~/.scrapyd.conf: HOME is the folder too)
    log = home / "scrapyd.log"
    with open(log, "wb") as out:  # a file, not a pipe nobody reads while it runs
        server = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env={"HOME": str(home), "PATH": str(BIN)},
                                  stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: answering(base) or server.poll() is not None, 60, 0.2, "scrapyd to answer")
        if server.poll() is not None:
            pytest.fail(f"scrapyd exited {server.returncode}: {log.read_text(encoding='utf-8', errors='replace')}")
        yield {"base": base, "home": home}
    finally:
        stop(server)


def checkout(tmp_path: Path, url: str) -> Path:
    """A copy of the project as a user's checkout has it, its deploy target
    pointed at this test's scrapyd (the build writes into the checkout)."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    config = configparser.ConfigParser()
    config.read(copy / "scrapy.cfg", encoding="utf-8")
    config["deploy"]["url"] = url
    with open(copy / "scrapy.cfg", "w", encoding="utf-8") as handle:
        config.write(handle)
    return copy


def test_deployed_with_scrapyd_deploy_and_scheduled_against_the_replica(scrapyd, replica, tmp_path):
    seeds, output = tmp_path / "seeds", tmp_path / "output"
    for n in range(3):
        slug = f"scheduled-{n}"
        replica.add(slug, Page(title=f"Invented scheduled release {n}", canonical=f"{SITE}/release/{slug}",
                               date_iso="2026-11-20T01:00:00Z", date_text="2026-11-20",
                               body_html=f"<p>Invented body {n}.</p>"))
        write_seed(seeds, f"{slug}.md", f"{SITE}/release/{slug}", title=f"Invented scheduled release {n}",
                   date="2026-11-20")

    project = checkout(tmp_path, scrapyd["base"])
    deployed = subprocess.run([str(BIN / "scrapyd-deploy")], cwd=project, capture_output=True, text=True,
                              timeout=300)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    answer = json.loads(deployed.stdout)
    assert (answer["status"], answer["project"], answer["spiders"]) == ("ok", "beehive-mirror", 2), answer
    assert set(call(scrapyd["base"], "listspiders.json?project=beehive-mirror")["spiders"]) == {"index", "releases"}

    settings = {"SEEDS_DIR": str(seeds), "OUTPUT_DIR": str(output), "MIRROR_ORIGIN": replica.origin,
                "BROWSER_FETCH": "never", **FAST}
    scheduled = call(scrapyd["base"], "schedule.json", [("project", "beehive-mirror"), ("spider", "releases"),
                                                         *(("setting", f"{k}={v}") for k, v in settings.items())])
    assert scheduled["status"] == "ok", scheduled
    job = scheduled["jobid"]

    def finished() -> bool:
        jobs = call(scrapyd["base"], "listjobs.json?project=beehive-mirror")
        return any(j["id"] == job for j in jobs["finished"])

    wait_for(finished, 180, 0.5, f"scrapyd job {job} to finish")
    log = scrapyd["home"] / "logs" / "beehive-mirror" / "releases" / f"{job}.log"
    report = latest_report(output)
    assert report["summary"]["unchanged"] + report["summary"]["changed"] == 3, log.read_text(encoding="utf-8")
    # the placeholder seeds differ from the pages: each a change, with the document written
    assert report["summary"]["changed"] == 3
    assert sorted(p.name for p in (output / "releases" / "2026" / "11").iterdir()) == [
        f"2026-11-20-scheduled-{n}.md" for n in range(3)]
    # the report was rendered from the egg's own templates
    assert (output / "reports" / "latest" / "report.html").stat().st_size > 0

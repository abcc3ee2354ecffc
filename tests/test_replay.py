"""WACZ packages and replay with pywb, on two real crawls of the replica:
the second one with one page changed and the others answered 304.  The
browser tests drive Debian's Chromium through Playwright (skipped where it
is not installed)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from mirror import settings as defaults
from mirror.review.captures import replay_url
from mirror.testing.pagebuild import Page
from mirror.warc import replay

from .conftest import REPO, Replica, closed_port, run_crawl, stop, wait_for, write_seed

SITE = "https://www.beehive.govt.nz"
CHANGED = f"{SITE}/release/harbour-ferry-timetable"
SAME = f"{SITE}/release/t%C4%81maki-bridge-opens"     # answered 304 in the second run
OTHER = f"{SITE}/release/library-hours-extended"
OLD_TITLE, NEW_TITLE = "Harbour ferry timetable set", "Harbour ferry timetable set for summer"
CHROMIUM = "/usr/bin/chromium"


def page(title: str, url: str, body: str) -> Page:
    return Page(title=title, canonical=url, date_iso="2024-03-04T01:00:00Z", date_text="4 March 2024",
                ministers=["Hon Invented Minister"], body_html=f"<p>{body}</p>")


def captures(output: Path, run_id: str) -> dict[str, tuple[str, str, bytes]]:
    """url -> (record type, 14-digit timestamp, payload) of the run's release answers."""
    found = {}
    for path in sorted((output / "warc").glob(f"{run_id}-*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                url = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type in ("response", "revisit") and "/release/" in url:
                    found[url] = (record.rec_type, iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date")),
                                  record.content_stream().read())
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("replay")
    (root / "site").mkdir()
    replica = Replica(root / "site")
    pages = {"ferry": (OLD_TITLE, CHANGED, "Ferries run every hour."),
             "bridge": ("Tāmaki bridge opens", SAME, "The bridge opens on Monday."),
             "library": ("Library hours extended", OTHER, "Open until nine.")}
    for name, (title, url, body) in pages.items():
        replica.add(name, page(title, url, body))
        write_seed(root / "seeds", f"{name}.md", url, title=title)
    try:
        first = run_crawl(replica.origin, root / "seeds", root / "output")
        assert first.returncode in (0, 1), first.log[-3000:]
        first_id = os.readlink(root / "output" / "reports" / "latest")
        replica.add("ferry", page(NEW_TITLE, CHANGED, "Ferries run every half hour."))
        second = run_crawl(replica.origin, root / "seeds", root / "output")
        assert second.returncode in (0, 1), second.log[-3000:]
        second_id = os.readlink(root / "output" / "reports" / "latest")
    finally:
        replica.close()
    assert first_id != second_id
    return {"output": root / "output", "ids": (first_id, second_id),
            "captures": (captures(root / "output", first_id), captures(root / "output", second_id))}


def mirror(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mirror", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def test_the_second_run_recorded_the_change_and_304_revisits_under_real_addresses(runs):
    first, second = runs["captures"]
    assert {url: kind for url, (kind, *_) in first.items()} == dict.fromkeys((CHANGED, SAME, OTHER), "response")
    assert {url: kind for url, (kind, *_) in second.items()} == {CHANGED: "response", SAME: "revisit",
                                                                  OTHER: "revisit"}
    # the crawl fetched from the replica on 127.0.0.1; the records name the real site
    for path in (runs["output"] / "warc").glob("*.warc.gz"):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                assert uri is None or uri.startswith(SITE + "/"), (path.name, uri)


# --- WACZ ----------------------------------------------------------------------

def wacz_validate(path: Path) -> subprocess.CompletedProcess:
    command = shutil.which("wacz", path=str(Path(sys.executable).parent)) or shutil.which("wacz")
    assert command, "the wacz command (py-wacz) is not installed"
    return subprocess.run([command, "validate", "-f", str(path)], capture_output=True, text=True, timeout=120)


def test_mirror_wacz_packs_the_latest_run_and_validates(runs):
    output, (first_id, second_id) = runs["output"], runs["ids"]
    done = mirror("wacz", "-s", f"OUTPUT_DIR={output}")
    assert done.returncode == 0, done.stderr
    package = output / "wacz" / f"{second_id}.wacz"
    checked = wacz_validate(package)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(package) as z:
        names = set(z.namelist())
        assert {f"archive/{p.name}" for p in (output / "warc").glob(f"{second_id}-*.warc.gz")} <= names
        assert not any(n.startswith(f"archive/{first_id}") for n in names)
        assert {"indexes/index.cdx.gz", "pages/pages.jsonl", "datapackage.json",
                f"logs/report-{second_id}.html", f"logs/report-{second_id}.json"} <= names
        listed = {r["path"] for r in json.loads(z.read("datapackage.json"))["resources"]}
        assert listed == names - {"datapackage.json", "datapackage-digest.json"}
        assert z.read(f"logs/report-{second_id}.html") == (output / "reports" / second_id / "report.html").read_bytes()
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    # alone, the run holds the content of its one 200; its 304s stand for captures of the first run
    assert [(p["url"], p["title"].split(" | ")[0]) for p in pages[1:]] == [(CHANGED, NEW_TITLE)]
    assert "2 pages answered 304 left out" in done.stderr


def test_mirror_wacz_packs_both_runs_one_page_per_capture(runs, tmp_path):
    output, (first_id, second_id) = runs["output"], runs["ids"]
    target = tmp_path / "both.wacz"
    done = mirror("wacz", first_id, second_id, "-o", str(target), "-s", f"OUTPUT_DIR={output}")
    assert done.returncode == 0, done.stderr
    assert wacz_validate(target).returncode == 0
    with zipfile.ZipFile(target) as z:
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
        assert {f"logs/report-{first_id}.html", f"logs/report-{second_id}.html"} <= set(z.namelist())
    first, second = runs["captures"]
    found = sorted((p["url"], iso_date_to_timestamp(p["ts"]), p["title"].split(" | ")[0]) for p in pages)
    assert found == sorted([(CHANGED, first[CHANGED][1], OLD_TITLE), (CHANGED, second[CHANGED][1], NEW_TITLE),
                            (SAME, first[SAME][1], "Tāmaki bridge opens"),
                            (OTHER, first[OTHER][1], "Library hours extended")])


def test_mirror_wacz_names_a_run_without_warc_files(runs):
    done = mirror("wacz", "20000101T000000000Z", "-s", f"OUTPUT_DIR={runs['output']}")
    assert done.returncode == 2
    assert done.stderr.startswith("mirror wacz: run 20000101T000000000Z: no WARC files in ")


# --- the replay collection -------------------------------------------------------

def test_the_index_is_made_once_per_warc_file(runs, tmp_path):
    output = tmp_path / "output"
    shutil.copytree(runs["output"] / "warc", output / "warc")
    first_id, second_id = runs["ids"]
    later = sorted((output / "warc").glob(f"{second_id}-*.warc.gz"))
    held = tmp_path / "held"
    held.mkdir()
    for path in later:
        path.rename(held / path.name)
    assert replay.update_index(output) == [p.name for p in sorted((output / "warc").glob("*.warc.gz"))]
    assert replay.update_index(output) == []
    for path in later:
        (held / path.name).rename(output / "warc" / path.name)
    # the second run's files only; their 304s point at the first run's captures
    assert replay.update_index(output) == [p.name for p in later]
    folder = replay.index_folder(output)
    lines = [line for p in later for line in (folder / (p.name + ".cdxj")).read_text().splitlines()]
    revisits = [json.loads(line.split(" ", 2)[2]) for line in lines if '"revisit"' in line]
    assert sorted(r["url"] for r in revisits) == sorted([SAME, OTHER])
    assert all(r["status"] == "200" and r["filename"].startswith(first_id) for r in revisits)


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def answers(url: str) -> bool:
    try:
        return http_get(url)[0] == 200
    except OSError:  # not listening yet
        return False


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def start_replay(output: Path) -> tuple[subprocess.Popen, str]:
    """`mirror replay` on a free port, answering: (process, base URL)."""
    port = closed_port()
    process = subprocess.Popen([sys.executable, "-m", "mirror", "replay", "--port", str(port),
                                "-s", f"OUTPUT_DIR={output}"], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is not None or answers(base + "/mirror/"), seconds=60,
                 what="pywb to answer")
        assert process.poll() is None, process.communicate(timeout=10)
    except BaseException:
        stop(process)
        raise
    return process, base


@pytest.fixture(scope="module")
def server(runs):
    process, base = start_replay(runs["output"])
    try:
        yield {"process": process, "base": base}
    finally:
        stop(process)


def test_a_304_replays_the_capture_it_stands_for(runs, server):
    first, second = runs["captures"]
    for url in (SAME, OTHER):
        assert second[url][0] == "revisit" and second[url][2] == b""
        status, body = http_get(f"{server['base']}/mirror/{second[url][1]}id_/{url}")
        assert (status, body) == (200, first[url][2])


def test_each_run_replays_its_own_capture_of_the_changed_page(runs, server):
    first, second = runs["captures"]
    for capture in (first[CHANGED], second[CHANGED]):
        status, body = http_get(f"{server['base']}/mirror/{capture[1]}id_/{CHANGED}")
        assert (status, body) == (200, capture[2])
    status, body = http_get(f"{server['base']}/mirror/cdx?url={CHANGED}&output=json")
    assert status == 200
    assert [json.loads(line)["timestamp"] for line in body.decode().splitlines()] == [first[CHANGED][1],
                                                                                     second[CHANGED][1]]
    assert http_get(f"{server['base']}/mirror/*/{CHANGED}")[0] == 200
    # nothing fetched live: an address never captured is not found
    assert http_get(f"{server['base']}/mirror/{second[CHANGED][1]}id_/{SITE}/release/never-captured")[0] == 404


def test_a_running_server_indexes_the_runs_finished_meanwhile(runs, tmp_path):
    output = tmp_path / "output"
    shutil.copytree(runs["output"] / "warc", output / "warc")
    later = sorted((output / "warc").glob(f"{runs['ids'][1]}-*.warc.gz"))
    for path in later:  # the second run still being written
        path.rename(path.with_name(path.name + ".open"))
    process, base = start_replay(output)

    def timestamps() -> list[str]:
        status, body = http_get(f"{base}/mirror/cdx?url={CHANGED}&output=json")
        assert status == 200
        return [json.loads(line)["timestamp"] for line in body.decode().splitlines()]

    try:
        assert timestamps() == [runs["captures"][0][CHANGED][1]]
        for path in later:
            path.with_name(path.name + ".open").rename(path)
        found = wait_for(lambda: len(timestamps()) == 2 and timestamps(), seconds=60, interval=0.5,
                         what="the finished run in the index")
        assert found == [runs["captures"][0][CHANGED][1], runs["captures"][1][CHANGED][1]]
    finally:
        stop(process)


def report_links(output: Path, run_id: str, url: str) -> dict[str, str]:
    """The capture links of `url`'s entry in the run's report.html."""
    html = (output / "reports" / run_id / "report.html").read_text(encoding="utf-8")
    for section in re.findall(r"<section class=\"entry.*?</section>", html, re.S):
        if f"url: {url}<br>" in section:
            return dict(re.findall(r'<a class="capture-(\w+)" href="([^"]+)"', section))
    raise AssertionError(f"no entry for {url}")


def test_the_report_links_each_entry_to_its_captures(runs):
    output, (first_id, second_id) = runs["output"], runs["ids"]
    first, second = runs["captures"]
    port = defaults.REPLAY_PORT
    assert report_links(output, second_id, CHANGED) == {"this": replay_url(port, second[CHANGED][1], CHANGED),
                                                        "previous": replay_url(port, first[CHANGED][1], CHANGED)}
    # the 304s: unchanged on the site, still changed against their seeds; their capture is the revisit
    assert report_links(output, second_id, SAME) == {"this": replay_url(port, second[SAME][1], SAME),
                                                     "previous": replay_url(port, first[SAME][1], SAME)}
    assert report_links(output, first_id, CHANGED) == {"this": replay_url(port, first[CHANGED][1], CHANGED)}


def test_mirror_diff_links_with_the_port_setting(runs, tmp_path):
    output, second_id = runs["output"], runs["ids"][1]
    first, second = runs["captures"]
    done = mirror("diff", "--seeds", str(output.parent / "seeds"), "--output", str(output),
                  "--manifest", str(output / "reports" / second_id / "manifest.jsonl"), "--report", str(tmp_path),
                  "--processes", "1", "-s", "REPLAY_PORT=9123")
    assert done.returncode == 1, done.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'href="{replay_url(9123, second[CHANGED][1], CHANGED)}"' in html
    assert f'href="{replay_url(9123, first[CHANGED][1], CHANGED)}"' in html


def frame_title(browser_page, address: str) -> str:
    """The title of the capture pywb shows at `address` (framed: the page is in pywb's iframe)."""
    browser_page.goto(address, wait_until="load", timeout=30_000)
    frame = wait_for(lambda: next((f for f in browser_page.frames if "mp_/" in f.url), None), seconds=30,
                     what="pywb's replay frame")
    frame.wait_for_load_state("load", timeout=30_000)
    return wait_for(frame.title, seconds=30, what="the frame's title")


@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="no chromium installed")
def test_the_browser_sees_both_titles_through_the_report_links(runs, server):
    sync_api = pytest.importorskip("playwright.sync_api")
    output, (_, second_id) = runs["output"], runs["ids"]
    links = report_links(output, second_id, CHANGED)
    on_server = {k: re.sub(r"^http://127\.0\.0\.1:\d+", server["base"], v) for k, v in links.items()}
    same = re.sub(r"^http://127\.0\.0\.1:\d+", server["base"], report_links(output, second_id, SAME)["this"])
    foreign = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context()

            def route(request_route) -> None:
                if request_route.request.url.startswith(server["base"] + "/"):
                    request_route.continue_()
                else:  # offline: anything else is a leak
                    foreign.append(request_route.request.url)
                    request_route.abort()

            context.route("**/*", route)
            tab = context.new_page()
            assert frame_title(tab, on_server["this"]).split(" | ")[0] == NEW_TITLE
            assert frame_title(tab, on_server["previous"]).split(" | ")[0] == OLD_TITLE
            # the 304's capture shows the page it stands for
            assert frame_title(tab, same).split(" | ")[0] == "Tāmaki bridge opens"
        finally:
            browser.close()
    assert foreign == []


def test_replay_stops_on_sigterm_and_leaves_no_process(runs):
    process, base = start_replay(runs["output"])
    port = int(base.rsplit(":", 1)[1])
    try:
        # bound to the loopback address only
        listening = Path("/proc/net/tcp").read_text()
        assert f"0100007F:{port:04X}" in listening and f"00000000:{port:04X}" not in listening
        assert children_of(process.pid) == []
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert not Path(f"/proc/{process.pid}").exists()
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/mirror/", timeout=5)
    finally:
        stop(process)

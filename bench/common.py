"""Shared by the benchmarks: a site built from archive documents, the
replica serving it in its own process, and crawls run as a user runs them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
TARBALL = REPO.parent / "shared" / "corpus" / "beehive-markdown-releases.tar.xz"
# A saved real page: the replica dresses every page in its frame, so the
# crawls fetch pages of the real site's size (about 330 kB).
FRAME = REPO.parent / "shared" / "corpus" / "frame" / "full-page-2026.html"
BARE_SPIDER = REPO / "bench" / "bare_spider.py"
sys.path.insert(0, str(REPO))

from mirror.archive.document import parse  # noqa: E402
from mirror.testing.pagebuild import build_page, page_from_document  # noqa: E402

# Politeness lifted, and nothing else changed from the project's defaults:
# the replica is local and the point is throughput.
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
# The bare spider gets the same politeness, the same robots.txt rule as the
# project's default, and INFO logging (Scrapy's default DEBUG line per
# request would slow it: the baseline is Scrapy at its best).
BARE = {**FAST, "ROBOTSTXT_OBEY": "True", "LOG_LEVEL": "INFO"}


def archive_documents(limit: int | None = None, tarball: Path = TARBALL):
    """(member name, text) of archive files, in the tarball's order."""
    with tarfile.open(tarball) as archive:
        count = 0
        for member in archive:
            if not member.isfile():
                continue
            yield member.name, archive.extractfile(member).read().decode("utf-8")
            count += 1
            if limit is not None and count >= limit:
                return


def build_site(work: Path, limit: int | None = None) -> tuple[Path, Path, int]:
    """Seeds (the archive files), a replica folder with a page built from
    each, and `urls.txt` with each page's address; returns (seeds, pages,
    count)."""
    seeds, pages = work / "seeds", work / "pages"
    seeds.mkdir(parents=True, exist_ok=True)
    pages.mkdir(parents=True, exist_ok=True)
    count = 0
    seen = set()
    paths: list[str] = []
    for _name, text in archive_documents(limit):
        doc = parse(text)
        if doc.url in seen:
            continue  # the archive has a few URLs twice: one page each
        seen.add(doc.url)
        (seeds / f"{count:05d}.md").write_text(text, encoding="utf-8")
        (pages / f"{count:05d}.html").write_text(build_page(page_from_document(doc)), encoding="utf-8")
        paths.append(urlsplit(doc.url).path)
        count += 1
    (work / "urls.txt").write_text("".join(f"{path}\n" for path in paths), encoding="utf-8")
    return seeds, pages, count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def replica(pages: Path, *options: str, real_size: bool = True):
    """The replica serving `pages` (dressed in the real frame unless
    `real_size` is false) in its own process; yields its origin."""
    port = free_port()
    if real_size:
        options = ("--frame", str(FRAME), *options)
    process = subprocess.Popen([sys.executable, "-m", "mirror.testing.replica", str(pages), "--port", str(port),
                                *options], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        process.stdout.readline()  # "serving N pages ...": the index is built
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as listed:
                    todo += [int(child) for child in listed.read().split()]
        except OSError:
            pass
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's) counted once in all."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the summed PSS of a process and its children (the crawl, its
    WARC writer, its extraction workers) while it runs: its peak in kB."""

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _tree(self.pid)))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb


def crawl(origin: str, seeds: Path, output: Path, spider: str = "releases", settings: dict | None = None,
          args: tuple[str, ...] = (), tree: dict | None = None) -> tuple[float, str, int]:
    """(seconds, log, peak RSS in kB of its largest process) of one `scrapy
    crawl SPIDER` (or `scrapy runspider FILE` when `spider` is a .py file).
    With `tree` (a dict), `tree["peak_pss_kb"]` is set to the peak of the
    summed PSS of all its processes."""
    how = ["runspider", spider] if spider.endswith(".py") else ["crawl", spider]
    command = ["/usr/bin/time", "-f", "MAXRSS %M", sys.executable, "-m", "scrapy", *how,
               "-s", f"MIRROR_ORIGIN={origin}", "-s", f"SEEDS_DIR={seeds}", "-s", f"OUTPUT_DIR={output}"]
    for name, value in {**FAST, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    for arg in args:
        command += ["-a", arg]
    start = time.perf_counter()
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        memory = TreeMemory(process.pid) if tree is not None else None
        stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    if memory is not None and tree is not None:
        tree["peak_pss_kb"] = memory.stop()
    rss = int(re.search(r"MAXRSS (\d+)", stderr).group(1))
    return elapsed, stdout + stderr, rss


def crawl_bare(origin: str, urls: Path, settings: dict | None = None) -> tuple[float, str, int]:
    """(seconds, log, peak RSS in kB) of the bare spider over `urls` (paths,
    one a line) at `origin`, run from a folder outside the project."""
    outside = Path(tempfile.mkdtemp(prefix="bare-scrapy-"))
    listed = outside / "urls.txt"
    listed.write_text("".join(f"{origin}{line}\n" for line in urls.read_text(encoding="utf-8").split()),
                      encoding="utf-8")
    command = ["/usr/bin/time", "-f", "MAXRSS %M", sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER),
               "-a", f"urls={listed}"]
    for name, value in {**BARE, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=outside, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if "'BOT_NAME': 'beehive" in done.stderr:
        raise SystemExit(f"the bare spider picked up the project's settings:\n{done.stderr[-2000:]}")
    rss = int(re.search(r"MAXRSS (\d+)", done.stderr).group(1))
    return elapsed, done.stdout + done.stderr, rss


def stat(log: str, name: str) -> int:
    """A number from the crawl's stats dump."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0

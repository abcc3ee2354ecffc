"""Shared by the benchmarks: a site built from archive documents, the
replica serving it in its own process, and crawls run as a user runs them."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tarfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARBALL = REPO.parent / "shared" / "corpus" / "beehive-markdown-releases.tar.xz"
sys.path.insert(0, str(REPO))

from mirror.archive.document import parse  # noqa: E402
from mirror.testing.pagebuild import build_page, page_from_document  # noqa: E402

# Politeness lifted: the replica is local and the point is throughput.  One
# extraction process takes page work off the crawl's own (a no-op spider
# ignores the setting).
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "LOG_LEVEL": "INFO", "ROBOTSTXT_OBEY": "1",
        "EXTRACT_PROCESSES": "1"}


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
    """Seeds (the archive files) and a replica folder with a page built from
    each; returns (seeds, pages, count)."""
    seeds, pages = work / "seeds", work / "pages"
    seeds.mkdir(parents=True, exist_ok=True)
    pages.mkdir(parents=True, exist_ok=True)
    count = 0
    seen = set()
    for _name, text in archive_documents(limit):
        doc = parse(text)
        if doc.url in seen:
            continue  # the archive has a few URLs twice: one page each
        seen.add(doc.url)
        (seeds / f"{count:05d}.md").write_text(text, encoding="utf-8")
        (pages / f"{count:05d}.html").write_text(build_page(page_from_document(doc)), encoding="utf-8")
        count += 1
    return seeds, pages, count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def replica(pages: Path, *options: str):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "mirror.testing.replica", str(pages), "--port", str(port),
                                *options], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        process.stdout.readline()  # "serving N pages ...": the index is built
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def crawl(origin: str, seeds: Path, output: Path, spider: str = "releases", settings: dict | None = None,
          args: tuple[str, ...] = ()) -> tuple[float, str, int]:
    """(seconds, log, peak RSS in kB) of one `scrapy crawl SPIDER` (or
    `scrapy runspider FILE` when `spider` is a .py file)."""
    how = ["runspider", spider] if spider.endswith(".py") else ["crawl", spider]
    command = ["/usr/bin/time", "-f", "MAXRSS %M", sys.executable, "-m", "scrapy", *how,
               "-s", f"MIRROR_ORIGIN={origin}", "-s", f"SEEDS_DIR={seeds}", "-s", f"OUTPUT_DIR={output}"]
    for name, value in {**FAST, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    for arg in args:
        command += ["-a", arg]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    rss = int(re.search(r"MAXRSS (\d+)", done.stderr).group(1))
    return elapsed, done.stdout + done.stderr, rss


def stat(log: str, name: str) -> int:
    """A number from the crawl's stats dump."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0

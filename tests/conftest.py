"""Shared fixtures: a real HTTP replica of the site on 127.0.0.1 and a way
to run `scrapy crawl releases` against it exactly as a user would."""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest

from mirror.testing.pagebuild import Page, build_page
from mirror.testing.replica import Site, make_server

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Politeness lifted for tests only: the replica is local.
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "CONCURRENT_REQUESTS": "8",
        "RETRY_TIMES": "1", "DOWNLOAD_TIMEOUT": "5", "LOG_LEVEL": "INFO", "BOTWALL_BACKOFF": "0.05",
        "BROWSER_PASS_TIMEOUT": "2"}


def closed_port() -> int:
    """A port on 127.0.0.1 that was bound and then closed: nothing listens
    there, so a connection to it is refused (no fixed port number that some
    other process might be using)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_origin() -> str:
    """An origin on 127.0.0.1 that refuses every connection."""
    return f"http://127.0.0.1:{closed_port()}"


def wait_for(condition, seconds: float = 60, interval: float = 0.05, what: str = "the condition",
             explain=None):
    """Poll `condition` until it returns something true, and return that;
    fail the test when `seconds` pass first (with what `explain()` says)."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() >= deadline:
            said = f"\n{explain()}" if explain is not None else ""
            raise AssertionError(f"timed out after {seconds} s waiting for {what}{said}")
        time.sleep(interval)


def start_logged(command: list[str], log_path: Path) -> subprocess.Popen:
    """Start `command` in the background with its output in `log_path`.  Not
    a pipe: one that nobody reads fills at 64 kB and stops the process."""
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    process.log_path = log_path  # type: ignore[attr-defined]
    return process


def finished_log(process: subprocess.Popen, timeout: float) -> str:
    """The whole log of a process started by `start_logged`, once it ends."""
    process.wait(timeout=timeout)
    return process.log_path.read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]


def where_it_is(process: subprocess.Popen, seconds: float = 10) -> str:
    """A running crawl's own account of where it is: SIGUSR2 has Scrapy's
    StackTraceDump log the engine's state and each thread's stack.  The
    tail of its log (started by `start_logged`), for a failure message."""
    log_path: Path = process.log_path  # type: ignore[attr-defined]
    if process.poll() is None:
        process.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + seconds
        while "Dumping stack trace" not in log_path.read_text(encoding="utf-8", errors="replace"):
            if time.monotonic() >= deadline or process.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # the rest of the dump
    state = "still running" if process.poll() is None else f"ended with {process.returncode}"
    return f"the process ({state}) logged:\n" + log_path.read_text(encoding="utf-8", errors="replace")[-12000:]


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Kill a background process (a no-op when it has ended), reap it, and
    close its pipes: for `finally`, so that no test leaves a process behind."""
    process.kill()
    process.wait(timeout=timeout)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


_STATS_DUMP = "Dumping Scrapy stats:"
# datetime values (start_time, finish_time), with at most one level of parentheses inside
_DATETIME = re.compile(r"datetime\.\w+\((?:[^()]|\([^()]*\))*\)")


def scrapy_stats(log: str) -> dict:
    """The Scrapy stats a crawl dumped into its log at the end, as a dict
    (the last dump when there are several; datetime values as their repr
    text).  Fails the test when the log holds no dump."""
    start = log.rfind(_STATS_DUMP)
    if start < 0:
        raise AssertionError(f"no Scrapy stats dump in the log:\n{log[-3000:]}")
    # the pprinted dict: a line opening with "{", then lines indented by one space
    lines = log[start:].splitlines()[1:]
    block = lines[:1] + list(itertools.takewhile(lambda line: line.startswith(" "), lines[1:]))
    text = _DATETIME.sub(lambda m: repr(m.group(0)), "\n".join(block))
    stats = ast.literal_eval(text)
    assert isinstance(stats, dict), text
    return stats


def latest_report(output: Path) -> dict:
    """The newest run's report.json under `output`."""
    return json.loads((output / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a clean skip when a clone has none."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


class Replica:
    """A replica server over a folder of pages, running in a thread."""

    def __init__(self, folder: Path, transliterated: str = "404", js_wall_uses: int = 0):
        self.folder = folder
        self.plan_file = folder.parent / f"{folder.name}-plan.json"
        self.site = Site(folder, str(self.plan_file), transliterated, js_wall_uses=js_wall_uses)
        self.server = make_server(self.site)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, name: str, page: Page) -> Path:
        path = self.folder / f"{name}.html"
        path.write_text(build_page(page), encoding="utf-8")
        return path

    def plan(self, faults: dict) -> None:
        self.plan_file.write_text(json.dumps(faults), encoding="utf-8")
        # mtime granularity: make sure the replica sees a new plan
        os.utime(self.plan_file, ns=(0, self.plan_file.stat().st_mtime_ns + 1_000_000))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def replica(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    server = Replica(folder)
    yield server
    server.close()


@dataclass
class CrawlResult:
    returncode: int
    log: str
    output: Path

    @cached_property
    def stats(self) -> dict:
        """The Scrapy stats the crawl dumped at its end (`scrapy_stats`)."""
        return scrapy_stats(self.log)

    def report(self) -> dict:
        """The newest run's report.json (`run.crawl` holds the crawl summary)."""
        return latest_report(self.output)

    def file(self, relative: str) -> str:
        return (self.output / relative).read_text(encoding="utf-8")

    def files(self) -> list[str]:
        """Documents written (reports and run records left out)."""
        return sorted(str(p.relative_to(self.output)) for folder in ("releases", "speeches")
                      for p in (self.output / folder).rglob("*") if p.is_file())


def crawl_command(program: list[str], origin: str, seeds: Path, output: Path, *args: str,
                  settings: dict | None = None) -> list[str]:
    """`python -m <program>` against the replica at `origin`, with FAST and `settings`."""
    command = [sys.executable, "-m", *program,
               "-s", f"MIRROR_ORIGIN={origin}", "-s", f"SEEDS_DIR={seeds}", "-s", f"OUTPUT_DIR={output}"]
    for name, value in {**FAST, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    return command + list(args)


def run_crawl(origin: str, seeds: Path, output: Path, *args: str, settings: dict | None = None,
              timeout: float = 120) -> CrawlResult:
    """`scrapy crawl releases` in a subprocess, from the repo like a user."""
    command = crawl_command(["scrapy", "crawl", "releases"], origin, seeds, output, *args, settings=settings)
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return CrawlResult(done.returncode, done.stdout + done.stderr, output)


def mirror_run(origin: str, seeds: Path, output: Path, *args: str, settings: dict | None = None,
               background: bool = False):
    """`mirror run` (the scheduled job) in a subprocess: its completed
    process, or with `background` the running one, logging to a file."""
    command = crawl_command(["mirror", "run"], origin, seeds, output, *args, settings=settings)
    if background:
        return start_logged(command, output.parent / f"{output.name}-{time.monotonic_ns()}.log")
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=180)


def write_seed(folder: Path, name: str, url: str, title: str = "Seed", date: str = "2020-01-01") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'---\ntitle: "{title}"\ndate: {date}\nurl: {url}\n---\n\nSeed body.', encoding="utf-8")
    return path

"""Signs of life on a long run: once every PROGRESS_INTERVAL seconds, one
line with the releases done of the total, the share, requests a second and
the time left at that rate; and the same figures in STATE_DIR/progress.json
for `mirror status` in another terminal (removed when the crawl ends).

The rates are since the crawl started: a whole-archive run is hours of the
same politeness, and an average over it does not jump with one slow page.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from scrapy import signals
from twisted.internet import task

from mirror.archive.store import atomic_write
from mirror.crawl.context import RunContext
from mirror.review.manifest import read_manifest
from mirror.review.runs import manifest_path

logger = logging.getLogger(__name__)

PROGRESS_FILE = "progress.json"


def duration(seconds: float) -> str:
    """A time left as people say it: `2h 05m`, `4m 10s`, `12s`."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def progress_line(done: int, total: int, requests: int, elapsed: float, done_here: int | None = None) -> str:
    """`1200 of 55167 releases (2.2%), 1.02 requests/s, about 14h 40m left`:
    `requests` and `done_here` (default: `done`; less for a resumed run)
    in `elapsed` seconds give the rates."""
    done_here = done if done_here is None else done_here
    share = 100.0 * done / total if total else 100.0
    rate = requests / elapsed if elapsed > 0 else 0.0
    left = "time left unknown"
    if total <= done:
        left = "nothing left"
    elif done_here > 0 and elapsed > 0:
        left = f"about {duration((total - done) * elapsed / done_here)} left"
    return f"{done} of {total} releases ({share:.1f}%), {rate:.2f} requests/s, {left}"


def progress_path(state_folder: str | os.PathLike) -> Path:
    return Path(state_folder) / PROGRESS_FILE


def read_progress(state_folder: str | os.PathLike) -> dict | None:
    """The running crawl's progress record, or None when there is none to read."""
    try:
        data = json.loads(progress_path(state_folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class Progress:
    """The progress line and file; PROGRESS_INTERVAL (seconds, 0: off)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        self.done = 0
        self.already = 0   # outcomes a resumed run's manifest held at the start
        self.started = time.time()
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def context(self) -> RunContext:
        return RunContext.of(self.crawler)

    def total(self) -> int:
        stats = self.crawler.stats
        return sum(stats.get_value(key, 0) for key in (
            "mirror/seeds/requested", "mirror/discovered", "mirror/index/missing_requested"))

    def spider_opened(self, spider):
        if self.interval <= 0:
            return
        self.started = time.time()
        manifest = manifest_path(self.context.output_dir, self.context.run_id)
        try:
            self.already = len(read_manifest(manifest)) if manifest.exists() else 0
        except OSError:
            self.already = 0
        self.write()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def item_scraped(self, item, response, spider):
        self.done += 1

    def tick(self):
        requests = self.crawler.stats.get_value("downloader/request_count", 0)
        logger.info("progress: %s", progress_line(self.done, self.total(), requests, time.time() - self.started))
        self.write()

    def write(self):
        record = {"run": self.context.run_id, "pid": os.getpid(), "started": self.started,
                  "already": self.already, "total": self.total(), "done": self.done,
                  "requests": self.crawler.stats.get_value("downloader/request_count", 0), "written": time.time()}
        try:
            atomic_write(progress_path(self.context.state_dir), json.dumps(record).encode("utf-8"))
        except OSError as exc:  # a sign of life only: the crawl goes on without it
            logger.debug("progress file not written: %s", exc)

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.loop is not None:
            progress_path(self.context.state_dir).unlink(missing_ok=True)

"""The Scrapy extension that records every exchange in the web archive.

It hears `response_downloaded`, which fires for every response the download
handler returns (robots.txt, redirects, errors, and every exchange a browser
fetch made), before any downloader middleware has decompressed, followed or
dropped it, and hands it to `warc.files.WarcFiles` as plain values.

The records are written by a process of their own (`warc.writer`), in the
order the responses came: digesting and compressing a 330 kB page takes
about 2 ms, none of it in the crawl's process.  At most WARC_QUEUE
exchanges wait for it (the crawl waits when that many do), and all are
written before the run's end.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import scrapy
import warcio
from scrapy import signals
from scrapy.exceptions import NotConfigured

from mirror.crawl.context import RunContext
from mirror.crawl.items import CAPTURED
from mirror.warc.files import FOLDER, NORMALISED, Exchange, recover
from mirror.warc.writer import WriterProcess

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


def _truncation(flags: list[str]) -> str | None:
    if "dataloss" in flags:
        return "disconnect"
    if "download_stopped" in flags:
        return "unspecified"
    return None


def exchange_of(request: Request, response: Response) -> Exchange:
    """The exchange as the download handler saw it (Scrapy objects in)."""
    latency = request.meta.get("download_latency")
    date = datetime.now(UTC)
    if latency:
        date -= timedelta(seconds=latency)
    ip = getattr(response, "ip_address", None)
    return Exchange(
        url=response.url,
        status=response.status,
        response_headers=[(name, value) for name, values in response.headers.items() for value in values],
        body=response.body,
        method=request.method,
        request_headers=[(name, value) for name, values in request.headers.items() for value in values],
        request_body=request.body,
        protocol=getattr(response, "protocol", None) or "HTTP/1.1",
        date=date,
        ip_address=str(ip) if ip else None,
        truncated=_truncation(response.flags),
    )


def capture_timestamp(moment: datetime | None) -> str:
    """A capture's time as pywb and CDXJ indexes name it: 14 digits, UTC."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d%H%M%S")


class WarcRecorder:
    """Records every response the downloader receives, with its request, in
    `OUTPUT_DIR/warc/<run-id>-NNNNN.warc.gz` (WARC_ENABLED, WARC_MAX_SIZE)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.folder = Path(settings["OUTPUT_DIR"]) / FOLDER
        self.max_size = settings.getint("WARC_MAX_SIZE")
        self.queue_size = settings.getint("WARC_QUEUE")
        self.writer: WriterProcess | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorder:
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def info(self, run_id: str) -> dict:
        settings = self.crawler.settings
        info = {
            "software": f"beehive-mirror (Scrapy {scrapy.__version__}, warcio {_version(warcio)})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": run_id,
            "http-header-user-agent": settings["USER_AGENT"],
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "description": NORMALISED,
        }
        origin = settings["MIRROR_ORIGIN"]
        if origin:
            info["mirror-origin"] = f"fetched from {origin}; records name the real site"
        return info

    def spider_opened(self, spider: scrapy.Spider) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for done in recover(self.folder):
            if done.note:
                logger.warning("WARC %s: %s", done.path, done.note)
            else:
                logger.warning("WARC %s recovered: %d complete records kept, %d bytes of a torn write cut",
                               done.path, done.records, done.dropped)
        run_id = RunContext.of(self.crawler).run_id
        self.writer = WriterProcess(self.folder, run_id, self.max_size, self.info(run_id), self.queue_size)

    def response_downloaded(self, response: Response, request: Request) -> None:
        if self.writer is None:
            return
        exchange = exchange_of(request, response)  # plain values: nothing the crawl changes later
        # The capture's time as replay tools name it, for the manifest and the report's links.
        request.meta[CAPTURED] = capture_timestamp(exchange.date)
        stats = self.crawler.stats
        try:
            self.writer.write(exchange)
        except (OSError, ValueError) as exc:  # the writer is gone: the crawl goes on, the gap is counted
            stats.inc_value("warc/errors")
            if not self.failed:
                logger.error("WARC: could not record %s: %s; no response after it is recorded", exchange.url, exc)
            self.failed = True
            return
        stats.inc_value("warc/exchanges")
        stats.inc_value("warc/revisits" if exchange.status == 304 else "warc/responses")

    def spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self.writer is None:
            return
        written, self.writer = self.writer.close(), None
        stats = self.crawler.stats
        for url, why in written.errors:
            stats.inc_value("warc/errors")
            if url:
                stats.inc_value("warc/exchanges", -1)
                logger.error("WARC: could not record %s: %s", url, why)
            else:
                logger.error("WARC: %s", why)
        stats.set_value("warc/files", len(written.files))
        stats.set_value("warc/records", written.records)
        if written.files:
            logger.info("WARC: %d records in %s", written.records, ", ".join(str(p) for p in written.files))


def _version(module: ModuleType) -> str:
    try:
        from importlib.metadata import version

        return version(module.__name__)
    except Exception:  # noqa: BLE001 - informative only
        return "unknown"

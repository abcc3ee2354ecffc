"""Item pipelines: validate what was fetched, then store each page's
document.  Each counts what it does in the crawl stats under `mirror/`."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from scrapy.exceptions import DropItem

from .manifest import NOT_MODIFIED
from .page import BLOCKED, store_page
from .store import sweep_temporary


class _StatsPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def drop(self, item, stat: str, reason: str):
        """Drop `item`, saying why in the log, the stats and the item itself."""
        item.reason = reason
        self.stats.inc_value(stat)
        raise DropItem(f"{item.url}: {reason}")


class ValidatePipeline(_StatsPipeline):
    """Failed fetches stop here, with their reason; 304s go on as they are."""

    def process_item(self, item):
        if item.failure:
            self.drop(item, f"mirror/failed/{item.failure}", f"fetch failed: {item.failure}")
        self.stats.inc_value("mirror/fetched")
        if item.outcome == NOT_MODIFIED:
            self.stats.inc_value("mirror/not_modified")
        return item


class StorePipeline(_StatsPipeline):
    """Each page → its document under OUTPUT_DIR (page.store_page: block
    check, extraction, validation, normalisation, atomic write), in this
    process or, with EXTRACT_PROCESSES > 0, in that many worker processes,
    leaving the crawl's own process to the network."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.output_dir = crawler.settings.get("OUTPUT_DIR", "output")
        self.processes = crawler.settings.getint("EXTRACT_PROCESSES", 0)
        self.pool = None

    def open_spider(self):
        swept = sweep_temporary(self.output_dir)
        if swept:
            self.stats.set_value("mirror/temporary_files_swept", swept)
        if self.processes > 0:
            # forkserver: workers forked from a clean process that has loaded
            # the extraction code once, not from this one, running a reactor
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["mirror.page"])
            self.pool = ProcessPoolExecutor(self.processes, mp_context=context)
            for _ in range(self.processes):
                self.pool.submit(len, "")  # start the workers now, while seeds are read

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def process_item(self, item):
        if item.outcome == NOT_MODIFIED:
            return item  # the document on disk already stands for the page
        html, item.html = item.html, ""  # not kept past this point: pages are large
        if self.pool is not None:
            page = await asyncio.wrap_future(self.pool.submit(store_page, html, item.final_url, self.output_dir))
        else:
            page = store_page(html, item.final_url, self.output_dir)
        if page.outcome == BLOCKED:
            item.blocked = True
        if not page.path:
            self.drop(item, f"mirror/dropped/{page.outcome}", page.reason)
        if page.normalised:
            self.stats.inc_value("mirror/normalised")
        item.output_path, item.sha1, item.outcome = page.path, page.sha1, page.outcome
        self.stats.inc_value(f"mirror/{item.outcome}")
        return item

"""The item pipeline: each release URL's outcome → its document, or the
reason there is none."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from mirror.site.candidates import own_archive_urls
from mirror.review.manifest import BLOCKED, MOVED_AWAY, NOT_MODIFIED
from mirror.outcomes import OTHER_RELEASE
from mirror.archive.store import sweep_temporary
from mirror.crawl.workers import WorkerExited, WorkerPool

logger = logging.getLogger(__name__)

# Named, not imported: with worker processes, the crawl's own process never
# loads the extraction code (a tenth of a second of imports).
STORE_RESPONSE = "mirror.site.page:store_response"


class StorePipeline:
    """Each outcome of a release URL, in order: a failed fetch is dropped
    with its reason, a 304 goes on as it is (the document on disk stands for
    the page), and a page becomes its document under OUTPUT_DIR
    (page.store_response: decoding, block check, extraction, validation,
    normalisation, atomic write), in this process or, with
    EXTRACT_PROCESSES > 0, in that many worker processes, leaving the
    crawl's own process to the network.

    One pipeline, not one a step: Scrapy spends some 0.1 ms an item on
    each pipeline it passes through, as much as the checks themselves.
    What happened is counted in the crawl stats under `mirror/`."""

    def __init__(self, crawler):
        self.stats = crawler.stats
        self.output_dir = crawler.settings.get("OUTPUT_DIR", "output")
        self.processes = crawler.settings.getint("EXTRACT_PROCESSES", 0)
        self.pool = None
        self.store_here = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        swept = sweep_temporary(self.output_dir)
        if swept:
            self.stats.set_value("mirror/temporary_files_swept", swept)
        if self.processes > 0:
            # Started now, while the seeds are read; each loads the
            # extraction code once.
            self.pool = WorkerPool(self.processes, preload=["mirror.site.page"])
        else:
            from mirror.site.page import store_response
            self.store_here = store_response

    def close_spider(self):
        if self.pool is not None:
            self.pool.close()

    def drop(self, item, stat: str, reason: str):
        """Drop `item`, saying why in the log, the stats and the item itself."""
        item.reason = reason
        self.stats.inc_value(stat)
        raise DropItem(f"{item.url}: {reason}")

    async def process_item(self, item):
        if item.failure:
            self.drop(item, f"mirror/failed/{item.failure}", f"fetch failed: {item.detail or item.failure}")
        if item.blocked:
            self.drop(item, "mirror/dropped/blocked", item.reason)
        self.stats.inc_value("mirror/fetched")
        if item.outcome == NOT_MODIFIED:
            self.stats.inc_value("mirror/not_modified")
            return item
        body, item.body = item.body, b""  # not kept past this point: pages are large
        asked = item.tried[-1] if item.tried else item.url
        args = (body, item.encoding, item.final_url, self.output_dir,
                own_archive_urls(item.url, asked, item.final_url))
        if self.pool is not None:
            try:
                page = await self.pool.call(STORE_RESPONSE, *args)
            except WorkerExited as exc:  # e.g. killed for memory: this page fails, the crawl goes on
                self.drop(item, "mirror/dropped/worker exited", f"extraction worker died: {exc}")
        else:
            page = self.store_here(*args)
        if page.outcome == BLOCKED:
            item.blocked = True
        if page.outcome == OTHER_RELEASE and item.final_url != asked:
            # the site redirected to another release: its page is not this one's
            item.outcome = MOVED_AWAY
            self.drop(item, "mirror/moved", f"redirected to {item.final_url}")
        if not page.path:
            self.drop(item, f"mirror/dropped/{page.outcome}", page.reason)
        if page.normalised:
            self.stats.inc_value("mirror/normalised")
        item.output_path, item.sha1, item.outcome, item.size = page.path, page.sha1, page.outcome, page.size
        self.stats.inc_value(f"mirror/{item.outcome}")
        if item.repaired:
            self.stats.inc_value("mirror/repaired")
            logger.warning("%s: the damaged document %s was written again", item.url, item.output_path)
        return item

"""The item pipeline: each release URL's answer (`Fetched`) → its outcome
and document (`Stored`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from mirror.archive.store import sweep_temporary
from mirror.crawl.context import RunContext
from mirror.crawl.items import Fetched, Stored
from mirror.crawl.workers import WorkerExited, WorkerPool
from mirror.outcomes import NoDocument, Outcome
from mirror.site.candidates import own_archive_urls
from mirror.site.cut import page_html_from_bytes

if TYPE_CHECKING:
    from mirror.site.page import PageOutcome

logger = logging.getLogger(__name__)

# Named, not imported: with worker processes, the crawl's own process never
# loads the extraction code (a tenth of a second of imports).
STORE_RESPONSE = "mirror.site.page:store_response"
STORE_CUT = "mirror.site.page:store_cut"
# The site's answer that it has no such page: the release is gone, not unheard.
GONE_STATUSES = (404, 410)


class StorePipeline:
    """Decides what each answer comes to, in order: a failed fetch is
    `failed` with its reason, a 304 is `not modified` (the document on disk
    stands for the page), and a page becomes its document under OUTPUT_DIR
    (`site.page.store_response`: decoding, block check, extraction,
    validation, normalisation, atomic write), in EXTRACT_PROCESSES worker
    processes (the crawl's own process only cuts the page down to what
    they read), leaving the crawl's event loop to the network; or, with
    EXTRACT_PROCESSES = 0, in this process.  Every answer comes out as one
    `Stored` item; none is dropped, so each is logged once, in one line.

    One pipeline, not one a step: Scrapy spends some 0.1 ms an item on
    each pipeline it passes through, as much as the checks themselves.
    What happened is counted in the crawl stats under `mirror/`."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.output_dir = crawler.settings["OUTPUT_DIR"]
        self.processes = crawler.settings.getint("EXTRACT_PROCESSES")
        self.pool: WorkerPool | None = None
        self.store_here: Callable[..., PageOutcome] | None = None

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

    def without_document(self, item: Fetched, outcome: Outcome, stat: str, reason: str) -> Stored:
        """An outcome with no document: counted, logged in one line, recorded."""
        self.stats.inc_value(stat)
        logger.warning("%s: %s: %s", item.url, outcome, reason)
        return Stored(item.record(outcome, reason=reason))

    async def process_item(self, item: Fetched) -> Stored:
        if item.captured:
            # Read before this answer is remembered: the report links to both captures.
            known = RunContext.of(self.crawler).state.get(item.url)
            item.previous_capture = known.captured if known is not None else ""
        if item.failure:
            if item.status in GONE_STATUSES:
                self.stats.inc_value("mirror/gone_answers")
            return self.without_document(item, Outcome.FAILED, f"mirror/failed/{item.failure}",
                                         item.detail or item.failure)
        if item.walled:
            return self.without_document(item, Outcome.BLOCKED, f"mirror/dropped/{NoDocument.BLOCKED}",
                                         "the bot wall answered instead of the page")
        self.stats.inc_value("mirror/fetched")
        if item.known is not None:  # 304
            self.stats.inc_value("mirror/not_modified")
            output, sha1 = item.known
            return Stored(item.record(Outcome.NOT_MODIFIED, output=output, sha1=sha1))
        body, item.body = item.body, b""  # not kept past this point: pages are large
        where = (item.final_url, self.output_dir, own_archive_urls(item.url, item.asked, item.final_url))
        if self.pool is not None:
            # A worker is sent the page cut to what extraction reads (some 3 kB
            # of 330): copying whole pages to it cost it more than extracting.
            call: tuple
            try:
                call = (STORE_CUT, page_html_from_bytes(body, item.encoding), *where)
            except Exception:  # noqa: BLE001 - the worker says what is wrong with the page, as in-process
                call = (STORE_RESPONSE, body, item.encoding, *where)
            try:
                page = await self.pool.call(*call)
            except WorkerExited as exc:  # e.g. killed for memory: this page fails, the crawl goes on
                return self.without_document(item, Outcome.DROPPED, f"mirror/dropped/{NoDocument.WORKER_EXITED}",
                                             f"extraction worker died: {exc}")
        else:
            assert self.store_here is not None  # open_spider set it: no pool
            page = self.store_here(body, item.encoding, *where)
        if page.outcome == NoDocument.OTHER_RELEASE and item.final_url != item.asked:
            # the site redirected to another release: its page is not this one's
            return self.without_document(item, Outcome.MOVED, "mirror/moved", f"redirected to {item.final_url}")
        if not page.path:
            outcome = Outcome.BLOCKED if page.outcome == NoDocument.BLOCKED else Outcome.DROPPED
            return self.without_document(item, outcome, f"mirror/dropped/{page.outcome}", page.reason)
        if page.normalised:
            self.stats.inc_value("mirror/normalised")
        self.stats.inc_value(f"mirror/{page.outcome}")
        if item.repaired:
            self.stats.inc_value("mirror/repaired")
            logger.warning("%s: the damaged document %s was written again", item.url, page.path)
        return Stored(item.record(page.outcome, output=page.path, sha1=page.sha1),
                      etag=item.etag, last_modified=item.last_modified, size=page.size)

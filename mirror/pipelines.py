"""Item pipelines: validate, normalise, write.  Each is small and counts
what it does in the crawl stats under `mirror/`."""

from __future__ import annotations

import logging
from dataclasses import replace

from scrapy.exceptions import DropItem

from .document import NO_DATE
from .store import UNCHANGED, UnsafePath, write_document

logger = logging.getLogger(__name__)


class _StatsPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class ValidatePipeline(_StatsPipeline):
    """Lets through only items that hold a release; says why for the rest."""

    def process_item(self, item):
        if item.failure:
            self.stats.inc_value(f"mirror/failed/{item.failure}")
            raise DropItem(f"{item.url}: fetch failed: {item.failure}")
        self.stats.inc_value("mirror/fetched")
        if item.blocked:
            self.stats.inc_value("mirror/dropped/blocked")
            raise DropItem(f"{item.url}: the bot wall answered instead of the page")
        doc = item.document
        if doc is None or (not doc.title and not doc.body):
            self.stats.inc_value("mirror/dropped/empty")
            raise DropItem(f"{item.url}: page has neither title nor body")
        return item


class NormalisePipeline(_StatsPipeline):
    """Holds the format's invariants whatever the extractor produced:
    trimmed title and body, no empty list items, a date always present."""

    def process_item(self, item):
        doc = item.document
        tidy = replace(
            doc,
            title=doc.title.strip(),
            date=doc.date or NO_DATE,
            ministers=tuple(m.strip() for m in doc.ministers if m.strip()),
            portfolios=tuple(p.strip() for p in doc.portfolios if p.strip()),
            attachments=tuple(a.strip() for a in doc.attachments if a.strip()),
            body=doc.body.strip(),
        )
        if tidy != doc:
            self.stats.inc_value("mirror/normalised")
            item.document = tidy
        return item


class WritePipeline(_StatsPipeline):
    """Writes each document under OUTPUT_DIR, atomically; equal bytes on disk
    are left alone."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.output_dir = crawler.settings.get("OUTPUT_DIR", "output")

    def process_item(self, item):
        try:
            relative, outcome = write_document(self.output_dir, item.document)
        except UnsafePath as exc:
            self.stats.inc_value("mirror/dropped/unsafe id")
            raise DropItem(f"{item.url}: {exc}") from None
        except OSError as exc:
            self.stats.inc_value("mirror/dropped/write error")
            raise DropItem(f"{item.url}: cannot write: {exc}") from None
        item.output_path = relative
        self.stats.inc_value("mirror/unchanged" if outcome == UNCHANGED else "mirror/written")
        return item

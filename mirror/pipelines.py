"""Item pipelines: validate, normalise, write.  Each is small and counts
what it does in the crawl stats under `mirror/`."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from .document import holds_a_release, normalise
from .manifest import NOT_MODIFIED
from .store import UnsafePath, sweep_temporary, write_document


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
    """Lets through only items that hold a release; says why for the rest."""

    def process_item(self, item):
        if item.failure:
            self.drop(item, f"mirror/failed/{item.failure}", f"fetch failed: {item.failure}")
        self.stats.inc_value("mirror/fetched")
        if item.outcome == NOT_MODIFIED:
            self.stats.inc_value("mirror/not_modified")
            return item
        if item.blocked:
            self.drop(item, "mirror/dropped/blocked", "the bot wall answered instead of the page")
        if not holds_a_release(item.document):
            self.drop(item, "mirror/dropped/empty", "page has neither title nor body")
        return item


class NormalisePipeline(_StatsPipeline):
    """Holds the format's invariants whatever the extractor produced."""

    def process_item(self, item):
        if item.document is None:  # not modified: nothing to tidy
            return item
        tidy = normalise(item.document)
        if tidy != item.document:
            self.stats.inc_value("mirror/normalised")
            item.document = tidy
        return item


class WritePipeline(_StatsPipeline):
    """Writes each document under OUTPUT_DIR, atomically; equal bytes on disk
    are left alone."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.output_dir = crawler.settings.get("OUTPUT_DIR", "output")

    def open_spider(self):
        swept = sweep_temporary(self.output_dir)
        if swept:
            self.stats.set_value("mirror/temporary_files_swept", swept)

    def process_item(self, item):
        if item.outcome == NOT_MODIFIED:
            return item  # the document on disk already stands for the page
        try:
            written = write_document(self.output_dir, item.document)
        except UnsafePath as exc:
            self.drop(item, "mirror/dropped/unsafe id", str(exc))
        except OSError as exc:
            self.drop(item, "mirror/dropped/write error", f"cannot write: {exc}")
        item.output_path, item.sha1 = written.path, written.sha1
        item.outcome = written.outcome  # store.WRITTEN or store.UNCHANGED, as the manifest names them
        self.stats.inc_value(f"mirror/{item.outcome}")
        return item

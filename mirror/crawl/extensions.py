"""Extensions: the run manifest, the state kept for the next runs, and the
run report that ends every crawl with its verdict.  The run's id, state
database and verdict belong to its context (`crawl.context.RunContext`)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from mirror.crawl.context import RunContext
from mirror.crawl.items import Stored
from mirror.crawl.siteindex import SiteIndex, index_path
from mirror.outcomes import HAS_DOCUMENT, Exit, NoDocument, Outcome
from mirror.review import diff as diffing
from mirror.review.manifest import ManifestWriter, read_manifest
from mirror.review.report import publish, summary_line
from mirror.review.runs import manifest_path
from mirror.site.candidates import is_own_address

logger = logging.getLogger(__name__)


def _by_reason(stats: dict, prefix: str) -> dict[str, int]:
    return {key[len(prefix):]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


def run_summary(stats: dict) -> dict:
    """The crawl's counts, from its stats."""
    return {
        "seeds read": stats.get("mirror/seeds/read", 0),
        "bad seeds": stats.get("mirror/seeds/bad", 0),
        "duplicates": stats.get("mirror/seeds/duplicate", 0),
        "requested": (stats.get("mirror/seeds/requested", 0) + stats.get("mirror/discovered", 0)
                      + stats.get("mirror/index/missing_requested", 0)),
        "fetched": stats.get("mirror/fetched", 0),
        "not modified": stats.get("mirror/not_modified", 0),
        "written": stats.get("mirror/written", 0),
        "unchanged on disk": stats.get("mirror/unchanged", 0),
        "dropped": _by_reason(stats, "mirror/dropped/"),
        "failed": _by_reason(stats, "mirror/failed/"),
        "gone answers": stats.get("mirror/gone_answers", 0),
        "responses": {status: stats.get(f"mirror/http/{status}", 0) for status in (200, 304)},
        "bytes received": stats.get("downloader/response_bytes", 0),
    }


def crawl_status(summary: dict, finish_reason: str | None) -> Exit:
    """UNTRUSTED when the crawl did not finish, a document could not be
    written, or most requests got no page."""
    if finish_reason != "finished" or summary["dropped"].get(NoDocument.WRITE_ERROR):
        return Exit.UNTRUSTED
    requested = summary["requested"]
    # 404 and 410 are the site's answer (gone), not a failure to hear it.
    unanswered = (sum(summary["failed"].values()) - summary["gone answers"]
                  + summary["dropped"].get(NoDocument.BLOCKED, 0))
    if requested and unanswered * 2 > requested:
        return Exit.UNTRUSTED
    return Exit.OK


def format_summary(summary: dict) -> str:
    parts = []
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{reason}: {count}" if isinstance(reason, int) else f"{reason} {count}"
                              for reason, count in value.items()) or "none"
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


class _SignalExtension:
    """An extension whose methods named after Scrapy signals handle them."""

    SIGNALS: tuple[str, ...] = ()

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        for name in cls.SIGNALS:
            crawler.signals.connect(getattr(ext, name), signal=getattr(signals, name))
        return ext


class RunManifest(_SignalExtension):
    """Writes one manifest line per outcome, as the items come."""

    SIGNALS = ("spider_opened", "item_scraped", "spider_closed")
    writer = None

    def spider_opened(self, spider):
        context = RunContext.of(self.crawler)
        path = manifest_path(context.output_dir, context.run_id)
        try:
            self.writer = ManifestWriter(path)
        except OSError as exc:
            # Outcomes that cannot be recorded cannot be reviewed: no crawl.
            logger.error("cannot write the run manifest %s: %s", path, exc.strerror or exc)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="cannot write"))
            return
        self.crawler.stats.set_value("mirror/manifest", str(path))

    def item_scraped(self, item: Stored, response, spider):
        if self.writer is not None:
            self.writer.write(item.record)

    def spider_closed(self, spider, reason):
        if self.writer:
            self.writer.close()


def address_to_remember(record) -> str:
    """Where to ask for the seed's release next time: where it answered, or,
    when a redirect led to another release, the address asked (so that the
    redirect is seen again, and its end noticed)."""
    asked = record.tried[-1] if record.tried else record.url
    return record.final_url if is_own_address(record.url, asked, record.final_url) else asked


class RevisitState(_SignalExtension):
    """Keeps, per URL, the validators and document of its last full fetch and
    when the site last answered for it (crawl/state.py), for the next runs."""

    SIGNALS = ("item_scraped",)

    def item_scraped(self, item: Stored, response, spider):
        state, record = RunContext.of(self.crawler).state, item.record
        if record.outcome == Outcome.NOT_MODIFIED:
            state.mark_checked(record.url, captured=record.captured)
        elif record.outcome in HAS_DOCUMENT:
            state.remember(record.url, etag=item.etag, last_modified=item.last_modified, output=record.output,
                           sha1=record.sha1, address=address_to_remember(record), size=item.size,
                           captured=record.captured)
        elif record.outcome == Outcome.MOVED or record.status in (404, 410):
            state.mark_checked(record.url)  # an answer too: moved, or gone


class RunReport(_SignalExtension):
    """When the spider closes: log the crawl summary, diff what was fetched
    against the seeds it read, write the reports, and record the verdict."""

    SIGNALS = ("spider_closed",)

    def __init__(self, crawler):
        super().__init__(crawler)
        self.diff_enabled = crawler.settings.getbool("MIRROR_DIFF_ENABLED")

    def spider_closed(self, spider, reason):
        context = RunContext.of(self.crawler)
        summary = run_summary(self.crawler.stats.get_stats())
        status = crawl_status(summary, reason)
        logger.info("mirror summary: %s", format_summary(summary))
        seed_set = getattr(spider, "seed_set", None)
        if self.diff_enabled and seed_set is not None:
            status = max(status, self.report(context, spider, seed_set, summary, reason))
        context.verdict(status)
        if status == Exit.UNTRUSTED:
            logger.error("this run cannot be trusted: %s", reason if reason != "finished"
                         else "most requests got no page (see failed and dropped above)")

    def missing(self, context: RunContext, seed_set) -> dict | None:
        """What the site index lists and no seed has, when there is an index."""
        index = SiteIndex.open_existing(index_path(context.state_dir))
        if index is None:
            return None
        try:
            return diffing.missing_from_archive(index.entries(), seed_set.urls())
        finally:
            index.close()

    def report(self, context: RunContext, spider, seed_set, summary: dict, reason: str) -> Exit:
        output_dir = str(context.output_dir)
        manifest_file = manifest_path(output_dir, context.run_id)
        manifest = read_manifest(manifest_file) if manifest_file.exists() else {}
        result = diffing.diff(seed_set, output_dir, manifest)
        if getattr(spider, "covers_all_seeds", False):
            result.missing = self.missing(context, seed_set)
        started = self.crawler.stats.get_value("start_time")
        run = {"id": context.run_id, "started": started.isoformat() if started else None,
               "finished": datetime.now(UTC).isoformat(timespec="seconds"),
               "finish_reason": reason, "seeds": self.crawler.settings["SEEDS_DIR"], "output": output_dir,
               "manifest": str(manifest_file), "not_checked": result.not_checked,
               "duplicates": result.duplicates, "crawl": summary,
               # the port the report's links to captures name (REPLAY_PORT)
               "replay_port": self.crawler.settings.getint("REPLAY_PORT"),
               # documents found damaged on disk and written again from the page
               "repaired": sorted(o.output for o in manifest.values() if getattr(o, "repaired", False))}
        status = diffing.exit_status(result)
        line = f"mirror diff: {summary_line(result)}"
        logger.info(line)
        try:
            reports = publish(result, run, output_dir)
        except OSError as exc:
            # The verdict stands without its report: say once why there is none.
            logger.error("the report cannot be written under %s: %s", output_dir, exc.strerror or exc)
            print(f"{line}\nreport: not written ({exc.strerror or exc})", flush=True)
            return max(status, Exit.UNTRUSTED)
        logger.info("report: %s", reports["html"])
        print(f"{line}\nreport: {reports['html']}", flush=True)
        return status

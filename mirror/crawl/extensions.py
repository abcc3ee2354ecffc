"""Extensions: the run manifest, the run summary, and the diff report that
ends every crawl with its exit verdict."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from mirror.review import diff as diffing
from mirror.site.candidates import is_own_address
from mirror.crawl.commands.crawl import EXIT_STAT
from mirror.review.manifest import BLOCKED, DROPPED, FAILED, NOT_MODIFIED, ManifestWriter, Outcome, read_manifest
from mirror.outcomes import WRITE_ERROR
from mirror.crawl.siteindex import SiteIndex, index_path
from mirror.crawl.state import state_dir, state_of
from mirror.review.report import summary_line, write_reports
from mirror.review.runs import manifest_path, new_run_id, point_latest, run_dir

logger = logging.getLogger(__name__)

OK, REVIEW, UNTRUSTED = 0, 1, 2
RUN_ID_STAT = "mirror/run_id"


def run_id_of(crawler) -> str:
    """The run's id: the RUN_ID setting, or one made when the crawl starts."""
    run_id = crawler.stats.get_value(RUN_ID_STAT)
    if not run_id:
        run_id = crawler.settings.get("RUN_ID") or new_run_id()
        crawler.stats.set_value(RUN_ID_STAT, run_id)
    return run_id


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
        "responses": {status: stats.get(f"mirror/http/{status}", 0) for status in (200, 304)},
        "bytes received": stats.get("downloader/response_bytes", 0),
    }


def crawl_status(summary: dict, finish_reason: str | None) -> int:
    """UNTRUSTED when the crawl did not finish, a document could not be
    written, or most requests got no page."""
    if finish_reason != "finished" or summary["dropped"].get(WRITE_ERROR):
        return UNTRUSTED
    requested = summary["requested"]
    # 404 and 410 are the site's answer (gone), not a failure to hear it.
    unanswered = (sum(n for why, n in summary["failed"].items() if why not in ("http 404", "http 410"))
                  + summary["dropped"].get("blocked", 0))
    if requested and unanswered * 2 > requested:
        return UNTRUSTED
    return OK


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

    SIGNALS = ("spider_opened", "item_scraped", "item_dropped", "spider_closed")
    writer = None

    def spider_opened(self, spider):
        path = manifest_path(self.crawler.settings.get("OUTPUT_DIR", "output"), run_id_of(self.crawler))
        try:
            self.writer = ManifestWriter(path)
        except OSError as exc:
            # Outcomes that cannot be recorded cannot be reviewed: no crawl.
            logger.error("cannot write the run manifest %s: %s", path, exc.strerror or exc)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="cannot write"))
            return
        self.crawler.stats.set_value("mirror/manifest", str(path))

    def item_scraped(self, item, response, spider):
        if self.writer is None:
            return
        self.writer.write(Outcome(item.url, item.outcome, item.final_url, item.status, item.output_path,
                                  seed=item.seed_path, discovered=item.discovered, sha1=item.sha1,
                                  tried=item.tried, browser=item.browser, repaired=item.repaired))

    def item_dropped(self, item, response, exception, spider):
        if self.writer is None:
            return
        outcome = item.outcome or (FAILED if item.failure else BLOCKED if item.blocked else DROPPED)
        self.writer.write(Outcome(item.url, outcome, item.final_url, item.status,
                                  reason=item.detail or item.failure or item.reason or str(exception),
                                  seed=item.seed_path, discovered=item.discovered, tried=item.tried,
                                  browser=item.browser))

    def spider_closed(self, spider, reason):
        if self.writer:
            self.writer.close()


def address_to_remember(item) -> str:
    """Where to ask for the seed's release next time: where it answered, or,
    when a redirect led to another release, the address asked (so that the
    redirect is seen again, and its end noticed)."""
    asked = item.tried[-1] if item.tried else item.url
    return item.final_url if is_own_address(item.url, asked, item.final_url) else asked


class RevisitState(_SignalExtension):
    """Keeps, per URL, the validators and document of its last full fetch and
    when the site last answered for it (state.py), for the next runs."""

    SIGNALS = ("item_scraped", "item_dropped", "spider_closed")

    def item_scraped(self, item, response, spider):
        state = state_of(self.crawler)
        if item.outcome == NOT_MODIFIED:
            state.mark_checked(item.url)
        else:
            state.remember(item.url, etag=item.etag, last_modified=item.last_modified,
                           output=item.output_path, sha1=item.sha1, address=address_to_remember(item),
                           size=item.size)

    def item_dropped(self, item, response, exception, spider):
        if item.status in (404, 410):
            state_of(self.crawler).mark_checked(item.url)  # an answer too: gone

    def spider_closed(self, spider, reason):
        state_of(self.crawler).close()


def missing_in_index(settings, seed_set) -> dict | None:
    """What the site index lists and no seed has, when there is an index."""
    index = SiteIndex.open_existing(index_path(state_dir(settings)))
    if index is None:
        return None
    try:
        seed_urls = {seed.url for seed in seed_set.seeds} | {dropped.url for dropped, _ in seed_set.duplicates}
        return diffing.missing_from_archive(index.entries(), seed_urls)
    finally:
        index.close()


class RunReport(_SignalExtension):
    """When the spider closes: log the crawl summary, diff what was fetched
    against the seeds it read, write the reports, and record the verdict."""

    SIGNALS = ("spider_closed",)

    def __init__(self, crawler):
        super().__init__(crawler)
        self.diff_enabled = crawler.settings.getbool("MIRROR_DIFF_ENABLED", True)

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats
        summary = run_summary(stats.get_stats())
        status = crawl_status(summary, reason)
        logger.info("mirror summary: %s", format_summary(summary))
        seed_set = getattr(spider, "seed_set", None)
        if self.diff_enabled and seed_set is not None:
            status = max(status, self.report(spider, seed_set, summary, reason))
        stats.set_value(EXIT_STAT, status)
        if status == UNTRUSTED:
            logger.error("this run cannot be trusted: %s", reason if reason != "finished"
                         else "most requests got no page (see failed and dropped above)")

    def report(self, spider, seed_set, summary: dict, reason: str) -> int:
        settings = self.crawler.settings
        output_dir = settings.get("OUTPUT_DIR", "output")
        run_id = run_id_of(self.crawler)
        manifest_file = manifest_path(output_dir, run_id)
        manifest = read_manifest(manifest_file) if manifest_file.exists() else {}
        result = diffing.diff([seed.path for seed in seed_set.seeds if seed.path], output_dir, manifest,
                              known_bad=[(bad.path, bad.reason) for bad in seed_set.bad])
        result.duplicates = len(seed_set.duplicates)
        if getattr(spider, "covers_all_seeds", False):
            result.missing = missing_in_index(settings, seed_set)
        started = self.crawler.stats.get_value("start_time")
        run = {"id": run_id, "started": started.isoformat() if started else None,
               "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "finish_reason": reason, "seeds": settings.get("SEEDS_DIR", "seeds"), "output": output_dir,
               "manifest": str(manifest_file), "not_checked": result.not_checked,
               "duplicates": result.duplicates, "crawl": summary,
               # documents found damaged on disk and written again from the page
               "repaired": sorted(o.output for o in manifest.values() if getattr(o, "repaired", False))}
        status = diffing.exit_status(result)
        line = f"mirror diff: {summary_line(result)}"
        logger.info(line)
        try:
            reports = write_reports(result, run, run_dir(output_dir, run_id))
            point_latest(output_dir, run_id)
        except OSError as exc:
            # The verdict stands without its report: say once why there is none.
            logger.error("the report cannot be written under %s: %s", run_dir(output_dir, run_id),
                         exc.strerror or exc)
            print(f"{line}\nreport: not written ({exc.strerror or exc})", flush=True)
            return max(status, UNTRUSTED)
        logger.info("report: %s", reports["html"])
        print(f"{line}\nreport: {reports['html']}", flush=True)
        return status

"""Extensions: the run summary and the run's exit verdict."""

from __future__ import annotations

import logging

from scrapy import signals

from .commands.crawl import EXIT_STAT

logger = logging.getLogger(__name__)

OK, REVIEW, UNTRUSTED = 0, 1, 2


def _by_reason(stats: dict, prefix: str) -> dict[str, int]:
    return {key[len(prefix):]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


def run_summary(stats: dict) -> dict:
    """The crawl's counts, from its stats."""
    return {
        "seeds read": stats.get("mirror/seeds/read", 0),
        "bad seeds": stats.get("mirror/seeds/bad", 0),
        "duplicates": stats.get("mirror/seeds/duplicate", 0),
        "requested": stats.get("mirror/seeds/requested", 0),
        "fetched": stats.get("mirror/fetched", 0),
        "written": stats.get("mirror/written", 0),
        "unchanged on disk": stats.get("mirror/unchanged", 0),
        "dropped": _by_reason(stats, "mirror/dropped/"),
        "failed": _by_reason(stats, "mirror/failed/"),
    }


def exit_status(summary: dict, finish_reason: str | None) -> int:
    """UNTRUSTED when the crawl did not finish, or most requests got no page."""
    if finish_reason != "finished":
        return UNTRUSTED
    requested = summary["requested"]
    unanswered = sum(summary["failed"].values()) + summary["dropped"].get("blocked", 0)
    if requested and unanswered * 2 > requested:
        return UNTRUSTED
    return OK


def format_summary(summary: dict) -> str:
    parts = []
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{reason} {count}" for reason, count in value.items()) or "none"
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


class RunSummary:
    """Logs the crawl's summary and records its exit verdict as a stat."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats
        summary = run_summary(stats.get_stats())
        status = exit_status(summary, reason)
        stats.set_value(EXIT_STAT, status)
        logger.info("mirror summary: %s", format_summary(summary))
        if status == UNTRUSTED:
            logger.error("this run cannot be trusted: %s", reason if reason != "finished"
                         else "most requests got no page (see failed/dropped above)")

"""`mirror run`: the crawl as a scheduled job, in this process."""

from __future__ import annotations

import logging
import os

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from .commands.crawl import UNTRUSTED, crawl_exit_status

logger = logging.getLogger(__name__)


def crawl_settings(overrides: list[tuple[str, str]]):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "mirror.settings")
    settings = get_project_settings()
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(overrides: list[tuple[str, str]], spider_args: list[tuple[str, str]]) -> int:
    """Crawl (the diff and reports run as the spider closes); the exit status
    is the run's verdict: 0 nothing to review, 1 review, 2 untrusted."""
    process = CrawlerProcess(crawl_settings(overrides))
    try:
        crawler = process.create_crawler("releases")
        process.crawl(crawler, **dict(spider_args))
        process.start()
    except Exception as exc:  # a crawl that cannot start cannot be trusted
        logger.error("the crawl could not run: %s", exc)
        return UNTRUSTED
    return crawl_exit_status(crawler)

"""Downloader middlewares: conditional requests, and the bot wall."""

from __future__ import annotations

import asyncio
import logging
import os

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from .state import state_of

logger = logging.getLogger(__name__)

# Request meta keys
RELEASE = "mirror_release"          # on a release page request: the URL of the seed it asks for
KNOWN = "mirror_known"              # (output path, sha1) of the document the validators stand for
WALL_RETRIES = "mirror_wall_retries"
STOPPED = "not sent: the site is refusing the crawler"


class ConditionalRequestsMiddleware:
    """Sends If-None-Match / If-Modified-Since for release pages whose
    document is still on disk, so an unchanged page costs a 304."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.output_dir = crawler.settings.get("OUTPUT_DIR", "output")

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CONDITIONAL_REQUESTS", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request):
        if not request.meta.get(RELEASE) or b"If-None-Match" in request.headers:
            return None
        seed_url = request.meta[RELEASE]
        known = state_of(self.crawler).get(seed_url)
        if known is None or not known.output or not (known.etag or known.last_modified):
            return None
        if (known.address or seed_url) != request.url:
            return None  # the validators belong to the page at another address
        if not os.path.exists(os.path.join(self.output_dir, known.output)):
            return None  # a 304 would leave nothing to stand for the page
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified
        request.meta[KNOWN] = (known.output, known.sha1)
        return None

    def process_response(self, request, response):
        if request.meta.get(RELEASE):
            self.crawler.stats.inc_value(f"mirror/http/{response.status}")
        return response


def looks_blocked(body: bytes) -> bool:
    """Cheap test for Incapsula's block page (SITE.md): its resource iframe
    and no article; the spider confirms with the full check."""
    return b"_Incapsula_Resource" in body and b"<article" not in body


class BotWallMiddleware:
    """Retries a bot-wall answer a few times, waiting longer each time; when
    most answers of a run are the wall, stops the crawl: the site is
    refusing the crawler and carrying on would only make that worse."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.retries = settings.getint("BOTWALL_RETRIES", 2)
        self.backoff = settings.getfloat("BOTWALL_BACKOFF", 30.0)
        self.min_answers = settings.getint("BOTWALL_MIN_ANSWERS", 10)
        self.max_share = settings.getfloat("BOTWALL_MAX_SHARE", 0.5)
        self.answers = self.walls = 0
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        # Requests already queued when the run stopped are not sent at all.
        if self.stopping and request.meta.get(RELEASE):
            raise IgnoreRequest(STOPPED)
        return None

    async def process_response(self, request, response):
        if not request.meta.get(RELEASE):
            return response
        if not looks_blocked(response.body):
            self.count(blocked=False)
            return response
        tries = request.meta.get(WALL_RETRIES, 0)
        stats = self.crawler.stats
        if tries < self.retries and not self.stopping:
            delay = self.backoff * (2 ** tries)
            stats.inc_value("mirror/botwall/retried")
            logger.warning("%s: the bot wall answered; retrying in %.0f s", request.url, delay)
            await asyncio.sleep(delay)
            retry = request.replace(dont_filter=True)
            retry.meta[WALL_RETRIES] = tries + 1
            return retry
        self.count(blocked=True)
        return response

    def count(self, blocked: bool) -> None:
        self.answers += 1
        self.walls += blocked
        if (not self.stopping and self.answers >= self.min_answers
                and self.walls > self.max_share * self.answers):
            self.stopping = True
            logger.error("the site is refusing the crawler: %d of %d pages were its bot-wall page; "
                         "stopping this run", self.walls, self.answers)
            self.crawler.stats.set_value("mirror/botwall/stopped", True)
            # Scheduled, not awaited: closing waits for this very download.
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))

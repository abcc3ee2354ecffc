"""Downloader middlewares: conditional requests, the bot wall, off-site
redirects, and a cheaper meta refresh."""

from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.defer import deferred_from_coro

from mirror.archive.store import intact
from mirror.archive.urls import is_site_url
from mirror.crawl.browser import BROWSER, browser_mode
from mirror.crawl.context import RunContext
from mirror.crawl.failures import STOPPED, LeftTheSite
from mirror.site.wall import looks_blocked

logger = logging.getLogger(__name__)

# Request meta keys
RELEASE = "mirror_release"          # on a release page request: the URL of the seed it asks for
KNOWN = "mirror_known"              # (output path, sha1) of the document the validators stand for
REPAIR = "mirror_repair"            # the document on disk was found damaged: this fetch repairs it
WALL_RETRIES = "mirror_wall_retries"   # how many times the wall has answered this request
SENT_AT = "mirror_sent_at"             # loop time the request left the wall's hold
RENEWS = "mirror_renews"               # a browser fetch that earns the plain client its cookies


class ConditionalRequestsMiddleware:
    """Sends If-None-Match / If-Modified-Since for release pages whose
    document is still on disk, so an unchanged page costs a 304."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.output_dir = crawler.settings["OUTPUT_DIR"]

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CONDITIONAL_REQUESTS"):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request):
        if not request.meta.get(RELEASE) or b"If-None-Match" in request.headers:
            return None
        seed_url = request.meta[RELEASE]
        known = RunContext.of(self.crawler).state.get(seed_url)
        if known is None or not known.output or not (known.etag or known.last_modified):
            return None
        if (known.address or seed_url) != request.url:
            return None  # the validators belong to the page at another address
        document = os.path.join(self.output_dir, known.output)
        if not os.path.exists(document):
            return None  # a 304 would leave nothing to stand for the page
        if not intact(document, known.size, known.sha1):
            # A 304 would make a damaged document stand for the page: fetch it whole.
            request.meta[REPAIR] = known.output
            logger.warning("%s: %s is not the document written for it; fetching the page in full",
                           seed_url, known.output)
            return None
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


class BotWallMiddleware:
    """The bot wall is the site's answer to the crawler, not one page's.

    The first wall answer pauses the whole crawl: no request is sent for
    BOTWALL_BACKOFF seconds, and each pause that ends in the wall again
    doubles the next.  After BOTWALL_RETRIES pauses in a row that ended in
    the wall, the run stops: the site is refusing the crawler, and carrying
    on would only make that worse.  (Not when the wall has only answered
    one page since a request last passed: that is the page's wall, not the
    site's.)  Each walled request is asked again after the pause, at most
    BOTWALL_RETRIES times; then it is `blocked`.

    With BROWSER_FETCH=auto, a wall answer to a plain request is first
    fetched again in the browser (mirror/browser.py), with no pause: the
    cookies it earns let the plain requests through again.  While the
    browser earns them no other request is sent (it would only meet the
    wall), and the plain requests the wall answered meanwhile are asked
    again, plainly, once it has.  A page the browser cannot pass either
    counts towards the stop like any wall answer.

    Every request of the site goes through here (listing and search pages
    too), except robots.txt."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.retries = settings.getint("BOTWALL_RETRIES")
        self.backoff = settings.getfloat("BOTWALL_BACKOFF")
        self.min_answers = settings.getint("BOTWALL_MIN_ANSWERS")
        self.max_share = settings.getfloat("BOTWALL_MAX_SHARE")
        self.answers = self.walls = 0
        self.pauses = 0            # pauses in a row that ended in the wall (or the one under way)
        self.walled: set[str] = set()  # the pages the wall answered since a request last passed
        self.resume_at = 0.0       # loop time at which the latest pause ends
        self.stopping = False
        self.browser = browser_mode(settings) == "auto"
        # The browser fetch earning cookies, while one is under way: its
        # number (in its request's meta, which must pickle) and its end.
        self.renewal: asyncio.Future | None = None
        self.renewal_number = 0
        self.renewed_at = -1.0   # loop time the browser last earned cookies

    @classmethod
    def from_crawler(cls, crawler):
        wanted = crawler.settings["BROWSER_FETCH"].lower()
        if wanted != "never" and browser_mode(crawler.settings) == "never":
            logger.warning("no browser found (BROWSER_EXECUTABLE, or chromium on PATH): the browser path is "
                           "off, and the bot wall can only be waited out")
        return cls(crawler)

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def process_request(self, request):
        if request.url.endswith("/robots.txt"):
            return None
        if self.renewal is not None and request.meta.get(RENEWS) != self.renewal_number:
            await asyncio.shield(self.renewal)  # the browser is earning the cookies this request needs
        if not self.stopping:
            wait = self.resume_at - self._now()
            if wait > 0:
                await asyncio.sleep(wait)  # held here, before the downloader: nothing is sent
        if self.stopping:
            # Requests already queued when the run stopped are not sent at all.
            raise IgnoreRequest(STOPPED)
        request.meta[SENT_AT] = self._now()
        return None

    async def process_response(self, request, response):
        if request.url.endswith("/robots.txt"):
            return response
        walled = looks_blocked(response.body)
        renewal = request.meta.pop(RENEWS, None)
        if renewal is not None:
            self.renewed(renewal, passed=not walled)
        elif walled and self.browser and not request.meta.get(BROWSER):
            return self.past_the_wall(request)
        after_pause = request.meta.get(SENT_AT, 0.0) >= self.resume_at
        if not walled:
            if after_pause:
                self.pauses = 0  # the site let a request through: the wall is down
                self.walled.clear()
            if request.meta.get(RELEASE):
                self.count(blocked=False)
            return response
        stats = self.crawler.stats
        stats.inc_value("mirror/botwall/answers")
        self.walled.add(request.url)
        if after_pause and not self.stopping:
            # The wall answered a request sent since the last pause ended (or
            # with no pause yet): pause again, longer, or give up, unless
            # the wall has only ever answered this one page.
            if self.pauses >= self.retries:
                if len(self.walled) > 1:
                    self.stop(f"the bot wall still answered after {self.pauses} pauses")
                # else only this page has met the wall: its own retries end it
            else:
                delay = self.backoff * (2 ** self.pauses)
                self.pauses += 1
                self.resume_at = self._now() + delay
                stats.inc_value("mirror/botwall/pauses")
                logger.warning("%s: the bot wall answered; no request will be sent for %.0f s", request.url, delay)
        tries = request.meta.get(WALL_RETRIES, 0)
        if tries < self.retries and not self.stopping:
            stats.inc_value("mirror/botwall/retried")
            retry = request.replace(dont_filter=True, priority=request.priority + 1)
            retry.meta[WALL_RETRIES] = tries + 1
            return retry
        if request.meta.get(RELEASE):
            self.count(blocked=True)
        return response

    def process_exception(self, request, exception):
        renewal = request.meta.pop(RENEWS, None)
        if renewal is not None:
            self.renewed(renewal, passed=False)  # the browser failed: the waiting requests go on
        return None

    def past_the_wall(self, request):
        """A plain request the wall answered, in auto mode: fetch it in the
        browser, or, when a browser fetch is already earning cookies, ask
        again plainly once it has.  Neither pauses nor counts."""
        stats = self.crawler.stats
        retry = request.replace(dont_filter=True, priority=request.priority + 1)
        sent_at = retry.meta.pop(SENT_AT, 0.0)
        if sent_at < self.renewed_at:
            # sent with the old cookies before the browser earned new ones
            stats.inc_value("mirror/botwall/asked_again_with_new_cookies")
        elif self.renewal is None:
            self.renewal = asyncio.get_running_loop().create_future()
            self.renewal_number += 1
            retry.meta[BROWSER], retry.meta[RENEWS] = True, self.renewal_number
            stats.inc_value("mirror/botwall/browser_fetches")
            logger.info("%s: the bot wall answered; fetching it in the browser", request.url)
        else:
            stats.inc_value("mirror/botwall/waited_for_browser")
        return retry

    def renewed(self, number: int, passed: bool) -> None:
        """The browser fetch that earns cookies has ended."""
        if self.renewal is not None and number == self.renewal_number:
            self.renewal.set_result(passed)
            self.renewal = None
        if passed:
            self.renewed_at = self._now()
        self.crawler.stats.inc_value(f"mirror/botwall/browser_{'passed' if passed else 'walled'}")

    def count(self, blocked: bool) -> None:
        """A release's final answer: when most of a run's are the wall, stop."""
        self.answers += 1
        self.walls += blocked
        if self.answers >= self.min_answers and self.walls > self.max_share * self.answers:
            self.stop(f"{self.walls} of {self.answers} pages were its bot-wall page")

    def stop(self, why: str) -> None:
        if self.stopping:
            return
        self.stopping = True
        logger.error("the site is refusing the crawler: %s; stopping this run", why)
        self.crawler.stats.set_value("mirror/botwall/stopped", True)
        # Scheduled, not awaited: closing waits for this very download.
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))


class OffSiteRedirectMiddleware:
    """Refuses a redirect off the site before Scrapy's redirect middleware
    follows it.  Release requests skip the offsite filter (`dont_filter`:
    two seeds may share one page), so this is what keeps another host's
    page from being saved, recorded and accepted as a release."""

    @staticmethod
    def process_response(request, response):
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400 and location) or not is_site_url(request.url):
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        if is_site_url(target):
            return response
        raise LeftTheSite(urlsplit(target).hostname or target)


# Scrapy reads a meta refresh from the first 4,096 characters of the text;
# 4 bytes a character at most covers them in any encoding.
_META_REFRESH_BYTES = 4 * 4096


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, given only the head of the body.

    Scrapy decodes the whole body (330 kB on this site) to read the first
    4,096 characters of it, on every page, in the crawl's event loop; the
    first 16 kB, decoded with the response's own encoding, hold the same
    characters."""

    def process_response(self, request, response, spider=None):
        if not isinstance(response, HtmlResponse) or len(response.body) <= _META_REFRESH_BYTES:
            return super().process_response(request, response)
        head = response.replace(body=response.body[:_META_REFRESH_BYTES], encoding=response.encoding)
        answer = super().process_response(request, head)
        return response if answer is head else answer

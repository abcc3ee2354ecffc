"""The browser itself: scrapy-playwright's download handler, driving
headless Chromium for `browser.BrowserDownloadHandler`, which imports this
module only at the first request that needs a browser (Playwright is a
third of a second of imports, for a crawl that may never meet the wall).

The browser never touches the network itself: every request its page makes
is answered by the project's own handler (`plain`), so `MIRROR_ORIGIN`
applies, cookies are kept for the real host, and the bytes on the wire are
known.  What Scrapy gets back is the raw answer to the last navigation,
flagged `browser`; every other exchange is sent as `response_downloaded`,
for the web archive.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, signals
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.utils.gz import gunzip
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from mirror.archive.urls import SITE, is_site_url
from mirror.crawl.items import BROWSER_COOKIES
from mirror.site.wall import looks_blocked

logger = logging.getLogger(__name__)

# What the browser may load: documents and what a challenge needs to run.
# Images, styles and fonts are refused: they cost requests and prove nothing.
ALLOWED_RESOURCES = frozenset({"document", "script", "xhr", "fetch", "other"})
# Chromium's flags for a machine with no display and no way out but the
# site: without the background-networking ones it keeps trying Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class _Visit:
    """One browser fetch: what its page did, for the handler to answer with."""
    request: Request
    main: tuple | None = None          # the last main-document exchange: (request, response)
    main_walled: bool = True
    passed: asyncio.Event = field(default_factory=asyncio.Event)
    attempt: int = 0                   # scrapy-playwright opens a new page after a browser crash
    exchanges: list = field(default_factory=list)


class ChromiumFetcher(ScrapyPlaywrightDownloadHandler):
    """Fetches a request in headless Chromium (`browse`); every request the
    page makes is answered by `plain`, the project's own download handler."""

    browser_provider: Any  # scrapy-playwright's, set when it starts; None once forgotten

    def __init__(self, crawler, plain: Callable[[Request], Awaitable[Response]], executable: str | None):
        super().__init__(crawler)
        settings = crawler.settings
        self.crawler = crawler
        self.plain = plain
        self.pass_timeout = settings.getfloat("BROWSER_PASS_TIMEOUT")
        self.fetch_timeout = (settings.getfloat("BROWSER_FETCH_TIMEOUT")
                              or 2 * settings.getfloat("DOWNLOAD_TIMEOUT") + self.pass_timeout)
        self.user_agent = settings["USER_AGENT"]
        self.max_size = settings.getint("DOWNLOAD_MAXSIZE")
        self.config.browser_type_name = "chromium"
        self.config.launch_options = {
            "executable_path": executable, "headless": True, "args": CHROMIUM_ARGS,
            # The crawl handles its own signals; the driver must not kill the
            # browser under a request the crawl is still finishing.
            "handle_sigint": False, "handle_sigterm": False, "handle_sighup": False,
        }
        self._started = False
        self._start_lock = asyncio.Lock()
        self._closing = False

    # --- lifecycle -------------------------------------------------------------

    async def _maybe_launch_in_thread(self) -> None:
        """Not at engine start: Playwright starts on the first browser request."""

    async def _start(self) -> None:
        async with self._start_lock:
            if not self._started:
                await self._launch()
                self._started = True

    def _driver_dead(self) -> bool:
        # Playwright's connection to its driver process (private, checked
        # defensively): when the driver dies, calls on it never return.
        try:
            connection = self.browser_provider.playwright._impl_obj._connection
        except AttributeError:
            return False
        process = getattr(getattr(connection, "_transport", None), "_proc", None)
        return getattr(connection, "_closed_error", None) is not None or (
            process is not None and process.returncode is not None)

    def _forget_browser(self) -> None:
        """Drop a dead driver's objects: the next browser request starts anew."""
        self.context_wrappers.clear()
        if hasattr(self, "browser"):
            del self.browser
        self.browser_provider = None
        self._started = False

    async def close(self) -> None:
        self._closing = True
        await super().close()

    async def _browser_disconnected_callback(self) -> None:
        if not self._closing:
            logger.warning("the browser went away; the next browser request starts a new one")
            self.crawler.stats.inc_value("mirror/browser/crashed")
        await super()._browser_disconnected_callback()

    # --- a fetch -------------------------------------------------------------------

    async def browse(self, request: Request) -> Response:
        await self._start()
        visit = _Visit(request)
        request.meta.update({
            "playwright": True,
            "playwright_context": "mirror",
            "playwright_context_kwargs": {"service_workers": "block", "user_agent": self.user_agent},
            "playwright_page_init_callback": self._page_opened(visit),
            "playwright_page_methods": [PageMethod(self._wait_past_wall(visit))],
        })
        started = time.monotonic()
        try:
            # DOWNLOAD_TIMEOUT does not reach into the browser, and a dead
            # driver never answers: the fetch has its own deadline.
            await asyncio.wait_for(self.download_request(request),
                                   self.fetch_timeout)
        except BaseException as exc:
            if self._driver_dead():
                logger.error("the browser's driver died (%s); the next browser request starts a new one",
                             type(exc).__name__)
                self.crawler.stats.inc_value("mirror/browser/crashed")
                self._forget_browser()
            if isinstance(exc, asyncio.TimeoutError):
                raise DownloadTimeoutError(f"the browser took more than {self.fetch_timeout:.0f} s") from None
            raise
        finally:
            for key in ("playwright", "playwright_page_init_callback", "playwright_page_methods"):
                request.meta.pop(key, None)  # callables: not for the job queue
            self._record(visit)
        stats = self.crawler.stats
        stats.inc_value("mirror/browser/fetches")
        stats.inc_value("mirror/browser/milliseconds", round((time.monotonic() - started) * 1000))
        if visit.main is None:
            raise OSError("the browser fetched no document")
        sent, response = visit.main
        # The request now carries the headers the browser really sent.
        request.headers.clear()
        request.headers.update(sent.headers)
        request.meta["download_latency"] = time.monotonic() - started
        return response.replace(request=request, flags=[*response.flags, "browser"])

    def _record(self, visit: _Visit) -> None:
        """Every exchange of the visit but the answer itself (which Scrapy's
        downloader signals) goes to `response_downloaded`: the web archive."""
        answer = visit.main[1] if visit.main else None
        for sent, response in visit.exchanges:
            if response is not answer:
                self.crawler.signals.send_catch_log(
                    signal=signals.response_downloaded, response=response.replace(flags=[*response.flags, "browser"]),
                    request=sent, spider=self.crawler.spider)

    # --- inside the browser ----------------------------------------------------------

    def _page_opened(self, visit: _Visit):
        async def opened(page, request):
            visit.attempt += 1  # a new page: the first, or one after a crash
            visit.main, visit.main_walled, visit.passed = None, True, asyncio.Event()
            # Registered after scrapy-playwright's own route, so it answers first.
            await page.route("**/*", self._answer(page, visit, visit.attempt))
            def loaded(*_: object) -> None:
                if not visit.main_walled:
                    visit.passed.set()

            page.on("load", loaded)
            page.on("close", lambda *_: visit.passed.set())
        return opened

    def _answer(self, page, visit: _Visit, attempt: int):
        async def answer(route, asked):
            url = asked.url
            if not is_site_url(url) or asked.resource_type not in ALLOWED_RESOURCES:
                await route.abort("blockedbyclient")
                return
            headers = {k: v for k, v in (await asked.all_headers()).items()
                       if not k.startswith(":") and k not in ("cookie", "host")}
            # Only what can be decoded here before the browser is answered.
            headers["accept-encoding"] = "gzip, deflate"
            cookies = await page.context.cookies([url])
            if cookies:
                headers["Cookie"] = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
            sent = Request(url, method=asked.method, headers=headers, body=asked.post_data_buffer or b"",
                           meta={"download_timeout": visit.request.meta.get("download_timeout", 30)})
            main = asked.is_navigation_request() and asked.frame == page.main_frame
            for _hop in range(10):
                try:
                    response = await self.plain(sent)
                except Exception as exc:  # noqa: BLE001 - the browser sees a failed load
                    logger.warning("%s: the browser's request failed: %s", sent.url, exc)
                    await route.abort("failed")
                    return
                response = response.replace(request=sent)
                visit.exchanges.append((sent, response))
                if attempt != visit.attempt:
                    return  # a crashed page's late answer
                location = response.headers.get(b"Location")
                if not (300 <= response.status < 400 and location):
                    break
                if main:
                    # The browser would follow a redirect outside this route,
                    # on the real network: Scrapy's redirect middleware
                    # follows it instead, and the browser sees an empty page.
                    visit.main, visit.main_walled = (sent, response), False
                    await route.fulfill(status=200, headers={"content-type": "text/html"}, body=b"")
                    return
                target = urljoin(sent.url, location.decode("latin-1"))
                if not is_site_url(target):
                    await route.abort("blockedbyclient")
                    return
                sent = sent.replace(url=target)
            if main:
                visit.main, visit.main_walled = (sent, response), looks_blocked(response.body)
            try:
                body = _decoded(response, self.max_size)
            except (IgnoreRequest, ValueError) as exc:  # too large unpacked (gunzip raises ValueError)
                logger.warning("%s: the browser's answer is refused: %s", sent.url, exc)
                await route.abort("failed")
                return
            await route.fulfill(status=response.status, headers=_browser_headers(response.headers), body=body)
        return answer

    def _wait_past_wall(self, visit: _Visit):
        async def wait(page):
            try:
                await asyncio.wait_for(visit.passed.wait(), self.pass_timeout)
            except TimeoutError:
                logger.info("%s: the browser did not get past the wall in %.0f s", visit.request.url,
                            self.pass_timeout)
            visit.request.meta[BROWSER_COOKIES] = await page.context.cookies([SITE + "/"])
        return wait


def _decoded(response, max_size: int) -> bytes:
    """The body as the browser must be given it: without content coding,
    and no larger unpacked than DOWNLOAD_MAXSIZE (a gzip bomb stays small)."""
    coding = response.headers.get(b"Content-Encoding", b"").lower()
    if coding in (b"gzip", b"x-gzip"):
        return gunzip(response.body, max_size=max_size)
    if coding == b"deflate":
        inflate = zlib.decompressobj()
        try:
            body = inflate.decompress(response.body, max_size + 1)
        except zlib.error:
            inflate = zlib.decompressobj(-15)
            body = inflate.decompress(response.body, max_size + 1)
        if len(body) > max_size:
            raise IgnoreRequest(f"unpacked past DOWNLOAD_MAXSIZE ({max_size} B)")
        return body
    return response.body


def _browser_headers(headers: Headers) -> dict[str, str]:
    found = {}
    for name, values in headers.items():
        key = name.decode("latin-1").lower()
        if key in ("content-encoding", "content-length", "transfer-encoding", "connection"):
            continue
        found[key] = ("\n" if key == "set-cookie" else ", ").join(v.decode("latin-1") for v in values)
    return found

"""A real browser for the requests the bot wall keeps from the plain client.

`BROWSER_FETCH`: `auto` (plain HTTP first; a wall answer is fetched again in
the browser, whose cookies then let the plain client through), `never`, or
`always`.  The browser is headless Chromium (Debian's `chromium`, found on
PATH or named by `BROWSER_EXECUTABLE`) driven by scrapy-playwright
(`chromium.py`, imported at the first browser request); with no browser
found, `auto` behaves as `never`.

The browser never touches the network itself.  It navigates to the real
https://www.beehive.govt.nz address, and every request it makes is answered
through this project's own download handler (`ReplicaDownloadHandler`): so
`MIRROR_ORIGIN` applies, cookies (set by headers or by the page's script)
are kept for the real host, and the bytes on the wire are known.  What
Scrapy gets back is the raw answer to the last navigation (status, headers,
body), flagged `browser`; every other exchange the browser made is sent as
`response_downloaded`, so the web archive records it too.

The browser starts at the first request that needs it and closes with the
crawl.  It is tied to the crawl by its debugging pipe: when the crawl dies,
even by `kill -9`, the browser exits.
"""

from __future__ import annotations

import http.cookiejar
import shutil
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

from mirror.archive.urls import is_site_url
from mirror.crawl.handlers import ReplicaDownloadHandler
from mirror.crawl.items import BROWSER_COOKIES

if TYPE_CHECKING:
    from mirror.crawl.chromium import ChromiumFetcher

MODES = ("auto", "never", "always")
BROWSER = "mirror_browser"                   # request meta: fetch this request in the browser
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser_executable(settings) -> str | None:
    """BROWSER_EXECUTABLE, or the first Chromium found on PATH."""
    named = settings["BROWSER_EXECUTABLE"]
    if named:
        return shutil.which(named) or None
    return next(filter(None, map(shutil.which, _NAMES)), None)


def browser_mode(settings) -> str:
    """BROWSER_FETCH as it can be honoured here: `never` when no browser is found."""
    mode = settings["BROWSER_FETCH"].lower()
    if mode not in MODES:
        raise ValueError(f"BROWSER_FETCH must be one of {', '.join(MODES)}, not {mode!r}")
    if mode != "never" and browser_executable(settings) is None:
        return "never"
    return mode


class BrowserDownloadHandler(ReplicaDownloadHandler):
    """https download handler: plain requests as `ReplicaDownloadHandler`
    fetches them; requests marked `BROWSER` through headless Chromium
    (`chromium.ChromiumFetcher`, loaded and started at the first of them)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.crawler = crawler
        self.mode = browser_mode(crawler.settings)
        self.chromium: ChromiumFetcher | None = None

    async def download_request(self, request):
        if self.mode == "always" and is_site_url(request.url) and not request.url.endswith("/robots.txt"):
            request.meta[BROWSER] = True
        if self.mode == "never" or not request.meta.get(BROWSER):
            return await super().download_request(request)
        if self.chromium is None:
            from mirror.crawl.chromium import ChromiumFetcher

            self.chromium = ChromiumFetcher(self.crawler, plain=super().download_request,
                                            executable=browser_executable(self.crawler.settings))
        return await self.chromium.browse(request)

    async def close(self) -> None:
        if self.chromium is not None:
            await self.chromium.close()
        await super().close()


def _jar_cookie(cookie: dict) -> http.cookiejar.Cookie:
    """A browser cookie (Playwright's form) as the plain client's jar holds one."""
    domain = cookie["domain"]
    expires = cookie.get("expires", -1)
    session = expires is None or expires < 0
    return http.cookiejar.Cookie(
        version=0, name=cookie["name"], value=cookie["value"], port=None, port_specified=False,
        domain=domain, domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
        path=cookie.get("path", "/"), path_specified=True, secure=bool(cookie.get("secure")),
        expires=None if session else int(expires), discard=session, comment=None, comment_url=None,
        # a flag without a value, as cookiejar itself keeps one (typeshed says str)
        rest={"HttpOnly": None} if cookie.get("httpOnly") else {})  # type: ignore[dict-item]


class BrowserCookiesMiddleware(CookiesMiddleware):
    """Scrapy's cookie middleware, which also takes the cookies a browser
    fetch earned into the plain client's jar: the next plain requests carry
    them past the wall."""

    def process_response(self, request, response, spider=None):
        cookies = request.meta.pop(BROWSER_COOKIES, None)
        if cookies:
            jar = self.jars[request.meta.get("cookiejar")]
            for cookie in cookies:
                jar.set_cookie(_jar_cookie(cookie))
        return super().process_response(request, response)

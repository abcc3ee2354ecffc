"""Spider `index`: the site search, government by government, into the site index.

Each government and content type is paged through on its own, one page
after another (whether to read the next page depends on this one), all
politely through the project's settings, handlers, middlewares and web
archive.  Arguments: `government` and `type`, comma-separated lists
(default: every government, `article`; `current` names the government in
office), and `pages`: at most this many search pages of each government
and type in this run (default: no limit).  A listing cut short by `pages`
stays unfinished and goes on at the next run, after its new top pages: an
hourly job reads the newest pages, and a first index fills in over runs.

A page that is not a search listing (the bot wall, an error, anything
else) never counts as the end of a listing: the index of that government
and type stops there, unfinished, the page is named in the log, and the
run exits 2.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import scrapy

from mirror.archive.urls import SITE, canonical_site_url
from mirror.crawl.context import RunContext
from mirror.crawl.failures import failure_reason
from mirror.crawl.siteindex import Listed, Paging, SiteIndex, index_path
from mirror.outcomes import Exit
from mirror.site.discover import looks_like_search_page, search_results
from mirror.site.governments import CONTENT_TYPES, CURRENT, GOVERNMENT_IDS, search_path

DEFAULT_TYPES = ("article",)


def _government(value: str) -> int:
    return CURRENT if value == "current" else int(value)


def _choices(value: str | None, allowed, default, convert=str) -> list:
    if not value:
        return list(default)
    chosen = [convert(v.strip()) for v in value.split(",") if v.strip()]
    wrong = [v for v in chosen if v not in allowed]
    if wrong:
        raise ValueError(f"not one of {', '.join(map(str, allowed))}: {', '.join(map(str, wrong))}")
    return chosen


class IndexSpider(scrapy.Spider):
    name = "index"
    allowed_domains: ClassVar[list[str]] = ["www.beehive.govt.nz"]
    @classmethod
    def update_settings(cls, settings):
        """No release items, so none of the crawl's outcome machinery; the
        rest of the project's components (the web archive among them) stay.
        (A `custom_settings` EXTENSIONS dict would replace the project's.)"""
        super().update_settings(settings)
        settings.set("ITEM_PIPELINES", {}, priority="spider")
        for name in ("mirror.crawl.extensions.RunManifest", "mirror.crawl.extensions.RevisitState",
                     "mirror.crawl.extensions.RunReport"):
            settings["EXTENSIONS"].set(name, None, priority="spider")

    def __init__(self, government: str | None = None, type: str | None = None,  # noqa: A002
                 pages: str | int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.governments = _choices(government, GOVERNMENT_IDS, GOVERNMENT_IDS, _government)
        self.pages = int(pages) if pages else 0     # 0: no limit
        if self.pages < 0:
            raise ValueError(f"pages must be a positive number, not {pages}")
        self.read: Counter[tuple[int, str]] = Counter()
        self.types = _choices(type, tuple(CONTENT_TYPES), DEFAULT_TYPES)
        self.failures: list[str] = []
        self.index: SiteIndex | None = None

    async def start(self):
        self.index = SiteIndex(index_path(RunContext.of(self.crawler).state_dir))
        for government in self.governments:
            for content_type in self.types:
                paging = Paging(self.index.progress(government, content_type), current=government == CURRENT)
                if paging.fresh:
                    self.index.start_pass(government, content_type)
                yield self.page_request(government, content_type, paging.first(), paging)

    def page_request(self, government: int, content_type: str, page: int, paging: Paging) -> scrapy.Request:
        return scrapy.Request(SITE + search_path(government, content_type, page), callback=self.parse_search,
                              errback=self.search_failed, dont_filter=True,
                              cb_kwargs={"government": government, "content_type": content_type,
                                         "page": page, "paging": paging})

    def parse_search(self, response, government: int, content_type: str, page: int, paging: Paging):
        text = response.text if isinstance(response, scrapy.http.TextResponse) else ""
        links = search_results(text, response.url)
        if not links and not looks_like_search_page(text):
            return self.fail(response.url, "not a search listing page (the bot wall, or the site changed)")
        results = [Listed(canonical_site_url(url), day, content_type, government) for url, day in links]
        assert self.index is not None  # opened by start()
        known = self.index.known(r.address for r in results)
        new = self.index.record_page(government, content_type, page, results)
        stats = self.crawler.stats
        stats.inc_value("mirror/index/pages")
        stats.inc_value("mirror/index/results", len(results))
        stats.inc_value("mirror/index/new", new)
        following = paging.after(page, len(results), bool(results) and len(known) == len(results))
        if following is None:
            self.index.finish(government, content_type)
            self.logger.info("index: government %s, %s: done at page %d", government, content_type, page)
            return None
        self.read[government, content_type] += 1
        if self.pages and self.read[government, content_type] >= self.pages:
            # left unfinished: the next run goes on from here, after the new top pages
            self.logger.info("index: government %s, %s: %d pages read (pages=%d); page %d and on at the next run",
                             government, content_type, self.pages, self.pages, following)
            return None
        return self.page_request(government, content_type, following, paging)

    def search_failed(self, failure):
        reason, _ = failure_reason(failure.value)
        self.fail(failure.request.url, reason)

    def fail(self, url: str, reason: str) -> None:
        """Stop this government and type here, unfinished, and say so."""
        self.failures.append(url)
        self.crawler.stats.inc_value("mirror/index/failed")
        self.logger.error("index: %s: %s; this listing is left unfinished", url, reason)

    def closed(self, reason):
        if self.index is not None:
            self.crawler.stats.set_value("mirror/index/size", self.index.count())
            self.index.close()
        untrusted = self.failures or reason != "finished"
        RunContext.of(self.crawler).verdict(Exit.UNTRUSTED if untrusted else Exit.OK)

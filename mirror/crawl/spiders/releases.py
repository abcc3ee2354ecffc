"""Spider `releases`: one request per seed URL, one item per outcome.

Every release URL requested ends as exactly one `ReleaseItem`: the page as
fetched (the pipelines extract and store it), "not modified", or the reason
there is none, so the pipelines see (and count) every outcome.  Arguments: `url` (one URL), `limit` (first N
seeds), `budget` (cap on release requests, chosen by the revisit policy),
`discover` (also read N listing pages and the releases feed).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import ClassVar

import scrapy

from mirror.archive.seeds import BadSeed, Seed, SeedSet, no_seeds_reason, read_seeds
from mirror.archive.urls import SITE, archive_url, canonical_site_url, is_site_url
from mirror.crawl.browser import BROWSER
from mirror.crawl.context import RunContext
from mirror.crawl.failures import STOPPED, failure_detail, failure_reason
from mirror.crawl.items import CAPTURED, Fetched
from mirror.crawl.middlewares import KNOWN, RELEASE, REPAIR, WALL_RETRIES
from mirror.crawl.revisit import choose
from mirror.crawl.siteindex import Listed, SiteIndex, index_path
from mirror.review.manifest import read_manifest
from mirror.review.runs import manifest_path
from mirror.site.candidates import candidate_addresses
from mirror.site.discover import feed_links, listing_links

# The site answers these for an address it does not have: the release may
# still live at the seed's next candidate address.
NOT_HERE = (404, 410)


def _count(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    number = int(value)
    if number < 0:
        raise ValueError(f"{name} must be 0 or more, not {value}")
    return number


class ReleasesSpider(scrapy.Spider):
    name = "releases"
    allowed_domains: ClassVar[list[str]] = ["www.beehive.govt.nz"]

    def __init__(self, url: str | None = None, limit: str | None = None, budget: str | None = None,
                 discover: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.only_url = url
        self.limit = _count("limit", limit)
        self.budget = _count("budget", budget)
        self.discover = _count("discover", discover) or 0
        self.known_urls: set[str] = set()   # real and archive forms of every URL asked for
        self.remembered: dict[str, str] = {}     # seed URL -> the address a previous run found
        self.indexed: dict[str, list[str]] = {}  # archive URL -> the site index's addresses
        self.site_index: SiteIndex | None = None

    # --- seeds ------------------------------------------------------------------

    def load_seeds(self) -> SeedSet:
        seeds = read_seeds(self.settings["SEEDS_DIR"])
        if self.only_url:
            if not is_site_url(self.only_url):
                return SeedSet(bad=[BadSeed(f"-a url={self.only_url}", "URL outside beehive.govt.nz")])
            url = canonical_site_url(self.only_url)
            # The seed that names this URL, if any, so the diff can compare.
            match = [seed for seed in seeds.seeds if seed.url == url]
            return SeedSet(seeds=match or [Seed("", url)])
        if self.limit is not None:
            seeds.seeds = seeds.seeds[: self.limit]
        return seeds

    def report_seeds(self, seeds: SeedSet) -> None:
        stats = self.crawler.stats
        for bad in seeds.bad:
            self.logger.error("bad seed %s: %s", bad.path, bad.reason)
        for dropped, kept in seeds.duplicates:
            self.logger.warning("duplicate seed %s: %s is already asked for by %s",
                                dropped.path, dropped.url, kept.path)
        stats.set_value("mirror/seeds/read", seeds.read)
        stats.set_value("mirror/seeds/bad", len(seeds.bad))
        stats.set_value("mirror/seeds/duplicate", len(seeds.duplicates))

    def plan(self, seeds: SeedSet, budget: int | None) -> list[Seed]:
        """The seeds this run requests: those not done yet when resuming,
        then the revisit policy's choice within `budget` when there is one."""
        chosen = seeds.seeds
        done = self.done_urls()
        if done:
            chosen = [seed for seed in chosen if seed.url not in done]
            self.logger.info("resuming: %d seeds already have an outcome in this run", len(seeds.seeds) - len(chosen))
        if budget is not None:
            revisit_days = self.settings.getint("REVISIT_DAYS")
            plan = choose(chosen, RunContext.of(self.crawler).state.checked_times(), budget,
                          datetime.now(UTC).date(), revisit_days)
            if budget < plan.needed:
                self.logger.warning("a daily budget of %d cannot check %d seeds every %d days with %d recent "
                                    "ones every day: it needs %d", budget, len(chosen), revisit_days,
                                    plan.recent, plan.needed)
            self.crawler.stats.set_value("mirror/seeds/not_chosen", len(chosen) - len(plan.chosen))
            chosen = plan.chosen
        return chosen

    def done_urls(self) -> set[str]:
        """URLs with an outcome in this run's manifest (a resumed run)."""
        run_id = self.settings["RUN_ID"]  # set only when resuming (mirror run)
        path = manifest_path(self.settings["OUTPUT_DIR"], run_id) if run_id else None
        return set(read_manifest(path)) if path and os.path.exists(path) else set()

    def load_addresses(self) -> None:
        """What earlier runs and the site index know of real addresses."""
        context = RunContext.of(self.crawler)
        self.remembered = context.state.addresses()
        self.site_index = SiteIndex.open_existing(index_path(context.state_dir))
        if self.site_index is not None:
            self.indexed = self.site_index.by_archive_url()
            self.crawler.stats.set_value("mirror/index/size", sum(map(len, self.indexed.values())))

    @property
    def covers_all_seeds(self) -> bool:
        """A run over the whole seed set (not -a url= or -a limit=)."""
        return not self.only_url and self.limit is None

    def missing(self, seeds: SeedSet) -> list[Seed]:
        """Releases the site index lists that no seed has, newest first: asked
        for like seeds, and reported new; only in a run over every seed."""
        if self.site_index is None or not self.covers_all_seeds:
            return []
        seeded = {seed.url for seed in seeds.seeds} | {dropped.url for dropped, _ in seeds.duplicates}
        return [Seed("", address, day) for address, archived, day in self.site_index.entries()
                if archived not in seeded and address not in seeded]

    async def start(self):
        if not self.only_url:
            nothing = no_seeds_reason(self.settings["SEEDS_DIR"])
            if nothing:
                # Nothing to check is not "nothing to review": the job is misconfigured.
                self.logger.error("%s: nothing to crawl", nothing)
                self.crawler.stats.set_value("mirror/seeds/missing", nothing)
                await self.crawler.engine.close_spider_async(reason="no seeds")
                return
        seeds = self.load_seeds()
        self.report_seeds(seeds)
        self.load_addresses()
        missing = self.missing(seeds)
        if missing:
            done = self.done_urls()
            missing = [seed for seed in missing if seed.url not in done]
        if self.budget is not None:
            missing = missing[:self.budget]  # the releases the archive lacks come first
        chosen = self.plan(seeds, None if self.budget is None else self.budget - len(missing))
        self.seed_set = seeds  # all of them: the diff counts those not chosen as not checked
        self.crawler.stats.set_value("mirror/seeds/requested", len(chosen))
        self.crawler.stats.set_value("mirror/index/missing_requested", len(missing))
        self.remaining_budget = None if self.budget is None else self.budget - len(chosen) - len(missing)
        for seed in missing:
            yield self.release_request(seed, discovered=True)
        for seed in chosen:
            yield self.release_request(seed)
        for page in range(self.discover):
            yield scrapy.Request(f"{SITE}/releases?page={page}", callback=self.parse_listing,
                                 errback=self.listing_failed)
        if self.discover:
            yield scrapy.Request(f"{SITE}/releases/feed", callback=self.parse_feed, errback=self.listing_failed)

    def release_request(self, seed: Seed, discovered: bool = False) -> scrapy.Request:
        if discovered:
            addresses = [seed.url]  # a real address, as the site listed it
        else:
            addresses = candidate_addresses(seed.url, seed.title, self.remembered.get(seed.url),
                                            self.indexed.get(seed.url, ()))
        self.known_urls.update((seed.url, archive_url(seed.url), *addresses))
        return self.address_request(seed, discovered, tuple(addresses), 0)

    def address_request(self, seed: Seed, discovered: bool, addresses: tuple[str, ...], attempt: int):
        """The request for the seed's release at its `attempt`-th candidate address."""
        # 304 reaches the callback: it means "unchanged since the document on disk".
        # dont_filter: URLs are already unique here, and two seeds may
        # redirect to one page: each needs its own outcome.
        return scrapy.Request(addresses[attempt], callback=self.parse_release, errback=self.fetch_failed,
                              cb_kwargs={"seed": seed, "discovered": discovered, "addresses": addresses,
                                         "attempt": attempt},
                              meta={RELEASE: seed.url, "handle_httpstatus_list": [304]}, dont_filter=True)

    # --- releases ---------------------------------------------------------------

    # Both return their one item rather than yield it: Scrapy inspects the
    # source of every generator callback, for each response, to warn about
    # `return` values.

    def parse_release(self, response, seed: Seed, discovered: bool = False, addresses: tuple[str, ...] = (),
                      attempt: int = 0) -> Fetched:
        item = Fetched(seed.url, response.url, response.status, seed.path, discovered, addresses[:attempt + 1],
                       browser="browser" in response.flags, repaired=REPAIR in response.meta,
                       captured=response.meta.get(CAPTURED, ""))
        if response.status == 304:
            item.known = response.meta.get(KNOWN)
            if item.known is None:  # validators we did not send: nothing stands for the page
                item.failure = "304 for a page with no document on disk"
            return item
        item.etag = response.headers.get(b"ETag", b"").decode("latin-1")
        item.last_modified = response.headers.get(b"Last-Modified", b"").decode("latin-1")
        # Bytes, not text: decoding is page work, done where extraction is
        # (crawl.pipelines.StorePipeline, site.page.store_response).
        item.body, item.encoding = response.body, response.encoding
        return item

    def fetch_failed(self, failure) -> Fetched | scrapy.Request | None:
        request = failure.request
        kwargs = request.cb_kwargs
        seed, addresses, attempt = kwargs["seed"], kwargs["addresses"], kwargs["attempt"]
        reason, status = failure_reason(failure.value)
        item = Fetched(seed.url, request.url, status or 0, seed.path, kwargs["discovered"], addresses[:attempt + 1],
                       browser=bool(request.meta.get(BROWSER)))
        if reason == STOPPED:
            if not request.meta.get(WALL_RETRIES):
                return None  # never sent: the seed stays not checked
            item.walled = True  # walled before, and not asked again since the run stopped
            return item
        if status in NOT_HERE and attempt + 1 < len(addresses):
            self.crawler.stats.inc_value("mirror/addresses/next_candidate")
            return self.address_request(seed, kwargs["discovered"], addresses, attempt + 1)
        response = getattr(failure.value, "response", None)
        if response is not None:
            item.final_url = response.url
        item.failure, item.detail = reason, failure_detail(failure.value)
        return item

    # --- discovery --------------------------------------------------------------

    def discovered(self, links: list[tuple[str, date | None]], source: str):
        if links:
            self.record_listed(links)
        fresh = 0
        for href, _ in links:
            url = canonical_site_url(href)
            if url in self.known_urls or archive_url(url) in self.known_urls:
                continue
            if self.remaining_budget is not None:
                if self.remaining_budget <= 0:
                    break
                self.remaining_budget -= 1
            fresh += 1
            yield self.release_request(Seed("", url), discovered=True)
        self.crawler.stats.inc_value("mirror/discovered", fresh)
        dates = [d for _, d in links if d]
        self.logger.info("%s: %d releases listed%s, %d not in the seeds", source, len(links),
                         f" ({min(dates)} to {max(dates)})" if dates else "", fresh)

    def record_listed(self, links: list[tuple[str, date | None]]) -> None:
        """Listing and feed links feed the site index too."""
        if self.site_index is None:
            self.site_index = SiteIndex(index_path(RunContext.of(self.crawler).state_dir))
        self.site_index.add(Listed(canonical_site_url(href), day) for href, day in links)

    def closed(self, reason):
        if self.site_index is not None:
            self.site_index.close()

    def parse_listing(self, response):
        yield from self.discovered(listing_links(response.text, response.url), response.url)

    def parse_feed(self, response):
        yield from self.discovered(feed_links(response.text, response.url), response.url)

    def listing_failed(self, failure):
        reason, _ = failure_reason(failure.value)
        self.crawler.stats.inc_value(f"mirror/discovery_failed/{reason}")
        self.logger.error("%s: listing not read: %s", failure.request.url, reason)

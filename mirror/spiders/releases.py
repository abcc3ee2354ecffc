"""Spider `releases`: one request per seed URL, one item per outcome.

Every seed URL ends as exactly one `ReleaseItem`, the page's document or the
reason there is none, so the pipelines see (and count) every outcome.
"""

from __future__ import annotations

import scrapy

from ..extract import extract, is_block_page, page_selector
from ..failures import failure_reason
from ..items import ReleaseItem
from ..origin import canonical_site_url, is_site_url
from ..seeds import BadSeed, Seed, SeedSet, read_seeds


class ReleasesSpider(scrapy.Spider):
    name = "releases"
    allowed_domains = ["www.beehive.govt.nz"]

    def __init__(self, url: str | None = None, limit: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.only_url = url
        self.limit = int(limit) if limit is not None else None
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")

    def load_seeds(self) -> SeedSet:
        seeds = read_seeds(self.settings.get("SEEDS_DIR", "seeds"))
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
        stats.set_value("mirror/seeds/requested", len(seeds.seeds))

    async def start(self):
        seeds = self.load_seeds()
        self.seed_set = seeds
        self.report_seeds(seeds)
        for seed in seeds.seeds:
            yield self.request_for(seed)

    def request_for(self, seed: Seed) -> scrapy.Request:
        # dont_filter: two seeds may redirect to one page; each needs its outcome.
        return scrapy.Request(seed.url, callback=self.parse_release, errback=self.fetch_failed,
                              cb_kwargs={"seed": seed}, dont_filter=True)

    def parse_release(self, response, seed: Seed):
        sel = page_selector(response.text)
        item = ReleaseItem(url=seed.url, final_url=response.url, status=response.status,
                           document=None, seed_path=seed.path)
        if is_block_page(sel):
            item.blocked = True
        else:
            item.document = extract(sel, response.url)
        yield item

    def fetch_failed(self, failure):
        request = failure.request
        seed = request.cb_kwargs["seed"]
        reason, status = failure_reason(failure.value)
        response = getattr(failure.value, "response", None)
        yield ReleaseItem(url=seed.url, final_url=response.url if response is not None else request.url,
                          status=status or 0, document=None, failure=reason, seed_path=seed.path)

"""The baseline for crawl throughput: the same seed URLs, requested with the
same settings, every response discarded (no extraction, no items).

    scrapy runspider bench/noop_spider.py -s SEEDS_DIR=... -s MIRROR_ORIGIN=...
"""

from typing import ClassVar

import scrapy

from mirror.archive.seeds import read_seeds


class NoopSpider(scrapy.Spider):
    name = "noop"
    allowed_domains: ClassVar[list[str]] = ["www.beehive.govt.nz"]

    async def start(self):
        for seed in read_seeds(self.settings.get("SEEDS_DIR", "seeds")).seeds:
            yield scrapy.Request(seed.url, callback=self.discard, dont_filter=True)

    def discard(self, response):
        return None

"""The throughput baseline: a bare Scrapy spider that requests a list of
URLs and discards every response.  It imports nothing from this project
and is run outside it (no scrapy.cfg, no project settings or components):
what a user gets from Scrapy alone.

    cd /tmp && scrapy runspider /path/to/bare_spider.py -a urls=FILE [-s NAME=VALUE ...]
"""

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    async def start(self):
        with open(self.urls, encoding="utf-8") as lines:  # one URL a line; `-a urls=FILE`
            for line in lines:
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.discard, dont_filter=True)

    def discard(self, response):
        return None

"""The duplicate filter: Scrapy's, remembering only this session's requests,
and letting redirects through.

Redirects always go through: two seeds may redirect to one page, or one
seed to another seed's page, and each seed needs its own outcome.  Seen
requests are not kept in the JOBDIR: after a kill -9 they would include
requests that never completed, and a resumed run would skip those seeds.
What a resumed run may skip is decided by the run manifest (outcomes that
were recorded); within a session the filter still stops a request restored
from Scrapy's queue from being fetched twice.
"""

from scrapy.dupefilters import RFPDupeFilter


class SeedDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler):
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)

    def request_seen(self, request) -> bool:
        if request.meta.get("redirect_times"):
            return False
        return super().request_seen(request)

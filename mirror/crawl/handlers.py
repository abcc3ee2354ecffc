"""Download handler that fetches beehive.govt.nz pages from a replica origin.

With ``MIRROR_ORIGIN`` set, only the socket goes elsewhere: requests and
responses keep their real https://www.beehive.govt.nz URLs, so every other
component (robots.txt, redirects, retries, the dupe filter, the HTTP cache,
logs, stats, documents) behaves exactly as against the real site.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from mirror.archive.urls import is_site_url
from mirror.site.origin import from_origin, to_origin


class ReplicaDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.origin = crawler.settings["MIRROR_ORIGIN"] or None

    async def download_request(self, request):
        if not self.origin or not is_site_url(request.url):
            return await super().download_request(request)
        fetched_url = to_origin(request.url, self.origin)
        sent = request.replace(url=fetched_url)
        response = await super().download_request(sent)
        # The client times the copy it sent; AutoThrottle reads the original.
        if "download_latency" in sent.meta:
            request.meta["download_latency"] = sent.meta["download_latency"]
        location = response.headers.get(b"Location")
        if location:
            # Redirects must point back into the real site, or the redirect
            # middleware would see (and log) the replica's address.
            target = urljoin(fetched_url, location.decode("latin-1"))
            response.headers[b"Location"] = from_origin(target, self.origin).encode("latin-1")
        return response.replace(url=request.url)

"""Release links on listing pages and feeds (SITE.md), with their dates.

Pure functions over the text of a response.  Listing items give their date
as an ISO `time[datetime]`; where that attribute is missing the visible
date is parsed (dateparser), and a feed's pubDate is RFC 822.
"""

from __future__ import annotations

import email.utils
from datetime import date
from urllib.parse import urljoin

from parsel import Selector

from .extract import text_date, utc_date

Link = tuple[str, "date | None"]


def _iso(value: str | None) -> date | None:
    found = utc_date(value) if value else None
    return date.fromisoformat(found) if found else None


def listing_links(html: str, page_url: str) -> list[Link]:
    """(absolute URL, date) of each release on a `/releases?page=N` page.
    Only items in the page's main content count: the header's menus link
    to ministers and portfolios, never to releases, but are skipped anyway."""
    sel = Selector(text=html)
    links = []
    for item in sel.css("main article"):
        href = item.css('h2 a[href*="/release/"]::attr(href)').get()
        if not href:
            continue
        when = _iso(item.css("time::attr(datetime)").get())
        if when is None:
            shown = text_date(" ".join(item.css("time ::text").getall()))
            when = date.fromisoformat(shown) if shown else None
        links.append((urljoin(page_url, href.strip()), when))
    return links


def feed_links(xml: str, feed_url: str) -> list[Link]:
    """(absolute URL, date) of each release item of an RSS 2.0 feed."""
    sel = Selector(text=xml, type="xml")
    links = []
    for item in sel.xpath("//item"):
        href = (item.xpath("link/text()").get() or "").strip()
        if "/release/" not in href:
            continue
        shown = (item.xpath("pubDate/text()").get() or "").strip()
        try:
            when = email.utils.parsedate_to_datetime(shown).date() if shown else None
        except (TypeError, ValueError):
            found = text_date(shown)
            when = date.fromisoformat(found) if found else None
        links.append((urljoin(feed_url, href), when))
    return links

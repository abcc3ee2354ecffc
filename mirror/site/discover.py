"""Release links on listing pages, search pages and feeds, with their dates.

Pure functions over the text of a response.  Listing items give their date
as an ISO `time[datetime]`; where that attribute is missing the visible
date is parsed (dateparser), and a feed's pubDate is RFC 822.

The site search's markup has not been seen whole, so its results are read
tolerantly: a link to a `/release/`, `/speech/` or `/node/` page and a
`time[datetime]` inside one result container (an `article`, `.views-row`
or `.search-result`) make a result.
"""

from __future__ import annotations

import email.utils
from datetime import date
from urllib.parse import urljoin

from parsel import Selector

from mirror.site.dates import text_date, utc_date

Link = tuple[str, "date | None"]

# Result containers, outermost kinds first: a result may be an article
# inside a views row; the first container to give a link and a time wins.
_RESULTS = ("main .views-row, main .search-result, main article, main li.search-result")
_PAGE_LINK = ('a[href*="/release/"], a[href*="/speech/"], a[href*="/node/"]')
# What marks a search page that has no results: Drupal views and search
# forms carry these words in their classes, ids and actions.
_SEARCH_MARKS = ('main [class*="view"], main [class*="search"], main [id*="search"], '
                 'main form[action*="search"]')


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


def search_results(html: str, page_url: str) -> list[Link]:
    """(absolute URL, UTC date) of each result of a site search page, in
    page order, each address once."""
    sel = Selector(text=html)
    found: dict[str, date | None] = {}
    for box in sel.css(_RESULTS):
        href = box.css(_PAGE_LINK).xpath("@href").get()
        stamp = box.css("time::attr(datetime)").get()
        if not href or stamp is None:
            continue
        url = urljoin(page_url, href.strip())
        if found.get(url) is None:
            found[url] = _iso(stamp)
    return list(found.items())


def looks_like_search_page(html: str) -> bool:
    """True for a page that is a search listing, even one with no results
    (the end of the paging); False for anything else the site might answer
    with: a block page, a release, an error or home page."""
    sel = Selector(text=html)
    if not sel.css("main") or sel.css("article.node--view-mode-full"):
        return False
    if sel.xpath('//iframe[contains(@src, "_Incapsula_Resource")]'):
        return False
    return bool(sel.css(_SEARCH_MARKS))

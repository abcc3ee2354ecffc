"""Release page HTML → `Document`, per SITE.md.  Pure: no Scrapy, no I/O.

Every field is read from inside the article's main column or its related
documents aside, never from the page frame: the header's minister/portfolio
menus and the mobile-controls block hold look-alike markup (SITE.md traps).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from functools import lru_cache
from urllib.parse import urljoin

from parsel import Selector

from .document import NO_DATE, Document
from .markdown import html_to_markdown
from .origin import archive_url

ARTICLE = "article.node--view-mode-full"
MAIN = f"{ARTICLE} div.ds-three-col__main"
BODY = f"{MAIN} div.prose.field--name-body"

_SPACES = re.compile(r"[ \t\r\n\f]+")


class BlockedPage(ValueError):
    """The bot wall answered instead of the page."""


def page_selector(html: str) -> Selector:
    """A selector over the page's `<head>` and `<main>` only: the frame
    between them is a few hundred kB that extraction never reads."""
    head_end = html.find("</head>")
    start = html.find("<main", max(head_end, 0))
    end = html.find("</main>", start)
    if head_end < 0 or start < 0 or end < 0:
        return Selector(text=html)
    return Selector(text=html[:head_end] + "</head><body>" + html[start:end + 7] + "</body></html>")


def is_block_page(sel: Selector) -> bool:
    """Incapsula's wall: its resource iframe and no article (SITE.md)."""
    return bool(sel.css('iframe[src*="_Incapsula_Resource"]')) and not sel.css("article")


def _title(main: Selector) -> str:
    # Trimmed only: the archive keeps runs of spaces inside a title.
    return "".join(main.css("h1.article__title ::text").getall()).strip()


def _text(node: Selector) -> str:
    """All text under `node`, white-space runs collapsed, trimmed."""
    return _SPACES.sub(" ", "".join(node.xpath(".//text()").getall())).strip()


@lru_cache(maxsize=1)
def _date_parser():
    # Imported late: dateparser is slow to import and only a fallback.
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={"DATE_ORDER": "DMY"})


def utc_date(value: str) -> str | None:
    """The UTC calendar date of an ISO 8601 timestamp, or None."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date().isoformat()


def text_date(value: str) -> str | None:
    """A visible date such as '28 March 2019' (a New Zealand date)."""
    if not value.strip():
        return None
    found = _date_parser().get_date_data(value).date_obj
    return found.date().isoformat() if found else None


def extract_date(main: Selector) -> str:
    for stamp in main.css("time[datetime]"):
        found = utc_date(stamp.attrib.get("datetime", ""))
        if found:
            return found
    for stamp in main.css("time"):
        found = text_date(_text(stamp))
        if found:
            return found
    return NO_DATE


def _names(nodes: list[Selector], linked: str) -> tuple[str, ...]:
    names = []
    for node in nodes:
        target = node.css(linked) or node.css("span.is-archived") or [node]
        name = _text(target[0])
        if name:
            names.append(name)
    return tuple(names)


def extract_ministers(main: Selector) -> tuple[str, ...]:
    return _names(main.css("ul.meta--ministers > li"), "div.minister__title")


def extract_portfolios(main: Selector) -> tuple[str, ...]:
    return _names(main.css("em.tag--portfolio"), "a")


def extract_attachments(article: Selector, base_url: str) -> tuple[str, ...]:
    hrefs = article.css("aside.article__related a[href]::attr(href)").getall()
    return tuple(urljoin(base_url, href.strip()) for href in hrefs if href.strip())


def canonical_url(sel: Selector, fallback: str) -> str:
    href = sel.css('link[rel="canonical"]::attr(href)').get()
    return urljoin(fallback, href.strip()) if href and href.strip() else fallback


def body_html(main: Selector) -> str:
    body = main.css("div.prose.field--name-body")
    return "".join(body[0].xpath("node()").getall()) if body else ""


def extract(sel: Selector, page_url: str, real_url: str | None = None) -> Document:
    """The release on the page.  `page_url` is the real URL the page was
    fetched as (after redirects); `real_url`, when given, is its canonical
    address (otherwise read from the page's canonical link)."""
    if is_block_page(sel):
        raise BlockedPage(page_url)
    real_url = real_url or canonical_url(sel, page_url)
    article = sel.css(ARTICLE)
    main = article.css("div.ds-three-col__main")
    return Document(
        title=_title(main),
        date=extract_date(main),
        url=archive_url(real_url),
        ministers=extract_ministers(main),
        portfolios=extract_portfolios(main),
        attachments=extract_attachments(article, real_url),
        body=html_to_markdown(body_html(main)),
    )


def body_links(sel: Selector) -> list[tuple[str, str]]:
    """(href, text) of every link in the release body."""
    return [(a.attrib.get("href", ""), _text(a)) for a in sel.css(f"{BODY} a[href]")]

"""Release page HTML → `Document`, per docs/site.md.  Pure: no Scrapy, no I/O.

Every field is read from inside the article's main column or its related
documents aside, never from the page frame: the header's minister/portfolio
menus and the mobile-controls block hold look-alike markup (docs/site.md: traps).

The page is parsed once (parsel, lxml underneath); the fields are then read
with XPath expressions compiled once from CSS selectors, since a parsel
`.css()` call per field cost more than the rest of the extraction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

from lxml import etree
from lxml.etree import _Element
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from mirror.archive.document import NO_DATE, Document
from mirror.archive.markdown import convert_body
from mirror.archive.urls import archive_url
from mirror.site.cut import page_html
from mirror.site.dates import text_date, utc_date

_SPACES = re.compile(r"[ \t\r\n\f]+")
_CSS = HTMLTranslator()


def _select(css: str) -> etree.XPath:
    """A compiled XPath for a CSS selector, relative to the element given."""
    return etree.XPath(_CSS.css_to_xpath(css, prefix="descendant-or-self::"))


_ARTICLE = _select("article.node--view-mode-full")
_MAIN = _select("div.ds-three-col__main")
_TITLE = _select("h1.article__title")
_TIMES = _select("time")
_MINISTERS = _select("ul.meta--ministers > li")
_MINISTER_NAME = _select("div.minister__title")
_PORTFOLIOS = _select("em.tag--portfolio")
_PORTFOLIO_NAME = _select("a")
_ARCHIVED_NAME = _select("span.is-archived")
_ATTACHMENTS = _select("aside.article__related a[href]")
_BODY = _select("div.prose.field--name-body")
_WALL = _select('iframe[src*="_Incapsula_Resource"]')
_ANY_ARTICLE = _select("article")
_CANONICAL = etree.XPath('/html/head/link[@rel="canonical"]/@href')  # where pages have it: fast
_ANY_CANONICAL = etree.XPath('//link[@rel="canonical"]/@href')


class BlockedPage(ValueError):
    """The bot wall answered instead of the page."""


def page_selector(html: str, whole_head: bool = False) -> Selector:
    """A selector over `page_html(html, whole_head)`."""
    return Selector(text=page_html(html, whole_head))


def _is_wall(root: _Element) -> bool:
    return bool(_WALL(root)) and not _ANY_ARTICLE(root)


def is_block_page(sel: Selector) -> bool:
    """Incapsula's wall: its resource iframe and no article (docs/site.md)."""
    return _is_wall(sel.root)


def _text(el: _Element) -> str:
    """All text under `el`, white-space runs collapsed, trimmed."""
    return _SPACES.sub(" ", "".join(el.itertext())).strip()


def _title(main: _Element) -> str:
    # Trimmed only: the archive keeps runs of spaces inside a title.
    found = _TITLE(main)
    return "".join(found[0].itertext()).strip() if found else ""


def _date(main: _Element) -> str:
    times = _TIMES(main)
    for stamp in times:
        found = utc_date(stamp.get("datetime") or "")
        if found:
            return found
    for stamp in times:
        found = text_date(_text(stamp))
        if found:
            return found
    return NO_DATE


def _names(nodes: Iterable[_Element], linked: etree.XPath) -> tuple[str, ...]:
    names = []
    for node in nodes:
        target = linked(node) or _ARCHIVED_NAME(node) or [node]
        name = _text(target[0])
        if name:
            names.append(name)
    return tuple(names)


def _attachments(article: _Element, base_url: str) -> tuple[str, ...]:
    hrefs = (a.get("href").strip() for a in _ATTACHMENTS(article))
    return tuple(urljoin(base_url, href) for href in hrefs if href)


def canonical_url(sel: Selector, fallback: str) -> str:
    found = _CANONICAL(sel.root) or _ANY_CANONICAL(sel.root)
    href = found[0].strip() if found else ""
    if href.startswith(("https://", "http://")):
        return href  # as pages have it; urljoin would only copy it
    return urljoin(fallback, href) if href else fallback


def extract(sel: Selector, page_url: str, real_url: str | None = None) -> Document:
    """The release on the page.  `page_url` is the real URL the page was
    fetched as (after redirects); `real_url`, when given, is its canonical
    address (otherwise read from the page's canonical link).  The body is
    converted from the page's own tree, which it modifies: a selector is
    good for one extraction."""
    root = sel.root
    if _is_wall(root):
        raise BlockedPage(page_url)
    real_url = real_url or canonical_url(sel, page_url)
    articles = _ARTICLE(root)
    article = articles[0] if articles else None
    mains = _MAIN(article) if article is not None else []
    if not mains:
        return Document(url=archive_url(real_url),
                        attachments=_attachments(article, real_url) if article is not None else ())
    main = mains[0]
    body = _BODY(main)
    return Document(
        title=_title(main),
        date=_date(main),
        url=archive_url(real_url),
        ministers=_names(_MINISTERS(main), _MINISTER_NAME),
        portfolios=_names(_PORTFOLIOS(main), _PORTFOLIO_NAME),
        attachments=_attachments(article, real_url),
        body=convert_body(body[0]) if body else "",
    )

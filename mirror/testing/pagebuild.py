"""Build pages in the site's real structure (docs/site.md): release pages from
parts or from an archive document, listing pages and RSS feeds.

Used by the local replica, the tests and the benchmarks: the pages carry
the real page's traps (minister menus in the header, `field--name-body`
blocks outside the article) so extraction is tested against them.

    python -m mirror.testing.pagebuild SEEDS_DIR OUT_DIR [--limit N]

writes one page per archive file, `OUT_DIR/<id>.html`, for the replica.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape

from mirror.archive.document import NO_DATE, Document
from mirror.archive.urls import SITE, archive_id
from mirror.site.dates import nz_midnight, parse_iso, shown_date_text, shown_day
from mirror.site.governments import CONTENT_TYPES, GOVERNMENTS, PER_SEARCH_PAGE, search_path

GOVERNMENT = "nationalactnew-zealand-first-coalition-government-2023-2026"


@dataclass
class Page:
    title: str
    canonical: str                       # real URL, percent-encoded
    body_html: str | None = ""           # None: the page has no body element
    date_iso: str | None = None          # the inner time's datetime attribute
    date_text: str = ""                  # the New Zealand date shown
    ministers: list[str] = field(default_factory=list)
    portfolios: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    linked: bool = False                 # current-government template
    kind: str = "article"                # node type: article or speech


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _minister(name: str, linked: bool) -> str:
    if not linked:
        return f'<li><span class="is-archived">\n\n      \n        {escape(name)}\n\n      \n</span>\n</li>'
    return (
        '<li><div class="teaser--small minister taxonomy-term taxonomy-term--type-ministers">'
        f'<a href="/minister/{_slug(name)}" class="field-group-link minister__link" hreflang="en">'
        '<div class="field minister__portrait"><div><img loading="lazy" '
        f'src="/sites/default/files/styles/thumbnail/public/{_slug(name)}.jpg" width="100" height="100" '
        f'alt="{escape(name)} portrait" class="img-responsive"/></div></div>\n'
        f'<div class="field minister__title">  {escape(name)}\n</div>\n</a></div></li>'
    )


def _portfolio(name: str, linked: bool) -> str:
    inner = (f'<a href="/portfolio/{GOVERNMENT}/{_slug(name)}" hreflang="en">{escape(name)}</a>'
             if linked else f'<span class="is-archived">\n\n    {escape(name)}\n\n</span>')
    return f'<em class="tag tag--portfolio"><div class="tag taxonomy-term">\n  {inner}\n</div></em>'


def _attachments(urls: list[str]) -> str:
    if not urls:
        return ""
    items = "".join(
        '<li><div class="file file--mime-application-pdf"><div class="file-link">'
        f'<a href="{escape(url)}" type="application/pdf; length=1000" target="_blank">'
        f'{escape(url.rsplit("/", 1)[-1])}</a></div><div class="file-size">1 KB</div></div></li>'
        for url in urls
    )
    return ('<aside class="article__related"><div class="field-label-above">Related Documents</div>'
            f'<ul>{items}</ul></aside>')


# The header's jump menus list ministers as <option value=".../minister/...">:
# an extractor reading every minister link would take these.
_HEADER = """<header class="header">
<div class="select-wrapper"><select class="form-select form-control" id="edit-jump" name="jump"><option
 value="" selected="selected">- Choose -</option><option
 value="https://www.beehive.govt.nz/minister/hon-menu-trap">Hon Menu Trap</option><option
 value="https://www.beehive.govt.nz/portfolio/{gov}/menu-trap">Menu Trap Portfolio</option></select></div>
<section id="block-national-mobilecontrols" class="controls block clearfix">
<div class="field field--name-body field--type-text-with-summary field--label-hidden field--item"><button class="btn">Menu</button></div>
</section>
</header>
<div class="region region-title-region"><section id="block-national-backtoreleases" class="page-header block">
<div class="field field--name-body field--type-text-with-summary field--label-hidden field--item"><a class="action--back" href="/releases">Releases</a></div>
</section></div>
"""  # noqa: E501 - the site's markup as served: a line break would change the page


def build_page(page: Page) -> str:
    date = ""
    if page.date_iso is not None or page.date_text:
        inner = (f'<time datetime="{escape(page.date_iso)}">{escape(page.date_text)}</time>'
                 if page.date_iso is not None else escape(page.date_text))
        date = f'<time class="meta meta__date" datetime="">{inner}\n</time>'
    ministers = ""
    if page.ministers:
        ministers = ('<ul class="meta--ministers">'
                     + "\n".join(_minister(m, page.linked) for m in page.ministers) + "</ul>")
    portfolios = "\n".join(_portfolio(p, page.linked) for p in page.portfolios)
    body = ("" if page.body_html is None else
            '<div class="prose field field--name-body field--type-text-with-summary field--label-hidden '
            f'field--item">{page.body_html}</div>')
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8" />
<title>{escape(page.title)} | Beehive.govt.nz</title>
<link rel="canonical" href="{escape(page.canonical)}" />
<meta property="og:title" content="{escape(page.title)}" />
</head>
<body class="path-node page-node-type-{page.kind}">
{_HEADER.format(gov=GOVERNMENT)}
<main role="main" class="main-container container js-quickedit-main-content">
<div class="row"><section class="col-xs-12"><div class="region region-content">
<article class="node node--type-{page.kind} node--view-mode-full ds-three-col">
<header class="ds-three-col__header"></header>
<aside class="ds-three-col__column ds-three-col__left"><a class="social__link" href="mailto:?body={escape(page.canonical)}">Email</a></aside>
<div class="ds-three-col__column ds-three-col__main"><div class="field field-name-field-government"><em class="archive-indicator"></em></div>
{date}
<h1 class="article__title">
  {escape(page.title)}
</h1>
{ministers}
{portfolios}
{body}
</div>
<aside class="ds-three-col__column ds-three-col__right">{_attachments(page.attachments)}</aside>
</article>
</div></section></div>
</main>
<footer class="footer"><a href="/minister/hon-footer-trap">Footer minister link</a></footer>
</body>
</html>
"""  # noqa: E501 - the site's markup as served: a line break would change the page


def build_block_page(incident: str = "000000000000000000-000000000000000000") -> str:
    """Incapsula's block page, as the bot wall serves it (HTTP 200)."""
    return (
        '<html style="height:100%"><head><meta name="ROBOTS" content="NOINDEX, NOFOLLOW">'
        '<meta name="format-detection" content="telephone=no"></head>'
        '<body style="margin:0px;height:100%"><iframe id="main-iframe" '
        f'src="/_Incapsula_Resource?SWUDNSAI=31&amp;incident_id={incident}&amp;edet=12" '
        'frameborder="0" width="100%" height="100%">Request unsuccessful. Incapsula incident ID: '
        f"{incident}</iframe></body></html>"
    )


def challenge_token(nonce: str) -> str:
    """The token a JavaScript challenge's script computes from its nonce:
    the nonce and its 32-bit FNV-1a hash (what the page's script does)."""
    h = 0x811C9DC5
    for ch in nonce:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return f"{nonce}.{h:x}"


def build_js_challenge(nonce: str) -> str:
    """Incapsula's JavaScript challenge: the block page's markers (its robots
    meta and resource iframe), and a script that computes a token, sets it
    as the `visid_incap_*` and `incap_ses_*` cookies and reloads the page.
    Only a client that runs the script gets through."""
    script = (
        # %-formatting: an f-string would have to double every brace of the script
        "(function(){var s=%s,h=2166136261;"  # noqa: UP031
        "for(var i=0;i<s.length;i++){h^=s.charCodeAt(i);h=Math.imul(h,16777619)>>>0;}"
        "var t=s+'.'+h.toString(16);"
        "document.cookie='visid_incap_2187530='+t+'; path=/';"
        "document.cookie='incap_ses_1184_2187530='+t+'; path=/';"
        "location.reload();})();" % json.dumps(nonce)
    )
    return (
        '<html style="height:100%"><head><meta name="ROBOTS" content="NOINDEX, NOFOLLOW">'
        f"<script>{script}</script></head>"
        '<body style="margin:0px;height:100%"><iframe id="main-iframe" '
        f'src="/_Incapsula_Resource?SWUDNSAI=31&amp;xinfo={nonce}&amp;edet=15" '
        'frameborder="0" width="100%" height="100%">Request unsuccessful.</iframe></body></html>'
    )


# --- dates -------------------------------------------------------------------

def parse_date_text(text: str) -> datetime | None:
    """A visible New Zealand date ('28 March 2019') as its NZ midnight in UTC."""
    day = shown_day(text)
    return nz_midnight(day) if day else None


# --- a page from an archive document -------------------------------------------

# Markdown characters the archive's converter escapes with a backslash.
_PUNCT = r"!-/:-@\[-`{-~"
_INLINE = re.compile(
    rf"\\(?P<esc>[{_PUNCT}])"
    r"|(?P<img>!)?\[(?P<text>(?:\\.|[^\]\\])*)\]\((?P<href>(?:\\.|[^()\s\\]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)"
    r"|\*\*(?P<strong>(?:\\.|[^\\])+?)\*\*"
    r"|(?<![\w\\])__(?P<strong2>(?:\\.|[^\\])+?)__(?!\w)"
    r"|\*(?P<em>[^\s*](?:(?:\\.|[^\\])*?[^\s\\])?)\*"
    r"|(?<![\w\\])_(?P<em2>[^\s_](?:(?:\\.|[^\\])*?[^\s\\])?)_(?!\w)"
)
_UNESCAPE = re.compile(rf"\\([{_PUNCT}])")
_LIST_ITEM = re.compile(r"( {0,12})([-*+]|\d{1,9}[.)]) +(.*)")
_HEADING = re.compile(r"(#{1,6}) +(.*?)(?: +#+)? *\Z")
_BLANK = re.compile(r"\n(?:[ \t]*\n)+")
_TABLE_RULE = re.compile(r"\|?[\s:|-]*-[\s:|-]*\Z")


_MARKUP = re.compile(r"[\\\[*_]")  # where inline syntax can start ("![" at its "[")


def _inline(text: str) -> str:
    """Markdown inline syntax to HTML; everything else is escaped text.
    The syntax is tried only where one of its characters stands: running
    the whole alternation at every position costs most of a page build."""
    out, pos, scan = [], 0, 0
    while True:
        found = _MARKUP.search(text, scan)
        if not found:
            break
        start = found.start()
        if text[start] == "[" and start > pos and text[start - 1] == "!":
            start -= 1
        m = _INLINE.match(text, start)
        if not m:
            scan = found.start() + 1
            continue
        out.append(escape(text[pos:start], quote=False))
        if m["esc"] is not None:
            out.append(escape(m["esc"], quote=False))
        elif m["text"] is not None:
            href = escape(_UNESCAPE.sub(r"\1", m["href"]))
            if m["img"]:
                alt = escape(_UNESCAPE.sub(r"\1", m["text"]))
                out.append(f'<img src="{href}" alt="{alt}">')
            else:
                out.append(f'<a href="{href}">{_inline(m["text"])}</a>')
        elif m["strong"] is not None or m["strong2"] is not None:
            out.append(f"<strong>{_inline(m['strong'] or m['strong2'])}</strong>")
        else:
            out.append(f"<em>{_inline(m['em'] or m['em2'])}</em>")
        pos = scan = m.end()
    out.append(escape(text[pos:], quote=False))
    return "".join(out)


def _lines(lines: list[str]) -> str:
    """Lines of one paragraph; a trailing backslash or two spaces is a hard break."""
    parts = []
    for number, line in enumerate(lines):
        last = number == len(lines) - 1
        if not last and line.endswith("\\") and not line.endswith("\\\\"):
            parts.append(_inline(line[:-1]) + "<br>")
        elif not last and line.endswith("  "):
            parts.append(_inline(line.rstrip()) + "<br>")
        else:
            parts.append(_inline(line) + ("" if last else "\n"))
    return "".join(parts)


def _table(lines: list[str]) -> str:
    rows = []
    for line in lines:
        if _TABLE_RULE.match(line.strip()):
            continue
        cells = line.strip().strip("|").split("|")
        rows.append("<tr>" + "".join(f"<td>{_inline(cell.strip())}</td>" for cell in cells) + "</tr>")
    return f"<table><tbody>{''.join(rows)}</tbody></table>"


def _block(block: str) -> str:
    lines = block.split("\n")
    if block.strip() == "<!--THE END-->":
        return block.strip()  # the converter's marker between two adjacent lists
    heading = _HEADING.match(lines[0])
    if heading and len(lines) == 1:
        level = len(heading[1])
        return f"<h{level}>{_inline(heading[2])}</h{level}>"
    if all(line.startswith(">") for line in lines):
        inner = "\n".join(line[1:].removeprefix(" ") for line in lines)
        return f"<blockquote>{markdown_to_html(inner)}</blockquote>"
    if all(line.lstrip().startswith("|") for line in lines):
        return _table(lines)
    out: list[str] = []
    paragraph: list[str] = []
    items: list[list[str]] = []
    ordered = False

    def flush_paragraph():
        if paragraph:
            out.append(f"<p>{_lines(paragraph)}</p>")
            paragraph.clear()

    def flush_list():
        if items:
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_lines(item)}</li>" for item in items) + f"</{tag}>")
            items.clear()

    for line in lines:
        item = _LIST_ITEM.match(line)
        if item:
            flush_paragraph()
            is_ordered = item[2][0].isdigit()
            if items and is_ordered != ordered and not item[1]:
                flush_list()
            if not items:
                ordered = is_ordered
            items.append([item[3]])
        elif items and line.startswith(" "):
            items[-1].append(line.strip())  # the item's continuation line
        else:
            flush_list()
            paragraph.append(line)
    flush_paragraph()
    flush_list()
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """A realistic body for a page from archive markdown: paragraphs, lists,
    headings, quotes, tables, bold/italic and links.  Not an exact inverse
    of the archive's converter."""
    return "\n".join(_block(block) for block in _BLANK.split(text.strip("\n")) if block.strip())


def page_from_document(doc: Document, *, linked: bool | None = None) -> Page:
    """The page the site would serve for an archive document.

    The canonical link is the document's own (archive-form) URL; the date is
    midnight UTC of its date (none for the archive's 0001-01-01); the linked,
    current-government template is used from November 2023 unless `linked`
    says otherwise."""
    day = None
    if doc.date != NO_DATE:
        try:
            day = date.fromisoformat(doc.date)
        except ValueError:
            day = None
    if linked is None:
        linked = day is not None and doc.date >= "2023-11"
    return Page(
        title=doc.title,
        canonical=doc.url,
        body_html=markdown_to_html(doc.body) if doc.body.strip() else None,
        date_iso=f"{doc.date}T00:00:00Z" if day else None,
        date_text=shown_date_text(day) if day else "",
        ministers=list(doc.ministers),
        portfolios=list(doc.portfolios),
        attachments=list(doc.attachments),
        linked=linked,
        kind="speech" if "/speech/" in doc.url else "article",
    )


# --- listings and feeds ----------------------------------------------------------

PER_PAGE = 10
_KINDS = {  # node type → (listing path, label, item label)
    "article": ("/releases", "Releases", "Release"),
    "speech": ("/speeches", "Speeches", "Speech"),
}


@dataclass
class ListingItem:
    path: str                             # the page's canonical path, percent-encoded
    title: str
    date_iso: str | None = None           # UTC, "2024-07-30T20:15:00Z"; None: the page has none
    date_text: str = ""                   # the New Zealand date shown
    summary: str = ""
    ministers: list[tuple[str, str | None]] = field(default_factory=list)   # (name, href or None)
    portfolios: list[tuple[str, str | None]] = field(default_factory=list)
    kind: str = "article"


def _tag(kind: str, name: str, href: str | None) -> str:
    inner = (f'<a href="{escape(href)}" hreflang="en">{escape(name)}</a>' if href
             else f'<span class="is-archived">{escape(name)}</span>')
    return f'<em class="tag tag--{kind}">{inner}</em>'


def _teaser(item: ListingItem) -> str:
    label = _KINDS.get(item.kind, _KINDS["article"])[2]
    stamp = f' datetime="{escape(item.date_iso)}"' if item.date_iso else ""
    ministers = "".join(_tag("minister", name, href) for name, href in item.ministers)
    portfolios = "".join(_tag("portfolio", name, href) for name, href in item.portfolios)
    return (
        f'<div class="views-row"><article class="node node--type-{item.kind} node--view-mode-teaser teaser">\n'
        f'<div class="teaser__meta"><em class="teaser__type">{label}</em>\n'
        f'<time class="meta meta__date"{stamp}>{escape(item.date_text)}</time></div>\n'
        f'<h2 class="teaser__title"><a href="{escape(item.path)}" rel="bookmark" hreflang="en">'
        f"{escape(item.title)}</a></h2>\n"
        f'<p class="teaser__summary">{escape(item.summary)}</p>\n'
        f'<div class="teaser__ministers">{ministers}</div>\n'
        f'<div class="teaser__portfolios">{portfolios}</div>\n'
        "</article></div>"
    )


def _pager(page: int, has_next: bool, query: str = "") -> str:
    """Drupal's mini pager; `query` is the rest of the query string its links
    keep (percent-encoded, ending in "&"), e.g. a search's facets."""
    links = []
    if page > 0:
        links.append(f'<li class="pager__item pager__item--previous"><a href="?{escape(query)}page={page - 1}" '
                     'title="Go to previous page" rel="prev">‹ Previous</a></li>')
    if has_next:
        links.append(f'<li class="pager__item pager__item--next"><a href="?{escape(query)}page={page + 1}" '
                     'title="Go to next page" rel="next">Next ›</a></li>')
    return ('<nav class="pager" role="navigation" aria-labelledby="pagination-heading">'
            '<h4 id="pagination-heading" class="visually-hidden">Pagination</h4>'
            f'<ul class="pager__items js-pager__items">{"".join(links)}</ul></nav>')


def _frame(*, title: str, canonical: str, body_class: str, content: str, head: str = "", aside: str = "") -> str:
    """A generated page inside the release pages' frame: the header (whose
    menus are traps), `main > div.row > section.col-xs-12 > div.region-content`
    holding `content`, an optional sidebar after that section, the footer."""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8" />
<title>{escape(title)} | Beehive.govt.nz</title>
<link rel="canonical" href="{escape(canonical)}" />
{head}</head>
<body class="{body_class}">
{_HEADER.format(gov=GOVERNMENT)}
<main role="main" class="main-container container js-quickedit-main-content">
<div class="row"><section class="col-xs-12"><div class="region region-content">
{content}
</div></section>{aside}</div>
</main>
<footer class="footer"><a href="/minister/hon-footer-trap">Footer minister link</a></footer>
</body>
</html>
"""


def build_listing(items: list[ListingItem], *, page: int = 0, has_next: bool = False,
                  kind: str = "article") -> str:
    """A `/releases?page=N` page (or `/speeches`): one teaser `article` per
    item inside the release pages' frame, whose header menus are traps."""
    path, title, _ = _KINDS.get(kind, _KINDS["article"])
    rows = ("\n".join(_teaser(item) for item in items) if items
            else f'<div class="view-empty">No {title.lower()} found.</div>')
    content = f"""<h1 class="page-header">{title}</h1>
<div class="views-element-container"><div class="view view-{path.strip('/')} view-display-id-page_1">
<div class="view-content">
{rows}
</div>
{_pager(page, has_next)}
</div></div>"""
    return _frame(title=title, canonical=SITE + path + (f"?page={page}" if page else ""),
                  body_class=f"path-{path.strip('/')}", content=content,
                  head=f'<link rel="alternate" type="application/rss+xml" title="{title}" '
                       f'href="{SITE}{path}/feed" />\n')


# --- the site search ---------------------------------------------------------------

NO_RESULTS = "Your search yielded no results."


def _type_label(content_type: str) -> str:
    if content_type in _KINDS:
        return _KINDS[content_type][2]
    return content_type.replace("_", " ").capitalize()


def _search_result(item: ListingItem, content_type: str) -> str:
    """One result of the search view: `h2 > a[href]` (the canonical path),
    `time[datetime]` (UTC, Z) and a snippet in one `div.views-row`."""
    node_type = content_type.replace("_", "-")
    stamp = f' datetime="{escape(item.date_iso)}"' if item.date_iso else ""
    ministers = "".join(_tag("minister", name, href) for name, href in item.ministers)
    return (
        f'<div class="views-row"><article class="node node--type-{escape(node_type)} '
        'node--view-mode-search-result search-result">\n'
        f'<div class="search-result__meta"><em class="search-result__type">{escape(_type_label(content_type))}</em>\n'
        f'<time class="search-result__date"{stamp}>{escape(item.date_text)}</time></div>\n'
        f'<h2 class="search-result__title"><a href="{escape(item.path)}" rel="bookmark" hreflang="en">'
        f"{escape(item.title)}</a></h2>\n"
        f'<div class="search-result__ministers">{ministers}</div>\n'
        f'<p class="search-result__snippet">{escape(item.summary)}</p>\n'
        "</article></div>"
    )


def _facets(government: int | None, content_type: str | None) -> str:
    """The facet blocks of the search page's sidebar: links to other searches
    (not results; a scraper reading every `/search` link meets them)."""
    def link(gov: int, ctype: str, label: str, active: bool, facet: str, value) -> str:
        href = search_path(gov, ctype).rsplit("&page=", 1)[0]
        state = " is-active" if active else ""
        return (f'<li class="facet-item{state}"><a href="{escape(href)}" rel="nofollow" '
                f'data-drupal-facet-item-id="{facet}-{value}"><span class="facet-item__value">'
                f"{escape(label)}</span></a></li>")

    ctype = content_type if content_type in CONTENT_TYPES else "article"
    gov = government if government in {g.id for g in GOVERNMENTS} else GOVERNMENTS[0].id
    governments = "".join(link(g.id, ctype, g.name, g.id == government, "government-facet", g.id)
                          for g in GOVERNMENTS)
    types = "".join(link(gov, t, _type_label(t), t == content_type, "content-type-facet", t)
                    for t in CONTENT_TYPES)
    return ('<aside class="col-sm-3" role="complementary"><div class="region region-sidebar-second">'
            '<section class="block-facets block-facet--links"><h2 class="block-title">Government</h2>'
            f'<ul data-drupal-facet-id="government_facet" class="facets-widget-links">{governments}</ul></section>'
            '<section class="block-facets block-facet--links"><h2 class="block-title">Content type</h2>'
            f'<ul data-drupal-facet-id="content_type_facet" class="facets-widget-links">{types}</ul></section>'
            "</div></aside>")


def build_search(items: list[ListingItem], *, government: int | None, content_type: str | None,
                 page: int = 0, has_next: bool = False, total: int = 0) -> str:
    """A page of the site search (`/search?f[0]=government_facet:<id>&f[1]=content_type_facet:<type>&page=N`),
    as a Drupal search_api view: one `div.views-row > article.search-result`
    per item in `div.view-content`, a pager keeping the facets, facet links
    in a sidebar, all in the release pages' frame.  No items: a `view-empty`
    message and no rows.  `government`/`content_type` None: the facets the
    query did not name (an empty page)."""
    facets = ""
    if government is not None and content_type is not None:
        facets = search_path(government, content_type, page).split("?", 1)[1].rsplit("page=", 1)[0]
    canonical = SITE + "/search" + (f"?{facets}page={page}" if facets else "")
    if items:
        first = page * PER_SEARCH_PAGE + 1
        header = f'<div class="view-header">Displaying {first} - {first + len(items) - 1} of {total}</div>\n'
        rows = "\n".join(_search_result(item, content_type or item.kind) for item in items)
    else:
        header, rows = "", f'<div class="view-empty"><p>{NO_RESULTS}</p></div>'
    content = f"""<h1 class="page-header">Search</h1>
<div class="views-element-container"><div class="view view-search view-id-search view-display-id-page_1">
{header}<div class="view-content">
{rows}
</div>
{_pager(page, has_next, facets)}
</div></div>"""
    return _frame(title="Search", canonical=canonical, body_class="path-search", content=content,
                  aside=_facets(government, content_type))


# XML 1.0 forbids most control characters, which old titles sometimes hold.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return escape(_NOT_XML.sub("", text), quote=False)


def rfc822(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC))


def build_feed(items: list[ListingItem], *, kind: str = "article", feed_path: str | None = None,
               title: str | None = None) -> str:
    """Drupal's RSS 2.0 view: `rss > channel > item > title, link, description,
    pubDate, guid`, links absolute on the real site."""
    path, label, _ = _KINDS.get(kind, _KINDS["article"])
    feed_path = feed_path or f"{path}/feed"
    entries = []
    for item in items:
        link = SITE + item.path
        moment = parse_iso(item.date_iso) or parse_date_text(item.date_text)
        pub_date = f"\n    <pubDate>{rfc822(moment)}</pubDate>" if moment else ""
        entries.append(
            f"  <item>\n    <title>{_xml(item.title)}</title>\n    <link>{_xml(link)}</link>\n"
            f"    <description>{_xml('<p>' + escape(item.summary, quote=False) + '</p>')}</description>"
            f"{pub_date}\n"
            + "".join(f"    <category>{_xml(name)}</category>\n" for name, _ in item.portfolios)
            + f'    <guid isPermaLink="true">{_xml(link)}</guid>\n  </item>\n'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss version="2.0" xml:base="{SITE}/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"  <title>{_xml(title or label)}</title>\n  <link>{SITE}{path}</link>\n"
        "  <description></description>\n  <language>en</language>\n"
        f'  <atom:link href="{SITE}{feed_path}" rel="self" type="application/rss+xml" />\n'
        + "".join(entries) + "</channel>\n</rss>\n"
    )


# --- python -m mirror.testing.pagebuild -----------------------------------------------------

def build_folder(seeds_dir: str, out_dir: str, limit: int | None = None) -> dict:
    """One page per archive file under `seeds_dir`, as `out_dir/<id>.html`.
    A URL met twice is built once; two URLs sharing an id get `<id>-2` etc."""
    from mirror.archive.document import parse
    from mirror.archive.seeds import BadSeed, read_seed, seed_paths

    paths = seed_paths(seeds_dir)
    if limit is not None:
        paths = paths[:limit]
    os.makedirs(out_dir, exist_ok=True)
    names: dict[str, str] = {}
    counts = {"read": 0, "written": 0, "duplicate": 0, "unusable": 0}
    for path in paths:
        counts["read"] += 1
        seed = read_seed(path)
        if isinstance(seed, BadSeed):
            counts["unusable"] += 1
            print(f"{path}: {seed.reason}", file=sys.stderr)
            continue
        with open(path, "rb") as handle:
            doc = parse(handle.read().decode("utf-8"))
        stem = archive_id(doc.url)
        if not stem or stem.startswith(".") or os.sep in stem:
            stem = os.path.splitext(os.path.basename(path))[0]
        name, number = stem, 1
        while name in names and names[name] != doc.url:
            number += 1
            name = f"{stem}-{number}"
        if name in names:
            counts["duplicate"] += 1
            continue
        names[name] = doc.url
        with open(os.path.join(out_dir, name + ".html"), "w", encoding="utf-8") as handle:
            handle.write(build_page(page_from_document(doc)))
        counts["written"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mirror.testing.pagebuild",
                                     description="Write a replica page for every archive file.")
    parser.add_argument("seeds", help="folder of archive files (read recursively)")
    parser.add_argument("out", help="folder to write <id>.html pages into")
    parser.add_argument("--limit", type=int, help="only the first N files, in sorted path order")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.seeds):
        parser.error(f"{args.seeds}: not a folder")
    started = time.monotonic()
    counts = build_folder(args.seeds, args.out, args.limit)
    print(f"{counts['written']} pages written to {args.out} from {counts['read']} files "
          f"({counts['duplicate']} duplicate URLs, {counts['unusable']} unusable) "
          f"in {time.monotonic() - started:.1f} s")
    return 0 if counts["written"] or not counts["read"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

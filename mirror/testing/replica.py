"""A local replica of beehive.govt.nz, for tests, demos and benchmarks.

    python -m mirror.testing.replica DIR [--port N] [--plan FILE]
                             [--transliterated 404|redirect|serve] [--no-validators]
                             [--js-wall [--js-wall-uses N]]

Serves every `*.html` page under DIR at the path of its canonical link, a
robots.txt (DIR/robots.txt if present), and answers conditional requests
(ETag, Last-Modified, 304) unless --no-validators.  Paths are compared
percent-decoded as UTF-8: a page whose link is `/release/ng%C4%81i-...` is
served for `%C4%81`, `%c4%81` or a raw `ā` alike.  A page whose link is
`/node/<n>` is served there.  From the pages themselves it generates the
listings `/releases?page=N` and `/speeches?page=N` (10 a page, newest
first), the RSS feeds `/releases/feed`, `/speeches/feed` and `/rss.xml`
(the newest 10), and the site search (below).

The site search, one government and one content type at a time:

    /search?f[0]=government_facet:<id>&f[1]=content_type_facet:<type>&page=N

(percent-encoded or not, facets in either order, no page: 0).  It lists the
pages of that node type (the body's `page-node-type-<type>`, else the
article's `node--type-<type>`, else `article` for /release/ and /node/ paths,
`speech` for /speech/) whose New Zealand date falls in the government's term
(`mirror.site.governments.government_of`), 24 a page, newest first, ties by path;
pages with no date at all are in no search.  Each result, in the release
pages' frame (its header menus hold minister links: traps):

    <div class="view-header">Displaying 1 - 24 of 5728</div>
    <div class="view-content">
    <div class="views-row"><article class="node node--type-article node--view-mode-search-result search-result">
    <div class="search-result__meta"><em class="search-result__type">Release</em>
    <time class="search-result__date" datetime="2024-07-30T20:15:00Z">31 July 2024</time></div>
    <h2 class="search-result__title"><a href="/release/ng%C4%81i-..." rel="bookmark" hreflang="en">Title</a></h2>
    <div class="search-result__ministers"><em class="tag tag--minister">...</em></div>
    <p class="search-result__snippet">The first 30 words of the body …</p>
    </article></div>
    ...
    </div>
    <nav class="pager">... <a href="?f%5B0%5D=...&amp;page=1" rel="next">Next ›</a> ...</nav>

`href` is the canonical path as the link writes it; `datetime` is the page's
timestamp, or the NZ midnight of its visible date, in UTC.  A page past the
end, an unknown government or type, or a query without both facets: 200,
`<div class="view-empty"><p>Your search yielded no results.</p></div>` and
no `views-row`.  A sidebar holds facet links to other searches (not results).

`Site.hits` counts requests by path as sent; a search also counts under its
`request_key`, the form `mirror.site.governments.search_path` writes
(`site.hits[search_path(6700, "article", 0)]`), however the client spelled it.

A plan file (JSON, re-read when it changes) injects faults per path (or
per path and query, e.g. "/releases?page=3"; keys match as `request_key`
does, so any spelling of an address or search):

    {"/release/a": {"status": 404},
     "/release/b": {"status": 301, "location": "/release/c"},
     "/release/d": {"status": 500, "times": 2},      # then serves normally
     "/release/e": {"delay": 5},
     "/release/f": {"block": true},                   # the bot wall's page
     "/release/g": {"drop": true},                    # close without answering
     "/release/h": {"size": 100000000},               # a 100 MB page
     "/release/j": {"file": "other.html"},            # that file of DIR, served here
     "/release/i": {"gzip_bomb": 419430400}}          # 400 KB gzipped, 400 MiB unpacked

Seed URLs are often transliterations of the real address (docs/site.md), and
the archive writes `/node/<n>` pages as `/release/<n>`; how the replica
answers these archive forms is chosen with --transliterated.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import functools
import hashlib
import json
import os
import re
import secrets
import socket
import sys
import threading
import time
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import unescape
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

from mirror.archive.urls import SITE, archive_url
from mirror.site.dates import NZ, iso_utc, parse_iso, shown_date_text
from mirror.site.governments import PER_SEARCH_PAGE, government_of, search_path
from mirror.testing.frame import Frame
from mirror.testing.pagebuild import (
    PER_PAGE,
    ListingItem,
    build_block_page,
    build_feed,
    build_js_challenge,
    build_listing,
    build_search,
    challenge_token,
    parse_date_text,
)

_CANONICAL = re.compile(rb'<link rel="canonical" href="([^"]+)"')
# The article's date: `<time class="meta meta__date" datetime=""><time
# datetime="...Z">28 March 2019</time></time>`, or the outer time alone.
_DATE = re.compile(rb'<time class="meta meta__date"([^>]*)>(.*?)</time>', re.S)
_DATETIME = re.compile(rb'\bdatetime="([^"]*)"')
# The node type: the body's `page-node-type-article`, else the article's
# `node--type-article` (Drupal writes `ministerial_diary` as `ministerial-diary`).
_BODY_TYPE = re.compile(rb'<body\b[^>]*?\bpage-node-type-([\w-]+)')
_ARTICLE_TYPE = re.compile(rb'<article\b[^>]*?\bnode--type-([\w-]+)')
# Bytes a client sent raw in the request line (a browser's UTF-8).
_RAW_BYTE = re.compile(rb"[\x80-\xff]")
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
TRANSLITERATED = ("404", "redirect", "serve")
SUMMARY_WORDS = 30
# The generated paths, by node type: listing, feed.
LISTINGS = {"/releases": "article", "/speeches": "speech"}
FEEDS = {"/releases/feed": "article", "/speeches/feed": "speech", "/rss.xml": None}
_ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
_SITE_SLASH = SITE + "/"
SEARCH = "/search"
# Search content types by path, for a page that names no node type.
_TYPE_BY_PATH = (("/release/", "article"), ("/node/", "article"), ("/speech/", "speech"))


def canonical_path(page: bytes, head_end: int | None = None) -> str | None:
    if head_end is None:
        head_end = page.find(b"</head>")
    found = _CANONICAL.search(page, 0, head_end if head_end >= 0 else 20000)
    if not found:
        return None
    href = found.group(1).decode("utf-8", "replace")
    if "&" in href:
        href = unescape(href)
    if href.startswith(_SITE_SLASH) and "?" not in href and "#" not in href:
        return href[len(SITE):]  # nearly every page: no need to split the URL
    return urlsplit(href).path


def decode_path(path: str) -> str:
    """A path percent-decoded as UTF-8: what every spelling of one address
    shares (`%C4%81`, `%c4%81` and a raw `ā`).  Bytes that are not UTF-8
    survive as surrogates, so two different byte strings never meet."""
    if "%" not in path:
        return path
    return unquote_to_bytes(path).decode("utf-8", "surrogateescape")


def search_facets(query: str) -> tuple[int | None, str | None, int]:
    """(government id, content type, page) of a search query, however it is
    encoded and in whichever order its facets come: `f[N]=government_facet:<id>`
    and `f[N]=content_type_facet:<type>`; no `page` is page 0.  A facet
    missing, unreadable or given two different values is None."""
    facets: dict[str, set[str]] = {}
    for name, values in parse_qs(query).items():
        if name.startswith("f["):
            for value in values:
                facet, _, chosen = value.partition(":")
                facets.setdefault(facet.strip(), set()).add(chosen.strip())
    governments, types = facets.get("government_facet", ()), facets.get("content_type_facet", ())
    government = next(iter(governments)) if len(governments) == 1 else None
    content_type = next(iter(types)) if len(types) == 1 else None
    return (int(government) if government and government.isdigit() else None,
            content_type or None, _page_number(query))


def request_key(path: str, query: str = "") -> str:
    """One name for a request however the client spelled it: the decoded
    path, with its query as sent; a search with both facets is named as
    `mirror.site.governments.search_path` writes it.  Hit counts of searches and
    the fault plan use it."""
    decoded = decode_path(path)
    if decoded == SEARCH:
        government, content_type, page = search_facets(query)
        if government is not None and content_type is not None:
            return search_path(government, content_type, page)
    return f"{decoded}?{query}" if query else decoded


def _node_type(data: bytes, head_end: int, main: int, path: str) -> str | None:
    """The page's node type, as the search's content_type facet names it."""
    body = data.find(b"<body", max(head_end, 0))
    found = _BODY_TYPE.match(data, body) if body >= 0 else None
    if not found and main >= 0:
        found = _ARTICLE_TYPE.search(data, main)
    if found:
        return found.group(1).decode("ascii", "replace").replace("-", "_")
    for prefix, node_type in _TYPE_BY_PATH:
        if path.startswith(prefix):
            return node_type
    return None


@dataclass(slots=True)
class Entry:
    """What the index keeps of one page: enough to order the listings.
    Titles, summaries and names are read only for the pages listed."""
    file: str
    path: str                 # canonical path, percent-encoded as in the link
    alias: str | None         # its archive-form path, when that differs
    kind: str | None          # "article" (/release/), "speech" (/speech/), None: not listed
    type: str | None          # node type, the search's content type ("article", "speech"); None: not searched
    stamp: float | None       # UTC seconds, from the timestamp or else the visible date
    date_iso: str | None      # the timestamp, normalised to ...Z; None when the page has none
    date_text: str            # the visible date


def read_entry(file: str, data: bytes) -> Entry | None:
    """The index entry of a page's bytes, by regexes over the head and the
    article's date (no parse: the index may hold 55,000 pages)."""
    head_end = data.find(b"</head>")
    path = canonical_path(data, head_end)
    if not path:
        return None
    alias = archive_url(SITE + path)[len(SITE):]
    kind = "article" if path.startswith("/release/") else "speech" if path.startswith("/speech/") else None
    main = data.find(b"<main", max(head_end, 0))
    node_type = _node_type(data, head_end, main, path)
    moment, date_iso, date_text = None, None, ""
    if kind or node_type:
        found = _DATE.search(data, max(main, 0))
        if found:
            # Like extraction: the first time[datetime] that parses wins.
            for stamp in _DATETIME.findall(found.group(1)) + _DATETIME.findall(found.group(2)):
                text = stamp.decode("ascii", "replace")
                moment = parse_iso(text)
                if moment:
                    date_iso = text if _ISO_Z.match(text) else iso_utc(moment)
                    break
            inner = found.group(2).decode("utf-8", "replace")
            if "<" in inner or "&" in inner:
                inner = unescape(_TAG.sub("", inner))
            date_text = _SPACES.sub(" ", inner).strip()
    if moment is None:
        moment = parse_date_text(date_text)
    return Entry(file, path, alias if alias != path else None, kind, node_type,
                 moment.timestamp() if moment else None, date_iso, date_text)


def _text(nodes) -> str:
    return _SPACES.sub(" ", "".join(nodes.xpath(".//text()").getall())).strip()


def _named(nodes, linked: str) -> list[tuple[str, str | None]]:
    names = []
    for node in nodes:
        target = node.css(linked) or node.css("span.is-archived") or [node]
        name = _text(target[0])
        if name:
            link = node.css("a[href]")
            names.append((name, link[0].attrib["href"].strip() if link else None))
    return names


def read_item(entry: Entry, html: str) -> ListingItem:
    """A listing item from the page: its title, names and the first words
    of its body, read from the article only (never the header menus)."""
    from mirror.site.extract import page_selector  # only listings need it

    sel = page_selector(html, whole_head=True)
    main = sel.css("article.node--view-mode-full div.ds-three-col__main")
    title = "".join(main.css("h1.article__title ::text").getall()).strip()
    if not title:
        title = (sel.css('meta[property="og:title"]::attr(content)').get() or "").strip()
    words = _text(main.css("div.prose.field--name-body")[:1]).split()
    summary = " ".join(words[:SUMMARY_WORDS]) + (" …" if len(words) > SUMMARY_WORDS else "")
    date_text = entry.date_text
    if not date_text and entry.date_iso:
        moment = parse_iso(entry.date_iso)
        assert moment is not None  # read_entry keeps only a timestamp that parses
        date_text = shown_date_text(moment.astimezone(NZ).date())
    return ListingItem(
        path=entry.path, title=title, date_iso=entry.date_iso, date_text=date_text, summary=summary,
        ministers=_named(main.css("ul.meta--ministers > li"), "div.minister__title"),
        portfolios=_named(main.css("em.tag--portfolio"), "a"),
        kind=entry.kind or "article",
    )


class Site:
    """The pages of a folder, by path; re-indexed when the folder changes.

    `validators=False` sends no ETag or Last-Modified and never answers 304
    (for benchmarks comparing crawls with and without them)."""

    # A miss or a listing re-checks the folder (a stat of every file,
    # re-reading only those whose size or mtime changed) at most every
    # RESCAN_AFTER seconds, and never more than a tenth of the time: a
    # check of 55,000 files takes about a second.
    RESCAN_AFTER = 0.5
    ITEM_CACHE = 4096

    def __init__(self, folder: str | os.PathLike, plan: str | None = None, transliterated: str = "404",
                 validators: bool = True, js_wall_uses: int = 0, frame: Frame | None = None):
        self.folder = Path(folder)
        # Served pages dressed in a real page's frame: real-size answers.
        self.frame = frame
        # The JavaScript wall (0: off): a token earned by running a
        # challenge's script is good for this many requests.
        self.js_wall_uses = js_wall_uses
        self._tokens: dict[str, int] = {}   # token -> requests it has left
        self.challenges = 0                # challenge pages served
        self.plan_path = Path(plan) if plan else None
        self.transliterated = transliterated
        self.validators = validators
        # Requests by path as the client sent it (bytes it sent raw counted
        # as %XX); a search also counts under its `request_key`, the form
        # `mirror.site.governments.search_path` writes, whatever its spelling.
        self.hits: Counter = Counter()
        self._lock = threading.Lock()
        self._stamp: int | None = None
        self._scanned = 0.0
        self._scan_took = 0.0
        self._files: dict[str, tuple[tuple[int, int], Entry | None]] = {}
        self._pages: dict[str, str] = {}
        self._entries: dict[str, Entry] = {}
        self._aliases: dict[str, str] = {}
        self._decoded: dict[str, str] = {}
        self._generation = 0
        self._newest = 0.0
        self._orders: dict[str | None, tuple[int, list[Entry]]] = {}
        self._searches: tuple[int, dict[tuple[int, str], list[Entry]]] | None = None
        self._items: OrderedDict[str, tuple[tuple[int, int], ListingItem]] = OrderedDict()
        self._plan: dict = {}
        self._faults: dict = {}  # the plan by request_key
        self._plan_stamp: int | None = None
        self._fault_uses: Counter = Counter()

    # --- the index ---------------------------------------------------------

    def index(self, refresh: bool = False) -> dict[str, str]:
        """Page files by canonical path.  Scanned once, and again when the
        folder changes or on `refresh` (a miss, a listing) when it may have:
        pages edited in place are read afresh on every request anyway."""
        with self._lock:
            stamp = self.folder.stat().st_mtime_ns
            if (self._stamp is None or stamp != self._stamp
                    or (refresh and time.monotonic() - self._scanned
                        > max(self.RESCAN_AFTER, 10 * self._scan_took))):
                started = time.monotonic()
                self._scan(stamp)
                self._scan_took = time.monotonic() - started
            return self._pages

    def _scan(self, stamp: int) -> None:
        names: list[str] = []
        for root, _dirs, found in os.walk(self.folder):
            names.extend(os.path.join(root, name) for name in found if name.endswith(".html"))
        names.sort()  # a canonical path held by two files: the later one wins
        known = self._files
        files: dict[str, tuple[tuple[int, int], Entry | None]] = {}
        pages: dict[str, str] = {}
        entries: dict[str, Entry] = {}
        aliases: dict[str, str] = {}
        decoded: dict[str, str] = {}
        newest = self.folder.stat().st_mtime
        for name in names:
            try:
                st = os.stat(name)
            except FileNotFoundError:
                continue
            key = (st.st_mtime_ns, st.st_size)
            cached = known.get(name)
            if cached and cached[0] == key:
                entry = cached[1]
            else:
                try:
                    entry = read_entry(name, _read(name, st.st_size))
                except OSError:
                    continue
            files[name] = (key, entry)
            if entry is None:
                continue
            newest = max(newest, st.st_mtime)
            pages[entry.path] = entry.file
            entries[entry.path] = entry
            if entry.alias:
                aliases[entry.alias] = entry.path
            if "%" in entry.path or not entry.path.isascii():
                decoded[decode_path(entry.path)] = entry.path
        if files.keys() != known.keys() or any(files[n][0] != known[n][0] for n in files):
            self._generation += 1
        self._files, self._pages, self._entries, self._aliases = files, pages, entries, aliases
        self._decoded = decoded
        self._newest, self._stamp, self._scanned = newest, stamp, time.monotonic()

    def ordered(self, kind: str | None) -> list[Entry]:
        """Listed pages of a node type (None: both), newest first, ties by path;
        pages with no date at all come last."""
        self.index(refresh=True)
        with self._lock:
            cached = self._orders.get(kind)
            if cached and cached[0] == self._generation:
                return cached[1]
            chosen = _newest_first(e for e in self._entries.values() if e.kind and (kind is None or e.kind == kind))
            self._orders[kind] = (self._generation, chosen)
            return chosen

    def searched(self, government: int, content_type: str) -> list[Entry]:
        """The pages the site search lists for a government and content type,
        newest first as `ordered`: pages of that node type whose New Zealand
        date falls in the government's term.  All the lists are made at once,
        on the first search after the folder changes; undated pages are in none."""
        self.index(refresh=True)
        with self._lock:
            if self._searches is None or self._searches[0] != self._generation:
                groups: dict[tuple[int, str], list[Entry]] = {}
                terms: dict[float, int] = {}
                for entry in _newest_first(e for e in self._entries.values()
                                           if e.type and e.stamp is not None):
                    assert entry.type and entry.stamp is not None  # as chosen
                    government_id = terms.get(entry.stamp)
                    if government_id is None:
                        day = datetime.fromtimestamp(entry.stamp, NZ).date()
                        government_id = terms[entry.stamp] = government_of(day)
                    groups.setdefault((government_id, entry.type), []).append(entry)
                self._searches = (self._generation, groups)
            return self._searches[1].get((government, content_type), [])

    def item(self, entry: Entry) -> ListingItem | None:
        """The listing item of a page, cached until the file changes."""
        name = entry.file
        try:
            st = os.stat(name)
            key = (st.st_mtime_ns, st.st_size)
            with self._lock:
                cached = self._items.get(name)
                if cached and cached[0] == key:
                    self._items.move_to_end(name)
                    return cached[1]
            item = read_item(entry, _read(name, st.st_size).decode("utf-8", "replace"))
        except OSError:
            return None
        with self._lock:
            self._items[name] = (key, item)
            while len(self._items) > self.ITEM_CACHE:
                self._items.popitem(last=False)
        return item

    def _page(self, ordered: list[Entry], page: int, per_page: int) -> tuple[list[tuple[Entry, ListingItem]], bool]:
        """The (entry, item) pairs of page `page` of a list, and whether a next page exists."""
        chosen = ordered[page * per_page:(page + 1) * per_page] if page >= 0 else []
        pairs = [(entry, item) for entry in chosen if (item := self.item(entry))]
        return pairs, (page + 1) * per_page < len(ordered)

    def listing(self, kind: str, page: int) -> str:
        pairs, has_next = self._page(self.ordered(kind), page, PER_PAGE)
        return build_listing([item for _, item in pairs], page=page, has_next=has_next, kind=kind)

    def search(self, query: str) -> str:
        """A page of the site search for `query` (see `search_facets`)."""
        government, content_type, page = search_facets(query)
        found = self.searched(government, content_type) if government is not None and content_type else []
        pairs, has_next = self._page(found, page, PER_SEARCH_PAGE)
        items = [item if item.date_iso or entry.stamp is None
                 else replace(item, date_iso=iso_utc(datetime.fromtimestamp(entry.stamp, UTC)))
                 for entry, item in pairs]
        return build_search(items, government=government, content_type=content_type, page=page,
                            has_next=has_next, total=len(found))

    def feed(self, path: str) -> str:
        kind = FEEDS[path]
        items = [item for item in map(self.item, self.ordered(kind)[:PER_PAGE]) if item]
        return build_feed(items, kind=kind or "article", feed_path=path,
                          title="Beehive.govt.nz" if kind is None else None)

    @property
    def newest_mtime(self) -> float:
        """The newest change to the pages: the Last-Modified of generated pages."""
        return self._newest

    # --- faults --------------------------------------------------------------

    def plan(self) -> dict:
        if not self.plan_path:
            return {}
        with self._lock:
            try:
                stamp = self.plan_path.stat().st_mtime_ns
            except FileNotFoundError:
                self._plan, self._plan_stamp = {}, None
                return {}
            if stamp != self._plan_stamp:
                self._plan = json.loads(self.plan_path.read_text(encoding="utf-8"))
                self._faults = {request_key(*_split(key)): fault for key, fault in self._plan.items()}
                self._plan_stamp = stamp
                self._fault_uses.clear()
            return self._plan

    def fault(self, target: str) -> dict | None:
        """The planned fault for a path (or path and query), however it is
        spelled (`request_key`), counting uses of limited ones."""
        if not self.plan():
            return None
        key = request_key(*_split(target))
        fault = self._faults.get(key)
        if not fault:
            return None
        with self._lock:
            self._fault_uses[key] += 1
            if "times" in fault and self._fault_uses[key] > fault["times"]:
                return None
        return fault

    def planned(self, target: str) -> bool:
        return bool(self.plan()) and request_key(*_split(target)) in self._faults

    # --- the JavaScript wall ------------------------------------------------------

    def issue_challenge(self) -> str:
        """A new challenge page; the token its script will compute is good
        for `js_wall_uses` requests from the first one that shows it."""
        nonce = secrets.token_hex(8)
        with self._lock:
            self._tokens[challenge_token(nonce)] = self.js_wall_uses
            self.challenges += 1
        return build_js_challenge(nonce)

    def passes_wall(self, cookie_header: str | None) -> bool:
        """True when the request carries a token with uses left (and uses one)."""
        if not self.js_wall_uses:
            return True
        cookies = SimpleCookie()
        try:
            cookies.load(cookie_header or "")
        except CookieError:
            return False
        for name, morsel in cookies.items():
            if name.startswith("visid_incap_"):
                with self._lock:
                    left = self._tokens.get(morsel.value, 0)
                    if left > 0:
                        self._tokens[morsel.value] = left - 1
                        return True
        return False

    def lookup(self, path: str) -> tuple[Path | None, str | None]:
        """(page file, None) for a page's own path, in any percent-encoding
        (upper- or lower-case hex, or characters raw: paths are compared
        decoded); (None, real path) for its transliterated alias; (None,
        None) when neither exists."""
        decoded = decode_path(path)
        for refresh in (False, True):
            pages = self.index(refresh)
            for key in (path, decoded, self._decoded.get(decoded)):
                if key in pages:
                    return Path(pages[key]), None
            real = self._aliases.get(decoded)
            if real:
                return None, real
        return None, None


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped: about a thousandth of that on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(size >> 20)]
    parts.append(packer.compress(bytes(size & ((1 << 20) - 1))))
    parts.append(packer.flush())
    return b"".join(parts)


def _read(name: str, size: int) -> bytes:
    """A file's bytes, without the buffered file object (the index reads 55,000)."""
    fd = os.open(name, os.O_RDONLY)
    try:
        data = os.read(fd, size + 1)
        while len(data) > size:  # grew since the stat: read the rest
            more = os.read(fd, 1 << 20)
            if not more:
                break
            data += more
        return data
    finally:
        os.close(fd)


def _newest_first(entries) -> list[Entry]:
    """Newest first, ties by path; pages with no date at all last."""
    return sorted(entries, key=lambda e: (e.stamp is None, -(e.stamp or 0.0), e.path))


def _split(target: str) -> tuple[str, str]:
    path, _, query = target.partition("?")
    return path, query


def _page_number(query: str) -> int:
    """Drupal's ?page=N; anything unreadable is the first page."""
    try:
        return max(int(parse_qs(query).get("page", ["0"])[0]), 0)
    except ValueError:
        return 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "beehive-replica"
    site: Site
    raw_requestline: bytes  # read by BaseHTTPRequestHandler (typeshed leaves it out)

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass  # quiet: tests and benchmarks read the hit counter instead

    def send(self, status: int, body: bytes = b"", headers: dict | None = None,
             content_type="text/html; charset=UTF-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def parse_request(self):
        # http.server reads the request line as Latin-1 and splits it at any
        # white space, U+00A0 and U+0085 included: a raw UTF-8 address (a
        # browser's `ā`, a trailing no-break space) would lose bytes or be
        # refused.  Percent-encode raw bytes first, as the path they spell.
        if _RAW_BYTE.search(self.raw_requestline):
            self.raw_requestline = _RAW_BYTE.sub(lambda m: b"%%%02X" % m[0][0], self.raw_requestline)
        return super().parse_request()

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        site = self.site
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        decoded = decode_path(path)
        site.hits[path] += 1
        if decoded == SEARCH:
            key = request_key(path, query)
            if key != path:
                site.hits[key] += 1
        target = f"{path}?{query}" if query else path
        fault = site.fault(target) if query and site.planned(target) else site.fault(path)
        if fault:
            if fault.get("delay"):
                time.sleep(float(fault["delay"]))
            if fault.get("drop"):
                return self.drop()
            if fault.get("block"):
                return self.send(200, build_block_page().encode())
            if "file" in fault:  # a page of the folder served here, whatever its canonical link says
                return self.serve_file(site.folder / fault["file"])
            if "size" in fault:  # a page far larger than any release
                return self.send(200, b"<html><body>" + b"x" * int(fault["size"]) + b"</body></html>")
            if "gzip_bomb" in fault:  # small on the wire, huge unpacked
                return self.send(200, gzip_bomb(int(fault["gzip_bomb"])), {"Content-Encoding": "gzip"})
            if "status" in fault:
                status = int(fault["status"])
                headers = {"Location": fault["location"]} if "location" in fault else {}
                return self.send(status, f"<html><body>{status}</body></html>".encode(), headers)
        if decoded != "/robots.txt" and not site.passes_wall(self.headers.get("Cookie")):
            return self.send(200, site.issue_challenge().encode())
        if decoded == "/robots.txt":
            robots = site.folder / "robots.txt"
            body = robots.read_bytes() if robots.exists() else b"User-agent: *\nDisallow:\n"
            return self.send(200, body, content_type="text/plain")
        if decoded in LISTINGS:
            return self.serve_generated(site.listing(LISTINGS[decoded], _page_number(query)).encode())
        if decoded in FEEDS:
            return self.serve_generated(site.feed(decoded).encode(), "application/rss+xml; charset=utf-8")
        if decoded == SEARCH:
            return self.serve_generated(site.search(query).encode())
        file, real_path = site.lookup(path)
        if real_path and site.transliterated == "redirect":
            return self.send(301, b"", {"Location": real_path})
        if real_path and site.transliterated == "serve":
            file, _ = site.lookup(real_path)
        if file is None:
            return self.send(404, b"<html><body>Page not found</body></html>")
        self.serve_file(file)

    def drop(self):
        """Close the connection without a byte of answer: the client sees a
        reset or an early end, not a refused connection."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def serve_file(self, file: Path):
        try:
            body = file.read_bytes()
            mtime = file.stat().st_mtime
        except FileNotFoundError:  # removed since the index saw it
            return self.send(404, b"<html><body>Page not found</body></html>")
        if self.site.frame is not None:
            body = self.site.frame.dress(body)
        self.serve_body(body, mtime)

    def serve_generated(self, body: bytes, content_type: str = "text/html; charset=UTF-8"):
        self.serve_body(body, self.site.newest_mtime, content_type)

    def serve_body(self, body: bytes, mtime: float, content_type: str = "text/html; charset=UTF-8"):
        if not self.site.validators:
            return self.send(200, body, content_type=content_type)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        headers = {"ETag": etag, "Last-Modified": email.utils.formatdate(int(mtime), usegmt=True)}
        if self.not_modified(etag, mtime):
            return self.send(304, b"", headers, content_type)
        self.send(200, body, headers, content_type)

    def not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer (a killed crawl, a timeout) is
        # part of what the replica is for, not an error worth a traceback.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def make_server(site: Site, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = type("SiteHandler", (Handler,), {"site": site})
    return Server((host, port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mirror.testing.replica",
                                     description="Serve a folder of release pages like beehive.govt.nz.")
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--plan", help="JSON file of faults per path")
    parser.add_argument("--transliterated", choices=TRANSLITERATED, default="404",
                        help="how to answer a transliterated (archive-form) URL")
    parser.add_argument("--no-validators", dest="validators", action="store_false",
                        help="send no ETag/Last-Modified and never answer 304")
    parser.add_argument("--js-wall", action="store_true",
                        help="answer every request (but robots.txt) without a valid token cookie with a "
                             "JavaScript challenge, as Incapsula does")
    parser.add_argument("--js-wall-uses", type=int, default=200, metavar="N",
                        help="requests a token earned by the challenge is good for (default 200)")
    parser.add_argument("--frame", metavar="PAGE",
                        help="a saved real page: serve every page dressed in its frame (real-size pages)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.folder):
        parser.error(f"{args.folder}: not a folder")
    try:
        frame = Frame.from_file(args.frame) if args.frame else None
    except (OSError, ValueError) as exc:
        parser.error(f"{args.frame}: {exc}")
    site = Site(args.folder, args.plan, args.transliterated, validators=args.validators,
                js_wall_uses=args.js_wall_uses if args.js_wall else 0, frame=frame)
    server = make_server(site, args.host, args.port)
    started = time.monotonic()
    count = len(site.index())
    print(f"serving {count} pages from {args.folder} at http://{args.host}:{server.server_port} "
          f"(indexed in {time.monotonic() - started:.1f} s)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

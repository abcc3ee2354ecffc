"""The replica's site search: `/search?f[0]=government_facet:<id>&f[1]=content_type_facet:<type>&page=N`
over plain HTTP, for pages spread over three governments and both types."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from parsel import Selector

from mirror.site.governments import PER_SEARCH_PAGE, search_path
from mirror.testing.pagebuild import Page

from .conftest import Replica
from .test_replica import get

SITE = "https://www.beehive.govt.nz"
WORDS = "harakeke kowhai rimu totara matai kahikatea miro tawa puriri karaka".split()
UTC = UTC

# Three governments (mirror.site.governments): 6700 from 27 Nov 2023, 6455 from
# 6 Nov 2020, 6203 from 26 Oct 2017.  NZ daylight time is UTC+13.
CURRENT, PREVIOUS, EARLIER = 6700, 6455, 6203


def _page(slug: str, moment: datetime | None, kind: str = "article", *, canonical: str | None = None,
          date_text: str | None = None, title: str | None = None) -> Page:
    return Page(
        title=title or f"Invented {kind} {slug}",
        canonical=canonical or f"{SITE}/{'speech' if kind == 'speech' else 'release'}/{slug}",
        date_iso=moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None,
        date_text=date_text if date_text is not None else (moment.strftime("%-d %B %Y") if moment else ""),
        ministers=["Hon Invented Searcher"], portfolios=["Imaginary Searching"],
        body_html="<p>" + " ".join(WORDS[(len(slug) + i) % len(WORDS)] for i in range(40)) + "</p>",
        linked=True, kind=kind,
    )


def _site() -> tuple[dict[str, Page], dict[tuple[int, str], list[str]]]:
    """Pages by file name, and the paths each search should list (any order)."""
    pages: dict[str, Page] = {}
    expected: dict[tuple[int, str], list[str]] = {}

    def add(name: str, page: Page, government: int, kind: str):
        pages[name] = page
        expected.setdefault((government, kind), []).append(page.canonical[len(SITE):])

    # 2023-: 53 articles (three search pages: 24, 24, 5) and 3 speeches
    for n in range(53):
        add(f"cur-a{n:02d}", _page(f"current-{n:02d}", datetime(2024, 2, 1, 3, tzinfo=UTC) + timedelta(hours=7 * n)),
            CURRENT, "article")
    for n in range(3):
        add(f"cur-s{n}", _page(f"current-speech-{n}", datetime(2024, 5, 1, tzinfo=UTC) + timedelta(days=n), "speech"),
            CURRENT, "speech")
    # 2020-2023: exactly 24 articles (one full page, no next) and 25 speeches
    for n in range(24):
        add(f"prev-a{n:02d}", _page(f"previous-{n:02d}", datetime(2021, 6, 1, tzinfo=UTC) + timedelta(days=n)),
            PREVIOUS, "article")
    for n in range(25):
        add(f"prev-s{n:02d}", _page(f"previous-speech-{n:02d}", datetime(2022, 3, 1, tzinfo=UTC) + timedelta(days=n),
                                    "speech"), PREVIOUS, "speech")
    # 2017-2020: a few articles, one a /node/ page, one at a non-ASCII address
    for n in range(4):
        when = datetime(2018, 9, 1, tzinfo=UTC) + timedelta(days=n)
        add(f"early-a{n}", _page(f"earlier-{n}", when), EARLIER, "article")
    add("early-node", _page("node", datetime(2019, 1, 10, tzinfo=UTC), canonical=f"{SITE}/node/31337",
                            title="An invented page without an alias"), EARLIER, "article")
    add("early-maori", _page("maori", datetime(2019, 2, 10, tzinfo=UTC),
                             canonical=f"{SITE}/release/hui-%C4%81-rohe-%E2%80%98kaupapa%E2%80%99",
                             title="Hui ā-rohe invented"), EARLIER, "article")
    # The government changes at NZ midnight, not UTC midnight.
    # 00:30 NZDT on the 27th, and 23:30 NZDT on the 26th
    add("edge-after", _page("edge-after", datetime(2023, 11, 26, 11, 30, tzinfo=UTC)), CURRENT, "article")
    add("edge-before", _page("edge-before", datetime(2023, 11, 26, 10, 30, tzinfo=UTC)), PREVIOUS, "article")
    # Dated in words only: its NZ midnight (2023-11-26T11:00:00Z) decides, and is shown.
    add("edge-words", _page("edge-words", None, date_text="27 November 2023"), CURRENT, "article")
    # Two pages at one timestamp: path order decides.
    tie = datetime(2021, 6, 10, 5, tzinfo=UTC)
    add("tie-b", _page("tie-b", tie), PREVIOUS, "article")
    add("tie-a", _page("tie-a", tie), PREVIOUS, "article")
    # In no search: no date at all; not a node page.
    pages["undated"] = _page("undated", None, date_text="")
    return pages, expected


PAGES, EXPECTED = _site()


def stamp_of(page: Page) -> datetime:
    if page.date_iso:
        return datetime.fromisoformat(page.date_iso.replace("Z", "+00:00"))
    assert page.date_text == "27 November 2023"
    return datetime(2023, 11, 26, 11, tzinfo=UTC)  # NZ midnight, daylight time


def expected_order(government: int, kind: str) -> list[str]:
    by_path = {page.canonical[len(SITE):]: page for page in PAGES.values()}
    return sorted(EXPECTED.get((government, kind), []), key=lambda path: (-stamp_of(by_path[path]).timestamp(), path))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search") / "site"
    folder.mkdir()
    server = Replica(folder)
    for name, page in PAGES.items():
        server.add(name, page)
    yield server
    server.close()


def search(site, target: str, status: int = 200) -> Selector:
    got, headers, body = get(site.origin + target)
    assert got == status, target
    assert headers["Content-Type"].startswith("text/html")
    return Selector(text=body.decode("utf-8"))


ROWS = "div.view-content > div.views-row"


def hrefs(sel: Selector) -> list[str]:
    return sel.css(f"{ROWS} h2 > a::attr(href)").getall()


# --- what is listed, in what order ---------------------------------------------------

@pytest.mark.parametrize("government,kind",
                         [(g, k) for g in (CURRENT, PREVIOUS, EARLIER) for k in ("article", "speech")])
def test_each_search_lists_its_pages_newest_first(site, government, kind):
    expected = expected_order(government, kind)
    seen, page = [], 0
    while True:
        sel = search(site, search_path(government, kind, page))
        found = hrefs(sel)
        more = (page + 1) * PER_SEARCH_PAGE < len(expected)
        assert len(found) == (PER_SEARCH_PAGE if more else len(expected) - page * PER_SEARCH_PAGE)
        assert bool(sel.css('a[rel="next"]')) == more
        assert bool(sel.css('a[rel="prev"]')) == (page > 0)
        seen.extend(found)
        if not more:
            break
        page += 1
    assert seen == expected
    # the page past the end: a search page with no results, still 200
    past = search(site, search_path(government, kind, page + 1))
    assert past.css(ROWS) == [] and past.css("article") == [] and not past.css('a[rel="next"]')
    assert "no results" in " ".join(past.css("div.view-empty ::text").getall()).lower()


def test_site_spread_as_intended():
    sizes = {key: len(paths) for key, paths in EXPECTED.items()}
    assert sizes == {(CURRENT, "article"): 55, (CURRENT, "speech"): 3, (PREVIOUS, "article"): 27,
                     (PREVIOUS, "speech"): 25, (EARLIER, "article"): 6}
    assert (EARLIER, "speech") not in sizes  # an empty search, tested above


def test_pages_cross_no_government_or_type(site):
    everything = [path for key in EXPECTED for path in expected_order(*key)]
    assert len(everything) == len(set(everything)) == len(PAGES) - 1  # the undated page is in none
    assert "/release/undated" not in everything


def test_government_changes_at_new_zealand_midnight(site):
    # the current government's oldest: 00:30 on its first NZ day, then that day's NZ midnight
    current = hrefs(search(site, search_path(CURRENT, "article", 2)))
    assert current[-2:] == ["/release/edge-after", "/release/edge-words"]
    # 23:30 NZ time the day before (the same UTC date as edge-after): the previous government's newest
    assert hrefs(search(site, search_path(PREVIOUS, "article", 0)))[0] == "/release/edge-before"


def test_ties_ordered_by_path(site):
    found = hrefs(search(site, search_path(PREVIOUS, "article", 0)))
    assert found.index("/release/tie-a") == found.index("/release/tie-b") - 1


def test_full_last_page_has_no_next(site):
    articles = expected_order(PREVIOUS, "article")
    assert len(articles) == 27
    speeches = search(site, search_path(PREVIOUS, "speech", 0))
    assert len(hrefs(speeches)) == 24 and speeches.css('a[rel="next"]')
    last = search(site, search_path(PREVIOUS, "speech", 1))
    assert len(hrefs(last)) == 1 and not last.css('a[rel="next"]')


# --- the markup ----------------------------------------------------------------------------

def test_result_markup(site):
    sel = search(site, search_path(EARLIER, "article", 0))
    rows = sel.css(ROWS)
    assert len(rows) == 6 and len(sel.css("article")) == 6 and len(sel.css("article.search-result")) == 6
    first = rows[0]
    assert first.css("h2 > a::attr(href)").get() == "/release/hui-%C4%81-rohe-%E2%80%98kaupapa%E2%80%99"
    assert first.css("h2 > a::text").get() == "Hui ā-rohe invented"
    assert first.css("time::attr(datetime)").get() == "2019-02-10T00:00:00Z"
    assert first.css("time::text").get() == "10 February 2019"
    assert first.css("p.search-result__snippet::text").get().endswith("…")
    assert first.css('a[href^="/minister/"]::text').getall() == ["Hon Invented Searcher"]
    for row in rows:
        assert row.css("time::attr(datetime)").re(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        assert len(row.css("h2 > a[href]")) == 1
    node = [row for row in rows if row.css('h2 > a[href="/node/31337"]')]
    assert node and node[0].css("h2 > a::text").get() == "An invented page without an alias"
    # the frame's traps: the header's minister menus, facet links to other searches
    assert "Hon Menu Trap" in sel.css('header option[value*="/minister/"]::text').getall()
    assert "Hon Menu Trap" not in rows.css("::text").getall()
    assert sel.css('aside a[href^="/search?"]') and not rows.css('a[href^="/search"]')
    assert sel.css("main div.view-header::text").get() == "Displaying 1 - 6 of 6"


def test_visible_date_only_gets_its_nz_midnight(site):
    sel = search(site, search_path(CURRENT, "article", 2))
    row = next(r for r in sel.css(ROWS) if r.css('h2 > a[href="/release/edge-words"]'))
    assert row.css("time::attr(datetime)").get() == "2023-11-26T11:00:00Z"
    assert row.css("time::text").get() == "27 November 2023"


def test_pager_keeps_the_facets(site):
    sel = search(site, search_path(CURRENT, "article", 1))
    facets = "f%5B0%5D=government_facet%3A6700&f%5B1%5D=content_type_facet%3Aarticle"
    assert sel.css('a[rel="next"]::attr(href)').get() == f"?{facets}&page=2"
    assert sel.css('a[rel="prev"]::attr(href)').get() == f"?{facets}&page=0"
    assert re.search(r'rel="next"', search(site, search_path(CURRENT, "article", 2)).get()) is None


# --- how the query may be written ---------------------------------------------------------

def test_query_spellings_give_the_same_page(site):
    reference = hrefs(search(site, search_path(CURRENT, "article", 1)))
    assert len(reference) == 24
    for target in (
        "/search?f[0]=government_facet:6700&f[1]=content_type_facet:article&page=1",
        "/search?f%5B1%5D=content_type_facet%3Aarticle&f%5B0%5D=government_facet%3A6700&page=1",
        "/search?f[0]=content_type_facet:article&f[1]=government_facet:6700&page=1",
        "/search?page=1&f%5b0%5d=government_facet%3a6700&f%5b1%5d=content_type_facet%3aarticle",
    ):
        assert hrefs(search(site, target)) == reference, target
    no_page = "/search?f%5B0%5D=government_facet%3A6700&f%5B1%5D=content_type_facet%3Aarticle"
    assert hrefs(search(site, no_page)) == hrefs(search(site, search_path(CURRENT, "article", 0)))


@pytest.mark.parametrize("target", [
    search_path(1234, "article", 0),                          # no such government
    search_path(CURRENT, "feature", 0),                       # a type with no pages here
    search_path(CURRENT, "nonsense", 0),
    "/search?f%5B0%5D=government_facet%3A6700",              # one facet only
    "/search",
    "/search?f[0]=government_facet:6700&f[1]=government_facet:6455&f[2]=content_type_facet:article",
])
def test_unknown_or_incomplete_search_is_an_empty_page(site, target):
    sel = search(site, target)
    assert sel.css(ROWS) == [] and sel.css("div.view-empty")
    assert not sel.css('a[rel="next"]')
    assert "Hon Menu Trap" in sel.css("option::text").getall()  # still the site's frame


# --- counting, faults, changes, validators ----------------------------------------------------

def test_searches_counted_by_their_search_path(site):
    site.site.hits.clear()
    search(site, search_path(PREVIOUS, "speech", 1))
    search(site, "/search?f[1]=content_type_facet:speech&f[0]=government_facet:6455&page=1")
    search(site, "/search?f[0]=government_facet:6455&f[1]=content_type_facet:speech")
    assert site.site.hits[search_path(PREVIOUS, "speech", 1)] == 2
    assert site.site.hits[search_path(PREVIOUS, "speech", 0)] == 1  # no page: page 0
    assert site.site.hits["/search"] == 3                             # every search, by path


def test_fault_planned_for_a_search_page(site):
    site.plan({"/search?f[0]=government_facet:6700&f[1]=content_type_facet:article&page=1": {"status": 503}})
    try:
        assert get(site.origin + search_path(CURRENT, "article", 1))[0] == 503
        assert get(site.origin + search_path(CURRENT, "article", 0))[0] == 200
    finally:
        site.plan({})


def test_search_order_is_cached_until_the_folder_changes(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    server = Replica(folder)
    try:
        server.add("one", _page("one", datetime(2024, 3, 1, tzinfo=UTC)))
        assert hrefs(search(server, search_path(CURRENT, "article"))) == ["/release/one"]
        cached = server.site._searches
        search(server, search_path(CURRENT, "article"))
        search(server, search_path(CURRENT, "speech"))
        assert server.site._searches is cached  # no re-sort per request
        server.add("two", _page("two", datetime(2024, 3, 2, tzinfo=UTC)))
        server.add("old", _page("old", datetime(2018, 3, 2, tzinfo=UTC)))
        assert hrefs(search(server, search_path(CURRENT, "article"))) == ["/release/two", "/release/one"]
        assert hrefs(search(server, search_path(EARLIER, "article"))) == ["/release/old"]
        (folder / "two.html").unlink()
        assert hrefs(search(server, search_path(CURRENT, "article"))) == ["/release/one"]
    finally:
        server.close()


def test_search_pages_carry_validators(site):
    target = site.origin + search_path(CURRENT, "article", 0)
    status, headers, _ = get(target)
    assert status == 200 and headers["ETag"]
    assert get(target, {"If-None-Match": headers["ETag"]})[0] == 304

"""The site index and its paging rules, and the search page parser."""

from __future__ import annotations

from datetime import date

from mirror.crawl.siteindex import Listed, Paging, Progress, SiteIndex
from mirror.site.discover import looks_like_search_page, search_results

SITE = "https://www.beehive.govt.nz"


def test_a_first_pass_reads_to_the_end_whatever_it_already_knows():
    paging = Paging(Progress(0, running=False, complete=False), current=True)
    assert paging.fresh and paging.first() == 0
    assert paging.after(0, 24, all_known=True) == 1  # known from a feed, say: not the end
    assert paging.after(7, 24, all_known=False) == 8
    assert paging.after(8, 0, all_known=False) is None


def test_after_a_complete_pass_a_known_page_ends_the_next():
    paging = Paging(Progress(0, running=False, complete=True), current=False)
    assert paging.fresh and paging.first() == 0
    assert paging.after(0, 24, all_known=False) == 1
    assert paging.after(1, 24, all_known=True) is None


def test_an_unfinished_pass_resumes_where_it_stopped():
    paging = Paging(Progress(5, running=True, complete=False), current=False)
    assert not paging.fresh and paging.first() == 5
    assert paging.after(5, 24, all_known=False) == 6


def test_the_current_government_rereads_its_top_before_resuming():
    paging = Paging(Progress(5, running=True, complete=False), current=True)
    assert paging.first() == 0
    assert paging.after(0, 24, all_known=False) == 1  # new releases at the top
    assert paging.after(1, 24, all_known=True) == 5   # caught up: back to where the pass stopped
    assert paging.after(5, 24, all_known=True) == 6   # never complete: a known page is not the end
    top_only = Paging(Progress(2, running=True, complete=False), current=True)
    assert top_only.after(0, 24, all_known=False) == 1
    assert top_only.after(1, 24, all_known=False) == 2  # reached the resume point


def test_index_records_pages_and_maps_archive_forms(tmp_path):
    index = SiteIndex(tmp_path / "index.sqlite")
    results = [Listed(f"{SITE}/release/ng%C4%81i-tahu-hui", date(2021, 3, 4), "article", 6455),
               Listed(f"{SITE}/node/4321", date(2001, 5, 6), "article", 4376)]
    assert index.record_page(6455, "article", 0, results) == 2
    assert index.record_page(6455, "article", 1, results[:1]) == 0
    assert index.progress(6455, "article") == Progress(2, running=True, complete=False)
    index.finish(6455, "article")
    assert index.progress(6455, "article") == Progress(0, running=False, complete=True)
    assert index.by_archive_url() == {f"{SITE}/release/ngai-tahu-hui": [f"{SITE}/release/ng%C4%81i-tahu-hui"],
                                      f"{SITE}/release/4321": [f"{SITE}/node/4321"]}
    assert index.known([f"{SITE}/node/4321", f"{SITE}/release/other"]) == {f"{SITE}/node/4321"}
    index.close()
    again = SiteIndex.open_existing(tmp_path / "index.sqlite")
    assert again.count() == 2
    assert SiteIndex.open_existing(tmp_path / "none.sqlite") is None


FRAME = """<html><head><title>Search | Beehive.govt.nz</title></head><body>
<header><select><option value="{site}/minister/hon-trap">Hon Trap</option></select>
<a href="/release/header-trap">Not a result</a></header>
<main role="main">{main}</main></body></html>"""


def search_page(main: str) -> str:
    return FRAME.format(site=SITE, main=main)


def test_search_results_read_tolerantly():
    html = search_page("""
<div class="view view-search"><div class="view-content">
<div class="views-row"><article class="node search-result"><h2><a href="/release/first-one">First</a></h2>
<time datetime="2024-07-30T20:15:00Z">31 July 2024</time></article></div>
<div class="views-row"><h3><a href="https://www.beehive.govt.nz/node/1234">Second</a></h3>
<span><time datetime="2001-05-06T00:00:00Z">6 May 2001</time></span></div>
<li class="search-result"><a href="/speech/a-speech">Third</a><time datetime="2019-03-27T22:20:36Z">x</time></li>
<div class="views-row"><a href="/release/no-time">No time: not a result</a></div>
</div></div>""")
    assert search_results(html, f"{SITE}/search?page=0") == [
        (f"{SITE}/release/first-one", date(2024, 7, 30)),
        (f"{SITE}/node/1234", date(2001, 5, 6)),
        (f"{SITE}/speech/a-speech", date(2019, 3, 27)),
    ]


def test_an_empty_search_page_is_told_from_other_pages():
    empty = search_page('<div class="view view-search"><div class="view-empty">No results found.</div></div>')
    assert search_results(empty, SITE) == [] and looks_like_search_page(empty)
    wall = ('<html><body><iframe id="main-iframe" src="/_Incapsula_Resource?SWUDNSAI=31">'
            'Request unsuccessful.</iframe></body></html>')
    assert not looks_like_search_page(wall)
    release = search_page('<article class="node node--view-mode-full"><h1>A release</h1></article>')
    assert not looks_like_search_page(release)
    assert not looks_like_search_page(search_page("<p>Site maintenance</p>"))

"""Extraction from page HTML: pure functions, no crawl."""

from __future__ import annotations

import pytest

from mirror.site.dates import text_date, utc_date
from mirror.site.extract import BlockedPage, extract, is_block_page, page_selector
from mirror.testing.pagebuild import Page, build_block_page, build_page

from .conftest import shared_path

SITE = "https://www.beehive.govt.nz"


def page(**fields) -> str:
    base = {"title": "Invented", "canonical": f"{SITE}/release/invented", "date_iso": "2019-03-27T22:20:36Z",
                "date_text": "28 March 2019", "body_html": "<p>Text.</p>"}
    return build_page(Page(**{**base, **fields}))


def test_utc_date_of_the_timestamp():
    assert utc_date("2019-03-27T22:20:36Z") == "2019-03-27"
    assert utc_date("2019-03-28T09:20:36+13:00") == "2019-03-27"
    assert utc_date("not a date") is None


def test_visible_date_fallback():
    assert text_date("28 March 2019") == "2019-03-28"
    assert text_date("") is None


def test_both_minister_shapes_and_no_traps():
    for linked in (True, False):
        doc = extract(page_selector(page(ministers=["Hon A Person", "Rt Hon B Person"],
                                         portfolios=["Finance", "Arts"], linked=linked)), f"{SITE}/release/invented")
        assert doc.ministers == ("Hon A Person", "Rt Hon B Person")
        assert doc.portfolios == ("Finance", "Arts")


def test_body_links_to_ministers_are_not_ministers():
    html = page(ministers=["Hon A Person"],
                body_html='<p>See <a href="/minister/hon-c-person">Hon C Person</a>.</p>')
    doc = extract(page_selector(html), f"{SITE}/release/invented")
    assert doc.ministers == ("Hon A Person",)
    assert doc.body == "See [Hon C Person](/minister/hon-c-person)."


def test_relative_attachments_become_absolute():
    doc = extract(page_selector(page(attachments=["/sites/default/files/x%20y.pdf"])), f"{SITE}/release/invented")
    assert doc.attachments == (f"{SITE}/sites/default/files/x%20y.pdf",)


def test_url_comes_from_the_canonical_link_not_the_fetched_address():
    html = page(canonical=f"{SITE}/release/m%C4%81ori-news")
    doc = extract(page_selector(html), f"{SITE}/node/1234")
    assert doc.url == f"{SITE}/release/maori-news"


def test_block_page_is_recognised():
    sel = page_selector(build_block_page())
    assert is_block_page(sel)
    with pytest.raises(BlockedPage):
        extract(sel, f"{SITE}/release/x")
    assert not is_block_page(page_selector(page()))


def test_real_block_pages_are_recognised():
    folder = shared_path("corpus", "blocked")
    pages = sorted(folder.glob("*.html"))
    assert pages
    for path in pages:
        assert is_block_page(page_selector(path.read_text(encoding="utf-8"))), path.name

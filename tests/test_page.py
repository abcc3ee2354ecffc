"""One fetched page → its document on disk (page.py), the work each page
takes in the crawl's pipeline or in a worker process."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from mirror.outcomes import NoDocument, Outcome
from mirror.site import page as page_module
from mirror.site.cut import page_html, page_html_from_bytes
from mirror.site.page import store_page, store_response
from mirror.testing.pagebuild import Page, build_block_page, build_page

from .conftest import shared_path

BLOCKED, BROKEN, EMPTY = NoDocument.BLOCKED, NoDocument.BROKEN, NoDocument.EMPTY
WRITTEN = Outcome.WRITTEN

SITE = "https://www.beehive.govt.nz"
URL = f"{SITE}/release/wetland-grants-announced"


def html(**fields) -> str:
    base = {"title": "Wetland grants announced", "canonical": URL, "date_iso": "2019-03-27T22:20:36Z",
            "date_text": "28 March 2019", "ministers": ["Hon Test Minister"],
            "body_html": "<p>Grants for “wetlands”.</p>"}
    return build_page(Page(**{**base, **fields}))


@pytest.mark.parametrize("body, content_type", [
    (html().encode("utf-8"), "text/html; charset=utf-8"),
    (html().encode("cp1252"), "text/html; charset=windows-1252"),
    (b"\xef\xbb\xbf" + html().encode("utf-8"), "text/html; charset=iso-8859-1"),  # the BOM wins
    (html().replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252"), "text/html"),
    (html().encode("utf-8")[:-40] + b"\xff\xfe broken", "text/html; charset=utf-8"),
    (html().encode("utf-16"), "text/html; charset=utf-16"),  # no ASCII bytes to find: decoded whole
    (html().replace("<main", "\u2019<main").replace("</head>", "\xe9</head>").encode("utf-8"), "text/html"),
    (html().encode("utf-8").replace(b"<main", b"\xff\xe2\x80<main").replace(b"</main>", b"\xc3</main>"),
     "text/html; charset=utf-8"),  # invalid bytes next to the markers
    (html(canonical=f"{SITE}/release/m\u0101ori-caf\u00e9").encode("utf-8"), "text/html; charset=utf-8"),
    (html().replace("<main", "<div").replace("</main>", "</div>").encode("utf-8"), "text/html; charset=utf-8"),
])
def test_the_page_is_cut_from_its_bytes_as_from_its_text(body, content_type):
    response = HtmlResponse(URL, body=body, headers={"Content-Type": content_type})
    assert page_html_from_bytes(response.body, response.encoding) == page_html(response.text)


def test_real_pages_are_cut_from_their_bytes_as_from_their_text():
    pages = sorted(shared_path("corpus", "pages").glob("*.html"))
    assert pages
    for path in pages:
        response = HtmlResponse(URL, body=path.read_bytes(), headers={"Content-Type": "text/html; charset=utf-8"})
        cut = page_html_from_bytes(response.body, response.encoding)
        assert cut == page_html(response.text), path.name
        assert len(cut) < len(response.text) / 10, path.name  # the frame is left out


def test_a_page_becomes_its_document(tmp_path):
    outcome = store_response(html().encode("utf-8"), "utf-8", URL, str(tmp_path))
    assert outcome.outcome == WRITTEN and outcome.path == "releases/2019/03/2019-03-27-wetland-grants-announced.md"
    written = (tmp_path / outcome.path).read_text(encoding="utf-8")
    assert written.startswith('---\ntitle: "Wetland grants announced"\ndate: 2019-03-27\n')
    assert written.endswith("Grants for “wetlands”.")


def test_pages_without_a_release_say_why(tmp_path):
    blocked = store_page(build_block_page(), URL, str(tmp_path))
    empty = store_page(html(title="", body_html=""), URL, str(tmp_path))
    assert (blocked.outcome, blocked.path) == (BLOCKED, "")
    assert (empty.outcome, empty.reason) == (EMPTY, "page has neither title nor body")
    assert not list(tmp_path.rglob("*.md"))


def test_an_extraction_error_fails_the_page_not_the_crawl(tmp_path, monkeypatch):
    def broken(sel, url):
        raise AttributeError("'NoneType' object has no attribute 'text'")
    monkeypatch.setattr(page_module, "extract", broken)
    outcome = store_page(html(), URL, str(tmp_path))
    assert outcome.outcome == BROKEN and not outcome.path
    assert outcome.reason == "extraction error: AttributeError: 'NoneType' object has no attribute 'text'"

"""Real-size pages for benchmarks: a generated page dressed in a saved real
page's frame (mirror/testing/frame.py) is the same release, at the real size."""

from __future__ import annotations

from mirror.outcomes import Outcome
from mirror.site.page import store_response
from mirror.testing.frame import Frame
from mirror.testing.pagebuild import Page, build_page

from .conftest import shared_path

SITE = "https://www.beehive.govt.nz"
URL = f"{SITE}/release/harbour-ferry-timetable-changes"
OTHER = f"{SITE}/release/frame-page-own-release"

# A frame of our own on the real page structure: its own release named in the
# head, trap links in the header and footer, a long footer.
FRAME = f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8" />
<meta property="og:title" content="The frame page's own release" />
<link rel="canonical" href="{OTHER}" />
<link rel="stylesheet" media="all" href="/themes/beehive/css/style.css" />
<title>The frame page's own release | Beehive.govt.nz</title>
</head>
<body class="path-node page-node-type-release">
<header><a href="/minister/hon-header-trap">Header minister</a></header>
<main role="main"><article><h1>The frame page's own release</h1><p>Not this text.</p></article></main>
<footer>{"<p>Footer filler paragraph.</p>" * 2000}<a href="/portfolio/footer-trap">Trap</a></footer>
</body>
</html>
""".encode()


def page() -> bytes:
    return build_page(Page(title="Harbour ferry timetable changes", canonical=URL, date_iso="2022-05-09T21:00:00Z",
                           date_text="10 May 2022", ministers=["Hon Example Person"], portfolios=["Transport"],
                           body_html="<p>Sailings move to <em>half past</em> the hour.</p>")).encode("utf-8")


def test_frame_keeps_only_what_is_not_its_own_release():
    frame = Frame.from_page(FRAME)
    assert b"style.css" in frame.head
    assert b"canonical" not in frame.head and b"og:title" not in frame.head and b"<title" not in frame.head
    assert b"hon-header-trap" in frame.before and b"footer-trap" in frame.after
    assert b"Not this text" not in frame.before + frame.after


def test_a_dressed_page_is_the_same_release(tmp_path):
    plain, dressed = page(), Frame.from_page(FRAME).dress(page())
    assert len(dressed) > len(plain) + 40_000
    first = store_response(plain, "utf-8", URL, str(tmp_path / "plain"))
    second = store_response(dressed, "utf-8", URL, str(tmp_path / "dressed"))
    assert first.outcome == second.outcome == Outcome.WRITTEN and first.path == second.path
    assert (tmp_path / "plain" / first.path).read_bytes() == (tmp_path / "dressed" / second.path).read_bytes()


def test_a_page_without_main_is_served_as_it_is():
    block = b"<html><head></head><body><iframe>Request unsuccessful.</iframe></body></html>"
    assert Frame.from_page(FRAME).dress(block) == block


def test_the_real_frame_gives_real_size_pages(tmp_path):
    frame = Frame.from_file(shared_path("corpus", "frame", "full-page-2026.html"))
    dressed = frame.dress(page())
    assert 320_000 < len(dressed) < 345_000
    outcome = store_response(dressed, "utf-8", URL, str(tmp_path))
    assert outcome.outcome == Outcome.WRITTEN
    text = (tmp_path / outcome.path).read_text(encoding="utf-8")
    assert "half past" in text and "search and rescue" not in text.lower()

"""The local replica as a client sees it: pages, listings, feeds, validators
and planned faults over plain HTTP; and pages built from archive documents."""

from __future__ import annotations

import email.utils
import http.client
import re
import selectors
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

import pytest
from parsel import Selector

from mirror.archive.document import Document, render
from mirror.site.extract import extract, page_selector
from mirror.testing.pagebuild import Page, build_page, main as pagebuild_main, markdown_to_html, page_from_document
from mirror.testing.replica import Site, make_server

from .conftest import REPO, Replica, stop

SITE = "https://www.beehive.govt.nz"
BASE = datetime(2024, 7, 1, 20, 15, tzinfo=UTC)
WORDS = ("tui kea kaka ruru weka pukeko takahe kiwi kereru piwakawaka korimako kotare "
         "titipounamu toutouwai hihi kokako tieke matuku kotuku").split()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # let the test see the 301 itself


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body) of one request; errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def body_text(n: int, words: int = 40) -> str:
    return " ".join(WORDS[(n + i) % len(WORDS)] for i in range(words))


def release(n: int, moment: datetime | None, **fields) -> Page:
    base = {
        "title": f"Invented release number {n}",
        "canonical": f"{SITE}/release/invented-release-{n:02d}",
        "date_iso": moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None,
        "date_text": f"{(moment + timedelta(hours=12)).day} July 2024" if moment else "",
        "ministers": ["Hon Invented Person"], "portfolios": ["Imaginary Affairs"],
        "body_html": f"<p>{body_text(n)}</p>", "linked": True,
    }
    return Page(**{**base, **fields})


# 23 releases an hour apart (two sharing one timestamp), a release dated in
# words only, a non-ASCII slug, a speech and a page with no alias.
def _site_pages() -> dict[str, Page]:
    pages = {f"r{n:02d}": release(n, BASE + timedelta(hours=n)) for n in range(23)}
    pages["r07"] = release(7, BASE + timedelta(hours=8))  # ties with r08: path order decides
    pages["words"] = release(90, None, canonical=f"{SITE}/release/dated-in-words-only",
                             title="Dated in words only", date_text="1 July 2024", linked=False)
    pages["maori"] = release(91, BASE + timedelta(hours=30), title="Hui ā-motu at Ōtautahi",
                             canonical=f"{SITE}/release/hui-%C4%81-motu-%C5%8Dtautahi")
    pages["speech"] = release(92, BASE + timedelta(hours=40), title="An invented speech",
                              canonical=f"{SITE}/speech/invented-speech", kind="speech")
    pages["node"] = release(93, BASE + timedelta(hours=41), title="No alias", canonical=f"{SITE}/node/424242")
    return pages


PAGES = _site_pages()


def expected_release_order() -> list[str]:
    """Listed paths, newest first, ties by path (the words-only page at NZ midnight)."""
    keyed = []
    for page in PAGES.values():
        path = page.canonical[len(SITE):]
        if not path.startswith("/release/"):
            continue
        moment = (datetime.fromisoformat(page.date_iso.replace("Z", "+00:00")) if page.date_iso
                  else datetime(2024, 6, 30, 12, tzinfo=UTC))
        keyed.append((-moment.timestamp(), path))
    return [path for _, path in sorted(keyed)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replica") / "site"
    folder.mkdir()
    server = Replica(folder)
    for name, page in PAGES.items():
        server.add(name, page)
    yield server
    server.close()


def listing(site, page: int | None = None) -> Selector:
    status, headers, body = get(site.origin + "/releases" + ("" if page is None else f"?page={page}"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    return Selector(text=body.decode("utf-8"))


ITEMS = "div.view-content article"


# --- listings ------------------------------------------------------------------

def test_listing_pages_cover_every_release_newest_first(site):
    expected = expected_release_order()
    assert len(expected) == 25
    seen = []
    for number in range(3):
        sel = listing(site, number)
        hrefs = sel.css(f'{ITEMS} h2 > a[href^="/release/"]::attr(href)').getall()
        assert len(hrefs) == (10 if number < 2 else 5)
        seen.extend(hrefs)
    assert seen == expected
    assert listing(site).css(f"{ITEMS} h2 > a::attr(href)").getall() == expected[:10]  # no ?page: page 0
    assert seen.index("/release/invented-release-07") == seen.index("/release/invented-release-08") - 1


def test_page_past_the_end_is_empty_but_found(site):
    sel = listing(site, 7)
    assert sel.css("article") == []
    assert sel.css(".view-empty")
    assert not sel.css('a[rel="next"]')
    assert listing(site, 2).css('a[rel="prev"]::attr(href)').get() == "?page=1"
    assert listing(site, 0).css('a[rel="next"]::attr(href)').get() == "?page=1"


def test_listing_item_structure(site):
    sel = listing(site, 0)
    items = sel.css(ITEMS)
    assert len(items) == 10 and len(sel.css("article")) == 10  # the frame holds no article
    first = items[0]
    assert first.css("time::attr(datetime)").get() == "2024-07-03T02:15:00Z"  # the non-ASCII page, hour 30
    assert first.css("time::text").get() == "3 July 2024"
    assert first.css("h2 > a::text").get() == "Hui ā-motu at Ōtautahi"
    assert first.css("h2 > a::attr(href)").get() == "/release/hui-%C4%81-motu-%C5%8Dtautahi"
    summary = first.css("p::text").get()
    assert summary.startswith(body_text(91, 30)) and summary.endswith("…")
    assert first.css('a[href^="/minister/"]::text').getall() == ["Hon Invented Person"]
    assert first.css('a[href^="/portfolio/"]::text').getall() == ["Imaginary Affairs"]
    # The header's menus are traps: a scraper taking every minister link gets them.
    assert "Hon Menu Trap" in sel.css('option[value*="/minister/"]::text').getall()
    assert "Hon Menu Trap" not in items.css("::text").getall()
    assert all(item.css('time::attr(datetime)').re(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$") for item in items)


def test_item_without_datetime_keeps_its_visible_date(site):
    words = None
    for number in range(3):
        for item in listing(site, number).css(ITEMS):
            if item.css("h2 > a::attr(href)").get() == "/release/dated-in-words-only":
                words = item
    assert words is not None
    assert words.css("time::text").get() == "1 July 2024"
    assert words.css("time[datetime]") == []
    # an archived-era page: names without links, as on the page itself
    assert words.css("em.tag--minister span.is-archived::text").get() == "Hon Invented Person"


def test_speeches_and_unaliased_nodes_are_not_listed(site):
    hrefs = [href for number in range(3) for href in listing(site, number).css(f"{ITEMS} h2 a::attr(href)").getall()]
    assert "/speech/invented-speech" not in hrefs and "/node/424242" not in hrefs


def test_listing_follows_changes_to_the_folder(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    server = Replica(folder)
    try:
        server.add("one", release(1, BASE))
        assert len(listing(server, 0).css(ITEMS)) == 1
        server.add("two", release(2, BASE + timedelta(days=1), title="Added later"))
        assert listing(server, 0).css(f"{ITEMS} h2 a::text").getall() == ["Added later", "Invented release number 1"]
        (folder / "two.html").unlink()
        assert listing(server, 0).css(f"{ITEMS} h2 a::text").getall() == ["Invented release number 1"]
        server.add("one", release(1, BASE, title="Retitled in place"))  # the folder itself is unchanged
        assert listing(server, 0).css(f"{ITEMS} h2 a::text").getall() == ["Retitled in place"]
    finally:
        server.close()


# --- feeds -------------------------------------------------------------------------

def feed(site, path: str) -> ET.Element:
    status, headers, body = get(site.origin + path)
    assert status == 200
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root


def test_releases_feed_is_rss_with_the_newest_ten(site):
    root = feed(site, "/releases/feed")
    items = root.findall("./channel/item")
    assert len(items) == 10
    links = [item.findtext("link") for item in items]
    assert links == [SITE + path for path in expected_release_order()[:10]]
    first = items[0]
    assert first.findtext("title") == "Hui ā-motu at Ōtautahi"
    assert first.findtext("guid") == SITE + "/release/hui-%C4%81-motu-%C5%8Dtautahi"
    assert first.findtext("description").startswith("<p>" + body_text(91, 30))  # escaped HTML, as Drupal's
    for item in items:
        for field in ("title", "link", "pubDate", "description", "guid"):
            assert item.find(field) is not None, field
    published = email.utils.parsedate_to_datetime(first.findtext("pubDate"))
    assert published == datetime(2024, 7, 3, 2, 15, tzinfo=UTC)
    assert root.findtext("./channel/link") == SITE + "/releases"


def test_speeches_feed_lists_speeches_only(site):
    items = feed(site, "/speeches/feed").findall("./channel/item")
    assert [item.findtext("link") for item in items] == [SITE + "/speech/invented-speech"]


# --- validators ------------------------------------------------------------------------

def test_not_modified_on_etag_and_on_date(site):
    url = site.origin + "/release/invented-release-03"
    status, headers, body = get(url)
    assert status == 200 and b"Invented release number 3" in body
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag and modified
    assert get(url, {"If-None-Match": etag})[0] == 304
    assert get(url, {"If-None-Match": '"something-else"'})[0] == 200
    assert get(url, {"If-Modified-Since": modified})[0] == 304
    assert get(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    # generated pages carry validators too
    status, headers, _ = get(site.origin + "/releases?page=1")
    assert get(site.origin + "/releases?page=1", {"If-None-Match": headers["ETag"]})[0] == 304
    status, headers, _ = get(site.origin + "/releases/feed")
    assert get(site.origin + "/releases/feed", {"If-Modified-Since": headers["Last-Modified"]})[0] == 304


def test_no_validators_option(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.html").write_text(build_page(release(1, BASE)), encoding="utf-8")
    server = make_server(Site(folder, None, "404", validators=False))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    try:
        for path in ("/release/invented-release-01", "/releases", "/releases/feed"):
            status, headers, _ = get(origin + path, {"If-None-Match": "*",
                                                     "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
            assert status == 200, path
            assert "ETag" not in headers and "Last-Modified" not in headers
    finally:
        server.shutdown()
        server.server_close()


def test_module_command_serves_with_no_validators(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.html").write_text(build_page(release(1, BASE)), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "mirror.testing.replica", str(folder), "--port", "0",
                                "--no-validators"],
                               cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the replica said nothing in 30 s"
        line = process.stdout.readline()  # printed whole, with its newline
        assert line.startswith("serving 1 pages"), line
        origin = line.split(" at ")[1].split()[0]
        status, headers, body = get(origin + "/releases")
        assert status == 200 and "ETag" not in headers
        assert Selector(text=body.decode()).css(f'{ITEMS} h2 > a[href="/release/invented-release-01"]')
    finally:
        process.terminate()
        stop(process)


# --- planned faults --------------------------------------------------------------------

def test_status_faults(site):
    site.plan({
        "/release/invented-release-01": {"status": 404},
        "/release/invented-release-02": {"status": 410},
        "/release/invented-release-04": {"status": 301, "location": "/release/invented-release-05"},
        "/release/invented-release-06": {"status": 500, "times": 2},
        "/releases?page=2": {"status": 503},
    })
    try:
        assert get(site.origin + "/release/invented-release-01")[0] == 404
        assert get(site.origin + "/release/invented-release-02")[0] == 410
        status, headers, _ = get(site.origin + "/release/invented-release-04")
        assert status == 301 and headers["Location"] == "/release/invented-release-05"
        answers = [get(site.origin + "/release/invented-release-06")[0] for _ in range(3)]
        assert answers == [500, 500, 200]
        assert get(site.origin + "/releases?page=2")[0] == 503
        assert get(site.origin + "/releases?page=1")[0] == 200
    finally:
        site.plan({})


def test_delay_block_and_drop_faults(site):
    site.plan({
        "/release/invented-release-09": {"delay": 0.6},
        "/release/invented-release-10": {"block": True},
        "/release/invented-release-11": {"drop": True},
    })
    try:
        started = time.monotonic()
        status, _, body = get(site.origin + "/release/invented-release-09")
        assert status == 200 and time.monotonic() - started >= 0.6
        assert b"Invented release number 9" in body
        status, _, body = get(site.origin + "/release/invented-release-10")
        assert status == 200 and b"_Incapsula_Resource" in body and b"<article" not in body
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            get(site.origin + "/release/invented-release-11")
        # the connection was accepted, then closed: not a refusal
        connection = http.client.HTTPConnection("127.0.0.1", int(site.origin.rsplit(":", 1)[1]), timeout=5)
        connection.connect()
        connection.request("GET", "/release/invented-release-11")
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            connection.getresponse()
        connection.close()
        assert get(site.origin + "/release/invented-release-12")[0] == 200  # the server lives on
    finally:
        site.plan({})


# --- transliterated URLs -------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["404", "redirect", "serve"])
def test_transliterated_url_modes(tmp_path, mode):
    folder = tmp_path / "site"
    folder.mkdir()
    server = Replica(folder, transliterated=mode)
    try:
        server.add("maori", PAGES["maori"])
        real = "/release/hui-%C4%81-motu-%C5%8Dtautahi"
        assert get(server.origin + real)[0] == 200
        status, headers, body = get(server.origin + "/release/hui-a-motu-otautahi")
        if mode == "404":
            assert status == 404
        elif mode == "redirect":
            assert status == 301 and headers["Location"] == real
        else:
            assert status == 200 and "Hui ā-motu at Ōtautahi".encode() in body
    finally:
        server.close()


# Real addresses keep every non-ASCII character (docs/site.md): macrons, curly
# quotes, U+200B runs, a trailing U+00A0.  Invented slugs of that shape.
ODD_ADDRESSES = {
    "macron": "/release/ng%C4%81-invented-%E2%80%98kaupapa%E2%80%99-r%C5%8Dpu",
    "nbsp": "/release/invented-variant-%E2%80%93-update-omicron%C2%A0",
    "zwsp": "/release/invented%E2%80%8B%E2%80%8B-spacing-notice",
}


def raw_get(origin: str, target: bytes) -> tuple[int, dict, bytes]:
    """A request whose target is sent byte for byte (urllib refuses raw
    non-ASCII): (status, headers, body)."""
    host, port = origin.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def spellings(path: str) -> dict[str, bytes]:
    """The ways a client may send one address."""
    upper = re.sub("%[0-9a-f]{2}", lambda m: m[0].upper(), path)
    lower = re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(), path)
    raw = unquote(path).encode("utf-8")  # a browser's address bar, every character raw
    # the first non-ASCII character encoded, the others raw
    text = unquote(path)
    first = next(i for i, ch in enumerate(text) if not ch.isascii())
    mixed = (text[:first] + quote(text[first]) + text[first + 1:]).encode("utf-8")
    return {"upper": upper.encode(), "lower": lower.encode(), "raw": raw, "mixed": mixed}


@pytest.fixture(scope="module")
def odd_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("odd") / "site"
    folder.mkdir()
    server = Replica(folder)
    for number, (name, path) in enumerate(ODD_ADDRESSES.items()):
        server.add(name, release(60 + number, BASE + timedelta(days=number), title=f"Odd address {name}",
                                 canonical=SITE + path))
    server.add("node", release(70, BASE, title="An invented page with no alias", canonical=f"{SITE}/node/987654"))
    yield server
    server.close()


@pytest.mark.parametrize("name", list(ODD_ADDRESSES))
@pytest.mark.parametrize("spelling", ["upper", "lower", "raw", "mixed"])
def test_non_ascii_address_served_in_every_spelling(odd_site, name, spelling):
    target = spellings(ODD_ADDRESSES[name])[spelling]
    if spelling == "lower":
        assert target != ODD_ADDRESSES[name].encode()
    if spelling in ("raw", "mixed"):
        assert not target.isascii()
    status, _, body = raw_get(odd_site.origin, target)
    assert status == 200, target
    assert f"Odd address {name}".encode() in body


def test_non_ascii_address_counted_as_sent(odd_site):
    path = ODD_ADDRESSES["macron"]
    odd_site.site.hits.clear()
    for target in spellings(path).values():
        raw_get(odd_site.origin, target)
    # raw bytes are counted as the %XX they stand for: one key for upper, raw and mixed
    assert odd_site.site.hits[path] == 3
    assert odd_site.site.hits[spellings(path)["lower"].decode()] == 1


def test_a_different_address_is_still_a_miss(odd_site):
    assert raw_get(odd_site.origin, ODD_ADDRESSES["nbsp"][:-len("%C2%A0")].encode())[0] == 404  # without the U+00A0
    assert raw_get(odd_site.origin, ODD_ADDRESSES["zwsp"].replace("%E2%80%8B", "", 1).encode())[0] == 404  # one U+200B
    assert raw_get(odd_site.origin, b"/release/ng%C4%81-invented-%E2%80%98kaupapa%E2%80%99-r%C5%8Dp")[0] == 404


def test_archive_forms_are_404_by_default(odd_site):
    for archive_form in ("/release/nga-invented-kaupapa-ropu", "/release/invented-variant--update-omicron",
                         "/release/invented-spacing-notice", "/release/987654"):
        assert odd_site.site.lookup(archive_form)[1], archive_form  # it is an alias...
        assert get(odd_site.origin + archive_form)[0] == 404, archive_form  # ...answered 404


def test_node_page_served_at_its_node_path(odd_site):
    status, _, body = get(odd_site.origin + "/node/987654")
    assert status == 200 and b"An invented page with no alias" in body
    assert get(odd_site.origin + "/node/987655")[0] == 404


@pytest.mark.parametrize("mode", ["redirect", "serve"])
def test_node_archive_form_follows_the_option(tmp_path, mode):
    folder = tmp_path / "site"
    folder.mkdir()
    server = Replica(folder, transliterated=mode)
    try:
        server.add("node", release(70, BASE, title="An invented page with no alias", canonical=f"{SITE}/node/987654"))
        server.add("nbsp", release(61, BASE, title="Odd address nbsp", canonical=SITE + ODD_ADDRESSES["nbsp"]))
        for archive_form, real, title in (("/release/987654", "/node/987654", b"An invented page with no alias"),
                                          ("/release/invented-variant--update-omicron", ODD_ADDRESSES["nbsp"],
                                           b"Odd address nbsp")):
            status, headers, body = get(server.origin + archive_form)
            if mode == "redirect":
                assert status == 301 and headers["Location"] == real
            else:
                assert status == 200 and title in body
    finally:
        server.close()


def test_fault_plan_matches_any_spelling(odd_site):
    path = ODD_ADDRESSES["macron"]
    odd_site.plan({path.lower(): {"status": 410}})
    try:
        for target in spellings(path).values():
            assert raw_get(odd_site.origin, target)[0] == 410, target
        assert raw_get(odd_site.origin, ODD_ADDRESSES["zwsp"].encode())[0] == 200
    finally:
        odd_site.plan({})


# --- pages from archive documents -------------------------------------------------------------

DOCS = [
    Document(title="Invented ferry timetable restored", date="2024-03-05",
             url=f"{SITE}/release/invented-ferry-timetable-restored",
             ministers=("Hon Example Minister", "Rt Hon Sample Leader"),
             portfolios=("Transport", "Regional Development"),
             attachments=(f"{SITE}/sites/default/files/2024-03/timetable.pdf",),
             body="Sailings resume on **Monday**.\n\n- Morning run\n- Evening run\n\n"
                  "See [the notice](/release/other)."),
    Document(title="An archived invented announcement", date="2009-11-20",
             url=f"{SITE}/release/archived-invented-announcement",
             ministers=("Jane Placeholder",), portfolios=("Arts, Culture and Heritage",),
             body="### Background\n\nA *short* note & a <tag>."),
    Document(title="Undated invented page", url=f"{SITE}/release/undated-invented-page", body="Only text."),
    Document(title="Invented speech to a conference", date="2019-03-27",
             url=f"{SITE}/speech/invented-speech-conference", ministers=("Hon Speaker Person",), body="Kia ora."),
]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.url.rsplit("/", 1)[-1])
@pytest.mark.parametrize("linked", [None, True, False])
def test_page_from_document_extracts_back(doc, linked):
    html = build_page(page_from_document(doc, linked=linked))
    got = extract(page_selector(html), doc.url)
    for field in ("title", "date", "url", "ministers", "portfolios", "attachments"):
        assert getattr(got, field) == getattr(doc, field), field


def test_page_from_document_fills_the_real_structure():
    page = page_from_document(DOCS[0])
    assert page.linked and page.date_iso == "2024-03-05T00:00:00Z" and page.date_text == "5 March 2024"
    assert page.canonical == DOCS[0].url and page.kind == "article"
    assert not page_from_document(DOCS[1]).linked
    assert page_from_document(DOCS[1], linked=True).linked
    undated = page_from_document(DOCS[2])
    assert undated.date_iso is None and undated.date_text == ""
    assert page_from_document(DOCS[3]).kind == "speech"
    sel = Selector(text=build_page(page))
    assert sel.css('article a.minister__link[href="/minister/hon-example-minister"]')
    assert sel.css("div.field--name-body ul > li::text").getall() == ["Morning run", "Evening run"]


def test_markdown_body_rendering():
    html = markdown_to_html("# Title\n\nA **bold** and *italic* [link](/x) \\* & <b>\nnext line\\\nbroken\n\n"
                            "- one\n- two\n\n1. first\n2. second\n\n> quoted")
    assert html == ("<h1>Title</h1>\n"
                    '<p>A <strong>bold</strong> and <em>italic</em> <a href="/x">link</a> * &amp; &lt;b&gt;\n'
                    "next line<br>broken</p>\n"
                    "<ul><li>one</li><li>two</li></ul>\n"
                    "<ol><li>first</li><li>second</li></ol>\n"
                    "<blockquote><p>quoted</p></blockquote>")


def test_pagebuild_command_writes_pages_the_replica_serves(tmp_path, capsys):
    seeds, out = tmp_path / "seeds", tmp_path / "pages"
    for number, doc in enumerate(DOCS):
        path = seeds / "releases" / f"{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(doc), encoding="utf-8")
    (seeds / "releases" / "9-duplicate.md").write_text(render(DOCS[0]), encoding="utf-8")
    (seeds / "broken.md").write_text("no front matter", encoding="utf-8")
    assert pagebuild_main([str(seeds), str(out)]) == 0
    assert "4 pages written" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == sorted(d.url.rsplit("/", 1)[-1] + ".html" for d in DOCS)
    # --limit counts files in sorted path order: broken.md, releases/0.md, releases/1.md
    assert pagebuild_main([str(seeds), str(tmp_path / "two"), "--limit", "3"]) == 0
    assert len(list((tmp_path / "two").iterdir())) == 2

    server = Replica(out)
    try:
        status, _, body = get(server.origin + "/release/invented-ferry-timetable-restored")
        assert status == 200 and b"Sailings resume" in body
        titles = listing(server, 0).css(f"{ITEMS} h2 a::text").getall()
        assert titles == ["Invented ferry timetable restored", "An archived invented announcement",
                          "Undated invented page"]
        assert [i.findtext("title") for i in feed(server, "/speeches/feed").findall("./channel/item")] == [
            "Invented speech to a conference"]
    finally:
        server.close()

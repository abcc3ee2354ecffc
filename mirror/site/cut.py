"""A release page cut down to what extraction reads: its `<main>` and its
canonical link.  Pure, and light to import: the crawl's own process cuts
pages before handing them to extraction workers (`crawl.pipelines`)."""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_to_unicode, http_content_type_encoding, read_bom

# ASCII rules only, so that the same pattern reads the bytes of a page.
_CANONICAL_TAG = re.compile(r"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>", re.I | re.A)
_CANONICAL_TAG_BYTES = re.compile(_CANONICAL_TAG.pattern.encode("ascii"), re.I)


def page_html(html: str, whole_head: bool = False) -> str:
    """The page cut down to its `<main>` and its canonical link only (or
    its whole head): the frame around them is a few hundred kB that
    extraction never reads.  The whole page when it has no `<main>`."""
    head_end = html.find("</head>")
    start = html.find("<main", max(head_end, 0))
    end = html.find("</main>", start)
    if head_end < 0 or start < 0 or end < 0:
        return html
    if whole_head:
        return f"{html[:head_end]}</head><body>{html[start:end + 7]}</body></html>"
    link = _CANONICAL_TAG.search(html, 0, head_end)
    return _cut(link.group(0) if link else "", html[start:end + 7])


def _cut(link: str, main: str) -> str:
    return f"<html><head>{link}</head><body>{main}</body></html>"


def page_html_from_bytes(body: bytes, encoding: str) -> str:
    """`page_html` of the body as Scrapy's `response.text` decodes it
    (`encoding` is `response.encoding`), decoding only the parts kept.

    The site's pages are UTF-8, and some 330 kB of which about 3 kB are
    `<main>`: decoding all of it cost more than the extraction.  In UTF-8
    an ASCII byte is always that character (never part of another, even
    among invalid bytes), so the markers are found in the bytes at the
    places they have in the text.  Any other encoding is decoded whole."""
    declared, bom = read_bom(body)
    if declared is None or bom is None:
        declared, bom = http_content_type_encoding(f"charset={encoding}"), b""
    if declared is None or codecs.lookup(declared).name != "utf-8":
        return page_html(html_to_unicode(f"charset={encoding}", body)[1])
    head_end = body.find(b"</head>")
    start = body.find(b"<main", max(head_end, 0))
    end = body.find(b"</main>", start)
    if head_end < 0 or start < 0 or end < 0:
        return body[len(bom):].decode("utf-8", "replace")
    link = _CANONICAL_TAG_BYTES.search(body, 0, head_end)
    return _cut(link.group(0).decode("utf-8", "replace") if link else "",
                body[start:end + 7].decode("utf-8", "replace"))

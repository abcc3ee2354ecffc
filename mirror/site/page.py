"""One fetched page → its document on disk: the steps every page takes,
in the crawl (in process or in worker processes) and in `mirror reparse`.

Pure apart from the write, and cheap to ship to another process: the
response's bytes in, a small `PageOutcome` out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from parsel import Selector

from mirror.archive.document import holds_a_release, normalise
from mirror.archive.store import UnsafePath, write_document
from mirror.outcomes import NoDocument, Outcome
from mirror.site.cut import page_html, page_html_from_bytes
from mirror.site.extract import extract, is_block_page


@dataclass(frozen=True)
class PageOutcome:
    outcome: Outcome | NoDocument  # WRITTEN or UNCHANGED, or why there is no document
    path: str = ""          # the document, relative to the output folder
    sha1: str = ""
    reason: str = ""
    normalised: bool = False  # normalisation changed what the extractor gave
    size: int = 0           # the document's length in bytes


def store_response(body: bytes, encoding: str, url: str, output_dir: str,
                   expected: tuple[str, ...] | None = None) -> PageOutcome:
    """`store_page` on a response's bytes: decoding is part of the page's
    work, done where the rest of it is done, and only for the parts
    extraction reads (`cut.page_html_from_bytes`)."""
    return _store(lambda: page_html_from_bytes(body, encoding), url, output_dir, expected)


def store_cut(cut: str, url: str, output_dir: str, expected: tuple[str, ...] | None = None) -> PageOutcome:
    """`store_page` on a page already cut (`cut.page_html`): what an
    extraction worker is sent, some 3 kB instead of the 330 kB page."""
    return _store(lambda: cut, url, output_dir, expected)


def store_page(html: str, url: str, output_dir: str, expected: tuple[str, ...] | None = None) -> PageOutcome:
    """Extract the release on the page at `url` (its real address), and write
    it under `output_dir` unless the same bytes are already there.

    `expected` holds the archive urls the requested release may have; a page
    whose canonical link names any other release is not written, so that a
    page can never overwrite another release's document."""
    return _store(lambda: page_html(html), url, output_dir, expected)


def _store(cut: Callable[[], str], url: str, output_dir: str, expected: tuple[str, ...] | None) -> PageOutcome:
    try:
        sel = Selector(text=cut())
        if is_block_page(sel):
            return PageOutcome(NoDocument.BLOCKED, reason="the bot wall answered instead of the page")
        doc = extract(sel, url)
        if not holds_a_release(doc):
            return PageOutcome(NoDocument.EMPTY, reason="page has neither title nor body")
        tidy = normalise(doc)
        if expected is not None and tidy.url not in expected:
            return PageOutcome(NoDocument.OTHER_RELEASE, reason=f"page names another release: {tidy.url}")
    except Exception as exc:  # noqa: BLE001 - a page no rule foresaw: one failed page, not a failed crawl
        return PageOutcome(NoDocument.BROKEN, reason=f"extraction error: {type(exc).__name__}: {exc}")
    try:
        written = write_document(output_dir, tidy)
    except UnsafePath as exc:
        return PageOutcome(NoDocument.UNSAFE, reason=str(exc))
    except OSError as exc:
        return PageOutcome(NoDocument.WRITE_ERROR, reason=f"cannot write: {exc}")
    return PageOutcome(written.outcome, written.path, written.sha1, normalised=tidy != doc, size=written.size)

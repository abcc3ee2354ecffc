"""One fetched page → its document on disk: the steps every page takes,
in the crawl (in process or in worker processes) and in `mirror reparse`.

Pure apart from the write, and cheap to ship to another process: text in,
a small `PageOutcome` out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .document import holds_a_release, normalise
from .extract import extract, is_block_page, page_selector
from .store import UnsafePath, write_document

BLOCKED, EMPTY, UNSAFE, WRITE_ERROR = "blocked", "empty", "unsafe id", "write error"


@dataclass(frozen=True)
class PageOutcome:
    outcome: str            # store.WRITTEN or store.UNCHANGED, or why there is no document
    path: str = ""          # the document, relative to the output folder
    sha1: str = ""
    reason: str = ""
    normalised: bool = False  # normalisation changed what the extractor gave


def store_page(html: str, url: str, output_dir: str) -> PageOutcome:
    """Extract the release on the page at `url` (its real address), and write
    it under `output_dir` unless the same bytes are already there."""
    sel = page_selector(html)
    if is_block_page(sel):
        return PageOutcome(BLOCKED, reason="the bot wall answered instead of the page")
    doc = extract(sel, url)
    if not holds_a_release(doc):
        return PageOutcome(EMPTY, reason="page has neither title nor body")
    tidy = normalise(doc)
    try:
        written = write_document(output_dir, tidy)
    except UnsafePath as exc:
        return PageOutcome(UNSAFE, reason=str(exc))
    except OSError as exc:
        return PageOutcome(WRITE_ERROR, reason=f"cannot write: {exc}")
    return PageOutcome(written.outcome, written.path, written.sha1, normalised=tidy != doc)

"""The site's URLs and their archive form: what an archive file's `url` is.

The archive writes a release's address in its ID-rule form (docs/format.md):
the last path segment percent-decoded, accents stripped, every other non-ASCII
character dropped.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit

SITE = "https://www.beehive.govt.nz"
SITE_HOSTS = frozenset({"www.beehive.govt.nz", "beehive.govt.nz"})


def is_site_url(url: str) -> bool:
    if url.startswith(SITE + "/"):
        return True
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # an unbalanced "[" and the like: not a URL of the site
        return False
    return parts.scheme in ("http", "https") and host in SITE_HOSTS


def canonical_site_url(url: str) -> str:
    """The URL on https://www.beehive.govt.nz, whichever host or scheme it named."""
    if url.startswith(SITE + "/") and "#" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit(("https", "www.beehive.govt.nz", parts.path or "/", parts.query, ""))


def ascii_slug(segment: str) -> str:
    """The archive's id rule: percent-decode, strip accents, drop non-ASCII."""
    if segment.isascii() and "%" not in segment:
        return segment  # nearly every slug: nothing to decode or drop
    decomposed = unicodedata.normalize("NFD", unquote(segment))
    return "".join(ch for ch in decomposed if ch.isascii())


def _path(url: str) -> str:
    if url.startswith(SITE + "/") and "?" not in url and "#" not in url:
        return url[len(SITE):]
    return urlsplit(url).path


def archive_id(url: str) -> str:
    return ascii_slug(_path(url).rsplit("/", 1)[-1])


def unsafe_id_reason(url: str) -> str | None:
    """Why the document id of `url` cannot name a file, or None: an id that
    decodes to a path (`..%2F..%2Fetc` is `../../etc`), or to nothing."""
    doc_id = archive_id(url)
    if not doc_id or doc_id in (".", "..") or "/" in doc_id or "\\" in doc_id or ".." in doc_id or "\0" in doc_id:
        return f"unsafe document id {doc_id!r} in {url}"
    return None


def kind_of(url: str) -> str:
    """'speech' for /speech/ pages; every other page is archived as a release."""
    return "speech" if _path(url).startswith("/speech/") else "release"


def archive_url(url: str) -> str:
    """The `url` field the archive writes for a page at `url` (its canonical link)."""
    return f"{SITE}/{kind_of(url)}/{archive_id(url)}"


def is_transliterated(real_url: str) -> bool:
    """True when the archive form of `real_url` is not the address itself."""
    return archive_url(real_url) != canonical_site_url(real_url)

"""The replica origin: requests may go to another origin (`MIRROR_ORIGIN`, a
local replica) with the same path and query; responses are mapped back
before anyone sees their URL, so documents, logs and stats always name the
real site.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def to_origin(real_url: str, origin: str | None) -> str:
    """Where to fetch `real_url` from: the replica when one is set."""
    if not origin:
        return real_url
    base = urlsplit(origin)
    parts = urlsplit(real_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def from_origin(fetched_url: str, origin: str | None) -> str:
    """The real-site URL for a URL fetched from `origin` (identity without one)."""
    if not origin:
        return fetched_url
    base = urlsplit(origin)
    parts = urlsplit(fetched_url)
    if parts.netloc != base.netloc:
        return fetched_url
    return urlunsplit(("https", "www.beehive.govt.nz", parts.path, parts.query, ""))

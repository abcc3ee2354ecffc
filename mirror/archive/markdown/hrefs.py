"""Link and image targets as the library writes them (docs/format.md, "Links
and images").

The library passes every href and src through Go's `url.Parse(...).String()`
and re-encodes the query.  An ordinary URL comes out exactly as written,
relative ones included, but `?q=node/1` becomes `?q=node%2F1`, a space in a
path becomes `%20`, and a URL Go refuses to parse is kept as it was.  This
module redoes Go's parse-and-print for the cases the pages hold.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote as _quote, unquote as _unquote

from .whitespace import GO_SPACE

__all__ = ["assemble_url"]

_UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")
_VALID_RAW = frozenset("!$&'()*+,;=:@[]%")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Characters that would end or break the markdown link: encoded last.
_PERCENT_ENCODE = str.maketrans({" ": "%20", "[": "%5B", "]": "%5D", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})


class _BadURL(ValueError):
    """Go's url.Parse would fail: the library keeps the raw string."""


def _should_escape(c: str, mode: str) -> bool:
    """Go's net/url shouldEscape for an ASCII character in a part of the URL."""
    if c in _UNRESERVED:
        return False
    if mode == "host" and c in "!$&'()*+,;=:[]<>\"":
        return False
    if c in "$&+,/:;=?@":
        return mode == "path" and c == "?"
    return not (mode == "fragment" and c in "!()*")


def _go_escape(s: str, mode: str) -> str:
    """Re-encode a decoded URL part unless its raw form was already valid (Go keeps it then)."""
    if _BAD_PERCENT.search(s):
        raise _BadURL(s)
    if all(c in _VALID_RAW or not _should_escape(c, mode) for c in s):
        return s
    out = []
    for c in _unquote(s, errors="surrogateescape"):
        if c in _UNRESERVED or (ord(c) < 0x80 and not _should_escape(c, mode)):
            out.append(c)
        else:
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogateescape")))
    return "".join(out)


def _encode_query(query: str) -> str:
    """Each key and value of the query decoded and re-encoded, in the order written."""

    def recode(s: str) -> str:
        if _BAD_PERCENT.search(s):
            return s
        return _quote(_unquote(s.replace("+", " "), errors="surrogateescape"), safe="-_.~", errors="surrogateescape")

    parts = []
    for part in query.split("&"):
        key, eq, value = part.partition("=")
        parts.append(recode(key) + (eq + recode(value) if value else eq))
    return "&".join(parts)


def _go_url_string(raw: str) -> str:
    """Go's url.Parse(raw).String(); raises _BadURL where Parse fails."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise _BadURL(raw)
    rest, _, fragment = raw.partition("#")
    scheme = ""
    m = _SCHEME.match(rest)
    if m:
        scheme = m.group()[:-1].lower()
        rest = rest[m.end():]
    elif rest.startswith(":"):
        raise _BadURL(raw)
    force_query = rest.endswith("?") and rest.count("?") == 1
    rest, _, query = rest.partition("?")
    out = scheme + ":" if scheme else ""
    if scheme and not rest.startswith("/"):
        out += rest  # opaque, as in mailto:
    else:
        host = ""
        if rest.startswith("//") and (scheme or not rest.startswith("///")):
            authority, slash, path = rest[2:].partition("/")
            rest = slash + path
            userinfo, at, host = authority.rpartition("@")
            port = host.rpartition(":")[2] if ":" in host and not host.startswith("[") else ""
            if (port and not port.isdigit()) or any(ord(c) < 0x80 and _should_escape(c, "host") and c != "%"
                                                    for c in host):
                raise _BadURL(raw)
            out += "//" + (userinfo + "@" if at else "") + _go_escape(host, "host")
        elif not scheme and ":" in rest.partition("/")[0]:
            raise _BadURL(raw)
        rest = _go_escape(rest, "path")
        if rest and rest[0] != "/" and host:
            out += "/"
        elif not out and ":" in rest.partition("/")[0]:
            out += "./"
        out += rest
    if query or force_query:
        out += "?" + _encode_query(query).replace("+", "%20")
    if fragment:
        out += "#" + _go_escape(fragment, "fragment")
    return out


@lru_cache(maxsize=4096)
def assemble_url(raw: str) -> str:
    """An href or src as the archive writes it inside `(...)`."""
    raw = raw.strip(GO_SPACE)
    # Some pages carry as "%20" the trailing space an href had when it was
    # archived (the library trimmed that space); read it as the space.
    while raw.endswith("%20"):
        raw = raw[:-3].rstrip(GO_SPACE)
    if raw == "#":
        return raw
    raw = raw.replace("\n", "%0A").replace("\t", "%09")
    try:
        url = _go_url_string(raw)
    except _BadURL:
        url = raw
    return url.translate(_PERCENT_ENCODE)

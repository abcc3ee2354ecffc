"""A generated page dressed in a real page's frame, so the replica can serve
pages of the real site's size (about 330 kB, nearly all of it the header,
menus and footer around `<main>`) from small generated ones.

The frame is a saved real page.  What names that page's own release (its
title, canonical link, Open Graph and description tags) is left out; its
other head tags, everything in its body before `<main>` and everything
after `</main>` are spliced around the generated page's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_OWN = re.compile(rb"<title|rel=\"canonical\"|rel=\"shortlink\"|property=\"og:|name=\"description\"|"
                  rb"name=\"twitter:|<!DOCTYPE|<html|<head|</head", re.I)
_BODY_TAG = re.compile(rb"<body\b[^>]*>", re.I)


@dataclass(frozen=True)
class Frame:
    head: bytes      # head tags that do not name the frame's own release
    before: bytes    # the body before `<main`
    after: bytes     # the body after `</main>`, up to `</body>`

    @classmethod
    def from_page(cls, page: bytes) -> Frame:
        head_end, main, main_end = page.find(b"</head>"), page.find(b"<main"), page.find(b"</main>")
        body = _BODY_TAG.search(page, head_end)
        body_end = page.rfind(b"</body>")
        if min(head_end, main, main_end, body_end) < 0 or body is None:
            raise ValueError("not a page with head, body and main")
        head = b"\n".join(line for line in page[:head_end].splitlines() if line.strip() and not _OWN.search(line))
        return cls(head + b"\n", page[body.end():main], page[main_end + len(b"</main>"):body_end])

    @classmethod
    def from_file(cls, path: str | Path) -> Frame:
        return cls.from_page(Path(path).read_bytes())

    def dress(self, page: bytes) -> bytes:
        """`page` with the frame around its `<main>` (unchanged when it has
        no head or no `<main>`: block pages, feeds)."""
        head_end, main = page.find(b"</head>"), page.find(b"<main")
        main_end = page.find(b"</main>", main)
        if min(head_end, main, main_end) < 0:
            return page
        cut = main_end + len(b"</main>")
        return b"".join((page[:head_end], self.head, page[head_end:main], self.before, page[main:cut],
                         self.after, page[cut:]))

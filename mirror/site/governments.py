"""The site's governments: the search listing's `government_facet` ids and
the days each government held office (from its swearing-in).

The site search lists its whole history one government and one content
type at a time: `/search?f[0]=government_facet:<id>&f[1]=content_type_facet:<type>&page=N`,
24 results a page, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Government:
    id: int
    name: str
    start: date    # first day in office (swearing-in)


# Newest first; each government ends the day before the next one starts.
GOVERNMENTS = (
    Government(6700, "2023-", date(2023, 11, 27)),
    Government(6455, "2020-2023", date(2020, 11, 6)),
    Government(6203, "2017-2020", date(2017, 10, 26)),
    Government(6064, "2014-2017", date(2014, 10, 8)),
    Government(5926, "2011-2014", date(2011, 12, 12)),
    Government(4775, "2008-2011", date(2008, 11, 19)),
    Government(4637, "2005-2008", date(2005, 10, 19)),
    Government(4507, "2002-2005", date(2002, 8, 15)),
    Government(4376, "1999-2002", date(1999, 12, 10)),
    Government(4265, "1996-1999", date(1996, 12, 16)),
    Government(4194, "1993-1996", date(1993, 11, 29)),
)
GOVERNMENT_IDS = tuple(g.id for g in GOVERNMENTS)
CURRENT = GOVERNMENTS[0].id

# Search content types and the path prefix of their pages.
CONTENT_TYPES = {"article": "/release/", "speech": "/speech/"}
PER_SEARCH_PAGE = 24


def government_of(day: date) -> int:
    """The id of the government in office on `day` (the oldest for earlier days)."""
    for government in GOVERNMENTS:
        if day >= government.start:
            return government.id
    return GOVERNMENTS[-1].id


def search_path(government: int, content_type: str, page: int = 0) -> str:
    """The search listing's path and query, as the site writes it."""
    query = f"f%5B0%5D=government_facet%3A{government}&f%5B1%5D=content_type_facet%3A{content_type}"
    return f"/search?{query}&page={page}"

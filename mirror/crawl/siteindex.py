"""The site index: every release address the site lists, kept between runs.

`mirror index` fills it from the site search (one government and content
type at a time), and the crawl's listing and feed discovery adds what it
sees.  The crawl reads it to find a seed's real address (the archive's
`url` is a lossy form of it) and the releases no seed has.

One SQLite file under STATE_DIR, apart from the crawl's state so that an
index run and a crawl never wait on each other's writes.  Each search page
is stored in one transaction with the paging progress, so a killed index
run resumes where it stopped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mirror.archive.urls import archive_url
from mirror.crawl.state import open_database
from mirror.site.governments import government_of

FILE = "site-index.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    address TEXT PRIMARY KEY,          -- the real URL, percent-encoded as the site writes it
    archive_url TEXT NOT NULL,         -- its ID-rule form: what an archive file's `url` holds
    date TEXT NOT NULL DEFAULT '',     -- YYYY-MM-DD (UTC), '' when the listing showed none
    type TEXT NOT NULL DEFAULT '',     -- the search content type: article, speech
    government INTEGER NOT NULL DEFAULT 0,
    seen REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS releases_by_archive_url ON releases (archive_url);
CREATE TABLE IF NOT EXISTS progress (
    government INTEGER NOT NULL,
    type TEXT NOT NULL,
    next_page INTEGER NOT NULL DEFAULT 0,   -- the first page the pass underway has not read
    running INTEGER NOT NULL DEFAULT 0,     -- 1 while a pass is underway (or was killed)
    complete INTEGER NOT NULL DEFAULT 0,    -- 1 once a pass has read to the end
    PRIMARY KEY (government, type)
);
"""


@dataclass(frozen=True)
class Listed:
    """One result of a listing: a release's address and what is known of it."""
    address: str
    day: date | None = None
    type: str = ""
    government: int = 0


@dataclass(frozen=True)
class Progress:
    next_page: int     # where the pass underway resumes
    running: bool      # a pass is underway: an earlier run stopped in it
    complete: bool     # some pass has read every page


def index_path(state_folder: str | os.PathLike) -> Path:
    return Path(state_folder) / FILE


def type_of(address: str) -> str:
    return "speech" if "/speech/" in address else "article"


class SiteIndex:
    def __init__(self, path: str | os.PathLike):
        self.db = open_database(path, _SCHEMA)

    @classmethod
    def open_existing(cls, path: str | os.PathLike) -> SiteIndex | None:
        """The index at `path`, or None when no index has been made."""
        return cls(path) if os.path.exists(path) else None

    # --- writing ---------------------------------------------------------------

    def add(self, results: Iterable[Listed], commit: bool = True) -> int:
        """Record results; returns how many of their addresses were new."""
        results = list(results)
        before = self.known(r.address for r in results)
        now = time.time()
        for result in results:
            day = result.day.isoformat() if result.day else ""
            government = result.government or (government_of(result.day) if result.day else 0)
            self.db.execute(
                "INSERT INTO releases (address, archive_url, date, type, government, seen) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET seen = excluded.seen, "
                "date = CASE WHEN excluded.date != '' THEN excluded.date ELSE releases.date END",
                (result.address, archive_url(result.address), day, result.type or type_of(result.address),
                 government, now))
        if commit:
            self.db.commit()
        return len({r.address for r in results} - before)

    def start_pass(self, government: int, content_type: str) -> None:
        self.db.execute(
            "INSERT INTO progress (government, type, next_page, running) VALUES (?, ?, 0, 1) "
            "ON CONFLICT(government, type) DO UPDATE SET next_page = 0, running = 1",
            (government, content_type))
        self.db.commit()

    def record_page(self, government: int, content_type: str, page: int, results: list[Listed]) -> int:
        """One search page read: its results and the paging progress, in one
        transaction.  Returns how many of its addresses were new."""
        new = self.add(results, commit=False)
        self.db.execute(
            "INSERT INTO progress (government, type, next_page, running) VALUES (?, ?, ?, 1) "
            "ON CONFLICT(government, type) DO UPDATE SET running = 1, "
            "next_page = MAX(progress.next_page, excluded.next_page)",
            (government, content_type, page + 1))
        self.db.commit()
        return new

    def finish(self, government: int, content_type: str) -> None:
        """The pass underway has read to its end."""
        self.db.execute(
            "INSERT INTO progress (government, type, next_page, running, complete) VALUES (?, ?, 0, 0, 1) "
            "ON CONFLICT(government, type) DO UPDATE SET next_page = 0, running = 0, complete = 1",
            (government, content_type))
        self.db.commit()

    # --- reading ---------------------------------------------------------------

    def progress(self, government: int, content_type: str) -> Progress:
        row = self.db.execute("SELECT next_page, running, complete FROM progress WHERE government = ? AND type = ?",
                              (government, content_type)).fetchone()
        return Progress(row[0], bool(row[1]), bool(row[2])) if row else Progress(0, False, False)

    def known(self, addresses: Iterable[str]) -> set[str]:
        addresses = list(addresses)
        found: set[str] = set()
        for start in range(0, len(addresses), 500):
            chunk = addresses[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in
                         self.db.execute(f"SELECT address FROM releases WHERE address IN ({marks})", chunk))
        return found

    def by_archive_url(self) -> dict[str, list[str]]:
        """Addresses by their ID-rule form (two addresses can share one)."""
        found: dict[str, list[str]] = {}
        for address, archived in self.db.execute("SELECT address, archive_url FROM releases ORDER BY address"):
            found.setdefault(archived, []).append(address)
        return found

    def entries(self) -> list[tuple[str, str, str]]:
        """(address, archive url, date) of every release, newest first."""
        return list(self.db.execute(
            "SELECT address, archive_url, date FROM releases ORDER BY date DESC, address"))

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM releases").fetchone()[0]

    def close(self) -> None:
        self.db.commit()
        self.db.close()


class Paging:
    """Which search page of one government and type to read next.

    A first pass reads to the end (a page with no results).  Once a pass
    has been complete, a new pass stops at the first page whose addresses
    are all known: the listing is newest first, so nothing older is new.
    A pass that an earlier run left unfinished resumes at its next page;
    for the current government, whose listing grows at the top, the first
    pages are read again first, until one holds nothing new."""

    def __init__(self, progress: Progress, current: bool):
        self.progress = progress
        self.resume = progress.next_page if progress.running else 0
        self.head = bool(self.resume) and current   # re-reading the top before resuming
        self.fresh = not self.resume                 # the caller starts a new pass

    def first(self) -> int:
        return 0 if self.head or not self.resume else self.resume

    def after(self, page: int, results: int, all_known: bool) -> int | None:
        """The page to read after `page`, or None when the pass has ended."""
        if results == 0:
            return None
        if self.head:
            if all_known or page + 1 >= self.resume:
                self.head = False
                return max(self.resume, page + 1)
            return page + 1
        if all_known and self.progress.complete:
            return None
        return page + 1

"""What the mirror remembers between runs, per URL, in one SQLite file:
the page's validators (ETag, Last-Modified), the document last written for
it, and when it was last checked.

Scrapy's HTTP cache would keep every page body (some 18 GB for the whole
archive) and turn a 304 back into the cached page, to be extracted and
written again; this store keeps a few hundred bytes a URL, and a 304 means
"unchanged" with no work at all.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    output TEXT NOT NULL DEFAULT '',
    sha1 TEXT NOT NULL DEFAULT '',
    checked REAL NOT NULL DEFAULT 0,
    address TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT -1,
    captured TEXT NOT NULL DEFAULT ''
)
"""
# Columns added since the first release of the state file, for old files.
_ADDED = {"address": "ALTER TABLE pages ADD COLUMN address TEXT NOT NULL DEFAULT ''",
          "size": "ALTER TABLE pages ADD COLUMN size INTEGER NOT NULL DEFAULT -1",
          "captured": "ALTER TABLE pages ADD COLUMN captured TEXT NOT NULL DEFAULT ''"}
logger = logging.getLogger(__name__)
_COMMIT_EVERY = 200  # rows: a killed run loses at most this much memory, never correctness


@dataclass(frozen=True)
class PageState:
    url: str
    etag: str
    last_modified: str
    output: str
    sha1: str
    checked: float
    address: str      # the real address that answered for `url` (its seed's archive url)
    size: int         # the document's length when written (-1: not known)
    captured: str = ""  # WARC timestamp (14 digits, UTC) of the page's last capture, 200 or 304


def state_dir(settings) -> Path:
    """STATE_DIR, or OUTPUT_DIR/state when it is not set."""
    return Path(settings["STATE_DIR"] or Path(settings["OUTPUT_DIR"]) / "state")


def open_database(path: str | os.PathLike, schema: str) -> sqlite3.Connection:
    """The SQLite file at `path` with `schema` in place.  A file that is not
    a database (truncated, overwritten) is moved aside, said once, and a
    fresh one started: what it remembered only saves requests."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _connect(path, schema)
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(path, aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        logger.warning("%s is not a usable database (%s): moved to %s; starting afresh, without what it "
                       "remembered", path, exc, aside.name)
        return _connect(path, schema)


def _connect(path: Path, schema: str) -> sqlite3.Connection:
    db = sqlite3.connect(os.fspath(path))
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema)
        db.commit()
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


class State:
    def __init__(self, path: str | os.PathLike):
        self.db = open_database(path, _SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(pages)")}
        for name, statement in _ADDED.items():
            if name not in columns:
                self.db.execute(statement)
        self.db.commit()
        self._pending = 0

    def get(self, url: str) -> PageState | None:
        row = self.db.execute("SELECT url, etag, last_modified, output, sha1, checked, address, size, captured "
                              "FROM pages WHERE url = ?", (url,)).fetchone()
        return PageState(*row) if row else None

    def remember(self, url: str, *, etag: str, last_modified: str, output: str, sha1: str,
                 address: str = "", size: int = -1, checked: float | None = None, captured: str = "") -> None:
        """The page as last fetched in full: its validators, its document,
        the address it answered at, and when the WARC captured it."""
        self.db.execute(
            "INSERT INTO pages (url, etag, last_modified, output, sha1, checked, address, size, captured) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, "
            "output = excluded.output, sha1 = excluded.sha1, checked = excluded.checked, "
            "address = excluded.address, size = excluded.size, "
            "captured = CASE WHEN excluded.captured != '' THEN excluded.captured ELSE pages.captured END",
            (url, etag, last_modified, output, sha1, time.time() if checked is None else checked, address, size,
             captured))
        self._wrote()

    def mark_checked(self, url: str, checked: float | None = None, captured: str = "") -> None:
        """The site answered for `url` (the release is known to be as it is);
        `captured`: when the WARC captured that answer, if it stands for the page."""
        self.db.execute("INSERT INTO pages (url, checked, captured) VALUES (?, ?, ?) "
                        "ON CONFLICT(url) DO UPDATE SET checked = excluded.checked, captured = "
                        "CASE WHEN excluded.captured != '' THEN excluded.captured ELSE pages.captured END",
                        (url, time.time() if checked is None else checked, captured))
        self._wrote()

    def addresses(self) -> dict[str, str]:
        """The real address each URL last answered at, where one is known."""
        return dict(self.db.execute("SELECT url, address FROM pages WHERE address != ''"))

    def checked_times(self) -> dict[str, float]:
        return dict(self.db.execute("SELECT url, checked FROM pages WHERE checked > 0"))

    def _wrote(self) -> None:
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._pending = 0

    def close(self) -> None:
        self.commit()
        self.db.close()

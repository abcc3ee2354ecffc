"""The run manifest: one JSON line per fetched URL, written as the crawl goes.

The diff reads outcomes from here and never infers one from a missing file.
Each line is written with a single `write` on an append-only descriptor, so
a killed crawl leaves whole lines behind (a torn last line, if the disk
itself failed, is skipped by the reader).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields

from mirror.outcomes import Outcome


@dataclass  # no slots: a manifest record's dict becomes the instance's (see read_manifest)
class Record:
    url: str                 # the real URL requested
    outcome: Outcome         # what the request came to (read back: the same string)
    final_url: str = ""      # the real URL that answered, after redirects
    status: int = 0          # HTTP status of the final response (0: none)
    output: str = ""         # document path relative to the output folder
    reason: str = ""         # why there is no document, when there is none
    seed: str = ""           # the seed file that asked for `url`
    discovered: bool = False  # found by the crawl, not asked for by a seed
    sha1: str = ""           # digest of the document's bytes, when there is one
    tried: tuple[str, ...] = ()  # the addresses asked, in order, when not just `url`
    browser: bool = False    # the page came through the browser (past the bot wall)
    repaired: bool = False   # the document on disk was damaged; this fetch wrote it again
    captured: str = ""       # WARC timestamp (14 digits, UTC) of the answer, when it was recorded
    previous_capture: str = ""  # the same of the page's capture in an earlier run, when one is known


_DEFAULTS = tuple((f.name, f.default) for f in fields(Record))
_NAMES = frozenset(name for name, _ in _DEFAULTS)


class ManifestWriter:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        # A run killed mid-write (a resumed run appends to its manifest) may
        # have left a torn last line: the next record starts on a line of its own.
        size = os.fstat(self._fd).st_size
        if size and os.pread(self._fd, 1, size - 1) != b"\n":
            self._write(b"\n")

    def write(self, outcome: Record) -> None:
        # Fields at their defaults are left out: shorter lines, faster reads.
        # (dataclasses.asdict deep-copies every value: ten times slower.)
        record = {}
        for name, default in _DEFAULTS:
            value = getattr(outcome, name)
            if value != default:
                record[name] = value
        # final_url is left out when it is the URL requested (nearly always),
        # so an empty one must be written out.
        if outcome.final_url == outcome.url:
            record.pop("final_url", None)
        elif not outcome.final_url:
            record["final_url"] = ""
        if "tried" in record:
            if list(outcome.tried) == [outcome.url]:
                del record["tried"]  # the common case: asked at the seed's own url
            else:
                record["tried"] = list(outcome.tried)
        self._write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))

    def _write(self, data: bytes) -> None:
        """All of `data`: os.write may take only part of it (a full disk, a signal)."""
        fd = self._fd
        assert fd is not None, "write after close"
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            if written <= 0:
                raise OSError(f"{self.path}: nothing written")
            view = view[written:]

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_manifest(path: str | os.PathLike) -> dict[str, Record]:
    """Outcomes by requested URL; a later line for a URL replaces an earlier
    one (a resumed run fetches again what it had not finished)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        # One parse for the whole file is several times faster than one a line.
        records = json.loads("[" + text.rstrip("\n").replace("\n", ",") + "]")
    except ValueError:  # a torn or blank line: line by line
        records = []
        for line in text.split("\n"):
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a torn line: not an outcome
    outcomes: dict[str, Record] = {}
    new = object.__new__
    for record in records:
        # The parsed dict becomes the instance's attributes, and a field left
        # out falls back to its class default: about half the time of
        # Record(**record) over the 55,000 lines of a whole-archive run.
        if type(record) is not dict or not record.keys() <= _NAMES or "url" not in record or "outcome" not in record:
            continue  # a foreign line
        record.setdefault("final_url", record["url"])
        outcome = new(Record)
        outcome.__dict__ = record
        outcomes[record["url"]] = outcome
    return outcomes

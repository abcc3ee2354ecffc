"""The mirror's words: what became of a release URL in a run, why a page has
no document, how the diff classes a seed, and the exit statuses.

Each is a `StrEnum` (an `IntEnum` for exit statuses): the members are the
very strings the manifest, the reports and the stats hold, so they compare
equal to what is read back from those files.  A module of its own, with no
imports from the package: every layer names these, and the crawl's process
can do so without loading the extraction code.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Outcome(StrEnum):
    """What a run's request for a release came to (the manifest's `outcome`)."""
    WRITTEN = "written"              # a document was written
    UNCHANGED = "unchanged"          # the document on disk already had these bytes
    NOT_MODIFIED = "not modified"    # 304: the document on disk stands for the page
    FAILED = "failed"                # no answer to trust: network, HTTP error, too large ...
    BLOCKED = "blocked"              # the bot wall answered
    DROPPED = "dropped"              # an answer with no document in it (see `NoDocument`)
    MOVED = "moved"                  # redirected to another release: nothing written for this one


HAS_DOCUMENT = frozenset({Outcome.WRITTEN, Outcome.UNCHANGED, Outcome.NOT_MODIFIED})


class NoDocument(StrEnum):
    """Why a page that was fetched gives no document (the stat's and the
    manifest's reason)."""
    BLOCKED = "blocked"
    EMPTY = "empty"
    UNSAFE = "unsafe id"
    WRITE_ERROR = "write error"
    BROKEN = "extraction error"
    OTHER_RELEASE = "page names another release"
    WORKER_EXITED = "worker exited"


class Verdict(StrEnum):
    """The diff's class of a seed (or of a document no seed has)."""
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    NEW = "new"
    GONE = "gone"
    MOVED = "moved"
    BLOCKED = "blocked"
    FAILED = "failed"
    SEED_INVALID = "seed-invalid"


# In report order: what a person must look at, then what could not be judged.
TO_REVIEW = (Verdict.CHANGED, Verdict.NEW, Verdict.MOVED, Verdict.GONE)
# `mirror accept` takes these: the ones that carry a document.
# The reason a `changed` entry carries when every difference is whitespace
# (spaces, U+00A0, U+200B, U+202F moved at line ends or doubled): listed after
# the real changes, it does not on its own make a run's exit status 1.
WHITESPACE_ONLY = "whitespace only"

ACCEPTABLE = frozenset({Verdict.CHANGED, Verdict.NEW, Verdict.MOVED})


class Exit(IntEnum):
    """Exit status of `scrapy crawl`, `mirror run`, `mirror diff`, `mirror index`."""
    OK = 0           # nothing to review
    REVIEW = 1       # entries to review
    UNTRUSTED = 2    # the run cannot be trusted
    BUSY = 3         # another run holds the lock

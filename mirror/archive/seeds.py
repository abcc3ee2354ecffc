"""The seeds folder: every archive file under it, read once, by one reader.

The crawl reads the seeds to know what to ask for; the diff compares them
with what was fetched.  Both read them here, so a seed that cannot be used
is refused for the same reason everywhere, and a crawl hands the seeds it
read to its own diff instead of reading them again.

A seed's bytes are not kept: its digest settles the common case (nothing
changed); the diff reads the file again only when a comparison needs it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from mirror.archive.document import FormatError, parse, read_head
from mirror.archive.store import read_bytes
from mirror.archive.urls import canonical_site_url, is_site_url, unsafe_id_reason

SEED_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True, slots=True)
class Seed:
    path: str         # as found under the seeds folder (joined with it); "" for a URL given alone
    url: str          # the release, on https://www.beehive.govt.nz (the archive's form)
    date: str = ""    # the release's date in the seed (YYYY-MM-DD)
    title: str = ""   # the release's title in the seed: where its real address comes from
    digest: str = ""  # SHA-1 of the file's bytes


@dataclass(frozen=True, slots=True)
class BadSeed:
    path: str
    reason: str


@dataclass
class SeedSet:
    seeds: list[Seed] = field(default_factory=list)
    bad: list[BadSeed] = field(default_factory=list)
    duplicates: list[tuple[Seed, Seed]] = field(default_factory=list)  # (dropped, kept)

    @property
    def read(self) -> int:
        return len(self.seeds) + len(self.bad) + len(self.duplicates)

    def urls(self) -> set[str]:
        """Every URL a seed file names, duplicates' included (a URL given
        alone, with no file, is not a seed's)."""
        return {seed.url for seed in self.seeds if seed.path} | {dropped.url for dropped, _ in self.duplicates}


def seed_paths(folder: str | os.PathLike) -> list[str]:
    """Every seed file under `folder`, recursively, in sorted path order."""
    found: list[str] = []
    top = os.fspath(folder)
    top = top.rstrip(os.sep) or top  # "seeds/" names its files seeds/x.md, as os.path.join would
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(f"{root}{os.sep}{name}" for name in files  # (os.path.join: three times slower)
                     if name.endswith(SEED_SUFFIXES) and name[0] != ".")
    return sorted(found)


def no_seeds_reason(folder: str | os.PathLike) -> str | None:
    """Why a crawl of `folder` has nothing to do, or None when it has seeds."""
    if not os.path.isdir(folder):
        return f"the seeds folder {folder} does not exist"
    if not seed_paths(folder):
        return f"the seeds folder {folder} holds no seed files ({', '.join('*' + s for s in SEED_SUFFIXES)})"
    return None


def utf8_reason(data: bytes, exc: UnicodeDecodeError) -> str:
    return f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"


def read_seed(path: str) -> Seed | BadSeed:
    """The seed at `path`, or why it cannot be used."""
    data = read_bytes(path)
    if data is None:
        return BadSeed(path, "cannot be read")
    head = read_head(data)  # the canonical layout: no decoding or parsing of the rest
    if head is None:
        try:
            doc = parse(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            return BadSeed(path, utf8_reason(data, exc))
        except FormatError as exc:
            return BadSeed(path, str(exc))
        head = doc.title, doc.date, doc.url
    title, date, url = head
    if not url:
        return BadSeed(path, "no url in front matter")
    if not is_site_url(url):
        return BadSeed(path, f"URL outside beehive.govt.nz: {url}")
    unsafe = unsafe_id_reason(url)
    if unsafe:
        return BadSeed(path, unsafe)
    return Seed(path, canonical_site_url(url), date, title, hashlib.sha1(data).hexdigest())


def read_slice(paths: list[str]) -> list[Seed | BadSeed]:
    return [read_seed(path) for path in paths]


class SeedReader:
    """Every seed path read in order.

    With `processes` > 1 the reading and hashing (most of a diff's time) is
    spread over forked processes, one slice each, started at once so that
    the caller can read the manifest meanwhile; a slice whose process died
    is read here instead.  Forking is safe only in a process with no other
    thread, so a threaded caller (a crawl) reads in place, and so do fewer
    than `min_seeds` seeds, where the processes would cost more than they
    save."""

    def __init__(self, paths: list[str], processes: int = 1, min_seeds: int = 1000):
        self.paths, self._pool, self._slices = paths, None, []
        self._size = size = -(-len(paths) // max(processes, 1))
        if processes > 1 and len(paths) >= min_seeds and threading.active_count() == 1:
            self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
            # One slice a process, answered in one message: the pool's thread
            # then needs this process's lock only at the end.
            self._slices = [(start, self._pool.submit(read_slice, paths[start:start + size]))
                            for start in range(0, len(paths), size)]

    def __iter__(self) -> Iterator[Seed | BadSeed]:
        if self._pool is None:
            yield from map(read_seed, self.paths)
            return
        for start, future in self._slices:
            paths = self.paths[start:start + self._size]
            found: Iterable[Seed | BadSeed]
            try:
                found = future.result()
            except Exception:  # noqa: BLE001 - a dead process: its slice is read here
                found = map(read_seed, paths)
            yield from found

    def seed_set(self) -> SeedSet:
        """The seeds read, the first seed of each URL kept, in path order."""
        result = SeedSet()
        kept: dict[str, Seed] = {}
        for seed in self:
            if isinstance(seed, BadSeed):
                result.bad.append(seed)
            elif seed.url in kept:
                result.duplicates.append((seed, kept[seed.url]))
            else:
                kept[seed.url] = seed
                result.seeds.append(seed)
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> SeedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_seeds(folder: str | os.PathLike, processes: int = 1) -> SeedSet:
    """Every seed under `folder` (none when it does not exist: see
    `no_seeds_reason`)."""
    if not os.path.isdir(folder):
        return SeedSet()
    with SeedReader(seed_paths(folder), processes) as reader:
        return reader.seed_set()

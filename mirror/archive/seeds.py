"""Walk a seeds folder: the URLs to fetch, and the seeds that cannot be used."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mirror.archive.document import Document, FormatError, parse
from mirror.archive.urls import canonical_site_url, is_site_url, unsafe_id_reason

SEED_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True)
class Seed:
    path: str       # as found under the seeds folder (joined with it)
    url: str        # the page to fetch, on https://www.beehive.govt.nz
    date: str = ""  # the release's date in the seed (YYYY-MM-DD)
    title: str = ""  # the release's title in the seed: where its real address comes from


@dataclass(frozen=True)
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


def seed_paths(folder: str | os.PathLike) -> list[str]:
    """Every seed file under `folder`, recursively, in sorted path order."""
    found = []
    top = os.fspath(folder)
    top = top.rstrip(os.sep) or top  # "seeds/" names its files seeds/x.md, as os.path.join would
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(f"{root}{os.sep}{name}" for name in files  # (os.path.join: three times slower)
                     if name.endswith(SEED_SUFFIXES) and name[0] != ".")
    return sorted(found)


def seed_document(data: bytes) -> Document:
    """The document of a usable seed file; ValueError says why it is not one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        doc = parse(text)
    except FormatError as exc:
        raise ValueError(str(exc)) from None
    if not doc.url:
        raise ValueError("no url in front matter")
    if not is_site_url(doc.url):
        raise ValueError(f"URL outside beehive.govt.nz: {doc.url}")
    unsafe = unsafe_id_reason(doc.url)
    if unsafe:
        raise ValueError(unsafe)
    return doc


def read_seed(path: str) -> Seed:
    with open(path, "rb") as handle:
        doc = seed_document(handle.read())
    return Seed(path, canonical_site_url(doc.url), doc.date, doc.title)


def no_seeds_reason(folder: str | os.PathLike) -> str | None:
    """Why a crawl of `folder` has nothing to do, or None when it has seeds."""
    if not os.path.isdir(folder):
        return f"the seeds folder {folder} does not exist"
    if not seed_paths(folder):
        return f"the seeds folder {folder} holds no seed files ({', '.join('*' + s for s in SEED_SUFFIXES)})"
    return None


def read_seeds(folder: str | os.PathLike) -> SeedSet:
    """All usable seeds, first occurrence of each URL kept, in path order."""
    result = SeedSet()
    if not os.path.isdir(folder):
        return result  # no seeds: the caller says why (no_seeds_reason)
    kept: dict[str, Seed] = {}
    for path in seed_paths(folder):
        try:
            seed = read_seed(path)
        except OSError as exc:
            result.bad.append(BadSeed(path, exc.strerror or str(exc)))
            continue
        except ValueError as exc:
            result.bad.append(BadSeed(path, str(exc)))
            continue
        if seed.url in kept:
            result.duplicates.append((seed, kept[seed.url]))
            continue
        kept[seed.url] = seed
        result.seeds.append(seed)
    return result

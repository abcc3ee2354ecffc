"""Where documents live under the output folder, and how they get there safely.

Writes go to a temporary file in the target's own folder and are renamed
over it, so a reader (or a crash) never sees half a file; a file whose bytes
would not change is not touched at all, so its mtime tells when it last
really changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
from pathlib import Path
from typing import NamedTuple

from mirror.archive.document import Document, render
from mirror.archive.urls import archive_id, kind_of
from mirror.outcomes import Outcome

_FOLDERS = {"release": "releases", "speech": "speeches"}


class UnsafePath(ValueError):
    """A document id that would place a file outside the output folder."""


def check_id(doc_id: str) -> str:
    if not doc_id or doc_id in (".", "..") or any(c in doc_id for c in "/\\\0") or doc_id.startswith("."):
        raise UnsafePath(f"refusing unsafe document id {doc_id!r}")
    return doc_id


def relative_path(doc: Document) -> str:
    """`releases/YYYY/MM/YYYY-MM-DD-<id>.md` (speeches under `speeches/`)."""
    doc_id = check_id(archive_id(doc.url))
    year, month, _ = doc.year_month_day
    return f"{_FOLDERS[kind_of(doc.url)]}/{year}/{month}/{doc.date}-{doc_id}.md"


def resolve_inside(root: str | os.PathLike, relative: str) -> Path:
    """`root/relative`, refusing anything that would leave `root`.  Decided
    on the text of the path (no filesystem calls: it runs for every page)."""
    if os.path.isabs(relative):
        raise UnsafePath(f"refusing absolute path {relative!r}")
    normal = os.path.normpath(relative)
    if normal == ".." or normal.startswith(".." + os.sep) or "\0" in normal:
        raise UnsafePath(f"refusing path outside {root}: {relative!r}")
    return Path(root) / normal


def real_inside(root: str | os.PathLike, path: str | os.PathLike) -> str | None:
    """`path` with every link followed, when that lies inside `root` (its
    links followed too); None otherwise.  For paths read from a file (a
    report, a manifest), which could name anything, links included."""
    try:
        top, real = os.path.realpath(root), os.path.realpath(path)
    except (OSError, ValueError):  # a NUL byte, a link loop
        return None
    return real if real.startswith(top.rstrip(os.sep) + os.sep) else None


# A temporary name unique to this process and write; O_EXCL refuses to
# follow a planted link or reuse a stale file.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_serial = itertools.count()


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Replace `path` with `data` all at once (temporary file, then rename)."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{next(_serial)}.tmp")
    try:
        fd = os.open(tmp, _CREATE, 0o644)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, _CREATE, 0o644)
    try:
        with os.fdopen(fd, "wb", buffering=0) as handle:
            handle.write(data)
        # The rename is what makes a crash (even kill -9) leave the old file
        # or the new one, never a mix; no fsync: surviving power loss would
        # cost a disk flush a document.
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# 64 KiB holds nearly every archive file; a 1 MiB request buffer is above
# malloc's mmap threshold, and mapping and faulting it in for every file
# cost five times the read itself.
_CHUNK = 1 << 16


def read_bytes(path: str) -> bytes | None:
    """A file's bytes, or None when it cannot be read.  os-level calls:
    about twice as fast as open() for the tens of thousands of small files
    a diff reads."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        data = os.read(fd, _CHUNK)
        if len(data) < _CHUNK:
            return data  # a short read of a regular file is its end: one call for most files
        chunks = [data]
        while chunk := os.read(fd, _CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def is_temporary(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def sweep_temporary(root: str | os.PathLike[str]) -> int:
    """Remove temporary files a killed run left behind; returns how many."""
    removed = 0
    for folder, _, files in os.walk(root):
        for name in files:
            if is_temporary(name):
                try:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed


def intact(path: str | os.PathLike, size: int, sha1: str) -> bool:
    """True when the file at `path` still holds the document of `size`
    bytes and digest `sha1` that was written there: its size first (a stat;
    -1: not known), then, only when that matches, its digest."""
    try:
        if size >= 0 and os.stat(path).st_size != size:
            return False
        with open(path, "rb") as handle:
            return hashlib.sha1(handle.read()).hexdigest() == sha1
    except OSError:
        return False


def same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except FileNotFoundError:
        return False


class Written(NamedTuple):
    path: str       # relative to the output folder
    outcome: Outcome  # WRITTEN or UNCHANGED
    sha1: str       # digest of the document's bytes, for the run manifest
    size: int       # the document's length in bytes: a cheap first check of the file later


def write_document(root: str | os.PathLike, doc: Document) -> Written:
    """Write `doc` under `root`, unless the same bytes are already there."""
    relative = relative_path(doc)
    target = resolve_inside(root, relative)
    data = render(doc).encode("utf-8")
    digest = hashlib.sha1(data).hexdigest()
    if same_bytes(target, data):
        return Written(relative, Outcome.UNCHANGED, digest, len(data))
    atomic_write(target, data)
    return Written(relative, Outcome.WRITTEN, digest, len(data))

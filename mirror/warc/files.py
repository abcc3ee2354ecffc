"""Web archive of every response the crawl receives, with its request.

`WarcFiles` writes WARC/1.1 files with warcio, from plain values (an
`Exchange`): a `response` record (a `revisit` for a 304) followed by the
`request` record concurrent to it, each record its own gzip member.  The
members are compressed with ISA-L (python-isal) rather than warcio's zlib
level 9: 30 times faster on the site's 330 KB pages for 10% more bytes
(bench/warc_bench.py).  Files
are `<run-id>-NNNNN.warc.gz` under a folder, rotated past a size; a file
being written is named `....warc.gz.open` and renamed when closed, so a
crash leaves an `.open` file that `recover` cuts back to its last complete
record.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote_from_bytes, urldefrag, urlsplit

from isal import igzip
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

try:
    import fcntl
except ImportError:  # not POSIX: no guard against a second live writer
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

FOLDER = "warc"
SUFFIX = ".warc.gz"
OPEN_SUFFIX = SUFFIX + ".open"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# What a reader of the files needs to know about how they were made.
NORMALISED = ("HTTP bodies as the server sent them, before content decoding; header names as Scrapy "
              "gives them (title case, repeated headers grouped); Transfer-Encoding and connection "
              "headers are consumed by the HTTP client; Content-Length is set to the recorded body; "
              "reason phrases are the standard ones; non-ASCII header bytes are percent-encoded")

_PRINTABLE = "\t" + "".join(chr(c) for c in range(0x20, 0x7F))
_DROPPED = {"transfer-encoding"}


def _text(value: bytes | str) -> str:
    """A header name or value as warcio writes it: ASCII, any other byte
    percent-encoded (a WARC's HTTP header block must be ASCII)."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    if value.isascii():
        return value.decode("ascii")
    return quote_from_bytes(value, safe=_PRINTABLE)


def _headers(pairs: Iterable[tuple[bytes | str, bytes | str]]) -> list[tuple[str, str]]:
    return [(_text(name), _text(value)) for name, value in pairs]


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date: UTC, to the microsecond."""
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)


@dataclass
class Exchange:
    """One request and the response it got, as plain values."""

    url: str                                  # WARC-Target-URI
    status: int
    response_headers: list = field(default_factory=list)   # (name, value) pairs, bytes or str
    body: bytes = b""                         # as received: de-chunked, still content-encoded
    method: str = "GET"
    request_headers: list = field(default_factory=list)    # as sent, without Host
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    date: datetime | None = None              # when the request went out (default: now)
    ip_address: str | None = None             # where the bytes came from
    truncated: str | None = None              # WARC-Truncated reason, if the body is incomplete


@dataclass
class Recovered:
    path: Path          # the file as renamed (or the .open file if left alone)
    records: int        # complete records kept
    kept: int           # bytes kept
    dropped: int        # bytes cut off the end
    note: str = ""      # why the file was left alone or removed, if it was


# ISA-L's levels run 0-3; measured on real pages (bench/warc_bench.py), 2 is
# within 1% of 3's size at three quarters of its time.
GZIP_LEVEL = 2


class MemberPerRecord:
    """The file-like object warcio writes an uncompressed record into: the
    record's bytes are gathered, and at warcio's flush (one per record)
    written to `out` as one gzip member, so each record can be read alone."""

    def __init__(self, out: BinaryIO, level: int = GZIP_LEVEL) -> None:
        self.out = out
        self.level = level
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        if self._parts:
            record, self._parts = b"".join(self._parts), []
            self.out.write(self.pack(record))
        self.out.flush()

    def pack(self, record: bytes) -> bytes:
        return igzip.compress(record, compresslevel=self.level)

    def discard(self) -> None:
        """Forget a record half given (its write failed)."""
        self._parts = []


def _member_complete(data: bytes) -> bool:
    """True when `data` is exactly one whole gzip member (trailer and
    checksum included): the writer compresses each record into one."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        inflater.decompress(data)
    except zlib.error:
        return False
    return inflater.eof and not inflater.unused_data


def complete_length(path: str | os.PathLike) -> tuple[int, int]:
    """(bytes, records): how much of the file at `path` is whole records,
    read with warcio; whatever follows is a torn write."""
    good_end = count = 0
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, check_digests="raise")
        try:
            for record in iterator:
                iterator.read_to_end(record)
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                if offset != good_end or getattr(record.raw_stream, "limit", 0) != 0:
                    break
                stream_pos = stream.tell()
                stream.seek(offset)
                whole = _member_complete(stream.read(length))
                stream.seek(stream_pos)
                if not whole:
                    break
                good_end, count = offset + length, count + 1
        except Exception:  # noqa: BLE001 - any reading error ends the good part
            pass
    return good_end, count


def _lock(handle: BinaryIO) -> bool:
    """Take the file's exclusive lock; False when another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def recover(folder: str | os.PathLike) -> list[Recovered]:
    """Close the `.open` files a killed crawl left in `folder`: cut each back
    to its last complete record and rename it `....warc.gz` (an empty one is
    removed).  A file another live crawl holds is left alone."""
    folder = Path(folder)
    done = []
    for path in sorted(folder.glob("*" + OPEN_SUFFIX)):
        try:
            done.append(_recover_one(path))
        except OSError as exc:
            done.append(Recovered(path, 0, 0, 0, f"cannot recover: {exc.strerror or exc}"))
    _fsync_folder(folder)
    return done


def _recover_one(path: Path) -> Recovered:
    final = path.with_name(path.name[: -len(".open")])
    with open(path, "r+b") as handle:
        if not _lock(handle):
            return Recovered(path, 0, 0, 0, "in use by another crawl")
        size = os.fstat(handle.fileno()).st_size
        kept, records = complete_length(path)
        if kept < size:
            handle.truncate(kept)
            handle.flush()
            os.fsync(handle.fileno())
        if kept == 0:
            path.unlink()
            return Recovered(path, 0, 0, size, "no complete record: removed")
        if final.exists():
            return Recovered(path, records, kept, size - kept, f"{final.name} exists: left as is")
        os.rename(path, final)
    return Recovered(final, records, kept, size - kept)


class WarcFiles:
    """Writes exchanges to `<folder>/<prefix>-NNNNN.warc.gz`, a new file once
    one has grown past `max_size` bytes (0: never).  Numbering continues
    after the files already there; an existing file is never overwritten."""

    def __init__(self, folder: str | os.PathLike, prefix: str, max_size: int = 0, info: dict | None = None):
        self.folder = Path(folder)
        self.prefix = prefix
        self.max_size = max_size
        self.info = info or {}
        self.closed_files: list[Path] = []
        self.records = 0
        self._handle: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._members: MemberPerRecord | None = None
        self._warcinfo_id: str | None = None
        self._path: Path | None = None
        self._number: int | None = None
        # url -> (record id, date) of its last 200 response here, for revisits
        self._seen: dict[str, tuple[str, str]] = {}

    @property
    def path(self) -> Path | None:
        """The file being written (its `.open` name), if any."""
        return self._path

    def _next_number(self) -> int:
        pattern = re.compile(re.escape(self.prefix) + r"-(\d{5,})" + re.escape(SUFFIX) + r"(\.open)?$")
        numbers = [int(m.group(1)) for p in self.folder.iterdir() if (m := pattern.match(p.name))]
        return max(numbers, default=-1) + 1

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        number = self._next_number() if self._number is None else self._number + 1
        while True:
            name = f"{self.prefix}-{number:05d}{SUFFIX}"
            path = self.folder / (name + ".open")
            if not (self.folder / name).exists():
                try:
                    handle = open(path, "xb")  # noqa: SIM115 - kept open for writing; closed by close()
                    break
                except FileExistsError:
                    pass
            number += 1
        _lock(handle)
        self._handle, self._path, self._number = handle, path, number
        self._members = MemberPerRecord(handle)
        self._writer = WARCWriter(self._members, gzip=False, warc_version="1.1")
        self._warcinfo_id = None
        if self.info:
            warcinfo = self._writer.create_warcinfo_record(name, self.info)
            try:
                self._writer.write_record(warcinfo)
            except BaseException:
                self._abandon()
                raise
            self._warcinfo_id = warcinfo.rec_headers.get_header("WARC-Record-ID")
            self.records += 1

    def close(self) -> None:
        """Finish the current file: flush, sync, rename to `.warc.gz`."""
        if self._handle is None:
            return
        handle, path = self._handle, self._path
        assert path is not None  # set with the handle
        self._handle = self._writer = self._path = None
        try:
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            handle.close()
        final = path.with_name(path.name[: -len(".open")])
        os.rename(path, final)
        _fsync_folder(self.folder)
        self.closed_files.append(final)

    def _abandon(self) -> None:
        """Stop writing to a file that cannot be repaired now: it keeps its
        `.open` name, for `recover` to cut back at the next start."""
        handle = self._handle
        self._handle = self._writer = self._path = None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()

    def write(self, exchange: Exchange) -> Path:
        """Write the exchange's two records; returns the file they went to."""
        if self._handle is None:
            self._open()
        path, handle = self._path, self._handle
        assert path is not None and handle is not None  # _open sets them
        start = handle.tell()
        try:
            self._write_pair(exchange)
            handle.flush()
        except BaseException:
            # Leave no half record behind for the next writes to follow.
            if self._members is not None:
                self._members.discard()
            try:
                handle.seek(start)
                handle.truncate(start)
            except OSError:
                self._abandon()
            raise
        if self.max_size and handle.tell() >= self.max_size:
            self.close()
        return path.with_name(path.name[: -len(".open")])

    def _write_pair(self, ex: Exchange) -> None:
        writer = self._writer
        assert writer is not None  # called by write, once a file is open
        url = urldefrag(ex.url)[0]
        date = warc_date(ex.date or datetime.now(UTC))
        common = {"WARC-Date": date, "WARC-Target-URI": url}
        if ex.ip_address:
            common["WARC-IP-Address"] = ex.ip_address
        if self._warcinfo_id:
            common["WARC-Warcinfo-ID"] = self._warcinfo_id

        reason = _reason(ex.status)
        headers = [(n, v) for n, v in _headers(ex.response_headers) if n.lower() not in _DROPPED]
        if ex.status == 304:
            # No body, nothing to digest: the server said the earlier one stands.
            http = StatusAndHeaders(f"{ex.status} {reason}".strip(), headers, protocol=ex.protocol)
            warc_headers = {**_first("revisit"), **common, "WARC-Profile": SERVER_NOT_MODIFIED}
            earlier = self._seen.get(url)
            if earlier:
                warc_headers.update({"WARC-Refers-To": earlier[0], "WARC-Refers-To-Target-URI": url,
                                     "WARC-Refers-To-Date": earlier[1]})
            response = writer.create_warc_record(url, "revisit", http_headers=http, warc_headers_dict=warc_headers)
        else:
            headers = _with_length(headers, len(ex.body))
            http = StatusAndHeaders(f"{ex.status} {reason}".strip(), headers, protocol=ex.protocol)
            http.compute_headers_buffer(writer.header_filter)  # the bytes warcio writes: the block digest's start
            warc_headers = {**_first("response"), **common, **_digests(http.headers_buff, ex.body)}
            if ex.truncated:
                warc_headers["WARC-Truncated"] = ex.truncated
            response = writer.create_warc_record(url, "response", payload=BytesIO(ex.body), length=len(ex.body),
                                                 http_headers=http, warc_headers_dict=warc_headers)

        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = _headers(ex.request_headers)
        if ex.request_body and not any(n.lower() == "content-length" for n, _ in request_headers):
            request_headers.append(("Content-Length", str(len(ex.request_body))))
        request_headers.append(("Host", parts.netloc))
        request_http = StatusAndHeaders(f"{ex.method} {target} HTTP/1.1", request_headers, is_http_request=True)
        request = writer.create_warc_record(url, "request", payload=BytesIO(ex.request_body),
                                            length=len(ex.request_body), http_headers=request_http,
                                            warc_headers_dict={**_first("request"), **common})
        # Response first, then its request (WARC-Concurrent-To the response).
        writer.write_request_response_pair(request, response)
        self.records += 2
        if ex.status == 200:
            self._seen[url] = (response.rec_headers.get_header("WARC-Record-ID"), date)


def _with_length(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    """Content-Length says the length of the body recorded, in its place."""
    out, done = [], False
    for name, value in headers:
        if name.lower() == "content-length":
            if done:
                continue
            value, done = str(length), True
        out.append((name, value))
    return out if done else [*out, ("Content-Length", str(length))]


def _digests(http_headers: bytes, body: bytes) -> dict[str, str]:
    """The record's payload and block digests, as warcio writes them.
    warcio digests a 330 kB page 16 kB at a time in a Python loop, once for
    each; given both, it leaves them be."""
    payload = hashlib.sha1(body)
    block = hashlib.sha1(http_headers)
    block.update(body)
    return {"WARC-Payload-Digest": _sha1(payload.digest()), "WARC-Block-Digest": _sha1(block.digest())}


def _sha1(digest: bytes) -> str:
    return "sha1:" + base64.b32encode(digest).decode("ascii")


def _first(record_type: str) -> dict:
    # Type and id lead the record's headers, for people reading them.
    return {"WARC-Type": record_type, "WARC-Record-ID": StatusAndHeadersParser.make_warc_id()}


def _reason(status: int) -> str:
    # Scrapy keeps no reason phrase: the standard one stands in for it.
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""

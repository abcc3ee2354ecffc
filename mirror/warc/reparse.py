"""`mirror reparse WARC... [--output DIR]`: documents rebuilt from archived
responses, without network.

Each archived response goes through the same steps as in a crawl: Scrapy's
own response class and HTTP decompression, `response.text`, block-page
check, extraction, validation, normalisation and the atomic write
(`page.store_page`, as in a crawl); so a document comes out byte-identical to the one the
crawl wrote from the same response.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from isal import igzip
from warcio.archiveiterator import ArchiveIterator

from mirror.outcomes import NoDocument

if TYPE_CHECKING:
    from scrapy.http import Request, Response

PAGE_PATHS = ("/release/", "/speech/", "/node/")


@dataclass
class Archived:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes     # as recorded: still content-encoded
    via: str = ""   # the address first asked, when redirects led here


def _record_headers(record: Any) -> list[tuple[str, str]]:
    return list(record.http_headers.headers) if record.http_headers is not None else []


def archived_responses(path: str, redirected_to: dict[str, str] | None = None) -> Iterator[Archived]:
    """Every `response` record in the file, body read whole and its digests
    checked; a damaged file raises where the damage starts.  A response
    reached by redirects carries the address first asked (`via`): its
    request record (written right after it) names the redirect's source as
    Referer, and that source's own 3xx answer was recorded before it."""
    # target -> the address that redirected there (across files: a run's
    # files may split a redirect from its target)
    redirected_to = {} if redirected_to is None else redirected_to
    pending: Archived | None = None
    # ISA-L inflates the file's gzip members about three times as fast as the
    # zlib warcio would use; warcio then reads plain records.
    with (igzip.open(path, "rb") if _gzipped(path) else open(path, "rb")) as raw:
        stream = _Reads(raw)
        records = ArchiveIterator(stream, check_digests="raise")
        while True:
            try:
                record = next(records)
            except StopIteration:
                if stream.error is not None:  # warcio takes a torn end for the end
                    if pending is not None:
                        yield pending
                    raise stream.error from None
                break
            except Exception:
                if pending is not None:
                    yield pending  # read whole before the damage
                raise
            body = record.raw_stream.read()
            if getattr(record.raw_stream, "limit", 0):
                uri = record.rec_headers.get_header("WARC-Target-URI") or record.rec_type
                raise EOFError(f"{uri}: record cut short, {record.raw_stream.limit} bytes missing")
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            if pending is not None:
                if record.rec_type == "request" and uri == pending.url:
                    referer = {k.lower(): v for k, v in _record_headers(record)}.get("referer", "")
                    pending.via = _first_asked(referer, pending.url, redirected_to)
                yield pending
                pending = None
            if record.rec_type != "response" or record.http_headers is None:
                continue
            try:
                status = int(record.http_headers.get_statuscode())
            except ValueError:
                status = 0
            headers = _record_headers(record)
            location = next((v for k, v in headers if k.lower() == "location"), "")
            if 300 <= status < 400 and location:
                redirected_to[urljoin(uri, location)] = uri
            pending = Archived(uri, status, headers, body)
    if pending is not None:
        yield pending


class _Reads:
    """The file as warcio reads it, keeping the error that ended it: warcio
    ends its iteration quietly where a read fails, and a torn gzip member
    must not pass for the end of the file."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.error: Exception | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except (EOFError, OSError) as exc:
            self.error = exc
            raise


def _gzipped(path: str) -> bool:
    with open(path, "rb") as head:
        return head.read(2) == b"\x1f\x8b"


def _first_asked(referer: str, url: str, redirected_to: dict[str, str]) -> str:
    """The address a chain of redirects that ends at `url` started from, or
    "" when `url` was asked for itself (a Referer that did not redirect here
    is a listing page that linked to it)."""
    if not referer or redirected_to.get(url) != referer:
        return ""
    source = referer
    for _ in range(10):
        if source not in redirected_to:
            break
        source = redirected_to[source]
    return source


class Rebuilder:
    """Archived response → what the spider saw → document on disk."""

    def __init__(self, output_dir: str):
        from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
        from scrapy.settings import Settings
        from scrapy.signalmanager import SignalManager

        self.output_dir = output_dir
        # No crawl: a stand-in with what the middleware reads of a crawler.
        offline = SimpleNamespace(settings=Settings(), stats=None, signals=SignalManager())
        self.decompress = HttpCompressionMiddleware(crawler=offline)  # type: ignore[arg-type]

    def response(self, archived: Archived) -> Request | Response:
        """The response as the spider got it: Scrapy's response class for the
        headers and body, then Scrapy's decompression."""
        from scrapy import Request
        from scrapy.http import Headers
        from scrapy.responsetypes import responsetypes

        headers = Headers()
        for name, value in archived.headers:
            headers.appendlist(name, _header_bytes(value))
        cls = responsetypes.from_args(headers=headers, url=archived.url, body=archived.body)
        response = cls(url=archived.url, status=archived.status, headers=headers, body=archived.body)
        return self.decompress.process_response(Request(archived.url), response)

    def rebuild(self, archived: Archived) -> str:
        """'written', 'unchanged', 'blocked' or 'skipped'."""
        from scrapy.http import HtmlResponse

        from mirror.site.candidates import own_archive_urls
        from mirror.site.page import store_page

        if archived.status != 200 or not urlsplit(archived.url).path.startswith(PAGE_PATHS):
            return "skipped"
        try:
            response = self.response(archived)
        except Exception:  # noqa: BLE001 - undecodable or too large: the crawl's request failed too
            return "skipped"
        if not isinstance(response, HtmlResponse):
            return "skipped"
        # the crawl's own step from page to document
        asked = archived.via or archived.url
        page = store_page(response.text, response.url, self.output_dir,
                          own_archive_urls(asked, asked, archived.url))
        if page.outcome == NoDocument.WRITE_ERROR:
            raise OSError(page.reason)
        if page.outcome == NoDocument.BLOCKED:
            return "blocked"
        return page.outcome if page.path else "skipped"


def reparse_files(warc_paths: list[str], output_dir: str) -> int:
    """Rebuild documents from the responses in `warc_paths` under
    `output_dir`.  0 when every file was read whole, 1 otherwise."""
    rebuilder = Rebuilder(output_dir)
    counts: Counter = Counter()
    failed = False
    redirected_to: dict[str, str] = {}
    for path in warc_paths:
        records = archived_responses(path, redirected_to)
        while True:
            try:
                archived = next(records)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - any failure to read is reported per file
                print(f"mirror reparse: {path}: unreadable: {_reason(exc)}", file=sys.stderr)
                failed = True
                break
            try:
                counts[rebuilder.rebuild(archived)] += 1
            except OSError as exc:
                print(f"mirror reparse: {archived.url}: cannot write: {exc}", file=sys.stderr)
                failed = True
    documents = counts["written"] + counts["unchanged"]
    print(f"mirror reparse: {documents} documents: {counts['written']} written, {counts['unchanged']} unchanged; "
          f"{counts['blocked']} block pages and {counts['skipped']} other responses skipped")
    return 1 if failed else 0


def _header_bytes(value: str) -> bytes:
    # warcio reads header lines as UTF-8 when they are, else as Latin-1.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

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
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

PAGE_PATHS = ("/release/", "/speech/", "/node/")


@dataclass
class Archived:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes     # as recorded: still content-encoded


def archived_responses(path: str) -> Iterator[Archived]:
    """Every `response` record in the file, body read whole and its digests
    checked; a damaged file raises where the damage starts."""
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            body = record.raw_stream.read()
            if getattr(record.raw_stream, "limit", 0):
                uri = record.rec_headers.get_header("WARC-Target-URI") or record.rec_type
                raise EOFError(f"{uri}: record cut short, {record.raw_stream.limit} bytes missing")
            if record.rec_type != "response" or record.http_headers is None:
                continue
            try:
                status = int(record.http_headers.get_statuscode())
            except ValueError:
                status = 0
            yield Archived(record.rec_headers.get_header("WARC-Target-URI") or "", status,
                           list(record.http_headers.headers), body)


class Rebuilder:
    """Archived response → what the spider saw → document on disk."""

    def __init__(self, output_dir: str):
        from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
        from scrapy.settings import Settings
        from scrapy.signalmanager import SignalManager

        self.output_dir = output_dir
        offline = SimpleNamespace(settings=Settings(), stats=None, signals=SignalManager())
        self.decompress = HttpCompressionMiddleware(crawler=offline)

    def response(self, archived: Archived):
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

        from .page import BLOCKED, WRITE_ERROR, store_page

        if archived.status != 200 or not urlsplit(archived.url).path.startswith(PAGE_PATHS):
            return "skipped"
        try:
            response = self.response(archived)
        except Exception:  # noqa: BLE001 - undecodable or too large: the crawl's request failed too
            return "skipped"
        if not isinstance(response, HtmlResponse):
            return "skipped"
        # the crawl's own step from page to document
        page = store_page(response.text, response.url, self.output_dir)
        if page.outcome == WRITE_ERROR:
            raise OSError(page.reason)
        if page.outcome == BLOCKED:
            return "blocked"
        return page.outcome if page.path else "skipped"


def reparse_files(warc_paths: list[str], output_dir: str) -> int:
    """Rebuild documents from the responses in `warc_paths` under
    `output_dir`.  0 when every file was read whole, 1 otherwise."""
    rebuilder = Rebuilder(output_dir)
    counts: Counter = Counter()
    failed = False
    for path in warc_paths:
        records = archived_responses(path)
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

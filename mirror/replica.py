"""A local replica of beehive.govt.nz, for tests, demos and benchmarks.

    python -m mirror.replica DIR [--port N] [--plan FILE] [--transliterated 404|redirect|serve]

Serves every `*.html` page under DIR at the path of its canonical link, a
robots.txt (DIR/robots.txt if present), and answers conditional requests
(ETag, Last-Modified, 304).  A plan file (JSON, re-read when it changes)
injects faults per path:

    {"/release/a": {"status": 404},
     "/release/b": {"status": 301, "location": "/release/c"},
     "/release/d": {"status": 500, "times": 2},      # then serves normally
     "/release/e": {"delay": 5},
     "/release/f": {"block": true}}                   # the bot wall's page

Seed URLs are often transliterations of the real address (SITE.md); how the
replica answers them is chosen with --transliterated.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import os
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from .origin import archive_url
from .pagebuild import build_block_page

_CANONICAL = re.compile(rb'<link rel="canonical" href="([^"]+)"')
TRANSLITERATED = ("404", "redirect", "serve")


def canonical_path(page: bytes) -> str | None:
    found = _CANONICAL.search(page[:20000])
    return urlsplit(found.group(1).decode("utf-8")).path if found else None


class Site:
    """The pages of a folder, by path; re-indexed when the folder changes."""

    def __init__(self, folder: str | os.PathLike, plan: str | None = None, transliterated: str = "404"):
        self.folder = Path(folder)
        self.plan_path = Path(plan) if plan else None
        self.transliterated = transliterated
        self.hits: Counter = Counter()
        self._lock = threading.Lock()
        self._stamp = None
        self._scanned = 0.0
        self._pages: dict[str, Path] = {}
        self._aliases: dict[str, str] = {}
        self._plan: dict = {}
        self._plan_stamp = None
        self._fault_uses: Counter = Counter()

    def index(self, refresh: bool = False) -> dict[str, Path]:
        """Pages by canonical path.  Scanned once, and again on `refresh`
        (a miss) when the folder may have changed: pages edited in place
        are read afresh on every request anyway."""
        with self._lock:
            stamp = self.folder.stat().st_mtime_ns
            if self._stamp is None or (refresh and time.monotonic() - self._scanned > 0.5) or stamp != self._stamp:
                pages, aliases = {}, {}
                for file in sorted(self.folder.rglob("*.html")):
                    path = canonical_path(file.read_bytes())
                    if path:
                        pages[path] = file
                        alias = urlsplit(archive_url("https://www.beehive.govt.nz" + path)).path
                        if alias != path:
                            aliases[alias] = path
                self._pages, self._aliases, self._stamp = pages, aliases, stamp
                self._scanned = time.monotonic()
            return self._pages

    def plan(self) -> dict:
        if not self.plan_path:
            return {}
        with self._lock:
            try:
                stamp = self.plan_path.stat().st_mtime_ns
            except FileNotFoundError:
                self._plan, self._plan_stamp = {}, None
                return {}
            if stamp != self._plan_stamp:
                self._plan = json.loads(self.plan_path.read_text(encoding="utf-8"))
                self._plan_stamp = stamp
                self._fault_uses.clear()
            return self._plan

    def fault(self, path: str) -> dict | None:
        """The planned fault for `path`, counting uses of limited ones."""
        fault = self.plan().get(path)
        if not fault:
            return None
        with self._lock:
            self._fault_uses[path] += 1
            if "times" in fault and self._fault_uses[path] > fault["times"]:
                return None
        return fault

    def lookup(self, path: str) -> tuple[Path | None, str | None]:
        """(page file, None) for a page's own path; (None, real path) for its
        transliterated alias; (None, None) when neither exists."""
        for refresh in (False, True):
            pages = self.index(refresh)
            if path in pages:
                return pages[path], None
            if path in self._aliases:
                return None, self._aliases[path]
        return None, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "beehive-replica"
    site: Site

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass  # quiet: tests and benchmarks read the hit counter instead

    def send(self, status: int, body: bytes = b"", headers: dict | None = None, content_type="text/html; charset=UTF-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        site = self.site
        path = urlsplit(self.path).path
        site.hits[path] += 1
        fault = site.fault(path)
        if fault:
            if fault.get("delay"):
                time.sleep(float(fault["delay"]))
            if fault.get("block"):
                return self.send(200, build_block_page().encode())
            if "status" in fault:
                status = int(fault["status"])
                headers = {"Location": fault["location"]} if "location" in fault else {}
                return self.send(status, f"<html><body>{status}</body></html>".encode(), headers)
        if path == "/robots.txt":
            robots = site.folder / "robots.txt"
            body = robots.read_bytes() if robots.exists() else b"User-agent: *\nDisallow:\n"
            return self.send(200, body, content_type="text/plain")
        file, real_path = site.lookup(path)
        if real_path and site.transliterated == "redirect":
            return self.send(301, b"", {"Location": real_path})
        if real_path and site.transliterated == "serve":
            file, _ = site.lookup(real_path)
        if file is None:
            return self.send(404, b"<html><body>Page not found</body></html>")
        self.serve_file(file)

    def serve_file(self, file: Path):
        body = file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        modified = email.utils.formatdate(int(file.stat().st_mtime), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified}
        if self.not_modified(etag, file.stat().st_mtime):
            return self.send(304, b"", headers)
        self.send(200, body, headers)

    def not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False


def make_server(site: Site, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = type("SiteHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mirror.replica", description="Serve a folder of release pages like beehive.govt.nz.")
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--plan", help="JSON file of faults per path")
    parser.add_argument("--transliterated", choices=TRANSLITERATED, default="404",
                        help="how to answer a transliterated (archive-form) URL")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.folder):
        parser.error(f"{args.folder}: not a folder")
    site = Site(args.folder, args.plan, args.transliterated)
    server = make_server(site, args.host, args.port)
    print(f"serving {len(site.index())} pages from {args.folder} at http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

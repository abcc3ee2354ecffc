"""The web archive: the WARC writer on its own (rotation, crash recovery,
revisits, what is normalised), then real crawls against the replica whose
WARC files warcio must read whole and `mirror reparse` must turn back into
the very documents the crawl wrote."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from mirror.testing.pagebuild import Page
from mirror.warc.files import SERVER_NOT_MODIFIED, Exchange, WarcFiles, complete_length, recover

from .conftest import FAST, REPO, Replica, run_crawl, stop, wait_for, write_seed

SITE = "https://www.beehive.govt.nz"
HTML = [(b"Content-Type", b"text/html; charset=UTF-8")]


def warcio(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "warcio.cli", *args], capture_output=True, text=True, timeout=60)


def records(path: Path) -> list:
    """(type, target URI, HTTP status or None, WARC headers, HTTP headers, payload) per record,
    every digest checked."""
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            http = record.http_headers
            status = http.get_statuscode() if http is not None and record.rec_type != "request" else None
            out.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), status,
                        record.rec_headers, http, record.raw_stream.read()))
    return out


def page_exchange(n: int, size: int = 1500) -> Exchange:
    # Random bytes: gzip cannot shrink them, so sizes are predictable.  Seeded
    # by the page's number and size: the same bytes on every run.
    body = random.Random(f"page-{n}-{size}").randbytes(size)
    return Exchange(f"{SITE}/release/page-{n}", 200, HTML, body, request_headers=[(b"User-Agent", b"test-agent")])


# --- the writer on its own ---------------------------------------------------

def test_files_rotate_by_size_and_keep_pairs_together(tmp_path):
    files = WarcFiles(tmp_path, "run", max_size=4000)
    for n in range(7):
        files.write(page_exchange(n))
    files.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"run-0000{i}.warc.gz" for i in range(len(names))] and len(names) >= 3
    assert files.closed_files == [tmp_path / name for name in names]
    urls = []
    for path in files.closed_files[:-1]:
        assert path.stat().st_size >= 4000
    for path in files.closed_files:
        kinds = [(kind, url) for kind, url, *_ in records(path)]
        # each response is followed by its own request, in the same file
        assert [k for k, _ in kinds] == ["response", "request"] * (len(kinds) // 2)
        assert all(kinds[i][1] == kinds[i + 1][1] for i in range(0, len(kinds), 2))
        urls += [url for kind, url in kinds if kind == "response"]
    assert urls == [f"{SITE}/release/page-{n}" for n in range(7)]


def test_numbering_continues_after_existing_files(tmp_path):
    for _ in range(2):
        files = WarcFiles(tmp_path, "run", max_size=1)
        files.write(page_exchange(0))
        files.write(page_exchange(1))
        files.close()
    other = WarcFiles(tmp_path, "other-run")
    other.write(page_exchange(2))
    other.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(before) == ["other-run-00000.warc.gz"] + [f"run-0000{i}.warc.gz" for i in range(4)]
    files = WarcFiles(tmp_path, "run")
    assert files.write(page_exchange(3)) == tmp_path / "run-00004.warc.gz"
    assert files.path == tmp_path / "run-00004.warc.gz.open"
    files.close()
    assert all((tmp_path / name).read_bytes() == data for name, data in before.items())


def test_request_and_response_records_say_what_was_exchanged(tmp_path):
    body = gzip.compress(b"<html><body>compressed page</body></html>")
    files = WarcFiles(tmp_path, "run")
    files.write(Exchange(
        f"{SITE}/release/a?page=2", 200,
        [(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip"), (b"Transfer-Encoding", b"chunked"),
         (b"Content-Length", b"99999"), (b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"), (b"X-Note", b"caf\xe9")],
        body, request_headers=[(b"User-Agent", b"test-agent"), (b"Accept-Encoding", b"gzip, deflate")],
        ip_address="127.0.0.1"))
    files.close()
    (response, _, status, warc, http, payload), (request, _, _, req_warc, req_http, _) = records(files.closed_files[0])
    assert (response, request, status) == ("response", "request", "200")
    assert http.protocol == "HTTP/1.1" and http.statusline == "200 OK"
    assert payload == body  # still content-encoded, as received
    # Content-Encoding kept, Transfer-Encoding dropped, Content-Length the body's, in place
    assert http.headers == [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                            ("Content-Length", str(len(body))), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                            ("X-Note", "caf%E9")]
    assert warc.get_header("WARC-IP-Address") == "127.0.0.1"
    assert warc.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert req_warc.get_header("WARC-Concurrent-To") == warc.get_header("WARC-Record-ID")
    assert req_warc.get_header("WARC-Date") == warc.get_header("WARC-Date")
    assert req_http.protocol == "GET" and req_http.statusline == "/release/a?page=2 HTTP/1.1"
    assert req_http.headers == [("User-Agent", "test-agent"), ("Accept-Encoding", "gzip, deflate"),
                                ("Host", "www.beehive.govt.nz")]


def test_304_is_a_revisit_referring_to_the_earlier_response(tmp_path):
    files = WarcFiles(tmp_path, "run")
    url = f"{SITE}/release/same"
    files.write(Exchange(url, 200, [*HTML, (b"Etag", b'"abc"')], b"<html>page</html>"))
    files.write(Exchange(url, 304, [(b"Etag", b'"abc"')], request_headers=[(b"If-None-Match", b'"abc"')]))
    files.write(Exchange(f"{SITE}/release/other", 304, [(b"Etag", b'"def"')]))
    files.close()
    path = files.closed_files[0]
    found = records(path)
    assert [(kind, status) for kind, _, status, *_ in found] == [
        ("response", "200"), ("request", None), ("revisit", "304"), ("request", None), ("revisit", "304"),
        ("request", None)]
    first, revisit, unknown = found[0][3], found[2][3], found[4][3]
    assert revisit.get_header("WARC-Profile") == SERVER_NOT_MODIFIED
    assert revisit.get_header("WARC-Refers-To") == first.get_header("WARC-Record-ID")
    assert revisit.get_header("WARC-Refers-To-Target-URI") == url
    assert revisit.get_header("WARC-Refers-To-Date") == first.get_header("WARC-Date")
    assert revisit.get_header("WARC-Payload-Digest") is None and found[2][5] == b""
    # never seen before here: the revisit says only that the server had not changed it
    assert unknown.get_header("WARC-Profile") == SERVER_NOT_MODIFIED
    assert unknown.get_header("WARC-Refers-To") is None
    assert found[3][4].get_header("If-None-Match") == '"abc"'
    assert warcio("check", str(path)).returncode == 0
    index = [json.loads(line) for line in warcio("index", "-f", "warc-type,http:status", str(path)).stdout.splitlines()]
    assert {"warc-type": "revisit", "http:status": "304"} in index


def _three_pairs(tmp_path) -> tuple[bytes, list[int]]:
    """A finished file of three pairs, and the offset where each record ends."""
    folder = tmp_path / "source"
    files = WarcFiles(folder, "run", info={"software": "test"})
    for n in range(3):
        files.write(page_exchange(n, size=200))
    files.close()
    data = files.closed_files[0].read_bytes()
    ends = []
    with open(files.closed_files[0], "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            iterator.read_to_end(record)
            ends.append(iterator.get_record_offset() + iterator.get_record_length())
    assert ends[-1] == len(data) and len(ends) == 7
    return data, ends


def test_recovery_cuts_an_open_file_back_to_its_last_complete_record(tmp_path):
    data, ends = _three_pairs(tmp_path)
    folder = tmp_path / "warc"
    folder.mkdir()
    open_file, final = folder / "run-00000.warc.gz.open", folder / "run-00000.warc.gz"
    for cut in range(len(data) + 1):  # killed after any byte
        open_file.write_bytes(data[:cut])
        [done] = recover(folder)
        whole = [end for end in ends if end <= cut]
        if not whole:
            assert not open_file.exists() and not final.exists() and done.records == 0
            continue
        assert not open_file.exists()
        assert final.read_bytes() == data[: whole[-1]], cut
        assert (done.path, done.records, done.kept, done.dropped) == (final, len(whole), whole[-1], cut - whole[-1])
        final.unlink()


def test_recovered_files_pass_warcio_check_and_index(tmp_path):
    data, ends = _three_pairs(tmp_path)
    folder = tmp_path / "warc"
    folder.mkdir()
    torn = data[: ends[4] + (ends[5] - ends[4]) // 2]       # half-way through a request
    (folder / "run-00000.warc.gz.open").write_bytes(torn)
    (folder / "run-00001.warc.gz.open").write_bytes(data + b"\0" * 4096)  # a crash can leave zeros
    (folder / "run-00002.warc.gz.open").write_bytes(data[:ends[2]] + b"\x1f\x8b\x08\x00garbage")
    recover(folder)
    paths = sorted(folder.iterdir())
    assert [p.name for p in paths] == [f"run-0000{i}.warc.gz" for i in range(3)]
    assert [p.stat().st_size for p in paths] == [ends[4], ends[6], ends[2]]
    check = warcio("check", *map(str, paths))
    assert check.returncode == 0, check.stdout + check.stderr
    index = warcio("index", *map(str, paths))
    assert index.returncode == 0, index.stderr
    assert len(index.stdout.splitlines()) == 5 + 7 + 3
    assert complete_length(paths[1]) == (ends[6], 7)


def test_recovery_leaves_a_file_another_writer_holds(tmp_path):
    files = WarcFiles(tmp_path, "run")
    files.write(page_exchange(0))
    [done] = recover(tmp_path)
    assert done.note == "in use by another crawl" and files.path.exists()
    files.write(page_exchange(1))
    files.close()
    assert len([r for r in records(files.closed_files[0]) if r[0] == "response"]) == 2


def test_a_failed_write_leaves_no_half_record(tmp_path, monkeypatch):
    files = WarcFiles(tmp_path, "run")
    files.write(page_exchange(0))
    size = files.path.stat().st_size
    writer = files._writer

    def response_then_failure(request, response, params):
        writer.write_record(response)
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(writer, "_do_write_req_resp", response_then_failure)
        with pytest.raises(OSError):
            files.write(page_exchange(1))
    assert files.path.stat().st_size == size
    files.write(page_exchange(2))
    files.close()
    assert [url for kind, url, *_ in records(files.closed_files[0]) if kind == "response"] == [
        f"{SITE}/release/page-0", f"{SITE}/release/page-2"]


# --- real crawls -------------------------------------------------------------

PAGES = {
    "plain": Page(title="Wetland restoration funding announced",
                  canonical=f"{SITE}/release/wetland-restoration-funding",
                  date_iso="2023-03-14T01:00:00Z", date_text="14 March 2023", ministers=["Hon Example Person"],
                  portfolios=["Conservation"], linked=True,
                  body_html="<p>Funding for <strong>twelve</strong> wetlands.</p>\n<p>Kia ora.</p>"),
    "moved": Page(title="New home for an old release", canonical=f"{SITE}/release/new-home",
                  date_iso="2019-08-01T00:00:00Z", date_text="1 August 2019", ministers=["Jane Placeholder"],
                  body_html="<p>This release moved.</p>"),
    "speech": Page(title="Address to the invented conference", canonical=f"{SITE}/speech/invented-conference",
                   date_iso="2022-11-02T03:00:00Z", date_text="2 November 2022", ministers=["Hon Example Person"],
                   kind="speech", body_html="<p>Thank you for having me.</p>\n<ul><li>One</li><li>Two</li></ul>"),
    "node": Page(title="An unaliased release", canonical=f"{SITE}/node/4242", date_iso="2004-04-04T00:00:00Z",
                 body_html="<p>Node page.</p>"),
    "nonascii": Page(title="Tāmaki road works", canonical=f"{SITE}/release/t%C4%81maki-road-works",
                     date_iso="2021-05-05T00:00:00Z", date_text="5 May 2021", body_html="<p>Ōrākei “quoted”.</p>"),
}
SEEDS = {
    "plain.md": f"{SITE}/release/wetland-restoration-funding",
    "old.md": f"{SITE}/release/old-home",
    "speech.md": f"{SITE}/speech/invented-conference",
    "node.md": f"{SITE}/node/4242",
    "nonascii.md": f"{SITE}/release/t%C4%81maki-road-works",
    "blocked.md": f"{SITE}/release/walled-page",
    "missing.md": f"{SITE}/release/not-there",
}
PLAN = {"/release/old-home": {"status": 301, "location": "/release/new-home"},
        "/release/walled-page": {"block": True}}
# every page but the moved one: a redirect to another release writes nothing for it
DOCUMENTS = 4
# the seeds whose documents the first crawl wrote: asked for conditionally by the second, and answered 304
ON_DISK = {SEEDS[name] for name in ("plain.md", "speech.md", "node.md", "nonascii.md")}


def warc_files(output: Path, run_id: str = "") -> list[Path]:
    return sorted((output / "warc").glob(f"{run_id}*.warc.gz"))


def index_of(paths: list[Path]) -> list[dict]:
    done = warcio("index", "-f", "warc-type,warc-target-uri,http:status,http:location", *map(str, paths))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("warc-crawl")
    (root / "site").mkdir()
    replica = Replica(root / "site")
    for name, page in PAGES.items():
        replica.add(name, page)
    replica.plan(PLAN)
    for name, url in SEEDS.items():
        write_seed(root / "seeds", name, url)
    try:
        # a small WARC_MAX_SIZE: several files, even for a few pages
        first = run_crawl(replica.origin, root / "seeds", root / "output", settings={"WARC_MAX_SIZE": "5000"})
        first.run_id = os.readlink(root / "output" / "reports" / "latest")
        first.tree = tree(first.output)
        # Again over the same output: pages on disk are asked for conditionally.
        second = run_crawl(replica.origin, root / "seeds", root / "output")
        second.run_id = os.readlink(root / "output" / "reports" / "latest")
        assert second.run_id != first.run_id  # run ids have milliseconds; a crawl takes far longer
    finally:
        replica.close()
    first.again = second
    return first


def test_crawl_writes_named_rotated_files_and_no_open_ones(crawl):
    paths = warc_files(crawl.output, crawl.run_id)
    assert len(paths) > 1, crawl.log
    assert [p.name for p in paths] == [f"{crawl.run_id}-{n:05d}.warc.gz" for n in range(len(paths))]
    assert len(warc_files(crawl.output, crawl.again.run_id)) == 1
    assert not list((crawl.output / "warc").glob("*.open"))
    assert "warc/errors" not in crawl.stats and "warc/errors" not in crawl.again.stats
    assert crawl.stats["warc/files"] == len(paths) and crawl.again.stats["warc/files"] == 1


def test_warcio_check_and_index_read_every_file(crawl):
    paths = warc_files(crawl.output)
    check = warcio("check", "-v", *map(str, paths))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "failed" not in check.stdout
    for run_id in (crawl.run_id, crawl.again.run_id):
        index = index_of(warc_files(crawl.output, run_id))
        for url in [f"{SITE}/robots.txt", *SEEDS.values(), f"{SITE}/release/new-home"]:
            kinds = [entry["warc-type"] for entry in index if entry.get("warc-target-uri") == url]
            # the first run has nothing to revisit; the second revisits the pages whose documents are on disk
            answer, other = ("revisit", "response") if run_id == crawl.again.run_id and url in ON_DISK else (
                "response", "revisit")
            assert "request" in kinds and answer in kinds and other not in kinds, (url, kinds)
        # the replica's address is nowhere: records name the real site
        assert all(entry.get("warc-target-uri", SITE).startswith(SITE) for entry in index)
        assert sum(entry["warc-type"] == "warcinfo" for entry in index) == len(warc_files(crawl.output, run_id))


def test_redirect_is_recorded_with_both_hops(crawl):
    index = index_of(warc_files(crawl.output, crawl.run_id))
    responses = {entry["warc-target-uri"]: entry for entry in index if entry["warc-type"] == "response"}
    assert responses[f"{SITE}/release/old-home"]["http:status"] == "301"
    assert responses[f"{SITE}/release/old-home"]["http:location"] == f"{SITE}/release/new-home"
    assert responses[f"{SITE}/release/new-home"]["http:status"] == "200"
    assert responses[f"{SITE}/release/not-there"]["http:status"] == "404"


def test_pages_answered_304_are_revisits(crawl):
    revisits = {}
    for path in warc_files(crawl.output, crawl.again.run_id):
        for kind, target, status, warc, http, payload in records(path):
            if kind == "revisit":
                assert (status, payload) == ("304", b"")
                assert warc.get_header("WARC-Profile") == SERVER_NOT_MODIFIED
                revisits[warc.get_header("WARC-Record-ID")] = target
            if kind == "request" and warc.get_header("WARC-Concurrent-To") in revisits:
                assert http.get_header("If-None-Match", "").startswith('"')
    # pages the first run fetched whole (which ones are asked for conditionally
    # is the conditional-request middleware's business)
    first = {e["warc-target-uri"] for e in index_of(warc_files(crawl.output, crawl.run_id))
             if e["warc-type"] == "response" and e["http:status"] == "200"}
    assert revisits and set(revisits.values()) <= first


def test_manifest_names_each_capture_and_the_one_before(crawl):
    """Each answer's record names its capture's time as replay tools do (14
    digits, UTC: the response or revisit record's WARC-Date), and, in a later
    run, the page's capture in the earlier one: the report links to both
    without reading the WARC files again."""
    from mirror.review.manifest import read_manifest

    def captured(run_id: str) -> dict[str, set[str]]:
        times: dict[str, set[str]] = {}
        for path in warc_files(crawl.output, run_id):
            for kind, target, _status, warc, _http, _payload in records(path):
                if kind in ("response", "revisit"):
                    stamp = "".join(ch for ch in warc.get_header("WARC-Date") if ch.isdigit())[:14]
                    times.setdefault(target, set()).add(stamp)
        return times

    reports = crawl.output / "reports"
    first = read_manifest(reports / crawl.run_id / "manifest.jsonl")
    second = read_manifest(reports / crawl.again.run_id / "manifest.jsonl")
    first_times, second_times = captured(crawl.run_id), captured(crawl.again.run_id)
    written = [r for r in first.values() if r.outcome == "written"]
    assert written
    for record in written:
        assert record.captured in first_times[record.final_url], record
        assert record.previous_capture == ""  # the first run of this output
        again = second[record.url]
        assert again.captured in second_times[again.final_url or again.url], again
        assert again.previous_capture == record.captured < again.captured


def test_requests_carry_the_headers_scrapy_sent(crawl):
    for path in warc_files(crawl.output, crawl.run_id):
        for kind, _target, _status, warc, http, payload in records(path):
            if kind == "request":
                assert http.get_header("User-Agent", "").startswith("beehive-mirror/")
                assert http.get_header("Host") == "www.beehive.govt.nz"
                assert warc.get_header("WARC-Concurrent-To")
            if kind == "response":
                assert http.get_header("Content-Length") == str(len(payload))
                assert warc.get_header("WARC-IP-Address") == "127.0.0.1"


def reparse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mirror.cli", "reparse", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for sub in ("releases", "speeches")
            for p in sorted((folder / sub).rglob("*")) if p.is_file()}


def test_reparse_rebuilds_every_document_byte_for_byte(crawl, tmp_path):
    assert len(crawl.tree) == DOCUMENTS and any(k.startswith("speeches/") for k in crawl.tree), crawl.log
    fresh = tmp_path / "fresh"
    paths = warc_files(crawl.output, crawl.run_id)
    done = reparse(*map(str, paths), "--output", str(fresh))
    assert done.returncode == 0, done.stdout + done.stderr
    assert tree(fresh) == crawl.tree
    walls = [e for e in index_of(paths) if e["warc-type"] == "response" and e["warc-target-uri"] == SEEDS["blocked.md"]]
    # (reparse's summary line: its own account of what it did)
    assert f"{DOCUMENTS} documents: {DOCUMENTS} written, 0 unchanged; {len(walls)} block pages and" in done.stdout
    # both runs: the second one's revisits change nothing
    written = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in fresh.rglob("*.md")}
    again = reparse(*map(str, warc_files(crawl.output)), "--output", str(fresh))
    assert again.returncode == 0, again.stdout + again.stderr
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in fresh.rglob("*.md")} == written  # none rewritten
    assert f"{DOCUMENTS} documents: 0 written, {DOCUMENTS} unchanged;" in again.stdout  # (its summary line)
    assert tree(fresh) == crawl.tree == tree(crawl.output)


def record_offsets(handle):
    """(offset, length) of each record of a WARC file."""
    iterator = ArchiveIterator(handle)
    for record in iterator:
        record.content_stream().read()
        yield iterator.get_record_offset(), iterator.get_record_length()


def test_reparse_names_unreadable_files_and_fails(crawl, tmp_path):
    paths = warc_files(crawl.output, crawl.run_id)
    torn = tmp_path / "torn.warc.gz"
    data = b"".join(p.read_bytes() for p in paths)
    # cut inside a record (a gzip member), two thirds in: never at a boundary
    records = list(record_offsets(io.BytesIO(data)))
    start, length = next((o, n) for o, n in records if o > len(data) * 2 // 3)
    torn.write_bytes(data[:start + length // 2])
    missing = tmp_path / "missing.warc.gz"
    done = reparse(str(torn), str(missing), *map(str, paths), "--output", str(tmp_path / "out"))
    assert done.returncode == 1
    errors = done.stderr.splitlines()
    assert any(str(torn) in line and "unreadable" in line for line in errors), done.stderr
    assert any(str(missing) in line and "No such file" in line for line in errors), done.stderr
    # what could be read is still rebuilt
    assert tree(tmp_path / "out") == crawl.tree
    assert len(done.stdout.splitlines()) == 1


def test_304_from_the_replica_through_the_recorder(replica, tmp_path):
    """A replica page fetched with If-None-Match, handed over as Scrapy
    objects the way the downloader signal hands them."""
    import http.client

    from scrapy.http import Headers, Request, Response

    from mirror.warc.recorder import exchange_of

    replica.add("plain", PAGES["plain"])
    etag = '"' + hashlib.sha1((replica.folder / "plain.html").read_bytes()).hexdigest()[:20] + '"'
    path = urlsplit(SEEDS["plain.md"]).path
    connection = http.client.HTTPConnection(urlsplit(replica.origin).netloc, timeout=10)
    connection.request("GET", path, headers={"If-None-Match": etag})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    assert answer.status == 304
    request = Request(SEEDS["plain.md"], headers={"If-None-Match": etag})
    response = Response(SEEDS["plain.md"], status=304, headers=Headers(answer.getheaders()), body=body,
                        request=request)
    files = WarcFiles(tmp_path, "run")
    files.write(exchange_of(request, response))
    files.close()
    (kind, url, status, warc, http_headers, payload), (_, _, _, _, sent, _) = records(files.closed_files[0])
    assert (kind, url, status, payload) == ("revisit", SEEDS["plain.md"], "304", b"")
    assert warc.get_header("WARC-Profile") == SERVER_NOT_MODIFIED
    assert http_headers.get_header("Etag") == etag and sent.get_header("If-None-Match") == etag
    assert warcio("check", str(files.closed_files[0])).returncode == 0


def test_reparse_decodes_as_the_crawl_does(tmp_path, capsys):
    """Content-Encoding and the charset in the headers are undone by Scrapy's
    own code, so the same page arriving in any of these forms is one document."""
    from mirror.testing.pagebuild import build_page
    from mirror.warc.reparse import reparse_files

    page = PAGES["nonascii"]
    html = build_page(page)
    assert html.isascii() is False
    forms = {
        "plain": ([(b"Content-Type", b"text/html; charset=UTF-8")], html.encode("utf-8")),
        "gzip": ([(b"Content-Type", b"text/html; charset=UTF-8"), (b"Content-Encoding", b"gzip")],
                 gzip.compress(html.encode("utf-8"))),
        "cp1252": ([(b"Content-Type", b"text/html; charset=windows-1252")],
                   html.replace("Ō", "O").replace("ā", "a").encode("cp1252")),
    }
    out = {}
    for name, (headers, body) in forms.items():
        files = WarcFiles(tmp_path / name, "run")
        files.write(Exchange(page.canonical, 200, headers, body))
        files.write(Exchange(f"{SITE}/robots.txt", 200, [(b"Content-Type", b"text/plain")], b"User-agent: *\n"))
        files.close()
        assert reparse_files([str(p) for p in files.closed_files], str(tmp_path / f"out-{name}")) == 0
        assert capsys.readouterr().out == ("mirror reparse: 1 documents: 1 written, 0 unchanged; "
                                           "0 block pages and 1 other responses skipped\n")
        out[name] = tree(tmp_path / f"out-{name}")
    assert out["plain"] == out["gzip"] and len(out["plain"]) == 1
    [text] = out["plain"].values()
    assert "Ōrākei “quoted”." in text.decode("utf-8")
    [latin] = out["cp1252"].values()
    assert "Orakei “quoted”." in latin.decode("utf-8")


def test_warc_recording_can_be_switched_off(replica, tmp_path):
    replica.add("plain", PAGES["plain"])
    write_seed(tmp_path / "seeds", "a.md", SEEDS["plain.md"])
    result = run_crawl(replica.origin, tmp_path / "seeds", tmp_path / "output", settings={"WARC_ENABLED": "0"})
    assert result.files() and not (tmp_path / "output" / "warc").exists()


def test_killed_crawl_is_recovered_and_resumed_into_new_files(replica, tmp_path):
    for name in ("plain", "speech"):
        replica.add(name, PAGES[name])
    write_seed(tmp_path / "seeds", "a.md", SEEDS["plain.md"])
    write_seed(tmp_path / "seeds", "b.md", SEEDS["speech.md"])
    pages = [urlsplit(SEEDS[name]).path for name in ("plain.md", "speech.md")]
    replica.plan({path: {"delay": 20} for path in pages})
    output = tmp_path / "output"
    command = [sys.executable, "-m", "scrapy", "crawl", "releases", "-s", f"MIRROR_ORIGIN={replica.origin}",
               "-s", f"SEEDS_DIR={tmp_path / 'seeds'}", "-s", f"OUTPUT_DIR={output}", "-s", "RUN_ID=resumed"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    crawler = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    left = output / "warc" / "resumed-00000.warc.gz.open"
    try:
        # robots.txt has been answered once a page is asked for, and recorded
        # once the writer process has written it (the file holds more than its warcinfo)
        wait_for(lambda: (any(replica.site.hits[path] for path in pages) and left.exists()
                          and complete_length(left)[1] >= 3) or crawler.poll() is not None,
                 seconds=60, what="a page request and robots.txt recorded")
        assert crawler.poll() is None, "the crawl ended before it was killed"
    finally:
        stop(crawler)  # SIGKILL: no chance to close anything
    whole = left.read_bytes()
    assert whole and not list((output / "warc").glob("*.warc.gz"))
    with open(left, "ab") as handle:
        handle.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" * 20)[:60])  # a torn write

    replica.plan({})
    result = run_crawl(replica.origin, tmp_path / "seeds", output, settings={"RUN_ID": "resumed"})
    # (a test of the log: the recovered file is named; the bytes kept are checked below)
    assert "resumed-00000.warc.gz recovered" in result.log, result.log
    paths = warc_files(output)
    assert [p.name for p in paths] == ["resumed-00000.warc.gz", "resumed-00001.warc.gz"]
    assert paths[0].read_bytes() == whole
    assert not list((output / "warc").glob("*.open"))
    check = warcio("check", *map(str, paths))
    assert check.returncode == 0, check.stdout + check.stderr
    index = index_of(paths)
    assert {"warc-type": "response", "warc-target-uri": f"{SITE}/robots.txt", "http:status": "200"} in index
    responses = [e["warc-target-uri"] for e in index if e["warc-type"] == "response"]
    assert SEEDS["plain.md"] in responses and SEEDS["speech.md"] in responses

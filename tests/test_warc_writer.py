"""The WARC writer process (mirror/warc/writer.py): what is handed over is
written in order; a writer that dies is said, not waited for."""

from __future__ import annotations

import os
import signal

import pytest

from mirror.warc.files import Exchange, complete_length
from mirror.warc.writer import WriterProcess

from .conftest import wait_for


def exchange(n: int) -> Exchange:
    body = f"<html><body>page {n}</body></html>".encode()
    return Exchange(url=f"https://www.beehive.govt.nz/release/page-{n}", status=200,
                    response_headers=[("Content-Type", "text/html")], body=body)


def test_exchanges_are_written_in_order_and_the_file_closed(tmp_path):
    writer = WriterProcess(tmp_path, "run", 0, {"software": "test"}, queue_size=2)
    for n in range(20):
        writer.write(exchange(n))  # more than the queue holds: the caller waits its turn
    written = writer.close(timeout=60)
    assert written.errors == []
    assert [p.name for p in written.files] == ["run-00000.warc.gz"]
    assert written.records == 1 + 2 * 20  # warcinfo, then a response and a request each
    assert complete_length(written.files[0])[1] == written.records
    from warcio.archiveiterator import ArchiveIterator

    with open(written.files[0], "rb") as stream:
        urls = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream)
                if r.rec_type == "response"]
    assert urls == [exchange(n).url for n in range(20)]


def test_a_writer_that_died_is_said_and_its_file_left_whole(tmp_path):
    writer = WriterProcess(tmp_path, "run", 0, {"software": "test"})
    writer.write(exchange(0))
    opened = tmp_path / "run-00000.warc.gz.open"
    wait_for(lambda: opened.exists() and complete_length(opened)[1] == 3, seconds=30, what="the first exchange")
    os.kill(writer._process.pid, signal.SIGKILL)
    wait_for(lambda: not writer._process.is_alive(), seconds=30, what="the writer to die")
    with pytest.raises(OSError, match="exited"):
        writer.write(exchange(1))
    written = writer.close(timeout=30)
    assert written.files == [] and "exited" in written.errors[0][1]
    assert complete_length(opened)[0] == opened.stat().st_size  # whole records only: recover keeps them all

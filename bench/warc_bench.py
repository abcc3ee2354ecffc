"""Benchmark: what recording a page in the WARC costs, and how the
compression was chosen.

On the real release pages of ../shared/corpus/pages (about 330 kB each):

1. each gzip choice compressing every page's response record alone (one
   gzip member per record, as the files hold them): milliseconds a page and
   bytes a page: zlib at warcio's level 9 (what warcio's writer does), 6
   and 1, and ISA-L (python-isal) at its levels 0-3;
2. `WarcFiles.write` of every page's exchange (response and request
   records, digests, compression, the write): CPU milliseconds a page
   (target <= 5) and bytes a page, against warcio's own gzipping writer
   doing the same.

    python bench/warc_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zlib
from io import BytesIO
from pathlib import Path

from isal import igzip

from common import REPO
from mirror.warc import files as warc_files
from mirror.warc.files import Exchange, WarcFiles

PAGES = REPO.parent / "shared" / "corpus" / "pages"


def exchanges() -> list[Exchange]:
    out = []
    for path in sorted(PAGES.glob("*.html")):
        body = path.read_bytes()
        out.append(Exchange(url=f"https://www.beehive.govt.nz/release/{path.stem}", status=200,
                            response_headers=[("Content-Type", "text/html; charset=UTF-8"),
                                              ("Content-Length", str(len(body)))],
                            body=body, request_headers=[("User-Agent", "beehive-mirror/0.1"), ("Accept", "*/*")]))
    return out


def gzip_choices() -> dict:
    def zlib_member(level):
        def compress(data: bytes) -> bytes:
            packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
            return packer.compress(data) + packer.flush()
        return compress

    choices = {f"zlib {level}": zlib_member(level) for level in (9, 6, 1)}
    for level in range(4):
        choices[f"isal {level}"] = lambda data, level=level: igzip.compress(data, compresslevel=level)
    return choices


def time_choices(records: list[bytes], repeat: int) -> dict:
    out = {}
    for name, compress in gzip_choices().items():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            sizes = [len(compress(record)) for record in records]
            best = min(best, time.perf_counter() - start)
        out[name] = {"ms_per_page": round(best / len(records) * 1000, 2),
                     "bytes_per_page": round(statistics.mean(sizes))}
    return out


class _WarcioGzip(WarcFiles):
    """The same files written by warcio's own gzipping writer (zlib level 9):
    the recorder as it was."""

    def _open(self) -> None:
        super()._open()
        assert self._handle is not None
        self._members = None
        self._writer = warc_files.WARCWriter(self._handle, gzip=True, warc_version="1.1")


def time_writer(cls: type[WarcFiles], pages: list[Exchange], repeat: int) -> dict:
    best, size = float("inf"), 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            files = cls(folder, "bench", 0, {"software": "bench"})
            start = time.process_time()
            for exchange in pages:
                files.write(exchange)
            files.close()
            best = min(best, time.process_time() - start)
            size = sum(p.stat().st_size for p in Path(folder).iterdir())
    return {"cpu_ms_per_page": round(best / len(pages) * 1000, 2), "bytes_per_page": round(size / len(pages))}


class _Gathered(warc_files.MemberPerRecord):
    """Where warcio writes records: each record kept whole, uncompressed."""

    def __init__(self) -> None:
        super().__init__(BytesIO())
        self.records: list[bytes] = []

    def pack(self, record: bytes) -> bytes:
        self.records.append(record)
        return b""


def uncompressed_records(pages: list[Exchange]) -> list[bytes]:
    """Each page's response record as the recorder writes it, uncompressed."""
    gathered = _Gathered()
    with tempfile.TemporaryDirectory() as folder:
        files = WarcFiles(folder, "bench")
        files._open()
        files._writer = warc_files.WARCWriter(gathered, gzip=False, warc_version="1.1")
        for exchange in pages:
            files._write_pair(exchange)
        files.close()
    return gathered.records[::2]  # response, request, response, ...


def measure(repeat: int = 3) -> dict:
    pages = exchanges()
    if not pages:
        raise SystemExit(f"{PAGES}: no pages (the benchmark needs ../shared)")
    now = time_writer(WarcFiles, pages, repeat)
    before = time_writer(_WarcioGzip, pages, repeat)
    return {"pages": len(pages), "page_bytes": round(statistics.mean(len(p.body) for p in pages)),
            "choices": time_choices(uncompressed_records(pages), repeat),
            "cpu_ms_per_page": now["cpu_ms_per_page"], "bytes_per_page": now["bytes_per_page"],
            "warcio_cpu_ms_per_page": before["cpu_ms_per_page"], "warcio_bytes_per_page": before["bytes_per_page"],
            "cpu_ratio": round(now["cpu_ms_per_page"] / before["cpu_ms_per_page"], 3),
            "bytes_ratio": round(now["bytes_per_page"] / before["bytes_per_page"], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    r = measure(args.repeat)
    print(f"{r['pages']} real pages of {r['page_bytes']:,} bytes on average")
    print(f"{'gzip, one member a record':28} {'ms a page':>10} {'bytes a page':>13}")
    for name, figures in r["choices"].items():
        print(f"{name:28} {figures['ms_per_page']:>10} {figures['bytes_per_page']:>13,}")
    print(f"WarcFiles.write: {r['cpu_ms_per_page']} ms CPU a page (target <= 5), {r['bytes_per_page']:,} bytes a page; "
          f"warcio's gzip writer: {r['warcio_cpu_ms_per_page']} ms, {r['warcio_bytes_per_page']:,} bytes "
          f"(CPU x{r['cpu_ratio']}, bytes x{r['bytes_ratio']})")
    print(json.dumps(r))
    return 0 if r["cpu_ms_per_page"] <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())

"""A WACZ package of runs' WARC files, made with py-wacz (`wacz` package).

py-wacz is driven through its command's entry point (`wacz.main.main`), in
this process: it is the package's only public interface (its modules are
not documented as a library), and in-process it needs no `wacz` script on
PATH.  It writes the CDXJ index, stores the WARC files, adds the run's
reports as extra files (`logs/`) and `datapackage.json` with every file's
digest; the package is then checked with `wacz validate` before it is
renamed into place.

`pages.jsonl` lists each release fetched (the manifest's 200s and 304s):
its address, the title of its page and the time of the capture that holds
its content.  A 304 holds none of its own: its page is the earlier capture
it stands for, when that is in the package, and is left out otherwise
(pack the earlier run too).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parsel import Selector
from warcio.archiveiterator import ArchiveIterator

from mirror.review.manifest import read_manifest
from mirror.review.runs import LATEST, REPORTS, manifest_path, run_dir
from mirror.warc.files import FOLDER, OPEN_SUFFIX, SUFFIX

PACKAGES = "wacz"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Releases fetched"}
REPORT_FILES = ("report.html", "report.json")


class PackError(Exception):
    """A run cannot be packed: the message names the file or run and why."""


@dataclass(frozen=True)
class Page:
    url: str
    ts: str          # WARC-Date of the capture holding the page's content
    title: str

    def as_json(self) -> dict:
        return {"url": self.url, "ts": self.ts, "title": self.title}


def latest_run(output_dir: str | os.PathLike) -> str:
    link = Path(output_dir) / REPORTS / LATEST
    try:
        return os.readlink(link)
    except OSError as exc:
        raise PackError(f"{link}: no latest run ({exc.strerror or exc})") from exc


def run_warcs(output_dir: str | os.PathLike, run_id: str) -> list[Path]:
    """The run's closed WARC files, in order."""
    folder = Path(output_dir) / FOLDER
    paths = sorted(folder.glob(f"{run_id}-*{SUFFIX}"))
    if not paths:
        still_open = sorted(folder.glob(f"{run_id}-*{OPEN_SUFFIX}"))
        why = f"{still_open[0].name} is still being written" if still_open else "no WARC files"
        raise PackError(f"run {run_id}: {why} in {folder}")
    return paths


def fetched_releases(output_dir: str | os.PathLike, run_id: str) -> set[str]:
    """The addresses whose answer was a release (200) or a 304 for one."""
    path = manifest_path(output_dir, run_id)
    try:
        records = read_manifest(path)
    except OSError as exc:
        raise PackError(f"{path}: {exc.strerror or exc}") from exc
    return {r.final_url or r.url for r in records.values() if r.status in (200, 304)}


def _title(record: Any) -> str:
    """The page's <title>, whitespace folded (a warcio record in)."""
    body = record.content_stream().read()
    text = body.decode("utf-8", "replace")
    title = Selector(text=text).css("title::text").get() or ""
    return " ".join(title.split())


def pages_of(warcs: Iterable[Path], releases: dict[str, set[str]]) -> tuple[list[Page], int]:
    """(pages, 304s left out) of the WARC files (in time order), where
    `releases` names, for each run id, the addresses fetched as releases."""
    last_200: dict[str, Page] = {}   # url -> its latest 200 capture so far
    pages: dict[tuple[str, str], Page] = {}
    left_out = 0
    for path in warcs:
        fetched = next((urls for run_id, urls in releases.items() if path.name.startswith(run_id + "-")), set())
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                status = record.http_headers.get_statuscode()
                if record.rec_type == "response" and status == "200":
                    page = Page(url, record.rec_headers.get_header("WARC-Date"), _title(record) or url)
                    last_200[url] = page
                    if url in fetched:
                        pages[(page.url, page.ts)] = page
                elif record.rec_type == "revisit" and status == "304" and url in fetched:
                    if url in last_200:
                        page = last_200[url]
                        pages[(page.url, page.ts)] = page
                    else:
                        left_out += 1
    return sorted(pages.values(), key=lambda p: (p.ts, p.url)), left_out


def default_output(output_dir: str | os.PathLike, run_ids: list[str]) -> Path:
    name = run_ids[0] if len(run_ids) == 1 else f"{run_ids[0]}--{run_ids[-1]}"
    return Path(output_dir) / PACKAGES / f"{name}.wacz"


def _py_wacz(args: list[str]) -> tuple[int, str]:
    """py-wacz's command, in this process: (status, what it printed)."""
    from wacz.main import main

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(args)
    return int(status or 0), printed.getvalue()


def validate(path: str | os.PathLike) -> tuple[bool, str]:
    status, printed = _py_wacz(["validate", "-f", os.fspath(path)])
    return status == 0, printed


@dataclass
class Packed:
    path: Path
    warcs: int
    pages: int
    left_out: int     # 304s whose earlier capture is not in the package


def pack(output_dir: str | os.PathLike, run_ids: list[str], target: str | os.PathLike | None = None) -> Packed:
    """Pack the runs' WARC files into a validated WACZ at `target` (default
    `OUTPUT_DIR/wacz/<run-id>.wacz`), written atomically."""
    run_ids = sorted(dict.fromkeys(run_ids or [latest_run(output_dir)]))
    warcs = [path for run_id in run_ids for path in run_warcs(output_dir, run_id)]
    releases = {run_id: fetched_releases(output_dir, run_id) for run_id in run_ids}
    pages, left_out = pages_of(warcs, releases)
    target = Path(target) if target else default_output(output_dir, run_ids)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=target.parent) as work:
        work_dir = Path(work)
        pages_file = work_dir / "pages.jsonl"
        lines = [PAGES_HEADER, *(page.as_json() for page in pages)]
        pages_file.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), "utf-8")
        extra = work_dir / "reports"
        extra.mkdir()
        for run_id in run_ids:
            for name in REPORT_FILES:
                report = run_dir(output_dir, run_id) / name
                if report.is_file():
                    stem, dot, suffix = name.partition(".")
                    shutil.copyfile(report, extra / f"{stem}-{run_id}{dot}{suffix}")
        package = work_dir / target.name
        args = ["create", "-o", str(package), "-p", str(pages_file), "-l", str(extra),
                "--title", f"beehive mirror: {', '.join(run_ids)}",
                "--desc", f"Web archive of beehive.govt.nz releases fetched in run(s) {', '.join(run_ids)}"]
        status, printed = _py_wacz([*args, *map(str, warcs)])
        if status != 0:
            raise PackError(f"{target}: py-wacz could not pack the runs: {printed.strip().splitlines()[-1:]}")
        valid, printed = validate(package)
        if not valid:
            raise PackError(f"{target}: the package does not pass `wacz validate`: {printed.strip()[-300:]}")
        os.replace(package, target)
    return Packed(target, len(warcs), len(pages), left_out)

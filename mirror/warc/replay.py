"""Replay of the web archive with pywb: the collection `mirror` under
`OUTPUT_DIR/replay/`, over the WARC files in `OUTPUT_DIR/warc/` read in place.

The collection's index is one CDXJ file per WARC file
(`collections/mirror/indexes/<warc>.cdxj`), made once for each closed WARC
file, so each update indexes only the files a run added; pywb lists the
folder at each query, so a running server sees them at once.

A `304 Not Modified` answer is recorded as a `revisit` record without a
payload digest (the earlier response may be in another run's file).  pywb
2.10 replays a revisit whose own HTTP status is 3xx as that status with an
empty body, whatever it refers to; so the index line of such a revisit
points at the capture it stands for (the URL's latest earlier 200 in the
collection) at the revisit's own timestamp, and names the revisit's file in
`revisit`.  Written by hand: neither pywb nor py-wacz resolves a 304 revisit
to the earlier capture.

`python -m mirror.warc.replay OUTPUT_DIR HOST PORT` serves the collection
until SIGTERM or SIGINT, indexing the WARC files runs finish meanwhile
(`mirror replay` execs it after updating the index).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from mirror.warc.files import FOLDER, SUFFIX

REPLAY = "replay"
COLLECTION = "mirror"
CONFIG = "config.yaml"
INDEX_SUFFIX = ".cdxj"
REINDEX_SECONDS = 5.0   # how often a running server looks for finished WARC files
# Fields of a CDXJ line, in pywb's order (the urlkey and timestamp lead the line).
_FIELDS = ("url", "mime", "status", "digest", "length", "offset", "filename")


def replay_root(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / REPLAY


def index_folder(output_dir: str | os.PathLike) -> Path:
    return replay_root(output_dir) / "collections" / COLLECTION / "indexes"


def available() -> bool:
    """True when pywb (the `replay` extra) is installed."""
    try:
        import pywb.indexer.archiveindexer  # noqa: F401
    except ImportError:
        return False
    return True


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")  # not *.cdxj: pywb never reads it
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def config_text(output_dir: str | os.PathLike) -> str:
    """pywb's configuration: the one collection, its index folder and the
    WARC folder; no live web, recorder or proxy, so it never goes online."""
    root = replay_root(output_dir).resolve()
    warcs = (Path(output_dir) / FOLDER).resolve()
    return (f"# written by `mirror replay`: the collection {COLLECTION!r} over {warcs}\n"
            f"collections_root: {json.dumps(str(root / 'collections'))}\n"
            "enable_auto_colls: false\n"
            "collections:\n"
            f"  {COLLECTION}:\n"
            f"    index_paths: {json.dumps(str(index_folder(output_dir).resolve()))}\n"
            f"    archive_paths: {json.dumps(str(warcs) + os.sep)}\n"
            "framed_replay: true\n"
            "enable_memento: true\n"
            "redirect_to_exact: false\n")


def _entries(path: Path) -> Iterator[tuple[str, str, dict, str]]:
    """(urlkey, timestamp, fields, http status) of each capture in a WARC
    file, in file order, with pywb's own indexer."""
    from pywb.indexer.archiveindexer import DefaultRecordParser

    with open(path, "rb") as stream:
        for entry in DefaultRecordParser(append_post=True)(stream):
            fields = {name: entry[name] for name in _FIELDS[:-1] if entry.get(name, "-") != "-"}
            fields["filename"] = path.name
            status = fields.get("status", "")
            record = getattr(entry, "record", None)
            if not status and record is not None and record.http_headers is not None:
                status = record.http_headers.get_statuscode() or ""
            yield entry["urlkey"], entry["timestamp"], fields, status


def _line(key: str, timestamp: str, fields: dict) -> str:
    return f"{key} {timestamp} {json.dumps(fields, ensure_ascii=False)}\n"


def _originals(folder: Path, keys: set[str]) -> dict[str, list[tuple[str, dict]]]:
    """The 200 captures of `keys` already in the index: key -> [(timestamp, fields)]."""
    found: dict[str, list[tuple[str, dict]]] = {}
    if not keys:
        return found
    for path in sorted(folder.glob("*" + INDEX_SUFFIX)):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                key, timestamp, rest = line.rstrip("\n").split(" ", 2)
                if key in keys:
                    fields = json.loads(rest)
                    if fields.get("status") == "200" and fields.get("mime") != "warc/revisit":
                        found.setdefault(key, []).append((timestamp, fields))
    return found


def index_lines(path: Path, known: dict[str, list[tuple[str, dict]]]) -> list[str]:
    """The sorted CDXJ lines of one WARC file, a 304 revisit pointing at the
    latest 200 of its URL in `known` up to its timestamp (updated with this
    file's 200s, in file order)."""
    lines = []
    for key, timestamp, fields, status in _entries(path):
        if fields.get("mime") == "warc/revisit" and status == "304":
            earlier = [c for c in known.get(key, ()) if c[0] <= timestamp]
            if earlier:
                original = max(earlier, key=lambda c: c[0])[1]
                fields = {name: original[name] for name in _FIELDS if name in original}
                fields["revisit"] = path.name
            else:
                fields["status"] = status  # nothing to stand for: replayed as the 304 it was
        elif fields.get("status") == "200" and fields.get("mime") != "warc/revisit":
            known.setdefault(key, []).append((timestamp, fields))
        lines.append(_line(key, timestamp, fields))
    return sorted(lines)


def _revisit_keys(paths: Iterable[Path]) -> set[str]:
    return {key for path in paths for key, _, fields, _ in _entries(path) if fields.get("mime") == "warc/revisit"}


def update_index(output_dir: str | os.PathLike) -> list[str]:
    """Index the closed WARC files under `output_dir` that have no index yet
    (oldest first: run ids sort in time order), drop the index of a WARC file
    that is gone, and write pywb's configuration.  Returns the names indexed."""
    output_dir = Path(output_dir)
    warcs = output_dir / FOLDER
    folder = index_folder(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    config = replay_root(output_dir) / CONFIG
    text = config_text(output_dir)
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        _atomic_text(config, text)
    present = sorted(warcs.glob("*" + SUFFIX)) if warcs.is_dir() else []
    names = {p.name for p in present}
    for index in folder.glob("*" + INDEX_SUFFIX):
        if index.name[: -len(INDEX_SUFFIX)] not in names:
            index.unlink()
    new = [p for p in present if not (folder / (p.name + INDEX_SUFFIX)).exists()]
    if not new:
        return []
    known = _originals(folder, _revisit_keys(new))
    for path in new:
        _atomic_text(folder / (path.name + INDEX_SUFFIX), "".join(index_lines(path, known)))
    return [p.name for p in new]


def _keep_indexed(output_dir: Path, interval: float) -> None:
    """Index the WARC files runs finish while the server runs (a run's last
    file is closed after its report is written), every `interval` seconds."""
    import gevent

    while True:
        gevent.sleep(interval)
        try:
            indexed = update_index(output_dir)
        except Exception as exc:  # noqa: BLE001 - the server goes on with the index it has; said each time
            print(f"mirror replay: cannot index the WARC files under {output_dir}: {exc}", file=sys.stderr, flush=True)
            continue
        if indexed:
            print(f"mirror replay: indexed {', '.join(indexed)}", flush=True)


def serve(output_dir: str | os.PathLike, host: str, port: int, reindex: float = REINDEX_SECONDS) -> int:
    """Serve the collection until SIGTERM or SIGINT, indexing new WARC files
    as they are finished; one process, no children."""
    from gevent import monkey

    monkey.patch_all()
    import gevent
    from gevent.pywsgi import WSGIServer
    from pywb.apps.frontendapp import FrontEndApp
    from pywb.utils.geventserver import RequestURIWSGIHandler

    output_dir = Path(output_dir).resolve()
    config = replay_root(output_dir) / CONFIG
    os.chdir(config.parent)  # pywb looks for custom templates and static files here
    app = FrontEndApp(config_file=str(config))
    server = WSGIServer((host, port), app, handler_class=RequestURIWSGIHandler)
    server.init_socket()
    # Stop accepting, finish the requests under way, and return from serve_forever.
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    indexer = gevent.spawn(_keep_indexed, output_dir, reindex)
    bound_host, bound_port = server.address[:2]
    print(f"mirror replay: http://{bound_host}:{bound_port}/{COLLECTION}/<timestamp>/<url> "
          f"(captures of a URL: /{COLLECTION}/*/<url>); SIGTERM or Ctrl-C stops it", flush=True)
    try:
        server.serve_forever()
    finally:
        indexer.kill()
    print("mirror replay: stopped", flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python -m mirror.warc.replay OUTPUT_DIR HOST PORT")
    sys.exit(serve(sys.argv[1], sys.argv[2], int(sys.argv[3])))

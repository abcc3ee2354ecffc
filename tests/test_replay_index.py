"""The replay collection's index over WARC files written by the crawl's own
writer, without a crawl: 304 revisits, files added and removed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from mirror.warc import replay
from mirror.warc.files import Exchange, WarcFiles

SITE = "https://www.beehive.govt.nz"
KNOWN, UNKNOWN = f"{SITE}/release/known-page", f"{SITE}/release/never-fetched-whole"
RUN1, RUN2 = "20260101T000000000Z", "20260102T000000000Z"


def write_run(output: Path, run_id: str, exchanges: list[Exchange]) -> None:
    files = WarcFiles(output / "warc", run_id)
    for exchange in exchanges:
        files.write(exchange)
    files.close()


def index_of(output: Path, run_id: str) -> dict[str, tuple[str, dict]]:
    path = replay.index_folder(output) / f"{run_id}-00000.warc.gz.cdxj"
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        _, timestamp, fields = line.split(" ", 2)
        data = json.loads(fields)
        found[data["url"]] = (timestamp, data)
    return found


def test_a_304_points_at_the_capture_it_stands_for_and_an_orphan_stays_a_304(tmp_path):
    output = tmp_path / "output"
    html = [(b"Content-Type", b"text/html; charset=utf-8")]
    write_run(output, RUN1, [Exchange(KNOWN, 200, html, b"<title>Known</title>",
                                      date=datetime(2026, 1, 1, 1, 0, 0, tzinfo=UTC))])
    assert replay.update_index(output) == [f"{RUN1}-00000.warc.gz"]
    write_run(output, RUN2, [Exchange(KNOWN, 304, date=datetime(2026, 1, 2, 1, 0, 0, tzinfo=UTC)),
                             Exchange(UNKNOWN, 304, date=datetime(2026, 1, 2, 1, 0, 5, tzinfo=UTC))])
    assert replay.update_index(output) == [f"{RUN2}-00000.warc.gz"]
    original = index_of(output, RUN1)[KNOWN][1]
    timestamp, known = index_of(output, RUN2)[KNOWN]
    assert timestamp == "20260102010000"
    assert known == {**original, "revisit": f"{RUN2}-00000.warc.gz"}
    timestamp, orphan = index_of(output, RUN2)[UNKNOWN]
    assert (orphan["mime"], orphan["status"], orphan["filename"]) == ("warc/revisit", "304", f"{RUN2}-00000.warc.gz")


def test_the_index_of_a_removed_warc_file_goes_with_it(tmp_path):
    output = tmp_path / "output"
    write_run(output, RUN1, [Exchange(KNOWN, 200, [], b"x")])
    replay.update_index(output)
    (output / "warc" / f"{RUN1}-00000.warc.gz").unlink()
    assert replay.update_index(output) == []
    assert list(replay.index_folder(output).iterdir()) == []
    config = (replay.replay_root(output) / replay.CONFIG).read_text(encoding="utf-8")
    assert str((output / "warc").resolve()) in config and "$live" not in config

"""Links from a report entry to its page as captured, in pywb's URL scheme
(`http://127.0.0.1:<port>/mirror/<timestamp>/<url>`): the capture of the
run, and for a changed page the capture before it.  Pure: the captures come
in as values (see `mirror.warc.replay.captures_of`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mirror.outcomes import Verdict

HOST = "127.0.0.1"
COLLECTION = "mirror"


@dataclass(frozen=True)
class Capture:
    timestamp: str   # 14 digits, UTC, as pywb's URLs take it
    status: str      # HTTP status as replayed: a 304 stands for an earlier 200 when the collection holds it
    warc: str        # the WARC file of the capture's own record (`<run-id>-NNNNN.warc.gz`)


@dataclass(frozen=True)
class CaptureLinks:
    this_run: str = ""        # replay URL of the run's capture
    this_run_time: str = ""   # its time, for people: `2026-12-03 05:18:20 UTC`
    previous: str = ""        # the capture before it, for a changed page
    previous_time: str = ""


def replay_url(port: int, timestamp: str, url: str, host: str = HOST) -> str:
    """pywb's address of `url` as captured at `timestamp` (the closest
    capture, when there is none at that very second)."""
    return f"http://{host}:{port}/{COLLECTION}/{timestamp}/{url}"


def capture_time(timestamp: str) -> str:
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}:{t[12:14]} UTC"


def _of_run(warc: str, run_id: str) -> bool:
    return warc.startswith(run_id + "-")


def capture_links(url: str, verdict: str, captures: Sequence[Capture], run_id: str, port: int) -> CaptureLinks:
    """The links for the entry of `url` in run `run_id`'s report: the run's
    last capture of `url` (whatever its status: a gone page's 404 too), and,
    when the entry is `changed`, the last replayable (200) capture from an
    earlier run's file, before the run's own.  No capture: no link."""
    ours = [c for c in captures if _of_run(c.warc, run_id)]
    if not ours:
        return CaptureLinks()
    this = max(ours, key=lambda c: c.timestamp)
    links = CaptureLinks(replay_url(port, this.timestamp, url), capture_time(this.timestamp))
    if verdict != Verdict.CHANGED:
        return links
    earlier = [c for c in captures if c.warc < run_id and c.status == "200" and c.timestamp <= this.timestamp]
    if not earlier:
        return links
    before = max(earlier, key=lambda c: (c.timestamp, c.warc))
    return CaptureLinks(links.this_run, links.this_run_time,
                        replay_url(port, before.timestamp, url), capture_time(before.timestamp))

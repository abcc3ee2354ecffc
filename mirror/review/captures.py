"""Links from a report entry to its page as captured, in pywb's URL scheme
(`http://127.0.0.1:<port>/mirror/<timestamp>/<url>`): the capture of the
run, and for a changed page the capture before it.  Pure: the capture
times come in as the manifest records them (`captured`, and
`previous_capture`, the page's last capture in an earlier run)."""

from __future__ import annotations

from dataclasses import dataclass

from mirror.outcomes import Verdict

HOST = "127.0.0.1"
COLLECTION = "mirror"


@dataclass(frozen=True)
class CaptureLinks:
    this_run: str = ""        # replay URL of the run's capture
    this_run_time: str = ""   # its time, for people: `2026-12-03 05:18:20 UTC`
    previous: str = ""        # the capture before it, for a changed page
    previous_time: str = ""


def replay_url(port: int, timestamp: str, url: str, host: str = HOST) -> str:
    """pywb's address of `url` as captured at `timestamp` (14 digits, UTC;
    pywb shows the closest capture when there is none at that very second)."""
    return f"http://{host}:{port}/{COLLECTION}/{timestamp}/{url}"


def capture_time(timestamp: str) -> str:
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}:{t[12:14]} UTC"


def _is_timestamp(text: str) -> bool:
    return len(text) == 14 and text.isdigit()


def capture_links(address: str, verdict: str, captured: str, previous_capture: str, port: int) -> CaptureLinks:
    """The links of an entry whose page answered at `address`, captured at
    `captured` in the run (nothing recorded: no link); a `changed` entry
    also links to `previous_capture`, when there is one before it.  A
    capture answered 304 replays as the page it stood for."""
    if not _is_timestamp(captured):
        return CaptureLinks()
    links = CaptureLinks(replay_url(port, captured, address), capture_time(captured))
    if verdict != Verdict.CHANGED or not _is_timestamp(previous_capture) or previous_capture >= captured:
        return links
    return CaptureLinks(links.this_run, links.this_run_time,
                        replay_url(port, previous_capture, address), capture_time(previous_capture))

"""The report's capture links, from captures given as values."""

from __future__ import annotations

from mirror.review.captures import Capture, CaptureLinks, capture_links, capture_time, replay_url

URL = "https://www.beehive.govt.nz/release/t%C4%81maki-bridge-opens"
RUN1, RUN2, RUN3 = "20260101T000000000Z", "20260201T000000000Z", "20260301T000000000Z"


def cap(timestamp: str, status: str, run_id: str, number: int = 0) -> Capture:
    return Capture(timestamp, status, f"{run_id}-{number:05d}.warc.gz")


def test_replay_url_is_pywbs_scheme():
    assert replay_url(8080, "20260201093000", URL) == f"http://127.0.0.1:8080/mirror/20260201093000/{URL}"
    assert capture_time("20260201093005") == "2026-02-01 09:30:05 UTC"


def test_no_capture_in_the_run_no_link():
    assert capture_links(URL, "changed", [cap("20260101000001", "200", RUN1)], RUN2, 8080) == CaptureLinks()
    assert capture_links(URL, "failed", [], RUN2, 8080) == CaptureLinks()


def test_a_changed_entry_links_to_the_run_and_to_the_last_replayable_capture_before():
    captures = [cap("20260101000001", "200", RUN1), cap("20260115000001", "304", RUN1, 1),
                cap("20260201000005", "200", RUN2)]
    links = capture_links(URL, "changed", captures, RUN2, 9000)
    assert links == CaptureLinks(replay_url(9000, "20260201000005", URL), "2026-02-01 00:00:05 UTC",
                                 replay_url(9000, "20260101000001", URL), "2026-01-01 00:00:01 UTC")


def test_a_304_standing_for_an_earlier_capture_counts_as_that_capture():
    # in the collection's index a 304 that found its capture is replayed as a 200
    captures = [cap("20260101000001", "200", RUN1), cap("20260201000001", "200", RUN2),
                cap("20260301000009", "200", RUN3)]
    links = capture_links(URL, "changed", captures, RUN3, 8080)
    assert links.previous == replay_url(8080, "20260201000001", URL)


def test_only_changed_entries_link_to_the_capture_before():
    captures = [cap("20260101000001", "200", RUN1), cap("20260201000001", "404", RUN2)]
    for verdict in ("gone", "new", "moved"):
        links = capture_links(URL, verdict, captures, RUN2, 8080)
        assert links == CaptureLinks(replay_url(8080, "20260201000001", URL), "2026-02-01 00:00:01 UTC")


def test_later_runs_and_other_statuses_are_never_the_capture_before():
    captures = [cap("20260101000001", "404", RUN1), cap("20260201000001", "200", RUN2),
                cap("20260301000001", "200", RUN3)]
    links = capture_links(URL, "changed", captures, RUN2, 8080)
    assert links.this_run.endswith("/20260201000001/" + URL) and links.previous == ""


def test_the_runs_last_capture_is_its_capture():
    captures = [cap("20260201000001", "301", RUN2), cap("20260201000003", "200", RUN2, 1)]
    assert capture_links(URL, "new", captures, RUN2, 8080).this_run.endswith("/20260201000003/" + URL)

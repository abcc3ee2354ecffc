"""The report's capture links, from the capture times a manifest records."""

from __future__ import annotations

from mirror.review.captures import CaptureLinks, capture_links, capture_time, replay_url

URL = "https://www.beehive.govt.nz/release/t%C4%81maki-bridge-opens"


def test_replay_url_is_pywbs_scheme():
    assert replay_url(8080, "20260201093000", URL) == f"http://127.0.0.1:8080/mirror/20260201093000/{URL}"
    assert capture_time("20260201093005") == "2026-02-01 09:30:05 UTC"


def test_nothing_recorded_no_link():
    assert capture_links(URL, "changed", "", "20260101000001", 8080) == CaptureLinks()
    assert capture_links(URL, "failed", "not a time", "", 8080) == CaptureLinks()


def test_a_changed_entry_links_to_its_capture_and_the_one_before():
    links = capture_links(URL, "changed", "20260201000005", "20260101000001", 9000)
    assert links == CaptureLinks(replay_url(9000, "20260201000005", URL), "2026-02-01 00:00:05 UTC",
                                 replay_url(9000, "20260101000001", URL), "2026-01-01 00:00:01 UTC")


def test_only_changed_entries_link_to_the_capture_before():
    for verdict in ("gone", "new", "moved", "blocked"):
        links = capture_links(URL, verdict, "20260201000001", "20260101000001", 8080)
        assert links == CaptureLinks(replay_url(8080, "20260201000001", URL), "2026-02-01 00:00:01 UTC")


def test_no_capture_before_or_a_later_one_is_no_previous_link():
    assert capture_links(URL, "changed", "20260201000001", "", 8080).previous == ""
    assert capture_links(URL, "changed", "20260201000001", "20260301000001", 8080).previous == ""
    assert capture_links(URL, "changed", "20260201000001", "20260201000001", 8080).previous == ""

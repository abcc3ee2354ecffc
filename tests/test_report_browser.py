"""report.html in the real headless Chromium (Debian's, driven by
Playwright): the class filters, fields side by side, changed words marked,
a hostile title kept as text, and no network request at all.  Skipped only
where no Chromium is installed."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from mirror.archive.document import Document
from mirror.outcomes import WHITESPACE_ONLY
from mirror.review.diff import (
    BLOCKED,
    CHANGED,
    FAILED,
    GONE,
    MOVED,
    NEW,
    SEED_INVALID,
    DiffResult,
    Entry,
)
from mirror.review.report import write_reports

CHROMIUM = "/usr/bin/chromium"
SITE = "https://www.beehive.govt.nz"
HOSTILE = '<script>window.pwned = 1</script><img src="http://127.0.0.1:9/x.png" onerror="window.pwned = 2">'

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="no chromium installed")


def sample_result() -> DiffResult:
    """A run's entries of every class, in seed-path order (mixed), with
    invented text."""
    def doc(slug: str, title: str, **fields: object) -> Document:
        return Document(title=title, date="2024-06-12", url=f"{SITE}/release/{slug}",
                        ministers=("Hon Aroha Invented",), portfolios=("Conservation",),
                        body="Work starts on the new track next week.\n\nIt will be open by summer.", **fields)

    track = doc("track", "New walking track for the ranges")
    hostile = doc("hostile", f"Funding {HOSTILE}")
    spaces = doc("spaces", "Wetland restoration begins")
    return DiffResult([
        Entry("", SEED_INVALID, "seeds/0-broken.md", reason="no front matter"),
        Entry(f"{SITE}/release/gone", GONE, "seeds/1-gone.md", reason="the site answered 404",
              seed_doc=doc("gone", "Harbour study released"), tried=[f"{SITE}/release/gone"]),
        Entry(spaces.url, CHANGED, "seeds/2-spaces.md", "releases/2024/06/2024-06-12-spaces.md", ["body"],
              WHITESPACE_ONLY, spaces, replace(spaces, body=spaces.body.replace("summer.", "summer.\u00a0"))),
        Entry(track.url, CHANGED, "seeds/3-track.md", "releases/2024/06/2024-06-12-track.md",
              ["title", "ministers", "body"], "", track,
              replace(track, title="New walking track for the eastern ranges",
                      ministers=("Hon Aroha Invented", "Hon Rawiri Madeup"),
                      body=track.body.replace("next week", "this week"))),
        Entry(f"{SITE}/release/moved", MOVED, "seeds/4-moved.md", reason=f"redirected to {SITE}/release/other",
              seed_doc=doc("moved", "Pest control update"), address=f"{SITE}/release/other"),
        Entry(hostile.url, CHANGED, "seeds/5-hostile.md", "releases/2024/06/2024-06-12-hostile.md", ["title"], "",
              replace(hostile, title="Funding"), hostile),
        Entry(f"{SITE}/release/blocked", BLOCKED, "seeds/6-blocked.md", reason="the bot wall answered",
              seed_doc=doc("blocked", "Blocked release")),
        Entry(f"{SITE}/release/failed", FAILED, "seeds/7-failed.md", reason="timeout",
              seed_doc=doc("failed", "Failed release")),
        Entry(f"{SITE}/release/new", NEW, "", "releases/2024/06/2024-06-12-new.md", reason="no seed has this release",
              output_doc=doc("new", "Kiwi sanctuary opens")),
    ], unchanged=[f"{SITE}/release/u{n}" for n in range(40)])


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return write_reports(sample_result(), {"id": "20260101T000000000Z", "seeds": "seeds", "output": "output",
                                           "finished": "2026-01-01T00:00:00+00:00"}, folder)["html"]


@pytest.fixture(scope="module")
def tab(report):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri(), wait_until="load", timeout=30_000)
            page.requests = requests  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()


def visible_entries(tab) -> list[str]:
    """The visible entries' class and heading (its text, badges left out), top to bottom."""
    return tab.eval_on_selector_all(
        ".entry", "els => els.filter(e => e.offsetParent !== null).map(e => e.classList[1] + ': ' + "
                  "Array.from(e.querySelector('h2').childNodes).filter(n => n.nodeType === Node.TEXT_NODE)"
                  ".map(n => n.textContent).join(''))")


def test_entries_come_in_review_order_headed_by_title_and_date(tab):
    # changed (the real changes in seed order, then the whitespace-only one), new, moved, gone, then
    # what could not be judged: blocked, failed, seed-invalid
    assert visible_entries(tab) == [
        "changed: New walking track for the eastern ranges (2024-06-12)",
        f"changed: Funding {HOSTILE} (2024-06-12)",
        "changed: Wetland restoration begins (2024-06-12)",
        "new: Kiwi sanctuary opens (2024-06-12)",
        "moved: Pest control update (2024-06-12)",
        "gone: Harbour study released (2024-06-12)",
        "blocked: Blocked release (2024-06-12)",
        "failed: Failed release (2024-06-12)",
        "seed-invalid: seeds/0-broken.md",
    ]
    assert tab.locator(".entry.whitespace-only .badge").all_inner_texts() == ["changed", "whitespace only"]


def test_the_class_filters_show_and_hide_the_right_entries(tab):
    try:
        for cls, count in (("changed", 3), ("new", 1), ("gone", 1), ("moved", 1), ("seed-invalid", 1),
                           ("blocked", 1), ("failed", 1)):
            tab.click(f"label[for=f-{cls}]")
            shown = visible_entries(tab)
            assert len(shown) == count and all(line.startswith(f"{cls}: ") for line in shown), (cls, shown)
    finally:
        tab.click("label[for=f-all]")
    assert len(visible_entries(tab)) == 9


def test_fields_sit_side_by_side(tab):
    row = tab.locator(".entry.changed").first.locator("table.fields tr").nth(1)
    name, seed, output = (row.locator("td").nth(n).bounding_box() for n in range(3))
    assert abs(seed["y"] - output["y"]) < 1 and abs(name["y"] - seed["y"]) < 1
    assert name["x"] + name["width"] <= seed["x"] + 1 and seed["x"] + seed["width"] <= output["x"] + 1
    assert row.locator("td").nth(1).inner_text() == "New walking track for the ranges"
    assert row.locator("td").nth(2).inner_text() == "New walking track for the eastern ranges"
    left, right = (tab.locator(".entry.changed").first.locator("table.diff tr.replace td").nth(n).bounding_box()
                   for n in range(2))
    assert abs(left["y"] - right["y"]) < 1 and left["x"] + left["width"] <= right["x"] + 1


def test_changed_words_are_marked(tab):
    entry = tab.locator(".entry.changed").first
    assert entry.locator("table.diff td.l del").all_inner_texts() == ["next"]
    assert entry.locator("table.diff td.r ins").all_inner_texts() == ["this"]
    marked = entry.locator("table.diff td.r ins").evaluate("e => getComputedStyle(e).backgroundColor")
    cell = entry.locator("table.diff td.r").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert marked != cell


def test_a_hostile_title_stays_text(tab):
    heading = tab.locator(".entry.changed").nth(1).locator("h2")
    assert HOSTILE in heading.inner_text()
    assert tab.evaluate("document.scripts.length") == 0
    assert tab.evaluate("document.images.length") == 0
    assert tab.evaluate("window.pwned === undefined")


def test_the_page_makes_no_network_request(tab, report):
    tab.reload(wait_until="load")
    tab.wait_for_timeout(200)
    assert tab.requests and set(tab.requests) == {report.as_uri()}

"""The Atom feeds: each run's report.atom and the merged reports/feed.atom,
read back with feedparser as a subscriber's reader would."""

from __future__ import annotations

from dataclasses import replace

import feedparser

from mirror.archive.document import Document
from mirror.outcomes import WHITESPACE_ONLY
from mirror.review.diff import BLOCKED, CHANGED, GONE, NEW, DiffResult, Entry
from mirror.review.feed import anchor, merge_feeds
from mirror.review.report import publish, render_html
from mirror.testing.pagebuild import Page

from .conftest import run_crawl, write_seed

SITE = "https://www.beehive.govt.nz"
HOSTILE = '<script>alert("t")</script>&amp;'


def result(body: str = "The new words.") -> DiffResult:
    seed = Document(title=f"Calm {HOSTILE}", date="2024-05-06", url=f"{SITE}/release/x", body="The old words.")
    return DiffResult([
        Entry(f"{SITE}/release/x", CHANGED, "seeds/x.md", "releases/x.md", ["body"], "", seed,
              replace(seed, body=body)),
        Entry(f"{SITE}/release/w", CHANGED, "seeds/w.md", "releases/w.md", ["body"], WHITESPACE_ONLY, seed,
              replace(seed, body="The old  words.")),
        Entry(f"{SITE}/release/g", GONE, "seeds/g.md", reason="the site answered 404",
              seed_doc=replace(seed, title="Gone one", url=f"{SITE}/release/g")),
        Entry(f"{SITE}/release/n", NEW, "", "releases/n.md", reason="no seed has this release",
              output_doc=replace(seed, title="New one", url=f"{SITE}/release/n")),
        Entry(f"{SITE}/release/b", BLOCKED, "seeds/b.md", reason="the bot wall answered"),
    ])


def parsed(path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    return feed


def run(run_id: str) -> dict:
    """A run dict; its id ends with the day of January it finished on."""
    day = int(run_id.rstrip("Z")[-2:].lstrip("r") or 1)
    return {"id": run_id, "seeds": "seeds", "output": "output", "finished": f"2026-01-{day:02d}T10:00:00+00:00"}


def test_report_atom_holds_the_entries_to_review_with_links_into_report_html(tmp_path):
    paths = publish(result(), run("r1"), tmp_path)
    feed = parsed(paths["atom"])
    # review order; whitespace-only and blocked entries are not in the feed
    assert [e.title for e in feed.entries] == [f"changed: Calm {HOSTILE} (2024-05-06)", "new: New one (2024-05-06)",
                                               "gone: Gone one (2024-05-06)"]
    assert [e.tags[0].term for e in feed.entries] == ["changed", "new", "gone"]
    changed = feed.entries[0]
    assert changed.id.startswith("urn:uuid:")
    assert changed.link == f"report.html#{anchor(result().entries[0])}"
    assert "changed: body" in changed.content[0].value and "2 changed (1 whitespace only)" in changed.content[0].value
    assert f'id="{anchor(result().entries[0])}"' in render_html(result(), run("r1"))
    assert [link.href for link in changed.links if link.rel == "related"] == [f"{SITE}/release/x"]
    assert "2 changed (1 whitespace only)" in feed.feed.subtitle


def test_the_same_change_keeps_its_id_and_a_new_change_gets_a_new_one(tmp_path):
    first = parsed(publish(result(), run("r1"), tmp_path / "a")["atom"])
    again = parsed(publish(result(), run("r2"), tmp_path / "b")["atom"])
    other = parsed(publish(result("Newer words."), run("r3"), tmp_path / "c")["atom"])
    assert [e.id for e in first.entries] == [e.id for e in again.entries]
    assert other.entries[0].id != first.entries[0].id
    assert [e.id for e in other.entries[1:]] == [e.id for e in first.entries[1:]]


def test_the_merged_feed_has_each_change_once_from_the_run_that_first_saw_it(tmp_path):
    publish(result(), run("20260101T000000001Z"), tmp_path)
    publish(result(), run("20260102T000000002Z"), tmp_path)
    paths = publish(result("Newer words."), run("20260103T000000003Z"), tmp_path)
    feed = parsed(paths["feed"])
    assert paths["feed"] == tmp_path / "reports" / "feed.atom"
    assert len(feed.entries) == 4 and len({e.id for e in feed.entries}) == 4
    # newest first: the change the third run found, then the first run's
    assert feed.entries[0].link.startswith("20260103T000000003Z/report.html#e-")
    assert all(e.link.startswith("20260101T000000001Z/report.html#e-") for e in feed.entries[1:])


def test_the_merged_feed_keeps_the_last_50_runs_and_skips_a_broken_feed(tmp_path):
    reports = tmp_path / "reports"
    for n in range(53):
        folder = reports / f"2026010{n // 10}T0000{n:02d}000Z"
        publish(result(f"Words {n}."), {**run(f"r{n % 28 + 1}"), "id": folder.name}, tmp_path, folder)
    (reports / "2026010~broken").mkdir()
    (reports / "2026010~broken" / "report.atom").write_text("<feed><entry>", encoding="utf-8")
    feed = parsed(merge_feeds(reports))
    changed = [e for e in feed.entries if e.tags[0].term == "changed"]
    assert len(changed) == 49  # 50 folders, the newest one broken
    assert "last 50 runs" in feed.feed.subtitle


def test_a_crawl_writes_both_feeds_and_a_second_run_adds_nothing_new(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    replica.add("feed-a", Page(title="Invented feed release", canonical=f"{SITE}/release/feed-a",
                               date_iso="2024-03-04T01:00:00Z", date_text="4 March 2024", body_html="<p>Words.</p>"))
    write_seed(seeds, "a.md", f"{SITE}/release/feed-a", title="Invented feed release", date="2024-03-04")
    write_seed(seeds, "b.md", f"{SITE}/release/feed-b", title="Invented gone release", date="2024-03-04")
    ids = []
    for _ in range(2):
        crawl = run_crawl(replica.origin, seeds, out)
        assert crawl.returncode == 1, crawl.log[-3000:]
        own = parsed(out / "reports" / "latest" / "report.atom")
        assert sorted(e.tags[0].term for e in own.entries) == ["changed", "gone"]
        ids.append(sorted(e.id for e in own.entries))
    assert ids[0] == ids[1]
    merged = parsed(out / "reports" / "feed.atom")
    assert sorted(e.id for e in merged.entries) == ids[0]
    runs = sorted(p.name for p in (out / "reports").iterdir() if p.is_dir() and not p.is_symlink())
    assert len(runs) == 2 and all(e.link.startswith(f"{runs[0]}/report.html#") for e in merged.entries)

"""Reaching releases at their real addresses: real crawls against the replica
in its default mode, where the archive's form of an address that is not the
real one answers 404, as the live site's exact alias lookup would."""

from __future__ import annotations

import json
import shutil

import pytest

from mirror.review.manifest import read_manifest
from mirror.testing.pagebuild import Page

from .conftest import Replica, run_crawl, shared_path, write_seed

SITE = "https://www.beehive.govt.nz"

# Each release's title and the address the site made from it: every kind
# of character the archive's id rule drops, as the site keeps it.
RELEASES = {
    "macron": ("Whānau Ora funding for Tāmaki", "/release/wh%C4%81nau-ora-funding-t%C4%81maki"),
    "apostrophe": ("Minister’s statement on the region’s roads",
                   "/release/minister%E2%80%99s-statement-region%E2%80%99s-roads"),
    "quotes": ("“Strong growth” ahead says Treasury", "/release/%E2%80%9Cstrong-growth%E2%80%9D-ahead-says-treasury"),
    "single-quotes": ("‘Fair go’ for renters", "/release/%E2%80%98fair-go%E2%80%99-renters"),
    "dash-ellipsis": ("Budget 2030 – more to come…", "/release/budget-2030-%E2%80%93-more-come%E2%80%A6"),
    "nbsp": ("New\u00a0Zealand leads talks", "/release/new%C2%A0zealand-leads-talks"),
    "zwsp": ("Rates\u200b relief extended", "/release/rates%E2%80%8B-relief-extended"),
    "nnbsp": ("Ten\u202fpercent rise in visitors", "/release/ten%E2%80%AFpercent-rise-visitors"),
    "repeated": ("Ōtaki bridge opens", "/release/%C5%8Dtaki-bridge-opens-0"),
}


def archive_form(path: str) -> str:
    from mirror.archive.urls import archive_url
    return archive_url(SITE + path)


def page(title: str, path: str, day: str = "2021-03-04") -> Page:
    return Page(title=title, canonical=SITE + path, date_iso=f"{day}T01:00:00Z", date_text=day,
                ministers=["Hon Test Minister"], portfolios=["Testing"], body_html=f"<p>{title}.</p>")


def manifest_of(output) -> dict:
    return read_manifest(output / "reports" / "latest" / "manifest.jsonl")


def report_of(output) -> dict:
    return json.loads((output / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))


@pytest.fixture
def site(tmp_path):
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site")  # archive forms answer 404
    yield replica
    replica.close()


def test_each_dropped_character_is_put_back_from_the_title(site, tmp_path):
    seeds = tmp_path / "seeds"
    for name, (title, path) in RELEASES.items():
        site.add(name, page(title, path))
        write_seed(seeds, f"{name}.md", archive_form(path), title=title, date="2021-03-04")
    result = run_crawl(site.origin, seeds, tmp_path / "output")
    manifest = manifest_of(tmp_path / "output")
    for name, (_title, path) in RELEASES.items():
        outcome = manifest[archive_form(path)]
        assert outcome.outcome == "written", (name, outcome)
        assert outcome.final_url == SITE + path
        # asked once, at its real address: the archive form never
        assert site.site.hits[path] == 1, name
        assert site.site.hits[archive_form(path)[len(SITE):]] == 0, name
    assert report_of(tmp_path / "output")["summary"]["gone"] == 0
    assert result.returncode == 1  # the seeds' bodies differ from the pages': changed


def test_node_release_is_asked_at_its_node_address(site, tmp_path):
    site.add("node", page("A release with no alias", "/node/4321", "2001-05-06"))
    write_seed(tmp_path / "seeds", "n.md", f"{SITE}/release/4321", title="A release with no alias")
    run_crawl(site.origin, tmp_path / "seeds", tmp_path / "output")
    outcome = manifest_of(tmp_path / "output")[f"{SITE}/release/4321"]
    assert (outcome.outcome, outcome.final_url) == ("written", f"{SITE}/node/4321")
    assert site.site.hits["/node/4321"] == 1 and site.site.hits["/release/4321"] == 0
    assert (tmp_path / "output/releases/2001/05/2001-05-06-4321.md").exists()


def test_address_found_is_remembered_and_asked_first_next_time(site, tmp_path):
    title, path = "Ngā kaupapa hou", "/release/ng%C4%81-kaupapa-hou"
    site.add("p", page(title, path))
    # the title edited since: the address cannot be rebuilt from it ...
    write_seed(tmp_path / "seeds", "p.md", archive_form(path), title="Nga kaupapa hou")
    first = run_crawl(site.origin, tmp_path / "seeds", tmp_path / "output")
    assert report_of(tmp_path / "output")["summary"]["gone"] == 1, first.log
    # ... until something tells the state where it lives
    from mirror.crawl.state import State
    state = State(tmp_path / "output" / "state" / "state.sqlite")
    state.remember(archive_form(path), etag="", last_modified="", output="", sha1="", address=SITE + path)
    state.close()
    site.site.hits.clear()
    run_crawl(site.origin, tmp_path / "seeds", tmp_path / "output")
    outcome = manifest_of(tmp_path / "output")[archive_form(path)]
    assert outcome.final_url == SITE + path and outcome.outcome == "written"
    assert site.site.hits[path] == 1 and sum(site.site.hits.values()) == 2  # and robots.txt


def test_a_candidate_that_fails_ends_the_search(site, tmp_path):
    title, path = "Kōrero at the marae", "/release/k%C5%8Drero-marae"
    site.add("p", page(title, path))
    site.plan({path: {"status": 500}})
    write_seed(tmp_path / "seeds", "p.md", archive_form(path), title=title)
    result = run_crawl(site.origin, tmp_path / "seeds", tmp_path / "output")
    outcome = manifest_of(tmp_path / "output")[archive_form(path)]
    assert (outcome.outcome, outcome.status) == ("failed", 500)
    # no further candidate: the archive form was never asked
    assert site.site.hits[archive_form(path)[len(SITE):]] == 0
    entry = next(e for e in report_of(tmp_path / "output")["entries"] if e["url"] == archive_form(path))
    assert entry["status"] == "failed"
    assert result.returncode == 2  # the only seed failed


def test_a_removed_release_is_gone_with_every_address_tried(site, tmp_path):
    title, path = "Tūī numbers rise", "/release/t%C5%AB%C4%AB-numbers-rise"
    write_seed(tmp_path / "seeds", "p.md", archive_form(path), title=title)
    run_crawl(site.origin, tmp_path / "seeds", tmp_path / "output")
    entry = report_of(tmp_path / "output")["entries"][0]
    assert entry["status"] == "gone"
    assert entry["tried"] == [SITE + path, archive_form(path)]
    assert "2 addresses tried" in entry["reason"]
    assert site.site.hits[path] == 1 and site.site.hits[archive_form(path)[len(SITE):]] == 1
    html = (tmp_path / "output/reports/latest/report.html").read_text(encoding="utf-8")
    assert "addresses tried" in html and SITE + path in html


def test_real_pages_at_their_real_addresses_come_out_as_archived(tmp_path):
    """The shared pairs, each page served at its canonical address only:
    none gone, and as many byte-identical as extraction can make them."""
    pages = shared_path("corpus", "pages")
    (tmp_path / "site").mkdir()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for html in sorted(pages.glob("*.html")):
        shutil.copy(html, tmp_path / "site" / html.name)
        shutil.copy(html.with_suffix(".md"), seeds / html.with_suffix(".md").name)
    replica = Replica(tmp_path / "site")
    try:
        run_crawl(replica.origin, seeds, tmp_path / "output", timeout=300)
        asked_at_archive_form = [path for path, n in replica.site.hits.items()
                                 if n and path not in replica.site.index() and path != "/robots.txt"]
    finally:
        replica.close()
    report = report_of(tmp_path / "output")
    summary = report["summary"]
    assert summary["gone"] == 0 and summary["failed"] == 0, report["entries"]
    assert summary["unchanged"] >= 119, summary  # the extraction fidelity figure
    assert sum(summary.values()) == 122
    assert asked_at_archive_form == []  # every release asked at its real address first


def test_a_redirect_to_the_release_itself_is_not_a_move(tmp_path):
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site", transliterated="redirect")
    try:
        title, path = "Whakatū port upgrade", "/release/whakat%C5%AB-port-upgrade"
        replica.add("p", page(title, path))
        # a title that no longer holds the macron: the archive form is asked, and redirected
        write_seed(tmp_path / "seeds", "p.md", archive_form(path), title="Whakatu port upgrade")
        # a node address the site redirects to the release's alias
        replica.add("alias", page("Aliased since", "/release/aliased-since", "2002-02-02"))
        replica.plan({"/node/777": {"status": 301, "location": "/release/aliased-since"}})
        write_seed(tmp_path / "seeds", "n.md", f"{SITE}/release/777", title="Aliased since")
        run_crawl(replica.origin, tmp_path / "seeds", tmp_path / "output")
    finally:
        replica.close()
    manifest = manifest_of(tmp_path / "output")
    assert manifest[archive_form(path)].final_url == SITE + path
    assert manifest[f"{SITE}/release/777"].final_url == f"{SITE}/release/aliased-since"
    statuses = {e["url"]: e["status"] for e in report_of(tmp_path / "output")["entries"]}
    assert statuses[archive_form(path)] == "changed"  # the seed's body differs: not moved
    assert statuses[f"{SITE}/release/777"] == "changed"  # its url field now names the alias

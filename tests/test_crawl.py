"""Real crawls: `scrapy crawl releases` against the replica on 127.0.0.1.

One crawl over a site of invented pages, each page built on the real page
structure to show one feature; each test then reads what the crawl wrote.
"""

from __future__ import annotations

import os

import pytest

from mirror.review.manifest import read_manifest
from mirror.testing.pagebuild import Page

from .conftest import Replica, run_crawl, unreachable_origin, write_seed

SITE = "https://www.beehive.govt.nz"
NBSP = "\u00a0"

PAGES = {
    # The current-government template: linked ministers and portfolios,
    # attachments, a UTC timestamp on the previous day of the NZ date.
    "linked": Page(
        title="Kererū count reaches record high",
        canonical=f"{SITE}/release/kereru-count-reaches-record-high",
        date_iso="2024-07-30T20:15:00Z", date_text="31 July 2024",
        ministers=["Hon Aroha Example", "Rt Hon Bill Sample"],
        portfolios=["Conservation", "Hunting and Fishing"],
        attachments=[f"{SITE}/sites/default/files/2024-07/Bird%20count%20summary.pdf",
                     "/sites/default/files/2024-07/methodology.docx"],
        linked=True,
        body_html=(
            "<p>The annual count found <strong>more birds</strong> than <em>ever</em> before.</p>\n"
            "<p>Volunteers in Ōtautahi<br>and Whanganui took part.</p>\n"
            f"<p>{NBSP}</p>\n"
            "<ul><li>Sites counted: 412</li><li>Birds seen: 9,001</li></ul>\n"
            '<p>Read the <a href="/release/earlier-count">earlier count</a> and the '
            '<a href="https://example.org/birds">full data</a>.</p>'
        ),
    ),
    # An earlier government: plain names in span.is-archived, padded.
    "archived": Page(
        title="Minister  opens  new  library",
        canonical=f"{SITE}/release/minister-opens-new-library",
        date_iso="2003-05-01T00:00:00Z", date_text="1 May 2003",
        ministers=["Jane Placeholder"], portfolios=["Arts, Culture and Heritage"],
        body_html="<p>A library opened today.</p>",
    ),
    "nonascii": Page(
        title="Ngāi Tahu partnership for Tāhuna",
        canonical=f"{SITE}/release/ng%C4%81i-tahu-partnership-t%C4%81huna-%E2%80%93-update",
        date_iso="2021-02-03T01:00:00Z", date_text="3 February 2021",
        ministers=["Hon Test Minister"], portfolios=["Māori Crown Relations: Te Arawhiti"],
        body_html="<p>Kia ora koutou.</p>",
    ),
    "undated": Page(
        title="A release with no date", canonical=f"{SITE}/release/release-no-date",
        ministers=["Hon Test Minister"], portfolios=["Testing"], body_html="<p>When was this?</p>",
    ),
    "textdate": Page(
        title="A release dated in words", canonical=f"{SITE}/release/release-dated-in-words",
        date_text="7 June 2012", ministers=["Hon Test Minister"], body_html="<p>Undated attribute.</p>",
    ),
    "nobody": Page(
        title="Documents only", canonical=f"{SITE}/release/documents-only",
        date_iso="2005-05-09T02:00:00Z", date_text="9 May 2005", ministers=["Hon Test Minister"],
        portfolios=["Health"], attachments=[f"{SITE}/sites/default/files/paper.pdf"], body_html=None,
    ),
    "empty": Page(title="", canonical=f"{SITE}/release/empty-page", date_iso="2010-01-01T00:00:00Z",
                  body_html=""),
    "unsafe": Page(title="Dot dot", canonical=f"{SITE}/release/%2E%2E", date_iso="2010-01-01T00:00:00Z",
                   body_html="<p>Escape attempt.</p>"),
    "node": Page(title="A release with no alias", canonical=f"{SITE}/node/23247",
                 date_iso="2005-05-31T00:00:00Z", ministers=["Hon Test Minister"], body_html="<p>Node.</p>"),
}

SEEDS = {
    "2024/07/linked.md": f"{SITE}/release/kereru-count-reaches-record-high",
    "2003/05/archived.md": f"{SITE}/release/minister-opens-new-library",
    # the real (percent-encoded) address: the archive names it by its transliteration
    "2021/02/nonascii.md": f"{SITE}/release/ng%C4%81i-tahu-partnership-t%C4%81huna-%E2%80%93-update",
    "undated.txt": f"{SITE}/release/release-no-date",
    "textdate.markdown": f"{SITE}/release/release-dated-in-words",
    "nobody.md": f"{SITE}/release/documents-only",
    "empty.md": f"{SITE}/release/empty-page",
    "unsafe.md": f"{SITE}/release/%2E%2E",
    "node.md": f"{SITE}/node/23247",
    "blocked.md": f"{SITE}/release/blocked-page",
    "missing.md": f"{SITE}/release/no-such-page",
    # the same release as linked.md, by another file: fetched once
    "zz/duplicate.md": "http://beehive.govt.nz/release/kereru-count-reaches-record-high",
}

BAD_SEEDS = {
    "bad/no-front-matter.md": b"Just a body, no front matter.",
    "bad/broken-front-matter.md": b'---\ntitle: "unterminated\ndate: 2020-01-01\nurl: [\n---\n\nx',
    "bad/no-url.md": b'---\ntitle: "No url"\ndate: 2020-01-01\n---\n\nx',
    "bad/outside.md": b'---\ntitle: "Elsewhere"\ndate: 2020-01-01\nurl: https://example.org/release/x\n---\n\nx',
    "bad/latin1.md": b'---\ntitle: "Caf\xe9"\ndate: 2020-01-01\nurl: https://www.beehive.govt.nz/release/cafe\n---\n\nx',
}


def crawl_the_site(root, settings: dict | None = None):
    """The site of PAGES and its SEEDS (good and bad) under `root`, crawled."""
    (root / "site").mkdir()
    replica = Replica(root / "site")
    for name, page in PAGES.items():
        replica.add(name, page)
    replica.plan({"/release/blocked-page": {"block": True}})
    seeds = root / "seeds"
    for name, url in SEEDS.items():
        write_seed(seeds, name, url)
    for name, data in BAD_SEEDS.items():
        (seeds / name).parent.mkdir(parents=True, exist_ok=True)
        (seeds / name).write_bytes(data)
    (seeds / "notes.json").write_text("{}")  # not a seed: wrong suffix
    result = run_crawl(replica.origin, seeds, root / "output", settings=settings)
    result.hits = dict(replica.site.hits)
    replica.close()
    return result


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    return crawl_the_site(tmp_path_factory.mktemp("crawl"))


def test_linked_template_every_field(crawl):
    assert crawl.file("releases/2024/07/2024-07-30-kereru-count-reaches-record-high.md") == (
        "---\n"
        'title: "Kererū count reaches record high"\n'
        "date: 2024-07-30\n"
        "url: https://www.beehive.govt.nz/release/kereru-count-reaches-record-high\n"
        "ministers:\n  - Hon Aroha Example\n  - Rt Hon Bill Sample\n"
        "portfolios:\n  - Conservation\n  - Hunting and Fishing\n"
        "attachments:\n"
        "  - https://www.beehive.govt.nz/sites/default/files/2024-07/Bird%20count%20summary.pdf\n"
        "  - https://www.beehive.govt.nz/sites/default/files/2024-07/methodology.docx\n"
        "---\n\n"
        "The annual count found **more birds** than *ever* before.\n\n"
        "Volunteers in Ōtautahi  \nand Whanganui took part.\n\n"
        f"{NBSP}\n\n"
        "- Sites counted: 412\n- Birds seen: 9,001\n\n"
        "Read the [earlier count](/release/earlier-count) and the [full data](https://example.org/birds)."
    )


def test_archived_template_and_title_spacing(crawl):
    text = crawl.file("releases/2003/05/2003-05-01-minister-opens-new-library.md")
    # the title is trimmed, not collapsed: the archive keeps inner runs of spaces
    assert text.startswith('---\ntitle: "Minister  opens  new  library"\ndate: 2003-05-01\n')
    assert "ministers:\n  - Jane Placeholder\nportfolios:\n  - Arts, Culture and Heritage\n---\n\n" in text
    assert text.endswith("A library opened today.")


def test_traps_outside_the_article_are_ignored(crawl):
    for path in crawl.files():
        text = (crawl.output / path).read_text(encoding="utf-8")
        assert "Menu Trap" not in text and "Footer minister" not in text and "Menu\n" not in text
        assert "Releases](/releases)" not in text


def test_non_ascii_slug_is_archived_by_its_transliteration(crawl):
    text = crawl.file("releases/2021/02/2021-02-03-ngai-tahu-partnership-tahuna--update.md")
    assert "url: https://www.beehive.govt.nz/release/ngai-tahu-partnership-tahuna--update\n" in text
    # a list item YAML would read as a mapping is written back as raw text
    assert "portfolios:\n  - Māori Crown Relations: Te Arawhiti\n---" in text


def test_undated_page_gets_the_archive_null_date(crawl):
    text = crawl.file("releases/0001/01/0001-01-01-release-no-date.md")
    assert "\ndate: 0001-01-01\n" in text


def test_visible_date_is_parsed_when_the_attribute_is_missing(crawl):
    assert "\ndate: 2012-06-07\n" in crawl.file("releases/2012/06/2012-06-07-release-dated-in-words.md")


def test_page_without_body_element_ends_after_front_matter(crawl):
    text = crawl.file("releases/2005/05/2005-05-09-documents-only.md")
    assert text.endswith("attachments:\n  - https://www.beehive.govt.nz/sites/default/files/paper.pdf\n---\n\n")


def test_node_url_is_archived_as_a_release(crawl):
    assert "url: https://www.beehive.govt.nz/release/23247\n" in crawl.file(
        "releases/2005/05/2005-05-31-23247.md")


def test_block_page_and_empty_page_are_dropped_with_reasons(crawl):
    assert not any("blocked-page" in p or "empty-page" in p for p in crawl.files())
    manifest = read_manifest(crawl.output / "reports" / "latest" / "manifest.jsonl")
    blocked, empty = manifest[f"{SITE}/release/blocked-page"], manifest[f"{SITE}/release/empty-page"]
    assert (blocked.outcome, blocked.reason) == ("blocked", "the bot wall answered instead of the page")
    assert (empty.outcome, empty.reason) == ("dropped", "page has neither title nor body")
    assert crawl.stats["mirror/dropped/blocked"] == 1
    assert crawl.stats["mirror/dropped/empty"] == 1


def test_unsafe_id_is_refused(crawl):
    # a seed whose id decodes to ".." is not a seed at all: nothing is asked for it
    invalid = [e for e in crawl.report()["entries"] if e["seed"].endswith("/unsafe.md")]
    assert len(invalid) == 1 and invalid[0]["status"] == "seed-invalid"
    assert invalid[0]["reason"].startswith("unsafe document id '..'")
    assert crawl.hits.get("/release/%2E%2E", 0) == 0
    assert all(".." not in p for p in crawl.files())
    assert not (crawl.output.parent / "2010-01-01-.md").exists()


def test_missing_page_is_a_failure_with_its_reason(crawl):
    manifest = read_manifest(crawl.output / "reports" / "latest" / "manifest.jsonl")
    missing = manifest[f"{SITE}/release/no-such-page"]
    assert (missing.outcome, missing.status, missing.reason) == ("failed", 404, "http 404")
    assert crawl.stats["mirror/failed/http 404"] == 1


@pytest.mark.parametrize("name, reason", [
    ("no-front-matter.md", "no front matter"),
    ("broken-front-matter.md", "broken front matter"),
    ("no-url.md", "no url in front matter"),
    ("outside.md", "URL outside beehive.govt.nz: https://example.org/release/x"),
    ("latin1.md", "not UTF-8"),
])
def test_bad_seeds_are_reported_and_skipped(crawl, name, reason):
    entries = [e for e in crawl.report()["entries"] if e["seed"].endswith(f"/bad/{name}")]
    assert len(entries) == 1 and entries[0]["status"] == "seed-invalid" and reason in entries[0]["reason"]
    assert not entries[0]["output"]
    # (a test of the log: each bad seed is named once, on one line, with its reason)
    lines = [line for line in crawl.log.splitlines() if f"bad/{name}" in line]
    assert len(lines) == 1 and "bad seed" in lines[0] and reason in lines[0]


def test_duplicate_seed_fetched_once_and_reported(crawl):
    assert crawl.hits["/release/kereru-count-reaches-record-high"] == 1
    assert crawl.stats["mirror/seeds/duplicate"] == 1 and crawl.report()["run"]["duplicates"] == 1
    # (a test of the log: the duplicate file is named there, and only there)
    lines = [line for line in crawl.log.splitlines() if "zz/duplicate.md" in line]
    assert len(lines) == 1 and "duplicate seed" in lines[0]


def test_summary_counts(crawl):
    assert crawl.returncode == 1  # the placeholder seeds all differ from their pages: to review
    summary = crawl.report()["run"]["crawl"]
    assert {key: summary[key] for key in ("seeds read", "bad seeds", "duplicates", "requested", "fetched",
                                          "written", "unchanged on disk", "dropped", "failed")} == {
        "seeds read": 17, "bad seeds": 6, "duplicates": 1, "requested": 10, "fetched": 9, "written": 7,
        "unchanged on disk": 0, "dropped": {"blocked": 1, "empty": 1}, "failed": {"http 404": 1}}
    # the same counts in the Scrapy stats
    stats = crawl.stats
    assert (stats["mirror/seeds/read"], stats["mirror/seeds/bad"], stats["mirror/seeds/duplicate"]) == (17, 6, 1)
    assert (stats["mirror/fetched"], stats["mirror/written"], stats.get("mirror/unchanged", 0)) == (9, 7, 0)
    # (a test of the log: the crawl ends with one summary line)
    assert sum("mirror summary: seeds read: 17; bad seeds: 6;" in line for line in crawl.log.splitlines()) == 1


def test_log_names_only_the_real_site(crawl):
    # (a test of the log itself: what a person reading it is told)
    releases = [line for line in crawl.log.splitlines() if "beehive.govt.nz/release/" in line]
    assert releases and all("127.0.0.1" not in line for line in releases)


def test_every_written_file_is_canonical(crawl):
    from mirror.archive.lint import CANONICAL, lint_paths
    results = list(lint_paths([str(crawl.output / "releases")]))
    assert results and all(r.verdict == CANONICAL for r in results)


# --- runs of their own -------------------------------------------------------

@pytest.mark.parametrize("processes", ["0", "2"])  # in the crawl's process; two workers (default: one)
def test_every_extraction_setting_gives_the_same_documents_and_outcomes(crawl, tmp_path, processes):
    other = crawl_the_site(tmp_path, settings={"EXTRACT_PROCESSES": processes})
    assert other.returncode == crawl.returncode
    assert other.files() == crawl.files() and crawl.files()
    for relative in crawl.files():
        assert (other.output / relative).read_bytes() == (crawl.output / relative).read_bytes(), relative
    assert other.report()["run"]["crawl"] == crawl.report()["run"]["crawl"]
    assert crawl.report()["run"]["crawl"]["dropped"] == {"blocked": 1, "empty": 1}


def _one_page_site(replica: Replica, seeds):
    replica.add("linked", PAGES["linked"])
    write_seed(seeds, "a.md", f"{SITE}/release/kereru-count-reaches-record-high")


@pytest.mark.parametrize("conditional, counts", [
    ("0", {"not modified": 0, "written": 0, "unchanged on disk": 1}),   # fetched again, same bytes
    ("1", {"not modified": 1, "written": 0, "unchanged on disk": 0}),   # a 304: nothing to extract
])
def test_unchanged_file_is_left_untouched(replica, tmp_path, conditional, counts):
    _one_page_site(replica, tmp_path / "seeds")
    out = tmp_path / "output"
    first = run_crawl(replica.origin, tmp_path / "seeds", out)
    target = out / "releases/2024/07/2024-07-30-kereru-count-reaches-record-high.md"
    assert first.returncode == 1 and target.exists()
    os.utime(target, (1_000_000_000, 1_000_000_000))
    second = run_crawl(replica.origin, tmp_path / "seeds", out, settings={"CONDITIONAL_REQUESTS": conditional})
    assert second.returncode == 1
    assert target.stat().st_mtime == 1_000_000_000
    summary = second.report()["run"]["crawl"]
    assert {key: summary[key] for key in counts} == counts
    assert not [p for p in out.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_unreachable_origin_fails_every_seed_and_keeps_output(replica, tmp_path):
    _one_page_site(replica, tmp_path / "seeds")
    write_seed(tmp_path / "seeds", "b.md", f"{SITE}/release/another")
    out = tmp_path / "output"
    kept = out / "releases/2024/07/2024-07-30-kereru-count-reaches-record-high.md"
    kept.parent.mkdir(parents=True)
    kept.write_text("earlier bytes", encoding="utf-8")
    result = run_crawl(unreachable_origin(), tmp_path / "seeds", out)
    assert result.returncode == 2
    assert result.stats["mirror/failed/refused"] == 2
    manifest = read_manifest(out / "reports" / "latest" / "manifest.jsonl")
    assert manifest[f"{SITE}/release/another"].reason == "refused"
    assert kept.read_text(encoding="utf-8") == "earlier bytes"
    assert result.files() == ["releases/2024/07/2024-07-30-kereru-count-reaches-record-high.md"]


def test_single_url_argument(replica, tmp_path):
    _one_page_site(replica, tmp_path / "seeds")
    replica.add("archived", PAGES["archived"])
    result = run_crawl(replica.origin, tmp_path / "seeds", tmp_path / "output",
                       "-a", f"url={SITE}/release/minister-opens-new-library")
    assert result.returncode == 1
    assert result.files() == ["releases/2003/05/2003-05-01-minister-opens-new-library.md"]


def test_limit_takes_first_seeds_in_path_order(replica, tmp_path):
    seeds = tmp_path / "seeds"
    replica.add("linked", PAGES["linked"])
    replica.add("archived", PAGES["archived"])
    write_seed(seeds, "b/second.md", f"{SITE}/release/kereru-count-reaches-record-high")
    write_seed(seeds, "a/first.md", f"{SITE}/release/minister-opens-new-library")
    result = run_crawl(replica.origin, seeds, tmp_path / "output", "-a", "limit=1")
    assert result.files() == ["releases/2003/05/2003-05-01-minister-opens-new-library.md"]


@pytest.mark.parametrize("mode", ["redirect", "serve"])
def test_transliterated_seed_url_reaches_the_page(tmp_path, mode):
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site", transliterated=mode)
    try:
        replica.add("nonascii", PAGES["nonascii"])
        write_seed(tmp_path / "seeds", "n.md", f"{SITE}/release/ngai-tahu-partnership-tahuna--update")
        result = run_crawl(replica.origin, tmp_path / "seeds", tmp_path / "output")
    finally:
        replica.close()
    assert result.files() == ["releases/2021/02/2021-02-03-ngai-tahu-partnership-tahuna--update.md"]


def test_the_reports_links_name_the_runs_replay_port(replica, tmp_path):
    _one_page_site(replica, tmp_path / "seeds")
    out = tmp_path / "output"
    result = run_crawl(replica.origin, tmp_path / "seeds", out, settings={"REPLAY_PORT": "9124"})
    assert result.report()["run"]["replay_port"] == 9124
    html = (out / "reports" / "latest" / "report.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:9124/mirror/" in html and ":8080/" not in html

"""Real crawls where the site changes between the run that wrote the seeds
and the check: every change lands in its class, in all three reports, with
the right exit status, and no seed or output file is lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from mirror.testing.pagebuild import Page

from .conftest import REPO, Replica, latest_report, run_crawl, unreachable_origin, write_seed

SITE = "https://www.beehive.govt.nz"


def page(slug: str, **fields) -> Page:
    base = Page(title=f"Release about {slug}", canonical=f"{SITE}/release/{slug}",
                date_iso="2025-03-02T21:00:00Z", date_text="3 March 2025",
                ministers=["Hon First Minister", "Hon Second Minister"], portfolios=["Transport"],
                body_html=f"<p>Opening paragraph about {slug}.</p><p>Closing paragraph.</p>", linked=True)
    return replace(base, **fields)


SLUGS = ["retitled", "extended", "fewer-ministers", "more-attachments", "removed", "withdrawn",
         "redirected", "redirect-target", "walled", "erroring", "steady"]


def tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    (root / "site").mkdir()
    replica = Replica(root / "site")
    for slug in SLUGS:
        replica.add(slug, page(slug))
    placeholder = root / "placeholder-seeds"
    for slug in SLUGS:
        write_seed(placeholder, f"{slug}.md", f"{SITE}/release/{slug}")
    output = root / "output"
    first = run_crawl(replica.origin, placeholder, output)
    assert first.returncode == 1, first.log
    # the first run's documents become the seeds
    seeds = root / "seeds"
    shutil.copytree(output / "releases", seeds / "releases")
    (seeds / "unusable.md").write_text("this seed has no front matter", encoding="utf-8")
    # then the site changes
    replica.add("retitled", page("retitled", title="A better title for retitled"))
    replica.add("extended", page("extended", body_html="<p>Opening paragraph about extended.</p>"
                                 "<p>Closing paragraph.</p><p>An added paragraph.</p>"))
    replica.add("fewer-ministers", page("fewer-ministers", ministers=["Hon First Minister"]))
    replica.add("more-attachments", page("more-attachments",
                                         attachments=[f"{SITE}/sites/default/files/2025-03/annex.pdf"]))
    replica.plan({
        "/release/removed": {"status": 404},
        "/release/withdrawn": {"status": 410},
        "/release/redirected": {"status": 301, "location": "/release/redirect-target"},
        "/release/walled": {"block": True},
        "/release/erroring": {"status": 500},
    })
    seeds_before, output_before = tree(seeds), tree(output / "releases")
    second = run_crawl(replica.origin, seeds, output)
    replica.close()
    latest = output / "reports" / "latest"
    return {"root": root, "seeds": seeds, "output": output, "result": second, "latest": latest,
            "report": json.loads((latest / "report.json").read_text(encoding="utf-8")),
            "seeds_before": seeds_before, "output_before": output_before}


def entry(review, slug):
    matches = [e for e in review["report"]["entries"] if e["url"] == f"{SITE}/release/{slug}"]
    assert len(matches) == 1, review["report"]["entries"]
    return matches[0]


@pytest.mark.parametrize("slug, status, fields", [
    ("retitled", "changed", ["title"]),
    ("extended", "changed", ["body"]),
    ("fewer-ministers", "changed", ["ministers"]),
    ("more-attachments", "changed", ["attachments"]),
    ("removed", "gone", []),
    ("withdrawn", "gone", []),
    ("redirected", "moved", []),
    ("walled", "blocked", []),
    ("erroring", "failed", []),
])
def test_each_change_lands_in_its_class(review, slug, status, fields):
    found = entry(review, slug)
    assert (found["status"], found["fields"]) == (status, fields)


def test_unchanged_release_is_not_an_entry_and_summary_counts(review):
    urls = {e["url"] for e in review["report"]["entries"]}
    assert f"{SITE}/release/steady" not in urls and f"{SITE}/release/redirect-target" not in urls
    assert review["report"]["summary"] == {"unchanged": 2, "changed": 4, "new": 0, "gone": 2, "moved": 1,
                                           "blocked": 1, "failed": 1, "seed-invalid": 1}
    invalid = [e for e in review["report"]["entries"] if e["status"] == "seed-invalid"]
    assert invalid[0]["seed"].endswith("unusable.md") and "no front matter" in invalid[0]["reason"]


def test_failure_reasons_are_kept(review):
    assert entry(review, "erroring")["reason"] == "http 500"
    assert "404" in entry(review, "removed")["reason"] and "410" in entry(review, "withdrawn")["reason"]
    assert "redirect-target" in entry(review, "redirected")["reason"]


def test_exit_status_says_review(review):
    assert review["result"].returncode == 1
    # (a test of the log: the run ends by naming its HTML report)
    assert f"report: {review['latest'].resolve() / 'report.html'}" in review["result"].log


def test_markdown_and_html_reports_hold_every_entry(review):
    md = (review["latest"] / "report.md").read_text(encoding="utf-8")
    html = (review["latest"] / "report.html").read_text(encoding="utf-8")
    for e in review["report"]["entries"]:
        shown = e["url"] or e["seed"]
        assert shown in md and shown in html
    assert "+An added paragraph." in md
    assert "<ins>An added paragraph.</ins>" in html  # an inserted line: marked whole


def test_manifest_records_every_requested_url(review):
    lines = (review["latest"] / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    records = {json.loads(line)["url"]: json.loads(line) for line in lines}
    assert set(records) == {f"{SITE}/release/{slug}" for slug in SLUGS}
    assert records[f"{SITE}/release/erroring"]["status"] == 500
    assert records[f"{SITE}/release/redirected"]["final_url"] == f"{SITE}/release/redirect-target"


def test_no_seed_or_output_file_is_lost(review):
    assert tree(review["seeds"]) == review["seeds_before"]
    after = tree(review["output"] / "releases")
    assert set(review["output_before"]) <= set(after)


def test_accept_then_diff_shows_them_unchanged(review, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(review["seeds"], seeds)
    output = review["output"]
    report = json.loads((review["latest"] / "report.json").read_text(encoding="utf-8"))
    # point the copied report at the copied seeds
    for e in report["entries"]:
        if e["seed"]:
            e["seed"] = e["seed"].replace(str(review["seeds"]), str(seeds))
    report_dir = tmp_path / "report"
    report_dir.mkdir()
    (report_dir / "report.json").write_text(json.dumps(report), encoding="utf-8")
    retitled_seed = next(seeds.rglob("*retitled.md"))
    old_bytes = retitled_seed.read_bytes()

    accepted = subprocess.run([sys.executable, "-m", "mirror", "accept", "--all-changed", "--report",
                               str(report_dir), "--seeds", str(seeds), "--output", str(output)],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
    assert accepted.returncode == 0, accepted.stderr
    history = output / "history" / report["run"]["id"]
    assert (history / retitled_seed.relative_to(seeds)).read_bytes() == old_bytes
    assert len([p for p in history.rglob("*") if p.is_file()]) == 4  # the four changed seeds, kept
    assert accepted.stdout.count("accepted ") == 4  # (a test of its output: a line per document)

    again = subprocess.run([sys.executable, "-m", "mirror", "diff", "--seeds", str(seeds), "--output",
                            str(output), "--manifest", str(review["latest"] / "manifest.jsonl"),
                            "--report", str(tmp_path / "again")], cwd=REPO, capture_output=True, text=True,
                           timeout=120)
    data = json.loads((tmp_path / "again" / "report.json").read_text(encoding="utf-8"))
    assert data["summary"]["changed"] == 0 and data["summary"]["unchanged"] == 6
    assert again.returncode == 1  # the gone and moved entries still want review


def test_refused_connection_fails_every_seed_and_exits_2(review, tmp_path):
    output = tmp_path / "output"
    shutil.copytree(review["output"] / "releases", output / "releases")
    before = tree(output / "releases")
    result = run_crawl(unreachable_origin(), review["seeds"], output)
    assert result.returncode == 2
    report = json.loads((output / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["failed"] == len(SLUGS)
    assert {e["reason"] for e in report["entries"] if e["status"] == "failed"} == {"refused"}
    assert tree(output / "releases") == before


def test_new_document_from_single_url_run(review, tmp_path):
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site")
    try:
        replica.add("fresh", page("fresh-release"))
        result = run_crawl(replica.origin, review["seeds"], tmp_path / "output", "-a",
                           f"url={SITE}/release/fresh-release")
    finally:
        replica.close()
    report = json.loads((tmp_path / "output/reports/latest/report.json").read_text(encoding="utf-8"))
    assert [(e["status"], e["url"]) for e in report["entries"]] == [("new", f"{SITE}/release/fresh-release")]
    assert result.returncode == 1


def test_mirror_diff_without_manifest_never_says_gone(review, tmp_path):
    empty = tmp_path / "empty-output"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-m", "mirror", "diff", "--seeds", str(review["seeds"]),
                           "--output", str(empty)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    data = json.loads((empty / "reports" / "latest" / "report.json").read_text(encoding="utf-8"))
    assert data["summary"]["gone"] == 0 and data["summary"]["failed"] == len(SLUGS)


NOTHING = {"unchanged": 0, "changed": 0, "new": 0, "gone": 0, "moved": 0, "blocked": 0, "failed": 0, "seed-invalid": 0}


def test_mirror_run_crawls_diffs_and_exits_with_the_verdict(tmp_path):
    (tmp_path / "site").mkdir()
    replica = Replica(tmp_path / "site")
    try:
        replica.add("steady", page("steady"))
        first = run_crawl(replica.origin, tmp_path / "none", tmp_path / "first", "-a", f"url={SITE}/release/steady")
        assert first.returncode == 1  # new: no seed had it
        seeds = tmp_path / "seeds"
        shutil.copytree(tmp_path / "first" / "releases", seeds / "releases")
        command = [sys.executable, "-m", "mirror", "run", "-s", f"MIRROR_ORIGIN={replica.origin}",
                   "-s", f"SEEDS_DIR={seeds}", "-s", f"OUTPUT_DIR={tmp_path / 'output'}",
                   "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"]
        same = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert same.returncode == 0, same.stderr
        assert latest_report(tmp_path / "output")["summary"] == {**NOTHING, "unchanged": 1}
        assert "report.html" in same.stdout  # (a test of its output: it names the report)
        replica.plan({"/release/steady": {"status": 410}})
        gone = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert gone.returncode == 1
        assert latest_report(tmp_path / "output")["summary"] == {**NOTHING, "gone": 1}
    finally:
        replica.close()

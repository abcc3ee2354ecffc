"""Whitespace-only changes: what counts as one (and that a real change,
however small, never does), their place in the reports, the summary line,
and the exit status of a real crawl that finds only them."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from mirror.archive.document import Document, parse, render
from mirror.archive.seeds import read_seeds
from mirror.outcomes import WHITESPACE_ONLY
from mirror.review.diff import CHANGED, GONE, NEW, DiffResult, Entry, diff, exit_status, same_but_whitespace
from mirror.review.report import render_markdown, summary_line
from mirror.testing.pagebuild import Page

from .conftest import Replica, run_crawl, write_seed

SITE = "https://www.beehive.govt.nz"
NBSP, NNBSP, ZWSP = "\u00a0", "\u202f", "\u200b"

BASE = Document(title="Roads for the valley", date="2024-03-04", url=f"{SITE}/release/roads",
                ministers=("Hon Pretend Person",), portfolios=("Transport",),
                body="The first paragraph ends here.\n\nThe second one is short.\n\n- an item\n- another item")


def whitespace_only(**changes: object) -> bool:
    other = replace(BASE, **changes)
    return same_but_whitespace(BASE, other, BASE.changed_fields(other))


@pytest.mark.parametrize("body", [
    # a no-break space moved from the end of one paragraph to the end of another
    "The first paragraph ends here." + NBSP + "\n\nThe second one is short.\n\n- an item\n- another item",
    "The first paragraph ends here.\n\nThe second one is short. \n\n- an item\n- another item",
    "The first paragraph  ends here.\n\nThe second one is short.\n\n- an item\n- another item",   # doubled
    "The first" + NBSP + "paragraph ends here.\n\nThe second one is short.\n\n- an item\n- another item",
    "The first paragraph ends" + NNBSP + " here.\n\nThe second" + ZWSP + " one is short.\n\n- an item\n- another item",
    "The first paragraph ends here.\n\n" + NBSP + "\n\nThe second one is short.\n\n- an item\n- another item",
    "The first paragraph ends here.\n\n\n\nThe second one is short.\n\n- an item\n- another item\n",
])
def test_moved_and_doubled_spaces_are_whitespace_only(body):
    assert whitespace_only(body=body)


@pytest.mark.parametrize("body", [
    "The first paragraph ends here.\n\nThe second one is long.\n\n- an item\n- another item",     # one word
    "The first paragraph ends here.\n\nThe second one is short\n\n- an item\n- another item",     # a full stop
    "The firstparagraph ends here.\n\nThe second one is short.\n\n- an item\n- another item",     # words joined
    "The first para graph ends here.\n\nThe second one is short.\n\n- an item\n- another item",   # a word split
    "The first paragraph ends here.\nThe second one is short.\n\n- an item\n- another item",      # paragraphs joined
    "The first paragraph ends here.  \nThe second one is short.\n\n- an item\n- another item",    # a hard break
    "The first paragraph ends here.\n\nThe second one is short.\n\n- an item\n  - another item",  # nested now
    "The first paragraph ends here.\n\nThe second one is short.\n\n    - an item\n- another item",  # a code block
])
def test_a_real_change_is_never_whitespace_only(body):
    assert not whitespace_only(body=body)


def test_title_and_list_fields_follow_the_same_rule():
    assert whitespace_only(title="Roads  for the" + NBSP + "valley")
    assert whitespace_only(ministers=("Hon" + NBSP + "Pretend  Person",))
    assert not whitespace_only(title="Roads for the valleys")
    assert not whitespace_only(title="Roadsfor the valley")
    assert not whitespace_only(ministers=("Hon Pretend Person", "Hon Other"))
    assert not whitespace_only(portfolios=("Trans port",))
    # one field whitespace only, another really changed: a real change
    assert not whitespace_only(title="Roads  for the valley", body=BASE.body.replace("short", "long"))
    # the date and url are never whitespace
    assert not whitespace_only(date="2024-03-05")


def seed_and_output(tmp_path: Path, name: str, seed: Document, output: Document) -> None:
    path = tmp_path / "seeds" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(seed), encoding="utf-8")
    out = tmp_path / "output" / "releases" / "2024" / "03" / f"2024-03-04-{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(output), encoding="utf-8")


def test_the_diff_gives_the_reason_lists_them_last_and_counts_them_apart(tmp_path):
    for name, body in (("a-spaces", BASE.body.replace("here.", "here." + NBSP)),
                       ("b-word", BASE.body.replace("short", "long")),
                       ("c-spaces", BASE.body.replace("second one", "second  one"))):
        doc = replace(BASE, url=f"{SITE}/release/{name}")
        seed_and_output(tmp_path, name, doc, replace(doc, body=body))
    result = diff(read_seeds(str(tmp_path / "seeds")), str(tmp_path / "output"))
    ordered = result.not_unchanged()
    assert [(e.url.rsplit("/", 1)[1], e.reason) for e in ordered] == [
        ("b-word", ""), ("a-spaces", WHITESPACE_ONLY), ("c-spaces", WHITESPACE_ONLY)]
    assert summary_line(result).startswith("0 unchanged, 3 changed (2 whitespace only), 0 new")
    assert exit_status(result) == 1
    assert "3 changed (2 whitespace only)" in render_markdown(result, {"id": "r"})


def test_whitespace_only_changes_alone_do_not_ask_for_review():
    spaces = Entry("u", CHANGED, fields=["body"], reason=WHITESPACE_ONLY)
    assert exit_status(DiffResult([spaces])) == 0
    assert summary_line(DiffResult([spaces])).startswith("0 unchanged, 1 changed (1 whitespace only)")
    assert summary_line(DiffResult([])).startswith("0 unchanged, 0 changed, 0 new")
    for other in (Entry("v", CHANGED, fields=["body"]), Entry("v", NEW), Entry("v", GONE)):
        assert exit_status(DiffResult([spaces, other])) == 1


def pages(replica: Replica, names: list[str]) -> None:
    for n, name in enumerate(names):
        replica.add(name, Page(title=f"Invented release {n}", canonical=f"{SITE}/release/{name}",
                               date_iso="2024-03-04T01:00:00Z", date_text="4 March 2024", ministers=["Hon Pretend"],
                               body_html=f"<p>The first paragraph of {n}.</p><p>The second paragraph of {n}.</p>"))


def crawl_against_edited_seeds(replica: Replica, tmp_path: Path, edits: dict[str, tuple[str, str]]):
    """Crawl once to get the site's documents, make them the seeds with
    `edits` (name: (old, new) in the body), and crawl again."""
    names = sorted(edits)
    pages(replica, names)
    first_seeds, seeds, out = tmp_path / "first", tmp_path / "seeds", tmp_path / "output"
    for name in names:
        write_seed(first_seeds, f"{name}.md", f"{SITE}/release/{name}")
    first = run_crawl(replica.origin, first_seeds, tmp_path / "first-out")
    assert first.returncode == 1, first.log[-3000:]
    for relative in first.files():
        doc = parse(first.file(relative))
        old, new = edits[doc.url.rsplit("/", 1)[1]]
        assert old in doc.body
        write_seed(seeds, Path(relative).name, doc.url)  # then overwritten with the edited document
        (seeds / Path(relative).name).write_text(render(replace(doc, body=doc.body.replace(old, new))),
                                                 encoding="utf-8")
    shutil.rmtree(tmp_path / "first-out")
    return run_crawl(replica.origin, seeds, out)


def test_a_crawl_finding_only_whitespace_changes_exits_0(replica, tmp_path):
    result = crawl_against_edited_seeds(replica, tmp_path, {
        "spaces-nbsp": ("first paragraph", "first paragraph" + NBSP),
        "spaces-doubled": ("second paragraph", "second  paragraph")})
    assert result.returncode == 0, result.log[-3000:]
    report = result.report()
    assert [e["reason"] for e in report["entries"]] == [WHITESPACE_ONLY, WHITESPACE_ONLY]
    assert "2 changed (2 whitespace only)" in result.log


def test_a_crawl_with_one_real_change_exits_1_and_lists_it_first(replica, tmp_path):
    result = crawl_against_edited_seeds(replica, tmp_path, {
        "a-spaces": ("first paragraph", "first" + NBSP + "paragraph"),
        "b-word": ("second paragraph", "second sentence")})
    assert result.returncode == 1, result.log[-3000:]
    entries = result.report()["entries"]
    assert [(e["url"].rsplit("/", 1)[1], e["reason"]) for e in entries] == [
        ("b-word", ""), ("a-spaces", WHITESPACE_ONLY)]

"""The archive format: parse and render, byte for byte."""

from __future__ import annotations

import tarfile
from dataclasses import replace

import pytest

from mirror.archive.document import Document, FormatError, go_quote, go_unquote, parse, render

from .conftest import shared_path

FULL = (
    "---\n"
    'title: "Minister \\"welcomes\\" a back\\\\slash"\n'
    "date: 2019-03-27\n"
    "url: https://www.beehive.govt.nz/release/minister-welcomes\n"
    "ministers:\n  - Hon Example Person\n  - \"Quoted\" as on the page\n"
    "portfolios:\n  - Māori Crown Relations: Te Arawhiti\n  - Finance\n"
    "attachments:\n  - https://www.beehive.govt.nz/sites/default/files/a%20b.pdf\n"
    "---\n\n"
    "First paragraph.\n\nSecond\u00a0paragraph."
)


def test_round_trip_of_every_field():
    doc = parse(FULL)
    assert doc == Document(
        title='Minister "welcomes" a back\\slash',
        date="2019-03-27",
        url="https://www.beehive.govt.nz/release/minister-welcomes",
        ministers=("Hon Example Person", '"Quoted" as on the page'),
        portfolios=("Māori Crown Relations: Te Arawhiti", "Finance"),
        attachments=("https://www.beehive.govt.nz/sites/default/files/a%20b.pdf",),
        body="First paragraph.\n\nSecond\u00a0paragraph.",
    )
    assert render(doc) == FULL


@pytest.mark.parametrize("title, quoted", [
    ("Plain ā ’ “quotes”", '"Plain ā ’ “quotes”"'),
    ("zero\u200bwidth", '"zero\\u200bwidth"'),
    ("no\u00a0break", '"no\\u00a0break"'),
    ("narrow\u202fspace", '"narrow\\u202fspace"'),
    ("c1\u0081control", '"c1\\u0081control"'),
    ("tab\there", '"tab\\there"'),
    ("bell\x07", '"bell\\a"'),
    ("esc\x1b", '"esc\\x1b"'),
    ("", '""'),
])
def test_go_quote_matches_strconv_quote(title, quoted):
    assert go_quote(title) == quoted
    assert go_unquote(quoted) == title


def test_optional_lists_are_omitted_and_key_order_kept():
    doc = Document(title="T", date="2000-01-02", url="https://www.beehive.govt.nz/release/t",
                   portfolios=("Only portfolios",), body="B")
    assert render(doc) == ('---\ntitle: "T"\ndate: 2000-01-02\nurl: https://www.beehive.govt.nz/release/t\n'
                           "portfolios:\n  - Only portfolios\n---\n\nB")


def test_empty_body_ends_after_the_blank_line():
    text = '---\ntitle: ""\ndate: 0001-01-01\nurl: https://www.beehive.govt.nz/release/x\n---\n\n'
    doc = parse(text)
    assert doc.title == "" and doc.date == "0001-01-01" and doc.body == ""
    assert render(doc) == text


def test_foreign_yaml_header_is_read_but_not_canonical():
    text = ("---\ntitle: 'Single quoted'\ndate: 2001-02-03\nurl: https://www.beehive.govt.nz/release/x\n"
            "ministers: [A, B]\n---\n\nBody\n")
    doc = parse(text)
    assert doc.ministers == ("A", "B") and doc.title == "Single quoted"
    assert render(doc) != text


@pytest.mark.parametrize("text, reason", [
    ("no front matter", "no front matter"),
    ("---\ntitle: \"x\"\n", "not closed"),
    ('---\ntitle: "open\n---\n\n', "unterminated quoted string"),
    ("---\ntitle: x\ndate: 3 May\n---\n\n", "is not YYYY-MM-DD"),
    ("---\n: [\n---\n\n", "broken front matter"),
])
def test_unreadable_text_says_why(text, reason):
    with pytest.raises(FormatError, match=reason):
        parse(text)


def test_changed_fields_names_what_differs():
    a = parse(FULL)
    b = replace(a, title="Other", body="Changed")
    assert a.changed_fields(b) == ["title", "body"]


def test_whole_archive_round_trips(tmp_path):
    """Every file of the public archive parses and renders to its own bytes."""
    tarball = shared_path("corpus", "beehive-markdown-releases.tar.xz")
    checked = 0
    with tarfile.open(tarball) as archive:
        for member in archive:
            if not member.isfile():
                continue
            text = archive.extractfile(member).read().decode("utf-8")
            assert render(parse(text)) == text, member.name
            checked += 1
    assert checked == 55167

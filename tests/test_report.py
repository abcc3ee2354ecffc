"""The three reports, and the HTML report's escaping of hostile text."""

from __future__ import annotations

import json
import re

from mirror.archive.document import Document
from mirror.review.diff import CHANGED, GONE, NEW, DiffResult, Entry
from mirror.review.report import render_html, render_markdown, side_by_side, word_diff, write_reports

SITE = "https://www.beehive.govt.nz"
HOSTILE = '<script>alert("t")</script><img src=x onerror=alert(1)>'


def hostile_result() -> DiffResult:
    seed = Document(title="Calm title", date="2020-01-01", url=f"{SITE}/release/x",
                    ministers=("Hon A",), body="First line.\n\nThe old words here.")
    fetched = Document(title=f"Title {HOSTILE}", date="2020-01-01", url=f"{SITE}/release/x",
                       ministers=("Hon A", f"Hon {HOSTILE}"), body=f"First line.\n\nThe new words here.\n\n{HOSTILE}")
    return DiffResult([
        Entry(f"{SITE}/release/x", CHANGED, "seeds/x.md", "releases/2020/01/2020-01-01-x.md",
              ["title", "ministers", "body"], "", seed, fetched),
        Entry(f"{SITE}/release/{HOSTILE}", GONE, "seeds/y.md", reason=f"the site answered 404 {HOSTILE}"),
        Entry(f"{SITE}/release/z", NEW, "", "releases/z.md", reason="no seed has this release"),
    ])


def test_html_report_escapes_every_page_string():
    html = render_html(hostile_result(), {"id": "r1", "seeds": "seeds", "output": "output"})
    assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html


def test_html_report_is_self_contained():
    html = render_html(hostile_result(), {"id": "r1", "seeds": "seeds", "output": "output"})
    assert not re.search(r"<(link|script|iframe)\b|@import|url\(|src=\"http", html)
    assert "<style>" in html
    # a filter per class, counts per class
    for cls in ("changed", "new", "gone", "moved", "blocked", "failed", "seed-invalid"):
        assert f'id="f-{cls}"' in html
    assert "<td>changed</td><td class=\"n\">1</td>" in html


def test_changed_words_are_marked():
    left, right = word_diff("The old words here.", "The new words here.")
    assert ("old", True) in left and ("new", True) in right and ("The ", False) in left
    rows = side_by_side("a\nb\nc", "a\nB\nc")
    assert [r.tag for r in rows] == ["equal", "replace", "equal"]


def test_markdown_report_has_table_fields_and_body_diff():
    text = render_markdown(hostile_result(), {"id": "r1", "seeds": "seeds", "output": "output"})
    assert "| changed | 1 |" in text and "| gone | 1 |" in text
    assert "- fields: title, ministers, body" in text
    assert "-The old words here.\n+The new words here." in text
    assert "```diff" in text


def test_json_report_shape(tmp_path):
    paths = write_reports(hostile_result(), {"id": "r1"}, tmp_path / "r1")
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert set(data) == {"run", "summary", "entries"}
    assert data["summary"]["changed"] == 1 and data["summary"]["unchanged"] == 0
    assert set(data["entries"][0]) == {"url", "status", "seed", "output", "fields", "reason"}
    assert sorted(p.name for p in (tmp_path / "r1").iterdir()) == [
        "report.atom", "report.html", "report.json", "report.md"]

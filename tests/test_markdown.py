"""Body HTML → archive markdown, rule by rule, then against the real pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.archive.markdown import assemble_url, html_to_markdown as md

NBSP = "\xa0"
PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "pages"


# -- blocks and white space ------------------------------------------------- #


def test_empty_body():
    assert md("") == ""
    assert md("  \n\t ") == ""
    assert md("<p> </p>") == ""


def test_paragraphs_are_separated_by_one_blank_line():
    assert md("<p>First thought.</p>\n<p>Second thought.</p>") == "First thought.\n\nSecond thought."


def test_white_space_collapses_and_block_edges_are_trimmed():
    assert md("<p>  Lots   of\n\tspace  here. </p>") == "Lots of space here."


def test_run_together_paragraphs_stay_together():
    assert md("<p>Sentence one.“Sentence two”</p>") == "Sentence one.“Sentence two”"


def test_wrapper_divs_give_single_blank_lines():
    html = "<div><div><p>Inner one.</p></div>Loose text.</div><div><p>Next one.</p></div>"
    assert md(html) == "Inner one.\n\nLoose text.\n\nNext one."


def test_br_mid_paragraph_is_a_hard_break():
    assert md("<p>Top line<br>bottom line</p>") == "Top line  \nbottom line"


def test_br_at_block_end_loses_its_spaces():
    assert md("<p>Last words<br></p><p>More</p>") == "Last words\n\nMore"
    assert md("<p>One<br><br><br>Two</p>") == "One\n\nTwo"


def test_nbsp_is_kept_inside_the_body():
    assert md("<p>Ten&nbsp;kilometres away&nbsp;</p><p>Next</p>") == f"Ten{NBSP}kilometres away{NBSP}\n\nNext"


def test_nbsp_paragraph_mid_body_is_a_line_of_its_own():
    assert md("<p>Above</p><p>&nbsp;</p><p>Below</p>") == f"Above\n\n{NBSP}\n\nBelow"


def test_nbsp_is_trimmed_at_the_edges_of_the_whole_body():
    assert md("<p>&nbsp;</p><p>Middle</p><p>&nbsp;</p>") == "Middle"


# -- inline ----------------------------------------------------------------- #


def test_strong_and_emphasis():
    html = "<p><strong>Loud</strong>, <b>bold</b>, <em>soft</em> and <i>slanted</i></p>"
    assert md(html) == "**Loud**, **bold**, *soft* and *slanted*"


def test_emphasis_keeps_spaces_outside_its_delimiters():
    assert md("<p>a<strong> spaced </strong>b</p>") == "a **spaced** b"


def test_adjacent_emphasis_merges_and_nested_emphasis_unwraps():
    assert md("<p><b>Half</b><b>way</b> and <b>outer <b>inner</b></b></p>") == "**Halfway** and **outer inner**"


def test_spans_vanish():
    assert md('<p><span class="x"><span>Wrapped</span> words</span></p>') == "Wrapped words"


def test_span_holding_a_block_acts_as_a_block():
    assert md("<p>Before<span><div>Inside</div></span>after</p>") == "Before\n\nInside\n\nafter"


# -- lists ------------------------------------------------------------------ #


def test_lists_are_tight():
    assert md("<ul><li>apples</li><li>pears</li></ul>") == "- apples\n- pears"
    assert md("<ol><li>first</li><li>second</li></ol>") == "1. first\n2. second"


def test_ordered_list_numbers_are_padded_and_may_start_elsewhere():
    assert md('<ol start="9"><li>nine</li><li>ten</li></ol>') == "09. nine\n10. ten"


def test_nested_lists_are_indented_by_the_marker_width():
    html = "<ul><li>fruit<ul><li>kiwi</li><li>feijoa</li></ul></li><li>bread</li></ul>"
    assert md(html) == "- fruit\n  \n  - kiwi\n  - feijoa\n- bread"


def test_adjacent_lists_get_an_end_comment():
    html = "<ul><li>red</li></ul><ol><li>blue</li></ol>"
    assert md(html) == "- red\n\n<!--THE END-->\n\n1. blue"


def test_lists_apart_get_no_end_comment():
    assert md("<ul><li>red</li></ul><p>gap</p><ul><li>blue</li></ul>") == "- red\n\ngap\n\n- blue"


def test_paragraph_inside_a_list_joins_the_previous_item():
    html = "<ul><p>stray start</p><li>proper item</li><p>stray end</p></ul>"
    assert md(html) == "- stray start\n- proper item\n  \n  stray end"


def test_breaks_inside_an_item_are_trimmed_before_indenting():
    assert md("<ol><li>HEADLINE<br><br>Body text.</li></ol>") == "1. HEADLINE\n   \n   Body text."


# -- links and images ------------------------------------------------------- #


def test_links_keep_relative_and_absolute_hrefs():
    html = '<p>See <a href="/release/some-news">this</a> or <a href="https://www.example.org/a.pdf">that</a>.</p>'
    assert md(html) == "See [this](/release/some-news) or [that](https://www.example.org/a.pdf)."


def test_bare_link_is_not_an_autolink():
    assert md('<p><a href="http://example.org/page">http://example.org/page</a></p>') == (
        "[http://example.org/page](http://example.org/page)"
    )


def test_link_spaces_move_outside_and_href_is_trimmed():
    assert md('<p>A<a href=" /x "> spaced link </a>B</p>') == "A [spaced link](/x) B"


def test_empty_link_and_link_with_title_only():
    # An empty link holds no text, so the spaces around it collapse as if it were absent.
    assert md('<p>Go <a href="/nowhere"></a> there</p>') == "Go [](/nowhere)there"
    assert md('<p>Go <a href="/t" title="Tip"></a>.</p>') == 'Go [Tip](/t "Tip").'


def test_link_without_href():
    assert md("<p>An <a>anchor only</a> here</p>") == "An [anchor only]() here"


def test_url_normalisation_follows_go():
    assert assemble_url("http://example.org/?q=node/12") == "http://example.org/?q=node%2F12"
    assert assemble_url("/files/My Report (final).pdf") == "/files/My%20Report%20%28final%29.pdf"
    assert assemble_url("mailto:someone@example.org") == "mailto:someone@example.org"
    assert assemble_url("/page%20") == "/page"


def test_brackets_in_link_text_are_escaped():
    assert md('<p><a href="/b">the [draft] plan</a></p>') == "[the \\[draft\\] plan](/b)"


def test_bold_around_a_link_goes_inside_it():
    assert md('<p><strong><a href="/s">Strong link</a></strong></p>') == "[**Strong link**](/s)"


def test_images():
    assert md('<p><img src="/img/kea.jpg" alt="A [cheeky] kea"></p>') == "![A \\[cheeky\\] kea](/img/kea.jpg)"
    assert md('<p>No source <img alt="ghost"></p>') == "No source"


# -- other blocks ----------------------------------------------------------- #


def test_headings_are_atx():
    html = "<h2>Second level</h2><h3>Third <em>level</em></h3><h4>Ends with #</h4>"
    assert md(html) == "## Second level\n\n### Third *level*\n\n#### Ends with \\#"


def test_empty_heading_disappears():
    assert md("<h1> </h1><p>Text</p>") == "Text"


def test_blockquote_and_nested_blockquote():
    html = "<blockquote><p>Outer words</p><blockquote><p>Inner words</p></blockquote></blockquote>"
    assert md(html) == "> Outer words\n> \n> > Inner words"


def test_hr():
    assert md("<p>Up</p><hr><p>Down</p>") == "Up\n\n* * *\n\nDown"


def test_tables_flatten_to_text():
    html = "<table><tbody><tr><td>Town</td>\n<td>Count</td></tr>\n<tr><td>Otaki</td>\n<td>7</td></tr></tbody></table>"
    assert md(html) == "Town Count Otaki 7"


def test_table_cell_blocks_stay_blocks():
    assert md("<table><tr><td><p>North</p></td><td><p>South</p></td></tr></table>") == "North\n\nSouth"


# -- escaping --------------------------------------------------------------- #


@pytest.mark.parametrize(
    "html, expected",
    [
        ("<p>snake_case name</p>", "snake\\_case name"),
        ("<p>a*b and *lead</p>", "a\\*b and \\*lead"),
        ("<p>- not a bullet</p>", "\\- not a bullet"),
        ("<p>2021. A year to remember</p>", "2021\\. A year to remember"),
        ("<p>Use ` carefully</p>", "Use \\` carefully"),
        ("<p>[square] words</p>", "\\[square] words"),
        ("<p># not a heading</p>", "\\# not a heading"),
        ("<p>Above<br>---</p>", "Above  \n\\---"),
        ("<p>Hi!<a href='/x'>there</a></p>", "Hi\\![there](/x)"),
    ],
)
def test_escapes_where_meaning_would_change(html, expected):
    assert md(html) == expected


@pytest.mark.parametrize(
    "html, expected",
    [
        ("<p>a * b and a _ b</p>", "a * b and a _ b"),
        ("<p>well-known and 3 - 2</p>", "well-known and 3 - 2"),
        ("<p>Version 2.5 and item 3. here</p>", "Version 2.5 and item 3. here"),
        ("<p>#hashtag and C# code</p>", "#hashtag and C# code"),
        ("<p>1 + 1, (round) and [open only</p>", "1 + 1, (round) and [open only"),
        ("<p>Wow! Pipes | and quotes \"'</p>", "Wow! Pipes | and quotes \"'"),
        ("<p>Cost: $5 = fair</p>", "Cost: $5 = fair"),
    ],
)
def test_no_escape_where_meaning_is_safe(html, expected):
    assert md(html) == expected


def test_angle_brackets_become_entities_and_ampersand_stays():
    assert md("<p>x &lt; y &gt; z &amp; w</p>") == "x &lt; y &gt; z & w"


# -- the real pairs --------------------------------------------------------- #


def _archive_body(text: str) -> str:
    end = text.index("\n---\n", 3)
    return text[end + 5:][1:]


def test_real_pages_match_the_archive():
    if not PAGES.is_dir():
        pytest.skip(f"{PAGES} not present")
    parsel = pytest.importorskip("parsel")
    pairs = sorted(PAGES.glob("*.html"))
    if not pairs:
        pytest.skip("no pages")
    mismatched = []
    for page in pairs:
        sel = parsel.Selector(text=page.read_text(encoding="utf-8"))
        body = sel.css("article div.ds-three-col__main div.prose.field--name-body")
        inner = "".join(body[0].xpath("node()").getall()) if body else ""
        expected = _archive_body(page.with_suffix(".md").read_text(encoding="utf-8"))
        if md(inner) != expected:
            mismatched.append(page.stem)
    matched = len(pairs) - len(mismatched)
    assert matched >= 0.95 * len(pairs), f"{matched}/{len(pairs)} match; differing: {mismatched}"

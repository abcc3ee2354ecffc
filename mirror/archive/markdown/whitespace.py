"""White space: collapsing runs inside text, trimming at block edges, capping
blank lines (docs/format.md, "White space").

HTML white space is space, tab, CR and LF only; U+00A0 is a character like
any other, so a non-breaking space survives in the middle of a line.  The
library's trims, though, use Go's `unicode.IsSpace`, which does count U+00A0:
a non-breaking space is lost at the edges of the body, list items, headings
and quotes, and stays outside the delimiters of emphasis and links.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from .tags import BLOCK, LISTS, VOID

# Go's unicode.IsSpace: what every trim of the library strips.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
ASCII_SPACE = "\t\n\v\f\r "

_NEWLINE_RUN = re.compile(r"\n\n\n+")  # (faster than \n{3,})
_BLANK_LINES = re.compile(r"(\n *\n)(?: *\n)+")
# After a list, the first of these met in document order decides whether the
# next list follows it directly (text met first decides too).
_LIST_END_STOP = frozenset(("ul", "ol", "li", "hr"))


def collapse_spaces(text: str) -> str:
    """Runs of space, tab, CR and LF become one space (U+00A0 is not white space)."""
    if "\n" in text or "\t" in text or "\r" in text:
        text = text.replace("\n", " ").replace("\t", " ").replace("\r", " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def trim_newlines(text: str) -> str:
    """At most two newlines in a row; spaces before a dropped newline go too."""
    if "\n\n\n" in text:
        text = _NEWLINE_RUN.sub("\n\n", text)
    if " \n" in text:  # runs that mix spaces and newlines (rare)
        text = _BLANK_LINES.sub(r"\1", text)
    return text


def trim_hard_breaks(text: str) -> str:
    """A hard line break just before a blank line means nothing: drop its spaces."""
    if "  \n" in text:
        text = text.replace("  \n\n", "\n\n").replace("  \n  \n", "\n\n").replace("  \n \n", "\n\n")
    return text


def tidy_block(text: str) -> str:
    """The blank-line rules the library applies to the body and to each list item and quote."""
    return trim_hard_breaks(trim_newlines(text))


def split_edges(text: str) -> tuple[str, str, str]:
    """(leading white space, the rest, trailing white space); all in the first
    part when the text is only white space."""
    core = text.strip(GO_SPACE)
    if not core:
        return text, "", ""
    left = text[: len(text) - len(text.lstrip(GO_SPACE))]
    right = text[len(text.rstrip(GO_SPACE)):]
    return left, core, right


def collapse_tree(body: _Element) -> set[_Element]:
    """Collapse the text of `body` in place, as the library does before rendering.

    Turndown's algorithm, in document order: a run of white space becomes one
    space, a space right after another (across elements) goes, and blocks and
    `<br>` cut the flow, dropping the space before the cut.  Void elements and
    `<code>` keep the space after them; `<pre>` is left alone.

    The same walk finds every list directly followed by another list (nothing
    but white space and wrappers between): the set returned holds them, and an
    ``<!--THE END-->`` line goes after each (docs/format.md, "Lists").  Doing
    it here saves a second walk of the tree.
    """
    list_end: set[_Element] = set()
    pending: list[_Element] = []  # lists whose next neighbour is not known yet
    # the last text kept: its element, whether it is the tail, its value
    prev_el: _Element | None = None
    prev_tail = False
    prev_val = ""
    keep_ws = False

    def text(el: _Element, is_tail: bool, raw: str) -> None:
        nonlocal prev_el, prev_tail, prev_val
        t = collapse_spaces(raw)
        if t[0] == " " and not keep_ws and (prev_el is None or prev_val[-1] == " "):
            t = t[1:]
        if t != raw:
            if is_tail:
                el.tail = t or None
            else:
                el.text = t or None
        if t:
            prev_el, prev_tail, prev_val = el, is_tail, t
            pending.clear()

    def cut() -> None:
        nonlocal prev_el, keep_ws
        if prev_el is not None and prev_val[-1] == " ":
            if prev_tail:
                prev_el.tail = prev_val[:-1] or None
            else:
                prev_el.text = prev_val[:-1] or None
        prev_el = None
        keep_ws = False

    def walk(el: _Element) -> None:
        nonlocal prev_el, keep_ws
        for child in el:
            name = child.tag
            if pending and name in _LIST_END_STOP:
                if name in LISTS:
                    # The outermost of nested lists gets the comment; inner
                    # ones would meet that comment first.
                    list_end.add(pending[-1])
                pending.clear()
            if name in BLOCK or name == "br":
                cut()
            elif name in VOID or name == "code":
                prev_el = None
                keep_ws = True
            elif prev_el is not None:
                keep_ws = False
            if name != "pre" and (child.text or len(child)):
                if child.text:
                    text(child, False, child.text)
                walk(child)
                # leaving an element is a second visit in the library's walk
                if name in BLOCK:
                    cut()
                elif name == "code":
                    prev_el = None
                    keep_ws = True
                elif prev_el is not None:
                    keep_ws = False
            if name in LISTS:
                pending.append(child)
            if child.tail:
                text(child, True, child.tail)

    if body.text:
        text(body, False, body.text)
    walk(body)
    cut()
    return list_end

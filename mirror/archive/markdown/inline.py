"""Inline elements: emphasis, links, images and inline code
(docs/format.md, "Inline elements" and "Links and images").

Each function gets the element and, where the element has content, that
content already rendered, and returns the element's markdown.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

from .hrefs import assemble_url
from .whitespace import GO_SPACE, split_edges, trim_newlines

_BACKTICKS = re.compile(r"`+")


def longest_backtick_run(code: str) -> int:
    return max(map(len, _BACKTICKS.findall(code)), default=0)


def _delimit_lines(text: str, delimiter: str) -> str:
    """Emphasis cannot span lines: every line with content gets the
    delimiters, inside the white space at its edges."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        left, core, right = split_edges(line)
        if core:
            lines[i] = left + delimiter + core + delimiter + right
    return "\n".join(lines)


def strong(el: _Element, content: str) -> str:
    return _delimit_lines(content, "**")


def emphasis(el: _Element, content: str) -> str:
    return _delimit_lines(content, "*")


def _link_text(text: str) -> str:
    """Link text over several lines: leading blanks go, an empty line becomes ``\\``."""
    if "\n" not in text:
        return text
    lines = [line.lstrip(" \t") or "\\" for line in trim_newlines(text).split("\n")]
    if lines[-1] == "\\":
        lines[-1] = ""
    return "\n".join(lines)


def _quote_title(title: str) -> str:
    """A link or image title in the quotes that need no escaping, if any."""
    if '"' in title and "'" in title:
        return '"' + title.replace('"', '\\"') + '"'
    if '"' in title:
        return "'" + title + "'"
    return '"' + title + '"'


def _title(el: _Element) -> str:
    return (el.get("title") or "").replace("\n", " ")


def _title_part(title: str) -> str:
    """What follows the target inside the parentheses."""
    return " " + _quote_title(title) if title else ""


def link(el: _Element, content: str) -> str:
    """``[text](href "title")``; white space at the edges of the text moves
    outside the brackets, an empty text takes the title, and a link without
    a target has no title."""
    href = assemble_url(el.get("href") or "")
    title = _title(el)
    if not content.strip(GO_SPACE):
        content = title
    left, core, right = split_edges(content)
    return f"{left}[{_link_text(core)}]({href}{_title_part(title) if href else ''}){right}"


def _escape_alt(alt: str) -> str:
    """Brackets in alt text get a backslash unless they already have one."""
    out = []
    prev = ""
    for c in alt:
        if (c == "[" or c == "]") and prev != "\\":
            out.append("\\")
        out.append(c)
        prev = c
    return "".join(out)


def image(el: _Element) -> str:
    """``![alt](src "title")``; nothing without a src."""
    src = (el.get("src") or "").strip(GO_SPACE)
    if not src:
        return ""
    alt = _escape_alt((el.get("alt") or "").replace("\n", " "))
    return f"![{alt}]({assemble_url(src)}{_title_part(_title(el))})"


def code_span(el: _Element) -> str:
    """Inline code: its text on one line, fenced by one backtick more than
    the longest run inside it."""
    code = " ".join("".join(el.itertext()).split())
    if not code:
        return ""
    fence = "`" * (longest_backtick_run(code) + 1)
    if code[0] == "`" or code[-1] == "`":
        code = " " + code + " "
    return fence + code + fence

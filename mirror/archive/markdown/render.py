"""The block walker: a reshaped, collapsed tree → markdown, with escape
placeholders still in the text (docs/format.md, "The body").

Blocks are written with a blank line on each side; runs of blank lines are
capped later, so nested wrappers still give one empty line.  Lists,
headings, quotes, rules and preformatted text are rendered here; inline
elements by `inline`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml.etree import _Element

from . import inline
from .escaping import mark_text, resolve_escapes
from .tags import BLOCK
from .whitespace import GO_SPACE, tidy_block

CODE_NL = "\uf002"  # a newline inside a code block, shielded from blank-line trimming
LIST_END = "\n\n<!--THE END-->\n\n"
_ORDERED_START = re.compile(r"[+-]?[0-9]+")
_MULTI_SPACE = re.compile(r"  +")


class Renderer:
    """Renders one body.  `list_end` holds the lists that another list follows
    directly (`whitespace.collapse_tree`)."""

    __slots__ = ("list_end",)

    def __init__(self, list_end: set[_Element]) -> None:
        self.list_end = list_end

    def content(self, el: _Element, out: list[str], in_link: bool = False) -> None:
        """Render el's text and children (not el itself) onto `out`."""
        text = el.text
        if text:
            out.append(mark_text(text, in_link))
        for child in el:
            self.element(child, out, in_link)
            text = child.tail
            if text:
                out.append(mark_text(text, in_link))

    def inner(self, el: _Element, in_link: bool = False) -> str:
        """el's content, rendered."""
        out: list[str] = []
        self.content(el, out, in_link)
        return "".join(out)

    def element(self, el: _Element, out: list[str], in_link: bool = False) -> None:
        """Render el onto `out`: by its own renderer, else as a plain block or
        (any other tag) as its bare content."""
        name = el.tag
        render = _RENDERERS.get(name)
        if render is not None:
            out.append(render(self, el, in_link))
        elif name in BLOCK:
            out.append("\n\n")
            self.content(el, out, in_link)
            out.append("\n\n")
        else:
            self.content(el, out, in_link)
        if el in self.list_end:
            out.append(LIST_END)


# Renderers: (renderer, element, inside a link?) → markdown.


def _list(r: Renderer, el: _Element, in_link: bool) -> str:
    """Tight: one item per child with content.  Each item is trimmed and its
    escapes resolved on its own, before the marker goes in front (its lines
    start where the item starts); continuation lines are indented by the
    marker's width."""
    items = []
    for child in el:
        buf: list[str] = []
        r.element(child, buf, in_link)
        item = "".join(buf).strip(GO_SPACE)
        if item:
            items.append(resolve_escapes(tidy_block(item)))
    if not items:
        return ""
    if el.tag == "ol":
        m = _ORDERED_START.fullmatch(el.get("start") or "")
        start = int(m.group()) if m else 1
        width = len(str(start + len(items) - 1))  # numbers padded to one width
        markers = [f"{start + i:0{width}d}. " for i in range(len(items))]
    else:
        markers = ["- "] * len(items)
    lines = []
    for marker, item in zip(markers, items, strict=True):
        indent = " " * len(marker)
        if CODE_NL in item:
            item = item.replace(CODE_NL, CODE_NL + indent)
        lines.append(marker + item.replace("\n", "\n" + indent))
    return "\n\n" + "\n".join(lines) + "\n\n"


def _heading(r: Renderer, el: _Element, in_link: bool) -> str:
    """ATX, on one line; an empty heading disappears."""
    text = r.inner(el, in_link)
    if not text.strip(GO_SPACE):
        return ""
    text = _MULTI_SPACE.sub(" ", text.replace("\n", " ").replace("\r", " ")).strip(GO_SPACE)
    if text[-1] == "#" and text[-3:-2] != "\\":
        text = text[:-2] + "\\#"  # a closing "#" would be read as markup
    return f"\n\n{'#' * int(el.tag[1])} {text}\n\n"


def _blockquote(r: Renderer, el: _Element, in_link: bool) -> str:
    text = r.inner(el, in_link).strip(GO_SPACE)
    if not text:
        return ""
    return "\n\n> " + tidy_block(text).replace("\n", "\n> ") + "\n\n"


def _rule(r: Renderer, el: _Element, in_link: bool) -> str:
    return "\n\n* * *\n\n"


def _preformatted(r: Renderer, el: _Element, in_link: bool) -> str:
    code = "".join(el.itertext()).rstrip("\n")
    fence = "`" * max(3, inline.longest_backtick_run(code) + 1)
    body = code.replace("\n", CODE_NL)
    return f"\n\n{fence}\n{body}\n{fence}\n\n"


def _link(r: Renderer, el: _Element, in_link: bool) -> str:
    return inline.link(el, r.inner(el, True))


def _strong(r: Renderer, el: _Element, in_link: bool) -> str:
    return inline.strong(el, r.inner(el, in_link))


def _emphasis(r: Renderer, el: _Element, in_link: bool) -> str:
    return inline.emphasis(el, r.inner(el, in_link))


def _line_break(r: Renderer, el: _Element, in_link: bool) -> str:
    return "  \n"  # where it ends a block, `tidy_block` drops the spaces


def _image(r: Renderer, el: _Element, in_link: bool) -> str:
    return inline.image(el)


def _code_span(r: Renderer, el: _Element, in_link: bool) -> str:
    return inline.code_span(el)


_RENDERERS: dict[str, Callable[[Renderer, _Element, bool], str]] = {
    "ul": _list,
    "ol": _list,
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), _heading),
    "blockquote": _blockquote,
    "hr": _rule,
    "pre": _preformatted,
    "a": _link,
    "b": _strong,
    "strong": _strong,
    "em": _emphasis,
    "i": _emphasis,
    "br": _line_break,
    "img": _image,
    "code": _code_span,
}

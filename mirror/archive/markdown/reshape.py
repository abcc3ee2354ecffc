"""Reshape the tree before it is rendered, as the library does in its
pre-render passes, so that what follows is plain walking (docs/format.md,
"Reshaping").

In one walk: drop non-content tags; turn a span that holds blocks into a
div; unwrap bold in bold, italic in italic and links in links; merge
emphasis that directly follows emphasis; swap bold↔link and link↔heading
when one only wraps the other; replace blocks that markdown cannot hold
inside inline or leaf blocks; move list content that sits outside any
``<li>`` into an item.

lxml keeps text in `.text` and `.tail` rather than in text nodes, so moving
or removing an element also means moving the text that follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import product

from lxml.etree import _Element

from .tags import BLOCK, BOLD, CONTAINER, EMPHASIS, HEADINGS, INLINE, ITALIC, LEAF, LISTS, REMOVED
from .whitespace import GO_SPACE

# Tags this step may change; any other tag passes through untouched.
_RESHAPED = REMOVED | EMPHASIS | LEAF | CONTAINER | frozenset(("span", "a"))
# Tags whose content cannot hold a block.
_NO_BLOCKS_INSIDE = LEAF | INLINE


@dataclass(frozen=True, slots=True)
class Context:
    """What an element sits inside, as far as reshaping it cares."""

    in_leaf_or_inline: bool = False  # so blocks here are replaced
    in_bold: bool = False  # so bold here is redundant
    in_italic: bool = False
    in_link: bool = False
    # The context inside each tag that changes it (filled in below).
    _inside: dict[str, Context] = field(default_factory=dict, compare=False, repr=False, kw_only=True)

    def inside(self, name: str) -> Context:
        """The context of the content of an element `name` placed here."""
        return self._inside.get(name, self)


def _all_contexts() -> dict[tuple[bool, ...], Context]:
    """The sixteen contexts, made once, each with its table of transitions:
    reshaping enters a context per element, and making one costs more than
    looking it up."""
    contexts = {flags: Context(*flags) for flags in product((False, True), repeat=4)}
    for ctx in contexts.values():
        for name in _NO_BLOCKS_INSIDE | BOLD | ITALIC | {"a"}:
            inner = contexts[(
                ctx.in_leaf_or_inline or name in _NO_BLOCKS_INSIDE,
                ctx.in_bold or name in BOLD,
                ctx.in_italic or name in ITALIC,
                ctx.in_link or name == "a",
            )]
            if inner is not ctx:
                ctx._inside[name] = inner
    return contexts


TOP = _all_contexts()[(False, False, False, False)]


def reshape(el: _Element, ctx: Context = TOP) -> None:
    """Reshape the content of `el` in place."""
    merged: Sequence[_Element] = ()  # siblings already merged into an earlier bold/italic
    for child in list(el):
        name = child.tag
        if name not in _RESHAPED and isinstance(name, str):  # the common case
            if len(child):
                reshape(child, ctx.inside(name) if name in INLINE else ctx)
            continue
        if not isinstance(name, str) or name in REMOVED:
            _remove(child)
            continue
        if merged and child in merged:
            continue
        if name == "span" and _has_block(child):
            name = child.tag = "div"
        elif (name in BOLD and ctx.in_bold) or (name in ITALIC and ctx.in_italic) or (name == "a" and ctx.in_link):
            name = child.tag = "span"  # redundant: stands for its content
        if name in EMPHASIS:
            found = _merge_following_emphasis(child, ctx)
            if found:
                merged = [*merged, *found]
            only = _only_child(child)
            if only is not None and only.tag == "a":
                _swap(child, only)  # <b><a>x</a></b> → <a><b>x</b></a>
                name = "a"
        if name == "a":
            only = _only_child(child)
            if only is not None and only.tag in HEADINGS:
                _swap(child, only)  # <a><h2>x</h2></a> → <h2><a>x</a></h2>
                name = child.tag
        if ctx.in_leaf_or_inline and (name in LEAF or name in CONTAINER):
            name = _replace_misplaced_block(child)
            if name is None:
                continue
        if name in LISTS:
            _move_list_content_into_items(child)
        if len(child):
            reshape(child, ctx.inside(name))


# --------------------------------------------------------------------------- #
# Tree helpers


def _append_text(el: _Element, text: str) -> None:
    """Add text at the very end of el's content."""
    if len(el):
        last = el[-1]
        last.tail = (last.tail or "") + text
    else:
        el.text = (el.text or "") + text


def _remove(el: _Element) -> None:
    """Remove el but keep the text that followed it."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _has_block(el: _Element) -> bool:
    return len(el) > 0 and any(d.tag in BLOCK for d in el.iterdescendants())


def _only_child(el: _Element) -> _Element | None:
    """The single child element, if all text around it is blank."""
    if len(el) != 1 or (el.text and el.text.strip(GO_SPACE)):
        return None
    child = el[0]
    if child.tail and child.tail.strip(GO_SPACE):
        return None
    return child


def _swap(outer: _Element, inner: _Element) -> None:
    """Exchange the tags and attributes of two nested elements."""
    outer.tag, inner.tag = inner.tag, outer.tag
    outer_attrs, inner_attrs = dict(outer.attrib), dict(inner.attrib)
    outer.attrib.clear()
    outer.attrib.update(inner_attrs)
    inner.attrib.clear()
    inner.attrib.update(outer_attrs)


class _Text(Enum):
    TEXT = 0


_TEXT = _Text.TEXT  # a text node met while walking to the next node


def _next_node(el: _Element, into: bool) -> _Element | _Text | None:
    """The next node in document order: into el's content first if `into`."""
    if into:
        if el.text:
            return _TEXT
        if len(el):
            return el[0]
    while el is not None:
        if el.tail:
            return _TEXT
        nxt = el.getnext()
        if nxt is not None:
            return nxt
        el = el.getparent()
    return None


def _merge_following_emphasis(node: _Element, ctx: Context) -> list[_Element]:
    """``<b>a</b><i>b</i>`` → ``<b>ab</b>``: emphasis right after emphasis joins it.

    Spans in between are looked through, and so are bold/italic elements that
    are about to be unwrapped as redundant.  Returns the elements merged."""
    merged: list[_Element] = []
    nxt: _Element | _Text | None = _TEXT if node.tail else node.getnext()
    while nxt is not None and nxt is not _TEXT:
        name = nxt.tag
        if name == "span" or (name in BOLD and ctx.in_bold) or (name in ITALIC and ctx.in_italic):
            nxt = _next_node(nxt, True)
        elif name in EMPHASIS:
            merged.append(nxt)
            nxt = _next_node(nxt, False)
        else:
            break
    for other in merged:
        if other.text:
            _append_text(node, other.text)
        for child in list(other):
            node.append(child)
        _remove(other)
    return merged


def _move_list_content_into_items(lst: _Element) -> None:
    """List content outside any <li> joins the previous item (or starts one)."""
    previous: _Element | None = None
    if lst.text and lst.text.strip(GO_SPACE):
        previous = lst.makeelement("li", {})
        previous.text, lst.text = lst.text, None
        lst.insert(0, previous)
    for child in list(lst):
        if child is previous:
            continue
        if child.tag == "li":
            previous = child
            if child.tail and child.tail.strip(GO_SPACE):
                tail, child.tail = child.tail, None
                _append_text(child, tail)
            continue
        if previous is None:
            previous = lst.makeelement("li", {})
            child.addprevious(previous)
        previous.append(child)


def _replace_misplaced_block(el: _Element) -> str | None:
    """A block inside an inline or leaf block becomes what the library puts
    there instead: a heading bold text and a line break, a quote quoted text,
    `pre` inline code, a list or item its bare content; a rule goes.  Returns
    the new tag, None when the element is gone."""
    name = el.tag
    if name in HEADINGS:
        el.tag = "strong"
        br = el.makeelement("br", {})
        br.tail, el.tail = el.tail, None
        el.addnext(br)
    elif name == "blockquote":
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + ' "'
        else:
            parent = el.getparent()
            parent.text = (parent.text or "") + ' "'
        el.tail = '" ' + (el.tail or "")
        el.tag = "span"
    elif name == "pre":
        el.tag = "code"
    elif name == "hr":
        _remove(el)
        return None
    else:
        el.tag = "span"
    return el.tag

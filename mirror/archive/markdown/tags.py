"""Which tags are blocks, which are inline, which go: the tag classes every
step of the conversion shares (docs/format.md, "The body").

Blocks are the Go library's list (its `dom.NameIsBlockNode`), not HTML's:
`td` and `tr` are not on it, so table cells run together as text.
"""

from __future__ import annotations

# Blank lines around them, and white-space collapsing restarts at them.
# Every other tag is inline.
BLOCK = frozenset(
    "address article aside blockquote details dialog dd div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main "
    "nav ol p pre section table ul".split()
)
# Dropped with their content (the text after them stays).
REMOVED = frozenset("head script style link meta iframe noscript input textarea".split())
# Never hold content: white space next to them is kept.
VOID = frozenset("area base br col command embed hr img input keygen link meta param source track wbr".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
BOLD = frozenset(("b", "strong"))
ITALIC = frozenset(("em", "i"))
EMPHASIS = BOLD | ITALIC
LISTS = frozenset(("ul", "ol"))
# Markdown cannot put these inside inline or leaf blocks: they are replaced there.
CONTAINER = frozenset(("blockquote", "ul", "ol", "li"))
LEAF = frozenset(("hr", "pre")) | HEADINGS
INLINE = frozenset(("span", "code", "a", "img", "br")) | EMPHASIS

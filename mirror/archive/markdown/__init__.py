"""Release body HTML → the archive's markdown body (docs/format.md, "The body").

The archive's bodies were made by the Go library JohannesKaufmann/html-to-markdown
2.5.0 (base and commonmark plugins, smart escaping), then trimmed.  This
package redoes that library's pipeline, byte for byte, in four steps:

1. `reshape`: fix up the tree the way the library's pre-render passes do;
2. `whitespace.collapse_tree`: collapse white space, and find the lists that
   another list follows directly;
3. `render`: walk the tree to markdown, a placeholder before every markdown
   character of text (`escaping.mark_text`);
4. trim, cap blank lines, drop hard breaks before blank lines, and let
   `escaping.resolve_escapes` keep only the placeholders whose character
   would otherwise change the meaning, as backslashes.

Link targets go through `hrefs.assemble_url`.  The tree is lxml's: building a
BeautifulSoup tree alone costs about twenty times lxml's parse, more than the
whole conversion, over the same parser (libxml2).  The page's extraction
parses with lxml too, so `convert_body` converts its tree directly.
"""

from __future__ import annotations

from lxml import etree
from lxml.etree import _Element

from .escaping import resolve_escapes
from .hrefs import assemble_url
from .render import CODE_NL, Renderer
from .reshape import reshape
from .whitespace import GO_SPACE, collapse_tree, tidy_block

__all__ = ["assemble_url", "convert_body", "html_to_markdown"]

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)


def convert_body(element: _Element) -> str:
    """The body element of a parsed page (lxml) → the archive's markdown body.

    Converts the element's content in place, modifying the tree, instead of
    serialising it and parsing it again."""
    reshape(element)
    list_end = collapse_tree(element)
    out: list[str] = []
    Renderer(list_end).content(element, out)
    text = resolve_escapes(tidy_block("".join(out).strip(GO_SPACE)))
    if CODE_NL in text:
        text = text.replace(CODE_NL, "\n")
    return text.strip(GO_SPACE)


def html_to_markdown(html: str) -> str:
    """Inner HTML of a release's body element → the archive's markdown body."""
    root = etree.fromstring(html, _PARSER) if html and not html.isspace() else None
    body = root.find("body") if root is not None else None
    return "" if body is None else convert_body(body)

"""Release body HTML → archive markdown.

The archive's bodies were made by the Go library JohannesKaufmann/html-to-markdown
v2.5.0 (base + commonmark plugins, smart escaping), then trimmed.  This module
reproduces that library's pipeline, byte for byte:

1. prepare the tree: drop non-content tags, rename spans that hold blocks,
   unwrap nested bold/italic/links, merge adjacent bold/italic, swap bold↔link
   and link↔heading, replace blocks that sit inside inline or leaf blocks, move
   stray list content into list items;
2. collapse white space (turndown's algorithm; U+00A0 is not white space) and
   mark each list directly followed by another list: an ``<!--THE END-->`` line
   goes between them;
3. render, writing a placeholder before every markdown character of text;
4. trim, cap blank lines, drop hard breaks before blank lines, and keep only the
   placeholders whose character would otherwise change the meaning, as ``\\``.

The tree is built by lxml directly: BeautifulSoup's tree building alone costs
about twenty times lxml's parse, more than the whole conversion budget, and
the parser underneath (libxml2) is the same.  The pages' own extraction
parses with lxml too, so re-parsing its serialisation gives back the same tree.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from urllib.parse import quote as _quote, unquote as _unquote

from lxml import etree
from markdownify import MarkdownConverter

__all__ = ["html_to_markdown", "BodyConverter"]

# dom.NameIsBlockNode of the Go library: blank lines around them, and white
# space collapsing restarts at them.  Every other tag is inline.
BLOCK = frozenset(
    "address article aside blockquote details dialog dd div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main "
    "nav ol p pre section table ul".split()
)
REMOVED = frozenset("head script style link meta iframe noscript input textarea".split())
VOID = frozenset("area base br col command embed hr img input keygen link meta param source track wbr".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
BOLD = frozenset(("b", "strong"))
ITALIC = frozenset(("em", "i"))
EMPHASIS = BOLD | ITALIC
LISTS = frozenset(("ul", "ol"))
LIST_END_STOP = frozenset(("ul", "ol", "li", "hr"))
# For LeafBlockAlternatives: markdown cannot put these inside inline or leaf blocks.
CONTAINER = frozenset(("blockquote", "ul", "ol", "li"))
LEAF = frozenset(("hr", "pre")) | HEADINGS
INLINE = frozenset(("span", "code", "a", "img", "br")) | EMPHASIS
# Tags the prepare step may change; any other tag passes through untouched.
_SPECIAL = REMOVED | EMPHASIS | LEAF | CONTAINER | frozenset(("span", "a"))

# Go's unicode.IsSpace, used by every trim of the library (body, list items,
# headings, quotes, link text, emphasis).  It includes U+00A0: a non-breaking
# space survives inside a line but not at those edges.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
ASCII_SPACE = "\t\n\v\f\r "

P = "\x07"  # escape placeholder written before every markdown character of text
CODE_NL = "\uf002"  # newline inside a code block
_ESCAPABLE = re.compile(r"""(?=[\\*_\-+.>|$#=\[\]()!~`"'])""")  # a literal replacement is fastest
# Placeholders that no rule can keep: characters never escaped, "." / ")" not
# after a digit, and line-start-only markers right after other text.  Every
# branch starts with the placeholder itself, which keeps the scan fast.
_NEVER_ESCAPED = re.compile(
    r"""\x07(?:(?=[>|$\]("'])|(?=[.)])(?<!\d\x07)|(?=[-+=#~])(?<=[^\n \x07]\x07))"""
)
_NEWLINE_RUN = re.compile(r"\n\n\n+")  # (faster than \n{3,})
_BLANK_LINES = re.compile(r"(\n *\n)(?: *\n)+")
_MULTI_SPACE = re.compile(r"  +")
_BACKTICKS = re.compile(r"`+")
_START_ATTR = re.compile(r"[+-]?[0-9]+")
_LIST_END = "\n\n<!--THE END-->\n\n"

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)


# --------------------------------------------------------------------------- #
# Text utilities (the library's textutils)


def trim_newlines(text: str) -> str:
    """At most two newlines in a row; spaces before a dropped newline go too."""
    if "\n\n\n" in text:
        text = _NEWLINE_RUN.sub("\n\n", text)
    if " \n" in text:  # runs that mix spaces and newlines (rare)
        text = _BLANK_LINES.sub(r"\1", text)
    return text


def collapse_spaces(text: str) -> str:
    """Runs of space, tab, CR and LF become one space (U+00A0 is not white space)."""
    if "\n" in text or "\t" in text or "\r" in text:
        text = text.replace("\n", " ").replace("\t", " ").replace("\r", " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def trim_hard_breaks(text: str) -> str:
    """A hard line break just before a blank line means nothing: drop its spaces."""
    if "  \n" in text:
        text = text.replace("  \n\n", "\n\n").replace("  \n  \n", "\n\n").replace("  \n \n", "\n\n")
    return text


def surrounding_spaces(text: str) -> tuple[str, str, str]:
    core = text.strip(GO_SPACE)
    if not core:
        return text, "", ""
    left = text[: len(text) - len(text.lstrip(GO_SPACE))]
    right = text[len(text.rstrip(GO_SPACE)):]
    return left, core, right


def delimit_lines(text: str, delimiter: str) -> str:
    """Emphasis cannot span lines: every line with content gets the delimiters."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        left, core, right = surrounding_spaces(line)
        if core:
            lines[i] = left + delimiter + core + delimiter + right
    return "\n".join(lines)


def escape_multiline(text: str) -> str:
    """Link text over several lines: leading blanks go, an empty line becomes ``\\``."""
    if "\n" not in text:
        return text
    lines = [line.lstrip(" \t") or "\\" for line in trim_newlines(text).split("\n")]
    if lines[-1] == "\\":
        lines[-1] = ""
    return "\n".join(lines)


def quote_title(title: str) -> str:
    if '"' in title and "'" in title:
        return '"' + title.replace('"', '\\"') + '"'
    if '"' in title:
        return "'" + title + "'"
    return '"' + title + '"'


def escape_alt(alt: str) -> str:
    out = []
    prev = ""
    for c in alt:
        if (c == "[" or c == "]") and prev != "\\":
            out.append("\\")
        out.append(c)
        prev = c
    return "".join(out)


# --------------------------------------------------------------------------- #
# Smart escaping: the library's unescape rules, in their order.


def _at_line_start(s: str, i: int) -> bool:
    """Only spaces (and placeholders) between the start of the line and s[i]."""
    i -= 1
    while i >= 0:
        c = s[i]
        if c == "\n":
            return True
        if c != P and c != " ":
            return False
        i -= 1
    return True


def _next_char(s: str, i: int) -> str:
    i += 1
    n = len(s)
    while i < n:
        if s[i] != P:
            return s[i]
        i += 1
    return ""


def _escape_skip(s: str, i: int) -> int:
    """-1 if the markdown character s[i] needs no escape, else how far it reaches."""
    c = s[i]
    if c == "*" or c == "_":  # emphasis, unless white space follows
        nxt = _next_char(s, i)
        if nxt and nxt not in GO_SPACE:
            return 1
    if c == "#":  # ATX heading: 1-6 "#" at line start, then a blank
        if not _at_line_start(s, i):
            return -1
        count = 1
        for j in range(i + 1, len(s)):
            d = s[j]
            if d == "#":
                count += 1
                if count > 6:
                    return -1
            elif d in " \t\n\r":
                return j - i
            elif d != P:
                return -1
        return 1
    if c == "=" or c == "-":  # setext underline: right below a line of text
        newlines = 0
        for j in range(i - 1, -1, -1):
            d = s[j]
            if d == "\n":
                newlines += 1
            elif d != P and d != " ":
                if newlines == 1:
                    return 1
                break
    if (c == "-" or c == "_" or c == "*") and _at_line_start(s, i):  # thematic break
        count = 1
        j = i + 1
        n = len(s)
        while j < n:
            d = s[j]
            if d == c:
                count += 1
            elif d == "\n":
                break
            elif d != P and d != " ":
                count = 0
                break
            j += 1
        if count >= 3:
            return j - i
    if c == "." or c == ")":  # ordered list: only digits before it on the line
        j = i - 1
        while j >= 0 and s[j] == P:
            j -= 1
        if j < 0 or not s[j].isdecimal():
            return -1
        for j in range(i - 1, -1, -1):
            d = s[j]
            if d == "\n":
                break
            if d != " " and d != P and not "0" <= d <= "9":
                return -1
        nxt = _next_char(s, i)
        return 1 if not nxt or nxt in ASCII_SPACE else -1
    if (c == "-" or c == "*" or c == "+") and _at_line_start(s, i):  # bullet
        nxt = _next_char(s, i)
        return 1 if not nxt or nxt in ASCII_SPACE else -1
    if c == "[":  # a link, if "]" follows on the same line
        end = s.find("]", i + 1)
        return 1 if end > 0 and "\n" not in s[i + 1: end] else -1
    if c == "!":
        return 1 if s[i + 1: i + 2] == "[" else -1
    if c == "`" or c == "~":  # code fence at line start, else inline code
        if _at_line_start(s, i):
            count = 1
            j = i + 1
            n = len(s)
            while j < n:
                d = s[j]
                if d == "`" or d == "~":
                    count += 1
                elif d != P:
                    break
                j += 1
            if count >= 3:
                return j - i
        return 1 if c == "`" else -1
    if c == "\\":
        return 1
    return -1


def unescape(s: str) -> str:
    """Each placeholder becomes a backslash where needed, else nothing."""
    if P not in s:
        return s
    s = _NEVER_ESCAPED.sub("", s)
    i = s.find(P)
    n = len(s)
    escaped = []
    while 0 <= i < n - 1:
        skip = _escape_skip(s, i + 1)
        if skip == -1:
            i = s.find(P, i + 1)
        else:
            escaped.append(i)
            i = s.find(P, i + skip)
    if not escaped:
        return s.replace(P, "")
    out = []
    last = 0
    for i in escaped:
        out.append(s[last:i].replace(P, ""))
        out.append("\\")
        last = i + 1
    out.append(s[last:].replace(P, ""))
    return "".join(out)


def escape_text(text: str) -> str:
    if "<" in text or ">" in text:
        text = text.replace("<", "&lt;").replace(">", "&gt;")
    return _ESCAPABLE.sub(P, text)


# --------------------------------------------------------------------------- #
# URLs: the library passes each href/src through Go's url.Parse(...).String()
# and re-encodes the query, so an ordinary URL comes out as written, but e.g.
# "?q=node/1" becomes "?q=node%2F1" and a space in a path becomes "%20".

_UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")
_VALID_RAW = frozenset("!$&'()*+,;=:@[]%")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_PERCENT_ENCODE = str.maketrans({" ": "%20", "[": "%5B", "]": "%5D", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})


class _BadURL(ValueError):
    pass


def _should_escape(c: str, mode: str) -> bool:
    if c in _UNRESERVED:
        return False
    if mode == "host" and c in "!$&'()*+,;=:[]<>\"":
        return False
    if c in "$&+,/:;=?@":
        return mode == "path" and c == "?"
    if mode == "fragment" and c in "!()*":
        return False
    return True


def _go_escape(s: str, mode: str) -> str:
    """Re-encode a decoded URL part unless its raw form was already valid."""
    if _BAD_PERCENT.search(s):
        raise _BadURL(s)
    if all(c in _VALID_RAW or not _should_escape(c, mode) for c in s):
        return s
    out = []
    for c in _unquote(s, errors="surrogateescape"):
        if c in _UNRESERVED or ord(c) < 0x80 and not _should_escape(c, mode):
            out.append(c)
        else:
            out.append("".join("%%%02X" % b for b in c.encode("utf-8", "surrogateescape")))
    return "".join(out)


def _encode_query(query: str) -> str:
    def recode(s: str) -> str:
        if _BAD_PERCENT.search(s):
            return s
        return _quote(_unquote(s.replace("+", " "), errors="surrogateescape"), safe="-_.~", errors="surrogateescape")

    parts = []
    for part in query.split("&"):
        key, eq, value = part.partition("=")
        parts.append(recode(key) + (eq + recode(value) if value else eq))
    return "&".join(parts)


def _go_url_string(raw: str) -> str:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise _BadURL(raw)
    rest, _, fragment = raw.partition("#")
    scheme = ""
    m = _SCHEME.match(rest)
    if m:
        scheme = m.group()[:-1].lower()
        rest = rest[m.end():]
    elif rest.startswith(":"):
        raise _BadURL(raw)
    force_query = rest.endswith("?") and rest.count("?") == 1
    rest, _, query = rest.partition("?")
    out = scheme + ":" if scheme else ""
    if scheme and not rest.startswith("/"):
        out += rest  # opaque, as in mailto:
    else:
        host = ""
        if rest.startswith("//") and (scheme or not rest.startswith("///")):
            authority, slash, path = rest[2:].partition("/")
            rest = slash + path
            userinfo, at, host = authority.rpartition("@")
            port = host.rpartition(":")[2] if ":" in host and not host.startswith("[") else ""
            if port and not port.isdigit() or any(ord(c) < 0x80 and _should_escape(c, "host") and c != "%" for c in host):
                raise _BadURL(raw)
            out += "//" + (userinfo + "@" if at else "") + _go_escape(host, "host")
        elif not scheme and ":" in rest.partition("/")[0]:
            raise _BadURL(raw)
        rest = _go_escape(rest, "path")
        if rest and rest[0] != "/" and host:
            out += "/"
        elif not out and ":" in rest.partition("/")[0]:
            out += "./"
        out += rest
    if query or force_query:
        out += "?" + _encode_query(query).replace("+", "%20")
    if fragment:
        out += "#" + _go_escape(fragment, "fragment")
    return out


@lru_cache(maxsize=4096)
def assemble_url(raw: str) -> str:
    raw = raw.strip(GO_SPACE)
    # Some pages carry as "%20" the trailing space an href had when it was
    # archived (the library trimmed that space); read it as the space.
    while raw.endswith("%20"):
        raw = raw[:-3].rstrip(GO_SPACE)
    if raw == "#":
        return raw
    raw = raw.replace("\n", "%0A").replace("\t", "%09")
    try:
        url = _go_url_string(raw)
    except _BadURL:
        url = raw
    return url.translate(_PERCENT_ENCODE)


# --------------------------------------------------------------------------- #
# Tree helpers (lxml keeps text in .text and .tail instead of text nodes)


def _append_text(el, text: str) -> None:
    """Add text at the very end of el's content."""
    if len(el):
        last = el[-1]
        last.tail = (last.tail or "") + text
    else:
        el.text = (el.text or "") + text


def _remove(el) -> None:
    """Remove el but keep the text that followed it."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _has_block(el) -> bool:
    return len(el) > 0 and any(d.tag in BLOCK for d in el.iterdescendants())


def _only_child(el):
    """The single child element, if all text around it is blank."""
    if len(el) != 1 or el.text and el.text.strip(GO_SPACE):
        return None
    child = el[0]
    if child.tail and child.tail.strip(GO_SPACE):
        return None
    return child


def _swap(outer, inner) -> None:
    outer.tag, inner.tag = inner.tag, outer.tag
    outer_attrs, inner_attrs = dict(outer.attrib), dict(inner.attrib)
    outer.attrib.clear()
    outer.attrib.update(inner_attrs)
    inner.attrib.clear()
    inner.attrib.update(outer_attrs)


_TEXT = object()  # a text node met while walking to the next node


def _next_node(el, into: bool):
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


def _merge_adjacent(node, in_bold: bool, in_italic: bool) -> list:
    """``<b>a</b><i>b</i>`` → ``<b>ab</b>``: emphasis right after emphasis joins it.

    Spans in between are looked through, and so are bold/italic elements that
    are about to be unwrapped as redundant."""
    merged = []
    nxt = _TEXT if node.tail else node.getnext()
    while nxt is not None and nxt is not _TEXT:
        name = nxt.tag
        if name == "span" or name in BOLD and in_bold or name in ITALIC and in_italic:
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


def _move_list_items(lst) -> None:
    """List content outside any <li> joins the previous item (or starts one)."""
    previous = None
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


def _alternative(el):
    """Replace a block that sits inside an inline or leaf block, as the library does."""
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


# --------------------------------------------------------------------------- #


class BodyConverter(MarkdownConverter):
    """markdownify converter that follows html-to-markdown v2.5.0.

    ``convert_<tag>(el, text, parent_tags)`` keep markdownify's signature: `el`
    is an lxml element, `text` its rendered content and `parent_tags` the set
    of enclosing tags that change how text renders (only "a" does).  Not for
    use by two threads at once.
    """

    def __init__(self, **options):
        super().__init__(**options)
        # Only these tags have converters; markdownify's own convert_* methods
        # (p, div, li, table...) follow other rules and are not used.
        self._converters = {name: getattr(self, "convert_" + name) for name in _CONVERTED}
        for n in range(1, 7):
            self._converters["h%d" % n] = partial(self.convert_hN, n)
        self._list_end: set = set()

    def convert(self, html):
        root = etree.fromstring(html, _PARSER) if html and not html.isspace() else None
        body = root.find("body") if root is not None else None
        return "" if body is None else self.convert_element(body)

    def convert_soup(self, soup):
        """markdownify's entry point for a BeautifulSoup tree: via its markup."""
        return self.convert(str(soup))

    def convert_element(self, body) -> str:
        """Convert the content of `body` (an lxml element, modified in place)."""
        self._prepare(body, False, False, False, False, False)
        self._list_end = set()
        self._collapse(body)
        out: list[str] = []
        self._render_content(body, out, _NO_PARENTS)
        text = trim_hard_breaks(trim_newlines("".join(out).strip(GO_SPACE)))
        text = unescape(text)
        if CODE_NL in text:
            text = text.replace(CODE_NL, "\n")
        return text.strip(GO_SPACE)

    # -- 1. prepare --------------------------------------------------------- #

    def _prepare(self, el, in_leaf, in_inline, in_bold, in_italic, in_link):
        merged = ()  # siblings already merged into an earlier bold/italic
        for child in list(el):
            name = child.tag
            if name not in _SPECIAL and isinstance(name, str):  # the common case
                if len(child):
                    self._prepare(child, in_leaf, in_inline or name in INLINE, in_bold, in_italic, in_link)
                continue
            if not isinstance(name, str) or name in REMOVED:
                _remove(child)
                continue
            if merged and child in merged:
                continue
            if name == "span" and _has_block(child):
                name = child.tag = "div"
            elif name in BOLD and in_bold or name in ITALIC and in_italic or name == "a" and in_link:
                name = child.tag = "span"  # redundant: stands for its content
            if name in EMPHASIS:
                found = _merge_adjacent(child, in_bold, in_italic)
                if found:
                    merged = [*merged, *found]
                only = _only_child(child)
                if only is not None and only.tag == "a":
                    _swap(child, only)
                    name = "a"
            if name == "a":
                only = _only_child(child)
                if only is not None and only.tag in HEADINGS:
                    _swap(child, only)
                    name = child.tag
            is_leaf = name in LEAF
            is_inline = name in INLINE
            if (in_leaf or in_inline) and (is_leaf or name in CONTAINER):
                name = _alternative(child)
                if name is None:
                    continue
            if name in LISTS:
                _move_list_items(child)
            if len(child):
                self._prepare(
                    child,
                    in_leaf or is_leaf,
                    in_inline or is_inline,
                    in_bold or name in BOLD,
                    in_italic or name in ITALIC,
                    in_link or name == "a",
                )

    # -- 2. collapse white space -------------------------------------------- #

    def _collapse(self, body):
        """Collapse text in place, in document order; blocks and <br> cut the flow."""
        list_end = self._list_end
        pending = []  # lists whose next neighbour is not known yet
        # the last kept text: its element, whether it is the tail, its value
        prev_el = None
        prev_tail = False
        prev_val = ""
        keep_ws = False

        def text(el, is_tail, raw):
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

        def cut():
            nonlocal prev_el, keep_ws
            if prev_el is not None and prev_val[-1] == " ":
                if prev_tail:
                    prev_el.tail = prev_val[:-1] or None
                else:
                    prev_el.text = prev_val[:-1] or None
            prev_el = None
            keep_ws = False

        def walk(el):
            nonlocal prev_el, keep_ws
            for child in el:
                name = child.tag
                if pending and name in LIST_END_STOP:
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

    # -- 3. render ---------------------------------------------------------- #

    def _render_content(self, el, out, parent_tags):
        """Render el's text and children (not el itself) onto `out`."""
        text = el.text
        if text:
            out.append(self._text(text, parent_tags))
        for child in el:
            self._render(child, out, parent_tags)
            text = child.tail
            if text:
                out.append(self._text(text, parent_tags))

    @staticmethod
    def _text(text, parent_tags):
        text = escape_text(text)
        if parent_tags and "a" in parent_tags:
            text = text.replace(P + "]", "\\]")
        return text

    def _render(self, el, out, parent_tags):
        name = el.tag
        fn = self._converters.get(name)
        if fn is None:
            if name in BLOCK:
                out.append("\n\n")
                self._render_content(el, out, parent_tags)
                out.append("\n\n")
            else:
                self._render_content(el, out, parent_tags)
        elif name in _OWN_CONTENT:
            out.append(fn(el, None, parent_tags))
        else:
            if name == "a":
                parent_tags = _IN_LINK
            buf: list[str] = []
            self._render_content(el, buf, parent_tags)
            out.append(fn(el, "".join(buf), parent_tags))
        if el in self._list_end:
            out.append(_LIST_END)

    # markdownify-style converters

    def convert_a(self, el, text, parent_tags):
        href = assemble_url(el.get("href") or "")
        title = (el.get("title") or "").replace("\n", " ")
        if not text.strip(GO_SPACE):
            text = title
        if not href:
            title = ""
        left, core, right = surrounding_spaces(text)
        title_part = " " + quote_title(title) if title else ""
        return "%s[%s](%s%s)%s" % (left, escape_multiline(core), href, title_part, right)

    def convert_b(self, el, text, parent_tags):
        return delimit_lines(text, "**")

    convert_strong = convert_b

    def convert_em(self, el, text, parent_tags):
        return delimit_lines(text, "*")

    convert_i = convert_em

    def convert_br(self, el, text, parent_tags):
        return "  \n"

    def convert_hr(self, el, text, parent_tags):
        return "\n\n* * *\n\n"

    def convert_blockquote(self, el, text, parent_tags):
        text = text.strip(GO_SPACE)
        if not text:
            return ""
        text = trim_hard_breaks(trim_newlines(text))
        return "\n\n> " + text.replace("\n", "\n> ") + "\n\n"

    def convert_hN(self, n, el, text, parent_tags):
        if not text.strip(GO_SPACE):
            return ""
        text = _MULTI_SPACE.sub(" ", text.replace("\n", " ").replace("\r", " ")).strip(GO_SPACE)
        if text[-1] == "#" and text[-3:-2] != "\\":
            text = text[:-2] + "\\#"  # a closing "#" would be read as markup
        return "\n\n%s %s\n\n" % ("#" * n, text)

    def convert_img(self, el, text, parent_tags):
        src = (el.get("src") or "").strip(GO_SPACE)
        if not src:
            return ""
        title = (el.get("title") or "").replace("\n", " ")
        alt = escape_alt((el.get("alt") or "").replace("\n", " "))
        title_part = " " + quote_title(title) if title else ""
        return "![%s](%s%s)" % (alt, assemble_url(src), title_part)

    def convert_code(self, el, text, parent_tags):
        code = " ".join("".join(el.itertext()).split())
        if not code:
            return ""
        fence = "`" * (max(map(len, _BACKTICKS.findall(code)), default=0) + 1)
        if code[0] == "`" or code[-1] == "`":
            code = " " + code + " "
        return fence + code + fence

    def convert_pre(self, el, text, parent_tags):
        code = "".join(el.itertext()).rstrip("\n")
        fence = "`" * max(3, max(map(len, _BACKTICKS.findall(code)), default=0) + 1)
        # Code lines are shielded from the blank-line trimming by a marker.
        return "\n\n%s\n%s\n%s\n\n" % (fence, code.replace("\n", CODE_NL), fence)

    def convert_ul(self, el, text, parent_tags):
        """One item per child with content, each trimmed and unescaped on its own."""
        items = []
        for child in el:
            buf: list[str] = []
            self._render(child, buf, parent_tags)
            item = "".join(buf).strip(GO_SPACE)
            if item:
                items.append(unescape(trim_hard_breaks(trim_newlines(item))))
        if not items:
            return ""
        if el.tag == "ol":
            m = _START_ATTR.fullmatch(el.get("start") or "")
            start = int(m.group()) if m else 1
            width = len(str(start + len(items) - 1))
            prefixes = ["%0*d. " % (width, start + i) for i in range(len(items))]
        else:
            prefixes = ["- "] * len(items)
        lines = []
        for prefix, item in zip(prefixes, items):
            indent = " " * len(prefix)
            if CODE_NL in item:
                item = item.replace(CODE_NL, CODE_NL + indent)
            lines.append(prefix + item.replace("\n", "\n" + indent))
        return "\n\n" + "\n".join(lines) + "\n\n"

    convert_ol = convert_ul


_CONVERTED = "a b strong em i br hr blockquote img code pre ul ol".split()
# Converters that read the element themselves instead of its rendered content.
_OWN_CONTENT = frozenset(("br", "hr", "img", "code", "pre", "ul", "ol"))
_NO_PARENTS: frozenset = frozenset()
_IN_LINK = frozenset(("a",))

_CONVERTER = BodyConverter()


def html_to_markdown(html: str) -> str:
    """Inner HTML of a release's body element → the archive's markdown body."""
    return _CONVERTER.convert(html)


def convert_body(element) -> str:
    """The body element of a parsed page (lxml) → the archive's markdown body.
    Converts the page's own tree, modifying it, instead of serialising it
    and parsing it again."""
    return _CONVERTER.convert_element(element)

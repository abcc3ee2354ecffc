"""Smart escaping: a backslash before a markdown character of the text only
where, left bare, it would change the meaning (docs/format.md, "Escaping").

Whether a character needs its backslash depends on what ends up around it
(the start of a line, the next character, a `]` later on the line), which is
known only once the whole body is rendered.  So text is rendered with a
placeholder before every markdown character (`mark_text`), and at the end
`resolve_escapes` turns each placeholder into a backslash or drops it, by the
library's rules, in the library's order (`_RULES`).
"""

from __future__ import annotations

import re

from .whitespace import ASCII_SPACE, GO_SPACE

P = "\x07"  # the placeholder: a control character, not expected in page text
NO_ESCAPE = 0  # a rule's answer: the character stays bare

# Before each markdown character; a zero-width match replaced by a literal is fastest.
_MARKDOWN_CHAR = re.compile(r"""(?=[\\*_\-+.>|$#=\[\]()!~`"'])""")
# Placeholders that no rule can keep: characters never escaped, "." / ")" not
# after a digit, and line-start-only markers right after other text.  Dropping
# them first leaves the rules little to look at; every branch starts with the
# placeholder itself, which keeps the scan fast.
_NEVER_ESCAPED = re.compile(
    r"""\x07(?:(?=[>|$\]("'])|(?=[.)])(?<!\d\x07)|(?=[-+=#~])(?<=[^\n \x07]\x07))"""
)


def mark_text(text: str, in_link: bool = False) -> str:
    """Page text as markdown, a placeholder before each markdown character.

    `<` and `>` become entities (the text would otherwise read as HTML).  In
    link text a `]` would end the text: it is always escaped there."""
    if "<" in text or ">" in text:
        text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_CHAR.sub(P, text)
    if in_link:
        text = text.replace(P + "]", "\\]")
    return text


# --------------------------------------------------------------------------- #
# What the rules look at


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
    """The character after s[i], placeholders skipped; "" at the end."""
    i += 1
    n = len(s)
    while i < n:
        if s[i] != P:
            return s[i]
        i += 1
    return ""


def _blank_follows(s: str, i: int) -> bool:
    nxt = _next_char(s, i)
    return not nxt or nxt in ASCII_SPACE


def _run_length(s: str, i: int, chars: str, skip: str) -> tuple[int, int]:
    """(how many of `chars` follow from s[i] on, ignoring `skip`; where the run ends)."""
    count = 0
    j = i
    n = len(s)
    while j < n:
        d = s[j]
        if d in chars:
            count += 1
        elif d not in skip:
            break
        j += 1
    return count, j


# --------------------------------------------------------------------------- #
# The rules.  Each looks at the markdown character s[i] and answers how far
# the escape reaches (the scan resumes after that), NO_ESCAPE, or None when
# the next rule for that character decides.


def _emphasis(s: str, i: int) -> int | None:
    """`*` or `_` opens emphasis unless white space follows."""
    nxt = _next_char(s, i)
    return 1 if nxt and nxt not in GO_SPACE else None


def _atx_heading(s: str, i: int) -> int | None:
    """1 to 6 `#` at the start of a line, then a blank (or the end)."""
    if not _at_line_start(s, i):
        return NO_ESCAPE
    count, j = _run_length(s, i, "#", P)
    if count > 6:
        return NO_ESCAPE
    if j == len(s):
        return 1
    return j - i if s[j] in " \t\n\r" else NO_ESCAPE


def _setext_underline(s: str, i: int) -> int | None:
    """`=` or `-` on the line right below a line of text."""
    newlines = 0
    for j in range(i - 1, -1, -1):
        d = s[j]
        if d == "\n":
            newlines += 1
        elif d != P and d != " ":
            return 1 if newlines == 1 else None
    return None


def _thematic_break(s: str, i: int) -> int | None:
    """Three or more `-`, `_` or `*` alone on a line (spaces allowed)."""
    if not _at_line_start(s, i):
        return None
    count, j = _run_length(s, i, s[i], P + " ")
    if j < len(s) and s[j] != "\n":
        return None  # other text on the line
    return j - i if count >= 3 else None


def _ordered_list_marker(s: str, i: int) -> int | None:
    """`.` or `)` right after a number that starts the line, then a blank."""
    j = i - 1
    while j >= 0 and s[j] == P:
        j -= 1
    if j < 0 or not s[j].isdecimal():
        return NO_ESCAPE
    for j in range(i - 1, -1, -1):
        d = s[j]
        if d == "\n":
            break
        if d != " " and d != P and not "0" <= d <= "9":
            return NO_ESCAPE
    return 1 if _blank_follows(s, i) else NO_ESCAPE


def _bullet(s: str, i: int) -> int | None:
    """`-`, `*` or `+` at the start of a line, then a blank."""
    if not _at_line_start(s, i):
        return None
    return 1 if _blank_follows(s, i) else NO_ESCAPE


def _link_open(s: str, i: int) -> int | None:
    """`[` with a `]` later on the same line."""
    end = s.find("]", i + 1)
    return 1 if end > 0 and "\n" not in s[i + 1: end] else NO_ESCAPE


def _image_open(s: str, i: int) -> int | None:
    """`!` right before a `[`."""
    return 1 if s[i + 1: i + 2] == "[" else NO_ESCAPE


def _code(s: str, i: int) -> int | None:
    """Three or more backticks or tildes at line start open a fence; any
    other backtick opens inline code, a tilde nothing."""
    if _at_line_start(s, i):
        count, j = _run_length(s, i, "`~", P)
        if count >= 3:
            return j - i
    return 1 if s[i] == "`" else NO_ESCAPE


def _backslash(s: str, i: int) -> int | None:
    """A backslash would escape what follows it."""
    return 1


# (characters, rule), in the order the library tries them.
_RULES = (
    ("*_", _emphasis),
    ("#", _atx_heading),
    ("=-", _setext_underline),
    ("-_*", _thematic_break),
    (".)", _ordered_list_marker),
    ("-*+", _bullet),
    ("[", _link_open),
    ("!", _image_open),
    ("`~", _code),
    ("\\", _backslash),
)
_RULES_FOR = {c: tuple(rule for chars, rule in _RULES if c in chars) for chars, _ in _RULES for c in chars}


def escape_reach(s: str, i: int) -> int:
    """How far the escape before s[i] reaches, or NO_ESCAPE (0)."""
    for rule in _RULES_FOR.get(s[i], ()):
        reach = rule(s, i)
        if reach is not None:
            return reach
    return NO_ESCAPE


def resolve_escapes(s: str) -> str:
    """Each placeholder becomes a backslash where needed, else nothing."""
    if P not in s:
        return s
    s = _NEVER_ESCAPED.sub("", s)
    i = s.find(P)
    n = len(s)
    escaped = []
    while 0 <= i < n - 1:
        reach = escape_reach(s, i + 1)
        if reach:
            escaped.append(i)
            i = s.find(P, i + reach)
        else:
            i = s.find(P, i + 1)
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

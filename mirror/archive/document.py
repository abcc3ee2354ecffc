"""The archive format: one release as a `Document`, read and written byte-exactly.

Every file the mirror reads (seeds) or writes (output) goes through `parse`
and `render`.  The canonical layout is fixed (docs/format.md): keys in a set order,
a Go-quoted title, list items written raw and unquoted.  Because raw items
such as ``Māori Crown Relations: Te Arawhiti`` are not valid YAML strings,
the reader is a line reader for this layout; only headers it does not
understand (files written by other tools) fall back to YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

LIST_KEYS = ("ministers", "portfolios", "attachments")
SCALAR_KEYS = ("title", "date", "url")
FIELDS = SCALAR_KEYS + LIST_KEYS + ("body",)
NO_DATE = "0001-01-01"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


class FormatError(ValueError):
    """The text is not a front-matter document of this archive."""


@dataclass(frozen=True, slots=True)
class Document:
    title: str = ""
    date: str = NO_DATE
    url: str = ""
    ministers: tuple[str, ...] = ()
    portfolios: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    body: str = ""

    @property
    def year_month_day(self) -> tuple[str, str, str]:
        return self.date[:4], self.date[5:7], self.date[8:10]

    def changed_fields(self, other: Document) -> list[str]:
        """Names of the fields whose values differ, in archive key order."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


def normalise(doc: Document) -> Document:
    """The format's invariants, whatever produced `doc`: trimmed title and
    body, no empty list items, a date always present."""
    return replace(
        doc,
        title=doc.title.strip(),
        date=doc.date or NO_DATE,
        ministers=tuple(m.strip() for m in doc.ministers if m.strip()),
        portfolios=tuple(p.strip() for p in doc.portfolios if p.strip()),
        attachments=tuple(a.strip() for a in doc.attachments if a.strip()),
        body=doc.body.strip(),
    )


def holds_a_release(doc: Document | None) -> bool:
    """A page with neither title nor body is not a release (docs/site.md)."""
    return doc is not None and bool(doc.title or doc.body)


# --- Go strconv.Quote / Unquote ------------------------------------------

_GO_SIMPLE = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r",
              "\t": r"\t", "\v": r"\v", '"': r"\"", "\\": r"\\"}


def _go_escape(ch: str) -> str:
    if ch in _GO_SIMPLE:
        return _GO_SIMPLE[ch]
    if ch == " " or ch.isprintable():
        # Python's isprintable() and Go's IsPrint share one definition:
        # everything but categories C* and Z*, plus the ASCII space.
        return ch
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def go_quote(text: str) -> str:
    """Quote `text` the way Go's strconv.Quote does (the archive's titles)."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return '"' + "".join(_go_escape(ch) for ch in text) + '"'


_GO_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.S)
_GO_UNESCAPE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                "v": "\v", "\\": "\\", '"': '"', "'": "'", "/": "/", "0": "\0"}


def _go_unescape(match: re.Match) -> str:
    seq = match.group(1)
    if seq[0] in "xuU" and len(seq) > 1:
        return chr(int(seq[1:], 16))
    if len(seq) == 3 and seq.isdigit():
        return chr(int(seq, 8))
    if seq in _GO_UNESCAPE:
        return _GO_UNESCAPE[seq]
    raise FormatError(f"unknown escape \\{seq} in quoted string")


def go_unquote(quoted: str) -> str:
    """Inverse of `go_quote`; also reads YAML double-quoted scalars on one line."""
    if len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
        raise FormatError(f"unterminated quoted string {quoted!r}")
    inner = quoted[1:-1]
    if "\\" not in inner:
        return inner
    return _GO_ESCAPE.sub(_go_unescape, inner)


# --- render ----------------------------------------------------------------

def render(doc: Document) -> str:
    """The document as archive text: canonical, no trailing newline."""
    lines = ["---", "title: " + go_quote(doc.title), "date: " + doc.date, "url: " + doc.url]
    for key in LIST_KEYS:
        items = getattr(doc, key)
        if items:
            lines.append(key + ":")
            lines.extend("  - " + item for item in items)
    lines.append("---")
    return "\n".join(lines) + "\n\n" + doc.body


# --- parse -----------------------------------------------------------------

class _NotLineFormat(Exception):
    """The header needs a real YAML parser."""


def _scalar(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith('"'):
        return go_unquote(raw)
    if raw.startswith("'"):
        if len(raw) < 2 or not raw.endswith("'"):
            raise FormatError(f"unterminated quoted string {raw!r}")
        return raw[1:-1].replace("''", "'")
    if raw[:1] in ("[", "{", "|", ">", "&", "*", "!"):
        raise _NotLineFormat
    return raw


def _read_header_lines(lines: list[str]) -> dict:
    data: dict = {}
    current: list | None = None
    for line in lines:
        if line.startswith("  - ") or line == "  -":
            if current is None:
                raise _NotLineFormat
            # Items are raw text, quotes included: YAML would misread
            # "a: b" as a mapping and strip quotes the page really had.
            current.append(line[4:])
            continue
        key, sep, value = line.partition(":")
        if not sep or key not in FIELDS or key in data or key == "body":
            raise _NotLineFormat
        if key in LIST_KEYS:
            if value.strip():
                raise _NotLineFormat
            current = data[key] = []
        else:
            current = None
            data[key] = _scalar(value)
    return data


def _read_header_yaml(header: str) -> dict:
    # Imported here: only headers written by other tools need YAML.
    from frontmatter.default_handlers import YAMLHandler

    try:
        loaded = YAMLHandler().load(header)
    except Exception as exc:  # noqa: BLE001 - yaml raises many types; all mean "broken"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FormatError(f"broken front matter: {reason}") from None
    if not isinstance(loaded, dict):
        raise FormatError("front matter is not a mapping")
    data: dict[str, str | list[str]] = {}
    for key, value in loaded.items():
        if key in LIST_KEYS:
            if value is None:
                value = []
            if not isinstance(value, list):
                raise FormatError(f"{key} is not a list")
            data[key] = [_yaml_item_text(v) for v in value]
        elif key in SCALAR_KEYS:
            data[key] = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    return data


def _yaml_item_text(value: object) -> str:
    if isinstance(value, dict) and len(value) == 1:
        ((k, v),) = value.items()
        return f"{k}: {v}"
    return str(value)


def split(text: str) -> tuple[str, str]:
    """The header between the `---` fences, and the body after them."""
    if not text.startswith("---\n"):
        if text.startswith("---\r\n"):
            text = text.replace("\r\n", "\n")
        else:
            raise FormatError("no front matter (file does not start with ---)")
    end = text.find("\n---\n", 3)
    if end < 0:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise FormatError("front matter is not closed by ---")
    header = text[4:end]
    body = text[end + 5:]
    # Canonical files have exactly one empty line before the body.
    if body.startswith("\n"):
        body = body[1:]
    return header, body


# The canonical layout in one expression: most files are read by this alone.
_CANONICAL = re.compile(
    r'---\ntitle: (".*")\ndate: (\d{4}-\d{2}-\d{2})\nurl: (.*)\n'
    r"(?:ministers:\n((?:  - .*\n)+))?"
    r"(?:portfolios:\n((?:  - .*\n)+))?"
    r"(?:attachments:\n((?:  - .*\n)+))?"
    r"---\n\n"
)


def _items(block: str | None) -> tuple[str, ...]:
    return tuple(line[4:] for line in block[:-1].split("\n")) if block else ()


_HEAD = re.compile(rb'---\ntitle: "(.*)"\ndate: (\d{4}-\d{2}-\d{2})\nurl: (.*)\n')


def read_head(data: bytes) -> tuple[str, str, str] | None:
    """(title, date, url) of a canonical file's bytes, without decoding or
    reading the rest; None when the file does not start the canonical way."""
    m = _HEAD.match(data)
    if not m:
        return None
    try:
        quoted = m.group(1).decode("utf-8")
        return (go_unquote(f'"{quoted}"') if "\\" in quoted else quoted,
                m.group(2).decode("ascii"), m.group(3).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def parse(text: str) -> Document:
    """Read archive text into a Document; raises FormatError with the reason."""
    m = _CANONICAL.match(text)
    if m:
        title, date, url, ministers, portfolios, attachments = m.groups()
        return Document(go_unquote(title), date, url, _items(ministers), _items(portfolios),
                        _items(attachments), text[m.end():])
    header, body = split(text)
    try:
        data = _read_header_lines(header.split("\n")) if header else {}
    except _NotLineFormat:
        data = _read_header_yaml(header)
    except FormatError as exc:
        raise FormatError(f"broken front matter: {exc}") from None
    date = data.get("date") or NO_DATE
    if not _DATE.match(date):
        raise FormatError(f"broken front matter: date {date!r} is not YYYY-MM-DD")
    return Document(
        title=data.get("title", ""),
        date=date,
        url=data.get("url", ""),
        ministers=tuple(data.get("ministers", ())),
        portfolios=tuple(data.get("portfolios", ())),
        attachments=tuple(data.get("attachments", ())),
        body=body,
    )


def first_difference(expected: str, actual: str) -> tuple[int, str, str] | None:
    """(line number, expected line, actual line) of the first differing line."""
    if expected == actual:
        return None
    a, b = expected.split("\n"), actual.split("\n")
    for number, (left, right) in enumerate(zip(a, b, strict=False), start=1):
        if left != right:
            return number, left, right
    number = min(len(a), len(b)) + 1
    return number, (a[number - 1] if number <= len(a) else "<end of file>"), (
        b[number - 1] if number <= len(b) else "<end of file>")

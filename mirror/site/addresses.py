"""A release's real address, rebuilt from its title.

The archive's `url` keeps only the ASCII of the real address (the id rule,
`mirror.site.origin.ascii_slug`): `/release/ngāi-tahu-...` is archived as
`/release/ngai-tahu-...`, and a `’` or `–` in the address is simply gone.
The site answers the real address only, so before calling a release gone the
mirror has to find it.  The address is the path alias Drupal's pathauto made
from the title when the release was created; made again from the title as it
stands, it puts back, in the right places, the characters the id rule dropped.

Only an address whose id-rule form is the archived url is ever returned: the
title may have been edited since the alias was made, and a wrong guess must
not pass for the release's address.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from urllib.parse import quote, unquote

from mirror.archive.urls import SITE, archive_url, ascii_slug

# --- the alias made from a title (pathauto's clean string) -----------------

# ASCII punctuation removed from the title; the hyphen stays, being the
# separator.  Non-ASCII punctuation (’ “ – …) is not on the list and stays.
_PUNCTUATION = re.compile(r"[\"'`,.:;|{\[}\]+=*&%^$#@!~()?<>/\\_]+")

# Short words dropped, matched case-insensitively as whole words.  A word
# character is any letter or digit, accented or not (and a combining mark);
# quotes and dashes such as ’ “ – are not, so `“Back Off”` loses its `Off`.
_IGNORE_WORDS = ("a", "an", "as", "at", "before", "but", "by", "for", "from", "is", "in", "into", "like", "of",
                 "off", "on", "onto", "per", "since", "than", "the", "this", "that", "to", "up", "via", "with")
_WORD = r"[\w\u0300-\u036f]"
_IGNORED = re.compile(rf"(?<!{_WORD})(?:{'|'.join(_IGNORE_WORDS)})(?!{_WORD})", re.IGNORECASE)

# Only ASCII white space separates words: U+00A0, U+200B and U+202F stay in
# the alias as characters.
_SPACE = re.compile(r"[ \t\n\v\f\r]+")
_SEPARATORS = re.compile(r"-{2,}")
_TAG = re.compile(r"<(?=[^\s<])[^>]*(?:>|\Z)")
_ASCII_SPACE = " \t\n\r\0\v"

# A title's slug is cut to SLUG_LENGTH characters, and the whole alias,
# `/release/<slug>`, to ALIAS_LENGTH, each at a word boundary: so the slug of
# a release address is at most 91 characters.  (No archived id is longer, and
# cutting the long titles there gives every cut id in the archive.)
SLUG_LENGTH = 100
ALIAS_LENGTH = 100


def _is_boundary(ch: str) -> bool:
    """Where a cut at a word boundary may fall: before punctuation, spaces,
    symbols, never inside a word."""
    return not (ch.isalnum() or unicodedata.category(ch).startswith("M"))


def _truncate(text: str, length: int) -> str:
    """The longest prefix of at most `length` characters that a word boundary
    follows; the first `length` characters when there is none."""
    if len(text) <= length:
        return text
    for end in range(length, 0, -1):
        if _is_boundary(text[end]):
            return text[:end]
    return text[:length]


def title_slug(title: str) -> str:
    """The alias pathauto makes from `title`: lower case, ASCII punctuation
    and short words removed, words joined by `-`, every non-ASCII character
    kept as it stands (not percent-encoded)."""
    text = _PUNCTUATION.sub("", _TAG.sub("", title))
    removed = _IGNORED.sub("", text)
    if removed.strip(_ASCII_SPACE):  # never leave the alias empty
        text = removed
    text = _SPACE.sub("-", text)
    text = _SEPARATORS.sub("-", text.strip("-"))
    return _truncate(text.lower(), SLUG_LENGTH)


# --- the address of an archived release -------------------------------------

_NUMBERED = re.compile(r"-\d+\Z")
# The fewest characters in a row the title's slug and the archived id must
# share for a character to be put back beside or among them.
_MIN_AGREEMENT = 3
# Characters the id rule keeps nothing of, named by code point when unseen.
_INVISIBLE = {"\u00a0": "U+00A0", "\u200b": "U+200B", "\u202f": "U+202F"}


def _encode(slug: str) -> str:
    """The slug as the site's canonical links write it: UTF-8 percent-encoded,
    upper-case hex, ASCII letters, digits and `-` left alone."""
    return quote(slug, safe="-")


def _fit(kind: str, slug: str, suffix: str = "") -> str:
    """The slug cut so that the whole alias, `/<kind>/<slug><suffix>`, stays
    within ALIAS_LENGTH characters: a repeat's `-0`, `-1`... cuts the slug
    shorter still."""
    prefix = f"/{kind}/"
    return _truncate(prefix + slug, ALIAS_LENGTH - len(suffix))[len(prefix):] + suffix


def _image(ch: str) -> str:
    """What the id rule leaves of one character: itself, its base letter, or nothing."""
    return ch if ch.isascii() else ascii_slug(ch)


def _aligned(slug: str, archived_id: str) -> str | None:
    """The archived id with the slug's non-ASCII characters put back wherever
    the slug and the id agree around them: the fallback for a title edited
    since its alias was made.  None when nothing could be put back."""
    images = [_image(ch) for ch in slug]
    ascii_form = "".join(images)
    matched = [-1] * len(ascii_form)  # the id position each character of ascii_form matched, or -1
    for block in SequenceMatcher(None, ascii_form, archived_id, autojunk=False).get_matching_blocks():
        if block.size >= _MIN_AGREEMENT:  # a letter or two in common by chance is no agreement
            matched[block.a:block.a + block.size] = range(block.b, block.b + block.size)
    out = list(archived_id)
    before: dict[int, list[str]] = {}  # dropped characters to put before id position j
    position = 0
    for ch, image in zip(slug, images, strict=True):
        if image == ch:
            position += 1
            continue
        if image:  # an accented letter: back in place of the base letter it matched
            spots = matched[position:position + len(image)]
            if spots[0] >= 0 and spots == list(range(spots[0], spots[0] + len(image))):
                out[spots[0]:spots[-1] + 1] = [ch] + [""] * (len(image) - 1)
            position += len(image)
            continue
        # A dropped character goes back between two matched neighbours that
        # are neighbours in the id too.  Where the title's edit left one side
        # unmatched, it goes next to the matched side if that is a word (a
        # quote or apostrophe clings to its word) or an end of the id; a dash
        # between separators, one of them gone, has no place left.
        left = matched[position - 1] if position else -1
        right = matched[position] if position < len(ascii_form) else -1
        if left >= 0 and right == left + 1:
            before.setdefault(right, []).append(ch)
        elif left >= 0 > right and (ascii_form[position - 1] != "-" or left == len(archived_id) - 1):
            before.setdefault(left + 1, []).append(ch)
        elif right >= 0 > left and (ascii_form[position] != "-" or right == 0):
            before.setdefault(right, []).append(ch)
    rebuilt = "".join("".join(before.get(j, ())) + out[j] for j in range(len(out)))
    rebuilt += "".join(before.get(len(out), ()))
    return rebuilt if rebuilt != archived_id else None


def _kind_and_id(archived_url: str) -> tuple[str, str]:
    head, _, archived_id = archived_url.rpartition("/")
    return head.rpartition("/")[2], archived_id


def rebuild_address(title: str, archived_url: str) -> str | None:
    """The real address of the release archived at `archived_url`, rebuilt
    from its title: the archived slug with the characters the id rule dropped
    put back, percent-encoded as the site writes it.

    None when that address would be `archived_url` itself (an ASCII title
    has nothing to put back; a `/node/` release has no alias) or when no
    rebuild maps back onto `archived_url` by the id rule.
    """
    if title.isascii():
        return None  # nearly every seed: nothing the id rule could have dropped
    kind, archived_id = _kind_and_id(archived_url)
    if not archived_id or archived_id.isdigit():
        return None
    slug = title_slug(title)
    candidates = [_fit(kind, slug)]
    numbered = _NUMBERED.search(archived_id)
    if numbered:  # a repeated alias: the title's slug, cut shorter, then `-N`
        candidates.append(_fit(kind, slug, numbered.group(0)))
    rebuilt = next((c for c in candidates if ascii_slug(c) == archived_id), None)
    if rebuilt is None:
        rebuilt = _aligned(slug, archived_id)
        if rebuilt is None:
            return None
    address = f"{SITE}/{kind}/{_encode(rebuilt)}"
    # Whatever the rebuild did, the answer must be an address the archive
    # would have written as `archived_url`.
    if address == archived_url or archive_url(address) != archived_url:
        return None
    return address


def _name(ch: str) -> str:
    return _INVISIBLE.get(ch) or (ch if ch.isprintable() else f"U+{ord(ch):04X}")


def unplaceable_reason(title: str, archived_url: str, real_url: str) -> str:
    """Why the title does not rebuild `real_url`, in a few words ("" when it
    does).  For measuring the rebuild against known addresses."""
    rebuilt = rebuild_address(title, archived_url)
    if rebuilt == real_url or (rebuilt is None and real_url == archived_url):
        return ""
    kind, real_slug = _kind_and_id(real_url)
    real_slug = unquote(real_slug)
    if kind == "node" or real_slug.isdigit():
        return "no alias: the release lives at /node/<n>"
    if archive_url(real_url) != archived_url:
        return "the address does not map onto the archived url"
    wanted = Counter(ch for ch in real_slug if not ch.isascii())
    found = Counter(ch for ch in _fit(kind, title_slug(title)) if not ch.isascii())
    lost = [ch for ch in wanted if wanted[ch] > found[ch]]
    if lost:
        names = ", ".join(_name(ch) for ch in lost)
        if all(ch in _INVISIBLE for ch in lost):
            return f"address has {names} the title no longer has"
        return f"title edited since: no {names} in the title" if not any(found[ch] for ch in lost) \
            else f"title edited since: fewer {names} in the title than in the address"
    extra = [ch for ch in found if found[ch] > wanted[ch]]
    if extra:
        return f"title edited since: {', '.join(_name(ch) for ch in extra)} added to the title"
    if rebuilt is None:
        return "title edited since: its slug no longer lines up with the address"
    return f"rebuilt {unquote(rebuilt.rpartition('/')[2])!r}: non-ASCII characters put in the wrong places"

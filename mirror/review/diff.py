"""Seeds against what the crawl fetched: one classified entry per seed URL.

Classes: unchanged, changed (naming the fields), new, gone, moved, blocked,
failed, seed-invalid.  Outcomes come from the run manifest when there is
one; only without a manifest is an output looked up by its path, and then
a seed with no output is `failed` (its state is unknown), never `gone`.
Documents are compared parsed, after a byte comparison that settles the
common case (nothing changed) without parsing.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mirror.archive.document import Document, FormatError, parse
from mirror.archive.seeds import Seed, SeedSet
from mirror.archive.store import UnsafePath, read_bytes, real_inside, relative_path, resolve_inside
from mirror.archive.urls import archive_url
from mirror.outcomes import HAS_DOCUMENT, TO_REVIEW, WHITESPACE_ONLY, Exit, Outcome, Verdict
from mirror.review.manifest import Record
from mirror.site.candidates import is_own_address

UNCHANGED, CHANGED, NEW, GONE, MOVED = Verdict.UNCHANGED, Verdict.CHANGED, Verdict.NEW, Verdict.GONE, Verdict.MOVED
BLOCKED, FAILED, SEED_INVALID = Verdict.BLOCKED, Verdict.FAILED, Verdict.SEED_INVALID
DOCUMENT_FOLDERS = ("releases", "speeches")

_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)")
_UNESCAPE = re.compile(r"\\(.)")


@dataclass
class Entry:
    url: str
    status: Verdict
    seed: str = ""
    output: str = ""
    fields: list[str] = field(default_factory=list)
    reason: str = ""
    seed_doc: Document | None = None
    output_doc: Document | None = None
    address: str = ""     # the real address that answered, when it is not `url`
    tried: list[str] = field(default_factory=list)  # for gone: every address asked

    @property
    def whitespace_only(self) -> bool:
        """A `changed` entry whose every difference is whitespace (`same_but_whitespace`)."""
        return self.status == CHANGED and self.reason == WHITESPACE_ONLY

    def as_json(self) -> dict:
        data = {"url": self.url, "status": self.status, "seed": self.seed, "output": self.output,
                "fields": self.fields, "reason": self.reason}
        if self.address:
            data["address"] = self.address
        if self.tried:
            data["tried"] = self.tried
        return data


@dataclass
class DiffResult:
    entries: list[Entry]                                   # every entry but the unchanged
    unchanged: list[str] = field(default_factory=list)     # URLs of unchanged seeds
    not_checked: int = 0        # seeds the run did not request
    duplicates: int = 0         # seed files repeating another seed's URL
    missing: dict | None = None  # what the site index lists and no seed has (missing_from_archive)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(Verdict, 0)
        counts[UNCHANGED] = len(self.unchanged)
        for entry in self.entries:
            counts[entry.status] += 1
        return counts

    def whitespace_only(self) -> int:
        """How many `changed` entries differ only in whitespace."""
        return sum(entry.whitespace_only for entry in self.entries)

    def to_review(self) -> list[Entry]:
        """The entries a person must look at (`TO_REVIEW`), in that order,
        whitespace-only changes after the real ones."""
        return [entry for entry in self.not_unchanged() if entry.status in TO_REVIEW]

    def not_unchanged(self) -> list[Entry]:
        """Every entry in review order: changed (the real changes, then the
        whitespace-only ones), new, moved, gone, then those that could not be
        judged: blocked, failed, seed-invalid."""
        order = {verdict: n for n, verdict in enumerate((*TO_REVIEW, BLOCKED, FAILED, SEED_INVALID))}
        return sorted(self.entries, key=lambda entry: (order[entry.status], entry.whitespace_only))


# --- pure comparisons -----------------------------------------------------------

def body_link_texts(body: str, marker: str) -> set[str]:
    """Plain texts of the body's markdown links whose target holds `marker`."""
    return {_UNESCAPE.sub(r"\1", text).replace("**", "").replace("*", "").strip()
            for text, href in _LINK.findall(body) if marker in href}


# Whitespace a page may move without changing what it says: a no-break space
# (U+00A0), a narrow one (U+202F) and a zero-width one (U+200B).  Only these
# and ASCII spaces and tabs; a line break is not one of them (it may end a
# paragraph, which is a change).
_ZERO_WIDTH = "\u200b"
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_INDENT = re.compile(r"[ \t]*")
_BLANK_LINES = re.compile(r"\n{2,}")


def whitespace_normal(text: str) -> str:
    """`text` with the differences `same_but_whitespace` ignores taken out:
    zero-width spaces removed; on each line, after its indent of ASCII
    spaces and tabs (kept: in markdown it makes a code block or a nested
    list), every run of spaces (ASCII, U+00A0, U+202F) made one ASCII space,
    and none at the line's end (but markdown's hard break, two ASCII spaces
    before a line of the same paragraph); a line of nothing but spaces blank; runs of
    blank lines one blank line (markdown's paragraph break either way); no
    blank lines at either end.  Words are never joined or split: a space
    that appears or disappears between two words is a change."""
    lines = []
    raw = text.replace(_ZERO_WIDTH, "").split("\n")
    for n, line in enumerate(raw):
        indent = _INDENT.match(line).group()  # type: ignore[union-attr]  # matches every string
        rest = _SPACES.sub(" ", line[len(indent):]).strip(" ")
        # Two spaces ending a line inside a paragraph are markdown's hard
        # line break (<br>): kept, so a break that comes or goes is a change.
        if rest and line.endswith("  ") and n + 1 < len(raw) and raw[n + 1].strip():
            rest += "  "
        lines.append(indent + rest if rest else "")
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def same_but_whitespace(seed: Document, fetched: Document, fields: list[str]) -> bool:
    """True when every field in `fields` differs only in whitespace: its two
    values are equal after `whitespace_normal` (list fields item by item,
    the same number of items).  `date` and `url` are never whitespace."""
    if not fields:
        return False
    for name in fields:
        if name in ("date", "url"):
            return False
        old, new = getattr(seed, name), getattr(fetched, name)
        if isinstance(old, str):
            old, new = (old,), (new,)
        if len(old) != len(new):
            return False
        if any(whitespace_normal(a) != whitespace_normal(b) for a, b in zip(old, new, strict=True)):
            return False
    return True


def old_extractor_reason(seed: Document, fetched: Document, fields: list[str]) -> str:
    """Why a change is only the archive's old extractor mistake, or ""."""
    if not fields or not set(fields) <= {"ministers", "portfolios"}:
        return ""
    for name, marker in (("ministers", "/minister/"), ("portfolios", "/portfolio/")):
        if name in fields:
            extra = [item for item in getattr(seed, name) if item not in getattr(fetched, name)]
            if not extra or not set(extra) <= body_link_texts(seed.body, marker):
                return ""
    return ("only the seed's " + " and ".join(fields) + " differ, and the seed's extra names are body "
            "link texts: the archive's old extractor took body links as " + " and ".join(fields))


def gone_reason(status: int, tried: list[str], seed: Document | None) -> str:
    """Why a seed is gone: the site refused every address asked.  When only
    the archive url was asked and the title holds characters the archive's
    id rule drops, the real address is still unknown: say so."""
    if len(tried) > 1:
        return f"the site answered {status} at the last of {len(tried)} addresses tried, and 404 or 410 at the others"
    dropped = sorted({ch for ch in seed.title if not ch.isascii() and not ch.isspace()}) if seed else []
    if not dropped:
        return f"the site answered {status}"
    return (f"the site answered {status}; the seed URL may be a transliteration (its title holds "
            + " ".join(dropped) + ", which the archive's id rule drops) and no real address could be "
            "rebuilt from the title: `mirror index` may find the release's address")


def document_entry(url: str, seed: _Seed, output_path: str, output_data: bytes) -> Entry:
    """unchanged or changed: one seed against the document fetched for it."""
    if seed.same_bytes(output_data):
        return Entry(url, UNCHANGED, seed.path, output_path)
    seed_doc, output_doc = seed.doc, parse(output_data.decode("utf-8"))
    fields = seed_doc.changed_fields(output_doc)
    if not fields:
        return Entry(url, UNCHANGED, seed.path, output_path)
    reason = (WHITESPACE_ONLY if same_but_whitespace(seed_doc, output_doc, fields)
              else old_extractor_reason(seed_doc, output_doc, fields))
    return Entry(url, CHANGED, seed.path, output_path, fields, reason, seed_doc, output_doc)


def outcome_entry(seed: _Seed, outcome: Record) -> Entry | None:
    """The entry for an outcome without a comparable document, or None."""
    url = seed.url
    if outcome.outcome == Outcome.BLOCKED:
        return Entry(url, BLOCKED, seed.path, reason="the bot wall answered instead of the page", seed_doc=seed.doc)
    tried = list(outcome.tried) or [url]
    if outcome.outcome in (Outcome.FAILED, Outcome.DROPPED):
        if outcome.status in (404, 410):
            return Entry(url, GONE, seed.path, reason=gone_reason(outcome.status, tried, seed.doc), seed_doc=seed.doc,
                         tried=tried)
        return Entry(url, FAILED, seed.path, reason=outcome.reason or "no document", seed_doc=seed.doc,
                     address=address_of(outcome))
    if outcome.final_url and not is_own_address(url, tried[-1], outcome.final_url):
        return Entry(url, MOVED, seed.path, outcome.output, reason=f"redirected to {outcome.final_url}",
                     seed_doc=seed.doc, address=outcome.final_url)
    return None


def address_of(outcome: Record) -> str:
    """The real address that answered, when it is not the seed's url."""
    return outcome.final_url if outcome.final_url and outcome.final_url != outcome.url else ""


# --- reading the trees --------------------------------------------------------

def document_files(output_dir: str) -> list[str]:
    """Document paths under the output folder, relative to it."""
    found: list[str] = []
    for folder in DOCUMENT_FOLDERS:
        top = os.path.join(output_dir, folder)
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(root, output_dir)
            found.extend(f"{rel}/{name}" for name in files if name.endswith(".md") and not name.startswith("."))
    return sorted(found)


class _Seed:
    """A seed as the diff compares it: its bytes read, decoded and parsed
    only when a comparison needs them (its digest settles the common case,
    nothing changed, without any of that)."""

    __slots__ = ("_data", "_doc", "date", "digest", "path", "url")

    def __init__(self, seed: Seed):
        self.path, self.url, self.date, self.digest = seed.path, seed.url, seed.date, seed.digest
        self._data: bytes | None = None
        self._doc: Document | None = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = read_bytes(self.path)
            if self._data is None:
                raise FormatError("cannot be read")
        return self._data

    def same_bytes(self, data: bytes) -> bool:
        if self._data is None:
            return self.digest == hashlib.sha1(data).hexdigest()
        return self.data == data

    @property
    def doc(self) -> Document:
        if self._doc is None:
            try:
                self._doc = parse(self.data.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise FormatError(f"not UTF-8 (byte 0x{self.data[exc.start]:02x} at offset {exc.start})") from None
        return self._doc


class _Outputs:
    """The output folder's documents, and which of them a seed has claimed."""

    def __init__(self, output_dir: str):
        self.output_dir = output_dir
        self.claimed: set[str] = set()
        self._by_url: dict[str, str] | None = None

    def data(self, relative: str) -> bytes | None:
        return read_bytes(f"{self.output_dir}/{relative}")

    def inside(self, relative: str) -> bool:
        """True when `relative`, its links followed, stays in the output folder
        (asked only of a path about to be read: it costs a stat a component)."""
        return real_inside(self.output_dir, os.path.join(self.output_dir, relative)) is not None

    def document(self, relative: str) -> Document | None:
        data = self.data(relative)
        try:
            return parse(data.decode("utf-8")) if data is not None else None
        except (UnicodeDecodeError, FormatError):
            return None

    def by_url(self) -> dict[str, str]:
        if self._by_url is None:
            self._by_url = {}
            for relative in document_files(self.output_dir):
                if relative not in self.claimed:
                    doc = self.document(relative)
                    if doc is not None:
                        self._by_url.setdefault(doc.url, relative)
        return self._by_url


def _compare(seed: _Seed, outputs: _Outputs, relative: str, data: bytes) -> Entry:
    outputs.claimed.add(relative)
    try:
        return document_entry(seed.url, seed, relative, data)
    except (FormatError, UnicodeDecodeError) as exc:
        return _unreadable(seed, relative, exc)


def unchanged_by_digest(seed: Seed | _Seed, outcome: Record) -> bool:
    """True when the run wrote, at the seed's own URL, bytes whose digest is
    the seed's: the common case, settled without reading the output."""
    if not (outcome.sha1 and outcome.outcome in HAS_DOCUMENT and outcome.sha1 == seed.digest):
        return False
    final = outcome.final_url
    return not final or final == seed.url or is_own_address(seed.url, (outcome.tried or (seed.url,))[-1], final)


def suspect_outputs(manifest: dict[str, Record]) -> dict[str, list[str]]:
    """Output paths, as the manifest names them, that no digest can settle:
    a path outside the output folder (no URLs), and a document that two or
    more releases claim as their own (the URLs claiming it).  One pass, and
    a dict lookup for each seed after it."""
    suspect: dict[str, list[str]] = {}
    first: dict[str, Record] = {}   # document -> the first record naming it
    shared: dict[str, list[Record]] = {}
    for o in manifest.values():
        relative = document = o.output
        if not relative:
            continue
        if relative[:1] in "./" or "/." in relative or "//" in relative or "\0" in relative:
            try:  # not a path as the crawl writes them: what does it name?
                document = os.fspath(resolve_inside("", relative))
            except UnsafePath:
                suspect[relative] = []
                continue
        owner = first.setdefault(document, o)
        if owner is not o:
            shared.setdefault(document, [owner]).append(o)
    for named in shared.values():
        # a redirect to another release names that release's document: not a claim of its own
        claiming = [o for o in named if o.outcome in HAS_DOCUMENT and (
            not o.final_url or o.final_url == o.url or is_own_address(o.url, (o.tried or (o.url,))[-1], o.final_url))]
        if len(claiming) > 1:
            for o in claiming:
                suspect[o.output] = [other.url for other in claiming]
    return suspect


def outside_reason(relative: str) -> str:
    return f"manifest names a path outside the output folder: {relative}"


def output_problem(url: str, relative: str, suspect: dict[str, list[str]]) -> str:
    """Why the manifest's output path for `url` cannot be compared, or ""."""
    owners = suspect.get(relative)
    if owners is None:
        return ""
    if not owners:
        return outside_reason(relative)
    return f"two releases claim one document: {relative} (also {', '.join(u for u in owners if u != url)})"


def manifest_entry(seed: _Seed, outputs: _Outputs, manifest: dict[str, Record],
                   suspect: dict[str, list[str]]) -> Entry | None:
    """The seed's entry by this run's record of it; None when the run did not
    check it.  A document whose digest matches the seed is unchanged without
    reading it, unless `suspect` (suspect_outputs) names its path."""
    outcome = manifest.get(seed.url)
    if outcome is None:
        return None
    special = outcome_entry(seed, outcome)
    if special is not None:
        return special
    relative = outcome.output
    problem = output_problem(seed.url, relative, suspect)
    if not problem and unchanged_by_digest(seed, outcome):
        outputs.claimed.add(relative)
        return Entry(seed.url, UNCHANGED, seed.path, relative)
    if not problem and relative and not outputs.inside(relative):
        problem = outside_reason(relative)  # a link leading out: not read
    if problem:
        return Entry(seed.url, FAILED, seed.path, relative, reason=problem, seed_doc=seed.doc,
                     address=address_of(outcome))
    data = outputs.data(relative) if relative else None
    if data is None:
        return Entry(seed.url, FAILED, seed.path, relative, seed_doc=seed.doc, address=address_of(outcome),
                     reason=f"the manifest names {relative or 'no file'}, which cannot be read")
    entry = _compare(seed, outputs, relative, data)
    entry.address = address_of(outcome)
    return entry


def path_entry(seed: _Seed, outputs: _Outputs) -> Entry | None:
    """Without a manifest: the seed against the output at its own path (its
    date and id); None when there is no file there."""
    expected = expected_output(seed.date, seed.url)
    if not expected or expected in outputs.claimed:
        return None
    data = outputs.data(expected)
    return None if data is None else _compare(seed, outputs, expected, data)


def url_entry(seed: _Seed, outputs: _Outputs) -> Entry:
    """Without a manifest, for a seed with no file at its own path: an
    unclaimed output with its URL (its date changed), or failed."""
    relative = outputs.by_url().get(archive_url(seed.url))
    data = outputs.data(relative) if relative and relative not in outputs.claimed else None
    if relative is None or data is None:
        return Entry(seed.url, FAILED, seed.path, reason="no output document (and no manifest to say why)",
                     seed_doc=seed.doc)
    return _compare(seed, outputs, relative, data)


def expected_output(date: str, url: str) -> str | None:
    """Where a document with this date and URL is written, or None."""
    try:
        return relative_path(Document(date=date, url=archive_url(url)))
    except UnsafePath:
        return None


def diff(seeds: SeedSet, output_dir: str, manifest: dict[str, Record] | None = None) -> DiffResult:
    """Classify every seed (and every new document) against the output.
    `seeds` are the seeds read (archive.seeds); `manifest` is the run's
    outcomes, None for none."""
    result = DiffResult([Entry("", SEED_INVALID, bad.path, reason=bad.reason) for bad in seeds.bad],
                        duplicates=len(seeds.duplicates))
    outputs = _Outputs(output_dir)
    suspect = suspect_outputs(manifest) if manifest is not None else {}
    seen: set[str] = seeds.urls()
    deferred: list[_Seed] = []

    def record(entry: Entry) -> None:
        if entry.status == UNCHANGED:
            result.unchanged.append(entry.url)
        else:
            result.entries.append(entry)

    for found in seeds.seeds:
        if not found.path:
            continue  # a URL given alone (-a url=) has no seed to compare
        if manifest is not None:  # the common case first, without building an Entry
            outcome = manifest.get(found.url)
            if outcome is None:
                result.not_checked += 1
                continue
            if outcome.output not in suspect and unchanged_by_digest(found, outcome):
                outputs.claimed.add(outcome.output)
                result.unchanged.append(found.url)
                continue
        seed = _Seed(found)
        try:
            entry = (manifest_entry(seed, outputs, manifest, suspect) if manifest is not None
                     else path_entry(seed, outputs))
        except FormatError as exc:  # the seed's head was readable, the rest is not
            entry = Entry(seed.url, SEED_INVALID, seed.path, reason=str(exc))
        if entry is not None:
            record(entry)
        elif manifest is not None:
            result.not_checked += 1
        else:
            deferred.append(seed)
    # Looked up by URL only once every seed has claimed its own path, so
    # the URL index covers just the few files left over.
    for seed in deferred:
        try:
            record(url_entry(seed, outputs))
        except FormatError as exc:
            record(Entry(seed.url, SEED_INVALID, seed.path, reason=str(exc)))
    result.entries.extend(_new_documents(outputs, manifest, seen, suspect))
    return result


def _unreadable(seed: _Seed, relative: str, exc: Exception) -> Entry:
    """The entry when a comparison could not parse one side."""
    try:
        _ = seed.doc  # parsed for its FormatError
    except FormatError as seed_exc:
        return Entry(seed.url, SEED_INVALID, seed.path, reason=str(seed_exc))
    return Entry(seed.url, FAILED, seed.path, relative, reason=f"output unreadable: {exc}")


def _new_documents(outputs: _Outputs, manifest: dict[str, Record] | None, seed_urls: set[str],
                   suspect: dict[str, list[str]]) -> list[Entry]:
    """Documents no seed has: those the crawl fetched beyond the seeds (with a
    manifest), or output files no seed claimed (without one).  One whose
    path `suspect` names, or whose links lead out of the output folder, is
    failed and never read."""
    if manifest is not None:
        candidates = [(o.url, o.output) for o in manifest.values()
                      if o.url not in seed_urls and o.outcome in HAS_DOCUMENT and o.output]
    else:
        seeded = {archive_url(u) for u in seed_urls}
        # an unclaimed file with a seed's URL is a stale copy, not a new release
        candidates = [(url, rel) for url, rel in outputs.by_url().items()
                      if rel not in outputs.claimed and url not in seeded]
    found = []
    for url, relative in sorted(candidates):
        problem = output_problem(url, relative, suspect)
        if not problem and manifest is not None and not outputs.inside(relative):
            problem = outside_reason(relative)  # a link leading out: not read
        if problem:
            found.append(Entry(url, FAILED, "", relative, reason=problem))
        elif relative not in outputs.claimed:
            outputs.claimed.add(relative)
            found.append(Entry(url, NEW, "", relative, reason="no seed has this release",
                               output_doc=outputs.document(relative)))
    return found


def missing_from_archive(index_entries: Iterable[tuple[str, str, str]], seed_urls: set[str]) -> dict:
    """The site index's releases (address, archive url, date) that no seed
    has: how many, how many a year, and their addresses, newest first."""
    addresses: list[str] = []
    by_year: dict[str, int] = {}
    for address, archived, day in index_entries:
        if archived in seed_urls or address in seed_urls:
            continue
        addresses.append(address)
        year = day[:4] or "undated"
        by_year[year] = by_year.get(year, 0) + 1
    return {"count": len(addresses), "by_year": dict(sorted(by_year.items(), reverse=True)),
            "addresses": addresses}


def exit_status(result: DiffResult) -> Exit:
    """OK: nothing to review (whitespace-only changes alone are not worth a
    person's look); REVIEW: entries to review; UNTRUSTED: most of the seeds
    asked got no answer to judge by."""
    counts = result.counts()
    asked = sum(counts[c] for c in Verdict if c not in (NEW, SEED_INVALID))
    if asked and (counts[FAILED] + counts[BLOCKED]) * 2 > asked:
        return Exit.UNTRUSTED
    to_review = sum(counts[c] for c in TO_REVIEW) - result.whitespace_only()
    return Exit.REVIEW if to_review else Exit.OK

"""Atom feeds of what a run found to review: `report.atom` in each run's
folder, and `reports/feed.atom`, the last runs' entries merged, so that a
reader subscribed to one file is told of each change once.

An entry's id is a `urn:uuid:` (UUID 5) of what makes the change itself:
its class, the release URL, the digests of the seed and of the fetched
document, and the address it moved to.  The same change seen by two runs
is one entry (the merged feed keeps the run that first saw it); a release
that changes again on the site is a new entry.  Whitespace-only changes are
left out: they need no one's look (`mirror accept --whitespace`).

Written with a Jinja2 template (Atom is a few elements; the package
already renders its reports with Jinja2), read back with lxml, entities
and network off.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from lxml import etree

from mirror.archive.document import NO_DATE, Document, render
from mirror.archive.store import atomic_write
from mirror.review.diff import DiffResult, Entry

logger = logging.getLogger(__name__)

FEED = "feed.atom"
REPORT_FEED = "report.atom"
MERGED_RUNS = 50
_ATOM = "{http://www.w3.org/2005/Atom}"
# The namespace of every entry id: fixed, so that ids are the same in every run.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/beehive-mirror/beehive-mirror#review")

_env = Environment(loader=PackageLoader("mirror.review", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: str       # RFC 3339
    status: str
    link: str          # the entry in report.html, relative to the feed's folder
    content: str
    release: str = ""  # the release's own address


def anchor(entry: Entry) -> str:
    """The entry's element id in report.html."""
    key = "\0".join((entry.status, entry.url, entry.seed, entry.output))
    return "e-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _digest(doc: Document | None) -> str:
    return hashlib.sha1(render(doc).encode("utf-8")).hexdigest() if doc is not None else ""


def entry_id(entry: Entry) -> str:
    key = "\n".join((entry.status, entry.url, _digest(entry.seed_doc), _digest(entry.output_doc), entry.address))
    return uuid.uuid5(_NAMESPACE, key).urn


def release_heading(entry: Entry) -> str:
    """The release's title and date (the fetched document's, else the
    seed's), or its URL or seed path when there is no document."""
    doc = entry.output_doc or entry.seed_doc
    title = (doc.title if doc else "") or entry.url or entry.seed
    return f"{title} ({doc.date})" if doc and doc.date != NO_DATE else title


def _content(entry: Entry, run_id: str, summary: str) -> str:
    lines = [entry.status + (f": {', '.join(entry.fields)}" if entry.fields else "")]
    for label, value in (("reason", entry.reason), ("address", entry.address), ("seed", entry.seed),
                         ("output", entry.output)):
        if value:
            lines.append(f"{label}: {value}")
    lines.append(f"run {run_id}: {summary}")
    return "\n".join(lines)


def _rfc3339(text: str | None) -> str:
    try:
        when = datetime.fromisoformat(text) if text else datetime.now(UTC)
    except ValueError:  # a run record without a usable time: the time of writing
        when = datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_entries(result: DiffResult, run: dict, summary: str) -> list[FeedEntry]:
    """The run's entries to review, in review order, whitespace-only changes left out."""
    updated = _rfc3339(run.get("finished"))
    return [FeedEntry(entry_id(e), f"{e.status}: {release_heading(e)}", updated, e.status,
                      f"report.html#{anchor(e)}", _content(e, run["id"], summary), e.url)
            for e in result.to_review() if not e.whitespace_only]


def render_feed(entries: list[FeedEntry], feed_id: str, title: str, updated: str, subtitle: str = "",
                link: str = "") -> str:
    feed = {"id": feed_id, "title": title, "updated": updated, "subtitle": subtitle, "link": link}
    return _env.get_template("report.atom.j2").render(feed=feed, entries=entries)


def run_feed(result: DiffResult, run: dict, summary: str) -> str:
    """report.atom: one run's entries to review."""
    entries = feed_entries(result, run, summary)
    return render_feed(entries, uuid.uuid5(_NAMESPACE, f"run {run['id']}").urn, f"Mirror report {run['id']}",
                       _rfc3339(run.get("finished")), summary, "report.html")


def read_feed(path: Path) -> list[FeedEntry]:
    """The entries of a feed this module wrote; [] (and one line in the
    log) when the file is not one."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        logger.warning("%s: not read into the merged feed: %s", path, exc)
        return []
    found = []
    for element in root.iter(f"{_ATOM}entry"):
        def text(name: str, element: etree._Element = element) -> str:
            return element.findtext(f"{_ATOM}{name}") or ""

        links = {link.get("rel", "alternate"): link.get("href", "") for link in element.iter(f"{_ATOM}link")}
        category = element.find(f"{_ATOM}category")
        found.append(FeedEntry(text("id"), text("title"), text("updated"),
                               category.get("term", "") if category is not None else "",
                               links.get("alternate", ""), text("content"), links.get("related", "")))
    return found


def merge_feeds(reports_dir: str | os.PathLike, runs: int = MERGED_RUNS) -> Path:
    """Write `reports/feed.atom`: the entries of the last `runs` runs'
    report.atom, each id once, as the run that first saw it wrote it
    (its link made relative to the reports folder); newest first."""
    reports = Path(reports_dir)
    folders = sorted(p for p in reports.iterdir()
                     if not p.is_symlink() and (p / REPORT_FEED).is_file())[-runs:]
    seen: dict[str, FeedEntry] = {}
    for folder in folders:  # oldest first: the first run to see a change keeps it
        for entry in read_feed(folder / REPORT_FEED):
            if entry.id and entry.id not in seen:
                link = entry.link if "://" in entry.link or not entry.link else f"{folder.name}/{entry.link}"
                seen[entry.id] = replace(entry, link=link)
    entries = sorted(seen.values(), key=lambda e: e.updated, reverse=True)
    updated = entries[0].updated if entries else _rfc3339(None)
    path = reports / FEED
    text = render_feed(entries, uuid.uuid5(_NAMESPACE, "merged feed").urn, "Mirror: entries to review",
                       updated, f"the last {len(folders)} runs")
    atomic_write(path, text.encode("utf-8"))
    return path

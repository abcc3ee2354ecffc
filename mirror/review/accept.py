"""`mirror accept`: reviewed output documents become the new seeds.

Every seed replaced is first kept under `OUTPUT/history/<run-id>/`, so a
reviewed change can always be undone; every write is atomic.  The report
is a file like any other, so no path in it is trusted: each is followed
through its links and must stay inside its folder.

When the seeds folder is a git work tree (the archive is one), `--commit`
commits the files accept wrote and nothing else, "N added, M modified",
and `--push` pushes that commit: the keeper's unattended job takes new
releases and whitespace-only changes this way (`deploy/job.sh`).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mirror.archive.document import read_head
from mirror.archive.store import UnsafePath, atomic_write, check_id, real_inside
from mirror.outcomes import ACCEPTABLE, WHITESPACE_ONLY, Verdict
from mirror.review import archivegit

_KEYS = ("url", "status", "seed", "output")


class BadReport(ValueError):
    """A report.json that is not a report: nothing in it is accepted."""


def check_report(report: Any) -> str:
    """The report's run id, once the report has the shape `accept` reads."""
    run = report.get("run") if isinstance(report, dict) else None
    if not isinstance(run, dict) or not isinstance(run.get("id"), str):
        raise BadReport("no run id")
    if not isinstance(report.get("entries"), list):
        raise BadReport("its entries are not a list")
    for number, entry in enumerate(report["entries"]):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(key), str) for key in _KEYS):
            raise BadReport(f"entry {number} is not an object with the strings {', '.join(_KEYS)}")
    try:
        return check_id(run["id"])  # it names a folder under history/
    except UnsafePath:
        raise BadReport(f"the run id {run['id']!r} is not a plain name") from None


def _plain(text: str) -> str:
    """`text` fit for one line of a message (a report can hold any string)."""
    return text if text.isprintable() else repr(text)


@dataclass(frozen=True)
class Choice:
    """Which entries to accept besides those named by URL.  They add up:
    `--new --whitespace` takes the new entries and the whitespace-only
    changes (what can go in unattended), never a real change."""
    all_changed: bool = False    # every `changed` entry
    new: bool = False            # every `new` entry
    whitespace: bool = False     # every `changed` entry whose reason is "whitespace only"

    def takes(self, entry: dict[str, Any]) -> bool:
        status = entry["status"]
        return ((self.all_changed and status == Verdict.CHANGED)
                or (self.new and status == Verdict.NEW)
                or (self.whitespace and status == Verdict.CHANGED and entry.get("reason") == WHITESPACE_ONLY))


@dataclass(frozen=True)
class Written:
    """A document accept wrote over (or added to) the seeds."""
    url: str
    status: str     # the entry's class: changed, new, moved
    target: str     # the seed file, links followed
    date: str
    title: str


@dataclass
class Accepted:
    done: list[str] = field(default_factory=list)        # a line per document written
    refused: list[str] = field(default_factory=list)     # a line per entry not accepted, with why
    written: list[Written] = field(default_factory=list)


def accept(report: dict[str, Any], urls: list[str], choice: Choice, output_dir: str, seeds_dir: str,
           leave: Collection[str] = ()) -> Accepted:
    """Accept the chosen entries of a report.  Seeds in `leave` (real paths:
    files with changes accept did not make) are not written over.
    Raises BadReport, before anything is written, for a report of another shape."""
    run_id = check_report(report)
    entries = {entry["url"]: entry for entry in report["entries"] if entry["url"]}
    chosen = {url: e for url, e in entries.items() if choice.takes(e)}
    result = Accepted()
    done, refused = result.done, result.refused

    def refuse(url: str, reason: str) -> None:
        refused.append(f"{_plain(url)}: {reason}")

    for url in urls:
        if url in entries:
            chosen[url] = entries[url]
        else:
            refuse(url, f"not an entry of report {run_id}")
    real_seeds = os.path.realpath(seeds_dir)
    history_root = os.path.join(output_dir, "history")
    for url, entry in chosen.items():
        status, output = entry["status"], entry["output"]
        if status not in ACCEPTABLE or not output:
            refuse(url, f"a {_plain(status)} entry has no document to accept")
            continue
        source = real_inside(output_dir, os.path.join(output_dir, output))
        if source is None:
            refuse(url, f"the document {output!r} lies outside the output folder {output_dir} (links followed)")
            continue
        # a new document goes where it lies under the output folder, but under the seeds
        seed = entry["seed"] or os.path.join(seeds_dir, output)
        target = real_inside(seeds_dir, seed)
        if target is None:
            refuse(url, f"the seed {seed!r} lies outside the seeds folder {seeds_dir} (links followed)")
            continue
        if target in leave:
            refuse(url, f"{target} has changes not made by accept: left alone")
            continue
        kept = real_inside(history_root, os.path.join(history_root, run_id, os.path.relpath(target, real_seeds)))
        if kept is None:
            refuse(url, f"the copy of {target} kept in history would lie outside {history_root}")
            continue
        try:
            data = Path(source).read_bytes()
            # the first copy kept is the seed as it was before this report was accepted
            if os.path.exists(target) and not os.path.exists(kept):
                atomic_write(kept, Path(target).read_bytes())
            atomic_write(target, data)
        except OSError as exc:
            refuse(url, f"{exc.filename or source}: {exc.strerror or exc}")
            continue
        done.append(f"accepted {_plain(url)}: {source} -> {target}")
        title, date, _ = read_head(data) or (url, "", "")
        result.written.append(Written(url, status, target, date, title))
    return result


def commit_message(added: list[Written], modified: list[Written], run_id: str) -> str:
    """"N added, M modified" (the form of the archive's own history) and the
    run id; then a line per release: its class, date and title."""
    lines = [f"{len(added)} added, {len(modified)} modified (run {run_id})", ""]
    for written in sorted([*added, *modified], key=lambda w: (w.status, w.date, w.title, w.url)):
        lines.append(f"{written.status} {written.date or '-'} {' '.join(written.title.split())}")
    return "\n".join(lines) + "\n"


class ArchiveRepo:
    """The git work tree holding the seeds folder, as `accept --commit`
    uses it: what was changed before accept ran (left alone), then a commit
    of what accept wrote."""

    def __init__(self, seeds_dir: str):
        top = archivegit.work_tree(seeds_dir)
        if top is None:
            raise archivegit.GitError(f"{seeds_dir} is not inside a git work tree")
        self.top = top
        self.folder = os.path.relpath(os.path.realpath(seeds_dir), top)
        self.before = archivegit.changes(top, self.folder)

    def dirty(self) -> list[str]:
        """Real paths of the files changed before accept ran."""
        return [os.path.join(self.top, path) for path in sorted(self.before)]

    def commit(self, written: list[Written], run_id: str) -> tuple[str, str] | None:
        """Commit the files accept wrote that git sees changed: (commit id,
        subject), or None when there is nothing to commit."""
        now = archivegit.changes(self.top, self.folder)
        added: list[Written] = []
        modified: list[Written] = []
        paths: list[str] = []
        for item in written:
            path = os.path.relpath(item.target, self.top)
            change = now.get(path)
            if change is None or path in self.before:
                continue  # the same bytes as before, or not accept's change to make
            (added if change.added else modified).append(item)
            paths.append(path)
        if not paths:
            return None
        message = commit_message(added, modified, run_id)
        return archivegit.commit(self.top, paths, message), message.splitlines()[0]

    def push(self) -> str:
        return archivegit.push(self.top)

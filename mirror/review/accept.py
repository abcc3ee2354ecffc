"""`mirror accept`: reviewed output documents become the new seeds.

Every seed replaced is first kept under `OUTPUT/history/<run-id>/`, so a
reviewed change can always be undone; every write is atomic.  The report
is a file like any other, so no path in it is trusted: each is followed
through its links and must stay inside its folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mirror.archive.store import UnsafePath, atomic_write, check_id, real_inside
from mirror.outcomes import ACCEPTABLE, Verdict

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


def accept(report: dict[str, Any], urls: list[str], all_changed: bool, output_dir: str,
           seeds_dir: str) -> tuple[list[str], list[str]]:
    """Accept the chosen entries of a report; returns (done, refused) lines.
    Raises BadReport, before anything is written, for a report of another shape."""
    run_id = check_report(report)
    entries = {entry["url"]: entry for entry in report["entries"] if entry["url"]}
    chosen = {url: e for url, e in entries.items() if all_changed and e["status"] == Verdict.CHANGED}
    done: list[str] = []
    refused: list[str] = []

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
    return done, refused

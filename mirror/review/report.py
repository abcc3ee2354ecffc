"""Diff entries → report.json, report.md, report.html and report.atom for a
reviewer, in review order (`DiffResult.not_unchanged`).

The HTML report is one self-contained file (inline CSS, no scripts): counts
per class, a filter per class, and for each entry its fields side by side
and a body diff with the changed words marked.  Jinja2 autoescaping covers
every string that came from a page or a seed.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape

from mirror.archive.document import LIST_KEYS, Document
from mirror.archive.store import atomic_write
from mirror.outcomes import TO_REVIEW, Verdict
from mirror.review.captures import CaptureLinks, capture_links
from mirror.review.diff import DiffResult, Entry
from mirror.review.feed import REPORT_FEED, anchor, merge_feeds, release_heading, run_feed
from mirror.review.manifest import read_manifest
from mirror.review.runs import REPORTS, point_latest, run_dir

_WORDS = re.compile(r"\s+|[^\s]+")


def _compiled_templates(kind: str) -> FileSystemBytecodeCache | None:
    """Jinja's cache of compiled templates (in a private folder of the
    system's temporary directory): compiling both templates takes a tenth
    of a second, at the end of every crawl and diff.  One file pattern per
    environment, since their settings change the compiled code."""
    try:
        return FileSystemBytecodeCache(pattern=f"beehive-mirror-{kind}-%s.cache")
    except (OSError, RuntimeError):  # no usable temporary directory: compile each time
        return None


_env = Environment(loader=PackageLoader("mirror.review", "templates"),
                   autoescape=select_autoescape(["html", "j2"], default=True),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                   bytecode_cache=_compiled_templates("html"))
_md_env = Environment(loader=PackageLoader("mirror.review", "templates"), autoescape=False,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      bytecode_cache=_compiled_templates("md"))


@dataclass(frozen=True)
class Row:
    """One line pair of a side-by-side body diff; segments are (text, marked)."""
    tag: str                      # equal, replace, delete, insert
    left: list[tuple[str, bool]]
    right: list[tuple[str, bool]]


def field_text(entry_doc: Document | None, name: str) -> str:
    if entry_doc is None:
        return ""
    value = getattr(entry_doc, name)
    return "\n".join(value) if name in LIST_KEYS else value


def word_diff(left: str, right: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    a, b = _WORDS.findall(left), _WORDS.findall(right)
    out_a, out_b = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            out_a.append(("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            out_b.append(("".join(b[j1:j2]), tag != "equal"))
    return out_a, out_b


def side_by_side(left: str, right: str, context: int = 2) -> list[Row | None]:
    """Changed line pairs with `context` equal lines around them; None marks
    a gap of unchanged lines left out."""
    a, b = left.split("\n"), right.split("\n")
    rows: list[Row | None] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if rows:
            rows.append(None)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(Row("equal", [(line, False)], [(line, False)]) for line in a[i1:i2])
            elif tag == "replace":
                for k in range(max(i2 - i1, j2 - j1)):
                    old = a[i1 + k] if i1 + k < i2 else None
                    new = b[j1 + k] if j1 + k < j2 else None
                    if old is not None and new is not None:
                        rows.append(Row("replace", *word_diff(old, new)))
                    else:
                        rows.append(Row("delete" if new is None else "insert",
                                        [(old, True)] if old is not None else [],
                                        [(new, True)] if new is not None else []))
            elif tag == "delete":
                rows.extend(Row("delete", [(line, True)], []) for line in a[i1:i2])
            else:
                rows.extend(Row("insert", [], [(line, True)]) for line in b[j1:j2])
    return rows


def unified_body_diff(entry: Entry) -> str:
    left = entry.seed_doc.body if entry.seed_doc else ""
    right = entry.output_doc.body if entry.output_doc else ""
    lines = difflib.unified_diff(left.split("\n"), right.split("\n"), f"seed/{entry.seed}",
                                 f"output/{entry.output}", lineterm="")
    return "\n".join(lines)


def fence_for(text: str) -> str:
    """A code fence longer than any run of backticks in `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


_MD_PUNCTUATION = re.compile(r"[\\`|\[\]]")
_LINE_END = re.compile(r"\r\n|\r|\n")


def md_cell(text: str) -> str:
    """Page text as inert inline markdown, on one line: no HTML (`<`, `>`, `&`
    as entities), and no code span, link, image or cell border made of it.
    Any value is taken as its text (a missing run field is "")."""
    text = _MD_PUNCTUATION.sub(r"\\\g<0>", str(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _LINE_END.sub("<br>", text) or " "


_env.globals.update(field_text=field_text, side_by_side=side_by_side, anchor=anchor, heading=release_heading)
_md_env.globals.update(field_text=field_text, unified_body_diff=unified_body_diff, fence_for=fence_for,
                       heading=release_heading)
_md_env.filters["cell"] = md_cell


def report_data(result: DiffResult, run: dict) -> dict:
    data = {"run": run, "summary": result.counts(),
            "entries": [entry.as_json() for entry in result.not_unchanged()]}
    if result.missing is not None:
        data["missing"] = result.missing
    return data


def _context(result: DiffResult, run: dict, links: dict[str, CaptureLinks] | None = None) -> dict:
    entries = result.not_unchanged()
    groups = [(cls, [e for e in entries if e.status == cls]) for cls in dict.fromkeys(e.status for e in entries)]
    return {"run": run, "summary": result.counts(), "groups": groups, "entries": entries,
            "classes": list(Verdict), "to_review": TO_REVIEW, "fields": ("title", "date", "url", *LIST_KEYS),
            "missing": result.missing, "whitespace_only": result.whitespace_only(),
            "summary_line": summary_line(result), "links": links or {}}


def render_markdown(result: DiffResult, run: dict) -> str:
    return _md_env.get_template("report.md.j2").render(**_context(result, run))


def render_html(result: DiffResult, run: dict, links: dict[str, CaptureLinks] | None = None) -> str:
    return _env.get_template("report.html.j2").render(**_context(result, run, links))


def write_reports(result: DiffResult, run: dict, folder: str | os.PathLike,
                  links: dict[str, CaptureLinks] | None = None) -> dict[str, Path]:
    """Write the four reports into `folder`, each atomically."""
    folder = Path(folder)
    paths = {"json": folder / "report.json", "md": folder / "report.md", "html": folder / "report.html",
             "atom": folder / REPORT_FEED}
    atomic_write(paths["json"], (json.dumps(report_data(result, run), ensure_ascii=False, indent=2) + "\n").encode())
    atomic_write(paths["md"], render_markdown(result, run).encode())
    atomic_write(paths["html"], render_html(result, run, links).encode())
    atomic_write(paths["atom"], run_feed(result, run, summary_line(result)).encode())
    return paths


def publish(result: DiffResult, run: dict, output_dir: str | os.PathLike, folder: str | os.PathLike | None = None,
            replay_port: int | None = None) -> dict[str, Path]:
    """The run's reports: written into `folder`, or into the run's own folder
    under `output_dir`, which `reports/latest` then names and whose entries
    `reports/feed.atom` then merges.  Raises OSError when they cannot be
    written.  Entries link to the run's captures on the replay server at
    `replay_port` (default: the run's `replay_port`, else the REPLAY_PORT
    setting's default)."""
    links = capture_links_of(result, run, replay_port)
    if folder is not None:
        return write_reports(result, run, folder, links)
    paths = write_reports(result, run, run_dir(output_dir, run["id"]), links)
    point_latest(output_dir, run["id"])
    paths["feed"] = merge_feeds(Path(output_dir) / REPORTS)
    return paths


def capture_links_of(result: DiffResult, run: dict, replay_port: int | None = None) -> dict[str, CaptureLinks]:
    """Each entry's links to its captures (by entry URL), from the capture
    times the run's manifest records; none without a manifest."""
    from mirror import settings

    path = run.get("manifest")
    if not path or not os.path.isfile(path):
        return {}
    try:
        records = read_manifest(path)
    except OSError:  # the report stands without links; the crawl has said why its manifest is unreadable
        return {}
    port = int(replay_port or run.get("replay_port") or settings.REPLAY_PORT)
    links = {}
    for entry in result.not_unchanged():
        record = records.get(entry.url)
        if record is not None and record.captured:
            found = capture_links(record.final_url or record.url, entry.status, record.captured,
                                  record.previous_capture, port)
            if found.this_run:
                links[entry.url] = found
    return links


def summary_line(result: DiffResult) -> str:
    """Counts per class; whitespace-only changes counted apart, when there
    are any: `4 changed (1 whitespace only)`."""
    return summary_text(result.counts(), result.whitespace_only())


def summary_text(counts: dict[str, int], whitespace_only: int) -> str:
    """`summary_line` from a report's counts (report.json's `summary`)."""
    return ", ".join(f"{counts.get(c, 0)} {c}"
                     + (f" ({whitespace_only} whitespace only)" if c == Verdict.CHANGED and whitespace_only else "")
                     for c in Verdict)

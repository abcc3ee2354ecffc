"""How faithfully extraction reproduces archive files from their pages.

    python -m mirror.testing.fidelity DIR

DIR holds pairs `<id>.html` (a release page) + `<id>.md` (its archive file).
Prints every mismatch with its cause, then the share of pages that come out
byte-identical.  Mismatches the archive owes to its old extractor (body links
taken as ministers or portfolios) are listed under that cause: reproducing
them would copy a mistake.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mirror.archive.document import Document, first_difference, parse, render
from mirror.review.diff import old_extractor_reason
from mirror.site.extract import canonical_url, extract, page_selector

OLD_EXTRACTOR = "archive's old extractor took body links as {}"


@dataclass(frozen=True)
class PairResult:
    page_id: str
    identical: bool
    cause: str = ""


def explain(ours: Document, archived: Document) -> str:
    fields = ours.changed_fields(archived)
    if old_extractor_reason(archived, ours, fields):
        return OLD_EXTRACTOR.format(" and ".join(fields))
    parts = []
    for field in fields:
        if field == "body":
            difference = first_difference(archived.body, ours.body)
            assert difference is not None  # the bodies differ
            number, expected, got = difference
            parts.append(f"body line {number}: archive {expected[:80]!r}, ours {got[:80]!r}")
        else:
            parts.append(f"{field}: archive {getattr(archived, field)!r}, ours {getattr(ours, field)!r}")
    return "; ".join(parts) or "same fields, different bytes"


def compare_pair(html_path: Path, md_path: Path) -> PairResult:
    expected = md_path.read_text(encoding="utf-8")
    sel = page_selector(html_path.read_text(encoding="utf-8"))
    ours = extract(sel, canonical_url(sel, ""))
    if render(ours) == expected:
        return PairResult(html_path.stem, True)
    return PairResult(html_path.stem, False, explain(ours, parse(expected)))


def compare_folder(folder: Path) -> list[PairResult]:
    return [compare_pair(html, html.with_suffix(".md"))
            for html in sorted(folder.glob("*.html")) if html.with_suffix(".md").exists()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m mirror.testing.fidelity DIR", file=sys.stderr)
        return 2
    results = compare_folder(Path(args[0]))
    for result in results:
        if not result.identical:
            print(f"{result.page_id}: {result.cause}")
    same = sum(r.identical for r in results)
    total = len(results)
    share = 100.0 * same / total if total else 0.0
    print(f"{same}/{total} pages byte-identical ({share:.1f}%)")
    return 0 if total else 1


if __name__ == "__main__":
    sys.exit(main())

"""`mirror lint`: is every file canonical archive text?

A file is canonical when it parses and renders back to its own bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from mirror.archive.document import FormatError, first_difference, parse, render
from mirror.archive.seeds import seed_paths

CANONICAL, NOT_CANONICAL, UNREADABLE = "canonical", "not canonical", "unreadable"


@dataclass(frozen=True)
class LintResult:
    path: str
    verdict: str
    detail: str = ""


def check_text(text: str) -> tuple[str, str]:
    """(verdict, detail) for one file's text."""
    try:
        rendered = render(parse(text))
    except FormatError as exc:
        return UNREADABLE, str(exc)
    if rendered == text:
        return CANONICAL, ""
    difference = first_difference(text, rendered)
    assert difference is not None  # the texts differ
    number, found, canonical = difference
    return NOT_CANONICAL, f"line {number}: file has {found!r}, canonical is {canonical!r}"


def check_file(path: str) -> LintResult:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return LintResult(path, UNREADABLE, exc.strerror or str(exc))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LintResult(path, UNREADABLE, f"not UTF-8 (byte at offset {exc.start})")
    return LintResult(path, *check_text(text))


def lint_paths(paths: list[str]) -> Iterator[LintResult]:
    """Yield a result for every archive file named, or found under a folder named."""
    for path in paths:
        if os.path.isdir(path):
            for found in seed_paths(path):
                yield check_file(found)
        else:
            yield check_file(path)


def summary_line(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return (f"{total} files, {counts.get(CANONICAL, 0)} canonical, "
            f"{counts.get(NOT_CANONICAL, 0)} not canonical, {counts.get(UNREADABLE, 0)} unreadable")

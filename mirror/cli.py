"""The `mirror` command."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from . import lint


def cmd_lint(args) -> int:
    counts: Counter = Counter()
    for result in lint.lint_paths(args.paths):
        counts[result.verdict] += 1
        if result.verdict != lint.CANONICAL:
            print(f"{result.path}: {result.verdict}: {result.detail}")
    print(lint.summary_line(counts))
    return 0 if counts[lint.CANONICAL] == sum(counts.values()) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mirror", description="Keep a byte-exact mirror of beehive.govt.nz releases.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("lint", help="check that archive files are canonical")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders of archive files")
    p.set_defaults(func=cmd_lint)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

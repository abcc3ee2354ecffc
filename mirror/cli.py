"""The `mirror` command: lint, diff, run, accept."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from mirror.archive import lint
from mirror.outcomes import Exit

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from mirror.archive.seeds import SeedSet

EXIT_HELP = """exit status (diff, run): 0 nothing to review; 1 entries to review
(changed, new, gone, moved); 2 the run cannot be trusted (most seeds failed
or blocked, the site refused the crawler, or the crawl crashed); 3 (run)
another run is active."""


def cmd_lint(args: argparse.Namespace) -> int:
    counts: Counter = Counter()
    for result in lint.lint_paths(args.paths):
        counts[result.verdict] += 1
        if result.verdict != lint.CANONICAL:
            print(f"{result.path}: {result.verdict}: {result.detail}")
    print(lint.summary_line(counts))
    return 0 if counts[lint.CANONICAL] == sum(counts.values()) else 1


def cmd_diff(args: argparse.Namespace) -> int:
    from mirror.archive.seeds import SeedReader, seed_paths
    from mirror.review.diff import diff, exit_status
    from mirror.review.manifest import read_manifest
    from mirror.review.report import publish, summary_line
    from mirror.review.runs import new_run_id

    settings = project_settings(args.settings)
    seeds_dir, output_dir = args.seeds or settings["SEEDS_DIR"], args.output or settings["OUTPUT_DIR"]
    for folder in (seeds_dir, output_dir):
        if not os.path.isdir(folder):
            print(f"mirror diff: {folder}: not a folder", file=sys.stderr)
            return Exit.UNTRUSTED
    # The seeds are read in other processes while this one reads the manifest.
    with SeedReader(seed_paths(seeds_dir), args.processes) as reader:
        manifest = None
        if args.manifest:
            try:
                manifest = read_manifest(args.manifest)
            except OSError as exc:
                print(f"mirror diff: {args.manifest}: {exc.strerror or exc}", file=sys.stderr)
                return Exit.UNTRUSTED
        seeds = reader.seed_set()
    result = diff(seeds, output_dir, manifest)
    result.missing = missing_in_index(settings, seeds)
    run = {"id": new_run_id(), "seeds": seeds_dir, "output": output_dir, "manifest": args.manifest,
           "not_checked": result.not_checked, "duplicates": result.duplicates}
    reports = publish(result, run, output_dir, args.report, replay_port=settings.getint("REPLAY_PORT"))
    print(f"mirror diff: {summary_line(result)}\nreport: {reports['html']}")
    return exit_status(result)


def project_settings(overrides: list[tuple[str, str]]) -> Settings:
    """The project's settings with `-s NAME=VALUE` overrides: the one
    settings object every command reads, as `scrapy crawl` does."""
    from mirror.crawl.job import crawl_settings

    return crawl_settings(overrides)


def missing_in_index(settings: Settings, seeds: SeedSet) -> dict | None:
    """What the site index lists and no seed has, when there is an index."""
    from mirror.crawl.siteindex import SiteIndex, index_path
    from mirror.crawl.state import state_dir
    from mirror.review.diff import missing_from_archive

    index = SiteIndex.open_existing(index_path(state_dir(settings)))
    if index is None:
        return None
    try:
        return missing_from_archive(index.entries(), seeds.urls())
    finally:
        index.close()


def cmd_run(args: argparse.Namespace) -> int:
    from mirror.crawl.job import run_crawl

    return run_crawl(args.settings, args.arguments, resume=args.resume)


def cmd_index(args: argparse.Namespace) -> int:
    from mirror.crawl.job import run_index

    spider_args: dict[str, str] = {}
    if args.government:
        spider_args["government"] = ",".join(args.government)
    if args.type:
        spider_args["type"] = ",".join(args.type)
    if args.pages:
        spider_args["pages"] = str(args.pages)
    return run_index(args.settings, spider_args)


# Files changed by hand named one a line, up to this many (a job's log stays readable).
DIRTY_NAMED = 20


def cmd_accept(args: argparse.Namespace) -> int:
    from mirror.review.accept import ArchiveRepo, BadReport, Choice, accept, check_report
    from mirror.review.archivegit import GitError
    from mirror.review.runs import LATEST, REPORTS

    settings = project_settings(args.settings)
    seeds_dir, output_dir = args.seeds or settings["SEEDS_DIR"], args.output or settings["OUTPUT_DIR"]
    report = Path(args.report) if args.report else Path(output_dir) / REPORTS / LATEST
    try:
        data = json.loads((report / "report.json").read_text(encoding="utf-8"))
        run_id = check_report(data)
    except (OSError, ValueError) as exc:  # BadReport is a ValueError
        print(f"mirror accept: {report / 'report.json'}: {exc}", file=sys.stderr)
        return Exit.UNTRUSTED
    repo = None
    if args.commit or args.push:
        try:
            repo = ArchiveRepo(seeds_dir)
        except GitError as exc:
            print(f"mirror accept: --commit: {exc}; nothing accepted", file=sys.stderr)
            return Exit.UNTRUSTED
        dirty = repo.dirty()
        for path in dirty[:DIRTY_NAMED]:
            print(f"mirror accept: left alone, changed but not by accept: {path}", file=sys.stderr)
        if len(dirty) > DIRTY_NAMED:
            print(f"mirror accept: left alone, and {len(dirty) - DIRTY_NAMED} more files changed but not by accept "
                  f"(git status {seeds_dir})", file=sys.stderr)
    choice = Choice(all_changed=args.all_changed, new=args.new, whitespace=args.whitespace)
    try:
        result = accept(data, args.urls, choice, output_dir, seeds_dir, leave=set(repo.dirty()) if repo else ())
    except BadReport as exc:
        print(f"mirror accept: {report / 'report.json'}: {exc}", file=sys.stderr)
        return Exit.UNTRUSTED
    for line in result.done:
        print(line)
    for line in result.refused:
        print(line, file=sys.stderr)
    status = Exit.REVIEW if result.refused else Exit.OK
    if repo is not None:
        try:
            made = repo.commit(result.written, run_id)
            print(f"committed {made[0][:12]}: {made[1]}" if made else "nothing to commit")
            if args.push:
                print(f"pushed to {repo.push()}")
        except GitError as exc:
            print(f"mirror accept: {exc}; the accepted files stay written in {seeds_dir}", file=sys.stderr)
            return Exit.UNTRUSTED
    return status


def cmd_status(args: argparse.Namespace) -> int:
    from mirror.crawl.state import state_dir
    from mirror.review.status import status

    settings = project_settings(args.settings)
    code, lines = status(settings["OUTPUT_DIR"], state_dir(settings))
    print("\n".join(lines))
    return code


def cmd_reparse(args: argparse.Namespace) -> int:
    from mirror.warc.reparse import reparse_files

    return reparse_files(args.warcs, args.output or project_settings(args.settings)["OUTPUT_DIR"])


def cmd_wacz(args: argparse.Namespace) -> int:
    from mirror.warc.wacz import PackError, pack

    output_dir = project_settings(args.settings)["OUTPUT_DIR"]
    try:
        packed = pack(output_dir, args.runs, args.output)
    except (PackError, OSError) as exc:
        print(f"mirror wacz: {exc}", file=sys.stderr)
        return Exit.UNTRUSTED
    print(f"mirror wacz: {packed.path}: {packed.warcs} WARC files, {packed.pages} pages; valid")
    if packed.left_out:
        print(f"mirror wacz: {packed.left_out} pages answered 304 left out: the capture they stand for "
              "is in an earlier run (pack it too)", file=sys.stderr)
    return Exit.OK


def cmd_replay(args: argparse.Namespace) -> int:
    from mirror.warc import replay

    settings = project_settings(args.settings)
    output_dir = settings["OUTPUT_DIR"]
    if not replay.available():
        print("mirror replay: pywb is not installed: pip install -e '.[replay]'", file=sys.stderr)
        return Exit.UNTRUSTED
    try:
        indexed = replay.update_index(output_dir)
    except Exception as exc:  # noqa: BLE001 - any reading error of a WARC file: said in one line
        print(f"mirror replay: cannot index the WARC files under {output_dir}: {exc}", file=sys.stderr)
        return Exit.UNTRUSTED
    print(f"mirror replay: {len(indexed)} new WARC files indexed", flush=True)
    port = settings.getint("REPLAY_PORT") if args.port is None else args.port
    # A fresh interpreter for the server (gevent patches the standard library
    # before anything imports it), in this process: SIGTERM reaches pywb itself.
    os.execv(sys.executable, [sys.executable, "-m", "mirror.warc.replay", os.path.abspath(output_dir), args.bind,
                              str(port)])


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    return name, value


def _settings_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-s", dest="settings", action="append", type=_pair, default=[], metavar="NAME=VALUE",
                        help="a setting, as for scrapy crawl (SEEDS_DIR, OUTPUT_DIR, STATE_DIR ...)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mirror", description="Keep a byte-exact mirror of beehive.govt.nz releases.",
                                     epilog=EXIT_HELP)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("lint", help="check that archive files are canonical")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders of archive files")
    p.set_defaults(func=cmd_lint)

    p = commands.add_parser("diff", help="compare seeds with fetched documents and write reports", epilog=EXIT_HELP)
    p.add_argument("--seeds", help="seeds folder (default: the SEEDS_DIR setting)")
    p.add_argument("--output", help="output folder (default: the OUTPUT_DIR setting)")
    p.add_argument("--manifest", help="the run manifest (manifest.jsonl) saying what each fetch gave")
    p.add_argument("--report", help="folder for the reports (default: output/reports/<run-id>)")
    p.add_argument("--processes", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="processes reading the seeds (default: one per CPU; 1 reads them in this one)")
    _settings_option(p)
    p.set_defaults(func=cmd_diff)

    p = commands.add_parser("run", help="crawl, then diff and report (a scheduled job)", epilog=EXIT_HELP)
    _settings_option(p)
    p.add_argument("-a", dest="arguments", action="append", type=_pair, default=[], metavar="NAME=VALUE",
                   help="a spider argument, as for scrapy crawl")
    p.add_argument("--resume", action="store_true", help="continue the run that was interrupted")
    p.set_defaults(func=cmd_run)

    p = commands.add_parser("index", help="read the site search into the site index (incremental, resumable)",
                            epilog="exit status: 0 done; 2 a listing page could not be read; 3 another run is active")
    p.add_argument("--government", action="append", metavar="ID",
                   help="a government_facet id, or `current` (repeatable; default: all eleven since 1993)")
    p.add_argument("--type", action="append", choices=["article", "speech"],
                   help="a content type (repeatable; default: article)")
    p.add_argument("--pages", type=int, default=0, metavar="N",
                   help="read at most N search pages of each government and type in this run; "
                        "the rest at the next run (default: no limit)")
    _settings_option(p)
    p.set_defaults(func=cmd_index)

    p = commands.add_parser("status", help="whether a run is active, its progress, and what the last run found",
                            epilog="exit status: 0 no run is active; 3 a run is active")
    _settings_option(p)
    p.set_defaults(func=cmd_status)

    p = commands.add_parser("reparse", help="rebuild documents from archived responses, without network")
    p.add_argument("warcs", nargs="+", metavar="WARC", help="WARC files written by the crawl")
    p.add_argument("--output", help="output folder (default: the OUTPUT_DIR setting)")
    _settings_option(p)
    p.set_defaults(func=cmd_reparse)

    p = commands.add_parser("wacz", help="pack runs' WARC files into a WACZ (py-wacz), checked with wacz validate")
    p.add_argument("runs", nargs="*", metavar="RUN_ID", help="runs to pack (default: the latest)")
    p.add_argument("-o", dest="output", metavar="FILE", help="the package (default: OUTPUT_DIR/wacz/<run-id>.wacz)")
    _settings_option(p)
    p.set_defaults(func=cmd_wacz)

    p = commands.add_parser("replay", help="serve the WARC files with pywb (collection mirror), offline")
    p.add_argument("--port", type=int, metavar="N", help="port (default: the REPLAY_PORT setting, 8080)")
    p.add_argument("--bind", default="127.0.0.1", metavar="ADDR", help="address to listen on (default: 127.0.0.1)")
    _settings_option(p)
    p.set_defaults(func=cmd_replay)

    p = commands.add_parser("accept", help="write reviewed documents over their seeds",
                            epilog="The choices add up: --new --whitespace takes new entries and "
                                   "whitespace-only changes. exit status: 0 done; 1 an entry was refused; "
                                   "2 the report cannot be read, or the commit or push failed")
    p.add_argument("urls", nargs="*", metavar="URL", help="entries to accept, by URL")
    p.add_argument("--all-changed", action="store_true", help="accept every changed entry")
    p.add_argument("--new", action="store_true", help="accept every new entry")
    p.add_argument("--whitespace", action="store_true",
                   help="accept every changed entry whose only difference is whitespace")
    p.add_argument("--commit", action="store_true",
                   help="commit the files written (the seeds folder is in a git work tree)")
    p.add_argument("--push", action="store_true", help="then push to the tracked remote branch (implies --commit)")
    p.add_argument("--report", help="report folder (default: output/reports/latest)")
    p.add_argument("--seeds", help="seeds folder, where new documents are added (default: SEEDS_DIR)")
    p.add_argument("--output", help="output folder (default: the OUTPUT_DIR setting)")
    _settings_option(p)
    p.set_defaults(func=cmd_accept)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "accept" and not (args.urls or args.all_changed or args.new or args.whitespace):
        parser.error("accept: give URLs, --all-changed, --new or --whitespace")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""`mirror run`: the crawl as a scheduled job, in this process.

One run at a time (a lock under the state folder); each run keeps a Scrapy
JOBDIR and its run id there, so a run that was interrupted continues with
`mirror run --resume`, writing to the same manifest and report: seeds with
an outcome in the manifest are done, every other one is asked for again.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from mirror.crawl.context import exit_status_of
from mirror.crawl.runlock import lock_path, run_lock
from mirror.crawl.state import state_dir
from mirror.outcomes import Exit
from mirror.review.runs import new_run_id

logger = logging.getLogger(__name__)


def crawl_settings(overrides: list[tuple[str, str]]):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "mirror.settings")
    settings = get_project_settings()
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    return settings


def prepare_job(job: Path, resume: bool) -> str | None:
    """The run id: the interrupted run's when resuming (None if there is
    none), else a new one with a fresh job folder."""
    id_file = job / "run-id"
    if resume:
        if not id_file.exists():
            return None
        # Scrapy's request queue is consistent only after a clean stop; after
        # kill -9 it re-serves finished requests and loses new ones.  The run
        # manifest says which seeds have an outcome; the spider asks again for
        # every other one.
        shutil.rmtree(job / "scrapy" / "requests.queue", ignore_errors=True)
        return id_file.read_text(encoding="utf-8").strip()
    if job.exists():
        logger.warning("an unfinished run in %s is abandoned (use --resume to continue one)", job)
        shutil.rmtree(job)
    job.mkdir(parents=True)
    run_id = new_run_id()
    id_file.write_text(run_id, encoding="utf-8")
    return run_id


def _busy(command: str, holder: str, settings) -> Exit:
    print(f"{command}: another run is active (pid {holder or '?'} holds {lock_path(state_dir(settings))})")
    return Exit.BUSY


def _run(spider: str, settings, spider_args: dict, command: str):
    """Run `spider` (the caller holds the run lock): (crawler, None) when it
    ran, (None, exit status) when it could not start."""
    process = CrawlerProcess(settings)
    try:
        crawler = process.create_crawler(spider)
        process.crawl(crawler, **spider_args)
        process.start()
    except Exception as exc:  # noqa: BLE001 - a crawl that cannot start cannot be trusted
        logger.error("%s could not run: %s", command, exc)
        return None, Exit.UNTRUSTED
    return crawler, None


def run_index(overrides: list[tuple[str, str]], spider_args: dict[str, str]) -> int:
    """`mirror index`: the site search into the site index, under the run
    lock (an index run and a crawl share the state folder)."""
    settings = crawl_settings(overrides)
    with run_lock(lock_path(state_dir(settings))) as (lock, holder):
        if lock is None:
            return _busy("mirror index", holder, settings)
        crawler, failed = _run("index", settings, spider_args, "mirror index")
    if crawler is None:
        return failed
    stats = crawler.stats.get_stats()
    print(f"mirror index: {stats.get('mirror/index/pages', 0)} pages read, "
          f"{stats.get('mirror/index/new', 0)} new addresses, {stats.get('mirror/index/size', 0)} in the index"
          + (f", {stats['mirror/index/failed']} listing pages failed" if stats.get("mirror/index/failed") else ""),
          flush=True)
    return exit_status_of(crawler)


def run_crawl(overrides: list[tuple[str, str]], spider_args: list[tuple[str, str]], resume: bool = False) -> int:
    """Crawl (the diff and reports run as the spider closes); the exit status
    is the run's verdict: 0 nothing to review, 1 review, 2 untrusted, 3 busy."""
    settings = crawl_settings(overrides)
    job = state_dir(settings) / "job"
    with run_lock(lock_path(state_dir(settings))) as (lock, holder):
        if lock is None:
            return _busy("mirror run", holder, settings)
        run_id = prepare_job(job, resume)
        if run_id is None:
            print(f"mirror run: nothing to resume in {job}")
            return Exit.UNTRUSTED
        settings.set("RUN_ID", run_id, priority="cmdline")
        settings.set("JOBDIR", str(job / "scrapy"), priority="cmdline")
        crawler, failed = _run("releases", settings, dict(spider_args), "mirror run")
        if crawler is None:
            return failed
        if crawler.stats.get_value("finish_reason") == "finished":
            shutil.rmtree(job, ignore_errors=True)  # done: nothing left to resume
    return exit_status_of(crawler)

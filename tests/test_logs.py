"""The crawl's log as an unattended job's keeper reads it: each failure
once, in one line with its cause; tracebacks only at LOG_LEVEL=DEBUG."""

from __future__ import annotations

import logging
import re
import sys

from mirror.crawl.logs import ROBOTSTXT_LOGGER, OneLineFailures
from mirror.testing.pagebuild import Page

from .conftest import run_crawl, unreachable_origin, write_seed

SITE = "https://www.beehive.govt.nz"
# the start of a log record: "2026-01-01 10:00:00 [logger] LEVEL: "
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[([^\]]+)\] (\w+): (.*)$")


def records(log: str, *levels: str) -> list[tuple[str, str, str]]:
    found = [m.groups() for m in map(RECORD.match, log.splitlines()) if m]
    return [r for r in found if r[1] in levels] if levels else found


def seeds(tmp_path, names):
    for name in names:
        write_seed(tmp_path / "seeds", f"{name}.md", f"{SITE}/release/{name}")
    return tmp_path / "seeds"


def test_no_network_each_failure_once_in_one_line_and_no_traceback(tmp_path):
    names = ["log-a", "log-b", "log-c"]
    result = run_crawl(unreachable_origin(), seeds(tmp_path, names), tmp_path / "output",
                       settings={"RETRY_TIMES": "2"})
    assert result.returncode == 2, result.log[-3000:]
    assert "Traceback" not in result.log and "Gave up retrying" not in result.log
    problems = records(result.log, "WARNING", "ERROR")
    robots = [r for r in problems if r[0] == ROBOTSTXT_LOGGER]
    assert len(robots) == 1 and "robots.txt not read" in robots[0][2] and "refused" in robots[0][2].lower()
    for name in names:
        lines = [r for r in problems if f"/release/{name}" in r[2] and r[0] != ROBOTSTXT_LOGGER]
        assert [r[2] for r in lines] == [f"{SITE}/release/{name}: failed: refused"], problems
    assert result.stats["mirror/failed/refused"] == 3


def test_at_debug_the_tracebacks_are_there(tmp_path):
    result = run_crawl(unreachable_origin(), seeds(tmp_path, ["debug-a"]), tmp_path / "output",
                       settings={"LOG_LEVEL": "DEBUG"})
    assert result.returncode == 2, result.log[-3000:]
    assert "Traceback (most recent call last)" in result.log
    assert "Gave up retrying" in result.log


def test_a_dropped_release_is_one_line_without_the_item(replica, tmp_path):
    replica.add("log-empty", Page(title="", canonical=f"{SITE}/release/log-empty", date_iso="2010-01-01T00:00:00Z",
                                  body_html=""))
    result = run_crawl(replica.origin, seeds(tmp_path, ["log-empty", "log-missing"]), tmp_path / "output")
    problems = records(result.log, "WARNING", "ERROR")
    assert [r[2] for r in problems if "/release/log-empty" in r[2]] == [
        f"{SITE}/release/log-empty: dropped: page has neither title nor body"]
    assert [r[2] for r in problems if "/release/log-missing" in r[2]] == [
        f"{SITE}/release/log-missing: failed: http 404"]
    assert "Traceback" not in result.log and "Record(" not in result.log and "Stored(" not in result.log


def test_the_filter_keeps_the_message_and_names_the_cause():
    try:
        raise ValueError("bad value")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Something broke", (), sys.exc_info())
    assert OneLineFailures().filter(record)
    assert record.exc_info is None and record.getMessage() == "Something broke (ValueError: bad value)"

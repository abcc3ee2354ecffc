"""A log an unattended job's keeper can read: each failure once, in one
line with its cause; tracebacks only with LOG_LEVEL=DEBUG.

Each request the spiders make has an errback that logs its failure in one
line (a release: its address, outcome and reason, by the pipeline), so
Scrapy's own "Gave up retrying" line is a second one: it is logged at
DEBUG (`RETRY_GIVE_UP_LOG_LEVEL`, in the settings).  What is left is done
by a logging filter on Scrapy's root handler, installed by the `OneLineLog`
extension: a record with a traceback keeps its message and gets the
exception's type and text instead; and the robots.txt middleware's error,
which names the release whose request asked for robots.txt, says that it
is robots.txt that could not be read.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.utils.log import get_scrapy_root_handler

ROBOTSTXT_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


def exception_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class OneLineFailures(logging.Filter):
    """Turns a record with a traceback into one line with its cause."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if record.name == ROBOTSTXT_LOGGER and isinstance(record.args, dict) and "f_exception" in record.args:
            record.msg = "robots.txt not read, its rules not applied (asked before %(request)s): %(f_exception)s"
        if exc is not None:
            message = record.getMessage()
            cause = exception_text(exc)
            if str(exc).strip() not in message:
                record.msg, record.args = "%s (%s)", (message, cause)
            record.exc_info, record.exc_text = None, None
        return True


class OneLineLog:
    """Installs `OneLineFailures` on Scrapy's root handler, but at LOG_LEVEL=DEBUG.
    When the engine starts: the crawler replaces the handler after building
    its extensions."""

    def __init__(self, crawler):
        self.debug = crawler.settings.get("LOG_LEVEL") == "DEBUG"
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def engine_started(self):
        handler = get_scrapy_root_handler()
        if handler is None or self.debug:
            return
        if not any(isinstance(f, OneLineFailures) for f in handler.filters):
            handler.addFilter(OneLineFailures())

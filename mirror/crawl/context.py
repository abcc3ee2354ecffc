"""One run's context: its id, the state kept between runs, and its verdict.

An extension, so that Scrapy builds it once per crawl from the settings, and
every other component finds it with `RunContext.of(crawler)` (Scrapy's
`Crawler.get_extension`) rather than through the stats or attributes hung on
the crawler.
"""

from __future__ import annotations

from pathlib import Path

from scrapy import signals

from mirror.crawl.state import State, state_dir
from mirror.outcomes import Exit
from mirror.review.runs import new_run_id


class RunContext:
    def __init__(self, crawler):
        settings = crawler.settings
        self.run_id: str = settings["RUN_ID"] or new_run_id()
        self.output_dir = Path(settings["OUTPUT_DIR"])
        self.state_dir = state_dir(settings)
        # None until the run's verdict is known: a crawl that never got there crashed.
        self.exit_status: Exit | None = None
        self._state: State | None = None
        # After every spider_closed handler: they may still write the state.
        crawler.signals.connect(self.close, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def of(crawler) -> RunContext:
        context = crawler.get_extension(RunContext)
        if context is None:
            raise RuntimeError("mirror.crawl.context.RunContext is not among the EXTENSIONS")
        return context

    @property
    def state(self) -> State:
        """The state database, opened on first use."""
        if self._state is None:
            self._state = State(self.state_dir / "state.sqlite")
        return self._state

    def verdict(self, status: Exit) -> None:
        """Record the run's exit status; a worse one found later wins."""
        self.exit_status = status if self.exit_status is None else max(self.exit_status, status)

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None


def exit_status_of(crawler) -> Exit:
    """The run's verdict; a crawl that never reached one crashed."""
    try:
        context = crawler.get_extension(RunContext)
    except RuntimeError:  # the crawl stopped before its extensions were built
        context = None
    status = context.exit_status if context is not None else None
    return Exit.UNTRUSTED if status is None else status

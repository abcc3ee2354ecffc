"""`scrapy crawl` whose exit status says whether the run can be trusted.

Scrapy's own command exits 0 whatever the spider met; a scheduled job needs
to know when the fetches failed.  The verdict is the one the run's
context (`RunContext`) holds when the spider has closed; a crawl that never
got that far (it crashed) exits 2.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from mirror.crawl.context import exit_status_of
from mirror.crawl.runlock import lock_path, run_lock
from mirror.crawl.state import state_dir
from mirror.outcomes import Exit


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        # The run lock `mirror run` takes: two crawls over one output folder
        # would each lose the other's state.
        lock = lock_path(state_dir(self.settings))
        with run_lock(lock) as (held, holder):
            if held is None:
                print(f"scrapy crawl: another run is active (pid {holder or '?'} holds {lock})", file=sys.stderr)
                self.exitcode = Exit.BUSY
                return
            crawler = self._create_crawler(args[0])
            process = self.crawler_process
            assert process is not None  # Scrapy sets it before running a command
            process.crawl(crawler, **opts.spargs)
            process.start()
        if process.bootstrap_failed:
            self.exitcode = 1
        self.exitcode = max(self.exitcode, exit_status_of(crawler))

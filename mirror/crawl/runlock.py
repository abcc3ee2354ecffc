"""One run at a time over an output folder: a lock file under the state folder.

`mirror run`, `mirror index` and `scrapy crawl releases` all take it: two
crawls writing one state database and one output tree would each lose the
other's work.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "run.lock"


@contextmanager
def run_lock(path: Path):
    """Hold an exclusive lock on `path`, or yield None when another process
    holds it.  The kernel drops the lock when the process dies, however."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            yield None, handle.read().strip()
            return
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield handle, ""


def lock_path(state_folder: str | os.PathLike) -> Path:
    return Path(state_folder) / LOCK_FILE

"""`WarcFiles` in a process of its own, fed exchanges through a queue.

Digesting and compressing a 330 kB page takes about 2 ms, and in a thread
of the crawl's process the Python part of that work still takes turns with
the event loop for the GIL; in a process of its own it takes none of the
crawl's time.  The crawl hands over plain values (an `Exchange`), which the
queue's feeder thread pickles and sends; the writer writes them in the order
they came.  At most `queue_size` exchanges wait for it: then the crawl waits.

The writer ends when told to (`close`, which returns what it wrote) or when
the crawl's process is gone: a crawl killed with -9 leaves its files `.open`,
each cut at a whole record, for `files.recover` at the next start.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mirror.warc.files import Exchange, WarcFiles

# How long the writer waits for an exchange before checking that the crawl is alive.
_POLL_SECONDS = 0.2


@dataclass
class Written:
    records: int = 0
    files: list[Path] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)   # (url, why) of exchanges not recorded


def _die_with_parent() -> None:
    """On Linux, be killed with the crawl's process, not only notice it later."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _serve(exchanges: multiprocessing.Queue, results: multiprocessing.Queue, folder: str, prefix: str,
           max_size: int, info: dict) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl decides when recording ends
    parent = multiprocessing.parent_process()
    files = WarcFiles(folder, prefix, max_size, info)
    errors: list[tuple[str, str]] = []
    while True:
        try:
            exchange = exchanges.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return  # the crawl is gone: leave the file .open, whole records only
            continue
        except (EOFError, OSError):
            return  # the crawl went away in the middle of handing one over
        if exchange is None:
            break
        try:
            files.write(exchange)
        except Exception as exc:  # noqa: BLE001 - the crawl goes on; the gap is reported
            errors.append((exchange.url, str(exc) or type(exc).__name__))
    try:
        files.close()
    except OSError as exc:
        errors.append(("", f"cannot close the WARC file: {exc}"))
    results.put(Written(files.records, files.closed_files, errors))


class WriterProcess:
    """The writer process for one crawl's files `<folder>/<prefix>-NNNNN.warc.gz`."""

    def __init__(self, folder: str | Path, prefix: str, max_size: int, info: dict, queue_size: int = 32) -> None:
        # spawn: a fresh interpreter, not a fork of a process with threads.
        context = multiprocessing.get_context("spawn")
        self._exchanges: multiprocessing.Queue = context.Queue(maxsize=max(1, queue_size))
        self._results: multiprocessing.Queue = context.Queue()
        self._process = context.Process(target=_serve, name="mirror-warc", daemon=True,
                                         args=(self._exchanges, self._results, str(folder), prefix, max_size, info))
        self._process.start()

    def write(self, exchange: Exchange) -> None:
        """Hand an exchange to the writer (waits while the queue is full)."""
        if not self._process.is_alive():
            raise OSError("the WARC writer process has exited")
        self._exchanges.put(exchange)

    def close(self, timeout: float = 600) -> Written:
        """Wait for every exchange handed over to be written, and the file closed."""
        if not self._process.is_alive():
            self._exchanges.cancel_join_thread()
            return Written(errors=[("", f"the WARC writer process exited (code {self._process.exitcode})")])
        self._exchanges.put(None)
        try:
            written = self._results.get(timeout=timeout)
        except queue.Empty:
            self._process.kill()
            written = Written(errors=[("", f"the WARC writer did not finish within {timeout:.0f} s")])
        self._process.join(timeout=30)
        return written

"""`WarcFiles` in a process of its own, fed exchanges over a socket.

Digesting and compressing a 330 kB page takes about 2 ms, and in a thread
of the crawl's process the Python part of that work still takes turns with
the event loop for the GIL; in a process of its own it takes none of the
crawl's time.  The crawl hands over plain values (an `Exchange`), which
`crawl.channel.Sender` writes from the event loop without blocking it (a
`multiprocessing.Queue` would hand them to a feeder thread, which takes the
GIL back from the event loop for every 64 kB it writes); the writer writes
them in the order they came, at a lower priority than the crawl's.  At
most `queue_size` exchanges wait for it: then the crawl waits.

The writer ends when told to (`close`, which returns what it wrote) or when
the crawl's end of the socket is gone: a crawl killed with -9 leaves its
files `.open`, each cut at a whole record, for `files.recover` at the next
start.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from mirror.crawl.channel import Closed, Receiver, Sender, receive, send_blocking, yield_to_the_crawl
from mirror.warc.files import Exchange, WarcFiles


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


def _serve(conn: Connection, folder: str, prefix: str, max_size: int, info: dict) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl decides when recording ends
    yield_to_the_crawl()
    files = WarcFiles(folder, prefix, max_size, info)
    errors: list[tuple[str, str]] = []
    while True:
        try:
            exchange = receive(conn.fileno())
        except (Closed, OSError):
            return  # the crawl is gone (maybe mid-exchange): leave the file .open, whole records only
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
    send_blocking(conn.fileno(), Written(files.records, files.closed_files, errors))


class WriterProcess:
    """The writer process for one crawl's files `<folder>/<prefix>-NNNNN.warc.gz`."""

    def __init__(self, folder: str | Path, prefix: str, max_size: int, info: dict, queue_size: int = 32) -> None:
        # spawn: a fresh interpreter, not a fork of a process with threads.
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe(duplex=True)
        self._process = context.Process(target=_serve, name="mirror-warc", daemon=True,
                                         args=(child, str(folder), prefix, max_size, info))
        self._process.start()
        child.close()
        self._sender = Sender(self._conn.fileno(), queue_size)

    def _exited(self) -> str:
        self._process.join(timeout=5)
        return f"the WARC writer process has exited (code {self._process.exitcode})"

    def write(self, exchange: Exchange) -> None:
        """Hand an exchange to the writer (waits while `queue_size` wait)."""
        try:
            self._sender.send(exchange)
        except OSError as exc:
            raise OSError(self._exited()) from exc

    def close(self, timeout: float = 600) -> Written:
        """Wait for every exchange handed over to be written, and the file closed."""
        try:
            self._sender.send(None)
            self._sender.drain(timeout)
            written = Receiver(self._conn.fileno()).wait(timeout)
        except TimeoutError:
            self._process.kill()
            written = Written(errors=[("", f"the WARC writer did not finish within {timeout:.0f} s")])
        except (OSError, Closed):
            written = Written(errors=[("", self._exited())])
        finally:
            self._sender.close()
        self._process.join(timeout=30)
        self._conn.close()
        return written

"""Worker processes driven from the crawl's event loop, with no threads.

`concurrent.futures.ProcessPoolExecutor` feeds its workers from two threads
of the calling process (a queue feeder and a result manager); in a crawl
those threads take the GIL from the reactor on every page.  Here each
worker has one socket pair: a call is pickled onto it by a
`channel.Sender` (a 330 kB page is more than the socket holds, and a
blocking send would wait for the worker to read it), and the result is
read by the event loop when the socket becomes readable.

A worker that dies fails its pending calls with `WorkerExited` and is
replaced; the pool goes on.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import multiprocessing
import signal
from collections.abc import Callable
from typing import Any

from mirror.crawl.channel import Closed, Receiver, Sender, receive, send_blocking, yield_to_the_crawl

# Calls sent ahead to one worker: one running, one waiting in its socket, so
# the worker never idles while the event loop is busy.  More would only hold
# more pages in memory.
AHEAD = 2


class WorkerExited(RuntimeError):
    """The worker process running a call ended before answering."""


def _resolve(function: Callable | str, found: dict[str, Callable]) -> Callable:
    """A function, or one named "module:name" (so the caller need not import it)."""
    if not isinstance(function, str):
        return function
    if function not in found:
        module, _, name = function.partition(":")
        found[function] = getattr(importlib.import_module(module), name)
    return found[function]


def _serve(conn) -> None:
    """A worker's loop: (function, args) in, (ok, result or exception) out."""
    # Ctrl-C is for the crawl, which then closes the pool in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    yield_to_the_crawl()
    found: dict[str, Callable] = {}
    fd = conn.fileno()
    while True:
        try:
            call = receive(fd)
        except (Closed, OSError):
            return
        if call is None:
            return
        function, args = call
        try:
            answer = (True, _resolve(function, found)(*args))
        except Exception as exc:  # noqa: BLE001 - sent back, raised in the caller
            answer = (False, exc)
        try:
            send_blocking(fd, answer)
        except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
            send_blocking(fd, (False, RuntimeError(f"{function}: unpicklable answer: {exc}")))


class _Worker:
    def __init__(self, context):
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name="mirror-worker")
        self.process.start()
        child.close()
        # Never more than AHEAD calls are sent: the sender never has to wait.
        self.sender = Sender(self.conn.fileno(), limit=AHEAD + 1)
        self.answers = Receiver(self.conn.fileno())
        self.pending: collections.deque[asyncio.Future] = collections.deque()


class WorkerPool:
    """`await pool.call(function, *args)` runs `function(*args)` in one of
    `processes` worker processes; `function` must be importable by name, or
    be given as "module:name".

    Workers are forked from a forkserver that has imported `preload`, not
    from the crawl's own process with its running reactor and threads."""

    def __init__(self, processes: int, preload: list[str] | tuple[str, ...] = ()):
        if processes < 1:
            raise ValueError(f"a worker pool needs at least one process, not {processes}")
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(list(preload))
        self.workers = [_Worker(self.context) for _ in range(processes)]
        self.waiting: collections.deque[tuple[Any, asyncio.Future]] = collections.deque()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    def _watch(self, worker: _Worker) -> None:
        assert self.loop is not None  # set by the first call
        self.loop.add_reader(worker.conn.fileno(), self._answered, worker)

    async def call(self, function: Callable | str, *args) -> Any:
        if self.closed:
            raise RuntimeError("the worker pool is closed")
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
            for worker in self.workers:
                self._watch(worker)
        future = self.loop.create_future()
        self.waiting.append(((function, args), future))
        self._dispatch()
        return await future

    def _dispatch(self) -> None:
        while self.waiting:
            worker = min(self.workers, key=lambda w: len(w.pending))
            if len(worker.pending) >= AHEAD:
                return
            call, future = self.waiting.popleft()
            if future.cancelled():
                continue
            try:
                worker.sender.send(call)  # pickled whole before a byte is sent
            except OSError:  # the worker is gone, and this call with it
                worker.pending.append(future)
                self._replace(worker)
                continue
            except Exception as exc:  # noqa: BLE001 - an argument that does not pickle
                future.set_exception(exc)
                continue
            worker.pending.append(future)

    def _answered(self, worker: _Worker) -> None:
        try:
            answers = worker.answers.feed()
        except (EOFError, OSError):
            self._replace(worker)
        else:
            for ok, value in answers:
                future = worker.pending.popleft()
                if not future.cancelled():
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        self._dispatch()

    def _replace(self, worker: _Worker) -> None:
        """A worker died: fail what it held, start another in its place."""
        assert self.loop is not None  # workers are only dispatched to from a call
        self.loop.remove_reader(worker.conn.fileno())
        worker.sender.close()
        worker.conn.close()
        worker.process.join(timeout=5)
        reason = WorkerExited(f"worker process {worker.process.pid} exited with status {worker.process.exitcode}")
        while worker.pending:
            future = worker.pending.popleft()
            if not future.cancelled():
                future.set_exception(reason)
        index = self.workers.index(worker)
        if not self.closed:
            self.workers[index] = _Worker(self.context)
            self._watch(self.workers[index])

    def close(self, timeout: float = 30) -> None:
        """Ask every worker to finish (after its pending calls) and wait."""
        self.closed = True
        for worker in self.workers:
            if self.loop is not None:
                self.loop.remove_reader(worker.conn.fileno())
            with contextlib.suppress(OSError):
                worker.sender.send(None)
                worker.sender.drain(timeout)
            worker.sender.close()
        for worker in self.workers:
            worker.process.join(timeout)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()

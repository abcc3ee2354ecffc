"""Pickled messages between the crawl and a helper process, over one
socket, without blocking the crawl's event loop or taking a thread.

A release page is some 330 kB: more than a socket's buffer.  A blocking
send then waits for the other process to read it, and
`multiprocessing.Queue` hands the wait to a feeder thread that takes the
GIL back from the event loop for every 64 kB it writes.  Here a message
is written as far as the socket takes it at once, and the rest when the
event loop says the socket is writable again.  Only when more than
`limit` messages wait does the sender block, which is what bounds the
memory they hold.

Each message is an 8-byte length and a pickle; the helper's end reads
them blocking (`receive`), and answers the same way (`send_blocking`).

A helper also gives way to the crawl (`yield_to_the_crawl`): the event loop
is the one part of a crawl that cannot be spread over cores, and on a
machine with two of them, three busy processes would otherwise each get
two thirds of one.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import pickle
import select
import socket
import struct
from typing import Any

_LENGTH = struct.Struct("!Q")
# A helper's scheduling priority below the crawl's: with both runnable, the
# crawl gets about nine tenths of a core.
HELPER_NICENESS = 10
_SEND_BUFFER = 16 << 20
# os.writev takes at most IOV_MAX (1024 on Linux) buffers; a few do.
_PARTS_A_WRITE = 16


class Closed(EOFError):
    """The other end is gone."""


class Sender:
    """The crawl's end of the socket `fd`: `send` queues a message and
    writes what fits now; the event loop writes the rest.  A write error
    (the other process died) is raised by the next `send` or `drain`."""

    def __init__(self, fd: int, limit: int) -> None:
        self.fd = fd
        self.limit = max(1, limit)
        os.set_blocking(fd, False)
        _widen(fd)
        self._parts: collections.deque[memoryview] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.error: OSError | None = None

    @property
    def waiting(self) -> int:
        """Messages not yet written whole (two parts each, the first maybe begun)."""
        return (len(self._parts) + 1) // 2

    def send(self, message: Any) -> None:
        if self.error is not None:
            raise self.error
        self._parts.extend(_framed(message))
        self._write()
        if self.error is not None:
            raise self.error
        if self._parts and (self.waiting > self.limit or not self._watch()):
            self.drain()

    def drain(self, timeout: float | None = None) -> None:
        """Write everything queued, waiting for the socket as long as it
        takes (or `timeout` seconds: then TimeoutError)."""
        while self._parts and self.error is None:
            if not select.select([], [self.fd], [], timeout)[1]:
                raise TimeoutError(f"the other process read nothing for {timeout} s")
            self._write()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self._unwatch()

    def _write(self) -> None:
        while self._parts:
            try:
                written = os.writev(self.fd, list(self._parts)[:_PARTS_A_WRITE])
            except BlockingIOError:
                return
            except OSError as exc:  # the reader is gone: nothing queued will be read
                self.error = exc
                self._parts.clear()
                break
            _advance(self._parts, written)
        self._unwatch()

    def _watch(self) -> bool:
        """Have the running event loop finish the writes; False without one."""
        if self._loop is not None:
            return True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        loop.add_writer(self.fd, self._write)
        self._loop = loop
        return True

    def _unwatch(self) -> None:
        if self._loop is not None:
            self._loop.remove_writer(self.fd)
            self._loop = None


def _widen(fd: int) -> None:
    """Ask for a send buffer that holds whole pages (the system caps it at
    net.core.wmem_max): with a buffer smaller than a page, the helper reads
    half of one and waits for the event loop to write the rest."""
    copy = os.dup(fd)
    try:
        sock = socket.socket(fileno=copy)
    except OSError:  # not a socket: left as it is
        os.close(copy)
        return
    with sock, contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)


class Receiver:
    """Messages as they arrive on a non-blocking socket, read whenever the
    event loop says it is readable (`feed` returns the whole ones)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = bytearray()
        self._ready: collections.deque[Any] = collections.deque()

    def feed(self) -> list[Any]:
        """The messages that have come whole (none if nothing can be read now)."""
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            data = None
        if data == b"":
            raise Closed("the other process closed its end")
        if data:
            self._buffer += data
        while len(self._buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self._buffer)
            end = _LENGTH.size + length
            if len(self._buffer) < end:
                break
            self._ready.append(pickle.loads(self._buffer[_LENGTH.size:end]))
            del self._buffer[:end]
        ready, self._ready = list(self._ready), collections.deque()
        return ready

    def wait(self, timeout: float) -> Any:
        """The next message, waiting at most `timeout` seconds (TimeoutError)."""
        while not self._ready:
            if not select.select([self.fd], [], [], timeout)[0]:
                raise TimeoutError(f"no answer within {timeout:.0f} s")
            came = self.feed()  # (it empties self._ready: read first)
            self._ready.extend(came)
        return self._ready.popleft()


def receive(fd: int) -> Any:
    """The next message on a blocking socket (the helper's end); `Closed`
    when the crawl's end is gone."""
    (length,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    return pickle.loads(_read_exactly(fd, length))


def send_blocking(fd: int, message: Any) -> None:
    parts = collections.deque(_framed(message))
    while parts:
        _advance(parts, os.writev(fd, parts))


def _framed(message: Any) -> tuple[memoryview, memoryview]:
    """A message as it goes on the socket: its length, then its pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return memoryview(_LENGTH.pack(len(payload))), memoryview(payload)


def _advance(parts: collections.deque[memoryview], written: int) -> None:
    """Drop what a write took from the front of `parts`."""
    while written:
        head = parts[0]
        if written < len(head):
            parts[0] = head[written:]
            return
        written -= len(head)
        parts.popleft()


def _read_exactly(fd: int, size: int) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = os.readv(fd, [view[got:]])
        if n == 0:
            raise Closed("the other end closed")
        got += n
    return buffer


def yield_to_the_crawl() -> None:
    """Lower this helper process's priority below the crawl's."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no os.nice here
        os.nice(HELPER_NICENESS)

"""Messages to a helper process (mirror/crawl/channel.py): pages larger
than a socket holds go out from the event loop without blocking it, whole
and in order; a helper that is gone is said at the next send."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import pytest

from mirror.crawl.channel import Closed, Receiver, Sender, receive, send_blocking


def pages(count: int, size: int = 330_000) -> list[bytes]:
    return [bytes([n % 251]) * size for n in range(count)]


def test_large_messages_leave_without_blocking_the_loop_and_arrive_whole_in_order():
    crawl_end, helper_end = socket.socketpair()
    received: list = []
    reader_may_start = threading.Event()

    def helper():
        reader_may_start.wait(30)
        while True:
            message = receive(helper_end.fileno())
            if message is None:
                return
            received.append(message)

    thread = threading.Thread(target=helper, daemon=True)
    thread.start()

    async def crawl():
        sender = Sender(crawl_end.fileno(), limit=1000)
        # more than the socket's buffer (which the sender widened) holds
        count = crawl_end.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) // 330_000 + 8
        started = time.perf_counter()
        for page in pages(count):
            sender.send(page)
        handed_over = time.perf_counter() - started
        waiting = sender.waiting
        reader_may_start.set()  # the helper only begins reading now
        sender.send(None)
        while sender.waiting:
            await asyncio.sleep(0.01)
        sender.close()
        return count, handed_over, waiting

    count, handed_over, waiting = asyncio.run(asyncio.wait_for(crawl(), 60))
    thread.join(30)
    assert received == pages(count)
    assert waiting > 0  # the socket could not take them all: the loop wrote the rest
    assert handed_over < 5  # nothing waited for the reader, who had not started


def test_past_the_limit_the_sender_waits_for_the_reader():
    crawl_end, helper_end = socket.socketpair()
    received: list = []

    def helper():
        time.sleep(0.5)  # the sender must wait this long once past its limit
        while (message := receive(helper_end.fileno())) is not None:
            received.append(message)

    thread = threading.Thread(target=helper, daemon=True)
    thread.start()
    sender = Sender(crawl_end.fileno(), limit=2)
    started = time.perf_counter()
    for page in pages(40):  # no event loop: each send that cannot finish is written out at once
        sender.send(page)
    sender.send(None)
    sender.drain(timeout=30)
    thread.join(30)
    assert time.perf_counter() - started >= 0.4
    assert received == pages(40)


def test_a_helper_that_is_gone_is_said_at_the_next_send():
    crawl_end, helper_end = socket.socketpair()
    sender = Sender(crawl_end.fileno(), limit=4)
    helper_end.close()
    with pytest.raises(OSError):
        sender.send(b"page")
    with pytest.raises(OSError):  # and stays said
        sender.send(b"page")


def test_answers_arrive_in_pieces_and_are_read_whole():
    crawl_end, helper_end = socket.socketpair()
    crawl_end.setblocking(False)
    answers = Receiver(crawl_end.fileno())
    assert answers.feed() == []  # nothing yet, and no waiting for it
    send_blocking(helper_end.fileno(), {"outcome": "written", "path": "releases/x.md"})
    send_blocking(helper_end.fileno(), ("second", 2))
    assert answers.wait(timeout=10) == {"outcome": "written", "path": "releases/x.md"}
    assert answers.wait(timeout=10) == ("second", 2)  # kept, if it came with the first
    helper_end.close()
    with pytest.raises(Closed):
        answers.wait(timeout=10)


def test_a_helper_reading_a_message_cut_short_is_told_the_crawl_is_gone():
    crawl_end, helper_end = socket.socketpair()
    payload_length = (1000).to_bytes(8, "big")
    os.write(crawl_end.fileno(), payload_length + b"x" * 10)  # a crawl killed mid-message
    crawl_end.close()
    with pytest.raises(Closed):
        receive(helper_end.fileno())

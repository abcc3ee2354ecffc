"""The worker pool that runs page work in other processes, driven from an
asyncio event loop as in a crawl."""

from __future__ import annotations

import asyncio
import os
import pickle

import pytest

from mirror.crawl.workers import WorkerExited, WorkerPool


def run(coroutine_function, processes=2, timeout: float = 60):
    async def main():
        pool = WorkerPool(processes)
        try:
            return await asyncio.wait_for(coroutine_function(pool), timeout), pool
        finally:
            pool.close()
    return asyncio.run(main())


def test_answers_come_back_to_their_callers():
    async def work(pool):
        return await asyncio.gather(*(pool.call(pow, 3, n) for n in range(50)))
    answers, _ = run(work)
    assert answers == [3 ** n for n in range(50)]


def test_an_exception_is_raised_in_the_caller_and_the_pool_goes_on():
    async def work(pool):
        with pytest.raises(ValueError, match="invalid literal"):
            await pool.call(int, "not a number")
        return await pool.call(int, "42")
    answer, _ = run(work, processes=1)
    assert answer == 42


def test_an_argument_that_does_not_pickle_fails_only_its_call():
    async def work(pool):
        with pytest.raises((pickle.PicklingError, AttributeError)):  # "Can't pickle local object"
            await pool.call(len, lambda: None)
        return await pool.call(len, "four")
    answer, _ = run(work, processes=1)
    assert answer == 4


def test_a_dead_worker_fails_its_calls_and_is_replaced():
    async def work(pool):
        first_pid = pool.workers[0].process.pid
        with pytest.raises(WorkerExited, match="exited with status 3"):
            await pool.call(os._exit, 3)
        after = await asyncio.gather(*(pool.call(abs, -n) for n in range(10)))
        return first_pid, pool.workers[0].process.pid, after
    (first_pid, new_pid, after), _ = run(work, processes=1)
    assert new_pid != first_pid
    assert after == list(range(10))


def test_close_ends_every_worker():
    async def work(pool):
        await pool.call(abs, -1)
        return [worker.process for worker in pool.workers]
    processes, pool = run(work)
    assert processes and not any(process.is_alive() for process in processes)
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(pool.call(abs, -1))


def test_a_pool_needs_a_process():
    with pytest.raises(ValueError, match="at least one process"):
        WorkerPool(0)


def test_a_function_given_by_name_is_imported_by_the_worker():
    async def work(pool):
        return await pool.call("textwrap:shorten", "one two three four", 9)
    answer, _ = run(work, processes=1)
    assert answer == "one [...]"


def test_a_worker_killed_between_calls_fails_the_next_call_only():
    async def work(pool):
        pool.workers[0].process.kill()
        pool.workers[0].process.join(timeout=30)
        assert pool.workers[0].process.exitcode == -9
        with pytest.raises(WorkerExited, match="exited with status -9"):
            await pool.call(abs, -1)
        return await pool.call(abs, -2)
    answer, _ = run(work, processes=1)
    assert answer == 2

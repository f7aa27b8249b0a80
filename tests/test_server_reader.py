"""The server's article readers: real reader processes behind pipes, batching, a killed process."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from server_fixtures import DOCS, contest_html

from newsthread.ingest import ReadError
from newsthread.server.app import READ_PIPELINE, ArticleReader, WorkerDied, _ReaderProcess, read_article

DAY = 86400


def _bodies() -> list[tuple[str, bytes]]:
    return [(doc.name, doc.html()) for doc in DOCS]


@contextmanager
def own_reader(**options) -> Iterator[ArticleReader]:
    """A reader with its models loaded, closed afterwards (tests that kill its processes own one)."""
    reader = ArticleReader(**options)
    try:
        reader.warm_up()
        yield reader
    finally:
        reader.close()


@pytest.fixture(scope="module")
def reader():
    with own_reader(workers=1) as reader:
        yield reader


def test_bodies_that_queue_while_the_process_is_busy_go_in_one_call(reader):
    bodies = _bodies()
    calls_before, bodies_before = reader.calls, reader.bodies

    async def read_all():
        return await asyncio.gather(*(reader.read(name, data, DAY) for name, data in bodies))

    results = asyncio.run(read_all())
    assert reader.bodies - bodies_before == len(bodies)
    assert reader.calls - calls_before < len(bodies)  # the first goes alone, the rest together
    for (name, data), (article, row) in zip(bodies, results, strict=True):
        alone = read_article(name, data, DAY)  # in this process, one by one: the same article
        assert (article.name, article.title, article.lang) == (alone.name, alone.title, alone.lang)
        assert (article.is_news, article.category, article.title_terms) == (
            alone.is_news,
            alone.category,
            alone.title_terms,
        )
        assert row.row["name"] == name and row.blob is not None  # the store row, body compressed


def test_an_unreadable_body_fails_alone_in_its_batch(reader):
    good = _bodies()[:3]
    items = [*good[:2], ("broken.html", b"\x00\x01\x02binary\xff" * 50), good[2]]

    async def read_all():
        return await asyncio.gather(
            *(reader.read(name, data, DAY) for name, data in items), return_exceptions=True
        )

    results = asyncio.run(read_all())
    assert isinstance(results[2], ReadError)
    assert [r[0].name for k, r in enumerate(results) if k != 2] == [
        n for k, (n, _) in enumerate(items) if k != 2
    ]


def test_a_killed_reader_process_is_replaced_and_the_read_still_answered():
    with own_reader(workers=1) as reader:
        (process,) = reader._processes
        os.kill(process.process.pid, signal.SIGKILL)
        process.process.join(10)
        name, data = _bodies()[0]

        async def read_one():
            return await reader.read(name, data, DAY)

        article, _ = asyncio.run(read_one())
        assert article.name == name and article.title
        assert reader.restarts == 1
        assert reader._processes[0].process.pid != process.process.pid


def test_without_processes_the_reader_threads_answer_the_same():
    with own_reader(workers=0, keep_raw=False) as reader:  # one-core machines: threads, no processes
        name, data = _bodies()[1]

        async def read_one():
            return await reader.read(name, data, DAY)

        article, row = asyncio.run(read_one())
        alone = read_article(name, data, DAY)
        assert (article.title, article.lang, article.category) == (alone.title, alone.lang, alone.category)
        assert row.blob is None  # keep_raw=False: no body kept


def test_a_stuck_reader_process_is_killed_after_the_timeout_and_replaced():
    with own_reader(workers=1, timeout=3.0) as reader:
        (process,) = reader._processes
        os.kill(process.process.pid, signal.SIGSTOP)  # stuck: alive, never answers
        name, data = _bodies()[2]

        async def read_one():
            return await reader.read(name, data, DAY)

        article, _ = asyncio.run(read_one())  # answered by the replacement
        assert article.name == name
        assert reader.restarts == 1
        process.process.join(10)
        assert process.process.exitcode == -signal.SIGKILL


def _big_body(k: int) -> tuple[str, bytes]:
    """An article of ~200 KB of words that do not compress: its answer overfills a pipe too."""
    rng = random.Random(k)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(25_000)]
    paragraphs = [" ".join(words[i : i + 250]) + "." for i in range(0, len(words), 250)]
    published = datetime(2020, 1, 1, 12, tzinfo=UTC)
    return f"big-{k}.html", contest_html(f"Report number {k}", published, "example.com", paragraphs).encode()


def test_large_bodies_queued_behind_a_busy_process_are_all_answered(reader):
    """Calls are pipelined (READ_PIPELINE a process): a request larger than a pipe's buffer,
    sent while the process writes an answer larger than one, must not leave both waiting (the
    event loop writes requests only as the pipe takes them)."""
    assert READ_PIPELINE >= 2
    bodies = [_big_body(k) for k in range(6)]
    assert all(len(data) > 150_000 for _, data in bodies)
    results: list = []

    async def read_all():
        return await asyncio.gather(*(reader.read(name, data, DAY) for name, data in bodies))

    runner = threading.Thread(target=lambda: results.extend(asyncio.run(read_all())), daemon=True)
    runner.start()
    runner.join(60)
    assert not runner.is_alive(), "the reader and the server wait for each other"
    assert [article.name for article, _ in results] == [name for name, _ in bodies]
    assert all(len(" ".join(article.paragraphs)) > 100_000 for article, _ in results)


def test_a_process_killed_with_calls_queued_answers_each_of_them():
    with own_reader(workers=1) as reader:
        (process,) = reader._processes
        bodies = _bodies()[:4]

        async def read_all():
            reads = [asyncio.ensure_future(reader.read(name, data, DAY)) for name, data in bodies]
            for _ in range(100):  # until the reads are sent: READ_PIPELINE calls at the process
                if process.calls_in_flight() == READ_PIPELINE:
                    break
                await asyncio.sleep(0)
            assert process.calls_in_flight() == READ_PIPELINE
            os.kill(process.process.pid, signal.SIGKILL)
            return await asyncio.gather(*reads)

        results = asyncio.run(read_all())
        assert [article.name for article, _ in results] == [name for name, _ in bodies]
        assert reader.restarts == 1  # one replacement, though two calls saw it die
        assert reader._processes[0].process.pid != process.process.pid


def test_a_process_that_died_idle_is_replaced_before_the_next_read():
    with own_reader(workers=1) as reader:
        (first, second) = _bodies()[:2]

        async def scenario():
            await reader.read(*first, DAY)
            (process,) = reader._processes
            os.kill(process.process.pid, signal.SIGKILL)
            for _ in range(200):  # the loop sees the pipe close
                if process.dead:
                    break
                await asyncio.sleep(0.05)
            assert process.dead
            return await reader.read(*second, DAY)

        article, _ = asyncio.run(scenario())
        assert article.name == second[0]
        assert reader.restarts == 1  # replaced before the read, not after it failed


def test_only_the_call_being_read_is_blamed_when_a_process_dies():
    """A call that waited behind the one being read is sent again without losing an attempt,
    so a good body queued behind a deadly one is not refused. A stuck process does not block
    the event loop either, though the request queued at it is larger than a pipe holds."""
    process = _ReaderProcess(timeout=2.0)
    try:
        process.wait_ready()
        bodies = [_bodies()[0], _big_body(99)]
        outcome: list = []
        gaps: list[float] = []

        async def ticker():
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.05)
                gaps.append(time.monotonic() - last)
                last = time.monotonic()

        async def scenario():
            os.kill(process.process.pid, signal.SIGSTOP)  # stuck on the first call: the watchdog ends it
            ticks = asyncio.ensure_future(ticker())
            calls = [asyncio.ensure_future(process.call([(name, data, DAY)], True)) for name, data in bodies]
            await asyncio.sleep(0)
            assert process.calls_in_flight() == 2
            outcome.extend(await asyncio.gather(*calls, return_exceptions=True))
            ticks.cancel()

        runner = threading.Thread(target=lambda: asyncio.run(scenario()), daemon=True)
        runner.start()
        runner.join(60)
        assert not runner.is_alive(), "the event loop is blocked writing to a stopped process"
        head, queued = outcome
        assert isinstance(head, WorkerDied) and head.culprit
        assert isinstance(queued, WorkerDied) and not queued.culprit
        assert max(gaps) < 1.0  # the loop kept running while the process was stuck
        process.process.join(10)
        assert process.dead and process.process.exitcode == -signal.SIGKILL
    finally:
        process.close()


def test_an_idle_process_outlives_its_watchdog():
    """The watchdog times only the call being read: idle longer than the timeout is fine."""
    with own_reader(workers=1, timeout=1.0) as reader:
        first, second = _bodies()[:2]

        async def scenario():
            await reader.read(*first, DAY)
            await asyncio.sleep(1.6)
            return await reader.read(*second, DAY)

        article, _ = asyncio.run(scenario())
        assert article.name == second[0] and reader.restarts == 0


def test_with_two_processes_a_replacement_is_loaded_and_used():
    with own_reader(workers=2) as reader:
        bodies = _bodies()

        async def scenario():
            await asyncio.gather(*(reader.read(name, data, DAY) for name, data in bodies[:4]))
            victim = reader._processes[0]
            os.kill(victim.process.pid, signal.SIGKILL)
            victim.process.join(10)
            await reader.read(*bodies[4], DAY)  # the dead one is replaced first
            for _ in range(300):  # the replacement's READY is seen while it is idle
                if all(p.ready for p in reader._processes):
                    break
                await asyncio.sleep(0.05)
            assert all(p.ready for p in reader._processes)
            await asyncio.gather(*(reader.read(name, data, DAY) for name, data in bodies[:6]))
            return [p.calls_in_flight() for p in reader._processes]

        assert asyncio.run(scenario()) == [0, 0]
        assert reader.restarts == 1


def test_processes_that_died_unnoticed_do_not_get_a_good_body_refused():
    with own_reader(workers=2) as reader:
        name, data = _bodies()[3]
        for process in reader._processes:  # before any call: no event loop follows them yet
            os.kill(process.process.pid, signal.SIGKILL)
            process.process.join(10)

        async def read_one():
            return await reader.read(name, data, DAY)

        article, _ = asyncio.run(read_one())
        assert article.name == name
        assert reader.restarts == 2

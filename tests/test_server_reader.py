"""The server's article readers: real reader processes behind pipes, batching, a killed process."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from server_fixtures import DOCS

from newsthread.ingest import ReadError
from newsthread.server.app import ArticleReader, read_article

DAY = 86400


def _bodies() -> list[tuple[str, bytes]]:
    return [(doc.name, doc.html()) for doc in DOCS]


@pytest.fixture(scope="module")
def reader():
    reader = ArticleReader(workers=1)
    reader.warm_up()
    yield reader
    reader.close()


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
    reader = ArticleReader(workers=1)
    try:
        reader.warm_up()
        (process,) = reader._idle
        os.kill(process.process.pid, signal.SIGKILL)
        process.process.join(10)
        name, data = _bodies()[0]

        async def read_one():
            return await reader.read(name, data, DAY)

        article, _ = asyncio.run(read_one())
        assert article.name == name and article.title
        assert reader.restarts == 1
        assert reader._idle[0].process.pid != process.process.pid
    finally:
        reader.close()


def test_without_processes_the_reader_threads_answer_the_same():
    reader = ArticleReader(workers=0, keep_raw=False)  # one-core machines: threads, no processes
    try:
        reader.warm_up()
        name, data = _bodies()[1]

        async def read_one():
            return await reader.read(name, data, DAY)

        article, row = asyncio.run(read_one())
        alone = read_article(name, data, DAY)
        assert (article.title, article.lang, article.category) == (alone.title, alone.lang, alone.category)
        assert row.blob is None  # keep_raw=False: no body kept
    finally:
        reader.close()


def test_a_stuck_reader_process_is_killed_after_the_timeout_and_replaced():
    reader = ArticleReader(workers=1, timeout=3.0)
    try:
        reader.warm_up()
        (process,) = reader._idle
        os.kill(process.process.pid, signal.SIGSTOP)  # stuck: alive, never answers
        name, data = _bodies()[2]

        async def read_one():
            return await reader.read(name, data, DAY)

        article, _ = asyncio.run(read_one())  # answered by the replacement
        assert article.name == name
        assert reader.restarts == 1
        process.process.join(10)
        assert process.process.exitcode == -signal.SIGKILL
    finally:
        reader.close()

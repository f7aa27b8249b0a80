"""The live thread index on its own (real parsing, annotation, clustering and ranking)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from server_fixtures import DOCS, EN_NEWS, OTHER, RU_NEWS

from newsthread.server.app import read_article
from newsthread.server.index import ThreadIndex, is_threadable

DAY = 86400


@pytest.fixture(scope="module")
def articles():
    return {d.name: read_article(d.name, d.html(), 30 * DAY) for d in DOCS}


def names(index: ThreadIndex, period=None, lang=None, category="any") -> list[str]:
    threads, _ = index.snapshot().select(period, lang, category)
    return [a.name for t in threads for a in t.articles]


def test_news_in_english_and_russian_is_threaded_once_and_the_rest_is_kept(articles):
    index = ThreadIndex()
    for article in articles.values():
        index.put(article)
    assert len(index) == len(DOCS)
    threaded = names(index)
    assert sorted(threaded) == sorted(set(threaded))  # each article in one thread
    assert (
        set(EN_NEWS) | set(RU_NEWS) == set(threaded) == {n for n, a in articles.items() if is_threadable(a)}
    )
    assert not set(threaded) & set(OTHER)
    assert set(names(index, lang="en")) == set(EN_NEWS) and set(names(index, lang="ru")) == set(RU_NEWS)
    # the earthquake reports are one event
    quake = next(t for t in index.snapshot().threads if any(a.name == "1001.html" for a in t.articles))
    assert {a.name for a in quake.articles} == {"1001.html", "1002.html", "1003.html"}


def test_snapshots_are_cached_per_version_and_unchanged_threads_reused(articles):
    index = ThreadIndex()
    for article in articles.values():
        index.put(article)
    first = index.snapshot()
    assert index.snapshot() is first
    index.put(replace(articles["2003.html"], title="Банк России снизил ключевую ставку"))
    second = index.snapshot()
    assert second is not first and second.version > first.version
    kept = [t for t in second.threads if not any(a.name == "2003.html" for a in t.articles)]
    assert kept and all(any(t is old for old in first.threads) for t in kept)


def test_expiry_follows_the_newest_article_and_moves_back_on_delete(articles):
    index = ThreadIndex()
    quake = replace(articles["1001.html"], max_age=600)
    index.put(quake)
    assert names(index) == ["1001.html"]
    later = replace(articles["1201.html"], published=quake.published + timedelta(seconds=601))
    index.put(later)
    assert names(index) == ["1201.html"] and index.now == later.timestamp
    assert index.delete("1201.html") and names(index) == ["1001.html"]
    assert not index.delete("1201.html")
    index.put(replace(quake, max_age=None))  # no TTL: never expires
    index.put(replace(later, published=quake.published + timedelta(days=400)))
    assert set(names(index)) == {"1001.html", "1201.html"}


def test_window_keeps_threads_active_in_the_period(articles):
    index = ThreadIndex()
    for article in articles.values():
        index.put(article)
    now = index.now
    recent = {n for n, a in articles.items() if is_threadable(a) and a.timestamp > now - 1800}
    threads, total = index.snapshot().select(1800, None)
    assert total == len(threads)
    shown = {a.name for t in threads for a in t.articles}
    assert recent <= shown
    for thread in threads:
        assert max(a.timestamp for a in thread.articles) > now - 1800


def test_recluster_keeps_writes_made_while_it_runs(articles):
    index = ThreadIndex()
    items = list(articles.values())
    for article in items[:6]:
        index.put(article)
    done = threading.Event()

    def writer():
        for article in items[6:]:
            index.put(article)
        index.delete(items[0].name)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    index.recluster()
    thread.join()
    index.recluster()
    expected = {a.name for a in items[1:] if is_threadable(a)}
    threaded = names(index)
    assert sorted(threaded) == sorted(expected)
    assert index.stats.reclusters == 2


def test_load_replaces_contents(articles):
    index = ThreadIndex()
    index.put(articles["1001.html"])
    index.load(a for n, a in articles.items() if n != "1001.html")
    assert "1001.html" not in index and len(index) == len(DOCS) - 1
    assert "1001.html" not in names(index) and "1002.html" in names(index)
    assert all(not a.paragraphs for a in index.articles.values())  # kept light in memory


def test_a_write_is_in_the_next_snapshot_while_the_cluster_thread_runs(articles):
    """What a GET does (`is_current` on the last snapshot, else `snapshot()`), right after each
    put, with the background clustering thread busy on the same index."""
    index = ThreadIndex()
    index.start()
    try:
        for round_ in range(8):
            for article in articles.values():
                copy = replace(article, name=f"r{round_}-{article.name}")
                index.put(copy)
                time.sleep(0.0005 * (round_ % 4))  # as the ack's round trip: the add may be under way
                latest = index.latest
                snapshot = latest if index.is_current(latest) else index.snapshot()
                assert (copy.name in snapshot.thread_of) == is_threadable(copy), copy.name
    finally:
        index.stop()

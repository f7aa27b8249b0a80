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


def test_incremental_ranking_equals_a_full_rank_after_writes_deletes_and_a_recluster(articles):
    from newsthread.rank import make_threads, rank_threads

    index = ThreadIndex()
    # copies spread over two days: threads of different ages, so the decay matters
    for hours in range(0, 48, 6):
        for article in articles.values():
            copy = replace(article, name=f"h{hours}-{article.name}")
            if copy.published is not None:
                copy.published = article.published - timedelta(hours=hours)
            index.put(copy)

    def check() -> None:
        snapshot = index.snapshot()
        groups = [[a for a in t.articles] for t in snapshot.threads]
        expected = rank_threads(make_threads(groups, index._authority_model()), snapshot.now_datetime)
        assert [t.id for t in snapshot.threads] == [t.id for t in expected]
        for lang in ("en", "ru"):
            for category in ("any", "economy", "society"):
                got, _ = snapshot.select(3 * DAY, lang, category)
                want = [
                    t
                    for t in expected
                    if (t.lang or t.articles[0].lang) == lang
                    and (category == "any" or (t.category or "other") == category)
                ]
                assert [t.id for t in got] == [t.id for t in want]
                for a, b in zip(got, want, strict=True):
                    assert a.importance == pytest.approx(b.importance)
        thread_of = {a.name: t for t in snapshot.threads for a in t.articles}
        assert snapshot.thread_of == thread_of

    check()
    index.delete("h0-1001.html")
    index.put(replace(articles["2003.html"], name="h6-2003.html", title="Банк России снизил ставку"))
    check()
    index.recluster()
    check()
    index.put(replace(articles["1001.html"], name="late.html"))
    check()


def test_saved_labels_restore_the_groups_and_threads_without_the_batch_pass(articles, monkeypatch):
    from newsthread.server import index as index_module

    first = ThreadIndex()
    first.load(articles.values())
    first.put(replace(articles["1001.html"], name="late.html"))
    before = first.snapshot()
    saved = first.saved_labels(lambda: 7)
    assert saved is not None and saved.cursor == 7
    assert set(saved.labels) == {a.name for t in before.threads for a in t.articles}

    made: list[int] = []
    real_make = index_module.make
    monkeypatch.setattr(
        index_module,
        "make",
        lambda groups, authority: made.append(len(groups)) or real_make(groups, authority),
    )
    batch = []
    monkeypatch.setattr("newsthread.cluster.online.cluster_encoded", lambda *a, **k: batch.append(1))
    again = ThreadIndex()
    again.load([*articles.values(), first.get("late.html")], saved)
    after = again.snapshot()
    assert not batch and sum(made) == 0  # groups and threads restored as saved
    assert [(t.id, t.title, [a.name for a in t.articles]) for t in after.threads] == [
        (t.id, t.title, [a.name for a in t.articles]) for t in before.threads
    ]
    # an article without a label (changed since the save) joins online
    saved.labels.pop("late.html")
    third = ThreadIndex()
    third.load([*articles.values(), first.get("late.html")], saved)
    assert "late.html" in third.snapshot().thread_of and not batch


def test_adding_a_batch_gives_the_groups_of_adding_one_by_one(articles):
    from newsthread.cluster import OnlineClusterer

    ordered = sorted(articles.values(), key=lambda a: (a.timestamp, a.name))
    ordered = [a for a in ordered if is_threadable(a)]
    ordered.append(replace(ordered[0], title="Replaced within the batch"))  # a name twice
    one, many = OnlineClusterer(), OnlineClusterer()
    keys = [one.add(a) for a in ordered]
    assert many.add_batch(ordered[:3]) + many.add_batch(ordered[3:]) == keys
    as_sets = lambda c: sorted(sorted(a.name for a in g) for g in c.groups())  # noqa: E731
    assert as_sets(one) == as_sets(many)


def test_upkeep_saves_labels_purges_tombstones_and_a_replica_behind_them_reloads(
    articles, tmp_path, monkeypatch
):
    from newsthread.server import app
    from newsthread.server.app import ServerState
    from newsthread.store import open_store

    db = str(tmp_path / "shared.db")
    one, two = ServerState(db, follow_interval=None), ServerState(db, follow_interval=None)
    one.store, two.store = open_store(db), open_store(db)
    first, second, third = (articles[n] for n in ("1001.html", "1002.html", "2001.html"))
    one.store.apply([("put", first, None), ("put", second, None)])
    one.follow()
    two.follow()
    assert first.name in two.index and second.name in two.index

    one.store.apply([("delete", first.name, None), ("put", third, None)])
    one.follow()
    monkeypatch.setattr(app, "TOMBSTONE_RETENTION", 0.0)
    one.upkeep()  # the delete of `first` is past the retention: its tombstone goes
    saved = one.store.load_labels()
    assert set(saved.labels) == {second.name, third.name} and saved.cursor == one.store.cursor()
    assert one.store.purged_through() == one.store.cursor()
    assert [c.name for c in one.store.changes_since(0)[0]] == [second.name, third.name]

    two.follow()  # it never saw the delete: it reloads instead of keeping `first`
    assert first.name not in two.index and {second.name, third.name} <= set(two.index.articles)

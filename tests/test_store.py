"""The article store on SQLite and PostgreSQL: the same tests run against both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from server_fixtures import T0, pg_server, pg_url  # noqa: F401  (fixtures)

from newsthread.model import Article
from newsthread.store import InvalidName, open_store, valid_name
from newsthread.store.sqlite import SqliteStore


def article(name: str, minutes: int = 0, **fields) -> Article:
    defaults = dict(
        title=f"Title of {name}",
        url=f"https://example.com/{name}",
        site="Example",
        description="A description.",
        published=T0 + timedelta(minutes=minutes),
        paragraphs=["First paragraph.", "Second paragraph with\nan inner newline."],
        lang="en",
        lang_confidence=0.93,
        is_news=True,
        category="technology",
        category_confidence=0.7,
        max_age=3600,
        title_terms=["Title", "of"],
        body_terms=["first", "paragraph", "2019"],
        out_links=["https://example.org/a"],
        source_format="contest_html",
    )
    defaults.update(fields)
    return Article(name=name, **defaults)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def test_put_reports_new_then_replaced_and_round_trips_every_field(store):
    original = article("1.html", extra={"note": "kept", "vector": object()})
    assert store.put(original, raw=b"<html>raw bytes</html>") is True
    loaded = store.get("1.html")
    assert loaded.to_dict() == original.to_dict()
    assert loaded.title_terms == original.title_terms and loaded.body_terms == original.body_terms
    assert loaded.extra == {"note": "kept"}  # what JSON cannot hold is left out
    assert store.get_raw("1.html") == b"<html>raw bytes</html>"
    assert store.put(article("1.html", title="New title")) is False
    assert store.get("1.html").title == "New title"
    assert store.get_raw("1.html") is None  # replaced without raw bytes
    assert store.count() == 1


def test_delete_leaves_a_tombstone_and_a_new_put_is_new_again(store):
    store.put(article("1.html"))
    assert store.delete("1.html") is True
    assert store.delete("1.html") is False
    assert store.delete("never.html") is False
    assert store.get("1.html") is None and store.get_raw("1.html") is None
    assert store.count() == 0
    assert list(store.iter_articles()) == []
    assert store.put(article("1.html")) is True


def test_apply_runs_mixed_operations_in_order_in_one_commit(store):
    results = store.apply(
        [
            ("put", article("a.html"), None),
            ("put", article("a.html", title="again"), None),
            ("delete", "a.html", None),
            ("delete", "a.html", None),
            ("put", article("b.html"), b"b"),
        ]
    )
    assert results == [True, False, True, False, True]
    assert {a.name for a in store.iter_articles()} == {"b.html"}


def test_iter_articles_count_and_max_published(store):
    assert store.max_published() is None and store.count() == 0
    store.put_many([(article(f"{i}.html", minutes=i), None) for i in range(50)])
    store.put(article("undated.html", published=None))
    assert store.count() == 51
    assert store.max_published() == T0 + timedelta(minutes=49)
    full = {a.name: a for a in store.iter_articles()}
    light = {a.name: a for a in store.iter_articles(with_text=False)}
    assert set(full) == set(light) == {f"{i}.html" for i in range(50)} | {"undated.html"}
    assert full["7.html"].paragraphs == ["First paragraph.", "Second paragraph with\nan inner newline."]
    assert light["7.html"].paragraphs == [] and light["7.html"].body_terms == ["first", "paragraph", "2019"]
    assert full["undated.html"].published is None
    store.delete("49.html")
    assert store.max_published() == T0 + timedelta(minutes=48)


def test_change_feed_gives_latest_state_per_name_in_commit_order(store):
    start = store.cursor()
    store.put(article("a.html"))
    store.put(article("b.html"))
    store.put(article("a.html", title="a v2"))
    store.delete("b.html")
    changes, cursor = store.changes_since(start)
    assert [(c.name, c.deleted) for c in changes] == [("a.html", False), ("b.html", True)]
    assert changes[0].article.title == "a v2" and changes[1].article is None
    assert cursor == store.cursor() and cursor > start
    assert store.changes_since(cursor) == ([], cursor)
    first, mid = store.changes_since(start, limit=1)
    assert len(first) == 1 and store.changes_since(mid)[0][0].name == "b.html"


def test_search_finds_titles_and_texts_by_language(store):
    store.put(article("q.html", title="Earthquake strikes Albania", paragraphs=["Rescuers in Vlora."]))
    store.put(
        article("r.html", title="Землетрясение в Албании", lang="ru", paragraphs=["Спасатели в Влёре."])
    )
    store.put(article("s.html", title="Budget vote", paragraphs=["Parliament approved the budget."]))
    hits = store.search("earthquake albania")
    assert [h.name for h in hits] == ["q.html"] and hits[0].title == "Earthquake strikes Albania"
    assert [h.name for h in store.search("budget")][:1] == ["s.html"]
    assert [h.name for h in store.search("vlora")] == ["q.html"]  # body text
    assert [h.name for h in store.search("Албании", lang="ru")] == ["r.html"]
    assert store.search("Албании", lang="en") == []
    for hostile in ['"*) OR (" --', "NEAR(a b", "title:x", "'; DROP TABLE articles; --", "\x00"]:
        store.search(hostile)  # query syntax is never passed through: no error
    store.delete("q.html")
    assert store.search("earthquake") == []


def test_search_follows_replacements_and_deletes_whether_indexed_yet_or_not(store):
    store.put(article("a.html", title="Volcano erupts", paragraphs=["Lava reached the village."]))
    store.put(article("b.html", title="Storm hits coast", paragraphs=["Ferries were cancelled."]))
    store.index_search()  # a.html and b.html indexed; the writes below happen after
    store.put(article("a.html", title="Volcano calms down", paragraphs=["Villagers return home."]))
    store.put(article("c.html", title="Ferries resume", paragraphs=["Sailings after the tempest."]))
    store.put(article("c.html", title="Ferries resume", paragraphs=["Sailings are back to normal."]))
    store.delete("b.html")
    assert [h.name for h in store.search("volcano")] == ["a.html"]
    assert store.search("lava") == []  # the replaced text is gone from the index
    assert [h.name for h in store.search("villagers")] == ["a.html"]
    assert store.search("cancelled") == []  # deleted
    assert [h.name for h in store.search("ferries")] == ["c.html"]
    assert store.search("tempest") == [] and [h.name for h in store.search("normal")] == ["c.html"]
    store.put(article("b.html", title="Storm hits coast again", paragraphs=["Ferries were cancelled."]))
    assert [h.name for h in store.search("cancelled")] == ["b.html"]


def test_an_upgraded_layout_3_store_keeps_its_articles_and_finds_them(tmp_path):
    """Layout 3 kept the texts in an FTS5 table indexed at each write; opening it moves them."""
    import sqlite3

    path = tmp_path / "v3.db"
    with open_store(path) as store:
        store.put(article("kept.html", title="Harvest festival", paragraphs=["Pumpkins everywhere."]))
        store.put(article("gone.html", title="Old news"))
        store.delete("gone.html")
    conn = sqlite3.connect(path)  # rewrite the texts the way layout 3 kept them
    rows = conn.execute("SELECT id, title, description, text FROM texts").fetchall()
    conn.executescript(
        "DROP TABLE texts; DELETE FROM store_meta;"
        " CREATE VIRTUAL TABLE article_texts USING fts5(title, description, text);"
        " PRAGMA user_version = 3;"
    )
    conn.executemany("INSERT INTO article_texts (rowid, title, description, text) VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert [(a.name, a.paragraphs) for a in store.iter_articles()] == [
            ("kept.html", ["Pumpkins everywhere."])
        ]
        assert [h.name for h in store.search("pumpkins")] == ["kept.html"]
        assert store.search_backlog() == 0
        store._upgrade()  # what a replica that waited for the lock meanwhile runs: nothing left to do
        store.put(article("kept.html", title="Harvest festival ends", paragraphs=["Squash remains."]))
        assert store.search("pumpkins") == [] and [h.name for h in store.search("squash")] == ["kept.html"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5


def test_an_upgraded_layout_4_store_moves_its_full_text_index_to_its_own_file(tmp_path):
    """Layout 4 kept `article_search` in the store's file; opening drops it, the search file is
    filled from the change feed and follows later writes."""
    import sqlite3

    path = tmp_path / "v4.db"
    with open_store(path) as store:
        store.put(article("kept.html", title="Harvest festival", paragraphs=["Pumpkins everywhere."]))
    for leftover in tmp_path.glob("v4.db-search*"):
        leftover.unlink()
    conn = sqlite3.connect(path)  # the index the way layout 4 kept it
    conn.executescript(
        "CREATE VIRTUAL TABLE article_search USING fts5(title, description, text, content='texts',"
        " content_rowid='id'); INSERT INTO article_search (article_search) VALUES ('rebuild');"
        " INSERT INTO store_meta (key, value) VALUES ('search_through', 1); PRAGMA user_version = 4;"
    )
    conn.close()
    with open_store(path) as store:
        assert store.search_backlog() == 1  # nothing in the new search file yet
        assert [h.name for h in store.search("pumpkins")] == ["kept.html"]
        store.put(article("kept.html", title="Harvest festival ends", paragraphs=["Squash remains."]))
        assert store.search("pumpkins") == [] and [h.name for h in store.search("squash")] == ["kept.html"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert not any(name.startswith("article_search") for name in tables)


def test_a_search_file_left_beside_a_new_store_is_started_over(tmp_path):
    path = tmp_path / "s.db"
    with open_store(path) as store:
        store.put(article("old.html", title="Glacier melts", paragraphs=["Meltwater floods the valley."]))
        assert [h.name for h in store.search("glacier")] == ["old.html"]
    for name in ("s.db", "s.db-wal", "s.db-shm"):  # the store goes, its search file stays
        (tmp_path / name).unlink(missing_ok=True)
    assert (tmp_path / "s.db-search").exists()
    with open_store(path) as store:
        store.put(article("new.html", title="Bridge opens", paragraphs=["Traffic flows."]))
        assert store.search("glacier") == []  # the old index would map its row to new.html
        assert [h.name for h in store.search("bridge")] == ["new.html"]


def test_a_store_restored_from_a_copy_starts_its_search_file_over(tmp_path):
    """The store keeps its id but goes back in the change feed: positions and row ids are
    drawn again, so the search file (ahead of it) would map old texts to new articles."""
    import shutil

    path = tmp_path / "r.db"
    with open_store(path) as store:
        store.put(article("a.html", title="Camels cross the desert"))
    shutil.copy(path, tmp_path / "copy.db")  # closed: the WAL is checkpointed into the file
    with open_store(path) as store:
        store.put(article("c.html", title="Owls nest in the barn"))
        assert [h.name for h in store.search("owls")] == ["c.html"]
    shutil.copy(tmp_path / "copy.db", path)  # restored: c.html never happened
    with open_store(path) as store:
        store.put(article("d.html", title="Ferry timetable changes"))
        assert store.search("owls") == []
        assert [h.name for h in store.search("ferry")] == ["d.html"]
        assert [h.name for h in store.search("camels")] == ["a.html"]


def test_a_search_catches_up_a_backlog_larger_than_one_chunk(tmp_path):
    from newsthread.store.sqlite import SEARCH_CHUNK

    with open_store(tmp_path / "b.db") as store:
        n = 2 * SEARCH_CHUNK + 7
        store.put_many([(article(f"{k}.html", title=f"Item number{k}"), None) for k in range(n)])
        assert store.search_backlog() == n
        assert [h.name for h in store.search(f"number{n - 1}")] == [f"{n - 1}.html"]
        assert store.search_backlog() == 0


def test_a_damaged_search_file_is_made_again(tmp_path):
    path = tmp_path / "d.db"
    with open_store(path) as store:
        store.put(article("a.html", title="Harbour reopens"))
    for suffix in ("-search-wal", "-search-shm"):
        (tmp_path / f"d.db{suffix}").unlink(missing_ok=True)
    (tmp_path / "d.db-search").write_bytes(b"not a database at all" * 100)
    with open_store(path) as store:
        assert [h.name for h in store.search("harbour")] == ["a.html"]
        assert store.count() == 1


def test_hostile_names_are_rejected_before_storage(store):
    for name in ["../etc/passwd.html", "a/b.html", "a..b.html", "x.htm", "", ".html", "a b.html", "é.html"]:
        assert not valid_name(name)
        with pytest.raises(InvalidName):
            store.put(article(name))
        with pytest.raises(InvalidName):
            store.delete(name)
    assert store.count() == 0


def test_odd_text_is_stored_safely(store):
    weird = article(
        "w.html",
        title="NUL\x00 and \u2029 separator",
        paragraphs=["a\u2029b", "\udcff lone surrogate"],
        title_terms=["plain", "nul\x00", "unit\x1fseparator", "", "\udcff"],
    )
    store.put(weird)
    loaded = store.get("w.html")
    assert loaded.title_terms == ["plain", "nul", "unitseparator", "?"]
    assert loaded.title == "NUL and \u2029 separator"
    assert loaded.paragraphs[0] == "a b" and len(loaded.paragraphs) == 2


def test_writes_survive_reopening(store_url):
    with open_store(store_url) as first:
        first.put(article("keep.html"))
        first.put(article("gone.html"))
        first.delete("gone.html")
    with open_store(store_url) as second:
        assert [a.name for a in second.iter_articles()] == ["keep.html"]


def test_concurrent_writers_never_lose_a_write(store_url):
    """Two store objects (two connections) writing at once, as two server replicas would."""
    with open_store(store_url) as one, open_store(store_url) as two:
        start = one.cursor()

        def write(st, prefix):
            for i in range(40):
                st.put(article(f"{prefix}{i}.html", minutes=i))

        threads = [threading.Thread(target=write, args=(s, p)) for s, p in ((one, "x"), (two, "y"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert one.count() == two.count() == 80
        changes, _ = two.changes_since(start, limit=1000)
        assert len(changes) == 80 and [c.seq for c in changes] == sorted(c.seq for c in changes)


@pytest.mark.parametrize("synchronous", ["normal", "full"])
def test_acknowledged_sqlite_writes_survive_kill_9(tmp_path, synchronous):
    """A child process commits in a loop and reports each commit; we kill -9 it mid-stream."""
    db = f"sqlite:///{tmp_path / 'kill.db'}?synchronous={synchronous}"
    code = (
        "import sys; from newsthread.model import Article; from newsthread.store import open_store\n"
        "s = open_store(sys.argv[1])\n"
        "for i in range(100000):\n"
        "    s.put(Article(name=f'{i}.html', title='t', lang='en', is_news=True), raw=b'x' * 3000)\n"
        "    print(i, flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True)
    acked = -1
    for line in proc.stdout:
        acked = int(line)
        if acked >= 300:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with open_store(db) as reopened:
        names = {a.name for a in reopened.iter_articles(with_text=False)}
    assert {f"{i}.html" for i in range(acked + 1)} <= names


def test_open_store_understands_urls(tmp_path):
    path = tmp_path / "u.db"
    with open_store(f"sqlite:///{path}?synchronous=full") as st:
        assert isinstance(st, SqliteStore) and st.path == str(path) and st.synchronous == "FULL"
    with open_store(path) as st:
        assert st.synchronous == "NORMAL"
    with pytest.raises(ValueError):
        open_store(f"sqlite:///{path}?synchronous=sometimes")


def test_published_times_keep_their_instant(store):
    moment = datetime(2020, 5, 25, 6, 21, 51, 123456, tzinfo=UTC)
    store.put(article("t.html", published=moment))
    assert store.get("t.html").published == moment


def test_a_sqlite_file_of_another_layout_is_refused_with_a_clear_error(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE articles (name TEXT PRIMARY KEY, text TEXT)")
    with pytest.raises(RuntimeError, match="another version of newsthread"):
        open_store(path)


def test_thread_labels_are_replaced_as_a_whole(store):
    from newsthread.store import SavedLabels

    assert store.load_labels() == SavedLabels()
    store.save_labels(SavedLabels({"1.html": "en:1", "2.html": "en:1", "3.html": "ru:4"}, {"en:1": "{}"}, 3))
    store.save_labels(SavedLabels({"1.html": "en:7", "4.html": "ru:2"}, {"en:7": '{"t": "x"}'}, 5))
    assert store.load_labels() == SavedLabels({"1.html": "en:7", "4.html": "ru:2"}, {"en:7": '{"t": "x"}'}, 5)
    store.put(article("1.html"))
    cursor = store.cursor()
    store.put(article("2.html"))
    store.delete("1.html")
    assert store.names_changed_since(cursor) == {"1.html", "2.html"}


def test_purging_tombstones_keeps_the_feed_moving_forward(store):
    for k in range(4):
        store.put(article(f"{k}.html"))
    store.delete("0.html")
    store.delete("1.html")
    cursor = store.cursor()
    store.delete("2.html")  # the newest change
    assert store.purged_through() == 0
    assert store.purge_tombstones(store.cursor()) == 2  # the newest tombstone stays
    assert store.purged_through() == cursor + 1
    changes, end = store.changes_since(0)
    assert [c.name for c in changes] == ["3.html", "2.html"] and changes[-1].deleted
    store.put(article("5.html"))
    changes, _ = store.changes_since(end)
    assert [c.name for c in changes] == ["5.html"] and changes[0].seq > end  # no seq reused
    assert store.put(article("0.html")) is True  # a purged name is new again
    assert store.count() == 3

"""SQLite store: one file, WAL journal; an FTS5 full-text index in a derived file beside it.

Durability: every write method runs one ``BEGIN IMMEDIATE … COMMIT`` transaction and returns
after the commit. In WAL mode a commit appends the transaction's pages to the ``-wal`` file
with write(2) before COMMIT returns. A ``kill -9`` of the server cannot undo that: the bytes
are in the kernel's page cache, and the next open replays the WAL ("transactions are durable
across application crashes regardless of the synchronous setting", SQLite docs). So the
default ``synchronous=NORMAL`` (fsync only at checkpoints) keeps every acknowledged write
through a process crash, which is what the tgnews contract asks (kill -9, then restart).
It does not through a power cut or a kernel crash: the last commits may then be lost (the
file stays consistent). ``?synchronous=full`` in the URL also fsyncs the WAL at each commit
and covers those. The server commits in groups, so FULL costs one fsync per group, not per
article; it measured at about 40 % of the writer thread's time under a 4-connection PUT
load on a shared VM disk (bench/server.py).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsthread.model import Article
from newsthread.store.base import (
    COLUMNS,
    LOAD_BATCH,
    Change,
    PreparedRow,
    SavedLabels,
    SavedLabelTables,
    SearchHit,
    Store,
    check_name,
    decompress,
    put_values,
    row_article,
)

log = logging.getLogger("newsthread.store")

DEFAULT_SYNCHRONOUS = "NORMAL"  # see the module docstring
SYNCHRONOUS_MODES = {"OFF", "NORMAL", "FULL", "EXTRA"}

SCHEMA_VERSION = 5  # PRAGMA user_version of the layout below
UPGRADABLE = {2, 3, 4}  # older layouts `_upgrade` brings to this one
# The full-text index lives in a file of its own beside the store (`<store>-search`), filled
# behind the writes: a write commits only the article and its text; `index_search` (a thread of
# the server, every few seconds; `search` first catches up) brings the index up to date from
# the change feed, many articles a transaction. Indexing each article in its own write took
# ~25 % of the server's CPU per PUT; in the store's own file the batches still held its write
# lock for ~50 ms at a time (~14 % of the time under a 4-connection PUT load), and every
# acknowledgement waited behind them; in a file of its own they wait for nothing.
# SEARCH_SCHEMA's search_meta: `through` = the change-feed position through which
# `article_search` holds every live article's current text; `store_id` = the store's own
# `store_id` (a search file left beside a new store is started over).
SEARCH_CHUNK = 500  # changes a transaction of the search file when catching up
SEARCH_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(
    title, description, text, tokenize='unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id          INTEGER PRIMARY KEY,          -- stable across replacement; the search row id
    name        TEXT NOT NULL UNIQUE,
    seq         INTEGER NOT NULL,             -- position in the change feed
    deleted     INTEGER NOT NULL DEFAULT 0,   -- tombstone, kept for the change feed
    published   REAL,                         -- Unix time
    lang        TEXT NOT NULL DEFAULT '',
    is_news     INTEGER,
    category    TEXT NOT NULL DEFAULT '',
    max_age     INTEGER,
    title       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    title_terms TEXT NOT NULL DEFAULT '',     -- NLP terms joined by U+001F
    body_terms  TEXT NOT NULL DEFAULT '',
    meta        TEXT                          -- JSON: the other fields
);
CREATE INDEX IF NOT EXISTS articles_seq ON articles(seq);
CREATE INDEX IF NOT EXISTS articles_live_published ON articles(published) WHERE deleted = 0;
CREATE TABLE IF NOT EXISTS raws (id INTEGER PRIMARY KEY, raw BLOB NOT NULL);  -- zlib'd source bytes
-- The body text lives apart from the articles table: that stays small, so loading the index at
-- start-up reads a third of the bytes.
CREATE TABLE IF NOT EXISTS texts (
    id          INTEGER PRIMARY KEY,          -- = articles.id
    title       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT ''
);
-- the thread of each live article when last saved: a restart skips the batch clustering
CREATE TABLE IF NOT EXISTS thread_labels (name TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS saved_threads (label TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

_SELECT = f"SELECT {', '.join('a.' + c.strip() for c in COLUMNS.split(','))}"
_WITH_TEXT = f"{_SELECT}, t.text FROM articles a LEFT JOIN texts t ON t.id = a.id"
_WORD = re.compile(r"\w+", re.UNICODE)


class SqliteStore(SavedLabelTables, Store):
    def __init__(self, path: str | Path, synchronous: str = DEFAULT_SYNCHRONOUS):
        self.path = str(path)
        self.synchronous = synchronous.upper()
        if self.synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {sorted(SYNCHRONOUS_MODES)}, not {synchronous!r}")
        self.url = f"sqlite:///{self.path}"
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one writer connection, used by one thread at a time
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._writer = self._connect()
        with self._lock:
            version = self._writer.execute("PRAGMA user_version").fetchone()[0]
            tables = self._writer.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'articles'"
            ).fetchone()[0]
            if tables and version != SCHEMA_VERSION and version not in UPGRADABLE:
                raise RuntimeError(
                    f"{self.path} was made by another version of newsthread (layout {version}, this one "
                    f"reads {SCHEMA_VERSION}); move it away to start a new store"
                )
            if tables and version in UPGRADABLE:
                self._upgrade()
            else:
                self._writer.executescript(SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
            self._writer.execute(  # random(): a 64-bit integer
                "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('store_id', random())"
            )
            (store_id,) = self._writer.execute(
                "SELECT value FROM store_meta WHERE key = 'store_id'"
            ).fetchone()
        self._search_lock = threading.Lock()  # the search connection, one thread at a time
        try:
            self._search = self._open_search(store_id)
        except BaseException:
            self.close()
            raise

    def _open_search(self, store_id: int) -> sqlite3.Connection:
        """The connection that writes and reads the full-text index: to `<store>-search`, with
        the store attached as `store` (table names differ: each resolves to its own file)."""
        if self.path == ":memory:":
            self._search_lock = self._lock  # one private database and connection
            conn = self._writer
        else:
            conn = self._search_file()
        try:
            if conn is self._writer:
                conn.executescript(SEARCH_SCHEMA)  # a file's connection made its tables already
            else:
                conn.execute("ATTACH DATABASE ? AS store", (self.path,))
            with self._search_lock:
                with _search_transaction(conn):
                    self._through = self._check_search(conn, store_id)
        except BaseException:
            if conn is not self._writer:
                self._forget(conn)
            raise
        return conn

    def _search_file(self) -> sqlite3.Connection:
        """A connection to the search file alone; a damaged one is made again (it is derived)."""
        try:
            return self._open_search_file()
        except sqlite3.DatabaseError as error:
            if not _damaged(error):  # locked, unwritable...: not ours to wipe
                raise
        log.warning("the full-text index %s is damaged: making it again", self.search_path)
        for suffix in ("", "-wal", "-shm"):
            Path(self.search_path + suffix).unlink(missing_ok=True)
        return self._open_search_file()

    def _open_search_file(self) -> sqlite3.Connection:
        conn = self._connect(self.search_path)
        try:
            conn.executescript(SEARCH_SCHEMA)
            conn.execute("SELECT key, value FROM search_meta").fetchall()  # damage shows here
        except BaseException:
            self._forget(conn)
            raise
        return conn

    @staticmethod
    def _check_search(conn: sqlite3.Connection, store_id: int) -> int:
        """The search file's position, after starting it over when it does not follow this
        store: new, left beside another store, or ahead of it (the store restored from a copy,
        or its last commits lost in a power cut) or behind deletes purged from the feed."""
        meta = dict(conn.execute("SELECT key, value FROM search_meta").fetchall())
        through = meta.get("through", 0)
        newest = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
        purged = conn.execute("SELECT value FROM store_meta WHERE key = 'purged_through'").fetchone()
        if meta.get("store_id") == store_id and through <= newest and through >= (purged[0] if purged else 0):
            return through
        conn.execute("DELETE FROM article_search")
        conn.execute("DELETE FROM search_meta")
        conn.executemany(
            "INSERT INTO search_meta (key, value) VALUES (?, ?)", [("store_id", store_id), ("through", 0)]
        )
        return 0

    @property
    def search_path(self) -> str:
        return self.path + "-search"

    def _upgrade(self) -> None:
        """Layouts 2 and 3 kept the texts inside an FTS5 table (`article_texts`, indexed at each
        write): move them to `texts`. Layout 4 kept `article_search` in the store's file: drop it.
        The search file is then filled from the change feed like any new one."""
        with self._transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return  # another process upgraded the file while this one waited for the lock
            for statement in re.sub(r"--[^\n]*", "", SCHEMA).split(";"):  # no "--" or ";" in its strings
                if statement.strip():
                    conn.execute(statement)
            if version in (2, 3):
                conn.execute(
                    "INSERT INTO texts (id, title, description, text)"
                    " SELECT rowid, title, description, text FROM article_texts"
                )
                conn.execute("DROP TABLE article_texts")
            conn.execute("DROP TABLE IF EXISTS article_search")
            conn.execute("DELETE FROM store_meta WHERE key = 'search_through'")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- connections -------------------------------------------------------------------------
    def _connect(self, path: str | None = None) -> sqlite3.Connection:
        conn = sqlite3.connect(path or self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-65536")  # 64 MiB
        conn.execute("PRAGMA temp_store=MEMORY")
        with self._all_lock:
            self._all.append(conn)
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            return self._writer  # one private database: share the writer's connection
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        if self.path == ":memory:":
            with self._lock:
                return self._writer.execute(sql, tuple(params)).fetchall()
        return self._reader().execute(sql, tuple(params)).fetchall()

    def _transaction(self):
        """The writer connection inside one ``BEGIN IMMEDIATE … COMMIT`` (rolled back on error).
        The caller holds `_lock`."""
        return _transaction_on(self._writer, "BEGIN IMMEDIATE")

    # -- writes ------------------------------------------------------------------------------
    def put_many(self, items: Iterable[tuple[Article, bytes | None]]) -> list[bool]:
        return self.apply([("put", article, raw) for article, raw in items])

    def delete_many(self, names: Iterable[str]) -> list[bool]:
        return self.apply([("delete", name, None) for name in names])

    def apply(self, ops: list[tuple[str, Any, bytes | PreparedRow | None]]) -> list[bool]:
        prepared = []
        for op, target, raw in ops:
            if op == "put":
                check_name(target.name)
                prepared.append(("put", *put_values(target, raw)))
            elif op == "delete":
                prepared.append(("delete", check_name(target), None))
            else:
                raise ValueError(f"unknown store operation {op!r}")
        if not prepared:
            return []
        results: list[bool] = []
        with self._lock:
            with self._transaction() as conn:
                seq = first = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
                for op, value, raw in prepared:
                    seq += 1
                    if op == "put":
                        results.append(self._put_row(conn, value, raw, seq))
                    else:
                        results.append(self._delete_row(conn, value, seq))
            self.last_commit = (first, seq)
        return results

    def index_search(self, limit: int | None = None) -> int:
        """Bring the full-text index up to date with up to `limit` changes of the feed (oldest
        first; None = all), in one transaction of the search file; returns how many changes."""
        limit = -1 if limit is None else max(1, int(limit))  # LIMIT -1: no limit
        with self._search_lock, _search_transaction(self._search) as conn:
            through = self._through = conn.execute(
                "SELECT value FROM search_meta WHERE key = 'through'"
            ).fetchone()[0]
            done, upto = conn.execute(
                "SELECT COUNT(*), MAX(seq) FROM (SELECT seq FROM articles WHERE seq > ? ORDER BY seq LIMIT ?)",
                (through, limit),
            ).fetchone()
            if not done:
                return 0
            # the changed articles' old texts out, the current texts of the live ones in
            conn.execute(
                "DELETE FROM article_search WHERE rowid IN"
                " (SELECT id FROM articles WHERE seq > ? AND seq <= ?)",
                (through, upto),
            )
            conn.execute(
                "INSERT INTO article_search (rowid, title, description, text)"
                " SELECT t.id, t.title, t.description, t.text FROM articles a JOIN texts t ON t.id = a.id"
                " WHERE a.seq > ? AND a.seq <= ? AND a.deleted = 0",
                (through, upto),
            )
            conn.execute("UPDATE search_meta SET value = ? WHERE key = 'through'", (upto,))
            self._through = upto  # set on COMMIT below; a failed commit re-reads it next time
        return done

    def _catch_up_search(self) -> None:
        """The whole backlog into the full-text index, SEARCH_CHUNK a transaction (the lock is
        let go between them: a long backlog, after an upgrade, does not hold up the others)."""
        while self.index_search(SEARCH_CHUNK) == SEARCH_CHUNK:
            pass

    def search_backlog(self) -> int:
        """Changes not yet in the full-text index (tombstones included). This store object's
        view of the position: read without waiting for the search file's lock."""
        return self._read("SELECT COUNT(*) FROM articles WHERE seq > ?", (self._through,))[0][0]

    @staticmethod
    def _put_row(conn: sqlite3.Connection, row: dict[str, Any], raw: bytes | None, seq: int) -> bool:
        found = conn.execute("SELECT id, deleted FROM articles WHERE name = ?", (row["name"],)).fetchone()
        values = (
            seq,
            row["published"],
            row["lang"],
            None if row["is_news"] is None else int(row["is_news"]),
            row["category"],
            row["max_age"],
            row["title"],
            row["description"],
            row["title_terms"],
            row["body_terms"],
            row["meta"],
        )
        if found is None:
            cur = conn.execute(
                "INSERT INTO articles (seq, published, lang, is_news, category, max_age, title, description,"
                " title_terms, body_terms, meta, name, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (*values, row["name"]),
            )
            article_id, new = cur.lastrowid, True
        else:
            article_id, new = found[0], bool(found[1])
            conn.execute(
                "UPDATE articles SET seq = ?, published = ?, lang = ?, is_news = ?, category = ?, max_age = ?,"
                " title = ?, description = ?, title_terms = ?, body_terms = ?, meta = ?, deleted = 0"
                " WHERE id = ?",
                (*values, article_id),
            )
        conn.execute(
            "INSERT OR REPLACE INTO texts (id, title, description, text) VALUES (?, ?, ?, ?)",
            (article_id, row["title"], row["description"], row["text"]),
        )
        if raw is None:
            conn.execute("DELETE FROM raws WHERE id = ?", (article_id,))
        else:
            conn.execute("INSERT OR REPLACE INTO raws (id, raw) VALUES (?, ?)", (article_id, raw))
        return new

    @staticmethod
    def _delete_row(conn: sqlite3.Connection, name: str, seq: int) -> bool:
        found = conn.execute("SELECT id FROM articles WHERE name = ? AND deleted = 0", (name,)).fetchone()
        if found is None:
            return False
        conn.execute(
            "UPDATE articles SET seq = ?, deleted = 1, published = NULL, lang = '', is_news = NULL,"
            " category = '', max_age = NULL, title = '', description = '', title_terms = '',"
            " body_terms = '', meta = NULL WHERE id = ?",
            (seq, found[0]),
        )
        conn.execute("DELETE FROM texts WHERE id = ?", (found[0],))
        conn.execute("DELETE FROM raws WHERE id = ?", (found[0],))
        return True

    # -- reads -------------------------------------------------------------------------------
    def get(self, name: str) -> Article | None:
        return self.get_many([name]).get(name)

    def get_many(self, names: Iterable[str]) -> dict[str, Article]:
        names = list(dict.fromkeys(names))
        found: dict[str, Article] = {}
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._read(f"{_WITH_TEXT} WHERE a.deleted = 0 AND a.name IN ({marks})", chunk)
            for row in rows:
                found[row[0]] = row_article(*row)
        return found

    def get_raw(self, name: str) -> bytes | None:
        rows = self._read(
            "SELECT r.raw FROM raws r JOIN articles a ON a.id = r.id WHERE a.name = ? AND a.deleted = 0",
            (name,),
        )
        return decompress(rows[0][0]) if rows else None

    def iter_articles(self, with_text: bool = True) -> Iterator[Article]:
        sql = (
            f"{_WITH_TEXT} WHERE a.deleted = 0"
            if with_text
            else f"{_SELECT} FROM articles a WHERE a.deleted = 0"
        )
        if self.path == ":memory:":
            yield from (row_article(*row) for row in self._read(sql))
            return
        conn = self._connect()  # its own connection: one consistent snapshot for the whole scan
        try:
            cur = conn.execute(sql)
            while rows := cur.fetchmany(LOAD_BATCH):
                for row in rows:
                    yield row_article(*row)
        finally:
            self._forget(conn)

    def count(self) -> int:
        return self._read("SELECT COUNT(*) FROM articles WHERE deleted = 0")[0][0]

    def max_published(self) -> datetime | None:
        value = self._read("SELECT MAX(published) FROM articles WHERE deleted = 0")[0][0]
        return datetime.fromtimestamp(value, UTC) if value is not None else None

    def cursor(self) -> int:
        return self._read("SELECT COALESCE(MAX(seq), 0) FROM articles")[0][0]

    def changes_since(self, cursor: int, limit: int = LOAD_BATCH) -> tuple[list[Change], int]:
        rows = self._read(
            f"{_WITH_TEXT.replace('SELECT ', 'SELECT a.seq, a.deleted, ', 1)} WHERE a.seq > ? ORDER BY a.seq LIMIT ?",
            (cursor, limit),
        )
        changes = [
            Change(row[0], row[2], bool(row[1]), None if row[1] else row_article(*row[2:])) for row in rows
        ]
        return changes, (changes[-1].seq if changes else cursor)

    # -- thread labels, tombstones -------------------------------------------------------------
    def save_labels(self, saved: SavedLabels) -> None:
        with self._lock, self._transaction() as conn:
            conn.execute("DELETE FROM thread_labels")
            conn.execute("DELETE FROM saved_threads")
            conn.executemany("INSERT INTO thread_labels (name, label) VALUES (?, ?)", saved.labels.items())
            conn.executemany("INSERT INTO saved_threads (label, data) VALUES (?, ?)", saved.threads.items())
            conn.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('labels_cursor', ?)",
                (saved.cursor,),
            )

    def names_changed_since(self, cursor: int) -> set[str]:
        return {row[0] for row in self._read("SELECT name FROM articles WHERE seq > ?", (cursor,))}

    def purge_tombstones(self, through_seq: int) -> int:
        # the full-text index reads deletes from the feed: it takes them first
        self._catch_up_search()  # which also reads the file's own position into `_through`
        through_seq = min(through_seq, self._through)
        with self._lock, self._transaction() as conn:
            # the newest change stays: the next seq is drawn from MAX(seq)
            purged = conn.execute(
                "DELETE FROM articles WHERE deleted = 1 AND seq <= ?"
                " AND seq < (SELECT MAX(seq) FROM articles)",
                (through_seq,),
            ).rowcount
            conn.execute(
                "INSERT INTO store_meta (key, value) VALUES ('purged_through', ?) ON CONFLICT (key)"
                " DO UPDATE SET value = max(value, excluded.value)",
                (through_seq,),
            )
        return purged

    def search(self, query: str, lang: str | None = None, limit: int = 20) -> list[SearchHit]:
        words = _WORD.findall(query)[:32]
        if not words:
            return []
        self._catch_up_search()  # what was written before this call is found
        # a word of 4+ letters also matches its inflections by prefix ("Путин" → "Путина", "Путину")
        match = " ".join(f'"{w}"' + ("*" if len(w) >= 4 else "") for w in words)
        sql = (
            "SELECT a.name, a.title, a.lang, a.published,"
            " snippet(article_search, -1, '', '', '…', 24), bm25(article_search, 10.0, 3.0, 1.0)"
            " FROM article_search JOIN articles a ON a.id = article_search.rowid"
            " WHERE article_search MATCH ? AND a.deleted = 0"
        )
        params: list[Any] = [match]
        if lang:
            sql += " AND a.lang = ?"
            params.append(lang)
        sql += " ORDER BY bm25(article_search, 10.0, 3.0, 1.0) LIMIT ?"
        params.append(max(1, min(int(limit), 1000)))
        with self._search_lock:
            rows = self._search.execute(sql, params).fetchall()
        return [
            SearchHit(
                name=row[0],
                title=row[1],
                lang=row[2],
                published=datetime.fromtimestamp(row[3], UTC) if row[3] is not None else None,
                snippet=row[4].replace("\u2029", " "),
                score=-float(row[5]),
            )
            for row in rows
        ]

    # -- lifetime ----------------------------------------------------------------------------
    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._all_lock:
            if conn in self._all:
                self._all.remove(conn)
        conn.close()

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass


def _damaged(error: sqlite3.DatabaseError) -> bool:
    """SQLITE_CORRUPT or SQLITE_NOTADB (primary codes: the low byte)."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


@contextmanager
def _transaction_on(conn: sqlite3.Connection, begin: str, *first: str) -> Iterator[sqlite3.Connection]:
    """`begin` … COMMIT on `conn`, the statements `first` first; rolled back on error."""
    conn.execute(begin)
    try:
        for statement in first:
            conn.execute(statement)
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _search_transaction(conn: sqlite3.Connection):
    """A write transaction of the search file only. Not BEGIN IMMEDIATE: that would take the
    write lock of every attached file, the store's too. The first statement writes, so the lock
    is taken (or waited for) before anything is read."""
    return _transaction_on(conn, "BEGIN", "UPDATE search_meta SET value = value WHERE key = 'through'")

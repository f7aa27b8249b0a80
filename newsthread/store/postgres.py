"""PostgreSQL store (psycopg 3): several server processes can share one index.

Writes run in one transaction each and return after COMMIT. With the server's default
``synchronous_commit = on``, the WAL is flushed to disk before COMMIT returns.

Every write transaction first takes one advisory lock. So writers from all replicas commit
one after another, and the change sequence numbers they draw (``seq``) become visible in
increasing order. A replica reading `changes_since(cursor)` therefore never skips a change
that commits later with a smaller seq.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg

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

WRITE_LOCK = 0x6E657773  # advisory lock id ("news") held by every write transaction
# session advisory lock held by the re-clustering leader for as long as its connection lives:
# if the leader dies, its connection closes and the next replica to ask takes over
LEADER_LOCK = 0x6E657772
SCHEMA_LOCK = 0x6E657774
TEXT_INDEX_CHARS = 200_000  # tsvector is limited to 1 MB: index at most this much body text

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS article_change_seq;
CREATE TABLE IF NOT EXISTS articles (
    name        text PRIMARY KEY,
    seq         bigint NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    published   double precision,
    lang        text NOT NULL DEFAULT '',
    is_news     boolean,
    category    text NOT NULL DEFAULT '',
    max_age     bigint,
    title       text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    title_terms text NOT NULL DEFAULT '',
    body_terms  text NOT NULL DEFAULT '',
    meta        text,
    text        text NOT NULL DEFAULT '',
    tsv         tsvector
);
ALTER TABLE articles ADD COLUMN IF NOT EXISTS title_terms text NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN IF NOT EXISTS body_terms text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS articles_seq ON articles (seq);
CREATE INDEX IF NOT EXISTS articles_live_published ON articles (published) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS articles_tsv ON articles USING gin (tsv);
CREATE TABLE IF NOT EXISTS article_raws (name text PRIMARY KEY, raw bytea NOT NULL);
CREATE TABLE IF NOT EXISTS thread_labels (name text PRIMARY KEY, label text NOT NULL);
CREATE TABLE IF NOT EXISTS saved_threads (label text PRIMARY KEY, data text NOT NULL);
CREATE TABLE IF NOT EXISTS store_meta (key text PRIMARY KEY, value bigint NOT NULL);
"""

_LIGHT = f"SELECT {COLUMNS} FROM articles"
_FULL = f"SELECT {COLUMNS}, text FROM articles"
_TS_CONFIG = {"en": "english", "ru": "russian"}

_UPSERT = f"""
INSERT INTO articles AS a (name, seq, deleted, published, lang, is_news, category, max_age,
                           title, description, title_terms, body_terms, meta, text, tsv)
VALUES (%(name)s, nextval('article_change_seq'), false, %(published)s, %(lang)s, %(is_news)s,
        %(category)s, %(max_age)s, %(title)s, %(description)s, %(title_terms)s, %(body_terms)s,
        %(meta)s, %(text)s,
        setweight(to_tsvector(%(cfg)s::regconfig, %(title)s), 'A')
        || setweight(to_tsvector(%(cfg)s::regconfig, %(description)s), 'B')
        || setweight(to_tsvector(%(cfg)s::regconfig, left(%(text)s, {TEXT_INDEX_CHARS})), 'C'))
ON CONFLICT (name) DO UPDATE SET
    seq = EXCLUDED.seq, deleted = false, published = EXCLUDED.published, lang = EXCLUDED.lang,
    is_news = EXCLUDED.is_news, category = EXCLUDED.category, max_age = EXCLUDED.max_age,
    title = EXCLUDED.title, description = EXCLUDED.description, title_terms = EXCLUDED.title_terms,
    body_terms = EXCLUDED.body_terms, meta = EXCLUDED.meta,
    text = EXCLUDED.text, tsv = EXCLUDED.tsv
"""
_TOMBSTONE = """
UPDATE articles SET seq = nextval('article_change_seq'), deleted = true, published = NULL,
    lang = '', is_news = NULL, category = '', max_age = NULL, title = '', description = '',
    title_terms = '', body_terms = '', meta = NULL, text = '', tsv = NULL
WHERE name = %s AND NOT deleted
"""


class PostgresStore(SavedLabelTables, Store):
    def __init__(self, url: str):
        self.url = url
        self._lock = threading.Lock()
        self._local = threading.local()
        self._all: list[psycopg.Connection] = []
        self._all_lock = threading.Lock()
        self._writer = self._connect(autocommit=False)
        self._leader: psycopg.Connection | None = None
        self._leader_lock = threading.Lock()
        with self._lock, self._writer.transaction():
            self._writer.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            self._writer.execute(SCHEMA)

    def _connect(self, autocommit: bool = True) -> psycopg.Connection:
        conn = psycopg.connect(self.url, autocommit=autocommit)
        with self._all_lock:
            self._all.append(conn)
        return conn

    def _reader(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self._connect()
        return conn

    def _read(self, sql: str, params: Any = ()) -> list[tuple]:
        return self._reader().execute(sql, params).fetchall()

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        """The writer connection inside one transaction (the caller holds `_lock`). A broken
        connection is closed (nothing was acknowledged) and replaced at the next call."""
        conn = self._writer
        if conn.closed:
            conn = self._writer = self._connect(autocommit=False)
        try:
            with conn.transaction():
                yield conn
        except psycopg.OperationalError:
            conn.close()
            raise

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
                row, blob = put_values(target, raw)
                row = {**row, "cfg": _TS_CONFIG.get(row["lang"], "simple")}
                prepared.append(("put", row, blob))
            elif op == "delete":
                prepared.append(("delete", check_name(target), None))
            else:
                raise ValueError(f"unknown store operation {op!r}")
        if not prepared:
            return []
        names = list({value["name"] if op == "put" else value for op, value, _ in prepared})
        results: list[bool] = []
        with self._lock:
            with self._transaction() as conn:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                first = conn.execute("SELECT COALESCE(max(seq), 0) FROM articles").fetchone()[0]
                rows = conn.execute("SELECT name, deleted FROM articles WHERE name = ANY(%s)", (names,))
                stored = {name: not deleted for name, deleted in rows.fetchall()}
                with conn.pipeline():  # the statements go out without waiting for each answer
                    for op, value, raw in prepared:
                        if op == "put":
                            results.append(not stored.get(value["name"], False))
                            stored[value["name"]] = True
                            self._put_row(conn, value, raw)
                        else:
                            existed = stored.get(value, False)
                            results.append(existed)
                            stored[value] = False
                            if existed:
                                self._delete_row(conn, value)
                last = conn.execute("SELECT COALESCE(max(seq), 0) FROM articles").fetchone()[0]
            self.last_commit = (first, last)
        return results

    @staticmethod
    def _put_row(conn: psycopg.Connection, row: dict[str, Any], raw: bytes | None) -> None:
        conn.execute(_UPSERT, row)
        if raw is None:
            conn.execute("DELETE FROM article_raws WHERE name = %s", (row["name"],))
        else:
            conn.execute(
                "INSERT INTO article_raws (name, raw) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET raw = EXCLUDED.raw",
                (row["name"], raw),
            )

    @staticmethod
    def _delete_row(conn: psycopg.Connection, name: str) -> None:
        conn.execute(_TOMBSTONE, (name,))
        conn.execute("DELETE FROM article_raws WHERE name = %s", (name,))

    # -- reads -------------------------------------------------------------------------------
    def get(self, name: str) -> Article | None:
        return self.get_many([name]).get(name)

    def get_many(self, names: Iterable[str]) -> dict[str, Article]:
        names = list(dict.fromkeys(names))
        if not names:
            return {}
        rows = self._read(f"{_FULL} WHERE NOT deleted AND name = ANY(%s)", (names,))
        return {row[0]: row_article(*row) for row in rows}

    def get_raw(self, name: str) -> bytes | None:
        rows = self._read(
            "SELECT r.raw FROM article_raws r JOIN articles a USING (name) WHERE a.name = %s AND NOT a.deleted",
            (name,),
        )
        return decompress(bytes(rows[0][0])) if rows else None

    def iter_articles(self, with_text: bool = True) -> Iterator[Article]:
        sql = f"{_FULL if with_text else _LIGHT} WHERE NOT deleted"
        conn = self._connect(autocommit=False)  # a server-side cursor in one snapshot
        try:
            with conn.transaction(), conn.cursor(name="newsthread_load") as cur:
                cur.itersize = LOAD_BATCH
                cur.execute(sql)
                for row in cur:
                    yield row_article(*row)
        finally:
            self._forget(conn)

    def count(self) -> int:
        return self._read("SELECT count(*) FROM articles WHERE NOT deleted")[0][0]

    def max_published(self) -> datetime | None:
        value = self._read("SELECT max(published) FROM articles WHERE NOT deleted")[0][0]
        return datetime.fromtimestamp(value, UTC) if value is not None else None

    def cursor(self) -> int:
        return self._read("SELECT COALESCE(max(seq), 0) FROM articles")[0][0]

    def changes_since(self, cursor: int, limit: int = LOAD_BATCH) -> tuple[list[Change], int]:
        rows = self._read(
            f"SELECT seq, deleted, {COLUMNS}, text FROM articles WHERE seq > %s ORDER BY seq LIMIT %s",
            (cursor, limit),
        )
        changes = [Change(row[0], row[2], row[1], None if row[1] else row_article(*row[2:])) for row in rows]
        return changes, (changes[-1].seq if changes else cursor)

    # -- thread labels, tombstones -------------------------------------------------------------
    def _write(self, statements: list[tuple[str, Any]], many: list[tuple[str, list]] = ()) -> int:
        """Run statements in one transaction on the writer connection; the last one's row count."""
        with self._lock, self._transaction() as conn:
            count = 0
            for sql, params in statements:
                count = conn.execute(sql, params).rowcount
            for sql, rows in many:
                with conn.cursor() as cur:
                    cur.executemany(sql, rows)
        return count

    def save_labels(self, saved: SavedLabels) -> None:
        self._write(
            [
                ("DELETE FROM thread_labels", ()),
                ("DELETE FROM saved_threads", ()),
                (
                    "INSERT INTO store_meta (key, value) VALUES ('labels_cursor', %s) ON CONFLICT (key)"
                    " DO UPDATE SET value = EXCLUDED.value",
                    (saved.cursor,),
                ),
            ],
            [
                ("INSERT INTO thread_labels (name, label) VALUES (%s, %s)", list(saved.labels.items())),
                ("INSERT INTO saved_threads (label, data) VALUES (%s, %s)", list(saved.threads.items())),
            ],
        )

    def try_lead(self) -> bool:
        with self._leader_lock:
            conn = self._leader
            if conn is not None:
                try:
                    conn.execute("SELECT 1")  # still connected: the session lock is still ours
                    return True
                except psycopg.Error:
                    self._forget(conn)
                    self._leader = None
            conn = None
            try:
                conn = self._connect()
                if conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()[0]:
                    self._leader = conn
                    return True
            except psycopg.Error:
                pass
            if conn is not None:
                self._forget(conn)
            return False

    def names_changed_since(self, cursor: int) -> set[str]:
        return {row[0] for row in self._read("SELECT name FROM articles WHERE seq > %s", (cursor,))}

    def purge_tombstones(self, through_seq: int) -> int:
        return self._write(
            [
                (
                    "INSERT INTO store_meta (key, value) VALUES ('purged_through', %s) ON CONFLICT (key)"
                    " DO UPDATE SET value = greatest(store_meta.value, EXCLUDED.value)",
                    (through_seq,),
                ),
                # the newest change stays, so `cursor()` never moves back
                (
                    "DELETE FROM articles WHERE deleted AND seq <= %s"
                    " AND seq < (SELECT max(seq) FROM articles)",
                    (through_seq,),
                ),
            ]
        )

    def search(self, query: str, lang: str | None = None, limit: int = 20) -> list[SearchHit]:
        query = query.replace("\x00", "").strip()[:1000]
        if not query:
            return []
        sql = (
            "SELECT name, title, lang, published,"
            " ts_headline('russian', description || ' ' || left(replace(text, U&'\\2029', ' '), 3000), q,"
            ' \'MaxWords=30, MinWords=12, MaxFragments=1, StartSel="", StopSel=""\'),'
            " ts_rank_cd(tsv, q) AS score"
            " FROM articles, (SELECT websearch_to_tsquery('russian', %(q)s)"
            " || websearch_to_tsquery('simple', %(q)s) AS q) AS query"
            " WHERE tsv @@ q AND NOT deleted"
        )
        params: dict[str, Any] = {"q": query, "limit": max(1, min(int(limit), 1000))}
        if lang:
            sql += " AND lang = %(lang)s"
            params["lang"] = lang
        sql += " ORDER BY score DESC, name LIMIT %(limit)s"
        return [
            SearchHit(
                name=row[0],
                title=row[1],
                lang=row[2],
                published=datetime.fromtimestamp(row[3], UTC) if row[3] is not None else None,
                snippet=row[4],
                score=float(row[5]),
            )
            for row in self._read(sql, params)
        ]

    # -- lifetime ----------------------------------------------------------------------------
    def _forget(self, conn: psycopg.Connection) -> None:
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
            except psycopg.Error:
                pass

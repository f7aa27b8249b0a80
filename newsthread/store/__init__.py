"""Article storage behind one interface: SQLite by default, PostgreSQL by URL.

    store = open_store()                                   # ./newsthread.db (or $NEWSTHREAD_DB)
    store = open_store("data/news.db")                      # a SQLite file
    store = open_store("sqlite:///data/news.db?synchronous=normal")   # sqlite:////abs/path.db
    store = open_store("postgresql://user@host/db")         # shared by several servers

See `newsthread.store.base.Store` for the methods.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

from newsthread.store.base import (
    Change,
    InvalidName,
    PreparedRow,
    SavedLabels,
    SearchHit,
    Store,
    check_name,
    prepare_row,
    valid_name,
)

DEFAULT_DB = "newsthread.db"

__all__ = [
    "Change",
    "InvalidName",
    "PreparedRow",
    "SavedLabels",
    "SearchHit",
    "Store",
    "check_name",
    "prepare_row",
    "valid_name",
    "open_store",
    "DEFAULT_DB",
]


def default_url() -> str:
    return os.environ.get("NEWSTHREAD_DB") or DEFAULT_DB


def open_store(url: str | os.PathLike[str] | None = None) -> Store:
    """A store for a SQLite path / ``sqlite:///path`` URL or a ``postgresql://`` URL."""
    url = os.fspath(url) if url is not None else default_url()
    if url.startswith(("postgresql://", "postgres://")):
        from newsthread.store.postgres import PostgresStore

        return PostgresStore(url)
    from newsthread.store.sqlite import DEFAULT_SYNCHRONOUS, SqliteStore

    synchronous = DEFAULT_SYNCHRONOUS
    if url.startswith("sqlite:"):
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        synchronous = query.get("synchronous", [synchronous])[0]
        path = parts.path
        if parts.netloc:  # sqlite://relative/path is not a URL we make; take it as written
            path = parts.netloc + path
        elif path.startswith("/"):  # sqlite:///relative.db, sqlite:////absolute.db (SQLAlchemy's form)
            path = path[1:]
        url = path or DEFAULT_DB
    return SqliteStore(url, synchronous=synchronous)

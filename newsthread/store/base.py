"""What every store backend shares: the interface, name checks and the row format.

An article is stored annotated (language, news, category, terms, TTL), so a restart loads the
index without re-running the NLP stages. Deleted articles stay as tombstones (``deleted``) so
that `changes_since` can tell another replica about the delete; the server purges those older
than a retention period (`purge_tombstones`), and a replica that fell further behind reloads.
"""

from __future__ import annotations

import json
import re
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from newsthread.model import Article

NAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,250}\.html")
PARAGRAPH_SEPARATOR = "\u2029"  # Unicode PARAGRAPH SEPARATOR: joins paragraphs in the `text` column
LOAD_BATCH = 2000  # rows fetched at a time by iter_articles / changes_since


class InvalidName(ValueError):
    """An article name that is not a bare ``<letters, digits, . _ ->.html`` file name."""


def valid_name(name: str) -> bool:
    """Bare file name of letters, digits, ``. _ -``, ending in ``.html``, without ``..``."""
    return bool(NAME_PATTERN.fullmatch(name)) and ".." not in name


def check_name(name: str) -> str:
    if not isinstance(name, str) or not valid_name(name):
        raise InvalidName(f"invalid article name {name!r}: expected [A-Za-z0-9._-]+.html without '..'")
    return name


@dataclass(frozen=True)
class Change:
    """One entry of the change feed: the article's latest state at `seq`."""

    seq: int
    name: str
    deleted: bool
    article: Article | None  # None when deleted


@dataclass
class SavedLabels:
    """The threads as last saved: article name → group label, label → the thread's
    presentation (JSON: title, category, lang, base importance, article names in order), and
    the change-feed position they show."""

    labels: dict[str, str] = field(default_factory=dict)
    threads: dict[str, str] = field(default_factory=dict)
    cursor: int = 0


@dataclass(frozen=True)
class SearchHit:
    name: str
    title: str
    lang: str
    published: datetime | None
    snippet: str
    score: float


class Store(ABC):
    """Articles by name. Every write is committed (durable) when the method returns."""

    url: str
    # (cursor before, cursor after) the last `apply` of this object: every change in between is
    # its own (writers hold a lock for the whole transaction)
    last_commit: tuple[int, int] = (0, 0)

    # -- writes ------------------------------------------------------------------------------
    def put(self, article: Article, raw: bytes | None = None) -> bool:
        """Insert or replace; True when the name was not stored (or was deleted) before."""
        return self.put_many([(article, raw)])[0]

    @abstractmethod
    def put_many(self, items: Iterable[tuple[Article, bytes | None]]) -> list[bool]:
        """Several puts in one transaction (one commit): a result per item, in order."""

    def delete(self, name: str) -> bool:
        """True when the article existed."""
        return self.delete_many([name])[0]

    @abstractmethod
    def delete_many(self, names: Iterable[str]) -> list[bool]:
        """Several deletes in one transaction."""

    @abstractmethod
    def apply(self, ops: list[tuple[str, Any, bytes | PreparedRow | None]]) -> list[bool]:
        """Mixed ``("put", article, raw)`` / ``("delete", name, None)`` ops, in order, one commit."""

    # -- reads -------------------------------------------------------------------------------
    @abstractmethod
    def get(self, name: str) -> Article | None: ...

    @abstractmethod
    def get_many(self, names: Iterable[str]) -> dict[str, Article]: ...

    @abstractmethod
    def get_raw(self, name: str) -> bytes | None:
        """The bytes the article was read from, when they were stored."""

    @abstractmethod
    def iter_articles(self, with_text: bool = True) -> Iterator[Article]:
        """Every stored article, annotated. with_text=False leaves `paragraphs` empty (faster)."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def max_published(self) -> datetime | None: ...

    @abstractmethod
    def cursor(self) -> int:
        """The current end of the change feed (pass it to `changes_since` later)."""

    @abstractmethod
    def changes_since(self, cursor: int, limit: int = LOAD_BATCH) -> tuple[list[Change], int]:
        """Changes committed after `cursor` (latest state per name), and the new cursor."""

    @abstractmethod
    def search(self, query: str, lang: str | None = None, limit: int = 20) -> list[SearchHit]:
        """Full-text search over titles, descriptions and texts, best first."""

    def index_search(self, limit: int | None = None) -> int:
        """Bring the full-text index up to date with up to `limit` of the latest changes (None =
        all); returns how many it took. For stores that index behind the writes (SQLite);
        `search` catches up by itself, a thread of the server's writer calls this every few seconds."""
        return 0

    def search_backlog(self) -> int:
        """Changes not yet in the full-text index (0 where the index follows each write)."""
        return 0

    # -- thread labels and the change feed's upkeep (defaults: nothing is kept) ----------------
    def save_labels(self, labels: SavedLabels) -> None:
        """Replace the saved thread labels. A cache, not data: a restart regroups the articles
        that did not change since (`names_changed_since`) without the batch pass."""
        return None

    def load_labels(self) -> SavedLabels:
        return SavedLabels()

    def labels_cursor(self) -> int:
        """The change-feed position of the saved labels (cheap: how followers notice a save)."""
        return self.load_labels().cursor

    def try_lead(self) -> bool:
        """True while this process is the re-clustering leader: the one replica that re-clusters
        and saves thread labels (the others adopt them). One process per store by default."""
        return True

    def names_changed_since(self, cursor: int) -> set[str]:
        """Names written or deleted after `cursor` (all of them when unknown)."""
        return {a.name for a in self.iter_articles(with_text=False)}

    def purge_tombstones(self, through_seq: int) -> int:
        """Forget deleted articles whose change is at or before `through_seq`; returns how many.
        A reader of the feed still behind that point must reload (see `purged_through`)."""
        return 0

    def purged_through(self) -> int:
        """The feed position up to which tombstones may be gone (0: none purged)."""
        return 0

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- row format ------------------------------------------------------------------------------
_META_SKIP = {
    "name",
    "title",
    "description",
    "paragraphs",
    "published",
    "lang",
    "is_news",
    "category",
    "max_age",
}


# Row columns, in this order, for `row_article` (every backend selects them like this).
COLUMNS = (
    "name, published, lang, is_news, category, max_age, title, description, title_terms, body_terms, meta"
)
TERM_SEPARATOR = "\x1f"  # ASCII unit separator: terms are joined by it (splitting beats JSON)


class SavedLabelTables:
    """The reads of the saved-labels tables (`thread_labels`, `saved_threads`, `store_meta`) that
    the SQL stores share: their SQL has no parameters, so it is the same in both dialects."""

    def _read(self, sql: str) -> list[tuple]:  # the store's own
        raise NotImplementedError

    def labels_cursor(self) -> int:
        return _first_value(self._read("SELECT value FROM store_meta WHERE key = 'labels_cursor'"))

    def load_labels(self) -> SavedLabels:
        return SavedLabels(
            labels=dict(self._read("SELECT name, label FROM thread_labels")),
            threads=dict(self._read("SELECT label, data FROM saved_threads")),
            cursor=self.labels_cursor(),
        )

    def purged_through(self) -> int:
        return _first_value(self._read("SELECT value FROM store_meta WHERE key = 'purged_through'"))


def _first_value(rows: list[tuple]) -> int:
    return int(rows[0][0]) if rows else 0


def article_row(article: Article) -> dict[str, Any]:
    """Column values for one article (the same for every backend)."""
    meta = {k: v for k, v in article.to_dict().items() if k not in _META_SKIP}
    extra = _json_safe(article.extra)
    if extra:
        meta["extra"] = extra
    return {
        "name": article.name,
        "published": article.timestamp if article.published else None,
        "lang": article.lang or "",
        "is_news": article.is_news,
        "category": article.category or "",
        "max_age": article.max_age,
        "title": _clean(article.title),
        "description": _clean(article.description),
        "title_terms": _join_terms(article.title_terms),
        "body_terms": _join_terms(article.body_terms),
        "meta": _dumps(meta),
        "text": PARAGRAPH_SEPARATOR.join(
            _clean(p).replace(PARAGRAPH_SEPARATOR, " ") for p in article.paragraphs
        ),
    }


def row_article(
    name: str,
    published: float | None,
    lang: str | None,
    is_news: Any,
    category: str | None,
    max_age: int | None,
    title: str | None,
    description: str | None,
    title_terms: str | None,
    body_terms: str | None,
    meta: str | None,
    text: str | None = None,
) -> Article:
    """An `Article` from the columns of `COLUMNS` (+ the text, when read)."""
    data = json.loads(meta) if meta else {}
    extra = data.get("extra")
    article = Article(
        name=name,
        title=title or "",
        description=description or "",
        published=datetime.fromtimestamp(published, UTC) if published is not None else None,
        paragraphs=text.split(PARAGRAPH_SEPARATOR) if text else [],
        lang=lang or "",
        is_news=None if is_news is None else bool(is_news),
        category=category or "",
        max_age=max_age,
        url=data.get("url", ""),
        site=data.get("site", ""),
        author=data.get("author", ""),
        out_links=data.get("out_links", []),
        source_format=data.get("source_format", ""),
        lang_confidence=data.get("lang_confidence", 0.0),
        news_confidence=data.get("news_confidence", 0.0),
        category_confidence=data.get("category_confidence", 0.0),
        title_terms=title_terms.split(TERM_SEPARATOR) if title_terms else [],
        body_terms=body_terms.split(TERM_SEPARATOR) if body_terms else [],
    )
    if extra:
        article.extra = extra
    return article


def _join_terms(terms: list[str]) -> str:
    kept = [t for t in terms if t]
    joined = TERM_SEPARATOR.join(kept)
    # one check of the whole string instead of cleaning each term (22 -> 11 µs an article, ~1 % of
    # a reader's CPU); terms with a NUL, a separator or a lone surrogate take the careful way
    if "\x00" not in joined and joined.count(TERM_SEPARATOR) == max(0, len(kept) - 1):
        try:
            joined.encode("utf-8")
            return joined
        except UnicodeEncodeError:
            pass
    return TERM_SEPARATOR.join(_clean(t).replace(TERM_SEPARATOR, "") for t in kept)


def _dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: let JSON escape them
        text = json.dumps(value, separators=(",", ":"))
    return text


@dataclass(frozen=True)
class PreparedRow:
    """An article's column values and compressed raw body, made before the write (the server
    makes them in its reader processes), so the one writer thread only runs the SQL."""

    row: dict[str, Any]
    blob: bytes | None


def prepare_row(article: Article, raw: bytes | None) -> PreparedRow:
    return PreparedRow(article_row(article), compress(raw))


def put_values(article: Article, raw: bytes | PreparedRow | None) -> tuple[dict[str, Any], bytes | None]:
    """(row, compressed raw) of a put: made here, or taken from a PreparedRow of `article`."""
    if isinstance(raw, PreparedRow):
        return raw.row, raw.blob
    return article_row(article), compress(raw)


def compress(raw: bytes | None) -> bytes | None:
    return zlib.compress(raw, 1) if raw is not None else None


def decompress(blob: bytes | None) -> bytes | None:
    return zlib.decompress(blob) if blob is not None else None


def _clean(text: str) -> str:
    # NUL cannot be stored in PostgreSQL text; lone surrogates cannot be encoded as UTF-8.
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _json_safe(extra: dict[str, Any]) -> dict[str, Any]:
    """The entries of `extra` that JSON can hold as they are (numpy arrays etc. are left out)."""
    safe = {}
    for key, value in extra.items():
        try:
            json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            continue
        safe[str(key)] = value
    return safe

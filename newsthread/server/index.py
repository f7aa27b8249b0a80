"""The live thread index: every stored article in memory, news threaded online, ranked on demand.

- `put` / `delete` keep the in-memory articles equal to the store (the server applies each write
  here after it commits).
- English and Russian news with a publication time go into an `OnlineClusterer` while they
  are live. Live means ``now <= published + max_age``. `now` is the newest publication time in
  the index, not the wall clock (tgnews contract §2.3). When `now` advances, expired articles
  leave the clusterer (a heap ordered by expiry time). When `now` moves back (the newest
  article was deleted), articles that are live again return.
- `snapshot()` turns the clusterer's groups into ranked `Thread`s and caches them by index
  version. A GET after a write therefore sees the write: the version changed, so the
  snapshot is rebuilt. `query` filters a snapshot by language, category and time window.
- `recluster()` rebuilds the clustering from scratch (online adds + the batch pass) in a fresh
  clusterer, outside the lock, then replays the writes made meanwhile and swaps it in. The
  server calls it periodically, so online assignment errors do not accumulate.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article, Thread

log = logging.getLogger("newsthread.server")

MAX_THREADS = 1000  # tgnews: at most 1000 threads per GET (both top solutions)
ANY = "any"
FILTER_CATEGORIES: tuple[str, ...] = (ANY, *CATEGORIES)


def is_threadable(article: Article) -> bool:
    """English or Russian news with a publication time: the articles threads are made of."""
    return article.lang in NEWS_LANGUAGES and bool(article.is_news) and article.published is not None


def light(article: Article) -> Article:
    """The article without its paragraphs: what the index keeps in memory (the store has the rest)."""
    return replace(article, paragraphs=[]) if article.paragraphs else article


@dataclass
class Snapshot:
    """Ranked threads at one index version."""

    version: int
    now: float | None  # newest publication time (Unix), None when the index is empty
    threads: list[Thread]  # most important first
    last_ts: dict[int, float]  # id(thread) → newest article time
    by_filter: dict[tuple[str, str], list[Thread]]  # (lang, category or "any") → ranked threads
    by_id: dict[str, Thread]
    thread_of: dict[str, Thread]  # article name → its thread
    build_seconds: float = 0.0
    responses: dict[Any, bytes] = field(default_factory=dict)  # serialised answers, by query

    @property
    def now_datetime(self) -> datetime | None:
        return datetime.fromtimestamp(self.now, UTC) if self.now is not None else None

    def select(
        self,
        period: float | None,
        lang: str | None,
        category: str = ANY,
        offset: int = 0,
        limit: int = MAX_THREADS,
    ) -> tuple[list[Thread], int]:
        """Threads in the window ``(now − period, now]`` (None: all), ranked; and how many matched."""
        if self.now is None:
            return [], 0
        if lang is None:
            pool = self.threads if category == ANY else [t for t in self.threads if t.category == category]
        else:
            pool = self.by_filter.get((lang, category), [])
        if period is not None:
            low = self.now - period
            pool = [t for t in pool if self.last_ts[id(t)] > low]
        return pool[offset : offset + limit], len(pool)


@dataclass
class IndexStats:
    articles: int = 0
    threadable: int = 0
    clustered: int = 0
    rebuilds: int = 0
    reclusters: int = 0
    last_recluster_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class ThreadIndex:
    """See the module docstring. All public methods are thread-safe."""

    def __init__(self, clusterer_factory: Any = None, authority: Any = None):
        self._clusterer_factory = clusterer_factory or default_clusterer
        self._authority = authority
        self.lock = threading.RLock()
        self.articles: dict[str, Article] = {}
        self._clusterer = self._clusterer_factory()
        self._clustered: set[str] = set()
        self._expiry: list[tuple[float, int, str, Article]] = []  # (expires_at, tiebreak, name, article)
        self._tiebreak = itertools.count()
        self._now: float | None = None
        self.version = 0
        self._changes_since_recluster = 0
        self._snapshot: Snapshot | None = None
        self._build_lock = threading.Lock()
        self._thread_cache: dict[frozenset[int], Thread] = {}
        self._recluster_lock = threading.Lock()
        self._replay: list[tuple[str, Any]] | None = None  # writes made while re-clustering
        self.stats = IndexStats()

    # -- state -------------------------------------------------------------------------------
    @property
    def now(self) -> float | None:
        return self._now

    def __len__(self) -> int:
        return len(self.articles)

    def __contains__(self, name: str) -> bool:
        return name in self.articles

    def get(self, name: str) -> Article | None:
        return self.articles.get(name)

    @property
    def changes_since_recluster(self) -> int:
        return self._changes_since_recluster

    # -- writes ------------------------------------------------------------------------------
    def load(self, articles: Iterable[Article]) -> int:
        """Bulk load (start-up): replaces the contents; articles are clustered in time order."""
        with self.lock:
            self.articles = {a.name: light(a) for a in articles}
            self._clusterer = self._clusterer_factory()
            self._clustered = set()
            self._expiry = []
            times = [a.timestamp for a in self.articles.values() if a.published is not None]
            self._now = max(times) if times else None
            live = [a for a in self.articles.values() if is_threadable(a) and self._is_live(a)]
            live.sort(key=lambda a: (a.timestamp, a.name))
            for article in live:
                self._cluster_add(article)
            self._touch()
            self._changes_since_recluster = len(live)  # online order only: re-cluster soon
            return len(self.articles)

    def put(self, article: Article) -> None:
        """Insert or replace (by name)."""
        article = light(article)
        with self.lock:
            name = article.name
            old = self.articles.get(name)
            if old is not None:
                self._cluster_remove(name)
            self.articles[name] = article
            ts = article.timestamp if article.published is not None else None
            if ts is not None and (self._now is None or ts > self._now):
                self._advance_now(ts)
            elif old is not None and old.published is not None and old.timestamp == self._now:
                self._recompute_now()
            if is_threadable(article) and self._is_live(article):
                self._cluster_add(article)
            self._touch()

    def delete(self, name: str) -> bool:
        with self.lock:
            old = self.articles.pop(name, None)
            if old is None:
                return False
            self._cluster_remove(name)
            if old.published is not None and old.timestamp == self._now:
                self._recompute_now()
            self._touch()
            return True

    def recluster(self) -> float:
        """Re-cluster the live articles from scratch without blocking writes; returns the seconds.

        A fresh clusterer gets every live article (in time order) and runs its batch pass
        outside the lock. Writes that arrive meanwhile are logged and replayed on it before
        it replaces the current one, so nothing is lost and GETs keep being answered.
        """
        start = time.perf_counter()
        with self._recluster_lock:
            with self.lock:
                live = [self.articles[name] for name in self._clustered]
                self._replay = []
                changes = self._changes_since_recluster
            try:
                live.sort(key=lambda a: (a.timestamp, a.name))
                fresh = self._clusterer_factory()
                for article in live:
                    fresh.add(article)
                if live:
                    fresh.recluster()
            except BaseException:
                with self.lock:
                    self._replay = None
                raise
            with self.lock:
                for op, target in self._replay:
                    try:
                        fresh.add(target) if op == "add" else fresh.remove(target)
                    except Exception:
                        log.exception("replaying %s %s after re-clustering failed", op, target)
                self._replay = None
                self._clusterer = fresh
                self._changes_since_recluster = max(0, self._changes_since_recluster - changes)
                self.version += 1
        elapsed = time.perf_counter() - start
        self.stats.reclusters += 1
        self.stats.last_recluster_seconds = elapsed
        return elapsed

    # -- internals (called with the lock held) ----------------------------------------------
    def _touch(self) -> None:
        self.version += 1
        self._changes_since_recluster += 1

    def _is_live(self, article: Article) -> bool:
        if article.max_age is None or self._now is None:
            return True
        return self._now <= article.timestamp + article.max_age

    def _cluster_add(self, article: Article) -> None:
        try:
            self._clusterer.add(article)
        except Exception as error:  # a clustering bug must not lose the (already stored) article
            log.exception("clusterer.add failed for %s", article.name)
            self.stats.errors.append(f"add {article.name}: {error!r}"[:300])
            del self.stats.errors[:-20]
            return
        self._clustered.add(article.name)
        if self._replay is not None:
            self._replay.append(("add", article))
        if article.max_age is not None:
            expires = article.timestamp + article.max_age
            heapq.heappush(self._expiry, (expires, next(self._tiebreak), article.name, article))

    def _cluster_remove(self, name: str) -> None:
        if name in self._clustered:
            self._clustered.discard(name)
            if self._replay is not None:
                self._replay.append(("remove", name))
            try:
                self._clusterer.remove(name)
            except Exception as error:
                log.exception("clusterer.remove failed for %s", name)
                self.stats.errors.append(f"remove {name}: {error!r}"[:300])
                del self.stats.errors[:-20]

    def _advance_now(self, ts: float) -> None:
        self._now = ts
        while self._expiry and self._expiry[0][0] < ts:
            _, _, name, article = heapq.heappop(self._expiry)
            if self.articles.get(name) is article:
                self._cluster_remove(name)

    def _recompute_now(self) -> None:
        """`now` may have moved back: articles that are live again rejoin the clusterer."""
        times = [a.timestamp for a in self.articles.values() if a.published is not None]
        new_now = max(times) if times else None
        moved_back = new_now is not None and self._now is not None and new_now < self._now
        self._now = new_now
        if moved_back:
            back = [
                a
                for name, a in self.articles.items()
                if name not in self._clustered and is_threadable(a) and self._is_live(a)
            ]
            for article in sorted(back, key=lambda a: (a.timestamp, a.name)):
                self._cluster_add(article)

    # -- threads -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Ranked threads of the current version (rebuilt when anything changed since the last one)."""
        current = self._snapshot
        if current is not None and current.version == self.version:
            return current
        with self._build_lock:
            current = self._snapshot
            if current is not None and current.version == self.version:
                return current
            start = time.perf_counter()
            with self.lock:
                version, now = self.version, self._now
                groups = [list(group) for group in self._clusterer.groups()] if self._clustered else []
            threads = self._threads_of(groups)
            snapshot = build_snapshot(threads, version, now)
            snapshot.build_seconds = time.perf_counter() - start
            self._snapshot = snapshot
            self.stats.rebuilds += 1
            return snapshot

    def _threads_of(self, groups: list[list[Article]]) -> list[Thread]:
        """`make_threads` for the groups that changed since the last snapshot; the rest are reused.

        A group is unchanged when it holds the very same article objects (a re-PUT makes a new
        object). The cache keeps those objects alive, so their ids cannot be reused meanwhile.
        """
        cache: dict[frozenset[int], Thread] = {}
        threads: list[Thread] = []
        fresh_keys: list[frozenset[int]] = []
        fresh_groups: list[list[Article]] = []
        for group in groups:
            if not group:
                continue
            key = frozenset(map(id, group))
            thread = self._thread_cache.get(key)
            if thread is None:
                fresh_keys.append(key)
                fresh_groups.append(group)
            else:
                cache[key] = thread
                threads.append(thread)
        if fresh_groups:
            wanted = set(fresh_keys)
            for thread in make(fresh_groups, self._authority_model()):
                key = frozenset(map(id, thread.articles))
                if key in wanted:  # the same article objects as a group: safe to reuse later
                    cache[key] = thread
                threads.append(thread)
        self._thread_cache = cache
        return threads

    def query(self, period: float | None, lang: str | None, category: str = ANY, limit: int = MAX_THREADS):
        return self.snapshot().select(period, lang, category, 0, limit)[0]

    def _authority_model(self) -> Any:
        if self._authority is None:
            self._authority = default_authority()
        return self._authority

    def counts(self) -> IndexStats:
        with self.lock:
            self.stats.articles = len(self.articles)
            self.stats.clustered = len(self._clustered)
            self.stats.threadable = sum(1 for a in self.articles.values() if is_threadable(a))
            return self.stats


def build_snapshot(threads: list[Thread], version: int, now: float | None) -> Snapshot:
    now_dt = datetime.fromtimestamp(now, UTC) if now is not None else None
    threads = rank(threads, now_dt) if threads else []
    last_ts: dict[int, float] = {}
    by_filter: dict[tuple[str, str], list[Thread]] = {
        (lang, c): [] for lang in NEWS_LANGUAGES for c in FILTER_CATEGORIES
    }
    by_id: dict[str, Thread] = {}
    thread_of: dict[str, Thread] = {}
    for thread in threads:
        if not thread.articles:
            continue
        last_ts[id(thread)] = max(a.timestamp for a in thread.articles)
        lang = thread.lang or thread.articles[0].lang
        category = category_of(thread)
        if (lang, ANY) in by_filter:
            by_filter[(lang, ANY)].append(thread)
            by_filter[(lang, category)].append(thread)
        by_id.setdefault(thread.id, thread)
        for article in thread.articles:
            thread_of[article.name] = thread
    return Snapshot(
        version=version,
        now=now,
        threads=[t for t in threads if t.articles],
        last_ts=last_ts,
        by_filter=by_filter,
        by_id=by_id,
        thread_of=thread_of,
    )


def category_of(thread: Thread) -> str:
    return thread.category if thread.category in CATEGORIES else "other"


# -- the pipeline stages the index uses ------------------------------------------------------
def default_clusterer() -> Any:
    from newsthread.cluster import OnlineClusterer

    return OnlineClusterer()


def default_authority() -> Any:
    from newsthread import rank as rank_module

    shipped = getattr(rank_module, "shipped_authority", None)
    return shipped() if shipped else rank_module.SourceAuthority.load()


def make(groups: list[list[Article]], authority: Any) -> list[Thread]:
    from newsthread.rank import make_threads

    return make_threads(groups, authority)


def rank(threads: list[Thread], now: datetime | None) -> list[Thread]:
    from newsthread.rank import rank_threads

    return rank_threads(threads, now)

"""The live thread index: every stored article in memory, news threaded online, ranked on demand.

- `put` / `delete` keep the in-memory articles equal to the store (the server applies each write
  here after it commits). They are cheap: they update the articles and queue the clustering work.
- English and Russian news with a publication time are clustered while they are live. Live
  means ``now <= published + max_age``. `now` is the newest publication time in the index,
  not the wall clock (tgnews contract §2.3). When `now` advances, expired articles leave the
  clustering (a heap ordered by expiry time). When `now` moves back (the newest article was
  deleted), articles that are live again return.
- The queued work ("add article", "remove name") is applied to an `OnlineClusterer` one article
  at a time by a background thread, or inline. When the backlog is long enough that a batch
  pass over all live articles is cheaper than adding them one by one (a burst of PUTs), the
  clustering is rebuilt in one batch pass instead. Costs are measured as the server runs.
- `snapshot()` first waits until everything queued before the call is clustered. A GET after
  an acknowledged PUT therefore sees it. It then turns the groups into ranked `Thread`s
  (threads whose articles did not change are reused) and caches them until the clustering or
  `now` changes. `Snapshot.select` filters by language, category and time window.
- `recluster()` rebuilds the clustering from scratch with the batch pass in a fresh
  clusterer, outside the lock. Meanwhile the current one keeps receiving the queued work.
  The work queued during the rebuild is replayed on the fresh clusterer before it is
  swapped in. The server calls it periodically, so online assignment errors do not
  accumulate.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article, Thread

log = logging.getLogger("newsthread.server")

MAX_THREADS = 1000  # tgnews: at most 1000 threads per GET (both top solutions)
ANY = "any"
FILTER_CATEGORIES: tuple[str, ...] = (ANY, *CATEGORIES)
# First guesses of the clustering costs (seconds), refined from measurements as the index runs:
# one online add at ~10k live articles, and a batch rebuild per live article (bench/server.py).
ADD_SECONDS = 0.003
REBUILD_SECONDS_PER_ARTICLE = 0.0002
MIN_BACKLOG_FOR_REBUILD = 64
RECLUSTER_DUTY = 0.1  # periodic re-clustering may use at most this share of the time
WAIT_LOG_SECONDS = 30.0


def is_threadable(article: Article) -> bool:
    """English or Russian news with a publication time: the articles threads are made of."""
    return article.lang in NEWS_LANGUAGES and bool(article.is_news) and article.published is not None


def light(article: Article) -> Article:
    """The article without its paragraphs: what the index keeps in memory (the store has the rest)."""
    return replace(article, paragraphs=[]) if article.paragraphs else article


@dataclass
class Snapshot:
    """Ranked threads at one state of the clustering."""

    version: tuple[int, float | None]  # (clustering state, now)
    now: float | None  # newest publication time (Unix), None when the index is empty
    threads: list[Thread]  # most important first
    last_ts: dict[int, float]  # id(thread) → newest article time
    by_filter: dict[tuple[str, str], list[Thread]]  # (lang, category or "any") → ranked threads
    by_id: dict[str, Thread]
    thread_of: dict[str, Thread]  # article name → its thread
    build_seconds: float = 0.0
    build_cpu_seconds: float = 0.0
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
            pool = (
                self.threads if category == ANY else [t for t in self.threads if category_of(t) == category]
            )
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
    live: int = 0
    backlog: int = 0
    online_ops: int = 0
    add_seconds: float = ADD_SECONDS  # running mean of one online add
    rebuild_seconds_per_article: float = REBUILD_SECONDS_PER_ARTICLE
    snapshots: int = 0
    reclusters: int = 0  # periodic (or explicit) rebuilds
    backlog_rebuilds: int = 0  # rebuilds chosen because the backlog was long
    last_recluster_seconds: float = 0.0
    load_phases: dict[str, tuple[float, float]] = field(default_factory=dict)  # (wall s, CPU s)
    errors: list[str] = field(default_factory=list)


class _PhaseClock:
    """Wall and CPU seconds (of this thread) per phase."""

    def __init__(self) -> None:
        self.phases: dict[str, tuple[float, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.thread_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        self.phases[name] = (round(wall - self._wall, 3), round(cpu - self._cpu, 3))
        self._wall, self._cpu = wall, cpu


class ThreadIndex:
    """See the module docstring. All public methods are thread-safe.

    Without `start()` the queued clustering work is done inline by `snapshot()` (tests, tools);
    the server calls `start()` to do it in a background thread.
    """

    def __init__(self, clusterer_factory: Any = None, authority: Any = None):
        self._clusterer_factory = clusterer_factory or default_clusterer
        self._authority = authority
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        self.articles: dict[str, Article] = {}
        self._live: set[str] = set()  # names that belong in the clustering now
        self._expiry: list[tuple[float, int, str, Article]] = []  # (expires_at, tiebreak, name, article)
        self._tiebreak = itertools.count()
        self._now: float | None = None
        self._clusterer: Any = None  # made on first use: importing the clusterer takes a while
        self._pending: deque[tuple[str, Any]] = deque()  # ("add", article) / ("remove", name)
        self._queued = 0  # work items ever queued; the clusterer reflects all but len(_pending)
        self._replay: list[tuple[str, Any]] | None = None  # queued while a rebuild runs
        self._state = 0  # bumps whenever the clusterer's content changes
        self.version = 0  # bumps on every write
        self._changes_since_recluster = 0
        self._rebuild_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._build_lock = threading.Lock()
        self._thread_cache: dict[frozenset[int], Thread] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
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

    @property
    def latest(self) -> Snapshot | None:
        """The last snapshot built (it may not show the latest writes; see `is_current`)."""
        return self._snapshot

    def is_current(self, snapshot: Snapshot | None) -> bool:
        """Whether `snapshot` already shows every write made so far (lock-free: an item leaves
        the queue only after `_state` counts it, so an empty queue means all is applied)."""
        if snapshot is None or self._pending:
            return False
        return snapshot.version == (self._state, self._now)

    # -- background threads ------------------------------------------------------------------
    def start(self, recluster_interval: float | None = None) -> None:
        """Cluster queued work in a background thread; re-cluster every `recluster_interval` s."""
        if self._threads:
            return
        self._spawn(self._cluster_loop, "cluster")
        if recluster_interval:
            self._spawn(lambda: self._recluster_loop(recluster_interval), "recluster")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []

    def _cluster_loop(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                while not self._pending and not self._stop.is_set():
                    self._cond.wait(1.0)
            if not self._stop.is_set():
                try:
                    self.apply_pending()
                except Exception:
                    log.exception("clustering the queued articles failed")
                    time.sleep(1)

    def _recluster_loop(self, interval: float) -> None:
        """Re-cluster every `interval` s when anything changed, spending at most
        RECLUSTER_DUTY of the time on it (a rebuild over 50k articles takes seconds)."""
        wait = interval
        while not self._stop.wait(wait):
            wait = interval
            if self._changes_since_recluster:
                try:
                    seconds = self.recluster()
                    log.info("re-clustered %d live articles in %.2f s", len(self._live), seconds)
                    wait = max(interval, seconds / RECLUSTER_DUTY)
                except Exception:
                    log.exception("re-clustering failed")

    # -- writes ------------------------------------------------------------------------------
    def load(self, articles: Iterable[Article]) -> int:
        """Bulk load (start-up): replaces the contents; live news is grouped by the batch pass."""
        clock = _PhaseClock()
        loaded = {a.name: light(a) for a in articles}
        times = [a.timestamp for a in loaded.values() if a.published is not None]
        now = max(times) if times else None
        clock.lap("read")
        with self.lock:
            self.articles = loaded
            self._now = now
            self._live = set()
            self._expiry = []
            live = [a for a in loaded.values() if is_threadable(a) and self._is_live(a)]
            for article in live:
                self._live.add(article.name)
                if article.max_age is not None:
                    expires = article.timestamp + article.max_age
                    heapq.heappush(self._expiry, (expires, next(self._tiebreak), article.name, article))
        clusterer = self._clusterer_factory()
        start = time.perf_counter()
        bulk_load(clusterer, live)
        self._learn_rebuild(time.perf_counter() - start, len(live))
        clock.lap("cluster")
        self.stats.load_phases = clock.phases
        with self.lock:
            self._clusterer = clusterer
            self._state += 1
            self._pending.clear()
            self.version += 1
            self._changes_since_recluster = 0
        return len(loaded)

    def put(self, article: Article) -> None:
        """Insert or replace (by name)."""
        article = light(article)
        with self.lock:
            name = article.name
            old = self.articles.get(name)
            if old is not None and name in self._live:
                self._unmark_live(name)
            self.articles[name] = article
            ts = article.timestamp if article.published is not None else None
            if ts is not None and (self._now is None or ts > self._now):
                self._advance_now(ts)
            elif old is not None and old.published is not None and old.timestamp == self._now:
                self._recompute_now()
            if is_threadable(article) and self._is_live(article):
                self._mark_live(article)
            self.version += 1

    def delete(self, name: str) -> bool:
        with self.lock:
            old = self.articles.pop(name, None)
            if old is None:
                return False
            if name in self._live:
                self._unmark_live(name)
            if old.published is not None and old.timestamp == self._now:
                self._recompute_now()
            self.version += 1
            return True

    # -- bookkeeping (called with the lock held) ---------------------------------------------
    def _is_live(self, article: Article) -> bool:
        if article.max_age is None or self._now is None:
            return True
        return self._now <= article.timestamp + article.max_age

    def _queue(self, op: str, target: Any) -> None:
        self._pending.append((op, target))
        self._queued += 1
        self._changes_since_recluster += 1
        if self._replay is not None:
            self._replay.append((op, target))
        if len(self._pending) == 1:  # the cluster thread sleeps only while nothing is queued
            self._cond.notify_all()

    def _mark_live(self, article: Article) -> None:
        self._live.add(article.name)
        self._queue("add", article)
        if article.max_age is not None:
            expires = article.timestamp + article.max_age
            heapq.heappush(self._expiry, (expires, next(self._tiebreak), article.name, article))

    def _unmark_live(self, name: str) -> None:
        self._live.discard(name)
        self._queue("remove", name)

    def _advance_now(self, ts: float) -> None:
        self._now = ts
        while self._expiry and self._expiry[0][0] < ts:
            _, _, name, article = heapq.heappop(self._expiry)
            if self.articles.get(name) is article and name in self._live:
                self._unmark_live(name)

    def _recompute_now(self) -> None:
        """`now` may have moved back: articles that are live again rejoin the clustering."""
        times = [a.timestamp for a in self.articles.values() if a.published is not None]
        new_now = max(times) if times else None
        moved_back = new_now is not None and self._now is not None and new_now < self._now
        self._now = new_now
        if moved_back:
            back = [
                a
                for name, a in self.articles.items()
                if name not in self._live and is_threadable(a) and self._is_live(a)
            ]
            for article in sorted(back, key=lambda a: (a.timestamp, a.name)):
                self._mark_live(article)

    # -- clustering --------------------------------------------------------------------------
    def apply_pending(self) -> None:
        """Cluster the queued work: one article at a time, or by a rebuild when that is cheaper."""
        while True:
            with self.lock:
                if not self._pending:
                    return
                backlog, live = len(self._pending), len(self._live)
            if self._rebuild_is_cheaper(backlog, live):
                self._rebuild(backlog=True)
                continue
            with self.lock:  # one item per lock hold: writers are never kept waiting long
                if not self._pending:
                    return
                # Leave the item queued until it is applied: `is_current` reads the queue
                # without the lock, and must not see it empty while an add is half done.
                op, target = self._pending[0]
                start = time.perf_counter()
                self._apply(self._current_clusterer(), op, target)
                if op == "add":
                    self._learn_add(time.perf_counter() - start)
                self._state += 1
                self._pending.popleft()
                self.stats.online_ops += 1
                if not self._pending:
                    self._cond.notify_all()

    def _current_clusterer(self) -> Any:
        if self._clusterer is None:
            self._clusterer = self._clusterer_factory()
        return self._clusterer

    def _rebuild_is_cheaper(self, backlog: int, live: int) -> bool:
        if backlog < MIN_BACKLOG_FOR_REBUILD:
            return False
        return backlog * self.stats.add_seconds > live * self.stats.rebuild_seconds_per_article

    def _apply(self, clusterer: Any, op: str, target: Any) -> None:
        try:
            if op == "add":
                clusterer.add(target)
            else:
                clusterer.remove(target)
        except Exception as error:  # a clustering bug must not lose the (already stored) article
            name = target.name if op == "add" else target
            log.exception("clusterer.%s failed for %s", op, name)
            self.stats.errors.append(f"{op} {name}: {error!r}"[:300])
            del self.stats.errors[:-20]

    def _learn_add(self, seconds: float) -> None:
        self.stats.add_seconds = 0.95 * self.stats.add_seconds + 0.05 * seconds

    def _learn_rebuild(self, seconds: float, articles: int) -> None:
        if articles >= 500:
            per = seconds / articles
            self.stats.rebuild_seconds_per_article = 0.5 * self.stats.rebuild_seconds_per_article + 0.5 * per

    def recluster(self) -> float:
        """Rebuild the clustering from scratch with the batch pass; returns the seconds taken."""
        return self._rebuild(backlog=False)

    def _rebuild(self, backlog: bool) -> float:
        start = time.perf_counter()
        with self._rebuild_lock:
            with self.lock:
                if backlog and not self._rebuild_is_cheaper(len(self._pending), len(self._live)):
                    return 0.0  # another rebuild took the backlog meanwhile
                live = [self.articles[name] for name in self._live]
                self._replay = []
                changes = self._changes_since_recluster
            try:
                fresh = self._clusterer_factory()
                built = time.perf_counter()
                bulk_load(fresh, live)
                self._learn_rebuild(time.perf_counter() - built, len(live))
            except BaseException:
                with self.lock:
                    self._replay = None
                raise
            with self.lock:
                for op, target in self._replay:
                    self._apply(fresh, op, target)
                self._replay = None
                self._clusterer = fresh
                self._state += 1  # before the queue empties (see `is_current`)
                self._pending.clear()  # all reflected: queued before the copy, or replayed
                self._changes_since_recluster = max(0, self._changes_since_recluster - changes)
                self._cond.notify_all()
        elapsed = time.perf_counter() - start
        if backlog:
            self.stats.backlog_rebuilds += 1
        else:
            self.stats.reclusters += 1
        self.stats.last_recluster_seconds = elapsed
        return elapsed

    def wait_clustered(self) -> None:
        """Return once everything queued before the call is clustered."""
        if not self._threads:
            self.apply_pending()
            return
        with self._cond:
            target = self._queued
            started = time.monotonic()
            while self._queued - len(self._pending) < target:
                if not self._threads or self._stop.is_set():
                    break
                self._cond.wait(1.0)
                if time.monotonic() - started > WAIT_LOG_SECONDS:
                    log.warning(
                        "waiting %.0f s for the clustering backlog (%d left)",
                        time.monotonic() - started,
                        len(self._pending),
                    )
                    started = time.monotonic()
        if self._stop.is_set():
            self.apply_pending()

    # -- threads -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Ranked threads showing every write made before the call."""
        self.wait_clustered()
        current = self._snapshot
        with self.lock:
            key = (self._state, self._now)
        if current is not None and current.version == key:
            return current
        with self._build_lock:
            start = time.perf_counter()
            with self.lock:
                key = (self._state, self._now)
                current = self._snapshot
                if current is not None and current.version == key:
                    return current
                groups = [list(group) for group in self._current_clusterer().groups()] if self._live else []
            cpu = time.thread_time()
            threads = self._threads_of(groups)
            snapshot = build_snapshot(threads, key, key[1])
            snapshot.build_seconds = time.perf_counter() - start
            snapshot.build_cpu_seconds = time.thread_time() - cpu
            self._snapshot = snapshot
            self.stats.snapshots += 1
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
            self.stats.live = len(self._live)
            self.stats.backlog = len(self._pending)
            self.stats.threadable = sum(1 for a in self.articles.values() if is_threadable(a))
            return self.stats


def build_snapshot(threads: list[Thread], version: tuple[int, float | None], now: float | None) -> Snapshot:
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


def bulk_load(clusterer: Any, articles: list[Article]) -> None:
    """Fill an empty clusterer with many articles at once, grouped by the batch pass.

    Uses the clusterer's `load(articles)` when it has one. `newsthread.cluster.OnlineClusterer`
    does not offer a public bulk load yet; its per-language `rebuild` (what its `recluster()`
    runs) is exactly that, so it is used while present. Otherwise: one `add` per article in
    time order, then `recluster()`.
    """
    if not articles:
        return
    load = getattr(clusterer, "load", None)
    if callable(load):
        load(articles)
        return
    index_of, lang_of = getattr(clusterer, "_index", None), getattr(clusterer, "_lang_of", None)
    if callable(index_of) and isinstance(lang_of, dict) and not lang_of:
        by_lang: dict[str, list[Article]] = defaultdict(list)
        for article in articles:
            by_lang[article.lang or "und"].append(article)
        if all(callable(getattr(index_of(lang), "rebuild", None)) for lang in by_lang):
            from newsthread.cluster.batch import ensure_terms

            ensure_terms(articles)
            for lang, items in by_lang.items():
                index_of(lang).rebuild(items)
                lang_of.update((a.name, lang) for a in items)
            return
    for article in sorted(articles, key=lambda a: (a.timestamp, a.name)):
        clusterer.add(article)
    clusterer.recluster()


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

"""The live thread index: every stored article in memory, news threaded online, ranked on demand.

- `put` / `delete` keep the in-memory articles equal to the store (the server applies each write
  here after it commits). They are cheap: they update the articles and queue the clustering work.
- English and Russian news with a publication time are clustered while they are live. Live
  means ``now <= published + max_age``. `now` is the newest publication time in the index,
  not the wall clock (tgnews contract §2.3). When `now` advances, expired articles leave the
  clustering (a heap ordered by expiry time). When `now` moves back (the newest article was
  deleted), articles that are live again return.
- The queued work ("add article", "remove name") is applied to an `OnlineClusterer` by a
  background thread, or inline: queued adds up to ADD_BATCH at a time (`add_batch`: the same
  groups as one by one, one encoding). When the backlog is long enough that a batch pass over
  all live articles is cheaper (a burst of PUTs), the clustering is rebuilt in one batch pass
  instead. Costs are measured as the server runs.
- `snapshot()` first waits until everything queued before the call is clustered. A GET after
  an acknowledged PUT therefore sees it. Only the groups that changed since the last snapshot
  (the clusterer reports them) get a new `Thread`; `Ranking` keeps the threads sorted per
  (language, category) by a key that does not depend on `now`, so a changed thread is moved by
  bisection instead of re-ranking everything. The snapshot (copies of those lists) is cached
  until the clustering or `now` changes. `Snapshot.select` filters by language, category and
  time window.
- `load(articles, saved)` restores the groups saved by `saved_labels` (the server keeps them
  in the store) without the batch pass, and their threads without `make_threads`, for the
  articles that did not change since; a re-clustering follows later in the background.
- `recluster()` rebuilds the clustering from scratch with the batch pass in a fresh
  clusterer, outside the lock. Meanwhile the current one keeps receiving the queued work.
  The work queued during the rebuild is replayed on the fresh clusterer before it is
  swapped in; the threads of its groups are made before that, by the rebuilding thread. The server calls it periodically, so online assignment errors do not
  accumulate.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import itertools
import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article, Thread
from newsthread.store.base import SavedLabels

log = logging.getLogger("newsthread.server")

MAX_THREADS = 1000  # tgnews: at most 1000 threads per GET (both top solutions)
ANY = "any"
FILTER_CATEGORIES: tuple[str, ...] = (ANY, *CATEGORIES)
# First guesses of the clustering costs (seconds), refined from measurements as the index runs:
# one online add at ~10k live articles, and a batch rebuild per live article (bench/server.py).
ADD_SECONDS = 0.003
REBUILD_SECONDS_PER_ARTICLE = 0.0002
MIN_BACKLOG_FOR_REBUILD = 64
ADD_BATCH = 32  # queued adds applied together (one encoding); bounds how long writers wait
RECLUSTER_DUTY = 0.05  # periodic re-clustering (with its threads) may use at most this share of the time
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
    base: dict[int, float] = field(default_factory=dict)  # id(thread) → undecayed importance
    half_life: float = 36000.0  # seconds (rank.threads.HALF_LIFE_HOURS)
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
        page = pool[offset : offset + limit]
        for thread in page:
            self.decay(thread)
        return page, len(pool)

    def decay(self, thread: Thread) -> Thread:
        """Set the thread's importance at `now` (what `rank_threads` would); returns the thread."""
        base = self.base.get(id(thread))
        if base is not None and self.now is not None:
            age = max(0.0, self.now - self.last_ts[id(thread)])
            thread.importance = base * 0.5 ** (age / self.half_life)
        return thread


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
    adoptions: int = 0  # rebuilds from another replica's saved groups (`adopt`)
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
        self.lock = threading.RLock()  # the bookkeeping below; held only for moments
        self._cond = threading.Condition(self.lock)
        # The clusterer's content: held while queued work is applied (milliseconds), so that
        # writers, who take only `lock`, never wait for the clustering. Order: this, then `lock`.
        self._cluster_lock = threading.RLock()
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
        # the threads of the groups, kept in step with the clusterer by `snapshot`
        self._synced: tuple[int, int] | None = None  # (id(clusterer), generation) shown below
        self._group_thread: dict[Any, Thread] = {}  # group key → its thread
        self._thread_of: dict[str, Thread] = {}  # article name → its thread
        self._ranking = Ranking()
        self._reuse: dict[frozenset[int], tuple[Thread, float]] = {}  # saved threads (`load`)
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.stats = IndexStats()
        # asked before each periodic re-clustering: False on a replica that is not the leader
        self.may_recluster: Callable[[], bool] = lambda: True

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
    def live_count(self) -> int:
        """Articles in the clustering now."""
        return len(self._live)

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
            if self._changes_since_recluster and self.may_recluster():
                try:
                    started = time.perf_counter()
                    seconds = self.recluster()
                    self.snapshot()  # every group is new: rebuild the threads here, not in a GET
                    spent = time.perf_counter() - started
                    log.info(
                        "re-clustered %d live articles in %.2f s (%.2f s with the threads)",
                        len(self._live),
                        seconds,
                        spent,
                    )
                    wait = max(interval, spent / RECLUSTER_DUTY)
                except Exception:
                    log.exception("re-clustering failed")

    # -- writes ------------------------------------------------------------------------------
    def load(self, articles: Iterable[Article], saved: SavedLabels | None = None) -> int:
        """Bulk load (start-up): replaces the contents. Live news is grouped as `saved` says
        (labels saved earlier: `saved_labels`) when the clusterer can restore groups, else by
        the batch pass; the threads saved with them are reused when their articles match."""
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
        labels = saved.labels if saved is not None else None
        if labels and not callable(getattr(clusterer, "load", None)):
            labels = None
        bulk_load(clusterer, live, labels)
        if not labels:
            self._learn_rebuild(time.perf_counter() - start, len(live))
        clock.lap("cluster")
        reuse = self._saved_threads(clusterer, saved, loaded) if labels else {}
        clock.lap("saved threads")
        self.stats.load_phases = clock.phases
        with self._cluster_lock, self.lock:
            self._clusterer = clusterer
            self._state += 1
            self._pending.clear()
            self.version += 1
            self._changes_since_recluster = 0 if not labels else len(live)
        with self._build_lock:
            self._synced = None
            self._reuse = reuse
        return len(loaded)

    def _saved_threads(
        self, clusterer: Any, saved: SavedLabels, articles: dict[str, Article]
    ) -> dict[frozenset[int], tuple[Thread, float]]:
        """Threads rebuilt from their saved presentation, for the groups whose articles are
        exactly the saved ones (by members' ids, as `_replace_threads` reuses them)."""
        keyed = getattr(clusterer, "keyed_groups", None)
        if not callable(keyed) or not saved.threads:
            return {}
        reuse: dict[frozenset[int], tuple[Thread, float]] = {}
        for group in keyed().values():
            label = saved.labels.get(group[0].name)
            data = saved.threads.get(label) if label is not None else None
            if data is None:
                continue
            try:
                info = json.loads(data)
                names = info["a"]
                if len(names) != len(group) or {a.name for a in group} != set(names):
                    continue
                thread = Thread(
                    articles=[articles[name] for name in names],
                    title=info["t"],
                    lang=info["l"],
                    category=info["c"],
                    importance=float(info["b"]),
                )
            except (ValueError, KeyError, TypeError):
                continue
            reuse[frozenset(map(id, group))] = (thread, thread.importance)
        return reuse

    def saved_labels(self, cursor: Callable[[], int], hold: Any = None) -> SavedLabels | None:
        """The current groups and threads to save (`load` restores them), or None while
        clustering work is queued. `cursor()`: the change-feed position the index shows, read
        while holding `hold` (a lock that keeps writes out) with the groups."""
        with hold if hold is not None else contextlib.nullcontext():
            snapshot = self.snapshot()
            position = cursor()
            with self._cluster_lock, self.lock:
                if self._pending or snapshot.version != (self._state, self._now):
                    return None
                clusterer = self._current_clusterer()
                labels = clusterer.labels() if callable(getattr(clusterer, "labels", None)) else {}
        threads: dict[str, str] = {}
        for thread in snapshot.threads:
            label = labels.get(thread.articles[0].name)
            if label is None or any(labels.get(a.name) != label for a in thread.articles):
                continue
            threads[label] = json.dumps(
                {
                    "t": thread.title,
                    "c": thread.category,
                    "l": thread.lang,
                    "b": snapshot.base.get(id(thread), 0.0),
                    "a": [a.name for a in thread.articles],
                },
                ensure_ascii=False,
            )
        return SavedLabels(labels, threads, position)

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
            # Only this thread takes items off the queue, and a rebuild swaps the clusterer
            # under `_cluster_lock` too: the items read here are still first when popped below.
            with self._cluster_lock:
                with self.lock:
                    if not self._pending:
                        return
                    op, target = self._pending[0]
                    clusterer = self._current_clusterer()
                    if op == "add" and callable(getattr(clusterer, "add_batch", None)):
                        adds = itertools.takewhile(lambda w: w[0] == "add", self._pending)
                        batch = [article for _, article in itertools.islice(adds, ADD_BATCH)]
                    else:
                        batch = None
                start = time.perf_counter()
                if batch is not None:  # without `lock`: writers go on meanwhile
                    self._apply_batch(clusterer, batch)
                    done = len(batch)
                else:
                    self._apply(clusterer, op, target)
                    done = 1
                if op == "add":
                    self._learn_add((time.perf_counter() - start) / done)
                with self.lock:
                    # Items leave the queue only now, after `_state` counts them: `is_current`
                    # reads the queue without the lock and must not see it empty too early.
                    self._state += 1
                    for _ in range(done):
                        self._pending.popleft()
                    self.stats.online_ops += done
                    if not self._pending:
                        self._cond.notify_all()

    def _apply_batch(self, clusterer: Any, articles: list[Article]) -> None:
        try:
            clusterer.add_batch(articles)
        except Exception:  # one by one then, so one bad article cannot keep out the others
            log.exception("clusterer.add_batch failed for %d articles", len(articles))
            for article in articles:
                self._apply(clusterer, "add", article)

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

    def adopt(self, labels: dict[str, str]) -> float:
        """Rebuild the clustering from another replica's saved groups (name → label) instead
        of the batch pass; live articles without a label join online. Returns the seconds."""
        return self._rebuild(backlog=False, labels=labels)

    def _rebuild(self, backlog: bool, labels: dict[str, str] | None = None) -> float:
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
                bulk_load(fresh, live, labels)
                if not labels:
                    self._learn_rebuild(time.perf_counter() - built, len(live))
                prepared = self._prepare_threads(fresh)
            except BaseException:
                with self.lock:
                    self._replay = None
                raise
            with self._build_lock:  # the next snapshot, the first of `fresh`, takes them
                self._reuse = prepared
            with self._cluster_lock, self.lock:
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
        elif labels:
            self.stats.adoptions += 1
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
        """Ranked threads showing every write made before the call.

        Only the groups that changed since the last snapshot get a new `Thread`, which is moved
        in the ranked lists (their order does not depend on `now`: see `Ranking`). After a
        rebuild of the clustering every group is new: threads whose articles are the very same
        objects as before are reused."""
        self.wait_clustered()
        current = self._snapshot
        with self.lock:
            key = (self._state, self._now)
        if current is not None and current.version == key:
            return current
        with self._build_lock:
            start = time.perf_counter()
            with self._cluster_lock, self.lock:
                key = (self._state, self._now)
                current = self._snapshot
                if current is not None and current.version == key:
                    return current
                clusterer = self._current_clusterer()
                generation = getattr(clusterer, "generation", None)
                sync = (id(clusterer), generation)
                incremental = generation is not None and self._synced == sync
                if incremental:
                    changed = {k: clusterer.members(k) for k in clusterer.drain_touched()}
                elif generation is not None:
                    clusterer.drain_touched()
                    changed = clusterer.keyed_groups()
                else:  # a clusterer without group keys: every snapshot starts over
                    changed = dict(enumerate(clusterer.groups()))
                self._synced = None  # until the threads below are updated
            cpu = time.thread_time()
            try:
                if incremental:
                    self._update_threads(changed)
                else:
                    self._replace_threads(changed)
            except Exception:  # a bug here must not fail GETs: start the threads over
                log.exception("updating the threads failed: making them all again")
                self._group_thread, self._thread_of, self._ranking = {}, {}, Ranking()
                with self._cluster_lock, self.lock:
                    key = (self._state, self._now)
                    changed = clusterer.keyed_groups() if generation is not None else changed
                    if generation is not None:
                        clusterer.drain_touched()
                self._replace_threads(changed)
            self._synced = sync
            snapshot = self._ranking.snapshot(key, key[1], self._thread_of)
            snapshot.build_seconds = time.perf_counter() - start
            snapshot.build_cpu_seconds = time.thread_time() - cpu
            self._snapshot = snapshot
            self.stats.snapshots += 1
            return snapshot

    def _update_threads(self, changed: dict[Any, list[Article]]) -> None:
        """New threads for the groups in `changed` (key → its articles now; empty: gone)."""
        keys, groups = [], []
        for key, group in changed.items():
            old = self._group_thread.pop(key, None)
            if old is not None:
                self._ranking.remove(old)
                for article in old.articles:
                    if self._thread_of.get(article.name) is old:
                        del self._thread_of[article.name]
            if group:
                keys.append(key)
                groups.append(group)
        for key, thread in zip(keys, make(groups, self._authority_model()), strict=True):
            self._add_thread(key, thread, thread.importance)

    def _replace_threads(self, groups: dict[Any, list[Article]]) -> None:
        """All threads anew (after a rebuild of the clustering, or a load)."""
        known = _by_members(self._group_thread.values(), self._ranking.base)
        known.update(self._reuse)
        self._reuse = {}
        self._group_thread, self._thread_of, self._ranking = {}, {}, Ranking()
        for key, thread, base in self._reuse_or_make(groups, known):
            self._add_thread(key, thread, base)

    def _prepare_threads(self, fresh: Any) -> dict[frozenset[int], tuple[Thread, float]]:
        """The threads of a rebuilt clusterer's groups, made before it is swapped in (by the
        rebuilding thread, without blocking GETs): reused when unchanged, else made anew."""
        keyed = getattr(fresh, "keyed_groups", None)
        if not callable(keyed):
            return {}
        with self._build_lock:  # copies only: the lock is held for a moment
            current, bases = list(self._group_thread.values()), dict(self._ranking.base)
        groups = {frozenset(map(id, group)): group for group in keyed().values() if group}
        made = self._reuse_or_make(groups, _by_members(current, bases))
        return {members: (thread, base) for members, thread, base in made}

    def _reuse_or_make(
        self, groups: dict[Any, list[Article]], known: dict[frozenset[int], tuple[Thread, float]]
    ) -> list[tuple[Any, Thread, float]]:
        """(key, thread, base importance) of each non-empty group: the known thread of the very
        same article objects (a re-PUT makes a new object: nothing changed), else a new one."""
        out: list[tuple[Any, Thread, float]] = []
        fresh_keys, fresh_groups = [], []
        for key, group in groups.items():
            if not group:
                continue
            found = known.get(frozenset(map(id, group)))
            if found is None:
                fresh_keys.append(key)
                fresh_groups.append(group)
            else:
                out.append((key, *found))
        for key, thread in zip(fresh_keys, make(fresh_groups, self._authority_model()), strict=True):
            out.append((key, thread, thread.importance))
        return out

    def _add_thread(self, key: Any, thread: Thread, base: float) -> None:
        self._group_thread[key] = thread
        self._ranking.add(thread, base)
        for article in thread.articles:
            self._thread_of[article.name] = thread

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


class Ranking:
    """Threads sorted per (language, category) without re-ranking on every change.

    `rank_threads` orders by base importance × 2^(−age / half-life), age = now − the thread's
    newest article: the same order as log2(base) + newest / half-life, which does not depend
    on `now`. So each thread gets its sort key once, and a changed thread is moved by bisection.
    """

    def __init__(self) -> None:
        from newsthread.rank.threads import HALF_LIFE_HOURS, MIN_BIG_THREAD

        self.half_life = HALF_LIFE_HOURS * 3600.0
        self.min_big = MIN_BIG_THREAD
        self.keys: dict[int, tuple] = {}  # id(thread) → sort key
        self.base: dict[int, float] = {}  # id(thread) → importance before the decay
        self.last_ts: dict[int, float] = {}  # id(thread) → newest article time
        self.by_id: dict[str, Thread] = {}
        all_filters = [(lang, c) for lang in NEWS_LANGUAGES for c in FILTER_CATEGORIES]
        # (keys, threads) sorted together; (None, ANY) holds every thread
        self.lists: dict[tuple[str | None, str], tuple[list[tuple], list[Thread]]] = {
            f: ([], []) for f in [(None, ANY), *all_filters]
        }

    def _filters(self, thread: Thread) -> list[tuple[str | None, str]]:
        lang = thread.lang or thread.articles[0].lang
        if (lang, ANY) not in self.lists:
            return [(None, ANY)]
        return [(None, ANY), (lang, ANY), (lang, category_of(thread))]

    def add(self, thread: Thread, base: float) -> None:
        last = max(a.timestamp for a in thread.articles)
        score = math.log2(base) + last / self.half_life if base > 0 else -math.inf
        key = (len(thread.articles) < self.min_big, -score, thread.id)
        self.keys[id(thread)], self.base[id(thread)], self.last_ts[id(thread)] = key, base, last
        self.by_id.setdefault(key[2], thread)
        for f in self._filters(thread):
            keys, threads = self.lists[f]
            at = bisect.bisect_right(keys, key)
            keys.insert(at, key)
            threads.insert(at, thread)

    def remove(self, thread: Thread) -> None:
        key = self.keys.pop(id(thread))
        del self.base[id(thread)], self.last_ts[id(thread)]
        if self.by_id.get(key[2]) is thread:
            del self.by_id[key[2]]
        for f in self._filters(thread):
            keys, threads = self.lists[f]
            at = bisect.bisect_left(keys, key)
            while threads[at] is not thread:  # equal keys: find this very thread
                at += 1
            del keys[at], threads[at]

    def snapshot(self, version: tuple[int, float | None], now: float | None, thread_of: dict) -> Snapshot:
        """A copy the readers can keep while the ranking changes (copying lists is cheap)."""
        return Snapshot(
            version=version,
            now=now,
            threads=list(self.lists[(None, ANY)][1]),
            last_ts=dict(self.last_ts),
            by_filter={f: list(threads) for f, (_, threads) in self.lists.items() if f[0] is not None},
            by_id=dict(self.by_id),
            thread_of=dict(thread_of),
            base=dict(self.base),
            half_life=self.half_life,
        )


def _by_members(
    threads: Iterable[Thread], bases: dict[int, float]
) -> dict[frozenset[int], tuple[Thread, float]]:
    """Threads by the ids of their article objects, with their base importance."""
    return {frozenset(map(id, t.articles)): (t, bases.get(id(t), t.importance)) for t in threads}


def category_of(thread: Thread) -> str:
    return thread.category if thread.category in CATEGORIES else "other"


# -- the pipeline stages the index uses ------------------------------------------------------
def default_clusterer() -> Any:
    from newsthread.cluster import OnlineClusterer

    return OnlineClusterer()


def bulk_load(clusterer: Any, articles: list[Article], labels: dict[str, str] | None = None) -> None:
    """Fill an empty clusterer with many articles at once: grouped by `labels` (name → group
    label) when given, else by the batch pass.

    Uses the clusterer's `load(articles, labels)` when it has one (it returns the articles it
    left out, added one by one here). Otherwise: one `add` per article in time order, then
    `recluster()`.
    """
    if not articles:
        return
    load = getattr(clusterer, "load", None)
    if callable(load):
        left_out = sorted(load(articles, labels) if labels else load(articles) or (), key=time_key)
        if left_out and callable(getattr(clusterer, "add_batch", None)):
            clusterer.add_batch(left_out)
        else:
            for article in left_out:
                clusterer.add(article)
        return
    for article in sorted(articles, key=time_key):
        clusterer.add(article)
    clusterer.recluster()


def time_key(article: Article) -> tuple[float, str]:
    return (article.timestamp, article.name)


def default_authority() -> Any:
    from newsthread import rank as rank_module

    shipped = getattr(rank_module, "shipped_authority", None)
    return shipped() if shipped else rank_module.SourceAuthority.load()


def make(groups: list[list[Article]], authority: Any) -> list[Thread]:
    from newsthread.rank import make_threads

    return make_threads(groups, authority)

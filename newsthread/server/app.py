"""The HTTP server: `create_app(db_url)` builds the FastAPI app; the parts it runs are here.

    ArticleReader   parses + annotates PUT bodies (worker processes, or threads with workers=0)
    Writer          one thread: commits writes in groups, applies them to the index, then acks
    ServerState     store + index + reader + writer; loads the index in the background

A request is acknowledged only after its transaction committed and the index holds the
change. The port opens at once; until the stored articles are loaded and the models are
warm, every contract request is answered 503 (the tgnews checker retries those).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import pickle
import queue
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from multiprocessing.connection import Connection
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsthread.ingest import ReadError, read_bytes
from newsthread.model import NEWS_LANGUAGES, Article
from newsthread.server.index import ThreadIndex
from newsthread.store import Change, PreparedRow, SavedLabels, Store, open_store, prepare_row

log = logging.getLogger("newsthread.server")

MAX_BODY_BYTES = 5 * 1024 * 1024  # = ingest.MAX_FILE_BYTES: larger bodies get 413
MAX_BATCH = 256  # writes committed together by the writer
# A thread of the writer brings the store's full-text index up to date every SEARCH_INTERVAL
# seconds, in transactions of at most SEARCH_BATCH changes (FTS5 costs ~0.15-0.25 ms an article,
# a little less in larger transactions). A search waits for at most one chunk (~0.1 s at 500),
# and catches up itself first. When those chunks were the writer's own, between commits (each held the
# store's write lock ~50 ms), 20k-article PUT runs gave PUT/s x reader ms ~750; with no index
# at all ~830.
SEARCH_INTERVAL = 3.0
SEARCH_BATCH = 500
READ_BATCH = 32  # PUT bodies read and annotated in one worker call at most
READ_BATCH_BYTES = 1 << 20  # ... and at most about this many bytes of bodies
# Calls queued at each reader process at once: while it reads one batch the next waits in its
# pipe, so it never idles while the event loop (sharing the GIL with the writer and the
# clusterer) gets round to its answer. 20k-article PUT runs, PUT/s x reader ms: 682-690 with 1,
# 748-766 with 2, 771 with 3 (smaller batches then).
READ_PIPELINE = 2
MAX_RESENDS = 8  # a call sent again after deaths it did not cause, at most (then 503)
READ_TIMEOUT = 30.0  # seconds a reader may take for one call before it is killed (5 MB of HTML: ~0.1 s)
RECLUSTER_INTERVAL = 30.0  # seconds between background re-clusterings (when anything changed)
FOLLOW_INTERVAL = 1.0  # seconds between reads of the store's change feed (other replicas' writes)
RETRY_LOADING_AFTER = 5.0  # seconds between attempts to open the store when it fails
UPKEEP_INTERVAL = 10.0  # seconds between checks for saving thread labels / purging tombstones
LABELS_MAX_AGE = 60.0  # seconds: saved thread labels are refreshed at least this often after writes
TOMBSTONE_RETENTION = 600.0  # seconds a delete stays in the change feed (replicas poll every second)


# -- reading PUT bodies ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _classifier_available() -> bool:
    """Whether the news classifier loads. Loads the stages' models (the pipeline's own cached
    instances, which `annotate` then uses: the classifier is read from disk once)."""
    try:
        from newsthread.pipeline import load_models

        load_models()
    except (ImportError, FileNotFoundError) as error:
        log.warning(
            "no news classifier (%s): English/Russian articles count as news, category 'other'",
            str(error)[:200],
        )
        return False
    return True


def annotate(articles: list[Article]) -> list[Article]:
    """language → classify → terms (the pipeline's stages), or without a classifier: en/ru = news/other."""
    from newsthread.pipeline import annotate as run_stages

    if _classifier_available():
        return run_stages(articles)
    run_stages(articles, ("language",))
    for article in articles:
        if article.lang in NEWS_LANGUAGES and article.is_news is None:
            article.is_news, article.category = True, article.category or "other"
    return run_stages(articles, ("terms",))


def read_article(name: str, data: bytes, max_age: int | None) -> Article:
    """A PUT body → one annotated article named `name`. Raises ReadError for unreadable bodies."""
    result = read_articles([(name, data, max_age)])[0]
    if isinstance(result, BaseException):
        raise result
    return result


def read_articles(items: list[tuple[str, bytes, int | None]]) -> list[Article | BaseException]:
    """PUT bodies (name, body, max-age) → an annotated article, or the error of that body, each.

    The stages run once over all the readable ones; an error stays with its own body."""
    results: list[Article | BaseException] = []
    for name, data, max_age in items:
        try:
            articles = read_bytes(name, data)
            if not articles:
                raise ReadError(name, "no article found in the body")
        except Exception as error:  # ReadError, or a reader bug: this body's answer only
            results.append(error)
            continue
        article = articles[0]
        article.name = name
        article.max_age = max_age
        results.append(article)
    readable = [r for r in results if isinstance(r, Article)]
    try:
        annotate(readable)
    except Exception:
        if len(readable) == 1:
            raise
        for k, result in enumerate(results):  # find the one the models choke on
            if isinstance(result, Article):
                try:
                    annotate([result])
                except Exception as error:
                    results[k] = error
    return results


def read_for_store(
    items: list[tuple[str, bytes, int | None]], keep_raw: bool
) -> list[tuple[Article, PreparedRow] | BaseException]:
    """`read_articles`, each article with its store row (and compressed body when `keep_raw`)."""
    results: list[tuple[Article, PreparedRow] | BaseException] = []
    for result, (_, data, _) in zip(read_articles(items), items, strict=True):
        if not isinstance(result, BaseException):
            try:
                result = (result, prepare_row(result, data if keep_raw else None))
            except Exception as error:  # an article the store cannot take: its answer only
                result = error
        results.append(result)
    return results


WARM_UP_HTML = b"""<!DOCTYPE html><html><head><meta charset="utf-8"/>
<meta property="og:url" content="https://example.com/warm-up"/>
<meta property="og:site_name" content="Example"/>
<meta property="article:published_time" content="2020-01-01T00:00:00+00:00"/>
<meta property="og:title" content="Parliament approves the budget for next year"/>
<meta property="og:description" content="Lawmakers voted on Tuesday."/></head>
<body><article><h1>Parliament approves the budget for next year</h1>
<p>Lawmakers in the capital approved the state budget on Tuesday, officials said.</p>
<p>\xd0\x94\xd0\xb5\xd0\xbf\xd1\x83\xd1\x82\xd0\xb0\xd1\x82\xd1\x8b \xd0\xbf\xd1\x80\xd0\xb8\xd0\xbd\xd1\x8f\xd0\xbb\xd0\xb8 \xd0\xb1\xd1\x8e\xd0\xb4\xd0\xb6\xd0\xb5\xd1\x82.</p>
</article></body></html>"""


def warm_up() -> int:
    """Load every model this process needs (run once in each worker)."""
    read_article("warm-up.html", WARM_UP_HTML, 300)
    ru = WARM_UP_HTML.replace(
        b"Parliament approves the budget for next year", "Госдума приняла бюджет".encode()
    )
    read_article("warm-up-ru.html", ru, 300)
    return os.getpid()


READY = b"ready"  # a reader process's first message: its models are loaded


def _exit_with_parent(parent: int) -> None:
    """In a worker: exit when the server process is gone (kill -9 leaves no one to stop us)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


FRAME_HEADER = struct.Struct("!Q")  # a reader's answer: its length, then the pickle


def _frame(payload: bytes) -> bytes:
    return FRAME_HEADER.pack(len(payload)) + payload


def _write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(_frame(payload))
    while data:
        data = data[os.write(fd, data) :]


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from a blocking fd; None at its end."""
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _read_frame(fd: int) -> bytes | None:
    header = _read_exactly(fd, FRAME_HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, FRAME_HEADER.unpack(header)[0])


def _reader_process(requests: Connection, answers: Connection, parent: int) -> None:
    """A reader process: warm the models, answer READY, then answer each framed, pickled
    (items, keep_raw) with the pickled `read_for_store` results, until the request pipe closes."""
    _exit_with_parent(parent)
    warm_up()
    out = answers.fileno()
    _write_frame(out, READY)
    while True:
        try:
            message = _read_frame(requests.fileno())
        except OSError:
            return
        if message is None:
            return
        items, keep_raw = pickle.loads(message)
        try:
            results = read_for_store(items, keep_raw)
        except Exception as error:  # noqa: BLE001 - answered to every body of the batch
            results = [error] * len(items)
        try:
            payload = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an exception that does not pickle
            reason = f"the article could not be processed ({type(error).__name__})"
            payload = pickle.dumps([ReadError(name, reason) for name, _, _ in items])
        _write_frame(out, payload)


class WorkerDied(RuntimeError):
    """The reader process of a call ended (killed, out of memory, stuck...) before answering.
    `culprit`: the call was the one being read then (else it only waited behind it)."""

    def __init__(self, message: str, culprit: bool = True):
        super().__init__(message)
        self.culprit = culprit


class _ReaderProcess:
    """One reader process and two pipes to it, both driven by the event loop without blocking
    it: requests are written as the pipe takes them (`add_writer`), answers read as they
    arrive (`add_reader`), both in our own frames; no executor threads between a request and
    its worker. The process reads its calls in order, one at a time; a watchdog kills it when
    the call at the head of its queue takes longer than `timeout`."""

    def __init__(self, timeout: float = READ_TIMEOUT) -> None:
        ctx = multiprocessing.get_context("spawn")
        their_requests, self.requests = ctx.Pipe(duplex=False)
        self.answers, their_answers = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_reader_process,
            args=(their_requests, their_answers, os.getpid()),
            name="newsthread-reader",
            daemon=True,
        )
        self.process.start()
        their_requests.close()
        their_answers.close()
        self.timeout = timeout
        self.ready = False
        self.dead = False
        self._buffer = bytearray()  # answer bytes read, not yet a whole frame
        self._outgoing = bytearray()  # request bytes the pipe has not taken yet
        self._writing = False  # an add_writer callback is waiting for room in the pipe
        self._loop: asyncio.AbstractEventLoop | None = None
        # the calls waiting for answers, which come in the order of the calls: each one's future and
        # where its frame ends in the request stream
        self._waiters: deque[tuple[asyncio.Future, int]] = deque()
        self._queued_bytes = 0  # request bytes queued so far
        self._sent_bytes = 0  # ... and written to the pipe
        self._watchdog: asyncio.TimerHandle | None = None

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Block until the process has loaded its models."""
        deadline = time.monotonic() + timeout
        while not self.ready:
            left = deadline - time.monotonic()
            if left <= 0 or not self.answers.poll(left):
                raise RuntimeError(f"article reader process not ready after {timeout:.0f} s")
            if not self._read_available():
                self.process.join(1)
                raise RuntimeError(
                    f"article reader process exited while loading its models (exit code {self.process.exitcode})"
                )

    def calls_in_flight(self) -> int:
        return len(self._waiters)

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Follow the answer pipe on `loop` (so READY and an exit are seen even while idle)."""
        if self._loop is loop or self.dead:
            return
        if self._waiters or self._outgoing or self._buffer:
            # calls of another event loop, half-sent or half-answered: the frames on the pipes
            # can no longer be matched to calls, so this process is done
            self.process.kill()
            self._died(RuntimeError("the event loop changed"), blame=False)
            return
        self._stop_watching()
        loop.add_reader(self.answers.fileno(), self._read_available)
        os.set_blocking(self.requests.fileno(), False)
        self._loop = loop

    async def call(self, items: list[tuple[str, bytes, int | None]], keep_raw: bool) -> list[Any]:
        frame = _frame(pickle.dumps((items, keep_raw), protocol=pickle.HIGHEST_PROTOCOL))
        loop = asyncio.get_running_loop()
        self.watch(loop)
        if self.dead:
            raise WorkerDied("the reader process is gone", culprit=False)
        waiter = loop.create_future()
        self._queued_bytes += len(frame)
        self._waiters.append((waiter, self._queued_bytes))
        if self._watchdog is None:
            self._arm_watchdog()
        self._outgoing += frame
        self._write_available()
        return await waiter

    def _write_available(self) -> None:
        """Write what the request pipe takes now; wait for room (add_writer) for the rest."""
        if self.dead:
            return
        try:
            while self._outgoing:
                written = os.write(self.requests.fileno(), self._outgoing)
                del self._outgoing[:written]
                self._sent_bytes += written
        except BlockingIOError:
            if not self._writing:
                self._loop.add_writer(self.requests.fileno(), self._write_available)
                self._writing = True
            return
        except OSError as error:  # the process is gone (before it could read the calls queued)
            self._died(error, blame=False)
            return
        if self._writing:
            self._loop.remove_writer(self.requests.fileno())
            self._writing = False

    def _arm_watchdog(self) -> None:
        """Time the call at the head of the queue (from now: it is being read, or the models
        are loaded and it is next)."""
        if self._watchdog is not None:
            self._watchdog.cancel()
        timed = self._waiters and self.ready and self._loop is not None
        self._watchdog = self._loop.call_later(self.timeout, self._stuck) if timed else None

    def _stuck(self) -> None:
        # a pathological body or a stopped process: every later call waits behind it, so end it
        self._watchdog = None
        self.process.kill()
        self._died(TimeoutError(f"no answer in {self.timeout:.0f} s"))

    def _read_available(self) -> bool:
        """Read what the pipe holds and hand over each whole answer; False at the end."""
        try:
            chunk = os.read(self.answers.fileno(), 1 << 20)
        except BlockingIOError:
            return True
        except OSError as error:
            self._died(error)
            return False
        if not chunk:
            self._died(EOFError("the reader process closed its pipe"))
            return False
        buffer = self._buffer
        buffer += chunk
        while len(buffer) >= FRAME_HEADER.size:
            (size,) = FRAME_HEADER.unpack_from(buffer)
            end = FRAME_HEADER.size + size
            if len(buffer) < end:
                break
            message = bytes(buffer[FRAME_HEADER.size : end])
            del buffer[:end]
            self._answer(message)
        return True

    def _answer(self, message: bytes) -> None:
        if not self.ready and message == READY:  # the models are loaded
            self.ready = True
            self._arm_watchdog()  # calls sent meanwhile are read from now on
            return
        waiter = self._waiters.popleft()[0] if self._waiters else None
        self._arm_watchdog()  # the next call, if any, is read from now on
        if waiter is None or waiter.done():  # the request went away
            return
        try:
            waiter.set_result(pickle.loads(message))
        except Exception as error:  # noqa: BLE001 - handed to the waiting request
            waiter.set_exception(error)

    def _died(self, error: BaseException, blame: bool = True) -> None:
        """The process is gone: fail the calls queued. The head call is blamed (`culprit`) only
        when the process had its models loaded and the whole call to read."""
        if self.dead:
            return
        blame = blame and self.ready and bool(self._waiters) and self._sent_bytes >= self._waiters[0][1]
        self.dead = True
        self.close()
        waiters, self._waiters = self._waiters, deque()
        reason = str(error) or type(error).__name__
        for position, (waiter, _) in enumerate(waiters):
            if not waiter.done():
                waiter.set_exception(WorkerDied(reason, culprit=blame and position == 0))

    def gone(self) -> bool:
        """Dead, or exited without the loop having seen it yet."""
        return self.dead or self.process.exitcode is not None

    def _stop_watching(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._loop is not None and not self._loop.is_closed():
            for stop, fd in (
                (self._loop.remove_reader, self.answers),
                (self._loop.remove_writer, self.requests),
            ):
                try:
                    stop(fd.fileno())
                except (OSError, ValueError, RuntimeError):  # closed pipe or loop
                    pass
        self._writing = False
        self._outgoing.clear()
        self._loop = None

    def close(self) -> None:
        self._stop_watching()
        self.requests.close()  # the process exits when its request pipe closes
        self.answers.close()


class ArticleReader:
    """Runs `read_for_store` off the event loop: in `workers` processes, or in threads when 0.

    Bodies are batched adaptively: while every worker is busy, arriving bodies wait and go
    together in the next call (at most READ_BATCH bodies or READ_BATCH_BYTES); an idle worker
    takes a body at once, so a lone PUT waits for nothing. Under load that is fewer round trips
    (and wake-ups of the server's threads) than bodies: with 4 PUT connections ~1.7 bodies a
    call, and the server process spent ~25 % less CPU per article (bench/server.py). Each
    process holds up to READ_PIPELINE calls: the next batch waits in its pipe, not in ours."""

    def __init__(self, workers: int, keep_raw: bool = True, timeout: float = READ_TIMEOUT):
        self.workers = max(0, workers)
        self.timeout = timeout  # for one call of a reader process
        self.keep_raw = keep_raw  # the store rows carry the compressed body
        self.slots = self.workers * READ_PIPELINE or 2  # calls in flight at once
        self._threads = ThreadPoolExecutor(2, thread_name_prefix="reader") if not self.workers else None
        self._processes: list[_ReaderProcess] = [_ReaderProcess(timeout) for _ in range(self.workers)]
        self._pending: deque[tuple[str, bytes, int | None, asyncio.Future]] = deque()
        self._in_flight = 0
        self._tasks: set[asyncio.Task] = set()
        self.calls = 0
        self.bodies = 0
        self.restarts = 0

    def warm_up(self) -> None:
        """Block until every reader has its models loaded (a reader that died is replaced)."""
        if self._threads is not None:
            self._threads.submit(warm_up).result()
        self._replace_gone()
        for process in list(self._processes):
            process.wait_ready()

    def _replace_gone(self) -> None:
        for k, process in enumerate(self._processes):
            if process.gone():
                process._died(EOFError("the reader process exited"))  # no-op when already dead
                self._processes[k] = _ReaderProcess(self.timeout)
                self.restarts += 1

    async def read(self, name: str, data: bytes, max_age: int | None) -> tuple[Article, PreparedRow]:
        """The annotated article of a body and its store row; raises the body's error."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((name, data, max_age, future))
        if self._in_flight < self.slots:
            self._dispatch()
        result = await future
        if isinstance(result, BaseException):
            raise result
        return result

    def _dispatch(self) -> None:
        batch = [self._pending.popleft()]
        size = len(batch[0][1])
        while self._pending and len(batch) < READ_BATCH and size < READ_BATCH_BYTES:
            batch.append(self._pending.popleft())
            size += len(batch[-1][1])
        self._in_flight += 1
        task = asyncio.get_running_loop().create_task(self._read_batch(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_batch(self, batch: list[tuple[str, bytes, int | None, asyncio.Future]]) -> None:
        try:
            results = await self._call([(name, data, max_age) for name, data, max_age, _ in batch])
        except BaseException as error:  # noqa: BLE001 - every waiting request gets it
            results = [error] * len(batch)
        finally:
            self._in_flight -= 1
            if self._pending:
                self._dispatch()
        self.calls += 1
        self.bodies += len(batch)
        for (_, _, _, future), result in zip(batch, results, strict=True):
            if not future.done():  # done = the client went away
                future.set_result(result)

    def _process(self) -> _ReaderProcess:
        """A live process for the next call: dead ones are replaced first; one with room in
        its queue, then a loaded one, then the least busy is preferred."""
        self._replace_gone()
        loop = asyncio.get_running_loop()
        for process in self._processes:
            # READY and exits are seen while a process is idle too (one the watching ends, on a
            # change of event loop, fails its call unblamed: that call is sent again)
            process.watch(loop)
        return min(
            self._processes,
            key=lambda p: (p.calls_in_flight() >= READ_PIPELINE, not p.ready, p.calls_in_flight()),
        )

    async def _call(self, items: list[tuple[str, bytes, int | None]]) -> list[Any]:
        if self._threads is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, read_for_store, items, self.keep_raw)
        attempts = resent = 0
        while True:
            try:
                return await self._process().call(items, self.keep_raw)
            except WorkerDied as died:
                if not died.culprit:
                    resent += 1  # it died reading another call, or loading: send this one again
                    if resent > MAX_RESENDS:  # readers that die before reading anything
                        raise
                    continue
                attempts += 1
                names = ", ".join(name for name, _, _ in items[:3])
                log.error(
                    "article reader process died while reading %s (attempt %d): %s", names, attempts, died
                )
            if len(items) > 1:
                # a batch is retried body by body, so one deadly body fails alone
                return [(await self._call([item]))[0] for item in items]
            if attempts >= 2:
                return [ReadError(items[0][0], "the article could not be processed")]

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
        for process in self._processes:
            process.close()


# -- writing -----------------------------------------------------------------------------------
@dataclass
class _Job:
    op: str  # "put" | "delete"
    target: Any  # Article | name
    raw: bytes | PreparedRow | None  # the body, or the row made by a reader
    done: Callable[[bool | None, BaseException | None], None] | None  # for submit_sync
    loop: asyncio.AbstractEventLoop | None = None  # for submit: the future to resolve there
    future: asyncio.Future | None = None


class Writer:
    """The only writer: commits jobs in groups (one transaction each), applies them to the index, acks."""

    def __init__(
        self,
        store: Store,
        index: ThreadIndex,
        apply_lock: threading.Lock,
        on_commit: Callable[[int, int], None] | None = None,
    ):
        self.store = store
        self.index = index
        self.on_commit = on_commit  # (cursor before, cursor after) of each commit, under apply_lock
        self.apply_lock = apply_lock  # also held by the change-feed follower
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)
        self._indexer = threading.Thread(target=self._index_loop, name="search-indexer", daemon=True)
        self._stopping = threading.Event()
        self.commits = 0
        self.written = 0
        self.search_indexed = 0  # changes taken into the store's full-text index

    def start(self) -> None:
        self._thread.start()
        self._indexer.start()

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._indexer.join(timeout=10)

    def submit(self, op: str, target: Any, raw: bytes | PreparedRow | None = None) -> asyncio.Future:
        """Queue a write; the future resolves to True (new / existed) after commit + index update."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put(_Job(op, target, raw, None, loop, future))
        return future

    def submit_sync(self, op: str, target: Any, raw: bytes | PreparedRow | None = None) -> bool:
        """The same, blocking (for code outside the event loop)."""
        event = threading.Event()
        box: list[Any] = [None, None]

        def done(result: bool | None, error: BaseException | None) -> None:
            box[0], box[1] = result, error
            event.set()

        self._queue.put(_Job(op, target, raw, done))
        event.wait()
        if box[1] is not None:
            raise box[1]
        return bool(box[0])

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs = [job]
            while len(jobs) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                jobs.append(more)
            self._commit(jobs)

    def _index_loop(self) -> None:
        """Every SEARCH_INTERVAL s, the store's full-text index takes the changes since (in
        chunks of SEARCH_BATCH until caught up). The SQLite store keeps that index in a file of
        its own, so the writes never wait for it; its SQL runs without the GIL."""
        while not self._stopping.wait(SEARCH_INTERVAL):
            while self._index_search() >= SEARCH_BATCH and not self._stopping.is_set():
                pass

    def _index_search(self) -> int:
        """Full-text index up to SEARCH_BATCH of the changes since the last call."""
        try:
            done = self.store.index_search(SEARCH_BATCH)
            self.search_indexed += done
            return done
        except Exception:  # search lags; the writes are safe and the next round retries
            log.exception("full-text indexing failed")
            return 0

    def _commit(self, jobs: list[_Job]) -> None:
        with self.apply_lock:
            try:
                results = self.store.apply([(j.op, j.target, j.raw) for j in jobs])
            except Exception as error:
                log.exception("store write failed (%d writes not acknowledged)", len(jobs))
                _acknowledge(jobs, [None] * len(jobs), error)
                return
            for j in jobs:
                try:
                    if j.op == "put":
                        self.index.put(j.target)
                    else:
                        self.index.delete(j.target)
                except Exception:  # stored but not indexed: the next reload repairs it
                    log.exception("index update failed for %s", getattr(j.target, "name", j.target))
            if self.on_commit is not None:
                self.on_commit(*self.store.last_commit)
        self.commits += 1
        self.written += len(jobs)
        _acknowledge(jobs, results, None)


def _acknowledge(jobs: list[_Job], results: list[bool | None], error: BaseException | None) -> None:
    """Resolve the jobs' futures: one wake-up of each event loop for the whole group."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, bool | None]]] = {}
    for job, result in zip(jobs, results, strict=True):
        if job.done is not None:
            job.done(result, error)
        else:
            by_loop.setdefault(job.loop, []).append((job.future, result))
    for loop, items in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve_all, items, error)
        except RuntimeError:  # the loop is closed: the server is stopping, nobody waits
            pass


def _resolve_all(items: list[tuple[asyncio.Future, bool | None]], error: BaseException | None) -> None:
    for future, result in items:
        if future.done():  # the client went away; the write happened anyway
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


# -- server state ------------------------------------------------------------------------------
def default_workers() -> int:
    """Annotation processes: one per spare core, at most 4 (0 = threads in the server process)."""
    cores = os.cpu_count() or 1
    return max(1, min(4, cores - 1)) if cores > 1 else 0


class ServerState:
    """Everything the routes need. `start()` returns at once; loading runs in a thread."""

    def __init__(
        self,
        db_url: str | None = None,
        *,
        workers: int | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        recluster_interval: float | None = RECLUSTER_INTERVAL,
        follow_interval: float | None = FOLLOW_INTERVAL,
        keep_raw: bool = True,
        index: ThreadIndex | None = None,
        upkeep_interval: float = UPKEEP_INTERVAL,
    ):
        self.db_url = db_url
        self.workers = default_workers() if workers is None else workers
        self.max_body_bytes = max_body_bytes
        self.recluster_interval = recluster_interval
        self.follow_interval = follow_interval
        self.keep_raw = keep_raw
        self.index = index or ThreadIndex()
        self.store: Store | None = None
        self.reader: ArticleReader | None = None
        self.writer: Writer | None = None
        self.apply_lock = threading.Lock()
        self.ready = False
        self.status = "starting"
        self.error: str | None = None
        self.started_at = time.time()
        self.ready_seconds: float | None = None
        self.load_seconds: float | None = None
        self.first_snapshot: tuple[float, float] | None = None  # (wall s, CPU s)
        self._cursor = 0
        self._labels_saved: tuple[Any, float] = (None, 0.0)  # (what was saved, monotonic time)
        self._cursor_samples: deque[tuple[float, int]] = deque()  # (monotonic time, cursor)
        self._purged_seq = 0
        self.labels_restored = 0  # articles grouped by saved labels at the last load
        self.labels_saves = 0
        self.labels_saved_version: int | None = None  # index version the saved labels show
        self.upkeep_interval = upkeep_interval
        # Replicas on one PostgreSQL: only the leader (a session advisory lock) re-clusters and
        # saves thread labels; the others adopt the saved labels, so all show the same groups.
        self.is_leader: bool | None = None
        self.labels_adopted_cursor = 0  # labels_cursor of the last adopted save
        self.labels_adoptions = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifetime ----------------------------------------------------------------------------
    def start(self) -> None:
        self._spawn(self._load, "loader")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _load(self) -> None:
        while not self._stop.is_set():
            try:
                self._load_once()
                break
            except Exception as error:  # e.g. PostgreSQL not up yet: keep answering 503, retry
                log.exception("loading the index failed")
                self.error = f"{type(error).__name__}: {error}"[:500]
                self.status = "store unavailable"
                if self.store is not None:
                    self.store.close()
                    self.store = None
                self._stop.wait(RETRY_LOADING_AFTER)
        if self._stop.is_set():
            return
        self.writer = Writer(self.store, self.index, self.apply_lock, self._own_commit)
        self.writer.start()
        self.index.may_recluster = self._may_recluster
        self.index.start(self.recluster_interval)
        if self.follow_interval:
            self._spawn(self._follow_loop, "follower")
        self._spawn(self._upkeep_loop, "upkeep")
        self.ready_seconds = time.time() - self.started_at
        self.ready, self.status, self.error = True, "ready", None
        log.info(
            "ready after %.1f s: %d articles; load phases (wall s, CPU s) %s, first threads %s",
            self.ready_seconds,
            len(self.index),
            self.index.stats.load_phases,
            self.first_snapshot,
        )

    def _load_once(self) -> None:
        self.status = "opening store"
        self.store = open_store(self.db_url)
        self.status = "starting article readers"
        if self.reader is None:
            self.reader = ArticleReader(self.workers, self.keep_raw)
        with ThreadPoolExecutor(1, thread_name_prefix="warm-up") as pool:
            warm = pool.submit(self.reader.warm_up)  # models load while this thread reads the store
            self.status = "loading articles"
            start = time.perf_counter()
            # Millions of long-lived objects: without the cyclic GC the load is ~1/3 faster, and
            # frozen afterwards they no longer slow down every later collection (each snapshot
            # rebuild allocates a lot).
            gc.disable()
            try:
                self._cursor = self.store.cursor()
                saved = self._saved_labels()
                self.index.load(self.store.iter_articles(with_text=False), saved)
                self.labels_restored = len(saved.labels) if saved else 0
                # a follower's groups now are these labels: adopting them again would redo the load
                self.labels_adopted_cursor = saved.cursor if saved else 0
                # unless every live article was restored from saved labels, save them soon
                restored = saved is not None and self.labels_restored >= self.index.live_count
                self._labels_saved = (self._labels_marker() if restored else None, time.monotonic())
                self.status = "building threads"
                first = self.index.snapshot()
                self.first_snapshot = (round(first.build_seconds, 3), round(first.build_cpu_seconds, 3))
            finally:
                gc.freeze()
                gc.enable()
            self.load_seconds = time.perf_counter() - start
            self.status = "loading models"
            warm.result()  # a model that cannot load is an error: retried, 503 meanwhile

    def _saved_labels(self) -> SavedLabels | None:
        """The thread labels saved by the last run, less those of articles changed since."""
        try:
            saved = self.store.load_labels()
            if not saved.labels:
                return None
            for name in self.store.names_changed_since(saved.cursor):
                saved.labels.pop(name, None)
        except Exception:  # a cache: without it the batch pass groups the articles
            log.exception("reading the saved thread labels failed")
            return None
        return saved

    def close(self) -> None:
        self._stop.set()
        if self.writer is not None:
            self.writer.stop()
            try:  # the next start then skips the batch pass (the leader's labels only)
                if self._may_recluster():
                    self._save_labels(force=True)
            except Exception:
                log.exception("saving the thread labels at shutdown failed")
        if self.reader is not None:
            self.reader.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.index.stop()
        if self.store is not None:
            self.store.close()

    # -- background work ---------------------------------------------------------------------
    def _follow_loop(self) -> None:
        while not self._stop.wait(self.follow_interval):
            try:
                self.follow()
            except Exception:
                log.exception("reading the change feed failed")

    def follow(self) -> int:
        """Apply writes other processes committed to the shared store; returns how many."""
        applied = 0
        if self.store.purged_through() > self._cursor:
            # deletes we have not seen may be purged from the feed: reload everything
            with self.apply_lock:
                log.warning("the change feed moved past this replica: reloading the index")
                self._cursor = self.store.cursor()
                self.index.load(self.store.iter_articles(with_text=False))
                return len(self.index)
        while True:
            with self.apply_lock:  # the writer applies its own commits under the same lock
                changes, cursor = self.store.changes_since(self._cursor)
                for change in changes:
                    applied += self._apply_change(change)
                self._cursor = cursor
            if not changes:
                return applied

    def _upkeep_loop(self) -> None:
        while not self._stop.wait(self.upkeep_interval):
            try:
                self.upkeep()
            except Exception:
                log.exception("store upkeep failed")

    def _labels_marker(self) -> tuple[int, int, int]:
        stats = self.index.stats
        return (stats.reclusters, stats.backlog_rebuilds, self.index.version)

    def upkeep(self, force: bool = False) -> None:
        """Save the thread labels when the groups changed (a re-clustering, or writes over a
        minute ago), so a restart skips the batch pass; purge tombstones past the retention.
        A replica that is not the re-clustering leader adopts the leader's saved labels instead."""
        if not self._may_recluster():
            self._adopt_saved_labels()
        else:
            self._save_labels(force)
        self._purge_tombstones()

    def _may_recluster(self) -> bool:
        try:
            self.is_leader = self.store.try_lead()
        except Exception:  # the store is unreachable: keep serving, decide next time
            log.exception("asking for the re-clustering lead failed")
            return False
        return self.is_leader

    def _adopt_saved_labels(self) -> None:
        cursor = self.store.labels_cursor()
        if cursor == self.labels_adopted_cursor:
            return
        saved = self._saved_labels()  # less the articles changed since: those join online
        if saved is not None and saved.labels:
            seconds = self.index.adopt(saved.labels)
            self.index.snapshot()  # every group is new: rebuild the threads here, not in a GET
            self.labels_adoptions += 1
            log.info("adopted the leader's thread labels (%d articles) in %.2f s", len(saved.labels), seconds)
        self.labels_adopted_cursor = cursor

    def _save_labels(self, force: bool) -> None:
        marker, saved_at = self._labels_saved
        now = time.monotonic()
        current = self._labels_marker()
        if current != marker and (
            force or marker is None or current[:2] != marker[:2] or now - saved_at >= LABELS_MAX_AGE
        ):
            # no write lands between reading the cursor and the labels
            saved = self.index.saved_labels(lambda: self._cursor, hold=self.apply_lock)
            if saved is not None:
                self.store.save_labels(saved)
                self._labels_saved = (current, now)
                self.labels_saves += 1
                self.labels_saved_version = current[2]

    def _purge_tombstones(self) -> None:
        now = time.monotonic()
        self._cursor_samples.append((now, self._cursor))
        through = 0
        while self._cursor_samples and now - self._cursor_samples[0][0] >= TOMBSTONE_RETENTION:
            through = self._cursor_samples.popleft()[1]
        if through > self._purged_seq:
            purged = self.store.purge_tombstones(through)
            self._purged_seq = through
            if purged:
                log.info("purged %d tombstones from the change feed", purged)

    def _own_commit(self, before: int, after: int) -> None:
        """Called by the writer under apply_lock: skip our own changes in the feed when we can."""
        if self._cursor >= before:  # nothing from other processes is pending before our commit
            self._cursor = max(self._cursor, after)

    def _apply_change(self, change: Change) -> int:
        current = self.index.get(change.name)
        if change.deleted:
            return int(self.index.delete(change.name)) if current is not None else 0
        if current is not None and _same(current, change.article):
            return 0  # our own write (or already applied)
        self.index.put(change.article)
        return 1

    # -- status ------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        stats = self.index.counts()
        snapshot = self.index.latest
        return {
            "ready": self.ready,
            "status": self.status,
            "error": self.error,
            "store": _redact(self.store.url if self.store else self.db_url or ""),
            "articles": stats.articles,
            "threadable": stats.threadable,
            "live": stats.live,
            "clustering_backlog": stats.backlog,
            "now": datetime.fromtimestamp(self.index.now, UTC).isoformat() if self.index.now else None,
            "threads_in_last_snapshot": len(snapshot.threads) if snapshot else None,
            "version": self.index.version,
            "ready_seconds": self.ready_seconds,
            "load_seconds": self.load_seconds,
            "snapshot_build_seconds": snapshot.build_seconds if snapshot else None,
            "snapshot_build_cpu_seconds": snapshot.build_cpu_seconds if snapshot else None,
            "load_phases": stats.load_phases,
            "first_snapshot": self.first_snapshot,
            "labels_restored": self.labels_restored,
            "labels_saves": self.labels_saves,
            "labels_saved_version": self.labels_saved_version,
            "recluster_leader": self.is_leader,
            "labels_adoptions": self.labels_adoptions,
            "snapshots": stats.snapshots,
            "reclusters": stats.reclusters,
            "backlog_rebuilds": stats.backlog_rebuilds,
            "last_recluster_seconds": stats.last_recluster_seconds,
            "online_add_ms": round(stats.add_seconds * 1000, 3),
            "rebuild_ms_per_article": round(stats.rebuild_seconds_per_article * 1000, 4),
            "commits": self.writer.commits if self.writer else 0,
            "writes": self.writer.written if self.writer else 0,
            "search_indexed": self.writer.search_indexed if self.writer else 0,
            "search_backlog": self._search_backlog(),
            "workers": self.workers,
            "reader_calls": self.reader.calls if self.reader else 0,
            "reader_bodies": self.reader.bodies if self.reader else 0,
            "reader_restarts": self.reader.restarts if self.reader else 0,
            "index_errors": stats.errors[-5:],
        }

    def _search_backlog(self) -> int | None:
        """Writes the store's full-text index has yet to take (None while no store is open)."""
        if self.store is None:
            return None
        try:
            return self.store.search_backlog()
        except Exception:  # a status page must answer even when the store does not
            return None


def _same(a: Article, b: Article) -> bool:
    return (
        a.title == b.title
        and a.published == b.published
        and a.max_age == b.max_age
        and a.lang == b.lang
        and a.is_news == b.is_news
        and a.category == b.category
        and a.url == b.url
        and a.title_terms == b.title_terms
    )


def _redact(url: str) -> str:
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url


# -- the app -----------------------------------------------------------------------------------
def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def create_app(
    db_url: str | None = None,
    *,
    workers: int | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    recluster_interval: float | None = RECLUSTER_INTERVAL,
    follow_interval: float | None = FOLLOW_INTERVAL,
    keep_raw: bool = True,
    upkeep_interval: float = UPKEEP_INTERVAL,
) -> FastAPI:
    """The newsthread server: tgnews contract routes, `/api/...`, OpenAPI docs at `/docs`.

    db_url: SQLite path / ``sqlite:///`` URL / ``postgresql://`` URL (default ./newsthread.db).
    workers: annotation processes (default one per spare core, at most 4; 0 = threads).
    """
    from newsthread.server import api, tgnews_api

    state = ServerState(
        db_url,
        workers=workers,
        max_body_bytes=max_body_bytes,
        recluster_interval=recluster_interval,
        follow_interval=follow_interval,
        keep_raw=keep_raw,
        upkeep_interval=upkeep_interval,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state.start()
        try:
            yield
        finally:
            await asyncio.get_running_loop().run_in_executor(None, state.close)

    app = NewsthreadAPI(
        title="newsthread",
        summary="News threads: the tgnews contest HTTP contract and newsthread's JSON API",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,  # /docs is served by newsthread.server.api: it works offline
        redoc_url=None,
    )
    app.state.nt = state

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        allowed = {m.strip() for m in (getattr(exc, "headers", None) or {}).get("Allow", "").split(",")}
        if exc.status_code == 405 and allowed <= {"PUT", "DELETE"}:
            # only the tgnews PUT/DELETE /<name> routes matched the path: for any other method
            # the path does not exist
            exc = StarletteHTTPException(404)
            message = "Not Found"
        if exc.status_code == 404 and message == "Not Found":
            message = f"not found: {request.url.path}"
        return error_response(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for item in exc.errors():
            where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body"))
            parts.append(
                f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid"))
            )
        return error_response(400, "; ".join(parts) or "invalid request")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error: {type(exc).__name__}")

    app.include_router(api.router)
    app.include_router(api.docs_router)
    try:
        from newsthread.server.web import router as web_pages  # the reader's HTML pages
    except ModuleNotFoundError as error:
        if error.name != "newsthread.server.web":
            raise
    else:
        app.include_router(web_pages)
    app.include_router(tgnews_api.router)  # last: its PUT/DELETE routes take any path
    app.contract = tgnews_api.ContractFastPath(state)
    return app


class NewsthreadAPI(FastAPI):
    """FastAPI, except that the tgnews contract's requests (PUT/DELETE /<name>, GET /threads)
    are answered before FastAPI's middleware stack and routing: the same answers (the fast path
    makes its own error replies), without the stack's per-request CPU."""

    contract: Any = None  # a tgnews_api.ContractFastPath

    async def __call__(self, scope, receive, send) -> None:
        contract = self.contract
        if contract is not None and contract.takes(scope):
            await contract.answer(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _version() -> str:
    from newsthread import __version__

    return __version__

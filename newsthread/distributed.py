"""The batch pipeline on Dask distributed: same results as `newsthread.pipeline`, on many workers.

    with connect(scheduler=None, workers=2) as client:       # or connect("tcp://host:8786")
        result = process_paths_dask(client, paths, STAGES)    # == pipeline.process_paths(paths)
        threads = build_threads_dask(client, news_articles(result.articles))  # == build_threads(...)

    result, threads = run_batch(paths, STAGES, workers=2, with_threads=True)  # both, one client

Reading (parse, language, classify, normal forms) is partitioned by file chunks: each task is
`pipeline._read_chunk` on `pipeline.CHUNK_SIZE` files, merged in submission order.

Clustering is partitioned by language × time window and is *exactly* `cluster.cluster_batch`:
its core is (a) a vocabulary and IDF over all of a language's articles, (b) candidate edges found
block by block (`config.block_rows` rows of the time-ordered articles, each block compared only
with the rows up to `config.time_window` after its last row), (c) average linkage over the edges.

1. *encode* (one task per `ENCODE_ROWS` rows): articles → sparse term rows over a local
   vocabulary, plus their distinct terms and document frequencies. The rows stay on the worker.
2. the client merges the parts' terms in time order into the global vocabulary (the column ids
   `cluster_batch` assigns) and sums the document frequencies into the global IDF.
3. *edges* (one task per window = one search block): the block's rows plus the rows of the next
   `time_window` after it (the overlap), remapped to global columns, weighted with the global IDF,
   searched exactly as `similarity.batch_edges` searches that block. Each pair (i < j) is only searched
   by the block holding i, so the stitched edge list has no duplicates and is the very list
   `batch_edges` returns (same pairs, same float32 scores, same order): a thread that crosses a
   window edge is joined by the overlap rows of the earlier window.
4. *link* (one task per language): `linkage.average_linkage` over the stitched edges.
5. the client turns labels into groups (as `cluster_batch` does) and calls `rank.make_threads` /
   `rank.rank_threads` on the original `Article` objects.

Workers must be able to import newsthread and, for reading, see the files at the same absolute
paths (a LocalCluster always does; a remote cluster needs a shared file system).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from newsthread.ingest import ReadResult
from newsthread.model import Article, Thread
from newsthread.pipeline import CHUNK_SIZE, STAGES, _read_chunk, default_workers, news_articles

if TYPE_CHECKING:
    from distributed import Client, Future

    from newsthread.cluster.config import ClusterConfig
    from newsthread.cluster.similarity import Encoded

Progress = Callable[[int], None]  # called with the number of files just finished


# --- the cluster ----------------------------------------------------------------------------------
def connect(scheduler: str | None = None, workers: int | None = None, **cluster_options: Any) -> Client:
    """A client of the scheduler at `scheduler` ("tcp://HOST:PORT"), or of a new LocalCluster of
    `workers` single-threaded worker processes (default: one per core, at most 8).

    Use it as a context manager (or call `.close()`): closing the client also shuts down the
    LocalCluster it started, never a cluster it only connected to. `cluster_options` go to
    `LocalCluster` (e.g. memory_limit="4GiB", dashboard_address=":8787"; default: any free port).
    """
    from distributed import Client

    if scheduler:
        if workers is not None:
            raise ValueError("give either a scheduler address or a number of workers, not both")
        return Client(scheduler)
    n_workers = default_workers() if workers is None else workers
    if n_workers < 1:
        raise ValueError(f"workers must be at least 1, not {n_workers}")
    import dask

    # A free port for the scheduler's HTTP server (dashboard, /health): ":8787" may be taken.
    options: dict[str, Any] = {"dashboard_address": ":0"}
    options.update(cluster_options)
    with dask.config.set(LOCAL_CLUSTER_CONFIG):  # (the nannies pass it on to their workers)
        return Client(n_workers=n_workers, threads_per_worker=1, processes=True, **options)


# Slower background loops for the LocalClusters `connect` starts. With one worker per core, the
# client process (scheduler, nannies) competes with the workers for the cores; at the defaults,
# its event-loop tick and monitors take ~4% of a core when idle, 1% with these (measured with
# 2 workers: 0.38 vs 0.10 CPU s per 10 s).
LOCAL_CLUSTER_CONFIG = {
    "distributed.admin.tick.interval": "100ms",  # only detects a blocked event loop
    "distributed.admin.system-monitor.interval": "2s",  # dashboard CPU/memory plots
    "distributed.worker.memory.monitor-interval": "500ms",  # checks of the worker memory limit
}


def run_batch(
    paths: Sequence[Path | str],
    stages: Sequence[str] = STAGES,
    scheduler: str | None = None,
    workers: int | None = None,
    with_threads: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> tuple[ReadResult, list[Thread] | None]:
    """Read + annotate `paths` and, if `with_threads`, thread their news; one client for both.

    Equals `(pipeline.process_paths(paths, stages), pipeline.build_threads(news_articles(...)))`.
    """
    with connect(scheduler, workers) as client:
        result = process_paths_dask(client, paths, stages, progress)
        threads = build_threads_dask(client, news_articles(result.articles), now) if with_threads else None
    return result, threads


# --- reading --------------------------------------------------------------------------------------
def process_paths_dask(
    client: Client,
    paths: Sequence[Path | str],
    stages: Sequence[str] = STAGES,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ReadResult:
    """`pipeline.process_paths` on the cluster: one `_read_chunk` task per `chunk_size` files.

    Articles and errors come back in file order, exactly as `process_paths` returns them.
    """
    from distributed import as_completed

    stages = tuple(stages)
    chunk_size = max(1, chunk_size)
    files = [os.path.abspath(p) for p in paths]  # workers may not share our working directory
    chunks = [files[i : i + chunk_size] for i in range(0, len(files), chunk_size)]
    # pure=False: a result depends on the files' contents, not just on their names.
    futures = client.map(_read_chunk, chunks, stages=stages, pure=False, key=_keys("read", len(chunks)))
    index = {future.key: k for k, future in enumerate(futures)}
    parts: list[ReadResult | None] = [None] * len(chunks)
    for future in as_completed(futures):
        k = index[future.key]
        parts[k] = future.result()
        future.release()
        if progress:
            progress(len(chunks[k]))
    total = ReadResult()
    for part in parts:
        assert part is not None
        total.articles.extend(part.articles)
        total.errors.extend(part.errors)
    return total


def _keys(prefix: str, n: int) -> list[str]:
    """Readable, unique task keys (the dashboard groups tasks by the prefix)."""
    import uuid

    token = uuid.uuid4().hex[:12]
    return [f"newsthread-{prefix}-{token}-{k}" for k in range(n)]


# --- threads ----------------------------------------------------------------------------------------
ENCODE_ROWS = 1024  # rows per encode task (any size gives the same result; smaller = more parallel)


def build_threads_dask(
    client: Client,
    articles: list[Article],
    now: datetime | None = None,
    config: ClusterConfig | None = None,
) -> list[Thread]:
    """`pipeline.build_threads` with the clustering on the cluster: same threads, same order.

    `rank.make_threads` / `rank_threads` run here, on the original `Article` objects. (Running
    make_threads on the workers, over the rows they hold, measured slower at 36k news on 2
    workers: moving the rows between workers cost more than the ~0.15 ms/article it saves.)
    """
    groups = cluster_batch_dask(client, articles, config)
    return rank_groups(groups, now)


def rank_groups(groups: list[list[Article]], now: datetime | None = None) -> list[Thread]:
    """`rank.make_threads` + `rank_threads` of the groups, on the client, as `build_threads` does.

    Without cyclic GC: it allocates many small objects in a process holding every article of
    the batch, and the collections that triggers cost ~25% of the step (measured at 36k news).
    """
    from newsthread.rank import make_threads, rank_threads, shipped_authority

    with _paused_gc():
        return rank_threads(make_threads(groups, shipped_authority()), now)


def cluster_batch_dask(
    client: Client,
    articles: list[Article],
    config: ClusterConfig | None = None,
    encode_rows: int = ENCODE_ROWS,
    blocks_per_window: int = 1,
) -> list[list[Article]]:
    """`cluster.cluster_batch(articles, config)` partitioned by language × time window.

    Each window is `blocks_per_window` search blocks (`config.block_rows` rows each). Like
    `cluster_batch`, fills in the terms of articles that have none (computed on the workers).
    """
    plans, groups = _cluster(client, articles, config, encode_rows, blocks_per_window)
    return [[plans[p].rows[k] for k in members] for p, members in groups]


def _cluster(
    client: Client,
    articles: list[Article],
    config: ClusterConfig | None = None,
    encode_rows: int = ENCODE_ROWS,
    blocks_per_window: int = 1,
) -> tuple[list[LanguagePlan], list[tuple[int, list[int]]]]:
    """The language plans, and the groups as (plan number, row numbers) in cluster_batch's order."""
    from newsthread.cluster.batch import time_order
    from newsthread.cluster.config import DEFAULT_CONFIG

    config = config or DEFAULT_CONFIG
    ensure_terms_dask(client, articles)
    by_lang: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_lang[article.lang or "und"].append(article)
    ordered = {lang: time_order(members) for lang, members in by_lang.items()}
    # Every language's encode tasks go out first, so that they run while the client merges.
    plans = [LanguagePlan(client, rows, config, lang, encode_rows) for lang, rows in ordered.items()]
    links = [plan.link(plan.windows(blocks_per_window)) for plan in plans]
    groups: list[tuple[int, list[int]]] = []
    for p, (plan, link) in enumerate(zip(plans, links, strict=True)):
        if link is None:  # fewer than two articles
            groups.extend((p, [k]) for k in range(len(plan.rows)))
            continue
        by_label: dict[int, list[int]] = defaultdict(list)
        for k, label in enumerate(link.result().tolist()):
            by_label[label].append(k)
        groups.extend((p, members) for members in by_label.values())

    def order(group: tuple[int, list[int]]) -> tuple:
        first = plans[group[0]].rows[group[1][0]]
        return (-len(group[1]), first.timestamp, first.name)

    groups.sort(key=order)
    return plans, groups


def ensure_terms_dask(client: Client, articles: list[Article], chunk_size: int = CHUNK_SIZE) -> None:
    """`cluster.batch.ensure_terms` on the cluster: fill the terms of articles that have none."""
    missing = [a for a in articles if not a.title_terms and not a.body_terms and (a.title or a.paragraphs)]
    if not missing:
        return
    chunks = [missing[i : i + chunk_size] for i in range(0, len(missing), chunk_size)]
    futures = client.map(_terms_task, chunks, pure=False, key=_keys("terms", len(chunks)))
    for chunk, terms in zip(chunks, client.gather(futures), strict=True):
        for article, (title_terms, body_terms) in zip(chunk, terms, strict=True):
            article.title_terms, article.body_terms = title_terms, body_terms


def _terms_task(articles: list[Article]) -> list[tuple[list[str], list[str]]]:
    from newsthread.cluster.batch import ensure_terms

    ensure_terms(articles)
    return [(a.title_terms, a.body_terms) for a in articles]


# -- one language -------------------------------------------------------------------------------------
@dataclasses.dataclass
class Window:
    """One edges task: search blocks [start, stop) of a language's rows, reading rows up to `end`."""

    start: int
    stop: int
    end: int  # rows [stop, end) are the overlap: read (time_window ahead) but not searched from
    blocks: list[tuple[int, int, int]]  # (start, stop, hi) of each block, as batch_edges has them


def plan_windows(ts: np.ndarray, config: ClusterConfig, blocks_per_window: int = 1) -> list[Window]:
    """The time windows of one language's time-ordered rows (timestamps `ts`, NaN = undated).

    The blocks and their search bounds are those of `similarity.batch_edges` (undated rows count
    as the newest), so every window searches exactly the pairs that function searches.
    """
    n = len(ts)
    if n < 2:
        return []
    filled = np.where(np.isnan(ts), np.nanmax(ts) if np.isfinite(ts).any() else 0.0, ts)
    block = max(1, config.block_rows)
    blocks = []
    for start in range(0, n, block):
        stop = min(n, start + block)
        hi = int(np.searchsorted(filled, filled[stop - 1] + config.time_window, side="right"))
        blocks.append((start, stop, max(hi, stop)))
    step = max(1, blocks_per_window)
    windows = []
    for k in range(0, len(blocks), step):
        part = blocks[k : k + step]
        windows.append(Window(part[0][0], part[-1][1], max(b[2] for b in part), part))
    return windows


def row_times(articles: Sequence[Article]) -> np.ndarray:
    """Publication timestamps as `similarity.encode` takes them (NaN for undated)."""
    return np.array([a.timestamp if a.published else np.nan for a in articles], dtype=np.float64)


@dataclasses.dataclass
class EncodedPart:
    """Some consecutive rows over their own vocabulary, and what the client needs to go global."""

    enc: Encoded
    terms: list[str]  # the part's distinct terms (lower-cased), in the order `encode` first met them
    df: np.ndarray  # document frequency of each of the part's columns


class LanguagePlan:
    """The tasks clustering one language's articles (`rows`, in time order).

    Creating it submits the encode tasks (one per `encode_rows` rows); `edges(windows)` merges the
    vocabulary and submits one edges task per window; `link(windows)` also the linkage.
    """

    def __init__(
        self,
        client: Client,
        rows: list[Article],
        config: ClusterConfig,
        lang: str,
        encode_rows: int = ENCODE_ROWS,
    ):
        self.client, self.rows, self.config, self.lang = client, rows, config, lang
        self.unit = max(1, encode_rows)
        self.parts: list[Future] = []
        if len(rows) < 2:
            return
        starts = range(0, len(rows), self.unit)
        keys = _keys(f"encode-{lang}", len(starts))
        with _paused_gc():
            self.parts = [
                client.submit(_encode_part, _pack(rows[s : s + self.unit]), config, key=key, pure=False)
                for s, key in zip(starts, keys, strict=True)
            ]

    def windows(self, blocks_per_window: int = 1) -> list[Window]:
        return plan_windows(row_times(self.rows), self.config, blocks_per_window)

    def edges(self, windows: list[Window]) -> list[Future]:
        """Futures of each window's (I, J, S), rows numbered in `rows`."""
        from newsthread.cluster.similarity import Vocabulary, language_idf

        client, config = self.client, self.config
        if not self.parts:
            return []
        metas = client.gather([client.submit(_part_meta, p, pure=False) for p in self.parts])
        vocab = Vocabulary()
        maps = []
        for terms, _ in metas:  # in time order: the column ids cluster_batch assigns
            maps.append(np.asarray(vocab.ids(terms), dtype=np.int64))  # part column → global column
        width = len(vocab)
        df = np.zeros(width, dtype=np.int64)
        for mapping, (_, part_df) in zip(maps, metas, strict=True):
            df[mapping] += part_df  # a part's columns are distinct terms: no index repeats
        [idf] = client.scatter([language_idf(df, len(self.rows), vocab, self.lang, config)])
        map_futures = client.scatter(maps)
        keys = _keys(f"edges-{self.lang}", len(windows))
        futures = []
        for window, key in zip(windows, keys, strict=True):
            first, last = window.start // self.unit, (window.end - 1) // self.unit
            futures.append(
                client.submit(
                    _window_edges,
                    window,
                    self.parts[first : last + 1],
                    map_futures[first : last + 1],
                    first * self.unit,
                    width,
                    idf,
                    config,
                    key=key,
                    pure=False,
                )
            )
        return futures

    def link(self, windows: list[Window]) -> Future | None:
        """Future of the group label of each row (None for fewer than two rows)."""
        if len(self.rows) < 2:
            return None
        return self.client.submit(
            _link,
            len(self.rows),
            self.edges(windows),
            self.config.threshold(self.lang),
            self.config.size_slope,
            key=_keys(f"link-{self.lang}", 1)[0],
            pure=False,
        )


@contextlib.contextmanager
def _paused_gc() -> Iterator[None]:
    """No cyclic GC while we allocate many small objects: with every article of a big batch in
    memory, the collections it triggers cost ~6x the copying itself (measured on 36k news)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _light(article: Article) -> Article:
    """What clustering reads of an article (terms, title, time, host, language): no body text."""
    light = object.__new__(Article)  # a plain shallow copy: copy.copy costs ~25x more
    light.__dict__.update(article.__dict__)
    light.paragraphs, light.out_links, light.extra = [], [], {}
    return light


def _pack(articles: list[Article]) -> bytes:
    """The light copies of `articles`, pickled. As one bytes argument, Dask ships the task
    without walking its ~1000 articles one by one (that walk cost a third as much client CPU as
    the pickling itself, measured)."""
    return pickle.dumps([_light(a) for a in articles], protocol=pickle.HIGHEST_PROTOCOL)


def _encode_part(packed: bytes, config: ClusterConfig) -> EncodedPart:
    from newsthread.cluster.similarity import Vocabulary, encode

    with _paused_gc():  # many small acyclic objects, in a worker whose models are large to traverse
        articles = pickle.loads(packed)
    vocab = Vocabulary()
    # the part's terms travel as `terms` below, not as the vocabulary
    enc = dataclasses.replace(encode(articles, vocab, config), vocab=None)
    # The part's terms in the order encode met them (column order): fed to one Vocabulary part
    # after part, they assign the same ids as encoding all of the language's articles at once.
    df = np.bincount(enc.counts.indices, minlength=enc.counts.shape[1]).astype(np.int64)
    return EncodedPart(enc, vocab.terms, df)


def _part_meta(part: EncodedPart) -> tuple[list[str], np.ndarray]:
    return part.terms, part.df


# How `similarity.Encoded` lays out its fields. A field not named here is classified by its
# length (one value per row or one per stored entry of `counts`); an ambiguous one fails loudly.
_MATRIX_FIELDS = ("counts",)  # n × V csr, indices sorted within each row
_ENTRY_FIELDS = ("in_title", "strong")  # one value per stored entry of `counts` (or None)
_ROW_FIELDS = ("ts", "hosts", "speakers", "title_sets", "kinds")  # one value per row (or None)
# One value for the whole encoding. The vocabulary is dropped: a window's columns are the
# language's global ones, and its idf comes from the client (LanguagePlan.edges).
_WHOLE_FIELDS = ("vocab", "lang")


def _layout(encs: list[Encoded]) -> dict[str, str]:
    """Field name → "matrix" | "entry" | "row" | "whole" for the fields of `similarity.Encoded`."""
    layout = {}
    for field in dataclasses.fields(encs[0]):
        name = field.name
        if name in _MATRIX_FIELDS:
            layout[name] = "matrix"
        elif name in _ENTRY_FIELDS:
            layout[name] = "entry"
        elif name in _ROW_FIELDS:
            layout[name] = "row"
        elif name in _WHOLE_FIELDS:
            layout[name] = "whole"
        else:
            layout[name] = _infer(name, encs)
    return layout


def _infer(name: str, encs: list[Encoded]) -> str:
    for enc in encs:
        value = getattr(enc, name)
        if value is None:
            continue
        rows, entries = enc.counts.shape[0], enc.counts.nnz
        if len(value) == rows and rows != entries:
            return "row"
        if len(value) == entries and rows != entries:
            return "entry"
    raise RuntimeError(
        f"newsthread.distributed cannot tell how to stack the new field Encoded.{name}: add it to "
        "_ROW_FIELDS or _ENTRY_FIELDS"
    )


def _remap(enc: Encoded, mapping: np.ndarray, width: int, layout: dict[str, str]) -> Encoded:
    """Part columns → global columns, entries re-sorted by column within each row (as `encode`
    leaves them); a fresh Encoded, the part stays as it is for other tasks."""
    counts = enc.counts
    n = counts.shape[0]
    columns = mapping[counts.indices]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(counts.indptr))
    order = np.lexsort((columns, rows))
    fields: dict[str, Any] = {}
    for name, kind in layout.items():
        value = getattr(enc, name)
        if kind == "matrix":
            value = sp.csr_matrix((value.data[order], columns[order], value.indptr.copy()), shape=(n, width))
        elif kind == "entry" and value is not None:
            value = value[order]
        fields[name] = value
    return type(enc)(**fields)


def _stack(parts: list[EncodedPart], maps: list[np.ndarray], width: int, start: int, stop: int) -> Encoded:
    """Rows [start, stop) of the parts laid end to end, over the global columns."""
    layout = _layout([p.enc for p in parts])
    encs = [_remap(p.enc, m, width, layout) for p, m in zip(parts, maps, strict=True)]
    counts = sp.vstack([e.counts for e in encs], format="csr")
    lo, hi = int(counts.indptr[start]), int(counts.indptr[stop])  # entries of rows [start, stop)
    fields: dict[str, Any] = {}
    for name, kind in layout.items():
        values = [getattr(e, name) for e in encs]
        if kind == "matrix":
            matrix = counts if name == "counts" else sp.vstack(values, format="csr")
            fields[name] = matrix[start:stop]
        elif kind == "whole":
            fields[name] = values[0] if name != "vocab" and all(v == values[0] for v in values) else None
        elif all(v is None for v in values):
            fields[name] = None
        elif any(v is None for v in values):
            raise RuntimeError(f"Encoded.{name} is None in some parts only")
        else:
            cut = slice(lo, hi) if kind == "entry" else slice(start, stop)
            if isinstance(values[0], np.ndarray):
                fields[name] = np.concatenate(values)[cut]
            else:
                fields[name] = [v for value in values for v in value][cut]
    return type(encs[0])(**fields)


def _window_edges(
    window: Window,
    parts: list[EncodedPart],
    maps: list[np.ndarray],
    base: int,
    width: int,
    idf: np.ndarray,
    config: ClusterConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`similarity.batch_edges` for the blocks of one window, with the language's global IDF.

    Row numbers in and out are the language's; `base` is the first row of `parts`.
    """
    from newsthread.cluster.similarity import _thresholded, combine, pair_parts, row_dots, weigh

    enc = _stack(parts, maps, width, window.start - base, window.end - base)
    offset = window.start
    weighted = weigh(enc, idf, config)
    X, Tw, Db = weighted.X, weighted.Tw, weighted.Db
    cut = config.candidate_coverage
    rows_i: list[np.ndarray] = []
    rows_j: list[np.ndarray] = []
    covs: list[np.ndarray] = []
    for g_start, g_stop, g_hi in window.blocks:  # batch_edges' loop body, on the same rows
        start, stop, hi = g_start - offset, g_stop - offset, g_hi - offset
        forward = _thresholded(Tw[start:stop] @ Db[start:hi].T, cut)  # our titles in their texts
        backward = _thresholded(Db[start:stop] @ Tw[start:hi].T, cut)  # their titles in our texts
        both = forward.minimum(backward).tocoo()
        gi = both.row.astype(np.int64) + start
        gj = both.col.astype(np.int64) + start
        keep = gj > gi
        rows_i.append(gi[keep])
        rows_j.append(gj[keep])
        covs.append(both.data[keep].astype(np.float32))
    left = np.concatenate(rows_i)
    right = np.concatenate(rows_j)
    cov = np.concatenate(covs)
    if not len(left):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    dd = row_dots(X, X, left, right)
    dt, same_host, clash = pair_parts(enc, enc, left, right)
    score = combine(dd, cov, dt, same_host, clash, config)
    keep = score >= config.min_edge
    return left[keep] + offset, right[keep] + offset, score[keep]


def _link(
    n: int, edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]], threshold: float, size_slope: float
) -> np.ndarray:
    from newsthread.cluster.linkage import average_linkage

    left, right, score = stitch(edges)
    return average_linkage(n, left, right, score, threshold, size_slope)


def stitch(
    edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The windows' edge lists, in window order, as one (I, J, S).

    A pair is searched only by the window whose block holds its earlier row, so no pair comes
    twice; the pairs are still checked, so that a planning mistake cannot pass unnoticed.
    """
    if not edges:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    left = np.concatenate([e[0] for e in edges])
    right = np.concatenate([e[1] for e in edges])
    score = np.concatenate([e[2] for e in edges])
    if len(left):
        pairs = left * (int(max(left.max(), right.max())) + 1) + right
        if len(np.unique(pairs)) != len(pairs):
            raise RuntimeError("two windows produced the same pair: the windows overlap wrongly")
    return left, right, score


def language_edges_dask(
    client: Client,
    rows: list[Article],
    config: ClusterConfig,
    lang: str,
    encode_rows: int = ENCODE_ROWS,
    blocks_per_window: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stitched edges of one language's time-ordered `rows`: what
    `similarity.batch_edges(encode(rows, Vocabulary(), config), config)` returns. For tests/benches."""
    plan = LanguagePlan(client, rows, config, lang, encode_rows)
    return stitch(client.gather(plan.edges(plan.windows(blocks_per_window))))


# --- training corpus (newsthread.classify.train) ------------------------------------------------------
def read_corpus_dask(
    client: Client, data_dir: Path, include_dev: bool = False, in_flight: int = 8
) -> list[Article]:
    """`classify.train.read_corpus` on the cluster: parsed en/ru articles, deduplicated by URL.

    The client reads the files and archive members (as `read_corpus` does) and ships chunks of
    bytes to the workers; at most `in_flight` chunks per worker are pending at a time.
    """
    from collections import deque

    from newsthread.classify.train import CHUNK, _parse_chunk, chunked, iter_corpus

    limit = max(1, in_flight * max(1, len(client.nthreads())))
    pending: deque[Future] = deque()
    articles: list[Article] = []
    for chunk in chunked(iter_corpus(data_dir, include_dev), CHUNK):
        [data] = client.scatter([chunk])
        pending.append(client.submit(_parse_chunk, data, pure=False))
        if len(pending) >= limit:
            articles.extend(pending.popleft().result())
    while pending:
        articles.extend(pending.popleft().result())
    seen: set[str] = set()
    unique = []
    for article in articles:  # the dedupe of read_corpus (first copy of a URL wins)
        key = article.url or article.name
        if key not in seen:
            seen.add(key)
            unique.append(article)
    return unique


__all__ = [
    "build_threads_dask",
    "cluster_batch_dask",
    "connect",
    "ensure_terms_dask",
    "language_edges_dask",
    "plan_windows",
    "process_paths_dask",
    "rank_groups",
    "read_corpus_dask",
    "run_batch",
    "stitch",
]

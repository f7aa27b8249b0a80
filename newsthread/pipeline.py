"""The pipeline: ingest → nlp → classify → cluster → rank, as plain functions.

The CLI, the server and the Dask runner all call these, so every entry point
produces the same threads. Parsing and per-article annotation run in worker
processes (they are CPU-bound Python); clustering runs in the parent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from newsthread.ingest import ReadError, ReadResult, iter_input_files, read_paths
from newsthread.model import NEWS_LANGUAGES, Article, Thread

# Stages an article can be annotated with, in pipeline order.
STAGES: tuple[str, ...] = ("language", "classify", "terms")
CHUNK_SIZE = 400  # files per worker task: large enough to amortise pickling, small for progress

Progress = Callable[[int], None]  # called with the number of files just finished


@lru_cache(maxsize=1)
def _language_detector():
    from newsthread.nlp.language import LanguageDetector

    return LanguageDetector()


@lru_cache(maxsize=1)
def _classifier():
    from newsthread.classify import NewsClassifier

    return NewsClassifier.load()


@lru_cache(maxsize=1)
def _term_analyzer():
    from newsthread.nlp.terms import TermAnalyzer

    return TermAnalyzer()


def load_models() -> None:
    """Load every model of the stages now (a server's warm-up), not at the first article."""
    _language_detector().load()
    _classifier()
    _term_analyzer()


def annotate(articles: list[Article], stages: Sequence[str] = STAGES) -> list[Article]:
    """Run the per-article stages in order; classify and terms only touch en/ru articles."""
    if "language" in stages:
        _language_detector().annotate(a for a in articles if not a.lang)
    wanted = [a for a in articles if a.lang in NEWS_LANGUAGES]
    if "classify" in stages and wanted:
        _classifier().annotate(wanted)
    if "terms" in stages and wanted:
        news = [a for a in wanted if a.is_news is not False]
        _term_analyzer().annotate(news)
    return articles


def _read_chunk(paths: list[str], stages: tuple[str, ...]) -> ReadResult:
    result = read_paths([Path(p) for p in paths])
    annotate(result.articles, stages)
    return result


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def process_paths(
    paths: Sequence[Path],
    stages: Sequence[str] = STAGES,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ReadResult:
    """Read and annotate files, in `workers` processes (1 = in this process)."""
    workers = default_workers() if workers is None else max(1, workers)
    stages = tuple(stages)
    chunks = [[str(p) for p in paths[i : i + CHUNK_SIZE]] for i in range(0, len(paths), CHUNK_SIZE)]
    total = ReadResult()
    if workers == 1 or len(chunks) <= 1:
        results: Iterable[ReadResult] = (_read_chunk(chunk, stages) for chunk in chunks)
        for chunk, result in zip(chunks, results, strict=True):
            _merge(total, result, progress, len(chunk))
        return total
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk, result in zip(chunks, pool.map(_read_chunk, chunks, [stages] * len(chunks)), strict=True):
            _merge(total, result, progress, len(chunk))
    return total


def _merge(total: ReadResult, part: ReadResult, progress: Progress | None, n_files: int) -> None:
    total.articles.extend(part.articles)
    total.errors.extend(part.errors)
    if progress:
        progress(n_files)


def input_paths(sources: Iterable[Path]) -> list[Path]:
    """Every file below the given files/directories. Missing paths raise ReadError."""
    paths: list[Path] = []
    for source in sources:
        if not source.exists():
            raise ReadError(str(source), "no such file or directory")
        paths.extend(iter_input_files(source))
    return paths


def news_articles(articles: Iterable[Article]) -> list[Article]:
    """en/ru articles the classifier kept as news, deduplicated by name (last one wins)."""
    unique: dict[str, Article] = {}
    for article in articles:
        if article.lang in NEWS_LANGUAGES and article.is_news:
            unique[article.name] = article
    return list(unique.values())


def build_threads(articles: list[Article], now: datetime | None = None) -> list[Thread]:
    """News articles → ranked threads (most important first)."""
    from newsthread.cluster import cluster_batch
    from newsthread.rank import make_threads, rank_threads, shipped_authority

    groups = cluster_batch(articles)
    threads = make_threads(groups, shipped_authority())
    return rank_threads(threads, now)

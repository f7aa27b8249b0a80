"""The batch pipeline on a real Dask LocalCluster gives exactly what the single-process pipeline gives."""

from __future__ import annotations

import copy
import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from newsthread.cluster import cluster_batch  # noqa: E402
from newsthread.cluster.batch import time_order  # noqa: E402
from newsthread.cluster.config import ClusterConfig  # noqa: E402
from newsthread.cluster.linkage import average_linkage  # noqa: E402
from newsthread.cluster.similarity import Vocabulary, batch_edges, encode  # noqa: E402
from newsthread.distributed import (  # noqa: E402
    LanguagePlan,
    Window,
    build_threads_dask,
    cluster_batch_dask,
    connect,
    language_edges_dask,
    plan_windows,
    process_paths_dask,
    read_corpus_dask,
    row_times,
    run_batch,
    stitch,
)
from newsthread.model import NEWS_LANGUAGES, Article, Thread  # noqa: E402
from newsthread.pipeline import STAGES, build_threads, input_paths, news_articles, process_paths  # noqa: E402
from newsthread.sample import sample_dir  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "fixtures" / "ingest" / "contest_broken.html"
SAMPLE_PATHS = input_paths([sample_dir()])


def _classifier_ready() -> bool:
    try:
        from newsthread.classify import NewsClassifier

        NewsClassifier.load()
    except (ImportError, FileNotFoundError):
        return False
    return True


# The full pipeline when the classifier model is there; otherwise every en/ru article counts as news.
CLASSIFY = _classifier_ready()
THREAD_STAGES = STAGES if CLASSIFY else ("language", "terms")


def _news(articles: list[Article]) -> list[Article]:
    if CLASSIFY:
        return news_articles(articles)
    return [a for a in articles if a.lang in NEWS_LANGUAGES]


def _article_rows(articles: list[Article]) -> list[tuple]:
    """Everything an article carries. lang_confidence to 9 digits: the language detector's own
    score varies in the 16th digit from run to run, even in one process (measured)."""
    rows = []
    for article in articles:
        data = article.to_dict()
        data["lang_confidence"] = round(data["lang_confidence"], 9)
        rows.append((data, article.title_terms, article.body_terms))
    return rows


def _thread_rows(threads: list[Thread]) -> list[tuple]:
    return [(t.id, [a.name for a in t.articles], t.title, t.lang, t.category, t.importance) for t in threads]


def _names(groups: list[list[Article]]) -> list[list[str]]:
    return [[a.name for a in group] for group in groups]


@pytest.fixture(scope="module")
def client():
    with connect(None, 2) as client:
        yield client


@pytest.fixture(scope="module")
def sample_news() -> list[Article]:
    return _news(process_paths(SAMPLE_PATHS, THREAD_STAGES, workers=1).articles)


# --- the cluster --------------------------------------------------------------------------------------
def test_connect_starts_two_single_threaded_worker_processes(client):
    assert sorted(client.nthreads().values()) == [1, 1]
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()


def test_connect_quiets_the_background_loops_of_its_local_cluster(client):
    import dask

    from newsthread.distributed import LOCAL_CLUSTER_CONFIG

    key, value = next(iter(LOCAL_CLUSTER_CONFIG.items()))
    assert set(client.run(lambda: dask.config.get(key)).values()) == {value}


def test_connect_to_a_running_scheduler_leaves_it_running():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with pytest.raises(ValueError):
            connect(cluster.scheduler_address, 2)
        with connect(cluster.scheduler_address) as client:
            result = process_paths_dask(client, SAMPLE_PATHS[:5], ("language",))
        assert [a.name for a in result.articles] == [p.name for p in SAMPLE_PATHS[:5]]
        assert cluster.status.name == "running"
        with connect(cluster.scheduler_address) as again:  # the workers are still there
            assert len(again.nthreads()) == 1


# --- reading ------------------------------------------------------------------------------------------
def test_process_paths_dask_equals_process_paths(client, tmp_path):
    empty, binary = tmp_path / "empty.html", tmp_path / "binary.html"
    empty.write_bytes(b"")
    binary.write_bytes(bytes(range(256)))
    paths = [*SAMPLE_PATHS[:30], empty, BROKEN, *SAMPLE_PATHS[30:], binary]
    expected = process_paths(paths, THREAD_STAGES, workers=1)
    seen: list[int] = []
    got = process_paths_dask(client, paths, THREAD_STAGES, progress=seen.append, chunk_size=7)
    assert _article_rows(got.articles) == _article_rows(expected.articles)
    assert [str(e) for e in got.errors] == [str(e) for e in expected.errors]
    assert len(got.errors) == 2 and got.failed_files == 2
    assert sorted(seen) == sorted(len(paths[k : k + 7]) for k in range(0, len(paths), 7))


def test_process_paths_dask_of_relative_paths(client, monkeypatch):
    monkeypatch.chdir(sample_dir())
    relative = [p.relative_to(sample_dir()) for p in SAMPLE_PATHS[:4]]
    got = process_paths_dask(client, relative, ("language",))
    assert [a.name for a in got.articles] == [p.name for p in relative] and not got.errors


# --- threads ------------------------------------------------------------------------------------------
def test_threads_equal_single_process_threads(client, sample_news):
    expected = build_threads(copy.deepcopy(sample_news))
    got = build_threads_dask(client, sample_news)
    assert _thread_rows(got) == _thread_rows(expected)
    assert any(len(t) >= 3 for t in got)  # the sample has real multi-source events
    originals = {id(a) for a in sample_news}
    assert all(id(a) in originals for t in got for a in t.articles)  # our Article objects, not copies


def test_small_windows_stitch_a_thread_across_a_window_edge(client, sample_news):
    config = ClusterConfig(block_rows=4)  # 4 articles per window: most events cross an edge
    expected = cluster_batch(copy.deepcopy(sample_news), config)
    got = cluster_batch_dask(client, sample_news, config, encode_rows=3)  # parts ≠ windows on purpose
    assert _names(got) == _names(expected)
    crossing = 0
    for lang in NEWS_LANGUAGES:
        rows = time_order([a for a in sample_news if a.lang == lang])
        windows = plan_windows(row_times(rows), config)
        row_of = {a.name: k for k, a in enumerate(rows)}
        for group in got:
            if len(group) > 1 and group[0].lang == lang:
                cores = {_window_of(windows, row_of[a.name]) for a in group}
                crossing += len(cores) > 1
    assert crossing >= 3, "the test must have threads that cross a window edge"


def _window_of(windows: list[Window], row: int) -> int:
    return next(k for k, window in enumerate(windows) if window.start <= row < window.stop)


def test_edges_equal_batch_edges_whatever_the_partition(client, sample_news):
    """Same pairs, same float32 scores, same order as `batch_edges`, for every window/part size."""
    configs = [ClusterConfig(block_rows=b) for b in (1, 3, 7, 2048)]
    configs.append(ClusterConfig(block_rows=3, entity_boost=1.5))  # the per-entry `strong` flags too
    for config in configs:
        for lang in NEWS_LANGUAGES:
            rows = time_order([a for a in sample_news if a.lang == lang])
            expected = batch_edges(encode(rows, Vocabulary(), config), config)
            assert len(expected[0]) > 10
            for encode_rows, blocks_per_window in ((1, 1), (5, 2), (64, 1)):
                got = language_edges_dask(client, rows, config, lang, encode_rows, blocks_per_window)
                for a, b in zip(got, expected, strict=True):
                    np.testing.assert_array_equal(a, b)


def test_without_the_overlap_threads_would_break_at_window_edges(client, sample_news):
    """The control: windows that do not read the rows after them miss edges, and threads split."""
    config = ClusterConfig(block_rows=4)
    lang = Counter(a.lang for a in sample_news).most_common(1)[0][0]
    rows = time_order([a for a in sample_news if a.lang == lang])
    plan = LanguagePlan(client, rows, config, lang, encode_rows=4)
    windows = plan.windows()
    cut = [
        Window(w.start, w.stop, w.stop, [(s, e, min(hi, w.stop)) for s, e, hi in w.blocks]) for w in windows
    ]
    full = stitch(client.gather(plan.edges(windows)))
    alone = stitch(client.gather(plan.edges(cut)))
    assert len(alone[0]) < len(full[0])
    threshold = config.threshold(lang)
    split = average_linkage(len(rows), *alone, threshold)
    joined = average_linkage(len(rows), *full, threshold)
    assert len(set(split.tolist())) > len(set(joined.tolist()))


def test_stitch_rejects_a_pair_seen_by_two_windows():
    one = (np.array([0, 1]), np.array([2, 3]), np.array([0.5, 0.6], dtype=np.float32))
    with pytest.raises(RuntimeError):
        stitch([one, one])


def test_undated_untermed_and_lone_language_articles(client, sample_news):
    """Corners `cluster_batch` handles: no date (compared as the newest), no terms yet (filled),
    a language with one article, and an article without a language."""
    articles = copy.deepcopy(sample_news)
    for article in articles[::9]:
        article.published = None
    for article in articles[1::11]:
        article.title_terms, article.body_terms = [], []
    articles[2].lang = "uk"
    articles[3].lang = ""
    config = ClusterConfig(block_rows=8)
    reference = copy.deepcopy(articles)
    expected = cluster_batch(reference, config)
    got = cluster_batch_dask(client, articles, config, encode_rows=5)
    assert _names(got) == _names(expected)
    assert [(a.title_terms, a.body_terms) for a in articles] == [
        (a.title_terms, a.body_terms) for a in reference
    ]
    assert all(a.title_terms or a.body_terms for a in articles[1::11] if a.lang in NEWS_LANGUAGES)
    assert _thread_rows(build_threads_dask(client, articles)) == _thread_rows(build_threads(reference))


def test_run_batch_reads_and_threads_with_one_cluster(sample_news):
    result, threads = run_batch(SAMPLE_PATHS, THREAD_STAGES, workers=2, with_threads=True)
    expected = process_paths(SAMPLE_PATHS, THREAD_STAGES, workers=1)
    assert _article_rows(result.articles) == _article_rows(expected.articles)
    news = news_articles(expected.articles)
    assert threads is not None and _thread_rows(threads) == _thread_rows(build_threads(news))
    assert run_batch(SAMPLE_PATHS[:3], ("language",), workers=1)[1] is None


def test_read_corpus_dask_equals_read_corpus(client, tmp_path):
    from newsthread.classify.train import read_corpus

    plain = tmp_path / "contest_html"
    for path in SAMPLE_PATHS:
        target = plain / path.relative_to(sample_dir())
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(SAMPLE_PATHS[0], plain / "20260313" / "copy.html")  # same URL: deduplicated
    expected = read_corpus(tmp_path, workers=1)
    got = read_corpus_dask(client, tmp_path, in_flight=1)
    assert [a.to_dict() for a in got] == [a.to_dict() for a in expected]
    assert len(got) == len({a.url for a in got}) > 20


# --- the real contest slice -------------------------------------------------------------------------
@pytest.mark.shared
def test_contest_slice_20191101_equals_single_process(client, shared_dir):
    """9.9k real articles (20191101 06–13h) read on 2 Dask workers: their threads are the
    single-process threads; the reading is compared with the plain pipeline on hours 06–07
    (2.3k files; all eight hours would double the test's ~1 min)."""
    slice_dir = shared_dir / "data" / "contest_html" / "20191101"
    paths = input_paths([slice_dir])
    assert len(paths) > 9000
    got = process_paths_dask(client, paths, THREAD_STAGES)
    assert len(got.articles) > 9000
    part = input_paths([slice_dir / "06", slice_dir / "07"])
    expected = process_paths(part, THREAD_STAGES, workers=1)
    names = {p.name for p in part}
    assert _article_rows([a for a in got.articles if a.name in names]) == _article_rows(expected.articles)
    news = _news(got.articles)
    assert len(news) > 3000
    single = build_threads(news)
    dask_threads = build_threads_dask(client, news)
    assert _thread_rows(dask_threads) == _thread_rows(single)
    assert sum(len(t) >= 3 for t in single) > 100

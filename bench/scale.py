"""Scaling the batch pipeline on Dask distributed: docs/s with 1 and 2 workers, memory, identity.

    .venv/bin/python bench/scale.py [--shared ../shared] [--repeats 3] [--workers 1 2]
                                    [--baseline] [--no-profile] [--no-store] [--no-online]
                                    [--out bench/data/scale.json]

1. The three contest tar.xz archives are extracted with tarfile into a temp dir; with the plain
   files of shared/data/contest_html that is all 72,281 contest files.
2. For each repeat and each worker count (alternating 1,2 / 2,1 so that drift in the load of a
   shared machine hits both): a fresh LocalCluster (`newsthread.distributed.connect`), models
   warmed on every worker (`client.run`), then `process_paths_dask` (parse, language,
   classify, terms) and `build_threads_dask` over the news. docs/s = files / wall seconds.
   Worker memory = peak RSS (VmHWM) of each worker process; worker CPU = CPU seconds the worker
   processes used during the run (psutil), which shows how much of the 2 cores they actually got.
3. Identity: every run's articles (all fields and terms) and threads (names per thread, title,
   category, importance, order) are compared with the first run's, and the threads with the
   single-process `pipeline.build_threads` of the same articles.
4. --baseline: `pipeline.process_paths(workers=1)` once (no Dask) for the Dask overhead.
5. Profile (single process, CPU seconds of this process): per-article CPU ms of each stage on
   the 20191101 06–13h slice, and of the clustering stages (encode, candidate edges, linkage,
   make_threads+rank) on the news published on 2019-11-18 subsampled to 25/50/100 % (the same
   hours at rising density: how the edge search grows with articles per time window).
6. Store: bytes per stored article and index sizes in SQLite and, when PostgreSQL binaries are
   installed, in a private PostgreSQL server (scripts/pg_test_server.sh).
7. Online: `OnlineClusterer.add` latency over all the news in time order, and `recluster()`.

The bench imports a snapshot of newsthread/ copied at start (workers too, via sys.path and
PYTHONPATH), so that edits made to the tree while it runs cannot change its results midway.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _snapshot_code() -> Path:
    """A private copy of the newsthread package (code + models) that this process and its Dask
    workers import: other developers edit the tree while the bench runs, and a worker started
    later would otherwise import newer code than the client and break the identity check."""
    import atexit

    snapshot = Path(tempfile.mkdtemp(prefix="newsthread-scale-code-"))
    shutil.copytree(
        ROOT / "newsthread", snapshot / "newsthread", ignore=shutil.ignore_patterns("__pycache__")
    )
    atexit.register(shutil.rmtree, snapshot, True)
    return snapshot


CODE = _snapshot_code() if __name__ == "__main__" else ROOT
sys.path.insert(0, str(CODE))
os.environ["PYTHONPATH"] = os.pathsep.join([str(CODE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)

from newsthread.distributed import build_threads_dask, connect, process_paths_dask  # noqa: E402
from newsthread.model import Article, Thread  # noqa: E402
from newsthread.pipeline import STAGES, build_threads, input_paths, news_articles, process_paths  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"


# --- helpers ----------------------------------------------------------------------------------------
def articles_digest(articles: list[Article]) -> str:
    """One hash of every field and the terms of every article, in order."""
    digest = hashlib.sha256()
    for article in articles:
        data = article.to_dict()
        data["lang_confidence"] = round(data["lang_confidence"], 9)  # varies in the 16th digit
        digest.update(json.dumps([data, article.title_terms, article.body_terms]).encode())
    return digest.hexdigest()


def thread_rows(threads: list[Thread]) -> list[tuple]:
    return [(t.id, [a.name for a in t.articles], t.title, t.lang, t.category, t.importance) for t in threads]


def _warm() -> int:
    """Load the models of the pipeline stages in this worker (what its first task would do)."""
    from newsthread import pipeline

    pipeline._language_detector()
    pipeline._classifier()
    pipeline._term_analyzer()
    return os.getpid(), pipeline.__file__


def _hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class CpuMeter:
    """CPU seconds used by some processes between start() and stop(), and a machine load view."""

    def __init__(self, pids: list[int]):
        import psutil

        self.procs = [psutil.Process(pid) for pid in pids]
        self.start_cpu = [self._cpu(p) for p in self.procs]
        self.loads: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    @staticmethod
    def _cpu(proc) -> float:
        times = proc.cpu_times()
        return times.user + times.system

    def _poll(self) -> None:
        while not self._stop.wait(2.0):
            self.loads.append(os.getloadavg()[0])

    def lap(self) -> list[float]:
        return [self._cpu(p) - s for p, s in zip(self.procs, self.start_cpu, strict=True)]

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return [self._cpu(p) - s for p, s in zip(self.procs, self.start_cpu, strict=True)]


def extract(shared: Path, into: Path) -> tuple[list[Path], float]:
    started = time.perf_counter()
    target = into / "contest_html"
    target.mkdir(parents=True)
    for archive in sorted((shared / "data" / "contest_html_archive").glob("*.tar.xz")):
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    paths = input_paths([target, shared / "data" / "contest_html"])
    return paths, time.perf_counter() - started


# --- 2. one Dask run ----------------------------------------------------------------------------------
@contextlib.contextmanager
def service_cluster(workers: int):
    """A scheduler and `workers` single-threaded workers started as separate services
    (`dask scheduler`, `dask worker`), each in its own session. Linux gives CPU time fairly to
    sessions (autogroups, /proc/sys/kernel/sched_autogroup_enabled), not to processes: on a
    shared machine the workers of one LocalCluster share the one session's slice, whatever
    their number. Yields the scheduler address."""
    dask = str(Path(sys.executable).with_name("dask"))
    folder = Path(tempfile.mkdtemp(prefix="newsthread-scale-dask-"))
    scheduler_file = folder / "scheduler.json"
    common = {
        "start_new_session": True,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "cwd": folder,
    }
    procs = [
        subprocess.Popen(
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                str(scheduler_file),
            ],
            **common,
        )
    ]
    try:
        for _ in range(600):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(workers):
            procs.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--local-directory",
                        str(folder),
                    ],
                    **common,
                )
            )
        yield address
    finally:
        for proc in reversed(procs):  # only the processes started here, by their own group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def dask_run(paths: list[Path], workers: int, separate_sessions: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if separate_sessions:
            client = stack.enter_context(connect(stack.enter_context(service_cluster(workers))))
        else:
            client = stack.enter_context(connect(None, workers))
        client.wait_for_workers(workers)
        warmed = list(client.run(_warm).values())
        pids = [pid for pid, _ in warmed]
        imported = {Path(file).resolve().parents[1] for _, file in warmed}
        if imported != {CODE.resolve()}:
            raise RuntimeError(f"workers import newsthread from {imported}, not from the snapshot {CODE}")
        startup = time.perf_counter() - started
        meter = CpuMeter(pids)
        driver_cpu = time.process_time()
        t0 = time.perf_counter()
        result = process_paths_dask(client, paths, STAGES)
        t1 = time.perf_counter()
        read_cpu, driver_read_cpu = meter.lap(), time.process_time() - driver_cpu
        news = news_articles(result.articles)
        threads = build_threads_dask(client, news)
        t2 = time.perf_counter()
        cpu = meter.stop()
        driver_cpu = time.process_time() - driver_cpu
        peaks = [_hwm_kib(pid) / 1024 for pid in pids]
    return {
        "workers": workers,
        "files": len(paths),
        "articles": len(result.articles),
        "news": len(news),
        "threads": len(threads),
        "startup_s": startup,
        "read_s": t1 - t0,
        "threads_s": t2 - t1,
        "worker_cpu_read_s": read_cpu,
        "worker_cpu_threads_s": [c - r for c, r in zip(cpu, read_cpu, strict=True)],
        "driver_cpu_read_s": driver_read_cpu,
        "driver_cpu_threads_s": driver_cpu - driver_read_cpu,
        "total_s": t2 - t0,
        "docs_per_s": len(paths) / (t2 - t0),
        "read_docs_per_s": len(paths) / (t1 - t0),
        "worker_peak_rss_mb": peaks,
        "worker_cpu_s": cpu,
        "cores_used": sum(cpu) / (t2 - t0),
        "driver_cpu_s": driver_cpu,  # this process: the client, the scheduler, make_threads
        "load_avg": statistics.median(meter.loads) if meter.loads else os.getloadavg()[0],
        "_result": result,
        "_news": news,
        "_threads": threads,
    }


# --- 5. profile -------------------------------------------------------------------------------------
def cpu_time(fn, *args):
    started = time.process_time()
    out = fn(*args)
    return out, time.process_time() - started


def stage_profile(shared: Path, news: list[Article]) -> dict[str, Any]:
    from newsthread.ingest import read_paths
    from newsthread.pipeline import annotate

    paths = input_paths([shared / "data" / "contest_html" / "20191101"])
    annotate([], STAGES)  # (models load lazily; load them outside the timings)
    from newsthread import pipeline

    pipeline._language_detector(), pipeline._classifier(), pipeline._term_analyzer()
    result, parse = cpu_time(read_paths, paths)
    articles = result.articles
    _, language = cpu_time(annotate, articles, ("language",))
    en_ru = [a for a in articles if a.lang in ("en", "ru")]
    _, classify = cpu_time(annotate, articles, ("classify",))
    _, terms = cpu_time(annotate, articles, ("terms",))
    n = len(paths)
    out: dict[str, Any] = {
        "slice": "20191101 06-13h",
        "files": n,
        "en_ru": len(en_ru),
        "terms_annotated": sum(1 for a in en_ru if a.is_news is not False),
        "cpu_ms_per_file": {
            "parse": 1000 * parse / n,
            "language": 1000 * language / n,
            "classify": 1000 * classify / n,
            "terms": 1000 * terms / n,
        },
        "cpu_ms_per_en_ru_article": {"classify": 1000 * classify / max(1, len(en_ru))},
    }
    out["cpu_ms_per_file"]["total"] = sum(out["cpu_ms_per_file"].values())
    # clustering at rising density: the 20191118 news (14 hours), subsampled
    day = [a for a in news if a.published and a.published.strftime("%Y%m%d") == "20191118"]
    if len(day) < 400:
        day = news  # (a --limit run)
    rng = random.Random(0)
    out["cluster_density"] = [
        cluster_profile(rng.sample(day, int(len(day) * f)), f) for f in (0.25, 0.5, 1.0)
    ]
    return out


def cluster_profile(news: list[Article], fraction: float) -> dict[str, Any]:
    from newsthread.cluster.batch import time_order
    from newsthread.cluster.config import DEFAULT_CONFIG as config
    from newsthread.cluster.linkage import average_linkage
    from newsthread.cluster.similarity import Vocabulary, batch_edges, encode
    from newsthread.rank import make_threads, rank_threads, shipped_authority

    enc_s = edge_s = link_s = 0.0
    n_edges = 0
    for lang in ("en", "ru"):
        rows = time_order([a for a in news if a.lang == lang])
        enc, seconds = cpu_time(encode, rows, Vocabulary(), config)
        enc_s += seconds
        edges, seconds = cpu_time(batch_edges, enc, config)
        edge_s += seconds
        n_edges += len(edges[0])
        _, seconds = cpu_time(average_linkage, len(rows), *edges, config.threshold(lang), config.size_slope)
        link_s += seconds
    from newsthread.cluster import cluster_batch

    groups = cluster_batch(news)
    authority = shipped_authority()
    _, rank_s = cpu_time(lambda: rank_threads(make_threads(groups, authority)))
    n = len(news)
    return {
        "fraction": fraction,
        "news": n,
        "edges": n_edges,
        "edges_per_article": n_edges / max(1, n),
        "cpu_ms_per_article": {
            "encode": 1000 * enc_s / n,
            "edges": 1000 * edge_s / n,
            "linkage": 1000 * link_s / n,
            "make_threads_rank": 1000 * rank_s / n,
        },
    }


# --- 6. store ---------------------------------------------------------------------------------------
def store_sizes(articles: list[Article], raws: dict[str, bytes]) -> dict[str, Any]:
    from newsthread.store import open_store

    out: dict[str, Any] = {"articles": len(articles)}
    raw_bytes = sum(len(raws[a.name]) for a in articles)
    out["raw_html_bytes_per_article"] = raw_bytes / len(articles)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        with open_store(db) as store:
            for k in range(0, len(articles), 500):
                store.put_many([(a, raws[a.name]) for a in articles[k : k + 500]])
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        out["sqlite_bytes_per_article_with_raw"] = size / len(articles)
    out["postgres"] = postgres_sizes(articles, raws)
    return out


def postgres_sizes(articles: list[Article], raws: dict[str, bytes]) -> dict[str, Any] | str:
    script = ROOT / "scripts" / "pg_test_server.sh"
    url = os.environ.get("NEWSTHREAD_TEST_PG")
    started_dir = None
    if not url:
        done = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            return f"not measured: {done.stderr.strip()[-200:]}"
        env = dict(
            line.removeprefix("export ").split("=", 1) for line in done.stdout.splitlines() if "=" in line
        )
        url, started_dir = env["NEWSTHREAD_TEST_PG"], env["NEWSTHREAD_TEST_PG_DIR"]
    try:
        import psycopg

        from newsthread.store import open_store

        schema = f"scale_{os.getpid()}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        schema_url = f"{url}?options=-csearch_path%3D{schema}"
        try:
            with open_store(schema_url) as store:
                for k in range(0, len(articles), 500):
                    store.put_many([(a, raws[a.name]) for a in articles[k : k + 500]])
            with psycopg.connect(schema_url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
                rows = conn.execute(
                    "SELECT c.relname, c.relkind, pg_total_relation_size(c.oid), pg_relation_size(c.oid) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relkind IN ('r', 'i')",
                    (schema,),
                ).fetchall()
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        if started_dir:
            subprocess.run(["bash", str(script), "stop", started_dir], timeout=60)
    n = len(articles)
    sizes = {
        name: {"kind": kind, "total_bytes_per_article": total / n, "main_bytes_per_article": main / n}
        for name, kind, total, main in rows
    }
    tables = [s for s in sizes.values() if s["kind"] == "r"]
    return {
        "relations": sizes,
        "total_bytes_per_article": sum(s["total_bytes_per_article"] for s in tables),
    }


# --- 7. online ---------------------------------------------------------------------------------------
def online_profile(news: list[Article]) -> dict[str, Any]:
    from newsthread.cluster import OnlineClusterer
    from newsthread.cluster.batch import time_order

    clusterer = OnlineClusterer()
    latencies = []
    for article in time_order(copy.copy(news)):
        started = time.perf_counter()
        clusterer.add(article)
        latencies.append(time.perf_counter() - started)
    last = sorted(latencies[-5000:])
    started = time.perf_counter()
    clusterer.recluster()
    recluster = time.perf_counter() - started
    return {
        "articles": len(news),
        "add_ms_median_last5000": 1000 * last[len(last) // 2],
        "add_ms_p99_last5000": 1000 * last[int(len(last) * 0.99)],
        "add_s_total": sum(latencies),
        "recluster_s": recluster,
    }


# --- main --------------------------------------------------------------------------------------------
def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up temp dirs and services on kill
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--baseline", action="store_true", help="also time pipeline.process_paths(workers=1)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-store", action="store_true")
    parser.add_argument("--no-online", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (a quick try)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    parser.add_argument(
        "--separate-sessions",
        action="store_true",
        help="scheduler and workers as separate `dask` services, each in its own session (see service_cluster)",
    )
    parser.add_argument("--save-news", type=Path, default=None, help="pickle the last run's news here")
    args = parser.parse_args()

    report: dict[str, Any] = {"cpus": os.cpu_count(), "separate_sessions": args.separate_sessions}
    with tempfile.TemporaryDirectory(prefix="newsthread-scale-") as tmp:
        paths, seconds = extract(args.shared, Path(tmp))
        if args.limit:
            paths = paths[: args.limit]
        print(f"{len(paths)} files ({seconds:.0f} s to extract the archives)", flush=True)
        runs: list[dict[str, Any]] = []
        reference: dict[str, Any] = {}
        for repeat in range(args.repeats):
            order = args.workers if repeat % 2 == 0 else list(reversed(args.workers))
            for workers in order:
                run = dask_run(paths, workers, args.separate_sessions)
                started = time.process_time()
                single = build_threads(run["_news"])  # this run's articles, threaded in this process
                single_cpu = time.process_time() - started
                if not reference:
                    reference = {
                        "articles": articles_digest(run["_result"].articles),
                        "errors": [str(e) for e in run["_result"].errors],
                        "threads": thread_rows(single),
                    }
                    report["single_process_build_threads_cpu_s"] = single_cpu
                run["single_build_threads_cpu_s"] = single_cpu
                run["threads_equal_single_process"] = thread_rows(run["_threads"]) == thread_rows(single)
                run["identical_articles"] = (
                    articles_digest(run["_result"].articles) == reference["articles"]
                    and [str(e) for e in run["_result"].errors] == reference["errors"]
                )
                run["identical_threads"] = thread_rows(run["_threads"]) == reference["threads"]
                last = run
                for key in ("_result", "_threads", "_news"):
                    if key != "_news" or repeat < args.repeats - 1:
                        run.pop(key)
                runs.append(run)
                print(
                    f"  {workers} worker(s): {run['docs_per_s']:.0f} docs/s "
                    f"(read {run['read_s']:.0f} s, threads {run['threads_s']:.1f} s, start {run['startup_s']:.1f} s), "
                    f"worker peak RSS {', '.join(f'{m:.0f}' for m in run['worker_peak_rss_mb'])} MB, "
                    f"cores used {run['cores_used']:.2f}, driver CPU {run['driver_cpu_s']:.0f} s, load {run['load_avg']:.1f}, "
                    f"threads == single-process {run['threads_equal_single_process']}, same as run 1: "
                    f"articles {run['identical_articles']} threads {run['identical_threads']}",
                    flush=True,
                )
        news = last.pop("_news")
        if args.save_news:
            import pickle

            args.save_news.write_bytes(pickle.dumps(news, protocol=pickle.HIGHEST_PROTOCOL))
        report["runs"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in runs]
        summary = {}
        for workers in args.workers:
            mine = [r for r in runs if r["workers"] == workers]
            summary[workers] = {
                "docs_per_s_median": statistics.median(r["docs_per_s"] for r in mine),
                "read_docs_per_s_median": statistics.median(r["read_docs_per_s"] for r in mine),
                "threads_s_median": statistics.median(r["threads_s"] for r in mine),
                "cores_used_median": statistics.median(r["cores_used"] for r in mine),
                "worker_peak_rss_mb_max": max(max(r["worker_peak_rss_mb"]) for r in mine),
                "runs": len(mine),
            }
        report["summary"] = summary
        report["all_identical"] = all(
            r["identical_articles"] and r["identical_threads"] and r["threads_equal_single_process"]
            for r in runs
        )
        if 1 in summary and 2 in summary:
            report["speedup_2_vs_1"] = summary[2]["docs_per_s_median"] / summary[1]["docs_per_s_median"]
            # per CPU second of the workers: what the ratio would be on 2 otherwise idle cores
            per_cpu = {
                w: statistics.median(r["files"] / sum(r["worker_cpu_s"]) for r in runs if r["workers"] == w)
                for w in (1, 2)
            }
            report["docs_per_worker_cpu_s"] = per_cpu
        print(json.dumps({k: report[k] for k in ("summary", "all_identical") if k in report}, indent=1))
        if "speedup_2_vs_1" in report:
            print(f"speed-up 2 vs 1 workers (median docs/s): {report['speedup_2_vs_1']:.2f}x", flush=True)

        if args.baseline:
            started = time.perf_counter()
            process_paths(paths, STAGES, workers=1)
            seconds = time.perf_counter() - started
            report["baseline_process_paths_1_docs_per_s"] = len(paths) / seconds
            print(f"baseline process_paths(workers=1): {len(paths) / seconds:.0f} docs/s", flush=True)
        if not args.no_profile:
            report["profile"] = stage_profile(args.shared, news)
            print(json.dumps(report["profile"], indent=1), flush=True)
        if not args.no_store:
            by_name = {p.name: p for p in paths}
            sample = random.Random(1).sample(news, min(5000, len(news)))
            raws = {a.name: by_name[a.name].read_bytes() for a in sample}
            report["store"] = store_sizes(sample, raws)
            print(json.dumps(report["store"], indent=1), flush=True)
        if not args.no_online:
            report["online"] = online_profile(news)
            print(json.dumps(report["online"], indent=1), flush=True)
        report["languages_of_news"] = dict(Counter(a.lang for a in news))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Scaling the batch pipeline on Dask distributed: docs/s of 1 and 2 workers, phases, memory, identity.

Run (the 72,281 contest files; the archives are extracted to a temp dir under /tmp first):

    .venv/bin/python bench/scale.py --out bench/data/scale.json

Quick tries on a subset:

    .venv/bin/python bench/scale.py --source ../shared/data/contest_html --repeats 1   # 15k plain files
    .venv/bin/python bench/scale.py --limit 3000 --repeats 1

Options: --configs local dask1 dask2 (what to run), --repeats N (default 3; medians are
reported), --source DIR (read these files instead; no extraction), --limit N (the first N
files), --separate-sessions (scheduler and workers as `dask` services in their own sessions, see
service_cluster), --store / --online (extra figures for docs/scaling.md), --out FILE (JSON).
Exit status 1 when the runs did not all give identical articles and threads.

What it measures. Every configuration runs in a *fresh Python process* (this script started
again with --run-one), with a fresh LocalCluster for the Dask ones, so no model, cache or warm
interpreter state carries over from one run to the next. The order of the configurations
alternates between repeats, so that drift in the load of a shared machine hits all of them.
In each run the models are loaded (on every worker) before the clock starts.

- local: what `pipeline.process_paths(workers=1)` and `pipeline.build_threads` do, in this
  process, step by step (read+parse, language, classify, terms; encode, edges, linkage,
  make_threads+rank), with the CPU and wall seconds of each step.
- daskN: `distributed.process_paths_dask`, then `distributed.cluster_batch_dask` and
  `distributed.rank_groups` (= `build_threads_dask`), on a LocalCluster of N single-threaded
  workers. Phases: the wall seconds of read / cluster / rank; the CPU seconds of the workers
  and of the client process in each (the client process also hosts the LocalCluster's
  scheduler and nannies); the compute seconds of each task kind (read, terms, encode, edges,
  link) from the Dask task stream.
- docs/s = files / wall seconds, from the first read task to the ranked threads (startup
  excluded).
- peak RSS: VmHWM of every worker process and of the client process.
- identity: a hash of every article (all fields and terms) and of the threads (names, title,
  language, category, importance, order) of every run, compared with the first run's.
- "cores used" = CPU seconds of client + workers / wall seconds. On 2 otherwise idle cores, a
  run that parallelises well shows ~2. On a shared machine, it shows how much CPU the run got.
- "idle-core estimate": the wall seconds each Dask run would take on idle cores, from its CPU
  seconds (see _idle_estimate). The 2-vs-1 ratio of these estimates is what to look at on a
  busy machine.

The bench imports a snapshot of newsthread/ copied at start (its child processes and workers
too, via PYTHONPATH), so that edits made to the tree while it runs cannot change its results.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import json
import os
import pickle
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CODE_ENV = "NEWSTHREAD_SCALE_CODE"


def _snapshot_code() -> Path:
    """A private copy of the newsthread package (code + models) that this process, its children
    and their Dask workers import: others edit the tree while the bench runs, and a process
    started later would otherwise import newer code and break the identity check."""
    import atexit

    snapshot = Path(tempfile.mkdtemp(prefix="newsthread-scale-code-"))
    shutil.copytree(
        ROOT / "newsthread", snapshot / "newsthread", ignore=shutil.ignore_patterns("__pycache__")
    )
    atexit.register(shutil.rmtree, snapshot, True)
    return snapshot


# (Dask's worker processes import this file again as __mp_main__: they take the snapshot from the
# environment too.)
if os.environ.get(CODE_ENV):
    CODE = Path(os.environ[CODE_ENV])
elif __name__ == "__main__":
    CODE = _snapshot_code()
    os.environ[CODE_ENV] = str(CODE)
else:
    CODE = ROOT
sys.path.insert(0, str(CODE))
os.environ["PYTHONPATH"] = os.pathsep.join([str(CODE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)

from newsthread.model import Article, Thread  # noqa: E402
from newsthread.pipeline import STAGES, input_paths, news_articles  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"
CONFIGS = ("local", "dask1", "dask2")


# --- helpers ----------------------------------------------------------------------------------------
def articles_digest(articles: list[Article]) -> str:
    """One hash of every field and the terms of every article, in order."""
    digest = hashlib.sha256()
    for article in articles:
        data = article.to_dict()
        data["lang_confidence"] = round(data["lang_confidence"], 9)  # varies in the 16th digit
        digest.update(json.dumps([data, article.title_terms, article.body_terms], default=str).encode())
    return digest.hexdigest()


def thread_rows(threads: list[Thread]) -> list[tuple]:
    return [(t.id, [a.name for a in t.articles], t.title, t.lang, t.category, t.importance) for t in threads]


def threads_digest(threads: list[Thread]) -> str:
    return hashlib.sha256(json.dumps(thread_rows(threads), default=str).encode()).hexdigest()


def _warm() -> tuple[int, int, str]:
    """Load the models of the pipeline stages and import the clustering (what the first tasks
    would do) in this process; its pid, its parent's (a worker's nanny) and where it imports from."""
    import newsthread.cluster.linkage
    import newsthread.cluster.similarity  # noqa: F401
    from newsthread import pipeline

    pipeline._language_detector()
    pipeline._classifier()
    pipeline._term_analyzer()
    return os.getpid(), os.getppid(), pipeline.__file__


def _hwm_mib(pid: int) -> float:
    """Peak resident set size (VmHWM) of a live process, MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class CpuClock:
    """CPU seconds of some processes (psutil) and wall seconds, read at phase boundaries."""

    def __init__(self, pids: list[int]):
        import psutil

        self.procs = [psutil.Process(pid) for pid in pids]
        self.last_cpu = [self._cpu(p) for p in self.procs]
        self.last_wall = time.perf_counter()

    @staticmethod
    def _cpu(proc) -> float:
        times = proc.cpu_times()
        return times.user + times.system

    def lap(self) -> tuple[float, list[float]]:
        """(wall seconds, CPU seconds of each process) since the previous lap."""
        now_cpu = [self._cpu(p) for p in self.procs]
        now_wall = time.perf_counter()
        out = (now_wall - self.last_wall, [b - a for a, b in zip(self.last_cpu, now_cpu, strict=True)])
        self.last_cpu, self.last_wall = now_cpu, now_wall
        return out


def extract(shared: Path, into: Path) -> tuple[list[Path], float]:
    """All 72,281 contest files: the archives extracted under `into`, plus the plain files."""
    started = time.perf_counter()
    target = into / "contest_html"
    target.mkdir(parents=True)
    for archive in sorted((shared / "data" / "contest_html_archive").glob("*.tar.xz")):
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    paths = input_paths([target, shared / "data" / "contest_html"])
    return paths, time.perf_counter() - started


# --- the Dask cluster of a run -------------------------------------------------------------------------
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


# --- one configuration (in a fresh process: --run-one) -------------------------------------------------
class PhaseTimer:
    """Wall and CPU seconds of this process, summed per phase name."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def __call__(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - wall
            self.cpu[name] += time.process_time() - cpu


def local_run(paths: list[Path]) -> dict[str, Any]:
    """`process_paths(workers=1)` then `build_threads`, their steps timed one by one."""
    from newsthread.cluster.batch import ensure_terms, time_order
    from newsthread.cluster.config import DEFAULT_CONFIG as config
    from newsthread.cluster.linkage import average_linkage
    from newsthread.cluster.similarity import Vocabulary, batch_edges, encode
    from newsthread.ingest import ReadResult, read_paths
    from newsthread.pipeline import CHUNK_SIZE, annotate
    from newsthread.rank import make_threads, rank_threads, shipped_authority

    _warm()
    timer = PhaseTimer()
    started = time.perf_counter()
    total = ReadResult()
    for k in range(0, len(paths), CHUNK_SIZE):  # what process_paths(workers=1) does, chunk by chunk
        with timer("read+parse"):
            part = read_paths(paths[k : k + CHUNK_SIZE])
        for stage in STAGES:
            with timer(stage):
                annotate(part.articles, (stage,))
        total.articles.extend(part.articles)
        total.errors.extend(part.errors)
    read_s = time.perf_counter() - started
    news = news_articles(total.articles)
    # what build_threads → cluster_batch → cluster_language do, step by step
    with timer("ensure_terms"):
        ensure_terms(news)
    by_lang: dict[str, list[Article]] = defaultdict(list)
    for article in news:
        by_lang[article.lang or "und"].append(article)
    groups: list[list[Article]] = []
    for lang, members in by_lang.items():
        rows = time_order(members)
        if len(rows) < 2:
            groups.extend([a] for a in rows)
            continue
        with timer("encode"):
            enc = encode(rows, Vocabulary(), config)
        with timer("edges"):
            left, right, score = batch_edges(enc, config)
        with timer("linkage"):
            labels = average_linkage(len(enc), left, right, score, config.threshold(lang), config.size_slope)
        by_label: dict[int, list[Article]] = defaultdict(list)
        for article, label in zip(rows, labels.tolist(), strict=True):
            by_label[label].append(article)
        groups.extend(by_label.values())
    groups.sort(key=lambda g: (-len(g), g[0].timestamp, g[0].name))
    with timer("make_threads+rank"):
        threads = rank_threads(make_threads(groups, shipped_authority()))
    total_s = time.perf_counter() - started
    cpu = sum(timer.cpu.values())
    return {
        "read_s": read_s,
        "threads_s": total_s - read_s,
        "total_s": total_s,
        "phases_wall_s": dict(timer.wall),
        "phases_cpu_s": {"client": dict(timer.cpu)},
        "cpu_s": cpu,
        "cores_used": cpu / total_s,
        "peak_rss_mib": {"client": _hwm_mib(os.getpid())},
        "_result": total,
        "_news": news,
        "_threads": threads,
    }


def dask_run(paths: list[Path], workers: int, separate_sessions: bool = False) -> dict[str, Any]:
    """`process_paths_dask`, `cluster_batch_dask`, make_threads+rank (= build_threads_dask)."""
    from distributed import get_task_stream

    from newsthread.distributed import cluster_batch_dask, connect, process_paths_dask, rank_groups

    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if separate_sessions:
            client = stack.enter_context(connect(stack.enter_context(service_cluster(workers))))
        else:
            client = stack.enter_context(connect(None, workers))
        client.wait_for_workers(workers)
        warmed = list(client.run(_warm).values())
        pids = [pid for pid, _, _ in warmed]
        # a LocalCluster's nannies (the workers' parents; not for --separate-sessions)
        nannies = (
            sorted({parent for _, parent, _ in warmed} - {os.getpid(), 1}) if not separate_sessions else []
        )
        imported = {Path(file).resolve().parents[1] for _, _, file in warmed}
        if imported != {CODE.resolve()}:
            raise RuntimeError(f"workers import newsthread from {imported}, not from the snapshot {CODE}")
        startup_s = time.perf_counter() - started
        clock = CpuClock([os.getpid(), *nannies, *pids])
        laps: dict[str, tuple[float, list[float]]] = {}
        with get_task_stream(client) as stream:
            result = process_paths_dask(client, paths, STAGES)
            laps["read"] = clock.lap()
            news = news_articles(result.articles)
            groups = cluster_batch_dask(client, news)
            laps["cluster"] = clock.lap()
            threads = rank_groups(groups)
            laps["make_threads+rank"] = clock.lap()
        tasks: dict[str, dict[str, float]] = defaultdict(lambda: {"tasks": 0, "compute_s": 0.0})
        for task in stream.data:
            kind = _task_kind(task["key"])
            tasks[kind]["tasks"] += 1
            tasks[kind]["compute_s"] += sum(
                s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute"
            )
        peaks = {"client": _hwm_mib(os.getpid())}
        peaks.update({f"worker{k}": _hwm_mib(pid) for k, pid in enumerate(pids)})
    total_s = sum(wall for wall, _ in laps.values())
    cpu = sum(sum(c) for _, c in laps.values())
    phases_cpu = {
        "client": {name: c[0] for name, (_, c) in laps.items()},
        "workers": {name: sum(c[1 + len(nannies) :]) for name, (_, c) in laps.items()},
    }
    if nannies:
        phases_cpu["nannies"] = {name: sum(c[1 : 1 + len(nannies)]) for name, (_, c) in laps.items()}
    return {
        "startup_s": startup_s,
        "read_s": laps["read"][0],
        "threads_s": laps["cluster"][0] + laps["make_threads+rank"][0],
        "total_s": total_s,
        "phases_wall_s": {name: wall for name, (wall, _) in laps.items()},
        "phases_cpu_s": phases_cpu,
        "task_compute_s": {kind: round(v["compute_s"], 3) for kind, v in tasks.items()},
        "task_counts": {kind: v["tasks"] for kind, v in tasks.items()},
        "cpu_s": cpu,
        "cores_used": cpu / total_s,
        "peak_rss_mib": peaks,
        "_result": result,
        "_news": news,
        "_threads": threads,
    }


def _task_kind(key: Any) -> str:
    """newsthread-<kind>-… keys (distributed._keys) → kind; other tasks by their function name."""
    key = key[0] if isinstance(key, tuple) else str(key)
    parts = key.split("-")
    return parts[1] if parts[0] == "newsthread" and len(parts) > 1 else parts[0]


def run_one(config: str, paths: list[Path], separate_sessions: bool) -> tuple[dict[str, Any], list[Article]]:
    load_before = os.getloadavg()[0]
    run = local_run(paths) if config == "local" else dask_run(paths, int(config[4:]), separate_sessions)
    result = run.pop("_result")
    news = run.pop("_news")
    threads = run.pop("_threads")
    run.update(
        config=config,
        files=len(paths),
        articles=len(result.articles),
        errors=len(result.errors),
        news=len(news),
        threads=len(threads),
        docs_per_s=len(paths) / run["total_s"],
        articles_digest=articles_digest(result.articles)
        + hashlib.sha256("\n".join(str(e) for e in result.errors).encode()).hexdigest()[:16],
        threads_digest=threads_digest(threads),
        load_avg=[load_before, os.getloadavg()[0]],
    )
    return run, news


# --- --store: bytes per stored article ---------------------------------------------------------------
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
            store.index_search()  # the full-text index's own file
            search_name = Path(store.search_path).name
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        search = sum(p.stat().st_size for p in Path(tmp).iterdir() if p.name.startswith(search_name))
        out["sqlite_bytes_per_article_with_raw"] = size / len(articles)
        out["sqlite_search_file_bytes_per_article"] = search / len(articles)
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


# --- --online: OnlineClusterer latency ---------------------------------------------------------------
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


# --- the comparison ----------------------------------------------------------------------------------
def spawn(config: str, paths_file: Path, folder: Path, separate_sessions: bool, keep_news: bool) -> dict:
    """Run one configuration in a fresh Python process; its figures (JSON)."""
    out = folder / f"run-{config}-{time.monotonic_ns()}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--run-one",
        config,
        "--paths-file",
        str(paths_file),
    ]
    command += ["--run-out", str(out)]
    if separate_sessions:
        command.append("--separate-sessions")
    if keep_news:
        command += ["--news-out", str(folder / "news.pickle")]
    log = folder / "child.log"
    with log.open("w") as stderr:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=stderr)
    if done.returncode != 0:
        tail = log.read_text()[-3000:]
        raise RuntimeError(f"{config} failed (exit {done.returncode}):\n{tail}")
    return json.loads(out.read_text())


def _median(runs: list[dict], get) -> float:
    return statistics.median(get(r) for r in runs)


def summarize(runs: list[dict], configs: list[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for config in configs:
        mine = [r for r in runs if r["config"] == config]
        phases = sorted(
            {p for r in mine for p in r["phases_wall_s"]}, key=list(mine[0]["phases_wall_s"]).index
        )
        entry = {
            "runs": len(mine),
            "docs_per_s_median": _median(mine, lambda r: r["docs_per_s"]),
            "total_s_median": _median(mine, lambda r: r["total_s"]),
            "read_s_median": _median(mine, lambda r: r["read_s"]),
            "threads_s_median": _median(mine, lambda r: r["threads_s"]),
            "cpu_s_median": _median(mine, lambda r: r["cpu_s"]),
            "cores_used_median": _median(mine, lambda r: r["cores_used"]),
            "peak_rss_mib_max": {
                name: max(r["peak_rss_mib"][name] for r in mine) for name in mine[0]["peak_rss_mib"]
            },
            "phases_wall_s_median": {
                p: _median(mine, lambda r, p=p: r["phases_wall_s"].get(p, 0.0)) for p in phases
            },
            "phases_cpu_s_median": {
                who: {
                    p: _median(mine, lambda r, w=who, p=p: r["phases_cpu_s"][w].get(p, 0.0)) for p in phases
                }
                for who in mine[0]["phases_cpu_s"]
            },
            "load_avg_median": _median(mine, lambda r: statistics.mean(r["load_avg"])),
        }
        if config.startswith("dask"):
            entry["idle_cores_estimate_s"] = _idle_estimate(entry, int(config[4:]), os.cpu_count() or 1)
        if "task_compute_s" in mine[0]:
            kinds = sorted({k for r in mine for k in r["task_compute_s"]})
            entry["task_compute_s_median"] = {
                k: _median(mine, lambda r, k=k: r["task_compute_s"].get(k, 0.0)) for k in kinds
            }
        summary[config] = entry
    return summary


def _idle_estimate(entry: dict[str, Any], workers: int, cores: int) -> float:
    """Wall seconds the run would take on otherwise idle cores, from its CPU seconds: reading
    is bound by the workers or by all the cores (the client works alongside); clustering and
    ranking count as client steps plus the workers' share (no overlap: an upper bound)."""
    cpu = entry["phases_cpu_s_median"]
    client, workers_cpu = cpu["client"], cpu["workers"]
    read = max(
        workers_cpu["read"] / workers, (workers_cpu["read"] + client["read"]) / min(cores, workers + 1)
    )
    rest = sum(client[p] + workers_cpu[p] / workers for p in ("cluster", "make_threads+rank"))
    return read + rest


def print_summary(report: dict[str, Any]) -> None:
    summary = report["summary"]
    print(f"\n{report['files']} files, {report['repeats']} repeat(s), medians:")
    print(
        f"{'config':8} {'docs/s':>7} {'total s':>8} {'read s':>7} {'thr s':>6} {'CPU s':>7} {'cores':>6}  peak RSS MiB"
    )
    for config, s in summary.items():
        rss = ", ".join(f"{k} {v:.0f}" for k, v in s["peak_rss_mib_max"].items())
        print(
            f"{config:8} {s['docs_per_s_median']:7.0f} {s['total_s_median']:8.1f} {s['read_s_median']:7.1f} "
            f"{s['threads_s_median']:6.1f} {s['cpu_s_median']:7.1f} {s['cores_used_median']:6.2f}  {rss}"
        )
    for config, s in summary.items():
        print(f"{config} phases (wall s | CPU s per process):")
        for phase, wall in s["phases_wall_s_median"].items():
            cpu = "  ".join(f"{who} {v[phase]:.1f}" for who, v in s["phases_cpu_s_median"].items())
            print(f"    {phase:18} {wall:7.2f} | {cpu}")
        if "task_compute_s_median" in s:
            print(
                "    task compute s: "
                + ", ".join(f"{k} {v:.1f}" for k, v in s["task_compute_s_median"].items())
            )
    estimates = {c: s["idle_cores_estimate_s"] for c, s in summary.items() if "idle_cores_estimate_s" in s}
    if estimates:
        print(
            "estimated wall s on idle cores (from CPU s): "
            + ", ".join(f"{c} {v:.1f}" for c, v in estimates.items())
        )
    if "speedup_2_vs_1" in report:
        print(f"speed-up dask2 vs dask1 (median docs/s): {report['speedup_2_vs_1']:.2f}x")
        if "dask1" in estimates and "dask2" in estimates:
            print(f"  from CPU seconds (idle-core estimate): {estimates['dask1'] / estimates['dask2']:.2f}x")
    if "speedup_2_vs_local" in report:
        print(f"dask2 vs local: {report['speedup_2_vs_local']:.2f}x")
    print(f"identical articles and threads across all runs: {report['all_identical']}")
    print(f"load average (1 min) during the runs: {report['load_avg_range']}")


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up temp dirs and services on kill
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument(
        "--source", type=Path, action="append", help="read these files/dirs instead of the 72k"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (a quick try)")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--separate-sessions",
        action="store_true",
        help="scheduler and workers as separate `dask` services, each in its own session (see service_cluster)",
    )
    parser.add_argument("--store", action="store_true", help="also bytes per article in SQLite/PostgreSQL")
    parser.add_argument("--online", action="store_true", help="also OnlineClusterer.add latency")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    # the child side of spawn()
    parser.add_argument("--run-one", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--paths-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--news-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.run_one:
        paths = [Path(line) for line in args.paths_file.read_text().splitlines()]
        run, news = run_one(args.run_one, paths, args.separate_sessions)
        args.run_out.write_text(json.dumps(run))
        if args.news_out:
            args.news_out.write_bytes(pickle.dumps(news, protocol=pickle.HIGHEST_PROTOCOL))
        return 0

    report: dict[str, Any] = {"cpus": os.cpu_count(), "separate_sessions": args.separate_sessions}
    with tempfile.TemporaryDirectory(prefix="newsthread-scale-") as tmp:
        folder = Path(tmp)
        if args.source:
            paths, seconds = input_paths(args.source), 0.0
        else:
            paths, seconds = extract(args.shared, folder)
        if args.limit:
            paths = paths[: args.limit]
        paths_file = folder / "paths.txt"
        paths_file.write_text("\n".join(str(p.resolve()) for p in paths))
        report.update(files=len(paths), repeats=args.repeats, extract_s=seconds)
        print(f"{len(paths)} files ({seconds:.0f} s to extract the archives)", flush=True)
        runs: list[dict[str, Any]] = []
        keep_news = args.store or args.online
        for repeat in range(args.repeats):
            order = args.configs if repeat % 2 == 0 else list(reversed(args.configs))
            for config in order:
                run = spawn(config, paths_file, folder, args.separate_sessions, keep_news and not runs)
                run["repeat"] = repeat
                runs.append(run)
                same = run["articles_digest"] == runs[0]["articles_digest"] and (
                    run["threads_digest"] == runs[0]["threads_digest"]
                )
                print(
                    f"  {config:6} {run['docs_per_s']:6.0f} docs/s (read {run['read_s']:.1f} s, threads "
                    f"{run['threads_s']:.1f} s), CPU {run['cpu_s']:.0f} s, cores used {run['cores_used']:.2f}, "
                    f"peak RSS {max(run['peak_rss_mib'].values()):.0f} MiB, load {run['load_avg'][0]:.1f}-"
                    f"{run['load_avg'][1]:.1f}, {run['threads']} threads, same as run 1: {same}",
                    flush=True,
                )
        report["runs"] = runs
        report["summary"] = summarize(runs, args.configs)
        report["all_identical"] = all(
            r["articles_digest"] == runs[0]["articles_digest"]
            and r["threads_digest"] == runs[0]["threads_digest"]
            for r in runs
        )
        loads = [x for r in runs for x in r["load_avg"]]
        report["load_avg_range"] = [round(min(loads), 1), round(max(loads), 1)]
        docs = {c: s["docs_per_s_median"] for c, s in report["summary"].items()}
        if "dask1" in docs and "dask2" in docs:
            report["speedup_2_vs_1"] = docs["dask2"] / docs["dask1"]
        if "local" in docs and "dask2" in docs:
            report["speedup_2_vs_local"] = docs["dask2"] / docs["local"]
        print_summary(report)

        if keep_news:
            news = pickle.loads((folder / "news.pickle").read_bytes())
            if args.store:
                by_name = {p.name: p for p in paths}
                sample = random.Random(1).sample(news, min(5000, len(news)))
                raws = {a.name: by_name[a.name].read_bytes() for a in sample}
                report["store"] = store_sizes(sample, raws)
                print(json.dumps(report["store"], indent=1), flush=True)
            if args.online:
                report["online"] = online_profile(news)
                print(json.dumps(report["online"], indent=1), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1, default=str))
    return 0 if report["all_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

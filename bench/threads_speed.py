"""Speed and memory of threading: the tgnews CLI end to end, clustering alone, the online index.

    .venv/bin/python bench/threads_speed.py [--shared ../shared] [--skip-all] [--skip-online]

1. `tgnews threads` and `tgnews top` over the 9.9k-file dev slice and over all 72k contest files
   (the three tar.xz archives are extracted with tarfile into a temp dir next to a copy of the
   plain files), under /usr/bin/time: wall time, files/s, peak RSS of the largest process.
2. In this process, on the same inputs: read+annotate (2 workers), then `cluster_batch` alone
   and `make_threads` + `rank_threads` alone — the clustering's own docs/s.
3. `OnlineClusterer`: every en/ru news article of the 72k added in time order; add latency
   percentiles (overall and for the last 5,000 adds, i.e. with ~all indexed), remove, recluster.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsthread.cluster import OnlineClusterer, cluster_batch  # noqa: E402
from newsthread.cluster.batch import time_order  # noqa: E402
from newsthread.pipeline import input_paths, news_articles, process_paths  # noqa: E402
from newsthread.rank import make_threads, rank_threads, shipped_authority  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"
TGNEWS = ROOT / ".venv" / "bin" / "tgnews"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_cli(command: str, source: Path, n_files: int) -> None:
    tgnews = str(TGNEWS) if TGNEWS.exists() else shutil.which("tgnews") or "tgnews"
    with tempfile.TemporaryFile() as out:
        done = subprocess.run(
            ["/usr/bin/time", "-v", tgnews, command, str(source)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        size = out.seek(0, os.SEEK_END)
    report = done.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", report)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", report))
    if done.returncode != 0 or not wall or not rss:
        print(f"  tgnews {command}: FAILED (exit {done.returncode}) {report[-500:]}")
        return
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    print(
        f"  tgnews {command:<7} {seconds:7.1f} s  {n_files / seconds:7.0f} files/s  "
        f"peak RSS {int(rss.group(1)) / 1024:6.0f} MB (largest process)  output {size / 1e6:.1f} MB\n"
        f"  {'':<14} CPU {cpu:7.1f} s (all processes) = {n_files / cpu:5.0f} files per CPU-second, "
        f"{2 * n_files / cpu:5.0f} files/s on 2 idle cores"
    )


def in_process(source: Path, workers: int) -> list:
    paths = input_paths([source])
    start = time.perf_counter()
    try:
        result = process_paths(paths, ("language", "classify", "terms"), workers=workers)
        news = news_articles(result.articles)
    except Exception as error:  # another stage's work in progress: measure ours without it
        print(f"  (classifier failed: {type(error).__name__}: {error}; every en/ru article counts as news)")
        start = time.perf_counter()
        result = process_paths(paths, ("language", "terms"), workers=workers)
        for article in result.articles:
            article.is_news = True
        news = news_articles(result.articles)
    read = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    groups = cluster_batch(news)
    cluster, cluster_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    threads = rank_threads(make_threads(groups, shipped_authority()))
    rank, rank_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"  read+annotate ({workers} workers) {read:6.1f} s ({len(paths) / read:6.0f} files/s); "
        f"{len(news)} en/ru news"
    )
    print(
        f"  cluster_batch     {cluster:6.2f} s ({len(news) / cluster:7.0f} docs/s; CPU {cluster_cpu:.2f} s = "
        f"{len(news) / cluster_cpu:6.0f} docs per CPU-second; {len(groups)} groups)"
    )
    print(
        f"  make+rank threads {rank:6.2f} s ({len(news) / rank:7.0f} docs/s; CPU {rank_cpu:.2f} s = "
        f"{len(news) / rank_cpu:6.0f} docs per CPU-second; {len(threads)} threads)"
    )
    print(f"  this process peak RSS so far {peak_rss_mb():.0f} MB")
    return news


def online(news: list) -> None:
    clusterer = OnlineClusterer()
    ordered = time_order(news)
    latencies = np.empty(len(ordered))
    cpu = time.process_time()
    for k, article in enumerate(ordered):
        start = time.perf_counter()
        clusterer.add(article)
        latencies[k] = time.perf_counter() - start
    cpu_ms = (time.process_time() - cpu) / len(ordered) * 1000
    ms = latencies * 1000
    tail = ms[-5000:]
    print(
        f"  add: {len(ms)} articles; p50 {np.percentile(ms, 50):.2f} ms, p90 {np.percentile(ms, 90):.2f}, "
        f"p99 {np.percentile(ms, 99):.2f}, max {ms.max():.0f}; mean CPU {cpu_ms:.2f} ms per add"
    )
    print(
        f"  add with ≥{len(ms) - 5000} indexed (last 5,000): p50 {np.percentile(tail, 50):.2f} ms, "
        f"p90 {np.percentile(tail, 90):.2f}, p99 {np.percentile(tail, 99):.2f}"
    )
    victims = [a.name for a in ordered[::50]]
    start = time.perf_counter()
    for name in victims:
        clusterer.remove(name)
    print(f"  remove: {(time.perf_counter() - start) / len(victims) * 1000:.3f} ms each")
    start = time.perf_counter()
    clusterer.recluster()
    print(
        f"  recluster ({len(clusterer)} articles): {time.perf_counter() - start:.1f} s; "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )


def extract_all(shared: Path, target: Path) -> int:
    data = shared / "data"
    shutil.copytree(data / "contest_html", target, dirs_exist_ok=True)
    for archive in sorted((data / "contest_html_archive").glob("*.tar.xz")):
        with tarfile.open(archive, "r:xz") as tar:
            tar.extractall(target, filter="data")
    return sum(1 for _ in target.rglob("*.html"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-all", action="store_true", help="only the 9.9k slice")
    parser.add_argument("--skip-online", action="store_true")
    args = parser.parse_args(argv)
    print(
        f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (other work on the machine slows wall times)"
    )
    slice_dir = args.shared / "data" / "contest_html" / "20191101"
    n_slice = sum(1 for _ in slice_dir.rglob("*.html"))
    print(f"\n## Dev slice {slice_dir} ({n_slice} files)")
    run_cli("threads", slice_dir, n_slice)
    run_cli("top", slice_dir, n_slice)
    news = in_process(slice_dir, args.workers)
    if not args.skip_all:
        with tempfile.TemporaryDirectory(prefix="newsthread-all-") as tmp:
            start = time.perf_counter()
            n_all = extract_all(args.shared, Path(tmp))
            print(f"\n## All contest files ({n_all} files, extracted in {time.perf_counter() - start:.0f} s)")
            run_cli("threads", Path(tmp), n_all)
            run_cli("top", Path(tmp), n_all)
            news = in_process(Path(tmp), args.workers)
    if not args.skip_online:
        print(f"\n## OnlineClusterer over {len(news)} news articles")
        online(news)
    return 0


if __name__ == "__main__":
    sys.exit(main())

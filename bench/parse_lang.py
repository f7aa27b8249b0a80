"""Parsing + language detection speed over the contest corpus, on one core.

    .venv/bin/python bench/parse_lang.py [--shared ../shared] [--runs 3] [--limit N] [--no-lingua]

Reads every file of shared/data/contest_html (15,150) from disk, parses it (`ingest.read_paths`)
and detects its language (`LanguageDetector.annotate`), in this process. Prints docs/s for
parsing alone, language alone and both (median of --runs runs; the first run also builds the
models, as a real run does), how many articles went to the lingua second opinion, and the peak
RSS of the process (resource.getrusage; it includes every article of a run kept in memory).
Speeds are per CPU second of this process (time.process_time), so that other jobs on a shared
machine do not skew them; the wall-clock figure is printed too. The file list is read before
timing; the page cache is warm after the first run.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsthread.ingest import iter_input_files, read_paths  # noqa: E402
from newsthread.nlp.language import LanguageDetector  # noqa: E402

CHUNK = 250  # files per progress step


def one_run(paths: list[Path], detector: LanguageDetector, progress: Progress, label: str):
    task = progress.add_task(label, total=len(paths))
    parse_s = lang_s = 0.0
    articles, n_errors = [], 0
    wall = time.perf_counter()
    for start in range(0, len(paths), CHUNK):
        chunk = paths[start : start + CHUNK]
        t0 = time.process_time()
        result = read_paths(chunk)
        t1 = time.process_time()
        detector.annotate(result.articles)
        t2 = time.process_time()
        parse_s += t1 - t0
        lang_s += t2 - t1
        articles.extend(result.articles)
        n_errors += len(result.errors)
        progress.advance(task, len(chunk))
    progress.remove_task(task)
    return parse_s, lang_s, time.perf_counter() - wall, articles, n_errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--no-lingua", action="store_true")
    args = parser.parse_args()
    corpus = args.shared / "data" / "contest_html"
    if not corpus.is_dir():
        print(f"no contest data at {corpus} (give --shared)", file=sys.stderr)
        return 2
    paths = list(iter_input_files(corpus))
    if args.limit:
        paths = paths[: args.limit]
    detector = LanguageDetector(use_lingua=not args.no_lingua)
    second_opinions = Counter()
    original = LanguageDetector._second_opinion

    def counted(self, text, candidates, fasttext):
        second_opinions["calls"] += 1
        return original(self, text, candidates, fasttext)

    LanguageDetector._second_opinion = counted
    runs = []
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        for run in range(1, args.runs + 1):
            second_opinions.clear()
            parse_s, lang_s, wall_s, articles, n_errors = one_run(
                paths, detector, progress, f"run {run}/{args.runs}"
            )
            runs.append((parse_s, lang_s, wall_s))
            print(
                f"run {run}: {len(paths)} files, {len(articles)} articles, {n_errors} errors; CPU parse "
                f"{parse_s:.2f} s, language {lang_s:.2f} s; wall {wall_s:.2f} s",
                file=sys.stderr,
            )
    n = len(paths)
    parse = statistics.median(n / p for p, _, _ in runs)
    lang = statistics.median(len(articles) / lg for _, lg, _ in runs)
    both = statistics.median(n / (p + lg) for p, lg, _ in runs)
    wall = statistics.median(n / w for _, _, w in runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    languages = Counter(a.lang for a in articles)
    print(f"files: {n} ({corpus})")
    print(f"parse:           {parse:8.0f} docs/s per CPU second (median of {len(runs)} runs)")
    print(f"language:        {lang:8.0f} docs/s per CPU second")
    print(f"parse+language:  {both:8.0f} docs/s per CPU second (one core)")
    print(f"parse+language:  {wall:8.0f} docs/s wall clock (lower when other processes share the core)")
    print(f"lingua second opinions: {second_opinions['calls']} articles per run")
    print(f"peak RSS:        {peak_mb:8.0f} MB")
    print("languages: " + ", ".join(f"{code} {count}" for code, count in languages.most_common(12)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Parsing + language detection speed over the contest corpus, on one core.

    .venv/bin/python bench/parse_lang.py [--shared ../shared] [--runs 3] [--limit N] [--no-lingua]

Reads every file of shared/data/contest_html (15,150) from disk, parses it (`ingest.read_paths`)
and detects its language (`LanguageDetector.annotate`), in this process. Prints docs/s for
parsing alone, language alone and both (median of --runs runs; the first run also builds the
models, as a real run does), how many articles went to the lingua second opinion, and the peak
RSS of the process (resource.getrusage). The file list is read before timing; the page cache
is warm after the first run.
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
    for start in range(0, len(paths), CHUNK):
        chunk = paths[start : start + CHUNK]
        t0 = time.perf_counter()
        result = read_paths(chunk)
        t1 = time.perf_counter()
        detector.annotate(result.articles)
        t2 = time.perf_counter()
        parse_s += t1 - t0
        lang_s += t2 - t1
        articles.extend(result.articles)
        n_errors += len(result.errors)
        progress.advance(task, len(chunk))
    progress.remove_task(task)
    return parse_s, lang_s, articles, n_errors


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

    def counted(self, text, candidates, fasttext, hint):
        second_opinions["calls"] += 1
        return original(self, text, candidates, fasttext, hint)

    LanguageDetector._second_opinion = counted
    runs = []
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:
        for run in range(1, args.runs + 1):
            second_opinions.clear()
            parse_s, lang_s, articles, n_errors = one_run(paths, detector, progress, f"run {run}/{args.runs}")
            runs.append((parse_s, lang_s))
            print(
                f"run {run}: {len(paths)} files, {len(articles)} articles, {n_errors} errors; "
                f"parse {parse_s:.2f} s, language {lang_s:.2f} s",
                file=sys.stderr,
            )
    n = len(paths)
    parse = statistics.median(n / p for p, _ in runs)
    lang = statistics.median(len(articles) / lg for _, lg in runs)
    both = statistics.median(n / (p + lg) for p, lg in runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    languages = Counter(a.lang for a in articles)
    print(f"files: {n} ({corpus})")
    print(f"parse:           {parse:8.0f} docs/s (median of {len(runs)})")
    print(f"language:        {lang:8.0f} docs/s")
    print(f"parse+language:  {both:8.0f} docs/s on one core")
    print(f"lingua second opinions: {second_opinions['calls']} articles per run")
    print(f"peak RSS:        {peak_mb:8.0f} MB")
    print("languages: " + ", ".join(f"{code} {count}" for code, count in languages.most_common(12)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of `news` + `categories` end to end (parse + language + classify) and of the classifier.

    python bench/classify_speed.py [--data DIR] [--runs 3] [--workers N] [--cli]

Prints docs/s (median of the runs) for:
- the pipeline in this process: read → language → classify over every file, then the news and
  categories JSON (what `tgnews news` / `tgnews categories` compute);
- the classifier alone on already parsed en/ru articles (one process);
- with --cli, the real `tgnews news` and `tgnews categories` commands (process start-up included);
and the peak RSS of this process and of its worker processes. On a shared machine the wall-clock
rate swings with other jobs, so the pipeline line also gives the CPU seconds it used and the rate
those would allow on two otherwise idle cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from newsthread.classify import NewsClassifier
from newsthread.model import CATEGORIES, NEWS_LANGUAGES
from newsthread.pipeline import input_paths, process_paths

SHARED = Path(__file__).resolve().parents[2] / "shared"


def contract_outputs(articles) -> tuple[str, str]:
    news = [a for a in articles if a.lang in NEWS_LANGUAGES and a.is_news]
    by_category: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for article in news:
        by_category.get(article.category, by_category["other"]).append(article.name)
    return (
        json.dumps({"articles": [a.name for a in news]}),
        json.dumps([{"category": c, "articles": names} for c, names in by_category.items()]),
    )


def _cpu_seconds() -> float:
    """User + system time of this process and of its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "contest_html" / "20191101")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="default: the pipeline's (all cores)")
    parser.add_argument("--cli", action="store_true", help="also time the tgnews commands")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"missing {args.data}", file=sys.stderr)
        return 2
    paths = input_paths([args.data])

    rates, cpu_seconds = [], []
    for _ in range(args.runs):
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        result = process_paths(paths, stages=("language", "classify"), workers=args.workers)
        contract_outputs(result.articles)
        rates.append(len(paths) / (time.perf_counter() - started))
        cpu_seconds.append(_cpu_seconds() - cpu_before)
    cpu = statistics.median(cpu_seconds)
    print(
        f"pipeline news+categories: {statistics.median(rates):,.0f} docs/s (median of {args.runs}; "
        f"{len(paths)} files; runs {', '.join(f'{r:,.0f}' for r in rates)}); "
        f"{cpu:.1f} CPU s = {len(paths) / (cpu / 2):,.0f} docs/s on 2 idle cores"
    )

    wanted = [a for a in result.articles if a.lang in NEWS_LANGUAGES]
    started = time.perf_counter()
    model = NewsClassifier.load()
    load_seconds = time.perf_counter() - started
    classify_rates = []
    for _ in range(args.runs):
        started = time.perf_counter()
        model.annotate(wanted)
        classify_rates.append(len(wanted) / (time.perf_counter() - started))
    print(
        f"classifier alone: {statistics.median(classify_rates):,.0f} en/ru docs/s "
        f"({len(wanted)} articles, one process; model load {load_seconds:.2f}s)"
    )

    if args.cli:
        tgnews = shutil.which("tgnews") or str(Path(sys.executable).with_name("tgnews"))
        for command in ("news", "categories"):
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                subprocess.run([tgnews, command, str(args.data)], check=True, stdout=subprocess.DEVNULL)
                times.append(time.perf_counter() - started)
            print(
                f"tgnews {command}: {len(paths) / statistics.median(times):,.0f} docs/s "
                f"(median {statistics.median(times):.1f}s, process start-up included)"
            )

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MB, largest worker/child {children:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""News filter + category quality on the dev gold (tgnews `news` / `categories` contract).

    python bench/quality_categories.py [--data DIR] [--gold FILE] [--sweep]

Runs the real pipeline (read → language → classify) over the 20191101 dev slice, writes news.json
and categories.json in the contest shapes to a temp dir and prints the output of
`shared/tools/score.py categories` (per language: category accuracy over gold news articles, and
not-news precision / recall / F1). `--sweep` also re-scores a few not-news thresholds and prior
settings in-process (for choosing the documented defaults in classify/train.py, nothing else).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsthread.classify import NewsClassifier
from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article
from newsthread.pipeline import input_paths, process_paths

SHARED = Path(__file__).resolve().parents[2] / "shared"


def write_outputs(articles: list[Article], out_dir: Path) -> tuple[Path, Path]:
    """news.json and categories.json exactly as `tgnews news` / `tgnews categories` print them."""
    news = {a.name: a for a in articles if a.lang in NEWS_LANGUAGES and a.is_news}
    by_category: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for name, article in news.items():
        by_category[article.category if article.category in by_category else "other"].append(name)
    news_path, categories_path = out_dir / "news.json", out_dir / "categories.json"
    news_path.write_text(json.dumps({"articles": list(news)}, ensure_ascii=False), encoding="utf-8")
    categories_path.write_text(
        json.dumps(
            [{"category": c, "articles": names} for c, names in by_category.items()], ensure_ascii=False
        ),
        encoding="utf-8",
    )
    return news_path, categories_path


def score(articles: list[Article], gold: Path, scorer: Path, quiet: bool = False) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        news_path, categories_path = write_outputs(articles, Path(tmp))
        result = subprocess.run(
            [sys.executable, str(scorer), "categories", str(categories_path), str(news_path), str(gold)],
            capture_output=True,
            text=True,
            check=True,
        )
    return result.stdout if not quiet else result.stdout.strip().splitlines()[-1]


HOUR_SPLITS = (("06-09", {"06", "07", "08", "09"}), ("10-13", {"10", "11", "12", "13"}))


def score_hours(articles: list[Article], gold: Path, scorer: Path, hour_of: dict, hours: set) -> str:
    """The summary line of the score over the gold articles of the given hour folders."""
    lines = [line for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = [line for line in lines if hour_of.get(json.loads(line)["file"]) in hours]
    with tempfile.TemporaryDirectory() as tmp:
        subset = Path(tmp) / "gold.jsonl"
        subset.write_text("\n".join(kept) + "\n", encoding="utf-8")
        return score(articles, subset, scorer, quiet=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "contest_html" / "20191101")
    parser.add_argument("--gold", type=Path, default=SHARED / "eval" / "cats_dev.jsonl")
    parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "score.py")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--sweep", action="store_true", help="also try other thresholds in-process")
    args = parser.parse_args()
    if not args.data.exists() or not args.gold.exists():
        print(f"missing {args.data} or {args.gold}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    paths = input_paths([args.data])
    result = process_paths(paths, stages=("language", "classify"), workers=args.workers)
    elapsed = time.perf_counter() - started
    news = sum(1 for a in result.articles if a.lang in NEWS_LANGUAGES and a.is_news)
    print(f"{len(paths)} files, {len(result.articles)} articles, {news} en/ru news in {elapsed:.1f}s")
    print(score(result.articles, args.gold, args.scorer), end="")
    hour_of = {path.name: path.parent.name for path in paths}
    for label, hours in HOUR_SPLITS:  # settings chosen on dev are chosen on the first split only
        print(f"hours {label}: {score_hours(result.articles, args.gold, args.scorer, hour_of, hours)}")

    if args.sweep:
        gold_names = {json.loads(line)["file"] for line in args.gold.read_text().splitlines() if line.strip()}
        scored = [a for a in result.articles if a.name in gold_names and a.lang in NEWS_LANGUAGES]
        for threshold in (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 1.1):
            for section_weight in (1.0, 3.0):
                model = NewsClassifier.load()
                model.news_threshold, model.section_weight = threshold, section_weight
                model.annotate(scored)
                line = score(scored, args.gold, args.scorer, quiet=True)
                print(f"threshold {threshold} section_weight {section_weight}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

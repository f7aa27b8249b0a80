"""Cross-lingual thread linking on OG2021 (titles only): precision and recall of ru↔en links.

Titles of one OG2021 cluster in one language form a pseudo-thread (`Thread` of title-only
`Article`s). `newsthread.story.link_crosslingual` links Russian and English pseudo-threads; a
link is correct when both sides come from the same cluster. Recall is over the clusters that
have both a Russian and an English pseudo-thread.

    .venv/bin/python bench/crosslingual.py [--data PATH] [--min-score X] [--sweep]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from newsthread.model import Article, Thread, parse_time
from newsthread.story import link_crosslingual

DATA = Path(__file__).resolve().parents[1].parent / "shared/data/labeled/og2021_titles/og2021_titles.jsonl"
LANGS = {"eng": "en", "rus": "ru"}


def load_pseudo_threads(path: Path) -> tuple[list[Thread], dict[str, str]]:
    """Threads (one per cluster and language) and thread id → cluster id."""
    groups: dict[tuple[str, str], list[Article]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            lang = LANGS.get(row["lang"])
            if not lang or not row.get("cluster"):
                continue
            published = parse_time(row["published"].replace(" ", "T"))
            article = Article(name=str(row["uri"]), title=row["title"], published=published, lang=lang)
            groups[(row["cluster"], lang)].append(article)
    threads, cluster_of = [], {}
    for (cluster, lang), articles in sorted(groups.items()):
        articles.sort(key=lambda a: a.timestamp)
        thread = Thread(articles=articles, lang=lang, title=articles[0].title)
        threads.append(thread)
        cluster_of[thread.id] = cluster
    return threads, cluster_of


def evaluate(threads: list[Thread], cluster_of: dict[str, str], min_score: float) -> dict[str, float]:
    started = time.perf_counter()
    links = link_crosslingual(threads, min_score=min_score)
    elapsed = time.perf_counter() - started
    langs_of: dict[str, set[str]] = defaultdict(set)
    for thread in threads:
        langs_of[cluster_of[thread.id]].add(thread.lang)
    positives = sum(1 for langs in langs_of.values() if {"ru", "en"} <= langs)
    correct = sum(1 for link in links if cluster_of[link["ru"]] == cluster_of[link["en"]])
    precision = correct / len(links) if links else 0.0
    recall = correct / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "min_score": min_score,
        "links": len(links),
        "correct": correct,
        "positives": positives,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "seconds": elapsed,
        "_links": links,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--min-score", type=float, default=None)
    parser.add_argument("--sweep", action="store_true", help="report several thresholds")
    parser.add_argument("--show", type=int, default=0, help="print this many links (wrong ones first)")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no OG2021 data at {args.data}", file=sys.stderr)
        return 1
    threads, cluster_of = load_pseudo_threads(args.data)
    n_ru = sum(t.lang == "ru" for t in threads)
    n_en = sum(t.lang == "en" for t in threads)
    print(f"OG2021 pseudo-threads: {n_ru} ru, {n_en} en (titles only)")
    from newsthread.story.crosslingual import MIN_SCORE

    thresholds = (
        [0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3] if args.sweep else [args.min_score or MIN_SCORE]
    )
    for threshold in thresholds:
        r = evaluate(threads, cluster_of, threshold)
        print(
            f"min_score {threshold:.2f}: {r['links']} links, {r['correct']} correct of {r['positives']} "
            f"true pairs — precision {r['precision']:.3f}, recall {r['recall']:.3f}, F1 {r['f1']:.3f} "
            f"({r['seconds']:.2f} s)"
        )
    if args.show:
        links = sorted(r["_links"], key=lambda k: cluster_of[k["ru"]] == cluster_of[k["en"]])
        for link in links[: args.show]:
            ok = "✓" if cluster_of[link["ru"]] == cluster_of[link["en"]] else "✗"
            print(
                f"{ok} {link['score']:.3f} {link['ru_title'][:70]} ↔ {link['en_title'][:70]} {link['shared'][:4]}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

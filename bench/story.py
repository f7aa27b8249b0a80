"""Story bench: explain the top threads of one contest day and time it.

Reads the 20191101 slice of the contest data, builds threads (the lead's pipeline when it is
there; otherwise cluster + rank; otherwise a plain title/lead TF-IDF grouping written here,
and the output says which), explains the top 100 threads with `newsthread.story.explain`,
prints the time, and writes 20 sampled explanations (JSON + a readable text file).

    .venv/bin/python bench/story.py [--data DIR] [--top 100] [--sample 20] [--out PREFIX]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from newsthread.model import NEWS_LANGUAGES, Article, Thread

DATA = Path(__file__).resolve().parents[1].parent / "shared/data/contest_html/20191101"
OUT = Path("/tmp/newsthread-story-samples")


def read_slice(root: Path, workers: int | None) -> list[Article]:
    from newsthread.ingest import iter_input_files

    paths = list(iter_input_files(root))
    try:
        from newsthread.pipeline import process_paths

        stages: tuple[str, ...] = ("language", "classify", "terms")
        try:
            result = process_paths(paths, stages, workers)
        except (ImportError, FileNotFoundError, OSError):
            stages = ("language", "terms")
            result = process_paths(paths, stages, workers)
        print(f"read {len(result.articles)} articles ({len(result.errors)} unreadable), stages {stages}")
        return result.articles
    except ImportError:
        from newsthread.ingest import read_paths
        from newsthread.nlp.language import LanguageDetector

        result = read_paths(paths)
        LanguageDetector().annotate(result.articles)
        print(f"read {len(result.articles)} articles ({len(result.errors)} unreadable), language only")
        return result.articles


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def simple_threads(articles: list[Article]) -> list[Thread]:
    """Stand-in clustering for this bench only: same language, title+lead TF-IDF cosine ≥ 0.45,
    connected components; ranked by the number of distinct sites."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from newsthread.story.text import stems, stopwords, words

    threads = []
    for lang in NEWS_LANGUAGES:
        group = [a for a in articles if a.lang == lang and a.is_news is not False]
        if not group:
            continue
        stop = stopwords(lang)
        docs = [
            " ".join(stems([w for w in words(f"{a.title} {a.title} {a.lead(300)}") if w not in stop], lang))
            for a in group
        ]
        matrix = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform(docs)
        parent = list(range(len(group)))

        for start in range(0, len(group), 1000):
            block = (matrix[start : start + 1000] @ matrix.T).toarray()
            rows, cols = np.nonzero(block >= 0.45)
            for r, c in zip(rows, cols, strict=True):
                i = start + int(r)
                if i < c:
                    parent[_find(parent, i)] = _find(parent, int(c))
        components: dict[int, list[Article]] = defaultdict(list)
        for i, article in enumerate(group):
            components[_find(parent, i)].append(article)
        for members in components.values():
            members.sort(key=lambda a: a.timestamp)
            threads.append(Thread(articles=members, lang=lang, title=members[0].title))
    threads.sort(key=lambda t: (-len(t.sources), -len(t.articles)))
    return threads


def build_threads(articles: list[Article]) -> tuple[list[Thread], str]:
    news = [a for a in articles if a.lang in NEWS_LANGUAGES and a.is_news is not False]
    try:
        from newsthread.pipeline import build_threads as pipeline_threads

        return pipeline_threads(news), "newsthread.pipeline.build_threads"
    except ImportError:
        pass
    try:
        from newsthread.cluster import cluster_batch
        from newsthread.rank import make_threads, shipped_authority

        return make_threads(cluster_batch(news), shipped_authority()), "cluster_batch + make_threads"
    except ImportError:
        pass
    return simple_threads(news), "bench-local TF-IDF grouping (pipeline clustering not available)"


def render(story: dict) -> str:
    lines = [f"=== [{story['lang']}] {story['title']}  ({len(story['articles'])} articles)"]
    original = story.get("original") or {}
    if original:
        lines.append(f"ORIGINAL: {original['site']} — {original['title']}\n   why: {original['reason']}")
    lines.append("SUMMARY:")
    lines += [f"  • {s['text']}  [{s['site']}]" for s in story["summary"]]
    lines.append("FACTS:")
    for fact in story["facts"][:12]:
        lines.append(
            f"  - {fact['text']!r} = {fact['value']} {fact['unit']} | counts: {fact['counts'] or '-'} "
            f"| {', '.join(fact['sources'][:3])}"
        )
    lines.append(
        "ENTITIES: "
        + "; ".join(f"{e['name']} {e['type']} {e['count']}/{e['n_sources']}" for e in story["entities"][:10])
    )
    for dis in story["disagreements"]:
        shown = " VS ".join(f"{s['text']!r} [{', '.join(s['sources'][:3])}]" for s in dis["statements"])
        lines.append(f"DISAGREE on {dis['about']}: {shown}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, default=OUT, help="prefix of the .json and .txt sample files")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    articles = read_slice(args.data, args.workers)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    threads, method = build_threads(articles)
    thread_s = time.perf_counter() - started
    top = threads[: args.top]
    sizes = sorted(len(t) for t in top)
    print(
        f"threads: {len(threads)} via {method}; top {len(top)} have {sum(sizes)} articles (median {sizes[len(sizes) // 2]}, max {sizes[-1]})"
    )
    print(f"reading {read_s:.1f} s, threading {thread_s:.1f} s")

    from newsthread.story import explain, link_crosslingual
    from newsthread.story.entities import _natasha_ner
    from newsthread.story.text import ru_parses

    started = time.perf_counter()
    _natasha_ner()
    ru_parses("россия")
    load_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    stories = [explain(t) for t in top]
    explain_s = time.perf_counter() - started
    explain_cpu = time.process_time() - cpu
    started = time.perf_counter()
    links = link_crosslingual(top)
    link_s = time.perf_counter() - started
    print(f"model load (natasha NER, pymorphy3): {load_s:.2f} s")
    print(
        f"explain: {len(stories)} threads in {explain_s:.2f} s wall, {explain_cpu:.2f} s CPU "
        f"({1000 * explain_s / max(1, len(stories)):.0f} ms per thread; load average {os.getloadavg()[0]:.1f})"
    )
    print(f"link_crosslingual over the top {len(top)}: {len(links)} links in {link_s:.2f} s")
    n_dis = sum(1 for s in stories if s["disagreements"])
    print(
        f"threads with: summary ≥3 sentences {sum(len(s['summary']) >= 3 for s in stories)}, "
        f"facts {sum(bool(s['facts']) for s in stories)}, disagreements {n_dis}, "
        f"entities {sum(bool(s['entities']) for s in stories)}"
    )
    rng = random.Random(args.seed)
    sample = rng.sample(stories, min(args.sample, len(stories)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    json_path = args.out.with_suffix(".json")
    text_path = args.out.with_suffix(".txt")
    json_path.write_text(json.dumps(sample, ensure_ascii=False, indent=1), encoding="utf-8")
    text_path.write_text("\n".join(render(s) for s in sample), encoding="utf-8")
    for link in links[:10]:
        print(f"  link {link['score']:.2f}: {link['ru_title'][:60]} ↔ {link['en_title'][:60]}")
    print(f"samples: {json_path} and {text_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build the background document-frequency table the clustering's idf falls back on.

    .venv/bin/python -m newsthread.cluster.build_background [--data ../shared/data] [--out ...]

Reads the contest corpus (contest_html/ and contest_html_archive/*.tar.xz, via
`newsthread.classify.train.iter_corpus`, which skips the dev slice 20191101 06–13h that the
thread gold is drawn from), detects the language, fills the clustering terms of en/ru articles
(title + lead, as `similarity.encode` sees them) and counts, per language, in how many
articles each lower-cased term occurs. Articles are deduplicated by URL. Terms seen in fewer
than `--min-df` articles are dropped (absent terms count as df 0), which keeps the file small.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from newsthread.cluster.similarity import BACKGROUND_PATH

CHUNK = 400


def _count_chunk(items: list[tuple[str, bytes]]) -> list[tuple[str, str, list[str]]]:
    """(url or name, language, distinct lower-cased terms) of the chunk's en/ru articles."""
    from newsthread.ingest import ReadError, read_bytes
    from newsthread.model import NEWS_LANGUAGES
    from newsthread.nlp.language import LanguageDetector
    from newsthread.nlp.terms import shared_analyzer

    parsed = []
    for relative, data in items:
        try:
            parsed.extend(read_bytes(relative.rsplit("/", 1)[-1], data))
        except ReadError:
            continue
    LanguageDetector().annotate(parsed)
    articles = [a for a in parsed if a.lang in NEWS_LANGUAGES]
    shared_analyzer().annotate(articles)
    return [
        (
            a.url or a.name,
            a.lang,
            sorted({t.lower() for t in (*a.title_terms, *a.body_terms)}),
        )
        for a in articles
    ]


def build(data: Path, workers: int = 2) -> tuple[dict[str, Counter], dict[str, int]]:
    from newsthread.classify.train import chunked, iter_corpus

    df: dict[str, Counter] = {}
    n_docs: dict[str, int] = Counter()
    seen: set[str] = set()

    def take(rows: list[tuple[str, str, list[str]]]) -> None:
        for key, lang, terms in rows:
            if key in seen:
                continue
            seen.add(key)
            n_docs[lang] += 1
            df.setdefault(lang, Counter()).update(terms)

    chunks = chunked(iter_corpus(data, include_dev=False), CHUNK)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future] = deque()
        for chunk in chunks:  # a bounded window keeps only a few chunks of bytes in memory
            pending.append(pool.submit(_count_chunk, chunk))
            if len(pending) >= 4 * workers:
                take(pending.popleft().result())
        while pending:
            take(pending.popleft().result())
    return df, dict(n_docs)


def main(argv: list[str] | None = None) -> int:
    from newsthread.classify.train import default_data_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--out", type=Path, default=BACKGROUND_PATH)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-df", type=int, default=3)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    df, n_docs = build(args.data, args.workers)
    payload = {
        "source": "contest_html + contest_html_archive, without 20191101 06-13h; dedup by URL",
        "min_df": args.min_df,
        "languages": {
            lang: {
                "n_docs": n_docs[lang],
                "df": dict(sorted((t, c) for t, c in counts.items() if c >= args.min_df)),
            }
            for lang, counts in sorted(df.items())
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
    for lang, table in payload["languages"].items():
        print(f"{lang}: {table['n_docs']} articles, {len(table['df'])} terms with df >= {args.min_df}")
    size = args.out.stat().st_size
    print(f"saved {args.out} ({size / 1e6:.2f} MB) in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

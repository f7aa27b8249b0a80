"""Rebuild the shipped source-authority model from the contest corpus.

    python -m newsthread.rank.build_authority [--data ../shared/data] [--out newsthread/models/...]

Reads every contest HTML file under `<data>/contest_html/` and inside
`<data>/contest_html_archive/*.tar.xz` (tar members are read in memory, nothing is
extracted), detects the language, groups en/ru articles into event threads with
`cluster_batch`, fits `SourceAuthority` (link graph + who reports first) and writes host →
weight per language to `newsthread/models/source_authority.json.gz`.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from newsthread.model import NEWS_LANGUAGES, Article
from newsthread.rank.authority import SHIPPED_PATH, SourceAuthority

CHUNK = 500
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def iter_corpus(data: Path) -> Iterator[tuple[str, bytes]]:
    """(bare file name, bytes) of every .html file in contest_html/ and the tar.xz archives."""
    plain = data / "contest_html"
    if plain.is_dir():
        for path in sorted(plain.rglob("*.html")):
            yield path.name, path.read_bytes()
    archives = data / "contest_html_archive"
    for archive in sorted(archives.glob("*.tar.xz")) if archives.is_dir() else []:
        with tarfile.open(archive, "r:xz") as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".html"):
                    handle = tar.extractfile(member)
                    if handle is not None:
                        yield Path(member.name).name, handle.read()


def _annotate(chunk: list[tuple[str, bytes]]) -> list[Article]:
    from newsthread.ingest import ReadError, read_bytes
    from newsthread.nlp.language import LanguageDetector
    from newsthread.nlp.terms import shared_analyzer

    articles: list[Article] = []
    for name, data in chunk:
        try:
            articles.extend(read_bytes(name, data))
        except ReadError:
            continue
    LanguageDetector().annotate(articles)
    kept = [a for a in articles if a.lang in NEWS_LANGUAGES]
    shared_analyzer().annotate(kept)
    for article in kept:
        article.paragraphs = []  # only terms, links, host, time are needed from here on
    return kept


def build(data: Path, workers: int = 2) -> tuple[SourceAuthority, int]:
    from newsthread.classify.train import chunked
    from newsthread.cluster import cluster_batch

    articles: list[Article] = []
    chunks = chunked(iter_corpus(data), CHUNK)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_annotate, chunks):
                articles.extend(part)
    else:
        for chunk in chunks:
            articles.extend(_annotate(chunk))
    unique = list({a.name: a for a in articles}.values())
    groups = cluster_batch(unique)
    return SourceAuthority().fit(unique, groups), len(unique)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_authority", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"corpus directory (default {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--out", type=Path, default=SHIPPED_PATH, help=f"output file (default {SHIPPED_PATH})"
    )
    parser.add_argument("--workers", type=int, default=2, help="parser processes (default 2)")
    args = parser.parse_args(argv)
    if not (args.data / "contest_html").is_dir() and not (args.data / "contest_html_archive").is_dir():
        print(f"no contest_html/ or contest_html_archive/ under {args.data}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    authority, n = build(args.data, args.workers)
    path = authority.save(args.out)
    sizes = ", ".join(f"{lang}: {len(table)} hosts" for lang, table in sorted(authority.weights_.items()))
    print(f"{n} en/ru articles → {sizes}; wrote {path} in {time.perf_counter() - start:.0f} s")
    for lang, table in sorted(authority.weights_.items()):
        top = sorted(table.items(), key=lambda item: -item[1])[:10]
        print(f"  top {lang}: " + ", ".join(f"{h} {w:.2f}" for h, w in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())

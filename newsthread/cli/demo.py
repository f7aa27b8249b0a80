"""`newsthread demo`: the whole pipeline on the sample bundled in the package."""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from newsthread.cli.common import UserError, read_sources
from newsthread.model import Article, Thread
from newsthread.pipeline import build_threads, news_articles
from newsthread.sample import sample_dir

console = Console(highlight=False)


def _most_telling(threads: list[Thread]) -> tuple[Thread, dict]:
    """Among the top threads, the first whose sources disagree (the demo's best showcase)."""
    from newsthread.story import explain

    stories = [(thread, explain(thread)) for thread in threads[:8] if len(thread) > 1] or [
        (threads[0], explain(threads[0]))
    ]
    return next(((t, s) for t, s in stories if s.get("disagreements")), stories[0])


def _story_panel(thread: Thread, story: dict) -> Panel:
    lines = [f"[bold]{thread.title}[/]", ""]
    original = story.get("original") or {}
    if original:
        lines.append(f"original: {original.get('site') or original.get('name')} — {original.get('url', '')}")
    for sentence in story.get("summary", [])[:4]:
        text = sentence["text"] if isinstance(sentence, dict) else str(sentence)
        lines.append(f"• {text}")
    for disagreement in story.get("disagreements", [])[:3]:
        statements = disagreement.get("statements", [])
        shown = " vs ".join(
            f"{s.get('text', s.get('value'))} ({', '.join(s.get('sources', [])[:2])})" for s in statements[:3]
        )
        lines.append(f"[yellow]sources differ[/] on {disagreement.get('about', '')}: {shown}")
    return Panel("\n".join(lines), title="a thread explained", expand=False)


def run_demo(args: argparse.Namespace) -> int:
    source = sample_dir()
    console.print(f"[bold]newsthread demo[/] — bundled sample: {source}")
    result = read_sources([source])
    articles = result.articles
    news = news_articles(articles)
    languages = Counter(a.lang for a in articles)
    console.print(
        f"read {len(articles)} articles: " + ", ".join(f"{code} {n}" for code, n in languages.most_common())
    )
    en_ru = [a for a in articles if a.lang in ("en", "ru")]
    console.print(f"news filter kept {len(news)} of {len(en_ru)} English/Russian articles; dropped:")
    for article in en_ru:
        if not article.is_news:
            console.print(f"  ✗ {article.title}", markup=False)
    categories = Counter(a.category for a in news)
    console.print("categories: " + ", ".join(f"{c} {n}" for c, n in categories.most_common()))
    threads = build_threads(news)
    table = Table(title=f"top threads ({len(threads)} threads from {len(news)} news articles)")
    for column in ("#", "lang", "category", "sources", "title"):
        table.add_column(column, overflow="fold")
    for rank, thread in enumerate(threads[:15], 1):
        table.add_row(str(rank), thread.lang, thread.category, str(len(thread.sources)), thread.title)
    console.print(table)
    if threads:
        console.print(_story_panel(*_most_telling(threads)))
    if not args.no_serve:
        serve_articles(articles, port=args.port)
    return 0


def store_articles(articles: list[Article], db_url: str | None) -> str:
    """Put annotated articles into a store (None = a fresh SQLite file); returns its URL."""
    from newsthread.store import open_store

    db_url = db_url or str(Path(tempfile.mkdtemp(prefix="newsthread-")) / "newsthread.db")
    with open_store(db_url) as store:
        store.put_many((article, None) for article in articles)
    return db_url


def serve_articles(articles: list[Article], port: int, host: str = "127.0.0.1") -> None:
    """Store the annotated articles in a fresh SQLite file and serve it until Ctrl-C."""
    from newsthread.server import serve

    db_path = store_articles(articles, None)
    console.print(
        f"\n[bold green]Open http://{host}:{port}/[/] to read the sample "
        f"(http://{host}:{port}/?lang=ru in Russian; JSON API at /api/threads, docs at /docs). Ctrl-C stops."
    )
    try:
        serve(port, host=host, db_url=str(db_path))
    except OSError as error:
        raise UserError(f"cannot serve on {host}:{port} ({error.strerror}); try --port another") from None

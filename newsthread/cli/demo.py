"""`newsthread demo`: the whole pipeline on the sample bundled in the package."""

from __future__ import annotations

import argparse
from collections import Counter

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from newsthread.cli.common import read_sources
from newsthread.model import Thread
from newsthread.pipeline import build_threads, news_articles
from newsthread.sample import sample_dir

console = Console(highlight=False)


def _story_panel(thread: Thread) -> Panel:
    from newsthread.story import explain

    story = explain(thread)
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
        f"read {len(articles)} articles: "
        + ", ".join(f"{code} {n}" for code, n in languages.most_common())
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
        console.print(_story_panel(threads[0]))
    if not args.no_serve:
        from newsthread.server import serve_sample

        serve_sample(source, port=args.port)
    return 0

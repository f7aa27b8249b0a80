"""`newsthread`: read news, thread it, rank it, explain it, serve it.

Every batch command takes files or directories (contest HTML, Markdown or
transcript reports, JSON Lines, ordinary web pages) and prints a readable view,
or JSON with `--format json` / the tgnews contract shape with `--format tgnews`.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from newsthread import __version__
from newsthread.cli import formats
from newsthread.cli.common import UserError, fail, print_json, read_and_thread, read_sources, stderr
from newsthread.model import Article, Thread
from newsthread.pipeline import news_articles

stdout = Console(highlight=False)


def _add_batch_args(
    sub: argparse.ArgumentParser, formats_: tuple[str, ...] = ("text", "json", "tgnews")
) -> None:
    sub.add_argument("sources", nargs="+", help="files or directories of articles")
    sub.add_argument("--format", choices=formats_, default="text", help="output format (default: text)")
    sub.add_argument(
        "--workers",
        type=int,
        default=None,
        help="run on a new Dask LocalCluster of N workers (default: local processes, one per core)",
    )
    sub.add_argument(
        "--scheduler", default=None, metavar="tcp://HOST:PORT", help="run on a running Dask cluster"
    )
    sub.add_argument("--limit", type=int, default=30, help="text format: how many rows to show (default 30)")


def _when(thread: Thread) -> str:
    first, last = thread.first_published, thread.last_published
    if not first or not last:
        return ""
    span = (last - first).total_seconds() / 3600
    return f"{first:%Y-%m-%d %H:%M}" + (f" +{span:.0f}h" if span >= 1 else "")


def print_threads_table(threads: list[Thread], limit: int, title: str) -> None:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("#", justify="right")
    table.add_column("lang")
    table.add_column("category")
    table.add_column("src", justify="right")
    table.add_column("title", overflow="fold")
    table.add_column("when (UTC)")
    for rank, thread in enumerate(threads[:limit], 1):
        table.add_row(
            str(rank), thread.lang, thread.category, str(len(thread.sources)), thread.title, _when(thread)
        )
    stdout.print(table)
    if len(threads) > limit:
        stdout.print(f"… {len(threads) - limit} more threads (--limit to show more)")


def cmd_languages(args: argparse.Namespace) -> int:
    result, _ = _read(args, ("language",))
    data = formats.languages_json(result.articles)
    if args.format != "text":
        print_json(data)
        return 0
    table = Table(title=f"Languages of {len(result.articles)} articles")
    table.add_column("language")
    table.add_column("articles", justify="right")
    table.add_column("examples", overflow="fold")
    for group in data[: args.limit]:
        table.add_row(group["lang_code"], str(len(group["articles"])), ", ".join(group["articles"][:3]))
    stdout.print(table)
    return 0


def _read(args: argparse.Namespace, stages: tuple[str, ...], with_threads: bool = False):
    return read_and_thread(
        args.sources, stages, with_threads=with_threads, scheduler=args.scheduler, dask_workers=args.workers
    )


def _read_news(args: argparse.Namespace, stages: tuple[str, ...]) -> tuple[list[Article], list[Article]]:
    result, _ = _read(args, stages)
    return result.articles, news_articles(result.articles)


def cmd_news(args: argparse.Namespace) -> int:
    articles, news = _read_news(args, ("language", "classify"))
    if args.format != "text":
        print_json(formats.news_json(news) if args.format == "tgnews" else [a.to_dict() for a in news])
        return 0
    en_ru = [a for a in articles if a.lang in ("en", "ru")]
    stdout.print(f"{len(news)} news articles among {len(en_ru)} English/Russian ({len(articles)} read)")
    dropped = [a for a in en_ru if not a.is_news]
    for article in dropped[: args.limit]:
        stdout.print(f"  not news ({article.news_confidence:.2f}): {article.title}", markup=False)
    return 0


def cmd_categories(args: argparse.Namespace) -> int:
    _, news = _read_news(args, ("language", "classify"))
    if args.format == "tgnews":
        print_json(formats.categories_json(news))
        return 0
    if args.format == "json":
        print_json(
            [
                {
                    "name": a.name,
                    "lang": a.lang,
                    "category": a.category,
                    "confidence": round(a.category_confidence, 4),
                    "title": a.title,
                }
                for a in news
            ]
        )
        return 0
    counts = formats.category_counts(news)
    table = Table(title=f"Categories of {len(news)} news articles")
    for column in ("category", "ru", "en", "example"):
        table.add_column(column, overflow="fold")
    for category, _ in counts.most_common():
        by_lang = Counter(a.lang for a in news if (a.category or "other") == category)
        example = next(a.title for a in news if (a.category or "other") == category)
        table.add_row(category, str(by_lang["ru"]), str(by_lang["en"]), example)
    stdout.print(table)
    return 0


def _threads(args: argparse.Namespace) -> list[Thread]:
    _, threads = _read(args, ("language", "classify", "terms"), with_threads=True)
    return threads or []


def thread_summary(thread: Thread) -> dict:
    return {
        "id": thread.id,
        "title": thread.title,
        "lang": thread.lang,
        "category": thread.category,
        "importance": round(thread.importance, 4),
        "first_published": thread.first_published.isoformat() if thread.first_published else None,
        "last_published": thread.last_published.isoformat() if thread.last_published else None,
        "sources": thread.sources,
        "articles": [
            {"name": a.name, "title": a.title, "site": a.site, "url": a.url} for a in thread.articles
        ],
    }


def cmd_threads(args: argparse.Namespace) -> int:
    threads = _threads(args)
    if args.format == "tgnews":
        print_json(formats.threads_json(threads))
    elif args.format == "json":
        print_json([thread_summary(t) for t in threads])
    else:
        multi = [t for t in threads if len(t) > 1]
        print_threads_table(
            multi or threads,
            args.limit,
            f"{len(threads)} threads ({len(multi)} with several articles), by importance",
        )
    return 0


def cmd_top(args: argparse.Namespace) -> int:
    threads = _threads(args)
    if args.format == "tgnews":
        print_json(formats.top_json(threads))
    elif args.format == "json":
        print_json([thread_summary(t) for t in threads])
    else:
        for lang in ("ru", "en"):
            ranked = [t for t in threads if t.lang == lang]
            if ranked:
                print_threads_table(ranked, args.limit, f"Top {lang} threads")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.load:
        from newsthread.cli.demo import store_articles

        result = read_sources(args.load)
        stored = args.db = store_articles(result.articles, args.db)
        stderr.print(f"stored {len(result.articles)} articles in {stored}")
    from newsthread.server import serve

    stdout.print(
        f"serving on http://{args.host}:{args.port}/ (JSON API /api/threads, docs /docs). Ctrl-C stops."
    )
    try:
        serve(args.port, host=args.host, db_url=args.db)
    except OSError as error:
        raise UserError(f"cannot serve on {args.host}:{args.port} ({error.strerror})") from None
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from newsthread.cli.demo import run_demo

    return run_demo(args)


def cmd_train(args: argparse.Namespace) -> int:
    if args.what == "classifier":
        from newsthread.classify.train import main as train_classifier

        dask_options = argparse.ArgumentParser(add_help=False)
        dask_options.add_argument("--scheduler", default=None)
        dask_options.add_argument("--dask-workers", type=int, default=None)
        where, rest = dask_options.parse_known_args(args.train_args)
        if where.scheduler is None and where.dask_workers is None:
            return train_classifier(rest) or 0
        if where.scheduler is not None and where.dask_workers is not None:
            print("newsthread: give either --scheduler or --dask-workers, not both", file=sys.stderr)
            return 2
        # the corpus is read and parsed on Dask; the model is fitted here
        from newsthread.distributed import connect, read_corpus_dask

        with connect(where.scheduler, where.dask_workers) as client:
            return train_classifier(rest, read=lambda data, dev: read_corpus_dask(client, data, dev)) or 0
    if args.what == "background":
        from newsthread.cluster.build_background import main as build_background

        return build_background(args.train_args) or 0
    from newsthread.rank.build_authority import main as build_authority

    return build_authority(args.train_args) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsthread",
        description="News aggregator: language, news filter, categories, event threads, ranking, "
        "explanations and a live server. tgnews-compatible (see also the `tgnews` command).",
    )
    parser.add_argument("--version", action="version", version=f"newsthread {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        handlers[name] = handler
        return sub

    demo = add("demo", cmd_demo, "run the whole pipeline on the bundled sample and serve it")
    demo.add_argument("--port", type=int, default=8000, help="port of the demo web page (default 8000)")
    demo.add_argument(
        "--no-serve", action="store_true", help="print the summary only, do not start the server"
    )
    _add_batch_args(add("languages", cmd_languages, "detect the language of each article"))
    _add_batch_args(add("news", cmd_news, "keep English and Russian news (drop non-news)"))
    _add_batch_args(add("categories", cmd_categories, "file each news article under one of 7 categories"))
    _add_batch_args(add("threads", cmd_threads, "group news about the same event into threads"))
    _add_batch_args(add("top", cmd_top, "rank threads by importance, per language"))
    from newsthread.cli import story_cmd

    story_cmd.add_parser(commands)
    serve = add("serve", cmd_serve, "serve the live index: tgnews HTTP API, JSON API and web pages")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--db", default=None, help="SQLite file (default newsthread.db) or postgresql:// URL")
    serve.add_argument(
        "--load", nargs="+", metavar="PATH", help="read these files/directories into the store first"
    )
    train = add("train", cmd_train, "rebuild a shipped model from the data under ../shared")
    train.add_argument(
        "what", choices=("classifier", "background", "authority"), help="which model to rebuild"
    )
    train.add_argument("train_args", nargs=argparse.REMAINDER, help="options passed to the training script")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler = getattr(args, "handler", None)
        if handler is None:  # subcommands registered by other modules set `run`
            return args.run(args)
        return handler(args)
    except UserError as error:
        fail(str(error))
    except KeyboardInterrupt:
        stderr.print("interrupted")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

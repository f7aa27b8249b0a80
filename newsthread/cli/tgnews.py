"""`tgnews`: the Telegram Data Clustering Contest CLI, answering its contract exactly.

    tgnews languages|news|categories|threads|top <source_dir>   JSON on stdout
    tgnews server <port>                                       HTTP server (contract §2.3)

stdout carries only the JSON; progress and warnings go to stderr.
"""

from __future__ import annotations

import argparse
import sys

from newsthread.cli.common import UserError, fail, print_json, read_sources
from newsthread.cli.formats import categories_json, languages_json, news_json, threads_json, top_json
from newsthread.pipeline import build_threads, news_articles

BATCH_COMMANDS = {
    "languages": "print the articles of each language",
    "news": "print the English and Russian news articles",
    "categories": "print the news articles of each of the 7 categories",
    "threads": "print the news grouped into event threads, most relevant article first",
    "top": "print threads ranked by importance, overall and per category",
}
STAGES_FOR = {
    "languages": ("language",),
    "news": ("language", "classify"),
    "categories": ("language", "classify"),
    "threads": ("language", "classify", "terms"),
    "top": ("language", "classify", "terms"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tgnews",
        description="Telegram Data Clustering Contest compatible interface to newsthread.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in BATCH_COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("source_dir", help="directory of articles (searched recursively)")
    server = commands.add_parser("server", help="serve the contest HTTP API on a port")
    server.add_argument("port", type=int, help="TCP port to listen on")
    server.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    server.add_argument("--db", default=None, help="store: SQLite path or postgresql:// URL")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.command == "server":
        from newsthread.server import serve

        serve(args.port, host=args.host, db_url=args.db)
        return 0
    result = read_sources([args.source_dir], STAGES_FOR[args.command])
    if args.command == "languages":
        print_json(languages_json(result.articles))
        return 0
    news = news_articles(result.articles)
    if args.command == "news":
        print_json(news_json(news))
    elif args.command == "categories":
        print_json(categories_json(news))
    else:
        threads = build_threads(news)
        print_json(threads_json(threads) if args.command == "threads" else top_json(threads))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except UserError as error:
        fail(str(error))
    except KeyboardInterrupt:
        fail("interrupted")
    except BrokenPipeError:
        sys.stderr.close()  # reader closed the pipe (e.g. `| head`): not an error
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""`newsthread story <dir-or-files>`: threads that explain themselves.

Reads the inputs, keeps English and Russian articles, groups them into threads and prints,
per thread: the title, the original source and why, a short summary from different sources,
a facts table, the entities, and the figures on which sources disagree, side by side.
`--format json` prints a JSON list of the threads' stories instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from newsthread.model import NEWS_LANGUAGES, Article, Thread

NOTE_PREFIX = "note:"


class StoryError(Exception):
    """A problem the user can fix: printed as one line, exit code 1."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    help_text = "explain threads: summary, facts, entities, disagreements, the original source"
    sub = subparsers.add_parser("story", help=help_text, description=help_text)
    sub.add_argument("sources", nargs="+", help="files or directories of articles")
    sub.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    sub.add_argument("--limit", type=int, default=10, help="how many threads to explain (default 10)")
    sub.add_argument(
        "--lang", choices=("en", "ru", "all"), default="all", help="only threads in this language"
    )
    sub.add_argument(
        "--one-thread",
        action="store_true",
        help="do not cluster: all input of one language is one thread",
    )
    sub.set_defaults(run=run)
    return sub


def _stderr(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def read_articles(sources: list[str]) -> list[Article]:
    from newsthread.ingest import iter_input_files, read_paths

    paths: list[Path] = []
    for source in sources:
        path = Path(source)
        if not path.exists():
            raise StoryError(f"{source}: no such file or directory")
        paths.extend(iter_input_files(path))
    if not paths:
        raise StoryError(f"no files found in {', '.join(sources)}")
    result = read_paths(paths)
    if result.errors:
        _stderr(f"skipped {len(result.errors)} of {len(paths)} files that are not readable articles:")
        for error in result.errors[:5]:
            _stderr(f"  {error}")
    if not result.articles:
        raise StoryError(f"none of the {len(paths)} files could be read as an article")
    return result.articles


def annotate(articles: list[Article]) -> None:
    """Language (always) and, when the nlp stage is there, the terms the clusterer uses."""
    try:
        from newsthread.pipeline import annotate as pipeline_annotate

        pipeline_annotate(articles, ("language", "terms"))
        return
    except ImportError:
        pass
    from newsthread.nlp.language import LanguageDetector

    LanguageDetector().annotate([a for a in articles if not a.lang])


def build_threads(articles: list[Article], one_thread: bool = False) -> tuple[list[Thread], str]:
    """Threads and a note on how they were made."""
    if not one_thread:
        try:
            from newsthread.pipeline import build_threads as pipeline_threads

            return pipeline_threads(articles), ""
        except ImportError:
            pass
        try:
            from newsthread.cluster import cluster_batch
            from newsthread.rank import make_threads, shipped_authority

            return make_threads(cluster_batch(articles), shipped_authority()), ""
        except ImportError:
            pass
    threads = []
    for lang in NEWS_LANGUAGES:
        group = sorted((a for a in articles if a.lang == lang), key=lambda a: -len(a.text))
        if group:
            threads.append(Thread(articles=group, lang=lang))
    note = "" if one_thread else "clustering is not available here: all input of one language is one thread"
    return threads, note


def _money(value: float) -> str:
    for size, suffix in ((1e12, " trn"), (1e9, " bn"), (1e6, " mn"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:g}"


def format_value(fact: dict[str, Any]) -> str:
    value = fact.get("value")
    unit = fact.get("unit", "")
    if fact.get("kind") == "date" or isinstance(value, str):
        return str(value)
    if not isinstance(value, (int, float)):
        shown = str(value)
    elif fact.get("kind") == "money" or abs(value) >= 1e6:
        shown = _money(float(value))
    else:
        shown = f"{value:,}".replace(",", " ") if float(value).is_integer() else f"{value:g}"
    approx = {"approx": "≈", "almost": "<", "more": ">", "atleast": "≥", "less": "<", "atmost": "≤"}
    prefix = approx.get(fact.get("approx", ""), "")
    if unit in ("count", ""):
        return f"{prefix}{shown}"
    return f"{prefix}{shown} {unit}"


def render_text(stories: list[dict[str, Any]], links: list[dict[str, Any]]) -> None:
    from rich.console import Console, Group
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    for rank, story in enumerate(stories, 1):
        parts: list[Any] = []
        original = story.get("original") or {}
        if original:
            parts.append(
                Text.assemble(
                    ("original: ", "bold"),
                    f"{original.get('site', '')} — {original.get('title', '')} ",
                    (original.get("url", ""), "dim"),
                )
            )
            parts.append(Text(f"  why: {original.get('reason', '')}", style="dim"))
        if story.get("summary"):
            parts.append(Text("summary", style="bold"))
            for sentence in story["summary"]:
                parts.append(Text.assemble("  • ", sentence["text"], (f"  [{sentence['site']}]", "cyan")))
        if story.get("facts"):
            table = Table(title="facts", title_justify="left", expand=False, show_lines=False)
            table.add_column("value", justify="right", no_wrap=True)
            table.add_column("as written")
            table.add_column("what it counts")
            table.add_column("sources")
            for fact in story["facts"][:12]:
                table.add_row(
                    escape(format_value(fact)),
                    escape(fact.get("text", "")),
                    escape(fact.get("counts", "") or fact.get("about", "")),
                    escape(", ".join(fact.get("sources", [])[:4])),
                )
            parts.append(table)
        if story.get("entities"):
            shown = ", ".join(
                f"{e['name']} ({e['type']}, {e['count']}×/{e['n_sources']} src)"
                for e in story["entities"][:10]
            )
            parts.append(Text.assemble(("entities: ", "bold"), shown))
        if story.get("disagreements"):
            table = Table(title="sources disagree", title_justify="left", expand=False, show_lines=True)
            width = max(len(d["statements"]) for d in story["disagreements"])
            table.add_column("about")
            for k in range(width):
                table.add_column(f"statement {k + 1}")
            for dis in story["disagreements"]:
                cells = [f"{s['text']}\n[{', '.join(s['sources'][:3])}]" for s in dis["statements"]] + [
                    ""
                ] * (width - len(dis["statements"]))
                table.add_row(escape(dis["about"]), *map(escape, cells))
            parts.append(table)
        title = f"#{rank} [{story.get('lang', '')}] {escape(story.get('title', ''))} ({len(story.get('articles', []))} articles)"
        console.print(Panel(Group(*parts), title=title, title_align="left", expand=True))
    if links:
        table = Table(title="the same event in Russian and English", title_justify="left")
        table.add_column("ru")
        table.add_column("en")
        table.add_column("score", justify="right")
        for link in links:
            table.add_row(escape(link["ru_title"]), escape(link["en_title"]), f"{link['score']:.2f}")
        console.print(table)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except StoryError as error:
        _stderr(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        _stderr("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 - a CLI prints one line, never a traceback
        _stderr(f"error: {type(error).__name__}: {error}")
        return 1


def _run(args: argparse.Namespace) -> int:
    from newsthread.story import explain, link_crosslingual

    if args.limit < 1:
        raise StoryError("--limit must be at least 1")
    articles = read_articles(list(args.sources))
    annotate(articles)
    wanted = NEWS_LANGUAGES if args.lang == "all" else (args.lang,)
    kept = [a for a in articles if a.lang in wanted]
    if not kept:
        found = ", ".join(sorted({a.lang or "und" for a in articles}))
        raise StoryError(f"no {' or '.join(wanted)} articles among {len(articles)} read (languages: {found})")
    threads, note = build_threads(kept, one_thread=args.one_thread)
    if note:
        _stderr(f"{NOTE_PREFIX} {note}")
    threads = [t for t in threads if t.articles][: args.limit]
    stories = [explain(thread) for thread in threads]
    links = link_crosslingual(threads) if len({s["lang"] for s in stories}) > 1 else []
    for story in stories:
        story["crosslingual"] = [
            link["en"] if link["ru"] == story["id"] else link["ru"]
            for link in links
            if story["id"] in (link["ru"], link["en"])
        ]
    if args.format == "json":
        sys.stdout.write(json.dumps(stories, ensure_ascii=False, indent=2) + "\n")
        sys.stdout.flush()
        return 0
    render_text(stories, links)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (`python -m newsthread.cli.story_cmd ...`), same as `newsthread story`."""
    parser = argparse.ArgumentParser(prog="newsthread")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())

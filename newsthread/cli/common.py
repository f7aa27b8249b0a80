"""What both CLIs share: reading inputs with a progress bar, errors without tracebacks."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from newsthread.ingest import ReadError, ReadResult
from newsthread.model import Thread
from newsthread.pipeline import STAGES, build_threads, input_paths, news_articles, process_paths

stderr = Console(stderr=True, highlight=False)


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 1."""


def fail(message: str) -> NoReturn:
    stderr.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise SystemExit(1)


def read_sources(
    sources: Sequence[str | Path],
    stages: Sequence[str] = STAGES,
    workers: int | None = None,
    quiet: bool = False,
) -> ReadResult:
    """Read + annotate everything below `sources` in local worker processes (see read_and_thread)."""
    return read_and_thread(sources, stages, quiet=quiet, local_workers=workers)[0]


def read_and_thread(
    sources: Sequence[str | Path],
    stages: Sequence[str] = STAGES,
    *,
    with_threads: bool = False,
    scheduler: str | None = None,
    dask_workers: int | None = None,
    local_workers: int | None = None,
    quiet: bool = False,
) -> tuple[ReadResult, list[Thread] | None]:
    """Read + annotate everything below `sources`, with a progress bar on stderr; thread the news
    if `with_threads`. On Dask when `scheduler` (tcp://HOST:PORT) or `dask_workers` (a new
    LocalCluster) is given, else in `local_workers` processes: the results are the same.

    Raises UserError when nothing at all could be read; bad files are counted and reported.
    """
    try:
        paths = input_paths(Path(s) for s in sources)
    except ReadError as error:
        raise UserError(str(error)) from None
    if not paths:
        raise UserError(f"no files found in {', '.join(map(str, sources))}")
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=quiet or not stderr.is_terminal,
    ) as progress:
        task = progress.add_task("reading articles", total=len(paths))

        def advance(n: int) -> None:
            progress.advance(task, n)

        threads: list[Thread] | None = None
        if scheduler or dask_workers is not None:
            from newsthread.distributed import run_batch

            try:
                result, threads = run_batch(paths, stages, scheduler, dask_workers, with_threads, advance)
            except (OSError, ValueError) as error:
                raise UserError(f"Dask: {error}") from None
        else:
            result = process_paths(paths, stages, local_workers, advance)
    if result.errors:
        bad_lines = len(result.errors) - result.failed_files
        stderr.print(
            f"skipped {result.failed_files} of {len(paths)} files that are not readable articles"
            + (f" and {bad_lines} bad lines" if bad_lines else "")
            + ":"
        )
        for error in result.errors[:5]:
            stderr.print(f"  {error}", soft_wrap=True, markup=False)
        if len(result.errors) > 5:
            stderr.print(f"  … and {len(result.errors) - 5} more")
    if not result.articles:
        raise UserError(f"none of the {len(paths)} files could be read as an article")
    if with_threads and threads is None:
        threads = build_threads(news_articles(result.articles))
    return result, threads


def print_json(data: Any, indent: int | None = 2) -> None:
    """JSON on stdout; ensure_ascii=False keeps Cyrillic readable, json escapes the rest."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent))
    sys.stdout.write("\n")
    sys.stdout.flush()

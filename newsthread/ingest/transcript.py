"""Reader for bare-text transcripts (the layout of the shared seed 004, as kremlin.ru prints them).

    Title line
    2019-11-07 17:40:00          date line (naive times are taken as UTC, like everywhere)
    Омск                         optional place line
    Body paragraphs, one per line ("* * *" separators and "<…>" elisions are dropped)
    http://kremlin.ru/events/…   the source URL alone on the last line

The site is the URL's host. A file is taken as a transcript when a date line follows the title
within the first lines, or when the last line is a URL and there is a body between.
"""

from __future__ import annotations

from newsthread.ingest.errors import ReadError
from newsthread.ingest.textutil import (
    clean_line,
    host_of,
    is_boilerplate,
    looks_like_datetime_line,
    url_of_line,
)
from newsthread.model import Article, parse_time

MAX_TITLE_CHARS = 1000
_DATE_WITHIN = 4  # the date line must be among the first lines after the title


def _nonblank(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def looks_like_transcript(text: str) -> bool:
    lines = _nonblank(text[:4000])
    if len(lines) < 2 or lines[0].startswith(("<", "{", "[", "#")):
        return False
    if any(looks_like_datetime_line(line) for line in lines[1 : 1 + _DATE_WITHIN]):
        return True
    tail = text[-2000:].strip().splitlines()
    return len(lines) >= 3 and bool(tail) and bool(url_of_line(tail[-1]))


def read_transcript(name: str, text: str) -> Article:
    lines = _nonblank(text)
    if not lines:
        raise ReadError(name, "empty transcript")
    title = clean_line(lines[0])[:MAX_TITLE_CHARS]
    rest = lines[1:]
    url = url_of_line(rest[-1]) if rest else ""
    if url:
        rest = rest[:-1]
    published = None
    place = ""
    for index, line in enumerate(rest[:_DATE_WITHIN]):
        if looks_like_datetime_line(line):
            published = parse_time(line)
            rest = rest[:index] + rest[index + 1 :]
            # a short line right after the date is the place ("Омск", "Moscow, Kremlin")
            if index < len(rest) and _is_place(rest[index]):
                place = clean_line(rest.pop(index))
            break
    paragraphs = [p for p in (clean_line(line) for line in rest) if p and not is_boilerplate(p)]
    if not paragraphs:
        raise ReadError(name, "transcript has a title but no text")
    article = Article(
        name=name,
        title=title,
        url=url,
        site=host_of(url),
        published=published,
        paragraphs=paragraphs,
        source_format="transcript",
    )
    if place:
        article.extra["place"] = place
    return article


def _is_place(line: str) -> bool:
    return len(line) <= 60 and len(line.split()) <= 5 and not line.endswith((".", "!", "?", ":", "»", '"'))

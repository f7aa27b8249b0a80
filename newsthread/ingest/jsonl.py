"""Reader for JSON Lines: one article object per line (or one JSON object / array for the file).

Fields are those of `Article.to_dict()` (source fields only: annotations such as `lang` are
recomputed by the pipeline), with a few common aliases:

    name                      optional; default "<file stem>-<line number>.html"
    title                     required
    paragraphs | text | body | content
                              a list of strings, or one string split at line breaks
    description | summary, url | link, site | site_name | source, author | authors,
    published | published_at | date | time | pubDate (ISO-8601 string or Unix seconds),
    out_links

A bad line (not JSON, not an object, no title or text, wrong types) is skipped and reported as a
`ReadError` with its line number; the other lines are still read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from newsthread.ingest.errors import ReadError
from newsthread.ingest.names import safe_name
from newsthread.ingest.textutil import clean_line
from newsthread.model import Article, parse_time

MAX_TITLE_CHARS = 1000

_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "text": ("paragraphs", "text", "body", "content"),
    "description": ("description", "summary", "lead"),
    "url": ("url", "link"),
    "site": ("site", "site_name", "source"),
    "author": ("author", "authors"),
    "published": ("published", "published_at", "date", "time", "pubDate", "timestamp"),
    "out_links": ("out_links", "links"),
}


def looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def read_json(name: str, text: str, errors: list[ReadError] | None = None) -> list[Article]:
    """All good articles of the file; bad lines go to `errors` (or are dropped when it is None).

    Raises ReadError when no article at all could be read.
    """
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    bad: list[ReadError] = []
    articles: list[Article] = []
    whole = _parse_whole(text)
    if whole is not None:
        items = whole if isinstance(whole, list) else [whole]
        for number, item in enumerate(items, 1):
            _add(articles, bad, name, stem, number, item, "item")
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except (ValueError, RecursionError) as error:
                bad.append(ReadError(name, f"not valid JSON ({_json_reason(error)})", line=number))
                continue
            _add(articles, bad, name, stem, number, item, "line")
    if not articles:
        if not bad:
            raise ReadError(name, "JSON file holds no article")
        more = f" (and {len(bad) - 1} more bad records)" if len(bad) > 1 else ""
        where = f"line {bad[0].line}: " if bad[0].line is not None else ""
        raise ReadError(name, f"no readable article: {where}{bad[0].reason}{more}")
    if errors is not None:
        errors.extend(bad)
    return articles


def _parse_whole(text: str) -> Any:
    """The file as one JSON document, or None when it is not one (e.g. JSON Lines)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _json_reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    return "nested too deeply" if isinstance(error, RecursionError) else str(error)


def _add(
    articles: list[Article], bad: list[ReadError], name: str, stem: str, number: int, item: Any, kind: str
) -> None:
    try:
        articles.append(article_from_json(item, f"{stem}-{number}.html"))
    except _RecordError as error:
        if kind == "item":
            bad.append(ReadError(name, f"item {number}: {error}"))
        else:
            bad.append(ReadError(name, str(error), line=number))


class _RecordError(ValueError):
    pass


def _get(record: dict[str, Any], field: str) -> Any:
    for key in _ALIASES.get(field, (field,)):
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def _string(record: dict[str, Any], field: str) -> str:
    value = _get(record, field)
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_line(value)
    if field == "author" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(clean_line(v) for v in value if v.strip())
    raise _RecordError(f"field '{field}' must be a string, not {type(value).__name__}")


def _strings(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        return [line for line in (clean_line(part) for part in value.splitlines()) if line]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [line for line in (clean_line(v) for v in value) if line]
    raise _RecordError(f"field '{field}' must be a string or a list of strings")


def _published(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _RecordError("field 'published' must be an ISO-8601 string or Unix seconds")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise _RecordError(f"field 'published' is not a usable Unix time ({value})") from None
    if isinstance(value, str):
        return parse_time(value)  # unparseable dates are left empty, as in the HTML readers
    raise _RecordError("field 'published' must be an ISO-8601 string or Unix seconds")


def article_from_json(record: Any, default_name: str) -> Article:
    """One JSON object → Article. Raises _RecordError (a ValueError) with a short reason."""
    if not isinstance(record, dict):
        raise _RecordError(f"expected a JSON object, got {type(record).__name__}")
    raw_name = record.get("name")
    if raw_name is not None and not isinstance(raw_name, str):
        raise _RecordError("field 'name' must be a string")
    title = _string(record, "title")[:MAX_TITLE_CHARS]
    text = _get(record, "text")
    paragraphs = _strings(text, "paragraphs") if text is not None else []
    description = _string(record, "description")
    if not title:
        raise _RecordError("no 'title'")
    if not paragraphs and not description:
        raise _RecordError("no text (expected 'paragraphs' or 'text')")
    links = _get(record, "out_links")
    return Article(
        name=safe_name(raw_name) if raw_name and raw_name.strip() else default_name,
        title=title,
        url=_string(record, "url"),
        site=_string(record, "site"),
        description=description,
        author=_string(record, "author"),
        published=_published(_get(record, "published")),
        paragraphs=paragraphs,
        out_links=_strings(links, "out_links") if links is not None else [],
        source_format="jsonl",
    )

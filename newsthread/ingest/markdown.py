"""Reader for articles saved as Markdown (the layout of the shared seeds 000…003).

    # Title
    Published at: **2019-11-07T21:40:00+00:00**
    Author: **Name**            (may be empty: "****")
    Original: [Site name](https://site/path)

            Indented block: a lead before the body, or rubric labels
          (whitespace-only line ends it)
    Body paragraph, one per line.
            Indented block after the body started: a photo caption

YAML-style front matter ("---" / "title: …" / "date: …" / "---") is accepted instead of, or
before, the "# Title" line. Inline Markdown (links, images, emphasis) is reduced to its text;
link targets become `out_links`.
"""

from __future__ import annotations

import re

from newsthread.ingest.errors import ReadError
from newsthread.ingest.textutil import clean_line, host_of, is_boilerplate, is_date_only
from newsthread.model import Article, parse_time

MAX_TITLE_CHARS = 1000

_HEADER = re.compile(
    r"^\s*(published at|published|publication date|date|author|authors|by|original|source|url|link)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_HEADER_FIELD = {
    "published at": "published",
    "published": "published",
    "publication date": "published",
    "date": "published",
    "author": "author",
    "authors": "author",
    "by": "author",
    "original": "original",
    "source": "original",
    "url": "original",
    "link": "original",
}
_FRONT_MATTER_FIELD = {
    "title": "title",
    "date": "published",
    "published": "published",
    "published_at": "published",
    "author": "author",
    "url": "original",
    "link": "original",
    "source": "original",
    "site": "site",
    "site_name": "site",
    "description": "description",
    "summary": "description",
}
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^[*+]\s+")


def looks_like_markdown(text: str) -> bool:
    """A "# title" first line, or front matter with a title."""
    first = _first_line(text)
    if first.startswith("# "):
        return True
    return first == "---" and re.search(r"^title\s*:", text[:2000], re.MULTILINE | re.IGNORECASE) is not None


def _first_line(text: str) -> str:
    for line in text[:4000].splitlines():
        if line.strip():
            return line.strip()
    return ""


def _strip_emphasis(value: str) -> str:
    value = value.strip()
    while len(value) >= 2 and value[0] == value[-1] and value[0] in "*_":
        value = value[1:-1].strip()
    return value


def _inline(line: str, out_links: list[str] | None) -> str:
    """Markdown inline syntax → plain text (links keep their text, targets are collected)."""
    if "](" in line:
        line = _IMAGE.sub("", line)

        def link_text(match: re.Match[str]) -> str:
            if out_links is not None:
                out_links.append(match.group(2))
            return match.group(1)

        line = _LINK.sub(link_text, line)
    if "**" in line or "__" in line:
        line = _EMPHASIS.sub(r"\2", line)
    return line


def _read_front_matter(lines: list[str], start: int, meta: dict[str, str]) -> int:
    """Parse "key: value" lines up to the closing "---"; return the index after it."""
    for index in range(start + 1, len(lines)):
        line = lines[index].strip()
        if line == "---":
            return index + 1
        key, sep, value = line.partition(":")
        field = _FRONT_MATTER_FIELD.get(key.strip().lower())
        if sep and field and field not in meta:
            meta[field] = value.strip().strip("\"'")
    return start  # no closing line: not front matter after all


def read_markdown(name: str, text: str) -> Article:
    lines = text.splitlines()
    meta: dict[str, str] = {}
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index < len(lines) and lines[index].strip() == "---":
        index = _read_front_matter(lines, index, meta)
    paragraphs: list[str] = []
    out_links: list[str] = []
    captions: list[str] = []
    tags: list[str] = []
    block: list[str] = []  # indented lines of the current side block
    in_header = True

    def close_block() -> None:
        if not block:
            return
        joined = " ".join(block)
        if paragraphs:
            captions.append(joined)
        elif len(joined.split()) >= 5 and "description" not in meta:
            meta["description"] = joined  # a lead set apart before the body
        else:
            tags.extend(block)  # rubric labels such as "Власть", "Основное"
        block.clear()

    for raw in lines[index:]:
        stripped = raw.strip()
        if not stripped:
            close_block()
            continue
        if "title" not in meta and _HEADING.match(stripped) and not paragraphs:
            meta["title"] = clean_line(_inline(_HEADING.sub("", stripped), None))
            continue
        if in_header and not paragraphs and not block:
            header = _HEADER.match(stripped)
            if header:
                field = _HEADER_FIELD[header.group(1).lower()]
                meta.setdefault(field, header.group(2))
                continue
        indented = raw.startswith(("    ", "\t"))
        line = clean_line(_inline(stripped, out_links))
        if not line or is_boilerplate(line) or is_date_only(line):
            continue
        if indented:
            block.append(line)
            continue
        close_block()
        in_header = False
        line = _BULLET.sub("", _HEADING.sub("", line))
        if line:
            paragraphs.append(line)
    close_block()

    title = meta.get("title", "")[:MAX_TITLE_CHARS]
    if not title and not paragraphs:
        raise ReadError(name, "Markdown file has no '# title' line and no text")
    url, site = _original(meta.get("original", ""))
    article = Article(
        name=name,
        title=title,
        url=url,
        site=clean_line(meta.get("site", "")) or site or host_of(url),
        description=clean_line(meta.get("description", "")),
        author=clean_line(_strip_emphasis(meta.get("author", ""))),
        published=parse_time(_strip_emphasis(meta.get("published", ""))),
        paragraphs=paragraphs,
        out_links=out_links,
        source_format="markdown",
    )
    if captions:
        article.extra["captions"] = captions
    if tags:
        article.extra["tags"] = tags
    return article


def _original(value: str) -> tuple[str, str]:
    """ "[Site](url)", "<url>" or a bare URL → (url, site name)."""
    value = _strip_emphasis(value)
    match = _LINK.search(value)
    if match:
        return match.group(2), clean_line(match.group(1))
    value = value.strip("<>").strip()
    if value.startswith(("http://", "https://")) and " " not in value:
        return value, ""
    return "", ""

"""The one data model that flows through newsthread: `Article` and `Thread`.

Each pipeline stage fills in its own fields (spaCy-style): ingest sets the
source fields, `nlp` the language and terms, `classify` news/category,
`cluster`/`rank` build `Thread`s, `story` attaches an explanation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

CATEGORIES: tuple[str, ...] = (
    "society",
    "economy",
    "technology",
    "sports",
    "entertainment",
    "science",
    "other",
)
NEWS_LANGUAGES: tuple[str, ...] = ("en", "ru")


@dataclass(eq=False)
class Article:
    """One article as read from any input, plus what later stages learn about it."""

    name: str  # bare file name, e.g. "4579916467548679427.html": the article's key
    title: str = ""
    url: str = ""
    site: str = ""  # og:site_name or equivalent
    description: str = ""
    author: str = ""
    published: datetime | None = None  # timezone-aware (UTC)
    paragraphs: list[str] = field(default_factory=list)
    out_links: list[str] = field(default_factory=list)
    source_format: str = ""  # contest_html | markdown | transcript | jsonl | webpage
    # nlp
    lang: str = ""  # ISO 639-1; "" = not detected yet, "und" = undetermined
    lang_confidence: float = 0.0
    title_terms: list[str] = field(default_factory=list)  # normal forms of the title
    body_terms: list[str] = field(default_factory=list)  # normal forms of the lead/body
    # classify
    is_news: bool | None = None
    news_confidence: float = 0.0
    category: str = ""
    category_confidence: float = 0.0
    # server
    max_age: int | None = None  # TTL in seconds (tgnews PUT Cache-Control)
    # room for later stages (story facts, embeddings...) without changing the schema
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def host(self) -> str:
        """Site host without "www.", falling back to the site name: the source's identity."""
        return _host(self.url, self.site)

    @property
    def timestamp(self) -> float:
        return self.published.timestamp() if self.published else 0.0

    def lead(self, max_chars: int = 600) -> str:
        """Description or first paragraphs, cut at a word boundary."""
        text = self.description or ""
        for paragraph in self.paragraphs:
            if len(text) >= max_chars:
                break
            if paragraph and paragraph not in text:
                text = f"{text} {paragraph}".strip()
        if len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0] + "…"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of the source fields and annotations (not `extra`)."""
        return {
            "name": self.name,
            "title": self.title,
            "url": self.url,
            "site": self.site,
            "description": self.description,
            "author": self.author,
            "published": self.published.isoformat() if self.published else None,
            "paragraphs": self.paragraphs,
            "out_links": self.out_links,
            "source_format": self.source_format,
            "lang": self.lang,
            "lang_confidence": self.lang_confidence,
            "is_news": self.is_news,
            "news_confidence": self.news_confidence,
            "category": self.category,
            "category_confidence": self.category_confidence,
            "max_age": self.max_age,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        published = data.get("published")
        if isinstance(published, str) and published:
            published = parse_time(published)
        known = {k: v for k, v in data.items() if k in _ARTICLE_FIELDS and k != "published"}
        return cls(published=published or None, **known)


_ARTICLE_FIELDS = set(Article.__dataclass_fields__)


def parse_time(value: str) -> datetime | None:
    """ISO-8601 → aware UTC datetime; naive times are taken as UTC; junk → None."""
    value = value.strip()
    if not value:
        return None
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(eq=False)
class Thread:
    """Articles about one event, most relevant first."""

    articles: list[Article]
    title: str = ""
    lang: str = ""
    category: str = "other"
    importance: float = 0.0
    story: dict[str, Any] | None = None  # filled by newsthread.story

    @property
    def id(self) -> str:
        """Stable id: derived from the earliest article, so it survives re-ranking."""
        first = min(self.articles, key=lambda a: (a.timestamp, a.name))
        return hashlib.blake2b(first.name.encode(), digest_size=8).hexdigest()

    @property
    def first_published(self) -> datetime | None:
        times = [a.published for a in self.articles if a.published]
        return min(times) if times else None

    @property
    def last_published(self) -> datetime | None:
        times = [a.published for a in self.articles if a.published]
        return max(times) if times else None

    @property
    def sources(self) -> list[str]:
        """Distinct hosts, in article order."""
        return list(dict.fromkeys(a.host for a in self.articles if a.host))

    def __len__(self) -> int:
        return len(self.articles)


@lru_cache(maxsize=1 << 17)  # asked for every live article at each re-clustering
def _host(url: str, site: str) -> str:
    host = urlsplit(url).hostname or "" if url else ""
    if host.startswith("www."):
        host = host[4:]
    return host or site.lower()

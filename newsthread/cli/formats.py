"""The tgnews contract's JSON shapes (tgnews-contract.md §2.2), built from pipeline results."""

from __future__ import annotations

from collections import Counter
from typing import Any

from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article, Thread


def languages_json(articles: list[Article]) -> list[dict[str, Any]]:
    """en and ru first (always present), then the other codes by frequency."""
    by_lang: dict[str, list[str]] = {code: [] for code in NEWS_LANGUAGES}
    for article in articles:
        by_lang.setdefault(article.lang or "und", []).append(article.name)
    others = sorted((c for c in by_lang if c not in NEWS_LANGUAGES), key=lambda c: (-len(by_lang[c]), c))
    return [{"lang_code": code, "articles": by_lang[code]} for code in (*NEWS_LANGUAGES, *others)]


def news_json(news: list[Article]) -> dict[str, Any]:
    return {"articles": [a.name for a in news]}


def categories_json(news: list[Article]) -> list[dict[str, Any]]:
    by_category: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for article in news:
        by_category[article.category if article.category in by_category else "other"].append(article.name)
    return [{"category": c, "articles": names} for c, names in by_category.items()]


def threads_json(threads: list[Thread]) -> list[dict[str, Any]]:
    return [{"title": t.title, "articles": [a.name for a in t.articles]} for t in threads]


def top_json(threads: list[Thread]) -> list[dict[str, Any]]:
    """threads must already be sorted by importance."""
    result: list[dict[str, Any]] = [
        {
            "category": "any",
            "threads": [
                {"title": t.title, "category": t.category, "articles": [a.name for a in t.articles]}
                for t in threads
            ],
        }
    ]
    for category in CATEGORIES:
        result.append(
            {
                "category": category,
                "threads": [
                    {"title": t.title, "articles": [a.name for a in t.articles]}
                    for t in threads
                    if t.category == category
                ],
            }
        )
    return result


def category_counts(news: list[Article]) -> Counter[str]:
    return Counter(a.category or "other" for a in news)

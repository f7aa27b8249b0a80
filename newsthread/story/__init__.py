"""Threads that explain themselves: summary, facts, entities, disagreements, the original.

`explain(thread) -> dict` (JSON-safe) and `link_crosslingual(threads) -> list[dict]`.
All of it is offline: pymorphy3/razdel/PyStemmer/natasha from the wheels, plus rules.
"""

from __future__ import annotations

from collections import Counter
from contextlib import nullcontext
from typing import Any

from newsthread.model import Thread
from newsthread.story.crosslingual import link_crosslingual
from newsthread.story.doc import site_label
from newsthread.story.entities import thread_entities
from newsthread.story.facts import thread_facts
from newsthread.story.original import find_original
from newsthread.story.summary import summarize

__all__ = ["explain", "link_crosslingual", "thread_language"]

MAX_FACT_ARTICLES = 20


def thread_language(thread: Thread) -> str:
    if thread.lang in ("en", "ru"):
        return thread.lang
    langs = Counter(a.lang for a in thread.articles if a.lang)
    if langs:
        return "ru" if langs.most_common(1)[0][0] == "ru" else "en"
    text = " ".join(a.title for a in thread.articles[:5])
    cyrillic = sum("а" <= ch.lower() <= "я" for ch in text)
    return "ru" if cyrillic > len(text) / 4 else "en"


def _one_blas_thread():
    """The matrices here are small: BLAS worker threads only spin and steal the other core."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def explain(thread: Thread) -> dict[str, Any]:
    """The thread's story. Also stored in `thread.story`."""
    with _one_blas_thread():
        return _explain(thread)


def _explain(thread: Thread) -> dict[str, Any]:
    lang = thread_language(thread)
    articles = [a for a in thread.articles if a.lang in ("", lang, "und")] or list(thread.articles)
    summary = summarize(articles, lang)
    facts, disagreements = thread_facts(articles[:MAX_FACT_ARTICLES], lang)
    story: dict[str, Any] = {
        "id": thread.id,
        "lang": lang,
        "title": thread.title or summary["title"] or (articles[0].title if articles else ""),
        "summary": summary["summary"],
        "facts": facts,
        "entities": thread_entities(articles, lang),
        "disagreements": disagreements,
        "original": find_original(articles),
        "articles": [
            {
                "name": a.name,
                "title": a.title,
                "site": site_label(a),
                "url": a.url,
                "published": a.published.isoformat() if a.published else None,
            }
            for a in articles
        ],
    }
    thread.story = story
    return story

"""`cluster_batch`: articles → event groups, per language, in one vectorised pass."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from newsthread.cluster.config import DEFAULT_CONFIG, ClusterConfig
from newsthread.cluster.linkage import average_linkage
from newsthread.cluster.similarity import Encoded, Vocabulary, batch_edges, encode
from newsthread.model import Article


def ensure_terms(articles: Iterable[Article]) -> None:
    """Fill title_terms/body_terms of articles that have none yet."""
    missing = [a for a in articles if not a.title_terms and not a.body_terms and (a.title or a.paragraphs)]
    if missing:
        from newsthread.nlp.terms import shared_analyzer

        shared_analyzer().annotate(missing)


def time_order(articles: list[Article]) -> list[Article]:
    """Oldest first; undated articles last; ties by name (deterministic)."""
    return sorted(articles, key=lambda a: (a.published is None, a.timestamp, a.name))


def cluster_language(articles: list[Article], config: ClusterConfig, lang: str) -> list[list[Article]]:
    """Groups of one language's articles (already in time order)."""
    if len(articles) < 2:
        return [[a] for a in articles]
    labels = cluster_encoded(encode(articles, Vocabulary(), config), config, lang)
    groups: dict[int, list[Article]] = defaultdict(list)
    for article, label in zip(articles, labels.tolist(), strict=True):
        groups[label].append(article)
    return list(groups.values())


def cluster_encoded(enc: Encoded, config: ClusterConfig, lang: str) -> np.ndarray:
    """Group label of each row of `enc` (rows in time order)."""
    left, right, sims = batch_edges(enc, config)
    return average_linkage(len(enc), left, right, sims, config.threshold(lang), config.size_slope)


def cluster_batch(articles: list[Article], config: ClusterConfig | None = None) -> list[list[Article]]:
    """Event groups of `articles`: every article in exactly one group (singletons too).

    Articles are compared within their language only. Groups are returned largest first,
    articles inside a group in time order (newsthread.rank orders them by relevance).
    """
    config = config or DEFAULT_CONFIG
    ensure_terms(articles)
    by_lang: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_lang[article.lang or "und"].append(article)
    groups: list[list[Article]] = []
    for lang, members in by_lang.items():
        groups.extend(cluster_language(time_order(members), config, lang))
    groups.sort(key=lambda g: (-len(g), g[0].timestamp, g[0].name))
    return groups


def labels_of(groups: list[list[Article]]) -> dict[str, int]:
    """Article name → group number (handy for comparing clusterings)."""
    return {a.name: k for k, group in enumerate(groups) for a in group}


__all__ = ["cluster_batch", "cluster_language", "ensure_terms", "labels_of", "time_order"]

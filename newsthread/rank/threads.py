"""Groups → `Thread`s: title, article order, language, category, importance; and ranking.

Article order (most relevant first): (½·source weight + centrality) × freshness, halved for a
poor headline (question, clickbait, bare quote, fragment, live blog…). Centrality is the
mean cosine of the article's terms with the other articles'; freshness
sigmoid(Δh + 12) with Δh ≤ 0 the hours before the thread's newest article (Mindful
Squirrel's formula, contract §4.1).

Title: the first article in that order whose headline has no flaw (`rank.titles`), without a
trailing site name; the first article's headline when every one is flawed.

Importance (`make_threads`, static): the authority-weighted count of distinct sources,
times (1 + ½·burst) where burst ∈ (0, 1] is the share of that weight arriving within hours of
the thread's busiest moment (Σ w·exp(−Δt/3 h) from the best starting article), plus a little
for extra articles. `rank_threads` multiplies by 2^(−age/10 h), age = now − the thread's newest
article, and sorts; threads of fewer than 3 articles always come after bigger ones
(Squirrel's min_cluster_size). `now` defaults to the newest publication time.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from datetime import datetime

import numpy as np
import scipy.sparse as sp

from newsthread.model import CATEGORIES, Article, Thread
from newsthread.rank.authority import SourceAuthority
from newsthread.rank.titles import clean_title, title_flaws

HALF_LIFE_HOURS = 10.0  # importance halves for every 10 h a thread has gone without a new article
BURST_HOURS = 3.0
MIN_BIG_THREAD = 3  # smaller threads rank after every bigger one
FLAWED_TITLE_FACTOR = 0.5
CENTRALITY_BODY_TERMS = 60
AUTHORITY_IN_ORDER = 0.5  # source weight (0.1–1) against centrality (cosine 0–1) in article order

_BASE: weakref.WeakKeyDictionary[Thread, float] = weakref.WeakKeyDictionary()


def make_threads(groups: list[list[Article]], authority: SourceAuthority | None = None) -> list[Thread]:
    """One `Thread` per non-empty group (order of `groups` kept)."""
    threads = []
    for group in groups:
        if group:
            threads.append(make_thread(group, authority))
    return threads


def make_thread(articles: list[Article], authority: SourceAuthority | None = None) -> Thread:
    if len(articles) == 1:
        return _single(articles[0], authority)
    lang = Counter(a.lang for a in articles).most_common(1)[0][0]
    hosts = {id(a): a.host for a in articles}  # Article.host parses the URL: once per article
    weight = _weigher(authority, lang)
    ordered = order_articles(articles, weight, lang, hosts)
    thread = Thread(
        articles=ordered,
        title=choose_title(ordered, lang),
        lang=lang,
        category=majority_category(articles),
    )
    base = base_importance(ordered, weight, hosts)
    thread.importance = base
    _BASE[thread] = base
    return thread


def _single(article: Article, authority: SourceAuthority | None) -> Thread:
    """The common case (most threads are one article), without the group machinery."""
    host = article.host
    weight = authority.weight(host, article.lang) if authority is not None else 0.5
    thread = Thread(
        articles=[article],
        title=clean_title(article.title, article.site, host),
        lang=article.lang,
        category=article.category if article.category in CATEGORIES else "other",
    )
    thread.importance = _BASE[thread] = 1.5 * weight  # coverage × (1 + ½ · full burst)
    return thread


def _weigher(authority: SourceAuthority | None, lang: str):
    if authority is None:
        return lambda host: 0.5
    return lambda host: authority.weight(host, lang)


def order_articles(
    articles: list[Article], weight, lang: str, hosts: dict[int, str] | None = None
) -> list[Article]:
    if len(articles) == 1:
        return list(articles)
    hosts = hosts or {id(a): a.host for a in articles}
    # with two articles each is as central as the other
    centrality = _centrality(articles) if len(articles) > 2 else np.zeros(len(articles))
    newest = max(a.timestamp for a in articles)
    scored = []
    for article, central in zip(articles, centrality.tolist(), strict=True):
        hours = (article.timestamp - newest) / 3600.0 if article.published else -24.0
        fresh = 1.0 / (1.0 + math.exp(-(hours + 12.0)))
        score = (AUTHORITY_IN_ORDER * weight(hosts[id(article)]) + central) * fresh
        if title_flaws(article.title, lang):
            score *= FLAWED_TITLE_FACTOR
        scored.append((-score, article.timestamp, article.name, article))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored]


def _centrality(articles: list[Article]) -> np.ndarray:
    """Mean cosine of each article's term counts (title ×2 + lead) with the other articles'."""
    vocab: dict[str, int] = {}
    rows, cols, values = [], [], []
    for i, article in enumerate(articles):
        counts = Counter(article.title_terms * 2 + article.body_terms[:CENTRALITY_BODY_TERMS])
        ids = [vocab.setdefault(t, len(vocab)) for t in counts]
        rows.extend([i] * len(ids))
        cols.extend(ids)
        values.extend(counts.values())
    if not vocab:
        return np.zeros(len(articles))
    matrix = sp.csr_matrix((np.log(np.array(values, dtype=np.float64)) + 1.0, (rows, cols)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix
    gram = (matrix @ matrix.T).toarray()
    np.fill_diagonal(gram, 0.0)
    return gram.sum(axis=1) / (len(articles) - 1)


def choose_title(ordered: list[Article], lang: str) -> str:
    for article in ordered:
        if article.title and not title_flaws(article.title, lang):
            return clean_title(article.title, article.site, article.host)
    first = next((a for a in ordered if a.title), ordered[0])
    return clean_title(first.title, first.site, first.host)


def majority_category(articles: list[Article]) -> str:
    votes: Counter[str] = Counter()
    confidence: Counter[str] = Counter()
    for article in articles:
        if article.category in CATEGORIES:
            votes[article.category] += 1
            confidence[article.category] += article.category_confidence
    if not votes:
        return "other"
    return max(votes, key=lambda c: (votes[c], confidence[c], -CATEGORIES.index(c)))


def base_importance(articles: list[Article], weight, hosts: dict[int, str] | None = None) -> float:
    """Authority-weighted distinct sources × (1 + ½·burst) + a little per extra article."""
    first_seen: dict[str, float] = {}
    for article in articles:
        host = (hosts[id(article)] if hosts else article.host) or article.name
        ts = article.timestamp if article.published else math.inf
        first_seen[host] = min(first_seen.get(host, math.inf), ts)
    weights = {host: weight(host) for host in first_seen}
    coverage = sum(weights.values())
    if coverage <= 0:
        return 0.0
    dated = sorted((ts, weights[h]) for h, ts in first_seen.items() if math.isfinite(ts))
    burst = 0.0
    if dated:
        times = np.array([t for t, _ in dated])
        values = np.array([w for _, w in dated])
        for i in range(len(times)):
            later = times[i:] - times[i]
            burst = max(burst, float((values[i:] * np.exp(-later / (BURST_HOURS * 3600.0))).sum()))
    extra = max(0, len(articles) - len(first_seen))
    return coverage * (1.0 + 0.5 * burst / coverage) + 0.05 * math.log1p(extra)


def rank_threads(threads: list[Thread], now: datetime | None = None) -> list[Thread]:
    """Threads by importance (decayed to `now`); threads of < 3 articles after bigger ones."""
    if not threads:
        return []
    if now is None:
        stamps = [a.timestamp for t in threads for a in t.articles if a.published]
        now_ts = max(stamps) if stamps else 0.0
    else:
        now_ts = now.timestamp()
    for thread in threads:
        base = _BASE.get(thread)
        if base is None:
            base = _BASE[thread] = thread.importance
        last = max((a.timestamp for a in thread.articles if a.published), default=now_ts)
        age_hours = max(0.0, now_ts - last) / 3600.0
        thread.importance = base * 0.5 ** (age_hours / HALF_LIFE_HOURS)
    return sorted(threads, key=lambda t: (len(t.articles) < MIN_BIG_THREAD, -t.importance, t.id))

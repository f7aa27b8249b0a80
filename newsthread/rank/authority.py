"""Source authority: how much a site's coverage says a story matters, per audience.

Computed from the corpus itself (no external ranking), separately per language, because
English threads rank for a global audience and Russian ones for readers in Russia:

- **link rank**: PageRank over the host graph of the articles' out-links (an edge per pair of
  hosts, weighted by how many articles link), computed from that language's articles only.
  It says whom the outlets of that audience cite (tass.ru, ria.ru for ru; reuters.com,
  nytimes.com for en).
- **mainstream**: the share of a host's articles that sit in threads with ≥ 3 distinct sources.
- **first**: of those, the share where the host published first.

weight = 0.1 + 0.9·(0.5·link + 0.3·mainstream + 0.2·first), each part scaled to [0, 1]
(link rank on a log scale). Russian audience: sites of other countries' domains (.ua, .by,
.kz, …) are weighted ×0.6. Hosts never seen get `DEFAULT_WEIGHT`. Only host → weight is stored.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import scipy.sparse as sp

from newsthread.model import Article

SHIPPED_PATH = Path(__file__).resolve().parent.parent / "models" / "source_authority.json.gz"
DEFAULT_WEIGHT = 0.1
MIN_WEIGHT = 0.1
DAMPING = 0.85
MAINSTREAM_SOURCES = 3
# Country domains whose Russian-language sites are not written for readers in Russia.
FOREIGN_RU_DOMAINS = (
    ".ua",
    ".by",
    ".kz",
    ".uz",
    ".kg",
    ".md",
    ".am",
    ".az",
    ".ge",
    ".lv",
    ".lt",
    ".ee",
    ".tj",
)
FOREIGN_RU_FACTOR = 0.6
# Link targets that are platforms, not outlets.
PLATFORMS = frozenset(
    "twitter.com facebook.com youtube.com instagram.com t.me telegram.me vk.com ok.ru reddit.com "
    "linkedin.com wa.me bit.ly amzn.to amazon.com goo.gl youtu.be tiktok.com pinterest.com "
    "play.google.com apps.apple.com itunes.apple.com google.com news.google.com zen.yandex.ru "
    "news.yandex.ru yandex.ru en.wikipedia.org ru.wikipedia.org wikipedia.org".split()
)


def host_of(url: str) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host[4:] if host.startswith("www.") else host


class SourceAuthority:
    """Host weights per language: `fit(articles, groups=None)`, `weight(host, lang)`, `save`/`load`."""

    def __init__(self, weights: dict[str, dict[str, float]] | None = None, default: float = DEFAULT_WEIGHT):
        self.weights_: dict[str, dict[str, float]] = weights or {}
        self.default = default

    def weight(self, host: str, lang: str | None = None) -> float:
        """Weight in [MIN_WEIGHT, 1] of a host for an audience (language); unknown → default."""
        if lang is not None:
            table = self.weights_.get(lang)
            if table is not None and host in table:
                return table[host]
            if lang == "ru" and host.endswith(FOREIGN_RU_DOMAINS):
                return self.default * FOREIGN_RU_FACTOR
            return self.default
        values = [table[host] for table in self.weights_.values() if host in table]
        return max(values) if values else self.default

    def __len__(self) -> int:
        return sum(len(t) for t in self.weights_.values())

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, articles: Iterable[Article], groups: list[list[Article]] | None = None) -> SourceAuthority:
        """Weights from the articles' link graph (and, given event groups, who reports first)."""
        by_lang: dict[str, list[Article]] = defaultdict(list)
        for article in articles:
            if article.lang and article.host:
                by_lang[article.lang].append(article)
        mainstream, first = _thread_shares(groups or [])
        self.weights_ = {}
        for lang, members in by_lang.items():
            link = _link_rank(members)
            counts = Counter(a.host for a in members)
            table: dict[str, float] = {}
            for host in counts:
                raw = 0.5 * link.get(host, 0.0) + 0.3 * mainstream.get((lang, host), 0.0)
                raw += 0.2 * first.get((lang, host), 0.0)
                value = MIN_WEIGHT + (1.0 - MIN_WEIGHT) * raw
                if lang == "ru" and host.endswith(FOREIGN_RU_DOMAINS):
                    value *= FOREIGN_RU_FACTOR
                table[host] = round(value, 4)
            self.weights_[lang] = table
        return self

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: Path | str = SHIPPED_PATH) -> Path:
        path = Path(path)
        payload = {
            "default": self.default,
            "weights": {k: dict(sorted(v.items())) for k, v in self.weights_.items()},
        }
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        if path.suffix == ".gz":
            path.write_bytes(gzip.compress(data, mtime=0))
        else:
            path.write_bytes(data)
        return path

    @classmethod
    def load(cls, path: Path | str = SHIPPED_PATH) -> SourceAuthority:
        path = Path(path)
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        payload = json.loads(data)
        return cls(payload["weights"], payload.get("default", DEFAULT_WEIGHT))


def _link_rank(articles: list[Article]) -> dict[str, float]:
    """Log-scaled PageRank of hosts over the out-link graph, in [0, 1]."""
    edges: Counter[tuple[str, str]] = Counter()
    for article in articles:
        source = article.host
        targets = {host_of(u) for u in article.out_links} - {source, ""}
        for target in targets:
            if (
                target not in PLATFORMS
                and not source.endswith("." + target)
                and not target.endswith("." + source)
            ):
                edges[(source, target)] += 1
    if not edges:
        return {}
    hosts = sorted({h for pair in edges for h in pair} | {a.host for a in articles})
    index = {h: i for i, h in enumerate(hosts)}
    n = len(hosts)
    rows = np.array([index[s] for s, _ in edges])
    cols = np.array([index[t] for _, t in edges])
    # Several articles of one site citing one target count, but sub-linearly.
    values = np.log1p(np.array(list(edges.values()), dtype=np.float64))
    graph = sp.csr_matrix((values, (rows, cols)), shape=(n, n))
    out = np.asarray(graph.sum(axis=1)).ravel()
    transition = sp.diags(np.where(out > 0, 1.0 / np.maximum(out, 1e-12), 0.0)) @ graph
    rank = np.full(n, 1.0 / n)
    dangling = out == 0
    for _ in range(100):
        new = DAMPING * (transition.T @ rank + rank[dangling].sum() / n) + (1 - DAMPING) / n
        if np.abs(new - rank).sum() < 1e-10:
            rank = new
            break
        rank = new
    floor = 1.0 / n  # a host nobody cites sits at ~(1 - d)/n
    scaled = np.log(np.maximum(rank, floor) / floor)
    top = scaled.max()
    if top <= 0:
        return {}
    return {h: float(scaled[i] / top) for h, i in index.items()}


def _thread_shares(
    groups: list[list[Article]],
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """(lang, host) → share of its articles in ≥3-source threads; share of those it broke first."""
    total: Counter[tuple[str, str]] = Counter()
    in_big: Counter[tuple[str, str]] = Counter()
    first: Counter[tuple[str, str]] = Counter()
    for group in groups:
        hosts = {a.host for a in group if a.host}
        for article in group:
            if article.host:
                total[(article.lang, article.host)] += 1
        if len(hosts) < MAINSTREAM_SOURCES:
            continue
        for article in group:
            if article.host:
                in_big[(article.lang, article.host)] += 1
        dated = [a for a in group if a.published and a.host]
        if dated:
            earliest = min(dated, key=lambda a: a.timestamp)
            first[(earliest.lang, earliest.host)] += 1
    mainstream = {key: _shrunk(in_big[key], n) for key, n in total.items()}
    first_share = {key: _shrunk(first[key], in_big[key]) for key in in_big}
    return mainstream, first_share


def _shrunk(hits: int, n: int, prior: float = 5.0) -> float:
    """hits/n pulled towards 0 for small n (a site with 1 article in 1 big thread is not 100 %)."""
    return hits / (n + prior) if n else 0.0


__all__ = ["SHIPPED_PATH", "SourceAuthority", "host_of"]

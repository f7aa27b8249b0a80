"""Which article of a thread is the primary source, and why.

Four signals, each in [0, 1]:
- cited: other articles attribute to it: a link to its host in out_links, its host or site
  named in the text ("со ссылкой на сайт kremlin.ru", "according to Reuters"); attribution
  phrases weigh more than a bare mention, photo credits less;
- quoted: others repeat its wording (share of their word 5-grams found in it);
- fullest: length of the account relative to the longest;
- first: earliest publication (a midnight time stamp is taken as a date without a time).
The weighted sum picks the original; the reason lists the signals that hold for it.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from newsthread.model import Article
from newsthread.story.doc import cache, site_label
from newsthread.story.text import words

WEIGHTS = {"cited": 2.0, "quoted": 1.5, "fullest": 1.0, "first": 0.8}
_ATTRIBUTION = re.compile(
    r"(со ссылкой на|сообщает|сообщил[аи]?|передает|передаёт|пишет|по данным|по информации|"
    r"according to|reported by|reports|citing|cited by|told|via|said in a statement|quoted by|"
    r"сообщается на|опубликован\w* на|сообщают|пишут|передают|цитирует|reported|writes|wrote|a report by|"
    r"in an interview with|interview with)\s*(сайт\w*|портал\w*|издани\w*|агентств\w*|the)?\s*[«\"“]?\s*$",
    re.IGNORECASE,
)
_PHOTO = re.compile(r"(фото|photo|image|источник фото|credit)\s*[:—-]?\s*$", re.IGNORECASE)
_GENERIC_SITES = {"news", "новости", "сайт", "online", "онлайн", "today", "info"}
SHINGLE = 5


def _shingles(article: Article) -> set[int]:
    slot = cache(article)
    cached = slot.get("shingles")
    if cached is None:
        tokens = words(f"{article.title} {article.text}")
        cached = {hash(tuple(tokens[i : i + SHINGLE])) for i in range(max(0, len(tokens) - SHINGLE + 1))}
        slot["shingles"] = cached
    return cached  # type: ignore[return-value]


def _names(article: Article) -> list[str]:
    """How others may refer to an article's source: its host and its site name."""
    names = []
    host = article.host
    if host and "." in host:
        names.append(host)
    site = (article.site or "").strip()
    if len(site) >= 4 and site.lower() not in _GENERIC_SITES and site.lower() != host:
        names.append(site)
    return names


@lru_cache(maxsize=20_000)
def _name_pattern(name: str, case_sensitive: bool = False) -> re.Pattern[str]:
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(r"(?<![\w.])" + re.escape(name) + r"(?![\w])", flags)


def _ambiguous_site_name(name: str) -> bool:
    """A site name that is also ordinary words ("Time", "Breaking News", "Reuters" alone): it
    counts only in an attribution ("according to Time"), never as a bare word."""
    return "." not in name and len(name.split()) <= 2 and not any(ch.isdigit() for ch in name)


def _mention_weight(text: str, name: str) -> tuple[float, str]:
    """Strongest attribution of `name` in text: (weight, the phrase)."""
    best, phrase = 0.0, ""
    if name.lower() not in text.lower():
        return best, phrase
    ambiguous = _ambiguous_site_name(name)
    for match in _name_pattern(name, case_sensitive=ambiguous).finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        if _ATTRIBUTION.search(before):
            weight = 1.0
        elif ambiguous:
            continue
        elif _PHOTO.search(before):
            weight = 0.25
        else:
            weight = 0.5
        if weight > best:
            start = max(0, match.start() - 40)
            while start > 0 and not text[start - 1].isspace():
                start += 1
            snippet = text[start : match.end()]
            snippet = re.split(r"[\n.!?;]\s", snippet)[-1]
            best, phrase = weight, snippet.strip()
    return best, phrase


def _links_to(article: Article, target: Article) -> bool:
    host = target.host
    if not host or "." not in host:
        return False
    for link in article.out_links:
        if target.url and link.rstrip("/") == target.url.rstrip("/"):
            return True
        if re.search(r"//(www\.)?" + re.escape(host) + r"(/|$)", link):
            return True
    return False


def _is_date_only(moment: datetime | None) -> bool:
    return moment is not None and moment.hour == 0 and moment.minute == 0 and moment.second == 0


def find_original(articles: list[Article]) -> dict | None:
    if not articles:
        return None
    n = len(articles)
    texts = [f"{a.title}\n{a.text}" for a in articles]
    lengths = [len(a.text) for a in articles]
    longest = max(lengths) or 1
    cited = [0.0] * n
    citations: list[list[str]] = [[] for _ in range(n)]
    for i, target in enumerate(articles):
        names = _names(target)
        for j, other in enumerate(articles):
            if i == j or (other.host and other.host == target.host):
                continue
            weight, phrase = (1.0, f"links to {target.host}") if _links_to(other, target) else (0.0, "")
            for name in names:
                w, p = _mention_weight(texts[j], name)
                if w > weight:
                    weight, phrase = w, p
            if weight:
                cited[i] += weight
                citations[i].append(f"{site_label(other)}: “…{phrase}”")
    quoted = [0.0] * n
    if n > 1:
        shingles = [_shingles(a) for a in articles]
        for i in range(n):
            shares = []
            for j in range(n):
                if i == j or not shingles[j]:
                    continue
                shares.append(len(shingles[j] & shingles[i]) / len(shingles[j]))
            quoted[i] = sum(shares) / len(shares) if shares else 0.0
    timed = [
        (a.published, i) for i, a in enumerate(articles) if a.published and not _is_date_only(a.published)
    ]
    if not timed:
        timed = [(a.published, i) for i, a in enumerate(articles) if a.published]
    order = {i: rank for rank, (_, i) in enumerate(sorted(timed))}
    first = [0.0] * n
    for i, rank in order.items():
        first[i] = 1.0 / (1 + rank)
    max_cited = max(cited) or 1.0
    signals = []
    for i in range(n):
        s = {
            "cited": cited[i] / max(max_cited, 1.0),
            "quoted": min(1.0, quoted[i] * 2.5),
            "fullest": lengths[i] / longest,
            "first": first[i],
        }
        signals.append(s)
    totals = [sum(WEIGHTS[k] * v for k, v in s.items()) for s in signals]
    best = max(range(n), key=lambda i: (totals[i], -i))
    article = articles[best]
    reasons = []
    if cited[best] > 0:
        reasons.append(f"others cite it ({'; '.join(citations[best][:3])})")
    if quoted[best] >= 0.08 and quoted[best] == max(quoted):
        reasons.append(f"others repeat its wording ({quoted[best]:.0%} of their 5-word phrases are in it)")
    if lengths[best] == longest and n > 1:
        second = sorted(lengths)[-2]
        ratio = f", {lengths[best] / second:.1f}× the next" if second else ""
        reasons.append(f"the fullest account ({lengths[best]:,} characters{ratio})")
    if order.get(best) == 0 and n > 1:
        reasons.append(f"first to publish ({article.published:%Y-%m-%d %H:%M} UTC)")
    if not reasons:
        reasons.append("the most relevant article of the thread")
    return {
        "name": article.name,
        "title": article.title,
        "url": article.url,
        "site": site_label(article),
        "published": article.published.isoformat() if article.published else None,
        "reason": "; ".join(reasons),
        "signals": {k: round(v, 3) for k, v in signals[best].items()},
        "score": round(totals[best], 3),
    }

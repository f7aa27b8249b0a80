"""People, places and organisations of a thread, with mention counts and sources.

Russian: natasha (slovnet NER, shipped in the wheel) over each article's title and lead,
normalised to the nominative with pymorphy3. English: capitalised sequences typed by a
gazetteer, organisation suffixes, person titles and first names (no spaCy model is installed).
Discovery runs on titles and leads only (NER is the slow part); the mentions of every entity
found are then counted over the full texts with a cheap stem regex.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from newsthread.model import Article
from newsthread.story.doc import cache, sentences, site_label
from newsthread.story.gazetteer import CANONICAL, EN_TYPES, FIRST_NAMES, ORG_SUFFIXES, PERSON_TITLES
from newsthread.story.text import ru_normal_name, ru_normal_phrase, ru_parses, tokenize

LEAD_CHARS = 300  # of each article's body given to NER, after its title
MAX_NER_ARTICLES = 8


@lru_cache(maxsize=1)
def _natasha_ner():
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def _lead_text(article: Article, lang: str) -> str:
    """Title and the first sentences of the body, up to LEAD_CHARS: what NER reads."""
    parts = [article.title.strip()] if article.title.strip() else []
    size = 0
    for sent in sentences(article, lang)[1:]:
        if size >= LEAD_CHARS:
            break
        parts.append(sent.text)
        size += len(sent.text)
    return "\n".join(parts)


def _ru_normalise(text: str, kind: str) -> str:
    words = text.split()
    if kind == "PER":
        return " ".join(ru_normal_name(w) for w in words)
    return ru_normal_phrase(text)


def ru_mentions(article: Article) -> list[tuple[str, str, str]]:
    """(normal form, type, surface) of natasha spans in the title and lead (cached)."""
    ru_mentions_batch([article])
    return cache(article)["ner:ru"]  # type: ignore[return-value]


def ru_mentions_batch(articles: list[Article]) -> None:
    """Run NER once over every article not seen yet (slovnet is much faster batched)."""
    todo = [a for a in articles if "ner:ru" not in cache(a)]
    if not todo:
        return
    texts = [_lead_text(a, "ru") for a in todo]
    tagger = _natasha_ner()
    for article, text, markup in zip(todo, texts, tagger.map(texts), strict=True):
        found: list[tuple[str, str, str]] = []
        for span in markup.spans:
            surface = text[span.start : span.stop].strip(" .,«»\"")
            if len(surface) < 2 or "\n" in surface:
                continue
            found.append((_ru_normalise(surface, span.type), span.type, surface))
        cache(article)["ner:ru"] = found


# --- English ----------------------------------------------------------------------------------

_CONNECTORS = {"of", "de", "da", "del", "van", "von", "al", "bin", "la", "le", "&"}
_SKIP_CAPS = {
    "the", "a", "an", "in", "on", "at", "but", "and", "or", "he", "she", "it", "they", "we", "i", "this", "that",
    "these", "those", "his", "her", "their", "our", "its", "after", "before", "as", "if", "when", "while", "there",
    "here", "what", "why", "how", "who", "for", "from", "with", "by", "to", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "mr", "mrs", "ms", "dr", "according", "however",
    "meanwhile", "photo", "image", "read", "also", "more", "new", "covid", "coronavirus", "said", "says", "all",
    "one", "two", "three", "first", "last", "now", "so", "then", "yes", "no", "not", "every", "some", "many",
    "breaking", "update", "updated", "live", "watch", "video", "exclusive", "opinion", "analysis", "editor",
    "sign", "subscribe", "click", "share", "follow", "getty", "images", "ap", "afp", "file", "credit",
}  # fmt: skip


def _is_title_case(text: str) -> bool:
    caps = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if len(w) > 3]
    return bool(caps) and sum(w[0].isupper() for w in caps) / len(caps) >= 0.7


def _en_spans(text: str) -> list[tuple[str, str]]:
    """(surface, type) of capitalised sequences in one sentence."""
    tokens = tokenize(text)
    out = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not (tok.is_word and tok.is_capitalized) or tok.low in _SKIP_CAPS:
            i += 1
            continue
        j = i + 1
        while j < len(tokens):
            t = tokens[j]
            if t.is_word and t.is_capitalized and t.low not in _SKIP_CAPS and tokens[j - 1].end + 1 >= t.start:
                j += 1
            elif (
                t.low in _CONNECTORS
                and j + 1 < len(tokens)
                and tokens[j + 1].is_word
                and tokens[j + 1].is_capitalized
                and tokens[j + 1].low not in _SKIP_CAPS
            ):
                j += 2
            else:
                break
        words = [t.text for t in tokens[i:j]]
        surface = " ".join(words).replace(" & ", " & ")
        surface = re.sub(r"[’']s$", "", surface)
        prev = tokens[i - 1].low.rstrip(".") if i > 0 else ""
        kind = _en_type(words, prev, tokens[j].low if j < len(tokens) else "", sentence_initial=i == 0)
        if kind:
            out.append((surface, kind))
        i = j
    return out


def _en_type(words: list[str], prev: str, nxt: str, sentence_initial: bool) -> str:
    low = " ".join(words).lower()
    low = re.sub(r"[’']s$", "", low)
    if low in EN_TYPES:
        return EN_TYPES[low]
    last = words[-1].lower().rstrip(".")
    if last in ORG_SUFFIXES and len(words) > 1:
        return "ORG"
    if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6:
        return "ORG"
    first = words[0].lower()
    if prev in PERSON_TITLES:
        return "PER"
    if first in FIRST_NAMES and len(words) >= 2:
        return "PER"
    if nxt in ("said", "says", "told", "added", "wrote", "tweeted") and len(words) >= 2:
        return "PER"
    if 2 <= len(words) <= 3 and all(w[0].isupper() and w[1:].islower() for w in words if len(w) > 1):
        return "PER" if not sentence_initial or first in FIRST_NAMES else ""
    if len(words) >= 2:
        return "ORG"
    return ""


def en_mentions(article: Article) -> list[tuple[str, str, str]]:
    slot = cache(article)
    cached = slot.get("ner:en")
    if cached is not None:
        return cached  # type: ignore[return-value]
    found = []
    title = article.title.strip()
    texts = ([] if _is_title_case(title) else [title]) + [s.text for s in sentences(article, "en")[1:12]]
    budget = LEAD_CHARS * 2
    for text in texts:
        if budget <= 0:
            break
        budget -= len(text)
        for surface, kind in _en_spans(text):
            found.append((surface, kind, surface))
    slot["ner:en"] = found
    return found


# --- merging and counting ---------------------------------------------------------------------


def _merge_key(name: str, kind: str, lang: str, normal: str = "") -> str:
    low = re.sub(r"[’']s$", "", name.lower().replace("ё", "е"))
    if low in CANONICAL:
        return CANONICAL[low]
    if normal and normal.lower() in CANONICAL:
        return CANONICAL[normal.lower()]
    parts = [w for w in re.split(r"[\s.]+", low) if w]
    if not parts:
        return low
    if kind == "PER":
        parts = parts[-1:]  # "Владимир Путин", "В.Путин", "Путин": one person
    if lang == "ru":
        # inflected forms share a prefix: "Токаева", "Токаевым", "Токаев"
        return kind + ":" + " ".join(w[:5] for w in parts)
    return kind + ":" + " ".join(parts)


def _ru_person_name(surfaces: Counter[str]) -> str:
    """The nominative of a Russian name from its inflected variants: per word, the shortest form
    ("Касым-Жомартом Токаевым", "Касым-Жомарта Токаева", "Касым-Жомарт Токаев" → the last)."""
    full = [s.split() for s in surfaces if "." not in s and all(len(w) > 1 for w in s.split())]
    if not full:
        return ""
    width = max(len(words) for words in full)
    rows = [words for words in full if len(words) == width]
    name = []
    for position in range(width):
        variants = Counter()
        for words in rows:
            variants[words[position]] += surfaces[" ".join(words)] or 1
        name.append(min(variants, key=lambda w: (len(w), -variants[w])))
    return " ".join(name)


def _stem_pattern(name: str, lang: str) -> re.Pattern[str]:
    parts = []
    for word in name.split():
        w = re.escape(word)
        if lang == "ru" and len(word) > 4 and word[-1].lower() in "аяоеьйыиу":
            w = re.escape(word[:-1])
        parts.append(w + (r"\w{0,3}" if lang == "ru" else r"(?:['’]s)?"))
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(parts) + r"(?!\w)")


def thread_entities(articles: list[Article], lang: str, limit: int = 15) -> list[dict]:
    """Entities ranked by how many articles mention them, then by mentions."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    if lang == "ru":
        ru_mentions_batch(articles[:MAX_NER_ARTICLES])
    for article in articles[:MAX_NER_ARTICLES]:
        mentions = ru_mentions(article) if lang == "ru" else en_mentions(article)
        for normal, kind, surface in mentions:
            key = _merge_key(surface, kind, lang, normal)
            votes[key][kind] += 1
            names[key][normal] += 1
            if lang == "ru":
                surfaces[key][surface] += 1
    if not votes:
        return []
    patterns: dict[str, list[str]] = {k: list(v) for k, v in names.items()}
    merged_votes, merged_names = votes, names
    texts = [(a, f"{a.title}\n{a.text}") for a in articles]
    out = []
    for key, kinds in merged_votes.items():
        kind = kinds.most_common(1)[0][0]
        name = merged_names[key].most_common(1)[0][0]
        if lang == "ru" and kind == "PER":
            name = _ru_person_name(surfaces[key]) or name
        patterns[key] = list(set(patterns[key]) | set(surfaces[key]))
        regexes = [_stem_pattern(p, lang) for p in set(patterns[key]) if p]
        if kind == "PER" and " " in name:
            regexes.append(_stem_pattern(name.split()[-1], lang))
        count, sources = 0, []
        for article, text in texts:
            hits = 0
            for rx in regexes:
                hits = max(hits, len(rx.findall(text)))
            if hits:
                count += hits
                sources.append(article)
        if not sources:
            continue
        out.append(
            {
                "name": name,
                "type": kind,
                "count": count,
                "n_sources": len(sources),
                "sources": list(dict.fromkeys(site_label(a) for a in sources)),
                "articles": [a.name for a in sources],
            }
        )
    out.sort(key=lambda e: (-e["n_sources"], -e["count"], e["name"]))
    return out[:limit]


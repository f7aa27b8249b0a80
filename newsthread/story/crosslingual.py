"""Link Russian and English threads about the same event.

A thread becomes a set of language-free keys taken from its titles (and its story's entities
when `explain` has run): gazetteer keys for places and organisations (Германия/Germany →
"germany", британка → "united kingdom"), sound keys of transliterated words (Красники/Krasniqi →
"krsnk", also cut to 4 letters so that олимпийский/Olympic meet), and numbers. Keys are
weighted by IDF over all the threads given, and a ru/en pair scores by the cosine of its
weighted key sets times a time-proximity factor. Pairs that are each other's best match and
score above `min_score` are linked.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime
from functools import lru_cache

from newsthread.model import Thread
from newsthread.story.doc import cache
from newsthread.story.gazetteer import CANONICAL, DEMONYMS, LEXICON
from newsthread.story.text import STOPWORDS_EN, STOPWORDS_RU, en_lemma, ru_parses
from newsthread.story.translit import sound_key

MIN_SCORE = 0.10
USE_LEXICON = True  # a small general news lexicon (gazetteer.LEXICON) next to transliteration
TIME_SCALE_HOURS = 12.0  # half a day apart: score × 0.5; two days apart: × 0.2
MAX_TITLES = 12
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+(?:[.,]\d+)?", re.UNICODE)


def _ru_stem_canon() -> dict[str, str]:
    table: dict[str, str] = {}
    clashes: set[str] = set()
    for name, canon in CANONICAL.items():
        if not re.search(r"[а-я]", name) or " " in name:
            continue
        for size in (5, 4):
            stem = name[:size]
            if len(stem) < size:
                continue
            if stem in table and table[stem] != canon:
                clashes.add(stem)
            table.setdefault(stem, canon)
    for stem in clashes:
        table.pop(stem, None)
    return table


_RU_STEMS = _ru_stem_canon()
_ADJ_END = re.compile(r"(ский|цкий|ской|ний|ный|ной|ий|ый|ой)$")


@lru_cache(maxsize=100_000)
def _ru_word_keys(word: str) -> tuple[str, ...]:
    low = word.lower().replace("ё", "е")
    if low in STOPWORDS_RU or len(low) < 3:
        return ()
    parses = ru_parses(low)
    lemma = parses[0].lemma.replace("ё", "е") if parses else low
    if parses and parses[0].pos in ("PREP", "CONJ", "PRCL", "NPRO", "INTJ"):
        return ()
    canon = CANONICAL.get(lemma) or CANONICAL.get(low)
    if canon is None:
        for size in (5, 4):
            canon = _RU_STEMS.get(lemma[:size])
            if canon:
                break
    keys = []
    if canon:
        keys.append("g:" + canon)
    if USE_LEXICON and lemma in LEXICON:
        keys.append("w:" + LEXICON[lemma])
    base = _ADJ_END.sub("", lemma) if parses and parses[0].pos in ("ADJF", "ADJS") else lemma
    keys.extend(_sound_keys(base))
    return tuple(keys)


@lru_cache(maxsize=100_000)
def _en_word_keys(word: str) -> tuple[str, ...]:
    low = re.sub(r"[’']s$", "", word.lower())
    if low in STOPWORDS_EN or len(low) < 3:
        return ()
    lemma = en_lemma(low)
    canon = CANONICAL.get(low) or CANONICAL.get(lemma) or DEMONYMS.get(low) or DEMONYMS.get(lemma)
    keys = []
    if canon:
        keys.append("g:" + canon)
    if USE_LEXICON and (low in LEXICON or lemma in LEXICON):
        keys.append("w:" + LEXICON.get(low, LEXICON.get(lemma, "")))
    keys.extend(_sound_keys(lemma))
    return tuple(keys)


def _sound_keys(word: str) -> list[str]:
    key = sound_key(word)
    if len(key) < 3:
        return []
    keys = ["s:" + key]
    if len(key) > 4:
        keys.append("p:" + key[:4])
    return keys


def _text_keys(text: str, lang: str) -> set[str]:
    keys: set[str] = set()
    tokens = _WORD_RE.findall(text)
    for i, tok in enumerate(tokens):
        if tok[0].isdigit():
            if tok not in ("2020", "2021", "2019", "1", "0"):
                keys.add("n:" + tok.replace(",", "."))
            continue
        word_keys = _ru_word_keys(tok) if lang == "ru" else _en_word_keys(tok)
        keys.update(word_keys)
        # two-word places: "New York", "Saudi Arabia", "Новая Зеландия"
        if i + 1 < len(tokens):
            pair = f"{tok} {tokens[i + 1]}".lower()
            if pair in CANONICAL:
                keys.add("g:" + CANONICAL[pair])
    return keys


def thread_keys(thread: Thread, lang: str) -> set[str]:
    keys: set[str] = set()
    for article in thread.articles[:MAX_TITLES]:
        slot = cache(article)
        cached = slot.get(f"xl:{lang}")
        if cached is None:
            cached = _text_keys(article.title, lang)
            slot[f"xl:{lang}"] = cached
        keys |= cached  # type: ignore[arg-type]
    if thread.story:
        for entity in thread.story.get("entities", [])[:10]:
            keys |= _text_keys(entity.get("name", ""), lang)
    return keys


def _time_span(thread: Thread) -> tuple[datetime | None, datetime | None]:
    return thread.first_published, thread.last_published


def _time_factor(a: Thread, b: Thread) -> float:
    a0, a1 = _time_span(a)
    b0, b1 = _time_span(b)
    if not (a0 and a1 and b0 and b1):
        return 1.0
    gap = max(0.0, (max(a0, b0) - min(a1, b1)).total_seconds() / 3600)
    return 1.0 / (1.0 + gap / TIME_SCALE_HOURS)


def _lang(thread: Thread) -> str:
    from newsthread.story import thread_language

    return thread_language(thread)


def link_crosslingual(threads: list[Thread], min_score: float = MIN_SCORE) -> list[dict]:
    """Links between Russian and English threads about the same event, best first.

    Each link: {"ru": id, "en": id, "ru_title", "en_title", "score", "shared": [keys]}.
    """
    ru = [t for t in threads if _lang(t) == "ru"]
    en = [t for t in threads if _lang(t) == "en"]
    if not ru or not en:
        return []
    ru_keys = [thread_keys(t, "ru") for t in ru]
    en_keys = [thread_keys(t, "en") for t in en]
    df: Counter[str] = Counter()
    for keys in ru_keys + en_keys:
        df.update(keys)
    n = len(ru_keys) + len(en_keys)
    idf = {k: math.log((n + 1) / (c + 0.5)) for k, c in df.items()}

    def weights(keys: set[str]) -> dict[str, float]:
        # sound keys are noisier than gazetteer keys and numbers
        return {k: idf[k] * (0.6 if k.startswith("p:") else 1.0) for k in keys}

    ru_w = [weights(k) for k in ru_keys]
    en_w = [weights(k) for k in en_keys]
    ru_norm = [math.sqrt(sum(v * v for v in w.values())) or 1.0 for w in ru_w]
    en_norm = [math.sqrt(sum(v * v for v in w.values())) or 1.0 for w in en_w]
    index: dict[str, list[int]] = {}
    for j, w in enumerate(en_w):
        for key in w:
            index.setdefault(key, []).append(j)
    scores: dict[tuple[int, int], float] = {}
    for i, w in enumerate(ru_w):
        dots: Counter[int] = Counter()
        for key, value in w.items():
            for j in index.get(key, ()):
                dots[j] += value * en_w[j][key]
        for j, dot in dots.items():
            score = dot / (ru_norm[i] * en_norm[j]) * _time_factor(ru[i], en[j])
            if score >= min_score:
                scores[(i, j)] = score
    best_en: dict[int, tuple[float, int]] = {}
    best_ru: dict[int, tuple[float, int]] = {}
    for (i, j), score in scores.items():
        if score > best_en.get(i, (0.0, -1))[0]:
            best_en[i] = (score, j)
        if score > best_ru.get(j, (0.0, -1))[0]:
            best_ru[j] = (score, i)
    links = []
    for i, (score, j) in best_en.items():
        if best_ru.get(j, (0.0, -1))[1] != i:
            continue
        shared = sorted(set(ru_w[i]) & set(en_w[j]), key=lambda k: -idf[k])
        links.append(
            {
                "ru": ru[i].id,
                "en": en[j].id,
                "ru_title": ru[i].title or ru[i].articles[0].title,
                "en_title": en[j].title or en[j].articles[0].title,
                "score": round(score, 4),
                "shared": shared[:8],
            }
        )
    links.sort(key=lambda link: -link["score"])
    return links

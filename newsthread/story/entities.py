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
from newsthread.story.text import ru_is_common_noun, ru_normal_phrase, ru_parses, ru_person_normal, tokenize

LEAD_CHARS = 240  # of each article's body given to NER, after its title
MAX_NER_ARTICLES = 6
MAX_CANDIDATES = 30  # entities whose mentions are counted over the full texts


@lru_cache(maxsize=1)
def _natasha_ner():
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def _lead_text(article: Article, lang: str) -> str:
    """Title and the first sentences of the body, up to LEAD_CHARS: what NER reads."""
    parts = [article.title.strip()] if article.title.strip() else []
    size = 0
    for sent in sentences(article, lang):
        if sent.is_title:
            continue
        if size >= LEAD_CHARS:
            break
        parts.append(sent.text)
        size += len(sent.text)
    return "\n".join(parts)


def _ru_normalise(text: str, kind: str) -> str:
    if kind == "PER":
        return ru_person_normal(text)
    return ru_normal_phrase(text)


def _ru_clean_person(surface: str) -> str:
    """Drop leading common nouns natasha sometimes takes in: "Американку Лору Херст" → "Лору Херст"."""
    words = surface.split()
    while len(words) > 1 and ru_is_common_noun(words[0]):
        words = words[1:]
    return " ".join(words)


def ru_mentions(article: Article) -> list[tuple[str, str, str]]:
    """(normal form, type, surface) of natasha spans in the title and lead (cached)."""
    ru_mentions_batch([article])
    return cache(article)["ner:ru"]  # type: ignore[return-value]


def ru_mentions_batch(articles: list[Article]) -> None:
    """Run NER once over every article not seen yet (slovnet is much faster batched)."""
    todo = [a for a in articles if "ner:ru" not in cache(a)]
    for article in todo:
        if not _lead_text(article, "ru").strip():
            cache(article)["ner:ru"] = []  # slovnet fails on an empty text
    todo = [a for a in todo if "ner:ru" not in cache(a)]
    if not todo:
        return
    texts = [_lead_text(a, "ru") for a in todo]
    tagger = _natasha_ner()
    for article, text, markup in zip(todo, texts, tagger.map(texts), strict=True):
        found: list[tuple[str, str, str]] = []
        for span in markup.spans:
            surface = text[span.start : span.stop].strip(' .,«»"')
            if span.type == "PER":
                surface = _ru_clean_person(surface)
                if " " not in surface and ru_is_common_noun(surface):
                    continue  # "Жительницу", "Он": not a name
            if len(surface) < 3 or "\n" in surface:
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


_GEO_WORDS = {
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "county", "road",
    "street", "st", "avenue", "river", "mountain", "mountains", "mount", "lake", "island", "islands", "bay",
    "valley", "park", "house", "hall", "square", "bridge", "beach", "airport", "station", "province", "state",
    "region", "district", "coast", "sea", "ocean", "gulf", "canyon", "hill", "hills", "forest", "desert",
    "peninsula", "strait", "heights", "village", "town", "borough", "hospital", "stadium", "arena", "palace",
    "tower", "centre", "center", "county's", "springs", "falls", "harbour", "harbor", "port", "lane", "way",
}  # fmt: skip
_EVENT_WORDS = {
    "games", "olympics", "cup", "championship", "championships", "league", "festival", "awards", "summit",
    "election", "elections", "war", "day", "week", "series", "open", "prix", "show", "email", "act", "bill",
}  # fmt: skip
_EN_ORG_EXTRA = {
    "workers",
    "union",
    "brigade",
    "ambulance",
    "fire",
    "brexit",
    "times",
    "tv",
    "radio",
    "press",
    "media",
}


def _en_spans(text: str) -> list[tuple[str, str]]:
    """(surface, type) of capitalised sequences in one sentence; type "?" = a name of unknown kind."""
    tokens = tokenize(text)
    out = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not (tok.is_word and tok.is_capitalized) or tok.low in _SKIP_CAPS:
            i += 1
            continue
        j = i + 1
        if not _POSSESSIVE.search(tok.text):
            while j < len(tokens):
                t = tokens[j]
                if (
                    t.is_word
                    and t.is_capitalized
                    and t.low not in _SKIP_CAPS
                    and tokens[j - 1].end + 1 >= t.start
                ):
                    j += 1
                    if _POSSESSIVE.search(t.text):
                        break  # "Boris Johnson's Brexit": the possessive ends the name
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
        words = [_POSSESSIVE.sub("", t.text) for t in tokens[i:j]]
        prev = tokens[i - 1].low.rstrip(".") if i > 0 else ""
        # a sentence-initial common word glued to a name: "Distancing Prime Minister Benjamin Netanyahu"
        if (
            i == 0
            and len(words) > 1
            and re.search(r"(ing|ed|ly|s)$", words[0])
            and words[0].lower() not in EN_TYPES
        ):
            words = words[1:]
            i += 1
        # "Prime Minister Anna Berg", "Mayor Tomas Lind": the title is a cue, not part of the name
        while len(words) > 1 and words[0].lower().rstrip(".") in PERSON_TITLES | {"prime", "vice"}:
            prev = words[0].lower().rstrip(".")
            words = words[1:]
            i += 1
        surface = " ".join(words)
        kind = _en_type(words, prev, tokens[j].low if j < len(tokens) else "", sentence_initial=i == 0)
        if kind:
            out.append((surface, kind))
        i = j
    return out


_POSSESSIVE = re.compile(r"['’]s?$")


def _en_type(words: list[str], prev: str, nxt: str, sentence_initial: bool) -> str:
    low = " ".join(words).lower()
    if low in EN_TYPES:
        return EN_TYPES[low]
    lows = [w.lower().rstrip(".") for w in words]
    if len(words) > 1 and (lows[-1] in ORG_SUFFIXES or lows[-1] in _EN_ORG_EXTRA):
        return "ORG"
    if len(words) > 1 and EN_TYPES.get(lows[0]) == "ORG":
        return "ORG"  # "Google Maps", "Apple TV": a product of a known organisation
    if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6:
        return "ORG"
    if any(w in _GEO_WORDS for w in lows) or any(w in EN_TYPES and EN_TYPES[w] == "LOC" for w in lows):
        return "LOC"
    if prev in PERSON_TITLES and len(words) <= 3:
        return "PER"
    if lows[0] in FIRST_NAMES and 2 <= len(words) <= 3:
        return "PER"
    if nxt in ("said", "says", "told", "added", "wrote", "tweeted") and 2 <= len(words) <= 3:
        return "PER"
    if 2 <= len(words) <= 3 and all(w[:1].isupper() and w[1:].islower() for w in words if len(w) > 1):
        return "" if sentence_initial else "?"
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
    body = [s.text for s in sentences(article, "en") if not s.is_title][:11]
    texts = ([title] if title and not _is_title_case(title) else []) + body
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


def _ru_surname(parts: list[str]) -> str:
    """The surname of a Russian name: the word tagged Surn, else the first of "Фамилия Имя Отчество",
    else the last word ("Владимир Путин", "В.Путин", "Путин" → путин)."""
    for word in parts:
        if any("Surn" in p.grammemes for p in ru_parses(word)[:2]):
            return word
    if len(parts) == 3 and any("Patr" in p.grammemes for p in ru_parses(parts[-1])[:2]):
        return parts[0]
    return parts[-1]


def _merge_key(name: str, kind: str, lang: str, normal: str = "") -> str:
    low = re.sub(r"[’']s$", "", name.lower().replace("ё", "е"))
    if low in CANONICAL:
        return CANONICAL[low]
    if normal and normal.lower() in CANONICAL:
        return CANONICAL[normal.lower()]
    parts = [w for w in re.split(r"[\s.]+", low) if w]
    if not parts:
        return low
    if kind in ("PER", "?"):
        kind = "PER"
        if lang == "ru":
            return kind + ":" + _ru_surname(parts)[:5]  # inflected forms share a prefix: Токаева, Токаевым
        parts = parts[-1:]  # "Donald Trump", "Trump": one person
        return kind + ":" + parts[0]
    if lang == "ru" and normal:
        return kind + ":" + normal.lower().replace("ё", "е")
    return kind + ":" + " ".join(parts)


@lru_cache(maxsize=20_000)
def _mention_regex(forms: tuple[str, ...], lang: str) -> re.Pattern[str]:
    """One regex for all written forms of an entity; the longest form wins at each place."""
    bodies = sorted({_stem_body(f, lang) for f in forms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(bodies) + r")(?!\w)")


def _stem_body(name: str, lang: str) -> str:
    parts = []
    for word in name.split():
        w = re.escape(word)
        if lang == "ru" and len(word) > 4 and word[-1].lower() in "аяоеьйыиу":
            w = re.escape(word[:-1])
        parts.append(w + (r"\w{0,3}" if lang == "ru" else r"(?:['’]s)?"))
    return r"[\s-]+".join(parts)


def _resolve_unknown(key: str, names: Counter[str], text: str) -> str:
    """A two-three word name without cues is a person when its last word also stands alone
    ("Nigel Farage ... Farage said"): places and organisations are not cut that way."""
    name = names.most_common(1)[0][0]
    words = name.split()
    last = words[-1]
    if len(last) < 3 or last.lower() in _EVENT_WORDS:
        return ""
    if re.search(r"\b" + re.escape(last.lower()) + r"\b", text):
        return ""  # the last word also occurs in lower case: a common noun ("Olympic Games"... games)
    total = len(re.findall(r"\b" + re.escape(last) + r"\b", text))
    full = len(re.findall(re.escape(name), text))
    alone = total - full
    return "PER" if alone >= 1 else ""


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
    all_text = "\n".join(text for _, text in texts) if lang == "en" else ""
    ranked_keys = sorted(merged_votes, key=lambda k: -sum(merged_votes[k].values()))[:MAX_CANDIDATES]
    for key in ranked_keys:
        kinds = merged_votes[key]
        kind = kinds.most_common(1)[0][0]
        if kind == "?":
            kind = (
                kinds.most_common(2)[1][0]
                if len(kinds) > 1
                else _resolve_unknown(key, merged_names[key], all_text)
            )
            if not kind:
                continue
        name = merged_names[key].most_common(1)[0][0]
        if lang == "ru" and kind == "PER":
            pool = merged_names[key]
            name = max(pool, key=lambda n: ("." not in n, len(n.split()), pool[n], -len(n)))
        patterns[key] = list(set(patterns[key]) | set(surfaces[key]))
        forms = {p for p in patterns[key] if p}
        if kind == "PER" and " " in name:
            forms.add(name.split()[-1])  # the surname alone counts as a mention
        regex = _mention_regex(tuple(sorted(forms)), lang)
        count, sources = 0, []
        for article, text in texts:
            hits = len(regex.findall(text))
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

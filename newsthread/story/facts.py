"""Numeric facts of a thread and the places where sources disagree about them.

Each quantity found by `numbers.scan` becomes a `Statement`: the value and the interval its
wording allows, and *what it counts*. For counts that is the noun after the number ("восемь
двусторонних документов"); for money, percentages and distances it is the subject of the
clause, found by a backward walk over the sentence (pymorphy3 cases for Russian, word shape
for English): "Товарооборот ... увеличился ... до 18,2 млрд долларов" → товарооборот. Elliptic
clauses inherit it ("..., а казахстанские в России – почти четыре миллиарда" → капиталовложения,
now Kazakh), and so do appositions ("6,5 трлн тенге, или почти 19 млрд долларов").

Statements are grouped by (concept, unit, event, role): the concept is the lemma of what is
counted folded through a small synonym table (документ ≈ соглашение, капиталовложение ≈
инвестиция); event is killed/injured/... when a casualty word is near; role marks "из 85" totals
and "в том числе" parts. Inside a group, two statements disagree when their intervals do not
overlap, they are within 3× of each other, their place qualifiers (российский vs казахстанский)
and years do not exclude each other, they are not in one sentence, and two articles are involved.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from newsthread.model import Article
from newsthread.story.doc import cache, sentences, site_label
from newsthread.story.numbers import EN_MONTHS, Quantity, scan
from newsthread.story.text import (
    STOPWORDS_EN,
    Token,
    en_lemma,
    ru_has,
    ru_parses,
    tokenize,
)

MAX_RATIO = 3.0  # values further apart than this are different quantities, not a disagreement

CONCEPTS: dict[str, set[str]] = {
    "trade": {"товарооборот", "оборот", "торговля", "trade", "turnover"},
    "investment": {"инвестиция", "капиталовложение", "вложение", "investment"},
    "agreements": {
        "документ", "соглашение", "договор", "меморандум", "контракт", "agreement", "document", "deal",
        "accord", "treaty", "memorandum", "contract",
    },
    "regions": {"регион", "субъект", "область", "region", "province"},
    "people": {"человек", "люди", "people", "person", "individual"},
    "length": {"граница", "протяжённость", "протяженность", "длина", "border", "length"},
    "area": {"площадь", "area"},
    "price": {"цена", "стоимость", "price", "cost"},
    "budget": {"бюджет", "budget"},
    "salary": {"зарплата", "salary", "wage", "pay"},
    "export": {"экспорт", "export"},
    "import": {"импорт", "import"},
    "inflation": {"инфляция", "inflation"},
    "gdp": {"ввп", "gdp"},
    "unemployment": {"безработица", "unemployment"},
    "turnout": {"явка", "turnout"},
    "damage": {"ущерб", "damage"},
    "fine": {"штраф", "fine"},
    "dead": {"погибший", "погибнуть", "умерший", "умереть", "жертва", "dead", "victim", "fatality", "death"},
    "injured": {"пострадавший", "пострадать", "раненый", "ранить", "injured", "wounded", "casualty"},
}  # fmt: skip
_CONCEPT_OF = {word: name for name, members in CONCEPTS.items() for word in members}
_COUNT_HEADS = {"число", "количество", "toll", "number", "total", "count", "tally"}

EVENTS: dict[str, tuple[str, ...]] = {
    "death": ("погиб", "гибел", "жертв", "умер", "смерт", "убит", "убил", "скончал", "жизн", "kill", "dead", "die",
              "death", "fatal", "toll"),
    "injury": ("ранен", "ранил", "пострада", "госпитализ", "травм", "injur", "wound", "hurt", "hospitali"),
    "missing": ("пропа", "missing"),
    "arrest": ("задерж", "арест", "arrest", "detain"),
    "evacuation": ("эвакуир", "эвакуац", "evacuat"),
    "infection": ("зараж", "заболе", "инфицир", "infect"),
}  # fmt: skip

_EVENT_RE = re.compile("|".join(f"(?P<{event}>{'|'.join(stems)})" for event, stems in EVENTS.items()))

_NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr", "Geox"})

RU_PREPOSITIONS = {
    "в", "во", "на", "с", "со", "к", "ко", "по", "о", "об", "обо", "от", "до", "из", "изо", "у", "за", "над",
    "под", "при", "про", "без", "для", "через", "между", "перед", "после", "вдоль", "среди", "вокруг",
    "против", "ради", "сквозь", "благодаря", "согласно", "вследствие", "относительно", "кроме", "вместо",
}  # fmt: skip
EN_PREPOSITIONS = {
    "in", "on", "at", "from", "with", "between", "to", "by", "into", "for", "against", "across", "after",
    "before", "during", "since", "under", "over", "through", "among", "near", "per", "within", "without",
}  # fmt: skip
_PART_MARKERS = (("в", "том", "числе"), ("из", "них"), ("including",), ("of", "whom"), ("of", "them"),
                 ("among", "them"), ("в", "т.ч"))  # fmt: skip
_APPOSITION = {"или", "or", "то", "есть", "i.e", "ie"}
_NON_GEO_ADJ_ENDINGS = ("ческий", "ический")
_NON_GEO_ADJ = {
    "президентский", "женский", "мужской", "детский", "городской", "морской", "человеческий", "дружеский",
    "братский", "парламентский", "министерский", "губернаторский", "депутатский", "отцовский", "материнский",
    "сельский", "всероссийский", "международный", "федеральный", "региональный", "государственный",
}  # fmt: skip
_EN_DEMONYMS = {
    "chinese": "chin", "french": "fran", "german": "germ", "british": "brit", "english": "engl", "dutch": "neth",
    "swiss": "swit", "greek": "gree", "turkish": "turk", "spanish": "spai", "polish": "pola", "danish": "denm",
    "swedish": "swed", "finnish": "finl", "irish": "irel", "welsh": "wale", "scottish": "scot", "thai": "thai",
    "japanese": "japa", "american": "amer", "us": "amer", "u.s": "amer", "usa": "amer", "uk": "brit",
    "britain": "brit", "america": "amer", "ukrainian": "ukra", "russian": "russ", "kazakh": "kaza",
    "israeli": "isra", "iranian": "iran", "iraqi": "iraq", "syrian": "syri", "afghan": "afgh", "pakistani": "paki",
    "indian": "indi", "italian": "ital", "canadian": "cana", "mexican": "mexi", "brazilian": "braz",
}  # fmt: skip
_RU_GEO_ALIASES = {"рф": "росс", "сша": "амер", "американский": "амер", "америка": "амер", "англия": "брит",
                   "английский": "брит", "британия": "брит", "британский": "брит", "великобритания": "брит",
                   "немецкий": "герм", "германия": "герм", "фрг": "герм", "кнр": "кита"}  # fmt: skip


@dataclass
class Statement:
    """One quantity stated in one sentence of one article."""

    article: Article
    sentence_id: tuple[int, int]  # (article index in the thread, sentence index)
    sentence: str
    text: str
    value: float
    low: float
    high: float
    unit: str
    kind: str
    marker: str
    counts: str = ""  # the phrase it counts / is about, as written
    head: str = ""  # lemma of the head noun
    concept: str = ""
    event: str = ""
    role: str = ""
    geo: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()  # places of prepositional groups: "в США", "в Казахстане"
    years: frozenset[str] = frozenset()
    past: bool = False  # the sentence dates its figure relatively in the past ("last year")
    date: str = ""
    in_lead: bool = False

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.concept, self.unit, self.event, self.role)


@dataclass
class Fact:
    """Statements of one value about one thing, merged across sources."""

    statements: list[Statement] = field(default_factory=list)

    @property
    def first(self) -> Statement:
        return self.statements[0]

    @property
    def articles(self) -> list[Article]:
        return list(dict.fromkeys(s.article for s in self.statements))


# --- sentence analysis ------------------------------------------------------------------------


class _Sentence:
    def __init__(self, text: str, lang: str):
        self.text = text
        self.lang = lang
        self.tokens: list[Token] = tokenize(text)
        self.quantities: list[Quantity] = scan(self.tokens, lang, text)
        self.owner = [-1] * len(self.tokens)  # token → quantity index
        for qi, q in enumerate(self.quantities):
            for k in range(q.start, q.end):
                self.owner[k] = qi

    def low(self, k: int) -> str:
        return self.tokens[k].low if 0 <= k < len(self.tokens) else ""

    def span(self, a: int, b: int) -> str:
        if a >= b:
            return ""
        return self.text[self.tokens[a].start : self.tokens[b - 1].end]

    # -- Russian word classes --
    def is_prep(self, k: int) -> bool:
        word = self.low(k)
        return word in (RU_PREPOSITIONS if self.lang == "ru" else EN_PREPOSITIONS)

    def is_noun(self, k: int) -> bool:
        tok = self.tokens[k]
        if not tok.is_word:
            return False
        if self.lang == "ru":
            parses = ru_parses(tok.low)
            return bool(parses) and parses[0].pos == "NOUN" and "Abbr" not in parses[0].grammemes
        return False

    def is_adj(self, k: int) -> bool:
        tok = self.tokens[k]
        if not tok.is_word or self.lang != "ru":
            return False
        parses = ru_parses(tok.low)
        return bool(parses) and parses[0].pos in ("ADJF", "PRTF") and ru_lemma_of(tok.low) != "который"

    def is_nominative_noun(self, k: int) -> bool:
        return ru_has(self.low(k), "NOUN", "nomn") or ru_has(self.low(k), "NOUN", "Fixd")

    def lemma(self, k: int) -> str:
        word = self.low(k)
        if self.lang == "ru":
            return ru_lemma_of(word)
        return en_lemma(word)


def ru_lemma_of(word: str) -> str:
    parses = ru_parses(word)
    return parses[0].lemma.replace("ё", "е") if parses else word


@dataclass
class _Head:
    start: int
    end: int
    head: int
    inherit: int = -1  # index of an earlier quantity whose head is reused
    override: tuple[int, ...] = ()  # qualifier words of an elliptic clause ("казахстанские")
    extra: tuple[int, int] = (-1, -1)  # antecedent of "которой" to add to the phrase
    places: tuple[int, ...] = ()  # tokens of prepositional groups skipped on the way ("в Казахстане")


def _group_ru(s: _Sentence, h: int, limit: int) -> tuple[int, int]:
    """The noun group around head h: adjectives to the left, genitive attributes to the right."""
    start = h
    while start - 1 >= 0 and s.is_adj(start - 1) and s.owner[start - 1] < 0:
        start -= 1
    end = h + 1
    while end < limit and end - h <= 5 and s.owner[end] < 0 and s.tokens[end].is_word:
        word = s.low(end)
        if word in RU_PREPOSITIONS:
            break
        if ru_has(word, "NOUN", "gent") or ru_has(word, "ADJF", "gent") or ru_has(word, "PRTF", "gent"):
            end += 1
            continue
        break
    return start, end


def _antecedent_ru(s: _Sentence, pronoun: int) -> tuple[int, int] | None:
    """The noun a relative "которая/которой" refers to (left of the comma, same gender/number)."""
    parses = [p for p in ru_parses(s.low(pronoun)) if p.lemma == "который"]
    if not parses:
        return None
    features = {g for g in parses[0].grammemes if g in ("masc", "femn", "neut", "sing", "plur")}
    k = pronoun - 1
    while k >= 0 and pronoun - k <= 4 and s.tokens[k].is_word:  # "протяжённость которой", "в которой"
        k -= 1
    if k < 0 or s.tokens[k].text != ",":
        return None
    for j in range(k - 1, max(-1, k - 8), -1):
        if not s.tokens[j].is_word:
            return None
        for p in ru_parses(s.low(j)):
            if p.pos == "NOUN" and features <= set(p.grammemes) | ({"masc", "femn", "neut"} - features):
                if "plur" in features and "plur" not in p.grammemes:
                    continue
                if "sing" in features and "sing" not in p.grammemes:
                    continue
                gender = features & {"masc", "femn", "neut"}
                if gender and not gender <= set(p.grammemes):
                    continue
                return _group_ru(s, j, k)
    return None


def _head_ru(s: _Sentence, q: Quantity, qi: int) -> _Head | None:
    k = q.start - 1
    orphans: list[int] = []
    places: list[int] = []
    extra = (-1, -1)
    content = False  # a free noun or a verb seen in this clause
    fallback = -1
    while k >= 0:
        tok = s.tokens[k]
        if s.owner[k] >= 0 and s.owner[k] != qi:
            k = s.quantities[s.owner[k]].start - 1
            continue
        word = tok.low
        if not tok.is_word:
            if word in ("-", "–", "—", "«", "»", '"', "“", "”", "%"):
                k -= 1
                continue
            if word == "," and not content:
                prev = _previous_quantity(s, qi)
                if prev is not None:
                    return _Head(-1, -1, -1, inherit=prev, override=tuple(orphans), places=tuple(places))
            break
        if word in _APPOSITION:
            k -= 1
            continue
        parses = ru_parses(word)
        top = parses[0] if parses else None
        if top is None:
            k -= 1
            continue
        if top.lemma == "который":
            antecedent = _antecedent_ru(s, k)
            if antecedent is not None:
                if "nomn" in top.grammemes or "accs" in top.grammemes and not content:
                    start, end = antecedent
                    h = _head_of(s, start, end)
                    return _Head(start, end, h)
                extra = antecedent
            k -= 1
            continue
        if top.pos == "NOUN" and (
            _NAME_GRAMMEMES & top.grammemes or q.kind in ("money", "percent") and "anim" in top.grammemes
        ):
            k -= 1  # a person or a place is not what a sum of money counts
            continue
        if (
            top.pos == "NOUN"
            and "Abbr" not in top.grammemes
            or (top.pos == "NOUN" and s.tokens[k].is_capitalized)
        ):
            # a prepositional group is skipped whole
            j = k - 1
            while j >= 0 and s.is_adj(j):
                j -= 1
            if j >= 0 and s.is_prep(j):
                places.extend(range(j + 1, k + 1))
                k = j - 1
                continue
            if s.is_nominative_noun(k) and s.owner[k] < 0:
                if j >= 0 and s.is_noun(j) and ru_has(word, "NOUN", "gent") and s.owner[j] < 0:
                    k = j  # "площадь возгорания": a genitive attribute; its head is to the left
                    continue
                start, end = _group_ru(s, k, q.start)
                start = min(start, j + 1)
                return _Head(start, end, k, override=tuple(orphans), extra=extra, places=tuple(places))
            if fallback < 0:
                fallback = k
            content = True
            k = j
            continue
        if top.pos in ("ADJF", "PRTF") and k + 1 < len(s.tokens):
            nxt = k + 1
            if not (s.is_noun(nxt) or s.is_adj(nxt)):
                orphans.append(k)
            k -= 1
            continue
        if top.pos in ("VERB", "INFN", "PRTS", "ADJS", "PRED"):
            content = True
        k -= 1
    if fallback >= 0:
        start, end = _group_ru(s, fallback, q.start)
        return _Head(start, end, fallback, override=tuple(orphans), places=tuple(places))
    return None


def _after_unit_ru(s: _Sentence, q: Quantity) -> _Head | None:
    """ "500 млн тонн нефти", "2 млрд рублей бюджетных средств": a genitive noun right after the unit."""
    k = q.end
    while k < len(s.tokens) and k - q.end < 3 and s.tokens[k].is_word and s.is_adj(k):
        k += 1
    if k < len(s.tokens) and s.is_noun(k) and ru_has(s.low(k), "NOUN", "gent") and s.owner[k] < 0:
        start, end = _group_ru(s, k, len(s.tokens))
        return _Head(q.end, end, k)
    return None


def _head_of(s: _Sentence, start: int, end: int) -> int:
    for k in range(start, end):
        if s.is_noun(k):
            return k
    return start


def _previous_quantity(s: _Sentence, qi: int) -> int | None:
    q = s.quantities[qi]
    for pj in range(qi - 1, -1, -1):
        prev = s.quantities[pj]
        if prev.kind == q.kind and prev.kind != "date":
            return pj
    return None


_EN_SKIP = {"to", "at", "by", "of", "a", "an", "the", "some", "about", "than", "more", "and", "its", "their", "his",
            "her", "it", "they", "which", "that"}  # fmt: skip


def _head_en(s: _Sentence, q: Quantity, qi: int) -> _Head | None:
    from newsthread.story.numbers import _looks_like_en_verb

    # after the unit: "$5bn in aid", "$2 billion worth of arms", "18.2 billion dollars of trade"
    k = q.end
    if s.low(k) == "worth":
        k += 1
    if s.low(k) in ("in", "of"):
        j = k + 1
        while j < len(s.tokens) and s.low(j) in ("the", "a", "an"):
            j += 1
        if j < len(s.tokens) and s.tokens[j].is_word and not s.tokens[j].is_number:
            end = j
            while end < len(s.tokens) and end - j < 3 and s.tokens[end].is_word:
                word = s.low(end)
                if word in STOPWORDS_EN or _looks_like_en_verb(word) or word in EN_MONTHS:
                    break
                end += 1
            if end > j:
                return _Head(j, end, end - 1)
    k = q.start - 1
    content = False
    while k >= 0:
        tok = s.tokens[k]
        if s.owner[k] >= 0 and s.owner[k] != qi:
            k = s.quantities[s.owner[k]].start - 1
            continue
        word = tok.low
        if not tok.is_word:
            if word in ("-", "–", "—", "'", "’", '"', "“", "”"):
                k -= 1
                continue
            if word in (",", "(") and not content:
                prev = _previous_quantity(s, qi)
                if prev is not None:
                    return _Head(-1, -1, -1, inherit=prev)
            break
        if word in _APPOSITION:
            k -= 1
            continue
        if word in STOPWORDS_EN or word in _EN_SKIP or _looks_like_en_verb(word) or word.endswith("ly"):
            content = content or _looks_like_en_verb(word)
            k -= 1
            continue
        if q.start - k > 7:
            return None
        # proper names inside a clause ("between Russia and Kazakhstan") are qualifiers, not heads
        sentence_initial = k == 0
        if tok.is_capitalized and not sentence_initial:
            k -= 1
            continue
        if k > 0 and s.is_prep(k - 1) and s.low(k - 1) != "of":
            k -= 2
            continue
        start = k
        while start - 1 >= 0 and s.tokens[start - 1].is_word and s.low(start - 1) not in STOPWORDS_EN:
            if _looks_like_en_verb(s.low(start - 1)) or s.owner[start - 1] >= 0:
                break
            start -= 1
            if k - start >= 2:
                break
        end = k + 1
        if s.low(end) == "of" and end + 1 < q.start and s.tokens[end + 1].is_word:
            end += 2
        return _Head(start, end, k)
    return None


def _event(s: _Sentence, q: Quantity) -> str:
    best, best_dist = "", 99
    lo, hi = max(0, q.start - 7), min(len(s.tokens), q.end + 7)
    for k in range(lo, hi):
        if q.num_start <= k < q.end and k != q.noun_head:
            continue
        word = s.low(k)
        if not s.tokens[k].is_word or len(word) < 3:
            continue
        match = _EVENT_RE.match(word)
        if match:
            dist = abs(k - q.num_start) - (0.5 if k > q.num_start else 0)
            if dist < best_dist:
                best, best_dist = match.lastgroup or "", dist
    if best == "infection" and q.kind not in ("people", "count"):
        return ""
    return best


def _geo(s: _Sentence, tokens: range) -> set[str]:
    result: set[str] = set()
    for k in tokens:
        if not (0 <= k < len(s.tokens)) or not s.tokens[k].is_word:
            continue
        word = s.low(k)
        if s.lang == "ru":
            for part in word.split("-"):
                parses = ru_parses(part)
                if not parses:
                    continue
                lem = parses[0].lemma.replace("ё", "е")
                if lem in _RU_GEO_ALIASES:
                    result.add(_RU_GEO_ALIASES[lem])
                elif any("Geox" in p.grammemes for p in parses[:2]) and s.tokens[k].is_capitalized:
                    result.add(lem[:4])
                elif parses[0].pos == "ADJF" and re.search(r"[сц]кий$", lem) and lem not in _NON_GEO_ADJ:
                    if not lem.endswith(_NON_GEO_ADJ_ENDINGS):
                        result.add(lem[:4])
        else:
            if word in _EN_DEMONYMS:
                result.add(_EN_DEMONYMS[word])
            elif s.tokens[k].is_capitalized and k > 0 and word not in STOPWORDS_EN and len(word) > 2:
                result.add(word[:4])
    return result


def _role(s: _Sentence, q: Quantity) -> str:
    k = q.start - 1
    # a conversion in brackets right after another figure: "60 miles (97km)", "7 km (4 miles)"
    if s.low(k) == "(" and k > 0 and s.owner[k - 1] >= 0:
        return "conversion"
    if s.low(k) in ("из", "of") or (s.low(k) == "of" and s.low(k - 1) == "out"):
        before = k - 1 - (s.low(k - 1) == "out")
        if before < 0 or s.tokens[before].text in (",", ";", ":") or s.tokens[before].is_number:
            return "total"
    if s.low(q.start - 1) in (
        "ещё",
        "еще",
        "другие",
        "других",
        "остальные",
        "остальных",
        "another",
        "other",
        "additional",
    ):
        return "part"
    for words in _PART_MARKERS:
        n = len(words)
        for back in range(1, 4):
            a = q.start - back - n + 1
            if a >= 0 and tuple(s.low(x) for x in range(a, a + n)) == words:
                return "part"
    return ""


def _concept(lemmas: list[str]) -> str:
    for lem in lemmas:
        if lem in _CONCEPT_OF:
            return _CONCEPT_OF[lem]
    return lemmas[0] if lemmas else ""


_RELATIVE_YEARS = {
    "ru": [(re.compile(r"в прошлом году|прошлогодн|в минувшем году", re.I), -1),
           (re.compile(r"в этом году|в текущем году|нынешн\w+ год", re.I), 0),
           (re.compile(r"в позапрошлом году", re.I), -2)],
    "en": [(re.compile(r"\blast year\b|\blast year's\b", re.I), -1), (re.compile(r"\bthis year\b", re.I), 0),
           (re.compile(r"\btwo years ago\b", re.I), -2)],
}  # fmt: skip


_PAST_RE = {
    "ru": re.compile(
        r"в прошлом году|в позапрошлом году|в минувшем году|годом ранее|год назад|лет назад", re.I
    ),
    "en": re.compile(r"\blast year\b|\ba year (?:ago|earlier)\b|\byears ago\b|\bthe previous year\b", re.I),
}


def _sentence_years(s: _Sentence, published_year: int | None) -> frozenset[str]:
    years = {q.date.split("/")[0] for q in s.quantities if q.kind == "date" and q.unit == "year" and q.date}
    years |= {q.date[:4] for q in s.quantities if q.kind == "date" and q.unit == "date" and q.date[:1] != "-"}
    if published_year:
        for pattern, delta in _RELATIVE_YEARS["ru" if s.lang == "ru" else "en"]:
            if pattern.search(s.text):
                years.add(str(published_year + delta))
    return frozenset(years)


def _analyse(article: Article, lang: str, index: int) -> list[Statement]:
    out: list[Statement] = []
    published_year = article.published.year if article.published else None
    for sent in sentences(article, lang):
        text = sent.text
        if not _DIGIT_RE.search(text) and not _may_have_word_numbers(text, lang):
            continue
        s = _Sentence(text, lang)
        if not s.quantities:
            continue
        years = _sentence_years(s, published_year)
        past = bool(_PAST_RE["ru" if lang == "ru" else "en"].search(text))
        heads: dict[int, tuple[str, str, str, set[str], str]] = {}
        for qi, q in enumerate(s.quantities):
            statement = _statement(s, q, qi, heads, article, (index, sent.index), years)
            if statement is not None:
                statement.in_lead = sent.index <= 1
                statement.past = past
                out.append(statement)
    return out


_WORD_NUMBER_RE = {
    "ru": re.compile(
        r"\b(?:дв[аеоу]|тр[иеёо]|четыр|пят|шест|сем|восем|девят|десят|двадцат|тридцат|сорок|пятьдесят|сто|"
        r"двест|трист|полтор|двое|трое)",
        re.IGNORECASE,
    ),
    "en": re.compile(
        r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty|"
        r"fifty|sixty|seventy|eighty|ninety|dozen)\b",
        re.IGNORECASE,
    ),
}


_DIGIT_RE = re.compile(r"\d")


def _may_have_word_numbers(text: str, lang: str) -> bool:
    return bool(_WORD_NUMBER_RE["ru" if lang == "ru" else "en"].search(text))


def _statement(
    s: _Sentence,
    q: Quantity,
    qi: int,
    heads: dict[int, tuple[str, str, str, set[str], str]],
    article: Article,
    sentence_id: tuple[int, int],
    years: frozenset[str],
) -> Statement | None:
    text_end = max(q.end, q.noun_end)
    surface = s.span(q.start, text_end)
    if q.kind == "date":
        return Statement(
            article, sentence_id, s.text, surface, q.value, q.low, q.high, q.unit, "date", "", date=q.date
        )
    counts, head_lemma, concept = "", "", ""
    geo: set[str] = set()
    lemmas: list[str] = []
    kind = q.kind
    head: _Head | None = None
    if q.noun_head >= 0:
        counts = s.span(q.noun_start, q.noun_end)
        head_lemma = s.lemma(q.noun_head)
        # genitive tail: "регионов России", "граждан Казахстана"
        tail_end = q.noun_end
        if s.lang == "ru":
            _, tail_end = _group_ru(s, q.noun_head, len(s.tokens))
        else:
            if s.low(tail_end) == "from" or s.low(tail_end) == "of":
                tail_end = min(len(s.tokens), tail_end + 2)
        geo |= _geo(s, range(q.noun_start, tail_end))
        geo |= _geo(s, range(q.num_start, q.noun_start))
        lemmas = [head_lemma] + [s.lemma(k) for k in range(q.noun_start, tail_end) if s.tokens[k].is_word]
        if _is_person(s, q.noun_head):
            kind = "people"
        concept = _concept(lemmas)
        heads[qi] = (counts, head_lemma, concept, geo, s.tokens[q.noun_head].text)
    else:
        head = _after_unit_ru(s, q) if s.lang == "ru" else None
        if head is None:
            head = _head_ru(s, q, qi) if s.lang == "ru" else _head_en(s, q, qi)
        head_word = ""
        if head is not None and head.inherit >= 0 and head.inherit in heads:
            counts, head_lemma, concept, geo, head_word = heads[head.inherit]
            geo = set(geo)
            if head.override:
                geo = _geo(s, range(min(head.override), max(head.override) + 1))
                counts = f"{' '.join(s.tokens[k].text for k in sorted(head.override))} {head_word}"
        elif head is not None and head.head >= 0:
            start, end = head.start, head.end
            counts = s.span(start, end)
            if head.extra[0] >= 0:
                antecedent = s.span(*head.extra)
                replaced = re.sub(r"(?<!\w)котор\w+", antecedent, counts, count=1)
                counts = replaced if replaced != counts else f"{counts} ({antecedent})"
            head_lemma = s.lemma(head.head)
            head_word = s.tokens[head.head].text
            lemmas = [s.lemma(k) for k in range(start, end) if s.tokens[k].is_word]
            if head.extra[0] >= 0:
                lemmas += [s.lemma(k) for k in range(*head.extra) if s.tokens[k].is_word]
            if head_lemma in _COUNT_HEADS:
                lemmas = [lem for lem in lemmas if lem not in _COUNT_HEADS] + [head_lemma]
            else:
                lemmas = [head_lemma] + [lem for lem in lemmas if lem != head_lemma]
            concept = _concept(lemmas)
            geo = _geo(s, range(start, end)) | (_geo(s, range(*head.extra)) if head.extra[0] >= 0 else set())
            if head.override:
                geo = _geo(s, range(min(head.override), max(head.override) + 1))
        if q.kind == "count" and not q.unit:
            # a bare number with a multiplier or after "число погибших": only with a counting head
            if head_lemma not in _COUNT_HEADS and concept not in ("dead", "injured", "people"):
                return None
            kind = "people" if concept in ("dead", "injured", "people") else "count"
        heads[qi] = (counts, head_lemma, concept, geo, head_word)
    places: set[str] = set()
    if q.noun_head < 0 and head is not None and head.places:
        places = _geo(s, range(min(head.places), max(head.places) + 1))
    event = _event(s, q) if kind in ("people", "count") else ""
    if kind == "count" and concept not in ("dead", "injured", "people") and event in ("death", "injury"):
        event = ""  # "40,000 homes" near "killing": the homes were not killed
    if event in ("death", "injury", "missing") and concept in ("dead", "injured", "people", ""):
        concept = "people"
    elif concept in ("dead", "injured") and kind in ("people", "count"):
        event = event or ("death" if concept == "dead" else "injury")
        concept = "people"
    if kind in ("count", "people") and q.value < 3 and not event:
        return None  # "двух стран", "two sides": not a fact worth listing
    if q.noun_head < 0 and not q.unit and head is not None and 0 <= head.start < q.start:
        if q.end - head.start <= 12:  # a bare number reads with its head: "the death toll ... rose to 15"
            surface = s.span(head.start, q.end)
    unit = q.unit or ("people" if kind == "people" else "count")
    if kind == "people":
        unit = "people"
    return Statement(
        article=article,
        sentence_id=sentence_id,
        sentence=s.text,
        text=surface,
        value=q.value,
        low=q.low,
        high=q.high,
        unit=unit,
        kind=kind,
        marker=q.marker,
        counts=counts,
        head=head_lemma,
        concept=concept,
        event=event,
        role=_role(s, q),
        geo=frozenset(geo),
        places=frozenset(places),
        years=years,
    )


_EN_PERSON = {
    "people", "person", "resident", "participant", "passenger", "child", "student", "worker", "employee",
    "soldier", "civilian", "victim", "protester", "voter", "citizen", "migrant", "refugee", "patient", "doctor",
    "officer", "delegate", "member", "tourist", "fan", "spectator", "visitor", "customer", "user", "player",
    "athlete", "journalist", "teacher", "pupil", "adult", "man", "woman", "men", "women", "troop", "firefighter",
    "dead", "injured", "wounded", "hostage", "prisoner", "suspect", "staff", "crew", "inhabitant", "attendee",
}  # fmt: skip


_RU_PERSON = {
    "человек", "люди", "житель", "гражданин", "ребенок", "ребёнок", "дети", "мужчина", "женщина", "девушка",
    "парень", "девочка", "мальчик", "подросток", "солдат", "военный", "военнослужащий", "сотрудник",
    "полицейский", "пассажир", "студент", "школьник", "пациент", "врач", "участник", "представитель",
    "депутат", "сенатор", "чиновник", "член", "заложник", "беженец", "мигрант", "турист", "болельщик",
    "зритель", "фигурант", "подозреваемый", "обвиняемый", "задержанный", "погибший", "пострадавший", "раненый",
    "умерший", "заболевший", "инфицированный", "осужденный", "пропавший", "эвакуированный", "госпитализированный",
    "спасатель", "пожарный", "горняк", "шахтер", "рабочий", "работник", "специалист", "эксперт", "учёный",
    "ученый", "журналист", "волонтер", "доброволец", "кандидат", "избиратель", "россиянин",
    "американец", "украинец", "иностранец", "жертва", "сослуживец", "срочник", "боевик", "игрок", "спортсмен",
    "делегат", "гость", "покупатель", "клиент", "пенсионер", "учитель", "преподаватель", "медик", "семья",
}  # fmt: skip
_RU_PERSON_SUFFIXES = ("тель", "ник", "щик", "чик", "ист", "анин", "янин", "ант", "ент", "ец")


def _is_person(s: _Sentence, k: int) -> bool:
    word = s.low(k)
    if s.lang == "ru":
        parses = ru_parses(word)
        if not parses:
            return False
        top = parses[0]
        lemma = top.lemma.replace("ё", "е")
        if any(p.lemma.replace("ё", "е") in _RU_PERSON for p in parses[:3]):
            return True
        return top.pos == "NOUN" and "anim" in top.grammemes and lemma.endswith(_RU_PERSON_SUFFIXES)
    return en_lemma(word) in _EN_PERSON


def article_statements(article: Article, lang: str, index: int) -> list[Statement]:
    """Statements of one article (cached on the article object; index is its place in the thread)."""
    slot = cache(article)
    key = f"statements:{lang}"
    cached = slot.get(key)
    if cached is None:
        cached = _analyse(article, lang, 0)
        slot[key] = cached
    result = []
    for st in cached:  # type: ignore[attr-defined]
        copy = Statement(**{**st.__dict__, "sentence_id": (index, st.sentence_id[1])})
        result.append(copy)
    return result


# --- grouping ---------------------------------------------------------------------------------


def _compatible_context(a: Statement, b: Statement) -> bool:
    if a.geo and b.geo and not (a.geo & b.geo):
        return False
    if a.places and b.places and not (a.places & b.places):
        return False
    if a.years and b.years and not (a.years & b.years):
        return False
    # "в прошлом году участвовали 11 тысяч" vs a figure with no time: last year's number vs this one
    return not (a.past and not b.years or b.past and not a.years)


def _overlap(a: Statement, b: Statement) -> bool:
    return a.low < b.high and b.low < a.high or a.low == b.low == a.high == b.high


def _same_statement(a: Statement, b: Statement) -> bool:
    if a.kind == "date":
        return a.date == b.date
    return (
        a.key == b.key
        and math.isclose(a.value, b.value, rel_tol=1e-9)
        and a.marker == b.marker
        and _compatible_context(a, b)
    )


def merge_facts(statements: list[Statement]) -> list[Fact]:
    facts: list[Fact] = []
    for st in statements:
        for fact in facts:
            if _same_statement(fact.first, st):
                fact.statements.append(st)
                break
        else:
            facts.append(Fact([st]))
    return facts


_KIND_WEIGHT = {
    "money": 3.0, "people": 3.0, "percent": 2.5, "distance": 2.0, "area": 2.0, "count": 2.0, "weight": 1.5,
    "volume": 1.5, "speed": 1.5, "temperature": 1.0, "date": 0.8, "duration": 0.5, "score": 0.5,
}  # fmt: skip


def _fact_score(fact: Fact) -> float:
    st = fact.first
    n = len(fact.articles)
    score = 2.0 * n + _KIND_WEIGHT.get(st.kind, 1.0)
    if st.counts:
        score += 1.0
    if any(s.in_lead for s in fact.statements):
        score += 1.0
    if st.kind == "date":
        score = 0.6 * n + (0.5 if st.date[:1] != "-" and len(st.date) > 4 else 0.0)
    if st.kind == "duration":
        score -= 1.0
    return score


# weather, ages, durations and scores legitimately differ by place and time
_NOT_COMPARED = {"date", "duration", "score", "speed", "temperature"}


def _comparable(a: Statement, b: Statement, geo_split: bool = False) -> bool:
    if a.kind in _NOT_COMPARED or b.kind in _NOT_COMPARED or not a.concept:
        return False
    if a.key != b.key or a.role in ("part", "conversion") or b.role in ("part", "conversion"):
        return False
    if a.sentence_id == b.sentence_id:
        return False
    if a.value <= 0 or b.value <= 0:
        return False
    ratio = max(a.value, b.value) / min(a.value, b.value)
    if ratio > MAX_RATIO:
        return False
    if geo_split and not (a.geo and b.geo):
        return False  # the group holds figures for different places: an unqualified one is ambiguous
    return _compatible_context(a, b)


def _geo_split(group: list[Fact]) -> bool:
    """Does a group hold figures for places that exclude each other (24 Russian vs 10 Kazakh regions)?"""
    geos = [st.geo for fact in group for st in fact.statements if st.geo]
    return any(not (a & b) for i, a in enumerate(geos) for b in geos[i + 1 :])


def _find(parent: list[int], x: int) -> int:
    """Union-find root with path halving."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _multi_voice(article: Article) -> bool:
    """A transcript records several speakers: its own figures may disagree with each other."""
    return article.source_format == "transcript"


def _single_voice_articles(fact: Fact) -> set[str]:
    return {st.article.name for st in fact.statements if not _multi_voice(st.article)}


def disagreements(facts: list[Fact]) -> list[dict]:
    """Groups of facts about one quantity whose values cannot all be true at once.

    Besides the interval test, a pair is not a disagreement when one (single-voice) article
    states both values, or when the two sides share a third figure of the same group: then the
    group counts several things ("five of the seven soldiers"). A group whose inconsistent
    values number four or more is dropped for the same reason ("20 or 200 candidates... 409...").
    """
    by_key: dict[tuple[str, str, str, str], list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.first.kind not in _NOT_COMPARED:
            by_key[fact.first.key].append(fact)
    found = []
    for key, group in by_key.items():
        if len(group) < 2:
            continue
        parent = list(range(len(group)))

        conflicted: set[int] = set()
        split = _geo_split(group)
        voices = [_single_voice_articles(f) for f in group]
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                if voices[i] & voices[j]:
                    continue
                if any(
                    k not in (i, j) and voices[k] & voices[i] and voices[k] & voices[j]
                    for k in range(len(group))
                ):
                    continue
                if _conflict(group[i], group[j], split):
                    parent[_find(parent, i)] = _find(parent, j)
                    conflicted.update((i, j))
        clusters: dict[int, list[int]] = defaultdict(list)
        for i in sorted(conflicted):
            clusters[_find(parent, i)].append(i)
        for members in clusters.values():
            facts_in = [group[i] for i in members]
            values = sorted({f.first.value for f in facts_in})
            if len(values) >= 4:
                continue
            if not any(_prominent(f) for f in facts_in):
                continue  # two passing mentions deep in two texts: too weak to call a disagreement
            # statements consistent with a conflicting one join the side-by-side view
            for i, fact in enumerate(group):
                if i in members or any(voices[i] & voices[m] for m in members):
                    continue
                if any(_comparable(fact.first, other.first, split) for other in facts_in):
                    facts_in.append(fact)
            found.append({"key": key, "facts": sorted(facts_in, key=lambda f: f.first.value)})
    return found


def _conflict(a: Fact, b: Fact, geo_split: bool) -> bool:
    for x in a.statements:
        for y in b.statements:
            if _comparable(x, y, geo_split) and not _overlap(x, y):
                return True
    return False


def _prominent(fact: Fact) -> bool:
    """Stated by two articles, or in a title or the first sentences of one."""
    return len(fact.articles) >= 2 or any(st.in_lead for st in fact.statements)


def _evolving(facts_in: list[Fact]) -> bool:
    """Do the figures only grow (or only shrink) with publication time? Then it is an update."""
    points = []
    for fact in facts_in:
        times = [st.article.timestamp for st in fact.statements if st.article.timestamp]
        if not times:
            return False
        points.append((min(times), max(times), fact.first.value))
    points.sort()
    for (_a0, a1, av), (b0, _, bv) in zip(points, points[1:], strict=False):
        if b0 <= a1 or av == bv:
            return False
    values = [v for _, _, v in points]
    return values == sorted(values) or values == sorted(values, reverse=True)


# --- JSON -------------------------------------------------------------------------------------


def _number(value: float) -> float | int:
    if value == int(value) and abs(value) < 1e15:
        return int(value)
    return round(value, 6)


def _sources(statements: list[Statement]) -> tuple[list[str], list[str]]:
    articles = list(dict.fromkeys(s.article for s in statements))
    return [site_label(a) for a in articles], [a.name for a in articles]


def _quote(sentence: str, limit: int = 300) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"


def fact_json(fact: Fact) -> dict[str, object]:
    st = fact.first
    sites, names = _sources(fact.statements)
    data: dict[str, object] = {
        "text": st.text,
        "value": st.date if st.kind == "date" else _number(st.value),
        "unit": st.unit,
        "kind": st.kind,
        "approx": st.marker,
        "counts": st.counts,
        "about": _about(st),
        "sources": sites,
        "articles": names,
        "quote": _quote(st.sentence),
    }
    if st.kind != "date" and st.marker:
        data["range"] = [_bound(st.low), _bound(st.high)]
    if st.event:
        data["event"] = st.event
    return data


def _bound(x: float) -> float | int | None:
    return None if math.isinf(x) else _number(x)


_EVENT_LABELS = {
    "ru": {"death": "погибшие", "injury": "пострадавшие", "missing": "пропавшие без вести", "arrest": "задержанные",
           "evacuation": "эвакуированные", "infection": "заболевшие"},
    "en": {"death": "people killed", "injury": "people injured", "missing": "people missing",
           "arrest": "people arrested", "evacuation": "people evacuated", "infection": "people infected"},
}  # fmt: skip


def _about(st: Statement) -> str:
    if st.kind == "date":
        return "date"
    if st.kind == "people" and st.event:
        lang = "ru" if re.search(r"[а-яё]", st.sentence, re.IGNORECASE) else "en"
        return _EVENT_LABELS[lang].get(st.event, st.event)
    what = st.counts or st.head or st.concept
    unit = {"count": "", "people": "people"}.get(st.unit, st.unit)
    label = what if not unit or unit in what else f"{what}, {unit}"
    return label


def _fold_unqualified(facts: list[Fact]) -> list[Fact]:
    """For the facts list: a figure with nothing to say what it counts joins the same figure
    stated with a subject elsewhere ("$4.99" → "$4.99 for the service")."""
    kept = [Fact(list(f.statements)) for f in facts if f.first.concept or f.first.kind == "date"]
    for fact in facts:
        if fact.first.concept or fact.first.kind == "date":
            continue
        st = fact.first
        for other in kept:
            o = other.first
            if (o.kind, o.unit, o.marker) == (st.kind, st.unit, st.marker) and math.isclose(
                o.value, st.value
            ):
                other.statements.extend(fact.statements)
                break
        else:
            kept.append(Fact(list(fact.statements)))
    return kept


def thread_facts(articles: list[Article], lang: str, limit: int = 20) -> tuple[list[dict], list[dict]]:
    """(facts, disagreements) of a thread, JSON-ready."""
    statements: list[Statement] = []
    for index, article in enumerate(articles):
        statements.extend(article_statements(article, lang, index))
    facts = merge_facts(statements)
    groups = disagreements(facts)
    ranked = sorted(_fold_unqualified(facts), key=_fact_score, reverse=True)
    # one entry per dedupe key: a statement repeated in one article is one fact
    shown = [fact_json(f) for f in ranked[:limit]]
    found = []
    for group in groups:
        facts_in = group["facts"]
        statements_json = []
        for fact in facts_in:
            sites, names = _sources(fact.statements)
            st = fact.first
            statements_json.append(
                {
                    "text": st.text,
                    "value": _number(st.value),
                    "approx": st.marker,
                    "counts": st.counts,
                    "sources": sites,
                    "articles": names,
                    "published": min(
                        (a.published.isoformat() for a in fact.articles if a.published), default=None
                    ),
                    "quote": _quote(st.sentence),
                }
            )
        first = facts_in[0].first
        found.append(
            {
                "about": _about(first),
                "unit": first.unit,
                "kind": first.kind,
                "statements": statements_json,
                "n_sources": len({n for s in statements_json for n in s["articles"]}),
                "evolving": _evolving(facts_in),
                # a transcript can disagree with itself: two speakers, one source
                "within_one_source": len({n for s in statements_json for n in s["articles"]}) == 1,
            }
        )
    found.sort(key=lambda d: (-d["n_sources"], -len(d["statements"])))
    return shown, found

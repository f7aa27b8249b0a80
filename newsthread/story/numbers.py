"""Find quantities in a tokenised sentence: numbers (digits or words), multipliers, units, dates.

`scan(tokens, lang)` returns `Quantity`s: the value, the interval the wording allows ("almost 19"
is [18.5, 19), "13" is [12.5, 13.5], "more than 20" is (20, ∞)), the unit and, for counts, the
counted noun phrase. What a money/percent/distance figure is *about* is settled later by
`newsthread.story.facts`, which sees the whole sentence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from newsthread.story.text import Token, ru_has, ru_parses

INF = math.inf

# --- lexicons --------------------------------------------------------------------------------

RU_NUMBER_WORDS = {
    "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
    "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90, "сто": 100, "двести": 200, "триста": 300, "четыреста": 400,
    "пятьсот": 500, "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
    "полтора": 1.5, "двое": 2, "трое": 3, "четверо": 4, "пятеро": 5, "шестеро": 6, "семеро": 7,
    "восьмеро": 8, "девятеро": 9, "десятеро": 10, "один": 1,
}  # fmt: skip
EN_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "one": 1,
}  # fmt: skip

RU_MULTIPLIERS = {
    "тысяча": 1e3, "тыс": 1e3, "миллион": 1e6, "млн": 1e6, "миллиард": 1e9, "млрд": 1e9,
    "триллион": 1e12, "трлн": 1e12,
}  # fmt: skip
EN_MULTIPLIERS = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "mn": 1e6,
    "bn": 1e9,
    "tn": 1e12,
}
EN_ATTACHED_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12, "trn": 1e12}

# unit word (ru lemma or surface, en lower/lemma) → (unit, kind)
RU_UNITS = {
    "доллар": ("USD", "money"), "долл": ("USD", "money"), "евро": ("EUR", "money"),
    "рубль": ("RUB", "money"), "руб": ("RUB", "money"), "тенге": ("KZT", "money"), "тенг": ("KZT", "money"),
    "гривна": ("UAH", "money"), "грн": ("UAH", "money"), "юань": ("CNY", "money"), "иена": ("JPY", "money"),
    "йена": ("JPY", "money"), "фунт": ("GBP", "money"), "рупия": ("INR", "money"), "лира": ("TRY", "money"),
    "франк": ("CHF", "money"), "сом": ("KGS", "money"), "сум": ("UZS", "money"), "лари": ("GEL", "money"),
    "процент": ("%", "percent"), "%": ("%", "percent"),
    "километр": ("km", "distance"), "км": ("km", "distance"), "метр": ("m", "distance"), "м": ("m", "distance"),
    "миля": ("mi", "distance"), "сантиметр": ("cm", "distance"), "см": ("cm", "distance"),
    "гектар": ("ha", "area"), "га": ("ha", "area"),
    "тонна": ("t", "weight"), "килограмм": ("kg", "weight"), "кг": ("kg", "weight"),
    "баррель": ("bbl", "volume"), "литр": ("l", "volume"), "кубометр": ("m3", "volume"),
    "градус": ("°", "temperature"), "балл": ("points", "score"),
    "год": ("years", "duration"), "месяц": ("months", "duration"), "неделя": ("weeks", "duration"),
    "день": ("days", "duration"), "сутки": ("days", "duration"), "час": ("hours", "duration"),
    "минута": ("minutes", "duration"), "секунда": ("seconds", "duration"),
}  # fmt: skip
EN_UNITS = {
    "dollar": ("USD", "money"), "usd": ("USD", "money"), "euro": ("EUR", "money"), "eur": ("EUR", "money"),
    "pound": ("GBP", "money"), "sterling": ("GBP", "money"), "gbp": ("GBP", "money"),
    "rouble": ("RUB", "money"), "ruble": ("RUB", "money"), "yuan": ("CNY", "money"), "yen": ("JPY", "money"),
    "rupee": ("INR", "money"), "lira": ("TRY", "money"), "tenge": ("KZT", "money"), "hryvnia": ("UAH", "money"),
    "percent": ("%", "percent"), "%": ("%", "percent"), "pct": ("%", "percent"),
    "km": ("km", "distance"), "kilometre": ("km", "distance"), "kilometer": ("km", "distance"),
    "mile": ("mi", "distance"), "metre": ("m", "distance"), "meter": ("m", "distance"),
    "foot": ("ft", "distance"), "feet": ("ft", "distance"),
    "hectare": ("ha", "area"), "acre": ("acres", "area"),
    "ton": ("t", "weight"), "tonne": ("t", "weight"), "kg": ("kg", "weight"), "kilogram": ("kg", "weight"),
    "lb": ("lb", "weight"), "barrel": ("bbl", "volume"), "litre": ("l", "volume"), "liter": ("l", "volume"),
    "degree": ("°", "temperature"), "mph": ("mph", "speed"), "kph": ("km/h", "speed"), "knot": ("kn", "speed"),
    "year": ("years", "duration"), "month": ("months", "duration"), "week": ("weeks", "duration"),
    "day": ("days", "duration"), "hour": ("hours", "duration"), "minute": ("minutes", "duration"),
}  # fmt: skip
CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "¥": "JPY", "₸": "KZT", "₴": "UAH"}

RU_MONTHS = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7, "август": 8,
    "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}  # fmt: skip
EN_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4,
    "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

# approximate markers, longest first; kind: approx | almost | more | atleast | less | atmost
RU_MARKERS: list[tuple[tuple[str, ...], str]] = [
    (("по", "меньшей", "мере"), "atleast"), (("более", "чем"), "more"), (("больше", "чем"), "more"),
    (("чуть", "более"), "more"), (("чуть", "больше"), "more"), (("чуть", "менее"), "almost"),
    (("чуть", "меньше"), "almost"), (("не", "менее"), "atleast"), (("не", "меньше"), "atleast"),
    (("не", "более"), "atmost"), (("не", "больше"), "atmost"), (("как", "минимум"), "atleast"),
    (("почти",), "almost"), (("около",), "approx"), (("порядка",), "approx"), (("примерно",), "approx"),
    (("приблизительно",), "approx"), (("ориентировочно",), "approx"), (("более",), "more"),
    (("больше",), "more"), (("свыше",), "more"), (("минимум",), "atleast"), (("менее",), "less"),
    (("меньше",), "less"), (("максимум",), "atmost"), (("превысил",), "more"), (("превысила",), "more"),
    (("превысило",), "more"), (("превысили",), "more"), (("превышает",), "more"), (("превышают",), "more"),
    (("превышать",), "more"), (("превысит",), "more"), (("почти", "в"), "almost"), (("около", "в"), "approx"),
    (("дороже",), "more"), (("дешевле",), "less"), (("свыше", "чем"), "more"),
]  # fmt: skip
EN_MARKERS: list[tuple[tuple[str, ...], str]] = [
    (("in", "excess", "of"), "more"), (("no", "fewer", "than"), "atleast"), (("no", "less", "than"), "atleast"),
    (("a", "minimum", "of"), "atleast"), (("as", "many", "as"), "approx"), (("as", "much", "as"), "approx"),
    (("more", "than"), "more"), (("just", "over"), "more"), (("upwards", "of"), "more"),
    (("at", "least"), "atleast"), (("less", "than"), "less"), (("fewer", "than"), "less"),
    (("just", "under"), "almost"), (("close", "to"), "almost"), (("up", "to"), "atmost"),
    (("at", "most"), "atmost"), (("almost",), "almost"), (("nearly",), "almost"), (("about",), "approx"),
    (("around",), "approx"), (("approximately",), "approx"), (("roughly",), "approx"), (("some",), "approx"),
    (("circa",), "approx"), (("approx",), "approx"), (("~",), "approx"), (("over",), "more"),
    (("exceeded",), "more"), (("exceeds",), "more"), (("topped",), "more"), (("tops",), "more"),
    (("under",), "less"), (("below",), "less"), (("above",), "more"), (("estimated",), "approx"),
]  # fmt: skip


def _marker_index(markers: list[tuple[tuple[str, ...], str]]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for words, kind in markers:
        index.setdefault(words[-1], []).append((words, kind))
    return index  # longest first within each list, as in the source lists


_RU_MARKER_INDEX = _marker_index(RU_MARKERS)
_EN_MARKER_INDEX = _marker_index(EN_MARKERS)

YEAR_PREPOSITIONS = {
    "в",
    "с",
    "по",
    "к",
    "до",
    "на",
    "от",
    "in",
    "since",
    "by",
    "until",
    "from",
    "of",
    "between",
    "and",
    "и",
    "—",
    "–",
}
NOT_COUNTED = {
    "раз", "место", "номер", "процент", "час", "раза", "time", "times", "place", "th", "st", "nd", "rd",
    "per", "из", "от", "of", "out",
}  # fmt: skip
_RU_CURRENCY_ADJ = {
    "швейц": {"CHF": "CHF"},
    "белор": {"RUB": "BYN"},
    "амери": {"USD": "USD"},
    "канад": {"USD": "CAD"},
    "австр": {"USD": "AUD"},
    "гонко": {"USD": "HKD"},
    "новых": {},
    "украи": {},
    "китай": {},
    "японс": {},
    "британ": {},
    "турец": {},
    "индий": {"INR": "INR"},
}
_MARKER_PREPOSITIONS = {"в", "на", "до", "с", "in", "at", "to", "by", "of"}
_RU_ABBREVIATIONS = {
    "тыс",
    "млн",
    "млрд",
    "трлн",
    "долл",
    "руб",
    "км",
    "кг",
    "см",
    "грн",
    "кв",
    "м",
    "г",
    "мин",
    "ч",
    "сек",
}
_GAP_SPACES = {" ", "\xa0", "\u202f", "\u2009"}
_NUM_RE = re.compile(r"^\d+(?:[.,]\d+)*$")


@dataclass
class Quantity:
    start: int  # first token (approximate marker or currency sign included)
    end: int  # one past the last token (unit or counted noun included)
    num_start: int
    value: float
    low: float
    high: float
    unit: str = ""
    kind: str = ""  # money percent distance area weight volume temperature duration people count date score
    marker: str = ""  # approx almost more atleast less atmost range
    marker_text: str = ""
    noun_start: int = -1  # counted noun phrase (counts) [noun_start, noun_end)
    noun_end: int = -1
    noun_head: int = -1  # token index of the counted noun
    date: str = ""  # ISO date / year for kind == "date"
    mentions: list[str] = field(default_factory=list)


# --- number parsing ---------------------------------------------------------------------------


def _adjacent(a: Token, b: Token) -> bool:
    return a.end == b.start


def _gap(text_between: str) -> bool:
    return len(text_between) == 1 and text_between in _GAP_SPACES


def parse_digits(text: str, lang: str) -> tuple[float, float] | None:
    """Digits → (value, step of the last written digit). "18,2"→(18.2, 0.1); "1,600" en→(1600, 1)."""
    if not _NUM_RE.match(text):
        return None
    if lang == "en":
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
            text = text.replace(",", "")
        text = text.replace(",", ".")
    else:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", text):
            text = text.replace(".", "")
        text = text.replace(",", ".")
    if text.count(".") > 1:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    decimals = len(text.split(".")[1]) if "." in text else 0
    return value, 10.0**-decimals


def _coarse_step(value: float, step: float) -> float:
    """The rounding step a round number implies: 20 → 10, 1600 → 100, 14 → 1, 18.2 → 0.1."""
    if step < 1 or value == 0:
        return step
    n = int(round(value))
    zeros = 0
    while n and n % 10 == 0 and zeros < 6:
        n //= 10
        zeros += 1
    coarse = 10.0**zeros
    if coarse >= value:  # "100" alone: a round hundred, about ±50
        coarse = value
    return max(step, coarse)


def interval(value: float, step: float, marker: str, has_multiplier: bool) -> tuple[float, float]:
    exact = step if has_multiplier or step < 1 else 1.0
    coarse = _coarse_step(value, step)
    if marker == "approx":
        return value - coarse / 2, value + coarse / 2
    if marker == "almost":
        return value - coarse / 2, value
    if marker in ("more", "atleast"):
        return value, INF
    if marker in ("less", "atmost"):
        return -INF, value
    return value - exact / 2, value + exact / 2


class _Scanner:
    def __init__(self, tokens: list[Token], lang: str, sentence: str, base: int = 0):
        self.t = tokens
        self.lang = lang
        self.s = sentence
        self.base = base  # offset of the sentence text in token coordinates

    def between(self, a: int, b: int) -> str:
        return self.s[self.t[a].end - self.base : self.t[b].start - self.base]

    def low(self, i: int) -> str:
        return self.t[i].low if 0 <= i < len(self.t) else ""

    # -- numbers --
    def number_at(self, i: int) -> tuple[float, float, int, bool] | None:
        """(value, step, end, is_word) of a numeral starting at token i."""
        t = self.t
        tok = t[i]
        if tok.is_number:
            parsed = parse_digits(tok.text, self.lang)
            if parsed is None:
                return None
            value, step = parsed
            j = i + 1
            # "6 000", "1 600 000": groups of three digits after a space
            if step == 1 and value < 1000 and len(tok.text) <= 3:
                while j < len(t) and re.fullmatch(r"\d{3}", t[j].text) and _gap(self.between(j - 1, j)):
                    value = value * 1000 + float(t[j].text)
                    j += 1
            return value, step, j, False
        if not tok.is_word:
            return None
        return self._word_number(i)

    def _word_value(self, i: int) -> float | None:
        word = self.low(i)
        if self.lang == "ru":
            for p in ru_parses(word):
                if p.pos == "NUMR" and p.lemma in RU_NUMBER_WORDS:
                    return RU_NUMBER_WORDS[p.lemma]
            return None
        if word in EN_NUMBER_WORDS:
            return EN_NUMBER_WORDS[word]
        if "-" in word:
            parts = word.split("-")
            if len(parts) == 2 and parts[0] in EN_NUMBER_WORDS and parts[1] in EN_NUMBER_WORDS:
                return EN_NUMBER_WORDS[parts[0]] + EN_NUMBER_WORDS[parts[1]]
        return None

    def _word_number(self, i: int) -> tuple[float, float, int, bool] | None:
        first = self._word_value(i)
        if first is None:
            return None
        total, j = first, i + 1
        if self.lang == "en" and self.low(j) == "hundred":
            total, j = total * 100, j + 1
            if self.low(j) == "and":
                j += 1
        while j < len(self.t):
            nxt = self._word_value(j)
            if nxt is None or nxt >= 1000:
                break
            # "двадцать пять", "сто двадцать": the next part must be smaller
            if nxt >= _last_part(total):
                break
            total += nxt
            j += 1
        if total == 1 and j == i + 1:
            return None  # "one"/"один" alone is too ambiguous ("one of the...")
        if self.lang == "en" and self.low(i) == "dozen" and self.low(i - 1) not in ("a", "one"):
            return None
        return total, 1.0, j, True

    # -- markers --
    def marker_before(self, i: int) -> tuple[str, str, int]:
        """An approximate marker right before token i ("почти", "more than"), also across one
        preposition ("более чем в 100 странах") and with negation ("не превысил" = at most)."""
        index = _RU_MARKER_INDEX if self.lang == "ru" else _EN_MARKER_INDEX
        for end in (i, i - 1):
            if end != i and self.low(end) not in _MARKER_PREPOSITIONS:
                continue
            for words, kind in index.get(self.low(end - 1), ()):
                n = len(words)
                if end - n < 0:
                    continue
                if tuple(self.low(k) for k in range(end - n, end)) == words:
                    start = end - n
                    if self.low(start - 1) in ("не", "not", "never") and kind in ("more", "atleast", "less"):
                        kind = "atmost" if kind != "less" else "atleast"
                        start -= 1
                    return kind, " ".join(self.t[k].text for k in range(start, i)), start
        return "", "", i

    # -- multipliers and units --
    def multiplier_at(self, j: int, attached: bool, currency: bool) -> tuple[float, int]:
        if j >= len(self.t):
            return 1.0, j
        word = self.low(j)
        if self.lang == "ru":
            for p in ru_parses(word):
                if p.lemma in RU_MULTIPLIERS and p.pos == "NOUN":
                    end = j + 1
                    if (
                        word in _RU_ABBREVIATIONS
                        and end < len(self.t)
                        and self.t[end].text == "."
                        and _adjacent(self.t[j], self.t[end])
                    ):
                        end += 1
                    return RU_MULTIPLIERS[p.lemma], end
            return 1.0, j
        if attached and word in EN_ATTACHED_MULTIPLIERS:
            if word in ("m", "b", "k") and not currency:
                return 1.0, j  # "100m" is metres, "5k" a race
            return EN_ATTACHED_MULTIPLIERS[word], j + 1
        if word in EN_MULTIPLIERS:
            return EN_MULTIPLIERS[word], j + 1
        return 1.0, j

    def unit_at(self, j: int) -> tuple[str, str, int]:
        """(unit, kind, end) of a unit word starting at token j."""
        t = self.t
        if j >= len(t):
            return "", "", j
        word = self.low(j)
        if word == "%":
            return "%", "percent", j + 1
        if self.lang == "ru":
            if word in ("кв", "квадратных", "квадратный", "квадратного") and j + 1 < len(t):
                k = j + 1 + (self.low(j + 1) == ".")
                unit, kind, end = self.unit_at(k)
                if kind == "distance":
                    return unit + "2", "area", end
            if word in ("п", "процентных", "процентного", "процентный"):
                if self.low(j + 1) in (".", "пункта", "пунктов", "пункт"):
                    end = j + 2
                    while end < len(t) and self.low(end) in (".", "п"):
                        end += 1
                    return "pp", "percent", end
            if j + 1 < len(t) and word[:5] in _RU_CURRENCY_ADJ and ru_has(word, "ADJF"):
                unit, kind, end = self.unit_at(j + 1)
                if kind == "money":
                    return _RU_CURRENCY_ADJ[word[:5]].get(unit, unit), kind, end
            candidates = [word] + [p.lemma for p in ru_parses(word) if p.pos in ("NOUN", "")]
            for cand in candidates:
                if cand in RU_UNITS:
                    if cand in ("м", "т") and j + 1 < len(t) and t[j + 1].is_word:
                        return "", "", j
                    unit, kind = RU_UNITS[cand]
                    end = j + 1
                    if (
                        word in _RU_ABBREVIATIONS
                        and end < len(t)
                        and t[end].text == "."
                        and _adjacent(t[j], t[end])
                    ):
                        end += 1
                    if unit == "USD" and self.low(end) == "сша":
                        end += 1
                    if unit == "GBP" and self.low(end) == "стерлингов":
                        end += 1
                    if unit == "km" and self.low(end) == "/" and self.low(end + 1) in ("ч", "час"):
                        return "km/h", "speed", end + 2
                    return unit, kind, end
            return "", "", j
        # English
        if word in ("square", "sq") and j + 1 < len(t):
            k = j + 1 + (self.low(j + 1) == ".")
            unit, kind, end = self.unit_at(k)
            if kind == "distance":
                return unit + "2", "area", end
        if word in ("per", "percentage") and self.low(j + 1) in ("cent", "point", "points"):
            if word == "percentage":
                return "pp", "percent", j + 2
            return "%", "percent", j + 2
        from newsthread.story.text import en_lemma

        lem = en_lemma(word)
        for cand in (word, lem):
            if cand in EN_UNITS:
                unit, kind = EN_UNITS[cand]
                end = j + 1
                if cand == "pound" and self.low(end) == "sterling":
                    end += 1
                if unit == "km" and self.low(end) == "/" and self.low(end + 1) in ("h", "hr", "hour"):
                    return "km/h", "speed", end + 2
                if (
                    cand in ("km", "kg", "lb")
                    and end < len(t)
                    and t[end].text == "."
                    and _adjacent(t[j], t[end])
                ):
                    end += 1
                return unit, kind, end
        return "", "", j

    # -- counted nouns --
    def counted_noun(self, j: int) -> tuple[int, int, int]:
        """(start, end, head) of the noun phrase a bare number counts, or (-1, -1, -1)."""
        t = self.t
        if j >= len(t) or not t[j].is_word:
            return -1, -1, -1
        if self.lang == "ru":
            k, adjectives = j, 0
            last_adj = -1
            while k < len(t) and t[k].is_word and adjectives <= 3:
                word = self.low(k)
                if word in NOT_COUNTED:
                    return -1, -1, -1
                parses = ru_parses(word)
                if not parses:
                    return -1, -1, -1
                top = parses[0]
                if top.pos == "NOUN" and "Abbr" not in top.grammemes or (top.pos == "NOUN" and word == "чел"):
                    if top.lemma in NOT_COUNTED or top.lemma in RU_MONTHS:
                        return -1, -1, -1
                    return j, k + 1, k
                if top.pos in ("ADJF", "PRTF") or ru_has(word, "ADJF") or ru_has(word, "PRTF"):
                    last_adj = k
                    adjectives += 1
                    k += 1
                    continue
                break
            if last_adj >= 0 and last_adj == k - 1:  # substantivised: "восемь погибших"
                return j, k, last_adj
            return -1, -1, -1
        from newsthread.story.text import STOPWORDS_EN

        k = j
        head = -1
        while k < len(t) and t[k].is_word and k - j < 4:
            word = self.low(k)
            if (
                word in STOPWORDS_EN
                or word in NOT_COUNTED
                or (_looks_like_en_verb(word) or word.endswith("ly"))
                and k > j
            ):
                break
            if word in EN_MONTHS and k == j:
                return -1, -1, -1
            head = k
            k += 1
            if not t[k - 1].is_capitalized and k < len(t) and t[k].is_capitalized:
                break
        if head < 0 or t[head].is_capitalized:
            return -1, -1, -1  # "11 Pro", "2016 EU": a name, not a counted noun
        return j, head + 1, head

    # -- dates --
    def date_at(self, i: int) -> Quantity | None:
        t = self.t
        low = self.low(i)
        months = RU_MONTHS if self.lang == "ru" else EN_MONTHS
        if self.lang == "en" and low in months and t[i].is_capitalized:
            j = i + 1 + (self.low(i + 1) == ".")
            if j < len(t) and re.fullmatch(r"\d{1,2}", t[j].text) and 1 <= int(t[j].text) <= 31:
                day, month, end = int(t[j].text), months[low], j + 1
                year, end = self._year_after(end)
                return self._date(i, end, year, month, day)
            return None
        if not re.fullmatch(r"\d{1,2}", t[i].text) or not 1 <= int(t[i].text) <= 31:
            return None
        j = i + 1
        if j < len(t) and t[j].text == "-" and self.low(j + 1) in ("го", "е", "м"):  # 7-го ноября
            j += 2
        if j >= len(t):
            return None
        month_word = self.low(j)
        month = None
        if self.lang == "ru":
            for p in ru_parses(month_word):
                if p.lemma in RU_MONTHS and p.pos == "NOUN":
                    month = RU_MONTHS[p.lemma]
                    break
        elif re.sub(r"['’]s$", "", month_word) in months and t[j].is_capitalized:
            month = months[re.sub(r"['’]s$", "", month_word)]
        if month is None:
            return None
        year, end = self._year_after(j + 1)
        return self._date(i, end, year, month, int(t[i].text))

    def _year_after(self, j: int) -> tuple[int | None, int]:
        t = self.t
        k = j + (self.low(j) == ",")
        if k < len(t) and re.fullmatch(r"\d{4}", t[k].text) and 1900 <= int(t[k].text) <= 2100:
            end = k + 1
            if self.low(end) in ("года", "год", "году", "г"):
                end += 1
                if self.low(end - 1) == "г" and self.low(end) == ".":
                    end += 1
            return int(t[k].text), end
        return None, j

    def _date(self, start: int, end: int, year: int | None, month: int, day: int) -> Quantity:
        iso = f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
        return Quantity(start, end, start, float(day), float(day), float(day), "date", "date", date=iso)

    def year_at(self, i: int, value: float, end: int) -> Quantity | None:
        if not (1900 <= value <= 2100 and re.fullmatch(r"\d{4}", self.t[i].text)):
            return None
        nxt = self.low(end)
        prev = self.low(i - 1)
        year_word = nxt in ("год", "года", "году", "годом", "годы", "годах", "г", "гг", "year", "years")
        if year_word:
            end += 1
            if nxt in ("г", "гг") and self.low(end) == ".":
                end += 1
        elif prev not in YEAR_PREPOSITIONS and not (self.lang == "en" and prev in EN_MONTHS):
            if end < len(self.t) and self.t[end].is_word:
                following = self.t[end]
                if (
                    self.lang == "ru"
                    or not following.is_capitalized
                    and (following.low.endswith("s") or following.low == "people")
                ):
                    return None  # "2019 people": a count, not a year
            if prev and prev[0].isdigit():
                return None
        return Quantity(i, end, i, value, value, value, "year", "date", date=f"{int(value):04d}")


def _last_part(total: float) -> float:
    """The smallest written order of a compound numeral so far (двадцать → 10s allow units)."""
    if total >= 100 and total % 100 == 0:
        return 100
    if total >= 20 and total % 10 == 0:
        return 10
    return 1


_EN_VERB_WORDS = {
    "is", "was", "were", "are", "be", "been", "has", "have", "had", "will", "would", "could", "can", "may",
    "rose", "fell", "hit", "reach", "reached", "reaches", "totaled", "totalled", "stood", "stands", "grew",
    "cost", "costs", "paid", "pay", "raised", "jumped", "topped", "exceeded", "amounted", "worth", "spent",
    "won", "lost", "made", "make", "received", "got", "said", "says", "say", "died", "die", "killed",
    "injured", "wounded", "left", "took", "gave", "signed", "sign", "rise", "fall", "rises", "falls",
    "risen", "fallen", "felt", "thought", "told", "became", "kept", "held", "brought", "began", "showed",
    "heard", "ran", "met", "sent", "built", "drew", "wrote", "sat", "put", "cut", "let", "bought", "sold",
    "led", "meant", "think", "believe", "want", "expect", "agree", "agrees", "thinks", "wants", "believes",
    "expects", "shows", "show", "remain", "remains", "become", "becomes", "stand", "went", "came", "saw",
    "found", "find", "finds", "give", "gives", "take", "takes", "goes", "go", "come", "comes",
}  # fmt: skip
_EN_NOUN_ING = {
    "building",
    "meeting",
    "wedding",
    "funding",
    "spending",
    "training",
    "hearing",
    "housing",
    "ceiling",
}


def _looks_like_en_verb(word: str) -> bool:
    if word in _EN_VERB_WORDS:
        return True
    if len(word) > 5 and word.endswith("ed"):
        return True
    return len(word) > 5 and word.endswith("ing") and word not in _EN_NOUN_ING


# --- the scanner ------------------------------------------------------------------------------


# words that can start a quantity: number words and (English) month names
_RU_STARTER = re.compile(
    r"(?:дв[аеоу]|тр[иеёо]|четыр|пят|шест|сем|восем|девят|десят|одиннадц|двенадц|тринадц|четырнадц|"
    r"пятнадц|шестнадц|семнадц|восемнадц|девятнадц|двадцат|тридцат|сорок|пятьдесят|шестьдесят|семьдесят|"
    r"восемьдесят|девяност|сто|ста|сот|двухсот|трехсот|трёхсот|четырехсот|полтор|двое|трое|четверо|пятеро|"
    r"шестеро|семеро|восьмеро|девятеро|десятеро|двух|трех|трёх|четырех|четырёх|один|одн)"
)
_EN_STARTER = re.compile(
    r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|dozen|one|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)


def scan(tokens: list[Token], lang: str, sentence: str, base: int = 0) -> list[Quantity]:
    """All quantities in one sentence's tokens, left to right, non-overlapping."""
    sc = _Scanner(tokens, lang, sentence, base)
    out: list[Quantity] = []
    i, n = 0, len(tokens)
    starter = _RU_STARTER if lang == "ru" else _EN_STARTER
    while i < n:
        tok = tokens[i]
        if not (tok.is_number or tok.text in CURRENCY_SIGNS or tok.text in ("US", "A", "C")) and not (
            tok.is_word and starter.match(tok.low)
        ):
            i += 1
            continue
        q = _quantity_at(sc, i)
        if q is None:
            i += 1
            continue
        out.append(q)
        i = max(q.end, i + 1)
    return out


def _skip_number(sc: _Scanner, i: int, end: int) -> bool:
    """Numbers that are not quantities: codes (COVID-19), times (21:00), ordinals (16-й), scores."""
    t = sc.t
    if i > 0:
        prev = t[i - 1]
        if _adjacent(prev, t[i]) and (prev.is_word or prev.text in ("-", "/", "№", "#", ".", ":")):
            if not (
                prev.text in CURRENCY_SIGNS or prev.text == "-" and i > 1 and not _adjacent(t[i - 2], prev)
            ):
                return True
        if prev.text in ("№", "#") or prev.low in ("no", "номер"):
            return True
    if end < len(t):
        nxt = t[end]
        if _adjacent(t[end - 1], nxt):
            if nxt.text in (":",) and end + 1 < len(t) and t[end + 1].is_number:
                return True
            if nxt.text == "-" and end + 1 < len(t) and t[end + 1].is_word and _adjacent(nxt, t[end + 1]):
                return sc.low(end + 1) not in ("го",)  # 16-й, 5-летний
            if nxt.text in ("/",) and end + 1 < len(t) and t[end + 1].is_number:
                return True  # 24/7, 1/2
        if nxt.text in (":",) and end + 1 < len(t) and t[end + 1].is_number:
            return True  # a score "3 : 1"
    return False


def _quantity_at(sc: _Scanner, i: int) -> Quantity | None:
    t = sc.t
    date = sc.date_at(i)
    if date is not None:
        return date
    currency = ""
    num_i = i
    if t[i].text in CURRENCY_SIGNS and i + 1 < len(t) and t[i + 1].is_number:
        currency, num_i = CURRENCY_SIGNS[t[i].text], i + 1
    elif t[i].text in ("US", "A", "C") and i + 2 < len(t) and t[i + 1].text == "$" and t[i + 2].is_number:
        currency, num_i = {"US": "USD", "A": "AUD", "C": "CAD"}[t[i].text], i + 2
    parsed = sc.number_at(num_i)
    if parsed is None:
        return None
    value, step, end, is_word = parsed
    if not is_word and _skip_number(sc, num_i, end):
        return None
    if currency and num_i > i:
        pass
    elif not is_word and i > 0 and t[i - 1].text in CURRENCY_SIGNS:
        return None  # handled from the sign
    marker, marker_text, start = sc.marker_before(i)
    if not currency and not is_word:
        year = sc.year_at(num_i, value, end)
        if year is not None:
            # a range of years "2020–2022"
            if (
                sc.low(end) in ("-", "–", "—")
                and end + 1 < len(t)
                and re.fullmatch(r"\d{4}", t[end + 1].text)
            ):
                second = sc.year_at(end + 1, float(t[end + 1].text), end + 2)
                if second is not None:
                    year.end = second.end
                    year.date = f"{year.date}/{second.date}"
            year.start = min(year.start, start) if marker else year.start
            return year
    # a range "10-15 people": keep the interval, the value is its middle
    range_high = None
    if (
        not is_word
        and end + 1 < len(t)
        and t[end].text in ("-", "–", "—")
        and t[end + 1].is_number
        and len(sc.between(end - 1, end)) <= 1
        and len(sc.between(end, end + 1)) <= 1
    ):
        second = parse_digits(t[end + 1].text, sc.lang)
        if second is not None and second[0] > value:
            range_high = second[0]
            end += 2
        else:
            return None  # a score or a code: "3-1", "2019-2"
    attached = end < len(t) and _adjacent(t[end - 1], t[end])
    mult, end2 = sc.multiplier_at(end, attached, bool(currency))
    if attached and t[end].is_word and end2 == end and not is_word:
        unit_probe = sc.unit_at(end)[0]
        if not unit_probe:
            return None  # 4K, 5G, 3D: a code, not a quantity
    has_mult = mult != 1.0
    value *= mult
    step *= mult
    if range_high is not None:
        range_high *= mult
    end = end2
    unit, kind = "", ""
    if currency:
        unit, kind = currency, "money"
    else:
        unit, kind, end3 = sc.unit_at(end)
        if unit:
            end = end3
    noun = (-1, -1, -1)
    if not unit:
        j = end
        total_of = None
        # "76 из 85 субъектов" / "76 of 85 regions": the noun comes after the second number
        if sc.low(j) in ("из", "of") and j + 1 < len(t) and t[j + 1].is_number:
            total_of = sc.number_at(j + 1)
            if total_of is not None:
                j = total_of[2]
        noun = sc.counted_noun(j)
        if noun[0] < 0:
            # a bare number ("число погибших достигло пяти", "the toll rose to 15"): kept with no unit;
            # facts keeps it only when a counting head ("число", "toll") says what it counts
            kind, unit = "count", ""
        else:
            kind, unit = "count", "count"
            if total_of is None:
                end = noun[1]
    if kind == "duration" and value > 1000:
        return None
    if range_high is not None:
        low, high = value, range_high
        value = (value + range_high) / 2
        marker = "range"
    else:
        low, high = interval(value, step, marker, has_mult)
    q = Quantity(
        start=start if marker else i,
        end=end,
        num_start=num_i,
        value=value,
        low=low,
        high=high,
        unit=unit,
        kind=kind,
        marker=marker,
        marker_text=marker_text if marker != "range" else "",
        noun_start=noun[0],
        noun_end=noun[1],
        noun_head=noun[2],
    )
    return q

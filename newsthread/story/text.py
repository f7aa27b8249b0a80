"""Text helpers for the story stage: sentences, tokens, Russian morphology, stems (ru/en).

Everything here is offline and cached: pymorphy3 parses are memoised per word form,
and PyStemmer handles the bag-of-words features of the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import Stemmer
from razdel import sentenize

# A token: a word (letters, inner hyphens/apostrophes), a number (digits with . or , inside),
# a currency/percent sign, or any other single non-space character (punctuation).
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+(?:[.,]\d+)*|\S", re.UNICODE)
_CYRILLIC_RE = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN_RE = re.compile(r"[a-z]", re.IGNORECASE)


class Token(NamedTuple):
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_number(self) -> bool:
        return self.text[0].isdigit()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()

    @property
    def is_capitalized(self) -> bool:
        return self.text[0].isupper()


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (no numbers, no punctuation)."""
    return _WORD_RE.findall(text.lower())


# --- sentences -------------------------------------------------------------------------------

_EN_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "prof", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep",
    "jr", "sr", "inc", "corp", "ltd", "co", "vs", "no", "fig", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx",
    "mt", "ft", "ave", "blvd",
}  # fmt: skip


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences of one paragraph. razdel, plus a repair pass for English abbreviations."""
    parts = [s.text.strip() for s in sentenize(text) if s.text.strip()]
    if lang != "en" or len(parts) < 2:
        return parts
    merged: list[str] = [parts[0]]
    for part in parts[1:]:
        last_word = merged[-1].rsplit(" ", 1)[-1].rstrip(".").lower()
        single_initial = len(last_word) == 1 and last_word.isalpha()
        if merged[-1].endswith(".") and (
            last_word in _EN_ABBREVIATIONS or single_initial or part[0].islower() or part[0].isdigit()
        ):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def script_ratio(text: str, lang: str) -> float:
    """Share of letters in the script of `lang` (Cyrillic for ru, Latin otherwise)."""
    cyr = len(_CYRILLIC_RE.findall(text))
    lat = len(_LATIN_RE.findall(text))
    total = cyr + lat
    if not total:
        return 0.0
    return (cyr if lang == "ru" else lat) / total


# --- Russian morphology ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parse:
    lemma: str
    pos: str  # NOUN, ADJF, VERB, PREP, NUMR, ... ("" when unknown)
    grammemes: frozenset[str]
    score: float


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=300_000)
def ru_parses(word: str) -> tuple[Parse, ...]:
    """pymorphy3 parses of a word form (lower-cased), most likely first."""
    result = []
    for p in _morph().parse(word)[:4]:
        pos = str(p.tag.POS) if p.tag.POS else ""
        result.append(Parse(str(p.normal_form), pos, frozenset(str(g) for g in p.tag.grammemes), p.score))
    return tuple(result)


def ru_lemma(word: str) -> str:
    parses = ru_parses(word.lower())
    return parses[0].lemma.replace("ё", "е") if parses else word.lower()


def ru_pos(word: str) -> str:
    parses = ru_parses(word.lower())
    return parses[0].pos if parses else ""


def ru_has(word: str, pos: str, *grammemes: str) -> bool:
    """Does any parse of `word` have this part of speech (and all of these grammemes)?"""
    for p in ru_parses(word.lower()):
        if p.pos == pos and all(g in p.grammemes for g in grammemes):
            return True
    return False


@lru_cache(maxsize=50_000)
def ru_normal_name(word: str) -> str:
    """Nominative form of a proper-name word, keeping its capitalisation ("Омске" → "Омск")."""
    low = word.lower()
    parses = _morph().parse(low)[:6]
    if not parses or not _morph().word_is_known(low):
        return word  # an unknown (often foreign) name: pymorphy would only guess its ending
    named = [p for p in parses if {"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"} & set(p.tag.grammemes)]
    pool = named or parses[:1]
    if any("nomn" in p.tag for p in pool):
        return word  # already nominative (ambiguous forms stay as written)
    best = next((p for p in pool if "sing" in p.tag or "Pltm" in p.tag), pool[0])
    if best.tag.POS not in ("NOUN", "ADJF"):
        return word
    form = best.inflect({"nomn"})
    if form is None or len(form.word) < 2 or abs(len(form.word) - len(low)) > 4:
        return word
    return _match_case(form.word, word)


# --- English lemmas and stems ----------------------------------------------------------------

_EN_IRREGULAR = {
    "people": "people", "children": "child", "men": "man", "women": "woman", "feet": "foot",
    "teeth": "tooth", "mice": "mouse", "died": "die", "dies": "die", "killed": "kill", "news": "news",
    "series": "series", "species": "species", "was": "be", "were": "be", "is": "be", "are": "be",
}  # fmt: skip


@lru_cache(maxsize=100_000)
def en_lemma(word: str) -> str:
    """A light English noun lemma: plural → singular by suffix rules."""
    w = word.lower()
    if w in _EN_IRREGULAR:
        return _EN_IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
        return w[:-1]
    return w


def lemma(word: str, lang: str) -> str:
    return ru_lemma(word) if lang == "ru" else en_lemma(word)


@lru_cache(maxsize=4)
def _stemmer(lang: str):
    return Stemmer.Stemmer("russian" if lang == "ru" else "english")


def stems(tokens: list[str], lang: str) -> list[str]:
    return _stemmer(lang).stemWords(tokens)


STOPWORDS_RU = set(
    """а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до
    его ее её если есть еще ещё же за здесь и из или им их к как когда кто ли либо между меня мне может мы
    на над надо наш не него нее неё нет ни них но ну о об однако он она они оно от очень по под после при
    про с со так также такой там те тем то того тоже той только том ты у уже хотя чего чей чем что чтобы
    эта эти это этого этой этом этот я сам свой своей своего свои этим которые который которая которое
    которых котором которой которому этих этому будет будут был была было были быть является являются
    сказал сказала заявил заявила отметил отметила сообщил сообщила год года году лет также всё свою
    ранее сегодня вчера завтра теперь сейчас раз два три один одна одно""".split()
)
STOPWORDS_EN = set(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours also said
    without within across around among off onto toward towards upon despite unless whether
    says say told tells according new one two three year years last first since may might must us its
    it's per via amid upon like get got""".split()
)


def stopwords(lang: str) -> set[str]:
    return STOPWORDS_RU if lang == "ru" else STOPWORDS_EN


def _match_case(form: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return form.upper()
    parts = re.split(r"([-])", form)
    orig_parts = re.split(r"([-])", original)
    out = []
    for k, part in enumerate(parts):
        ref = orig_parts[k] if k < len(orig_parts) else original
        out.append(part[:1].upper() + part[1:] if ref[:1].isupper() else part)
    return "".join(out)


@lru_cache(maxsize=50_000)
def ru_normal_phrase(phrase: str) -> str:
    """Nominative of a Russian name phrase: "Астраханской области" → "Астраханская область",
    "Республики Казахстан" → "Республика Казахстан" (words after the head noun stay)."""
    words_ = phrase.split()
    if len(words_) == 1:
        return ru_normal_name(phrase)
    morph = _morph()
    parsed = [morph.parse(w.lower()) for w in words_]
    head = next((k for k, ps in enumerate(parsed) if ps and ps[0].tag.POS == "NOUN"), None)
    if head is None or not morph.word_is_known(words_[head].lower()):
        return phrase
    noun = parsed[head][0]
    number = "plur" if "plur" in noun.tag and "Pltm" not in noun.tag else "sing"
    gender = noun.tag.gender
    out = list(words_)
    noun_form = noun.inflect({"nomn", number}) if number == "sing" else noun.inflect({"nomn", "plur"})
    if noun_form:
        out[head] = _match_case(noun_form.word, words_[head])
    for k in range(head):
        adj = next((p for p in parsed[k] if p.tag.POS in ("ADJF", "PRTF")), None)
        if adj is None:
            continue
        wanted = (
            {"nomn", "plur"} if number == "plur" else {"nomn", "sing", gender} if gender else {"nomn", "sing"}
        )
        form = adj.inflect(wanted)
        if form:
            out[k] = _match_case(form.word, words_[k])
    return " ".join(out)


_PERSON_GRAMMEMES = {"Name", "Surn", "Patr"}


@lru_cache(maxsize=50_000)
def ru_person_normal(name: str) -> str:
    """Nominative of a Russian person name, surname agreeing with the first name's gender:
    "Кирилла Серебренникова" → "Кирилл Серебренников", "Юрию Итину" → "Юрий Итин"."""
    morph = _morph()
    words_ = name.split()
    gender = None
    for w in words_:
        for p in morph.parse(w.lower())[:4]:
            if "Name" in p.tag and p.tag.gender in ("masc", "femn"):
                gender = p.tag.gender
                break
        if gender:
            break
    out = []
    for w in words_:
        parses = [p for p in morph.parse(w.lower())[:8] if _PERSON_GRAMMEMES & set(p.tag.grammemes)]
        if gender:
            agreeing = [p for p in parses if p.tag.gender == gender or "ms-f" in p.tag or "GNdr" in p.tag]
            parses = agreeing or parses
        parses = [p for p in parses if "sing" in p.tag or "Sgtm" in p.tag] or parses
        if not parses or any("nomn" in p.tag for p in parses[:1]):
            out.append(w)
            continue
        form = parses[0].inflect({"nomn", "sing"})
        out.append(_match_case(form.word, w) if form and abs(len(form.word) - len(w)) <= 4 else w)
    return " ".join(out)


def ru_is_common_noun(word: str) -> bool:
    """A dictionary common noun (not a name): "Американку", "Жительницу"."""
    parses = _morph().parse(word.lower())[:3]
    return (
        bool(parses)
        and all(
            p.tag.POS in ("NOUN", "ADJF", "NPRO")
            and not (_PERSON_GRAMMEMES | {"Geox", "Orgn"}) & set(p.tag.grammemes)
            for p in parses
        )
        and _morph().word_is_known(word.lower())
    )

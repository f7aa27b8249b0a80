"""Who is speaking in a headline: "…, заявил Фадеев", "Farage says …", "Путин: «…»".

The labelling guideline counts a statement by a different person as its own event, yet such
an article repeats the event's words in its text. `speaker(title, lang)` returns the speaker
span of a reported-speech headline (or None); clustering then lowers the similarity of two
articles when one quotes a speaker the other's headline does not name.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RU_VERB = (
    r"(?:заявил|сказал|рассказал|отметил|сообщил|признал|пообещал|предупредил|объяснил|"
    r"прокомментировал|ответил|назвал|раскритиковал|потребовал|призвал|предложил|допустил|"
    r"оценил|пояснил|выразил|заверил|добавил|указал|уточнил|подчеркнул|спрогнозировал|"
    r"поддержал|осудил|обвинил|опроверг|высказал|усомнил|пожаловал|признал)"
    r"(?:а|о|и|ли|ла|ло|ся|ась|ись|ось)?"
    r"|(?:считает|считают|уверен|уверена|уверены|опасается|опасаются|полагает|полагают)"
)
_EN_VERB = (
    r"(?:says|said|claims|warns|insists|tells|urges|slams|blasts|criticises|criticizes|praises|"
    r"cheers|retorts|responds|reacts|hits back|calls for|calls on|denies|dismisses|defends|vows|"
    r"pledges|accuses|questions|demands|believes|thinks|explains|suggests|predicts|rejects)"
)
_WHO_RU = r"(?P<who>(?:(?:в|во|на)\s+)?[А-ЯЁA-Z][^,:;«»\"“”()|]{1,60}?)"
_WHO_EN = r"(?P<who>[A-Z][^,:;«»\"“”‘’'()|]{1,60}?)"
_NAME_RU = r"(?P<who>[А-ЯЁA-Z][\w.-]*(?:\s+[А-ЯЁA-Z][\w.-]*){0,3})"
_NAME_EN = r"(?P<who>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"
# (pattern, the speaker must contain a name): a bare "X: …" prefix is often a topic, not a person.
_PATTERNS: dict[str, list[tuple[re.Pattern[str], bool]]] = {
    "ru": [
        (re.compile(rf",\s*(?:[—–-]\s*)?(?:{_RU_VERB})\s+{_WHO_RU}\s*$"), False),  # "…, заявил Фадеев"
        (re.compile(rf"^{_WHO_RU}\s+(?:{_RU_VERB})\b"), False),  # "Фадеев заявил …", "В СФ опровергли …"
        (re.compile(rf"[»\"”]\s*[—–-]\s*{_NAME_RU}\s*$"), False),  # "«…» — Макгирт"
        (re.compile(rf"^{_NAME_RU}\s+(?:о|об|про)\s+[^:]{{3,}}:\s"), True),  # "Трамп о Brexit: …"
        (re.compile(rf"^{_NAME_RU}:\s"), True),  # "Кожевников: …"
    ],
    "en": [
        (re.compile(rf",\s*(?:{_EN_VERB})\s+{_WHO_EN}\s*$"), False),  # "…, says Farage"
        (re.compile(rf"['’\"”]\s*,?\s*(?:{_EN_VERB})\s+{_WHO_EN}\s*$"), False),  # "'…' says Farage"
        (re.compile(rf"^{_NAME_EN}\s+(?i:{_EN_VERB})\b"), False),  # "Farage Says …"
        (re.compile(rf"^{_NAME_EN}\s+on\s+[^:]{{3,}}:\s*['‘\"“]"), True),  # "Raikkonen on X: '…'"
        (re.compile(rf"^{_NAME_EN}:\s*['‘\"“]"), True),  # "Johnson: '…'"
        (re.compile(rf"^['‘\"“].+['’\"”]\s*[-–—:]\s*{_NAME_EN}\s*$"), False),  # "'…' - Ramaphosa"
    ],
}
# Attributions to the press or to a document are not a separate speaker.
_NOT_SPEAKERS = frozenset(
    "сми источник источники журналист издание media report reports sources source study survey poll "
    "data video photo police".split()
)


_VERB_CHECK = {"ru": re.compile(_RU_VERB), "en": re.compile(_EN_VERB, re.IGNORECASE)}
_VERB_PATTERNS = {"ru": 2, "en": 3}  # the first patterns of each language need a speech verb


def speaker(title: str, lang: str) -> tuple[str, bool] | None:
    """(speaker span, must contain a name) of a reported-speech headline, else None."""
    patterns = _PATTERNS.get(lang, ())
    if patterns and not _VERB_CHECK[lang].search(title):
        patterns = patterns[_VERB_PATTERNS[lang] :]  # cheap pre-check: most headlines quote nobody
    for pattern, needs_name in patterns:
        match = pattern.search(title)
        if match:
            who = match.group("who").strip(" -–—")
            if who and who.lower() not in _NOT_SPEAKERS:
                return who, needs_name
    return None


# Headlines are read again at every re-clustering of the live server: cached per headline.
CACHED_HEADLINES = 1 << 17


@lru_cache(maxsize=CACHED_HEADLINES)
def speaker_terms(title: str, lang: str, analyzer) -> frozenset[str] | None:
    """Lower-cased normal forms of the headline's speaker, or None when nobody is quoted."""
    found = speaker(title, lang)
    if found is None:
        return None
    who, needs_name = found
    if needs_name and lang == "ru" and _is_place(who, analyzer):
        return None  # "Россия: суд оштрафовал …", "Греция: мигранты …": a rubric, not a speaker
    terms = analyzer.terms(who, lang)
    if needs_name and not any(t[:1].isupper() for t in terms):
        return None
    result = frozenset(t.lower() for t in terms) - _NOT_SPEAKERS
    return result or None


def _is_place(who: str, analyzer) -> bool:
    """A one-word span pymorphy3 tags as a place name (the analyzer's morphology, if it has one)."""
    morph = getattr(analyzer, "_morph", None)
    if morph is None or " " in who:
        return False
    parses = morph.parse(who)
    return bool(parses) and "Geox" in parses[0].tag


# What a headline does besides reporting a happening. The Toloka instruction of the contest's
# pair markup: "different threads when ... one describes an event (or preparation to it) while
# the other reports a result". Opinion and review pieces are not the event either.
_KIND_PATTERNS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "en": [
        (
            "opinion",
            re.compile(r"^(?:opinion|commentary|analysis|editorial|column)\b|\breview\b|\?\s*$", re.I),
        ),
        (
            "preview",
            re.compile(
                r"\b(?:could|may|might|would|expected to|set to|poised to|likely to|to announce|"
                r"looms?|ahead of|preview)\b",
                re.I,
            ),
        ),
    ],
    "ru": [
        ("opinion", re.compile(r"^(?:мнение|колонка|рецензия|комментарий)\b|\?\s*$", re.I)),
    ],
}
KINDS = ("report", "opinion", "preview")


@lru_cache(maxsize=CACHED_HEADLINES)
def headline_kind(title: str, lang: str) -> int:
    """0 report, 1 opinion/review/question, 2 preview/expectation (index into KINDS)."""
    for name, pattern in _KIND_PATTERNS.get(lang, ()):
        if pattern.search(title):
            return KINDS.index(name)
    return 0

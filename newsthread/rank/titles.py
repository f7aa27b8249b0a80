"""Headline quality: which article's title can stand for a thread.

A thread title should state the event: not a question, not clickbait, not a bare quote, not a
two-word fragment, not a live blog or a review. `title_flaws(title, lang)` names what is wrong
with a headline (empty = a plain news headline); `clean_title` drops a trailing site name.
"""

from __future__ import annotations

import re

# Squirrel's "nasty" rule (contract §4.1): en titles under 16 bytes, ru under 30, fewer than 3 words.
MIN_BYTES = {"en": 16, "ru": 30}
MIN_WORDS = 3

_CLICKBAIT = {
    "en": re.compile(
        r"\b(?:you won'?t believe|you need to|here'?s (?:why|what|how)|this is why|what happens next|"
        r"will (?:shock|blow|amaze)|the reason why|everything you need|things you|things to know|"
        r"must[- ]see|can'?t miss|jaw-dropping|mind-blowing|shocking|unbelievable|incredible|"
        r"\d+ (?:things|ways|reasons|photos|pictures|signs|tips|facts)\b|top \d+|best \w+ of)",
        re.IGNORECASE,
    ),
    "ru": re.compile(
        r"(?:вы не поверите|шок\b|шокирующ|сенсаци|невероятн|такого вы|вот почему|вот что|вот как|"
        r"узнайте|смотрите|не поверишь|\d+ (?:способ|причин|фото|признак|совет|факт|вещ)|топ-?\d+)",
        re.IGNORECASE,
    ),
}
_NOT_A_REPORT = {
    "en": re.compile(
        r"^(?:opinion|commentary|analysis|explainer|editorial|column|live|in pictures|in pics|photos|"
        r"gallery|podcast|quiz|letters|review|watch)\b\s*[:|–—-]|\b(?:live updates|live blog|"
        r"as it happened|review)\b",
        re.IGNORECASE,
    ),
    "ru": re.compile(
        r"^(?:мнение|колонка|комментарий|аналитика|обзор|онлайн|трансляция|фото|видео|"
        r"фоторепортаж|тест|опрос|рецензия)\s*[:.|–—-]|(?:онлайн-трансляция|прямая трансляция|"
        r"главное за|дайджест|итоги дня|\(обзор\))",
        re.IGNORECASE,
    ),
}
_QUOTE_OPEN = "«\"“„'‘"
_QUOTE_CLOSE = "»\"”“'’"
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+([^|–—-]{2,40})$")
_WORD = re.compile(r"\w+")


def title_flaws(title: str, lang: str = "en") -> list[str]:
    """Reasons a headline is a poor thread title (empty list: fine)."""
    flaws: list[str] = []
    text = title.strip()
    if not text:
        return ["empty"]
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS or len(text.encode()) < MIN_BYTES.get(lang, 16):
        flaws.append("short")
    if text.endswith("?"):
        flaws.append("question")
    if text.endswith("!") or text.endswith("…") or text.endswith("..."):
        flaws.append("exclamation")
    elif text.endswith("."):
        flaws.append("full stop")  # a sentence or a lead pasted as the headline
    if text[0] in _QUOTE_OPEN and _is_quote_only(text):
        flaws.append("quote")
    upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
    if upper + lower >= 12 and upper > 0.7 * (upper + lower):
        flaws.append("caps")
    clickbait = _CLICKBAIT.get(lang)
    if clickbait is not None and clickbait.search(text):
        flaws.append("clickbait")
    genre = _NOT_A_REPORT.get(lang)
    if genre is not None and genre.search(text):
        flaws.append("not a report")
    return flaws


def _is_quote_only(text: str) -> bool:
    """The headline is (almost) only a quotation: «…» or «…» — Name."""
    closing = max(text.rfind(c) for c in _QUOTE_CLOSE)
    if closing < 0.6 * len(text):
        return False
    rest = text[closing + 1 :].strip(" -–—:,.")
    return len(_WORD.findall(rest)) <= 3


def clean_title(title: str, site: str = "", host: str = "") -> str:
    """The headline without a trailing " | Site" / " - Site" naming its own outlet."""
    text = " ".join(title.split())
    match = _SITE_SUFFIX.search(text)
    if match:
        tail = _norm(match.group(1))
        names = {_norm(site), _norm(host), _norm(host.split(".")[0]) if host else ""} - {""}
        if tail and any(tail == name or tail in name or name in tail for name in names):
            text = text[: match.start()].rstrip()
    return text


def _norm(value: str) -> str:
    return re.sub(r"[^\w]", "", value.lower())

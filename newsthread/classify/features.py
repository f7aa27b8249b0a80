"""Article → hashed sparse features: stemmed words and word pairs of the title and lead, plus shape.

Only the text is used (title, description, first paragraphs) and a few layout facts; the URL and
the host are left out on purpose, since the weak labels come from them (see rules.py).

Speed: every distinct raw token is normalised (stemmed) and hashed once and cached as integers;
word pairs and namespaces are then mixed with integer arithmetic over the whole batch in numpy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp
import Stemmer
from sklearn.utils import murmurhash3_32

from newsthread.model import Article

_INNER = re.compile(r"\w+(?:[-'’]\w+)*%?|[$€£₽]")
_CYRILLIC = re.compile(r"[а-яё]")
_SCORE = re.compile(r"^\d{1,2}:\d{1,2}$")
_NUMBER = re.compile(r"^\d+(?:[.,:]\d+)*%?$")
_HAS_DIGIT = re.compile(r"\d")

_STEM_RU = Stemmer.Stemmer("russian")
_STEM_EN = Stemmer.Stemmer("english")

# Function words carry no topic; dropping them keeps the word pairs meaningful.
_STOP = frozenset(
    "the a an of to in on at for and or but is are was were be been by with from as that this it its "
    "has have had will would can could not no he she they we you i his her their our your my me him "
    "them us do does did so if than then there here about into over after before up out more most "
    "also just all any some what which who whom whose when where why how while s t "
    "и в во не на с со что как а то к ко у о об от по из за для до же ли бы ни но или да это этот эта "
    "эти его ее её их он она они мы вы я ты был была были быть будет так уже при под над без после "
    "также который которая которые которых чтобы если где когда еще ещё только все всё".split()
)
_FIRST_PERSON = frozenset("i my me mine я мне мой моя меня".split())
_SECOND_PERSON = frozenset("you your yours вы вас вам ваш ваша ты тебе тебя".split())

# Namespaces and word pairs are mixed into the 32-bit word hashes with these odd constants.
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xC2B2AE3D27D4EB4F)
_SALT_TITLE = np.uint64(0x165667B19E3779F9)
_SALT_TITLE_PAIR = np.uint64(0x27D4EB2F165667C5)
_SALT_PAIR = np.uint64(0x85EBCA77C2B2AE63)


def _number_shape(token: str) -> str:
    if _SCORE.match(token):
        return "<score>"
    if token.endswith("%"):
        return "<pct>"
    digits = sum(ch.isdigit() for ch in token)
    if digits == 4 and token[:2] in ("19", "20"):
        return "<year>"
    return f"<num{min(digits, 5)}>"


def normalise(raw: str) -> list[str]:
    """One lower-cased whitespace token → its word features: stems, number shapes, currency signs."""
    raw = raw.replace("ё", "е")
    stripped = raw.strip("\"'«»“”„’()[]{}.,;:!?…—–-*/|")
    if stripped and _NUMBER.match(stripped):
        return [_number_shape(stripped)]
    out = []
    for token in _INNER.findall(raw):
        if _HAS_DIGIT.search(token):
            if token[0].isdigit() and _NUMBER.match(token):
                out.append(_number_shape(token))
            continue
        if token in _FIRST_PERSON:
            out.append("<p1>")  # essays and advice speak to or as a person; news rarely does
            continue
        if token in _SECOND_PERSON:
            out.append("<p2>")
            continue
        if token in _STOP or (len(token) < 2 and token.isalpha()):
            continue
        out.append(_STEM_RU.stemWord(token) if _CYRILLIC.search(token) else _STEM_EN.stemWord(token))
    return out


def words(text: str) -> list[str]:
    """Lower-cased stems of the words of `text`; numbers become shapes; function words go."""
    return list(chain.from_iterable(normalise(raw) for raw in text.lower().split()))


def _hash(feature: str) -> int:
    return murmurhash3_32(feature, positive=True)


_FORM = re.compile(r"[а-яёa-z]+")


def russian_forms(text: str) -> list[str]:
    """Lower-cased word forms: the unit of the distilled embedding scores (see model.py)."""
    return _FORM.findall(text.lower())


def murmur_keys(tokens: Sequence[str]) -> np.ndarray:
    """32-bit murmur hashes of tokens (uint32): exact keys of the word-form score table."""
    return np.fromiter((_hash(t) for t in tokens), dtype=np.uint32, count=len(tokens))


class _TokenCache:
    """raw whitespace token → hashed ids of its word features and murmur keys of its word forms,
    each computed on first sight (bounded caches)."""

    def __init__(self, limit: int = 500_000):
        self.limit = limit
        self.ids: dict[str, tuple[int, ...]] = {}
        self.forms: dict[str, tuple[int, ...]] = {}

    def features(self, raws: list[str]) -> list[int]:
        found = list(map(self.ids.get, raws))
        if None in found:
            for i, value in enumerate(found):
                if value is None:
                    value = found[i] = tuple(_hash(w) for w in normalise(raws[i]))
                    if len(self.ids) < self.limit:
                        self.ids[raws[i]] = value
        return list(chain.from_iterable(found))

    def form_keys(self, raws: list[str]) -> list[int]:
        found = list(map(self.forms.get, raws))
        if None in found:
            for i, value in enumerate(found):
                if value is None:
                    value = found[i] = tuple(_hash(f) for f in _FORM.findall(raws[i]))
                    if len(self.forms) < self.limit:
                        self.forms[raws[i]] = value
        return list(chain.from_iterable(found))


def _bucket(value: float) -> int:
    return int(math.log2(1 + value))


def shape_tokens(article: Article) -> list[str]:
    """Layout facts that separate news from how-tos, listicles, essays and product pages."""
    title = article.title.strip()
    text_chars = sum(len(p) for p in article.paragraphs)
    tokens = [
        f"lang={article.lang}",
        f"title_len={_bucket(len(title.split()))}",
        f"text_len={_bucket(text_chars / 100)}",
        f"paragraphs={_bucket(len(article.paragraphs))}",
    ]
    if not article.description:
        tokens.append("no_description")
    if not article.author:
        tokens.append("no_author")
    if title.endswith("?"):
        tokens.append("title?")
    if title.endswith("!"):
        tokens.append("title!")
    if title[:1].isdigit():
        tokens.append("title_starts_digit")
    if ":" in title:
        tokens.append("title_colon")
    if title[:1] in "«\"'“":
        tokens.append("title_quoted")
    if title and title.upper() == title and any(ch.isalpha() for ch in title):
        tokens.append("title_caps")
    if "|" in title or " / " in title:
        tokens.append("title_pipe")
    return [f"s:{t}" for t in tokens]


class ArticleFeaturizer:
    """Hashes an article's title words (own namespace), title word pairs, lead words (title
    included), lead word pairs and shape tokens into `n_features` binary columns, rows L2-normed."""

    def __init__(self, n_features: int = 2**18, lead_chars: int = 1000):
        self.n_features = n_features
        self.lead_chars = lead_chars
        self._cache = _TokenCache()
        self._shape_ids: dict[str, int] = {}

    def lead_text(self, article: Article) -> str:
        parts = [article.description]
        size = len(article.description)
        for paragraph in article.paragraphs:
            if size >= self.lead_chars:
                break
            if paragraph and paragraph not in article.description:
                parts.append(paragraph)
                size += len(paragraph)
        return " ".join(parts)[: self.lead_chars]

    def _shape_id(self, token: str) -> int:
        found = self._shape_ids.get(token)
        if found is None:
            found = self._shape_ids[token] = _hash(token)
        return found

    def transform(self, articles: Sequence[Article]) -> sp.csr_matrix:
        return self.transform_with_forms(articles, forms_for=())[0]

    def transform_with_forms(
        self, articles: Sequence[Article], forms_for: tuple[str, ...] = ("ru",)
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The feature matrix, plus the word-form keys (and their row numbers) of the title and
        lead of articles whose language is in `forms_for`."""
        title_ids: list[int] = []
        lead_ids: list[int] = []
        shape_ids: list[int] = []
        title_doc: list[int] = []
        lead_doc: list[int] = []
        shape_doc: list[int] = []
        form_keys: list[int] = []
        form_doc: list[int] = []
        cache = self._cache
        for row, article in enumerate(articles):
            title_raw = article.title.lower().split()
            lead_raw = self.lead_text(article).lower().split()
            title = cache.features(title_raw)
            body = cache.features(lead_raw)
            shapes = [self._shape_id(t) for t in shape_tokens(article)]
            title_ids += title
            lead_ids += body
            shape_ids += shapes
            title_doc += [row] * len(title)
            lead_doc += [row] * len(body)
            shape_doc += [row] * len(shapes)
            if article.lang in forms_for:
                keys = cache.form_keys(title_raw + lead_raw)
                form_keys += keys
                form_doc += [row] * len(keys)
        n = np.uint64(self.n_features)
        title_arr = np.asarray(title_ids, dtype=np.uint64)
        lead_arr = np.asarray(lead_ids, dtype=np.uint64)
        title_rows = np.asarray(title_doc, dtype=np.int64)
        lead_rows = np.asarray(lead_doc, dtype=np.int64)
        columns = [
            title_arr % n,  # title words count as ordinary words too
            _mix(title_arr, _SALT_TITLE) % n,
            _pairs(title_arr, title_rows, _SALT_TITLE_PAIR) % n,
            lead_arr % n,
            _pairs(lead_arr, lead_rows, _SALT_PAIR) % n,
            np.asarray(shape_ids, dtype=np.uint64) % n,
        ]
        rows = [
            title_rows,
            title_rows,
            _pair_rows(title_rows),
            lead_rows,
            _pair_rows(lead_rows),
            np.asarray(shape_doc, dtype=np.int64),
        ]
        col = np.concatenate(columns).astype(np.int64)
        row_idx = np.concatenate(rows)
        matrix = sp.csr_matrix(
            (np.ones(len(col), dtype=np.float32), (row_idx, col)), shape=(len(articles), self.n_features)
        )
        matrix.sum_duplicates()
        matrix.data[:] = 1.0  # presence, not counts
        norms = np.sqrt(np.diff(matrix.indptr)).astype(np.float32)
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
        return matrix, np.asarray(form_keys, dtype=np.uint32), np.asarray(form_doc, dtype=np.int64)


def _mix(ids: np.ndarray, salt: np.uint64) -> np.ndarray:
    with np.errstate(over="ignore"):
        return ((ids + salt) * _MIX_A) >> np.uint64(33)


def _same_doc_pairs(rows: np.ndarray) -> np.ndarray:
    return rows[1:] == rows[:-1] if len(rows) > 1 else np.zeros(0, dtype=bool)


def _pairs(ids: np.ndarray, rows: np.ndarray, salt: np.uint64) -> np.ndarray:
    """Hashes of consecutive word pairs inside each document."""
    keep = _same_doc_pairs(rows)
    if not keep.any():
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        mixed = (ids[:-1][keep] * _MIX_A) ^ (ids[1:][keep] * _MIX_B) ^ salt
        return (mixed * _MIX_A) >> np.uint64(33)


def _pair_rows(rows: np.ndarray) -> np.ndarray:
    keep = _same_doc_pairs(rows)
    return rows[:-1][keep] if keep.any() else np.zeros(0, dtype=np.int64)

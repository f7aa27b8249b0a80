"""Article → hashed sparse features: stemmed words and word pairs of the title and lead, plus shape.

Only the text is used (title, description, first paragraphs) and a few layout facts; the URL and
the host are left out on purpose, since the weak labels come from them (see rules.py).

Speed: every distinct raw token is normalised (stemmed) and hashed (CRC-32) once and cached as
integers; word pairs and namespaces are then mixed with integer arithmetic over the whole batch in
numpy. Prediction needs numpy only (no scipy / scikit-learn import in every worker process).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
import Stemmer

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

# Characters of description and first paragraphs read after the title (the median article has
# ~1,400). Trained with the last random wave of hand labels held out (2,164 news), agreement with
# its readers for 600 / 1500 / 3000 / 6000: en 0.903 / 0.910 / 0.918 / 0.916, ru 0.932 / 0.934 /
# 0.932 / 0.936. 3000 keeps most of the gain; scoring takes ~1.25x as long as at 1500.
LEAD_CHARS = 3000

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


_PUNCT = "\"'«»“”„’()[]{}.,;:!?…—–-*/|"


def normalise(raw: str) -> list[str]:
    """One lower-cased whitespace token → its word features: stems, number shapes, currency signs."""
    stripped = raw.strip(_PUNCT).replace("ё", "е")
    if stripped.isalpha():  # the common case: one plain word
        return _word(stripped)
    if stripped and _NUMBER.match(stripped):
        return [_number_shape(stripped)]
    out = []
    for token in _INNER.findall(stripped):
        if _HAS_DIGIT.search(token):
            if token[0].isdigit() and _NUMBER.match(token):
                out.append(_number_shape(token))
            continue
        out += _word(token)
    return out


def _word(token: str) -> list[str]:
    if token in _FIRST_PERSON:
        return ["<p1>"]  # essays and advice speak to or as a person; news rarely does
    if token in _SECOND_PERSON:
        return ["<p2>"]
    if token in _STOP or (len(token) < 2 and token.isalpha()):
        return []
    return [_STEM_RU.stemWord(token) if _CYRILLIC.search(token) else _STEM_EN.stemWord(token)]


def words(text: str) -> list[str]:
    """Lower-cased stems of the words of `text`; numbers become shapes; function words go."""
    return list(chain.from_iterable(normalise(raw) for raw in text.lower().split()))


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8"))


_FORM = re.compile(r"[а-яёa-z]+")


def russian_forms(text: str) -> list[str]:
    """Lower-cased word forms: the unit of the distilled embedding scores (see model.py)."""
    return _FORM.findall(text.lower())


def form_keys(tokens: Sequence[str]) -> np.ndarray:
    """32-bit hashes of word forms (uint32): the exact keys of the word-form score table."""
    return np.fromiter((_hash(t) for t in tokens), dtype=np.uint32, count=len(tokens))


class _TokenCache:
    """raw whitespace token → hashed ids of its word features / hashes of its word forms.
    Misses go through a second cache keyed by the token without its punctuation, so "said," and
    "said" are stemmed once (bounded caches; every process fills its own)."""

    def __init__(self, limit: int = 200_000):
        self.limit = limit
        self.ids: dict[str, tuple[int, ...]] = {}
        self.forms: dict[str, tuple[int, ...]] = {}
        self._word_ids: dict[str, tuple[int, ...]] = {}
        self._word_forms: dict[str, tuple[int, ...]] = {}

    def features(self, raws: list[str]) -> list[int]:
        found = list(map(self.ids.get, raws))
        if None in found:
            self._fill(raws, found, self.ids, self._word_ids, lambda w: tuple(_hash(f) for f in normalise(w)))
        return list(chain.from_iterable(found))

    def form_keys(self, raws: list[str]) -> list[int]:
        found = list(map(self.forms.get, raws))
        if None in found:
            self._fill(
                raws, found, self.forms, self._word_forms, lambda w: tuple(_hash(f) for f in _FORM.findall(w))
            )
        return list(chain.from_iterable(found))

    def _fill(self, raws, found, by_raw, by_word, compute) -> None:
        for i, value in enumerate(found):
            if value is None:
                raw = raws[i]
                word = raw.strip(_PUNCT)
                value = by_word.get(word)
                if value is None:
                    value = compute(word)
                    if len(by_word) < self.limit:
                        by_word[word] = value
                if len(by_raw) < self.limit:
                    by_raw[raw] = value
                found[i] = value


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

    def __init__(self, n_features: int = 2**17, lead_chars: int = LEAD_CHARS):
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

    def transform(self, articles: Sequence[Article]):
        """scipy.sparse CSR matrix of the features (for training)."""
        return self.rows(articles, forms_for=()).to_scipy()

    def rows(self, articles: Sequence[Article], forms_for: tuple[str, ...] = ("ru",)) -> FeatureRows:
        """The features of each article, plus the word-form keys of the title and lead of
        articles whose language is in `forms_for`."""
        title_ids: list[int] = []
        lead_ids: list[int] = []
        shape_ids: list[int] = []
        title_doc: list[int] = []
        lead_doc: list[int] = []
        shape_doc: list[int] = []
        keys: list[int] = []
        key_doc: list[int] = []
        key_in_title: list[bool] = []
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
                in_title = cache.form_keys(title_raw)
                in_lead = cache.form_keys(lead_raw)
                keys += in_title + in_lead
                key_doc += [row] * (len(in_title) + len(in_lead))
                key_in_title += [True] * len(in_title) + [False] * len(in_lead)
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
        # one column per distinct feature of a row, valued 1/sqrt(number of features of the row)
        n_rows = len(articles)
        cells = np.unique(np.concatenate(rows) * self.n_features + np.concatenate(columns).astype(np.int64))
        row_of = cells // self.n_features
        counts = np.bincount(row_of, minlength=n_rows)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        data = (1.0 / np.sqrt(np.maximum(counts, 1))).astype(np.float32)[row_of]
        return FeatureRows(
            indptr=indptr,
            indices=cells % self.n_features,
            data=data,
            n_features=self.n_features,
            form_keys=np.asarray(keys, dtype=np.uint32),
            form_rows=np.asarray(key_doc, dtype=np.int64),
            form_in_title=np.asarray(key_in_title, dtype=bool),
        )


@dataclass
class FeatureRows:
    """Sparse rows in CSR layout (sorted, distinct columns), plus the rows' word-form keys."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_features: int
    form_keys: np.ndarray
    form_rows: np.ndarray
    form_in_title: np.ndarray  # per form key: from the title (else from the lead)

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, weights_t: np.ndarray) -> np.ndarray:
        """rows @ weights_t for weights_t of shape (n_features, k): (n_rows, k) float32."""
        out = np.zeros((self.n_rows, weights_t.shape[1]), dtype=np.float32)
        if len(self.indices) == 0:
            return out
        contributions = weights_t[self.indices] * self.data[:, None]
        filled = np.diff(self.indptr) > 0
        out[filled] = np.add.reduceat(contributions, self.indptr[:-1][filled], axis=0)
        return out

    def to_scipy(self):
        import scipy.sparse as sp

        return sp.csr_matrix(
            (self.data, self.indices, self.indptr), shape=(self.n_rows, self.n_features), dtype=np.float32
        )


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


# --- navec word vectors -----------------------------------------------------------------------------
NAVEC_FILE = ("data", "emb", "navec_news_v1_1B_250K_300d_100q.tar")


def navec_path():
    """navec news word vectors (250k Russian word forms, 300 dimensions), shipped in the natasha wheel."""
    from pathlib import Path

    import natasha

    return Path(natasha.__file__).parent.joinpath(*NAVEC_FILE)


@dataclass
class NavecCodes:
    """navec's product-quantised vectors: word i is the concatenation over sub-vectors p of
    book[p, indexes[i, p]]. Read straight from the tar's pq.bin (~20 ms; navec's own loader also
    builds the vocabulary and norms, ~0.4 s), so prediction needs neither navec nor natasha code."""

    indexes: np.ndarray  # (words, sub-vectors) uint8
    book: np.ndarray  # (sub-vectors, 256 codes, sub-dimensions) float32

    @classmethod
    def read(cls, path=None) -> NavecCodes:
        import tarfile

        with tarfile.open(path or navec_path()) as tar:
            member = tar.extractfile("pq.bin")
            if member is None:
                raise ValueError("no pq.bin in the navec file")
            data = member.read()
        words, _, parts, codes = (int(x) for x in np.frombuffer(data[:16], np.uint32))
        indexes = np.frombuffer(data[16 : 16 + words * parts], np.uint8).reshape(words, parts)
        book = np.frombuffer(data[16 + words * parts :], np.float32).reshape(parts, codes, -1)
        return cls(indexes, book)

    @property
    def dim(self) -> int:
        return self.book.shape[0] * self.book.shape[2]

    def sums(self, ids: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
        """(n_rows, dim): row r is the sum of the vectors of the words ids[rows == r]. Computed on the
        codes (count each row's codes per sub-vector, times the code book), so no (words x dim)
        array is built: on 2 cores that gather alone cost more than the nets."""
        parts, n_codes, width = self.book.shape
        sums = np.zeros((n_rows, parts, width), dtype=np.float32)
        if len(ids):
            codes = np.ascontiguousarray(self.indexes[ids].T)  # (sub-vectors, words)
            base = np.asarray(rows, dtype=np.int64) * n_codes
            for part in range(parts):
                counts = np.bincount(base + codes[part], minlength=n_rows * n_codes)
                sums[:, part] = counts.reshape(n_rows, n_codes) @ self.book[part]
        return sums.reshape(n_rows, parts * width)


@lru_cache(maxsize=1)
def navec_codes() -> NavecCodes:
    """The process's navec code book, read on first use."""
    return NavecCodes.read()

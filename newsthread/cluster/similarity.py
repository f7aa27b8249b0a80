"""The similarity core shared by batch and online clustering.

Two articles are compared on their term lists (`newsthread.nlp.terms`), lower-cased:

- **dd**: cosine of tf-idf vectors over title + lead (title terms weighted `1 + title_weight`
  of the language, `ClusterConfig.title_weight_of`,
  sublinear tf, idf of the language's articles plus `background_docs` pseudo-documents from the
  shipped corpus df table, `language_idf`: a batch of five articles alone has no usable idf);
- **cov** ("headline swap"): the idf mass of A's title found anywhere in B's text, and B's title
  in A's text; the smaller of the two. Two articles on one event can swap headlines;
  a reaction or a follow-up cannot (its headline names what the event's text does not).

S = dd_weight·dd + (1 − dd_weight)·cov, then lowered for the same site (`same_host_penalty`),
for a reported-speech headline whose speaker the other headline does not name
(`speaker_factor`), for headlines of different kinds — report vs opinion/question/preview
(`kind_factor`, `speech.headline_kind`) — and faded with the time between the two
(`time_full` → `time_window`).

Batch search (`batch_edges`): articles sorted by time, rows in blocks; each block is compared
only with the articles up to `time_window` later, by two sparse products (title-idf × term
presence, both ways); pairs with cov ≥ `candidate_coverage` get their exact dd. Cost is
O(Σ_terms df_title·df_text) within a time window, not O(n²) memory.
Online (`OnlineClusterer`) finds one article's candidates in an inverted index and scores
them with the same `entry_weights` and `combine` on flat arrays (no matrix building).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from newsthread.cluster.config import ClusterConfig
from newsthread.cluster.speech import headline_kind, speaker_terms
from newsthread.model import Article

_PAIR_CHUNK = 200_000  # candidate pairs per vectorised dd chunk
# Per-language document frequencies over the contest corpus (`build_background`).
BACKGROUND_PATH = Path(__file__).resolve().parents[1] / "models" / "background_df.json.gz"


class CountRows(NamedTuple):
    """Term-count rows in CSR layout without scipy's matrix (what the online clusterer reads:
    building a csr_matrix costs more than the rest of encoding one short article)."""

    data: np.ndarray  # float32 counts
    indices: np.ndarray  # int32 term ids, sorted per row
    indptr: np.ndarray  # int64, n + 1
    shape: tuple[int, int]


@dataclass
class Encoded:
    """Articles of one language as sparse term-count rows over a shared vocabulary."""

    counts: sp.csr_matrix | CountRows  # n × V, occurrences in title + lead (indices sorted per row)
    in_title: np.ndarray  # bool per stored entry of `counts`: the term is in the title
    strong: np.ndarray | None  # bool per entry: an entity/number (only when boosted)
    ts: np.ndarray  # publication timestamps (float64, s; NaN = undated)
    hosts: list[str]
    speakers: list[frozenset[str] | None]  # lower-cased terms of the headline's speaker
    title_sets: list[frozenset[str]]
    kinds: np.ndarray | None = None  # headline kind per article (speech.headline_kind)
    vocab: Vocabulary | None = None  # the vocabulary the columns refer to (for the background idf)
    lang: str | None = None

    def __len__(self) -> int:
        return self.counts.shape[0]


class Vocabulary:
    """Term → column id. Terms are compared lower-cased; each spelling seen is cached."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.terms: list[str] = []  # the lower-cased term of each column id

    def __len__(self) -> int:
        return len(self.terms)

    def ids(self, terms: list[str], grow: bool = True) -> list[int]:
        found = list(map(self._ids.get, terms))
        if None in found:
            for k, term in enumerate(terms):
                if found[k] is None:
                    found[k] = self._slow(term, grow)
            if not grow:
                return [i for i in found if i is not None and i >= 0]
        return found  # type: ignore[return-value]

    def _slow(self, term: str, grow: bool) -> int:
        lower = term.lower()
        index = self._ids.get(lower)
        if index is None:
            if not grow:
                return -1
            index = self._ids[lower] = len(self.terms)
            self.terms.append(lower)
        self._ids[term] = index
        return index


def encode(
    articles: Sequence[Article],
    vocab: Vocabulary,
    config: ClusterConfig,
    grow: bool = True,
    matrix: bool = True,
) -> Encoded:
    """Term rows of `articles` (their title_terms/body_terms must be filled).

    New terms are added to `vocab` when `grow`, else ignored (a query against a fixed index).
    `counts` is a csr_matrix, or `CountRows` when not `matrix`.
    """
    from newsthread.nlp.terms import shared_analyzer

    t_ids: list[int] = []
    t_ptr = [0]
    b_ids: list[int] = []
    b_ptr = [0]
    s_ids: list[int] = []
    s_ptr = [0]
    boosted = config.entity_boost != 1.0
    speakers: list[frozenset[str] | None] = []
    title_sets: list[frozenset[str]] = []
    analyzer = shared_analyzer()
    ids = vocab.ids
    for article in articles:
        t_ids.extend(ids(article.title_terms, grow))
        b_ids.extend(ids(article.body_terms, grow))
        t_ptr.append(len(t_ids))
        b_ptr.append(len(b_ids))
        if boosted:
            strong = [t for t in (*article.title_terms, *article.body_terms) if is_strong(t)]
            s_ids.extend(ids(strong, False))
            s_ptr.append(len(s_ids))
        title_sets.append(frozenset(t.lower() for t in article.title_terms))
        speakers.append(speaker_terms(article.title, article.lang, analyzer))
    n, width = len(articles), len(vocab)
    counts, in_title = _count_rows(t_ids, t_ptr, b_ids, b_ptr, n, width, matrix)
    strong = _entries_in(counts, s_ids, s_ptr) if boosted else None
    ts = np.array([a.timestamp if a.published else np.nan for a in articles], dtype=np.float64)
    kinds = np.array([headline_kind(a.title, a.lang) for a in articles], dtype=np.int8)
    lang = articles[0].lang if articles else None
    hosts = [a.host for a in articles]
    return Encoded(counts, in_title, strong, ts, hosts, speakers, title_sets, kinds, vocab, lang)


def _count_rows(
    t_ids: list[int], t_ptr: list[int], b_ids: list[int], b_ptr: list[int], n: int, width: int, matrix: bool
) -> tuple[sp.csr_matrix | CountRows, np.ndarray]:
    """Occurrences of each term in title + body per row (CSR, float32, indices sorted) and, for
    each stored entry, whether the term is in the title. Counted with one np.unique over
    row·width + term keys: scipy's sparse sum cost more than the counting for the few rows of
    an online add (its constructors and checks were a quarter of the live server's clustering)."""
    key_width = max(width, 1)
    t_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(t_ptr, dtype=np.int64)))
    b_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(b_ptr, dtype=np.int64)))
    t_keys = t_rows * key_width + np.asarray(t_ids, dtype=np.int64)
    b_keys = b_rows * key_width + np.asarray(b_ids, dtype=np.int64)
    keys, freq = np.unique(np.concatenate([t_keys, b_keys]), return_counts=True)
    rows = keys // key_width
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    counts = CountRows(
        freq.astype(np.float32), (keys - rows * key_width).astype(np.int32), indptr, (n, width)
    )
    if matrix:
        counts = sp.csr_matrix(counts[:3], shape=counts.shape)
    return counts, _isin_sorted(keys, np.unique(t_keys))


def _entries_in(counts: sp.csr_matrix | CountRows, ids: list[int], ptr: list[int]) -> np.ndarray:
    """For each stored entry of `counts`, whether its (row, term) is among the rows of term
    ids `ids` (row k = ids[ptr[k]:ptr[k + 1]])."""
    width = max(counts.shape[1], 1)
    rows = np.repeat(np.arange(counts.shape[0], dtype=np.int64), np.diff(counts.indptr))
    keys = rows * width + counts.indices
    sub_rows = np.repeat(np.arange(len(ptr) - 1, dtype=np.int64), np.diff(np.asarray(ptr, dtype=np.int64)))
    return _isin_sorted(keys, np.unique(sub_rows * width + np.asarray(ids, dtype=np.int64)))


def _isin_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """For each of `values`, whether it is in `sorted_set` (sorted, unique)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[pos] == values


def is_strong(term: str) -> bool:
    return term[:1].isupper() or term[:1].isdigit()


def idf_of(df: np.ndarray, n_docs: float) -> np.ndarray:
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


@lru_cache(maxsize=1)
def _background_tables(path: Path = BACKGROUND_PATH) -> dict[str, tuple[dict[str, int], int]]:
    if not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        payload = json.load(handle)
    return {lang: (table["df"], int(table["n_docs"])) for lang, table in payload["languages"].items()}


class BackgroundPrior:
    """Pseudo document frequencies for the columns of a (growing) vocabulary: the shipped
    corpus table of the language scaled to `config.background_docs` documents.

    Added to a batch's own df, they keep idf sensible for a handful of articles (where
    batch df is 1 or 2 for every term) and barely move it for thousands. `docs` is 0 when
    off or when there is no table for the language."""

    def __init__(self, lang: str | None, config: ClusterConfig) -> None:
        table = _background_tables().get(lang or "") if config.background_docs > 0 else None
        self._df, n_docs = table if table is not None else ({}, 0)
        self.docs = float(config.background_docs) if table is not None else 0.0
        self._scale = self.docs / max(n_docs, 1)
        self._values = np.zeros(0, dtype=np.float64)  # capacity doubles: the live index grows it per article
        self._filled = 0  # columns whose value is set

    def at(self, vocab: Vocabulary, columns: np.ndarray) -> np.ndarray:
        """The pseudo df of `columns` (ids of `vocab`)."""
        if not self.docs:
            return np.zeros(len(columns), dtype=np.float64)
        width = len(vocab.terms)
        if self._filled < width:
            if width > len(self._values):
                bigger = np.zeros(max(width, 2 * len(self._values)), dtype=np.float64)
                bigger[: self._filled] = self._values[: self._filled]
                self._values = bigger
            get = self._df.get
            new = vocab.terms[self._filled : width]
            grown = np.fromiter((get(term, 0) for term in new), dtype=np.float64, count=len(new))
            self._values[self._filled : width] = grown * self._scale
            self._filled = width
        return self._values[columns]


def language_idf(
    df: np.ndarray, n_docs: int, vocab: Vocabulary | None, lang: str | None, config: ClusterConfig
) -> np.ndarray:
    """idf of a language's articles: their own df plus the background prior (`BackgroundPrior`).
    Batch, distributed and (per query) online clustering all compute it this way."""
    prior = BackgroundPrior(lang, config) if vocab is not None else None
    if prior is None or not prior.docs:
        return idf_of(df, n_docs)
    return idf_of(df + prior.at(vocab, np.arange(len(df))), n_docs + prior.docs)


def entry_weights(
    indices: np.ndarray,
    counts: np.ndarray,
    in_title: np.ndarray,
    strong: np.ndarray | None,
    rows: np.ndarray,
    n_rows: int,
    idf: np.ndarray,
    config: ClusterConfig,
    lang: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The weights of stored entries (term `indices[k]`, `counts[k]` times, in row `rows[k]`).

    Returns (x, tw): x the L2-normalised tf-idf weight ((1 + ln tf)·idf, ×(1 + title weight of
    `lang`, `config.title_weight_of`) for title terms, ×entity_boost for entities), tw the title
    term's share of its row's title idf mass (0 for non-title terms). The one definition of the
    vectors both batch and online clustering compare: callers pass the rows' language.
    """
    term_idf = idf[indices].astype(np.float64)
    x = (1.0 + np.log(counts)) * term_idf
    title_weight = config.title_weight_of(lang)
    if title_weight:
        x = x * np.where(in_title, 1.0 + title_weight, 1.0)
    if strong is not None and config.entity_boost != 1.0:
        x = x * np.where(strong, config.entity_boost, 1.0)
    norms = np.sqrt(np.bincount(rows, weights=x * x, minlength=n_rows))
    x = x / np.maximum(norms[rows], 1e-12)
    tw = np.where(in_title, term_idf, 0.0)
    mass = np.bincount(rows, weights=tw, minlength=n_rows)
    tw = tw / np.maximum(mass[rows], 1e-12)
    return x.astype(np.float32), tw.astype(np.float32)


@dataclass
class Weighted:
    """The three matrices the batch search reads (rows aligned with an `Encoded`)."""

    X: sp.csr_matrix  # L2-normalised tf-idf (title boosted)
    Tw: sp.csr_matrix  # title idf weights, rows summing to 1
    Db: sp.csr_matrix  # term presence (title + lead)


def weigh(enc: Encoded, idf: np.ndarray, config: ClusterConfig) -> Weighted:
    counts = enc.counts
    n, width = counts.shape[0], idf.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(counts.indptr))
    x, tw = entry_weights(
        counts.indices, counts.data, enc.in_title, enc.strong, rows, n, idf, config, enc.lang
    )
    shape = (n, width)
    X = sp.csr_matrix((x, counts.indices, counts.indptr), shape=shape)
    Tw = sp.csr_matrix((tw, counts.indices.copy(), counts.indptr.copy()), shape=shape)
    Tw.eliminate_zeros()  # in place: hence the copies above
    Db = sp.csr_matrix((np.ones(len(x), dtype=np.float32), counts.indices, counts.indptr), shape=shape)
    return Weighted(X, Tw, Db)


def row_dots(A: sp.csr_matrix, B: sp.csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """A[left[k]] · B[right[k]] for every k, in vectorised chunks."""
    out = np.empty(len(left), dtype=np.float32)
    for start in range(0, len(left), _PAIR_CHUNK):
        stop = start + _PAIR_CHUNK
        product = A[left[start:stop]].multiply(B[right[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()
    return out


def combine(
    dd: np.ndarray,
    cov: np.ndarray,
    dt: np.ndarray,
    same_host: np.ndarray,
    clash: np.ndarray,
    config: ClusterConfig,
) -> np.ndarray:
    """Final pair similarity from its parts (vectorised; the one formula batch and online use).

    `clash`: bit 1 = speaker clash, bit 2 = headline kinds differ (see `pair_parts`).
    """
    score = config.dd_weight * dd + (1.0 - config.dd_weight) * cov
    score = score - config.same_host_penalty * same_host
    clash = np.asarray(clash, dtype=np.int8)
    score = np.where(clash & 1, score * config.speaker_factor, score)
    score = np.where(clash & 2, score * config.kind_factor, score)
    fade = config.time_window - config.time_full
    if fade > 0:
        time_factor = np.clip((config.time_window - dt) / fade, 0.0, 1.0)
    else:
        time_factor = (dt <= config.time_window).astype(np.float32)
    return (score * time_factor).astype(np.float32)


def speaker_clash(enc_a: Encoded, i: int, enc_b: Encoded, j: int) -> bool:
    """One headline quotes a speaker the other headline does not name."""
    sa, sb = enc_a.speakers[i], enc_b.speakers[j]
    if sa is None and sb is None:
        return False
    if sa is not None and sb is not None and sa & sb:
        return False
    if sa is not None and not sa & enc_b.title_sets[j]:
        return True
    return sb is not None and not sb & enc_a.title_sets[i]


def pair_parts(
    enc_a: Encoded, enc_b: Encoded, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dt, same_host and clashes (bit 1 speaker, bit 2 headline kind) of the pairs
    (enc_a[left[k]], enc_b[right[k]])."""
    dt = np.abs(enc_a.ts[left] - enc_b.ts[right])
    dt = np.where(np.isnan(dt), 0.0, dt)  # an article without a date is compared as if simultaneous
    hosts_a, hosts_b = enc_a.hosts, enc_b.hosts
    same_host = np.fromiter(
        (
            bool(hosts_a[i]) and hosts_a[i] == hosts_b[j]
            for i, j in zip(left.tolist(), right.tolist(), strict=True)
        ),
        dtype=bool,
        count=len(left),
    )
    has_a = np.fromiter((s is not None for s in enc_a.speakers), dtype=bool, count=len(enc_a))
    has_b = np.fromiter((s is not None for s in enc_b.speakers), dtype=bool, count=len(enc_b))
    clash = np.zeros(len(left), dtype=bool)
    for k in np.flatnonzero(has_a[left] | has_b[right]).tolist():
        clash[k] = speaker_clash(enc_a, int(left[k]), enc_b, int(right[k]))
    if enc_a.kinds is not None and enc_b.kinds is not None:
        kind = enc_a.kinds[left] != enc_b.kinds[right]
        clash = clash.astype(np.int8) + 2 * kind.astype(np.int8)  # bit 1: speaker, bit 2: kind
    return dt, same_host, clash


def batch_edges(enc: Encoded, config: ClusterConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similarity graph of one language's articles: (left, right, sims) with left < right, sims ≥ min_edge.

    Indices refer to the rows of `enc`, which must be sorted by time (NaN times last). idf is
    `language_idf` of the rows (their df plus the background prior).
    """
    n = len(enc)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
    if n < 2:
        return empty
    df = np.bincount(enc.counts.indices, minlength=enc.counts.shape[1])
    weighted = weigh(enc, language_idf(df, n, enc.vocab, enc.lang, config), config)
    X, Tw, Db = weighted.X, weighted.Tw, weighted.Db
    ts = np.where(np.isnan(enc.ts), np.nanmax(enc.ts) if np.isfinite(enc.ts).any() else 0.0, enc.ts)
    cut = config.candidate_coverage
    rows_i: list[np.ndarray] = []
    rows_j: list[np.ndarray] = []
    covs: list[np.ndarray] = []
    block = max(1, config.block_rows)
    for start in range(0, n, block):
        stop = min(n, start + block)
        hi = int(np.searchsorted(ts, ts[stop - 1] + config.time_window, side="right"))
        hi = max(hi, stop)
        forward = _thresholded(Tw[start:stop] @ Db[start:hi].T, cut)  # our titles in their texts
        backward = _thresholded(Db[start:stop] @ Tw[start:hi].T, cut)  # their titles in our texts
        both = forward.minimum(backward).tocoo()
        gi = both.row.astype(np.int64) + start
        gj = both.col.astype(np.int64) + start
        keep = gj > gi
        rows_i.append(gi[keep])
        rows_j.append(gj[keep])
        covs.append(both.data[keep].astype(np.float32))
    left = np.concatenate(rows_i)
    right = np.concatenate(rows_j)
    cov = np.concatenate(covs)
    if not len(left):
        return empty
    dd = row_dots(X, X, left, right)
    dt, same_host, clash = pair_parts(enc, enc, left, right)
    sims = combine(dd, cov, dt, same_host, clash, config)
    keep = sims >= config.min_edge
    return left[keep], right[keep], sims[keep]


def _thresholded(matrix: sp.spmatrix, cut: float) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix)
    if cut > 0 and matrix.nnz:
        matrix.data[matrix.data < cut] = 0.0
        matrix.eliminate_zeros()
    return matrix

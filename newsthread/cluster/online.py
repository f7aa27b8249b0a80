"""`OnlineClusterer`: the live server's threads, one article at a time.

The same similarity as `cluster_batch` (`similarity.encode` / `weigh` / `combine`), applied to
one new article against its candidates:

- candidates come from two inverted indexes per language (term → articles whose text holds
  it, term → articles whose title holds it): an article can only reach the coverage cut if
  some of its title terms are in the new text *and* some of the new title's terms in its text;
  then only those within `time_window`;
- the new article joins the group with the highest mean similarity over the group's members
  (missing pairs count 0), if that mean reaches the language threshold: one step of the batch
  average linkage. Otherwise it starts a group.

`add` costs O(Σ posting lengths of its terms + c·t) for c candidates of t terms each, independent
of the index size beyond the postings (a few ms with 70k articles indexed, see
`bench/threads_speed.py`). `remove` is O(terms). Online assignment never merges or splits
existing groups, and idf drifts as articles arrive: `recluster()` re-runs the batch pass over
the live articles (O(batch), seconds for 70k) and rebuilds the indexes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from newsthread.cluster.batch import cluster_encoded, ensure_terms, time_order
from newsthread.cluster.config import DEFAULT_CONFIG, ClusterConfig
from newsthread.cluster.similarity import (
    Encoded,
    Vocabulary,
    combine,
    encode,
    idf_of,
    pair_parts,
    weigh,
)
from newsthread.model import Article


@dataclass
class _Row:
    article: Article
    slot: int
    terms: np.ndarray  # int32 term ids (title + lead), sorted
    counts: np.ndarray  # float32 occurrences of each term
    title: np.ndarray  # int32 title term ids, sorted
    ts: float
    speaker: frozenset[str] | None
    title_set: frozenset[str]
    group: int = -1


class _Postings:
    """term id → slots holding it, as growable int64 arrays (appends amortised O(1))."""

    def __init__(self) -> None:
        self.arrays: dict[int, np.ndarray] = {}
        self.sizes: dict[int, int] = {}

    def add(self, terms: np.ndarray, slot: int) -> None:
        arrays, sizes = self.arrays, self.sizes
        for term in terms.tolist():
            size = sizes.get(term, 0)
            array = arrays.get(term)
            if array is None:
                array = arrays[term] = np.empty(4, dtype=np.int64)
            elif size == len(array):
                array = arrays[term] = np.concatenate([array, np.empty(size, dtype=np.int64)])
            array[size] = slot
            sizes[term] = size + 1

    def gather(self, terms: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All slots of `terms` and, for each, the weight of the term that listed it."""
        parts, weights = [], []
        for term in terms.tolist():
            size = self.sizes.get(term)
            if size:
                parts.append(self.arrays[term][:size])
                weights.append(np.full(size, weight[term]))
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(parts), np.concatenate(weights)

    def load(self, matrix: sp.csr_matrix) -> None:
        """Replace the contents with the columns of `matrix` (row k = slot k)."""
        csc = matrix.tocsc()
        csc.sort_indices()
        indptr, indices = csc.indptr, csc.indices.astype(np.int64)
        self.arrays, self.sizes = {}, {}
        for term in np.flatnonzero(np.diff(indptr)).tolist():
            array = indices[indptr[term] : indptr[term + 1]].copy()
            self.arrays[term] = array
            self.sizes[term] = len(array)

    def compact(self, live: np.ndarray) -> None:
        for term in list(self.arrays):
            kept = self.arrays[term][: self.sizes[term]]
            kept = kept[live[kept]]
            if len(kept):
                self.arrays[term] = kept.copy()
                self.sizes[term] = len(kept)
            else:
                del self.arrays[term], self.sizes[term]


class _LanguageIndex:
    def __init__(self, lang: str, config: ClusterConfig):
        self.lang = lang
        self.config = config
        self.vocab = Vocabulary()
        self.rows: dict[int, _Row] = {}  # slot → row (live only)
        self.by_name: dict[str, int] = {}
        self.df = np.zeros(1024, dtype=np.float64)
        self.text_postings = _Postings()
        self.title_postings = _Postings()
        self.ts = np.zeros(1024, dtype=np.float64)
        self.live = np.zeros(1024, dtype=bool)
        self.next_slot = 0
        self.groups: dict[int, set[int]] = {}
        self.group_ids = itertools.count()
        self.dead_postings = 0

    # -- index maintenance -----------------------------------------------------------------
    def _encode(self, article: Article) -> tuple[_Row, Encoded]:
        enc = encode([article], self.vocab, self.config, grow=True)
        return self._row(article, enc, 0, self.next_slot), enc

    @staticmethod
    def _row(article: Article, enc: Encoded, k: int, slot: int) -> _Row:
        counts, title = enc.counts, enc.title
        lo, hi = counts.indptr[k], counts.indptr[k + 1]
        return _Row(
            article=article,
            slot=slot,
            terms=counts.indices[lo:hi].astype(np.int32),
            counts=counts.data[lo:hi].astype(np.float32),
            title=title.indices[title.indptr[k] : title.indptr[k + 1]].astype(np.int32),
            ts=float(enc.ts[k]),
            speaker=enc.speakers[k],
            title_set=enc.title_sets[k],
        )

    def _insert(self, row: _Row) -> None:
        slot = row.slot
        self.next_slot += 1
        if slot >= len(self.ts):
            grow = max(1024, len(self.ts))
            self.ts = np.concatenate([self.ts, np.zeros(grow)])
            self.live = np.concatenate([self.live, np.zeros(grow, dtype=bool)])
        self.ts[slot] = row.ts
        self.live[slot] = True
        self._widen_df()
        self.df[row.terms] += 1.0
        self.text_postings.add(row.terms, slot)
        self.title_postings.add(row.title, slot)
        self.rows[slot] = row
        self.by_name[row.article.name] = slot

    def _widen_df(self) -> None:
        width = len(self.vocab)
        if width > len(self.df):
            self.df = np.concatenate([self.df, np.zeros(max(width - len(self.df), len(self.df)))])

    def remove(self, name: str) -> bool:
        slot = self.by_name.pop(name, None)
        if slot is None:
            return False
        row = self.rows.pop(slot)
        self.live[slot] = False
        self.df[row.terms] -= 1.0
        self.dead_postings += len(row.terms) + len(row.title)
        members = self.groups.get(row.group)
        if members is not None:
            members.discard(slot)
            if not members:
                del self.groups[row.group]
        if self.dead_postings > 4 * (len(self.rows) + 1000):
            self._compact_postings()
        return True

    def _compact_postings(self) -> None:
        self.text_postings.compact(self.live)
        self.title_postings.compact(self.live)
        self.dead_postings = 0

    # -- similarity against the index ------------------------------------------------------
    def _stack(self, slots: list[int]) -> Encoded:
        rows = [self.rows[s] for s in slots]
        width = len(self.vocab)
        lengths = np.fromiter((len(r.terms) for r in rows), dtype=np.int64, count=len(rows))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        counts = sp.csr_matrix(
            (
                np.concatenate([r.counts for r in rows]) if rows else np.zeros(0, np.float32),
                np.concatenate([r.terms for r in rows]) if rows else np.zeros(0, np.int32),
                indptr,
            ),
            shape=(len(rows), width),
        )
        t_lengths = np.fromiter((len(r.title) for r in rows), dtype=np.int64, count=len(rows))
        title = sp.csr_matrix(
            (
                np.ones(int(t_lengths.sum()), dtype=np.float32),
                np.concatenate([r.title for r in rows]) if rows else np.zeros(0, np.int32),
                np.concatenate([[0], np.cumsum(t_lengths)]),
            ),
            shape=(len(rows), width),
        )
        return Encoded(
            counts=counts,
            title=title,
            strong=None,
            ts=np.array([r.ts for r in rows], dtype=np.float64),
            hosts=[r.article.host for r in rows],
            speakers=[r.speaker for r in rows],
            title_sets=[r.title_set for r in rows],
        )

    def similarities(self, row: _Row, enc: Encoded) -> tuple[np.ndarray, np.ndarray]:
        """(slots, batch similarity) of the live articles that pass the coverage cut with `row`.

        Coverage is accumulated over the postings of the new article's terms (bincount), so
        only articles sharing a title term are touched; the rest of the formula runs on the
        few that pass the cut.
        """
        none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if not len(row.title) or not self.rows:
            return none
        self._widen_df()
        df = self.df[: len(self.vocab)].copy()
        df[row.terms] += 1.0
        idf = idf_of(df, len(self.rows) + 1)
        cut = self.config.candidate_coverage
        # our title in their texts
        slots, weights = self.text_postings.gather(row.title, idf)
        if not len(slots):
            return none
        forward = np.bincount(slots, weights=weights, minlength=self.next_slot) / idf[row.title].sum()
        found = np.flatnonzero(forward >= cut)
        found = found[self.live[found]]
        if not np.isnan(row.ts) and len(found):
            other_ts = self.ts[found]
            found = found[np.isnan(other_ts) | (np.abs(other_ts - row.ts) <= self.config.time_window)]
        if not len(found):
            return none
        # their titles in our text
        slots, weights = self.title_postings.gather(row.terms, idf)
        backward_mass = np.bincount(slots, weights=weights, minlength=self.next_slot)[found].astype(np.float64)
        title_mass = np.array([idf[self.rows[s].title].sum() for s in found.tolist()])
        backward = np.divide(backward_mass, title_mass, out=np.zeros_like(backward_mass), where=title_mass > 0)
        passed = backward >= cut
        found = found[passed]
        if not len(found):
            return none
        cov = np.minimum(forward[found], backward[passed]).astype(np.float32)
        other = self._stack(found.tolist())
        q = weigh(enc, idf, self.config)
        c = weigh(other, idf, self.config)
        dd = np.asarray((c.X @ q.X.T).todense()).ravel()
        I = np.zeros(len(found), dtype=np.int64)
        J = np.arange(len(found), dtype=np.int64)
        dt, same_host, clash = pair_parts(enc, other, I, J)
        return found, combine(dd, cov, dt, same_host, clash, self.config)

    # -- public ------------------------------------------------------------------------------
    def add(self, article: Article) -> int:
        row, enc = self._encode(article)
        slots, scores = self.similarities(row, enc)
        best_group, best_mean = -1, -1.0
        if len(slots):
            sums: dict[int, float] = {}
            for slot, score in zip(slots.tolist(), scores.tolist(), strict=True):
                if score >= self.config.min_edge:
                    group = self.rows[slot].group
                    sums[group] = sums.get(group, 0.0) + score
            for group, total in sums.items():
                mean = total / len(self.groups[group])
                if mean > best_mean:
                    best_group, best_mean = group, mean
        if best_mean < self.config.threshold(self.lang):
            best_group = next(self.group_ids)
            self.groups[best_group] = set()
        row.group = best_group
        self.groups[best_group].add(row.slot)
        self._insert(row)
        return best_group

    def articles(self) -> list[Article]:
        return [row.article for row in self.rows.values()]

    def group_lists(self) -> list[list[Article]]:
        out = []
        for members in self.groups.values():
            rows = sorted((self.rows[s] for s in members), key=lambda r: r.slot)
            out.append([r.article for r in rows])
        return out

    def rebuild(self, articles: list[Article]) -> None:
        """Fresh indexes over `articles`, grouped by the batch pass (bulk: no per-term loop)."""
        self.__init__(self.lang, self.config)  # type: ignore[misc]
        ordered = time_order(articles)
        n = len(ordered)
        if not n:
            return
        enc = encode(ordered, self.vocab, self.config)
        labels = cluster_encoded(enc, self.config, self.lang) if n > 1 else np.zeros(1, np.int64)
        group_of: dict[int, int] = {}
        for k, (article, label) in enumerate(zip(ordered, labels.tolist(), strict=True)):
            if label not in group_of:
                group_of[label] = next(self.group_ids)
                self.groups[group_of[label]] = set()
            row = self._row(article, enc, k, k)
            row.group = group_of[label]
            self.groups[row.group].add(k)
            self.rows[k] = row
            self.by_name[article.name] = k
        self.next_slot = n
        capacity = max(1024, 2 * n)
        self.ts = np.zeros(capacity)
        self.ts[:n] = enc.ts
        self.live = np.zeros(capacity, dtype=bool)
        self.live[:n] = True
        self.df = np.bincount(enc.counts.indices, minlength=max(len(self.vocab), 1024)).astype(np.float64)
        self.text_postings.load(enc.counts)
        self.title_postings.load(enc.title)


class OnlineClusterer:
    """Incremental event groups with the batch similarity (see the module docstring).

    `add(article)` returns the key of the group the article joined (e.g. "ru:17"); a name
    already indexed is replaced. `remove(name)`, `groups()`, `recluster()`.
    """

    def __init__(self, config: ClusterConfig | None = None):
        self.config = config or DEFAULT_CONFIG
        self._indexes: dict[str, _LanguageIndex] = {}
        self._lang_of: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._lang_of)

    def __contains__(self, name: object) -> bool:
        return name in self._lang_of

    def _index(self, lang: str) -> _LanguageIndex:
        index = self._indexes.get(lang)
        if index is None:
            index = self._indexes[lang] = _LanguageIndex(lang, self.config)
        return index

    def add(self, article: Article) -> str:
        self.remove(article.name)
        ensure_terms([article])
        lang = article.lang or "und"
        group = self._index(lang).add(article)
        self._lang_of[article.name] = lang
        return f"{lang}:{group}"

    def add_many(self, articles: Iterable[Article]) -> None:
        for article in time_order(list(articles)):
            self.add(article)

    def remove(self, name: str) -> bool:
        lang = self._lang_of.pop(name, None)
        if lang is None:
            return False
        return self._indexes[lang].remove(name)

    def groups(self) -> list[list[Article]]:
        out: list[list[Article]] = []
        for index in self._indexes.values():
            out.extend(index.group_lists())
        return out

    def recluster(self) -> None:
        """Regroup every live article with the batch pass (fixes order effects and idf drift)."""
        for index in self._indexes.values():
            articles = index.articles()
            ensure_terms(articles)
            index.rebuild(articles)

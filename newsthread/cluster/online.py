"""`OnlineClusterer`: the live server's threads, one article at a time.

The same similarity as `cluster_batch` (`similarity.entry_weights` and `combine`, with idf
from the live articles of the language), applied to one new article against its candidates:

- candidates come from two inverted indexes per language (term → articles whose text holds
  it, term → articles whose title holds it). The coverage of the new title in each article's
  text is accumulated over the postings of the title's terms (a bincount), and of each
  article's title in the new text over the postings of the new text's terms; only articles
  passing both `candidate_coverage` cuts, within `time_window`, are scored in full;
- the new article joins the group with the highest mean similarity over the group's members
  (missing pairs count 0), if that mean reaches the language threshold: one step of the batch
  average linkage. Otherwise it starts a group.

Rows are kept in flat, growable arrays (term ids, counts, title/entity flags, with a start and
length per slot), so gathering candidates is vectorised. `add` costs O(Σ posting lengths of
the new article's terms + c·t) for c candidates of t terms; it does not grow with the number
of indexed articles beyond their postings (a few ms with 36k articles of one language indexed,
`bench/threads_speed.py`). `remove` is O(1) (lazy; postings are compacted when a quarter is
dead). Online assignment never merges or splits existing groups and idf drifts as articles
arrive: `recluster()` re-runs the batch pass over the live articles and rebuilds the indexes.

`add_batch(articles)` adds several in turn (the same groups as `add` one by one) with one
encoding. `load(articles, labels)` fills an empty clusterer at once, keeping the groups of
`labels()` saved earlier (no batch pass). `keyed_groups()` / `drain_touched()` / `members()`
let the live index re-make only the threads whose groups changed; `generation` bumps when
every group changes at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from newsthread.cluster.batch import cluster_encoded, ensure_terms, time_order
from newsthread.cluster.config import DEFAULT_CONFIG, ClusterConfig
from newsthread.cluster.similarity import (
    BackgroundPrior,
    CountRows,
    Encoded,
    Vocabulary,
    combine,
    encode,
    entry_weights,
    idf_of,
    pair_parts,
)
from newsthread.model import Article

_NO_FLOATS = np.zeros(0, dtype=np.float32)
_NO_INTS = np.zeros(0, dtype=np.int32)


class _Grow:
    """A growable 1-d numpy array (amortised O(1) append of a chunk)."""

    def __init__(self, dtype, capacity: int = 4096):
        self.data = np.zeros(capacity, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> int:
        start = self.size
        end = start + len(values)
        if end > len(self.data):
            bigger = np.zeros(max(end, 2 * len(self.data)), dtype=self.data.dtype)
            bigger[:start] = self.data[:start]
            self.data = bigger
        self.data[start:end] = values
        self.size = end
        return start

    def view(self) -> np.ndarray:
        return self.data[: self.size]


class _Postings:
    """term id → slots holding it, as growable int64 arrays (lists indexed by term id: the
    per-term loop of `add` costs less than with dicts)."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray | None] = []
        self.sizes: list[int] = []

    def _widen(self, width: int) -> None:
        if width > len(self.sizes):
            grow = max(width, 2 * len(self.sizes), 1024) - len(self.sizes)
            self.arrays.extend([None] * grow)
            self.sizes.extend([0] * grow)

    def add(self, terms: np.ndarray, slot: int) -> None:
        if not len(terms):
            return
        self._widen(int(terms.max()) + 1)
        arrays, sizes = self.arrays, self.sizes
        for term in terms.tolist():
            size = sizes[term]
            array = arrays[term]
            if array is None:
                array = arrays[term] = np.empty(4, dtype=np.int64)
            elif size == len(array):
                array = arrays[term] = np.concatenate([array, np.empty(size, dtype=np.int64)])
            array[size] = slot
            sizes[term] = size + 1

    def gather(self, terms: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All slots listed under `terms` and, for each, the weight of the term that listed it."""
        parts, hit_terms, hit_sizes = [], [], []
        arrays, sizes, width = self.arrays, self.sizes, len(self.sizes)
        for term in terms.tolist():
            size = sizes[term] if term < width else 0
            if size:
                parts.append(arrays[term][:size])  # type: ignore[index]
                hit_terms.append(term)
                hit_sizes.append(size)
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(parts), np.repeat(weight[hit_terms], hit_sizes)

    def load(self, matrix: sp.csr_matrix) -> None:
        """Replace the contents with the columns of `matrix` (row k = slot k)."""
        csc = matrix.tocsc()
        csc.sort_indices()
        indptr, indices = csc.indptr, csc.indices.astype(np.int64)
        self.arrays, self.sizes = [], []
        self._widen(matrix.shape[1])
        for term in np.flatnonzero(np.diff(indptr)).tolist():
            array = indices[indptr[term] : indptr[term + 1]].copy()
            self.arrays[term] = array
            self.sizes[term] = len(array)

    def compact(self, live: np.ndarray) -> None:
        arrays, sizes = self.arrays, self.sizes
        for term, array in enumerate(arrays):
            if array is None:
                continue
            kept = array[: sizes[term]]
            kept = kept[live[kept]]
            if len(kept):
                arrays[term] = kept.copy()
                sizes[term] = len(kept)
            else:
                arrays[term] = None
                sizes[term] = 0


def _row_of(enc: Encoded, k: int) -> Encoded:
    """Row k of `enc` as an Encoded of one row (its arrays are views)."""
    lo, hi = int(enc.counts.indptr[k]), int(enc.counts.indptr[k + 1])
    counts = CountRows(
        enc.counts.data[lo:hi],
        enc.counts.indices[lo:hi],
        np.array([0, hi - lo]),
        (1, enc.counts.shape[1]),
    )
    return replace(
        enc,
        counts=counts,
        in_title=enc.in_title[lo:hi],
        strong=enc.strong[lo:hi] if enc.strong is not None else None,
        ts=enc.ts[k : k + 1],
        hosts=enc.hosts[k : k + 1],
        speakers=enc.speakers[k : k + 1],
        title_sets=enc.title_sets[k : k + 1],
        kinds=enc.kinds[k : k + 1] if enc.kinds is not None else None,
    )


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated aranges [starts[k], starts[k] + lengths[k]) (vectorised)."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(total, dtype=np.int64)


class _LanguageIndex:
    def __init__(self, lang: str, config: ClusterConfig):
        self.lang = lang
        self.config = config
        self.boosted = config.entity_boost != 1.0
        self.vocab = Vocabulary()
        self.prior = BackgroundPrior(lang, config)  # the background df batch clustering adds too
        # entries of every row ever added (dead rows stay until the next rebuild)
        self.terms = _Grow(np.int32)
        self.counts = _Grow(np.float32)
        self.in_title = _Grow(bool)
        self.strong = _Grow(bool)
        self.title_terms = _Grow(np.int32)  # the title entries again, for the cheap backward cut
        # per slot
        self.start = _Grow(np.int64, 1024)
        self.length = _Grow(np.int64, 1024)
        self.title_start = _Grow(np.int64, 1024)
        self.title_length = _Grow(np.int64, 1024)
        self.ts = _Grow(np.float64, 1024)
        self.live = _Grow(bool, 1024)
        self.group = _Grow(np.int64, 1024)
        self.kinds = _Grow(np.int8, 1024)
        self.articles: list[Article | None] = []
        self.hosts: list[str] = []
        self.speakers: list[frozenset[str] | None] = []
        self.title_sets: list[frozenset[str]] = []
        self.by_name: dict[str, int] = {}
        self.n_live = 0
        # per term: live articles holding it + the background prior's pseudo df (idf's input)
        self.df = np.zeros(1024, dtype=np.float64)
        self._prior_width = 0  # terms whose prior is in `df`
        # term id → its entry in the row being added, else -1 (reset after each query: a lookup
        # here is cheaper than a searchsorted of every candidate term in the query's terms)
        self._query_position = np.full(1024, -1, dtype=np.int32)
        self.text_postings = _Postings()
        self.title_postings = _Postings()
        self.groups: dict[int, set[int]] = {}
        self.group_ids = itertools.count()
        self.dead = 0
        self.touched: set[int] = set()  # groups whose members changed since `drain_touched`

    # -- storage ---------------------------------------------------------------------------------
    def _widen_df(self) -> None:
        width = len(self.vocab)
        if width > len(self.df):
            self.df = np.concatenate([self.df, np.zeros(max(width - len(self.df), len(self.df)))])
        if width > len(self._query_position):
            self._query_position = np.full(len(self.df), -1, dtype=np.int32)
        if width > self._prior_width:
            new = np.arange(self._prior_width, width)
            self.df[new] += self.prior.at(self.vocab, new)
            self._prior_width = width

    def _store(self, enc: Encoded, k: int, article: Article, group: int) -> int:
        """Append row k of `enc` as a new slot (postings not touched)."""
        lo, hi = enc.counts.indptr[k], enc.counts.indptr[k + 1]
        slot = len(self.articles)
        self.start.extend(np.array([self.terms.size]))
        self.length.extend(np.array([hi - lo]))
        self.terms.extend(enc.counts.indices[lo:hi])
        self.counts.extend(enc.counts.data[lo:hi])
        self.in_title.extend(enc.in_title[lo:hi])
        if self.boosted and enc.strong is not None:
            self.strong.extend(enc.strong[lo:hi])
        title = enc.counts.indices[lo:hi][enc.in_title[lo:hi]]
        self.title_start.extend(np.array([self.title_terms.size]))
        self.title_length.extend(np.array([len(title)]))
        self.title_terms.extend(title)
        self.ts.extend(enc.ts[k : k + 1])
        self.live.extend(np.array([True]))
        self.group.extend(np.array([group]))
        self.kinds.extend(enc.kinds[k : k + 1] if enc.kinds is not None else np.zeros(1, np.int8))
        self.articles.append(article)
        self.hosts.append(enc.hosts[k])
        self.speakers.append(enc.speakers[k])
        self.title_sets.append(enc.title_sets[k])
        self.by_name[article.name] = slot
        self.groups.setdefault(group, set()).add(slot)
        self.touched.add(group)
        self.n_live += 1
        return slot

    def _row(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        """(terms, in_title) of a slot."""
        lo = int(self.start.data[slot])
        hi = lo + int(self.length.data[slot])
        return self.terms.data[lo:hi], self.in_title.data[lo:hi]

    def remove(self, name: str) -> bool:
        slot = self.by_name.pop(name, None)
        if slot is None:
            return False
        terms, _ = self._row(slot)
        self.df[terms] -= 1.0
        self.live.data[slot] = False
        self.articles[slot] = None
        self.n_live -= 1
        group = int(self.group.data[slot])
        members = self.groups.get(group)
        self.touched.add(group)
        if members is not None:
            members.discard(slot)
            if not members:
                del self.groups[group]
        self.dead += 1
        if self.dead > max(1000, self.n_live // 3):
            live = self.live.view()
            self.text_postings.compact(live)
            self.title_postings.compact(live)
            self.dead = 0
        return True

    # -- similarity against the index --------------------------------------------------------
    def similarities(self, enc: Encoded) -> tuple[np.ndarray, np.ndarray]:
        """(slots, batch similarity) of the live articles passing the coverage cuts with `enc`[0]."""
        none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q_terms = enc.counts.indices
        q_title = q_terms[enc.in_title]
        if not len(q_title) or not self.n_live:
            return none
        self._widen_df()
        position = self._query_position
        position[q_terms] = np.arange(len(q_terms), dtype=np.int32)
        try:
            return self._similarities(enc, q_terms, q_title, position)
        finally:
            position[q_terms] = -1

    def _similarities(
        self, enc: Encoded, q_terms: np.ndarray, q_title: np.ndarray, position: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`similarities`, with `position[t]` = the entry of term t in `enc`'s row, else -1."""
        none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        n_docs = self.n_live + 1
        cut = self.config.candidate_coverage
        q_ts = float(enc.ts[0])

        def idf_at(terms: np.ndarray) -> np.ndarray:
            """idf as if the new article were indexed too (df + 1 for its terms)."""
            df = self.df[terms] + (position[terms] >= 0)
            return idf_of(df, n_docs + self.prior.docs)

        idf = np.zeros(len(self.vocab), dtype=np.float32)
        idf[q_terms] = idf_at(q_terms)
        # 1. our title in their texts: accumulate over the postings of our title's terms
        slots, weights = self.text_postings.gather(q_title, idf)
        if not len(slots):
            return none
        n_slots = len(self.articles)
        forward = np.bincount(slots, weights=weights, minlength=n_slots) / idf[q_title].sum()
        found = np.flatnonzero(forward >= cut - 1e-6)
        live, ts = self.live.view(), self.ts.view()
        found = found[live[found]]
        if not np.isnan(q_ts) and len(found):
            other = ts[found]
            found = found[np.isnan(other) | (np.abs(other - q_ts) <= self.config.time_window)]
        if not len(found):
            return none
        # 2. their titles in our text, from the stored title terms
        t_lengths = self.title_length.data[found]
        t_terms = self.title_terms.data[_ranges(self.title_start.data[found], t_lengths)]
        t_rows = np.repeat(np.arange(len(found), dtype=np.int64), t_lengths)
        t_idf = idf_at(t_terms).astype(np.float64)
        in_ours = position[t_terms] >= 0
        mass = np.bincount(t_rows, weights=t_idf, minlength=len(found))
        held = np.bincount(t_rows, weights=np.where(in_ours, t_idf, 0.0), minlength=len(found))
        found = found[held >= (cut - 1e-6) * mass]
        if not len(found):
            return none
        # 3. the survivors in full: exact coverage both ways and dd, as in the batch
        lengths = self.length.data[found]
        entries = _ranges(self.start.data[found], lengths)
        terms = self.terms.data[entries]
        idf[terms] = idf_at(terms)
        rows = np.repeat(np.arange(len(found), dtype=np.int64), lengths)
        strong = self.strong.data[entries] if self.boosted else None
        x, tw = entry_weights(
            terms,
            self.counts.data[entries],
            self.in_title.data[entries],
            strong,
            rows,
            len(found),
            idf,
            self.config,
            self.lang,
        )
        qx, qtw = entry_weights(
            q_terms,
            enc.counts.data,
            enc.in_title,
            enc.strong,
            np.zeros(len(q_terms), dtype=np.int64),
            1,
            idf,
            self.config,
            self.lang,
        )
        pos = position[terms]
        shared = pos >= 0
        dd = np.bincount(rows, weights=np.where(shared, x * qx[pos], 0.0), minlength=len(found))
        forward_exact = np.bincount(rows, weights=np.where(shared, qtw[pos], 0.0), minlength=len(found))
        backward = np.bincount(rows, weights=np.where(shared, tw, 0.0), minlength=len(found))
        cov = np.minimum(forward_exact, backward)
        passed = (forward_exact >= cut) & (backward >= cut)
        found, dd, cov = found[passed], dd[passed], cov[passed]
        if not len(found):
            return none
        other = Encoded(
            counts=CountRows(_NO_FLOATS, _NO_INTS, np.zeros(len(found) + 1, dtype=np.int64), (len(found), 0)),
            in_title=np.zeros(0, dtype=bool),
            strong=None,
            ts=ts[found],
            hosts=[self.hosts[s] for s in found.tolist()],
            speakers=[self.speakers[s] for s in found.tolist()],
            title_sets=[self.title_sets[s] for s in found.tolist()],
            kinds=self.kinds.data[found],
        )
        left = np.zeros(len(found), dtype=np.int64)
        right = np.arange(len(found), dtype=np.int64)
        dt, same_host, clash = pair_parts(enc, other, left, right)
        return found, combine(dd, cov, dt, same_host, clash, self.config)

    # -- public ------------------------------------------------------------------------------------
    def add(self, article: Article) -> int:
        return self.add_encoded(encode([article], self.vocab, self.config, matrix=False), 0, article)

    def add_many(self, articles: list[Article]) -> list[int]:
        """`add` each in turn (the same groups), encoding them together: one call's overhead."""
        enc = encode(articles, self.vocab, self.config, matrix=False)
        return [self.add_encoded(enc, k, article) for k, article in enumerate(articles)]

    def add_encoded(self, batch: Encoded, k: int, article: Article) -> int:
        """Add row k of `batch` (encoded with this index's vocabulary) as `article`."""
        enc = _row_of(batch, k) if len(batch) > 1 else batch
        slots, scores = self.similarities(enc)
        best_group, best_mean = -1, -1.0
        if len(slots):
            keep = scores >= self.config.min_edge
            groups = self.group.data[slots[keep]]
            sums: dict[int, float] = {}
            for group, score in zip(groups.tolist(), scores[keep].tolist(), strict=True):
                sums[group] = sums.get(group, 0.0) + score
            for group, total in sums.items():
                mean = total / len(self.groups[group])
                if mean > best_mean:
                    best_group, best_mean = group, mean
        if best_mean < self.config.threshold(self.lang):
            best_group = next(self.group_ids)
        slot = self._store(enc, 0, article, best_group)
        self._widen_df()
        self.df[enc.counts.indices] += 1.0
        self.text_postings.add(enc.counts.indices, slot)
        self.title_postings.add(enc.counts.indices[enc.in_title], slot)
        return best_group

    def live_articles(self) -> list[Article]:
        return [a for a in self.articles if a is not None]

    def group_lists(self) -> list[list[Article]]:
        return [self.members(group) for group in self.groups]

    def members(self, group: int) -> list[Article]:
        """The group's articles in slot order (empty when the group is gone)."""
        articles = self.articles
        return [articles[s] for s in sorted(self.groups.get(group, ()))]  # type: ignore[misc]

    def rebuild(self, articles: list[Article], labels: list[int] | None = None) -> None:
        """Fresh indexes over `articles`, grouped by the batch pass (bulk: no per-term loop).

        With `labels` (one per article: equal labels = one group, e.g. the groups saved before
        a restart) the batch pass is skipped and those groups are kept as they are."""
        self.__init__(self.lang, self.config)  # type: ignore[misc]
        if labels is not None:
            label_of = {a.name: label for a, label in zip(articles, labels, strict=True)}
        ordered = time_order(articles)
        n = len(ordered)
        if not n:
            return
        enc = encode(ordered, self.vocab, self.config)
        if labels is not None:
            labels = np.array([label_of[a.name] for a in ordered], dtype=np.int64)
        else:
            labels = cluster_encoded(enc, self.config, self.lang) if n > 1 else np.zeros(1, np.int64)
        group_of: dict[int, int] = {}
        for label in labels.tolist():
            if label not in group_of:
                group_of[label] = next(self.group_ids)
        counts = enc.counts
        lengths = np.diff(counts.indptr)
        self.terms.extend(counts.indices)
        self.counts.extend(counts.data)
        self.in_title.extend(enc.in_title)
        if self.boosted and enc.strong is not None:
            self.strong.extend(enc.strong)
        self.start.extend(counts.indptr[:-1].astype(np.int64))
        self.length.extend(lengths.astype(np.int64))
        title_lengths = np.bincount(
            np.repeat(np.arange(n, dtype=np.int64), lengths), weights=enc.in_title, minlength=n
        ).astype(np.int64)
        self.title_terms.extend(counts.indices[enc.in_title])
        self.title_start.extend(np.concatenate([[0], np.cumsum(title_lengths)[:-1]]).astype(np.int64))
        self.title_length.extend(title_lengths)
        self.ts.extend(enc.ts)
        self.live.extend(np.ones(n, dtype=bool))
        groups = np.array([group_of[label] for label in labels.tolist()], dtype=np.int64)
        self.group.extend(groups)
        self.kinds.extend(enc.kinds if enc.kinds is not None else np.zeros(n, np.int8))
        self.articles = list(ordered)
        self.hosts = list(enc.hosts)
        self.speakers = list(enc.speakers)
        self.title_sets = list(enc.title_sets)
        self.by_name = {a.name: k for k, a in enumerate(ordered)}
        for k, group in enumerate(groups.tolist()):
            self.groups.setdefault(group, set()).add(k)
        self.n_live = n
        self.df = np.bincount(counts.indices, minlength=max(len(self.vocab), 1024)).astype(np.float64)
        self._widen_df()  # the prior
        self.text_postings.load(counts)
        title = sp.csr_matrix(
            (enc.in_title.astype(np.float32), counts.indices.copy(), counts.indptr.copy()), shape=counts.shape
        )
        title.eliminate_zeros()
        self.title_postings.load(title)


class OnlineClusterer:
    """Incremental event groups with the batch similarity (see the module docstring).

    `add(article)` returns the key of the group the article joined (e.g. "ru:17"); a name
    already indexed is replaced. `remove(name)`, `groups()`, `recluster()`.
    """

    def __init__(self, config: ClusterConfig | None = None):
        self.config = config or DEFAULT_CONFIG
        self._indexes: dict[str, _LanguageIndex] = {}
        self._lang_of: dict[str, str] = {}
        self.generation = 0  # bumps when every group changes at once (load, recluster)

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

    def add_batch(self, articles: list[Article]) -> list[str]:
        """`add` each article in the given order (the same groups as one by one), encoding
        those of a language together: the per-call overhead is paid once (the live server
        adds the PUTs that arrive together this way)."""
        keys: list[str] = []
        run: list[Article] = []
        for article in articles:
            if run and (article.lang or "und") != (run[0].lang or "und"):
                keys.extend(self._add_run(run))
                run = []
            if any(a.name == article.name for a in run):  # a name twice: the first goes in first
                keys.extend(self._add_run(run))
                run = []
            run.append(article)
        if run:
            keys.extend(self._add_run(run))
        return keys

    def _add_run(self, run: list[Article]) -> list[str]:
        """Articles of one language, each name once."""
        for article in run:
            self.remove(article.name)
        ensure_terms(run)
        lang = run[0].lang or "und"
        groups = self._index(lang).add_many(run)
        self._lang_of.update((a.name, lang) for a in run)
        return [f"{lang}:{group}" for group in groups]

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

    def keyed_groups(self) -> dict[tuple[str, int], list[Article]]:
        """Every group by its key (language, group number); keys stay until the group changes
        language or the clustering is rebuilt (`generation`)."""
        return {
            (lang, group): index.members(group)
            for lang, index in self._indexes.items()
            for group in index.groups
        }

    def drain_touched(self) -> list[tuple[str, int]]:
        """Keys of the groups whose members changed since the last call (or since a rebuild)."""
        keys = []
        for lang, index in self._indexes.items():
            keys.extend((lang, group) for group in index.touched)
            index.touched = set()
        return keys

    def members(self, key: tuple[str, int]) -> list[Article]:
        index = self._indexes.get(key[0])
        return index.members(key[1]) if index is not None else []

    def labels(self) -> dict[str, str]:
        """Article name → its group key as text ("en:17"): what `load` restores."""
        out: dict[str, str] = {}
        for lang, index in self._indexes.items():
            articles = index.articles
            for group, members in index.groups.items():
                label = f"{lang}:{group}"
                for slot in members:
                    out[articles[slot].name] = label  # type: ignore[union-attr]
        return out

    def load(self, articles: list[Article], labels: dict[str, str] | None = None) -> list[Article]:
        """Fill an empty clusterer at once. Articles with a label (from `labels()`, e.g. saved
        before a restart) keep those groups without a batch pass, when nearly every article of their
        language has one; the other languages are grouped by the batch pass. Returns the
        articles left out (a restored language's unlabelled ones): `add` them afterwards."""
        self.generation += 1
        labels = labels or {}
        by_lang: dict[str, list[Article]] = {}
        for article in articles:
            by_lang.setdefault(article.lang or "und", []).append(article)
        ensure_terms(articles)
        left_out: list[Article] = []
        for lang, items in by_lang.items():
            labelled = [a for a in items if a.name in labels]
            # restoring pays while the rest, added one by one, costs less than a batch pass
            if labelled and len(items) - len(labelled) <= max(200, len(items) // 20):
                numbers: dict[str, int] = {}
                ids = [numbers.setdefault(labels[a.name], len(numbers)) for a in labelled]
                self._index(lang).rebuild(labelled, ids)
                left_out.extend(a for a in items if a.name not in labels)
                items = labelled
            else:
                self._index(lang).rebuild(items)
            self._lang_of.update((a.name, lang) for a in items)
        return left_out

    def recluster(self) -> None:
        """Regroup every live article with the batch pass (fixes order effects and idf drift)."""
        self.generation += 1
        for index in self._indexes.values():
            articles = index.live_articles()
            ensure_terms(articles)
            index.rebuild(articles)

"""Clustering settings, with where each number comes from.

Measured with `bench/quality_threads.py` on the dev gold (`shared/eval/pairs_dev.jsonl`, the
20191101 06–13h slice: 2,701 ru / 1,894 en articles). The dev gold has ~140 positive pairs
per language, so differences below ~0.02 F1 are noise: defaults were chosen where the score
is flat, not at its single best point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOUR = 3600.0


@dataclass
class ClusterConfig:
    # -- similarity (see newsthread.cluster.similarity) ------------------------------------
    # S = dd_weight * cosine(tf-idf of title+lead) + (1 - dd_weight) * headline-swap coverage.
    # Each alone scores pairwise F1 ~0.84 (ru) / ~0.85 (en) at its best threshold, the mix
    # 0.85 / 0.87; the weight is flat between 0.3 and 0.6.
    dd_weight: float = 0.5
    # Title terms count (1 + title weight) times in the tf-idf vector: `title_weights` of the
    # language, else `title_weight`. A heavier title makes dd compare what each headline says
    # happened rather than the background the leads share (the en Essex-lorry thread joined
    # "man charged" reports to "police appeal to brothers" reports through their common
    # background paragraphs: 12 of en's 24 false-positive pairs). Dev F1 en (shipped classifier
    # as news) at thresholds 0.34 / 0.35 / 0.36 / 0.37: title weight 1.0 → 0.883 / 0.881 /
    # 0.877 / 0.862; 2.0 → 0.876 / 0.875 / 0.880 / 0.875; 2.25–3.0 → 0.872–0.876 / 0.910 /
    # 0.913 / 0.913. ru loses with a heavy title (2.0 → 0.868, 2.5 → 0.868 at 0.30): Russian
    # headlines paraphrase more (inflection, synonyms). ru at 0.29 / 0.30 / 0.31: 0.5 → 0.882 /
    # 0.886 / 0.877, 0.6 → 0.879 / 0.886 / 0.877, 0.7–0.8 → 0.899 / 0.902 / 0.902, 0.9 → 0.890 /
    # 0.902 / 0.902, 1.0 → 0.871 / 0.899 / 0.899 (0.8 vs 1.0 is within noise: one pair).
    # Toloka pairs (all): en 0.947 → 0.919 (one of 35 pairs, "White House: Trump having tests as
    # part of medical checkup" / "Donald Trump undergoes health check-up", a paraphrased
    # headline), ru 0.729 → 0.732. OG2021 titles are titles only: the weight changes nothing.
    title_weight: float = 1.0
    title_weights: dict[str, float] = field(default_factory=lambda: {"en": 2.5, "ru": 0.8})
    # Boost for entities/numbers (capitalised or digit terms). Measured 1.0 ≥ 1.5 ≥ 2.0 on the
    # dev gold (a boost promotes "Trump"/"Brexit" matches between different events), so off.
    entity_boost: float = 1.0
    # Pairs are only scored when each title is at least this much covered by the other's text
    # (idf mass): cuts the candidate pairs ~20×; 5 of 272 gold positives fall below it.
    candidate_coverage: float = 0.15
    # idf of a language = its articles' df plus `background_docs` pseudo-documents spread as in
    # the shipped corpus table (models/background_df.json.gz, `build_background`). Five articles
    # alone give every term df 1–5, so words shared by all of them (the event's) weigh least: the
    # five seeds split 3+1+1 at 0, join at 200–30,000. Dev F1 en/ru at 0 → 0.883/0.895,
    # 200 → same, 1,000 → 0.879/0.891, 3,000 → 0.879/0.888, 30,000 → 0.876/0.901 (noise level);
    # 500 → 0.883/0.899 keeps a dev-sized batch mostly on its own df. 0 turns it off.
    background_docs: float = 500.0
    min_edge: float = 0.12  # similarities below this are dropped from the graph
    # Same site: a rewrite/update of the same story scores ≥0.8, but a site's different
    # stories share its boilerplate (192 same-site different-event pairs vs 19 same-event ones).
    same_host_penalty: float = 0.1
    # One title reports what someone said (", заявил X", "X says", "X: «…»") and the other
    # does not name that speaker: a comment is its own event (the labelling guideline).
    # Measured (dev F1 ru/en): 1.0 → 0.842/0.852, 0.7 → 0.898/0.855, 0.5 → 0.884/0.861; on the
    # Toloka pairs (ru, latest version) 1.0 → 0.813, 0.7 → 0.833, 0.5 → 0.825.
    speaker_factor: float = 0.7
    # One headline is an opinion/review/question or (en) a preview ("could", "expected to",
    # "will") and the other a report: "one describes an event (or preparation to it) while the
    # other reports a result" (the contest's Toloka instruction). en dev F1 0.86 → 0.89 and flat
    # over thresholds 0.30–0.36 at 0.6 (Toloka en: one of 35 pairs lost); "will" is not a
    # preview marker ("Trump says he will make Florida his residence" is the announcement).
    # ru previews ("может", "будет") cost Toloka ru F1 0.03, so ru only flags opinion pieces. A wider genre rule (live blogs, "player ratings",
    # "Instant View") lost en recall: the gold joins those to their match/report.
    kind_factor: float = 0.6
    # -- time --------------------------------------------------------------------------------
    # Full similarity within `time_full` of each other, fading linearly to 0 at `time_window`;
    # never joined beyond. (The 5 seed articles of one forum span 21.7 h.)
    time_full: float = 24 * HOUR
    time_window: float = 48 * HOUR
    # -- linkage -------------------------------------------------------------------------------
    # Average linkage: two groups merge while their mean pairwise similarity (missing pairs = 0)
    # is at least the threshold of their language. Dev F1 (all en/ru as news, title weight 1.0
    # for both) by threshold: ru 0.26 → 0.887, 0.28 → 0.871, 0.30 → 0.901, 0.32 → 0.897,
    # 0.34 → 0.869; en 0.30 → 0.878, 0.32 → 0.881, 0.34 → 0.887, 0.36 → 0.890, 0.38 → 0.822.
    # With the title weights above (shipped classifier as news): en 0.34 → 0.872 (the Essex
    # thread merges again), 0.35 → 0.910, 0.36 → 0.913, 0.37 → 0.913, 0.38 → 0.835 (the
    # 23-article Fitbit thread splits); ru 0.29 → 0.899, 0.30 → 0.902, 0.31 → 0.902, 0.32 splits
    # the five seeds (the Putin-quote seed joins at a mean of 0.319). OG2021 en (titles only,
    # so only the threshold matters) 0.34 → 0.36: B-cubed F1 0.736 → 0.732, pairwise 0.393 →
    # 0.379 (P 0.841 → 0.853, R 0.256 → 0.243).
    # Single/complete linkage and a size-dependent threshold (size_slope 0.01–0.05) scored lower;
    # so did a "cohesion" rule (two groups only merge when their mean cross similarity is a
    # fraction of their own inner mean): the Essex merge (0.366, inner 0.50/0.62) looks like
    # the Fitbit one (0.361).
    thresholds: dict[str, float] = field(default_factory=lambda: {"ru": 0.30, "en": 0.36})
    default_threshold: float = 0.34
    size_slope: float = 0.0  # threshold increase per doubling of a merged group's size (off)
    block_rows: int = 2048  # rows per block of the candidate search (memory vs speed)

    def threshold(self, lang: str) -> float:
        return self.thresholds.get(lang, self.default_threshold)

    def title_weight_of(self, lang: str | None) -> float:
        return self.title_weights.get(lang or "", self.title_weight)


DEFAULT_CONFIG = ClusterConfig()

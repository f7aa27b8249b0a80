"""`NewsClassifier`: news / not-news and one of the 7 categories for en/ru articles.

Two linear models over the same hashed features (features.py):
- a 7-way softmax over categories, plus for Russian a table of per-word-form category scores
  distilled from navec word embeddings at training time (so synonyms the weak labels never showed
  still count);
- a not-news logistic model (positive-unlabelled: weak not-news labels vs. everything else),
  combined with the high-precision rules of rules.py (recipes, horoscopes, how-tos, sales...).
Per-language category logit offsets (`lang_bias_`, fitted by train.py on out-of-fold scores of the
random hand-labelled sample) correct the class priors the URL-section labels teach (too much
"society", almost no "other").
For Russian, three small neural nets (`nets_`) also read the navec vectors of the title and of the
title with its lead (navec ships inside natasha; loaded with the model). They carry meaning across
news days better than word features: their log-probabilities are added to the category logits.

The learned state is plain numpy arrays saved in one compressed .npz; no pickles, no texts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from newsthread.classify import rules
from newsthread.classify.features import LEAD_CHARS, ArticleFeaturizer, FeatureRows, navec_codes
from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article

MODEL_FILE = "classifier.npz"
BATCH = 2000  # articles scored at once

# Model P(not news) at or above which an article is dropped (the rules of rules.py drop others
# whatever the model says). Chosen on the dev gold (20191101/06-13, cats_dev.jsonl, 479 articles)
# with `bench/quality_categories.py --sweep`: at 0.3 not-news F1 is 0.78 (rules alone 0.77) for
# 0.3 points of category accuracy (dropped news count as misfiled); 0.15 gives F1 0.79-0.81 but
# costs 1.5 points of category accuracy.
NEWS_THRESHOLD = 0.3
# At prediction, a URL section that names a category (rules.section_category) multiplies that
# category's odds by this. Dev gold (same set): category accuracy 0.814 at 1 (text only), 0.826 at
# 5, 0.831 at 10, 0.817 at 30, 0.814 when the section always wins; sections agree with the gold
# about 80% of the time, i.e. odds of roughly 0.8 / (0.2 / 6) = 24 if the model knew nothing.
# Re-checked with alpha 5e-5 and the per-language prior correction refitted for each value (hours
# 06-09, en/ru): 3 0.826/0.852, 5 0.848/0.852, 10 0.870/0.852, 20 0.859/0.852.
SECTION_WEIGHT = 10.0
# A broad section (/russia/, /obshchestvo/: rules.broad_section) with no topical one multiplies the
# odds of "society" by this instead: such sections mix politics with the place's other news. Dev
# hours 06-09 only: 1 is 1 ru article worse than 2-10, which tie.
BROAD_WEIGHT = 2.0
# Size of the navec part of the Russian features relative to the hashed words (train.py). Dev hours
# 06-09 only (with the broad-section labels): ru category accuracy 0.790 at 0.5 and 3, 0.802 at 1.5.
EMBEDDING_SCALE = 1.5
# L2 strength of the category softmax (SGD alpha). With the 1,100 hand labels at weight 30, dev
# category accuracy before the per-language prior correction (hours 06-09 en/ru; 10-13 en/ru):
# 1e-5 0.848/0.802, 0.856/0.795; 2e-5 0.826/0.815, 0.864/0.811; 5e-5 0.837/0.827, 0.880/0.827;
# 1e-4 0.848/0.827, 0.872/0.819. With the correction (train.PRIOR_L2 0.03) on 06-09: 2e-5
# 0.848/0.827, 5e-5 0.870/0.852, 1e-4 0.848/0.840; chosen 5e-5, 10-13 then 0.872/0.827.
ALPHA = 5e-5
# Russian articles also go through small neural nets over navec vectors of the title and of the
# title + lead (train.fit_embedding_nets); their mean log-probabilities, times this, are added to
# the linear logits. Chosen with the hand labels of two whole days (20191115, 20191108) held out,
# 1,337 ru news, never on the dev gold: the linear model alone agrees with them at 0.851; with the
# nets at weight 1.0 0.862, 1.5 0.864, 2.0 0.861 (the nets alone 0.843).
EMBEDDING_NET_WEIGHT = 1.5


@lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """The nets' many small matrix products run on one BLAS thread: pipeline workers already use
    every core, and waking BLAS threads for each product cost more CPU than the products (on this
    2-core machine the news+categories pipeline ran at ~1,550 docs/s with the default threads,
    ~2,300 with one)."""
    return _blas_controller().limit(limits=1, user_api="blas")


def default_model_path() -> Path:
    return Path(str(resources.files("newsthread.models").joinpath(MODEL_FILE)))


class NewsClassifier:
    """News filter and category classifier (scikit-learn style: settings in __init__, learned state
    in attributes ending with `_`; `load()` gives the shipped, trained model)."""

    def __init__(
        self,
        n_features: int = 2**17,
        lead_chars: int = LEAD_CHARS,
        alpha: float = ALPHA,
        news_alpha: float = 1e-5,
        embedding_scale: float = EMBEDDING_SCALE,
        news_threshold: float = NEWS_THRESHOLD,
        section_weight: float = SECTION_WEIGHT,
        broad_weight: float = BROAD_WEIGHT,
        embedding_net_weight: float = EMBEDDING_NET_WEIGHT,
        use_rules: bool = True,
        random_state: int = 0,
    ):
        self.n_features = n_features
        self.lead_chars = lead_chars
        self.alpha = alpha
        self.news_alpha = news_alpha
        self.embedding_scale = embedding_scale
        self.news_threshold = news_threshold
        self.section_weight = section_weight
        self.broad_weight = broad_weight
        self.embedding_net_weight = embedding_net_weight
        self.use_rules = use_rules
        self.random_state = random_state
        self._featurizer = ArticleFeaturizer(n_features=n_features, lead_chars=lead_chars)
        self.nets_: list[list[tuple[np.ndarray, np.ndarray]]] = []  # set by train.fit_embedding_nets
        self.form_navec_ids_ = np.zeros(0, dtype=np.uint32)

    # --- features -------------------------------------------------------------------------------
    def featurize(self, articles: Sequence[Article]):
        """scipy.sparse matrix of the hashed features (what the weights were fitted on)."""
        return self._featurizer.transform(articles)

    def lead_text(self, article: Article) -> str:
        """The description and first paragraphs the features are computed from."""
        return self._featurizer.lead_text(article)

    def _prepare(self) -> None:
        """Category and not-news weights side by side, one feature per row: one gather per batch."""
        if getattr(self, "lang_bias_", None) is None:
            self.lang_bias_ = np.zeros((len(NEWS_LANGUAGES), len(self.classes_)), dtype=np.float32)
        self._weights_t = np.ascontiguousarray(
            np.hstack([self.coef_.T, self.news_coef_[:, None]]), dtype=np.float32
        )

    def _scores(self, articles: Sequence[Article]) -> tuple[np.ndarray, np.ndarray]:
        """Category logits (n, 7) and not-news logits (n,)."""
        rows = self._featurizer.rows(articles, forms_for=("ru",))
        both = rows.dot(self._weights_t)
        known = self._known_forms(rows)
        logits = both[:, :-1] + self.intercept_ + self._form_scores(rows, known)
        if self.lang_bias_.any():
            for i, lang in enumerate(NEWS_LANGUAGES):
                mask = np.fromiter((a.lang == lang for a in articles), dtype=bool, count=len(articles))
                logits[mask] += self.lang_bias_[i]
        if self.nets_ and self.embedding_net_weight:
            russian = np.fromiter((a.lang == "ru" for a in articles), dtype=bool, count=len(articles))
            if russian.any():
                with _one_blas_thread():
                    proba = self._net_forward(self._net_inputs(rows, known)[russian])
                logits[russian] += self.embedding_net_weight * np.log(proba + 1e-6)
        if self.section_weight != 1.0 or self.broad_weight != 1.0:
            index = {c: i for i, c in enumerate(self.classes_)}
            for row, article in enumerate(articles):
                named = rules.section_category(article.url)
                if named in index:
                    logits[row, index[named]] += np.log(self.section_weight)
                elif "society" in index and rules.broad_section(article.url):
                    logits[row, index["society"]] += np.log(self.broad_weight)
        return logits, both[:, -1] + self.news_intercept_

    def _known_forms(self, rows: FeatureRows) -> tuple[np.ndarray, np.ndarray]:
        """For each form key of `rows`: its position in the form table and whether it is there."""
        table, keys = self.form_keys_, rows.form_keys
        if len(table) == 0:
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        pos = np.searchsorted(table, keys)
        pos[pos >= len(table)] = 0
        return pos, table[pos] == keys

    def _form_scores(self, rows: FeatureRows, known: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Mean over each article's word forms of the distilled scores of the known forms."""
        scores = np.zeros((rows.n_rows, len(self.classes_)), dtype=np.float32)
        pos, hit = known
        if not hit.any():
            return scores
        np.add.at(scores, rows.form_rows[hit], self.form_scores_[pos[hit]].astype(np.float32))
        counts = np.bincount(rows.form_rows, minlength=rows.n_rows).astype(np.float32)
        return scores / np.maximum(counts, 1.0)[:, None]

    # --- the navec nets (Russian) ---------------------------------------------------------------
    def net_inputs(self, articles: Sequence[Article]) -> np.ndarray:
        """(n, 2 x 300): the direction (unit length, or zero) of the summed navec vectors of each
        Russian article's title, then of its title and lead; zero rows for other languages. Only
        the word forms of the form table (those of the training articles) count."""
        rows = self._featurizer.rows(articles, forms_for=("ru",))
        with _one_blas_thread():
            return self._net_inputs(rows, self._known_forms(rows))

    def _net_inputs(self, rows: FeatureRows, known: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        codes = navec_codes()
        pos, hit = known
        ids = self.form_navec_ids_[pos[hit]].astype(np.int64)
        docs, in_title = rows.form_rows[hit], rows.form_in_title[hit]
        title = codes.sums(ids[in_title], docs[in_title], rows.n_rows)
        both = title + codes.sums(ids[~in_title], docs[~in_title], rows.n_rows)
        for half in (title, both):
            half /= np.maximum(np.linalg.norm(half, axis=1, keepdims=True), 1e-9)
        return np.hstack([title, both])

    def _net_forward(self, inputs: np.ndarray) -> np.ndarray:
        """(n, 7) mean category probabilities of the nets (`nets_`: each a list of (weights, bias)
        layers, ReLU between them, softmax at the end)."""
        total = np.zeros((len(inputs), len(self.classes_)), dtype=np.float32)
        for layers in self.nets_:
            hidden = inputs
            for weights, bias in layers[:-1]:
                hidden = np.maximum(hidden @ weights + bias, 0.0)
            total += self._softmax(hidden @ layers[-1][0] + layers[-1][1])
        return total / len(self.nets_)

    def net_proba(self, articles: Sequence[Article]) -> np.ndarray:
        """(n, 7) category probabilities of the navec nets alone (meaningful for Russian articles)."""
        inputs = self.net_inputs(articles)
        with _one_blas_thread():
            return self._net_forward(inputs)

    # --- prediction -----------------------------------------------------------------------------
    @staticmethod
    def _softmax(logits: np.ndarray) -> np.ndarray:
        logits = logits - logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        return logits / logits.sum(axis=1, keepdims=True)

    def category_proba(self, articles: Sequence[Article]) -> np.ndarray:
        """(n, 7) probabilities in the order of `classes_`."""
        if not articles:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return self._softmax(self._scores(articles)[0])

    def not_news_proba(self, articles: Sequence[Article]) -> np.ndarray:
        """Model probability that each article is not news (rules not applied)."""
        if not articles:
            return np.zeros(0, dtype=np.float32)
        return 1.0 / (1.0 + np.exp(-self._scores(articles)[1]))

    def rule_verdict(self, article: Article) -> str:
        """Why a rule says this is not news ("" when no rule fires)."""
        if not article.title.strip() and not any(p.strip() for p in article.paragraphs):
            return "empty"
        if not self.use_rules:
            return ""
        reason = rules.not_news_reason(article.title)
        if reason:
            return reason
        if rules.section_not_news(article.url):
            return "section"
        if rules.site_not_news(article.url):
            return "site"
        return ""

    def predict_batch(self, articles: Sequence[Article]) -> list[tuple[bool, float, str, float]]:
        """(is_news, news_confidence, category, category_confidence) for each article; every
        article is classified as if it were en/ru (use `annotate` to respect languages)."""
        if len(articles) > BATCH:  # bounded temporary memory for any batch size
            return [
                r for i in range(0, len(articles), BATCH) for r in self.predict_batch(articles[i : i + BATCH])
            ]
        if not articles:
            return []
        logits, news_logits = self._scores(articles)
        cat_proba = self._softmax(logits)
        not_news = 1.0 / (1.0 + np.exp(-news_logits))
        results = []
        for row, article in enumerate(articles):
            best = int(cat_proba[row].argmax())
            category, cat_conf = self.classes_[best], float(cat_proba[row, best])
            if self.rule_verdict(article):
                results.append((False, 0.0, category, cat_conf))
                continue
            p_not = float(not_news[row])
            is_news = p_not < self.news_threshold
            results.append((is_news, 1.0 - p_not, category, cat_conf))
        return results

    def predict(self, article: Article) -> tuple[bool, float, str, float]:
        return self.predict_batch([article])[0]

    def annotate(self, articles: Iterable[Article]) -> None:
        """Fill is_news / news_confidence / category / category_confidence. Articles in languages
        other than en/ru get is_news=False and no category."""
        articles = list(articles)
        wanted = [a for a in articles if a.lang in NEWS_LANGUAGES]
        for article in articles:
            if article.lang not in NEWS_LANGUAGES:
                article.is_news, article.news_confidence = False, 0.0
                article.category, article.category_confidence = "", 0.0
        for article, (is_news, news_conf, category, cat_conf) in zip(
            wanted, self.predict_batch(wanted), strict=True
        ):
            article.is_news, article.news_confidence = is_news, news_conf
            article.category, article.category_confidence = category, cat_conf

    # --- persistence ----------------------------------------------------------------------------
    def get_params(self) -> dict:
        return {
            "n_features": self.n_features,
            "lead_chars": self.lead_chars,
            "alpha": self.alpha,
            "news_alpha": self.news_alpha,
            "embedding_scale": self.embedding_scale,
            "news_threshold": self.news_threshold,
            "section_weight": self.section_weight,
            "broad_weight": self.broad_weight,
            "embedding_net_weight": self.embedding_net_weight,
            "use_rules": self.use_rules,
            "random_state": self.random_state,
        }

    def save(self, path: Path | str, info: dict | None = None) -> None:
        """One compressed .npz: weights as float16, the parameters and training info as JSON."""
        coef = self.coef_.astype(np.float16)
        np.savez_compressed(
            path,
            params=np.array(json.dumps(self.get_params())),
            info=np.array(json.dumps(info or {})),
            classes=np.array(self.classes_),
            coef=coef,
            intercept=self.intercept_.astype(np.float32),
            news_coef=self.news_coef_.astype(np.float16),
            news_intercept=np.array([self.news_intercept_], dtype=np.float32),
            form_keys=self.form_keys_.astype(np.uint32),
            form_scores=self.form_scores_.astype(np.float16),
            form_navec_ids=self.form_navec_ids_.astype(np.uint32),
            lang_bias=self.lang_bias_.astype(np.float32),
            **{
                f"net{n}_{kind}{i}": array.astype(np.float16)
                for n, layers in enumerate(self.nets_)
                for i, layer in enumerate(layers)
                for kind, array in zip("wb", layer, strict=True)
            },
        )

    @classmethod
    def load(cls, path: Path | str | None = None) -> NewsClassifier:
        """The trained model: the shipped one (newsthread/models/classifier.npz) by default."""
        path = default_model_path() if path is None else Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"classifier model not found at {path}; train it with `python -m newsthread.classify.train`"
            )
        with np.load(path, allow_pickle=False) as data:
            model = cls(**json.loads(str(data["params"])))
            model.info_ = json.loads(str(data["info"]))
            model.classes_ = tuple(str(c) for c in data["classes"])
            model.coef_ = data["coef"].astype(np.float32)
            model.intercept_ = data["intercept"].astype(np.float32)
            model.news_coef_ = data["news_coef"].astype(np.float32)
            model.news_intercept_ = float(data["news_intercept"][0])
            model.form_keys_ = data["form_keys"].astype(np.uint32)
            model.form_scores_ = data["form_scores"]
            if "form_navec_ids" in data:
                model.form_navec_ids_ = data["form_navec_ids"].astype(np.uint32)
            if "lang_bias" in data:  # models saved before the per-language prior correction lack it
                model.lang_bias_ = data["lang_bias"].astype(np.float32)
            model.nets_ = []
            while f"net{len(model.nets_)}_w0" in data:
                n, layers = len(model.nets_), []
                while f"net{n}_w{len(layers)}" in data:
                    i = len(layers)
                    layers.append(
                        (data[f"net{n}_w{i}"].astype(np.float32), data[f"net{n}_b{i}"].astype(np.float32))
                    )
                model.nets_.append(layers)
        if model.nets_:
            navec_codes()  # read with the model, not at the first Russian article
        model._prepare()
        if set(model.classes_) != set(CATEGORIES):
            raise ValueError(f"{path}: model classes {model.classes_} are not the 7 categories")
        return model

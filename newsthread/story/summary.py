"""A short extractive multi-document summary: central sentences from different sources.

Sentences are bags of stems (PyStemmer) weighted by TF-IDF over the thread. A sentence scores
by its cosine to the thread centroid (every article weighs the same, so one long transcript
cannot dominate), its cosine to the articles' titles, and a lead-position prior. MMR then picks
3–5 of them: each new sentence must not repeat one already chosen (near-duplicates are
dropped), and a source is reused only when every other source has been used.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from newsthread.model import Article
from newsthread.story.doc import Sentence, in_language, sentences, site_label
from newsthread.story.text import stems, stopwords, words

MAX_ARTICLES = 25
MAX_SENTENCES = 14  # per article: the lead carries the story
MIN_CHARS, MAX_CHARS = 45, 360
NEAR_DUPLICATE = 0.5  # cosine above which a sentence repeats a chosen one
MMR_LAMBDA = 0.72

_BOILERPLATE = re.compile(
    r"https?://|www\.|@\w|фото:|photo:|©|подпис(ывайтесь|аться)|читайте (также|нас)|"
    r"read more|sign up|subscribe|click here|cookies?|newsletter|all rights reserved|"
    r"getty images|reuters/|ap photo|сообщение .* появилось|источник:|source:",
    re.IGNORECASE,
)
_FIRST_PERSON = {
    "ru": re.compile(r"(?<!\w)(я|мы|нам|нас|наш\w*|мне|меня|мой|моя|моё|мои)(?!\w)", re.IGNORECASE),
    "en": re.compile(r"(?<!\w)(I|we|our|us|my|me)(?!\w)"),
}

_DEPENDENT_START = {
    "ru": re.compile(
        r"(поэтому|также|кроме того|при этом|однако|но|и|а|он|она|они|оно|это|этот|эта|эти|там|тогда|"
        r"впрочем|между тем|в свою очередь|в то же время|помимо этого|к тому же|ранее|напомним|например|"
        r"так|тем не менее|кстати|более того|по его|по ее|по её|по их|его|ее|её|их|такой|такие)(?!\w)",
        re.IGNORECASE,
    ),
    "en": re.compile(
        r"(however|but|and|also|he|she|they|it|this|that|these|those|there|then|meanwhile|moreover|"
        r"in addition|earlier|still|yet|so|for example|his|her|their|its|such|instead|though|although|another|"
        r"other|others|both)(?!\w)",
        re.IGNORECASE,
    ),
}


def _features(text: str, lang: str) -> list[str]:
    stop = stopwords(lang)
    return stems([w for w in words(text) if len(w) > 2 and w not in stop], lang)


def _good(sentence: Sentence, lang: str) -> bool:
    text = sentence.text
    if not MIN_CHARS <= len(text) <= MAX_CHARS or len(text.split()) < 6:
        return False
    if text[-1] not in ".…»\"”'" or text[0].islower() or text[0] in "(`[":
        return False  # a fragment: starts mid-sentence or ends without a full stop
    if _BOILERPLATE.search(text) or not in_language(text, lang):
        return False
    if (
        text[0] in "«\"“„'"
        and text.count(text[0]) + text.count("»") + text.count("”") >= 2
        and text[-2] in '»"”'
    ):
        return False  # a bare quotation: who said it is lost
    return not text.isupper()


def _lead_prior(index: int) -> float:
    return 1.0 / math.sqrt(1.0 + index)


def _tfidf(bags: list[list[str]]) -> tuple[np.ndarray, dict[str, int], np.ndarray]:
    vocab: dict[str, int] = {}
    df: Counter[str] = Counter()
    for bag in bags:
        for term in set(bag):
            df[term] += 1
    for term in df:
        vocab[term] = len(vocab)
    n = len(bags)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab], dtype=np.float32)
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    for i, bag in enumerate(bags):
        for term, count in Counter(bag).items():
            matrix[i, vocab[term]] = 1.0 + math.log(count)
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms, vocab, idf


def _vector(bag: list[str], vocab: dict[str, int], idf: np.ndarray) -> np.ndarray:
    vec = np.zeros(len(vocab), dtype=np.float32)
    for term, count in Counter(bag).items():
        if term in vocab:
            vec[vocab[term]] = 1.0 + math.log(count)
    vec *= idf
    norm = np.linalg.norm(vec)
    return vec / norm if norm else vec


def summarize(articles: list[Article], lang: str, n_min: int = 3, n_max: int = 5) -> dict:
    """{"summary": [sentence dicts], "title": best title}."""
    articles = articles[:MAX_ARTICLES]
    candidates: list[tuple[Article, Sentence]] = []
    bags: list[list[str]] = []
    for article in articles:
        for sent in sentences(article, lang, MAX_SENTENCES):
            if sent.is_title or not _good(sent, lang):
                continue
            bag = _features(sent.text, lang)
            if len(bag) < 4:
                continue
            candidates.append((article, sent))
            bags.append(bag)
    titles = [a.title for a in articles if a.title.strip() and in_language(a.title, lang)]
    title_bags = [_features(t, lang) for t in titles]
    if not candidates:
        return {"summary": [], "title": titles[0] if titles else (articles[0].title if articles else "")}
    matrix, vocab, idf = _tfidf(bags + title_bags)
    sent_matrix, title_matrix = matrix[: len(bags)], matrix[len(bags) :]
    # centroid: every article counts once
    by_article: dict[int, list[int]] = {}
    for i, (article, _) in enumerate(candidates):
        by_article.setdefault(id(article), []).append(i)
    centroid = np.zeros(len(vocab), dtype=np.float32)
    for rows in by_article.values():
        centroid += sent_matrix[rows].mean(axis=0)
    if len(title_matrix):
        centroid += 0.5 * title_matrix.sum(axis=0) / max(1, len(title_matrix)) * len(by_article) ** 0.5
    centroid /= np.linalg.norm(centroid) or 1.0
    title_vec = title_matrix.sum(axis=0) if len(title_matrix) else np.zeros(len(vocab), dtype=np.float32)
    title_vec /= np.linalg.norm(title_vec) or 1.0
    central = sent_matrix @ centroid
    titular = sent_matrix @ title_vec
    first_person = _FIRST_PERSON["ru" if lang == "ru" else "en"]
    scores = np.zeros(len(candidates), dtype=np.float32)
    for i, (_, sent) in enumerate(candidates):
        score = 0.5 * central[i] + 0.3 * titular[i] + 0.2 * _lead_prior(sent.index)
        if _DEPENDENT_START[lang if lang == "ru" else "en"].match(sent.text):
            score *= 0.7  # "Поэтому...", "He added...": needs the sentence before it
        if first_person.search(sent.text):
            score *= 0.75
        if "«" in sent.text or '"' in sent.text or "“" in sent.text:
            score *= 0.92
        scores[i] = score
    n_sources = len(by_article)
    wanted = max(n_min, min(n_max, n_sources))
    chosen: list[int] = []
    used_articles: Counter[int] = Counter()
    similarity = sent_matrix @ sent_matrix.T
    word_sets = [set(bag) for bag in bags]
    while len(chosen) < wanted:
        best, best_value = -1, -1e9
        fresh_left = any(used_articles[id(a)] == 0 for a, _ in candidates)
        for i in range(len(candidates)):
            if i in chosen:
                continue
            article = candidates[i][0]
            if fresh_left and used_articles[id(article)] > 0:
                continue
            redundancy = max((similarity[i, j] for j in chosen), default=0.0)
            if redundancy > NEAR_DUPLICATE:
                continue
            if any(
                len(word_sets[i] & word_sets[j]) / max(1, min(len(word_sets[i]), len(word_sets[j]))) > 0.6
                for j in chosen
            ):
                continue
            value = MMR_LAMBDA * scores[i] - (1 - MMR_LAMBDA) * redundancy - 0.05 * used_articles[id(article)]
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        if len(chosen) >= n_min and scores[best] < 0.45 * scores[chosen[0]]:
            break
        chosen.append(best)
        used_articles[id(candidates[best][0])] += 1
    # read in story order: the strongest lead first, then by publication time
    head, rest = chosen[:1], chosen[1:]
    rest.sort(key=lambda i: (candidates[i][0].timestamp or math.inf, candidates[i][1].index))
    summary = []
    for i in head + rest:
        article, sent = candidates[i]
        summary.append(
            {
                "text": sent.text,
                "name": article.name,
                "site": site_label(article),
                "url": article.url,
                "score": round(float(scores[i]), 4),
            }
        )
    best_title = ""
    if titles:
        title_scores = title_matrix @ centroid
        best_title = titles[int(np.argmax(title_scores))]
    return {"summary": summary, "title": best_title}

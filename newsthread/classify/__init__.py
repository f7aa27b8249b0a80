"""News / not-news decision and the 7 tgnews categories for en/ru articles.

    from newsthread.classify import NewsClassifier
    clf = NewsClassifier.load()        # the shipped model (newsthread/models/classifier.npz)
    clf.annotate(articles)             # sets is_news, news_confidence, category, category_confidence

Retrain with `python -m newsthread.classify.train` (weak labels from URL sections, single-topic
sites and not-news rules over the real contest articles; see train.py).
"""

from newsthread.classify.model import NewsClassifier

__all__ = ["NewsClassifier"]

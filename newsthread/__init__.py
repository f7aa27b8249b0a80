"""newsthread: a news aggregator that threads articles about one event and explains them."""

from newsthread.model import CATEGORIES, Article, Thread

__version__ = "0.1.0"
__all__ = ["Article", "Thread", "CATEGORIES", "__version__"]

"""Threads from groups, ranked: titles, article order, importance, source authority.

- `SourceAuthority` (`fit`, `weight`, `save`/`load`), `shipped_authority()` (the model built by
  `newsthread.rank.build_authority` from the contest corpus, cached)
- `make_threads(groups, authority=None) -> list[Thread]`
- `rank_threads(threads, now=None) -> list[Thread]`
"""

from __future__ import annotations

from functools import lru_cache

from newsthread.rank.authority import SHIPPED_PATH, SourceAuthority
from newsthread.rank.threads import make_thread, make_threads, rank_threads
from newsthread.rank.titles import clean_title, title_flaws


@lru_cache(maxsize=1)
def shipped_authority() -> SourceAuthority:
    """The shipped host weights (an empty model, i.e. equal weights, if the file is missing)."""
    if SHIPPED_PATH.exists():
        return SourceAuthority.load(SHIPPED_PATH)
    return SourceAuthority()


__all__ = [
    "SourceAuthority",
    "clean_title",
    "make_thread",
    "make_threads",
    "rank_threads",
    "shipped_authority",
    "title_flaws",
]

"""The reader: front page, story pages and search, rendered on the server (Jinja2, no JS).

Include it in the app with ``app.include_router(router)`` (or ``mount_web(app)``). Pages read the
live thread index at ``app.state.index`` and search the store at ``app.state.store``.

Everything an article brings (title, text, site, URL) is untrusted: templates autoescape, links
are made only for http(s) URLs, and every page carries a Content-Security-Policy without inline
scripts or styles.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from newsthread.model import CATEGORIES, NEWS_LANGUAGES, Article, Thread

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

# -- settings ------------------------------------------------------------------------------------
PERIODS: dict[str, int] = {"1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600}
DEFAULT_PERIOD = "24h"
DEFAULT_LANG = "en"
FRONT_PAGE_THREADS = 40
STORY_TIMELINE_MAX = 200  # articles drawn on the timeline (the list below shows all)
SEARCH_MAX_CHARS = 200
SEARCH_ARTICLES = 30
SEARCH_THREADS = 10
SHOWN_SOURCES = 3  # source names on a front-page card
LEAD_CHARS = 240
MAX_ENTITIES = 24
OTHER_HEADLINES = 3  # other outlets' headlines on the top card
PAGE_MAX_AGE = 30  # seconds: the index changes all the time
STATIC_MAX_AGE = 365 * 24 * 3600  # versioned URLs (?v=<hash>) never change

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
THREAD_ID = re.compile(r"[0-9a-f]{16}")

# -- interface strings ---------------------------------------------------------------------------
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "tagline": "Every story, from every side",
        "top_stories": "Top stories",
        "all": "All",
        "society": "Society",
        "economy": "Economy",
        "technology": "Technology",
        "sports": "Sports",
        "entertainment": "Entertainment",
        "science": "Science",
        "other": "Other",
        "period_1h": "Last hour",
        "period_6h": "6 hours",
        "period_24h": "Day",
        "period_7d": "Week",
        "period_label": "Period",
        "categories_label": "Categories",
        "language_label": "Language",
        "search_placeholder": "Search news",
        "search_button": "Search",
        "no_threads": "No stories in this period. Try a longer period or another category.",
        "empty_index": "No articles have been indexed yet.",
        "stories_count": "{n} stories",
        "summary": "Summary",
        "facts": "Key facts and numbers",
        "entities": "People, places and organisations",
        "disagreements": "Where sources differ",
        "original": "Original source",
        "first_reported": "First reported by",
        "timeline": "Who published when",
        "coverage": "All coverage",
        "read_at": "Original: {site}",
        "no_link": "no valid link",
        "search_results": "Results for “{q}”",
        "search_stories": "Stories",
        "search_articles": "Articles",
        "search_none": "Nothing found for “{q}”.",
        "search_empty": "Type a few words to search the news.",
        "search_too_long": "The query is too long: at most {n} characters, please.",
        "search_unavailable": "Search is not available on this server.",
        "starting": "The server is starting and loading articles. Reload the page in a few seconds.",
        "in_story": "in the story",
        "not_found": "Story not found",
        "not_found_text": "It may have dropped out of the index. Here are the top stories instead.",
        "back": "Back to top stories",
        "now_note": "Times are UTC. “Now” is the newest article in the index: {now}.",
        "just_now": "just now",
        "min_ago": "{n} min ago",
        "h_ago": "{n} h ago",
        "d_ago": "{n} d ago",
        "over": "over {span}",
        "after_first": "+{span}",
        "and_more": "+{n} more",
        "min": "{n} min",
        "h": "{n} h",
        "d": "{n} d",
        "main_nav": "Main",
    },
    "ru": {
        "tagline": "Каждая новость со всех сторон",
        "top_stories": "Главное",
        "all": "Все",
        "society": "Общество",
        "economy": "Экономика",
        "technology": "Технологии",
        "sports": "Спорт",
        "entertainment": "Развлечения",
        "science": "Наука",
        "other": "Разное",
        "period_1h": "Час",
        "period_6h": "6 часов",
        "period_24h": "Сутки",
        "period_7d": "Неделя",
        "period_label": "Период",
        "categories_label": "Рубрики",
        "language_label": "Язык",
        "search_placeholder": "Поиск новостей",
        "search_button": "Найти",
        "no_threads": "За этот период сюжетов нет. Выберите период длиннее или другую рубрику.",
        "empty_index": "В индексе пока нет статей.",
        "stories_count": "{n}",
        "summary": "Кратко",
        "facts": "Факты и цифры",
        "entities": "Люди, места и организации",
        "disagreements": "Где источники расходятся",
        "original": "Первоисточник",
        "first_reported": "Первым сообщил",
        "timeline": "Кто и когда написал",
        "coverage": "Все публикации",
        "read_at": "Оригинал: {site}",
        "no_link": "нет корректной ссылки",
        "search_results": "Результаты по запросу «{q}»",
        "search_stories": "Сюжеты",
        "search_articles": "Статьи",
        "search_none": "По запросу «{q}» ничего не найдено.",
        "search_empty": "Введите несколько слов, чтобы найти новости.",
        "search_too_long": "Слишком длинный запрос: не больше {n} символов.",
        "search_unavailable": "Поиск на этом сервере недоступен.",
        "starting": "Сервер запускается и загружает статьи. Обновите страницу через несколько секунд.",
        "in_story": "в сюжете",
        "not_found": "Сюжет не найден",
        "not_found_text": "Возможно, он выпал из индекса. Вот главные сюжеты.",
        "back": "К главным новостям",
        "now_note": "Время UTC. «Сейчас» — самая свежая статья в индексе: {now}.",
        "just_now": "только что",
        "min_ago": "{n} мин назад",
        "h_ago": "{n} ч назад",
        "d_ago": "{n} дн. назад",
        "over": "за {span}",
        "after_first": "+{span}",
        "and_more": "и ещё {n}",
        "min": "{n} мин",
        "h": "{n} ч",
        "d": "{n} дн.",
        "main_nav": "Навигация",
    },
}
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "ru": ("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"),
}
# (one, few, many) for Russian, (one, other) for English
PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "source": ("source", "sources"),
        "article": ("article", "articles"),
        "story": ("story", "stories"),
    },
    "ru": {
        "source": ("источник", "источника", "источников"),
        "article": ("статья", "статьи", "статей"),
        "story": ("сюжет", "сюжета", "сюжетов"),
    },
}


def plural(lang: str, n: int, word: str) -> str:
    """``plural("ru", 3, "source") == "3 источника"``."""
    forms = PLURALS[lang][word]
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            form = forms[0]
        elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            form = forms[1]
        else:
            form = forms[2]
    else:
        form = forms[0] if n == 1 else forms[1]
    return f"{n} {form}"


def pick_lang(request: Request) -> str:
    """``?lang=`` when it is en/ru, else the best en/ru in Accept-Language, else English."""
    asked = (request.query_params.get("lang") or "").strip().lower()
    if asked in NEWS_LANGUAGES:
        return asked
    return accept_language(request.headers.get("accept-language", ""))


def accept_language(header: str) -> str:
    best, best_q = DEFAULT_LANG, 0.0
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        if code not in NEWS_LANGUAGES:
            continue
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        q -= position * 1e-6  # equal weights: the first listed wins
        if q > best_q:
            best, best_q = code, q
    return best


# -- untrusted values ----------------------------------------------------------------------------
def safe_url(url: Any) -> str | None:
    """The URL when it is an absolute http(s) URL, else None (rendered as text, never a link)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > 2048 or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def clip(text: str, max_chars: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= max_chars:
        return text
    return text[:max_chars].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"


def lead_sentence(article: Article, max_chars: int = LEAD_CHARS) -> str:
    """The first sentence or two of the description / text, not repeating the title."""
    title = " ".join(article.title.split()).lower()
    for text in [article.description, *article.paragraphs[:3]]:
        text = " ".join((text or "").split())
        if len(text) < 20 or text.lower() == title:
            continue
        sentences = re.split(r"(?<=[.!?…])\s+(?=[A-ZА-ЯЁ«\"“])", text)
        lead = ""
        for sentence in sentences:
            if lead and len(lead) + len(sentence) > max_chars:
                break
            lead = f"{lead} {sentence}".strip()
        return clip(lead, max_chars)
    return ""


def source_name(article: Article) -> str:
    return " ".join(article.site.split()) or article.host or article.name


# -- time ----------------------------------------------------------------------------------------
def format_time(moment: datetime | None, lang: str, now: datetime | None = None) -> str:
    """``14:05`` the same day as now, else ``18 Nov, 14:05`` (UTC)."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    clock = moment.strftime("%H:%M")
    if now is not None and moment.date() == now.astimezone(UTC).date():
        return clock
    return f"{moment.day} {MONTHS[lang][moment.month - 1]}, {clock}"


def format_duration(seconds: float, lang: str) -> str:
    strings = STRINGS[lang]
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return strings["min"].format(n=max(1, minutes))
    hours = minutes // 60
    if hours < 48:
        rest = minutes % 60
        text = strings["h"].format(n=hours)
        if hours < 6 and rest >= 5:
            text += " " + strings["min"].format(n=rest)
        return text
    return strings["d"].format(n=hours // 24)


def format_ago(moment: datetime | None, now: datetime | None, lang: str) -> str:
    if moment is None or now is None:
        return ""
    seconds = (now - moment).total_seconds()
    strings = STRINGS[lang]
    if seconds < 60:
        return strings["just_now"]
    if seconds < 3600:
        return strings["min_ago"].format(n=int(seconds // 60))
    if seconds < 48 * 3600:
        return strings["h_ago"].format(n=int(seconds // 3600))
    return strings["d_ago"].format(n=int(seconds // 86400))


def iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


# -- reading the index and the store -------------------------------------------------------------
@dataclass
class SearchResult:
    name: str
    title: str
    snippet: str
    published: datetime | None
    lang: str
    site: str
    url: str | None
    thread: Thread | None


class Reader:
    """What the pages need from the server state (``app.state.nt``: index + store), per request.

    Thread lists come from one index snapshot, so a page is consistent even while writes arrive.
    The index keeps articles without their paragraphs; full texts come from the store.
    """

    def __init__(self, app: Any):
        state = getattr(app.state, "nt", None)
        self.ready = bool(getattr(state, "ready", True))
        self.index = getattr(state, "index", None) or getattr(app.state, "index", None)
        self.store = getattr(state, "store", None) or getattr(app.state, "store", None)
        self._snapshot: Any = None

    @property
    def snapshot(self) -> Any:
        if self._snapshot is None and self.index is not None:
            self._snapshot = self.index.snapshot()
        return self._snapshot

    def now(self) -> datetime | None:
        return self.snapshot.now_datetime if self.snapshot is not None else None

    def top(self, period: int | None, lang: str | None, category: str | None, limit: int) -> list[Thread]:
        if self.snapshot is None:
            return []
        return self.snapshot.select(period, lang, category or "any", 0, limit)[0]

    def thread(self, thread_id: str) -> Thread | None:
        if self.snapshot is None or (thread := self.snapshot.by_id.get(thread_id)) is None:
            return None
        return self.snapshot.decay(thread)

    def thread_of(self, name: str) -> Thread | None:
        return self.snapshot.thread_of.get(name) if self.snapshot is not None else None

    def full_articles(self, articles: list[Article]) -> list[Article]:
        """The same articles with their paragraphs (from the store), in the same order."""
        if self.store is None or not articles:
            return articles
        try:
            full = self.store.get_many([a.name for a in articles])
        except Exception:  # the light copies still make a page
            log.exception("reading %d articles from the store failed", len(articles))
            return articles
        return [full.get(a.name) or a for a in articles]

    def search(self, query: str, limit: int) -> list[SearchResult]:
        if self.store is None:
            raise LookupError("no store")
        hits = self.store.search(query, limit=limit)
        known = {hit.name: self.index.get(hit.name) if self.index is not None else None for hit in hits}
        missing = [name for name, article in known.items() if article is None]
        if missing and self.store is not None:
            known.update(self.store.get_many(missing))
        results = []
        for hit in hits:
            article = known.get(hit.name)
            results.append(
                SearchResult(
                    name=hit.name,
                    title=hit.title or (article.title if article else hit.name),
                    snippet=clip(hit.snippet, 320),
                    published=hit.published,
                    lang=hit.lang,
                    site=source_name(article) if article else "",
                    url=safe_url(article.url) if article else None,
                    thread=self.thread_of(hit.name),
                )
            )
        return results


# -- the story explanation -----------------------------------------------------------------------
_STORY_CACHE: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_STORY_CACHE_SIZE = 256
_STORY_LOCK = threading.Lock()


def story_of(thread: Thread) -> dict[str, Any]:
    """`newsthread.story.explain(thread)`, cached per thread content; {} when it is unavailable."""
    if thread.story:
        return thread.story
    key = tuple((a.name, a.timestamp, a.title, len(a.paragraphs)) for a in thread.articles)
    with _STORY_LOCK:
        if key in _STORY_CACHE:
            _STORY_CACHE.move_to_end(key)
            return _STORY_CACHE[key]
    try:
        from newsthread.story import explain

        story = explain(thread) or {}
    except Exception:  # an explanation is a bonus: the page must render without it
        log.exception("story.explain failed for thread %s", thread.id)
        story = {}
    with _STORY_LOCK:
        _STORY_CACHE[key] = story
        while len(_STORY_CACHE) > _STORY_CACHE_SIZE:
            _STORY_CACHE.popitem(last=False)
    return story


def _text_of(item: Any, *keys: str) -> str:
    """The first non-empty of `keys` in a dict (or the item itself when it is a plain value)."""
    if isinstance(item, dict):
        for key in keys:
            value = item.get(key)
            if value not in (None, "", []):
                return " ".join(str(value).split())
        return ""
    return "" if item is None else " ".join(str(item).split())


def _sources_of(item: Any, by_name: dict[str, Article]) -> list[dict[str, Any]]:
    """Who said it: the item's articles (by name) as site + link, else its plain site labels."""
    if not isinstance(item, dict):
        return []
    names = item.get("articles") or ([item["name"]] if isinstance(item.get("name"), str) else [])
    out: dict[str, str | None] = {}
    for name in names if isinstance(names, list) else []:
        article = by_name.get(str(name))
        if article is not None:
            out.setdefault(source_name(article), safe_url(article.url))
    if not out:
        labels = item.get("sources") or item.get("site") or []
        for label in [labels] if isinstance(labels, str) else labels if isinstance(labels, list) else []:
            if isinstance(label, str) and label.strip():
                out.setdefault(" ".join(label.split()), None)
    return [{"name": name, "url": url} for name, url in out.items()]


def story_view(thread: Thread, story: dict[str, Any]) -> dict[str, Any]:
    """`explain`'s dict as plain lists for the template (anything missing or odd is left out)."""
    by_name = {article.name: article for article in thread.articles}
    summary = []
    for item in story.get("summary") or []:
        text = _text_of(item, "text")
        if text:
            summary.append({"text": text, "sources": _sources_of(item, by_name)})
    facts = []
    for item in story.get("facts") or []:
        text = _text_of(item, "text") or " ".join(
            _text_of(item, key) for key in ("value", "unit") if _text_of(item, key)
        )
        about = _text_of(item, "about")
        unit = _text_of(item, "unit")
        if unit and about.endswith(f", {unit}"):  # "lava fountains, m" → "lava fountains"
            about = about[: -len(unit) - 2]
        about = about.strip(" ,;:")
        if text:
            facts.append(
                {
                    "value": text,
                    "label": about if about and about.lower() not in text.lower() else "",
                    "quote": clip(_text_of(item, "quote"), 200),
                    "sources": _sources_of(item, by_name),
                }
            )
    entities = []
    for item in story.get("entities") or []:
        name = _text_of(item, "name", "text")
        if name:
            kind = _text_of(item, "type", "kind").lower() if isinstance(item, dict) else ""
            entities.append({"name": name, "kind": re.sub(r"[^a-z]", "", kind)})
    disagreements = []
    for item in story.get("disagreements") or []:
        statements = [
            {
                "text": _text_of(statement, "text", "value"),
                "quote": clip(_text_of(statement, "quote"), 220),
                "sources": _sources_of(statement, by_name),
            }
            for statement in (item.get("statements") or [] if isinstance(item, dict) else [])
        ]
        statements = [st for st in statements if st["text"]]
        if len(statements) >= 2:
            disagreements.append({"about": _text_of(item, "about"), "statements": statements})
    original = None
    raw = story.get("original")
    if isinstance(raw, dict):
        article = by_name.get(str(raw.get("name", "")))
        site = _text_of(raw, "site") or (source_name(article) if article else "")
        title = _text_of(raw, "title") or (article.title if article else "")
        if site or title:
            original = {
                "site": site,
                "title": title,
                "url": safe_url(raw.get("url")) or (safe_url(article.url) if article else None),
                "published": article.published if article else None,
                "reason": _text_of(raw, "reason"),
            }
    return {
        "summary": summary,
        "facts": facts,
        "entities": entities[:MAX_ENTITIES],
        "disagreements": disagreements,
        "original": original,
    }


# -- view models ---------------------------------------------------------------------------------
def thread_card(thread: Thread, lang: str, full: dict[str, Article] | None = None) -> dict[str, Any]:
    """What a thread's card shows; `full` holds articles with paragraphs for the lead sentence."""
    first, last = thread.first_published, thread.last_published
    names: list[str] = []
    hosts: set[str] = set()
    for article in thread.articles:
        if article.host in hosts:
            continue
        hosts.add(article.host)
        names.append(source_name(article))
    lead = ""
    for article in thread.articles[:3]:
        lead = lead_sentence((full or {}).get(article.name) or article)
        if lead:
            break
    span = (last - first).total_seconds() if first and last else 0
    return {
        "id": thread.id,
        "title": thread.title or (thread.articles[0].title if thread.articles else ""),
        "category": thread.category if thread.category in CATEGORIES else "other",
        "lang": thread.lang,
        "n_sources": len(names),
        "n_articles": len(thread.articles),
        "sources": names[:SHOWN_SOURCES],
        "more_sources": max(0, len(names) - SHOWN_SOURCES),
        "lead": lead,
        "others": [
            {"site": source_name(a), "title": a.title}
            for a in thread.articles[1:]
            if a.title and a.title != thread.title
        ][:OTHER_HEADLINES],
        "first": first,
        "last": last,
        "span": format_duration(span, lang) if span >= 60 else "",
    }


def timeline(thread: Thread, lang: str, now: datetime | None) -> list[dict[str, Any]]:
    dated = sorted((a for a in thread.articles if a.published), key=lambda a: (a.timestamp, a.name))
    dated = dated[:STORY_TIMELINE_MAX]
    if len(dated) < 2:  # one publication is not a timeline
        return []
    start, end = dated[0].published, dated[-1].published
    total = (end - start).total_seconds() or 1.0
    rows = []
    for article in dated:
        offset = (article.published - start).total_seconds()
        rows.append(
            {
                "site": source_name(article),
                "url": safe_url(article.url),
                "time": format_time(article.published, lang, now),
                "iso": iso(article.published),
                "after": STRINGS[lang]["after_first"].format(span=format_duration(offset, lang))
                if offset >= 60
                else "",
                "pct": round(100 * offset / total, 1),
            }
        )
    return rows


# -- rendering -----------------------------------------------------------------------------------
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=True,  # every template, whatever its extension
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_static_versions: dict[str, tuple[float, str]] = {}


def static_url(name: str) -> str:
    path = STATIC_DIR / name
    mtime = path.stat().st_mtime
    cached = _static_versions.get(name)
    if cached is None or cached[0] != mtime:
        cached = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
        _static_versions[name] = cached
    return f"/static/{name}?v={cached[1]}"


_env.globals.update(
    static_url=static_url,
    categories=CATEGORIES,
    periods=tuple(PERIODS),
    language_names=LANGUAGE_NAMES,
    plural=plural,
    format_time=format_time,
    format_ago=format_ago,
    iso=iso,
)


def _url(path: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def render(
    request: Request, template: str, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    here = request.url.path
    kept = {k: v for k, v in request.query_params.items() if k in ("category", "period", "q")}
    context.setdefault("now", None)
    context.setdefault("period", None)
    html = _env.get_template(template).render(
        lang=lang,
        t=STRINGS[lang],
        url=_url,
        lang_links={code: _url(here, **{**kept, "lang": code}) for code in NEWS_LANGUAGES},
        query=context.pop("query", ""),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = (
        f"public, max-age={PAGE_MAX_AGE}" if status_code == 200 else "no-store"
    )
    return response


# -- routes --------------------------------------------------------------------------------------
router = APIRouter(include_in_schema=False)


def _choice(value: str | None, allowed: Iterable[str], default: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if value in allowed else default


def _period(value: str | None) -> str:
    value = (value or "").strip().lower()
    if value in PERIODS:
        return value
    if value.isdigit():
        for key, seconds in PERIODS.items():
            if int(value) == seconds:
                return key
    return DEFAULT_PERIOD


def cards(reader: Reader, threads: list[Thread], lang: str) -> list[dict[str, Any]]:
    """Cards for threads; leads of articles without a description come from the store's text."""
    wanted = [t.articles[0] for t in threads if t.articles and not t.articles[0].description]
    full = {a.name: a for a in reader.full_articles(wanted)}
    return [thread_card(thread, lang, full) for thread in threads if thread.articles]


def starting(request: Request, lang: str) -> HTMLResponse:
    response = render(request, "starting.html", lang, status_code=503)
    response.headers["Retry-After"] = "2"
    return response


@router.get("/", response_class=HTMLResponse)
def front_page(request: Request) -> HTMLResponse:
    lang = pick_lang(request)
    reader = Reader(request.app)
    if not reader.ready:
        return starting(request, lang)
    category = _choice(request.query_params.get("category"), CATEGORIES, None)
    period = _period(request.query_params.get("period"))
    now = reader.now()
    threads = reader.top(PERIODS[period], lang, category, FRONT_PAGE_THREADS)
    return render(
        request,
        "front.html",
        lang,
        now=now,
        category=category,
        period=period,
        cards=cards(reader, threads, lang),
        empty_index=now is None,
    )


@router.get("/story/{thread_id}", response_class=HTMLResponse)
def story_page(request: Request, thread_id: str) -> HTMLResponse:
    lang = pick_lang(request)
    reader = Reader(request.app)
    if not reader.ready:
        return starting(request, lang)
    now = reader.now()
    thread = reader.thread(thread_id) if THREAD_ID.fullmatch(thread_id) else None
    if thread is None or not thread.articles:
        threads = reader.top(None, lang, None, 6)
        return render(
            request, "not_found.html", lang, status_code=404, now=now, cards=cards(reader, threads, lang)
        )
    thread = dataclasses.replace(thread, articles=reader.full_articles(thread.articles))
    articles = [
        {
            "title": article.title or article.name,
            "site": source_name(article),
            "url": safe_url(article.url),
            "raw_url": clip(article.url, 120) if article.url and not safe_url(article.url) else "",
            "published": article.published,
            "snippet": lead_sentence(article, 320),
        }
        for article in thread.articles
    ]
    return render(
        request,
        "story.html",
        lang,
        now=now,
        card=thread_card(thread, lang),
        story=story_view(thread, story_of(thread)),
        timeline=timeline(thread, lang, now),
        articles=articles,
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    lang = pick_lang(request)
    reader = Reader(request.app)
    if not reader.ready:
        return starting(request, lang)
    query = " ".join(request.query_params.get("q", "").split())
    message, results, threads = "", [], []
    if not query:
        message = STRINGS[lang]["search_empty"]
    elif len(query) > SEARCH_MAX_CHARS:
        message = STRINGS[lang]["search_too_long"].format(n=SEARCH_MAX_CHARS)
    else:
        try:
            results = reader.search(query, SEARCH_ARTICLES)
        except LookupError:
            message = STRINGS[lang]["search_unavailable"]
        except Exception:  # a store error must not take the page down
            log.exception("search failed for %r", query)
            message = STRINGS[lang]["search_unavailable"]
        seen: set[str] = set()
        for result in results:
            if result.thread is not None and result.thread.id not in seen:
                seen.add(result.thread.id)
                threads.append(result.thread)
    return render(
        request,
        "search.html",
        lang,
        now=reader.now(),
        query=query[:SEARCH_MAX_CHARS],
        message=message,
        results=results,
        cards=cards(reader, threads[:SEARCH_THREADS], lang),
    )


@router.get("/static/{name}")
def static_file(request: Request, name: str) -> Response:
    path = STATIC_DIR / name
    kind = STATIC_TYPES.get(path.suffix)
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        return Response("not found", status_code=404, media_type="text/plain", headers=SECURITY_HEADERS)
    versioned = request.query_params.get("v") == static_url(name).rsplit("=", 1)[1]
    headers = {
        **SECURITY_HEADERS,
        "Cache-Control": f"public, max-age={STATIC_MAX_AGE}, immutable"
        if versioned
        else "public, max-age=300",
    }
    return Response(path.read_bytes(), media_type=kind, headers=headers)


def mount_web(app: FastAPI) -> None:
    """Add the reader's pages to an app (the same as ``app.include_router(router)``)."""
    app.include_router(router)

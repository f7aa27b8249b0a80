"""newsthread's own JSON API (documented at /docs).

GET /api/threads?period=&lang_code=&category=&offset=&limit=   ranked threads, paged
GET /api/threads/{id}                                          one thread: articles (+ story)
GET /api/articles/{name}                                       one stored article
GET /api/search?q=&lang_code=&limit=                           full-text search
GET /api/status                                                loading state and counts
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsthread.model import Article, Thread
from newsthread.server.app import ServerState, error_response
from newsthread.server.index import Snapshot, category_of
from newsthread.server.tgnews_api import BadRequest, not_ready, parse_category, parse_lang, parse_period
from newsthread.store import valid_name

router = APIRouter(prefix="/api", tags=["newsthread API"])
docs_router = APIRouter(include_in_schema=False)

MAX_LIMIT = 1000
SNIPPET_CHARS = 300


class ThreadSummary(BaseModel):
    id: str
    title: str
    category: str
    language: str
    size: int
    importance: float
    first_published: datetime | None
    last_published: datetime | None
    sources: list[str]
    articles: list[str]


class ThreadList(BaseModel):
    now: datetime | None
    total: int
    offset: int
    limit: int
    threads: list[ThreadSummary]


class ArticleEntry(BaseModel):
    name: str
    url: str
    site: str
    host: str
    lang: str
    published: datetime | None
    title: str
    snippet: str


class ThreadDetail(ThreadSummary):
    entries: list[ArticleEntry]
    story: dict[str, Any] | None = None


class SearchResult(BaseModel):
    name: str
    title: str
    lang: str
    published: datetime | None
    snippet: str
    score: float
    thread_id: str | None


def _state(request: Request) -> ServerState:
    return request.app.state.nt


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def summary(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "title": thread.title,
        "category": category_of(thread),
        "language": thread.lang or (thread.articles[0].lang if thread.articles else ""),
        "size": len(thread.articles),
        "importance": round(float(thread.importance or 0.0), 6),
        "first_published": _iso(thread.first_published),
        "last_published": _iso(thread.last_published),
        "sources": thread.sources,
        "articles": [a.name for a in thread.articles],
    }


def entry(article: Article) -> dict[str, Any]:
    return {
        "name": article.name,
        "url": article.url,
        "site": article.site,
        "host": article.host,
        "lang": article.lang,
        "published": _iso(article.published),
        "title": article.title,
        "snippet": article.lead(SNIPPET_CHARS),
    }


async def _snapshot(state: ServerState) -> Snapshot:
    index = state.index
    current = index.latest
    if index.is_current(current):
        return current
    return await run_in_threadpool(index.snapshot)


@router.get("/threads", summary="Ranked threads, paged", responses={200: {"model": ThreadList}})
async def list_threads(
    request: Request,
    period: str | None = Query(None, description="window in seconds, (now − period, now]; all when absent"),
    lang_code: str | None = Query(None, description="en or ru; both when absent"),
    category: str | None = Query(None, description="any (default) or one of the 7 categories"),
    offset: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
) -> JSONResponse:
    state = _state(request)
    try:
        seconds = parse_period(period, required=False)
        lang = parse_lang(lang_code, required=False)
        wanted = parse_category(category, required=False)
    except BadRequest as error:
        return error_response(error.status, str(error))
    if (busy := not_ready(state)) is not None:
        return busy
    snapshot = await _snapshot(state)
    selected, total = snapshot.select(seconds, lang, wanted, offset, limit)
    return JSONResponse(
        {
            "now": _iso(snapshot.now_datetime),
            "total": total,
            "offset": offset,
            "limit": limit,
            "threads": [summary(t) for t in selected],
        }
    )


@router.get(
    "/threads/{thread_id}",
    summary="One thread with its articles (and its story when available)",
    responses={200: {"model": ThreadDetail}, 404: {"description": "no such thread"}},
)
async def get_thread(thread_id: str, request: Request) -> JSONResponse:
    state = _state(request)
    if (busy := not_ready(state)) is not None:
        return busy
    snapshot = await _snapshot(state)
    thread = snapshot.by_id.get(thread_id)
    if thread is None:
        return error_response(404, f"no thread with id {thread_id[:40]!r}")
    snapshot.decay(thread)
    return JSONResponse(await run_in_threadpool(_thread_detail, state, thread))


def _thread_detail(state: ServerState, thread: Thread) -> dict[str, Any]:
    stored = state.store.get_many(a.name for a in thread.articles)
    articles = [stored.get(a.name, a) for a in thread.articles]  # with their paragraphs
    full = Thread(
        articles=articles,
        title=thread.title,
        lang=thread.lang,
        category=thread.category,
        importance=thread.importance,
        story=thread.story,
    )
    detail = summary(full)
    detail["entries"] = [entry(a) for a in articles]
    detail["story"] = _story(full)
    return detail


def _story(thread: Thread) -> dict[str, Any] | None:
    try:
        from newsthread.story import explain
    except ImportError:
        return thread.story
    try:
        return jsonable_encoder(explain(thread))
    except Exception:  # a story bug must not hide the thread
        import logging

        logging.getLogger("newsthread.server").exception("story.explain failed for thread %s", thread.id)
        return None


@router.get(
    "/articles/{name}",
    summary="One stored article",
    responses={404: {"description": "no such article"}, 400: {"description": "invalid name"}},
)
async def get_article(name: str, request: Request) -> JSONResponse:
    state = _state(request)
    if not valid_name(name):
        return error_response(400, f"invalid article name {name[:100]!r}")
    if (busy := not_ready(state)) is not None:
        return busy
    article = await run_in_threadpool(state.store.get, name)
    if article is None:
        return error_response(404, f"no article named {name}")
    snapshot = await _snapshot(state)
    thread = snapshot.thread_of.get(name)
    data = article.to_dict()
    data["text"] = article.text
    data["thread_id"] = thread.id if thread else None
    return JSONResponse(data)


@router.get(
    "/search",
    summary="Full-text search over titles and texts",
    responses={200: {"model": list[SearchResult]}},
)
async def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=500, description="words to find"),
    lang_code: str | None = Query(None, description="only articles in this language"),
    limit: int = Query(20, ge=1, le=100),
) -> JSONResponse:
    state = _state(request)
    if (busy := not_ready(state)) is not None:
        return busy
    if lang_code is not None and not (lang_code.isascii() and lang_code.isalpha() and len(lang_code) <= 8):
        return error_response(400, f"invalid lang_code {lang_code[:40]!r}")
    hits = await run_in_threadpool(state.store.search, q, lang_code, limit)
    snapshot = state.index.latest
    return JSONResponse(
        [
            {
                "name": hit.name,
                "title": hit.title,
                "lang": hit.lang,
                "published": _iso(hit.published),
                "snippet": hit.snippet,
                "score": hit.score,
                "thread_id": (t.id if snapshot and (t := snapshot.thread_of.get(hit.name)) else None),
            }
            for hit in hits
        ]
    )


@router.get("/status", summary="Loading state, counts and timings")
async def status(request: Request) -> JSONResponse:
    state = _state(request)
    return JSONResponse(state.describe(), status_code=200 if state.ready else 503)


# -- /docs: the OpenAPI description as a page that needs no network --------------------------
@docs_router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(render_docs(request.app.openapi()))


SWAGGER_ASSETS = "/docs/swagger-ui"
SWAGGER_FILES = {  # served from the swagger-ui-bundle package: nothing is fetched from a CDN
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def swagger_assets_dir() -> Path | None:
    """The Swagger UI files shipped by the `swagger-ui-bundle` package, when it is installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    path = Path(swagger_ui_path)
    return path if all((path / name).is_file() for name in SWAGGER_FILES) else None


@docs_router.get("/docs/swagger")
async def swagger(request: Request) -> HTMLResponse:
    """The interactive Swagger UI, with its scripts served by this server (works offline)."""
    if swagger_assets_dir() is None:
        return HTMLResponse(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Swagger UI</title></head><body>"
            "<p>The interactive Swagger UI needs the <code>swagger-ui-bundle</code> Python package"
            " (<code>pip install swagger-ui-bundle</code>). The API is described at"
            " <a href='/docs'>/docs</a> and <a href='/openapi.json'>/openapi.json</a>.</p></body></html>"
        )
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title="newsthread – Swagger UI",
        swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_ASSETS}/favicon-32x32.png",
    )


@docs_router.get(SWAGGER_ASSETS + "/{file}")
async def swagger_asset(file: str) -> FileResponse:
    folder = swagger_assets_dir()
    if folder is None or file not in SWAGGER_FILES:  # only the listed files: no path tricks
        raise StarletteHTTPException(404)
    return FileResponse(folder / file, media_type=SWAGGER_FILES[file])


def render_docs(spec: dict[str, Any]) -> str:
    esc = html.escape
    info = spec.get("info", {})
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{esc(info.get('title', 'API'))} API</title>",
        "<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "code,.path{font-family:ui-monospace,monospace}.op{border-top:1px solid #ddd;padding:.6rem 0}"
        ".m{display:inline-block;min-width:4.5rem;font-weight:700}td{padding:0 .8rem .2rem 0;vertical-align:top}"
        "</style></head><body>",
        f"<h1>{esc(info.get('title', 'API'))} {esc(str(info.get('version', '')))}</h1>",
        f"<p>{esc(info.get('summary', ''))}</p>",
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a> · interactive: "
        "<a href='/docs/swagger'>Swagger UI</a></p>",
    ]
    by_tag: dict[str, list[str]] = {}
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            rows = []
            for param in op.get("parameters", []):
                schema = param.get("schema", {})
                kind = schema.get("type") or "/".join(x.get("type", "") for x in schema.get("anyOf", []))
                rows.append(
                    f"<tr><td><code>{esc(param['name'])}</code></td><td>{esc(param.get('in', ''))}</td>"
                    f"<td>{esc(kind)}{' (required)' if param.get('required') else ''}</td>"
                    f"<td>{esc(param.get('description', ''))}</td></tr>"
                )
            codes = ", ".join(
                f"{esc(code)} {esc(r.get('description', ''))}" for code, r in op.get("responses", {}).items()
            )
            block = (
                f"<div class='op'><span class='m'>{esc(method.upper())}</span><span class='path'>{esc(path)}</span>"
                f" — {esc(op.get('summary', ''))}"
                + (f"<table>{''.join(rows)}</table>" if rows else "")
                + f"<div>Responses: {codes}</div></div>"
            )
            by_tag.setdefault((op.get("tags") or ["other"])[0], []).append(block)
    for tag, blocks in by_tag.items():
        parts.append(f"<h2>{esc(tag)}</h2>")
        parts.extend(blocks)
    parts.append("</body></html>")
    return "".join(parts)

"""The tgnews contest HTTP contract (contract doc §2.3), answered exactly.

    PUT    /<name>.html   Cache-Control: max-age=N   → 201 new, 204 replaced
    DELETE /<name>.html                              → 204 deleted, 404 unknown
    GET    /threads?period=&lang_code=&category=     → {"threads": [{"title", "category", "articles"}]}

Every request is answered 503 (with Retry-After) until the index is loaded. Bad requests get
400 with ``{"error": "..."}``; bodies over the size limit get 413.
"""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from newsthread.ingest import ReadError
from newsthread.model import NEWS_LANGUAGES
from newsthread.server.app import ServerState, error_response
from newsthread.server.index import FILTER_CATEGORIES, MAX_THREADS, Snapshot, category_of
from newsthread.store import valid_name

router = APIRouter(tags=["tgnews contract"])

MAX_PERIOD = 100 * 365 * 86400  # seconds; the checker uses 300 … 2 592 000
_DIGITS = re.compile(r"[0-9]{1,12}")
_NAME_RULE = (
    "article names are bare file names: letters, digits, '.', '_', '-', ending in .html, without '..'"
)


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def state_of(request: Request) -> ServerState:
    return request.app.state.nt


def not_ready(state: ServerState) -> JSONResponse | None:
    if state.ready:
        return None
    message = f"not ready: {state.status}" + (f" ({state.error})" if state.error else "")
    return error_response(503, message, {"Retry-After": "1"})


def parse_max_age(header: str | None) -> int:
    """``Cache-Control: max-age=N`` → N seconds (other directives are ignored)."""
    if header is None:
        raise BadRequest("missing Cache-Control header: expected max-age=<seconds>")
    for directive in header.split(","):
        key, _, value = directive.strip().partition("=")
        if key.strip().lower() == "max-age":
            value = value.strip().strip('"')
            if not _DIGITS.fullmatch(value):
                raise BadRequest(f"invalid max-age {value[:40]!r}: expected a whole number of seconds")
            return int(value)
    raise BadRequest(f"Cache-Control {header[:80]!r} has no max-age=<seconds>")


async def read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None:
        if not _DIGITS.fullmatch(length.strip()):
            raise BadRequest("invalid Content-Length")
        if int(length) > limit:
            raise BadRequest(f"body of {int(length)} bytes is over the {limit}-byte limit", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"body is over the {limit}-byte limit", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_name(name: str) -> None:
    if not valid_name(name):
        raise BadRequest(f"invalid article name {name[:100]!r}: {_NAME_RULE}")


_PUT_DOC = {
    "parameters": [
        {
            "name": "Cache-Control",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "example": "max-age=86400"},
            "description": "the article's time to live: it leaves the threads when now > published + max-age",
        }
    ],
    "requestBody": {
        "required": True,
        "content": {"text/html": {"schema": {"type": "string"}}},
        "description": "the article file (tgnews contest HTML)",
    },
}


@router.put(
    "/{name:path}",
    summary="Index an article (tgnews)",
    status_code=201,
    responses={
        201: {"description": "the article is new"},
        204: {"description": "the article replaced one of the same name"},
        400: {"description": "invalid name, max-age or body"},
        413: {"description": "body over the size limit"},
        503: {"description": "still loading; retry"},
    },
    openapi_extra=_PUT_DOC,
)
async def put_article(name: str, request: Request) -> Response:
    state = state_of(request)
    try:
        _check_name(name)
        if (busy := not_ready(state)) is not None:
            return busy
        max_age = parse_max_age(request.headers.get("cache-control"))
        body = await read_body(request, state.max_body_bytes)
    except BadRequest as error:
        return error_response(error.status, str(error))
    try:
        article = await state.reader.read(name, body, max_age)
    except ReadError as error:
        return error_response(400, f"not a readable article: {error.reason}")
    try:
        new = await state.writer.submit("put", article, body if state.keep_raw else None)
    except Exception as error:
        return error_response(503, f"storage unavailable: {type(error).__name__}", {"Retry-After": "1"})
    return Response(status_code=201 if new else 204)


@router.delete(
    "/{name:path}",
    summary="Delete an article (tgnews)",
    status_code=204,
    responses={
        204: {"description": "deleted"},
        404: {"description": "no such article"},
        400: {"description": "invalid name"},
        503: {"description": "still loading; retry"},
    },
)
async def delete_article(name: str, request: Request) -> Response:
    state = state_of(request)
    try:
        _check_name(name)
    except BadRequest as error:
        return error_response(error.status, str(error))
    if (busy := not_ready(state)) is not None:
        return busy
    try:
        existed = await state.writer.submit("delete", name)
    except Exception as error:
        return error_response(503, f"storage unavailable: {type(error).__name__}", {"Retry-After": "1"})
    if not existed:
        return error_response(404, f"no article named {name}")
    return Response(status_code=204)


def parse_period(value: str | None, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise BadRequest("missing period: expected a whole number of seconds, e.g. period=86400")
        return None
    value = value.strip()
    if not _DIGITS.fullmatch(value) or not 0 < int(value) <= MAX_PERIOD:
        raise BadRequest(
            f"invalid period {value[:40]!r}: expected a whole number of seconds, 1 … {MAX_PERIOD}"
        )
    return int(value)


def parse_lang(value: str | None, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise BadRequest("missing lang_code: expected one of " + ", ".join(NEWS_LANGUAGES))
        return None
    if value not in NEWS_LANGUAGES:
        raise BadRequest(f"invalid lang_code {value[:40]!r}: expected one of " + ", ".join(NEWS_LANGUAGES))
    return value


def parse_category(value: str | None, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise BadRequest("missing category: expected one of " + ", ".join(FILTER_CATEGORIES))
        return "any"
    if value not in FILTER_CATEGORIES:
        raise BadRequest(f"invalid category {value[:40]!r}: expected one of " + ", ".join(FILTER_CATEGORIES))
    return value


@router.get(
    "/threads",
    summary="Top threads (tgnews)",
    responses={
        200: {
            "description": "threads, most important first",
            "content": {
                "application/json": {
                    "example": {
                        "threads": [
                            {
                                "title": "Apple reveals new AirPods Pro",
                                "category": "technology",
                                "articles": ["1.html"],
                            }
                        ]
                    }
                }
            },
        },
        400: {"description": "invalid parameter"},
        503: {"description": "still loading; retry"},
    },
)
async def threads(
    request: Request,
    period: str | None = Query(None, description="window in seconds: threads active in (now − period, now]"),
    lang_code: str | None = Query(None, description="en or ru"),
    category: str | None = Query(
        None, description="any, society, economy, technology, sports, entertainment, science, other"
    ),
) -> Response:
    state = state_of(request)
    try:
        seconds = parse_period(period)
        lang = parse_lang(lang_code)
        wanted = parse_category(category)
    except BadRequest as error:
        return error_response(error.status, str(error))
    if (busy := not_ready(state)) is not None:
        return busy
    body = await _run(state, seconds, lang, wanted)
    return Response(body, media_type="application/json")


async def _run(state: ServerState, period: int, lang: str, category: str) -> bytes:
    index = state.index
    snapshot = index.latest
    if not index.is_current(snapshot):
        from starlette.concurrency import run_in_threadpool

        snapshot = await run_in_threadpool(index.snapshot)
    return threads_body(snapshot, period, lang, category)


def threads_body(snapshot: Snapshot, period: int, lang: str, category: str) -> bytes:
    key = (period, lang, category)
    cached = snapshot.responses.get(key)
    if cached is not None:
        return cached
    selected, _ = snapshot.select(period, lang, category, 0, MAX_THREADS)
    body = json.dumps(
        {
            "threads": [
                {"title": t.title, "category": category_of(t), "articles": [a.name for a in t.articles]}
                for t in selected
            ]
        },
        ensure_ascii=False,
    ).encode()
    if len(snapshot.responses) > 256:
        snapshot.responses.clear()
    snapshot.responses[key] = body
    return body

"""The tgnews contest HTTP contract (contract doc §2.3), answered exactly.

    PUT    /<name>.html   Cache-Control: max-age=N   → 201 new, 204 replaced
    DELETE /<name>.html                              → 204 deleted, 404 unknown
    GET    /threads?period=&lang_code=&category=     → {"threads": [{"title", "category", "articles"}]}

Every request is answered 503 (with Retry-After) until the index is loaded. Bad requests get
400 with ``{"error": "..."}``; bodies over the size limit get 413.

The answers are made by `put_reply`, `delete_reply` and `threads_reply`. The FastAPI routes
below call them; they also give the OpenAPI description. `ContractFastPath` calls the same
functions for ``PUT/DELETE /<name>`` and ``GET /threads`` without FastAPI's routing and
middleware stack: the server's app (`app.NewsthreadAPI`) hands those requests to it first.
The checker's traffic is almost all PUTs, and that stack costs about as much CPU per request
as the rest of the HTTP handling.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from newsthread.ingest import ReadError
from newsthread.model import NEWS_LANGUAGES
from newsthread.server.app import ServerState, WorkerDied, error_response
from newsthread.server.index import FILTER_CATEGORIES, MAX_THREADS, Snapshot, category_of
from newsthread.store import valid_name

log = logging.getLogger("newsthread.server")
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


@dataclass
class Reply:
    """An answer, independent of the web framework."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    media_type: str | None = None

    @classmethod
    def error(cls, status: int, message: str, retry: bool = False) -> Reply:
        headers = (("Retry-After", "1"),) if retry else ()
        return cls(status, json.dumps({"error": message}).encode(), headers, "application/json")

    def response(self) -> Response:
        return Response(self.body, self.status, dict(self.headers), self.media_type)


def state_of(request: Request) -> ServerState:
    return request.app.state.nt


def busy_reply(state: ServerState) -> Reply | None:
    if state.ready:
        return None
    return Reply.error(503, f"not ready: {state.status}" + (f" ({state.error})" if state.error else ""), True)


def not_ready(state: ServerState) -> JSONResponse | None:
    """503 (with Retry-After) while the server is loading (for the other routes)."""
    if state.ready:
        return None
    message = f"not ready: {state.status}" + (f" ({state.error})" if state.error else "")
    return error_response(503, message, {"Retry-After": "1"})


# -- parsing -----------------------------------------------------------------------------------
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


def check_name(name: str) -> None:
    if not valid_name(name):
        raise BadRequest(f"invalid article name {name[:100]!r}: {_NAME_RULE}")


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


async def read_limited(content_length: str | None, chunks: AsyncIterator[bytes], limit: int) -> bytes:
    if content_length is not None:
        if not _DIGITS.fullmatch(content_length.strip()):
            raise BadRequest("invalid Content-Length")
        if int(content_length) > limit:
            raise BadRequest(f"body of {int(content_length)} bytes is over the {limit}-byte limit", 413)
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"body is over the {limit}-byte limit", 413)
        parts.append(chunk)
    return b"".join(parts)


# -- the answers -------------------------------------------------------------------------------
async def put_reply(
    state: ServerState,
    name: str,
    cache_control: str | None,
    content_length: str | None,
    chunks: AsyncIterator[bytes],
) -> Reply:
    try:
        check_name(name)
        if (busy := busy_reply(state)) is not None:
            return busy
        max_age = parse_max_age(cache_control)
        body = await read_limited(content_length, chunks, state.max_body_bytes)
    except BadRequest as error:
        return Reply.error(error.status, str(error))
    try:
        article, row = await state.reader.read(name, body, max_age)
    except ReadError as error:
        return Reply.error(400, f"not a readable article: {error.reason}")
    except WorkerDied:  # the readers die before reading anything (e.g. out of memory at start)
        return Reply.error(503, "article readers unavailable; try again", True)
    try:
        new = await state.writer.submit("put", article, row)
    except Exception as error:
        return Reply.error(503, f"storage unavailable: {type(error).__name__}", True)
    return Reply(201 if new else 204)


async def delete_reply(state: ServerState, name: str) -> Reply:
    try:
        check_name(name)
    except BadRequest as error:
        return Reply.error(error.status, str(error))
    if (busy := busy_reply(state)) is not None:
        return busy
    try:
        existed = await state.writer.submit("delete", name)
    except Exception as error:
        return Reply.error(503, f"storage unavailable: {type(error).__name__}", True)
    if not existed:
        return Reply.error(404, f"no article named {name}")
    return Reply(204)


async def threads_reply(state: ServerState, params: Mapping[str, str]) -> Reply:
    try:
        period = parse_period(params.get("period"))
        lang = parse_lang(params.get("lang_code"))
        category = parse_category(params.get("category"))
    except BadRequest as error:
        return Reply.error(error.status, str(error))
    if (busy := busy_reply(state)) is not None:
        return busy
    index = state.index
    snapshot = index.latest
    if not index.is_current(snapshot):
        snapshot = await run_in_threadpool(index.snapshot)
    return Reply(200, threads_body(snapshot, period, lang, category), (), "application/json")


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


# -- FastAPI routes (documented in the OpenAPI spec) ---------------------------------------------
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
    headers = request.headers
    reply = await put_reply(
        state_of(request), name, headers.get("cache-control"), headers.get("content-length"), request.stream()
    )
    return reply.response()


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
    return (await delete_reply(state_of(request), name)).response()


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
    params = {"period": period, "lang_code": lang_code, "category": category}
    return (
        await threads_reply(state_of(request), {k: v for k, v in params.items() if v is not None})
    ).response()


# -- the same answers without FastAPI's routing ------------------------------------------------
class ContractFastPath:
    """Answers ``PUT/DELETE /<name>`` (no further "/") and ``GET /threads``: `takes(scope)`
    says whether a request is one of them, `answer` answers it (`app.NewsthreadAPI` asks
    first and sends every other request through FastAPI). Percent-escapes are decoded the way
    Starlette decodes the path: the server has decoded it already ("%2F" is a "/", so such
    names go to the other routes, which refuse them).
    """

    def __init__(self, state: ServerState):
        self.state = state

    @staticmethod
    def takes(scope) -> bool:
        """Whether this is a contract request answered here."""
        if scope["type"] != "http":
            return False
        method, path = scope["method"], scope["path"]
        if method in ("PUT", "DELETE"):
            return path.count("/") == 1 and path != "/"
        return method == "GET" and path == "/threads"

    async def answer(self, scope, receive, send) -> None:
        method, path = scope["method"], scope["path"]
        try:
            if method == "GET":
                query = scope.get("query_string", b"").decode("latin-1")
                reply = await threads_reply(self.state, dict(parse_qsl(query, keep_blank_values=True)))
            elif method == "DELETE":
                reply = await delete_reply(self.state, path[1:])  # already percent-decoded
            else:
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                reply = await put_reply(
                    self.state,
                    path[1:],
                    headers.get("cache-control"),
                    headers.get("content-length"),
                    _body_chunks(receive),
                )
        except _Disconnected:
            return
        except Exception as error:
            log.exception("unhandled error on %s %s", method, path)
            reply = Reply.error(500, f"internal error: {type(error).__name__}")
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
        if reply.status != 204:
            headers.append((b"content-length", str(len(reply.body)).encode()))
            if reply.media_type:
                headers.append((b"content-type", reply.media_type.encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body if reply.status != 204 else b""})


class _Disconnected(Exception):
    pass


async def _body_chunks(receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return

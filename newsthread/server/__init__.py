"""The newsthread HTTP server: the tgnews contract, the JSON API, the web pages.

    serve(8000)                                   # ./newsthread.db on 127.0.0.1:8000
    serve(8000, db_url="postgresql://host/db")    # several servers can share one PostgreSQL

`create_app(...)` returns the FastAPI app itself (see `newsthread.server.app`).
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app", "serve"]

KEEP_ALIVE_SECONDS = 300  # the tgnews checker sends "Keep-Alive: 300"


def create_app(db_url: str | None = None, **options: Any) -> FastAPI:
    from newsthread.server.app import create_app as build

    return build(db_url, **options)


def serve(port: int, host: str = "127.0.0.1", db_url: str | None = None, **options: Any) -> None:
    """Run the server in this process until interrupted (HTTP/1.1 with keep-alive).

    The port is bound before anything heavy is imported, so it accepts connections within a
    fraction of a second; they wait in the listen queue until the app answers them (503 while
    the stored index loads in the background).
    `options` go to `create_app` (workers, max_body_bytes, recluster_interval, ...).
    """
    sock = socket.create_server((host, port), backlog=2048, reuse_port=False)

    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(db_url, **options)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        server_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])

"""Helpers for the store and server tests: hand-written articles, a real server process, PostgreSQL.

Nothing here stands in for a newsthread component: the server runs as a real process on a
loopback port and the store tests use real SQLite files and a real PostgreSQL server.
"""

from __future__ import annotations

import html
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_SCRIPT = ROOT / "scripts" / "pg_test_server.sh"
T0 = datetime(2019, 11, 1, 8, 0, tzinfo=UTC)


# -- articles ----------------------------------------------------------------------------------
@dataclass
class Doc:
    name: str
    title: str
    lang: str  # what the article is written in (the detector decides what the server thinks)
    published: datetime
    site: str
    paragraphs: list[str]
    description: str = ""

    def html(self) -> bytes:
        return contest_html(self.title, self.published, self.site, self.paragraphs, self.description).encode()


def contest_html(
    title: str, published: datetime, site: str, paragraphs: list[str], description: str = ""
) -> str:
    """An article in the tgnews contest HTML format (contract doc §1)."""
    esc = html.escape
    stamp = published.isoformat()
    host = site.lower().replace(" ", "") + ".example"
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8"/>
    <meta property="og:url" content="https://{host}/news/{zlib.crc32(title.encode())}"/>
    <meta property="og:site_name" content="{esc(site)}"/>
    <meta property="article:published_time" content="{stamp}"/>
    <meta property="og:title" content="{esc(title)}"/>
    <meta property="og:description" content="{esc(description or paragraphs[0])}"/>
  </head>
  <body>
    <article>
      <h1>{esc(title)}</h1>
      <address><time datetime="{stamp}">{published:%d %b %Y, %H:%M}</time> by <a rel="author">{esc(site)}</a></address>
      {body}
    </article>
  </body>
</html>
"""


def _en(name: str, minutes: int, site: str, title: str, *paragraphs: str) -> Doc:
    return Doc(name, title, "en", T0 + timedelta(minutes=minutes), site, list(paragraphs))


def _ru(name: str, minutes: int, site: str, title: str, *paragraphs: str) -> Doc:
    return Doc(name, title, "ru", T0 + timedelta(minutes=minutes), site, list(paragraphs))


# Three events told by several outlets, a few single stories, and articles in other languages.
DOCS: list[Doc] = [
    _en(
        "1001.html",
        0,
        "Daily Planet",
        "Magnitude 6.4 earthquake strikes southern Albania, killing three",
        "A magnitude 6.4 earthquake struck southern Albania early on Friday, killing three people and "
        "damaging hundreds of buildings in the port city of Vlora, officials said.",
        "Rescue teams searched the rubble of collapsed houses as aftershocks shook the region.",
    ),
    _en(
        "1002.html",
        20,
        "Morning Herald",
        "Deadly earthquake hits Albania's Vlora, three dead",
        "Three people were killed when a strong earthquake of magnitude 6.4 hit the Albanian city of "
        "Vlora on Friday morning, the interior ministry said.",
        "Hundreds of buildings were damaged and rescuers are searching collapsed homes.",
    ),
    _en(
        "1003.html",
        45,
        "World Wire",
        "Albania earthquake: three killed as 6.4 quake damages Vlora buildings",
        "An earthquake measuring 6.4 killed three people in southern Albania on Friday and damaged "
        "buildings across Vlora, according to the government.",
        "Aftershocks continued through the morning while rescue teams worked in the rubble.",
    ),
    _en(
        "1101.html",
        30,
        "Tech Today",
        "Apple unveils AirPods Pro with noise cancellation for $249",
        "Apple on Friday unveiled AirPods Pro, new wireless earbuds with active noise cancellation "
        "that will sell for $249 starting next week.",
        "The company said the earbuds have a new design with silicone tips.",
    ),
    _en(
        "1102.html",
        50,
        "Gadget News",
        "Apple announces $249 AirPods Pro with active noise cancellation",
        "Apple announced AirPods Pro on Friday: wireless earbuds with active noise cancellation priced "
        "at $249, available from next Wednesday.",
        "The new earbuds come with three sizes of silicone tips.",
    ),
    _en(
        "1201.html",
        70,
        "Sports Daily",
        "Liverpool beat Tottenham 2-1 to stay top of the Premier League",
        "Liverpool came from behind to beat Tottenham 2-1 at Anfield on Sunday and stay top of the "
        "Premier League table, six points clear of Manchester City.",
        "Mohamed Salah scored the winning penalty in the second half.",
    ),
    _ru(
        "2001.html",
        10,
        "Вести",
        "В Москве открылась новая станция метро «Лефортово»",
        "В Москве в пятницу открылась новая станция метро «Лефортово» Большой кольцевой линии, "
        "сообщил мэр Сергей Собянин.",
        "Станция будет принимать около тридцати тысяч пассажиров в сутки.",
    ),
    _ru(
        "2002.html",
        25,
        "Известия",
        "Собянин открыл станцию метро «Лефортово» на Большой кольцевой линии",
        "Мэр Москвы Сергей Собянин в пятницу открыл станцию «Лефортово» Большой кольцевой линии метро.",
        "По словам мэра, станция разгрузит соседние линии и будет принимать тридцать тысяч пассажиров.",
    ),
    _ru(
        "2003.html",
        40,
        "Коммерсант",
        "Центробанк снизил ключевую ставку до 6,5 процента",
        "Банк России в пятницу снизил ключевую ставку на 0,5 процентного пункта, до 6,5 процента "
        "годовых, говорится в сообщении регулятора.",
        "Аналитики ожидали такого решения на фоне замедления инфляции.",
    ),
    Doc(
        "3001.html",
        "Neue Regeln für Elektroroller in Berlin",
        "de",
        T0 + timedelta(minutes=15),
        "Berliner Blatt",
        [
            "Der Berliner Senat hat am Freitag neue Regeln für das Abstellen von Elektrorollern in der "
            "Innenstadt beschlossen, wie ein Sprecher mitteilte."
        ],
    ),
    Doc(
        "3002.html",
        "Le gouvernement présente son budget pour l'année prochaine",
        "fr",
        T0 + timedelta(minutes=35),
        "Le Quotidien",
        [
            "Le gouvernement français a présenté vendredi son projet de budget pour l'année prochaine, "
            "avec une baisse des impôts pour les ménages."
        ],
    ),
]
DOC = {d.name: d for d in DOCS}
EN_NEWS = [d.name for d in DOCS if d.lang == "en"]
RU_NEWS = [d.name for d in DOCS if d.lang == "ru"]
OTHER = [d.name for d in DOCS if d.lang not in ("en", "ru")]


# -- HTTP --------------------------------------------------------------------------------------
class Client:
    """A keep-alive HTTP/1.1 client on one connection (like the checker's curl handle)."""

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                return response.status, response.headers, data  # headers: case-insensitive
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def put(self, name: str, body: bytes, max_age: int | None = 86400, content_type: str = "text/html"):
        headers = {"Content-Type": content_type}
        if max_age is not None:
            headers["Cache-Control"] = f"max-age={max_age}"
        return self.request("PUT", "/" + quote(name), body, headers)[0]

    def delete(self, name: str) -> int:
        return self.request("DELETE", "/" + quote(name))[0]

    def get_json(self, path: str):
        status, _, data = self.request("GET", path)
        return status, (json.loads(data) if data else None)

    def threads(self, period: int, lang: str, category: str = "any"):
        return self.get_json(f"/threads?period={period}&lang_code={lang}&category={category}")

    def close(self) -> None:
        self.conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ServerProcess:
    """`newsthread.server.serve` in a child process on a free loopback port."""

    def __init__(self, db_url: str, log_path: Path, **options):
        self.db_url = db_url
        self.log_path = log_path
        self.options = options
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> ServerProcess:
        code = (
            "import sys, json; from newsthread.server import serve; "
            "serve(int(sys.argv[1]), db_url=sys.argv[2], **json.loads(sys.argv[3]))"
        )
        self.log = open(self.log_path, "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(self.port), self.db_url, json.dumps(self.options)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=self.log_path.parent,
        )
        return self

    def wait_listening(self, timeout: float = 10) -> float:
        """Seconds from start until the port accepted a connection."""
        while time.monotonic() - self.started < timeout:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            if port_open(self.port):
                return time.monotonic() - self.started
            time.sleep(0.02)
        raise AssertionError(f"port {self.port} not open after {timeout} s:\n{self.output()}")

    def wait_ready(self, timeout: float = 120) -> list[int]:
        """Poll GET /threads until 200; returns the status codes seen."""
        self.wait_listening()
        seen: list[int] = []
        client = Client(self.port, timeout=10)
        try:
            while time.monotonic() - self.started < timeout:
                try:
                    status, _ = client.threads(3600, "en")
                except OSError:
                    status = 0
                seen.append(status)
                if status == 200:
                    return seen
                time.sleep(0.05)
        finally:
            client.close()
        raise AssertionError(
            f"server not ready after {timeout} s (saw {sorted(set(seen))}):\n{self.output()}"
        )

    def client(self) -> Client:
        return Client(self.port)

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()
        if getattr(self, "log", None):
            self.log.close()

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


# -- PostgreSQL --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL URL: $NEWSTHREAD_TEST_PG, or a private server started for this session."""
    url = os.environ.get("NEWSTHREAD_TEST_PG")
    if url:
        yield url
        return
    result = subprocess.run(["bash", str(PG_SCRIPT), "start"], capture_output=True, text=True, timeout=120)
    if result.returncode == 3:
        pytest.skip("no PostgreSQL server binaries (install postgresql or set NEWSTHREAD_TEST_PG)")
    if result.returncode != 0:
        pytest.skip(f"could not start a private PostgreSQL server: {result.stderr.strip()[-500:]}")
    env = dict(
        line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines() if "=" in line
    )
    try:
        yield env["NEWSTHREAD_TEST_PG"]
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "stop", env["NEWSTHREAD_TEST_PG_DIR"]], timeout=60)


def pg_schema_url(base: str) -> Iterator[str]:
    """A fresh schema on the server; yields a URL whose search_path points at it."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    yield from pg_schema_url(pg_server)

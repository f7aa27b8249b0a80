"""The reader's pages (front page, story, search) through the real app on a loopback port.

Articles go in the way a client sends them (tgnews ``PUT /<name>.html``), the server annotates,
stores and threads them, and the pages are compared with the JSON API of the same server.
Hostile articles (script tags, event handlers, ``javascript:`` URLs) must render as inert text.
"""

from __future__ import annotations

import html
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from selectolax.lexbor import LexborHTMLParser

from newsthread.server import create_app, web
from newsthread.server.web import accept_language, plural, safe_url

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
HOUR = 3600


def contest_html(
    title: str,
    site: str,
    url: str,
    published: datetime,
    description: str,
    paragraphs: list[str],
) -> bytes:
    """An article in the tgnews contest format; every value is escaped, so hostile text stays text."""
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"/>
<meta property="og:url" content="{e(url)}"/>
<meta property="og:site_name" content="{e(site)}"/>
<meta property="article:published_time" content="{published.isoformat()}"/>
<meta property="og:title" content="{e(title)}"/>
<meta property="og:description" content="{e(description)}"/>
</head><body><article><h1>{e(title)}</h1>
<address><time datetime="{published.isoformat()}">{published:%d %b %Y}</time></address>
{body}
</article></body></html>""".encode()


VOLCANO = [
    "The volcano on the Reykjanes peninsula in Iceland erupted on Friday morning, sending lava "
    "fountains 50 metres into the air, the Icelandic Meteorological Office said.",
    "About 4,000 residents of the fishing town of Grindavik were evacuated overnight and the Blue "
    "Lagoon spa was closed. Flights at Keflavik airport were not affected, officials said.",
]
HOSTILE_TITLE = 'Volcano <script>alert("xss-title")</script> erupts <img src=x onerror=alert(1)>'
HOSTILE_SITE = "<b onmouseover=alert(2)>Evil Wire</b>"
HOSTILE_URL = "javascript:alert(document.domain)"
HOSTILE_DESCRIPTION = "\"><script>alert('xss-desc')</script> Lava reached the road near Grindavik."
HOSTILE_PARAGRAPH = (
    "<iframe src=javascript:alert(3)></iframe> Residents of Grindavik were evacuated as lava flowed."
)
QUOTE_URL = 'https://quote.example.com/a"><script>alert(4)</script>'


def hostile_articles(now: datetime) -> dict[str, bytes]:
    """Two articles about the volcano with hostile titles, site names, URLs and text."""
    return {
        "hostile-1.html": contest_html(
            HOSTILE_TITLE,
            HOSTILE_SITE,
            HOSTILE_URL,
            now - timedelta(minutes=30),
            HOSTILE_DESCRIPTION,
            [HOSTILE_PARAGRAPH, *VOLCANO],
        ),
        "hostile-2.html": contest_html(
            "Iceland volcano: lava reaches Grindavik defences",
            "Quote Times",
            QUOTE_URL,
            now - timedelta(minutes=40),
            "Lava from the Reykjanes volcano reached the defensive walls around Grindavik.",
            VOLCANO,
        ),
    }


ARTICLES: dict[str, bytes] = {
    "volcano-1.html": contest_html(
        "Iceland volcano erupts near Grindavik, thousands evacuated",
        "Northern Wire",
        "https://northernwire.example.com/world/iceland-volcano",
        NOW - timedelta(minutes=10),
        "A volcano on Iceland's Reykjanes peninsula erupted on Friday; Grindavik was evacuated.",
        VOLCANO,
    ),
    "volcano-2.html": contest_html(
        "Volcanic eruption in Iceland forces evacuation of Grindavik",
        "The Daily Meridian",
        "https://meridian.example.org/news/iceland-eruption",
        NOW - timedelta(minutes=50),
        "Lava fountains rose 50 metres after the volcano on the Reykjanes peninsula erupted.",
        VOLCANO[::-1],
    ),
    "volcano-3.html": contest_html(
        "Iceland: Reykjanes volcano erupts, Blue Lagoon closed",
        "Nordport Herald",
        "http://nordport.example.net/iceland/volcano",
        NOW - timedelta(hours=2),
        "About 4,000 people left Grindavik as the Reykjanes volcano erupted again.",
        VOLCANO,
    ),
    **hostile_articles(NOW),
    "satellites-1.html": contest_html(
        "Orbital Dynamics launches 40 satellites for rural broadband",
        "TechPulse",
        "https://techpulse.example.com/space/orbital-dynamics-launch",
        NOW - timedelta(hours=3),
        "The company's rocket lifted off from Florida carrying 40 internet satellites.",
        [
            "Orbital Dynamics launched 40 broadband satellites from Cape Canaveral on Friday, the company said.",
            "The satellites will bring internet access to rural areas of North America by next year.",
        ],
    ),
    "satellites-2.html": contest_html(
        "Orbital Dynamics puts 40 broadband satellites into orbit",
        "The Gadget Desk",
        "https://gadgetdesk.example.com/orbital-dynamics-40-satellites",
        NOW - timedelta(hours=4),
        "A rocket carrying 40 Orbital Dynamics satellites lifted off from Cape Canaveral.",
        [
            "Orbital Dynamics said its rocket carried 40 broadband satellites into low Earth orbit on Friday.",
            "The company plans to offer rural internet service in North America next year.",
        ],
    ),
    "bridge-1.html": contest_html(
        "Harbour city opens the longest suspension bridge in the country",
        "The Metro Ledger",
        "https://metroledger.example.com/city/bridge-opens",
        NOW - timedelta(days=3),
        "The mayor opened the 2.1-kilometre bridge on Tuesday after six years of construction.",
        [
            "The mayor opened the 2.1-kilometre suspension bridge across the harbour on Tuesday, city officials said.",
            "The bridge cost 1.2 billion dollars and will carry 40,000 cars a day, according to the city council.",
        ],
    ),
    "metro-1.html": contest_html(
        "В Новосибирске открыли новую станцию метро «Спортивная»",
        "Лента Севера",
        "https://lenta-severa.example.ru/city/metro-sportivnaya",
        NOW - timedelta(minutes=20),
        "Станция «Спортивная» стала четырнадцатой в новосибирском метрополитене.",
        [
            "В Новосибирске в пятницу открыли станцию метро «Спортивная», сообщили в мэрии города.",
            "Строительство станции обошлось бюджету в 3,5 млрд рублей, её пассажиропоток составит 20 тысяч человек в сутки.",
        ],
    ),
    "metro-2.html": contest_html(
        "Новая станция метро «Спортивная» открылась в Новосибирске",
        "Новости Реки",
        "https://novosti-reki.example.ru/metro",
        NOW - timedelta(hours=1),
        "Мэр Новосибирска открыл станцию метро «Спортивная» на Ленинской линии.",
        [
            "Мэр Новосибирска в пятницу открыл новую станцию метро «Спортивная», сообщает пресс-служба мэрии.",
            "На строительство станции потратили 3,5 млрд рублей, в сутки она будет принимать 20 тысяч пассажиров.",
        ],
    ),
}


# -- a real server on a loopback port ------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The app under uvicorn in a thread of this process, on 127.0.0.1:<free port>."""

    def __init__(self, app, lifespan: str = "on"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan=lifespan)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def start(self, timeout: float = 120.0, wait_ready: bool = True) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        with httpx.Client(base_url=self.url) as client:
            while wait_ready and client.get("/api/status").status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not become ready")
                time.sleep(0.2)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def make_app(db_path: Path):
    app = create_app(str(db_path), workers=0, recluster_interval=None, follow_interval=None)
    if not any(getattr(route, "path", None) == "/story/{thread_id}" for route in app.routes):
        web.mount_web(app)  # until the server includes the reader itself
    return app


def put_articles(client: httpx.Client, articles: dict[str, bytes]) -> None:
    for name, body in articles.items():
        response = client.put(f"/{name}", content=body, headers={"Cache-Control": "max-age=2592000"})
        assert response.status_code in (201, 204), (name, response.status_code, response.text)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(make_app(tmp_path_factory.mktemp("web") / "news.db"))
    live.start()
    with httpx.Client(base_url=live.url, timeout=60) as client:
        put_articles(client, ARTICLES)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def page(response: httpx.Response) -> LexborHTMLParser:
    assert response.headers["content-type"].startswith("text/html")
    return LexborHTMLParser(response.text)


def card_titles(tree: LexborHTMLParser) -> list[str]:
    return [node.text(deep=True).strip() for node in tree.css(".card .title a")]


def api_titles(client: httpx.Client, **params) -> list[str]:
    response = client.get("/api/threads", params={k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, response.text
    return [thread["title"] for thread in response.json()["threads"]]


def thread_of(client: httpx.Client, name: str) -> str:
    response = client.get(f"/api/articles/{name}")
    assert response.status_code == 200, response.text
    thread_id = response.json()["thread_id"]
    assert thread_id, f"{name} is in no thread"
    return thread_id


def assert_inert(text: str) -> None:
    """No active content at all: no scripts, frames, images, event handlers or script URLs."""
    tree = LexborHTMLParser(text)
    for tag in ("script", "iframe", "img", "object", "embed", "base", "meta[http-equiv]"):
        assert not tree.css(tag), f"<{tag}> in the page"
    for node in tree.css("*"):
        for attribute, value in node.attributes.items():
            assert not attribute.lower().startswith("on"), f"event handler {attribute}={value!r}"
            if attribute in ("href", "src", "action", "formaction"):
                value = value or ""
                assert value.startswith(("/", "http://", "https://")) and not value.startswith("//"), value
    for link in tree.css("a[href^='http']"):
        assert set((link.attributes.get("rel") or "").split()) >= {"noopener", "noreferrer", "nofollow"}


# -- unit checks of the helpers -------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "java\nscript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example.com/x",
        "http://",
        "https:evil.example.com",
        "/relative/path",
        "ftp://files.example.com/a",
        "",
        None,
    ],
)
def test_safe_url_refuses_everything_but_absolute_http(url):
    assert safe_url(url) is None


def test_safe_url_keeps_http_and_https():
    assert safe_url("https://example.com/a?b=1#c") == "https://example.com/a?b=1#c"
    assert safe_url(" http://example.com/ ") == "http://example.com/"
    assert safe_url(QUOTE_URL) == QUOTE_URL  # valid URL; the template escapes the quote


def test_plural_and_accept_language():
    assert [plural("ru", n, "source") for n in (1, 2, 5, 11, 21, 22, 112)] == [
        "1 источник",
        "2 источника",
        "5 источников",
        "11 источников",
        "21 источник",
        "22 источника",
        "112 источников",
    ]
    assert plural("en", 1, "article") == "1 article" and plural("en", 3, "article") == "3 articles"
    assert accept_language("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7") == "ru"
    assert accept_language("de-DE,de;q=0.9,en;q=0.5,ru;q=0.4") == "en"
    assert accept_language("fr, ru;q=0.1") == "ru"
    assert accept_language("de, fr") == "en"
    assert accept_language("en;q=0.2, ru;q=0.8") == "ru"
    assert accept_language("garbage;;q=x,,,") == "en"


# -- the front page ------------------------------------------------------------------------------
def test_front_page_english_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    tree = page(response)
    assert tree.css_first("html").attributes["lang"] == "en"
    assert response.headers["content-language"] == "en"
    titles = card_titles(tree)
    assert titles and titles == api_titles(client, lang_code="en", period=24 * HOUR)[: len(titles)]
    assert any("Grindavik" in title or "Iceland" in title for title in titles)
    assert not any("Новосибирск" in title for title in titles)
    tabs = [a.text().strip() for a in tree.css("nav.tabs a")]
    assert tabs == ["All", "Society", "Economy", "Technology", "Sports", "Entertainment", "Science", "Other"]
    periods = [a.text().strip() for a in tree.css("nav.periods a")]
    assert periods == ["Last hour", "6 hours", "Day", "Week"]
    assert tree.css_first("nav.periods a.active").text().strip() == "Day"
    assert tree.css_first("form.search input[name=q]") is not None


def test_front_page_cards_show_sources_span_and_lead(client):
    tree = page(client.get("/?lang=en&period=24h"))
    api = client.get("/api/threads", params={"lang_code": "en", "period": 24 * HOUR}).json()["threads"]
    for card, thread in zip(tree.css(".card"), api, strict=False):
        meta = card.css_first(".meta").text(deep=True)
        sources = len(thread["sources"])
        assert f"{sources} source" in meta
        assert card.css_first(".cat").text().strip().lower() == thread["category"]
        assert card.css_first(".title a").attributes["href"] == f"/story/{thread['id']}?lang=en"
        assert card.css_first(".sources").text(deep=True).strip()
    volcano = next(
        c for c in tree.css(".card") if "Grindavik" in c.text(deep=True) or "Iceland" in c.text(deep=True)
    )
    assert volcano.css_first(".lead") is not None and len(volcano.css_first(".lead").text()) > 20


def test_language_from_parameter_then_accept_language(client):
    russian = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    tree = page(russian)
    assert tree.css_first("html").attributes["lang"] == "ru"
    assert "Главное" in tree.css_first("h1").text()
    assert [a.text().strip() for a in tree.css("nav.tabs a")][:3] == ["Все", "Общество", "Экономика"]
    titles = card_titles(tree)
    assert titles == api_titles(client, lang_code="ru", period=24 * HOUR)[: len(titles)]
    assert any("Новосибирск" in title for title in titles)
    assert "Accept-Language" in russian.headers["vary"]
    # the parameter wins over the header, and junk falls back to the header
    english = page(client.get("/?lang=en", headers={"Accept-Language": "ru"}))
    assert english.css_first("html").attributes["lang"] == "en"
    fallback = page(client.get("/?lang=xx", headers={"Accept-Language": "ru"}))
    assert fallback.css_first("html").attributes["lang"] == "ru"
    # the language switch keeps the category and period
    switch = page(client.get("/?lang=en&category=science&period=7d")).css_first("nav.langs a[hreflang=ru]")
    assert switch.attributes["href"] == "/?category=science&period=7d&lang=ru"


@pytest.mark.parametrize(
    "category", ["society", "economy", "technology", "sports", "entertainment", "science", "other"]
)
def test_category_tabs_match_the_api(client, category):
    tree = page(client.get(f"/?lang=en&category={category}&period=7d"))
    assert (
        tree.css_first("nav.tabs a.active").attributes["href"] == f"/?lang=en&category={category}&period=7d"
    )
    assert (
        card_titles(tree) == api_titles(client, lang_code="en", category=category, period=7 * 24 * HOUR)[:40]
    )
    assert all(c.text().strip() == web.STRINGS["en"][category] for c in tree.css(".card .cat"))


def test_every_thread_is_under_exactly_one_category_tab(client):
    everything = card_titles(page(client.get("/?lang=en&period=7d")))
    assert everything
    by_tab = [
        title
        for category in web.CATEGORIES
        for title in card_titles(page(client.get(f"/?lang=en&period=7d&category={category}")))
    ]
    assert sorted(by_tab) == sorted(everything)


def test_period_window_is_relative_to_the_newest_article(client):
    week = card_titles(page(client.get("/?lang=en&period=7d")))
    day = card_titles(page(client.get("/?lang=en&period=24h")))
    hour = card_titles(page(client.get("/?lang=en&period=1h")))
    assert week == api_titles(client, lang_code="en", period=7 * 24 * HOUR)[:40]
    assert hour == api_titles(client, lang_code="en", period=HOUR)[:40]
    bridge = [t for t in week if "bridge" in t.lower()]
    assert bridge, week  # three days before "now": in the week ...
    assert not [t for t in day if "bridge" in t.lower()]  # ... not in the day
    assert len(hour) < len(week)
    # seconds work too, and junk falls back to a day
    assert card_titles(page(client.get("/?lang=en&period=3600"))) == hour
    assert card_titles(page(client.get("/?lang=en&period=-5&category=nope"))) == day


def test_headers_on_pages(client):
    response = client.get("/?lang=en")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == f"public, max-age={web.PAGE_MAX_AGE}"
    assert "http://" not in "".join(
        (n.attributes.get("href") or "") + (n.attributes.get("src") or "")
        for n in page(response).css("link, script")
    )


def test_static_files_are_versioned_and_cached(client):
    tree = page(client.get("/"))
    href = tree.css_first("link[rel=stylesheet]").attributes["href"]
    assert href.startswith("/static/style.css?v=")
    css = client.get(href)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"] and "max-age=31536000" in css.headers["cache-control"]
    assert css.headers["x-content-type-options"] == "nosniff"
    stale = client.get("/static/style.css?v=old")
    assert stale.status_code == 200 and "immutable" not in stale.headers["cache-control"]
    for bad in (
        "/static/web.py",
        "/static/..%2fweb.py",
        "/static/%2e%2e/web.py",
        "/static/nope.css",
        "/static/.hidden.css",
    ):
        assert client.get(bad).status_code == 404, bad


# -- the story page ------------------------------------------------------------------------------
def test_story_page_lists_every_article_with_links_and_timeline(client):
    thread_id = thread_of(client, "volcano-1.html")
    detail = client.get(f"/api/threads/{thread_id}").json()
    response = client.get(f"/story/{thread_id}?lang=en")
    assert response.status_code == 200
    tree = page(response)
    assert tree.css_first("h1").text().strip() == detail["title"]
    items = tree.css("ol.coverage > li")
    assert [li.css_first("h3").text(deep=True).strip() for li in items] == [
        e["title"] for e in detail["entries"]
    ]
    for li, entry in zip(items, detail["entries"], strict=True):
        assert li.css_first(".site").text().strip() == (entry["site"] or entry["host"])
        link = li.css_first("h3 a")
        if safe_url(entry["url"]):
            assert link.attributes["href"] == entry["url"]
            assert set(link.attributes["rel"].split()) == {"noopener", "noreferrer", "nofollow"}
        else:
            assert link is None
    rows = tree.css("ol.timeline > li")
    dated = sum(1 for e in detail["entries"] if e["published"])
    assert dated >= 2 and len(rows) == dated
    times = [row.css_first("time").attributes["datetime"] for row in rows]
    assert times == sorted(times)
    assert_inert(response.text)


def test_story_page_shows_the_explanation(client):
    thread_id = thread_of(client, "volcano-1.html")
    story = client.get(f"/api/threads/{thread_id}").json()["story"]
    from newsthread.story import explain  # noqa: F401  (the story module must exist)

    assert story, "the API returned no story for the thread"
    tree = page(client.get(f"/story/{thread_id}?lang=en"))
    text = tree.body.text(deep=True)
    for sentence in story.get("summary") or []:
        shown = sentence["text"] if isinstance(sentence, dict) else sentence
        assert " ".join(shown.split()) in " ".join(text.split())
    if story.get("facts"):
        assert tree.css(".facts li")
    if story.get("original"):
        assert tree.css_first(".original") is not None


def test_story_page_in_russian(client):
    thread_id = thread_of(client, "metro-1.html")
    tree = page(client.get(f"/story/{thread_id}?lang=ru"))
    assert tree.css_first("html").attributes["lang"] == "ru"
    assert "Все публикации" in tree.body.text(deep=True)
    assert "Новосибирск" in tree.css_first("h1").text()


def test_unknown_story_is_a_404_page(client):
    for path in ("/story/0123456789abcdef", "/story/not-an-id", "/story/%3Cscript%3E"):
        response = client.get(path + "?lang=en")
        assert response.status_code == 404
        tree = page(response)
        assert "Story not found" in tree.css_first("h1").text()
        assert response.headers["cache-control"] == "no-store"
        assert "<script" not in response.text


# -- search --------------------------------------------------------------------------------------
def test_search_finds_threads_and_articles(client):
    response = client.get("/search", params={"q": "Grindavik volcano", "lang": "en"})
    assert response.status_code == 200
    tree = page(response)
    results = tree.css("ol.results > li")
    assert results
    api = client.get("/api/search", params={"q": "Grindavik volcano", "limit": web.SEARCH_ARTICLES}).json()
    assert [li.css_first("h3").text(deep=True).strip() for li in results] == [hit["title"] for hit in api]
    volcano = thread_of(client, "volcano-1.html")
    assert any(a.attributes["href"] == f"/story/{volcano}?lang=en" for a in tree.css(".card .title a"))
    assert tree.css_first("form.search input[name=q]").attributes["value"] == "Grindavik volcano"
    assert_inert(response.text)


def test_search_in_russian(client):
    tree = page(client.get("/search", params={"q": "станция метро", "lang": "ru"}))
    assert tree.css_first("html").attributes["lang"] == "ru"
    assert any("Новосибирск" in li.text(deep=True) for li in tree.css("ol.results > li"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a few words"),
        ("   ", "Type a few words"),
        ("x" * (web.SEARCH_MAX_CHARS + 1), "too long"),
        ("zzqqxx nonexistentword", "Nothing found"),
        ('"unbalanced', None),
        ("AND OR NOT NEAR(", None),
        ("* - ^ : ( ) {}", None),
        ("'; DROP TABLE articles; --", None),
        ("\u0000\u202e\ufeff", None),
        ("<script>alert(1)</script>", None),
    ],
)
def test_odd_searches_are_answered_gracefully(client, query, message):
    response = client.get("/search", params={"q": query, "lang": "en"})
    assert response.status_code == 200
    if message:
        assert message in response.text
    assert "<script>" not in response.text
    assert_inert(response.text)
    assert "Search is not available" not in response.text


# -- hostile articles ----------------------------------------------------------------------------
def test_hostile_article_renders_as_text_everywhere(client):
    thread_id = thread_of(client, "hostile-1.html")
    pages = {
        "front": client.get("/?lang=en&period=7d"),
        "story": client.get(f"/story/{thread_id}?lang=en"),
        "search": client.get("/search", params={"q": "xss-title", "lang": "en"}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert_inert(response.text)
    story = page(pages["story"])
    text = story.body.text(deep=True)
    # the hostile values are there, as text
    assert 'alert("xss-title")' in text and "<script>" in text
    assert "Evil Wire" in text and "<b onmouseover" in text
    assert "javascript:alert(document.domain)" in text  # shown, not linked
    assert "&lt;script&gt;" in pages["story"].text
    entry = next(li for li in story.css("ol.coverage > li") if "xss-title" in li.text(deep=True))
    assert entry.css_first("h3 a") is None and entry.css_first(".raw-url") is not None
    assert "javascript:" not in "".join(a.attributes.get("href") or "" for a in story.css("a"))
    search_text = page(pages["search"]).body.text(deep=True)
    assert 'alert("xss-title")' in search_text


def test_url_with_quotes_stays_inside_the_attribute(client):
    thread_id = thread_of(client, "hostile-2.html")
    response = client.get(f"/story/{thread_id}?lang=en")
    assert_inert(response.text)
    hrefs = [a.attributes["href"] for a in page(response).css("ol.coverage a")]
    assert QUOTE_URL in hrefs  # the whole URL, quote and all, is one attribute value


# -- start-up ------------------------------------------------------------------------------------
def test_pages_say_the_server_is_starting_before_it_is_ready(tmp_path):
    # without the lifespan the store is never loaded: the server stays "starting"
    live = LiveServer(make_app(tmp_path / "starting.db"), lifespan="off")
    live.start(wait_ready=False)
    try:
        with httpx.Client(base_url=live.url) as client:
            assert client.get("/api/status").status_code == 503
            for path in ("/", "/story/0123456789abcdef", "/search?q=x"):
                response = client.get(path, headers={"Accept-Language": "ru"})
                assert response.status_code == 503
                assert response.headers["retry-after"] and response.headers["cache-control"] == "no-store"
                assert "Сервер запускается" in response.text
    finally:
        live.stop()


def test_empty_index_says_so(tmp_path):
    live = LiveServer(make_app(tmp_path / "empty.db"))
    live.start()
    try:
        with httpx.Client(base_url=live.url) as client:
            tree = page(client.get("/?lang=en"))
            assert "No articles have been indexed yet" in tree.body.text(deep=True)
            assert not tree.css(".card")
    finally:
        live.stop()

"""The live server as a real process on a loopback port: the tgnews contract, restart after kill -9,
503 while loading, bad input, TTL semantics and the JSON API."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest
from server_fixtures import (  # noqa: F401  (pg_server, pg_url: fixtures)
    DOC,
    DOCS,
    EN_NEWS,
    OTHER,
    RU_NEWS,
    Client,
    Doc,
    ServerProcess,
    pg_server,
    pg_url,
)

from newsthread.model import CATEGORIES

FILTERS = ["any", *CATEGORIES]
DAY = 86400


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "server.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def launch(tmp_path):
    started: list[ServerProcess] = []

    def start(db: str, **options) -> ServerProcess:
        options.setdefault("workers", 0)
        server = ServerProcess(db, tmp_path / f"server{len(started)}.log", **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def names_in(payload: dict) -> list[str]:
    return [name for thread in payload["threads"] for name in thread["articles"]]


def check_shape(payload: dict, category: str) -> None:
    assert set(payload) == {"threads"}
    assert len(payload["threads"]) <= 1000
    for thread in payload["threads"]:
        assert isinstance(thread["title"], str) and thread["title"]
        assert thread["articles"] and all(
            isinstance(n, str) and n.endswith(".html") for n in thread["articles"]
        )
        assert thread["category"] in CATEGORIES  # required for "any", always present here
        if category != "any":
            assert thread["category"] == category


def all_threads(client: Client, period: int = 30 * DAY) -> dict[str, list[dict]]:
    """lang → threads of every category filter, each answer checked for shape (16 GETs)."""
    seen: dict[str, list[dict]] = {}
    for lang in ("en", "ru"):
        for category in FILTERS:
            status, payload = client.threads(period, lang, category)
            assert status == 200, payload
            check_shape(payload, category)
            if category == "any":
                seen[lang] = payload["threads"]
            else:
                assert {n for t in payload["threads"] for n in t["articles"]} <= {
                    n for t in seen[lang] for n in t["articles"]
                }
    return seen


def put_all(client: Client, docs: list[Doc], max_age: int = 30 * DAY) -> list[int]:
    return [client.put(d.name, d.html(), max_age) for d in docs]


def test_contract_put_get_delete(db_url, launch):
    server = launch(db_url)
    assert server.wait_listening() < 2.0  # the port opens at once; loading happens behind 503
    server.wait_ready()
    client = server.client()
    assert put_all(client, DOCS) == [201] * len(DOCS)
    threads = all_threads(client)
    en, ru = set(names_in({"threads": threads["en"]})), set(names_in({"threads": threads["ru"]}))
    assert set(EN_NEWS) <= en and set(RU_NEWS) <= ru
    assert not (en | ru) & set(OTHER)  # stored (201) but never threaded
    assert len(en | ru) == len(names_in({"threads": threads["en"] + threads["ru"]}))  # each article once

    # a replaced article is 204 and its new content shows in the next GET
    changed = DOC["1201.html"]
    retitled = Doc(
        changed.name,
        "Liverpool stay top after 2-1 win over Tottenham at Anfield",
        "en",
        changed.published,
        changed.site,
        changed.paragraphs,
    )
    assert client.put(retitled.name, retitled.html()) == 204
    _, payload = client.threads(30 * DAY, "en")
    assert any(t["title"] == retitled.title for t in payload["threads"] if t["articles"] == [retitled.name])

    assert client.delete("1003.html") == 204
    assert client.delete("1003.html") == 404
    assert client.delete("never-stored.html") == 404
    _, payload = client.threads(30 * DAY, "en")
    assert "1003.html" not in names_in(payload) and "1001.html" in names_in(payload)
    for name in OTHER:  # non-news articles are stored like any other
        assert client.delete(name) == 204
    assert client.put("1003.html", DOC["1003.html"].html()) == 201  # new again after its delete
    client.close()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if entry.isdigit() and int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except OSError:
            continue
    return found


def test_kill_9_then_restart_keeps_every_acknowledged_write(db_url, launch):
    server = launch(db_url, workers=1)  # with a worker process: it must not outlive the server
    server.wait_ready()
    client = server.client()
    assert put_all(client, DOCS) == [201] * len(DOCS)
    assert client.delete("2003.html") == 204
    assert client.put("1002.html", DOC["1002.html"].html(), 7 * DAY) == 204
    before = all_threads(client)
    children = children_of(server.proc.pid)
    assert children
    server.kill9()  # right after the last acknowledgement
    deadline = time.monotonic() + 10
    while [c for c in children if os.path.exists(f"/proc/{c}")]:
        assert time.monotonic() < deadline, "worker processes outlived the killed server"
        time.sleep(0.1)

    again = launch(db_url)
    again.wait_ready()
    client = again.client()
    after = all_threads(client)
    for lang in ("en", "ru"):
        assert sorted(names_in({"threads": after[lang]})) == sorted(names_in({"threads": before[lang]}))
    assert client.delete("1001.html") == 204  # PUT before the kill: still there
    assert client.delete("2003.html") == 404  # deleted before the kill: still gone
    assert client.delete("3001.html") == 204
    status, article = client.get_json("/api/articles/1002.html")
    assert status == 200 and article["max_age"] == 7 * DAY and article["lang"] == "en"
    client.close()


def test_a_restart_restores_the_saved_threads_and_a_changed_article_rejoins(db_url, launch):
    server = launch(db_url)
    server.wait_ready()
    client = server.client()
    put_all(client, DOCS)
    before = all_threads(client)
    client.close()
    server.stop()  # a clean stop saves the thread labels

    again = launch(db_url)
    again.wait_ready()
    client = again.client()
    status, info = client.get_json("/api/status")
    assert status == 200 and info["labels_restored"] == len(EN_NEWS) + len(RU_NEWS)
    assert all_threads(client) == before
    assert client.put("1002.html", DOC["1002.html"].html(), 7 * DAY) == 204  # after the save
    again.kill9()
    third = launch(db_url)
    third.wait_ready()
    client = third.client()
    status, info = client.get_json("/api/status")
    assert info["labels_restored"] == len(EN_NEWS) + len(RU_NEWS) - 1  # 1002.html changed since
    for lang in ("en", "ru"):
        assert sorted(names_in({"threads": all_threads(client)[lang]})) == sorted(
            names_in({"threads": before[lang]})
        )
    client.close()


def test_the_full_text_index_catches_up_behind_the_writes(tmp_path, launch):
    server = launch(str(tmp_path / "search.db"))
    server.wait_ready()
    client = server.client()
    put_all(client, DOCS)
    deadline = time.monotonic() + 15
    info: dict = {}
    while time.monotonic() < deadline:  # the writer indexes every few seconds, no search asked
        info = client.get_json("/api/status")[1]
        if info["search_backlog"] == 0:
            break
        time.sleep(0.2)
    assert info["search_backlog"] == 0 and info["search_indexed"] == len(DOCS)
    status, hits = client.get_json("/api/search?q=Anfield")
    assert status == 200 and "1201.html" in [hit["name"] for hit in hits]
    client.close()


def test_port_opens_at_once_and_answers_503_until_loaded(tmp_path, launch):
    db = str(tmp_path / "loaded.db")
    first = launch(db)
    first.wait_ready()
    client = first.client()
    put_all(client, DOCS)
    client.close()
    first.stop()

    server = launch(db, workers=1)  # a worker process to start and warm: loading takes a while
    assert server.wait_listening() < 2.0
    client = Client(server.port, timeout=10)
    statuses, bodies = [], []
    while time.monotonic() - server.started < 60:
        status, headers, data = client.request("GET", "/threads?period=86400&lang_code=en&category=any")
        statuses.append(status)
        if status == 503:
            bodies.append(json.loads(data))
            assert headers.get("Retry-After") == "1"
            # a write while loading is refused (503) or, if loading just ended, done (201)
            assert client.put(f"late{len(statuses)}.html", DOC["1001.html"].html()) in (201, 503)
        if status == 200:
            break
        time.sleep(0.01)
    assert statuses[-1] == 200 and set(statuses) <= {200, 503}
    assert 503 in statuses, "loading was too quick to observe"
    assert all("error" in body for body in bodies)
    assert set(DOC) <= {*names_in({"threads": all_threads(client)["en"]}), *OTHER, *RU_NEWS}
    client.close()


def test_bad_input_is_refused_and_loses_nothing(tmp_path, launch):
    server = launch(str(tmp_path / "bad.db"), max_body_bytes=64 * 1024)
    server.wait_ready()
    client = server.client()
    assert put_all(client, DOCS) == [201] * len(DOCS)
    good = DOC["1001.html"].html()

    def put(path: str, body: bytes, headers: dict) -> tuple[int, dict]:
        status, _, data = client.request("PUT", path, body, headers)
        return status, json.loads(data) if data else {}

    ttl = {"Cache-Control": "max-age=600", "Content-Type": "text/html"}
    cases = [
        ("/binary.html", b"\x00\x01\x02\xff" * 100, ttl, 400),
        ("/latin1.html", "<html><body>café</body></html>".encode("latin-1"), ttl, 400),
        ("/empty.html", b"", ttl, 400),
        ("/big.html", good + b" " * (70 * 1024), ttl, 413),
        ("/nottl.html", good, {"Content-Type": "text/html"}, 400),
        ("/badttl.html", good, {"Cache-Control": "max-age=soon"}, 400),
        ("/negttl.html", good, {"Cache-Control": "max-age=-5"}, 400),
        ("/nocache.html", good, {"Cache-Control": "no-cache"}, 400),
        ("/dir/x.html", good, ttl, 400),
        ("/a%2F..%2Fb.html", good, ttl, 400),
        ("/..html", good, ttl, 400),
        ("/x.txt", good, ttl, 400),
        ("/sp%20ace.html", good, ttl, 400),
        ("/", good, ttl, 400),
    ]
    for path, body, headers, expected in cases:
        status, payload = put(path, body, headers)
        assert (status, bool(payload.get("error"))) == (expected, True), (path, status, payload)
    assert client.request("DELETE", "/a%2Fb.html")[0] == 400

    bad_queries = [
        "period=abc&lang_code=en&category=any",
        "period=0&lang_code=en&category=any",
        "period=-300&lang_code=en&category=any",
        "period=1e3&lang_code=en&category=any",
        "lang_code=en&category=any",
        "period=300&lang_code=de&category=any",
        "period=300&category=any",
        "period=300&lang_code=en&category=politics",
        "period=300&lang_code=en",
    ]
    for query in bad_queries:
        status, payload = client.get_json(f"/threads?{query}")
        assert status == 400 and payload["error"], query
    for path in ("/nope", "/1001.html", "/api/nope", "/threads/1"):
        status, payload = client.get_json(path)
        assert status == 404 and payload["error"], path

    # nothing was lost or half-written
    threads = all_threads(client)
    assert set(EN_NEWS) <= set(names_in({"threads": threads["en"]}))
    for name in ("binary.html", "big.html", "nottl.html", "x.txt"):
        assert client.get_json(f"/api/articles/{name}")[0] in (400, 404)
    status, info = client.get_json("/api/status")
    assert status == 200 and info["articles"] == len(DOCS)
    client.close()


def test_ttl_expires_against_the_newest_article_not_the_clock(tmp_path, launch):
    server = launch(str(tmp_path / "ttl.db"))
    server.wait_ready()
    client = server.client()
    quake = DOC["1001.html"]
    assert client.put(quake.name, quake.html(), max_age=600) == 201
    _, payload = client.threads(3600, "en")
    assert names_in(payload) == [quake.name]  # 2019 article, now = its own time: live

    later = Doc(
        "9001.html",
        "Liverpool beat Tottenham 2-1 to stay top of the Premier League",
        "en",
        quake.published + timedelta(seconds=900),
        "Sports Daily",
        DOC["1201.html"].paragraphs,
    )
    assert client.put(later.name, later.html(), max_age=DAY) == 201
    _, payload = client.threads(3600, "en")
    assert names_in(payload) == [later.name]  # now = published + 900 > quake + 600: expired

    assert client.delete(later.name) == 204  # now moves back: the quake article is live again
    _, payload = client.threads(3600, "en")
    assert names_in(payload) == [quake.name]

    # the window (now − period, now]: an article 2 h older than now is outside period=3600
    old = Doc(
        "9002.html",
        DOC["1101.html"].title,
        "en",
        quake.published - timedelta(hours=2),
        "Tech Today",
        DOC["1101.html"].paragraphs,
    )
    assert client.put(old.name, old.html(), max_age=DAY) == 201
    _, payload = client.threads(3600, "en")
    assert old.name not in names_in(payload)
    _, payload = client.threads(3 * 3600, "en")
    assert old.name in names_in(payload)
    client.close()


def test_json_api_and_docs(tmp_path, launch):
    server = launch(str(tmp_path / "api.db"))
    server.wait_ready()
    client = server.client()
    put_all(client, DOCS)
    status, page = client.get_json("/api/threads?lang_code=en&limit=2")
    assert status == 200 and page["total"] >= 2 and len(page["threads"]) == 2
    first = page["threads"][0]
    assert set(first) >= {
        "id",
        "title",
        "category",
        "language",
        "size",
        "first_published",
        "last_published",
        "sources",
        "articles",
    }
    assert first["language"] == "en" and first["size"] == len(first["articles"])
    status, second_page = client.get_json("/api/threads?lang_code=en&limit=1&offset=1")
    assert second_page["threads"][0]["id"] == page["threads"][1]["id"]

    status, detail = client.get_json(f"/api/threads/{first['id']}")
    assert status == 200 and detail["id"] == first["id"]
    assert [e["name"] for e in detail["entries"]] == first["articles"]
    entry = detail["entries"][0]
    assert entry["url"].startswith("https://") and entry["snippet"] and entry["title"]
    assert "story" in detail
    assert client.get_json("/api/threads/0000000000000000")[0] == 404

    status, article = client.get_json("/api/articles/2001.html")
    assert status == 200 and article["title"] == DOC["2001.html"].title and article["lang"] == "ru"
    assert article["text"].startswith("В Москве") and article["thread_id"]
    assert client.get_json("/api/articles/missing.html")[0] == 404
    assert client.get_json("/api/articles/bad..name.html")[0] == 400

    status, hits = client.get_json("/api/search?q=earthquake%20Vlora")
    assert status == 200 and {h["name"] for h in hits} >= {"1001.html", "1002.html"}
    assert client.get_json("/api/threads?period=x")[0] == 400

    status, headers, data = client.request("GET", "/docs")  # offline: no external script
    assert status == 200 and b"/threads" in data and b"/api/threads/{thread_id}" in data
    assert b"<script" not in data
    status, headers, data = client.request("GET", "/docs/swagger")  # its assets come from us
    assert status == 200 and b"http://" not in data and b"https://" not in data
    if b"/docs/swagger-ui/swagger-ui-bundle.js" in data:  # swagger-ui-bundle is installed
        status, headers, script = client.request("GET", "/docs/swagger-ui/swagger-ui-bundle.js")
        assert status == 200 and len(script) > 100_000
    assert client.request("GET", "/docs/swagger-ui/..%2Fsecret")[0] == 404
    status, spec = client.get_json("/openapi.json")
    assert {"/threads", "/api/threads", "/api/threads/{thread_id}", "/api/articles/{name}"} <= set(
        spec["paths"]
    )
    client.close()


@pytest.mark.postgres
def test_two_replicas_share_one_postgres_index(request, launch):
    url = request.getfixturevalue("pg_url")
    one, two = launch(url, follow_interval=0.2), launch(url, follow_interval=0.2)
    one.wait_ready()
    two.wait_ready()
    a, b = one.client(), two.client()
    assert a.put("1001.html", DOC["1001.html"].html()) == 201
    assert b.put("1001.html", DOC["1001.html"].html()) == 204  # the store decides new vs replaced
    assert b.put("2001.html", DOC["2001.html"].html()) == 201
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "2001.html" in names_in(a.threads(3600, "ru")[1]) and "1001.html" in names_in(
            b.threads(3600, "en")[1]
        ):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("replicas did not pick up each other's writes")
    assert a.delete("2001.html") == 204
    deadline = time.monotonic() + 10
    while "2001.html" in names_in(b.threads(3600, "ru")[1]):
        assert time.monotonic() < deadline, "replica kept a deleted article"
        time.sleep(0.1)
    a.close()
    b.close()


def _wait_status(client: Client, check, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status, info = client.get_json("/api/status")
        if status == 200 and check(info):
            return info
        assert time.monotonic() < deadline, f"status never matched: {info}"
        time.sleep(0.1)


@pytest.mark.postgres
def test_one_reclustering_leader_among_replicas(request, launch):
    url = request.getfixturevalue("pg_url")
    options = {"follow_interval": 0.2, "recluster_interval": 0.3, "upkeep_interval": 0.3}
    one, two = launch(url, **options), launch(url, **options)
    one.wait_ready()
    two.wait_ready()
    a, b = one.client(), two.client()
    decided = lambda info: info["recluster_leader"] is not None  # noqa: E731
    leaders = [_wait_status(c, decided)["recluster_leader"] for c in (a, b)]
    assert sorted(leaders) == [False, True]  # exactly one leader (a PostgreSQL advisory lock)
    leader, follower = (a, b) if leaders[0] else (b, a)
    leader_proc = one if leaders[0] else two
    for name in ("1001.html", "1002.html", "2001.html"):
        assert leader.put(name, DOC[name].html()) == 201
    # the leader re-clusters and saves its groups; the follower adopts them instead of its own
    _wait_status(leader, lambda info: info["reclusters"] >= 1 and info["labels_saves"] >= 1)
    info = _wait_status(follower, lambda info: info["labels_adoptions"] >= 1)
    assert info["reclusters"] == 0
    # the first adoption may predate the last PUT (the leader saves after each re-clustering): the
    # follower must catch up, by adopting, never by re-clustering itself
    deadline = time.monotonic() + 10
    while names_in(follower.threads(3600, "en")[1]) != names_in(leader.threads(3600, "en")[1]):
        assert time.monotonic() < deadline, "the follower never caught up with the leader's threads"
        time.sleep(0.1)
    assert _wait_status(follower, lambda info: True)["reclusters"] == 0
    # the leader dies: its session (and lock) ends, and the survivor takes over
    leader_proc.kill9()
    _wait_status(follower, lambda info: info["recluster_leader"] is True)
    assert follower.put("2002.html", DOC["2002.html"].html()) == 201
    _wait_status(follower, lambda info: info["reclusters"] >= 1)
    a.close()
    b.close()


@pytest.mark.shared
def test_real_articles_through_the_contract(shared_dir, tmp_path, launch):
    files = sorted((shared_dir / "data" / "contest_html" / "20191101" / "06").glob("*.html"))[:300]
    server = launch(str(tmp_path / "real.db"), workers=1)
    server.wait_ready()
    client = server.client()
    statuses = [client.put(f.name, f.read_bytes(), 3 * DAY) for f in files]
    assert statuses == [201] * len(files)
    threads = all_threads(client)
    threaded = names_in({"threads": threads["en"] + threads["ru"]})
    assert len(threaded) == len(set(threaded)) and len(threaded) > 50
    assert set(threaded) <= {f.name for f in files}
    for f in files[:100]:
        assert client.delete(f.name) == 204
    after = all_threads(client)
    assert not set(names_in({"threads": after["en"] + after["ru"]})) & {f.name for f in files[:100]}
    client.close()

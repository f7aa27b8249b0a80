"""Property tests: whatever arrives, the server answers a 2xx/4xx (never 5xx, never a crash)
and the articles it acknowledged before are still there, unchanged."""

from __future__ import annotations

import json
import random
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_fixtures import DOC, DOCS, ServerProcess

from newsthread.server.tgnews_api import BadRequest, parse_category, parse_lang, parse_max_age, parse_period
from newsthread.store import valid_name

ALLOWED = {200, 201, 204, 400, 404, 405, 413}
GOOD = DOC["1001.html"].html()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    proc = ServerProcess(
        str(tmp / "fuzz.db"), tmp / "server.log", workers=0, max_body_bytes=256 * 1024
    ).start()
    proc.wait_ready()
    client = proc.client()
    assert [client.put(d.name, d.html()) for d in DOCS] == [201] * len(DOCS)
    yield proc, client
    client.close()
    proc.stop()


header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)
good_names = st.from_regex(r"fz[A-Za-z0-9._-]{0,20}\.html", fullmatch=True)
names = st.one_of(
    good_names,
    good_names,
    good_names,
    st.text(max_size=30),
    st.sampled_from(["..html", "a/b.html", "../x.html", "x.HTML", ".html", "fz%00.html", "threads", "api"]),
)


@st.composite
def bodies(draw) -> bytes:
    kind = draw(st.sampled_from(["binary", "text", "truncated", "spliced", "retitled", "huge"]))
    if kind == "binary":
        return draw(st.binary(max_size=2000))
    if kind == "text":
        return draw(st.text(max_size=2000)).encode("utf-8", "surrogatepass")
    if kind == "truncated":
        return GOOD[: draw(st.integers(0, len(GOOD)))]
    if kind == "spliced":
        at = draw(st.integers(0, len(GOOD)))
        return GOOD[:at] + draw(st.binary(min_size=1, max_size=50)) + GOOD[at:]
    if kind == "retitled":
        title = draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
        return GOOD.replace(b"Magnitude 6.4 earthquake", title, 2)
    return GOOD + b"x" * (300 * 1024)


good_ttl = st.integers(300, 2_592_000).map(lambda n: f"max-age={n}")
cache_control = st.one_of(
    good_ttl,
    good_ttl,
    good_ttl,
    st.none(),
    st.integers(-10, 10**13).map(lambda n: f"max-age={n}"),
    header_text,
    st.sampled_from(["no-cache", "max-age=", "max-age=1.5", "public, max-age=600", "max-age=600, max-age=x"]),
)
query_value = st.one_of(st.none(), header_text, st.integers(-(10**12), 10**12).map(str))


@st.composite
def requests(draw):
    method = draw(st.sampled_from(["PUT", "PUT", "PUT", "DELETE", "GET", "GET", "POST", "HEAD"]))
    if method == "GET" and draw(st.booleans()):
        params = {k: draw(query_value) for k in ("period", "lang_code", "category", "offset", "limit")}
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items() if v is not None)
        path = draw(st.sampled_from(["/threads", "/api/threads"])) + "?" + query
        return method, path, None, {}
    name = draw(names)
    path = "/" + quote(name, safe=draw(st.sampled_from(["", "/", "/."])))
    headers = {}
    if (cc := draw(cache_control)) is not None:
        headers["Cache-Control"] = cc
    body = draw(bodies()) if method in ("PUT", "POST") else None
    return method, path, body, headers


def test_no_request_crashes_the_server_or_loses_data(server):
    proc, client = server
    seen: set[int] = set()

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(requests())
    def one_request(request):
        method, path, body, headers = request
        name = path.lstrip("/")
        if name in DOC:  # the acknowledged articles are checked below: leave them alone
            return
        status, response_headers, data = client.request(method, path, body, headers)
        seen.add(status)
        assert status in ALLOWED, (method, path, status, data[:300])
        if status >= 400 and method != "HEAD":
            assert response_headers.get("content-type", "").startswith("application/json")
            assert json.loads(data)["error"]
        if method == "PUT" and status in (201, 204):
            assert valid_name(name)

    one_request()
    assert {200, 201, 400, 404, 413} <= seen, f"the examples did not reach every answer: {sorted(seen)}"
    assert proc.proc.poll() is None, proc.output()
    for doc in DOCS:
        status, article = client.get_json(f"/api/articles/{doc.name}")
        assert status == 200 and article["title"] == doc.title
    status, info = client.get_json("/api/status")
    assert status == 200 and info["ready"]


def test_many_clients_at_once_get_consistent_answers(server):
    """Concurrent PUT/DELETE/GET on disjoint names: every acknowledgement matches the final state."""
    import threading

    proc, _ = server
    results: dict[str, int] = {}
    errors: list[str] = []

    def worker(k: int) -> None:
        rng = random.Random(k)
        client = proc.client()
        try:
            for i in range(25):
                name = f"c{k}-{i}.html"
                status = client.put(name, GOOD.replace(b"Magnitude 6.4", f"Quake {k} {i}".encode()))
                if status != 201:
                    errors.append(f"PUT {name}: {status}")
                results[name] = 1
                if rng.random() < 0.3:
                    if client.delete(name) != 204:
                        errors.append(f"DELETE {name}")
                    results[name] = 0
                status, _ = client.threads(86400, "en")
                if status != 200:
                    errors.append(f"GET {status}")
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    client = proc.client()
    for name, present in results.items():
        assert client.get_json(f"/api/articles/{name}")[0] == (200 if present else 404), name
    client.close()


@settings(max_examples=300)
@given(st.one_of(st.none(), st.text(max_size=60)))
def test_header_and_query_parsers_only_raise_bad_request(value):
    for parse in (parse_max_age, parse_period, parse_lang, parse_category):
        try:
            result = parse(value)
        except BadRequest as error:
            assert str(error)
            continue
        if parse in (parse_max_age, parse_period):
            assert isinstance(result, int) and result >= 0


@given(st.text(max_size=40))
def test_valid_names_are_bare_html_file_names(name):
    if valid_name(name):
        assert name.endswith(".html") and "/" not in name and ".." not in name and "\\" not in name
        assert name.isascii() and name == name.strip()

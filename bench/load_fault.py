"""Load + fault test: many clients mix PUT/GET/DELETE, the server is killed with -9 mid-run and
restarted, then every acknowledged write is checked.

    .venv/bin/python bench/load_fault.py                       # 50 clients, 1 minute, SQLite
    .venv/bin/python bench/load_fault.py --minutes 3 --db postgresql://user@127.0.0.1/db

Each client owns its own article names (so the order of its writes is known) and picks, at
random: PUT (50 %) of a real contest article under one of its names, GET /threads (30 %),
DELETE (20 %). It tracks what the store must hold:

- an acknowledged PUT (201/204) → present, with that body's URL;
- an acknowledged DELETE (204), or a 404 → absent;
- 201 vs 204 and 204 vs 404 must agree with the tracked state;
- a request cut off by the kill (sent, no answer) leaves the name "either state" until the
  client's next acknowledged write to it.

Halfway through, the server gets SIGKILL and is restarted on the same database. Clients
retry refused connections and 503s (the restart's loading phase) like the tgnews checker.
At the end every name is read back through GET /api/articles/{name}.
Reported: operations by type and status, lost acknowledged writes, resurrected deletes,
wrong contents, any 5xx other than 503 during the restart, and the restart time.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from server import SHARED, Server, files_in_time_order, fresh_db  # noqa: E402

CATEGORIES = ["any", "society", "economy", "technology", "sports", "entertainment", "science", "other"]
_URL = re.compile(rb'property="og:url"\s+content="([^"]*)"')
NAMES_PER_CLIENT = 40

ABSENT = ("absent",)


class Outcome:
    """Shared tallies (guarded by one lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ops: Counter[str] = Counter()
        self.errors: list[str] = []
        self.server_errors: list[str] = []
        self.unexpected_503: list[str] = []
        self.cut_off = 0
        self.latency: dict[str, list[float]] = {"PUT": [], "GET": [], "DELETE": []}

    def error(self, message: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(message)


class Phase:
    """Whether the server is (re)starting, so 503s and refused connections are expected."""

    def __init__(self) -> None:
        self.restarting = False
        self.port = 0


def client_loop(
    k: int,
    bodies: list[tuple[bytes, str]],
    phase: Phase,
    out: Outcome,
    stop: threading.Event,
    expected: dict[str, set],
) -> None:
    rng = random.Random(k)
    names = [f"lf{k}-{i}.html" for i in range(NAMES_PER_CLIENT)]
    for name in names:
        expected[name] = {ABSENT}
    conn: http.client.HTTPConnection | None = None
    port = 0
    while not stop.is_set():
        if conn is None or port != phase.port:
            port = phase.port
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        roll = rng.random()
        name = rng.choice(names)
        if roll < 0.5:
            body, url = rng.choice(bodies)
            method, path = "PUT", f"/{name}"
            headers = {"Content-Type": "text/html", "Cache-Control": f"max-age={300 * rng.randint(1, 8640)}"}
            new_state = ("present", url)
        elif roll < 0.8:
            method, body, headers, new_state = "GET", None, {}, None
            path = (
                f"/threads?period={300 * rng.randint(1, 8640)}&lang_code={rng.choice(['en', 'ru'])}"
                f"&category={rng.choice(CATEGORIES)}"
            )
        else:
            method, path, body, headers, new_state = "DELETE", f"/{name}", None, {}, ABSENT
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
        except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError, OSError) as error:
            # not sent (or the connection died while sending): refused means nothing happened;
            # otherwise the server may have received it
            conn.close()
            conn = None
            if new_state is not None and not isinstance(error, ConnectionRefusedError):
                expected[name] = expected[name] | {new_state}
                with out.lock:
                    out.cut_off += 1
            time.sleep(0.1)
            continue
        try:
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = None
            if new_state is not None:  # sent, no answer: it may or may not have happened
                expected[name] = expected[name] | {new_state}
                with out.lock:
                    out.cut_off += 1
            time.sleep(0.1)
            continue
        elapsed = time.perf_counter() - started
        with out.lock:
            out.ops[f"{method} {status}"] += 1
            if not phase.restarting:
                out.latency[method].append(elapsed)
        if status == 503:
            if not phase.restarting:
                with out.lock:
                    out.unexpected_503.append(f"{method} {path}: {data[:200]!r}")
            time.sleep(0.2)
            continue
        if status >= 500:
            with out.lock:
                out.server_errors.append(f"{method} {path} → {status}: {data[:200]!r}")
            continue
        before = expected.get(name, set())
        if method == "PUT":
            if status not in (201, 204):
                out.error(f"PUT {name} → {status} {data[:200]!r}")
                continue
            was_absent = ABSENT in before
            was_present = any(s[0] == "present" for s in before)
            if (status == 201 and not was_absent) or (status == 204 and not was_present):
                out.error(f"PUT {name} → {status} but it was {sorted(before)}")
            expected[name] = {new_state}
        elif method == "DELETE":
            was_absent = ABSENT in before
            was_present = any(s[0] == "present" for s in before)
            if (
                (status == 204 and not was_present)
                or (status == 404 and not was_absent)
                or status not in (204, 404)
            ):
                out.error(f"DELETE {name} → {status} but it was {sorted(before)}")
            expected[name] = {ABSENT}
        elif status != 200:
            out.error(f"GET {path} → {status}")
        else:
            payload = json.loads(data)
            if not isinstance(payload.get("threads"), list):
                out.error(f"GET {path}: bad shape")
    if conn is not None:
        conn.close()


def verify(port: int, expected: dict[str, set]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    lost, resurrected, wrong, checked, uncertain = [], [], [], 0, 0
    for name, states in sorted(expected.items()):
        conn.request("GET", f"/api/articles/{name}")
        response = conn.getresponse()
        data = response.read()
        if len(states) > 1:
            uncertain += 1
        if response.status == 404:
            actual = ABSENT
        elif response.status == 200:
            actual = ("present", json.loads(data)["url"])
        else:
            raise RuntimeError(f"GET /api/articles/{name} → {response.status}")
        checked += 1
        if actual in states:
            continue
        if actual == ABSENT:
            lost.append(name)
        elif ABSENT in states and len(states) == 1:
            resurrected.append(name)
        else:
            wrong.append(name)
    conn.close()
    return {
        "names": checked,
        "uncertain_after_kill": uncertain,
        "lost": lost,
        "resurrected": resurrected,
        "wrong_content": wrong,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--db", default=None, help="PostgreSQL URL (fresh schema) or SQLite directory")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--bodies", type=int, default=1500, help="distinct real articles used as PUT bodies")
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args(argv)

    files = files_in_time_order([args.shared / "data" / "contest_html" / "20191101"])
    rng = random.Random(1)
    bodies = []
    for path in rng.sample(files, min(args.bodies, len(files))):
        data = path.read_bytes()
        match = _URL.search(data[:3000])
        bodies.append((data, html.unescape(match.group(1).decode()) if match else ""))

    with tempfile.TemporaryDirectory(prefix="newsthread-loadfault-") as tmp:
        workdir = Path(tmp)
        db, drop = fresh_db(args.db, workdir, "loadfault")
        server = Server(db, workdir / "server.log").start()
        server.wait_ready()
        phase, out, stop = Phase(), Outcome(), threading.Event()
        phase.port = server.port
        expected: dict[str, set] = {}
        clients = [
            threading.Thread(target=client_loop, args=(k, bodies, phase, out, stop, expected), daemon=True)
            for k in range(args.clients)
        ]
        start = time.monotonic()
        for c in clients:
            c.start()
        duration = args.minutes * 60
        restart = {}
        if not args.no_kill:
            time.sleep(duration / 2)
            phase.restarting = True
            killed_at = time.monotonic()
            server.kill9()
            server = Server(db, workdir / "server.log", server.port).start()  # the same port
            restart["port_open_s"] = round(server.wait_listening(), 2)
            restart["ready_s"] = round(server.wait_ready(), 2)
            restart["down_s"] = round(time.monotonic() - killed_at, 2)
            time.sleep(0.5)
            phase.restarting = False
        time.sleep(max(0.0, duration - (time.monotonic() - start)))
        stop.set()
        for c in clients:
            c.join(timeout=120)
        elapsed = time.monotonic() - start
        check = verify(server.port, expected)
        info = server.status()
        server.stop()
        drop()

    lat = {m: sorted(v) for m, v in out.latency.items()}

    def pct(values: list[float], q: float) -> float:
        return (
            round(values[min(len(values) - 1, int(q / 100 * (len(values) - 1)))] * 1000, 1) if values else 0.0
        )

    report = {
        "db": "postgresql" if args.db and args.db.startswith("postgres") else "sqlite",
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "operations": sum(out.ops.values()),
        "ops_per_second": round(sum(out.ops.values()) / elapsed, 1),
        "by_status": dict(sorted(out.ops.items())),
        "latency_ms": {m: {"p50": pct(v, 50), "p99": pct(v, 99)} for m, v in lat.items()},
        "cut_off_by_kill": out.cut_off,
        "restart": restart,
        "server_errors_5xx": out.server_errors[:20],
        "unexpected_503": out.unexpected_503[:20],
        "protocol_errors": out.errors[:20],
        "verify": {k: (v if isinstance(v, int) else len(v)) for k, v in check.items()},
        "lost_examples": check["lost"][:10],
        "articles_at_end": info["articles"],
    }
    ok = not (
        check["lost"]
        or check["resurrected"]
        or check["wrong_content"]
        or out.server_errors
        or out.unexpected_503
        or out.errors
    )
    report["ok"] = ok
    print(json.dumps(report, indent=1))
    v = report["verify"]
    print(
        f"load/fault: {report['operations']} ops in {report['seconds']} s ({report['ops_per_second']}/s), "
        f"{args.clients} clients; kill -9 → ready in {restart.get('ready_s', '-')} s; "
        f"{v['names']} names checked: lost {v['lost']}, resurrected {v['resurrected']}, wrong {v['wrong_content']}; "
        f"5xx {len(out.server_errors)}, unexpected 503 {len(out.unexpected_503)}, "
        f"protocol errors {len(out.errors)} → {'OK' if ok else 'FAIL'}",
        file=sys.stderr,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

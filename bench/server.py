"""Live-server benchmark: PUT throughput, GET /threads latency, restart time, thread quality.

    .venv/bin/python bench/server.py                # everything (≈10 min): 9.9k slice, 72k, 100k restart
    .venv/bin/python bench/server.py --quick        # only the 9.9k slice (PUT/s, F1, GET latency)
    .venv/bin/python bench/server.py --full-only    # only 72k (PUT/s, GET latency, restart) and 100k restart
    .venv/bin/python bench/server.py --db postgresql://user@127.0.0.1/db   # PostgreSQL (fresh schema)

Each run starts the real server (`newsthread.server.serve`) in a child process on a free
loopback port. It PUTs real contest articles in publication-time order over 4 keep-alive
connections and measures:

1. **9.9k slice** (`contest_html/20191101`, hours 06–13), twice:
   - A: online threading only (background re-clustering off). PUT/s, and the pairwise F1 of
     the server's threads vs `../shared/eval/pairs_dev.jsonl`, scored by `../shared/tools/score.py`.
   - B: the server's own settings (re-clustering every `--recluster` s). PUT/s, and F1 after
     the first re-clustering that follows the last PUT.
   The threads are read back through `GET /api/threads` (every thread, paged), so they are
   exactly what the server holds.
2. **72k** (all contest files; the archives are extracted once to `--cache`). PUT/s; GET
   /threads latency p50/p99 over the 16 contract queries × 4 periods, both steady (nothing
   changed since the last GET) and right after a PUT (the snapshot is updated); restart time
   (kill -9 → port open → ready), once the server has saved its thread labels (it does so
   at least a minute after writes; a restart then skips the batch clustering pass).
3. **100k restart**: the server is killed, copies of stored articles under new names are
   written straight into the store up to 100,000 articles, all with a max-age that keeps
   every article live (the target: 100k stored, all live); the server is started once (it
   groups them by the batch pass and saves the labels), killed, and the restart is timed.

Speed figures come with the CPU seconds of the server (and of its annotation workers) and the
load average: on a shared machine, wall time alone says little.

Only 127.0.0.1 is contacted. Prints a summary and the full JSON (also written to --out).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
CATEGORIES = ["any", "society", "economy", "technology", "sports", "entertainment", "science", "other"]
_PUBLISHED = re.compile(rb'property="article:published_time"\s+content="([^"]+)"')


# -- inputs ------------------------------------------------------------------------------------
def published_key(path: Path) -> tuple[str, str]:
    with open(path, "rb") as f:
        head = f.read(3000)
    match = _PUBLISHED.search(head)
    return (match.group(1).decode() if match else "", path.name)


def files_in_time_order(roots: list[Path]) -> list[Path]:
    files = [p for root in roots for p in root.rglob("*.html") if p.is_file()]
    return sorted(files, key=published_key)


def all_contest_dirs(shared: Path, cache: Path) -> list[Path]:
    """The plain contest files plus the archives, extracted once into `cache`."""
    target = cache / "contest_html_archive"
    marker = target / ".complete"
    if not marker.exists():
        target.mkdir(parents=True, exist_ok=True)
        for archive in sorted((shared / "data" / "contest_html_archive").glob("*.tar.xz")):
            print(f"extracting {archive.name} → {target}", file=sys.stderr)
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
        marker.write_text("ok")
    return [shared / "data" / "contest_html", target]


def ttl_for(name: str) -> int:
    """A checker-like max-age (300 … 2 592 000, multiples of 300), fixed per name."""
    return 300 * (1 + (hash_name(name) % 8640))


def hash_name(name: str) -> int:
    import zlib

    return zlib.crc32(name.encode())


# -- the server process --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`newsthread.server.serve(port, db_url=..., **options)` in a child process."""

    def __init__(self, db: str, log: Path, port: int | None = None, **options):
        self.db, self.log_path, self.options = db, log, options
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        code = (
            "import sys, json; from newsthread.server import serve; "
            "serve(int(sys.argv[1]), db_url=sys.argv[2], **json.loads(sys.argv[3]))"
        )
        self._log = open(self.log_path, "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(self.port), self.db, json.dumps(self.options)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        return self

    def wait_listening(self, timeout: float = 30) -> float:
        while time.monotonic() - self.started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}); see {self.log_path}")
            with socket.socket() as sock:
                sock.settimeout(0.2)
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return time.monotonic() - self.started
            time.sleep(0.01)
        raise RuntimeError(f"port not open after {timeout} s; see {self.log_path}")

    def wait_ready(self, timeout: float = 600) -> float:
        """Seconds from start to the first 200 on GET /threads."""
        self.wait_listening()
        client = Client(self.port)
        while time.monotonic() - self.started < timeout:
            try:
                status, _ = client.get("/threads?period=3600&lang_code=en&category=any")
            except OSError:
                status = 0
                client = Client(self.port)
            if status == 200:
                client.close()
                return time.monotonic() - self.started
            time.sleep(0.02)
        raise RuntimeError(f"not ready after {timeout} s; see {self.log_path}")

    def status(self) -> dict:
        client = Client(self.port)
        try:
            return json.loads(client.get("/api/status")[1])
        finally:
            client.close()

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, timeout: float = 120):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, response.read()

    def get(self, path: str):
        return self.request("GET", path)

    def put(self, name: str, body: bytes, max_age: int) -> int:
        headers = {
            "Content-Type": "text/html",
            "Cache-Control": f"max-age={max_age}",
            "Connection": "Keep-Alive",
        }
        return self.request("PUT", f"/{name}", body, headers)[0]

    def delete(self, name: str) -> int:
        return self.request("DELETE", f"/{name}")[0]

    def close(self) -> None:
        self.conn.close()


class PutClient:
    """One keep-alive HTTP/1.1 connection that only PUTs, on a bare socket: http.client spent
    ~0.25 ms of the benchmark's own CPU per request, a tenth of the machine at 400 PUT/s, taken
    from the server it measures (a checker written in a compiled language spends far less)."""

    def __init__(self, port: int, timeout: float = 120):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def put(self, name: str, body: bytes, max_age: int) -> int:
        head = (
            f"PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/html\r\n"
            f"Cache-Control: max-age={max_age}\r\nConnection: Keep-Alive\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.sock.sendall(head.encode() + body)
        return self._status()

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def _status(self) -> int:
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        for line in lines[1:]:
            key, _, value = line.partition(b":")
            key = key.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"transfer-encoding":
                raise ConnectionError(f"unexpected Transfer-Encoding {value.strip()!r} in a PUT answer")
        while len(self.buffer) < length:
            self._recv()
        self.buffer = self.buffer[length:]
        return status

    def close(self) -> None:
        self.sock.close()


# -- measurements --------------------------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by a process and by its live children."""

    def cpu_of(stat: str) -> float:
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK

    def read(path: str) -> str | None:
        try:
            with open(path) as f:
                return f.read()
        except OSError:
            return None

    main = read(f"/proc/{pid}/stat")
    children = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := read(f"/proc/{entry}/stat")):
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children += cpu_of(stat)
    return {"server": cpu_of(main) if main else 0.0, "workers": children}


def cpu_per_article(before: dict[str, float], after: dict[str, float], articles: int) -> dict[str, float]:
    return {k: round((after[k] - before[k]) / max(articles, 1) * 1000, 3) for k in before}


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def put_files(port: int, files: list[Path], connections: int = 4, max_age: int | None = None) -> dict:
    """PUT every file (in the given order, `connections` at a time); 503 is retried like the checker."""
    work: queue.Queue[Path | None] = queue.Queue()
    for path in files:
        work.put(path)
    for _ in range(connections):
        work.put(None)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        client = PutClient(port)
        mine: list[float] = []
        seen: Counter[int] = Counter()
        try:
            while (path := work.get()) is not None:
                body = path.read_bytes()
                while True:
                    start = time.perf_counter()
                    status = client.put(path.name, body, max_age or ttl_for(path.name))
                    if status != 503:
                        break
                    time.sleep(1)
                mine.append(time.perf_counter() - start)
                seen[status] += 1
        except Exception as error:
            errors.append(repr(error))
            while work.get() is not None:  # drain, so the other connections finish
                pass
        finally:
            client.close()
            with lock:
                latencies.extend(mine)
                statuses.update(seen)

    start = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"PUT failed: {errors[:3]}")
    return {
        "articles": len(files),
        "seconds": round(elapsed, 2),
        "put_per_second": round(len(files) / elapsed, 1),
        "statuses": dict(sorted(statuses.items())),
        "latency_ms_p50": round(percentile(latencies, 50) * 1000, 2),
        "latency_ms_p99": round(percentile(latencies, 99) * 1000, 2),
    }


PERIODS = [3600, 6 * 3600, 86400, 2_592_000]


def contract_queries() -> list[str]:
    return [
        f"/threads?period={p}&lang_code={lang}&category={c}"
        for p in PERIODS
        for lang in ("en", "ru")
        for c in CATEGORIES
    ]


def get_latency(port: int, rounds: int = 10) -> dict:
    """Steady-state GET /threads latency (the snapshot is cached after the first GET)."""
    client = Client(port)
    queries = contract_queries()
    for path in queries:  # warm: builds the snapshot once
        assert client.get(path)[0] == 200
    times, sizes = [], []
    for _ in range(rounds):
        for path in queries:
            start = time.perf_counter()
            status, body = client.get(path)
            times.append(time.perf_counter() - start)
            assert status == 200, (status, body[:200])
            sizes.append(len(json.loads(body)["threads"]))
    client.close()
    return {
        "gets": len(times),
        "p50_ms": round(percentile(times, 50) * 1000, 2),
        "p99_ms": round(percentile(times, 99) * 1000, 2),
        "max_ms": round(max(times) * 1000, 2),
        "threads_per_answer_mean": round(statistics.mean(sizes), 1),
    }


def get_after_put_latency(port: int, files: list[Path], rounds: int = 30) -> dict:
    """GET right after a PUT: includes rebuilding the ranked snapshot."""
    client = Client(port)
    times = []
    for i in range(rounds):
        path = files[i % len(files)]
        assert client.put(path.name, path.read_bytes(), ttl_for(path.name)) in (201, 204)
        start = time.perf_counter()
        status, _ = client.get("/threads?period=86400&lang_code=en&category=any")
        times.append(time.perf_counter() - start)
        assert status == 200
    client.close()
    return {
        "gets": rounds,
        "p50_ms": round(percentile(times, 50) * 1000, 1),
        "p99_ms": round(percentile(times, 99) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
    }


def dump_threads(port: int) -> list[dict]:
    """Every thread the server holds (both languages, all time), via the paged JSON API."""
    client = Client(port)
    threads = []
    for lang in ("en", "ru"):
        offset = 0
        while True:
            status, body = client.get(f"/api/threads?lang_code={lang}&offset={offset}&limit=1000")
            assert status == 200, body[:200]
            page = json.loads(body)
            threads.extend({"title": t["title"], "articles": t["articles"]} for t in page["threads"])
            offset += len(page["threads"])
            if not page["threads"] or offset >= page["total"]:
                break
    client.close()
    return threads


def score_threads(threads: list[dict], shared: Path, workdir: Path, label: str) -> dict:
    path = workdir / f"threads_{label}.json"
    path.write_text(json.dumps(threads, ensure_ascii=False))
    result = subprocess.run(
        [
            "python3",
            str(shared / "tools" / "score.py"),
            "threads",
            str(path),
            str(shared / "eval" / "pairs_dev.jsonl"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    scores = json.loads("\n".join(lines[:-1]))
    return {lang: {k: v[k] for k in ("f1", "precision", "recall")} for lang, v in scores.items()}


def batch_reference(db: str, shared: Path, workdir: Path) -> dict:
    """F1 of `cluster_batch` over the same stored (server-annotated) articles: the quality the
    online threads should match."""
    from newsthread.cluster import cluster_batch
    from newsthread.server.index import is_threadable
    from newsthread.store import open_store

    with open_store(db) as store:
        news = [a for a in store.iter_articles(with_text=False) if is_threadable(a)]
    start = time.perf_counter()
    groups = cluster_batch(news)
    seconds = time.perf_counter() - start
    threads = [{"title": g[0].title, "articles": [a.name for a in g]} for g in groups]
    return {"f1": score_threads(threads, shared, workdir, "batch"), "seconds": round(seconds, 2)}


def wait_for_recluster(server: Server, after: int, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = server.status()
        if info["reclusters"] > after:
            return info
        time.sleep(0.5)
    raise RuntimeError("no re-clustering happened")


def fresh_db(db: str | None, workdir: Path, label: str) -> tuple[str, callable]:
    """A new empty database: a SQLite file, or a new schema on the given PostgreSQL server."""
    if not db:
        return str(workdir / f"{label}.db"), lambda: None
    if db.startswith(("postgresql://", "postgres://")):
        import psycopg

        schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")

        def drop() -> None:
            with psycopg.connect(db, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

        sep = "&" if "?" in db else "?"
        return f"{db}{sep}options=-csearch_path%3D{schema}", drop
    path = Path(db).with_suffix("") / f"{label}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path), lambda: None


def wait_for_saved_labels(server: Server, timeout: float = 180) -> dict:
    """Until the server saved its thread labels after the last write (every minute at most)."""
    deadline = time.monotonic() + timeout
    while True:
        info = server.status()
        if info.get("labels_saved_version") == info["version"] or time.monotonic() > deadline:
            return info
        time.sleep(1)


def restart_time(server: Server) -> dict:
    """kill -9, start again: seconds to the port opening and to ready (first snapshot built)."""
    server.kill9()
    load_before = load_average()
    again = Server(server.db, server.log_path, server.port, **server.options).start()
    listening = again.wait_listening()
    ready = again.wait_ready()
    cpu = process_cpu(again.proc.pid)
    info = again.status()
    return {
        "server": again,
        "articles": info["articles"],
        "live": info["live"],
        "labels_restored": info.get("labels_restored"),
        "port_open_s": round(listening, 2),
        "ready_s": round(ready, 2),
        "cpu_s_at_ready": {k: round(v, 2) for k, v in cpu.items()},
        "index_load_s": round(info["load_seconds"] or 0, 2),
        "load_phases": info["load_phases"],
        "first_snapshot": info["first_snapshot"],
        "load_average_before_after": [load_before, load_average()],
    }


LONG_MAX_AGE = 10 * 365 * 86400  # seconds: every article stays live


def grow_store(db: str, target: int) -> int:
    """Copies of stored articles under new names, written straight into the store, up to
    `target`; every article (the stored ones too) gets a max-age long enough to be live."""
    from newsthread.store import open_store

    with open_store(db) as store:
        have = store.count()
        originals = list(store.iter_articles())
        batch: list = []

        def write(article) -> None:
            article.max_age = LONG_MAX_AGE
            batch.append((article, None))
            if len(batch) == 1000:
                store.put_many(batch)
                batch.clear()

        for article in originals:
            write(article)
        copies = 0
        while copies < target - have:
            for article in originals:
                if copies >= target - have:
                    break
                write(replace(article, name=f"copy{copies // have}-{article.name}"))
                copies += 1
        if batch:
            store.put_many(batch)
        return store.count()


# -- the runs ------------------------------------------------------------------------------------
def run_slice(args, workdir: Path) -> dict:
    slice_dir = args.shared / "data" / "contest_html" / "20191101"
    files = files_in_time_order([slice_dir])
    results: dict = {"files": len(files)}
    for label, recluster in (("online", None), ("recluster", args.recluster)):
        db, drop = fresh_db(args.db, workdir, f"slice_{label}")
        server = Server(db, workdir / f"slice_{label}.log", recluster_interval=recluster).start()
        try:
            server.wait_ready()
            cpu_before, load_before = process_cpu(server.proc.pid), load_average()
            # max-age 30 days: nothing expires within the slice, so every gold pair can be scored
            put = put_files(server.port, files, args.connections, max_age=2_592_000)
            put["cpu_ms_per_article"] = cpu_per_article(cpu_before, process_cpu(server.proc.pid), len(files))
            put["load_average_before_after"] = [load_before, load_average()]
            info = server.status()
            if recluster:
                info = wait_for_recluster(server, info["reclusters"])
            threads = dump_threads(server.port)
            scores = score_threads(threads, args.shared, workdir, label)
            results[label] = {
                "put": put,
                "threads": len(threads),
                "f1": scores,
                "reclusters": info["reclusters"],
                "backlog_rebuilds": info["backlog_rebuilds"],
                "online_add_ms": info["online_add_ms"],
                "last_recluster_s": round(info["last_recluster_seconds"], 2),
            }
            if label == "online":
                results["batch_reference"] = batch_reference(db, args.shared, workdir)
            if label == "recluster":
                results[label]["get_steady"] = get_latency(server.port, rounds=5)
                results[label]["get_after_put"] = get_after_put_latency(server.port, files)
            print(f"slice/{label}: {json.dumps(results[label])}", file=sys.stderr)
        finally:
            server.stop()
            drop()
    return results


def run_full(args, workdir: Path) -> dict:
    files = files_in_time_order(all_contest_dirs(args.shared, args.cache))
    names = Counter(p.name for p in files)
    db, drop = fresh_db(args.db, workdir, "full")
    server = Server(db, workdir / "full.log", recluster_interval=args.recluster).start()
    results: dict = {"files": len(files), "distinct_names": len(names)}
    try:
        server.wait_ready()
        cpu_before, load_before = process_cpu(server.proc.pid), load_average()
        results["put"] = put_files(server.port, files, args.connections)
        results["put"]["cpu_ms_per_article"] = cpu_per_article(
            cpu_before, process_cpu(server.proc.pid), len(files)
        )
        results["put"]["load_average_before_after"] = [load_before, load_average()]
        print(f"full/put: {json.dumps(results['put'])}", file=sys.stderr)
        info = server.status()
        results["index"] = {k: info[k] for k in ("articles", "threadable", "live", "now")}
        results["get_steady"] = get_latency(server.port)
        results["get_after_put"] = get_after_put_latency(server.port, files)
        results["snapshot_build_s"] = round(server.status()["snapshot_build_seconds"], 3)
        print(
            f"full/get: {json.dumps(results['get_steady'])} after put {json.dumps(results['get_after_put'])}",
            file=sys.stderr,
        )
        wait_for_saved_labels(server)
        restart = restart_time(server)
        server = restart.pop("server")
        results["restart"] = restart
        print(f"full/restart: {json.dumps(restart)}", file=sys.stderr)
        server.kill9()
        total = grow_store(db, 100_000)
        # the copies were written behind the server's back: one start groups them (batch
        # pass) and saves the labels, as a server that had run with them would have
        server = Server(db, server.log_path, server.port, **server.options).start()
        server.wait_ready()
        results["restart_100k_without_labels_s"] = round(time.monotonic() - server.started, 2)
        wait_for_saved_labels(server)
        restart = restart_time(server)
        server = restart.pop("server")
        restart["articles_stored"] = total
        results["restart_100k"] = restart
        results["get_steady_100k"] = get_latency(server.port, rounds=5)
        print(f"100k/restart: {json.dumps(restart)}", file=sys.stderr)
    finally:
        server.stop()
        drop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument(
        "--db", default=None, help="PostgreSQL URL (a fresh schema per run) or SQLite directory"
    )
    parser.add_argument("--quick", action="store_true", help="only the 9.9k slice")
    parser.add_argument("--full-only", action="store_true", help="only 72k and the 100k restart")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--recluster", type=float, default=10.0, help="re-clustering interval in run B and 72k"
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "newsthread-bench")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsthread-bench-") as tmp:
        workdir = Path(tmp)
        report = {
            "db": "postgresql" if args.db and args.db.startswith("postgres") else "sqlite",
            "cpus": os.cpu_count(),
        }
        if not args.full_only:
            report["slice_20191101"] = run_slice(args, workdir)
        if not args.quick:
            report["all_72k"] = run_full(args, workdir)
    print_summary(report)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


def print_summary(report: dict) -> None:
    lines = [f"server benchmark ({report['db']}, {report['cpus']} CPUs)"]
    if "slice_20191101" in report:
        s = report["slice_20191101"]
        b = s["batch_reference"]["f1"]
        lines.append(
            f"  9.9k batch reference (cluster_batch): F1 ru {b['ru']['f1']} en {b['en']['f1']} all {b['all']['f1']}"
        )
        for label in ("online", "recluster"):
            r = s[label]
            f1 = r["f1"]
            lines.append(
                f"  9.9k {label:9}: PUT {r['put']['put_per_second']}/s (p99 {r['put']['latency_ms_p99']} ms, "
                f"CPU ms/article {r['put']['cpu_ms_per_article']}, load average "
                f"{r['put']['load_average_before_after']}), "
                f"F1 ru {f1['ru']['f1']} en {f1['en']['f1']} all {f1['all']['f1']}, {r['threads']} threads"
            )
        g, a = s["recluster"]["get_steady"], s["recluster"]["get_after_put"]
        lines.append(
            f"  9.9k GET /threads p50 {g['p50_ms']} ms p99 {g['p99_ms']} ms; "
            f"right after a PUT p50 {a['p50_ms']} ms p99 {a['p99_ms']} ms"
        )
    if "all_72k" in report:
        f = report["all_72k"]
        lines.append(
            f"  72k PUT {f['put']['put_per_second']}/s (CPU ms/article {f['put']['cpu_ms_per_article']}, "
            f"load average {f['put']['load_average_before_after']}); GET p50 {f['get_steady']['p50_ms']} ms "
            f"p99 {f['get_steady']['p99_ms']} ms; GET after PUT p50 {f['get_after_put']['p50_ms']} ms "
            f"p99 {f['get_after_put']['p99_ms']} ms"
        )
        for r in (f["restart"], f["restart_100k"]):
            lines.append(
                f"  restart at {r['articles']} ({r['live']} live, {r['labels_restored']} restored from"
                f" saved labels): port {r['port_open_s']} s, ready {r['ready_s']} s, CPU at ready"
                f" {r['cpu_s_at_ready']} s, load average {r['load_average_before_after']}"
            )
    print("\n".join(lines), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

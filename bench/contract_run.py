"""The tgnews checker's server sequence (contract doc §2.3), run against `tgnews server <port>`.

    .venv/bin/python bench/contract_run.py                                  # 20191101 slice, SQLite
    .venv/bin/python bench/contract_run.py --db postgresql://user@127.0.0.1/db
    .venv/bin/python bench/contract_run.py --source ../shared/data/contest_html/20191108

Sequence, like the checker, on one keep-alive connection with requests in sequence:
connection refused is retried every 0.1 s for up to 10 s, and 503 once a second for up to
300 s.

1. start `tgnews server <port> --db <db>`;
2. PUT every file (max-age drawn from 300 … 2 592 000 in steps of 300): 201, or 204 for a
   name seen before;
3. 16 GETs (en/ru × any + 7 categories): 200 and the response shape;
4. `kill -9`, restart, 16 GETs: 200, and the same articles as before the kill;
5. DELETE a random 10–90 % of the files: every one 204 (all were stored);
6. 16 GETs: no deleted article in any answer;
7. `kill -9`.

Prints one JSON report; exit code 1 when any check failed. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from server import SHARED, files_in_time_order, free_port, fresh_db  # noqa: E402

CATEGORIES = ["society", "economy", "technology", "sports", "entertainment", "science", "other"]
FILTERS = ["any", *CATEGORIES]


def tgnews_command() -> list[str]:
    script = Path(sys.executable).parent / "tgnews"
    if script.exists():
        return [str(script)]
    found = shutil.which("tgnews")
    return [found] if found else [sys.executable, "-m", "newsthread.cli.tgnews"]


class Checker:
    """The checker's side of the conversation: one keep-alive connection, retries as dc-check does."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.failures: list[str] = []
        self.retried_503 = 0

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = {"Connection": "Keep-Alive", "Keep-Alive": "300", **(headers or {})}
        refused_since = None
        first_503 = None
        while True:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except ConnectionRefusedError:
                self.conn = None
                refused_since = refused_since or time.monotonic()
                if time.monotonic() - refused_since > 10:
                    raise RuntimeError(f"{method} {path}: connection refused for 10 s") from None
                time.sleep(0.1)
                continue
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                time.sleep(0.1)
                continue
            if response.status == 503:
                self.retried_503 += 1
                first_503 = first_503 or time.monotonic()
                if time.monotonic() - first_503 > 300:
                    raise RuntimeError(f"{method} {path}: 503 for 300 s")
                time.sleep(1)
                continue
            return response.status, response.getheader("Content-Type", ""), data

    def fail(self, message: str) -> None:
        if len(self.failures) < 100:
            self.failures.append(message)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def check_threads(checker: Checker, period: int, lang: str, category: str) -> list[list[str]]:
    path = f"/threads?period={period}&lang_code={lang}&category={category}"
    status, content_type, data = checker.request("GET", path)
    if status != 200:
        checker.fail(f"GET {path} → {status}")
        return []
    if not content_type.startswith("application/json"):
        checker.fail(f"GET {path}: Content-Type {content_type!r}")
    try:
        payload = json.loads(data)
        threads = payload["threads"]
        assert isinstance(threads, list) and len(threads) <= 1000
        for thread in threads:
            assert isinstance(thread["title"], str)
            assert isinstance(thread["articles"], list) and thread["articles"]
            assert all(isinstance(a, str) and "/" not in a for a in thread["articles"])
            if category == "any":
                assert thread["category"] in CATEGORIES
            elif "category" in thread:
                assert thread["category"] == category
    except (ValueError, KeyError, AssertionError, TypeError) as error:
        checker.fail(f"GET {path}: bad answer ({error!r}): {data[:200]!r}")
        return []
    return [thread["articles"] for thread in threads]


def answer_articles(answers: dict, lang: str) -> set[str] | None:
    """Every article in the answers for `lang` (None when no uncapped answer covers them all)."""
    if len(answers[(lang, "any")]) < 1000:
        return {a for t in answers[(lang, "any")] for a in t}
    if all(len(answers[(lang, c)]) < 1000 for c in CATEGORIES):
        return {a for c in CATEGORIES for t in answers[(lang, c)] for a in t}
    return None


def sixteen_gets(checker: Checker, period: int) -> tuple[dict, float]:
    start = time.perf_counter()
    answers = {(lang, c): check_threads(checker, period, lang, c) for lang in ("en", "ru") for c in FILTERS}
    return answers, time.perf_counter() - start


class TgnewsServer:
    def __init__(self, port: int, db: str, log: Path):
        self.port, self.db, self.log = port, db, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        self._log = open(self.log, "ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [*tgnews_command(), "server", str(self.port), "--db", self.db],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        while time.monotonic() - started < 10:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return time.monotonic() - started
            if self.proc.poll() is not None:
                raise RuntimeError(f"tgnews server exited ({self.proc.returncode}); see {self.log}")
            time.sleep(0.05)
        raise RuntimeError(f"tgnews server not listening after 10 s; see {self.log}")

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SHARED / "data" / "contest_html" / "20191101")
    parser.add_argument(
        "--db", default=None, help="PostgreSQL URL (a fresh schema is made) or SQLite directory"
    )
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    files = files_in_time_order([args.source])[: args.limit]
    period = 300 * rng.randint(1, 8640)
    report: dict = {
        "db": "postgresql" if args.db and args.db.startswith("postgres") else "sqlite",
        "files": len(files),
        "period": period,
    }

    with tempfile.TemporaryDirectory(prefix="newsthread-contract-") as tmp:
        db, drop = fresh_db(args.db, Path(tmp), "contract")
        port = free_port()
        server = TgnewsServer(port, db, Path(tmp) / "server.log")
        checker = Checker(port)
        try:
            report["port_open_s"] = round(server.start(), 2)

            # 2. PUT everything
            seen: set[str] = set()
            start = time.perf_counter()
            codes: dict[int, int] = {}
            for path in files:
                ttl = 300 * rng.randint(1, 8640)
                status, _, data = checker.request(
                    "PUT",
                    f"/{path.name}",
                    path.read_bytes(),
                    {"Content-Type": "text/html", "Cache-Control": f"max-age={ttl}"},
                )
                codes[status] = codes.get(status, 0) + 1
                want = 204 if path.name in seen else 201
                if status != want:
                    checker.fail(f"PUT {path.name} → {status} (want {want}): {data[:200]!r}")
                seen.add(path.name)
            elapsed = time.perf_counter() - start
            report["put"] = {
                "codes": codes,
                "seconds": round(elapsed, 1),
                "per_second": round(len(files) / elapsed, 1),
            }

            # 3. 16 GETs
            before, took = sixteen_gets(checker, period)
            report["gets_before_kill"] = {
                "seconds": round(took, 3),
                "threads": {f"{k[0]}/{k[1]}": len(v) for k, v in before.items()},
            }

            # 4. kill -9, restart, 16 GETs
            server.kill9()
            checker.close()
            restart_start = time.monotonic()
            report["restart_port_open_s"] = round(server.start(), 2)
            after, took = sixteen_gets(checker, period)
            report["restart_to_answers_s"] = round(time.monotonic() - restart_start, 2)
            same = sum(sorted(map(sorted, before[key])) == sorted(map(sorted, after[key])) for key in before)
            report["gets_after_restart"] = {"seconds": round(took, 3), "identical_answers": f"{same}/16"}
            # The same articles must be threaded after the restart. The grouping may differ (the
            # restart groups by the batch pass), so compare per language: the "any" answer, or,
            # when that hit the 1000-thread cap, the union of the 7 category answers.
            for lang in ("en", "ru"):
                seen_before = answer_articles(before, lang)
                seen_after = answer_articles(after, lang)
                if seen_before is None or seen_after is None:
                    report.setdefault("not_compared", []).append(f"{lang}: an answer hit the 1000-thread cap")
                    continue
                if seen_before != seen_after:
                    checker.fail(
                        f"after restart ({lang}): {len(seen_before - seen_after)} articles gone, "
                        f"{len(seen_after - seen_before)} new, e.g. {sorted(seen_before ^ seen_after)[:3]}"
                    )
            # 5. DELETE a random 10–90 %
            names = sorted(seen)
            share = rng.uniform(0.1, 0.9)
            doomed = rng.sample(names, int(len(names) * share))
            start = time.perf_counter()
            codes = {}
            for name in doomed:
                status, _, data = checker.request("DELETE", f"/{name}")
                codes[status] = codes.get(status, 0) + 1
                if status != 204:
                    checker.fail(f"DELETE {name} → {status}: {data[:200]!r}")
            elapsed = time.perf_counter() - start
            report["delete"] = {
                "share": round(share, 3),
                "count": len(doomed),
                "codes": codes,
                "per_second": round(len(doomed) / max(elapsed, 1e-9), 1),
            }

            # 6. 16 GETs without the deleted articles
            final, took = sixteen_gets(checker, period)
            gone = set(doomed)
            still = {a for answer in final.values() for t in answer for a in t} & gone
            if still:
                checker.fail(f"{len(still)} deleted articles still in threads, e.g. {sorted(still)[:3]}")
            report["gets_after_delete"] = {
                "seconds": round(took, 3),
                "threads": {f"{k[0]}/{k[1]}": len(v) for k, v in final.items()},
            }
        except RuntimeError as error:
            checker.fail(str(error))
        finally:
            server.kill9()  # 7.
            checker.close()
            drop()
    report["retried_503"] = checker.retried_503
    report["failures"] = checker.failures
    report["ok"] = not checker.failures
    print(json.dumps(report, indent=1))
    print(
        f"contract run ({report['db']}, {len(files)} files): "
        f"{'OK' if report['ok'] else 'FAIL: ' + '; '.join(checker.failures[:3])}",
        file=sys.stderr,
    )
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# A private, throw-away PostgreSQL server on 127.0.0.1 for the store/server tests.
#
#   eval "$(scripts/pg_test_server.sh start)"   # prints: export NEWSTHREAD_TEST_PG=postgresql://...
#                                               #         export NEWSTHREAD_TEST_PG_DIR=/tmp/...
#   scripts/pg_test_server.sh stop [DIR]        # stops it and removes DIR (default $NEWSTHREAD_TEST_PG_DIR)
#
# Uses the Debian server binaries (/usr/lib/postgresql/*/bin) or initdb/pg_ctl on PATH. As root it
# runs the server as the `postgres` user (or `nobody`), since PostgreSQL refuses to run as root.
# Exits 3 with a message on stderr when no PostgreSQL server binaries are installed.
set -euo pipefail

find_bin() {
  local dir
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return
    fi
  done
  return 1
}

as_owner() {  # run a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$OWNER" -- "$@"
  else
    "$@"
  fi
}

pick_owner() {
  OWNER=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    if id postgres >/dev/null 2>&1; then OWNER=postgres; else OWNER=nobody; fi
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local bin dir port log
  bin=$(find_bin) || { echo "pg_test_server: no PostgreSQL server binaries (initdb, pg_ctl) found" >&2; exit 3; }
  pick_owner
  dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/newsthread-pg.XXXXXX")}
  mkdir -p "$dir"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown "$OWNER" "$dir"
  log="$dir/server.log"
  as_owner "$bin/initdb" -D "$dir/data" -U newsthread --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || as_owner "$bin/initdb" -D "$dir/data" -U newsthread --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$log" -w -t 30 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c max_connections=200" \
        >/dev/null 2>&1; then
      echo "export NEWSTHREAD_TEST_PG=postgresql://newsthread@127.0.0.1:$port/postgres"
      echo "export NEWSTHREAD_TEST_PG_DIR=$dir"
      return 0
    fi
  done
  echo "pg_test_server: PostgreSQL did not start; see $log" >&2
  cat "$log" >&2 || true
  exit 1
}

stop() {
  local bin dir
  dir=${1:-${NEWSTHREAD_TEST_PG_DIR:-}}
  [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
  bin=$(find_bin) || exit 0
  pick_owner
  if [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$dir" in
    */newsthread-pg.*) rm -rf "$dir" ;;  # only directories this script made
  esac
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start [DIR] | stop [DIR]" >&2; exit 2 ;;
esac

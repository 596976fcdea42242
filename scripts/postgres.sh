#!/usr/bin/env bash
# A throw-away PostgreSQL for tests, benchmarks and the demo: Debian's postgresql (installed when
# missing), a cluster in a temporary folder on a free loopback port, run as the `postgres` user
# (PostgreSQL refuses to run as root), and a streaming replica (hot standby) beside it on request.
#
#   scripts/postgres.sh start     creates and starts a primary; prints its URL
#   scripts/postgres.sh replica   creates and starts a hot standby of the primary; prints its URL
#   scripts/postgres.sh url [replica]   prints the URL of what runs
#   scripts/postgres.sh createdb NAME   creates an empty database on the primary; prints its URL
#   scripts/postgres.sh running   exits 0 when this script's primary runs
#   scripts/postgres.sh crash     kills the primary as a power cut would (pg_ctl stop -m immediate)
#   scripts/postgres.sh restart   starts the primary again after a crash (PostgreSQL recovers from its WAL)
#   scripts/postgres.sh stop      stops the standby and the primary it started and removes their folder
#
# What it started is written to $HANDBOOK_POSTGRES_STATE (default: .build/postgres.state under the
# repository), so `stop` stops only that, never a server someone else runs.
set -euo pipefail
cd "$(dirname "$0")/.."

state=${HANDBOOK_POSTGRES_STATE:-$PWD/.build/postgres.state}
fail() { echo "postgres.sh: $*" >&2; exit 1; }

bin_dir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$found" ] || fail "no PostgreSQL under /usr/lib/postgresql"
  echo "$found"
}

install() {
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || fail "install postgresql (apt-get install postgresql), or run as root"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

# as_postgres COMMAND…: runs a server command as the postgres user (directly when already not root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

load_state() {
  [ -f "$state" ] || return 1
  # shellcheck disable=SC1090
  . "$state"
}

is_up() { # DATA_DIR
  [ -d "$1" ] && as_postgres "$(bin_dir)/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# server_start DATA_DIR: starts a server logging to DATA_DIR.log, with no descriptor of ours: the
# server outlives this script, and a pipe it held open would keep whoever reads ours waiting.
server_start() {
  as_postgres "$(bin_dir)/pg_ctl" -D "$1" -l "$1.log" -w start </dev/null >/dev/null 2>&1
}

configure() { # DATA_DIR PORT FOLDER
  cat >>"$1/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$3'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = on
# Sized for the benchmark's million enterprises on a machine of some 16 GB and more: a page cache
# of the server's own (the default is 128 MB) and checkpoints less often under a bulk load.
shared_buffers = 1GB
max_wal_size = 4GB
EOF
}

start() {
  install
  if load_state && is_up "$folder/primary"; then
    echo "postgres://postgres@127.0.0.1:$primary_port/postgres"
    return
  fi
  local bin folder primary_port
  bin=$(bin_dir)
  folder=$(mktemp -d -t handbook-postgres.XXXXXX)
  chmod 755 "$folder"
  [ "$(id -u)" -ne 0 ] || chown postgres "$folder"
  primary_port=$(free_port)
  as_postgres "$bin/initdb" -D "$folder/primary" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$folder/initdb.log" 2>&1 ||
    { cat "$folder/initdb.log" >&2; fail "initdb failed"; }
  configure "$folder/primary" "$primary_port" "$folder"
  echo "host replication postgres 127.0.0.1/32 trust" >>"$folder/primary/pg_hba.conf"
  server_start "$folder/primary" ||
    { cat "$folder/primary.log" >&2; fail "the primary did not start"; }
  mkdir -p "$(dirname "$state")"
  printf 'folder=%q\nprimary_port=%q\n' "$folder" "$primary_port" >"$state"
  echo "postgres://postgres@127.0.0.1:$primary_port/postgres"
}

replica() {
  load_state && is_up "$folder/primary" || fail "no primary of this script runs: scripts/postgres.sh start first"
  if [ -n "${replica_port:-}" ] && is_up "$folder/replica"; then
    echo "postgres://postgres@127.0.0.1:$replica_port/postgres"
    return
  fi
  local bin
  bin=$(bin_dir)
  replica_port=$(free_port)
  as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$folder/replica" -R -X stream \
    >"$folder/basebackup.log" 2>&1 || { cat "$folder/basebackup.log" >&2; fail "pg_basebackup failed"; }
  sed -i "s/^port = .*/port = $replica_port/" "$folder/replica/postgresql.conf"
  server_start "$folder/replica" ||
    { cat "$folder/replica.log" >&2; fail "the replica did not start"; }
  printf 'replica_port=%q\n' "$replica_port" >>"$state"
  echo "postgres://postgres@127.0.0.1:$replica_port/postgres"
}

stop() {
  load_state || { echo "postgres.sh: nothing of this script runs"; return; }
  local bin
  bin=$(bin_dir)
  for server in replica primary; do
    if is_up "$folder/$server"; then as_postgres "$bin/pg_ctl" -D "$folder/$server" -m fast -w stop >/dev/null; fi
  done
  rm -rf "$folder" "$state"
  echo "postgres.sh: stopped"
}

createdb() { # NAME
  load_state && is_up "$folder/primary" || fail "no primary of this script runs: scripts/postgres.sh start first"
  [[ "${1:-}" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "createdb: a database name of a-z, 0-9 and _"
  as_postgres "$(bin_dir)/psql" -h 127.0.0.1 -p "$primary_port" -U postgres -q -c "CREATE DATABASE $1" postgres
  echo "postgres://postgres@127.0.0.1:$primary_port/$1"
}

crash() {
  load_state && is_up "$folder/primary" || fail "no primary of this script runs"
  as_postgres "$(bin_dir)/pg_ctl" -D "$folder/primary" -m immediate -w stop >/dev/null
}

restart() {
  load_state || fail "nothing of this script runs"
  is_up "$folder/primary" || server_start "$folder/primary" ||
    { cat "$folder/primary.log" >&2; fail "the primary did not start again"; }
}

case "${1:-}" in
  start) start ;;
  crash) crash ;;
  createdb) createdb "${2:-}" ;;
  restart) restart ;;
  replica) replica ;;
  stop) stop ;;
  running) load_state && is_up "$folder/primary" ;;
  url)
    load_state || fail "nothing of this script runs"
    if [ "${2:-}" = replica ]; then echo "postgres://postgres@127.0.0.1:$replica_port/postgres"
    else echo "postgres://postgres@127.0.0.1:$primary_port/postgres"; fi
    ;;
  *) echo "usage: scripts/postgres.sh start|replica|url [replica]|createdb NAME|running|crash|restart|stop" >&2; exit 64 ;;
esac

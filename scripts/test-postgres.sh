#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, on 127.0.0.1 only, trust auth.
#   scripts/test-postgres.sh start   # install if needed, init, start; prints the JDBC URL (idempotent)
#   scripts/test-postgres.sh stop    # stops it (the data directory stays)
#   scripts/test-postgres.sh url     # prints the JDBC URL
#   scripts/test-postgres.sh status  # exit 0 when running
# NIMBO_PG_DIR (default /tmp/nimbo-test-pg) and NIMBO_PG_PORT (default 55432) choose where.
set -euo pipefail

PG_DIR=${NIMBO_PG_DIR:-/tmp/nimbo-test-pg}
PG_PORT=${NIMBO_PG_PORT:-55432}
DATA="$PG_DIR/data"
LOG="$PG_DIR/server.log"
DB=nimbo_test
DB_USER=nimbo

url() {
    echo "jdbc:postgresql://127.0.0.1:$PG_PORT/$DB?user=$DB_USER&password=$DB_USER"
}

# Newest installed major version that has the server binaries.
find_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

install_server() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "test-postgres: PostgreSQL server binaries missing; run as root or: apt-get install postgresql" >&2
        exit 1
    fi
    echo "test-postgres: installing Debian's postgresql package" >&2
    # We make our own cluster; Debian's default 'main' one would only take port 5432 for nothing.
    # Seeded before the package exists, and kept (confold) when the package brings its own.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
        mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
    fi
    export DEBIAN_FRONTEND=noninteractive
    local opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    apt-get install "${opts[@]}" postgresql >&2 || { apt-get update -q >&2 && apt-get install "${opts[@]}" postgresql >&2; }
}

# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

running() {
    [[ -f $DATA/PG_VERSION ]] && as_pg "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

psql_admin() {
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

start() {
    BIN=$(find_bin) || { install_server; BIN=$(find_bin) || { echo "test-postgres: no server binaries after install" >&2; exit 1; }; }
    mkdir -p "$PG_DIR"
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home --home-dir "$PG_DIR" postgres
        chown postgres: "$PG_DIR"
    fi
    # Serialises concurrent test JVMs starting the same server.
    exec 9>"$PG_DIR/.lock"
    flock 9
    if running; then
        url
        return 0
    fi
    if [[ ! -f $DATA/PG_VERSION ]]; then
        rm -rf "$DATA"
        as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
            || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
        # TCP on loopback only, no Unix socket (its default directory may not be writable here).
        cat >>"$DATA/postgresql.conf" <<EOF
# nimbo test server
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 200
EOF
    fi
    # 9>&-: the server must not inherit (and so keep holding) the lock.
    as_pg "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 >/dev/null 9>&- \
        || { echo "test-postgres: server did not start; end of $LOG:" >&2; tail -n 20 "$LOG" >&2; exit 1; }
    psql_admin <<EOF
SELECT 'CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD ''$DB_USER'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
SELECT 'CREATE DATABASE $DB OWNER $DB_USER'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB') \gexec
EOF
    url
}

stop() {
    BIN=$(find_bin) || exit 0
    if running; then
        as_pg "$BIN/pg_ctl" stop -D "$DATA" -m fast -w >/dev/null
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    status) BIN=$(find_bin) || exit 1; running ;;
    *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts (or reuses) the local PostgreSQL 15 and Redis that the test suite uses, then prints the variables
# the tests read, so a caller can write:
#
#     eval "$(scripts/services.sh)"
#
# Only the `export ...` lines go to stdout; every other message goes to stderr.
#
#   scripts/services.sh          start both (idempotent: a server already answering is reused)
#   scripts/services.sh stop     stop both
#
# PostgreSQL: 127.0.0.1:5433, user `postgres`, trust auth, socket in /tmp/pgsock, data in $FINMART_PG_DIR
#             (default /tmp/finmart-pg), log in $FINMART_PG_LOG (default /tmp/finmart-pg.log).
# Redis:      127.0.0.1:6380, no persistence, log in $FINMART_REDIS_LOG (default /tmp/finmart-redis.log).
#
# When a server's binaries are missing: with CI=true this is an error (exit 1); otherwise the service is
# skipped with a message and its variable is not printed, so the tests that need it skip themselves.
set -euo pipefail

# Keep stdout for the exports only: everything else this script or its children print goes to stderr.
exec 3>&1 1>&2

PG_BIN=${FINMART_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=${FINMART_PG_DIR:-/tmp/finmart-pg}
PG_LOG=${FINMART_PG_LOG:-/tmp/finmart-pg.log}
PG_SOCK=/tmp/pgsock
PG_PORT=5433
REDIS_PORT=6380
REDIS_LOG=${FINMART_REDIS_LOG:-/tmp/finmart-redis.log}
REDIS_PIDFILE=/tmp/finmart-redis.pid

DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres"
REDIS_URL="redis://127.0.0.1:${REDIS_PORT}"

log() { printf 'services.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

is_ci() { [[ ${CI:-} == true ]]; }

# A needed binary is missing: fatal in CI, a skip (message only) elsewhere.
missing() {
    if is_ci; then
        die "$1 (CI=true, so this is an error; .ci/run installs: postgresql postgresql-contrib redis-server)"
    fi
    log "$1; skipping it: the tests that need it will be skipped (install it to run them)"
}

PG_STARTED=false
REDIS_STARTED=false

# Runs a command as the `postgres` user when we are root (initdb and postgres refuse to run as root),
# as ourselves otherwise. fd 3 (our stdout) is closed for the child, so a daemon it leaves behind never
# holds the pipe of a caller's "$(...)" open.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@" 3>&-
    else
        "$@" 3>&-
    fi
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 3>&-; }

start_postgres() {
    if [[ ! -x $PG_BIN/postgres || ! -x $PG_BIN/initdb || ! -x $PG_BIN/pg_ctl || ! -x $PG_BIN/pg_isready ]]; then
        missing "PostgreSQL 15 binaries not found in $PG_BIN"
        return 0
    fi

    local status=0
    pg_ready || status=$?
    if [[ $status -eq 0 ]]; then
        log "PostgreSQL already answers on 127.0.0.1:$PG_PORT; reusing it"
        PG_STARTED=true
        return 0
    fi
    if [[ $status -eq 1 ]]; then
        # 1 = the server is up but still starting (or shutting down): wait for it.
        log "PostgreSQL on 127.0.0.1:$PG_PORT is starting; waiting"
        for _ in $(seq 1 30); do
            sleep 1
            if pg_ready; then
                PG_STARTED=true
                return 0
            fi
        done
        die "PostgreSQL on 127.0.0.1:$PG_PORT did not become ready; see $PG_LOG"
    fi

    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        die "no 'postgres' user to run PostgreSQL as (it is created by the postgresql package)"
    fi

    mkdir -p "$PG_DIR" "$PG_SOCK"
    touch "$PG_LOG"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$PG_DIR" "$PG_SOCK" "$PG_LOG"
    fi
    chmod 700 "$PG_DIR"

    if [[ ! -f $PG_DIR/PG_VERSION ]]; then
        if [[ -n $(ls -A "$PG_DIR") ]]; then
            die "$PG_DIR is not empty and is not a PostgreSQL data directory; remove it or set FINMART_PG_DIR"
        fi
        # UTF-8 so Chinese text is stored as text; the C.UTF-8 locale when present (Debian has it), else C.
        local locale=C
        if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
        log "initialising a PostgreSQL cluster in $PG_DIR"
        as_pg "$PG_BIN/initdb" -D "$PG_DIR" --auth=trust -U postgres --encoding=UTF8 --locale="$locale" \
            >>"$PG_LOG" 2>&1 || die "initdb failed; see $PG_LOG"
    fi

    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" \
        -o "-p $PG_PORT -k $PG_SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=512MB -c max_connections=200" \
        -w -t 60 start </dev/null || {
        tail -n 20 "$PG_LOG" >&2 || true
        die "PostgreSQL did not start; see $PG_LOG"
    }
    pg_ready || die "PostgreSQL started but does not answer on 127.0.0.1:$PG_PORT; see $PG_LOG"
    PG_STARTED=true
}

# Test databases are dropped by the tests that make them (finmart_store::testing); a run that was killed
# leaves its own behind. Drops those nobody is connected to, so a reused cluster does not grow run by run.
drop_leftover_test_databases() {
    local psql=(as_pg "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -qAtX)
    local names
    names=$("${psql[@]}" -c "SELECT datname FROM pg_database d WHERE datname LIKE 'finmart\_test\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)") || return 0
    [[ -n $names ]] || return 0
    log "dropping $(wc -l <<<"$names") leftover test databases"
    # One session for all of them; a database that cannot be dropped is reported and the rest go on.
    sed 's/.*/DROP DATABASE IF EXISTS "&";/' <<<"$names" | "${psql[@]}" -f - || log "some could not be dropped"
}

redis_ready() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null 3>&-) == PONG ]]; }

start_redis() {
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        missing "redis-server or redis-cli not found on PATH"
        return 0
    fi
    if redis_ready; then
        log "Redis already answers on 127.0.0.1:$REDIS_PORT; reusing it"
        REDIS_STARTED=true
        return 0
    fi
    log "starting Redis on 127.0.0.1:$REDIS_PORT (log: $REDIS_LOG)"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no \
        --dir /tmp --logfile "$REDIS_LOG" --pidfile "$REDIS_PIDFILE" </dev/null >>"$REDIS_LOG" 2>&1 3>&- ||
        die "redis-server failed to start; see $REDIS_LOG"
    for _ in $(seq 1 50); do
        if redis_ready; then
            REDIS_STARTED=true
            return 0
        fi
        sleep 0.2
    done
    tail -n 20 "$REDIS_LOG" >&2 || true
    die "Redis did not answer on 127.0.0.1:$REDIS_PORT; see $REDIS_LOG"
}

stop_all() {
    if [[ -f $PG_DIR/postmaster.pid && -x $PG_BIN/pg_ctl ]]; then
        log "stopping PostgreSQL ($PG_DIR)"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w stop || log "pg_ctl stop failed"
    elif [[ -x $PG_BIN/pg_isready ]] && pg_ready; then
        log "PostgreSQL on 127.0.0.1:$PG_PORT was not started from $PG_DIR; leaving it alone"
    else
        log "PostgreSQL is not running"
    fi
    if command -v redis-cli >/dev/null && redis_ready; then
        log "stopping Redis on 127.0.0.1:$REDIS_PORT"
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 3>&- || true
        for _ in $(seq 1 50); do
            redis_ready || break
            sleep 0.2
        done
        ! redis_ready || log "Redis still answers on 127.0.0.1:$REDIS_PORT"
    else
        log "Redis is not running"
    fi
}

case ${1:-start} in
start)
    start_postgres
    if $PG_STARTED; then drop_leftover_test_databases; fi
    start_redis
    if $PG_STARTED; then echo "export FINMART_TEST_DATABASE_URL=$DATABASE_URL" >&3; fi
    if $REDIS_STARTED; then echo "export FINMART_TEST_REDIS_URL=$REDIS_URL" >&3; fi
    ;;
stop)
    stop_all
    ;;
*)
    die "usage: $0 [start|stop]"
    ;;
esac

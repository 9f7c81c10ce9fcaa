#!/usr/bin/env bash
# pg_server.sh - a PostgreSQL server for the pg tests.  Sourced, it
# defines pg_start, which either uses the server named by $LAB_PG_CONNINFO
# (a fresh database is made in it for the test) or runs initdb into a new
# temporary folder and starts postgres listening only on a Unix socket in
# that folder (listen_addresses=''), as the `postgres` user when run as
# root.  It sets PG_CONNINFO for the test's database and PG_OWN=1 when the
# server is our own (then pg_stop_immediate and pg_start_again work).  If
# neither way gives a server the test fails loudly: it is never skipped.
# Run directly, it starts a server, runs SELECT 1 and stops it.
# labels: pg
set -euo pipefail

PG_DIR= PG_OWN=0 PG_CONNINFO= PG_ADMIN= PG_DB=
PG_BIN=${PG_BIN:-}
# psql prints no NOTICEs (CREATE ... IF NOT EXISTS and the like).
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

pg_die() {
    echo "pg_server: FAIL: $*" >&2
    exit 1
}

pg_find_bin() {
    [[ -n $PG_BIN && -x $PG_BIN/initdb ]] && return 0
    local d
    d=$(pg_config --bindir 2>/dev/null || true)
    if [[ -z $d || ! -x $d/initdb ]]; then
        d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    fi
    [[ -n $d && -x $d/initdb ]] ||
        pg_die "no initdb found (install postgresql: bash .ci/setup) and LAB_PG_CONNINFO is not set"
    PG_BIN=$d
}

# Runs a server program as the server's owner.
pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_ctl_() {
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 "$@"
}

pg_psql_admin() {
    psql "$PG_ADMIN" -X -q -v ON_ERROR_STOP=1 "$@"
}

# psql on the test's database, stopping at the first error.
pg_psql() {
    psql "$PG_CONNINFO" -X -q -v ON_ERROR_STOP=1 "$@"
}

pg_start_again() {
    ((PG_OWN)) || pg_die "pg_start_again needs our own server"
    pg_ctl_ -l "$PG_DIR/log" start >/dev/null ||
        { tail -n 30 "$PG_DIR/log" >&2; pg_die "postgres did not start again"; }
}

pg_stop_immediate() {
    ((PG_OWN)) || pg_die "pg_stop_immediate needs our own server"
    pg_ctl_ -m immediate stop >/dev/null
}

pg_cleanup() {
    if ((PG_OWN)) && [[ -n $PG_DIR ]]; then
        pg_ctl_ -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    elif [[ -n $PG_DB && -n $PG_ADMIN ]]; then
        pg_psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" \
            >/dev/null 2>&1 || true
    fi
}

pg_start_own() {
    pg_find_bin
    PG_DIR=$(mktemp -d /tmp/labaudit-pg.XXXXXX)
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 ||
            pg_die "running as root needs the 'postgres' user (install postgresql)"
        chown postgres: "$PG_DIR"
    fi
    chmod 700 "$PG_DIR"
    PG_OWN=1
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust \
        -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
        { cat "$PG_DIR/initdb.log" >&2; pg_die "initdb failed"; }
    pg_ctl_ -l "$PG_DIR/log" \
        -o "-c listen_addresses='' -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null ||
        { tail -n 30 "$PG_DIR/log" >&2; pg_die "postgres did not start"; }
    # The socket options must survive a restart: keep them in the config.
    pg_as_owner sh -c "printf '%s\n' \"listen_addresses = ''\" \"unix_socket_directories = '$PG_DIR'\" 'fsync = off' 'synchronous_commit = off' 'full_page_writes = off' >> '$PG_DIR/data/postgresql.conf'"
    PG_ADMIN="host=$PG_DIR dbname=postgres user=postgres"
}

# pg_start [DBNAME]: a server and an empty database for this test.
pg_start() {
    local db=${1:-labaudit_test}
    trap pg_cleanup EXIT
    if [[ -n ${LAB_PG_CONNINFO:-} ]]; then
        PG_ADMIN=$LAB_PG_CONNINFO
        psql "$PG_ADMIN" -X -q -c 'SELECT 1' >/dev/null ||
            pg_die "LAB_PG_CONNINFO is set but the server does not answer"
        db=${db}_$$
    else
        pg_start_own
    fi
    PG_DB=$db
    pg_psql_admin -c "CREATE DATABASE \"$db\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null ||
        pg_die "cannot create database $db"
    # A later dbname wins, in key=value strings and in URI queries.
    case $PG_ADMIN in
    postgres://* | postgresql://*)
        if [[ $PG_ADMIN == *\?* ]]; then PG_CONNINFO="$PG_ADMIN&dbname=$db"
        else PG_CONNINFO="$PG_ADMIN?dbname=$db"; fi ;;
    *) PG_CONNINFO="$PG_ADMIN dbname=$db" ;;
    esac
    psql "$PG_CONNINFO" -X -q -c 'SELECT 1' >/dev/null ||
        pg_die "cannot connect to the test database"
    export PG_CONNINFO PG_OWN PG_DIR
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    pg_start labaudit_selftest
    v=$(pg_psql -At -c 'SHOW server_version')
    la=$(pg_psql -At -c 'SHOW listen_addresses')
    echo "ok   server $v answers (own server: $PG_OWN, listen_addresses='$la')"
    if ((PG_OWN)); then
        [[ -z $la ]] || pg_die "own server listens on TCP ($la)"
        pg_stop_immediate
        pg_start_again
        pg_psql -At -c 'SELECT 1' >/dev/null || pg_die "no answer after restart"
        echo "ok   stop -m immediate and start again"
    fi
fi

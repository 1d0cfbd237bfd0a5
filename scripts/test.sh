#!/usr/bin/env bash
# The project's test command: runs the whole test suite against real servers.
#
#   bash scripts/test.sh [CARGO_TEST_ARGS…] [-- TEST_BINARY_ARGS…]
#
# Servers: when MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL are both set, the tests
# use those servers. Otherwise a throwaway Postgres 15 + MariaDB pair is started with
# scripts/test-servers.sh and stopped again when this script exits (also on failure or
# Ctrl-C).
#
# Several servers: MIGRATOR_TEST_SERVERS=pg13,pg18,mysql97 (any of pg13 pg14 pg15 pg16 pg17
# pg18 mariadb mysql97, see scripts/test-servers.sh) starts that set instead and runs the
# suite once per slot assignment: each Postgres of the set takes the PG slot
# (MIGRATOR_TEST_PG_URL) and each MySQL-family server the MYSQL slot (MIGRATOR_TEST_MYSQL_URL),
# paired up in order so that there are max(#Postgres, #MySQL) runs, the shorter list starting
# over: pg13,pg18,mysql97 runs (pg13, mysql97) then (pg18, mysql97). A set without a Postgres
# (or without a MySQL) leaves that slot empty: its tests skip, or fail under CI=true. Each run
# gets a header, `--no-fail-fast` (so every test binary runs) and the variables
# MIGRATOR_TEST_PG_SERVER / MIGRATOR_TEST_MYSQL_SERVER naming its servers; the output of each
# run is also saved in MIGRATOR_TEST_LOG_DIR/run-N-PG-MYSQL.log when MIGRATOR_TEST_LOG_DIR is
# set. At the end comes one line per run: PASS/FAIL, the servers, tests passed/failed/ignored
# and the failing tests. The exit status is 1 when any run failed. Both URLs set win over
# MIGRATOR_TEST_SERVERS (it is then ignored, with a note).
#
# Arguments: everything before a `--` goes to `cargo test`, everything after it to the
# test binaries. The command run is
#
#   cargo test --workspace --locked [CARGO_TEST_ARGS…] -- --test-threads=4 [TEST_BINARY_ARGS…]
#
# except that `--workspace` is left out when you pick packages (-p/--package) or pass
# --workspace yourself (e.g. with --exclude), and
# `--test-threads=4` is left out when you give your own --test-threads. Examples:
#
#   bash scripts/test.sh                              # everything
#   bash scripts/test.sh -p migrator-core             # one package
#   bash scripts/test.sh -p migrator-tests --test servers -- --nocapture
#   bash scripts/test.sh apply_resumes                # tests whose name contains this
#
# Exit status: cargo's (several servers: 0 when every run passed, else 1).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$root"

cargo_args=()
harness_args=()
seen_separator=0
pick_packages=0
own_threads=0
for arg in "$@"; do
    if [ "$seen_separator" = 1 ]; then
        harness_args+=("$arg")
        case $arg in --test-threads | --test-threads=*) own_threads=1 ;; esac
        continue
    fi
    case $arg in
        --) seen_separator=1; continue ;;
        -p | -p?* | --package | --package=* | --workspace | --all) pick_packages=1 ;;
    esac
    cargo_args+=("$arg")
done

cmd=(cargo test)
[ "$pick_packages" = 1 ] || cmd+=(--workspace)
cmd+=(--locked "${cargo_args[@]}" --)
[ "$own_threads" = 1 ] || cmd+=(--test-threads=4)
cmd+=("${harness_args[@]}")

servers_dir=
stop_servers() {
    if [ -n "$servers_dir" ]; then
        bash "$here/test-servers.sh" stop "$servers_dir" >/dev/null || true
        servers_dir=
    fi
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_servers() {
    # Made here (not by `start`) so the EXIT trap knows what to stop even if start fails half-way.
    servers_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrator-test-servers.XXXXXX")
    local started=$SECONDS env_lines
    env_lines=$(bash "$here/test-servers.sh" start "$servers_dir")
    eval "$env_lines"
    echo "test.sh: servers started in $((SECONDS - started))s" >&2
}

# After a failed run: the last lines of each server's log (a replica that stopped replicating, a
# server that ran out of something), so a CI log says what the servers saw.
server_log_tails() {
    [ -n "$servers_dir" ] || return 0
    local f
    for f in "$servers_dir"/*.log; do
        [ -s "$f" ] || continue
        printf '\n---- test.sh: last lines of %s ----\n' "$(basename "$f")"
        tail -n 15 "$f"
    done
}

# The value of the variable named $1 (empty when unset).
var() { printf '%s' "${!1:-}"; }
upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }

# Several servers: one run of the suite per slot assignment (see the header).
run_matrix() {
    start_servers
    local -a pgs=() mys=() key
    local set=${MIGRATOR_TEST_SERVER_SET:?test-servers.sh did not report MIGRATOR_TEST_SERVER_SET}
    for key in ${set//,/ }; do
        case $key in pg*) pgs+=("$key") ;; *) mys+=("$key") ;; esac
    done
    local n=${#pgs[@]} i pg my
    [ "${#mys[@]}" -le "$n" ] || n=${#mys[@]}
    [ "${#pgs[@]}" -gt 0 ] || echo "test.sh: no Postgres in MIGRATOR_TEST_SERVERS: Postgres tests skip (or fail under CI=true)" >&2
    [ "${#mys[@]}" -gt 0 ] || echo "test.sh: no MySQL/MariaDB in MIGRATOR_TEST_SERVERS: MySQL tests skip (or fail under CI=true)" >&2

    local log_dir=${MIGRATOR_TEST_LOG_DIR:-} own_logs=0
    if [ -z "$log_dir" ]; then
        log_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrator-test-logs.XXXXXX")
        own_logs=1
    fi
    mkdir -p "$log_dir"

    # Every test binary runs, so each server's failures are all seen.
    local -a matrix_cmd=(cargo test --no-fail-fast "${cmd[@]:2}")
    local -a summary=()
    local failures=0 status t0 logfile label fields
    for ((i = 0; i < n; i++)); do
        pg=''
        my=''
        [ "${#pgs[@]}" = 0 ] || pg=${pgs[i % ${#pgs[@]}]}
        [ "${#mys[@]}" = 0 ] || my=${mys[i % ${#mys[@]}]}
        label="${pg:--} + ${my:--}"
        logfile=$log_dir/run-$((i + 1))-${pg:-none}-${my:-none}.log
        printf '\n==================== test.sh: run %d/%d: Postgres slot %s, MySQL slot %s ====================\n' \
            "$((i + 1))" "$n" "${pg:-(none)}" "${my:-(none)}" >&2
        export MIGRATOR_TEST_PG_URL MIGRATOR_TEST_MYSQL_URL MIGRATOR_TEST_PG_SERVER MIGRATOR_TEST_MYSQL_SERVER
        export MIGRATOR_TEST_PG_REPLICA_URL MIGRATOR_TEST_MYSQL_REPLICA_URL MIGRATOR_TEST_PG_REPLICA_PRIMARY_URL
        MIGRATOR_TEST_PG_URL=${pg:+$(var "MIGRATOR_TEST_URL_$(upper "$pg")")}
        MIGRATOR_TEST_MYSQL_URL=${my:+$(var "MIGRATOR_TEST_URL_$(upper "$my")")}
        # Each slot's replica (empty when its server has none: the replica tests then skip, or
        # fail under CI=true).
        MIGRATOR_TEST_PG_REPLICA_URL=${pg:+$(var "MIGRATOR_TEST_REPLICA_URL_$(upper "$pg")")}
        MIGRATOR_TEST_PG_REPLICA_PRIMARY_URL=${pg:+$(var "MIGRATOR_TEST_REPLICA_PRIMARY_URL_$(upper "$pg")")}
        MIGRATOR_TEST_MYSQL_REPLICA_URL=${my:+$(var "MIGRATOR_TEST_REPLICA_URL_$(upper "$my")")}
        MIGRATOR_TEST_PG_SERVER=$pg
        MIGRATOR_TEST_MYSQL_SERVER=$my
        echo "test.sh: ${matrix_cmd[*]}" >&2
        t0=$SECONDS
        status=0
        "${matrix_cmd[@]}" 2>&1 | tee "$logfile" || status=$?
        fields=$(awk -f "$here/cargo-test-summary.awk" "$logfile")
        summary+=("$(format_result "$status" "$label" "$((SECONDS - t0))" "$fields")")
        if [ "$status" != 0 ]; then
            failures=$((failures + 1))
            server_log_tails
        fi
    done

    printf '\n==================== test.sh: summary (%d run(s), %d failed) ====================\n' "$n" "$failures"
    printf '%s\n' "${summary[@]}"
    if [ "$own_logs" = 1 ]; then
        rm -rf -- "$log_dir"
    else
        echo "logs: $log_dir"
    fi
    [ "$failures" = 0 ]
}

# format_result STATUS LABEL SECONDS FIELDS: one summary line (FIELDS from cargo-test-summary.awk).
format_result() {
    local status=$1 label=$2 seconds=$3 passed failed ignored results build bins tests verdict
    read -r passed failed ignored results build bins tests <<<"$4"
    verdict=PASS
    [ "$status" = 0 ] || verdict=FAIL
    local line
    line=$(printf '%s  %-22s %4d passed, %3d failed, %3d ignored  (%dm%02ds)' "$verdict" "$label" \
        "$passed" "$failed" "$ignored" "$((seconds / 60))" "$((seconds % 60))")
    [ "$build" = built ] || line="$line  BUILD FAILED"
    [ "$results" != 0 ] || [ "$build" != built ] || line="$line  (no test ran)"
    [ "$tests" = - ] || line="$line  failed: ${tests//,/, }"
    if [ "$bins" != - ] && [ "$tests" = - ]; then line="$line  failing binaries: ${bins//,/, }"; fi
    printf '%s' "$line"
}

if [ -n "${MIGRATOR_TEST_PG_URL:-}" ] && [ -n "${MIGRATOR_TEST_MYSQL_URL:-}" ]; then
    echo "test.sh: using the servers in MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL" >&2
    [ -z "${MIGRATOR_TEST_SERVERS:-}" ] ||
        echo "test.sh: note: MIGRATOR_TEST_SERVERS=$MIGRATOR_TEST_SERVERS is ignored (both URLs are set)" >&2
elif [ -n "${MIGRATOR_TEST_SERVERS:-}" ]; then
    if [ -n "${MIGRATOR_TEST_PG_URL:-}${MIGRATOR_TEST_MYSQL_URL:-}" ]; then
        echo "test.sh: only one of MIGRATOR_TEST_PG_URL / MIGRATOR_TEST_MYSQL_URL is set; using the servers of MIGRATOR_TEST_SERVERS" >&2
    fi
    status=0
    run_matrix || status=$?
    exit "$status"
else
    if [ -n "${MIGRATOR_TEST_PG_URL:-}${MIGRATOR_TEST_MYSQL_URL:-}" ]; then
        echo "test.sh: only one of MIGRATOR_TEST_PG_URL / MIGRATOR_TEST_MYSQL_URL is set; starting throwaway servers for both" >&2
    fi
    start_servers
fi

echo "test.sh: ${cmd[*]}" >&2
status=0
"${cmd[@]}" || status=$?
[ "$status" = 0 ] || server_log_tails
exit "$status"

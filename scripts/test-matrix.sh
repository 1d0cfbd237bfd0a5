#!/usr/bin/env bash
# The test suite against every database server these machines can run, one server at a time.
#
#   bash scripts/test-matrix.sh [CARGO_TEST_ARGS…] [-- TEST_BINARY_ARGS…]
#
# Starts all eight servers of scripts/test-servers.sh (pg13 pg14 pg15 pg16 pg17 pg18 mariadb
# mysql97; the first start downloads the ones not on the system into the cache, see that
# script) and runs the suite (scripts/test.sh, with `--no-fail-fast` and the arguments given
# here) once per server S, with S in its slot and the reference server of the other family
# (today's CI pair: pg15 for a MySQL-family S, mariadb for a Postgres S) in the other slot,
# so that the failures of a run are those of S as long as the reference pair passes. The
# run (pg15, mariadb) counts for both pg15 and mariadb, so eight servers take seven runs.
#
# Output: the progress of each run on stderr, then one line per server on stdout:
#
#   pg13     FAIL  (with mariadb)  405 passed,   7 failed,   2 ignored  (6m12s)  failed: …
#
# and where the logs are (one per run, run-N-PG-MYSQL.log). Exit status 0 when every run
# passed, else 1.
#
# Environment:
#   MIGRATOR_TEST_MATRIX   comma list of the servers to test (default: all eight); pg15 and
#                          mariadb are started in any case as the reference partners
#   MIGRATOR_TEST_LOG_DIR  where the logs go (default: a new /tmp/migrator-test-matrix.XXXXXX)
#   MIGRATOR_TEST_MATRIX_VERBOSE=1  also show each run's cargo output on stderr
#   and those of scripts/test-servers.sh (MIGRATOR_TEST_CACHE, …). MIGRATOR_TEST_SERVERS,
#   MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL of the caller are not used.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$root"

log() { printf 'test-matrix: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }

readonly ALL="pg13 pg14 pg15 pg16 pg17 pg18 mariadb mysql97"
wanted=()
for key in $(printf '%s' "${MIGRATOR_TEST_MATRIX:-${ALL// /,}}" | tr ',' ' ' | tr '[:upper:]' '[:lower:]'); do
    case " $ALL " in *" $key "*) ;; *) die "MIGRATOR_TEST_MATRIX: unknown server '$key' (known: ${ALL// /, })" ;; esac
    case " ${wanted[*]:-} " in *" $key "*) continue ;; esac
    wanted+=("$key")
done
[ "${#wanted[@]}" -gt 0 ] || die "MIGRATOR_TEST_MATRIX names no server"

# The servers to start: the wanted ones plus the reference pair.
start_set=(pg15 mariadb)
for key in "${wanted[@]}"; do
    case " ${start_set[*]} " in *" $key "*) ;; *) start_set+=("$key") ;; esac
done

# The runs: "PG MYSQL" pairs, each tested server in one of them.
runs=()
run_of() {
    local key=$1
    case $key in pg*) printf '%s mariadb' "$key" ;; *) printf 'pg15 %s' "$key" ;; esac
}
for key in "${wanted[@]}"; do
    pair=$(run_of "$key")
    case " ${runs[*]/ /+} " in *" ${pair/ /+} "*) ;; *) runs+=("$pair") ;; esac
done

log_dir=${MIGRATOR_TEST_LOG_DIR:-}
if [ -z "$log_dir" ]; then
    log_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrator-test-matrix.XXXXXX")
fi
mkdir -p "$log_dir"

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

servers_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrator-test-servers.XXXXXX")
started=$SECONDS
env_lines=$(MIGRATOR_TEST_SERVERS=$(IFS=,; printf '%s' "${start_set[*]}") \
    bash "$here/test-servers.sh" start "$servers_dir") || die "the servers did not start (see above)"
eval "$env_lines"
log "servers ${start_set[*]} started in $((SECONDS - started))s"

declare -A result
failures=0
i=0
for pair in "${runs[@]}"; do
    i=$((i + 1))
    read -r pg my <<<"$pair"
    logfile=$log_dir/run-$i-$pg-$my.log
    pg_var=MIGRATOR_TEST_URL_$(upper "$pg")
    my_var=MIGRATOR_TEST_URL_$(upper "$my")
    log "[$i/${#runs[@]}] $pg + $my: bash scripts/test.sh --no-fail-fast $* (log: $logfile)"
    t0=$SECONDS
    status=0
    if [ "${MIGRATOR_TEST_MATRIX_VERBOSE:-}" = 1 ]; then
        MIGRATOR_TEST_SERVERS='' MIGRATOR_TEST_PG_URL=${!pg_var} MIGRATOR_TEST_MYSQL_URL=${!my_var} \
            MIGRATOR_TEST_PG_SERVER=$pg MIGRATOR_TEST_MYSQL_SERVER=$my \
            bash "$here/test.sh" --no-fail-fast "$@" 2>&1 | tee "$logfile" >&2 || status=$?
    else
        MIGRATOR_TEST_SERVERS='' MIGRATOR_TEST_PG_URL=${!pg_var} MIGRATOR_TEST_MYSQL_URL=${!my_var} \
            MIGRATOR_TEST_PG_SERVER=$pg MIGRATOR_TEST_MYSQL_SERVER=$my \
            bash "$here/test.sh" --no-fail-fast "$@" >"$logfile" 2>&1 || status=$?
    fi
    seconds=$((SECONDS - t0))
    read -r passed failed ignored results build bins tests < <(awk -f "$here/cargo-test-summary.awk" "$logfile")
    verdict=PASS
    [ "$status" = 0 ] || { verdict=FAIL; failures=$((failures + 1)); }
    detail=$(printf '%4d passed, %3d failed, %3d ignored  (%dm%02ds)' \
        "$passed" "$failed" "$ignored" "$((seconds / 60))" "$((seconds % 60))")
    [ "$build" = built ] || detail="$detail  BUILD FAILED"
    [ "$results" != 0 ] || [ "$build" != built ] || detail="$detail  (no test ran: see the log)"
    [ "$tests" = - ] || detail="$detail  failed: ${tests//,/, }"
    if [ "$bins" != - ] && [ "$tests" = - ]; then detail="$detail  failing binaries: ${bins//,/, }"; fi
    log "[$i/${#runs[@]}] $pg + $my: $verdict $detail"
    # The line of each tested server of this run.
    for key in "$pg" "$my"; do
        case " ${wanted[*]} " in *" $key "*) ;; *) continue ;; esac
        [ -z "${result[$key]:-}" ] || continue
        partner=$my
        [ "$key" = "$pg" ] || partner=$pg
        result[$key]=$(printf '%-8s %s  %-14s %s' "$key" "$verdict" "(with $partner)" "$detail")
    done
done

printf '\n'
for key in "${wanted[@]}"; do
    printf '%s\n' "${result[$key]}"
done
printf 'logs: %s\n' "$log_dir"
[ "$failures" = 0 ]

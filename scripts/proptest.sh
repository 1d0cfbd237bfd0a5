#!/usr/bin/env bash
# The long run of the rehearsal property test (issue 12): random schema pairs with seeded
# sample data, planned with rehearsal, applied to a second database holding the same data
# while an old-shape and a new-shape writer run, contracted and rolled back
# (tests/support/property.rs, test `random_schema_pairs_converge_through_plan_and_roll_back`
# of convergence_postgres and convergence_mysql).
#
#   bash scripts/proptest.sh [PAIRS]        # default 200 pairs = 400 directions per server
#
# MIGRATOR_PROPTEST_SEED=N reproduces a run (the base seed is printed); PAIRS may also come
# from MIGRATOR_PROPTEST_CASES. Servers: MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL when
# both are set, else a throwaway Postgres 15 + MariaDB pair (scripts/test-servers.sh), stopped
# on exit. Full output of each server's run: $MIGRATOR_PROPTEST_LOG_DIR (a temporary directory
# unless set). Prints one summary line per server:
#
#   PROPTEST postgres: directions 400, passed …, refused-with-cause … (planner …, rehearsal …), failed … (… s)
#
# Exit status: 0 when no direction failed on either server, else 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$root"

pairs=${1:-${MIGRATOR_PROPTEST_CASES:-200}}
export MIGRATOR_PROPTEST_CASES=$pairs
export MIGRATOR_PROPTEST_SEED=${MIGRATOR_PROPTEST_SEED:-$(( (RANDOM << 15) | RANDOM ))}

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

if [ -z "${MIGRATOR_TEST_PG_URL:-}" ] || [ -z "${MIGRATOR_TEST_MYSQL_URL:-}" ]; then
    # The directory itself, not a subdirectory: mktemp makes it 0700, which the postgres and
    # mysql users could not enter when run as root (test-servers.sh opens it up for them).
    servers_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrator-proptest-servers.XXXXXX")
    env_lines=$(bash "$here/test-servers.sh" start "$servers_dir")
    eval "$env_lines"
fi

log_dir=${MIGRATOR_PROPTEST_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/migrator-proptest-logs.XXXXXX")}
mkdir -p "$log_dir"
echo "proptest: $pairs pairs ($((2 * pairs)) directions) per server, base seed $MIGRATOR_PROPTEST_SEED, logs in $log_dir" >&2

cargo build --locked -p migrator-tests --tests >&2

status=0
summaries=()
for server in postgres mysql; do
    log=$log_dir/$server.log
    if CI=true cargo test --locked -p migrator-tests --test "convergence_$server" -- \
        --exact random_schema_pairs_converge_through_plan_and_roll_back --nocapture >"$log" 2>&1; then
        :
    else
        status=1
    fi
    line=$(grep -a "^PROPTEST $server:" "$log" | tail -n 1 || true)
    [ -n "$line" ] || line="PROPTEST $server: no summary (the run stopped early; see $log)"
    summaries+=("$line")
    echo "$line" >&2
done

echo "base seed $MIGRATOR_PROPTEST_SEED (MIGRATOR_PROPTEST_SEED=$MIGRATOR_PROPTEST_SEED reproduces)"
printf '%s\n' "${summaries[@]}"
exit "$status"

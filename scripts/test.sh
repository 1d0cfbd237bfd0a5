#!/usr/bin/env bash
# The project's test command: runs the whole test suite against real servers.
#
#   bash scripts/test.sh [CARGO_TEST_ARGS…] [-- TEST_BINARY_ARGS…]
#
# Servers: when MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL are both set, the tests
# use those servers. Otherwise a throwaway Postgres + MariaDB pair is started with
# scripts/test-servers.sh and stopped again when this script exits (also on failure or
# Ctrl-C).
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
# Exit status: cargo's.
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

if [ -n "${MIGRATOR_TEST_PG_URL:-}" ] && [ -n "${MIGRATOR_TEST_MYSQL_URL:-}" ]; then
    echo "test.sh: using the servers in MIGRATOR_TEST_PG_URL and MIGRATOR_TEST_MYSQL_URL" >&2
else
    if [ -n "${MIGRATOR_TEST_PG_URL:-}${MIGRATOR_TEST_MYSQL_URL:-}" ]; then
        echo "test.sh: only one of MIGRATOR_TEST_PG_URL / MIGRATOR_TEST_MYSQL_URL is set; starting throwaway servers for both" >&2
    fi
    # Made here (not by `start`) so the EXIT trap knows what to stop even if start fails half-way.
    servers_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrator-test-servers.XXXXXX")
    started=$SECONDS
    env_lines=$(bash "$here/test-servers.sh" start "$servers_dir")
    eval "$env_lines"
    echo "test.sh: servers started in $((SECONDS - started))s" >&2
fi

echo "test.sh: ${cmd[*]}" >&2
status=0
"${cmd[@]}" || status=$?
exit "$status"

#!/usr/bin/env bash
# The main job, as a walk-through: builds migrator and runs the example project's migrations
# (migrations/) through new → apply → status → rollback → apply on a database.
#
#   bash scripts/demo.sh                 # against a throwaway local Postgres (started and removed)
#   DATABASE_URL=postgres://… bash scripts/demo.sh   # against your database (or mysql://…)
#
# The demo works on a copy of migrations/ in a temporary directory, so the repository is
# never changed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cargo build --quiet --release -p migrator-cli
migrator() { "$root/target/release/migrator" --dir "$work/migrations" "$@"; }
step() { printf '\n\033[1m$ migrator %s\033[0m\n' "$*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/migrator-demo.XXXXXX")
servers=""
cleanup() {
    [ -z "$servers" ] || bash "$root/scripts/test-servers.sh" stop "$servers" >/dev/null || true
    rm -rf -- "$work"
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is not set: starting a throwaway Postgres for the demo" >&2
    eval "$(MIGRATOR_TEST_SERVERS=postgres bash "$root/scripts/test-servers.sh" start)"
    servers=$MIGRATOR_TEST_SERVERS_DIR
    # A database of its own on the throwaway server.
    export DATABASE_URL="${MIGRATOR_TEST_PG_URL%/postgres}/demo"
    psql -q "$MIGRATOR_TEST_PG_URL" -c 'CREATE DATABASE demo'
fi
cp -r "$root/migrations" "$work/migrations"

step status
migrator status
step apply
migrator apply
step status
migrator status

step new add_order_note
migrator new add_order_note
up=$(ls "$work"/migrations/*_add_order_note.up.sql)
down=$(ls "$work"/migrations/*_add_order_note.down.sql)
echo 'ALTER TABLE orders ADD COLUMN note VARCHAR(500);' >>"$up"
echo 'ALTER TABLE orders DROP COLUMN note;' >>"$down"
echo "(wrote the new migration's SQL)"
step verify
migrator verify || echo "(exit $?: the sum file no longer matches the edited files)"
step rehash
migrator rehash
step apply
migrator apply
step rollback --steps 2
migrator rollback --steps 2
step status --format json "(first lines)"
migrator status --format json | head -n 12
step apply
migrator apply
step rollback --to 0 "(the first migration's down is irreversible: refused without --force)"
migrator rollback --to 0 || echo "(exit $?)"
echo
echo "demo finished against ${DATABASE_URL%%://*} database: every step above ran for real"

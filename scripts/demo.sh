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
bin=${CARGO_TARGET_DIR:-$root/target}/release/migrator
migrator() { "$bin" --dir "$work/migrations" "$@"; }
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
if [ "${DATABASE_URL%%://*}" = postgres ] || [ "${DATABASE_URL%%://*}" = postgresql ]; then
    echo
    echo "== declarative: declare the schema you want, let migrator plan the online migration"
    cat >"$work/schema.sql" <<'SQL'
CREATE TABLE customers (
    id BIGINT NOT NULL PRIMARY KEY,
    email VARCHAR(320) NOT NULL,
    full_name VARCHAR(200) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    phone VARCHAR(32),
    -- A new NOT NULL column: existing rows get a value from the hint, in batches.
    country CHAR(2) NOT NULL -- migrator:backfill 'US'
);
CREATE UNIQUE INDEX customers_email_key ON customers (email);
CREATE TABLE orders (
    id BIGINT NOT NULL PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
    placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    note VARCHAR(500)
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
SQL
    psql -X -q "$DATABASE_URL" -c "INSERT INTO customers (id, email, full_name) SELECT g, 'c' || g || '@example.com', 'Customer ' || g FROM generate_series(1, 20000) g"
    step diff --from "\$DATABASE_URL" --to schema.sql
    migrator diff --from "$DATABASE_URL" --to "$work/schema.sql" || echo "(exit $?: changes found)"
    step plan --name add_country --schema schema.sql
    migrator plan --name add_country --schema "$work/schema.sql"
    step apply "(expand + batched backfill; stops before contract)"
    migrator apply
    step apply --contract "(after the new application version is deployed)"
    migrator apply --contract
    step drift --schema schema.sql
    migrator drift --schema "$work/schema.sql"
fi
echo
echo "demo finished against ${DATABASE_URL%%://*} database: every step above ran for real"

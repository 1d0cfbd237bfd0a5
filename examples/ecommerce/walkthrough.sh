#!/usr/bin/env bash
# The e-commerce walk-through: a shop's schema evolves through five declared versions, each
# planned by `migrator plan` and applied with expand / contract while the data stays.
#
#   DATABASE_URL=postgres://… bash examples/ecommerce/walkthrough.sh
#   DATABASE_URL=mysql://…    bash examples/ecommerce/walkthrough.sh   # MariaDB / MySQL
#
# The declared versions are in versions/postgres and versions/mysql (the same shop in each
# dialect). Works in a temporary project directory; prints every command and its output.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${DATABASE_URL:?set DATABASE_URL to an empty Postgres or MySQL / MariaDB database}"
case $DATABASE_URL in
    postgres://* | postgresql://*) dialect=postgres ;;
    mysql://* | mariadb://*) dialect=mysql ;;
    *) echo "walkthrough.sh: DATABASE_URL must start with postgres:// or mysql://" >&2; exit 1 ;;
esac
versions=$here/versions/$dialect
bin=${MIGRATOR_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/migrator}
[ -x "$bin" ] || cargo build --quiet --release -p migrator-cli --manifest-path "$root/Cargo.toml"
work=$(mktemp -d "${TMPDIR:-/tmp}/migrator-ecommerce.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
cd "$work"
m() { printf '\n$ migrator %s\n' "$*"; "$bin" "$@"; }
if [ "$dialect" = postgres ]; then
    sql() { printf '\n$ psql -c "%s"\n' "$1"; psql -X -q -A -t "$DATABASE_URL" -c "$1"; }
else
    # mysql://user:password@host:port/database; the password goes through MYSQL_PWD (not argv).
    rest=${DATABASE_URL#*://}; creds=${rest%%@*}; rest=${rest#*@}
    hostport=${rest%%/*}; database=${rest#*/}; database=${database%%\?*}
    my_user=${creds%%:*}; my_pwd=""; [ "$creds" != "$my_user" ] && my_pwd=${creds#*:}
    my_host=${hostport%%:*}; my_port=3306; [ "$hostport" != "$my_host" ] && my_port=${hostport#*:}
    sql() {
        printf '\n$ mariadb -e "%s"\n' "$1"
        MYSQL_PWD=$my_pwd mariadb -N -B -h "$my_host" -P "$my_port" -u "$my_user" "$database" -e "$1"
    }
    # seq_1_to_N: the rows 1..N as a derived table MariaDB and MySQL both run (MariaDB's
    # seq_1_to_N tables come from its SEQUENCE engine, which MySQL does not have). Its rows come
    # in no particular order (MySQL 9.7 returns them differently from MariaDB): an INSERT whose
    # AUTO_INCREMENT ids must follow seq says ORDER BY seq.
    seq_1_to() {
        local d="(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
        printf '(SELECT a.d + b.d * 10 + c.d * 100 + e.d * 1000 + 1 AS seq FROM %s a CROSS JOIN %s b CROSS JOIN %s c CROSS JOIN %s e WHERE a.d + b.d * 10 + c.d * 100 + e.d * 1000 < %d) AS s' "$d" "$d" "$d" "$d" "$1"
    }
fi

echo "== v1: initial schema"
cp "$versions/v1.sql" schema.sql
m plan --name shop_v1
m apply --contract
if [ "$dialect" = postgres ]; then
    sql "INSERT INTO users (email, name, street, city) SELECT 'user' || g || '@shop.example', 'User ' || g, g || ' Main St', 'Springfield' FROM generate_series(1, 1000) g"
    sql "INSERT INTO products (title, price_cents) SELECT 'Product ' || g, g * 100 FROM generate_series(1, 50) g"
    sql "INSERT INTO orders (user_id, amount) SELECT g % 1000 + 1, g * 7 FROM generate_series(1, 3000) g"
else
    sql "INSERT INTO users (email, name, street, city) SELECT CONCAT('user', seq, '@shop.example'), CONCAT('User ', seq), CONCAT(seq, ' Main St'), 'Springfield' FROM $(seq_1_to 1000) ORDER BY seq"
    sql "INSERT INTO products (title, price_cents) SELECT CONCAT('Product ', seq), seq * 100 FROM $(seq_1_to 50) ORDER BY seq"
    sql "INSERT INTO orders (user_id, amount) SELECT seq % 1000 + 1, seq * 7 FROM $(seq_1_to 3000) ORDER BY seq"
fi

echo; echo "== v2: NOT NULL phone, backfilled"
cp "$versions/v2.sql" schema.sql
m plan --name phone
m apply
m status
m apply --contract

echo; echo "== v3: rename name -> full_name"
cp "$versions/v3.sql" schema.sql
m plan --name full_name
m apply
m apply --contract

echo; echo "== v4: addresses in their own table, CHECK on prices"
cp "$versions/v4.sql" schema.sql
# The plan puts the drops of users.street / users.city into contract. Existing addresses must be
# copied after expand (the table exists) and before contract (the columns still exist): a
# hand-written migration takes the contract's version and the contract moves one version later.
m plan --name addresses --allow-destructive
contract_file=$(ls migrations/*_addresses_contract.up.sql)
contract_version=$(basename "$contract_file" | cut -d_ -f1)
# One second later as a UTC timestamp (…59 + 1 is not …60: the version must stay a valid time).
v=$contract_version
next=$(date -u -d "${v:0:4}-${v:4:2}-${v:6:2} ${v:8:2}:${v:10:2}:${v:12:2} UTC + 1 second" +%Y%m%d%H%M%S)
for f in "$contract_file" "${contract_file%.up.sql}.down.sql"; do mv "$f" "${f/$contract_version/$next}"; done
cat >"migrations/${contract_version}_copy_addresses.up.sql" <<'SQL'
-- migrator:phase backfill
INSERT INTO addresses (user_id, street, city)
SELECT id, street, city FROM users WHERE street IS NOT NULL OR city IS NOT NULL;
SQL
cat >"migrations/${contract_version}_copy_addresses.down.sql" <<'SQL'
DELETE FROM addresses;
SQL
m rehash
m apply
m apply --contract

echo; echo "== v5: amount becomes numeric, converted from cents"
cp "$versions/v5.sql" schema.sql
m plan --name amount_numeric
m apply
m apply --contract

echo; echo "== the data made it"
sql "SELECT count(*) AS users, sum(CASE WHEN phone LIKE '+00 %' THEN 1 ELSE 0 END) AS placeholder_phones FROM users"
sql "SELECT count(*) AS addresses FROM addresses"
sql "SELECT sum(amount) AS total FROM orders"
m drift
m status

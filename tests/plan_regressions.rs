//! Plans that real schemas broke, each through the whole cycle with both application versions
//! writing (`tests/support/online.rs`): plan, lint, expand + backfill, contract, the declared
//! schema reached, and every down file run back to v1. Each test names the bug it guards.

use migrator_tests::online::{scenario, Engine};

/// A table with a `bigserial` key renamed: the sequence is renamed with it, and the column's
/// default follows the sequence by itself. The expand's down used to set the default to the
/// old sequence name before renaming the sequence back, so the rollback failed.
#[tokio::test(flavor = "multi_thread")]
async fn pg_rename_of_a_table_with_a_bigserial_key_rolls_back() {
    scenario(
        Engine::Postgres,
        "reg_serial_rename",
        "CREATE TABLE clients (id bigserial PRIMARY KEY, name text NOT NULL);\n",
        "INSERT INTO clients (name) SELECT 'c' || g FROM generate_series(1, 500) g",
        "CREATE TABLE customers ( -- migrator:renamed-from clients\n  id bigserial PRIMARY KEY, name text NOT NULL);\n",
        vec!["INSERT INTO clients (name) VALUES ('old-{id}')"],
        vec!["INSERT INTO customers (name) VALUES ('new-{id}')"],
        vec![(
            "SELECT count(*) > 500 FROM customers WHERE name LIKE 'old-%' OR name LIKE 'c%'",
            "t",
        )],
    )
    .await;
}

/// A column added with a comment: the comment is part of the plan (it used to be left out, so
/// drift reported it right after contract).
#[tokio::test(flavor = "multi_thread")]
async fn pg_comment_on_a_column_added_in_the_same_plan() {
    scenario(
        Engine::Postgres,
        "reg_comment_new_column",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n",
        "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 200) g",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, nickname text);\nCOMMENT ON COLUMN users.nickname IS 'shown to others';\n",
        vec!["INSERT INTO users (id, email) VALUES ({id}, 'old-{id}')"],
        vec!["INSERT INTO users (id, email, nickname) VALUES ({id}, 'new-{id}', 'n')"],
        vec![(
            "SELECT col_description('users'::regclass, 3)",
            "shown to others",
        )],
    )
    .await;
}

/// A renamed column keeps its comment (the shadow column is commented when it is added).
#[tokio::test(flavor = "multi_thread")]
async fn pg_renamed_column_keeps_its_comment() {
    scenario(
        Engine::Postgres,
        "reg_comment_renamed_column",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);\nCOMMENT ON COLUMN users.name IS 'display name';\n",
        "INSERT INTO users SELECT g, 'n' || g FROM generate_series(1, 200) g",
        "CREATE TABLE users (id bigint PRIMARY KEY,\n  full_name text -- migrator:renamed-from name\n);\nCOMMENT ON COLUMN users.full_name IS 'display name';\n",
        vec!["INSERT INTO users (id, name) VALUES ({id}, 'old-{id}')"],
        vec!["INSERT INTO users (id, full_name) VALUES ({id}, 'new-{id}')"],
        vec![(
            "SELECT col_description('users'::regclass, attnum) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'full_name'",
            "display name",
        )],
    )
    .await;
}

/// A table renamed and given a new column in the same version: the compatibility view lists
/// the old columns only, so the rollback can drop the new column again (the contract's down
/// used to re-create the view with `SELECT *`, which then held the new column).
#[tokio::test(flavor = "multi_thread")]
async fn pg_table_renamed_and_given_a_new_column() {
    scenario(
        Engine::Postgres,
        "reg_rename_and_add",
        "CREATE TABLE clients (id bigint PRIMARY KEY, name text NOT NULL);\n",
        "INSERT INTO clients SELECT g, 'c' || g FROM generate_series(1, 300) g",
        "CREATE TABLE customers ( -- migrator:renamed-from clients\n  id bigint PRIMARY KEY, name text NOT NULL, tier text);\n",
        vec!["INSERT INTO clients (id, name) VALUES ({id}, 'old-{id}')"],
        vec!["INSERT INTO customers (id, name, tier) VALUES ({id}, 'new-{id}', 'gold')"],
        vec![("SELECT count(*) > 0 FROM customers WHERE tier = 'gold'", "t")],
    )
    .await;
}

/// A table that another table references by foreign key, renamed: the foreign key follows the
/// table by identity and is left alone; the contract's down used to re-add it `REFERENCES` the
/// old name, which is then the compatibility view, and failed.
#[tokio::test(flavor = "multi_thread")]
async fn pg_rename_of_a_table_with_incoming_foreign_keys() {
    scenario(
        Engine::Postgres,
        "reg_rename_fk_pg",
        "CREATE TABLE clients (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint NOT NULL REFERENCES clients (id));\n",
        "INSERT INTO clients SELECT g, 'c' || g FROM generate_series(1, 300) g; INSERT INTO orders SELECT g, g FROM generate_series(1, 300) g",
        "CREATE TABLE customers ( -- migrator:renamed-from clients\n  id bigint PRIMARY KEY, name text NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint NOT NULL REFERENCES customers (id));\n",
        vec![
            "INSERT INTO clients (id, name) VALUES ({id}, 'old-{id}')",
            "INSERT INTO orders (id, client_id) VALUES ({id}, {id})",
        ],
        vec![
            "INSERT INTO customers (id, name) VALUES ({id}, 'new-{id}')",
            "INSERT INTO orders (id, client_id) VALUES ({id}, {id})",
        ],
        vec![(
            "SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.client_id WHERE c.id IS NULL",
            "0",
        )],
    )
    .await;
}

/// The same on MariaDB.
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_rename_of_a_table_with_incoming_foreign_keys() {
    scenario(
        Engine::Mysql,
        "reg_rename_fk_my",
        "CREATE TABLE clients (id bigint PRIMARY KEY, name varchar(100) NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint NOT NULL, CONSTRAINT orders_client FOREIGN KEY (client_id) REFERENCES clients (id));\n",
        "INSERT INTO clients SELECT seq, CONCAT('c', seq) FROM seq_1_to_300; INSERT INTO orders SELECT seq, seq FROM seq_1_to_300",
        "CREATE TABLE customers ( -- migrator:renamed-from clients\n  id bigint PRIMARY KEY, name varchar(100) NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint NOT NULL, CONSTRAINT orders_client FOREIGN KEY (client_id) REFERENCES customers (id));\n",
        vec!["INSERT INTO orders (id, client_id) VALUES ({id}, 1)"],
        vec!["INSERT INTO orders (id, client_id) VALUES ({id}, 2)"],
        vec![(
            "SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.client_id WHERE c.id IS NULL",
            "0",
        )],
    )
    .await;
}

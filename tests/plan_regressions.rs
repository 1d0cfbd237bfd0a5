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

/// A column renamed and given a new index in the same version (a common change that used to
/// be refused): the index is built on the new column in expand, after the column exists, and
/// survives the contract.
async fn rename_and_a_new_index_on_it(engine: Engine, name: &str) {
    let (text, seed) = match engine {
        Engine::Postgres => (
            "text",
            "INSERT INTO users SELECT g, 'u' || g || '@x' FROM generate_series(1, 300) g",
        ),
        Engine::Mysql => (
            "varchar(100)",
            "INSERT INTO users SELECT seq, CONCAT('u', seq, '@x') FROM seq_1_to_300",
        ),
    };
    scenario(
        engine,
        name,
        &format!("CREATE TABLE users (id bigint PRIMARY KEY, email {text} NOT NULL);\n"),
        seed,
        &format!("CREATE TABLE users (id bigint PRIMARY KEY,\n  mail {text} NOT NULL -- migrator:renamed-from email\n);\nCREATE INDEX users_mail ON users (mail);\n"),
        vec!["INSERT INTO users (id, email) VALUES ({id}, 'o{id}@x')"],
        vec!["INSERT INTO users (id, mail) VALUES ({id}, 'n{id}@x')"],
        vec![(
            "SELECT count(*) FROM users WHERE mail IS NULL",
            "0",
        )],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_rename_and_a_new_index_on_it() {
    rename_and_a_new_index_on_it(Engine::Postgres, "reg_rename_index_pg").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_rename_and_a_new_index_on_it() {
    rename_and_a_new_index_on_it(Engine::Mysql, "reg_rename_index_my").await;
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

/// An indexed column renamed while its table is renamed, the table referenced by a foreign key
/// (issue 12: it used to be refused, the recipe looked for the column under the table's new
/// name before the plan). The old application writes through the compatibility view, which
/// the sync trigger of the base table serves; the index is built again on the new column and
/// takes its name; the contract's `LOCK TABLES` names the table by its new name.
async fn indexed_column_renamed_with_its_table(engine: Engine, name: &str) {
    let (text, seed) = match engine {
        Engine::Postgres => (
            "text",
            "INSERT INTO clients SELECT g, 'c' || g || '@x' FROM generate_series(1, 300) g; INSERT INTO orders SELECT g, g FROM generate_series(1, 300) g",
        ),
        Engine::Mysql => (
            "varchar(100)",
            "INSERT INTO clients SELECT seq, CONCAT('c', seq, '@x') FROM seq_1_to_300; INSERT INTO orders SELECT seq, seq FROM seq_1_to_300",
        ),
    };
    scenario(
        engine,
        name,
        &format!("CREATE TABLE clients (id bigint PRIMARY KEY, email {text} NOT NULL);\nCREATE INDEX clients_email ON clients (email);\nCREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint NOT NULL, CONSTRAINT orders_client FOREIGN KEY (client_id) REFERENCES clients (id));\n"),
        seed,
        &format!("CREATE TABLE customers ( -- migrator:renamed-from clients\n  id bigint PRIMARY KEY,\n  mail {text} NOT NULL -- migrator:renamed-from email\n);\nCREATE INDEX clients_email ON customers (mail);\nCREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint NOT NULL, CONSTRAINT orders_client FOREIGN KEY (client_id) REFERENCES customers (id));\n"),
        vec![
            "INSERT INTO clients (id, email) VALUES ({id}, 'old{id}@x')",
            "INSERT INTO orders (id, client_id) VALUES ({id}, {id})",
        ],
        vec![
            "INSERT INTO customers (id, mail) VALUES ({id}, 'new{id}@x')",
            "INSERT INTO orders (id, client_id) VALUES ({id}, {id})",
        ],
        vec![
            ("SELECT count(*) FROM customers WHERE mail IS NULL", "0"),
            (
                "SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.client_id WHERE c.id IS NULL",
                "0",
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_indexed_column_renamed_with_its_table() {
    indexed_column_renamed_with_its_table(Engine::Postgres, "reg_rename_both_pg").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_indexed_column_renamed_with_its_table() {
    indexed_column_renamed_with_its_table(Engine::Mysql, "reg_rename_both_my").await;
}

/// A rename and a new NOT NULL column whose backfill reads the renamed column, in one version:
/// the sync trigger must run before the fill trigger, or an old-application INSERT (which
/// sets only the old name) gets NULL and the contract's NOT NULL fails.
async fn rename_and_a_column_computed_from_it(engine: Engine, name: &str) {
    let (v1, seed, v2) = match engine {
        Engine::Postgres => (
            "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n",
            "INSERT INTO users SELECT g, 'User' || g FROM generate_series(1, 500) g",
            "CREATE TABLE users (id bigint PRIMARY KEY,\n  full_name text NOT NULL, -- migrator:renamed-from name\n  slug text NOT NULL -- migrator:backfill lower(full_name)\n);\n",
        ),
        Engine::Mysql => (
            "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(100) NOT NULL);\n",
            "INSERT INTO users SELECT seq, CONCAT('User', seq) FROM seq_1_to_500",
            "CREATE TABLE users (id bigint PRIMARY KEY,\n  full_name varchar(100) NOT NULL, -- migrator:renamed-from name\n  slug varchar(100) NOT NULL -- migrator:backfill lower(full_name)\n);\n",
        ),
    };
    scenario(
        engine,
        name,
        v1,
        seed,
        v2,
        vec![
            "INSERT INTO users (id, name) VALUES ({id}, 'Old{id}')",
            "UPDATE users SET name = 'OldUpd{id}' WHERE id = {id}",
        ],
        vec!["INSERT INTO users (id, full_name, slug) VALUES ({id}, 'New{id}', 'new{id}')"],
        vec![
            ("SELECT count(*) FROM users WHERE slug IS NULL", "0"),
            (
                "SELECT count(*) FROM users WHERE id < 2000000 AND slug <> lower(full_name)",
                "0",
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_rename_and_a_column_computed_from_it() {
    rename_and_a_column_computed_from_it(Engine::Postgres, "reg_order_pg").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_rename_and_a_column_computed_from_it() {
    rename_and_a_column_computed_from_it(Engine::Mysql, "reg_order_my").await;
}

/// A NOT NULL column computed from others by a backfill hint stays current while the old
/// application updates those others after the backfill (the fill trigger used to fire only
/// while the column was NULL, so hundreds of rows ended stale).
async fn derived_column_stays_current(engine: Engine, name: &str) {
    let (v1, seed, v2) = match engine {
        Engine::Postgres => (
            "CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric(12,2) NOT NULL);\n",
            "INSERT INTO accounts SELECT g, g FROM generate_series(1, 2000) g",
            "CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric(12,2) NOT NULL,\n  cents bigint NOT NULL -- migrator:backfill (balance * 100)::bigint\n);\n",
        ),
        Engine::Mysql => (
            "CREATE TABLE accounts (id bigint PRIMARY KEY, balance decimal(12,2) NOT NULL);\n",
            "INSERT INTO accounts SELECT seq, seq FROM seq_1_to_2000",
            "CREATE TABLE accounts (id bigint PRIMARY KEY, balance decimal(12,2) NOT NULL,\n  cents bigint NOT NULL -- migrator:backfill balance * 100\n);\n",
        ),
    };
    scenario(
        engine,
        name,
        v1,
        seed,
        v2,
        vec![
            "INSERT INTO accounts (id, balance) VALUES ({id}, 1)",
            // Existing rows, already backfilled, change under the old application.
            "UPDATE accounts SET balance = balance + 1 WHERE id = {id} % 2000 + 1",
        ],
        vec!["INSERT INTO accounts (id, balance, cents) VALUES ({id}, 2, 200)"],
        vec![(
            "SELECT count(*) FROM accounts WHERE cents <> balance * 100",
            "0",
        )],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_derived_column_stays_current() {
    derived_column_stays_current(Engine::Postgres, "reg_derived_pg").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_derived_column_stays_current() {
    derived_column_stays_current(Engine::Mysql, "reg_derived_my").await;
}

/// An enum value added while a CHECK and a partial index compare the column with the enum:
/// the rollback rebuilds the type without the value, and must rebuild those with it (it used
/// to fail with `operator does not exist: st <> st__migrator_old`).
#[tokio::test(flavor = "multi_thread")]
async fn pg_enum_value_added_under_a_check_and_a_partial_index_rolls_back() {
    scenario(
        Engine::Postgres,
        "reg_enum_check",
        "CREATE TYPE st AS ENUM ('new', 'paid');\nCREATE TABLE orders (id bigint PRIMARY KEY, s st NOT NULL DEFAULT 'new', CONSTRAINT not_paid_twice CHECK (s <> 'paid' OR id > 0));\nCREATE INDEX orders_unpaid ON orders (id) WHERE s = 'new';\n",
        "INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 300) g",
        "CREATE TYPE st AS ENUM ('new', 'paid', 'shipped');\nCREATE TABLE orders (id bigint PRIMARY KEY, s st NOT NULL DEFAULT 'new', CONSTRAINT not_paid_twice CHECK (s <> 'paid' OR id > 0));\nCREATE INDEX orders_unpaid ON orders (id) WHERE s = 'new';\n",
        vec!["INSERT INTO orders (id) VALUES ({id})", "UPDATE orders SET s = 'paid' WHERE id = {id}"],
        // The new value is used, then left (a rollback cannot keep rows holding it).
        vec![
            "INSERT INTO orders (id, s) VALUES ({id}, 'shipped')",
            "UPDATE orders SET s = 'paid' WHERE id = {id} AND s = 'shipped'",
        ],
        vec![("SELECT count(*) > 0 FROM orders WHERE id >= 2000000 AND s = 'paid'", "t")],
    )
    .await;
}

/// An index whose definition changes under the same name: the new one is built before the old
/// one goes, so no moment is without it (it used to be dropped, then built, in contract).
#[tokio::test(flavor = "multi_thread")]
async fn pg_index_replaced_under_its_name_is_built_first() {
    scenario(
        Engine::Postgres,
        "reg_index_replace",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, org bigint NOT NULL);\nCREATE INDEX users_email_idx ON users (email);\n",
        "INSERT INTO users SELECT g, 'u' || g, g % 10 FROM generate_series(1, 500) g",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, org bigint NOT NULL);\nCREATE INDEX users_email_idx ON users (email, org);\n",
        vec!["INSERT INTO users (id, email, org) VALUES ({id}, 'o{id}', 1)"],
        vec!["INSERT INTO users (id, email, org) VALUES ({id}, 'n{id}', 2)"],
        vec![(
            "SELECT pg_get_indexdef('users_email_idx'::regclass) LIKE '%(email, org)%'",
            "t",
        )],
    )
    .await;
}

/// A CHECK and a foreign key whose definitions change under their names: the new ones are
/// added beside the old ones first (NOT VALID), validated, and take the names in contract; no
/// moment is without a check or a key (they used to be dropped, then added, in contract).
#[tokio::test(flavor = "multi_thread")]
async fn pg_check_and_foreign_key_replaced_under_their_names() {
    scenario(
        Engine::Postgres,
        "reg_constraint_replace",
        "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric NOT NULL,\n  CONSTRAINT orders_total_check CHECK (total >= 0),\n  CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id));\n",
        "INSERT INTO users SELECT g FROM generate_series(1, 300) g; INSERT INTO orders SELECT g, g, g FROM generate_series(1, 300) g",
        "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric NOT NULL,\n  CONSTRAINT orders_total_check CHECK (total > 0),\n  CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);\n",
        vec!["INSERT INTO orders (id, user_id, total) VALUES ({id}, 1, 5)"],
        vec!["INSERT INTO orders (id, user_id, total) VALUES ({id}, 2, 7)"],
        vec![
            (
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'orders_user'",
                "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE",
            ),
            (
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'orders_total_check'",
                "CHECK ((total > (0)::numeric))",
            ),
        ],
    )
    .await;
}

/// A column that CHECKs use is renamed (issue 12: it used to be refused): each check is copied
/// onto the new column `NOT VALID` in contract, validated while writes go on, and takes its
/// name (and comment) in the swap; the rollback copies them back the same way.
#[tokio::test(flavor = "multi_thread")]
async fn pg_rename_of_a_column_checks_use() {
    scenario(
        Engine::Postgres,
        "reg_check_rename",
        "CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL, floor int NOT NULL,\n  CONSTRAINT qty_pos CHECK (qty > 0),\n  CONSTRAINT qty_over_floor CHECK (qty >= floor));\nCOMMENT ON CONSTRAINT qty_over_floor ON orders IS 'never below the floor';\n",
        "INSERT INTO orders SELECT g, g % 50 + 1, 1 FROM generate_series(1, 500) g",
        "CREATE TABLE orders (id bigint PRIMARY KEY,\n  quantity int NOT NULL, -- migrator:renamed-from qty\n  floor int NOT NULL,\n  CONSTRAINT qty_pos CHECK (quantity > 0),\n  CONSTRAINT qty_over_floor CHECK (quantity >= floor));\nCOMMENT ON CONSTRAINT qty_over_floor ON orders IS 'never below the floor';\n",
        vec![
            "INSERT INTO orders (id, qty, floor) VALUES ({id}, 5, 1)",
            "UPDATE orders SET qty = qty + 1 WHERE id = {id} % 500 + 1",
        ],
        vec!["INSERT INTO orders (id, quantity, floor) VALUES ({id}, 6, 2)"],
        vec![
            (
                "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated, '; ' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'c'",
                "qty_over_floor CHECK ((quantity >= floor)) true; qty_pos CHECK ((quantity > 0)) true",
            ),
            (
                "SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = 'qty_over_floor'",
                "never below the floor",
            ),
        ],
    )
    .await;
}

/// MariaDB: a column that CHECKs use is renamed (issue 12: it used to be refused). Adding a
/// CHECK copies the table there, so the rename is done in place: the contract drops the shadow
/// and renames the old column, inside its checks and indexes, in one statement under `LOCK
/// TABLES`; the rollback swaps the names back. On a FULLTEXT table (whose drop is not
/// instant). MySQL proper cannot rename a column a CHECK uses (ERROR 3959): the plan is
/// refused there, saying so and what to do.
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_rename_of_a_column_checks_use() {
    let v1 = "CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL, floor_qty int NOT NULL, note varchar(100),\n  CONSTRAINT qty_pos CHECK (qty > 0),\n  CONSTRAINT qty_over_floor CHECK (qty >= floor_qty),\n  KEY orders_qty (qty), FULLTEXT KEY orders_note (note));\n";
    let v2 = "CREATE TABLE orders (id bigint PRIMARY KEY,\n  quantity int NOT NULL, -- migrator:renamed-from qty\n  floor_qty int NOT NULL, note varchar(100),\n  CONSTRAINT qty_pos CHECK (quantity > 0),\n  CONSTRAINT qty_over_floor CHECK (quantity >= floor_qty),\n  KEY orders_qty (quantity), FULLTEXT KEY orders_note (note));\n";
    let Some(db) = migrator_tests::fresh_mysql_db("reg_check_rename_probe").await else {
        return;
    };
    if !migrator_tests::mysql_flavor(&db.url).await.is_mariadb() {
        use migrator_core::ops::plan_directory;
        use migrator_core::plan::PlanOptions;
        let url = migrator_core::DatabaseUrl::parse(&db.url).unwrap();
        let dir = migrator_tests::TempDir::new();
        let (mig, schema) = (dir.path().join("migrations"), dir.path().join("schema.sql"));
        let opts = PlanOptions {
            allow_destructive: false,
            batch_size: 100,
            ignore: migrator_core::source::Ignore::NONE,
        };
        std::fs::write(&schema, v1).unwrap();
        plan_directory(&mig, &schema, &url, "v1", opts, false, None)
            .await
            .unwrap();
        std::fs::write(&schema, v2).unwrap();
        let err = plan_directory(&mig, &schema, &url, "v2", opts, false, None)
            .await
            .expect_err("MySQL cannot rename a column a CHECK uses")
            .to_string();
        assert!(
            err.contains("ERROR 3959") && err.contains("qty_pos"),
            "{err}"
        );
        db.drop_db().await;
        return;
    }
    db.drop_db().await;
    scenario(
        Engine::Mysql,
        "reg_check_rename_my",
        v1,
        "INSERT INTO orders SELECT seq, seq % 50 + 1, 1, CONCAT('note ', seq) FROM seq_1_to_500",
        v2,
        vec![
            "INSERT INTO orders (id, qty, floor_qty, note) VALUES ({id}, 5, 1, 'old')",
            "UPDATE orders SET qty = qty + 1 WHERE id = {id} % 500 + 1",
        ],
        vec!["INSERT INTO orders (id, quantity, floor_qty, note) VALUES ({id}, 6, 2, 'new')"],
        vec![
            (
                "SELECT GROUP_CONCAT(CONSTRAINT_NAME, ' ', CHECK_CLAUSE ORDER BY CONSTRAINT_NAME SEPARATOR '; ') FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'",
                "qty_over_floor `quantity` >= `floor_qty`; qty_pos `quantity` > 0",
            ),
            (
                "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'orders_qty'",
                "quantity",
            ),
            ("SELECT count(*) FROM orders WHERE quantity IS NULL", "0"),
        ],
    )
    .await;
}

/// The type of a column that CHECKs use changes (issue 12: it used to be refused): the checks
/// are copied onto the shadow column, validated, and take their names in the swap.
#[tokio::test(flavor = "multi_thread")]
async fn pg_type_change_of_a_column_checks_use() {
    scenario(
        Engine::Postgres,
        "reg_check_retype",
        "CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL, floor int NOT NULL,\n  CONSTRAINT qty_pos CHECK (qty > 0),\n  CONSTRAINT qty_over_floor CHECK (qty >= floor));\n",
        "INSERT INTO orders SELECT g, g % 50 + 1, 1 FROM generate_series(1, 500) g",
        "CREATE TABLE orders (id bigint PRIMARY KEY, qty bigint NOT NULL, floor int NOT NULL,\n  CONSTRAINT qty_pos CHECK (qty > 0),\n  CONSTRAINT qty_over_floor CHECK (qty >= floor));\n",
        vec![
            "INSERT INTO orders (id, qty, floor) VALUES ({id}, 5, 1)",
            "UPDATE orders SET qty = qty + 1 WHERE id = {id} % 500 + 1",
        ],
        vec!["INSERT INTO orders (id, qty, floor) VALUES ({id}, 7, 2)"],
        vec![
            (
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'qty'",
                "bigint",
            ),
            (
                "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated, '; ' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'c'",
                "qty_over_floor CHECK ((qty >= floor)) true; qty_pos CHECK ((qty > 0)) true",
            ),
        ],
    )
    .await;
}

/// The type of a column changes in a table with a composite primary key (issue 12: it used to
/// be refused, "needs a single-column primary key"): the backfill and the rollback's copy walk
/// ranges of the key's first column, ten rows sharing each value here, and no row is missed.
async fn type_change_with_a_composite_key(engine: Engine, name: &str) {
    let seed = match engine {
        Engine::Postgres => {
            "INSERT INTO order_lines SELECT g / 10, g % 10, g FROM generate_series(0, 1999) g"
        }
        Engine::Mysql => "INSERT INTO order_lines SELECT (seq - 1) DIV 10, (seq - 1) MOD 10, seq - 1 FROM seq_1_to_2000",
    };
    scenario(
        engine,
        name,
        "CREATE TABLE order_lines (order_id bigint NOT NULL, line_no int NOT NULL, amount int NOT NULL,\n  PRIMARY KEY (order_id, line_no));\n",
        seed,
        "CREATE TABLE order_lines (order_id bigint NOT NULL, line_no int NOT NULL, amount bigint NOT NULL,\n  PRIMARY KEY (order_id, line_no));\n",
        vec![
            "INSERT INTO order_lines (order_id, line_no, amount) VALUES ({id}, 1, 5)",
            "UPDATE order_lines SET amount = amount + 1 WHERE order_id = {id} % 200",
        ],
        vec!["INSERT INTO order_lines (order_id, line_no, amount) VALUES ({id}, 2, 7)"],
        vec![
            ("SELECT count(*) FROM order_lines WHERE amount IS NULL", "0"),
            // Every seeded row kept its amount, or was increased by the old application.
            (
                "SELECT count(*) FROM order_lines WHERE order_id < 200 AND amount < order_id * 10 + line_no",
                "0",
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_type_change_with_a_composite_key() {
    type_change_with_a_composite_key(Engine::Postgres, "reg_composite_pg").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_type_change_with_a_composite_key() {
    type_change_with_a_composite_key(Engine::Mysql, "reg_composite_my").await;
}

/// A unique constraint redefined under the same name: the new index is built beside the old
/// one and contract swaps them in one statement (it used to create the index under the
/// constraint's name while the old one still had it: "relation already exists").
#[tokio::test(flavor = "multi_thread")]
async fn pg_unique_constraint_redefined_under_its_name() {
    scenario(
        Engine::Postgres,
        "reg_unique_replace",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, tenant int NOT NULL,\n  CONSTRAINT accounts_email UNIQUE (email));\n",
        "INSERT INTO accounts SELECT g, 'u' || g || '@x', 1 FROM generate_series(1, 300) g",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, tenant int NOT NULL,\n  CONSTRAINT accounts_email UNIQUE (tenant, email));\n",
        vec!["INSERT INTO accounts (id, email, tenant) VALUES ({id}, 'o{id}@x', 1)"],
        vec!["INSERT INTO accounts (id, email, tenant) VALUES ({id}, 'n{id}@x', 2)"],
        vec![(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'accounts_email'",
            "UNIQUE (tenant, email)",
        )],
    )
    .await;
}

/// Renaming a column that a STORED generated column reads: the expand used to drop and re-add
/// the generated column (a table rewrite under ACCESS EXCLUSIVE, labelled instant). It is
/// refused, naming the generated column and what to do, and nothing is written.
async fn rename_of_a_column_a_generated_column_reads_is_refused(engine: Engine, name: &str) {
    use migrator_core::ops::plan_directory;
    use migrator_core::plan::PlanOptions;
    let db = match engine {
        Engine::Postgres => migrator_tests::fresh_pg_db(name).await,
        Engine::Mysql => migrator_tests::fresh_mysql_db(name).await,
    };
    let Some(db) = db else { return };
    let url = migrator_core::DatabaseUrl::parse(&db.url).unwrap();
    let dir = migrator_tests::TempDir::new();
    let (mig, schema) = (dir.path().join("migrations"), dir.path().join("schema.sql"));
    let opts = PlanOptions {
        allow_destructive: false,
        batch_size: 100,
        ignore: migrator_core::source::Ignore::NONE,
    };
    let (v1, v2) = match engine {
        Engine::Postgres => (
            "CREATE TABLE items (id bigint PRIMARY KEY, price numeric NOT NULL, gross numeric GENERATED ALWAYS AS (price * 1.2) STORED);\n",
            "CREATE TABLE items (id bigint PRIMARY KEY,\n  net numeric NOT NULL, -- migrator:renamed-from price\n  gross numeric GENERATED ALWAYS AS (net * 1.2) STORED);\n",
        ),
        Engine::Mysql => (
            "CREATE TABLE items (id bigint PRIMARY KEY, price decimal(10,2) NOT NULL, gross decimal(12,2) AS (price * 1.2) STORED);\n",
            "CREATE TABLE items (id bigint PRIMARY KEY,\n  net decimal(10,2) NOT NULL, -- migrator:renamed-from price\n  gross decimal(12,2) AS (net * 1.2) STORED);\n",
        ),
    };
    std::fs::write(&schema, v1).unwrap();
    plan_directory(&mig, &schema, &url, "v1", opts, false, None)
        .await
        .unwrap();
    let files_before = std::fs::read_dir(&mig).unwrap().count();
    std::fs::write(&schema, v2).unwrap();
    let err = plan_directory(&mig, &schema, &url, "v2", opts, false, None)
        .await
        .expect_err("a rename under a generated column must be refused")
        .to_string();
    assert!(
        err.contains("price") && err.contains("generated column gross"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&mig).unwrap().count(),
        files_before,
        "files were written"
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_rename_of_a_column_a_generated_column_reads_is_refused() {
    rename_of_a_column_a_generated_column_reads_is_refused(Engine::Postgres, "reg_gen_rename_pg")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_rename_of_a_column_a_generated_column_reads_is_refused() {
    rename_of_a_column_a_generated_column_reads_is_refused(Engine::Mysql, "reg_gen_rename_my")
        .await;
}

/// A NOT NULL column without a default that the new version drops: between expand and
/// contract the new application's INSERTs leave it out, so expand allows NULL in it (it used to
/// stay NOT NULL until contract, and every new-application INSERT failed).
async fn dropped_column_does_not_block_new_writes(engine: Engine, name: &str) {
    let text = match engine {
        Engine::Postgres => "text",
        Engine::Mysql => "varchar(50)",
    };
    let Some(run) = new_app_writes_between_expand_and_contract(
        engine,
        name,
        &format!("CREATE TABLE users (id bigint PRIMARY KEY, email {text} NOT NULL, legacy_code {text} NOT NULL);\n"),
        &format!("CREATE TABLE users (id bigint PRIMARY KEY, email {text} NOT NULL);\n"),
        "INSERT INTO users (id, email) VALUES ({id}, 'n{id}')",
        false,
    )
    .await
    else {
        return;
    };
    run.db.drop_db().await;
}

/// Plans v1 (applied with contract) and v2 (rehearsed with `rehearse`), applies v2's expand,
/// runs the new application's `insert` (0 errors asserted) and then v2's contract. `None`
/// without a server.
async fn new_app_writes_between_expand_and_contract(
    engine: Engine,
    name: &str,
    v1: &str,
    v2: &str,
    insert: &str,
    rehearse: bool,
) -> Option<NewAppRun> {
    use migrator_core::ops::plan_directory;
    use migrator_core::plan::PlanOptions;
    use migrator_core::runner::ApplyOptions;
    use migrator_tests::online::{finish, migrator, start, App};
    let db = match engine {
        Engine::Postgres => migrator_tests::fresh_pg_db(name).await,
        Engine::Mysql => migrator_tests::fresh_mysql_db(name).await,
    }?;
    let url = migrator_core::DatabaseUrl::parse(&db.url).unwrap();
    let dir = migrator_tests::TempDir::new();
    let (mig, schema) = (dir.path().join("migrations"), dir.path().join("schema.sql"));
    let opts = PlanOptions {
        allow_destructive: true,
        batch_size: 100,
        ignore: migrator_core::source::Ignore::NONE,
    };
    std::fs::write(&schema, v1).unwrap();
    plan_directory(&mig, &schema, &url, "v1", opts, false, None)
        .await
        .unwrap();
    let all = ApplyOptions {
        to: None,
        contract: true,
    };
    let m = migrator(&mig);
    m.apply_with(&url, &all).await.unwrap();
    let v1 = m.set.last_version().unwrap();
    std::fs::write(&schema, v2).unwrap();
    let rehearsal = rehearse.then(migrator_tests::test_rehearsal).flatten();
    plan_directory(&mig, &schema, &url, "v2", opts, false, rehearsal.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{name}: v2: {e}"));
    migrator(&mig)
        .apply_with(&url, &ApplyOptions::default())
        .await
        .unwrap();
    let app = App::new("new app", vec![insert.into()]);
    let running = start(engine, &db.url, app, 2_000_000);
    running.until(50, std::time::Duration::from_secs(20)).await;
    let (ok, errors) = finish(running).await;
    assert!(
        errors.is_empty(),
        "{name}: {} new-app errors between expand and contract, first: {}",
        errors.len(),
        errors[0]
    );
    assert!(ok > 10, "the new app ran ({ok} statements)");
    migrator(&mig).apply_with(&url, &all).await.unwrap();
    Some(NewAppRun {
        db,
        url,
        _dir: dir,
        mig,
        v1,
    })
}

struct NewAppRun {
    db: migrator_tests::TestDb,
    url: migrator_core::DatabaseUrl,
    _dir: migrator_tests::TempDir,
    mig: std::path::PathBuf,
    v1: migrator_core::migrations::Version,
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_dropped_column_does_not_block_new_writes() {
    dropped_column_does_not_block_new_writes(Engine::Postgres, "reg_drop_col_pg").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_dropped_column_does_not_block_new_writes() {
    dropped_column_does_not_block_new_writes(Engine::Mysql, "reg_drop_col_my").await;
}

/// MariaDB: a rename on a table with a VIRTUAL generated column and a FULLTEXT index. Its
/// columns are added and dropped with the algorithm the table allows (INSTANT is refused
/// there), and the contract drops the old column before the sync triggers, so a failing drop
/// could never leave the old column required with nothing filling it.
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_rename_on_a_table_with_a_virtual_column_and_fulltext() {
    scenario(
        Engine::Mysql,
        "reg_ft_virtual",
        "CREATE TABLE posts (id bigint PRIMARY KEY, title varchar(100) NOT NULL, body text NOT NULL,\n  body_len int AS (length(body)) VIRTUAL, FULLTEXT KEY posts_body (body));\n",
        "INSERT INTO posts (id, title, body) SELECT seq, CONCAT('t', seq), CONCAT('body ', seq) FROM seq_1_to_300",
        "CREATE TABLE posts (id bigint PRIMARY KEY,\n  headline varchar(100) NOT NULL, -- migrator:renamed-from title\n  body text NOT NULL,\n  body_len int AS (length(body)) VIRTUAL, FULLTEXT KEY posts_body (body));\n",
        vec!["INSERT INTO posts (id, title, body) VALUES ({id}, 'old', 'old body')"],
        vec!["INSERT INTO posts (id, headline, body) VALUES ({id}, 'new', 'new body')"],
        vec![("SELECT count(*) FROM posts WHERE headline IS NULL", "0")],
    )
    .await;
}

/// MariaDB: a new NOT NULL column with a backfill hint on a table with a STORED generated
/// column: the contract's MODIFY … NOT NULL and its down use an algorithm the table allows
/// (INPLACE is refused there, error 1845).
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_not_null_column_on_a_table_with_a_stored_generated_column() {
    scenario(
        Engine::Mysql,
        "reg_stored_notnull",
        "CREATE TABLE items (id bigint PRIMARY KEY, price decimal(10,2) NOT NULL,\n  gross decimal(12,2) AS (price * 1.2) STORED);\n",
        "INSERT INTO items (id, price) SELECT seq, seq FROM seq_1_to_300",
        "CREATE TABLE items (id bigint PRIMARY KEY, price decimal(10,2) NOT NULL,\n  gross decimal(12,2) AS (price * 1.2) STORED,\n  currency char(3) NOT NULL -- migrator:backfill 'EUR'\n);\n",
        vec!["INSERT INTO items (id, price) VALUES ({id}, 1)"],
        vec!["INSERT INTO items (id, price, currency) VALUES ({id}, 2, 'USD')"],
        vec![("SELECT count(*) FROM items WHERE currency IS NULL", "0")],
    )
    .await;
}

/// A NOT NULL column made nullable: the expand's down used to be a bare `SET NOT NULL` (a scan
/// of the whole table under ACCESS EXCLUSIVE), which `lint` refuses, so the rehearsal refused
/// every such plan. The down now adds a `CHECK … NOT VALID`, validates it, sets NOT NULL and
/// drops the check, statement by statement. Found by the property test (seed 72062122, `<`).
#[tokio::test(flavor = "multi_thread")]
async fn pg_column_made_nullable_rolls_back_online() {
    scenario(
        Engine::Postgres,
        "reg_drop_not_null",
        "CREATE TABLE t (id bigint PRIMARY KEY, v integer NOT NULL, w text);\n",
        "INSERT INTO t SELECT g, g, 'w' || g FROM generate_series(1, 300) g",
        "CREATE TABLE t (id bigint PRIMARY KEY, v integer, w text);\n",
        vec!["INSERT INTO t (id, v, w) VALUES ({id}, {id}, 'old')"],
        vec!["INSERT INTO t (id, v, w) VALUES ({id}, {id}, 'new')"],
        vec![("SELECT count(*) > 300 FROM t", "t")],
    )
    .await;
}

/// A unique constraint dropped: the contract's down used to add it back with a plain
/// `ADD CONSTRAINT … UNIQUE (…)` (its index built under ACCESS EXCLUSIVE), which `lint`
/// refuses, so the rehearsal refused the plan. The down now builds the index `CONCURRENTLY` and
/// attaches it `USING INDEX`. Found by the property test (seed 72062134, `>`).
#[tokio::test(flavor = "multi_thread")]
async fn pg_dropped_unique_constraint_comes_back_online() {
    scenario(
        Engine::Postgres,
        "reg_drop_unique",
        "CREATE TABLE t (id bigint PRIMARY KEY, code text UNIQUE, w text);\n",
        "INSERT INTO t SELECT g, 'c' || g, 'w' || g FROM generate_series(1, 300) g",
        // A new column too: the scenario wants an expand to apply.
        "CREATE TABLE t (id bigint PRIMARY KEY, code text, w text, note text);\n",
        vec!["INSERT INTO t (id, code, w) VALUES ({id}, 'old-{id}', 'old')"],
        vec!["INSERT INTO t (id, code, w, note) VALUES ({id}, 'new-{id}', 'new', 'n')"],
        vec![("SELECT count(*) > 300 FROM t", "t")],
    )
    .await;
}

/// Postgres: an expand file altering a parent table and then its child in one transaction
/// deadlocked with an application inserting into the child (its INSERT holds the child and
/// waits for the parent through the foreign key check, while the expand holds the parent and
/// waits for the child), and the server killed the application's INSERT. Found by the
/// property test; here the interleaving is forced: a reader holds `accounts` so the expand
/// queues for it, the application's transaction has written to `orders` and its next INSERT
/// queues behind the expand, then the reader lets go: the application waited first, so the
/// server's deadlock check picked it. Each expand transaction now blocks the
/// writers of one existing table only, so the INSERT goes through.
#[tokio::test(flavor = "multi_thread")]
async fn pg_expand_altering_a_parent_and_its_child_does_not_deadlock_the_app() {
    use migrator_core::ops::plan_directory;
    use migrator_core::plan::PlanOptions;
    use migrator_core::runner::ApplyOptions;
    use migrator_tests::online::migrator;
    use migrator_tests::pg_connect;
    use std::time::Duration;
    let Some(db) = migrator_tests::fresh_pg_db("reg_parent_child_lock").await else {
        return;
    };
    let url = migrator_core::DatabaseUrl::parse(&db.url).unwrap();
    let dir = migrator_tests::TempDir::new();
    let (mig, schema) = (dir.path().join("migrations"), dir.path().join("schema.sql"));
    let opts = PlanOptions {
        allow_destructive: true,
        batch_size: 100,
        ignore: migrator_core::source::Ignore::NONE,
    };
    let v1 = "CREATE TABLE accounts (id bigint PRIMARY KEY, note text NOT NULL);\n\
              CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id), note text NOT NULL);\n";
    std::fs::write(&schema, v1).unwrap();
    plan_directory(&mig, &schema, &url, "v1", opts, false, None)
        .await
        .unwrap();
    let all = ApplyOptions {
        to: None,
        contract: true,
    };
    migrator(&mig).apply_with(&url, &all).await.unwrap();
    let v2 = v1.replace("note text NOT NULL", "note text");
    std::fs::write(&schema, v2).unwrap();
    plan_directory(&mig, &schema, &url, "v2", opts, false, None)
        .await
        .unwrap();

    let waiting_on = |table: &'static str| {
        let url = db.url.clone();
        async move {
            let c = pg_connect(&url).await;
            let sql = format!(
                "SELECT count(*) FROM pg_locks WHERE relation = '{table}'::regclass AND NOT granted"
            );
            c.query_one(sql.as_str(), &[])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    let until = |table: &'static str, n: i64| async move {
        for _ in 0..500 {
            if waiting_on(table).await >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("nothing queued for {table}");
    };

    let reader = pg_connect(&db.url).await;
    reader
        .batch_execute("INSERT INTO accounts VALUES (1, 'a')")
        .await
        .unwrap();
    reader
        .batch_execute("BEGIN; LOCK TABLE accounts IN ACCESS SHARE MODE")
        .await
        .unwrap();
    let apply_url = url.clone();
    let expand = tokio::spawn(async move {
        migrator(&mig)
            .apply_with(&apply_url, &ApplyOptions::default())
            .await
    });
    until("accounts", 1).await;
    let app = std::sync::Arc::new(pg_connect(&db.url).await);
    // Written to `orders` without reading `accounts` (no foreign key column changed).
    app.batch_execute("BEGIN; UPDATE orders SET note = 'x' WHERE id = 0")
        .await
        .unwrap();
    let insert = {
        let app = app.clone();
        tokio::spawn(async move {
            app.batch_execute("INSERT INTO orders VALUES (1, 1, 'first')")
                .await
        })
    };
    // Both the expand and the application's foreign key check queue for `accounts`.
    until("accounts", 2).await;
    reader.batch_execute("COMMIT").await.unwrap();
    let inserted = insert.await.unwrap();
    app.batch_execute("COMMIT").await.unwrap();
    if let Err(e) = inserted {
        panic!(
            "the application's INSERT failed: {}",
            migrator_tests::pg_error(&e)
        );
    }
    let report = expand.await.unwrap();
    assert!(report.is_ok(), "expand failed: {:?}", report.err());
    let rows: i64 = app
        .query_one("SELECT count(*) FROM orders", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    db.drop_db().await;
}

/// Postgres: widening a varchar and a numeric is metadata-only, but its down narrows them
/// again, which rewrites the table. The rehearsal's lint refused every such plan; the down now
/// carries the rewrite as a stated hazard (with a lint suppression saying why), so the plan is
/// written, applied and rolled back.
#[tokio::test(flavor = "multi_thread")]
async fn pg_widening_plans_and_rolls_back() {
    scenario(
        Engine::Postgres,
        "reg_widening",
        "CREATE TABLE items (id bigint PRIMARY KEY, name varchar(40) NOT NULL, price numeric(10,2) NOT NULL);\n",
        "INSERT INTO items SELECT g, 'item-' || g, g / 100.0 FROM generate_series(1, 300) g",
        "CREATE TABLE items (id bigint PRIMARY KEY, name varchar(80) NOT NULL, price numeric(12,2) NOT NULL);\n",
        vec!["INSERT INTO items VALUES ({id}, 'old-{id}', 1.5)"],
        vec!["INSERT INTO items VALUES ({id}, 'new-{id}', 2.5)"],
        vec![(
            "SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname IN ('name', 'price')",
            "character varying(80),numeric(12,2)",
        )],
    )
    .await;
}

/// MariaDB / MySQL: dropping foreign keys. The down used to add it
/// back with checks on, which copies the table and blocks writes: `lint` refused the down, so
/// the rehearsal refused the plan. The down now adds it back unchecked and in place.
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_dropped_foreign_keys_come_back_online() {
    scenario(
        Engine::Mysql,
        "reg_fk_back_online",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, name varchar(50) NOT NULL);\n\
         CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, referrer_id bigint NULL,\n\
           CONSTRAINT orders_account FOREIGN KEY (account_id) REFERENCES accounts (id),\n\
           CONSTRAINT orders_referrer FOREIGN KEY (referrer_id) REFERENCES accounts (id));\n",
        "INSERT INTO accounts SELECT seq, CONCAT('a', seq) FROM seq_1_to_50; INSERT INTO orders SELECT seq, 1 + seq % 50, NULL FROM seq_1_to_300",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, name varchar(50) NOT NULL);\n\
         CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, referrer_id bigint NULL, note varchar(20) NULL,\n\
           KEY orders_account (account_id), KEY orders_referrer (referrer_id));\n",
        vec!["INSERT INTO orders (id, account_id) VALUES ({id}, 1)"],
        vec!["INSERT INTO orders (id, account_id) VALUES ({id}, 2)"],
        vec![(
            "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'orders'",
            "0",
        )],
    )
    .await;
}

/// A new table with an index and a foreign key, next to new columns on two existing tables: the
/// expand is cut into one file per blocked table (see the test above), so the new table's index
/// and key land in later files than its CREATE TABLE. Those files name the table in a
/// `new-tables` directive; the rehearsal's lint used to refuse the plan (a non-concurrent index
/// and a validated foreign key on what looked like an existing table).
#[tokio::test(flavor = "multi_thread")]
async fn pg_new_table_indexed_in_a_later_expand_file_passes_the_lint() {
    scenario(
        Engine::Postgres,
        "reg_new_table_later_file",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);\n\
         CREATE TABLE invoices (id bigint PRIMARY KEY, total int NOT NULL);\n",
        "INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 300) g;\n\
         INSERT INTO invoices SELECT g, g FROM generate_series(1, 300) g",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, tier int NOT NULL DEFAULT 0);\n\
         CREATE TABLE invoices (id bigint PRIMARY KEY, total int NOT NULL, paid boolean NOT NULL DEFAULT false);\n\
         CREATE TABLE notes (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id), body text);\n\
         CREATE INDEX notes_account ON notes (account_id);\n",
        vec![
            "INSERT INTO accounts (id, name) VALUES ({id}, 'old-{id}')",
            "INSERT INTO invoices (id, total) VALUES ({id}, 1)",
        ],
        vec![
            "INSERT INTO accounts (id, name, tier) VALUES ({id}, 'new-{id}', 1)",
            "INSERT INTO invoices (id, total, paid) VALUES ({id}, 2, true)",
            "INSERT INTO notes (id, account_id, body) VALUES ({id}, 1, 'n')",
        ],
        vec![(
            "SELECT count(*) > 0 FROM pg_indexes WHERE indexname = 'notes_account'",
            "t",
        )],
    )
    .await;
}

/// A parent table dropped with the foreign key that pointed to it, and a CHECK dropped, while
/// the child keeps the key column: the new application writes child rows whose parent never
/// existed and values the old CHECK forbade. Both constraints go in expand (they used to wait
/// for contract, so every such new-application INSERT failed in between: found by the property
/// test, seed 1042286952 `>` on MariaDB). The rollback still runs: the key and the CHECK come
/// back, Postgres leaving them NOT VALID as those rows break them.
async fn dropped_parent_and_check_do_not_block_new_writes(engine: Engine, name: &str) {
    use migrator_core::runner::RollbackTarget;
    use migrator_tests::online::migrator;
    // MySQL proper checks every row when the CHECK comes back (the plan's hazard says the
    // rollback fails while rows break it): there the new application writes orphans only.
    let qty = match engine {
        Engine::Mysql => match migrator_tests::mysql_url() {
            Some(server) => {
                let flavor = migrator_tests::mysql_flavor(&server).await;
                if flavor.unchecked_check_prefix().is_some() {
                    -1
                } else {
                    1
                }
            }
            None => return,
        },
        Engine::Postgres => -1,
    };
    let Some(run) = new_app_writes_between_expand_and_contract(
        engine,
        name,
        "CREATE TABLE shops (id bigint PRIMARY KEY, name varchar(40));\n\
         CREATE TABLE items (id bigint PRIMARY KEY, shop_id bigint, qty int NOT NULL,\n\
           CONSTRAINT items_shop FOREIGN KEY (shop_id) REFERENCES shops (id) ON DELETE CASCADE,\n\
           CONSTRAINT items_qty CHECK (qty >= 0));\n",
        "CREATE TABLE items (id bigint PRIMARY KEY, shop_id bigint, qty int NOT NULL);\n",
        &format!("INSERT INTO items (id, shop_id, qty) VALUES ({{id}}, {{id}}, {qty})"),
        true,
    )
    .await
    else {
        return;
    };
    migrator(&run.mig)
        .rollback(&run.url, &RollbackTarget::To(run.v1), true)
        .await
        .unwrap_or_else(|e| panic!("{name}: rollback: {e}"));
    let live = migrator_core::source::inspect_live(&run.url).await.unwrap();
    let items = live
        .schemas
        .iter()
        .find_map(|s| s.table("items"))
        .expect("items");
    let (fk, check) = (
        items.foreign_key("items_shop").expect("the key is back"),
        items.check("items_qty").expect("the CHECK is back"),
    );
    if engine == Engine::Postgres {
        assert!(!fk.validated && !check.validated, "{name}: left NOT VALID");
    }
    // Rows the old version cannot hold stay after the rollback.
    let orphans = migrator_tests::online::query(
        engine,
        &run.db.url,
        "SELECT count(*) FROM items WHERE id >= 2000000",
    )
    .await;
    assert_ne!(orphans[0][0].as_deref(), Some("0"), "{name}: {orphans:?}");
    run.db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pg_dropped_parent_and_check_do_not_block_new_writes() {
    dropped_parent_and_check_do_not_block_new_writes(Engine::Postgres, "reg_drop_fk_pg").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_dropped_parent_and_check_do_not_block_new_writes() {
    dropped_parent_and_check_do_not_block_new_writes(Engine::Mysql, "reg_drop_fk_my").await;
}

//! Identifiers that need quoting — SQL injection attempts, mixed case, reserved words, spaces,
//! non-ASCII, embedded quote and backtick characters — as table, column, index and constraint
//! names, through the whole declarative pipeline: declared schema → scratch database →
//! introspection → diff → plan → migration files → runner → live catalog → drift.
//!
//! Both servers go through `migrator plan`; MariaDB's second step goes through `migrator diff`,
//! whose SQL becomes a migration file.
//!
//! Each database also holds tables `x` and `y` (created by a first migration, and declared in
//! every schema) that the names try to drop: they must survive.

use migrator_tests::*;
use std::collections::BTreeSet;
use std::path::Path;

/// How a test database is brought to the declared schema.
#[derive(Clone, Copy)]
enum Planner {
    /// `migrator plan`, then `apply` and `apply --contract`; then `plan` must find nothing.
    Plan,
    /// `migrator diff --from DB --to schema.sql`, its SQL applied as a migration file; then
    /// `diff` must find nothing.
    Diff,
}

fn migrator(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    migrator_in(dir, Some(url), args, &[])
}

/// Brings the database at `url` to `dir/schema.sql` with `planner`, then checks that drift
/// finds nothing and a second plan / diff finds no changes.
fn converge(dir: &Path, url: &str, planner: Planner, name: &str) {
    match planner {
        Planner::Plan => {
            expect_output(
                &migrator(
                    dir,
                    url,
                    &["plan", "--schema", "schema.sql", "--name", name],
                ),
                0,
                &["wrote"],
            );
        }
        Planner::Diff => {
            let out = migrator(dir, url, &["diff", "--from", url, "--to", "schema.sql"]);
            expect_output(&out, 2, &[]);
            write_migration(dir, url, name, &String::from_utf8(out.stdout).unwrap());
        }
    }
    expect_output(&migrator(dir, url, &["apply"]), 0, &[]);
    expect_output(&migrator(dir, url, &["apply", "--contract"]), 0, &[]);
    expect_output(
        &migrator(dir, url, &["drift", "--schema", "schema.sql"]),
        0,
        &["no drift"],
    );
    let again = match planner {
        Planner::Plan => migrator(dir, url, &["plan", "--schema", "schema.sql", "--dry-run"]),
        Planner::Diff => migrator(dir, url, &["diff", "--from", url, "--to", "schema.sql"]),
    };
    expect_output(&again, 0, &["no changes"]);
}

/// `migrator new NAME`, then `up` as its up file and `migrator rehash`.
fn write_migration(dir: &Path, url: &str, name: &str, up: &str) {
    let created = expect_output(&migrator(dir, url, &["new", name]), 0, &[]);
    let file = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(&format!("_{name}.up.sql")))
        .unwrap_or_else(|| panic!("`migrator new {name}` wrote no up file: {created}"));
    std::fs::write(&file, up).unwrap();
    expect_output(&migrator(dir, url, &["rehash"]), 0, &[]);
}

/// A project in `dir` whose first migration creates the tables `x` and `y` that the names try
/// to drop; `keep` is their declaration, which every declared schema repeats.
fn project_with_sentinels(dir: &Path, url: &str, keep: &str) {
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    write_migration(dir, url, "sentinels", keep);
    expect_output(&migrator(dir, url, &["apply"]), 0, &[]);
}

/// The table whose name tries to end the statement and drop `x`.
const T: &str = "; DROP TABLE x; --";

/// The names of the v1 schemas in the catalog, the same on both engines, plus `extra` (those
/// each engine makes up: primary key names, the index behind a MySQL foreign key …).
fn v1_names(extra: &[&str]) -> BTreeSet<String> {
    let t = T;
    let mut names = strings(&[
        "table x",
        "table y",
        "column x.id",
        "column y.id",
        &format!("table {t}"),
        "table user",
        &format!("column {t}.select"),
        &format!("column {t}.MixedCase"),
        &format!("column {t}.order"),
        &format!("column {t}.user name"),
        &format!("column {t}.café"),
        &format!("column {t}.表"),
        &format!("column {t}.quo\"te"),
        &format!("column {t}.back`tick"),
        "column user.id",
        "column user.ref \"id\"",
        "index idx; DROP TABLE y; --",
        "index Uniq Café",
        "constraint chk \"quoted\" `x`",
        "constraint fk; --",
    ]);
    names.extend(strings(extra));
    names
}

fn set(rows: Vec<Vec<Option<String>>>) -> BTreeSet<String> {
    rows.into_iter()
        .map(|r| r.into_iter().flatten().collect::<Vec<_>>().join(" | "))
        .collect()
}

fn strings(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ------------------------------------------------------------------------------ Postgres

const PG_V1: &str = r#"CREATE TABLE "; DROP TABLE x; --" (
    "select" bigint PRIMARY KEY,
    "MixedCase" text NOT NULL,
    "order" integer,
    "user name" text,
    "café" text,
    "表" integer,
    "quo""te" text,
    "back`tick" text,
    CONSTRAINT "chk ""quoted"" `x`" CHECK ("order" > 0)
);
CREATE INDEX "idx; DROP TABLE y; --" ON "; DROP TABLE x; --" ("MixedCase", "表");
CREATE UNIQUE INDEX "Uniq Café" ON "; DROP TABLE x; --" ("café");
CREATE TABLE "user" (
    id bigint PRIMARY KEY,
    "ref ""id""" bigint CONSTRAINT "fk; --" REFERENCES "; DROP TABLE x; --" ("select"),
    "nick name" text
);
"#;

/// v1 with a column of `"user"` renamed (the planner's shadow column, sync triggers and
/// backfill all carry the names) and one more index.
fn pg_v2() -> String {
    let renamed = PG_V1.replace(
        "    \"nick name\" text\n",
        "    \"Ünï \"\"col\"\" `x`\" text -- migrator:renamed-from \"nick name\"\n",
    );
    assert_ne!(renamed, PG_V1);
    renamed
        + "CREATE INDEX \"Order By \"\"Quo\"\"te\"\"\" ON \"; DROP TABLE x; --\" (\"order\", \"quo\"\"te\");\n"
}

/// Names of the tables, columns, indexes and constraints in `public`, from the catalog.
/// Postgres 18's NOT NULL constraints (`contype = 'n'`, named by the server) are left out: NOT
/// NULL is a column's flag in migrator's model on every version, and those names are the
/// server's, not the project's.
async fn pg_names(url: &str) -> BTreeSet<String> {
    let tables = pg_query_strings(
        url,
        "SELECT 'table ' || relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname NOT LIKE 'migrator%'
         UNION ALL SELECT 'column ' || c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname NOT LIKE 'migrator%' AND a.attnum > 0 AND NOT a.attisdropped
         UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'migrator%'
         UNION ALL SELECT 'constraint ' || conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE 'migrator%' AND contype <> 'n'",
    )
    .await;
    set(tables)
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_names_that_need_quoting_round_trip() {
    let Some(db) = fresh_pg_db("identifiers").await else {
        return;
    };
    let dir = TempDir::new();
    let d = dir.path();
    let keep = "CREATE TABLE x (id int);\nCREATE TABLE y (id int);\n";
    project_with_sentinels(d, &db.url, keep);

    dir.write("schema.sql", &format!("{keep}{PG_V1}"));
    converge(d, &db.url, Planner::Plan, "init");
    let t = T;
    let mut expected = v1_names(&[
        "column user.nick name",
        &format!("index {t}_pkey"),
        "index user_pkey",
        &format!("constraint {t}_pkey"),
        "constraint user_pkey",
    ]);
    assert_eq!(pg_names(&db.url).await, expected);

    // Data, then the rename: the values must follow the column.
    pg_exec(
        &db.url,
        r#"INSERT INTO "; DROP TABLE x; --" ("select", "MixedCase", "order", "café") VALUES (1, 'a', 1, 'é1'), (2, 'b', 2, 'é2');
           INSERT INTO "user" (id, "ref ""id""", "nick name") VALUES (10, 1, 'ten'), (20, 2, 'twenty'), (30, NULL, NULL);"#,
    )
    .await;
    dir.write("schema.sql", &format!("{keep}{}", pg_v2()));
    converge(d, &db.url, Planner::Plan, "rename");
    expected.remove("column user.nick name");
    expected.insert("column user.Ünï \"col\" `x`".into());
    expected.insert("index Order By \"Quo\"te\"".into());
    assert_eq!(pg_names(&db.url).await, expected);
    assert_eq!(
        pg_query_strings(
            &db.url,
            r#"SELECT id::text, "Ünï ""col"" `x`"::text FROM "user" ORDER BY id"#
        )
        .await,
        vec![
            vec![Some("10".into()), Some("ten".into())],
            vec![Some("20".into()), Some("twenty".into())],
            vec![Some("30".into()), None],
        ]
    );

    // A hand-written batched backfill naming the table and key the way SQL quotes them.
    write_migration(
        d,
        &db.url,
        "fill_quote",
        "-- migrator:phase backfill\n\
         -- migrator:backfill table=\"public\".\"; DROP TABLE x; --\" key=\"select\" batch=1\n\
         UPDATE \"; DROP TABLE x; --\" SET \"quo\"\"te\" = 'q' || \"select\";\n",
    );
    expect_output(
        &migrator(d, &db.url, &["apply"]),
        0,
        &["backfilled 2 row(s) in 2 batch(es)"],
    );
    assert_eq!(
        pg_query_strings(
            &db.url,
            r#"SELECT "quo""te" FROM "; DROP TABLE x; --" ORDER BY "select""#
        )
        .await,
        vec![vec![Some("q1".into())], vec![Some("q2".into())]]
    );
    expect_output(
        &migrator(d, &db.url, &["drift", "--schema", "schema.sql"]),
        0,
        &["no drift"],
    );
    assert_eq!(pg_names(&db.url).await, expected, "x and y are still there");
    db.drop_db().await;
}

// ------------------------------------------------------------------------------ MariaDB

const MY_V1: &str = r#"CREATE TABLE `; DROP TABLE x; --` (
    `select` BIGINT PRIMARY KEY,
    `MixedCase` VARCHAR(50) NOT NULL,
    `order` INT,
    `user name` TEXT,
    `café` VARCHAR(20),
    `表` INT,
    `quo"te` TEXT,
    `back``tick` TEXT,
    CONSTRAINT `chk "quoted" ``x``` CHECK (`order` > 0)
);
CREATE INDEX `idx; DROP TABLE y; --` ON `; DROP TABLE x; --` (`MixedCase`, `表`);
CREATE UNIQUE INDEX `Uniq Café` ON `; DROP TABLE x; --` (`café`);
CREATE TABLE `user` (
    id BIGINT PRIMARY KEY,
    `ref "id"` BIGINT,
    CONSTRAINT `fk; --` FOREIGN KEY (`ref "id"`) REFERENCES `; DROP TABLE x; --` (`select`)
);
"#;

/// v1 plus a column and an index, so that ALTER TABLE statements carry the names too.
fn my_v2() -> String {
    let more = MY_V1.replace(
        "    `back``tick` TEXT,\n",
        "    `back``tick` TEXT,\n    `Ünï \"col\" ``x``` INT,\n",
    );
    assert_ne!(more, MY_V1);
    more + "CREATE INDEX `Order By \"Quo\"te\"` ON `; DROP TABLE x; --` (`order`, `Ünï \"col\" ``x```);\n"
}

async fn mysql_names(url: &str) -> BTreeSet<String> {
    let q = |sql: &'static str| mysql_query_strings(url, sql);
    let mut names = set(q("SELECT CONCAT('table ', table_name) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name NOT LIKE 'migrator%'").await);
    names.extend(set(q("SELECT CONCAT('column ', table_name, '.', column_name) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name NOT LIKE 'migrator%'").await));
    names.extend(set(q("SELECT DISTINCT CONCAT('index ', index_name) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name NOT LIKE 'migrator%'").await));
    names.extend(set(q("SELECT CONCAT('constraint ', constraint_name) FROM information_schema.table_constraints WHERE constraint_schema = DATABASE() AND table_name NOT LIKE 'migrator%' AND constraint_type IN ('CHECK', 'FOREIGN KEY')").await));
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_names_that_need_quoting_round_trip() {
    let Some(db) = fresh_mysql_db("identifiers").await else {
        return;
    };
    let dir = TempDir::new();
    let d = dir.path();
    let keep = "CREATE TABLE x (id INT);\nCREATE TABLE y (id INT);\n";
    project_with_sentinels(d, &db.url, keep);
    dir.write("schema.sql", &format!("{keep}{MY_V1}"));
    converge(d, &db.url, Planner::Plan, "init");
    let t = T;
    let mut expected = v1_names(&["index PRIMARY", "index fk; --"]);
    assert_eq!(mysql_names(&db.url).await, expected);

    mysql_exec(
        &db.url,
        "INSERT INTO `; DROP TABLE x; --` (`select`, `MixedCase`, `order`, `café`) VALUES (1, 'a', 1, 'é1'), (2, 'b', 2, 'é2')",
    )
    .await;
    dir.write("schema.sql", &format!("{keep}{}", my_v2()));
    // The second step through `migrator diff`, so both ways of writing SQL see these names.
    converge(d, &db.url, Planner::Diff, "more");
    expected.insert(format!("column {t}.Ünï \"col\" `x`"));
    expected.insert("index Order By \"Quo\"te\"".into());
    assert_eq!(mysql_names(&db.url).await, expected);

    // A hand-written batched backfill naming the table and key with backticks.
    write_migration(
        d,
        &db.url,
        "fill_col",
        "-- migrator:phase backfill\n\
         -- migrator:backfill table=`; DROP TABLE x; --` key=`select` batch=1\n\
         UPDATE `; DROP TABLE x; --` SET `Ünï \"col\" ``x``` = `select` * 10;\n",
    );
    expect_output(
        &migrator(d, &db.url, &["apply"]),
        0,
        &["backfilled 2 row(s) in 2 batch(es)"],
    );
    assert_eq!(
        mysql_query_strings(
            &db.url,
            "SELECT `Ünï \"col\" ``x``` FROM `; DROP TABLE x; --` ORDER BY `select`"
        )
        .await,
        vec![vec![Some("10".into())], vec![Some("20".into())]]
    );
    assert_eq!(
        mysql_names(&db.url).await,
        expected,
        "x and y are still there"
    );
    db.drop_db().await;
}

// ------------------------------------------------------------------------------ generated files

/// Names in the files the planner writes: the `-- migrator:backfill table=… key=…` directive of
/// a rename or type change must take a name with spaces (`"public"."Order Lines"`), and a name
/// with a line break in the `-- Planned by …` comment block must not end the comment (the rest
/// of the name would run as SQL when the file is applied).
#[tokio::test(flavor = "multi_thread")]
async fn postgres_plan_quotes_names_in_directives_and_comments() {
    let Some(db) = fresh_pg_db("identifiers_plan").await else {
        return;
    };
    let dir = TempDir::new();
    let d = dir.path();
    let keep = "CREATE TABLE victim (id int);\n";
    project_with_sentinels(d, &db.url, keep);
    pg_exec(&db.url, "INSERT INTO victim VALUES (1)").await;
    dir.write(
        "schema.sql",
        &format!(
            "{keep}CREATE TABLE \"Order Lines\" (id bigint PRIMARY KEY, \"nick name\" text);\n\
             CREATE TABLE \"nl\nDELETE FROM victim; --\" (id bigint PRIMARY KEY);\n"
        ),
    );
    converge(d, &db.url, Planner::Plan, "init");
    let victim = || pg_query_strings(&db.url, "SELECT count(*)::text FROM victim");
    assert_eq!(
        victim().await,
        vec![vec![Some("1".into())]],
        "a line break in a name ran the rest of it as SQL"
    );
    dir.write(
        "schema.sql",
        &format!(
            "{keep}CREATE TABLE \"Order Lines\" (\n    id bigint PRIMARY KEY,\n    \"Nick\" text -- migrator:renamed-from \"nick name\"\n);\n\
             CREATE TABLE \"nl\nDELETE FROM victim; --\" (id bigint PRIMARY KEY);\n"
        ),
    );
    converge(d, &db.url, Planner::Plan, "rename");
    assert_eq!(victim().await, vec![vec![Some("1".into())]]);
    db.drop_db().await;
}

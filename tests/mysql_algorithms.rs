//! Proves the `ALGORITHM=` / `LOCK=` rules of `migrator_core::flavor` on the server at hand
//! (MariaDB or MySQL proper): for each case, `current` is loaded with a few rows, migrator
//! diffs it against `desired`, and every `ALTER TABLE` it writes must
//!
//! 1. be refused by the server with each less disruptive clause (on MySQL proper: the choice is
//!    the best the server allows for that table; on MariaDB, whose rules are the ones migrator
//!    was built with, this is checked where a case says so), and
//! 2. then run as written.
//!
//! A refused weaker clause leaves the table as it was (an ALTER is atomic), so both checks run
//! on the same database, in order.

use migrator_core::diff::{diff, DiffOptions};
use migrator_core::render::{renderer_for, try_render_all};
use migrator_core::source::{inspect_declared, inspect_live};
use migrator_core::DatabaseUrl;
use migrator_tests::*;
use mysql_async::prelude::Queryable;

const CLAUSES: [&str; 4] = [
    "ALGORITHM=INSTANT, LOCK=DEFAULT",
    "ALGORITHM=INPLACE, LOCK=NONE",
    "ALGORITHM=INPLACE, LOCK=SHARED",
    "ALGORITHM=COPY, LOCK=SHARED",
];

/// (name, current, desired, the clause MySQL 9.7 needs for the case's first ALTER).
const CASES: &[(&str, &str, &str, &str)] = &[
    ("add_column_last", "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE t (id int PRIMARY KEY, a int, b int)", CLAUSES[0]),
    ("add_column_expression_default", "CREATE TABLE t (id int PRIMARY KEY)", "CREATE TABLE t (id int PRIMARY KEY, d date DEFAULT (curdate() + interval 1 day))", CLAUSES[3]),
    ("add_column_check", "CREATE TABLE t (id int PRIMARY KEY)", "CREATE TABLE t (id int PRIMARY KEY, b int, CONSTRAINT t_b CHECK (b > 0))", CLAUSES[0]),
    ("add_stored_column", "CREATE TABLE t (id int PRIMARY KEY)", "CREATE TABLE t (id int PRIMARY KEY, b int GENERATED ALWAYS AS (id + 1) STORED)", CLAUSES[3]),
    ("add_column_to_fulltext_table", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20), FULLTEXT KEY ft (a))", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20), b int, FULLTEXT KEY ft (a))", CLAUSES[3]),
    ("drop_column", "CREATE TABLE t (id int PRIMARY KEY, a int, b int)", "CREATE TABLE t (id int PRIMARY KEY, a int)", CLAUSES[0]),
    ("drop_column_of_fulltext_table", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20), b int, FULLTEXT KEY ft (a))", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20), FULLTEXT KEY ft (a))", CLAUSES[3]),
    ("rename_column", "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE t (id int PRIMARY KEY, b int -- migrator:renamed-from a\n)", CLAUSES[0]),
    ("set_default", "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT 5)", CLAUSES[0]),
    ("set_timestamp_default", "CREATE TABLE t (id int PRIMARY KEY, a datetime)", "CREATE TABLE t (id int PRIMARY KEY, a datetime DEFAULT CURRENT_TIMESTAMP)", CLAUSES[0]),
    ("column_comment", "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE t (id int PRIMARY KEY, a int COMMENT 'x')", CLAUSES[0]),
    ("varchar_growth_same_length_bytes", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20))", "CREATE TABLE t (id int PRIMARY KEY, a varchar(60))", CLAUSES[1]),
    ("varchar_growth_indexed", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20), KEY ia (a))", "CREATE TABLE t (id int PRIMARY KEY, a varchar(60), KEY ia (a))", CLAUSES[1]),
    ("enum_value_appended", "CREATE TABLE t (id int PRIMARY KEY, e enum('a','b'))", "CREATE TABLE t (id int PRIMARY KEY, e enum('a','b','c'))", CLAUSES[0]),
    // MySQL: an appended value of a column a CHECK uses is a copy; a new comment stays instant.
    ("enum_value_appended_under_a_check", "CREATE TABLE t (id int PRIMARY KEY, e enum('a','b'), CONSTRAINT t_e CHECK (e <> 'b' OR id > 0))", "CREATE TABLE t (id int PRIMARY KEY, e enum('a','b','c'), CONSTRAINT t_e CHECK (e <> 'b' OR id > 0))", CLAUSES[3]),
    ("comment_on_a_column_a_check_uses", "CREATE TABLE t (id int PRIMARY KEY, a int, CONSTRAINT t_a CHECK (a > 0))", "CREATE TABLE t (id int PRIMARY KEY, a int COMMENT 'x', CONSTRAINT t_a CHECK (a > 0))", CLAUSES[0]),
    ("make_not_null", "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL)", CLAUSES[1]),
    ("make_not_null_on_fulltext_table", "CREATE TABLE t (id int PRIMARY KEY, s varchar(20), a int, FULLTEXT KEY ft (s))", "CREATE TABLE t (id int PRIMARY KEY, s varchar(20), a int NOT NULL, FULLTEXT KEY ft (s))", CLAUSES[3]),
    ("collation_change", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20) COLLATE utf8mb4_general_ci)", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20) COLLATE utf8mb4_bin)", CLAUSES[1]),
    ("collation_change_indexed", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20) COLLATE utf8mb4_general_ci, KEY ia (a))", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20) COLLATE utf8mb4_bin, KEY ia (a))", CLAUSES[3]),
    ("drop_auto_increment", "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY)", "CREATE TABLE t (id int PRIMARY KEY)", CLAUSES[3]),
    ("column_invisible", "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE t (id int PRIMARY KEY, a int INVISIBLE)", CLAUSES[0]),
    ("virtual_expression_change", "CREATE TABLE t (id int PRIMARY KEY, b int GENERATED ALWAYS AS (id + 1) VIRTUAL)", "CREATE TABLE t (id int PRIMARY KEY, b int GENERATED ALWAYS AS (id + 2) VIRTUAL)", CLAUSES[3]),
    ("add_index", "CREATE TABLE t (id int PRIMARY KEY, a int)", "CREATE TABLE t (id int PRIMARY KEY, a int, KEY ia (a))", CLAUSES[1]),
    ("add_fulltext_index", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20))", "CREATE TABLE t (id int PRIMARY KEY, a varchar(20), FULLTEXT KEY ft (a))", CLAUSES[2]),
    ("drop_index", "CREATE TABLE t (id int PRIMARY KEY, a int, KEY ia (a))", "CREATE TABLE t (id int PRIMARY KEY, a int)", CLAUSES[1]),
    ("rename_index", "CREATE TABLE t (id int PRIMARY KEY, a int, KEY ia (a))", "CREATE TABLE t (id int PRIMARY KEY, a int, KEY ib (a))", CLAUSES[1]),
    ("add_primary_key", "CREATE TABLE t (id int NOT NULL, a int)", "CREATE TABLE t (id int NOT NULL PRIMARY KEY, a int)", CLAUSES[1]),
    ("drop_check", "CREATE TABLE t (id int PRIMARY KEY, a int, CONSTRAINT t_a CHECK (a > 0))", "CREATE TABLE t (id int PRIMARY KEY, a int)", CLAUSES[0]),
    ("drop_foreign_key", "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, p_id int, KEY t_p (p_id), CONSTRAINT t_p FOREIGN KEY (p_id) REFERENCES p (id))", "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY, p_id int, KEY t_p (p_id))", CLAUSES[1]),
    ("table_charset", "CREATE TABLE t (id int PRIMARY KEY) DEFAULT CHARSET=latin1", "CREATE TABLE t (id int PRIMARY KEY) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci", CLAUSES[1]),
    ("table_comment", "CREATE TABLE t (id int PRIMARY KEY)", "CREATE TABLE t (id int PRIMARY KEY) COMMENT 'hello'", CLAUSES[1]),
];

fn clause_of(sql: &str) -> Option<usize> {
    CLAUSES.iter().position(|c| sql.ends_with(c))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_algorithm_is_the_least_disruptive_the_server_accepts() {
    let Some(server) = mysql_url() else { return };
    let flavor = mysql_flavor(&server).await;
    let strict = flavor.is_mysql();
    eprintln!(
        "{} cases on {flavor}: {}",
        CASES.len(),
        if strict {
            "each ALTER must be the least disruptive clause the server accepts"
        } else {
            "each ALTER must run (MariaDB's rules are pinned by the snapshot tests)"
        }
    );
    let mut failures = Vec::new();
    for (name, current, desired, mysql_clause) in CASES {
        let db = fresh_mysql_db(&format!("alg_{name}")).await.unwrap();
        let mut conn = mysql_connect(&db.url).await;
        for s in current.split(';') {
            conn.query_drop(s).await.unwrap();
        }
        conn.query_drop("INSERT INTO t (id) VALUES (1), (2)")
            .await
            .unwrap();
        if name.starts_with("make_not_null") {
            conn.query_drop("UPDATE t SET a = id").await.unwrap();
        }
        let dir = TempDir::new();
        dir.write("desired.sql", &format!("{desired};\n"));
        let url = DatabaseUrl::parse(&db.url).unwrap();
        let (want, hints) = inspect_declared(
            &url,
            &dir.path().join("desired.sql"),
            migrator_core::source::Ignore::NONE,
        )
        .await
        .unwrap();
        let have = inspect_live(&url).await.unwrap();
        let changes = diff(
            &have,
            &want,
            &hints,
            DiffOptions {
                allow_destructive: true,
            },
        )
        .unwrap();
        let renderer = renderer_for(&have).unwrap();
        let statements = try_render_all(renderer.as_ref(), &changes).unwrap();
        let mut first = true;
        for st in &statements {
            let Some(chosen) = clause_of(&st.sql) else {
                conn.query_drop(&st.sql).await.unwrap();
                continue;
            };
            if first && strict && CLAUSES[chosen] != *mysql_clause {
                failures.push(format!(
                    "{name}: wrote {} where MySQL 9.7 needs {mysql_clause}: {}",
                    CLAUSES[chosen], st.sql
                ));
            }
            first = false;
            if strict {
                for weaker in &CLAUSES[..chosen] {
                    let sql = st.sql.replace(CLAUSES[chosen], weaker);
                    if conn.query_drop(&sql).await.is_ok() {
                        failures.push(format!(
                            "{name}: the server also accepts the less disruptive {weaker}: {}",
                            st.sql
                        ));
                        break;
                    }
                }
            }
            if let Err(e) = conn.query_drop(&st.sql).await {
                failures.push(format!("{name}: `{}` refused: {e}", st.sql));
            }
        }
        let _ = conn.disconnect().await;
        db.drop_db().await;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

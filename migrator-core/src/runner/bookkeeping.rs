//! The runner's own bookkeeping statements, written once for both dialects with sea-query:
//! `migrator_history` (create, read, upsert, delete), `migrator_backfill` (create, read, start,
//! move, finish) and MySQL's `migrator_lock_holder` (create, record, read). Each builder returns
//! the SQL of one dialect with the values as bound parameters (`$n` / `?`); the dialect files
//! hand them to their driver (`sea_query_postgres::PostgresValues`, `mysql::params`) and keep
//! the round trips as they were (prepared, pipelined or text protocol).
//!
//! The table definitions below are the tables that existing databases already have: names,
//! types, nullability and defaults must not change (they are created once, never migrated).
//! The one exception is additive: [`BACKFILL_CONTROL`], nullable columns of `migrator_backfill`
//! added by [`add_backfill_control`] when missing (older binaries name their columns, so they
//! are not disturbed by them).
//!
//! Hand-written on purpose, in the dialect files: the lock calls (`pg_try_advisory_lock`,
//! `GET_LOCK`, `IS_USED_LOCK`, `RELEASE_LOCK`: one dialect each, constant one-liners, and
//! sea-query has no MySQL lock functions), catalog look-ups (`to_regclass`, `pg_locks`,
//! `information_schema`: not migrator's tables) and MySQL's holder row recorded `… FROM DUAL
//! WHERE IS_USED_LOCK(?) = CONNECTION_ID()` (sea-query writes no `FROM DUAL`, which some MySQL
//! versions need for a `WHERE` without a table).

use super::history::{HistoryRow, HISTORY_TABLE};
use super::job::BACKFILL_TABLE;
use crate::migrations::Version;
use crate::Dialect;
use sea_query::{
    ColumnDef, Expr, ExprTrait, Func, InsertStatement, MysqlQueryBuilder, OnConflict, Order,
    PostgresQueryBuilder, Query, QueryStatementWriter, Table, Value, Values,
};

/// MySQL only: who holds the `GET_LOCK` lock, for the messages of waiting runners.
pub const HOLDER_TABLE: &str = "migrator_lock_holder";

/// MySQL only: the heartbeat a backfill writes between batches when it watches replica lag
/// (`super::replica`); created when first needed, not with the other tables.
pub const HEARTBEAT_TABLE: &str = "migrator_heartbeat";

/// A column type, as each dialect spells it (Postgres | MySQL).
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `bigint` | `bigint`
    BigInt,
    /// `integer` | `int`
    Int,
    /// `bool` | `bool` (`tinyint(1)`)
    Bool,
    /// `text` | `varchar(n)`
    Short(u32),
    /// `text` | `text`
    Text,
    /// `text` | `longtext`
    LongText,
    /// `timestamp with time zone` | `datetime(6)` (UTC)
    Time,
    /// MySQL only: `bigint UNSIGNED` (a `CONNECTION_ID()`)
    Unsigned,
}

/// A column default.
#[derive(Debug, Clone, Copy)]
enum Default {
    Zero,
    False,
    /// `'[]'`, on Postgres only: MySQL's `LONGTEXT` had none (no literal default before 8.0.13).
    EmptyList,
}

/// A column of a bookkeeping table. The first column of each table is its primary key.
#[derive(Debug, Clone, Copy)]
struct Column {
    name: &'static str,
    kind: Kind,
    null: bool,
    default: Option<Default>,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        null: false,
        default: None,
    }
}

impl Column {
    const fn null(self) -> Column {
        Column { null: true, ..self }
    }

    const fn default(self, default: Default) -> Column {
        Column {
            default: Some(default),
            ..self
        }
    }
}

/// `migrator_history`, in the order [`read_history`] selects (the dialect files read by position).
const HISTORY: [Column; 18] = [
    col("version", Kind::BigInt),
    col("name", Kind::Short(255)),
    col("phase", Kind::Short(16)),
    col("checksum_up", Kind::Short(80)),
    col("checksum_down", Kind::Short(80)),
    col("status", Kind::Short(24)),
    col("statements_applied", Kind::Int),
    col("statements_total", Kind::Int),
    col("statement_hashes", Kind::LongText).default(Default::EmptyList),
    col("down_statements_applied", Kind::Int).default(Default::Zero),
    col("error", Kind::LongText).null(),
    col("failed_statement", Kind::LongText).null(),
    col("started_at", Kind::Time),
    col("finished_at", Kind::Time).null(),
    col("execution_ms", Kind::BigInt).default(Default::Zero),
    col("tool_version", Kind::Short(32)),
    col("host", Kind::Short(255)),
    col("baseline", Kind::Bool).default(Default::False),
];

/// `migrator_backfill`, in the order [`read_backfill`] selects.
const BACKFILL: [Column; 10] = [
    col("version", Kind::BigInt),
    col("table_name", Kind::Short(255)),
    col("key_column", Kind::Short(255)),
    col("last_key", Kind::Text).null(),
    col("end_key", Kind::Text).null(),
    col("rows_done", Kind::BigInt).default(Default::Zero),
    col("batches", Kind::BigInt).default(Default::Zero),
    col("started_at", Kind::Time),
    col("updated_at", Kind::Time),
    col("finished_at", Kind::Time).null(),
];

/// The columns of `migrator_backfill` added for the throttle (see `super::throttle`): `control`
/// is what an operator asked (`pause`, or NULL), `state` what the runner is doing while it does
/// not advance (NULL while it runs). Both nullable, added to existing tables when missing.
const BACKFILL_CONTROL: [Column; 2] = [
    col("control", Kind::Short(32)).null(),
    col("state", Kind::Short(255)).null(),
];

/// `migrator_lock_holder` (MySQL only).
const HOLDER: [Column; 4] = [
    col("lock_name", Kind::Short(64)),
    col("connection_id", Kind::Unsigned),
    col("holder", Kind::Short(255)),
    col("acquired_at", Kind::Time),
];

/// `migrator_heartbeat`: one row per runner (its identity, as in the history's `host`), the
/// number of its last beat and when it was written (primary's clock).
const HEARTBEAT: [Column; 3] = [
    col("source", Kind::Short(255)),
    col("beat", Kind::BigInt),
    col("written_at", Kind::Time),
];

/// `CREATE TABLE IF NOT EXISTS migrator_heartbeat`.
pub fn create_heartbeat(d: Dialect) -> String {
    create_table(d, HEARTBEAT_TABLE, &HEARTBEAT)
}

fn names(columns: &[Column]) -> impl Iterator<Item = &'static str> + '_ {
    columns.iter().map(|c| c.name)
}

fn create_table(d: Dialect, table: &'static str, columns: &[Column]) -> String {
    let mut create = Table::create();
    create.table(table).if_not_exists();
    for (i, c) in columns.iter().enumerate() {
        let mut def = ColumnDef::new(c.name);
        match (d, c.kind) {
            (_, Kind::BigInt) => def.big_integer(),
            (_, Kind::Int) => def.integer(),
            (_, Kind::Bool) => def.boolean(),
            (Dialect::Postgres, Kind::Short(_) | Kind::Text | Kind::LongText) => def.text(),
            (Dialect::Postgres, Kind::Time) => def.timestamp_with_time_zone(),
            (Dialect::Postgres, Kind::Unsigned) => unreachable!("a MySQL-only column"),
            (Dialect::Mysql, Kind::Short(n)) => def.string_len(n),
            (Dialect::Mysql, Kind::Text) => def.text(),
            (Dialect::Mysql, Kind::LongText) => def.custom("longtext"),
            // sea-query's date_time() has no fractional seconds.
            (Dialect::Mysql, Kind::Time) => def.custom("datetime(6)"),
            (Dialect::Mysql, Kind::Unsigned) => def.big_unsigned(),
        };
        if c.null {
            def.null();
        } else {
            def.not_null();
        }
        if i == 0 {
            def.primary_key();
        }
        match (c.default, d) {
            (Some(Default::Zero), _) => {
                def.default(0);
            }
            (Some(Default::False), _) => {
                def.default(false);
            }
            (Some(Default::EmptyList), Dialect::Postgres) => {
                def.default("[]");
            }
            (Some(Default::EmptyList), Dialect::Mysql) | (None, _) => {}
        }
        create.col(def);
    }
    match d {
        Dialect::Postgres => create.build(PostgresQueryBuilder),
        Dialect::Mysql => create
            .engine("InnoDB")
            .character_set("utf8mb4")
            .build(MysqlQueryBuilder),
    }
}

/// `CREATE TABLE IF NOT EXISTS` of every bookkeeping table of the dialect, in creation order.
pub fn create_tables(d: Dialect) -> Vec<String> {
    match d {
        Dialect::Postgres => vec![
            create_table(d, HISTORY_TABLE, &HISTORY),
            create_table(d, BACKFILL_TABLE, &backfill_columns()),
        ],
        Dialect::Mysql => vec![
            create_table(d, HISTORY_TABLE, &HISTORY),
            create_table(d, HOLDER_TABLE, &HOLDER),
            create_table(d, BACKFILL_TABLE, &backfill_columns()),
        ],
    }
}

fn backfill_columns() -> Vec<Column> {
    BACKFILL.iter().chain(&BACKFILL_CONTROL).copied().collect()
}

/// Adds the [`BACKFILL_CONTROL`] columns to a `migrator_backfill` made before them (the caller
/// checked that they are missing, and holds the runner lock).
pub fn add_backfill_control(d: Dialect) -> String {
    let mut alter = Table::alter();
    alter.table(BACKFILL_TABLE);
    for c in &BACKFILL_CONTROL {
        let mut def = ColumnDef::new(c.name);
        match (d, c.kind) {
            (Dialect::Postgres, _) => def.text(),
            (Dialect::Mysql, Kind::Short(n)) => def.string_len(n),
            (Dialect::Mysql, _) => def.text(),
        };
        def.null();
        alter.add_column(def);
    }
    match d {
        Dialect::Postgres => alter.build(PostgresQueryBuilder),
        Dialect::Mysql => alter.build(MysqlQueryBuilder),
    }
}

/// The `control` column of one backfill's progress row.
pub fn read_backfill_control(d: Dialect, v: Version) -> (String, Values) {
    let select = Query::select()
        .column("control")
        .from(BACKFILL_TABLE)
        .and_where(version_is(d, v))
        .to_owned();
    build(d, &select)
}

/// Sets the runner's `state` of one backfill (NULL: running).
pub fn write_backfill_state(d: Dialect, v: Version, state: Option<&str>) -> (String, Values) {
    let update = Query::update()
        .table(BACKFILL_TABLE)
        .value("state", state)
        .and_where(version_is(d, v))
        .to_owned();
    build(d, &update)
}

/// Sets the operator's `control` of the unfinished backfills (of `v` only, when given).
pub fn write_backfill_control(
    d: Dialect,
    v: Option<Version>,
    control: Option<&str>,
) -> (String, Values) {
    let mut update = Query::update();
    update
        .table(BACKFILL_TABLE)
        .value("control", control)
        .and_where(Expr::col("finished_at").is_null());
    if let Some(v) = v {
        update.and_where(version_is(d, v));
    }
    build(d, &update)
}

/// Every progress row with its control columns, in version order: the columns of
/// [`read_backfill`], then `control` and `state`.
pub fn list_backfills(d: Dialect) -> (String, Values) {
    let select = Query::select()
        .columns(names(&BACKFILL))
        .columns(names(&BACKFILL_CONTROL))
        .from(BACKFILL_TABLE)
        .order_by("version", Order::Asc)
        .to_owned();
    build(d, &select)
}

fn build(d: Dialect, statement: &impl QueryStatementWriter) -> (String, Values) {
    match d {
        Dialect::Postgres => statement.build(PostgresQueryBuilder),
        Dialect::Mysql => statement.build(MysqlQueryBuilder),
    }
}

/// A version as each driver binds it: `bigint` on Postgres, unsigned on MySQL.
fn version(d: Dialect, v: Version) -> Value {
    match d {
        Dialect::Postgres => Value::BigInt(Some(v.0 as i64)),
        Dialect::Mysql => Value::BigUnsigned(Some(v.0)),
    }
}

/// The server's current time, as the dialect's time column keeps it.
fn now(d: Dialect) -> Expr {
    match d {
        Dialect::Postgres => Func::cust("now").into(),
        Dialect::Mysql => Expr::cust("UTC_TIMESTAMP(6)"),
    }
}

/// A constant written into the SQL (not a parameter).
fn lit(n: i64) -> Expr {
    Expr::Constant(n.into())
}

/// Inserts or replaces the row with the same primary key (the first of `columns`). Postgres:
/// `ON CONFLICT (key) DO UPDATE SET` every other column to `excluded`'s. MySQL: `REPLACE`, as
/// always (sea-query's MySQL upsert, `ON DUPLICATE KEY UPDATE c = VALUES(c)`, is deprecated
/// since MySQL 8.0.20).
fn upsert(d: Dialect, insert: &mut InsertStatement, columns: &[Column]) {
    match d {
        Dialect::Postgres => {
            insert.on_conflict(
                OnConflict::column(columns[0].name)
                    .update_columns(names(&columns[1..]))
                    .to_owned(),
            );
        }
        Dialect::Mysql => {
            insert.replace();
        }
    }
}

fn version_is(d: Dialect, v: Version) -> Expr {
    Expr::col("version").eq(version(d, v))
}

/// Every history row, oldest first (no parameters: Postgres runs it with `query_typed`, MySQL
/// over the text protocol, one round trip each).
pub fn read_history(d: Dialect) -> String {
    let select = Query::select()
        .columns(names(&HISTORY))
        .from(HISTORY_TABLE)
        .order_by("version", Order::Asc)
        .to_owned();
    match d {
        Dialect::Postgres => select.to_string(PostgresQueryBuilder),
        Dialect::Mysql => select.to_string(MysqlQueryBuilder),
    }
}

/// The values of a history row, by column, in the order of [`HISTORY`].
fn history_values(d: Dialect, row: &HistoryRow) -> [(&'static str, Value); 18] {
    let hashes = serde_json::to_string(&row.statement_hashes).expect("strings serialize");
    [
        ("version", version(d, row.version)),
        ("name", row.name.clone().into()),
        ("phase", row.phase.as_str().into()),
        ("checksum_up", row.checksum_up.clone().into()),
        ("checksum_down", row.checksum_down.clone().into()),
        ("status", row.status.as_str().into()),
        ("statements_applied", row.statements_applied.into()),
        ("statements_total", row.statements_total.into()),
        ("statement_hashes", hashes.into()),
        (
            "down_statements_applied",
            row.down_statements_applied.into(),
        ),
        ("error", row.error.clone().into()),
        ("failed_statement", row.failed_statement.clone().into()),
        ("started_at", row.started_at.into()),
        ("finished_at", row.finished_at.into()),
        ("execution_ms", row.execution_ms.into()),
        ("tool_version", row.tool_version.clone().into()),
        ("host", row.host.clone().into()),
        ("baseline", row.baseline.into()),
    ]
}

/// Inserts or replaces the history row of `row.version`. The SQL is the same for every row, so
/// Postgres prepares it once per run.
pub fn save_history(d: Dialect, row: &HistoryRow) -> (String, Values) {
    let values = history_values(d, row);
    let mut insert = Query::insert();
    insert
        .into_table(HISTORY_TABLE)
        .columns(values.iter().map(|(c, _)| *c))
        .values_panic(values.into_iter().map(|(_, v)| Expr::Value(v)));
    upsert(d, &mut insert, &HISTORY);
    build(d, &insert)
}

pub fn delete_history(d: Dialect, v: Version) -> (String, Values) {
    let delete = Query::delete()
        .from_table(HISTORY_TABLE)
        .and_where(version_is(d, v))
        .to_owned();
    build(d, &delete)
}

/// The progress row of a backfill, columns in the order of [`BACKFILL`].
pub fn read_backfill(d: Dialect, v: Version) -> (String, Values) {
    let select = Query::select()
        .columns(names(&BACKFILL))
        .from(BACKFILL_TABLE)
        .and_where(version_is(d, v))
        .to_owned();
    build(d, &select)
}

/// A fresh progress row (no batch done, ending at `end_key`), replacing any earlier one.
pub fn start_backfill(
    d: Dialect,
    v: Version,
    table: &str,
    key: &str,
    end_key: Option<&str>,
) -> (String, Values) {
    let mut insert = Query::insert();
    insert
        .into_table(BACKFILL_TABLE)
        .columns(names(&BACKFILL))
        .values_panic([
            version(d, v).into(),
            table.into(),
            key.into(),
            Expr::null(),
            end_key.into(),
            lit(0),
            lit(0),
            now(d),
            now(d),
            Expr::null(),
        ]);
    upsert(d, &mut insert, &BACKFILL);
    build(d, &insert)
}

/// Moves the progress row of a backfill to `upto` after a batch of `rows` rows, in the batch's
/// transaction. Postgres pipelines it with the COMMIT, so it cannot look at what it changed:
/// an upsert that recreates the row should it have vanished. MySQL sends it alone: an UPDATE,
/// whose affected rows the caller checks.
pub fn move_backfill(
    d: Dialect,
    v: Version,
    table: &str,
    key: &str,
    upto: &str,
    rows: u64,
) -> (String, Values) {
    match d {
        Dialect::Postgres => {
            let column = |c: &'static str| Expr::col((BACKFILL_TABLE, c));
            let insert = Query::insert()
                .into_table(BACKFILL_TABLE)
                .columns([
                    "version",
                    "table_name",
                    "key_column",
                    "last_key",
                    "rows_done",
                    "batches",
                    "started_at",
                    "updated_at",
                ])
                .values_panic([
                    version(d, v).into(),
                    table.into(),
                    key.into(),
                    upto.into(),
                    (rows as i64).into(),
                    lit(1),
                    now(d),
                    now(d),
                ])
                .on_conflict(
                    OnConflict::column("version")
                        .update_column("last_key")
                        .values([
                            (
                                "rows_done",
                                column("rows_done").add(Expr::col(("excluded", "rows_done"))),
                            ),
                            ("batches", column("batches").add(lit(1))),
                        ])
                        .update_column("updated_at")
                        .to_owned(),
                )
                .to_owned();
            build(d, &insert)
        }
        Dialect::Mysql => {
            let update = Query::update()
                .table(BACKFILL_TABLE)
                .value("last_key", upto)
                .value("rows_done", Expr::col("rows_done").add(rows))
                .value("batches", Expr::col("batches").add(lit(1)))
                .value("updated_at", now(d))
                .and_where(version_is(d, v))
                .to_owned();
            build(d, &update)
        }
    }
}

/// Marks a backfill finished (in the caller's transaction).
pub fn finish_backfill(d: Dialect, v: Version) -> (String, Values) {
    let update = Query::update()
        .table(BACKFILL_TABLE)
        .value("finished_at", now(d))
        .value("updated_at", now(d))
        .and_where(version_is(d, v))
        .to_owned();
    build(d, &update)
}

/// MySQL: records this connection as the holder of the lock `lock_name`.
pub fn record_holder(lock_name: &str, holder: &str) -> (String, Values) {
    let d = Dialect::Mysql;
    let mut insert = Query::insert();
    insert
        .into_table(HOLDER_TABLE)
        .columns(names(&HOLDER))
        .values_panic([
            lock_name.into(),
            Func::cust("CONNECTION_ID").into(),
            holder.into(),
            now(d),
        ]);
    upsert(d, &mut insert, &HOLDER);
    build(d, &insert)
}

/// MySQL: who recorded itself as the holder of `lock_name` on connection `connection_id`.
pub fn read_holder(lock_name: &str, connection_id: u64) -> (String, Values) {
    let select = Query::select()
        .column("holder")
        .from(HOLDER_TABLE)
        .and_where(Expr::col("lock_name").eq(lock_name))
        .and_where(Expr::col("connection_id").eq(connection_id))
        .to_owned();
    build(Dialect::Mysql, &select)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::Phase;
    use crate::runner::history::Status;
    use chrono::{TimeZone, Utc};

    const PG: Dialect = Dialect::Postgres;
    const MY: Dialect = Dialect::Mysql;
    const V: Version = Version(20260101000001);

    fn row() -> HistoryRow {
        HistoryRow {
            version: V,
            name: "add_users".into(),
            phase: Phase::Expand,
            checksum_up: "sha256:aa".into(),
            checksum_down: "sha256:bb".into(),
            status: Status::Partial,
            statements_applied: 1,
            statements_total: 3,
            statement_hashes: vec!["sha256:cc".into()],
            down_statements_applied: 0,
            error: Some("boom".into()),
            failed_statement: None,
            started_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            finished_at: None,
            execution_ms: 12,
            tool_version: "0.1.0".into(),
            host: "h (pid 1)".into(),
            baseline: false,
        }
    }

    #[test]
    fn postgres_tables_keep_their_columns() {
        assert_eq!(
            create_tables(PG),
            [
                "CREATE TABLE IF NOT EXISTS \"migrator_history\" ( \
                 \"version\" bigint NOT NULL PRIMARY KEY, \"name\" text NOT NULL, \
                 \"phase\" text NOT NULL, \"checksum_up\" text NOT NULL, \
                 \"checksum_down\" text NOT NULL, \"status\" text NOT NULL, \
                 \"statements_applied\" integer NOT NULL, \"statements_total\" integer NOT NULL, \
                 \"statement_hashes\" text NOT NULL DEFAULT '[]', \
                 \"down_statements_applied\" integer NOT NULL DEFAULT 0, \"error\" text NULL, \
                 \"failed_statement\" text NULL, \
                 \"started_at\" timestamp with time zone NOT NULL, \
                 \"finished_at\" timestamp with time zone NULL, \
                 \"execution_ms\" bigint NOT NULL DEFAULT 0, \"tool_version\" text NOT NULL, \
                 \"host\" text NOT NULL, \"baseline\" bool NOT NULL DEFAULT FALSE )",
                "CREATE TABLE IF NOT EXISTS \"migrator_backfill\" ( \
                 \"version\" bigint NOT NULL PRIMARY KEY, \"table_name\" text NOT NULL, \
                 \"key_column\" text NOT NULL, \"last_key\" text NULL, \"end_key\" text NULL, \
                 \"rows_done\" bigint NOT NULL DEFAULT 0, \"batches\" bigint NOT NULL DEFAULT 0, \
                 \"started_at\" timestamp with time zone NOT NULL, \
                 \"updated_at\" timestamp with time zone NOT NULL, \
                 \"finished_at\" timestamp with time zone NULL, \
                 \"control\" text NULL, \"state\" text NULL )",
            ]
        );
    }

    #[test]
    fn mysql_tables_keep_their_columns() {
        assert_eq!(
            create_tables(MY),
            [
                "CREATE TABLE IF NOT EXISTS `migrator_history` ( \
                 `version` bigint NOT NULL PRIMARY KEY, `name` varchar(255) NOT NULL, \
                 `phase` varchar(16) NOT NULL, `checksum_up` varchar(80) NOT NULL, \
                 `checksum_down` varchar(80) NOT NULL, `status` varchar(24) NOT NULL, \
                 `statements_applied` int NOT NULL, `statements_total` int NOT NULL, \
                 `statement_hashes` longtext NOT NULL, \
                 `down_statements_applied` int NOT NULL DEFAULT 0, `error` longtext NULL, \
                 `failed_statement` longtext NULL, `started_at` datetime(6) NOT NULL, \
                 `finished_at` datetime(6) NULL, `execution_ms` bigint NOT NULL DEFAULT 0, \
                 `tool_version` varchar(32) NOT NULL, `host` varchar(255) NOT NULL, \
                 `baseline` bool NOT NULL DEFAULT FALSE ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                "CREATE TABLE IF NOT EXISTS `migrator_lock_holder` ( \
                 `lock_name` varchar(64) NOT NULL PRIMARY KEY, \
                 `connection_id` bigint UNSIGNED NOT NULL, `holder` varchar(255) NOT NULL, \
                 `acquired_at` datetime(6) NOT NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                "CREATE TABLE IF NOT EXISTS `migrator_backfill` ( \
                 `version` bigint NOT NULL PRIMARY KEY, `table_name` varchar(255) NOT NULL, \
                 `key_column` varchar(255) NOT NULL, `last_key` text NULL, `end_key` text NULL, \
                 `rows_done` bigint NOT NULL DEFAULT 0, `batches` bigint NOT NULL DEFAULT 0, \
                 `started_at` datetime(6) NOT NULL, `updated_at` datetime(6) NOT NULL, \
                 `finished_at` datetime(6) NULL, `control` varchar(32) NULL, \
                 `state` varchar(255) NULL ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            ]
        );
        // A table made before the control columns gets them added.
        assert_eq!(
            add_backfill_control(MY),
            "ALTER TABLE `migrator_backfill` ADD COLUMN `control` varchar(32) NULL, \
             ADD COLUMN `state` varchar(255) NULL"
        );
        assert_eq!(
            add_backfill_control(PG),
            "ALTER TABLE \"migrator_backfill\" ADD COLUMN \"control\" text NULL, \
             ADD COLUMN \"state\" text NULL"
        );
    }

    const HISTORY_COLUMNS_PG: &str = "\"version\", \"name\", \"phase\", \"checksum_up\", \
        \"checksum_down\", \"status\", \"statements_applied\", \"statements_total\", \
        \"statement_hashes\", \"down_statements_applied\", \"error\", \"failed_statement\", \
        \"started_at\", \"finished_at\", \"execution_ms\", \"tool_version\", \"host\", \"baseline\"";

    #[test]
    fn history_reads_every_column_in_version_order() {
        assert_eq!(
            read_history(PG),
            format!(
                "SELECT {HISTORY_COLUMNS_PG} FROM \"migrator_history\" ORDER BY \"version\" ASC"
            )
        );
        assert_eq!(
            read_history(MY),
            format!(
                "SELECT {} FROM `migrator_history` ORDER BY `version` ASC",
                HISTORY_COLUMNS_PG.replace('"', "`")
            )
        );
    }

    #[test]
    fn history_values_follow_the_table_columns() {
        let values = history_values(PG, &row());
        assert!(values.iter().map(|(c, _)| *c).eq(names(&HISTORY)));
    }

    #[test]
    fn history_rows_are_upserted_with_every_value_bound() {
        let (sql, values) = save_history(PG, &row());
        let params: Vec<String> = (1..=18).map(|i| format!("${i}")).collect();
        let updates: Vec<String> = HISTORY[1..]
            .iter()
            .map(|c| format!("\"{0}\" = \"excluded\".\"{0}\"", c.name))
            .collect();
        assert_eq!(
            sql,
            format!(
                "INSERT INTO \"migrator_history\" ({HISTORY_COLUMNS_PG}) VALUES ({}) \
                 ON CONFLICT (\"version\") DO UPDATE SET {}",
                params.join(", "),
                updates.join(", ")
            )
        );
        assert_eq!(values.0.len(), 18);
        assert_eq!(values.0[0], Value::BigInt(Some(V.0 as i64)));
        assert_eq!(values.0[2], Value::from("expand"));
        assert_eq!(values.0[8], Value::from("[\"sha256:cc\"]"));
        assert_eq!(values.0[11], Value::String(None));
        assert_eq!(values.0[13], Value::ChronoDateTimeUtc(None));
        assert_eq!(values.0[17], Value::Bool(Some(false)));

        let (sql, values) = save_history(MY, &row());
        assert_eq!(
            sql,
            format!(
                "REPLACE INTO `migrator_history` ({}) VALUES ({})",
                HISTORY_COLUMNS_PG.replace('"', "`"),
                ["?"; 18].join(", ")
            )
        );
        assert_eq!(values.0[0], Value::BigUnsigned(Some(V.0)));
    }

    #[test]
    fn history_rows_are_deleted_by_version() {
        let (sql, values) = delete_history(PG, V);
        assert_eq!(
            sql,
            "DELETE FROM \"migrator_history\" WHERE \"version\" = $1"
        );
        assert_eq!(values.0, [Value::BigInt(Some(V.0 as i64))]);
        let (sql, values) = delete_history(MY, V);
        assert_eq!(sql, "DELETE FROM `migrator_history` WHERE `version` = ?");
        assert_eq!(values.0, [Value::BigUnsigned(Some(V.0))]);
    }

    const BACKFILL_COLUMNS_PG: &str = "\"version\", \"table_name\", \"key_column\", \
        \"last_key\", \"end_key\", \"rows_done\", \"batches\", \"started_at\", \"updated_at\", \
        \"finished_at\"";

    #[test]
    fn backfill_progress_is_read_by_version() {
        let (sql, _) = read_backfill(PG, V);
        assert_eq!(
            sql,
            format!(
                "SELECT {BACKFILL_COLUMNS_PG} FROM \"migrator_backfill\" WHERE \"version\" = $1"
            )
        );
        let (sql, _) = read_backfill(MY, V);
        assert_eq!(
            sql,
            format!(
                "SELECT {} FROM `migrator_backfill` WHERE `version` = ?",
                BACKFILL_COLUMNS_PG.replace('"', "`")
            )
        );
    }

    #[test]
    fn backfill_start_replaces_the_progress_row() {
        let (sql, values) = start_backfill(PG, V, "t", "id", Some("9"));
        assert_eq!(
            sql,
            format!(
                "INSERT INTO \"migrator_backfill\" ({BACKFILL_COLUMNS_PG}) \
                 VALUES ($1, $2, $3, NULL, $4, 0, 0, now(), now(), NULL) \
                 ON CONFLICT (\"version\") DO UPDATE SET \"table_name\" = \"excluded\".\"table_name\", \
                 \"key_column\" = \"excluded\".\"key_column\", \"last_key\" = \"excluded\".\"last_key\", \
                 \"end_key\" = \"excluded\".\"end_key\", \"rows_done\" = \"excluded\".\"rows_done\", \
                 \"batches\" = \"excluded\".\"batches\", \"started_at\" = \"excluded\".\"started_at\", \
                 \"updated_at\" = \"excluded\".\"updated_at\", \"finished_at\" = \"excluded\".\"finished_at\""
            )
        );
        assert_eq!(
            values.0,
            [
                Value::BigInt(Some(V.0 as i64)),
                "t".into(),
                "id".into(),
                "9".into()
            ]
        );
        let (sql, values) = start_backfill(MY, V, "t", "id", None);
        assert_eq!(
            sql,
            format!(
                "REPLACE INTO `migrator_backfill` ({}) \
                 VALUES (?, ?, ?, NULL, ?, 0, 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), NULL)",
                BACKFILL_COLUMNS_PG.replace('"', "`")
            )
        );
        assert_eq!(values.0[3], Value::String(None));
    }

    #[test]
    fn backfill_moves_by_upsert_on_postgres_and_by_update_on_mysql() {
        let (sql, values) = move_backfill(PG, V, "t", "id", "42", 1000);
        assert_eq!(
            sql,
            "INSERT INTO \"migrator_backfill\" (\"version\", \"table_name\", \"key_column\", \
             \"last_key\", \"rows_done\", \"batches\", \"started_at\", \"updated_at\") \
             VALUES ($1, $2, $3, $4, $5, 1, now(), now()) ON CONFLICT (\"version\") DO UPDATE SET \
             \"last_key\" = \"excluded\".\"last_key\", \
             \"rows_done\" = \"migrator_backfill\".\"rows_done\" + \"excluded\".\"rows_done\", \
             \"batches\" = \"migrator_backfill\".\"batches\" + 1, \
             \"updated_at\" = \"excluded\".\"updated_at\""
        );
        assert_eq!(
            values.0,
            [
                Value::BigInt(Some(V.0 as i64)),
                "t".into(),
                "id".into(),
                "42".into(),
                Value::BigInt(Some(1000))
            ]
        );
        let (sql, values) = move_backfill(MY, V, "t", "id", "42", 1000);
        assert_eq!(
            sql,
            "UPDATE `migrator_backfill` SET `last_key` = ?, `rows_done` = `rows_done` + ?, \
             `batches` = `batches` + 1, `updated_at` = UTC_TIMESTAMP(6) WHERE `version` = ?"
        );
        assert_eq!(
            values.0,
            [
                "42".into(),
                Value::BigUnsigned(Some(1000)),
                Value::BigUnsigned(Some(V.0))
            ]
        );
    }

    #[test]
    fn backfill_finish_stamps_both_times() {
        let (sql, _) = finish_backfill(PG, V);
        assert_eq!(
            sql,
            "UPDATE \"migrator_backfill\" SET \"finished_at\" = now(), \"updated_at\" = now() \
             WHERE \"version\" = $1"
        );
        let (sql, _) = finish_backfill(MY, V);
        assert_eq!(
            sql,
            "UPDATE `migrator_backfill` SET `finished_at` = UTC_TIMESTAMP(6), \
             `updated_at` = UTC_TIMESTAMP(6) WHERE `version` = ?"
        );
    }

    #[test]
    fn lock_holder_is_recorded_and_read_with_bound_values() {
        let (sql, values) = record_holder("migrator:db", "h (pid 1)");
        assert_eq!(
            sql,
            "REPLACE INTO `migrator_lock_holder` (`lock_name`, `connection_id`, `holder`, \
             `acquired_at`) VALUES (?, CONNECTION_ID(), ?, UTC_TIMESTAMP(6))"
        );
        assert_eq!(values.0, ["migrator:db".into(), "h (pid 1)".into()]);
        let (sql, values) = read_holder("migrator:db", 7);
        assert_eq!(
            sql,
            "SELECT `holder` FROM `migrator_lock_holder` WHERE `lock_name` = ? AND `connection_id` = ?"
        );
        assert_eq!(
            values.0,
            ["migrator:db".into(), Value::BigUnsigned(Some(7))]
        );
    }

    #[test]
    fn identifiers_are_quoted_and_values_never_inlined() {
        let evil = "x'; DROP TABLE t; --";
        let mut r = row();
        r.name = evil.into();
        for d in [PG, MY] {
            let (sql, values) = save_history(d, &r);
            assert!(!sql.contains("DROP"), "{sql}");
            assert!(values.0.contains(&Value::from(evil)));
            let (sql, _) = start_backfill(d, V, evil, evil, Some(evil));
            assert!(!sql.contains("DROP"), "{sql}");
        }
    }
}

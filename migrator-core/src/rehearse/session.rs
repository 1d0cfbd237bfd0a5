//! The rehearsal's connection to its scratch database, and the few SQL facts that differ per
//! dialect (how a table is named, how a value is read as text, how an inserted row's generated
//! key comes back, which of migrator's own objects exist). One implementation per dialect behind
//! [`Session`]; [`connect`] is the only place that picks one.

use crate::connect::{self, pg_error_text};
use crate::{DatabaseUrl, Dialect, Result};
use async_trait::async_trait;

/// Rows of a query, every value as text (`None` for NULL).
pub type Rows = Vec<Vec<Option<String>>>;

/// A connection to the scratch database, as an application would hold one.
#[async_trait]
pub trait Session: Send {
    fn dialect(&self) -> Dialect;

    /// Runs one statement; the number of rows it wrote (matched, for an UPDATE).
    async fn execute(&mut self, sql: &str) -> Result<u64, String>;

    /// Runs a query; every value as text.
    async fn query(&mut self, sql: &str) -> Result<Rows, String>;

    /// Runs `insert` (one row) and returns the values of `generated` (quoted column names of
    /// the table's key that the server filled: identity, serial, auto-increment), as text.
    async fn insert_returning(
        &mut self,
        insert: &str,
        generated: &[String],
    ) -> Result<Vec<Option<String>>, String>;

    /// How SQL names `schema.table` on this connection (a MySQL scratch database is itself the
    /// schema, so the model's schema name is not used).
    fn table(&self, schema: &str, table: &str) -> String;

    /// `expr` converted to text.
    fn as_text(&self, expr: &str) -> String;

    /// An INSERT of one row made of defaults only.
    fn insert_defaults(&self, table: &str) -> String;

    /// A query listing migrator's own objects (`migrator_…`: triggers, their functions,
    /// temporary constraints, shadow columns, index copies), one `kind table.name` or
    /// `kind name` text per row (the runner's bookkeeping tables are filtered out by the
    /// caller). Nothing of this list is in the inspected model, so the
    /// rehearsal compares it on its own: a plan must leave none behind.
    fn own_objects(&self) -> &'static str;

    async fn close(self: Box<Self>);
}

/// How the planner's SQL names `schema.table` on a server of `dialect` (a MySQL scratch
/// database is itself the schema, so the model's schema name is not used).
pub fn table_name(dialect: Dialect, schema: &str, table: &str) -> String {
    match dialect {
        Dialect::Postgres => crate::render::postgres::qualified(schema, table),
        Dialect::Mysql => Dialect::Mysql.ident(table),
    }
}

/// Opens a session on the database `url` names.
pub async fn connect(url: &DatabaseUrl) -> Result<Box<dyn Session>> {
    match url.dialect() {
        Dialect::Postgres => Ok(Box::new(PgSession {
            client: connect::postgres(url, "migrator rehearsal").await?,
        })),
        Dialect::Mysql => Ok(Box::new(MySession {
            conn: connect::mysql(url).await?,
        })),
    }
}

struct PgSession {
    client: tokio_postgres::Client,
}

#[async_trait]
impl Session for PgSession {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, String> {
        let messages = self
            .client
            .simple_query(sql)
            .await
            .map_err(|e| pg_error_text(&e))?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::CommandComplete(n) => Some(*n),
                _ => None,
            })
            .sum())
    }

    async fn query(&mut self, sql: &str) -> Result<Rows, String> {
        let messages = self
            .client
            .simple_query(sql)
            .await
            .map_err(|e| pg_error_text(&e))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    async fn insert_returning(
        &mut self,
        insert: &str,
        generated: &[String],
    ) -> Result<Vec<Option<String>>, String> {
        if generated.is_empty() {
            self.execute(insert).await?;
            return Ok(Vec::new());
        }
        let cols: Vec<String> = generated.iter().map(|c| self.as_text(c)).collect();
        let rows = self
            .query(&format!("{insert} RETURNING {}", cols.join(", ")))
            .await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| "the INSERT returned no row".to_string())
    }

    fn table(&self, schema: &str, table: &str) -> String {
        table_name(Dialect::Postgres, schema, table)
    }

    fn as_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS text)")
    }

    fn insert_defaults(&self, table: &str) -> String {
        format!("INSERT INTO {table} DEFAULT VALUES")
    }

    fn own_objects(&self) -> &'static str {
        r"SELECT 'trigger ' || c.relname || '.' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgname LIKE 'migrator\_%'
UNION ALL SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname LIKE 'migrator\_%' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL SELECT 'constraint ' || c.relname || '.' || k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE k.conname LIKE 'migrator\_%'
UNION ALL SELECT 'column ' || c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attname LIKE 'migrator\_%' AND c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL SELECT 'relation ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE 'migrator\_%' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
ORDER BY 1"
    }

    async fn close(self: Box<Self>) {}
}

struct MySession {
    conn: mysql_async::Conn,
}

/// A MySQL value as text, as the text protocol sends it.
fn mysql_text(value: mysql_async::Value) -> Option<String> {
    use mysql_async::Value;
    Some(match value {
        Value::NULL => return None,
        Value::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Value::Int(v) => v.to_string(),
        Value::UInt(v) => v.to_string(),
        Value::Float(v) => v.to_string(),
        Value::Double(v) => v.to_string(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            let mut text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
            if us > 0 {
                text += &format!(".{us:06}");
            }
            text
        }
        Value::Time(negative, days, h, mi, s, us) => {
            let hours = u64::from(days) * 24 + u64::from(h);
            let mut text = format!(
                "{}{hours:02}:{mi:02}:{s:02}",
                if negative { "-" } else { "" }
            );
            if us > 0 {
                text += &format!(".{us:06}");
            }
            text
        }
    })
}

#[async_trait]
impl Session for MySession {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, String> {
        use mysql_async::prelude::Queryable;
        self.conn.query_drop(sql).await.map_err(|e| e.to_string())?;
        Ok(self.conn.affected_rows())
    }

    async fn query(&mut self, sql: &str) -> Result<Rows, String> {
        use mysql_async::prelude::Queryable;
        let rows: Vec<mysql_async::Row> = self.conn.query(sql).await.map_err(|e| e.to_string())?;
        Ok(rows
            .into_iter()
            .map(|row| row.unwrap().into_iter().map(mysql_text).collect())
            .collect())
    }

    async fn insert_returning(
        &mut self,
        insert: &str,
        generated: &[String],
    ) -> Result<Vec<Option<String>>, String> {
        self.execute(insert).await?;
        if generated.is_empty() {
            return Ok(Vec::new());
        }
        // MySQL has one AUTO_INCREMENT column per table, and tells its last value per session.
        let id = self
            .query("SELECT CAST(LAST_INSERT_ID() AS CHAR)")
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .flatten();
        Ok(generated
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { id.clone() } else { None })
            .collect())
    }

    fn table(&self, schema: &str, table: &str) -> String {
        table_name(Dialect::Mysql, schema, table)
    }

    fn as_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS CHAR)")
    }

    fn insert_defaults(&self, table: &str) -> String {
        format!("INSERT INTO {table} () VALUES ()")
    }

    fn own_objects(&self) -> &'static str {
        r"SELECT CONCAT('trigger ', EVENT_OBJECT_TABLE, '.', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'migrator\_%'
UNION ALL SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME LIKE 'migrator\_%'
UNION ALL SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME LIKE 'migrator\_%' AND SEQ_IN_INDEX = 1
UNION ALL SELECT CONCAT('constraint ', TABLE_NAME, '.', CONSTRAINT_NAME) FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME LIKE 'migrator\_%'
UNION ALL SELECT CONCAT('table ', TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'migrator\_%'
ORDER BY 1"
    }

    async fn close(self: Box<Self>) {
        let _ = self.conn.disconnect().await;
    }
}

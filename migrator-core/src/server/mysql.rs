//! [`Server`] for MySQL and MariaDB.

use super::{scratch_hint, ScriptFailure, Server};
use crate::connect;
use crate::{DatabaseUrl, Dialect, Error, Result};
use async_trait::async_trait;
use mysql_async::prelude::*;

pub struct MysqlServer {
    conn: mysql_async::Conn,
    url: String,
}

impl MysqlServer {
    pub async fn connect(url: &DatabaseUrl) -> Result<MysqlServer> {
        Ok(MysqlServer {
            conn: connect::mysql(url).await?,
            url: url.redacted(),
        })
    }
}

/// A character set or collation name as the server reports it (`[A-Za-z0-9_]`), safe to splice.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `sql` is a `CREATE [OR REPLACE] SEQUENCE` (leading comments aside).
fn declares_sequence(sql: &str) -> bool {
    let words: Vec<String> = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .flat_map(|l| l.split_whitespace())
        .take(4)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    words.first().map(String::as_str) == Some("create")
        && words.iter().skip(1).take(3).any(|w| w == "sequence")
}

#[async_trait]
impl Server for MysqlServer {
    async fn create_database(&mut self, name: &str) -> Result<()> {
        let context = || format!("creating scratch database {name} on {}", self.url);
        // The defaults of the database the URL names (the live one, usually).
        let defaults: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_first("SELECT @@character_set_database, @@collation_database")
            .await
            .map_err(|e| Error::db(context(), e))?;
        let (charset, collation) = match defaults {
            Some((Some(cs), Some(co))) if is_plain_name(&cs) && is_plain_name(&co) => (cs, co),
            _ => ("utf8mb4".to_string(), "utf8mb4_general_ci".to_string()),
        };
        self.conn
            .query_drop(format!(
                "CREATE DATABASE {} CHARACTER SET {charset} COLLATE {collation}",
                Dialect::Mysql.ident(name)
            ))
            .await
            .map_err(|e| Error::db(context(), scratch_hint(&e.to_string())))
    }

    async fn drop_database(&mut self, name: &str) -> Result<()> {
        self.conn
            .query_drop(format!(
                "DROP DATABASE IF EXISTS {}",
                Dialect::Mysql.ident(name)
            ))
            .await
            .map_err(|e| Error::db(format!("dropping scratch database {name}"), e))
    }

    async fn run_script(&mut self, statements: &[&str]) -> Result<(), ScriptFailure> {
        for (index, s) in statements.iter().enumerate() {
            if let Err(e) = self.conn.query_drop(*s).await {
                let mut message = e.to_string();
                if declares_sequence(s)
                    && matches!(&e, mysql_async::Error::Server(se) if se.code == 1064)
                {
                    message.push_str(
                        " (CREATE SEQUENCE is MariaDB's: MySQL has no sequences; use an AUTO_INCREMENT column, or a MariaDB server)",
                    );
                }
                return Err(ScriptFailure { index, message });
            }
        }
        Ok(())
    }

    async fn tenants_like(&mut self, pattern: &str) -> Result<Vec<String>> {
        self.conn
            .exec(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? \
                 AND SCHEMA_NAME NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') \
                 ORDER BY 1",
                (pattern,),
            )
            .await
            .map_err(|e| Error::db(format!("listing the databases of {}", self.url), e))
    }

    async fn tenants_from(&mut self, query: &str) -> Result<Vec<String>> {
        let rows: Vec<mysql_async::Row> = self
            .conn
            .query(query)
            .await
            .map_err(|e| Error::db(format!("running the targets' query on {}", self.url), e))?;
        Ok(rows
            .into_iter()
            .filter_map(|mut r| r.take::<Option<String>, _>(0).flatten())
            .collect())
    }

    async fn close(self: Box<Self>) {
        let _ = self.conn.disconnect().await;
    }
}

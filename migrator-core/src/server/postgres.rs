//! [`Server`] for Postgres.

use super::{scratch_hint, ScriptFailure, Server};
use crate::connect::{self, pg_error_text};
use crate::{DatabaseUrl, Dialect, Error, Result};
use async_trait::async_trait;

pub struct PostgresServer {
    client: tokio_postgres::Client,
    url: String,
}

impl PostgresServer {
    pub async fn connect(url: &DatabaseUrl) -> Result<PostgresServer> {
        Ok(PostgresServer {
            client: connect::postgres(url, "migrator scratch").await?,
            url: url.redacted(),
        })
    }
}

#[async_trait]
impl Server for PostgresServer {
    async fn create_database(&mut self, name: &str) -> Result<()> {
        self.client
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE template0",
                Dialect::Postgres.ident(name)
            ))
            .await
            .map_err(|e| {
                Error::db(
                    format!("creating scratch database {name} on {}", self.url),
                    scratch_hint(&pg_error_text(&e)),
                )
            })
    }

    async fn drop_database(&mut self, name: &str) -> Result<()> {
        self.client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                Dialect::Postgres.ident(name)
            ))
            .await
            .map_err(|e| {
                Error::db(
                    format!("dropping scratch database {name}"),
                    pg_error_text(&e),
                )
            })
    }

    async fn run_script(&mut self, statements: &[&str]) -> Result<(), ScriptFailure> {
        // One round trip for the whole script; on error, statement by statement to find it.
        let batch: String = statements.iter().map(|s| format!("{s};\n")).collect();
        if self
            .client
            .batch_execute(&format!("BEGIN;\n{batch}COMMIT;"))
            .await
            .is_ok()
        {
            return Ok(());
        }
        let _ = self.client.batch_execute("ROLLBACK").await;
        for (index, s) in statements.iter().enumerate() {
            if let Err(e) = self.client.batch_execute(s).await {
                return Err(ScriptFailure {
                    index,
                    message: pg_error_text(&e),
                });
            }
        }
        Ok(())
    }

    async fn tenants_like(&mut self, pattern: &str) -> Result<Vec<String>> {
        let rows = self
            .client
            .query(
                "SELECT nspname::text FROM pg_namespace \
                 WHERE nspname LIKE $1 AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' \
                 ORDER BY 1",
                &[&pattern],
            )
            .await
            .map_err(|e| Error::db(format!("listing the schemas of {}", self.url), pg_error_text(&e)))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn tenants_from(&mut self, query: &str) -> Result<Vec<String>> {
        let rows = self.client.simple_query(query).await.map_err(|e| {
            Error::db(
                format!("running the targets' query on {}", self.url),
                pg_error_text(&e),
            )
        })?;
        Ok(rows
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
            .collect())
    }

    async fn close(self: Box<Self>) {}
}

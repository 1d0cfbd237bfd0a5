//! Render: [`Change`]s → SQL statements for one dialect, behind the [`Renderer`] trait.
//!
//! Every identifier is quoted; literal text (comments, enum values) is escaped as a string
//! literal; expressions (defaults, checks, view bodies) are the server's own deparsed text.

pub mod postgres;

use crate::diff::Change;
use crate::Dialect;
use serde::Serialize;

/// One SQL statement produced for a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SqlStatement {
    pub sql: String,
    /// False when the statement cannot run inside a transaction block (`CONCURRENTLY`,
    /// `ALTER TYPE … ADD VALUE` whose value later statements use).
    pub transactional: bool,
}

impl SqlStatement {
    pub fn new(sql: impl Into<String>) -> Self {
        SqlStatement {
            sql: sql.into(),
            transactional: true,
        }
    }

    pub fn outside_transaction(sql: impl Into<String>) -> Self {
        SqlStatement {
            sql: sql.into(),
            transactional: false,
        }
    }
}

/// Turns changes into SQL for one dialect.
pub trait Renderer: Send + Sync {
    fn dialect(&self) -> Dialect;
    fn render(&self, change: &Change) -> Vec<SqlStatement>;
}

pub fn renderer(dialect: Dialect) -> crate::Result<Box<dyn Renderer>> {
    match dialect {
        Dialect::Postgres => Ok(Box::new(postgres::PostgresRenderer)),
        Dialect::Mysql => Err(crate::Error::Refused(
            "diffing MySQL / MariaDB schemas is not implemented yet".into(),
        )),
    }
}

/// Renders every change.
pub fn render_all(renderer: &dyn Renderer, changes: &[Change]) -> Vec<SqlStatement> {
    changes.iter().flat_map(|c| renderer.render(c)).collect()
}

/// A script runnable with `psql` / `mysql`: one statement per line group, statements that must
/// run outside a transaction marked with a comment.
pub fn script(statements: &[SqlStatement]) -> String {
    let mut out = String::new();
    for s in statements {
        if !s.transactional {
            out.push_str("-- runs outside a transaction block\n");
        }
        out.push_str(&s.sql);
        out.push_str(";\n");
    }
    out
}

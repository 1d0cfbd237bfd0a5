//! Render: [`Change`]s → SQL statements for one dialect, behind the [`Renderer`] trait.
//!
//! Every identifier is quoted; literal text (comments, enum values) is escaped as a string
//! literal; expressions (defaults, checks, view bodies) are the server's own deparsed text.

pub mod mysql;
mod mysql_event;
mod mysql_partition;
mod partition;
mod pg_policy;
mod pg_types;
pub mod postgres;

use crate::diff::Change;
use crate::schema::Database;
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

    /// Refuses, with a message naming it, a change the dialect has no statement for (a MySQL
    /// enum type, a Postgres-only constraint kind…). Such a change renders to nothing: callers
    /// that may meet one check first ([`try_render_all`] does).
    fn check(&self, change: &Change) -> crate::Result<()> {
        let _ = change;
        Ok(())
    }

    fn render(&self, change: &Change) -> Vec<SqlStatement>;
}

pub fn renderer(dialect: Dialect) -> crate::Result<Box<dyn Renderer>> {
    match dialect {
        Dialect::Postgres => Ok(Box::new(postgres::PostgresRenderer)),
        Dialect::Mysql => Ok(Box::new(mysql::MysqlRenderer::new())),
    }
}

/// A renderer for SQL that will run on `db` (the `from` side of a diff): it may choose
/// statements by what the database holds (MySQL: tables with a FULLTEXT index rebuild with a
/// shared lock).
pub fn renderer_for(db: &Database) -> crate::Result<Box<dyn Renderer>> {
    match db.dialect {
        Dialect::Postgres => renderer(Dialect::Postgres),
        Dialect::Mysql => Ok(Box::new(mysql::MysqlRenderer::for_database(db))),
    }
}

/// Renders every change.
pub fn render_all(renderer: &dyn Renderer, changes: &[Change]) -> Vec<SqlStatement> {
    changes.iter().flat_map(|c| renderer.render(c)).collect()
}

/// Renders every change after [`Renderer::check`]ing them all: an error names the first change
/// the dialect cannot express, instead of SQL that would not do it.
pub fn try_render_all(
    renderer: &dyn Renderer,
    changes: &[Change],
) -> crate::Result<Vec<SqlStatement>> {
    for c in changes {
        renderer.check(c)?;
    }
    Ok(render_all(renderer, changes))
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

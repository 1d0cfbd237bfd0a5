//! The SQL dialects migrator speaks, and the facts about them that every stage shares: how an
//! identifier and a string literal are quoted, how unquoted names fold, what the server can do
//! inside a transaction.
//!
//! Every dialect decision of the pipeline is an exhaustive `match` on [`Dialect`] or one of the
//! capability methods below, never an `== Dialect::X` test: a third dialect then fails to compile
//! until each decision is made for it.

use serde::Serialize;
use std::fmt;

/// A database family. MySQL and MariaDB share one dialect; version differences are capability
/// checks inside the MySQL modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Postgres,
    Mysql,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        })
    }
}

impl Dialect {
    /// The character that quotes an identifier: `"` (standard SQL) or `` ` ``.
    pub fn ident_quote(self) -> char {
        match self {
            Dialect::Postgres => '"',
            Dialect::Mysql => '`',
        }
    }

    /// An identifier quoted for this dialect, with embedded quote characters doubled.
    pub fn ident(self, name: &str) -> String {
        let q = self.ident_quote();
        let mut out = String::with_capacity(name.len() + 2);
        out.push(q);
        for c in name.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
        out
    }

    /// How a migration names a table: schema-qualified on Postgres; unqualified on MySQL, where
    /// the schema is the database the migration runs in (a scratch database has another name).
    pub fn table_ref(self, schema: &str, table: &str) -> String {
        match self {
            Dialect::Postgres => format!("{}.{}", self.ident(schema), self.ident(table)),
            Dialect::Mysql => self.ident(table),
        }
    }

    /// A string literal. Postgres (`standard_conforming_strings`) only doubles quotes; MySQL's
    /// default `sql_mode` also treats backslashes as escapes, so they are doubled too.
    pub fn literal(self, text: &str) -> String {
        match self {
            Dialect::Postgres => format!("'{}'", text.replace('\'', "''")),
            Dialect::Mysql => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''")),
        }
    }

    /// A name as the catalog stores it. Quoted names are kept; unquoted ones fold to lower case
    /// on Postgres and are kept as written on MySQL (whose table names follow the file system
    /// and whose column names compare case-insensitively).
    pub fn fold(self, name: &str, quoted: bool) -> String {
        match self {
            Dialect::Postgres if !quoted => name.to_lowercase(),
            Dialect::Postgres | Dialect::Mysql => name.to_string(),
        }
    }

    /// The key under which two spellings of a name compare equal when reading SQL text (the
    /// linter's view): Postgres folds unquoted names and keeps quoted ones; MySQL compares names
    /// case-insensitively whether quoted or not.
    pub fn name_key(self, name: &str, quoted: bool) -> String {
        match self {
            Dialect::Postgres if quoted => name.to_string(),
            Dialect::Postgres | Dialect::Mysql => name.to_lowercase(),
        }
    }

    /// Whether two names (as the catalog stores them) denote the same object.
    pub fn same_name(self, a: &str, b: &str) -> bool {
        match self {
            Dialect::Postgres => a == b,
            Dialect::Mysql => a.eq_ignore_ascii_case(b),
        }
    }

    /// Whether DDL is transactional (Postgres) or commits implicitly (MySQL): decides whether a
    /// migration file can run in one transaction or must record progress per statement.
    pub fn transactional_ddl(self) -> bool {
        match self {
            Dialect::Postgres => true,
            Dialect::Mysql => false,
        }
    }

    /// Whether a database holds schemas (Postgres) or is itself the schema (MySQL): a MySQL
    /// scratch database's model is renamed to the live database's name before a comparison.
    pub fn database_is_schema(self) -> bool {
        match self {
            Dialect::Postgres => false,
            Dialect::Mysql => true,
        }
    }

    /// Whether a check or foreign key can be added `NOT VALID` (enforced for new rows at once,
    /// existing rows validated later without blocking writes).
    pub fn supports_not_valid(self) -> bool {
        match self {
            Dialect::Postgres => true,
            Dialect::Mysql => false,
        }
    }

    /// Whether a URL must name a host: Postgres may omit it (a Unix socket, or `?host=`).
    pub fn url_needs_host(self) -> bool {
        match self {
            Dialect::Postgres => false,
            Dialect::Mysql => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dialect::{self, Mysql, Postgres};

    #[test]
    fn identifiers_are_quoted_with_the_quote_doubled() {
        assert_eq!(Postgres.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Mysql.ident("a`b"), "`a``b`");
        assert_eq!(Postgres.ident("a`b"), "\"a`b\"");
        assert_eq!(Mysql.ident("a\"b"), "`a\"b`");
    }

    #[test]
    fn literals_escape_what_the_server_would_read_as_an_escape() {
        assert_eq!(Postgres.literal("it's \\n"), "'it''s \\n'");
        assert_eq!(Mysql.literal("it's \\n"), "'it''s \\\\n'");
    }

    #[test]
    fn case_folding_follows_each_server() {
        assert_eq!(Postgres.fold("Users", false), "users");
        assert_eq!(Postgres.fold("Users", true), "Users");
        assert_eq!(Mysql.fold("Users", false), "Users");
        assert_eq!(Postgres.name_key("Users", true), "Users");
        assert_eq!(Mysql.name_key("Users", true), "users");
        assert!(Mysql.same_name("Users", "users"));
        assert!(!Postgres.same_name("Users", "users"));
    }

    #[test]
    fn capabilities_are_decided_for_every_dialect() {
        for d in [Dialect::Postgres, Dialect::Mysql] {
            assert_eq!(d.transactional_ddl(), !d.database_is_schema());
        }
    }
}

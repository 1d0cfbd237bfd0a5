//! Which MySQL-family server a plan is for, and what that server can do: the one place where the
//! differences between MariaDB and MySQL proper (and between their versions) are decided. The
//! inspector, the renderer and the planner ask a [`MysqlFlavor`] instead of reading version
//! strings themselves.
//!
//! Each capability below says where it comes from: the manual (MySQL 8.0 / 8.4 / 9.x online DDL
//! tables, MariaDB's `ALTER TABLE` pages) and, for MySQL proper, the 9.7 server on these
//! machines (`tests/mysql_algorithms.rs` runs every rule against the server it is given and
//! checks both that the chosen `ALGORITHM=` is accepted and that the next less disruptive one is
//! refused). Rules for MySQL 8.0 / 8.4 that differ by version follow the manual and are proven
//! only on 9.7 (no 8.x server can be installed here).

use crate::schema::Database;
use std::fmt;

/// MariaDB or MySQL proper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MysqlFamily {
    MariaDb,
    Mysql,
}

/// A MySQL-family server: its family and version, and the capabilities that follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlFlavor {
    pub family: MysqlFamily,
    /// `major * 10000 + minor * 100 + patch` (`8.0.36` → 80036, `10.11.6` → 101106).
    pub version: u32,
    /// The version string as the server gave it (empty when unknown).
    pub text: String,
}

impl Default for MysqlFlavor {
    /// MariaDB 10.11: the server migrator was first built and tested against, and the rules a
    /// renderer without a database to look at (`MysqlRenderer::new`) keeps.
    fn default() -> Self {
        MysqlFlavor {
            family: MysqlFamily::MariaDb,
            version: 101100,
            text: String::new(),
        }
    }
}

impl fmt::Display for MysqlFlavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.family {
            MysqlFamily::MariaDb => "MariaDB",
            MysqlFamily::Mysql => "MySQL",
        };
        if self.text.is_empty() {
            write!(f, "{name}")
        } else {
            write!(f, "{name} {}", self.text)
        }
    }
}

impl MysqlFlavor {
    /// From `SELECT VERSION()`: `10.11.6-MariaDB-0+deb12u1`, `8.0.36`, `9.7.4-2`. An empty
    /// string is the default flavor (MariaDB).
    pub fn parse(version: &str) -> MysqlFlavor {
        if version.trim().is_empty() {
            return MysqlFlavor::default();
        }
        let family = if version.to_ascii_lowercase().contains("mariadb") {
            MysqlFamily::MariaDb
        } else {
            MysqlFamily::Mysql
        };
        let mut nums = version
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<u32>().unwrap_or(0));
        let (a, b, c) = (
            nums.next().unwrap_or(0),
            nums.next().unwrap_or(0),
            nums.next().unwrap_or(0).min(99),
        );
        MysqlFlavor {
            family,
            version: a * 10000 + b.min(99) * 100 + c,
            text: version.to_string(),
        }
    }

    /// The flavor of the server `db` was read from (its inspector records the version).
    pub fn of(db: &Database) -> MysqlFlavor {
        MysqlFlavor::parse(&db.server_version)
    }

    pub fn is_mariadb(&self) -> bool {
        matches!(self.family, MysqlFamily::MariaDb)
    }

    pub fn is_mysql(&self) -> bool {
        matches!(self.family, MysqlFamily::Mysql)
    }

    fn mysql_at_least(&self, version: u32) -> bool {
        self.is_mysql() && self.version >= version
    }

    // -----------------------------------------------------------------------------------------
    // Columns.

    /// `ADD COLUMN … ALGORITHM=INSTANT` at the end of the table (MySQL ≥ 8.0.12).
    pub fn instant_add_column(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => self.version >= 80012,
        }
    }

    /// `ADD COLUMN … FIRST | AFTER c` instantly (MySQL ≥ 8.0.29; before, only the last
    /// position is instant and another one rebuilds the table in place).
    pub fn instant_add_column_anywhere(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => self.version >= 80029,
        }
    }

    /// `ADD COLUMN c datetime NOT NULL` (a date / time type, NOT NULL, no default) instantly.
    /// MySQL has no value to give existing rows under `NO_ZERO_DATE` and refuses INSTANT (9.7:
    /// ERROR 1845); in place it works on an empty table (with rows no algorithm can).
    pub fn instant_add_not_null_temporal_without_default(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// `DROP COLUMN … ALGORITHM=INSTANT` of a column no index uses (MySQL ≥ 8.0.29). MySQL drops
    /// an indexed column in place (the index goes with it), never instantly (9.7: ERROR 1845).
    pub fn instant_drop_column(&self, indexed: bool) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => self.version >= 80029 && !indexed,
        }
    }

    /// `RENAME COLUMN` instantly (MySQL ≥ 8.0.28; before, in place without a rebuild).
    pub fn instant_rename_column(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => self.version >= 80028,
        }
    }

    /// Whether the type of a column a `CHECK` constraint uses can change instantly (an appended
    /// ENUM / SET value). MySQL 9.7 refuses INSTANT and INPLACE (ERROR 1845 "Try
    /// ALGORITHM=COPY"; a new comment on such a column stays instant); MariaDB 10.11 does it
    /// instantly.
    pub fn instant_type_change_of_column_used_by_check(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Whether a column a `CHECK` constraint uses can be renamed. MySQL refuses (ERROR 3959
    /// "Check constraint … uses column …, hence column cannot be dropped or renamed") with any
    /// algorithm; MariaDB renames the column inside the check.
    pub fn rename_column_used_by_check(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Renaming any column of a table with a `CHECK` that reads an `ENUM` or `SET` column,
    /// without copying the table. MySQL 9.7 refuses INSTANT and INPLACE for it (ERROR 1845,
    /// even for a column the check does not read; verified on 9.7 only); MariaDB renames it
    /// instantly.
    pub fn online_rename_beside_enum_check(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Growing a `VARCHAR` within its length-byte class instantly. MySQL does it in place
    /// without a rebuild (`INPLACE, LOCK=NONE`; 9.7 refuses INSTANT with ERROR 1845).
    pub fn instant_varchar_growth(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// A collation change within the character set of a column that an index uses, in place.
    /// MySQL rebuilds the index by copying the table ("Cannot change column type INPLACE").
    pub fn inplace_indexed_collation_change(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// A changed expression of a `VIRTUAL` generated column in place. MySQL copies the table
    /// (9.7: ERROR 1845 for INSTANT and INPLACE).
    pub fn inplace_virtual_expression_change(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Making a column visible / invisible instantly with `MODIFY` (MySQL ≥ 8.0.23 has
    /// invisible columns and changes them as metadata); MariaDB needs a copy.
    pub fn instant_column_visibility(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => false,
            MysqlFamily::Mysql => self.version >= 80023,
        }
    }

    /// Dropping `AUTO_INCREMENT` from a column instantly (MariaDB); MySQL copies the table
    /// (9.7: "Need to rebuild the table to change column type", then "Cannot change column type
    /// INPLACE").
    pub fn instant_drop_auto_increment(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// `ALTER COLUMN … SET DEFAULT current_timestamp` with a bare function. MySQL's `SET
    /// DEFAULT` takes a literal or a parenthesized expression only, and `(current_timestamp)`
    /// reads back as `now()`: the full `MODIFY COLUMN` (instant for a default change) is used.
    pub fn set_default_takes_bare_function(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// The keyword that hides an index from the optimizer: MariaDB's `IGNORED`, MySQL's
    /// `INVISIBLE`.
    pub fn ignored_index_keyword(&self) -> &'static str {
        match self.family {
            MysqlFamily::MariaDb => "IGNORED",
            MysqlFamily::Mysql => "INVISIBLE",
        }
    }

    /// Whether `ADD COLUMN` with a default that calls a non-deterministic function (`uuid()`,
    /// `rand()`, `sysdate()`, …) can run. MySQL refuses it with ERROR 1674 ("Statement is
    /// unsafe because it uses a system function that may return a different value on the
    /// replica") whatever `log_bin` and `binlog_format` say, even on an empty table: DDL is
    /// always written to the binary log as a statement, and the existing rows would get values
    /// a replica cannot reproduce. Setting the same default on an existing column is allowed.
    pub fn add_column_with_volatile_default(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Whether `default` (as the catalog reads it) calls a function MySQL calls unsafe for
    /// statement-based replication (see [`Self::add_column_with_volatile_default`]).
    pub fn volatile_default(&self, default: &str) -> bool {
        let d = default.to_ascii_lowercase();
        [
            "uuid(",
            "uuid_short(",
            "rand(",
            "random_bytes(",
            "sysdate(",
            "user(",
            "current_user",
            "session_user(",
            "system_user(",
        ]
        .iter()
        .any(|f| d.contains(f))
    }

    // -----------------------------------------------------------------------------------------
    // Tables.

    /// Adding or dropping a column, or anything else that rebuilds a table with a `FULLTEXT`
    /// index: MariaDB in place with a shared lock; MySQL only by copying (9.7: "InnoDB
    /// presently supports one FULLTEXT index creation at a time" for INSTANT and INPLACE).
    pub fn inplace_fulltext_rebuild(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Table `DEFAULT CHARSET` / `COLLATE` and `COMMENT` instantly. MySQL changes them in place
    /// (metadata only, `INPLACE, LOCK=NONE`); INSTANT is refused (ERROR 1845).
    pub fn instant_table_options(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// `ALGORITHM=` / `LOCK=` before a partition operation (`ADD`, `DROP`, `REORGANIZE`,
    /// `COALESCE PARTITION`, `PARTITION BY`). MySQL takes them; MariaDB 10.11 refuses them with a
    /// syntax error (its ER_ALTER_OPERATION_NOT_SUPPORTED_REASON_PARTITION: partition
    /// operations do not support LOCK/ALGORITHM).
    pub fn partition_operations_take_locks(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => false,
            MysqlFamily::Mysql => true,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Indexes and constraints.

    /// `RENAME INDEX` instantly. MySQL renames in place (metadata only); INSTANT is refused.
    pub fn instant_rename_index(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Dropping a foreign key instantly. MySQL drops it in place (metadata only); INSTANT is
    /// refused (ERROR 1845).
    pub fn instant_drop_foreign_key(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// How a foreign key is added to a table with rows without validating them (in place,
    /// writes continue): MariaDB's one-statement `SET STATEMENT foreign_key_checks=0 FOR …`,
    /// or on MySQL (which has no `SET STATEMENT`) the session variable around the statement.
    pub fn unchecked_foreign_key(&self) -> UncheckedForeignKey {
        match self.family {
            MysqlFamily::MariaDb => UncheckedForeignKey::SetStatement,
            MysqlFamily::Mysql => UncheckedForeignKey::SessionVariable,
        }
    }

    /// A CHECK added without checking the rows already there: MariaDB's
    /// `check_constraint_checks=0` (then only a table copy); MySQL checks every row, always.
    pub fn unchecked_check_prefix(&self) -> Option<&'static str> {
        match self.family {
            MysqlFamily::MariaDb => Some("SET STATEMENT check_constraint_checks=0 FOR "),
            MysqlFamily::Mysql => None,
        }
    }

    /// `CREATE OR REPLACE TRIGGER` (and `… PROCEDURE` / `… FUNCTION`): MariaDB only; on MySQL
    /// a changed trigger or routine is dropped and created, missing for an instant.
    pub fn create_or_replace_trigger(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// Anonymous compound statements (`BEGIN NOT ATOMIC … END`) outside stored programs:
    /// MariaDB only; MySQL needs a stored procedure.
    pub fn anonymous_blocks(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => false,
        }
    }

    /// MySQL 8.4's `restrict_fk_on_non_standard_key` (ON by default): a foreign key must
    /// reference a primary key or a whole unique key of NOT NULL-or-not columns, not any
    /// indexed prefix. Whether the server may run with it depends on the variable; the planner
    /// refuses such keys up front on MySQL ≥ 8.4 (the declared schema would not load anyway).
    pub fn fk_needs_unique_parent_key(&self) -> bool {
        self.mysql_at_least(80400)
    }

    /// The referential action the catalog reports for a key declared without one (and for
    /// `ON … RESTRICT`, which InnoDB treats the same): MySQL reads `NO ACTION`, MariaDB
    /// `RESTRICT`. The inspector maps both to `RESTRICT` so one declared schema gives one model.
    pub fn default_fk_rule(&self) -> &'static str {
        match self.family {
            MysqlFamily::MariaDb => "RESTRICT",
            MysqlFamily::Mysql => "NO ACTION",
        }
    }

    // -----------------------------------------------------------------------------------------
    // Catalog.

    /// `information_schema.STATISTICS.IGNORED` (MariaDB ≥ 10.6).
    pub fn ignored_indexes(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => self.version >= 100600,
            MysqlFamily::Mysql => false,
        }
    }

    /// `STATISTICS.IS_VISIBLE` and `EXPRESSION` (invisible and functional indexes, MySQL ≥
    /// 8.0.13).
    pub fn invisible_and_functional_indexes(&self) -> bool {
        self.mysql_at_least(80013)
    }

    /// `information_schema.CHECK_CONSTRAINTS` (MariaDB ≥ 10.2, MySQL ≥ 8.0.16).
    pub fn check_constraints(&self) -> bool {
        match self.family {
            MysqlFamily::MariaDb => true,
            MysqlFamily::Mysql => self.version >= 80016,
        }
    }

    /// Whether `COLUMN_DEFAULT` quotes string literals (MariaDB ≥ 10.2.7) or prints them bare
    /// and flags expressions `DEFAULT_GENERATED` in `EXTRA` (MySQL 8).
    pub fn quoted_column_defaults(&self) -> bool {
        self.is_mariadb()
    }

    /// Literal defaults on `TEXT` / `BLOB` / `JSON` / geometry columns. MySQL only takes an
    /// expression default there (`DEFAULT ('x')`, ≥ 8.0.13).
    pub fn literal_default_on_blob(&self) -> bool {
        self.is_mariadb()
    }
}

/// How a foreign key is added without checking existing rows (see
/// [`MysqlFlavor::unchecked_foreign_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UncheckedForeignKey {
    /// `SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE …` (MariaDB).
    SetStatement,
    /// `SET SESSION foreign_key_checks = 0`, the `ALTER TABLE`, `SET SESSION
    /// foreign_key_checks = 1` (MySQL); the runner restores the session after a file, so a
    /// failing `ALTER` cannot leave checks off.
    SessionVariable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_parsed() {
        let m = MysqlFlavor::parse("10.11.6-MariaDB-0+deb12u1");
        assert!(m.is_mariadb());
        assert_eq!(m.version, 101106);
        let y = MysqlFlavor::parse("8.0.36");
        assert!(y.is_mysql());
        assert_eq!(y.version, 80036);
        let z = MysqlFlavor::parse("9.7.4-2");
        assert!(z.is_mysql());
        assert_eq!(z.version, 90704);
        assert_eq!(MysqlFlavor::parse(""), MysqlFlavor::default());
        assert!(MysqlFlavor::default().is_mariadb());
    }

    #[test]
    fn capabilities_follow_the_version() {
        let old = MysqlFlavor::parse("8.0.27");
        let new = MysqlFlavor::parse("8.0.29");
        assert!(!old.instant_drop_column(false) && new.instant_drop_column(false));
        assert!(!new.instant_drop_column(true));
        assert!(!old.instant_rename_column());
        assert!(!old.instant_add_column_anywhere() && new.instant_add_column_anywhere());
        assert!(!new.fk_needs_unique_parent_key());
        assert!(MysqlFlavor::parse("8.4.0").fk_needs_unique_parent_key());
        assert!(!MysqlFlavor::parse("11.4.2-MariaDB").fk_needs_unique_parent_key());
    }

    #[test]
    fn volatile_defaults() {
        let f = MysqlFlavor::parse("9.7.4");
        assert!(f.volatile_default("(uuid())"));
        assert!(f.volatile_default("uuid_to_bin(uuid())"));
        assert!(f.volatile_default("(rand() * 10)"));
        assert!(!f.volatile_default("(now() + interval 1 day)"));
        assert!(!f.volatile_default("curdate()"));
    }
}

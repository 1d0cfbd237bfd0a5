//! Kinds of declared objects migrator does not model, and the user's opt-out for them
//! (`[schema] ignore = ["grants", …]` in `migrator.toml`).
//!
//! Two sources find them in a declared schema: the scratch database's inventory (aggregates,
//! rules, foreign tables, base types, MariaDB system-versioned tables: see
//! `unmanaged`), and the leading words of a statement for what leaves no trace migrator reads
//! (grants, roles, publications…): a statement's kind is fixed by its first words, so that is
//! not a guess. Without an opt-out each is refused at its file and line; with one, statements of
//! the kind are not loaded at all (a `GRANT` to a role the dev server lacks would fail to load)
//! and inventoried objects are passed over, and the command says so once.

use super::{DeclaredSchema, SchemaFile};
use crate::migrations::Statement;
use crate::schema::UnmanagedKind;
use crate::{Error, Result};

/// A kind of object migrator does not model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unmodelled {
    Grants,
    Roles,
    Publications,
    Subscriptions,
    EventTriggers,
    Casts,
    Operators,
    Statistics,
    TextSearch,
    ForeignServers,
    SecurityLabels,
    Collations,
    Languages,
    Tablespaces,
    Conversions,
    Transforms,
    AccessMethods,
    Plugins,
    Aggregates,
    Rules,
    ForeignTables,
    BaseTypes,
    SystemVersionedTables,
}

impl Unmodelled {
    pub const ALL: [Unmodelled; 23] = [
        Unmodelled::Grants,
        Unmodelled::Roles,
        Unmodelled::Publications,
        Unmodelled::Subscriptions,
        Unmodelled::EventTriggers,
        Unmodelled::Casts,
        Unmodelled::Operators,
        Unmodelled::Statistics,
        Unmodelled::TextSearch,
        Unmodelled::ForeignServers,
        Unmodelled::SecurityLabels,
        Unmodelled::Collations,
        Unmodelled::Languages,
        Unmodelled::Tablespaces,
        Unmodelled::Conversions,
        Unmodelled::Transforms,
        Unmodelled::AccessMethods,
        Unmodelled::Plugins,
        Unmodelled::Aggregates,
        Unmodelled::Rules,
        Unmodelled::ForeignTables,
        Unmodelled::BaseTypes,
        Unmodelled::SystemVersionedTables,
    ];

    /// The name `[schema] ignore` takes.
    pub fn name(self) -> &'static str {
        match self {
            Unmodelled::Grants => "grants",
            Unmodelled::Roles => "roles",
            Unmodelled::Publications => "publications",
            Unmodelled::Subscriptions => "subscriptions",
            Unmodelled::EventTriggers => "event-triggers",
            Unmodelled::Casts => "casts",
            Unmodelled::Operators => "operators",
            Unmodelled::Statistics => "statistics",
            Unmodelled::TextSearch => "text-search",
            Unmodelled::ForeignServers => "foreign-servers",
            Unmodelled::SecurityLabels => "security-labels",
            Unmodelled::Collations => "collations",
            Unmodelled::Languages => "languages",
            Unmodelled::Tablespaces => "tablespaces",
            Unmodelled::Conversions => "conversions",
            Unmodelled::Transforms => "transforms",
            Unmodelled::AccessMethods => "access-methods",
            Unmodelled::Plugins => "plugins",
            Unmodelled::Aggregates => "aggregates",
            Unmodelled::Rules => "rules",
            Unmodelled::ForeignTables => "foreign-tables",
            Unmodelled::BaseTypes => "base-types",
            Unmodelled::SystemVersionedTables => "system-versioned-tables",
        }
    }

    /// The kind an inventoried object belongs to (its triggers and policies go with a foreign
    /// table).
    pub fn of(kind: UnmanagedKind) -> Unmodelled {
        match kind {
            UnmanagedKind::Aggregate => Unmodelled::Aggregates,
            UnmanagedKind::Rule => Unmodelled::Rules,
            UnmanagedKind::Type => Unmodelled::BaseTypes,
            UnmanagedKind::ForeignTable | UnmanagedKind::Trigger | UnmanagedKind::Policy => {
                Unmodelled::ForeignTables
            }
            UnmanagedKind::Other => Unmodelled::SystemVersionedTables,
        }
    }
}

/// Statement beginnings (upper case, single spaces) by kind. Longer beginnings first where one
/// extends another (`CREATE USER MAPPING` before `CREATE USER`, `CREATE EVENT TRIGGER` is not a
/// MySQL `CREATE EVENT`, which is modelled).
const BEGINNINGS: &[(&str, Unmodelled)] = &[
    ("GRANT ", Unmodelled::Grants),
    ("REVOKE ", Unmodelled::Grants),
    ("ALTER DEFAULT PRIVILEGES", Unmodelled::Grants),
    ("CREATE USER MAPPING", Unmodelled::ForeignServers),
    ("CREATE ROLE", Unmodelled::Roles),
    ("ALTER ROLE", Unmodelled::Roles),
    ("CREATE USER", Unmodelled::Roles),
    ("ALTER USER", Unmodelled::Roles),
    ("CREATE GROUP", Unmodelled::Roles),
    ("CREATE OR REPLACE USER", Unmodelled::Roles),
    ("CREATE OR REPLACE ROLE", Unmodelled::Roles),
    ("CREATE OR REPLACE SERVER", Unmodelled::ForeignServers),
    ("CREATE PUBLICATION", Unmodelled::Publications),
    ("ALTER PUBLICATION", Unmodelled::Publications),
    ("CREATE SUBSCRIPTION", Unmodelled::Subscriptions),
    ("CREATE EVENT TRIGGER", Unmodelled::EventTriggers),
    ("CREATE CAST", Unmodelled::Casts),
    ("CREATE OPERATOR", Unmodelled::Operators),
    ("CREATE STATISTICS", Unmodelled::Statistics),
    ("CREATE TEXT SEARCH", Unmodelled::TextSearch),
    ("CREATE SERVER", Unmodelled::ForeignServers),
    ("CREATE FOREIGN DATA WRAPPER", Unmodelled::ForeignServers),
    ("IMPORT FOREIGN SCHEMA", Unmodelled::ForeignServers),
    ("SECURITY LABEL", Unmodelled::SecurityLabels),
    ("CREATE COLLATION", Unmodelled::Collations),
    ("CREATE LANGUAGE", Unmodelled::Languages),
    ("CREATE OR REPLACE LANGUAGE", Unmodelled::Languages),
    ("CREATE TRUSTED LANGUAGE", Unmodelled::Languages),
    ("CREATE OR REPLACE TRUSTED LANGUAGE", Unmodelled::Languages),
    ("CREATE TABLESPACE", Unmodelled::Tablespaces),
    ("CREATE UNDO TABLESPACE", Unmodelled::Tablespaces),
    ("CREATE CONVERSION", Unmodelled::Conversions),
    ("CREATE DEFAULT CONVERSION", Unmodelled::Conversions),
    ("CREATE TRANSFORM", Unmodelled::Transforms),
    ("CREATE OR REPLACE TRANSFORM", Unmodelled::Transforms),
    ("CREATE ACCESS METHOD", Unmodelled::AccessMethods),
    ("INSTALL PLUGIN", Unmodelled::Plugins),
    ("INSTALL SONAME", Unmodelled::Plugins),
    ("INSTALL COMPONENT", Unmodelled::Plugins),
];

/// What a statement leaves no trace of in the catalog migrator reads, by its first words.
pub fn classify(sql: &str) -> Option<Unmodelled> {
    let head = leading_words(sql, 6);
    // Whole words only: `CREATE ROLE` is not `CREATE ROLES_TABLE`.
    BEGINNINGS
        .iter()
        .find(|(b, _)| {
            head.starts_with(b) && (b.ends_with(' ') || head[b.len()..].starts_with(' '))
        })
        .map(|&(_, k)| k)
}

/// The beginning of a statement that acts on another database of the server than the one it runs
/// in (`CREATE DATABASE`, MySQL's `USE`, …), as written in upper case; `None` for any other.
/// A declared schema is loaded into a scratch database: such a statement would create, change
/// or drop a real database of the server, or load what follows it there.
pub(super) fn other_database(sql: &str, dialect: crate::Dialect) -> Option<String> {
    let head = leading_words(sql, 4);
    let mut kinds = vec!["DATABASE"];
    if dialect.database_is_schema() {
        kinds.push("SCHEMA");
        if head.starts_with("USE ") {
            return Some("USE".into());
        }
    }
    ["CREATE", "CREATE OR REPLACE", "ALTER", "DROP"]
        .iter()
        .flat_map(|verb| kinds.iter().map(move |kind| format!("{verb} {kind}")))
        .find(|b| head.starts_with(&format!("{b} ")))
}

/// The first `n` words of `sql` in upper case, single-spaced, past comments.
fn leading_words(sql: &str, n: usize) -> String {
    let mut rest = sql.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    let mut words: Vec<String> = Vec::with_capacity(n);
    for w in rest.split_whitespace().take(n) {
        words.push(w.to_uppercase());
    }
    let mut head = words.join(" ");
    head.push(' ');
    head
}

/// The kinds the user opted out of: a set over [`Unmodelled`], `Copy` so it travels in options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ignore(u32);

impl Ignore {
    /// Nothing ignored: every unmodelled object is refused.
    pub const NONE: Ignore = Ignore(0);

    pub fn contains(self, kind: Unmodelled) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    pub fn with(self, kind: Unmodelled) -> Ignore {
        Ignore(self.0 | Self::bit(kind))
    }

    fn bit(kind: Unmodelled) -> u32 {
        let i = Unmodelled::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        1 << i
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn names(self) -> Vec<&'static str> {
        Unmodelled::ALL
            .iter()
            .filter(|k| self.contains(**k))
            .map(|k| k.name())
            .collect()
    }

    /// Parses `[schema] ignore` of `file`: each entry must name a kind.
    pub fn parse(file: &str, names: &[String]) -> Result<Ignore> {
        let mut set = Ignore::default();
        for name in names {
            let key = name.trim().to_lowercase().replace('_', "-");
            if key == "partitioned-tables" {
                // Refused until partitioning was modelled on MySQL; a leftover entry would
                // otherwise hide a declared partitioning from the diff.
                return Err(Error::Config {
                    file: file.to_string(),
                    message: "[schema] ignore: \"partitioned-tables\": partitioned tables are managed on every server now (planned, rehearsed and compared by drift); remove the entry".into(),
                });
            }
            let Some(kind) = Unmodelled::ALL.iter().find(|k| k.name() == key) else {
                let known: Vec<&str> = Unmodelled::ALL.iter().map(|k| k.name()).collect();
                return Err(Error::Config {
                    file: file.to_string(),
                    message: format!(
                        "[schema] ignore: \"{name}\" is not a kind migrator can pass over; use any of: {}",
                        known.join(", ")
                    ),
                });
            };
            set = set.with(*kind);
        }
        Ok(set)
    }
}

/// Takes the statements of ignored kinds out of `declared` (so they are not loaded) and refuses
/// the first statement of a kind that is not ignored, at its file and line.
pub(super) fn set_aside(declared: &mut DeclaredSchema, ignore: Ignore) -> Result<()> {
    let found: Vec<(&SchemaFile, &Statement, Unmodelled)> = declared
        .files
        .iter()
        .flat_map(|f| f.statements.iter().map(move |s| (f, s)))
        .filter_map(|(f, s)| classify(&s.sql).map(|k| (f, s, k)))
        .collect();
    let refused: Vec<&(&SchemaFile, &Statement, Unmodelled)> = found
        .iter()
        .filter(|(_, _, k)| !ignore.contains(*k))
        .collect();
    if let Some(&&(f, s, kind)) = refused.first() {
        let others: Vec<String> = refused[1..]
            .iter()
            .map(|(f, s, k)| format!("{} ({}:{})", k.name(), f.name, s.line))
            .collect();
        let more = match others.len() {
            0 => String::new(),
            n => format!("; {n} more: {}", others.join(", ")),
        };
        return Err(Error::Syntax {
            file: f.name.clone(),
            line: s.line,
            message: format!(
                "declares {} (a `{}` statement), which migrator does not manage: plan, diff and drift would ignore it. Create it in a hand-written migration (`migrator new`) or outside migrator, or pass over every statement of the kind with `ignore = [\"{}\"]` under `[schema]` in migrator.toml{more}",
                kind.name(),
                leading_words(&s.sql, 2).trim_end(),
                kind.name()
            ),
        });
    }
    if !found.is_empty() {
        let mut counts: Vec<(Unmodelled, usize)> = Vec::new();
        for (_, _, k) in &found {
            match counts.iter_mut().find(|(c, _)| c == k) {
                Some((_, n)) => *n += 1,
                None => counts.push((*k, 1)),
            }
        }
        let what: Vec<String> = counts
            .iter()
            .map(|(k, n)| format!("{} {}", n, k.name()))
            .collect();
        tracing::warn!(
            "the declared schema's statements of kinds ignored by [schema] ignore are not loaded and not compared: {}",
            what.join(", ")
        );
        for f in &mut declared.files {
            f.statements.retain(|s| classify(&s.sql).is_none());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_classified_by_their_first_words() {
        let cases = [
            ("GRANT SELECT ON t TO app", Some(Unmodelled::Grants)),
            (
                "  -- who reads\n revoke all on t from public",
                Some(Unmodelled::Grants),
            ),
            (
                "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r",
                Some(Unmodelled::Grants),
            ),
            (
                "CREATE USER MAPPING FOR app SERVER s",
                Some(Unmodelled::ForeignServers),
            ),
            (
                "CREATE USER 'app'@'%' IDENTIFIED BY 'x'",
                Some(Unmodelled::Roles),
            ),
            ("create role app login", Some(Unmodelled::Roles)),
            (
                "CREATE PUBLICATION p FOR ALL TABLES",
                Some(Unmodelled::Publications),
            ),
            (
                "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
                Some(Unmodelled::EventTriggers),
            ),
            (
                "/* x */ CREATE STATISTICS s ON a, b FROM t",
                Some(Unmodelled::Statistics),
            ),
            (
                "CREATE OPERATOR === (leftarg = int, rightarg = int, function = f)",
                Some(Unmodelled::Operators),
            ),
            (
                "CREATE OR REPLACE TRUSTED LANGUAGE x",
                Some(Unmodelled::Languages),
            ),
            ("INSTALL SONAME 'ha_connect'", Some(Unmodelled::Plugins)),
            // Modelled, or not a declaration of an unmodelled object.
            (
                "CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM t",
                None,
            ),
            ("CREATE TABLE grants (id int)", None),
            ("CREATE TABLE t (id int) -- GRANT", None),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'",
                None,
            ),
            ("COMMENT ON TABLE t IS 'GRANT SELECT'", None),
            ("CREATE USERS_TABLE", None),
        ];
        for (sql, want) in cases {
            assert_eq!(classify(sql), want, "{sql}");
        }
    }

    #[test]
    fn ignore_parses_names_and_refuses_unknown_ones() {
        let set = Ignore::parse(
            "migrator.toml",
            &["grants".into(), "Event_Triggers".into(), "rules".into()],
        )
        .unwrap();
        assert!(set.contains(Unmodelled::Grants));
        assert!(set.contains(Unmodelled::EventTriggers));
        assert!(set.contains(Unmodelled::Rules));
        assert!(!set.contains(Unmodelled::Roles));
        assert_eq!(set.names(), ["grants", "event-triggers", "rules"]);
        let e = Ignore::parse("migrator.toml", &["grant".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("migrator.toml"), "{e}");
        assert!(e.contains("\"grant\" is not a kind"), "{e}");
        assert!(e.contains("grants, roles"), "{e}");
    }

    #[test]
    fn every_kind_has_its_own_bit_and_name() {
        let mut names = std::collections::BTreeSet::new();
        for k in Unmodelled::ALL {
            assert!(names.insert(k.name()), "{}", k.name());
            let only = Ignore::default().with(k);
            assert_eq!(only.names(), [k.name()]);
        }
    }
}

//! The application probes: what the old and the new application version write while a plan is
//! half done, and whether each sees what the other wrote.
//!
//! - the **old-application probe** knows only the old shape ([`Shapes::from`]): old table and
//!   column names, none of the new columns. It INSERTs a row into each table the plan touches,
//!   then UPDATEs it (every column it may write but the keys and foreign keys);
//! - the **new-application probe** knows only the new shape ([`Shapes::to`]): new names, new
//!   columns, none of the columns the new version no longer has. Until contract, a column whose
//!   type the plan changes still has its old type under its name, so the new application writes
//!   values of the old type into it (its shadow column takes the new type at contract).
//!
//! Each row is read back through the shape that wrote it and, while both exist, through the
//! other one: columns that keep their type must read the same (a renamed column through its
//! sync trigger, a renamed table through its compatibility view).
//!
//! Rows are made by [`RowGen`] with indexes no sample row uses, so keys never clash; a row the
//! server refuses is retried once check-friendly, like sample rows.

use super::sample::{Mode, RowGen};
use super::session::Session;
use crate::diff::Change;
use crate::schema::Database;
use std::collections::{BTreeMap, BTreeSet};

/// The old and the new shape of the schema, and how names map between them.
pub(crate) struct Shapes<'a> {
    pub from: &'a Database,
    pub to: &'a Database,
    /// `(schema, old table)` → new table.
    tables: BTreeMap<(String, String), String>,
    /// `(schema, new table, old column)` → new column.
    columns: BTreeMap<(String, String, String), String>,
}

impl<'a> Shapes<'a> {
    pub fn new(from: &'a Database, to: &'a Database, changes: &[Change]) -> Shapes<'a> {
        let mut tables = BTreeMap::new();
        let mut columns = BTreeMap::new();
        for c in changes {
            match c {
                Change::RenameTable { schema, from, to } => {
                    tables.insert((schema.clone(), from.clone()), to.clone());
                }
                Change::RenameColumn {
                    schema,
                    table,
                    from,
                    to,
                } => {
                    columns.insert((schema.clone(), table.clone(), from.clone()), to.clone());
                }
                _ => {}
            }
        }
        Shapes {
            from,
            to,
            tables,
            columns,
        }
    }

    /// The new name of old table `old`, when the new shape has it.
    pub fn new_table(&self, schema: &str, old: &str) -> Option<String> {
        self.from.table(schema, old)?;
        let new = self
            .tables
            .get(&(schema.to_string(), old.to_string()))
            .cloned()
            .unwrap_or_else(|| old.to_string());
        self.to.table(schema, &new).map(|_| new)
    }

    /// The old name of new table `new`, when the old shape has it.
    pub fn old_table(&self, schema: &str, new: &str) -> Option<String> {
        self.to.table(schema, new)?;
        let old = self
            .tables
            .iter()
            .find(|((s, _), n)| s == schema && n.as_str() == new)
            .map(|((_, o), _)| o.clone())
            .unwrap_or_else(|| new.to_string());
        let renamed_away =
            self.tables.contains_key(&(schema.to_string(), old.clone())) && old == new;
        if renamed_away {
            return None;
        }
        self.from.table(schema, &old).map(|_| old)
    }

    /// The new name of column `old` of old table `table`, when the new shape has it.
    pub fn new_column(&self, schema: &str, table: &str, old: &str) -> Option<String> {
        let new_table = self.new_table(schema, table)?;
        let new = self
            .columns
            .get(&(schema.to_string(), new_table.clone(), old.to_string()))
            .cloned()
            .unwrap_or_else(|| old.to_string());
        let renamed_away = new == old
            && self
                .columns
                .keys()
                .any(|(s, t, o)| s == schema && *t == new_table && o == old);
        if renamed_away {
            return None;
        }
        self.to.table(schema, &new_table)?.column(&new).map(|_| new)
    }

    /// The old name of column `new` of new table `table`, when the old shape has it.
    pub fn old_column(&self, schema: &str, table: &str, new: &str) -> Option<String> {
        let old_table = self.old_table(schema, table)?;
        let old = self
            .columns
            .iter()
            .find(|((s, t, _), n)| s == schema && t == table && n.as_str() == new)
            .map(|((_, _, o), _)| o.clone())
            .unwrap_or_else(|| new.to_string());
        let t = self.from.table(schema, &old_table)?;
        t.column(&old)?;
        // A column that kept its name must map back to itself only if it was not renamed away.
        if self.new_column(schema, &old_table, &old).as_deref() != Some(new) {
            return None;
        }
        Some(old)
    }

    /// Whether column `old` of old table `table` has another type in the new shape (or is not
    /// in it).
    pub fn type_changed(&self, schema: &str, table: &str, old: &str) -> bool {
        let Some(before) = self.from.table(schema, table).and_then(|t| t.column(old)) else {
            return true;
        };
        let Some(new_table) = self.new_table(schema, table) else {
            return true;
        };
        let Some(new) = self.new_column(schema, table, old) else {
            return true;
        };
        match self
            .to
            .table(schema, &new_table)
            .and_then(|t| t.column(&new))
        {
            Some(after) => after.data_type != before.data_type,
            None => true,
        }
    }
}

/// Which application version wrote a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Probe {
    OldApp,
    NewApp,
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Probe::OldApp => "old-application probe",
            Probe::NewApp => "new-application probe",
        })
    }
}

/// A statement of a probe that failed.
#[derive(Debug, Clone)]
pub(crate) struct ProbeError {
    pub statement: String,
    pub message: String,
    /// `message` is the server's (a refused statement), not a finding of the read-back.
    pub server: bool,
}

/// A row a probe wrote, as it read it back through its own shape.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    pub schema: String,
    /// `(column, SQL literal)` pairs that find the row, in the writer's shape.
    pub locator: Vec<(String, String)>,
    /// Every column of the writer's shape, as text, after the UPDATE.
    pub values: BTreeMap<String, Option<String>>,
}

/// The WHERE clause of a locator.
pub(crate) fn where_clause(dialect: crate::Dialect, locator: &[(String, String)]) -> String {
    locator
        .iter()
        .map(|(c, v)| format!("{} = {v}", dialect.ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Reads `columns` of the rows `locator` finds, as text.
pub(crate) async fn read(
    session: &mut dyn Session,
    schema: &str,
    table: &str,
    columns: &[String],
    locator: &[(String, String)],
) -> Result<Vec<Vec<Option<String>>>, ProbeError> {
    let d = session.dialect();
    let cols: Vec<String> = columns
        .iter()
        .map(|c| session.as_text(&d.ident(c)))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {}",
        if cols.is_empty() {
            "1".to_string()
        } else {
            cols.join(", ")
        },
        session.table(schema, table),
        where_clause(d, locator)
    );
    session.query(&sql).await.map_err(|message| ProbeError {
        statement: sql,
        message,
        server: true,
    })
}

/// Writes one row with `gen` (index `i`, updated with index `i + 5`) and reads it back.
/// `all_columns` are the table's columns in this shape (read back).
pub(crate) async fn write(
    session: &mut dyn Session,
    gen: &RowGen,
    i: u64,
    parents: &[Vec<Vec<Option<String>>>],
    all_columns: &[String],
) -> Result<Written, ProbeError> {
    let d = gen.dialect();
    // INSERT, retried once check-friendly.
    let mut row = gen.row(i, Mode::Probe, false, parents);
    let sql = gen.insert(session, std::slice::from_ref(&row));
    let generated = match session.insert_returning(&sql, &gen.generated_key).await {
        Ok(g) => g,
        Err(first) => {
            let friendly = gen.row(i, Mode::Probe, true, parents);
            let retry = gen.insert(session, std::slice::from_ref(&friendly));
            match session.insert_returning(&retry, &gen.generated_key).await {
                Ok(g) => {
                    row = friendly;
                    g
                }
                Err(_) => {
                    return Err(ProbeError {
                        statement: sql,
                        message: first,
                        server: true,
                    })
                }
            }
        }
    };
    let value_of = |name: &str| -> Option<String> {
        gen.columns
            .iter()
            .position(|c| c.name == name)
            .map(|k| row[k].clone())
            .filter(|v| v != "NULL" && v != "DEFAULT")
    };
    // A locator: the primary key, else a unique key, else every plainly comparable value.
    let mut locator: Vec<(String, String)> = Vec::new();
    if !gen.primary_key.is_empty() {
        for c in &gen.primary_key {
            let quoted = d.ident(c);
            let v = match gen.generated_key.iter().position(|g| *g == quoted) {
                Some(k) => generated.get(k).cloned().flatten().map(|v| d.literal(&v)),
                None => value_of(c),
            };
            match v {
                Some(v) => locator.push((c.clone(), v)),
                None => {
                    locator.clear();
                    break;
                }
            }
        }
    }
    if locator.is_empty() {
        for u in &gen.uniques {
            let vals: Option<Vec<(String, String)>> = u
                .iter()
                .map(|c| value_of(c).map(|v| (c.clone(), v)))
                .collect();
            if let Some(vals) = vals {
                locator = vals;
                break;
            }
        }
    }
    if locator.is_empty() {
        for c in &gen.columns {
            if c.kind.locatable() && c.fk.is_none() {
                if let Some(v) = value_of(&c.name) {
                    locator.push((c.name.clone(), v));
                }
            }
        }
    }
    if locator.is_empty() {
        return Err(ProbeError {
            statement: sql,
            message:
                "the rehearsal cannot find the row it wrote again (no key, no comparable column)"
                    .into(),
            server: false,
        });
    }
    // UPDATE every column the application may change, retried once check-friendly.
    let keys: BTreeSet<&str> = locator.iter().map(|(c, _)| c.as_str()).collect();
    let settable: Vec<usize> = (0..gen.columns.len())
        .filter(|&k| {
            let c = &gen.columns[k];
            !c.key && c.fk.is_none() && !keys.contains(c.name.as_str())
        })
        .collect();
    if !settable.is_empty() {
        let mut first: Option<ProbeError> = None;
        for friendly in [false, true] {
            let sets: Vec<String> = settable
                .iter()
                .map(|&k| {
                    let c = &gen.columns[k];
                    format!(
                        "{} = {}",
                        d.ident(&c.name),
                        gen.value(c, i + 5, Mode::Probe, friendly, parents)
                    )
                })
                .collect();
            let sql = format!(
                "UPDATE {} SET {} WHERE {}",
                session.table(&gen.schema, &gen.table),
                sets.join(", "),
                where_clause(d, &locator)
            );
            match session.execute(&sql).await {
                Ok(1) => {
                    first = None;
                    break;
                }
                Ok(n) => {
                    first.get_or_insert(ProbeError {
                        statement: sql,
                        message: format!(
                            "the UPDATE found {n} row(s) by the key it was written with, not 1"
                        ),
                        server: false,
                    });
                    break;
                }
                Err(message) => {
                    first.get_or_insert(ProbeError {
                        statement: sql,
                        message,
                        server: true,
                    });
                }
            }
        }
        if let Some(e) = first {
            return Err(e);
        }
    }
    // Read back through the writer's own shape.
    let rows = read(session, &gen.schema, &gen.table, all_columns, &locator).await?;
    if rows.len() != 1 {
        return Err(ProbeError {
            statement: format!(
                "SELECT … FROM {} WHERE {}",
                session.table(&gen.schema, &gen.table),
                where_clause(d, &locator)
            ),
            message: format!("{} row(s) found where the probe wrote one", rows.len()),
            server: false,
        });
    }
    let values = all_columns
        .iter()
        .cloned()
        .zip(rows.into_iter().next().expect("one row"))
        .collect();
    Ok(Written {
        schema: gen.schema.clone(),
        locator,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType, Schema, Table};
    use crate::Dialect;

    fn table(name: &str, columns: &[(&str, &str)]) -> Table {
        let mut t = Table::new(name);
        for (c, ty) in columns {
            t.columns.push(Column {
                name: c.to_string(),
                data_type: ColumnType::builtin(*ty),
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                collation: None,
                comment: None,
                options: Default::default(),
            });
        }
        t
    }

    fn db(tables: Vec<Table>) -> Database {
        let mut s = Schema::new("public");
        s.tables = tables;
        let mut d = Database::new(Dialect::Postgres);
        d.schemas = vec![s];
        d
    }

    #[test]
    fn names_map_both_ways_through_renames() {
        let from = db(vec![
            table(
                "clients",
                &[("id", "bigint"), ("name", "text"), ("qty", "integer")],
            ),
            table("a", &[("id", "bigint")]),
        ]);
        let to = db(vec![
            table(
                "customers",
                &[
                    ("id", "bigint"),
                    ("full_name", "text"),
                    ("qty", "bigint"),
                    ("name", "text"),
                ],
            ),
            table("b", &[("id", "bigint")]),
        ]);
        let changes = vec![
            Change::RenameTable {
                schema: "public".into(),
                from: "clients".into(),
                to: "customers".into(),
            },
            Change::RenameColumn {
                schema: "public".into(),
                table: "customers".into(),
                from: "name".into(),
                to: "full_name".into(),
            },
        ];
        let s = Shapes::new(&from, &to, &changes);
        assert_eq!(
            s.new_table("public", "clients").as_deref(),
            Some("customers")
        );
        assert_eq!(
            s.old_table("public", "customers").as_deref(),
            Some("clients")
        );
        assert_eq!(s.new_table("public", "a"), None, "dropped");
        assert_eq!(s.old_table("public", "b"), None, "created");
        assert_eq!(
            s.new_column("public", "clients", "name").as_deref(),
            Some("full_name")
        );
        assert_eq!(
            s.old_column("public", "customers", "full_name").as_deref(),
            Some("name")
        );
        // A new column that took a renamed column's old name is not that column.
        assert_eq!(s.old_column("public", "customers", "name"), None);
        assert!(s.type_changed("public", "clients", "qty"));
        assert!(!s.type_changed("public", "clients", "name"));
    }
}

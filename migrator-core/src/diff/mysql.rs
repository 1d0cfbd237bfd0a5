//! What the dialect-neutral diff needs to know about MySQL / MariaDB, in one place: called by
//! [`super::diff_unchecked`] when both models are MySQL ones.
//!
//! - [`align`]: a MySQL model is one database; two databases of different names (a live one and
//!   another live one, or a scratch database not renamed) are compared as the same schema.
//! - [`adjust`]: rewrites the change list where MySQL has no statement for a change as the
//!   neutral diff expresses it:
//!   - a new table is created with its indexes inline (one statement, no index build on it
//!     afterwards), and comments of new tables, columns and indexes are part of their
//!     definitions, not separate changes;
//!   - a column comment is part of the column definition: a comment change becomes an
//!     [`Change::AlterColumn`] (`MODIFY COLUMN`, instant) unless the column is altered anyway;
//!   - an index comment can only change by rebuilding the index: drop and create;
//!   - constraints (foreign keys, checks) cannot be renamed: drop and add;
//!   - an `AUTO_INCREMENT` column must be the first column of a key at all times: a new one is
//!     added together with its single-column key (column option `add_key`, read by the
//!     renderer), a column gaining it is altered after its key is created, one losing it before
//!     its key is dropped;
//!   - an index a kept foreign key needs is dropped in the statement that creates its
//!     replacement (index option `drop_with:<name>`, read by the renderer);
//!   - a table's primary key is dropped after its other indexes, an `AUTO_INCREMENT` column
//!     before its keys.
//!
//! Foreign keys need no special casing: the index MySQL creates implicitly for a key is part of
//! the model (the scratch database has it too), so the diff creates it before the key and drops
//! it after the key, like any index.

use super::{Change, CommentTarget};
use crate::schema::{Column, Database, Table};

/// Column option set by [`adjust`] on the column of an [`Change::AddColumn`] that is
/// `AUTO_INCREMENT`: the key added in the same statement — `primary`, `unique:<index>` or
/// `index:<index>` (a key on that column alone).
pub const ADD_KEY_OPTION: &str = "add_key";

/// `to` renamed to `from`'s database name when each holds one database under another name.
pub(crate) fn align(from: &Database, to: &Database) -> Option<Database> {
    match (from.schemas.as_slice(), to.schemas.as_slice()) {
        ([f], [t]) if f.name != t.name => {
            let mut to = to.clone();
            to.rename_schema(&t.name.clone(), &f.name);
            Some(to)
        }
        _ => None,
    }
}

/// Old name of a table renamed by the change list (or the name itself).
fn old_table_name(changes: &[Change], schema: &str, table: &str) -> String {
    changes
        .iter()
        .find_map(|c| match c {
            Change::RenameTable {
                schema: s,
                from,
                to,
            } if s == schema && to == table => Some(from.clone()),
            _ => None,
        })
        .unwrap_or_else(|| table.to_string())
}

/// New name of a table renamed by the change list (or the name itself).
fn new_table_name(changes: &[Change], schema: &str, table: &str) -> String {
    changes
        .iter()
        .find_map(|c| match c {
            Change::RenameTable {
                schema: s,
                from,
                to,
            } if s == schema && from == table => Some(to.clone()),
            _ => None,
        })
        .unwrap_or_else(|| table.to_string())
}

/// Old name of a column renamed by the change list (or the name itself).
fn old_column_name(changes: &[Change], schema: &str, table: &str, column: &str) -> String {
    changes
        .iter()
        .find_map(|c| match c {
            Change::RenameColumn {
                schema: s,
                table: t,
                from,
                to,
            } if s == schema && t == table && to == column => Some(from.clone()),
            _ => None,
        })
        .unwrap_or_else(|| column.to_string())
}

fn is_auto_increment(c: &Column) -> bool {
    c.options.contains_key("auto_increment")
}

/// Rewrites `changes` (from `from` to `to`) for MySQL; see the module documentation.
pub(crate) fn adjust(from: &Database, to: &Database, changes: Vec<Change>) -> Vec<Change> {
    let changes = inline_into_new_tables(to, changes);
    let changes = comments(from, to, changes);
    let changes = constraint_renames(to, changes);
    let changes = primary_key_drops_last(changes);
    let changes = auto_increment(from, changes);
    index_drops_with_creates(from, to, changes)
}

/// New tables carry their indexes and comments.
fn inline_into_new_tables(to: &Database, changes: Vec<Change>) -> Vec<Change> {
    let created: Vec<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable { schema, table } => Some((schema.clone(), table.name.clone())),
            _ => None,
        })
        .collect();
    let is_new = |schema: &str, t: &str| created.iter().any(|(s, n)| s == schema && n == t);
    let added: Vec<(String, String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AddColumn {
                schema,
                table,
                column,
            } => Some((schema.clone(), table.clone(), column.name.clone())),
            _ => None,
        })
        .collect();
    let created_indexes: Vec<(String, String, String, Option<String>)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateIndex {
                schema,
                table,
                index,
                ..
            } => Some((
                schema.clone(),
                table.clone(),
                index.name.clone(),
                index.comment.clone(),
            )),
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(changes.len());
    for c in changes {
        match c {
            Change::CreateTable { schema, mut table } => {
                if let Some(t) = to.table(&schema, &table.name) {
                    table.indexes = t.indexes.clone();
                }
                out.push(Change::CreateTable { schema, table });
            }
            Change::CreateIndex {
                ref schema,
                ref table,
                ..
            } if is_new(schema, table) => {}
            Change::Comment {
                target:
                    CommentTarget::Table {
                        ref schema,
                        ref table,
                    },
                ..
            } if is_new(schema, table) => {}
            Change::Comment {
                target:
                    CommentTarget::Column {
                        ref schema,
                        ref table,
                        ref column,
                    },
                ..
            } if is_new(schema, table)
                || added
                    .iter()
                    .any(|(s, t, n)| s == schema && t == table && n == column) => {}
            Change::Comment {
                target:
                    CommentTarget::Index {
                        ref schema,
                        ref table,
                        ref index,
                    },
                ref comment,
            } if created_indexes
                .iter()
                .any(|(s, t, n, c)| s == schema && t == table && n == index && c == comment) => {}
            other => out.push(other),
        }
    }
    out
}

/// Column and index comments of existing objects.
fn comments(from: &Database, to: &Database, changes: Vec<Change>) -> Vec<Change> {
    // Columns whose definition (with its comment) is written anyway.
    let altered: Vec<(String, String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterColumn {
                schema, table, to, ..
            } => Some((schema.clone(), table.clone(), to.name.clone())),
            Change::AddColumn {
                schema,
                table,
                column,
            } => Some((schema.clone(), table.clone(), column.name.clone())),
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(changes.len());
    for c in &changes {
        match c {
            Change::Comment {
                target:
                    CommentTarget::Column {
                        schema,
                        table,
                        column,
                    },
                ..
            } => {
                if altered
                    .iter()
                    .any(|(s, t, n)| s == schema && t == table && n == column)
                {
                    continue; // ADD / MODIFY COLUMN writes the new comment.
                }
                let new = table_col(to, schema, table, column);
                let old_table = old_table_name(&changes, schema, table);
                let old_col = old_column_name(&changes, schema, table, column);
                let old = table_col(from, schema, &old_table, &old_col);
                match (old, new) {
                    (Some(old), Some(new)) => {
                        let mut old = old.clone();
                        old.name = new.name.clone();
                        out.push(Change::AlterColumn {
                            schema: schema.clone(),
                            table: table.clone(),
                            from: old,
                            to: new.clone(),
                            using: None,
                        });
                    }
                    _ => out.push(c.clone()),
                }
            }
            Change::Comment {
                target:
                    CommentTarget::Index {
                        schema,
                        table,
                        index,
                    },
                comment,
            } => {
                let found = to
                    .table(schema, table)
                    .and_then(|t| t.index(index))
                    .filter(|i| &i.comment == comment)
                    .cloned();
                match found {
                    Some(idx) => {
                        out.push(Change::DropIndex {
                            schema: schema.clone(),
                            table: table.clone(),
                            name: idx.name.clone(),
                            online: true,
                        });
                        out.push(Change::CreateIndex {
                            schema: schema.clone(),
                            table: table.clone(),
                            index: idx,
                            online: true,
                        });
                    }
                    None => out.push(c.clone()),
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}

fn table_col<'a>(db: &'a Database, schema: &str, table: &str, column: &str) -> Option<&'a Column> {
    db.table(schema, table)?.column(column)
}

/// Foreign keys and checks cannot be renamed: drop and add.
fn constraint_renames(to: &Database, changes: Vec<Change>) -> Vec<Change> {
    let mut out = Vec::with_capacity(changes.len());
    let mut rest: std::collections::VecDeque<Change> = changes.into();
    while let Some(c) = rest.pop_front() {
        let Change::RenameConstraint {
            schema,
            table,
            from,
            to: new_name,
        } = &c
        else {
            out.push(c);
            continue;
        };
        let Some(t) = to.table(schema, table) else {
            out.push(c);
            continue;
        };
        let add = if let Some(fk) = t.foreign_key(new_name) {
            Change::AddForeignKey {
                schema: schema.clone(),
                table: table.clone(),
                key: fk.clone(),
            }
        } else if let Some(check) = t.check(new_name) {
            Change::AddCheck {
                schema: schema.clone(),
                table: table.clone(),
                check: check.clone(),
            }
        } else {
            out.push(c);
            continue;
        };
        out.push(Change::DropConstraint {
            schema: schema.clone(),
            table: table.clone(),
            name: from.clone(),
        });
        // The index MySQL created for the key under the key's name is renamed with it: before
        // the key is added again (MariaDB would otherwise build another one).
        let index_rename = |c: &Change| {
            matches!(c, Change::RenameIndex { schema: s, table: t, from: f, to: n }
                if s == schema && t == table && f == from && n == new_name)
        };
        if let Some(pos) = rest.iter().position(index_rename) {
            out.extend(rest.remove(pos));
        }
        out.push(add);
    }
    out
}

/// Whether `c` creates a key on `table` whose first column is `column`.
fn creates_key_on(c: &Change, schema: &str, table: &str, column: &str) -> bool {
    match c {
        Change::AddPrimaryKey {
            schema: s,
            table: t,
            key,
        } => s == schema && t == table && key.columns.first().is_some_and(|k| k == column),
        Change::CreateIndex {
            schema: s,
            table: t,
            index,
            ..
        } => {
            s == schema
                && t == table
                && index.parts.first().and_then(|p| p.key.column()) == Some(column)
        }
        _ => false,
    }
}

/// Whether `c` drops a key of `table` (the primary key or an index).
fn drops_key_of(c: &Change, schema: &str, table: &str) -> bool {
    match c {
        Change::DropConstraint {
            schema: s,
            table: t,
            name,
        } => s == schema && t == table && name == "PRIMARY",
        Change::DropIndex {
            schema: s,
            table: t,
            ..
        } => s == schema && t == table,
        _ => false,
    }
}

fn auto_increment(from: &Database, mut changes: Vec<Change>) -> Vec<Change> {
    // Dropped AUTO_INCREMENT columns: AUTO_INCREMENT goes before their keys do.
    let mut i = 0;
    while i < changes.len() {
        let Change::DropColumn {
            schema,
            table,
            column,
        } = &changes[i]
        else {
            i += 1;
            continue;
        };
        let (schema, column) = (schema.clone(), column.clone());
        let old_table = old_table_name(&changes, &schema, table);
        let Some(col) = from
            .table(&schema, &old_table)
            .and_then(|t| t.column(&column))
            .filter(|c| is_auto_increment(c))
        else {
            i += 1;
            continue;
        };
        if let Some(first) = changes
            .iter()
            .position(|c| drops_key_of(c, &schema, &old_table))
            .filter(|&p| p < i)
        {
            let mut plain = col.clone();
            plain.options.remove("auto_increment");
            changes.insert(
                first,
                Change::AlterColumn {
                    schema: schema.clone(),
                    table: old_table,
                    from: col.clone(),
                    to: plain,
                    using: None,
                },
            );
            i += 1;
        }
        i += 1;
    }

    // New AUTO_INCREMENT columns: added with their key.
    let mut i = 0;
    while i < changes.len() {
        if let Change::AddColumn {
            schema,
            table,
            column,
        } = &changes[i]
        {
            if is_auto_increment(column) {
                let (schema, table, name) = (schema.clone(), table.clone(), column.name.clone());
                let key = changes.iter().position(|c| match c {
                    Change::AddPrimaryKey { key, .. } => {
                        key.columns == [name.clone()] && creates_key_on(c, &schema, &table, &name)
                    }
                    Change::CreateIndex { index, .. } => {
                        index.parts.len() == 1
                            && index.parts[0].length.is_none()
                            && !index.parts[0].desc
                            && matches!(index.method.as_str(), "BTREE" | "")
                            && index.comment.is_none()
                            && index.options.is_empty()
                            && creates_key_on(c, &schema, &table, &name)
                    }
                    _ => false,
                });
                if let Some(k) = key {
                    let spec = match &changes[k] {
                        Change::AddPrimaryKey { .. } => "primary".to_string(),
                        Change::CreateIndex { index, .. } if index.unique => {
                            format!("unique:{}", index.name)
                        }
                        Change::CreateIndex { index, .. } => format!("index:{}", index.name),
                        _ => unreachable!(),
                    };
                    if let Change::AddColumn { column, .. } = &mut changes[i] {
                        column.options.insert(ADD_KEY_OPTION.into(), spec);
                    }
                    changes.remove(k);
                    if k < i {
                        i -= 1;
                    }
                }
            }
        }
        i += 1;
    }

    // Existing columns gaining AUTO_INCREMENT: after their key is created; losing it: before
    // their key is dropped.
    let mut i = 0;
    while i < changes.len() {
        let Change::AlterColumn {
            schema,
            table,
            from,
            to,
            ..
        } = &changes[i]
        else {
            i += 1;
            continue;
        };
        let (schema, table) = (schema.clone(), table.clone());
        if !is_auto_increment(from) && is_auto_increment(to) {
            let name = to.name.clone();
            if let Some(last) = changes
                .iter()
                .rposition(|c| creates_key_on(c, &schema, &table, &name))
                .filter(|&p| p > i)
            {
                let c = changes.remove(i);
                changes.insert(last, c);
                continue; // changes[i] is now the next one
            }
        } else if is_auto_increment(from) && !is_auto_increment(to) {
            let old_table = old_table_name(&changes, &schema, &table);
            if let Some(first) = changes
                .iter()
                .position(|c| drops_key_of(c, &schema, &old_table))
                .filter(|&p| p < i)
            {
                let mut c = changes.remove(i);
                // Drops run before renames: name the table as it is then.
                if let Change::AlterColumn { table, .. } = &mut c {
                    *table = old_table;
                }
                changes.insert(first, c);
            }
        }
        i += 1;
    }
    changes
}

/// The primary key of a table is dropped after its other indexes: without a primary key,
/// InnoDB promotes the first unique NOT NULL index to be the clustered key, which then can only
/// be dropped by a copy.
fn primary_key_drops_last(mut changes: Vec<Change>) -> Vec<Change> {
    let mut i = 0;
    while i < changes.len() {
        let Change::DropConstraint {
            schema,
            table,
            name,
        } = &changes[i]
        else {
            i += 1;
            continue;
        };
        if name != "PRIMARY" {
            i += 1;
            continue;
        }
        let (schema, table) = (schema.clone(), table.clone());
        let last = changes.iter().rposition(|c| {
            matches!(c, Change::DropIndex { schema: s, table: t, .. } if *s == schema && *t == table)
        });
        match last {
            Some(last) if last > i => {
                let c = changes.remove(i);
                changes.insert(last, c);
            }
            _ => i += 1,
        }
    }
    changes
}

/// Index option set by [`adjust`] on the index of a [`Change::CreateIndex`]: the index named
/// after the prefix is dropped in the same `ALTER TABLE` (read by the renderer).
pub const DROP_WITH_PREFIX: &str = "drop_with:";

/// An index that a foreign key kept on its table may need is dropped in the same statement that
/// creates another index on the table: MySQL refuses to drop the only index a foreign key can use,
/// and silently drops an index it created implicitly for a key once another index can serve the
/// key — so neither "drop, then create" nor "create, then drop" works in every case, while one
/// statement checks the final state.
fn index_drops_with_creates(
    from: &Database,
    to: &Database,
    mut changes: Vec<Change>,
) -> Vec<Change> {
    let mut i = 0;
    while i < changes.len() {
        let Change::DropIndex {
            schema,
            table,
            name,
            ..
        } = &changes[i]
        else {
            i += 1;
            continue;
        };
        let new_table = new_table_name(&changes, schema, table);
        let (schema, name, table) = (schema.clone(), name.clone(), table.clone());
        let needed = from.table(&schema, &table).is_some_and(|t| {
            needed_by_kept_foreign_key(t, to.table(&schema, &new_table), &name, &changes)
        });
        let create = changes.iter().rposition(|c| {
            matches!(c, Change::CreateIndex { schema: s, table: t, index, .. }
                if *s == schema && *t == new_table && index.name != name)
        });
        match create {
            Some(pos) if needed && pos > i => {
                if let Change::CreateIndex { index, .. } = &mut changes[pos] {
                    index
                        .options
                        .insert(format!("{DROP_WITH_PREFIX}{name}"), String::new());
                }
                changes.remove(i);
            }
            _ => i += 1,
        }
    }
    changes
}

/// Whether index `index` of `old` starts with the columns of a foreign key that `new` keeps
/// (not dropped by `changes`).
fn needed_by_kept_foreign_key(
    old: &Table,
    new: Option<&Table>,
    index: &str,
    changes: &[Change],
) -> bool {
    let (Some(idx), Some(new)) = (old.index(index), new) else {
        return false;
    };
    let cols: Vec<&str> = idx.parts.iter().filter_map(|p| p.key.column()).collect();
    old.foreign_keys.iter().any(|fk| {
        new.foreign_key(&fk.name).is_some()
            && !changes.iter().any(|c| {
                matches!(c, Change::DropConstraint { table, name, .. }
                    if *table == old.name && *name == fk.name)
            })
            && fk.columns.len() <= cols.len()
            && fk.columns.iter().zip(&cols).all(|(a, b)| a == b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Hints;
    use crate::schema::{ColumnType, Options, PrimaryKey, Schema};
    use crate::Dialect;

    fn col(name: &str, ty: &str, auto_increment: bool) -> Column {
        let mut options = Options::new();
        if auto_increment {
            options.insert("auto_increment".into(), "true".into());
        }
        Column {
            name: name.into(),
            data_type: ColumnType::builtin(ty),
            nullable: !auto_increment,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
            options,
        }
    }

    fn db(name: &str, tables: Vec<Table>) -> Database {
        let mut d = Database::new(Dialect::Mysql);
        let mut s = Schema::new(name);
        s.tables = tables;
        d.schemas.push(s);
        d.canonicalize();
        d
    }

    fn kinds(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                serde_json::to_value(c).unwrap()["change"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn databases_of_different_names_are_the_same_schema() {
        let mut t = Table::new("t");
        t.columns.push(col("a", "int", false));
        let (a, b) = (db("live", vec![t.clone()]), db("other", vec![t]));
        assert!(super::super::diff_unchecked(&a, &b, &Hints::default()).is_empty());
    }

    #[test]
    fn auto_increment_goes_before_its_key_and_comes_after_it() {
        let mut with = Table::new("t");
        with.columns.push(col("id", "int", true));
        with.columns.push(col("v", "int", false));
        with.primary_key = Some(PrimaryKey {
            name: "PRIMARY".into(),
            columns: vec!["id".into()],
            include: vec![],
            deferrable: false,
            initially_deferred: false,
            comment: None,
        });
        let mut without = Table::new("t");
        without.columns.push(col("v", "int", false));
        let (a, b) = (db("d", vec![with.clone()]), db("d", vec![without]));
        let drop = super::super::diff_unchecked(&a, &b, &Hints::default());
        assert_eq!(
            kinds(&drop),
            ["alter_column", "drop_constraint", "drop_column"],
            "{drop:#?}"
        );
        let add = super::super::diff_unchecked(&b, &a, &Hints::default());
        assert_eq!(kinds(&add), ["add_column"], "{add:#?}");
        let Change::AddColumn { column, .. } = &add[0] else {
            unreachable!()
        };
        assert_eq!(column.options[ADD_KEY_OPTION], "primary");
    }

    #[test]
    fn comments_are_part_of_definitions() {
        let mut a = Table::new("t");
        a.columns.push(col("c", "int", false));
        let mut b = a.clone();
        b.columns[0].comment = Some("new".into());
        let changes =
            super::super::diff_unchecked(&db("d", vec![a]), &db("d", vec![b]), &Hints::default());
        assert_eq!(kinds(&changes), ["alter_column"], "{changes:#?}");
        // A new table's comments are in its CREATE TABLE.
        let mut t = Table::new("n");
        t.comment = Some("t".into());
        t.columns.push(col("c", "int", false));
        t.columns[0].comment = Some("c".into());
        let changes =
            super::super::diff_unchecked(&db("d", vec![]), &db("d", vec![t]), &Hints::default());
        assert_eq!(kinds(&changes), ["create_table"], "{changes:#?}");
    }
}

//! The changes a diff produces: dialect-neutral, each naming its objects, ordered so that
//! running them in sequence is valid (creates in dependency order, drops in reverse).

use crate::schema::{
    Check, Column, Enum, Exclusion, Extension, ForeignKey, Index, Options, PrimaryKey, Sequence,
    SequenceOwner, Table, Unique, View,
};
use serde::Serialize;

/// What a comment is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum CommentTarget {
    Schema {
        schema: String,
    },
    Table {
        schema: String,
        table: String,
    },
    Column {
        schema: String,
        table: String,
        column: String,
    },
    /// `table`: the table (or materialized view) the index is on, under its new name; MySQL
    /// index names are only unique per table.
    Index {
        schema: String,
        table: String,
        index: String,
    },
    View {
        schema: String,
        view: String,
        materialized: bool,
    },
    Constraint {
        schema: String,
        table: String,
        constraint: String,
    },
    Enum {
        schema: String,
        name: String,
    },
    Sequence {
        schema: String,
        name: String,
    },
    Extension {
        name: String,
    },
}

/// One schema change. Variants carry whole model objects (a few hundred bytes): changes are
/// few, so boxing them would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    CreateSchema {
        schema: String,
    },
    DropSchema {
        schema: String,
    },
    CreateExtension {
        schema: String,
        extension: Extension,
    },
    UpdateExtension {
        name: String,
        version: String,
    },
    DropExtension {
        name: String,
    },
    CreateEnum {
        schema: String,
        value: Enum,
    },
    /// Inserts `value` before `before`, or appends it when `before` is `None`.
    AddEnumValue {
        schema: String,
        name: String,
        value: String,
        before: Option<String>,
    },
    /// Values removed or reordered: the type is rebuilt and its columns converted through text.
    RecreateEnum {
        schema: String,
        from: Enum,
        to: Enum,
        columns: Vec<EnumColumn>,
    },
    DropEnum {
        schema: String,
        name: String,
    },
    /// Created without its owner; [`Change::SetSequenceOwner`] follows once the column exists.
    CreateSequence {
        schema: String,
        sequence: Sequence,
    },
    AlterSequence {
        schema: String,
        from: Sequence,
        to: Sequence,
    },
    RenameSequence {
        schema: String,
        from: String,
        to: String,
    },
    SetSequenceOwner {
        schema: String,
        name: String,
        owner: Option<SequenceOwner>,
    },
    DropSequence {
        schema: String,
        name: String,
    },
    /// A table with its columns, primary key, unique and check constraints; its foreign keys,
    /// indexes and comments follow as separate changes.
    CreateTable {
        schema: String,
        table: Table,
    },
    RenameTable {
        schema: String,
        from: String,
        to: String,
    },
    AlterTableOptions {
        schema: String,
        table: String,
        from: Options,
        to: Options,
    },
    DropTable {
        schema: String,
        name: String,
    },
    AddColumn {
        schema: String,
        table: String,
        column: Column,
    },
    RenameColumn {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    /// Type, nullability, default, identity or collation changes of one column.
    AlterColumn {
        schema: String,
        table: String,
        from: Column,
        to: Column,
        using: Option<String>,
    },
    DropColumn {
        schema: String,
        table: String,
        column: String,
    },
    AddPrimaryKey {
        schema: String,
        table: String,
        key: PrimaryKey,
    },
    AddUnique {
        schema: String,
        table: String,
        unique: Unique,
    },
    AddCheck {
        schema: String,
        table: String,
        check: Check,
    },
    AddExclusion {
        schema: String,
        table: String,
        exclusion: Exclusion,
    },
    AddForeignKey {
        schema: String,
        table: String,
        key: ForeignKey,
    },
    ValidateConstraint {
        schema: String,
        table: String,
        name: String,
    },
    RenameConstraint {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    DropConstraint {
        schema: String,
        table: String,
        name: String,
    },
    /// `online`: the table exists and is in use, so build without blocking writes.
    CreateIndex {
        schema: String,
        table: String,
        index: Index,
        online: bool,
    },
    /// `table`: the table (or materialized view) the index is on, under its name at that point
    /// of the change list (MySQL names indexes per table and needs it; Postgres does not).
    RenameIndex {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    /// `table`: as for [`Change::RenameIndex`]; drops run before renames, so it is the table's
    /// old name when the table is renamed too.
    DropIndex {
        schema: String,
        table: String,
        name: String,
        online: bool,
    },
    CreateView {
        schema: String,
        view: View,
    },
    DropView {
        schema: String,
        name: String,
        materialized: bool,
    },
    Comment {
        target: CommentTarget,
        comment: Option<String>,
    },
}

/// A column whose type is an enum being rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumColumn {
    pub schema: String,
    pub table: String,
    pub column: String,
    /// Its default, dropped before the conversion and set again after.
    pub default: Option<String>,
    /// CHECK constraints of its table whose expression reads it, and indexes whose predicate or
    /// expressions do: their constants are typed with the old type, so they are dropped before
    /// the conversion and made again after it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<crate::schema::Check>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<crate::schema::Index>,
}

impl Change {
    /// Why this change can lose data, if it can. Such changes need `--allow-destructive`.
    pub fn data_loss(&self) -> Option<String> {
        match self {
            Change::DropTable { schema, name } => Some(format!("drops table {schema}.{name} and its rows")),
            Change::DropColumn { schema, table, column } => {
                Some(format!("drops column {schema}.{table}.{column} and its values"))
            }
            Change::DropSchema { schema } => Some(format!("drops schema {schema}")),
            Change::AlterColumn { schema, table, from, to, using } if from.data_type != to.data_type && using.is_none() && !super::types::lossless(&from.data_type.name, &to.data_type.name) => Some(format!(
                "changes {schema}.{table}.{} from {} to {}, which can fail or lose data on existing values (a `-- migrator:using <expr>` hint says how to convert)",
                to.name, from.data_type.name, to.data_type.name
            )),
            Change::AlterSequence { schema, from, to } if to.min > from.min || to.max < from.max => Some(format!(
                "narrows the bounds of sequence {schema}.{}, which restarts it at {}: values already handed out may repeat",
                to.name, to.start
            )),
            Change::RecreateEnum { schema, from, to, .. } => {
                let removed: Vec<&String> = from.values.iter().filter(|v| !to.values.contains(v)).collect();
                if removed.is_empty() {
                    None
                } else {
                    Some(format!(
                        "removes value(s) {removed:?} of enum {schema}.{}: rows holding them make the conversion fail",
                        to.name
                    ))
                }
            }
            // Dropping a constraint, an index, a view, an enum or a sequence loses no row data:
            // the plan re-creates them on rollback.
            Change::CreateSchema { .. }
            | Change::CreateExtension { .. }
            | Change::UpdateExtension { .. }
            | Change::DropExtension { .. }
            | Change::CreateEnum { .. }
            | Change::AddEnumValue { .. }
            | Change::DropEnum { .. }
            | Change::CreateSequence { .. }
            | Change::AlterSequence { .. }
            | Change::RenameSequence { .. }
            | Change::SetSequenceOwner { .. }
            | Change::DropSequence { .. }
            | Change::CreateTable { .. }
            | Change::RenameTable { .. }
            | Change::AlterTableOptions { .. }
            | Change::AddColumn { .. }
            | Change::RenameColumn { .. }
            | Change::AlterColumn { .. }
            | Change::AddPrimaryKey { .. }
            | Change::AddUnique { .. }
            | Change::AddCheck { .. }
            | Change::AddExclusion { .. }
            | Change::AddForeignKey { .. }
            | Change::ValidateConstraint { .. }
            | Change::RenameConstraint { .. }
            | Change::DropConstraint { .. }
            | Change::CreateIndex { .. }
            | Change::RenameIndex { .. }
            | Change::DropIndex { .. }
            | Change::CreateView { .. }
            | Change::DropView { .. }
            | Change::Comment { .. } => None,
        }
    }
}

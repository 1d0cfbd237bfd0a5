//! The changes a diff produces: dialect-neutral, each naming its objects, ordered so that
//! running them in sequence is valid (creates in dependency order, drops in reverse).

use crate::schema::{
    Attribute, Check, Column, Composite, Domain, DomainCheck, Enum, Event, Exclusion, Extension,
    ForeignKey, Index, Options, Policy, PrimaryKey, Range, Routine, RoutineKind, Sequence,
    SequenceOwner, Table, Trigger, TriggerEnabled, Unique, View,
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
    /// A function or procedure: `arguments` as [`Routine::arguments`] (for `COMMENT ON`).
    Routine {
        schema: String,
        name: String,
        kind: RoutineKind,
        arguments: String,
    },
    Trigger {
        schema: String,
        table: String,
        trigger: String,
    },
    Domain {
        schema: String,
        name: String,
    },
    /// A composite or range type.
    Type {
        schema: String,
        name: String,
    },
    Policy {
        schema: String,
        table: String,
        policy: String,
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
    /// A new partition of a partitioned table that exists already (Postgres), attached online:
    /// `table` is the partition (its own constraints and `partition.of`), `parent` the parent
    /// as declared (its columns and checks, which the partition needs to be attached).
    /// `default`: the parent's existing DEFAULT partition `(schema, name)`, which `ATTACH` scans.
    AttachPartition {
        schema: String,
        table: Table,
        parent: Table,
        default: Option<(String, String)>,
    },
    /// A partition detached from its parent before it is dropped; `concurrently` on Postgres
    /// 14+ when the parent has no DEFAULT partition.
    DetachPartition {
        schema: String,
        name: String,
        parent_schema: String,
        parent: String,
        concurrently: bool,
    },
    /// MySQL / MariaDB: the partitioning of `table` goes from `from` to `to` (`None`: not
    /// partitioned) in one `ALTER TABLE`; which one: [`super::mysql_partition::step`].
    AlterPartitioning {
        schema: String,
        table: String,
        from: Option<crate::schema::PartitionBy>,
        to: Option<crate::schema::PartitionBy>,
        /// Set on rollbacks: RANGE partitions taken away are merged into the next one.
        keep_rows: bool,
    },
    /// A partitioning change with no in-place recipe (a new key, a plain table partitioned, a
    /// partition's bound or parent changed): the planner refuses it with `reason`.
    Repartition {
        schema: String,
        table: String,
        reason: String,
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
    // Routines and triggers (diff and inverse: `diff/routine.rs`, `diff/trigger.rs`).
    /// A new function or procedure.
    CreateRoutine {
        schema: String,
        routine: Routine,
    },
    /// A new definition of the routine of the same name and signature: `CREATE OR REPLACE`
    /// when the server can change it in place, else dropped and created in one step.
    ReplaceRoutine {
        schema: String,
        from: Routine,
        to: Routine,
    },
    /// Carries the whole routine: its down creates it again.
    DropRoutine {
        schema: String,
        routine: Routine,
    },
    CreateTrigger {
        schema: String,
        trigger: Trigger,
    },
    /// A new definition of the trigger of the same name on the same table (`to.table`: the
    /// table's name at that point of the change list). `in_place`: the server can replace it
    /// with one statement (Postgres 14+ `CREATE OR REPLACE TRIGGER`, MariaDB `CREATE OR
    /// REPLACE TRIGGER`); otherwise it is dropped and created.
    ReplaceTrigger {
        schema: String,
        from: Trigger,
        to: Trigger,
        in_place: bool,
    },
    /// `ALTER TABLE … ENABLE / DISABLE TRIGGER` (Postgres).
    SetTriggerEnabled {
        schema: String,
        table: String,
        name: String,
        from: TriggerEnabled,
        to: TriggerEnabled,
    },
    /// Carries the whole trigger: its down creates it again.
    DropTrigger {
        schema: String,
        trigger: Trigger,
    },
    // Events, MySQL / MariaDB (diff and inverse: `diff/event.rs`).
    CreateEvent {
        schema: String,
        event: Event,
    },
    /// One `ALTER EVENT` re-stating the schedule, completion, status, comment and body, with
    /// `RENAME TO` when the name changes.
    AlterEvent {
        schema: String,
        from: Event,
        to: Event,
    },
    /// Carries the whole event: its down creates it again.
    DropEvent {
        schema: String,
        event: Event,
    },
    // Domains, composite and range types, enum renames (`diff/domain.rs`).
    /// With its validated checks; NOT VALID ones are added after it, `NOT VALID`.
    CreateDomain {
        schema: String,
        domain: Domain,
    },
    DropDomain {
        schema: String,
        name: String,
    },
    SetDomainDefault {
        schema: String,
        name: String,
        default: Option<String>,
    },
    SetDomainNotNull {
        schema: String,
        name: String,
        not_null: bool,
    },
    /// `NOT VALID` when `check.validated` is false (the planner adds an existing domain's new
    /// check that way and validates it in contract).
    AddDomainCheck {
        schema: String,
        domain: String,
        check: DomainCheck,
    },
    ValidateDomainCheck {
        schema: String,
        domain: String,
        name: String,
    },
    DropDomainCheck {
        schema: String,
        domain: String,
        name: String,
    },
    CreateComposite {
        schema: String,
        composite: Composite,
    },
    DropComposite {
        schema: String,
        name: String,
    },
    AddAttribute {
        schema: String,
        composite: String,
        attribute: Attribute,
    },
    DropAttribute {
        schema: String,
        composite: String,
        name: String,
    },
    /// Type or collation of an attribute (Postgres refuses it while a column uses the type).
    AlterAttribute {
        schema: String,
        composite: String,
        from: Attribute,
        to: Attribute,
    },
    CreateRange {
        schema: String,
        range: Range,
    },
    DropRange {
        schema: String,
        name: String,
    },
    /// An enum renamed (hint `-- migrator:renamed-from` on its `CREATE TYPE`).
    RenameEnum {
        schema: String,
        from: String,
        to: String,
    },
    /// An enum value renamed (hint `-- migrator:renamed-from 'old'` on the value's line).
    RenameEnumValue {
        schema: String,
        name: String,
        from: String,
        to: String,
    },
    // Row-level security policies (diff and inverse: `diff/policy.rs`).
    CreatePolicy {
        schema: String,
        policy: Policy,
    },
    /// Roles, `USING` or `WITH CHECK` of the policy of the same name on the same table
    /// (`ALTER POLICY`; `to.table`: the table's name at that point of the change list).
    AlterPolicy {
        schema: String,
        from: Policy,
        to: Policy,
    },
    /// Command or permissive / restrictive changed, which `ALTER POLICY` cannot do: dropped and
    /// created in one transaction, so the table is never without it.
    ReplacePolicy {
        schema: String,
        from: Policy,
        to: Policy,
    },
    /// A policy renamed (hint `-- migrator:renamed-from` on its `CREATE POLICY`).
    RenamePolicy {
        schema: String,
        table: String,
        from: String,
        to: String,
    },
    /// Carries the whole policy: its down creates it again.
    DropPolicy {
        schema: String,
        policy: Policy,
    },
}

/// A column whose type is an enum being rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumColumn {
    pub schema: String,
    pub table: String,
    pub column: String,
    /// The default set again after the conversion (any default is dropped before it): the
    /// declared one when the column keeps the type.
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
    /// The tables whose writers the change's statement blocks (on Postgres: a lock of SHARE
    /// mode or stronger, which conflicts with the ROW EXCLUSIVE lock of an INSERT, UPDATE or
    /// DELETE). Changes that only take weaker locks (comments, views, online index builds,
    /// `VALIDATE`, index renames) list none. The planner keeps one such table per transaction:
    /// see [`crate::plan::files::group`].
    pub fn blocked_tables(&self) -> Vec<(&str, &str)> {
        match self {
            Change::RenameTable { schema, from, .. } => vec![(schema, from)],
            Change::DropTable { schema, name } => vec![(schema, name)],
            // ATTACH takes SHARE UPDATE EXCLUSIVE on the parent, but ACCESS EXCLUSIVE on the
            // DEFAULT partition it scans.
            Change::AttachPartition {
                default: Some((s, d)),
                ..
            } => vec![(s, d)],
            Change::DetachPartition {
                parent_schema,
                parent,
                concurrently: false,
                ..
            } => vec![(parent_schema, parent)],
            Change::AttachPartition { default: None, .. }
            | Change::DetachPartition {
                concurrently: true, ..
            }
            | Change::Repartition { .. } => Vec::new(),
            Change::AlterTableOptions { schema, table, .. }
            | Change::AlterPartitioning { schema, table, .. }
            | Change::AddColumn { schema, table, .. }
            | Change::RenameColumn { schema, table, .. }
            | Change::AlterColumn { schema, table, .. }
            | Change::DropColumn { schema, table, .. }
            | Change::AddPrimaryKey { schema, table, .. }
            | Change::AddUnique { schema, table, .. }
            | Change::AddCheck { schema, table, .. }
            | Change::AddExclusion { schema, table, .. }
            | Change::RenameConstraint { schema, table, .. }
            | Change::DropConstraint { schema, table, .. }
            | Change::CreateIndex {
                schema,
                table,
                online: false,
                ..
            }
            | Change::DropIndex {
                schema,
                table,
                online: false,
                ..
            } => vec![(schema, table)],
            // SHARE ROW EXCLUSIVE on the referenced table too (the key's triggers are added there).
            Change::AddForeignKey { schema, table, key } => {
                let mut tables = vec![(schema.as_str(), table.as_str())];
                let referenced = (key.ref_schema.as_str(), key.ref_table.as_str());
                if !tables.contains(&referenced) {
                    tables.push(referenced);
                }
                tables
            }
            // CREATE / DROP TRIGGER and ENABLE / DISABLE take SHARE ROW EXCLUSIVE or stronger.
            Change::CreateTrigger { schema, trigger } | Change::DropTrigger { schema, trigger } => {
                vec![(schema, &trigger.table)]
            }
            Change::ReplaceTrigger { schema, to, .. } => vec![(schema, &to.table)],
            Change::SetTriggerEnabled { schema, table, .. } => vec![(schema, table)],
            // CREATE / ALTER / DROP POLICY take ACCESS EXCLUSIVE on the table.
            Change::CreatePolicy { schema, policy } | Change::DropPolicy { schema, policy } => {
                vec![(schema, &policy.table)]
            }
            Change::AlterPolicy { schema, to, .. } | Change::ReplacePolicy { schema, to, .. } => {
                vec![(schema, &to.table)]
            }
            Change::RenamePolicy { schema, table, .. } => vec![(schema, table)],
            Change::RecreateEnum { columns, .. } => {
                let mut tables: Vec<(&str, &str)> = columns
                    .iter()
                    .map(|c| (c.schema.as_str(), c.table.as_str()))
                    .collect();
                tables.dedup();
                tables
            }
            Change::CreateSchema { .. }
            | Change::DropSchema { .. }
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
            | Change::ValidateConstraint { .. }
            | Change::CreateIndex { online: true, .. }
            | Change::DropIndex { online: true, .. }
            | Change::RenameIndex { .. }
            | Change::CreateView { .. }
            | Change::DropView { .. }
            | Change::Comment { .. }
            | Change::CreateRoutine { .. }
            | Change::ReplaceRoutine { .. }
            | Change::DropRoutine { .. }
            | Change::CreateEvent { .. }
            | Change::AlterEvent { .. }
            | Change::DropEvent { .. } => Vec::new(),
            // Domains, composite and range types, enum renames: catalog changes on the type.
            // The scans of `SET NOT NULL` / `VALIDATE CONSTRAINT` on a domain (a SHARE lock on
            // the tables using it, up to Postgres 18) are contract steps, run statement by
            // statement.
            Change::CreateDomain { .. }
            | Change::DropDomain { .. }
            | Change::SetDomainDefault { .. }
            | Change::SetDomainNotNull { .. }
            | Change::AddDomainCheck { .. }
            | Change::ValidateDomainCheck { .. }
            | Change::DropDomainCheck { .. }
            | Change::CreateComposite { .. }
            | Change::DropComposite { .. }
            | Change::AddAttribute { .. }
            | Change::DropAttribute { .. }
            | Change::AlterAttribute { .. }
            | Change::CreateRange { .. }
            | Change::DropRange { .. }
            | Change::RenameEnum { .. }
            | Change::RenameEnumValue { .. } => Vec::new(),
        }
    }

    /// Why this change can lose data, if it can. Such changes need `--allow-destructive`.
    pub fn data_loss(&self) -> Option<String> {
        match self {
            Change::DropTable { schema, name } => Some(format!("drops table {schema}.{name} and its rows")),
            Change::DropColumn { schema, table, column } => {
                Some(format!("drops column {schema}.{table}.{column} and its values"))
            }
            Change::DropSchema { schema } => Some(format!("drops schema {schema}")),
            Change::AlterPartitioning { schema, table, .. } => match super::mysql_partition::step_of(self) {
                Some(super::mysql_partition::PartitionStep::Drop(names)) => Some(format!(
                    "drops partition(s) {} of {schema}.{table} and the rows in them",
                    names.join(", ")
                )),
                _ => None,
            },
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
            Change::DropAttribute { schema, composite, name } => Some(format!(
                "drops attribute {name} of composite type {schema}.{composite} and its values in every column of that type"
            )),
            Change::AlterAttribute { schema, composite, from, to } if !super::types::lossless(&from.data_type.name, &to.data_type.name) => Some(format!(
                "changes attribute {} of composite type {schema}.{composite} from {} to {}, which can fail or lose data",
                to.name, from.data_type.name, to.data_type.name
            )),
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
            | Change::AttachPartition { .. }
            | Change::DetachPartition { .. }
            | Change::Repartition { .. }
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
            | Change::Comment { .. }
            | Change::CreateRoutine { .. }
            | Change::ReplaceRoutine { .. }
            | Change::DropRoutine { .. }
            | Change::CreateTrigger { .. }
            | Change::ReplaceTrigger { .. }
            | Change::SetTriggerEnabled { .. }
            | Change::DropTrigger { .. }
            | Change::CreateEvent { .. }
            | Change::AlterEvent { .. }
            | Change::DropEvent { .. }
            | Change::CreateDomain { .. }
            | Change::DropDomain { .. }
            | Change::SetDomainDefault { .. }
            | Change::SetDomainNotNull { .. }
            | Change::AddDomainCheck { .. }
            | Change::ValidateDomainCheck { .. }
            | Change::DropDomainCheck { .. }
            | Change::CreateComposite { .. }
            | Change::DropComposite { .. }
            | Change::AddAttribute { .. }
            | Change::AlterAttribute { .. }
            | Change::CreateRange { .. }
            | Change::DropRange { .. }
            | Change::RenameEnum { .. }
            | Change::RenameEnumValue { .. }
            | Change::CreatePolicy { .. }
            | Change::AlterPolicy { .. }
            | Change::ReplacePolicy { .. }
            | Change::RenamePolicy { .. }
            | Change::DropPolicy { .. } => None,
        }
    }
}

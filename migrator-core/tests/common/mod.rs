//! Shared by the snapshot tests: builders for schema models that look like what the inspectors
//! produce, hints, and readable text renderings of changes, SQL statements and plan steps.
//!
//! Models follow `catalog/postgres.rs` and `catalog/mysql.rs`: Postgres types as `format_type`
//! prints them (`integer`, `character varying(20)`, user types schema-qualified), defaults and
//! checks as the server deparses them; MySQL `COLUMN_TYPE` text (`int`, `varchar(20)`,
//! `bigint unsigned`), every character column with its `charset` and collation, tables with
//! `engine` / `charset` / `collation` options, the primary key named `PRIMARY`, the index MySQL
//! creates for a foreign key present in the model.

#![allow(dead_code)]

use migrator_core::diff::Change;
use migrator_core::diff::Hints;
use migrator_core::plan::{plan, PlanOptions, Step};
use migrator_core::render::SqlStatement;
use migrator_core::schema::*;
use migrator_core::Dialect;

/// The Postgres schema most cases use.
pub const PUBLIC: &str = "public";
/// The MySQL / MariaDB database most cases use.
pub const APP: &str = "app";
pub const MARIADB: &str = "10.11.6-MariaDB";
pub const MYSQL: &str = "9.7.0";
/// Batch size of every plan (written into backfill steps and rollback copies).
pub const BATCH: u64 = 500;

// ---------------------------------------------------------------- columns

/// A nullable column of a built-in type.
pub fn col(name: &str, ty: &str) -> Column {
    Column {
        name: name.into(),
        data_type: ColumnType::builtin(ty),
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        collation: None,
        comment: None,
        options: Options::new(),
    }
}

/// A nullable Postgres column of user type `schema.name` (`format_type` qualifies it).
pub fn user_col(name: &str, schema: &str, ty: &str, kind: UserTypeKind) -> Column {
    let mut c = col(name, &format!("{schema}.{ty}"));
    c.data_type.user_type = Some(UserType {
        schema: schema.into(),
        name: ty.into(),
        kind,
    });
    c
}

/// A nullable MySQL character column: the inspector records its charset and collation.
pub fn my_str(name: &str, ty: &str) -> Column {
    col(name, ty).charset("utf8mb4", "utf8mb4_general_ci")
}

/// `GENERATED … AS IDENTITY` with the options Postgres gives a `bigint` identity by default.
pub fn identity(generation: IdentityGeneration) -> Identity {
    Identity {
        generation,
        start: 1,
        increment: 1,
        min: 1,
        max: i64::MAX,
        cache: 1,
        cycle: false,
    }
}

pub trait ColumnExt: Sized {
    fn not_null(self) -> Self;
    fn default(self, expr: &str) -> Self;
    fn comment(self, text: &str) -> Self;
    fn collate(self, collation: &str) -> Self;
    fn opt(self, key: &str, value: &str) -> Self;
    fn identity(self, generation: IdentityGeneration) -> Self;
    fn generated(self, expr: &str, stored: bool) -> Self;
    /// MySQL: `charset` option and collation.
    fn charset(self, charset: &str, collation: &str) -> Self;
    /// MySQL `AUTO_INCREMENT` (NOT NULL).
    fn auto_increment(self) -> Self;
}

impl ColumnExt for Column {
    fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }
    fn default(mut self, expr: &str) -> Self {
        self.default = Some(expr.into());
        self
    }
    fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.into());
        self
    }
    fn collate(mut self, collation: &str) -> Self {
        self.collation = Some(collation.into());
        self
    }
    fn opt(mut self, key: &str, value: &str) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }
    fn identity(mut self, generation: IdentityGeneration) -> Self {
        self.identity = Some(identity(generation));
        self.nullable = false;
        self
    }
    fn generated(mut self, expr: &str, stored: bool) -> Self {
        self.generated = Some(Generated {
            expr: expr.into(),
            stored,
        });
        self
    }
    fn charset(self, charset: &str, collation: &str) -> Self {
        self.opt("charset", charset).collate(collation)
    }
    fn auto_increment(self) -> Self {
        self.opt("auto_increment", "true").not_null()
    }
}

// ---------------------------------------------------------------- keys, constraints, indexes

pub fn primary_key(name: &str, columns: &[&str]) -> PrimaryKey {
    PrimaryKey {
        name: name.into(),
        columns: strings(columns),
        include: vec![],
        deferrable: false,
        initially_deferred: false,
        comment: None,
    }
}

pub fn unique(name: &str, columns: &[&str]) -> Unique {
    Unique {
        name: name.into(),
        columns: strings(columns),
        include: vec![],
        nulls_not_distinct: false,
        deferrable: false,
        initially_deferred: false,
        comment: None,
    }
}

pub fn check(name: &str, expr: &str) -> Check {
    Check {
        name: name.into(),
        expr: expr.into(),
        validated: true,
        no_inherit: false,
        comment: None,
    }
}

/// A Postgres foreign key (`NO ACTION` both ways, as the catalog reports an unsaid action).
pub fn fk(
    name: &str,
    columns: &[&str],
    ref_schema: &str,
    ref_table: &str,
    ref_columns: &[&str],
) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: strings(columns),
        ref_schema: ref_schema.into(),
        ref_table: ref_table.into(),
        ref_columns: strings(ref_columns),
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
        match_full: false,
        deferrable: false,
        initially_deferred: false,
        validated: true,
        comment: None,
    }
}

/// A MariaDB foreign key (`RESTRICT` both ways, as MariaDB reports an unsaid action).
pub fn my_fk(name: &str, columns: &[&str], ref_table: &str, ref_columns: &[&str]) -> ForeignKey {
    let mut f = fk(name, columns, APP, ref_table, ref_columns);
    f.on_delete = ReferentialAction::Restrict;
    f.on_update = ReferentialAction::Restrict;
    f
}

fn part(key: IndexKey) -> IndexPart {
    IndexPart {
        key,
        desc: false,
        nulls_first: false,
        opclass: None,
        collation: None,
        length: None,
    }
}

/// A valid index over plain columns with access method `method`.
pub fn index_with(method: &str, name: &str, columns: &[&str]) -> Index {
    Index {
        name: name.into(),
        unique: false,
        method: method.into(),
        parts: columns
            .iter()
            .map(|c| part(IndexKey::Column(c.to_string())))
            .collect(),
        include: vec![],
        predicate: None,
        nulls_not_distinct: false,
        valid: true,
        comment: None,
        options: Options::new(),
    }
}

/// A Postgres btree index.
pub fn pg_index(name: &str, columns: &[&str]) -> Index {
    index_with("btree", name, columns)
}

/// A MySQL BTREE index.
pub fn my_index(name: &str, columns: &[&str]) -> Index {
    index_with("BTREE", name, columns)
}

pub trait IndexExt: Sized {
    fn unique(self) -> Self;
    fn comment(self, text: &str) -> Self;
    fn opt(self, key: &str, value: &str) -> Self;
    fn include(self, columns: &[&str]) -> Self;
    fn predicate(self, expr: &str) -> Self;
    fn expr(self, expr: &str) -> Self;
    /// Part `i` descending (Postgres: NULLS FIRST, the default for DESC).
    fn desc(self, i: usize) -> Self;
    fn nulls_first(self, i: usize, first: bool) -> Self;
    fn opclass(self, i: usize, opclass: &str) -> Self;
    fn part_collation(self, i: usize, collation: &str) -> Self;
    fn length(self, i: usize, len: u32) -> Self;
    fn invalid(self) -> Self;
}

impl IndexExt for Index {
    fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.into());
        self
    }
    fn opt(mut self, key: &str, value: &str) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }
    fn include(mut self, columns: &[&str]) -> Self {
        self.include = strings(columns);
        self
    }
    fn predicate(mut self, expr: &str) -> Self {
        self.predicate = Some(expr.into());
        self
    }
    fn expr(mut self, expr: &str) -> Self {
        self.parts.push(part(IndexKey::Expr(expr.into())));
        self
    }
    fn desc(mut self, i: usize) -> Self {
        self.parts[i].desc = true;
        // Postgres (lower-case methods) resolves DESC to NULLS FIRST; MySQL has no such notion.
        self.parts[i].nulls_first = self.method.chars().all(|c| c.is_ascii_lowercase());
        self
    }
    fn nulls_first(mut self, i: usize, first: bool) -> Self {
        self.parts[i].nulls_first = first;
        self
    }
    fn opclass(mut self, i: usize, opclass: &str) -> Self {
        self.parts[i].opclass = Some(opclass.into());
        self
    }
    fn part_collation(mut self, i: usize, collation: &str) -> Self {
        self.parts[i].collation = Some(collation.into());
        self
    }
    fn length(mut self, i: usize, len: u32) -> Self {
        self.parts[i].length = Some(len);
        self
    }
    fn invalid(mut self) -> Self {
        self.valid = false;
        self
    }
}

// ---------------------------------------------------------------- tables

pub trait TableExt: Sized {
    fn with(self, c: Column) -> Self;
    fn pk(self, name: &str, columns: &[&str]) -> Self;
    fn index(self, i: Index) -> Self;
    fn unique(self, u: Unique) -> Self;
    fn check(self, c: Check) -> Self;
    fn fk(self, f: ForeignKey) -> Self;
    fn comment(self, text: &str) -> Self;
    fn opt(self, key: &str, value: &str) -> Self;
    fn exclusion(self, name: &str, definition: &str) -> Self;
    /// The table with column `name` replaced by `c` (same position).
    fn replace(self, name: &str, c: Column) -> Self;
    /// The table without column `name`.
    fn without(self, name: &str) -> Self;
}

impl TableExt for Table {
    fn with(mut self, c: Column) -> Self {
        self.columns.push(c);
        self
    }
    fn pk(mut self, name: &str, columns: &[&str]) -> Self {
        self.primary_key = Some(primary_key(name, columns));
        self
    }
    fn index(mut self, i: Index) -> Self {
        self.indexes.push(i);
        self
    }
    fn unique(mut self, u: Unique) -> Self {
        self.uniques.push(u);
        self
    }
    fn check(mut self, c: Check) -> Self {
        self.checks.push(c);
        self
    }
    fn fk(mut self, f: ForeignKey) -> Self {
        self.foreign_keys.push(f);
        self
    }
    fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.into());
        self
    }
    fn opt(mut self, key: &str, value: &str) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }
    fn exclusion(mut self, name: &str, definition: &str) -> Self {
        self.exclusions.push(Exclusion {
            name: name.into(),
            definition: definition.into(),
            deferrable: false,
            initially_deferred: false,
            comment: None,
        });
        self
    }
    fn replace(mut self, name: &str, c: Column) -> Self {
        let i = self
            .columns
            .iter()
            .position(|x| x.name == name)
            .unwrap_or_else(|| panic!("no column {name} in {}", self.name));
        self.columns[i] = c;
        self
    }
    fn without(mut self, name: &str) -> Self {
        self.columns.retain(|c| c.name != name);
        self
    }
}

/// A Postgres table with `id bigint GENERATED BY DEFAULT AS IDENTITY` as its primary key
/// (`<name>_pkey`).
pub fn pg_table(name: &str) -> Table {
    Table::new(name)
        .with(col("id", "bigint").identity(IdentityGeneration::ByDefault))
        .pk(&format!("{name}_pkey"), &["id"])
}

/// A MariaDB InnoDB table with `id bigint unsigned AUTO_INCREMENT` as its primary key.
pub fn my_table(name: &str) -> Table {
    my_bare_table(name)
        .with(col("id", "bigint unsigned").auto_increment())
        .pk("PRIMARY", &["id"])
}

/// A MariaDB InnoDB table without columns: options as the inspector records them.
pub fn my_bare_table(name: &str) -> Table {
    Table::new(name)
        .opt("engine", "InnoDB")
        .opt("charset", "utf8mb4")
        .opt("collation", "utf8mb4_general_ci")
}

// ---------------------------------------------------------------- schemas and databases

pub fn view(name: &str, definition: &str) -> View {
    View {
        name: name.into(),
        definition: definition.into(),
        materialized: false,
        indexes: vec![],
        comment: None,
        options: Options::new(),
    }
}

pub fn enum_type(name: &str, values: &[&str]) -> Enum {
    Enum {
        name: name.into(),
        values: strings(values),
        comment: None,
    }
}

/// A domain over a built-in type, nullable, without default or checks.
pub fn domain(name: &str, base: &str) -> Domain {
    Domain {
        name: name.into(),
        base: ColumnType::builtin(base),
        default: None,
        not_null: false,
        collation: None,
        checks: Vec::new(),
        comment: None,
    }
}

/// A validated domain CHECK (`expr` as the server deparses it: `(VALUE > 0)`).
pub fn domain_check(name: &str, expr: &str) -> DomainCheck {
    DomainCheck {
        name: name.into(),
        expr: expr.into(),
        validated: true,
    }
}

/// A composite type of built-in attributes `(name, type)`.
pub fn composite(name: &str, attributes: &[(&str, &str)]) -> Composite {
    Composite {
        name: name.into(),
        attributes: attributes
            .iter()
            .map(|(n, t)| Attribute {
                name: (*n).into(),
                data_type: ColumnType::builtin(*t),
                collation: None,
            })
            .collect(),
        comment: None,
    }
}

/// A range type over a built-in subtype.
pub fn range(name: &str, subtype: &str) -> Range {
    Range {
        name: name.into(),
        subtype: ColumnType::builtin(subtype),
        subtype_opclass: None,
        collation: None,
        subtype_diff: None,
        comment: None,
    }
}

/// A reference to user type `schema.name` of `kind`, as a column, attribute or base type.
pub fn user_type(schema: &str, name: &str, kind: UserTypeKind) -> ColumnType {
    ColumnType {
        name: format!("{schema}.{name}"),
        array: false,
        user_type: Some(UserType {
            schema: schema.into(),
            name: name.into(),
            kind,
        }),
    }
}

/// Domains before and after (Postgres, schema `public`): a domain gaining a default, NOT NULL,
/// a changed check, a new check and a check validated; a domain dropped; a domain whose base
/// type changes while nothing uses it; a new domain over a domain, used by a new table; a
/// comment. Shared by the render and plan snapshots.
pub fn domain_models() -> (Database, Database) {
    let mut code = domain("code", "text");
    code.checks = vec![
        domain_check("short", "(length(VALUE) < 10)"),
        DomainCheck {
            validated: false,
            ..domain_check("lazy", "(VALUE <> ''::text)")
        },
    ];
    let mut posint = domain("posint", "integer");
    posint.checks = vec![domain_check("pos", "(VALUE > 0)")];
    let from = {
        let mut s = Schema::new(PUBLIC);
        s.domains = vec![
            code.clone(),
            domain("old_one", "integer"),
            posint.clone(),
            domain("unused", "integer"),
        ];
        s
    };
    let mut code2 = code.clone();
    code2.default = Some("'x'::text".into());
    code2.not_null = true;
    code2.checks = vec![
        domain_check("lazy", "(VALUE <> ''::text)"),
        domain_check("short", "(length(VALUE) < 20)"),
        domain_check("upper", "(VALUE = upper(VALUE))"),
    ];
    code2.comment = Some("a product code".into());
    let mut small = domain("small", "public.posint");
    small.base = user_type(PUBLIC, "posint", UserTypeKind::Domain);
    small.default = Some("5".into());
    small.checks = vec![domain_check("small_max", "((VALUE)::integer < 100)")];
    let mut unused = domain("unused", "bigint");
    unused.collation = None;
    let to = {
        let mut s = Schema::new(PUBLIC);
        s.domains = vec![code2, posint, small, unused];
        let mut c = col("n", "public.small");
        c.data_type = user_type(PUBLIC, "small", UserTypeKind::Domain);
        s.tables = vec![pg_table("items").with(c)];
        s
    };
    (pg(vec![from]), pg(vec![to]))
}

/// Composite and range types before and after (Postgres, schema `public`): attributes
/// changed, dropped and added; a composite type made again (attributes reordered); a new
/// composite type with a domain attribute; a range whose subtype changes; a new range; drops;
/// comments.
/// A partitioned table (`key` as `pg_get_partkeydef` prints it) of `id bigint NOT NULL`,
/// `at date NOT NULL` and `kind text`.
pub fn partitioned(name: &str, key: &str) -> Table {
    let mut t = Table::new(name)
        .with(col("id", "bigint").not_null())
        .with(col("at", "date").not_null())
        .with(col("kind", "text"));
    t.partition = Some(Partitioning {
        key: Some(key.into()),
        of: None,
    });
    t
}

/// A partition of `public.parent` (its columns are the parent's: none of its own).
pub fn partition_of(name: &str, parent: &str, bound: &str) -> Table {
    let mut t = Table::new(name);
    t.partition = Some(Partitioning {
        key: None,
        of: Some(PartitionOf {
            parent_schema: PUBLIC.into(),
            parent: parent.into(),
            bound: bound.into(),
        }),
    });
    t
}

/// Partitioned tables (Postgres `server` version) before and after: `events` gains a partition
/// (attached online), loses one (detached, dropped) and gets an index on the parent; `logs`
/// (with a DEFAULT partition) gains one and loses one; `metrics` is new, sub-partitioned.
pub fn partition_models(server: &str) -> (Database, Database) {
    let year = |y: i32| format!("FOR VALUES FROM ('{y}-01-01') TO ('{}-01-01')", y + 1);
    let mut events = partitioned("events", "RANGE (at)");
    events.checks = vec![check("events_kind_check", "(kind <> ''::text)")];
    let logs = partitioned("logs", "RANGE (at)");
    let from = pg_public(vec![
        events.clone(),
        partition_of("events_2023", "events", &year(2023)),
        partition_of("events_2024", "events", &year(2024)),
        logs.clone(),
        partition_of("logs_2023", "logs", &year(2023)),
        partition_of("logs_2024", "logs", &year(2024)),
        partition_of("logs_rest", "logs", "DEFAULT"),
    ]);
    let mut events2 = events.clone();
    events2.indexes = vec![pg_index("events_kind_idx", &["kind"])];
    let mut metrics_2024 = partition_of("metrics_2024", "metrics", &year(2024));
    metrics_2024.partition.as_mut().unwrap().key = Some("LIST (kind)".into());
    let to = pg_public(vec![
        events2,
        partition_of("events_2024", "events", &year(2024)),
        partition_of("events_2025", "events", &year(2025)),
        logs,
        partition_of("logs_2024", "logs", &year(2024)),
        partition_of("logs_2025", "logs", &year(2025)),
        partition_of("logs_rest", "logs", "DEFAULT"),
        partitioned("metrics", "RANGE (at)"),
        metrics_2024,
        partition_of("metrics_2024_eu", "metrics_2024", "FOR VALUES IN ('eu')"),
    ]);
    let version = |mut d: Database| {
        d.server_version = server.into();
        d
    };
    (version(from), version(to))
}

pub fn composite_models() -> (Database, Database) {
    let from = {
        let mut s = Schema::new(PUBLIC);
        s.composites = vec![
            composite("gone", &[("x", "integer")]),
            composite("pair", &[("a", "integer"), ("b", "text")]),
            composite("swapped", &[("a", "integer"), ("b", "text")]),
        ];
        s.ranges = vec![range("r1", "integer"), range("old_range", "date")];
        s.domains = vec![domain("posint", "integer")];
        s
    };
    let to = {
        let mut s = Schema::new(PUBLIC);
        let mut pair = composite("pair", &[("a", "bigint"), ("c", "numeric")]);
        pair.attributes[1].collation = None;
        pair.comment = Some("two things".into());
        let mut rec = composite("rec", &[("n", "integer"), ("label", "text")]);
        rec.attributes[0].data_type = user_type(PUBLIC, "posint", UserTypeKind::Domain);
        rec.attributes[1].collation = Some("\"C\"".into());
        let mut floats = range("floatrange", "double precision");
        floats.subtype_diff = Some("float8mi".into());
        floats.comment = Some("floats".into());
        s.composites = vec![
            pair,
            rec,
            composite("swapped", &[("b", "text"), ("a", "integer")]),
        ];
        s.ranges = vec![range("r1", "numeric"), floats];
        s.domains = vec![domain("posint", "integer")];
        s
    };
    (pg(vec![from]), pg(vec![to]))
}

/// An enum renamed and one of its values renamed (hints), used by a column with a default.
pub fn enum_rename_models() -> (Database, Database, Hints) {
    let table = |ty: &str, default: &str| {
        let mut c =
            col("mood", &format!("public.{ty}")).default(&format!("'{default}'::public.{ty}"));
        c.data_type = user_type(PUBLIC, ty, UserTypeKind::Enum);
        pg_table("people").with(c)
    };
    let from = {
        let mut s = Schema::new(PUBLIC);
        s.enums = vec![enum_type("mood", &["sad", "happy"])];
        s.tables = vec![table("mood", "happy")];
        s
    };
    let to = {
        let mut s = Schema::new(PUBLIC);
        s.enums = vec![enum_type("feeling", &["sad", "glad"])];
        s.tables = vec![table("feeling", "glad")];
        s
    };
    let mut h = Hints::default();
    h.type_renames
        .insert((PUBLIC.into(), "feeling".into()), "mood".into());
    h.enum_value_renames.insert(
        ((PUBLIC.into(), "feeling".into()), "glad".into()),
        "happy".into(),
    );
    (pg(vec![from]), pg(vec![to]), h)
}

/// A `bigint` sequence with Postgres' defaults.
pub fn sequence(name: &str) -> Sequence {
    Sequence {
        name: name.into(),
        data_type: "bigint".into(),
        start: 1,
        increment: 1,
        min: 1,
        max: i64::MAX,
        cache: 1,
        cycle: false,
        owned_by: None,
        comment: None,
    }
}

pub fn extension(name: &str, version: &str) -> Extension {
    Extension {
        name: name.into(),
        version: version.into(),
        comment: None,
    }
}

/// A Postgres function `public.name(arguments)` returning `result`, with `body` (SQL) as
/// `pg_get_functiondef` prints it.
pub fn pg_function(name: &str, arguments: &str, result: &str, body: &str) -> Routine {
    let signature: Vec<&str> = arguments
        .split(", ")
        .filter(|a| !a.is_empty())
        .map(|a| a.rsplit(' ').next().unwrap_or(a))
        .collect();
    Routine {
        name: name.into(),
        kind: RoutineKind::Function,
        arguments: arguments.into(),
        signature: signature.join(", "),
        result: Some(result.into()),
        defaults: 0,
        definition: format!(
            "CREATE OR REPLACE FUNCTION public.{name}({arguments})\n RETURNS {result}\n LANGUAGE plpgsql\nAS $function${body}$function$"
        ),
        comment: None,
    }
}

/// A Postgres trigger `name` on `public.table` as `pg_get_triggerdef` prints it: `spec` is
/// what comes between the name and `ON` (`BEFORE UPDATE`), `rest` what follows the table.
pub fn pg_trigger(name: &str, table: &str, spec: &str, rest: &str) -> Trigger {
    Trigger {
        name: name.into(),
        table: table.into(),
        definition: format!("CREATE TRIGGER {name} {spec} ON public.{table} {rest}"),
        enabled: TriggerEnabled::Enabled,
        constraint: false,
        comment: None,
        options: Options::new(),
    }
}

pub trait SchemaExt: Sized {
    fn table(self, t: Table) -> Self;
    fn view(self, v: View) -> Self;
    fn enum_type(self, e: Enum) -> Self;
    fn sequence(self, q: Sequence) -> Self;
    fn extension(self, e: Extension) -> Self;
    fn routine(self, r: Routine) -> Self;
    fn trigger(self, t: Trigger) -> Self;
    fn comment(self, text: &str) -> Self;
}

impl SchemaExt for Schema {
    fn table(mut self, t: Table) -> Self {
        self.tables.push(t);
        self
    }
    fn view(mut self, v: View) -> Self {
        self.views.push(v);
        self
    }
    fn enum_type(mut self, e: Enum) -> Self {
        self.enums.push(e);
        self
    }
    fn sequence(mut self, q: Sequence) -> Self {
        self.sequences.push(q);
        self
    }
    fn extension(mut self, e: Extension) -> Self {
        self.extensions.push(e);
        self
    }
    fn routine(mut self, r: Routine) -> Self {
        self.routines.push(r);
        self
    }
    fn trigger(mut self, t: Trigger) -> Self {
        self.triggers.push(t);
        self
    }
    fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.into());
        self
    }
}

/// A Postgres database of `schemas`.
pub fn pg(schemas: Vec<Schema>) -> Database {
    let mut d = Database::new(Dialect::Postgres);
    d.schemas = schemas;
    d.canonicalize();
    d
}

/// A Postgres database whose schema `public` holds `tables`.
pub fn pg_public(tables: Vec<Table>) -> Database {
    let mut s = Schema::new(PUBLIC);
    s.tables = tables;
    pg(vec![s])
}

/// A MySQL-family database `app` (server `server`) holding `tables` and `views`.
pub fn my_db(server: &str, tables: Vec<Table>, views: Vec<View>) -> Database {
    let mut d = Database::new(Dialect::Mysql);
    let mut s = Schema::new(APP);
    s.options.insert("charset".into(), "utf8mb4".into());
    s.options
        .insert("collation".into(), "utf8mb4_general_ci".into());
    s.tables = tables;
    s.views = views;
    d.schemas.push(s);
    d.server_version = server.into();
    d.canonicalize();
    d
}

/// A MariaDB 10.11 database `app` holding `tables`.
pub fn mariadb(tables: Vec<Table>) -> Database {
    my_db(MARIADB, tables, vec![])
}

/// The same models, read from MySQL proper ([`MYSQL`]): a MariaDB case's SQL as MySQL 9.7
/// needs it.
pub fn on_mysql_proper(mut from: Database, mut to: Database) -> (Database, Database) {
    from.server_version = MYSQL.into();
    to.server_version = MYSQL.into();
    (from, to)
}

// ---------------------------------------------------------------- hints

pub trait HintsExt: Sized {
    /// `-- migrator:renamed-from old` on table `new`.
    fn rename_table(self, schema: &str, new: &str, old: &str) -> Self;
    /// `-- migrator:renamed-from old` on column `table.new`.
    fn rename_column(self, schema: &str, table: &str, new: &str, old: &str) -> Self;
    /// `-- migrator:backfill expr` on column `table.column`.
    fn backfill(self, schema: &str, table: &str, column: &str, expr: &str) -> Self;
    /// `-- migrator:using expr` on column `table.column`.
    fn using(self, schema: &str, table: &str, column: &str, expr: &str) -> Self;
}

impl HintsExt for Hints {
    fn rename_table(mut self, schema: &str, new: &str, old: &str) -> Self {
        self.table_renames
            .insert((schema.into(), new.into()), old.into());
        self
    }
    fn rename_column(mut self, schema: &str, table: &str, new: &str, old: &str) -> Self {
        self.column_renames
            .insert(((schema.into(), table.into()), new.into()), old.into());
        self
    }
    fn backfill(mut self, schema: &str, table: &str, column: &str, expr: &str) -> Self {
        self.backfill
            .insert(((schema.into(), table.into()), column.into()), expr.into());
        self
    }
    fn using(mut self, schema: &str, table: &str, column: &str, expr: &str) -> Self {
        self.using
            .insert(((schema.into(), table.into()), column.into()), expr.into());
        self
    }
}

pub fn hints() -> Hints {
    Hints::default()
}

// ---------------------------------------------------------------- change variants

/// The variant of a change. Exhaustive on purpose (no wildcard arm): a new variant does not
/// compile until it is listed here and in [`ALL_VARIANTS`]; then the coverage tests fail until
/// render and plan cases exercise it.
pub fn variant(c: &Change) -> &'static str {
    match c {
        Change::CreateSchema { .. } => "create_schema",
        Change::DropSchema { .. } => "drop_schema",
        Change::CreateExtension { .. } => "create_extension",
        Change::UpdateExtension { .. } => "update_extension",
        Change::DropExtension { .. } => "drop_extension",
        Change::CreateEnum { .. } => "create_enum",
        Change::AddEnumValue { .. } => "add_enum_value",
        Change::RecreateEnum { .. } => "recreate_enum",
        Change::DropEnum { .. } => "drop_enum",
        Change::CreateSequence { .. } => "create_sequence",
        Change::AlterSequence { .. } => "alter_sequence",
        Change::RenameSequence { .. } => "rename_sequence",
        Change::SetSequenceOwner { .. } => "set_sequence_owner",
        Change::DropSequence { .. } => "drop_sequence",
        Change::CreateTable { .. } => "create_table",
        Change::RenameTable { .. } => "rename_table",
        Change::AlterTableOptions { .. } => "alter_table_options",
        Change::DropTable { .. } => "drop_table",
        Change::AddColumn { .. } => "add_column",
        Change::RenameColumn { .. } => "rename_column",
        Change::AlterColumn { .. } => "alter_column",
        Change::DropColumn { .. } => "drop_column",
        Change::AddPrimaryKey { .. } => "add_primary_key",
        Change::AddUnique { .. } => "add_unique",
        Change::AddCheck { .. } => "add_check",
        Change::AddExclusion { .. } => "add_exclusion",
        Change::AddForeignKey { .. } => "add_foreign_key",
        Change::ValidateConstraint { .. } => "validate_constraint",
        Change::RenameConstraint { .. } => "rename_constraint",
        Change::DropConstraint { .. } => "drop_constraint",
        Change::CreateIndex { .. } => "create_index",
        Change::RenameIndex { .. } => "rename_index",
        Change::DropIndex { .. } => "drop_index",
        Change::CreateView { .. } => "create_view",
        Change::DropView { .. } => "drop_view",
        Change::Comment { .. } => "comment",
        Change::CreateRoutine { .. } => "create_routine",
        Change::ReplaceRoutine { .. } => "replace_routine",
        Change::DropRoutine { .. } => "drop_routine",
        Change::CreateTrigger { .. } => "create_trigger",
        Change::ReplaceTrigger { .. } => "replace_trigger",
        Change::SetTriggerEnabled { .. } => "set_trigger_enabled",
        Change::DropTrigger { .. } => "drop_trigger",
        Change::CreateDomain { .. } => "create_domain",
        Change::DropDomain { .. } => "drop_domain",
        Change::SetDomainDefault { .. } => "set_domain_default",
        Change::SetDomainNotNull { .. } => "set_domain_not_null",
        Change::AddDomainCheck { .. } => "add_domain_check",
        Change::ValidateDomainCheck { .. } => "validate_domain_check",
        Change::DropDomainCheck { .. } => "drop_domain_check",
        Change::CreateComposite { .. } => "create_composite",
        Change::DropComposite { .. } => "drop_composite",
        Change::AddAttribute { .. } => "add_attribute",
        Change::DropAttribute { .. } => "drop_attribute",
        Change::AlterAttribute { .. } => "alter_attribute",
        Change::CreateRange { .. } => "create_range",
        Change::DropRange { .. } => "drop_range",
        Change::RenameEnum { .. } => "rename_enum",
        Change::RenameEnumValue { .. } => "rename_enum_value",
        Change::CreateEvent { .. } => "create_event",
        Change::AlterEvent { .. } => "alter_event",
        Change::DropEvent { .. } => "drop_event",
        Change::CreatePolicy { .. } => "create_policy",
        Change::AlterPolicy { .. } => "alter_policy",
        Change::ReplacePolicy { .. } => "replace_policy",
        Change::RenamePolicy { .. } => "rename_policy",
        Change::DropPolicy { .. } => "drop_policy",
        Change::AttachPartition { .. } => "attach_partition",
        Change::DetachPartition { .. } => "detach_partition",
        Change::Repartition { .. } => "repartition",
        Change::AlterPartitioning { .. } => "alter_partitioning",
    }
}

/// Every variant [`variant`] names.
pub const ALL_VARIANTS: &[&str] = &[
    "alter_partitioning",
    "create_schema",
    "drop_schema",
    "create_extension",
    "update_extension",
    "drop_extension",
    "create_enum",
    "add_enum_value",
    "recreate_enum",
    "drop_enum",
    "create_sequence",
    "alter_sequence",
    "rename_sequence",
    "set_sequence_owner",
    "drop_sequence",
    "create_table",
    "rename_table",
    "alter_table_options",
    "drop_table",
    "add_column",
    "rename_column",
    "alter_column",
    "drop_column",
    "add_primary_key",
    "add_unique",
    "add_check",
    "add_exclusion",
    "add_foreign_key",
    "validate_constraint",
    "rename_constraint",
    "drop_constraint",
    "create_index",
    "rename_index",
    "drop_index",
    "create_view",
    "drop_view",
    "comment",
    "create_routine",
    "replace_routine",
    "drop_routine",
    "create_trigger",
    "replace_trigger",
    "set_trigger_enabled",
    "drop_trigger",
    "create_domain",
    "drop_domain",
    "set_domain_default",
    "set_domain_not_null",
    "add_domain_check",
    "validate_domain_check",
    "drop_domain_check",
    "create_composite",
    "drop_composite",
    "add_attribute",
    "drop_attribute",
    "alter_attribute",
    "create_range",
    "drop_range",
    "rename_enum",
    "rename_enum_value",
    "create_event",
    "alter_event",
    "drop_event",
    "create_policy",
    "alter_policy",
    "replace_policy",
    "rename_policy",
    "drop_policy",
    "attach_partition",
    "detach_partition",
    "repartition",
];

// ---------------------------------------------------------------- policies

/// A permissive `FOR ALL` policy for `PUBLIC` on `table` using `using`.
pub fn pg_policy(table: &str, name: &str, using: &str) -> Policy {
    Policy {
        name: name.into(),
        table: table.into(),
        permissive: true,
        command: PolicyCommand::All,
        roles: vec![PUBLIC_ROLE.into()],
        using: Some(using.into()),
        check: None,
        comment: None,
    }
}

/// Row-level security on `docs` (in use) and on a new table `notes`, both turned on with new
/// policies; policies of `docs` kept, altered (roles, USING, WITH CHECK), replaced (command;
/// permissive → restrictive; an expression removed), renamed by a hint, dropped, commented;
/// `logs` has row-level security turned off while its policy goes.
pub fn policies_case() -> (Database, Database, Hints) {
    let docs = || {
        pg_table("docs")
            .with(col("owner", "text"))
            .with(col("tenant", "integer"))
    };
    let logs = || pg_table("logs").with(col("ok", "boolean"));
    let p = pg_policy;
    let mut from = Schema::new(PUBLIC);
    from.tables = vec![docs(), logs().opt("row_security", "forced")];
    let mut roles_changed = p("docs", "by_role", "true");
    let mut command_changed = p("docs", "by_command", "(owner = CURRENT_USER)");
    command_changed.command = PolicyCommand::Select;
    let mut check_removed = p("docs", "check_removed", "true");
    check_removed.check = Some("(tenant > 0)".into());
    let mut commented = p("docs", "commented", "true");
    commented.comment = Some("was".into());
    from.policies = vec![
        p("docs", "kept", "true"),
        roles_changed.clone(),
        p("docs", "by_using", "(tenant = 1)"),
        command_changed.clone(),
        p("docs", "to_restrictive", "(owner IS NOT NULL)"),
        check_removed.clone(),
        p("docs", "old_name", "(tenant > 0)"),
        p("docs", "gone", "false"),
        commented.clone(),
        p("logs", "logs_ok", "ok"),
    ];
    let mut to = Schema::new(PUBLIC);
    let mut notes_policy = p(
        "notes",
        "notes_tenant",
        "(tenant_id = (current_setting('app.tenant_id'::text))::integer)",
    );
    notes_policy.check = notes_policy.using.clone();
    notes_policy.comment = Some("one tenant per session".into());
    to.tables = vec![
        docs().opt("row_security", "enabled"),
        logs(),
        pg_table("notes")
            .with(col("tenant_id", "integer").not_null())
            .opt("row_security", "forced"),
    ];
    roles_changed.roles = vec!["app_reader".into(), "Auditors".into()];
    command_changed.command = PolicyCommand::Update;
    command_changed.check = Some("(owner = CURRENT_USER)".into());
    let mut to_restrictive = p("docs", "to_restrictive", "(owner IS NOT NULL)");
    to_restrictive.permissive = false;
    check_removed.check = None;
    commented.comment = Some("is".into());
    let mut with_check = p("docs", "by_using", "(tenant = 2)");
    with_check.check = Some("(tenant = 2)".into());
    let mut inserting = p("docs", "inserting", "x");
    inserting.command = PolicyCommand::Insert;
    inserting.using = None;
    inserting.check = Some("(tenant IS NOT NULL)".into());
    inserting.roles = vec!["app_writer".into()];
    to.policies = vec![
        p("docs", "kept", "true"),
        roles_changed,
        with_check,
        command_changed,
        to_restrictive,
        check_removed,
        p("docs", "new_name", "(tenant > 0)"),
        commented,
        inserting,
        notes_policy,
    ];
    let mut h = hints();
    h.policy_renames.insert(
        ((String::new(), "docs".into()), "new_name".into()),
        "old_name".into(),
    );
    (pg(vec![from]), pg(vec![to]), h)
}

// ---------------------------------------------------------------- text renderings

/// The serde tag of a change (`add_column`, …).
pub fn tag(c: &Change) -> String {
    serde_json::to_value(c).expect("changes serialize")["change"]
        .as_str()
        .expect("tagged")
        .to_string()
}

/// One line naming a change and what it is about: its tag, then its fields in name order,
/// objects by their name.
pub fn describe(c: &Change) -> String {
    let value = serde_json::to_value(c).expect("changes serialize");
    let object = value.as_object().expect("an object");
    let mut keys: Vec<&String> = object.keys().filter(|k| *k != "change").collect();
    keys.sort();
    let fields: Vec<String> = keys
        .into_iter()
        .map(|k| format!("{k}={}", short(&object[k])))
        .collect();
    format!("{} {}", tag(c), fields.join(" "))
}

fn short(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s.clone(),
        // A model object by its name; a tagged value (a comment target) in full.
        Value::Object(o) => match o.get("name").and_then(Value::as_str) {
            Some(name) if !o.contains_key("on") => name.to_string(),
            _ => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                let inner: Vec<String> = keys
                    .into_iter()
                    .map(|k| format!("{k}: {}", short(&o[k])))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        },
        Value::Array(a) => format!("[{}]", a.iter().map(short).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Statements, one after the other, each ended by `;`, those that run outside a transaction
/// marked.
pub fn show_sql(stmts: &[SqlStatement], by: &str) -> String {
    if stmts.is_empty() {
        return format!("{by}(none)\n");
    }
    let mut out = String::new();
    for s in stmts {
        if !s.transactional {
            out.push_str(&format!("{by}-- [outside a transaction]\n"));
        }
        out.push_str(&indent(&format!("{};", s.sql), by));
        out.push('\n');
    }
    out
}

/// Every field of every step.
pub fn show_steps(steps: &[Step]) -> String {
    if steps.is_empty() {
        return "(no steps)\n".into();
    }
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!("#{} [{}] {}\n", i + 1, s.phase, s.summary));
        out.push_str(&format!("  lock: {}\n", s.lock));
        if s.hazards.is_empty() {
            out.push_str("  hazards: none\n");
        } else {
            out.push_str("  hazards:\n");
            for h in &s.hazards {
                out.push_str(&format!("    - {h}\n"));
            }
        }
        out.push_str(&format!("  irreversible: {}\n", s.irreversible));
        match &s.backfill {
            None => out.push_str("  backfill: none\n"),
            Some(b) => {
                out.push_str(&format!("  backfill: table={} key={}\n", b.table, b.key));
                out.push_str(&format!("    update: {}\n", b.update));
            }
        }
        out.push_str("  up:\n");
        out.push_str(&show_sql(&s.up, "    "));
        out.push_str("  down:\n");
        out.push_str(&show_sql(&s.down, "    "));
        out.push('\n');
    }
    out
}

/// The changes `diff_unchecked` finds from `from` to `to` (the path `migrator plan` takes),
/// then the plan of them, as text: what a plan snapshot holds.
pub fn plan_text(from: &Database, to: &Database, hints: &Hints, allow_destructive: bool) -> String {
    let changes = migrator_core::diff::diff_unchecked(from, to, hints);
    plan_changes_text(&changes, from, to, hints, allow_destructive)
}

/// As [`plan_text`], for a given change list.
pub fn plan_changes_text(
    changes: &[Change],
    from: &Database,
    to: &Database,
    hints: &Hints,
    allow_destructive: bool,
) -> String {
    let mut out = String::from("changes:\n");
    if changes.is_empty() {
        out.push_str("  (none)\n");
    }
    for c in changes {
        out.push_str(&format!("  - {}\n", describe(c)));
    }
    out.push_str(&format!("allow_destructive: {allow_destructive}\n\n"));
    let opts = PlanOptions {
        allow_destructive,
        batch_size: BATCH,
        ignore: migrator_core::source::Ignore::NONE,
    };
    match plan(from.dialect, changes, from, to, hints, opts) {
        Ok(steps) => out.push_str(&show_steps(&steps)),
        Err(e) => out.push_str(&format!("refused: {e}\n")),
    }
    out
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- events and sequences

/// An event of [`APP`] (MySQL): `EVERY 1 DAY`, enabled, `NOT PRESERVE`.
pub fn my_event(name: &str, body: &str) -> Event {
    Event {
        name: name.into(),
        schedule: EventSchedule::Every {
            value: "1".into(),
            unit: "DAY".into(),
            starts: None,
            ends: None,
        },
        preserve: false,
        status: EventStatus::Enabled,
        comment: None,
        body: body.into(),
    }
}

/// A MariaDB sequence (bigint, the server's defaults).
pub fn my_sequence(name: &str, start: i64, increment: i64) -> Sequence {
    Sequence {
        name: name.into(),
        data_type: "bigint".into(),
        start,
        increment,
        min: 1,
        max: 9223372036854775806,
        cache: 1000,
        cycle: false,
        owned_by: None,
        comment: None,
    }
}

/// A MySQL partitioning of `method` (`expression`) with `parts` as (name, values).
pub fn my_partitioning(
    method: &str,
    expression: &str,
    parts: &[(&str, Option<&str>)],
) -> PartitionBy {
    PartitionBy {
        method: method.into(),
        expression: expression.into(),
        partitions: parts
            .iter()
            .map(|(n, v)| PartitionDef {
                values: v.map(str::to_string),
                ..PartitionDef::named(*n)
            })
            .collect(),
        sub: None,
    }
}

/// MySQL / MariaDB partitioning: a new partitioned table; a RANGE window that drops its oldest
/// partition and adds the next; a MAXVALUE partition split; LIST values added beside a new
/// partition; a HASH count grown; a plain table partitioned; partitioning removed.
pub fn my_partition_models() -> (Database, Database) {
    let years = |parts: &[(&str, Option<&str>)]| my_partitioning("RANGE", "year(`at`)", parts);
    let with = |name: &str, p: Option<PartitionBy>| Table {
        partitioned_by: p,
        ..my_table(name).with(col("at", "date").not_null())
    };
    let hashed = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        let parts: Vec<(&str, Option<&str>)> = names.iter().map(|n| (n.as_str(), None)).collect();
        my_partitioning("HASH", "`id`", &parts)
    };
    let regions =
        |parts: &[(&str, Option<&str>)]| my_partitioning("LIST COLUMNS", "`region`", parts);
    let accounts = |p| Table {
        partitioned_by: Some(p),
        ..my_table("accounts").with(col("region", "varchar(4)").not_null())
    };
    let from = mariadb(vec![
        with(
            "metrics",
            Some(years(&[("p2023", Some("2024")), ("p2024", Some("2025"))])),
        ),
        with(
            "events",
            Some(years(&[
                ("p2024", Some("2025")),
                ("pmax", Some("MAXVALUE")),
            ])),
        ),
        accounts(regions(&[("eu", Some("'de','fr'")), ("us", Some("'us'"))])),
        with("sessions", Some(hashed(2))),
        with("orders", None),
        with("archive", Some(hashed(4))),
    ]);
    let to = mariadb(vec![
        with(
            "metrics",
            Some(years(&[("p2024", Some("2025")), ("p2025", Some("2026"))])),
        ),
        with(
            "events",
            Some(years(&[
                ("p2024", Some("2025")),
                ("p2025", Some("2026")),
                ("pmax", Some("MAXVALUE")),
            ])),
        ),
        accounts(regions(&[
            ("apac", Some("'jp'")),
            ("eu", Some("'de','fr','it'")),
            ("us", Some("'us'")),
        ])),
        with("sessions", Some(hashed(4))),
        with("orders", Some(hashed(2))),
        with("archive", None),
        with(
            "logs",
            Some(years(&[
                ("p2025", Some("2026")),
                ("pmax", Some("MAXVALUE")),
            ])),
        ),
    ]);
    (from, to)
}

/// comment, body) and renamed by a hint, one whose `ENDS` goes (dropped and created), one
/// dropped, one created with a `STARTS`, disabled on replicas; a sequence created for a new
/// column's default, one whose bounds narrow, one dropped.
pub fn events_and_sequences_models() -> (Database, Database, migrator_core::diff::Hints) {
    let mut from = my_db(MARIADB, vec![my_table("visits")], vec![]);
    let mut to = my_db(
        MARIADB,
        vec![my_table("visits").with(col("number", "bigint").default("nextval(`visit_no`)"))],
        vec![],
    );
    let purge = my_event("purge", "DELETE FROM visits WHERE id < 0");
    let mut ends = my_event("windowed", "DELETE FROM visits WHERE id < -1");
    ends.schedule = EventSchedule::Every {
        value: "'1:30'".into(),
        unit: "HOUR_MINUTE".into(),
        starts: Some("2030-01-01 00:00:00".into()),
        ends: Some("2031-01-01 00:00:00".into()),
    };
    from.schemas[0].events = vec![
        purge.clone(),
        ends.clone(),
        my_event("gone", "BEGIN DELETE FROM visits; END"),
    ];
    let mut nightly = purge;
    nightly.name = "nightly_purge".into();
    nightly.schedule = EventSchedule::Every {
        value: "6".into(),
        unit: "HOUR".into(),
        starts: None,
        ends: None,
    };
    nightly.preserve = true;
    nightly.comment = Some("it's nightly".into());
    nightly.body =
        "BEGIN DELETE FROM visits WHERE id < 0; DELETE FROM visits WHERE id < -2; END".into();
    let mut open_ended = ends;
    open_ended.schedule = EventSchedule::Every {
        value: "'1:30'".into(),
        unit: "HOUR_MINUTE".into(),
        starts: Some("2030-01-01 00:00:00".into()),
        ends: None,
    };
    let mut once = my_event("once", "UPDATE visits SET number = 0");
    once.schedule = EventSchedule::At {
        at: "2030-06-01 12:00:00".into(),
    };
    once.status = EventStatus::ReplicaDisabled;
    to.schemas[0].events = vec![nightly, open_ended, once];
    from.schemas[0].sequences = vec![my_sequence("narrowed", 1, 1), my_sequence("old_seq", 1, 1)];
    let mut narrowed = my_sequence("narrowed", 10, 5);
    narrowed.min = 10;
    narrowed.max = 100000;
    narrowed.cache = 0;
    narrowed.cycle = true;
    to.schemas[0].sequences = vec![narrowed, my_sequence("visit_no", 5000, 1)];
    from.canonicalize();
    to.canonicalize();
    let mut hints = migrator_core::diff::Hints::default();
    hints
        .event_renames
        .insert((String::new(), "nightly_purge".into()), "purge".into());
    (from, to, hints)
}

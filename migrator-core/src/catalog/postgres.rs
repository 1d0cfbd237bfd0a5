//! Postgres catalog introspection.
//!
//! One inspection is two round trips, whatever the number of tables:
//!
//! 1. `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY` (one snapshot for every query) plus
//!    session settings that make the server's deparsed text deterministic (`search_path`,
//!    `TimeZone`, `DateStyle`…), and the server version;
//! 2. fourteen set-based queries over `pg_catalog` — one per kind of object, none per table —
//!    sent together (pipelined) as unnamed statements, so without prepare round trips, and
//!    `COMMIT` after them.
//!
//! A third one runs only when a foreign key references a table outside the inspected schemas
//! (or a sequence is owned by a partitioned table), to name those columns.
//!
//! Rows are matched up in memory by OID. Nothing is parsed from SQL text: types come from
//! `format_type`, expressions from `pg_get_expr` / `pg_get_indexdef` / `pg_get_viewdef` /
//! `pg_get_constraintdef`, exactly as `pg_dump` gets them (non-pretty mode, which is the stable,
//! re-parseable one).
//!
//! With `search_path` set to `pg_catalog` alone, every reference to a user object in deparsed
//! text is schema-qualified (`public.mood`, `nextval('shop.orders_id_seq'::regclass)`), so the
//! text does not depend on the connecting role's settings.
//!
//! # Server versions
//!
//! Postgres 13 to 18 give the same model for the same DDL. What a version can do is asked of
//! [`PgVersion`] (the one place that knows which release brought what; the inspector records
//! the version in [`Database::server_version`], and [`PgVersion::of`] reads it back):
//!
//! - 14: procedures' identity arguments name every mode (`p(IN days integer)`); Postgres 13's
//!   `p(days integer)` is spelled the same way here;
//! - 15: `UNIQUE … NULLS NOT DISTINCT` (read from `indnullsnotdistinct`; always false before);
//! - 18: NOT NULL is also catalogued as a constraint (`pg_constraint.contype = 'n'`, named
//!   `<table>_<column>_not_null` unless named in the DDL). The model keeps NOT NULL as the
//!   column's `nullable` flag only: those constraints are not read (the constraint query takes
//!   the kinds it models), so no diff can drop or rename one, and a table renamed on 18 (whose
//!   NOT NULL constraints keep their old names) has the same model as one created with the
//!   new name. A NOT VALID one (18 sets `attnotnull` for it although rows may hold NULLs)
//!   leaves the column nullable in the model, as the planner's `CHECK … NOT VALID` does;
//! - 18: virtual generated columns (`attgenerated = 'v'`, the default kind of `GENERATED
//!   ALWAYS AS (…)` there): [`Generated::stored`] is false for them.
//!
//! Partitioned tables and partitions are tables with [`Partitioning`]; a partition reports only
//! what is its own: its columns (fetched only to name its keys) and the constraints
//! (`coninhcount > 0`, `conparentid <> 0`) and indexes (attached through `pg_inherits`) it
//! inherits are its parent's.
//!
//! Not introspected (yet): table inheritance (other than partitioning), column statistics
//! targets, storage modes and compression, `ON DELETE SET NULL (cols)` column lists, names of
//! identity sequences and (Postgres 18) of NOT NULL constraints, privileges, owners, security
//! labels, user-defined collations / operators / casts as objects, statistics objects,
//! publications, event triggers. Foreign tables (and their triggers and policies), aggregates,
//! rules and base types are listed as
//! [`Unmanaged`] without their details. Functions, procedures and triggers are compared by
//! `pg_get_functiondef` / `pg_get_triggerdef`.

use super::{is_own_object, Inspector};
use crate::connect::pg_error_text;
use crate::schema::*;
use crate::{DatabaseUrl, Dialect, Error, Result};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use tokio_postgres::types::{FromSql, ToSql, Type};
use tokio_postgres::{Client, Row, SimpleQueryMessage};

/// A Postgres server version as `server_version_num` gives it (`150018` is 15.18), and the
/// capabilities that depend on it. Every version-dependent decision of the Postgres modules (the
/// inspector's queries, the renderer, the planner, the tests) asks one of these methods instead
/// of comparing numbers itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgVersion(u32);

impl PgVersion {
    /// The oldest release migrator supports and tests.
    pub const OLDEST_SUPPORTED: PgVersion = PgVersion(130_000);

    /// From `server_version_num` (`major * 10000 + minor` since Postgres 10).
    pub fn from_num(num: u32) -> PgVersion {
        PgVersion(num)
    }

    /// `major.minor` (as [`Database::server_version`] holds it) or a `server_version_num`.
    pub fn parse(text: &str) -> Option<PgVersion> {
        let text = text.trim();
        if !text.contains('.') {
            return text.parse().ok().filter(|&n| n >= 100_000).map(PgVersion);
        }
        let (major, minor) = text.split_once('.')?;
        let (major, minor): (u32, u32) = (major.parse().ok()?, minor.parse().ok()?);
        (major >= 10 && minor < 10_000).then_some(PgVersion(major * 10_000 + minor))
    }

    /// The version of the Postgres server `db` was read from (`None` for another dialect, or a
    /// model built by hand).
    pub fn of(db: &Database) -> Option<PgVersion> {
        match db.dialect {
            Dialect::Postgres => PgVersion::parse(&db.server_version),
            Dialect::Mysql => None,
        }
    }

    /// The number `server_version_num` gives (`150018`).
    pub fn num(self) -> u32 {
        self.0
    }

    pub fn major(self) -> u32 {
        self.0 / 10_000
    }

    /// 14+: `ALTER TABLE … DETACH PARTITION … CONCURRENTLY` (outside a transaction block).
    pub fn detach_partition_concurrently(self) -> bool {
        self.major() >= 14
    }

    /// 14+: a procedure's identity arguments spell the mode of each (`IN days integer`).
    pub fn procedure_argument_modes(self) -> bool {
        self.major() >= 14
    }

    /// 14+: `CREATE OR REPLACE TRIGGER` (not for constraint triggers): a trigger is replaced
    /// under a `SHARE ROW EXCLUSIVE` lock instead of dropped (`ACCESS EXCLUSIVE`) and created.
    pub fn create_or_replace_trigger(self) -> bool {
        self.major() >= 14
    }

    /// 15+: `UNIQUE NULLS NOT DISTINCT` constraints and indexes.
    pub fn nulls_not_distinct(self) -> bool {
        self.major() >= 15
    }

    /// 17+: `ALTER COLUMN … SET EXPRESSION` on a stored generated column.
    pub fn set_generation_expression(self) -> bool {
        self.major() >= 17
    }

    /// 18+: NOT NULL catalogued as named constraints (`pg_constraint.contype = 'n'`).
    pub fn not_null_constraints(self) -> bool {
        self.major() >= 18
    }

    /// 18+: virtual generated columns (`GENERATED ALWAYS AS (…) VIRTUAL`, the default kind).
    pub fn virtual_generated_columns(self) -> bool {
        self.major() >= 18
    }
}

impl std::fmt::Display for PgVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major(), self.0 % 10_000)
    }
}

/// Reads a Postgres database's catalog. Owns its connection: it opens its own read-only
/// transaction on it for each inspection.
pub struct PostgresInspector {
    client: Client,
}

impl PostgresInspector {
    pub fn new(client: Client) -> Self {
        PostgresInspector { client }
    }

    /// Connects to `url` (application name `migrator`).
    pub async fn connect(url: &DatabaseUrl) -> Result<Self> {
        Ok(Self::new(crate::connect::postgres(url, "migrator").await?))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn into_client(self) -> Client {
        self.client
    }

    async fn fetch(&self, schemas: &[String]) -> Result<Raw> {
        let messages = match self.client.simple_query(BEGIN).await {
            Ok(m) => m,
            Err(e) => {
                // The settings may have failed after BEGIN: leave no transaction behind.
                let _ = self.client.batch_execute("ROLLBACK").await;
                return Err(db_err(e));
            }
        };
        let version = messages
            .iter()
            .find_map(|m| match m {
                SimpleQueryMessage::Row(r) => r.get(0).and_then(|v| v.parse::<u32>().ok()),
                _ => None,
            })
            .map(PgVersion::from_num)
            .unwrap_or(PgVersion::OLDEST_SUPPORTED);

        let filter: Option<Vec<&str>> =
            (!schemas.is_empty()).then(|| schemas.iter().map(String::as_str).collect());
        let params: [(&(dyn ToSql + Sync), Type); 1] = [(&filter, Type::TEXT_ARRAY)];
        let p = &params[..];
        let c = &self.client;
        let indexes = if version.nulls_not_distinct() {
            INDEXES_15
        } else {
            INDEXES
        };
        // All sent before the first answer is read (the connection pipelines them, and the
        // server runs them back to back); COMMIT goes last and ends the transaction whatever
        // happened to the queries.
        let (
            schemas,
            descriptions,
            ext,
            rels,
            seqs,
            cols,
            cons,
            idx,
            names,
            enums,
            domains,
            ranges,
            exts,
            routines,
            triggers,
            policies,
            unmanaged,
            commit,
        ) = tokio::join!(
            c.query_typed(SCHEMAS, p),
            c.query_typed(DESCRIPTIONS, &[]),
            c.query_typed(EXTENSION_MEMBERS, &[]),
            c.query_typed(RELATIONS, p),
            c.query_typed(SEQUENCES, p),
            c.query_typed(COLUMNS, p),
            c.query_typed(CONSTRAINTS, p),
            c.query_typed(indexes, p),
            c.query_typed(OPCLASSES_AND_COLLATIONS, &[]),
            c.query_typed(ENUMS, p),
            c.query_typed(DOMAINS, p),
            c.query_typed(RANGES, p),
            c.query_typed(EXTENSIONS, p),
            c.query_typed(ROUTINES, p),
            c.query_typed(TRIGGERS, p),
            c.query_typed(POLICIES, p),
            c.query_typed(UNMANAGED, p),
            c.batch_execute("COMMIT"),
        );
        let raw = Raw {
            version,
            schemas: schemas.map_err(db_err)?,
            descriptions: descriptions.map_err(db_err)?,
            ext: ext.map_err(db_err)?,
            rels: rels.map_err(db_err)?,
            seqs: seqs.map_err(db_err)?,
            cols: cols.map_err(db_err)?,
            cons: cons.map_err(db_err)?,
            idx: idx.map_err(db_err)?,
            names: names.map_err(db_err)?,
            enums: enums.map_err(db_err)?,
            domains: domains.map_err(db_err)?,
            ranges: ranges.map_err(db_err)?,
            exts: exts.map_err(db_err)?,
            routines: routines.map_err(db_err)?,
            triggers: triggers.map_err(db_err)?,
            policies: policies.map_err(db_err)?,
            unmanaged: unmanaged.map_err(db_err)?,
        };
        commit.map_err(db_err)?;
        Ok(raw)
    }
}

#[async_trait]
impl Inspector for PostgresInspector {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn inspect(&mut self, schemas: &[String]) -> Result<Database> {
        let raw = self.fetch(schemas).await?;
        let mut builder = Builder::new(&raw)?;
        let outside = builder.unresolved_references();
        if !outside.is_empty() {
            // Foreign keys into tables that were not inspected: name their columns. Rare (only
            // when a schema subset is inspected), hence not part of the pipelined batch.
            let rows = self
                .client
                .query_typed(REFERENCED_COLUMNS, &[(&outside, Type::OID_ARRAY)])
                .await
                .map_err(db_err)?;
            builder.resolve_references(&rows)?;
        }
        Ok(builder.finish())
    }
}

fn db_err(e: tokio_postgres::Error) -> Error {
    Error::db("inspecting the Postgres catalog", pg_error_text(&e))
}

// ---------------------------------------------------------------------------------------------
// Queries. `$1` is the list of schemas to inspect, or NULL for every non-system schema.
//
// Each query is shaped for the planner to use hash joins or a few index probes per row; no
// correlated sub-select runs per table. Functions that open the relation (`pg_get_expr` with a
// relation OID) are only called where the expression can reference columns.

const BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
    SET LOCAL search_path = pg_catalog; \
    SET LOCAL TimeZone = 'UTC'; \
    SET LOCAL DateStyle = 'ISO, MDY'; \
    SET LOCAL IntervalStyle = 'postgres'; \
    SET LOCAL extra_float_digits = 3; \
    SET LOCAL lock_timeout = '10s'; \
    SELECT current_setting('server_version_num')";

/// The schema filter, on a `pg_namespace` aliased `n`.
macro_rules! ns_filter {
    () => {
        "(CASE WHEN $1::text[] IS NULL \
              THEN n.nspname NOT IN ('pg_catalog', 'information_schema') \
                   AND n.nspname !~ '^pg_(toast|temp_)' \
              ELSE n.nspname = ANY ($1::text[]) END)"
    };
}

/// `quote_ident`-ed name, schema-qualified unless in `pg_catalog` (how DDL would spell it).
macro_rules! qualified {
    ($ns:literal, $name:literal) => {
        concat!(
            "CASE WHEN ",
            $ns,
            ".nspname = 'pg_catalog' THEN quote_ident(",
            $name,
            ") ELSE quote_ident(",
            $ns,
            ".nspname) || '.' || quote_ident(",
            $name,
            ") END"
        )
    };
}

const SCHEMAS: &str = concat!(
    "SELECT n.oid, n.nspname::text FROM pg_namespace n WHERE ",
    ns_filter!()
);

/// Comments on user objects (OIDs from `FirstNormalObjectId` on) and on schemas: few rows,
/// matched in memory instead of joined into every query.
const DESCRIPTIONS: &str = "SELECT d.classoid, d.objoid, d.objsubid, d.description \
     FROM pg_description d \
     WHERE d.objoid >= 16384 OR d.classoid = 'pg_namespace'::regclass";

/// Objects that belong to an extension: found through the extensions (an index scan on
/// `pg_depend`'s reference side), not by scanning all of `pg_depend`.
const EXTENSION_MEMBERS: &str = "SELECT d.classid, d.objid \
     FROM pg_extension e \
     JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid \
     WHERE d.deptype = 'e' \
       AND d.classid IN ('pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass)";

const RELATIONS: &str = concat!(
    "SELECT c.oid, c.relnamespace, c.relname::text, c.relkind, c.relpersistence, \
            c.relispartition, c.reloptions, c.relrowsecurity, c.relforcerowsecurity, \
            ts.spcname::text, CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END, \
            c.reltype, \
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, \
            pn.nspname::text, pc.relname::text \
     FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace \
     LEFT JOIN pg_inherits inh ON c.relispartition AND inh.inhrelid = c.oid \
     LEFT JOIN pg_class pc ON pc.oid = inh.inhparent \
     LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND ",
    ns_filter!()
);

/// Sequence options, and what owns the sequence: `a` (auto) = `OWNED BY` a column (serial),
/// `i` (internal) = an identity column's sequence. The owning table is always in the same
/// schema, so its column is named in memory.
const SEQUENCES: &str = concat!(
    "SELECT s.seqrelid, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, \
            s.seqmax, s.seqcache, s.seqcycle, dep.deptype, dep.refobjid, dep.refobjsubid \
     FROM pg_sequence s \
     JOIN pg_class c ON c.oid = s.seqrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_depend dep \
       ON dep.classid = 'pg_class'::regclass AND dep.objid = s.seqrelid AND dep.objsubid = 0 \
      AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i') \
     WHERE ",
    ns_filter!()
);

/// Columns of plain tables (and of materialized views, whose indexes name them), and the
/// attributes of composite types (`relkind = 'c'`). Defaults
/// cannot reference columns, so they are deparsed without opening the relation (relation
/// OID 0); generation expressions can, so they get the real one. A column is NOT NULL when
/// `attnotnull` says so and no NOT VALID NOT NULL constraint (Postgres 18: `contype = 'n'`,
/// which sets `attnotnull` while existing rows may still hold NULLs) is what makes it so; no
/// row joins there before 18.
const COLUMNS: &str = concat!(
    "SELECT a.attrelid, a.attnum, a.attname::text, format_type(a.atttypid, a.atttypmod), \
            a.attnotnull AND nn.oid IS NULL, \
            pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE ad.adrelid END), \
            a.attidentity, a.attgenerated, a.attcollation, t.typcollation, \
            (t.typelem <> 0 AND t.typlen = -1), \
            CASE WHEN etn.nspname <> 'pg_catalog' THEN etn.nspname::text END, \
            CASE WHEN etn.nspname <> 'pg_catalog' THEN et.typname::text END, et.typtype \
     FROM pg_attribute a \
     JOIN pg_class c ON c.oid = a.attrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_type t ON t.oid = a.atttypid \
     JOIN pg_type et \
       ON et.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END \
     JOIN pg_namespace etn ON etn.oid = et.typnamespace \
     LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
     LEFT JOIN pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n' \
      AND NOT nn.convalidated AND nn.conkey[1] = a.attnum \
     WHERE c.relkind IN ('r', 'p', 'm', 'c') \
       AND a.attnum > 0 AND NOT a.attisdropped AND ",
    ns_filter!()
);

/// Key columns come as attribute numbers and are named in memory (referenced columns too,
/// when the referenced table was inspected; see [`REFERENCED_COLUMNS`] otherwise). Postgres
/// 18's NOT NULL constraints (`contype = 'n'`) are left out on purpose: on every version NOT
/// NULL is the column's `nullable` flag (`attnotnull`), and their server-chosen names are not
/// part of the model.
const CONSTRAINTS: &str = concat!(
    "SELECT con.oid, con.conrelid, con.conname::text, con.contype, con.conkey, con.conindid, \
            con.condeferrable, con.condeferred, con.convalidated, con.connoinherit, \
            CASE con.contype WHEN 'c' THEN pg_get_expr(con.conbin, con.conrelid) \
                             WHEN 'x' THEN pg_get_constraintdef(con.oid) END, \
            fn.nspname::text, fc.relname::text, con.confrelid, con.confkey, \
            con.confupdtype, con.confdeltype, con.confmatchtype \
     FROM pg_constraint con \
     JOIN pg_class c ON c.oid = con.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_class fc ON fc.oid = con.confrelid \
     LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
     WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relkind IN ('r', 'p') \
       AND con.conparentid = 0 AND NOT (c.relispartition AND con.coninhcount > 0) AND ",
    ns_filter!()
);

/// Column names of relations whose columns were not fetched: tables outside the inspected
/// schemas that foreign keys reference, partitioned tables owning a sequence. Only run when
/// there are such.
const REFERENCED_COLUMNS: &str = "SELECT a.attrelid, a.attnum, a.attname::text \
     FROM pg_attribute a WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0";

macro_rules! indexes_query {
    ($nulls_not_distinct:literal) => {
        concat!(
            "SELECT i.indexrelid, i.indrelid, ic.relname::text, am.amname::text, i.indisunique, \
                    i.indisvalid, i.indnkeyatts, i.indkey::int2[], i.indoption::int2[], \
                    i.indclass::oid[], i.indcollation::oid[], \
                    CASE WHEN i.indexprs IS NOT NULL THEN ARRAY( \
                        SELECT CASE WHEN i.indkey[k - 1] = 0 \
                                    THEN pg_get_indexdef(i.indexrelid, k, false) END \
                        FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) END, \
                    pg_get_expr(i.indpred, i.indrelid), ic.reloptions, ts.spcname::text, ",
            $nulls_not_distinct,
            " FROM pg_index i \
             JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_am am ON am.oid = ic.relam \
             LEFT JOIN pg_tablespace ts ON ts.oid = ic.reltablespace \
             WHERE c.relkind IN ('r', 'p', 'm') \
               AND NOT EXISTS (SELECT FROM pg_inherits ih WHERE ih.inhrelid = i.indexrelid) AND ",
            ns_filter!()
        )
    };
}

const INDEXES: &str = indexes_query!("false");
const INDEXES_15: &str = indexes_query!("i.indnullsnotdistinct");

/// Names of non-default operator classes (`o`) and of collations other than the database
/// default (`c`): a few hundred rows, to name what `indclass`, `indcollation` and
/// `attcollation` point at without joining per index key.
const OPCLASSES_AND_COLLATIONS: &str = concat!(
    "SELECT 'o'::\"char\", o.oid, ",
    qualified!("n", "o.opcname"),
    " FROM pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace WHERE NOT o.opcdefault \
     UNION ALL \
     SELECT 'c', co.oid, ",
    qualified!("n", "co.collname"),
    " FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace WHERE co.oid <> 100"
);

const ENUMS: &str = concat!(
    "SELECT t.oid, t.typnamespace, t.typname::text, \
            ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid \
                  ORDER BY e.enumsortorder) \
     FROM pg_type t \
     JOIN pg_namespace n ON n.oid = t.typnamespace \
     WHERE t.typtype = 'e' AND ",
    ns_filter!()
);

/// The element type of `$t` (itself unless an array), named when it is not built in: the
/// `UserType` columns `(schema, name, typtype)` of a type reference.
macro_rules! element_type_join {
    ($t:literal) => {
        concat!(
            " JOIN pg_type et ON et.oid = CASE WHEN ",
            $t,
            ".typelem <> 0 AND ",
            $t,
            ".typlen = -1 THEN ",
            $t,
            ".typelem ELSE ",
            $t,
            ".oid END \
             JOIN pg_namespace etn ON etn.oid = et.typnamespace "
        )
    };
}

/// Domains: base type (with its element type, as for columns), NOT NULL, default, collation
/// (and the base type's, to tell an explicit one), and the CHECK constraints in name order
/// (three arrays of the same order). Postgres 17+ also catalogues a domain's NOT NULL as a
/// constraint (`contype = 'n'`): only `typnotnull` is read, on every version.
const DOMAINS: &str = concat!(
    "SELECT t.oid, t.typnamespace, t.typname::text, format_type(t.typbasetype, t.typtypmod), \
            t.typnotnull, pg_get_expr(t.typdefaultbin, 0), t.typcollation, bt.typcollation, \
            (bt.typelem <> 0 AND bt.typlen = -1), \
            CASE WHEN etn.nspname <> 'pg_catalog' THEN etn.nspname::text END, \
            CASE WHEN etn.nspname <> 'pg_catalog' THEN et.typname::text END, et.typtype, \
            ARRAY(SELECT con.conname::text FROM pg_constraint con \
                  WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname), \
            ARRAY(SELECT pg_get_expr(con.conbin, 0) FROM pg_constraint con \
                  WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname), \
            ARRAY(SELECT con.convalidated FROM pg_constraint con \
                  WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) \
     FROM pg_type t \
     JOIN pg_namespace n ON n.oid = t.typnamespace \
     JOIN pg_type bt ON bt.oid = t.typbasetype",
    element_type_join!("bt"),
    "WHERE t.typtype = 'd' AND ",
    ns_filter!()
);

/// Range types: subtype (with its element type), collation (and the subtype's), operator class
/// (named through the non-default ones) and `SUBTYPE_DIFF`.
const RANGES: &str = concat!(
    "SELECT t.oid, t.typnamespace, t.typname::text, format_type(r.rngsubtype, NULL), \
            (st.typelem <> 0 AND st.typlen = -1), \
            CASE WHEN etn.nspname <> 'pg_catalog' THEN etn.nspname::text END, \
            CASE WHEN etn.nspname <> 'pg_catalog' THEN et.typname::text END, et.typtype, \
            r.rngcollation, st.typcollation, r.rngsubopc, \
            CASE WHEN r.rngsubdiff = 0 THEN NULL ELSE r.rngsubdiff::regproc::text END \
     FROM pg_range r \
     JOIN pg_type t ON t.oid = r.rngtypid \
     JOIN pg_namespace n ON n.oid = t.typnamespace \
     JOIN pg_type st ON st.oid = r.rngsubtype",
    element_type_join!("st"),
    "WHERE ",
    ns_filter!()
);

const EXTENSIONS: &str = concat!(
    "SELECT e.oid, e.extname::text, e.extversion, e.extnamespace \
     FROM pg_extension e \
     JOIN pg_namespace n ON n.oid = e.extnamespace \
     WHERE ",
    ns_filter!()
);

/// Functions and procedures (aggregates and window functions are unmanaged): the definition as
/// `pg_dump` prints it, the identity arguments (for `DROP` / `COMMENT`), the input argument
/// types (the overload key) and the result. Functions the server created itself (range type
/// constructors: internal dependencies) are left out.
const ROUTINES: &str = concat!(
    "SELECT p.oid, p.pronamespace, p.proname::text, p.prokind, \
            pg_get_function_identity_arguments(p.oid), oidvectortypes(p.proargtypes), \
            CASE WHEN p.prokind = 'f' THEN pg_get_function_result(p.oid) END, \
            p.pronargdefaults, pg_get_functiondef(p.oid) \
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
     WHERE p.prokind IN ('f', 'p') \
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
                       AND d.objid = p.oid AND d.deptype = 'i') AND ",
    ns_filter!()
);

/// User triggers (not the server's own, as foreign keys', nor clones on partitions): the
/// definition as `pg_dump` prints it and the `ENABLE` / `DISABLE` state.
const TRIGGERS: &str = concat!(
    "SELECT tg.oid, c.relnamespace, tg.tgname::text, tg.tgrelid, pg_get_triggerdef(tg.oid), \
            tg.tgenabled, tg.tgconstraint <> 0 \
     FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND ",
    ns_filter!()
);

/// Row-level security policies: roles by name (`PUBLIC` for OID 0, sorted later), the
/// expressions as the server prints them (`pg_get_expr`, `search_path = pg_catalog`).
const POLICIES: &str = concat!(
    "SELECT pol.oid, c.relnamespace, pol.polname::text, pol.polrelid, pol.polpermissive, \
            pol.polcmd, \
            ARRAY(SELECT CASE WHEN r.id = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r.id)::text END \
                  FROM unnest(pol.polroles) AS r(id)), \
            pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid) \
     FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE ",
    ns_filter!()
);

/// Everything reported as unmanaged, one `UNION ALL` branch per catalog:
/// `(what, oid, namespace, name, subkind, relation, arguments)`; `arguments` (aggregates only)
/// are the identity arguments, without parentheses. Functions the server created itself
/// (range type constructors: internal dependencies) are left out. Of the types, only base
/// types (with their own I/O functions) are unmanaged.
const UNMANAGED: &str = concat!(
    "SELECT 'f'::\"char\", p.oid, p.pronamespace, p.proname::text, p.prokind, NULL::oid, \
            pg_get_function_identity_arguments(p.oid) \
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
     WHERE p.prokind IN ('a', 'w') AND ",
    ns_filter!(),
    " UNION ALL \
     SELECT 'r', r.oid, c.relnamespace, r.rulename::text, NULL, r.ev_class, NULL \
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE r.rulename <> '_RETURN' AND ",
    ns_filter!(),
    " UNION ALL \
     SELECT 'y', t.oid, t.typnamespace, t.typname::text, t.typtype, NULL, NULL \
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
     WHERE t.typtype = 'b' AND NOT (t.typelem <> 0 AND t.typlen = -1) AND ",
    ns_filter!()
);

// Fixed OIDs of system catalogs (`classid` / `classoid` values; stable across versions).
const PG_CLASS: u32 = 1259;
const PG_TYPE: u32 = 1247;
const PG_PROC: u32 = 1255;
const PG_NAMESPACE: u32 = 2615;
const PG_CONSTRAINT: u32 = 2606;
const PG_EXTENSION: u32 = 3079;
const PG_TRIGGER: u32 = 2620;
const PG_POLICY: u32 = 3256;
/// The database's default collation (`pg_collation` OID of `default`).
const DEFAULT_COLLATION: u32 = 100;

// ---------------------------------------------------------------------------------------------
// Assembling the model.

struct Raw {
    version: PgVersion,
    schemas: Vec<Row>,
    descriptions: Vec<Row>,
    ext: Vec<Row>,
    rels: Vec<Row>,
    seqs: Vec<Row>,
    cols: Vec<Row>,
    cons: Vec<Row>,
    idx: Vec<Row>,
    names: Vec<Row>,
    enums: Vec<Row>,
    domains: Vec<Row>,
    ranges: Vec<Row>,
    exts: Vec<Row>,
    routines: Vec<Row>,
    triggers: Vec<Row>,
    policies: Vec<Row>,
    unmanaged: Vec<Row>,
}

/// Typed column access with an error instead of a panic on a mismatch.
fn get<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(|e| {
        let cause = std::error::Error::source(&e).map(|c| format!(": {c}"));
        Error::db(
            "decoding the Postgres catalog",
            format!("{e}{}", cause.unwrap_or_default()),
        )
    })
}

/// A partitioned table's key and a partition's parent and bound (`RELATIONS` columns 12–15).
fn partitioning(row: &Row) -> Result<Option<Partitioning>> {
    let key: Option<String> = get(row, 12)?;
    let of = match (
        get::<Option<String>>(row, 13)?,
        get::<Option<String>>(row, 14)?,
        get::<Option<String>>(row, 15)?,
    ) {
        (Some(bound), Some(parent_schema), Some(parent)) => Some(PartitionOf {
            parent_schema,
            parent,
            bound,
        }),
        _ => None,
    };
    Ok((key.is_some() || of.is_some()).then_some(Partitioning { key, of }))
}

/// A `"char"` column as a byte (`'\0'` when empty).
fn ch(row: &Row, idx: usize) -> Result<u8> {
    Ok(get::<i8>(row, idx)? as u8)
}

/// Same for a nullable `"char"` column (`0` when NULL).
fn opt_ch(row: &Row, idx: usize) -> Result<u8> {
    Ok(get::<Option<i8>>(row, idx)?.unwrap_or(0) as u8)
}

/// A relation with columns being assembled, with its columns' attribute numbers (to resolve
/// `conkey` / `indkey`).
struct RelBuild {
    schema: usize,
    kind: RelKind,
    /// `(attnum, name, attcollation)`, sorted by attnum once loaded.
    attrs: Vec<(i16, String, u32)>,
}

// One per relation while inspecting: boxing the tables would only add noise.
#[allow(clippy::large_enum_variant)]
enum RelKind {
    Table(Table),
    /// A composite type's relation (its attributes are its columns).
    Composite(Composite),
    /// A view or materialized view (only materialized views have columns fetched).
    View(View),
}

impl RelBuild {
    fn position(&self, attnum: i16) -> Option<usize> {
        self.attrs.binary_search_by_key(&attnum, |a| a.0).ok()
    }

    fn column_name(&self, attnum: i16) -> String {
        match self.position(attnum) {
            Some(p) => self.attrs[p].1.clone(),
            None => format!("#{attnum}"),
        }
    }

    fn names(&self, attnums: &[i16]) -> Vec<String> {
        attnums.iter().map(|&a| self.column_name(a)).collect()
    }

    fn table(&mut self) -> Option<&mut Table> {
        match &mut self.kind {
            RelKind::Table(t) => Some(t),
            RelKind::View(_) | RelKind::Composite(_) => None,
        }
    }
}

/// What an OID in `pg_class` is to the model.
#[derive(Clone, Copy)]
enum Rel {
    /// Index into `Builder::built`.
    Built(usize),
    /// A sequence; the index of its schema.
    Sequence(usize),
    /// Known (so triggers and rules on it can be named) but not modelled.
    Other,
}

struct RelInfo {
    name: String,
    rel: Rel,
}

/// Where the index backing a constraint goes.
#[derive(Clone, Copy)]
enum ConIndex {
    PrimaryKey(usize),
    Unique(usize, usize),
    /// Nowhere: an exclusion constraint (its definition says it all) or a hidden constraint.
    Skip,
}

/// Column references still in attribute numbers, because their relation's columns were not
/// fetched.
struct Pending {
    target: PendingTarget,
    rel: u32,
    attnums: Vec<i16>,
}

enum PendingTarget {
    /// `built[rel].foreign_keys[fk].ref_columns`.
    ForeignKey { rel: usize, fk: usize },
    /// `sequences[seq].owned_by.column`.
    SequenceOwner { seq: usize },
}

/// A stand-alone sequence and the schema it goes into.
struct SequenceBuild {
    schema: usize,
    sequence: Sequence,
    /// Owned by a table that is not reported (migrator's own, an extension's): the sequence
    /// goes with it.
    hidden: bool,
}

struct Builder {
    db: Database,
    built: Vec<RelBuild>,
    sequences: Vec<SequenceBuild>,
    pending: Vec<Pending>,
}

impl Builder {
    fn new(raw: &Raw) -> Result<Builder> {
        let mut db = Database::new(Dialect::Postgres);
        db.server_version = raw.version.to_string();

        let mut comments: HashMap<(u32, u32, i32), String> =
            HashMap::with_capacity(raw.descriptions.len());
        for row in &raw.descriptions {
            comments.insert((get(row, 0)?, get(row, 1)?, get(row, 2)?), get(row, 3)?);
        }
        let mut comment = |class: u32, oid: u32, sub: i32| -> Option<String> {
            if comments.is_empty() {
                None
            } else {
                comments.remove(&(class, oid, sub))
            }
        };

        // Schemas.
        let mut ns: HashMap<u32, usize> = HashMap::with_capacity(raw.schemas.len());
        for row in &raw.schemas {
            let oid: u32 = get(row, 0)?;
            ns.insert(oid, db.schemas.len());
            let mut schema = Schema::new(get::<String>(row, 1)?);
            schema.comment = comment(PG_NAMESPACE, oid, 0);
            db.schemas.push(schema);
        }

        // Extension members: hidden everywhere.
        let mut ext_members: HashSet<(u32, u32)> = HashSet::with_capacity(raw.ext.len());
        for row in &raw.ext {
            ext_members.insert((get(row, 0)?, get(row, 1)?));
        }
        let hidden = |class: u32, oid: u32, name: &str| {
            is_own_object(name) || ext_members.contains(&(class, oid))
        };

        // Operator class and collation names.
        let mut opclasses: HashMap<u32, String> = HashMap::new();
        let mut collations: HashMap<u32, String> = HashMap::new();
        for row in &raw.names {
            let map = match ch(row, 0)? {
                b'o' => &mut opclasses,
                _ => &mut collations,
            };
            map.insert(get(row, 1)?, get(row, 2)?);
        }

        // Relations.
        let mut rels: HashMap<u32, RelInfo> = HashMap::with_capacity(raw.rels.len());
        let mut built: Vec<RelBuild> = Vec::new();
        for row in &raw.rels {
            let oid: u32 = get(row, 0)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 1)?) else {
                continue;
            };
            let name: String = get(row, 2)?;
            if hidden(PG_CLASS, oid, &name) {
                continue;
            }
            let kind = ch(row, 3)?;
            let mut options = parse_reloptions(get(row, 6)?);
            if let Some(ts) = get::<Option<String>>(row, 9)? {
                options.insert("tablespace".into(), ts);
            }
            let mut unmanaged = |kind| {
                db.schemas[schema].unmanaged.push(Unmanaged {
                    kind,
                    name: name.clone(),
                    table: None,
                });
                Rel::Other
            };
            let rel = match kind {
                b'f' => unmanaged(UnmanagedKind::ForeignTable),
                b'S' => Rel::Sequence(schema),
                b'r' | b'p' => {
                    if ch(row, 4)? == b'u' {
                        options.insert("persistence".into(), "unlogged".into());
                    }
                    if get::<bool>(row, 8)? {
                        options.insert("row_security".into(), "forced".into());
                    } else if get::<bool>(row, 7)? {
                        options.insert("row_security".into(), "enabled".into());
                    }
                    built.push(RelBuild {
                        schema,
                        kind: RelKind::Table(Table {
                            name: name.clone(),
                            comment: comment(PG_CLASS, oid, 0),
                            options,
                            partition: partitioning(row)?,
                            ..Table::default()
                        }),
                        attrs: Vec::new(),
                    });
                    Rel::Built(built.len() - 1)
                }
                b'c' => {
                    let type_oid: u32 = get(row, 11)?;
                    if hidden(PG_TYPE, type_oid, &name) {
                        continue;
                    }
                    built.push(RelBuild {
                        schema,
                        kind: RelKind::Composite(Composite {
                            name: name.clone(),
                            attributes: Vec::new(),
                            comment: comment(PG_TYPE, type_oid, 0),
                        }),
                        attrs: Vec::new(),
                    });
                    Rel::Built(built.len() - 1)
                }
                b'v' | b'm' => {
                    built.push(RelBuild {
                        schema,
                        kind: RelKind::View(View {
                            name: name.clone(),
                            definition: get::<Option<String>>(row, 10)?.unwrap_or_default(),
                            materialized: kind == b'm',
                            indexes: Vec::new(),
                            comment: comment(PG_CLASS, oid, 0),
                            options,
                        }),
                        attrs: Vec::new(),
                    });
                    Rel::Built(built.len() - 1)
                }
                _ => Rel::Other,
            };
            rels.insert(oid, RelInfo { name, rel });
        }

        // Sequences: stand-alone ones into their schema, identity ones onto their column.
        let mut identities: HashMap<(u32, i16), Identity> = HashMap::new();
        let mut sequences: Vec<SequenceBuild> = Vec::new();
        let mut owners: Vec<(usize, u32, i16)> = Vec::new();
        for row in &raw.seqs {
            let oid: u32 = get(row, 0)?;
            let Some(RelInfo {
                name,
                rel: Rel::Sequence(schema),
            }) = rels.get(&oid)
            else {
                continue;
            };
            let (start, increment, min, max, cache, cycle) = (
                get(row, 2)?,
                get(row, 3)?,
                get(row, 4)?,
                get(row, 5)?,
                get(row, 6)?,
                get(row, 7)?,
            );
            if opt_ch(row, 8)? == b'i' {
                identities.insert(
                    (get(row, 9)?, get::<i32>(row, 10)? as i16),
                    Identity {
                        generation: IdentityGeneration::ByDefault,
                        start,
                        increment,
                        min,
                        max,
                        cache,
                        cycle,
                    },
                );
                continue;
            }
            if opt_ch(row, 8)? == b'a' {
                owners.push((sequences.len(), get(row, 9)?, get::<i32>(row, 10)? as i16));
            }
            sequences.push(SequenceBuild {
                schema: *schema,
                sequence: Sequence {
                    name: name.clone(),
                    data_type: get(row, 1)?,
                    start,
                    increment,
                    min,
                    max,
                    cache,
                    cycle,
                    owned_by: None,
                    comment: comment(PG_CLASS, oid, 0),
                },
                hidden: false,
            });
        }

        // Columns.
        for row in &raw.cols {
            let relid: u32 = get(row, 0)?;
            let Some(RelInfo {
                rel: Rel::Built(r), ..
            }) = rels.get(&relid)
            else {
                continue;
            };
            let rb = &mut built[*r];
            let attnum: i16 = get(row, 1)?;
            let name: String = get(row, 2)?;
            let attcollation: u32 = get(row, 8)?;
            let user_type = user_type(row, 11)?;
            let collation = if attcollation != get::<u32>(row, 9)? {
                collations.get(&attcollation).cloned()
            } else {
                None
            };
            let table = match &mut rb.kind {
                // A partition's columns are its parent's: only named (for its own keys).
                RelKind::Table(table) if table.partition_of().is_some() => {
                    rb.attrs.push((attnum, name, attcollation));
                    continue;
                }
                RelKind::Table(table) => table,
                RelKind::View(_) => {
                    rb.attrs.push((attnum, name, attcollation));
                    continue;
                }
                RelKind::Composite(ty) => {
                    ty.attributes.push(Attribute {
                        name: name.clone(),
                        data_type: ColumnType {
                            name: get(row, 3)?,
                            array: get(row, 10)?,
                            user_type,
                        },
                        collation,
                    });
                    rb.attrs.push((attnum, name, attcollation));
                    continue;
                }
            };
            let expr: Option<String> = get(row, 5)?;
            let identity = match ch(row, 6)? {
                kind @ (b'a' | b'd') => {
                    let mut identity = identities.remove(&(relid, attnum)).ok_or_else(|| {
                        Error::db(
                            "inspecting the Postgres catalog",
                            format!("no identity sequence found for column {name}"),
                        )
                    })?;
                    identity.generation = if kind == b'a' {
                        IdentityGeneration::Always
                    } else {
                        IdentityGeneration::ByDefault
                    };
                    Some(identity)
                }
                _ => None,
            };
            let (default, generated) = match ch(row, 7)? {
                g @ (b's' | b'v') => (
                    None,
                    expr.map(|expr| Generated {
                        expr,
                        stored: g == b's',
                    }),
                ),
                _ => (expr, None),
            };
            table.columns.push(Column {
                name: name.clone(),
                data_type: ColumnType {
                    name: get(row, 3)?,
                    array: get(row, 10)?,
                    user_type,
                },
                nullable: !get::<bool>(row, 4)?,
                default,
                identity,
                generated,
                collation,
                comment: comment(PG_CLASS, relid, attnum as i32),
                options: Options::new(),
            });
            rb.attrs.push((attnum, name, attcollation));
        }
        for rb in &mut built {
            if rb.attrs.windows(2).any(|w| w[0].0 > w[1].0) {
                let mut order: Vec<usize> = (0..rb.attrs.len()).collect();
                order.sort_by_key(|&i| rb.attrs[i].0);
                rb.attrs = order.iter().map(|&i| rb.attrs[i].clone()).collect();
                match &mut rb.kind {
                    // A partition's attributes are only named (its columns are its parent's).
                    RelKind::Table(t) if t.partition_of().is_some() => {}
                    RelKind::Table(t) => {
                        t.columns = order.iter().map(|&i| t.columns[i].clone()).collect();
                    }
                    RelKind::Composite(c) => {
                        c.attributes = order.iter().map(|&i| c.attributes[i].clone()).collect();
                    }
                    RelKind::View(_) => {}
                }
            }
        }

        // Sequence owners (`OWNED BY`), now that columns are known.
        let mut pending = Vec::new();
        for (seq, owner, attnum) in owners {
            let Some(info) = rels.get(&owner) else {
                sequences[seq].hidden = true;
                continue;
            };
            let column = match info.rel {
                Rel::Built(r) => built[r].column_name(attnum),
                _ => {
                    pending.push(Pending {
                        target: PendingTarget::SequenceOwner { seq },
                        rel: owner,
                        attnums: vec![attnum],
                    });
                    String::new()
                }
            };
            sequences[seq].sequence.owned_by = Some(SequenceOwner {
                table: info.name.clone(),
                column,
            });
        }

        // Constraints.
        let mut con_indexes: HashMap<u32, ConIndex> = HashMap::new();
        for row in &raw.cons {
            let Some(&RelInfo {
                rel: Rel::Built(r), ..
            }) = rels.get(&get::<u32>(row, 1)?)
            else {
                continue;
            };
            let oid: u32 = get(row, 0)?;
            let name: String = get(row, 2)?;
            let kind = ch(row, 3)?;
            let index: u32 = get(row, 5)?;
            if is_own_object(&name) {
                // Migrator's own (e.g. a temporary NOT NULL check); its index goes with it.
                con_indexes.insert(index, ConIndex::Skip);
                continue;
            }
            let columns = built[r].names(&get::<Option<Vec<i16>>>(row, 4)?.unwrap_or_default());
            let deferrable: bool = get(row, 6)?;
            let initially_deferred: bool = get(row, 7)?;
            let validated: bool = get(row, 8)?;
            let comment = comment(PG_CONSTRAINT, oid, 0);
            let ref_rel: u32 = get(row, 13)?;
            let ref_attnums: Vec<i16> = get::<Option<Vec<i16>>>(row, 14)?.unwrap_or_default();
            // Referenced columns: named now when the referenced table was inspected.
            let ref_columns = match rels.get(&ref_rel) {
                Some(RelInfo {
                    rel: Rel::Built(fr),
                    ..
                }) => Some(built[*fr].names(&ref_attnums)),
                _ => None,
            };
            let Some(table) = built[r].table() else {
                continue;
            };
            match kind {
                b'p' => {
                    table.primary_key = Some(PrimaryKey {
                        name,
                        columns,
                        include: Vec::new(),
                        deferrable,
                        initially_deferred,
                        comment,
                    });
                    con_indexes.insert(index, ConIndex::PrimaryKey(r));
                }
                b'u' => {
                    con_indexes.insert(index, ConIndex::Unique(r, table.uniques.len()));
                    table.uniques.push(Unique {
                        name,
                        columns,
                        include: Vec::new(),
                        nulls_not_distinct: false,
                        deferrable,
                        initially_deferred,
                        comment,
                    });
                }
                b'f' => {
                    if ref_columns.is_none() {
                        pending.push(Pending {
                            target: PendingTarget::ForeignKey {
                                rel: r,
                                fk: table.foreign_keys.len(),
                            },
                            rel: ref_rel,
                            attnums: ref_attnums,
                        });
                    }
                    table.foreign_keys.push(ForeignKey {
                        name,
                        columns,
                        ref_schema: get::<Option<String>>(row, 11)?.unwrap_or_default(),
                        ref_table: get::<Option<String>>(row, 12)?.unwrap_or_default(),
                        ref_columns: ref_columns.unwrap_or_default(),
                        on_update: action(ch(row, 15)?),
                        on_delete: action(ch(row, 16)?),
                        match_full: ch(row, 17)? == b'f',
                        deferrable,
                        initially_deferred,
                        validated,
                        comment,
                    })
                }
                b'c' => table.checks.push(Check {
                    name,
                    expr: get::<Option<String>>(row, 10)?.unwrap_or_default(),
                    validated,
                    no_inherit: get(row, 9)?,
                    comment,
                }),
                b'x' => {
                    con_indexes.insert(index, ConIndex::Skip);
                    table.exclusions.push(Exclusion {
                        name,
                        definition: get::<Option<String>>(row, 10)?.unwrap_or_default(),
                        deferrable,
                        initially_deferred,
                        comment,
                    });
                }
                _ => {}
            }
        }

        // Indexes.
        for row in &raw.idx {
            let oid: u32 = get(row, 0)?;
            let nkey = get::<i16>(row, 6)?.max(0) as usize;
            let indkey: Vec<i16> = get(row, 7)?;
            let include_attnums = indkey.get(nkey..).unwrap_or_default();
            let nulls_not_distinct: bool = get(row, 15)?;
            if let Some(target) = con_indexes.get(&oid) {
                // Backs a constraint: only what the constraint does not say itself.
                match *target {
                    ConIndex::PrimaryKey(r) => {
                        let include = built[r].names(include_attnums);
                        if let Some(pk) = built[r].table().and_then(|t| t.primary_key.as_mut()) {
                            pk.include = include;
                        }
                    }
                    ConIndex::Unique(r, u) => {
                        let include = built[r].names(include_attnums);
                        if let Some(unique) = built[r].table().map(|t| &mut t.uniques[u]) {
                            unique.include = include;
                            unique.nulls_not_distinct = nulls_not_distinct;
                        }
                    }
                    ConIndex::Skip => {}
                }
                continue;
            }
            let Some(&RelInfo {
                rel: Rel::Built(r), ..
            }) = rels.get(&get::<u32>(row, 1)?)
            else {
                continue;
            };
            let name: String = get(row, 2)?;
            if is_own_object(&name) {
                continue;
            }
            let rb = &mut built[r];
            let indoption: Vec<i16> = get(row, 8)?;
            let indclass: Vec<u32> = get(row, 9)?;
            let indcollation: Vec<u32> = get(row, 10)?;
            let exprs: Option<Vec<Option<String>>> = get(row, 11)?;
            let mut parts = Vec::with_capacity(nkey);
            for (k, &attnum) in indkey.iter().take(nkey).enumerate() {
                let option = indoption.get(k).copied().unwrap_or(0);
                // The collation the key has anyway: its column's, or the default.
                let (key, own_collation) = if attnum == 0 {
                    let expr = exprs
                        .as_ref()
                        .and_then(|e| e.get(k).cloned().flatten())
                        .unwrap_or_default();
                    (IndexKey::Expr(expr), DEFAULT_COLLATION)
                } else {
                    match rb.position(attnum) {
                        Some(p) => (IndexKey::Column(rb.attrs[p].1.clone()), rb.attrs[p].2),
                        None => (IndexKey::Column(format!("#{attnum}")), 0),
                    }
                };
                let collation = match indcollation.get(k).copied().unwrap_or(0) {
                    c if c == 0 || c == DEFAULT_COLLATION || c == own_collation => None,
                    c => collations.get(&c).cloned(),
                };
                parts.push(IndexPart {
                    key,
                    desc: option & 1 != 0,
                    nulls_first: option & 2 != 0,
                    opclass: indclass.get(k).and_then(|c| opclasses.get(c)).cloned(),
                    collation,
                    length: None,
                });
            }
            let mut options = parse_reloptions(get(row, 13)?);
            if let Some(ts) = get::<Option<String>>(row, 14)? {
                options.insert("tablespace".into(), ts);
            }
            let index = Index {
                name,
                unique: get(row, 4)?,
                method: get(row, 3)?,
                parts,
                include: rb.names(include_attnums),
                predicate: get(row, 12)?,
                nulls_not_distinct,
                valid: get(row, 5)?,
                comment: comment(PG_CLASS, oid, 0),
                options,
            };
            match &mut rb.kind {
                RelKind::Table(t) => t.indexes.push(index),
                RelKind::View(v) => v.indexes.push(index),
                RelKind::Composite(_) => {}
            }
        }

        // Enums.
        for row in &raw.enums {
            let oid: u32 = get(row, 0)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 1)?) else {
                continue;
            };
            let name: String = get(row, 2)?;
            if hidden(PG_TYPE, oid, &name) {
                continue;
            }
            db.schemas[schema].enums.push(Enum {
                name,
                values: get(row, 3)?,
                comment: comment(PG_TYPE, oid, 0),
            });
        }

        // Domains.
        for row in &raw.domains {
            let oid: u32 = get(row, 0)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 1)?) else {
                continue;
            };
            let name: String = get(row, 2)?;
            if hidden(PG_TYPE, oid, &name) {
                continue;
            }
            let own_collation: u32 = get(row, 6)?;
            let collation = if own_collation != get::<u32>(row, 7)? {
                collations.get(&own_collation).cloned()
            } else {
                None
            };
            let names: Vec<String> = get(row, 12)?;
            let exprs: Vec<Option<String>> = get(row, 13)?;
            let validated: Vec<bool> = get(row, 14)?;
            let checks = names
                .into_iter()
                .zip(exprs)
                .zip(validated)
                .map(|((name, expr), validated)| DomainCheck {
                    name,
                    expr: expr.unwrap_or_default(),
                    validated,
                })
                .collect();
            db.schemas[schema].domains.push(Domain {
                name,
                base: ColumnType {
                    name: get(row, 3)?,
                    array: get(row, 8)?,
                    user_type: user_type(row, 9)?,
                },
                default: get(row, 5)?,
                not_null: get(row, 4)?,
                collation,
                checks,
                comment: comment(PG_TYPE, oid, 0),
            });
        }

        // Range types.
        for row in &raw.ranges {
            let oid: u32 = get(row, 0)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 1)?) else {
                continue;
            };
            let name: String = get(row, 2)?;
            if hidden(PG_TYPE, oid, &name) {
                continue;
            }
            let own_collation: u32 = get(row, 8)?;
            let collation = if own_collation != 0 && own_collation != get::<u32>(row, 9)? {
                collations.get(&own_collation).cloned()
            } else {
                None
            };
            db.schemas[schema].ranges.push(Range {
                name,
                subtype: ColumnType {
                    name: get(row, 3)?,
                    array: get(row, 4)?,
                    user_type: user_type(row, 5)?,
                },
                subtype_opclass: opclasses.get(&get::<u32>(row, 10)?).cloned(),
                collation,
                subtype_diff: get(row, 11)?,
                comment: comment(PG_TYPE, oid, 0),
            });
        }

        // Extensions.
        for row in &raw.exts {
            let Some(&schema) = ns.get(&get::<u32>(row, 3)?) else {
                continue;
            };
            db.schemas[schema].extensions.push(Extension {
                name: get(row, 1)?,
                version: get(row, 2)?,
                comment: comment(PG_EXTENSION, get(row, 0)?, 0),
            });
        }

        // Functions and procedures.
        for row in &raw.routines {
            let oid: u32 = get(row, 0)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 1)?) else {
                continue;
            };
            let name: String = get(row, 2)?;
            if hidden(PG_PROC, oid, &name) {
                continue;
            }
            let kind = match ch(row, 3)? {
                b'p' => RoutineKind::Procedure,
                _ => RoutineKind::Function,
            };
            let mut arguments: String = get::<Option<String>>(row, 4)?.unwrap_or_default();
            if kind == RoutineKind::Procedure && !raw.version.procedure_argument_modes() {
                arguments = procedure_identity_arguments(&arguments);
            }
            db.schemas[schema].routines.push(Routine {
                name,
                kind,
                arguments,
                signature: get::<Option<String>>(row, 5)?.unwrap_or_default(),
                result: get(row, 6)?,
                defaults: get::<i16>(row, 7)?.max(0) as u32,
                definition: get::<Option<String>>(row, 8)?
                    .unwrap_or_default()
                    .trim_end()
                    .to_string(),
                comment: comment(PG_PROC, oid, 0),
            });
        }

        // Triggers of the modelled tables (partitioned ones included) and views; those of
        // other relations (foreign tables) are unmanaged, migrator's own are not reported.
        for row in &raw.triggers {
            let oid: u32 = get(row, 0)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 1)?) else {
                continue;
            };
            let name: String = get(row, 2)?;
            let Some(rel) = rels.get(&get::<u32>(row, 3)?) else {
                continue;
            };
            if is_own_object(&name) {
                continue;
            }
            match rel.rel {
                Rel::Built(_) => db.schemas[schema].triggers.push(Trigger {
                    name,
                    table: rel.name.clone(),
                    definition: get(row, 4)?,
                    enabled: TriggerEnabled::from_pg(ch(row, 5)?),
                    constraint: get(row, 6)?,
                    comment: comment(PG_TRIGGER, oid, 0),
                    options: Options::new(),
                }),
                Rel::Sequence(_) | Rel::Other => db.schemas[schema].unmanaged.push(Unmanaged {
                    kind: UnmanagedKind::Trigger,
                    name,
                    table: Some(rel.name.clone()),
                }),
            }
        }

        // Policies of the modelled tables (partitioned ones included); those of other
        // relations (foreign tables) are unmanaged.
        for row in &raw.policies {
            let oid: u32 = get(row, 0)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 1)?) else {
                continue;
            };
            let name: String = get(row, 2)?;
            let Some(rel) = rels.get(&get::<u32>(row, 3)?) else {
                continue;
            };
            match rel.rel {
                Rel::Built(_) => db.schemas[schema].policies.push(Policy {
                    name,
                    table: rel.name.clone(),
                    permissive: get(row, 4)?,
                    command: PolicyCommand::from_pg(ch(row, 5)?),
                    roles: get(row, 6)?,
                    using: get(row, 7)?,
                    check: get(row, 8)?,
                    comment: comment(PG_POLICY, oid, 0),
                }),
                Rel::Sequence(_) | Rel::Other => db.schemas[schema].unmanaged.push(Unmanaged {
                    kind: UnmanagedKind::Policy,
                    name,
                    table: Some(rel.name.clone()),
                }),
            }
        }

        // Unmanaged objects.
        for row in &raw.unmanaged {
            let what = ch(row, 0)?;
            let oid: u32 = get(row, 1)?;
            let Some(&schema) = ns.get(&get::<u32>(row, 2)?) else {
                continue;
            };
            let mut name: String = get(row, 3)?;
            let sub = opt_ch(row, 4)?;
            if what == b'f' {
                let args: String = get::<Option<String>>(row, 6)?.unwrap_or_default();
                name = if sub == b'p' && !raw.version.procedure_argument_modes() {
                    format!("{name}({})", procedure_identity_arguments(&args))
                } else {
                    format!("{name}({args})")
                };
            }
            let relid: Option<u32> = get(row, 5)?;
            let (kind, table) = match what {
                b'f' => {
                    if hidden(PG_PROC, oid, &name) {
                        continue;
                    }
                    (UnmanagedKind::Aggregate, None)
                }
                b'r' => {
                    // Only on relations that are reported (not an extension's or migrator's).
                    let Some(rel) = relid.and_then(|r| rels.get(&r)) else {
                        continue;
                    };
                    if is_own_object(&name) {
                        continue;
                    }
                    (UnmanagedKind::Rule, Some(rel.name.clone()))
                }
                b'y' => {
                    if hidden(PG_TYPE, oid, &name) {
                        continue;
                    }
                    (UnmanagedKind::Type, None)
                }
                _ => continue,
            };
            db.schemas[schema]
                .unmanaged
                .push(Unmanaged { kind, name, table });
        }

        Ok(Builder {
            db,
            built,
            sequences,
            pending,
        })
    }

    /// Relations whose columns are referenced but were not fetched (see [`REFERENCED_COLUMNS`]).
    fn unresolved_references(&self) -> Vec<u32> {
        let mut oids: Vec<u32> = self.pending.iter().map(|p| p.rel).collect();
        oids.sort_unstable();
        oids.dedup();
        oids
    }

    /// Names the pending referenced columns from `(attrelid, attnum, attname)` rows.
    fn resolve_references(&mut self, rows: &[Row]) -> Result<()> {
        let mut names: HashMap<(u32, i16), String> = HashMap::with_capacity(rows.len());
        for row in rows {
            names.insert((get(row, 0)?, get(row, 1)?), get(row, 2)?);
        }
        for p in std::mem::take(&mut self.pending) {
            let mut columns: Vec<String> = p
                .attnums
                .iter()
                .map(|&a| {
                    names
                        .get(&(p.rel, a))
                        .cloned()
                        .unwrap_or_else(|| format!("#{a}"))
                })
                .collect();
            match p.target {
                PendingTarget::ForeignKey { rel, fk } => {
                    if let Some(table) = self.built[rel].table() {
                        table.foreign_keys[fk].ref_columns = columns;
                    }
                }
                PendingTarget::SequenceOwner { seq } => {
                    if let Some(owner) = &mut self.sequences[seq].sequence.owned_by {
                        owner.column = columns.pop().unwrap_or_default();
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Database {
        let Builder {
            mut db,
            built,
            sequences,
            ..
        } = self;
        for sb in sequences.into_iter().filter(|s| !s.hidden) {
            db.schemas[sb.schema].sequences.push(sb.sequence);
        }
        for rb in built {
            match rb.kind {
                RelKind::Table(t) => db.schemas[rb.schema].tables.push(t),
                RelKind::View(v) => db.schemas[rb.schema].views.push(v),
                RelKind::Composite(c) => db.schemas[rb.schema].composites.push(c),
            }
        }
        db.canonicalize();
        db
    }
}

/// A procedure's identity arguments as Postgres 14+ spells them, from Postgres 13's spelling:
/// 14 names the mode of every argument (`IN days integer`), 13 leaves the default mode `IN` out
/// (`days integer`); `INOUT` and `VARIADIC` are spelled by both. Arguments are split at commas
/// outside double quotes (names and types come `quote_ident`-ed, so an unquoted `IN ` is a mode).
fn procedure_identity_arguments(args: &str) -> String {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in args.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&args[start..]);
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let moded = ["IN ", "OUT ", "INOUT ", "VARIADIC "]
                .iter()
                .any(|m| p.starts_with(m));
            if moded {
                p.to_string()
            } else {
                format!("IN {p}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type reference's [`UserType`] from three columns from `idx` on: the element type's schema
/// and name (NULL when built in) and its `typtype`.
fn user_type(row: &Row, idx: usize) -> Result<Option<UserType>> {
    Ok(match get::<Option<String>>(row, idx)? {
        Some(schema) => Some(UserType {
            schema,
            name: get::<Option<String>>(row, idx + 1)?.unwrap_or_default(),
            kind: match ch(row, idx + 2)? {
                b'e' => UserTypeKind::Enum,
                b'd' => UserTypeKind::Domain,
                b'c' => UserTypeKind::Composite,
                b'r' | b'm' => UserTypeKind::Range,
                b'b' => UserTypeKind::Base,
                _ => UserTypeKind::Other,
            },
        }),
        None => None,
    })
}

fn action(code: u8) -> ReferentialAction {
    match code {
        b'r' => ReferentialAction::Restrict,
        b'c' => ReferentialAction::Cascade,
        b'n' => ReferentialAction::SetNull,
        b'd' => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// `{fillfactor=70,autovacuum_enabled=false}` → options map.
fn parse_reloptions(options: Option<Vec<String>>) -> Options {
    options
        .unwrap_or_default()
        .into_iter()
        .map(|o| match o.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (o, String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloptions_become_a_map() {
        let m = parse_reloptions(Some(vec!["fillfactor=70".into(), "a=b=c".into()]));
        assert_eq!(m.get("fillfactor").map(String::as_str), Some("70"));
        assert_eq!(m.get("a").map(String::as_str), Some("b=c"));
        assert!(parse_reloptions(None).is_empty());
    }

    #[test]
    fn versions_parse_and_name_their_capabilities() {
        let v13 = PgVersion::from_num(130_023);
        assert_eq!(v13.to_string(), "13.23");
        assert_eq!(PgVersion::parse("13.23"), Some(v13));
        assert_eq!(PgVersion::parse("130023"), Some(v13));
        assert_eq!(PgVersion::parse("18.4"), Some(PgVersion::from_num(180_004)));
        assert_eq!(PgVersion::parse(""), None);
        assert_eq!(PgVersion::parse("10.11.6-MariaDB"), None);
        let caps = |v: PgVersion| {
            [
                v.detach_partition_concurrently(),
                v.procedure_argument_modes(),
                v.nulls_not_distinct(),
                v.set_generation_expression(),
                v.not_null_constraints(),
                v.virtual_generated_columns(),
            ]
        };
        assert_eq!(caps(v13), [false; 6]);
        assert_eq!(
            caps(PgVersion::from_num(150_018)),
            [true, true, true, false, false, false]
        );
        assert_eq!(caps(PgVersion::from_num(180_004)), [true; 6]);
        let mut db = Database::new(Dialect::Postgres);
        assert_eq!(PgVersion::of(&db), None);
        db.server_version = "16.14".into();
        assert_eq!(PgVersion::of(&db).map(PgVersion::major), Some(16));
        let mut my = Database::new(Dialect::Mysql);
        my.server_version = "15.1".into();
        assert_eq!(PgVersion::of(&my), None);
    }

    #[test]
    fn procedure_arguments_are_spelled_as_postgres_14_does() {
        for (pg13, pg14) in [
            ("days integer", "IN days integer"),
            ("", ""),
            (
                "integer, INOUT n text, VARIADIC xs integer[]",
                "IN integer, INOUT n text, VARIADIC xs integer[]",
            ),
            (
                "\"a, b\" public.\"t,x\", \"IN\" inet",
                "IN \"a, b\" public.\"t,x\", IN \"IN\" inet",
            ),
        ] {
            assert_eq!(procedure_identity_arguments(pg13), pg14);
            assert_eq!(procedure_identity_arguments(pg14), pg14, "idempotent");
        }
    }

    #[test]
    fn queries_filter_on_the_schema_parameter() {
        for q in [
            SCHEMAS,
            RELATIONS,
            SEQUENCES,
            COLUMNS,
            CONSTRAINTS,
            INDEXES,
            INDEXES_15,
            ENUMS,
            EXTENSIONS,
            ROUTINES,
            TRIGGERS,
            POLICIES,
            UNMANAGED,
        ] {
            assert!(q.contains("$1::text[]"), "{q}");
        }
    }
}

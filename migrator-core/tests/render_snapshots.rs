//! Golden tests of change → SQL, per dialect, and of the inverse of each change (what a plain
//! step's down is made of). No server: the models are built by hand (see `common`), the changes
//! mostly come from `diff_unchecked` as `migrator plan` computes them, a few are built by hand
//! where the diff never produces them (MySQL refusals).
//!
//! Each case is one test, with two snapshots: `<case>.snap` (for every change: the SQL, or the
//! renderer's refusal) and `<case>__inverse.snap` (for every change the renderer accepts: the
//! inverse changes and whether they lose data). `every_change_variant_is_covered` fails when a
//! `Change` variant (or a `CommentTarget`) has no case for a dialect.
//!
//! Snapshots are reviewed files: after an intended change of output, run with
//! `INSTA_UPDATE=always` (or `cargo insta review`) and commit the diff of `tests/snapshots/`.

mod common;

use common::*;
use migrator_core::diff::{Change, CommentTarget};
use migrator_core::plan::inverse::inverse;
use migrator_core::render::{renderer, renderer_for, Renderer};
use migrator_core::schema::*;
use migrator_core::Dialect;
use serde::Serialize;
use std::collections::BTreeSet;

/// Changes to render, with the models they go from and to (the inverse reads them; the MySQL
/// renderer is made for `from`, as the planner does).
pub struct Case {
    from: Database,
    to: Database,
    changes: Vec<Change>,
}

/// The changes `diff_unchecked` finds.
fn diffed(from: Database, to: Database, hints: migrator_core::diff::Hints) -> Case {
    let changes = migrator_core::diff::diff_unchecked(&from, &to, &hints);
    assert!(!changes.is_empty(), "the case's models do not differ");
    Case { from, to, changes }
}

/// Changes built by hand on `db`.
fn given(db: Database, changes: Vec<Change>) -> Case {
    Case {
        from: db.clone(),
        to: db,
        changes,
    }
}

/// The kind of object a comment is on; exhaustive like [`variant`].
fn comment_target(t: &CommentTarget) -> &'static str {
    match t {
        CommentTarget::Schema { .. } => "schema",
        CommentTarget::Table { .. } => "table",
        CommentTarget::Column { .. } => "column",
        CommentTarget::Index { .. } => "index",
        CommentTarget::View {
            materialized: false,
            ..
        } => "view",
        CommentTarget::View {
            materialized: true, ..
        } => "materialized_view",
        CommentTarget::Constraint { .. } => "constraint",
        CommentTarget::Enum { .. } => "enum",
        CommentTarget::Sequence { .. } => "sequence",
        CommentTarget::Extension { .. } => "extension",
        CommentTarget::Routine { .. } => "routine",
        CommentTarget::Trigger { .. } => "trigger",
        CommentTarget::Domain { .. } => "domain",
        CommentTarget::Type { .. } => "type",
        CommentTarget::Policy { .. } => "policy",
    }
}

const ALL_COMMENT_TARGETS: &[&str] = &[
    "schema",
    "table",
    "column",
    "index",
    "view",
    "materialized_view",
    "constraint",
    "enum",
    "sequence",
    "extension",
    "routine",
    "trigger",
    "domain",
    "type",
    "policy",
];

fn render_one(r: &dyn Renderer, c: &Change) -> String {
    let stmts = r.render(c);
    match r.check(c) {
        Ok(()) => show_sql(&stmts, "  "),
        Err(e) => {
            let mut out = format!("  refused: {e}\n");
            if !stmts.is_empty() {
                out.push_str("  rendered all the same:\n");
                out.push_str(&show_sql(&stmts, "    "));
            }
            out
        }
    }
}

/// For every change: what it is, then its SQL (or the refusal). MySQL renders with
/// `renderer_for(from)`; where `renderer(Dialect::Mysql)`, which knows nothing of the
/// database, renders otherwise, that is shown too.
fn render_text(case: &Case) -> String {
    let dialect = case.from.dialect;
    let plain = renderer(dialect).expect("a renderer");
    let for_db = renderer_for(&case.from).expect("a renderer");
    assert_eq!(plain.dialect(), dialect);
    assert_eq!(for_db.dialect(), dialect);
    let mut out = String::new();
    for c in &case.changes {
        out.push_str(&format!("-- {}\n", describe(c)));
        let with_db = render_one(&*for_db, c);
        out.push_str(&with_db);
        let without = render_one(&*plain, c);
        if without != with_db {
            out.push_str("  renderer(Dialect::Mysql), without the database, renders instead:\n");
            out.push_str(&without);
        }
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct Inverted {
    change: String,
    lossy: bool,
    inverse: Vec<Change>,
}

/// The inverse of every change the dialect's renderer accepts.
fn inverses(case: &Case) -> Vec<Inverted> {
    let r = renderer_for(&case.from).expect("a renderer");
    case.changes
        .iter()
        .filter(|c| r.check(c).is_ok())
        .map(|c| {
            let (inverse, lossy) = inverse(&case.from, &case.to, c);
            Inverted {
                change: describe(c),
                lossy,
                inverse,
            }
        })
        .collect()
}

fn check_case(name: &str, case: Case) {
    insta::assert_snapshot!(name, render_text(&case));
    let inv = inverses(&case);
    if !inv.is_empty() {
        insta::assert_yaml_snapshot!(format!("{name}__inverse"), inv);
    }
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_case(stringify!($name), cases::$name());
            }
        )*
        const ALL_CASES: &[(&str, fn() -> Case)] = &[$((stringify!($name), cases::$name as fn() -> Case)),*];
    };
}

cases!(
    pg_schemas,
    pg_extensions,
    pg_enums,
    pg_sequences,
    pg_serial_table_renamed,
    pg_create_tables,
    pg_rename_and_drop_table,
    pg_table_storage_options,
    pg_row_level_security,
    pg_columns_added_renamed_dropped,
    pg_alter_column_types,
    pg_alter_column_defaults_nullability_identity_generated,
    pg_alter_column_with_nothing_to_do,
    pg_virtual_generated_columns,
    pg_constraints,
    pg_primary_key_replaced,
    pg_indexes,
    pg_views,
    pg_comments,
    pg_primary_key_comment_only,
    pg_routines,
    pg_triggers,
    pg_triggers_replaced_in_place,
    my_routines_and_triggers,
    my_events_and_sequences,
    mysql_events_and_refused_sequences,
    pg_refused_events,
    my_partitions,
    mysql_partitions,
    pg_refused_mysql_partitioning,
    pg_domains,
    pg_composite_and_range_types,
    pg_partitions,
    pg_enum_renames,
    pg_policies,
    my_refused_changes,
    my_refused_type_changes,
    my_create_tables,
    my_rename_and_drop_table,
    my_table_options,
    my_add_column,
    my_add_auto_increment_column,
    my_alter_column,
    my_alter_column_on_fulltext_table,
    my_alter_generated_columns,
    my_rename_and_drop_column,
    my_keys_and_constraints,
    my_drop_auto_increment_primary_key,
    my_constraint_renames,
    my_indexes,
    my_index_drops_on_clustered_table,
    my_index_replaced_under_foreign_key,
    my_views,
    my_comments,
    mysql_table_options,
    mysql_add_column,
    mysql_alter_column,
    mysql_alter_column_on_fulltext_table,
    mysql_alter_generated_columns,
    mysql_rename_and_drop_column,
    mysql_keys_and_constraints,
    mysql_indexes,
    mysql_index_replaced_under_foreign_key,
    mysql_comments,
);

#[test]
fn every_change_variant_is_covered() {
    let all: BTreeSet<&str> = ALL_VARIANTS.iter().copied().collect();
    assert_eq!(all.len(), ALL_VARIANTS.len(), "ALL_VARIANTS has duplicates");
    let targets: BTreeSet<&str> = ALL_COMMENT_TARGETS.iter().copied().collect();
    let cases: Vec<(&str, Case)> = ALL_CASES.iter().map(|(n, f)| (*n, f())).collect();
    for dialect in [Dialect::Postgres, Dialect::Mysql] {
        let changes: Vec<&Change> = cases
            .iter()
            .filter(|(_, c)| c.from.dialect == dialect)
            .flat_map(|(_, c)| &c.changes)
            .collect();
        for c in &changes {
            assert_eq!(
                variant(c),
                tag(c),
                "variant() names {c:?} differently from serde"
            );
        }
        let seen: BTreeSet<&str> = changes.iter().map(|c| variant(c)).collect();
        let missing: Vec<&&str> = all.difference(&seen).collect();
        assert!(
            missing.is_empty(),
            "{dialect:?}: no render case for {missing:?}"
        );
        let seen_targets: BTreeSet<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Comment { target, .. } => Some(comment_target(target)),
                _ => None,
            })
            .collect();
        let missing: Vec<&&str> = targets.difference(&seen_targets).collect();
        assert!(
            missing.is_empty(),
            "{dialect:?}: no comment case on {missing:?}"
        );
    }
    // Inverses are snapshotted for the changes a renderer accepts: every variant must be among
    // them in some dialect (Postgres accepts them all).
    let inverted: BTreeSet<&str> = cases
        .iter()
        .flat_map(|(_, case)| {
            let r = renderer_for(&case.from).expect("a renderer");
            case.changes
                .iter()
                .filter(move |c| r.check(c).is_ok())
                .map(variant)
                .collect::<Vec<_>>()
        })
        .collect();
    let missing: Vec<&&str> = all.difference(&inverted).collect();
    assert!(missing.is_empty(), "no inverse case for {missing:?}");
}

mod cases {
    use super::*;
    use migrator_core::diff::EnumColumn;

    fn public() -> Schema {
        Schema::new(PUBLIC)
    }

    // ------------------------------------------------------------ Postgres

    pub fn pg_schemas() -> Case {
        let from = pg(vec![
            public().comment("standard public schema"),
            Schema::new("legacy"),
        ]);
        let to = pg(vec![
            public(),
            Schema::new("audit").comment("it's the audit trail"),
        ]);
        diffed(from, to, hints())
    }

    pub fn pg_extensions() -> Case {
        let from = pg(vec![public()
            .extension(extension("hstore", "1.8"))
            .extension(extension("pg_trgm", "1.5"))]);
        let to = pg(vec![public()
            .extension(extension("citext", "1.6"))
            .extension(extension("pg_trgm", "1.6"))]);
        diffed(from, to, hints())
    }

    pub fn pg_enums() -> Case {
        let orders = |status: &str| {
            pg_table("orders")
                .with(
                    user_col("status", PUBLIC, status, UserTypeKind::Enum)
                        .not_null()
                        .default(&format!("'pending'::public.{status}")),
                )
                .with(user_col(
                    "previous_status",
                    PUBLIC,
                    status,
                    UserTypeKind::Enum,
                ))
        };
        let from = pg(vec![public()
            .enum_type(enum_type("mood", &["sad", "ok", "happy"]))
            .enum_type(enum_type("order_status", &["pending", "paid", "shipped"]))
            .enum_type(enum_type("size", &["s", "m", "l"]))
            .table(orders("order_status"))]);
        let mut priority = enum_type("priority", &["low", "high", "it's urgent"]);
        priority.comment = Some("how soon".into());
        let to = pg(vec![public()
            .enum_type(enum_type(
                "mood",
                &["sad", "meh", "ok", "happy", "ecstatic"],
            ))
            .enum_type(enum_type("order_status", &["pending", "shipped", "paid"]))
            .enum_type(priority)
            .table(orders("order_status"))]);
        diffed(from, to, hints())
    }

    pub fn pg_sequences() -> Case {
        let mut invoice = sequence("invoice_no");
        invoice.start = 1000;
        let mut invoice_to = invoice.clone();
        invoice_to.increment = 10;
        invoice_to.cache = 20;
        invoice_to.owned_by = Some(SequenceOwner {
            table: "invoices".into(),
            column: "number".into(),
        });
        let mut counter = sequence("counter");
        counter.comment = Some("old".into());
        let mut counter_to = counter.clone();
        counter_to.max = 1_000_000;
        counter_to.comment = Some("bounded".into());
        let mut ticket = sequence("ticket_no");
        ticket.data_type = "integer".into();
        ticket.max = i32::MAX.into();
        ticket.cache = 20;
        ticket.cycle = true;
        ticket.owned_by = Some(SequenceOwner {
            table: "tickets".into(),
            column: "number".into(),
        });
        ticket.comment = Some("ticket numbers".into());
        let mut orphaned = sequence("orphaned");
        orphaned.owned_by = Some(SequenceOwner {
            table: "invoices".into(),
            column: "legacy_number".into(),
        });
        let mut orphaned_to = orphaned.clone();
        orphaned_to.owned_by = None;
        let invoices = pg_table("invoices")
            .with(col("number", "bigint"))
            .with(col("legacy_number", "bigint"));
        let tickets = pg_table("tickets").with(col("number", "integer"));
        let from = pg(vec![public()
            .sequence(invoice)
            .sequence(counter)
            .sequence(orphaned)
            .sequence(sequence("legacy_seq"))
            .table(invoices.clone())
            .table(tickets.clone())]);
        let to = pg(vec![public()
            .sequence(invoice_to)
            .sequence(counter_to)
            .sequence(orphaned_to)
            .sequence(ticket)
            .table(invoices)
            .table(tickets)]);
        diffed(from, to, hints())
    }

    /// A `serial` table renamed: its sequence is renamed with it and the default follows.
    pub fn pg_serial_table_renamed() -> Case {
        let serial = |name: &str| {
            let mut q = sequence(&format!("{name}_id_seq"));
            q.owned_by = Some(SequenceOwner {
                table: name.into(),
                column: "id".into(),
            });
            let t = Table::new(name)
                .with(
                    col("id", "bigint")
                        .not_null()
                        .default(&format!("nextval('public.{name}_id_seq'::regclass)")),
                )
                .with(col("name", "text"))
                .pk(&format!("{name}_pkey"), &["id"]);
            pg(vec![public().sequence(q).table(t)])
        };
        diffed(
            serial("clients"),
            serial("customers"),
            hints().rename_table(PUBLIC, "customers", "clients"),
        )
    }

    pub fn pg_create_tables() -> Case {
        let categories = pg_table("categories").with(col("name", "text").not_null());
        let from = pg(vec![public()
            .enum_type(enum_type("mood", &["sad", "happy"]))
            .table(categories.clone())]);
        let mut pk = primary_key("products_pkey", &["id"]);
        pk.comment = Some("the key".into());
        let mut by_name_price = unique("products_name_price_key", &["name", "price"]);
        by_name_price.nulls_not_distinct = true;
        by_name_price.deferrable = true;
        by_name_price.initially_deferred = true;
        let mut sku_key = unique("products_sku_key", &["sku"]);
        sku_key.include = strings(&["name"]);
        sku_key.deferrable = true;
        let mut name_check = check("products_name_check", "(char_length(name) > 0)");
        name_check.no_inherit = true;
        let mut not_valid = check("products_stock_check", "(stock >= 0)");
        not_valid.validated = false;
        let mut category_fk = fk(
            "products_category_id_fkey",
            &["category_id"],
            PUBLIC,
            "categories",
            &["id"],
        );
        category_fk.on_delete = ReferentialAction::SetNull;
        category_fk.comment = Some("where it is listed".into());
        let mut products = Table::new("products")
            .with(col("id", "bigint").identity(IdentityGeneration::Always))
            .with(
                col("sku", "character varying(32)")
                    .not_null()
                    .collate("\"C\""),
            )
            .with(col("name", "text").not_null().default("'unnamed'::text"))
            .with(col("price", "numeric(10,2)").not_null().default("0"))
            .with(col("price_with_tax", "numeric").generated("(price * 1.2)", true))
            .with(col("stock", "integer").comment("units in the warehouse"))
            .with(col("tags", "text[]"))
            .with(user_col("mood", PUBLIC, "mood", UserTypeKind::Enum))
            .with(col("category_id", "bigint"))
            .with(
                col("created_at", "timestamp with time zone")
                    .not_null()
                    .default("now()"),
            )
            .unique(by_name_price)
            .unique(sku_key)
            .check(check("products_price_check", "(price >= (0)::numeric)"))
            .check(name_check)
            .check(not_valid)
            .fk(category_fk)
            .index(pg_index("products_created_at_idx", &["created_at"]).desc(0))
            .index(
                index_with("btree", "products_lower_name_idx", &[])
                    .expr("lower(name)")
                    .comment("case-insensitive lookups"),
            )
            .index(index_with("gin", "products_tags_idx", &["tags"]))
            .comment("what we sell")
            .opt("fillfactor", "70")
            .opt("autovacuum_enabled", "false");
        products.primary_key = Some(pk);
        let mut bookings_pk = primary_key("bookings_pkey", &["id"]);
        bookings_pk.include = strings(&["room_id"]);
        let mut bookings = pg_table("bookings")
            .with(col("room_id", "integer").not_null())
            .with(col("during", "tstzrange").not_null())
            .exclusion(
                "bookings_room_id_during_excl",
                "EXCLUDE USING gist (room_id WITH =, during WITH &&)",
            )
            .opt("persistence", "unlogged")
            .opt("tablespace", "fast space")
            .opt("row_security", "forced");
        bookings.primary_key = Some(bookings_pk);
        bookings.exclusions[0].deferrable = true;
        let secrets = pg_table("secrets")
            .with(col("value", "bytea").not_null())
            .opt("row_security", "enabled");
        let to = pg(vec![public()
            .enum_type(enum_type("mood", &["sad", "happy"]))
            .table(categories)
            .table(products)
            .table(bookings)
            .table(secrets)]);
        diffed(from, to, hints())
    }

    pub fn pg_rename_and_drop_table() -> Case {
        let users = pg_table("users").with(col("email", "text").not_null());
        let mut accounts = users.clone();
        accounts.name = "accounts".into();
        accounts.primary_key = Some(primary_key("users_pkey", &["id"]));
        let sessions = pg_table("sessions")
            .with(col("user_id", "bigint").not_null())
            .fk(fk(
                "sessions_user_id_fkey",
                &["user_id"],
                PUBLIC,
                "users",
                &["id"],
            ))
            .index(pg_index("sessions_user_id_idx", &["user_id"]));
        let from = pg_public(vec![users, sessions]);
        let to = pg_public(vec![accounts]);
        diffed(from, to, hints().rename_table(PUBLIC, "accounts", "users"))
    }

    pub fn pg_table_storage_options() -> Case {
        let t = |name: &str, opts: &[(&str, &str)]| {
            let mut t = pg_table(name);
            for (k, v) in opts {
                t = t.opt(k, v);
            }
            t
        };
        let from = pg_public(vec![
            t("set_params", &[("fillfactor", "70")]),
            t(
                "reset_params",
                &[("fillfactor", "70"), ("toast_tuple_target", "256")],
            ),
            t("becomes_unlogged", &[]),
            t("becomes_logged", &[("persistence", "unlogged")]),
            t("moves_tablespace", &[]),
            t("back_to_default_tablespace", &[("tablespace", "fast")]),
        ]);
        let to = pg_public(vec![
            t(
                "set_params",
                &[("fillfactor", "90"), ("autovacuum_enabled", "false")],
            ),
            t("reset_params", &[]),
            t("becomes_unlogged", &[("persistence", "unlogged")]),
            t("becomes_logged", &[]),
            t("moves_tablespace", &[("tablespace", "fast")]),
            t("back_to_default_tablespace", &[]),
        ]);
        diffed(from, to, hints())
    }

    pub fn pg_policies() -> Case {
        let (from, to, h) = policies_case();
        diffed(from, to, h)
    }

    pub fn pg_row_level_security() -> Case {
        let t = |name: &str, rls: Option<&str>| match rls {
            Some(v) => pg_table(name).opt("row_security", v),
            None => pg_table(name),
        };
        let from = pg_public(vec![
            t("none_to_enabled", None),
            t("none_to_forced", None),
            t("enabled_to_forced", Some("enabled")),
            t("forced_to_enabled", Some("forced")),
            t("enabled_to_none", Some("enabled")),
            t("forced_to_none", Some("forced")),
        ]);
        let to = pg_public(vec![
            t("none_to_enabled", Some("enabled")),
            t("none_to_forced", Some("forced")),
            t("enabled_to_forced", Some("forced")),
            t("forced_to_enabled", Some("enabled")),
            t("enabled_to_none", None),
            t("forced_to_none", None),
        ]);
        diffed(from, to, hints())
    }

    pub fn pg_columns_added_renamed_dropped() -> Case {
        let mut serial_no = col("serial_no", "integer").identity(IdentityGeneration::Always);
        serial_no.identity.as_mut().unwrap().max = i32::MAX.into();
        let from = pg_public(vec![pg_table("users")
            .with(col("name", "text"))
            .with(col("legacy", "integer"))]);
        let to = pg_public(vec![pg_table("users")
            .with(col("full_name", "text"))
            .with(col("nickname", "character varying(40)").comment("shown to others"))
            .with(
                col("status", "text")
                    .not_null()
                    .default("'active'::text")
                    .collate("\"C\""),
            )
            .with(serial_no)
            .with(
                col("name_length", "integer").generated("char_length(full_name)", true),
            )]);
        diffed(
            from,
            to,
            hints().rename_column(PUBLIC, "users", "full_name", "name"),
        )
    }

    pub fn pg_alter_column_types() -> Case {
        let from = pg_public(vec![pg_table("measures")
            .with(col("count", "integer").not_null())
            .with(col("code", "text"))
            .with(col("label", "character varying(20)").default("'x'::character varying"))
            .with(col("title", "text"))
            .with(col("amount", "numeric(10,2)"))]);
        let to = pg_public(vec![pg_table("measures")
            .with(col("count", "bigint").not_null())
            .with(col("code", "integer"))
            .with(col("label", "character varying(50)").default("'x'::character varying"))
            .with(col("title", "text").collate("\"C\""))
            .with(col("amount", "numeric(12,2)"))]);
        diffed(
            from,
            to,
            hints().using(PUBLIC, "measures", "code", "NULLIF(code, '')::integer"),
        )
    }

    pub fn pg_alter_column_defaults_nullability_identity_generated() -> Case {
        let from = pg_public(vec![Table::new("things")
            .with(col("id", "bigint").not_null())
            .with(col("seen_at", "timestamp with time zone"))
            .with(col("score", "integer").default("0"))
            .with(col("email", "text"))
            .with(col("note", "text").not_null())
            .with(col("gets_identity", "bigint").not_null())
            .with(col("loses_identity", "bigint").identity(IdentityGeneration::Always))
            .with(col("identity_kind", "bigint").identity(IdentityGeneration::Always))
            .with(col("doubled", "integer").generated("(score * 2)", true))
            .with(col("tripled", "integer").generated("(score * 3)", true))
            .pk("things_pkey", &["id"])]);
        let mut other_kind = identity(IdentityGeneration::ByDefault);
        other_kind.start = 100;
        let mut identity_kind = col("identity_kind", "bigint").not_null();
        identity_kind.identity = Some(other_kind);
        let to = pg_public(vec![Table::new("things")
            .with(col("id", "bigint").not_null())
            .with(col("seen_at", "timestamp with time zone").default("now()"))
            .with(col("score", "integer"))
            .with(col("email", "text").not_null())
            .with(col("note", "text"))
            .with(col("gets_identity", "bigint").identity(IdentityGeneration::ByDefault))
            .with(col("loses_identity", "bigint").not_null())
            .with(identity_kind)
            .with(col("doubled", "integer").generated("(score * 4)", true))
            .with(col("tripled", "integer"))
            .pk("things_pkey", &["id"])]);
        diffed(from, to, hints())
    }

    /// Postgres 18's virtual generated columns (a model only an 18+ catalog gives): the kind is
    /// always spelled, `VIRTUAL` or `STORED` as declared, since a bare `GENERATED ALWAYS AS (…)`
    /// is virtual on 18 and stored before; a change of kind rebuilds the column.
    pub fn pg_virtual_generated_columns() -> Case {
        let from = pg_public(vec![pg_table("lines")
            .with(col("qty", "integer"))
            .with(col("price", "numeric"))
            .with(col("stays_virtual", "numeric").generated("((qty)::numeric * price)", false))
            .with(col("becomes_stored", "integer").generated("(qty * 2)", false))
            .with(col("becomes_virtual", "integer").generated("(qty * 3)", true))]);
        let to = pg_public(vec![pg_table("lines")
            .with(col("qty", "integer"))
            .with(col("price", "numeric"))
            .with(
                col("stays_virtual", "numeric").generated("((qty)::numeric * price * 1.2)", false),
            )
            .with(col("becomes_stored", "integer").generated("(qty * 2)", true))
            .with(col("becomes_virtual", "integer").generated("(qty * 3)", false))
            .with(col("added_virtual", "integer").generated("(qty + 1)", false))]);
        diffed(from, to, hints())
    }

    /// An `AlterColumn` whose columns differ only in what Postgres has no clause for renders to
    /// nothing.
    pub fn pg_alter_column_with_nothing_to_do() -> Case {
        let db = pg_public(vec![pg_table("t").with(col("c", "text"))]);
        let from = col("c", "text");
        let to = col("c", "text").opt("storage", "external");
        given(
            db,
            vec![Change::AlterColumn {
                schema: PUBLIC.into(),
                table: "t".into(),
                from,
                to,
                using: None,
            }],
        )
    }

    pub fn pg_constraints() -> Case {
        let base = || {
            Table::new("accounts")
                .with(col("id", "bigint").not_null())
                .with(col("email", "text").not_null())
                .with(col("tenant_id", "bigint"))
                .with(col("owner_id", "bigint"))
                .with(col("room", "integer"))
                .with(col("during", "tstzrange"))
                .with(col("balance", "numeric"))
        };
        let mut pending = check("accounts_balance_check", "(balance >= (0)::numeric)");
        pending.validated = false;
        let from = pg_public(vec![
            pg_table("tenants"),
            base()
                .unique(unique("accounts_email_uniq", &["email"]))
                .check(check("accounts_room_check", "(room > 0)"))
                .check(pending.clone()),
        ]);
        let mut pk = primary_key("accounts_pkey", &["id"]);
        pk.include = strings(&["email"]);
        pk.deferrable = true;
        let mut tenant_email = unique("accounts_tenant_id_email_key", &["tenant_id", "email"]);
        tenant_email.nulls_not_distinct = true;
        tenant_email.include = strings(&["owner_id"]);
        let mut tenant_fk = fk(
            "accounts_tenant_id_fkey",
            &["tenant_id"],
            PUBLIC,
            "tenants",
            &["id"],
        );
        tenant_fk.match_full = true;
        tenant_fk.on_update = ReferentialAction::Cascade;
        tenant_fk.on_delete = ReferentialAction::SetNull;
        tenant_fk.deferrable = true;
        tenant_fk.initially_deferred = true;
        let mut owner_fk = fk(
            "accounts_owner_id_fkey",
            &["owner_id"],
            PUBLIC,
            "accounts",
            &["id"],
        );
        owner_fk.validated = false;
        owner_fk.on_delete = ReferentialAction::Restrict;
        let mut email_check = check("accounts_email_check", "(email ~~ '%@%'::text)");
        email_check.validated = false;
        let mut inherited = check("accounts_owner_check", "(owner_id <> id)");
        inherited.no_inherit = true;
        pending.validated = true;
        let mut accounts = base()
            .unique(unique("accounts_email_key", &["email"]))
            .unique(tenant_email)
            .check(email_check)
            .check(inherited)
            .check(pending)
            .fk(tenant_fk)
            .fk(owner_fk)
            .exclusion(
                "accounts_room_during_excl",
                "EXCLUDE USING gist (room WITH =, during WITH &&)",
            );
        accounts.primary_key = Some(pk);
        accounts.exclusions[0].deferrable = true;
        accounts.exclusions[0].initially_deferred = true;
        let to = pg_public(vec![pg_table("tenants"), accounts]);
        diffed(from, to, hints())
    }

    /// A primary key whose definition changes keeps its name: dropped and added again.
    pub fn pg_primary_key_replaced() -> Case {
        let t = |include: &[&str]| {
            let mut t = pg_table("keyed").with(col("code", "text").not_null());
            t.primary_key.as_mut().unwrap().include = strings(include);
            t
        };
        diffed(
            pg_public(vec![t(&[])]),
            pg_public(vec![t(&["code"])]),
            hints(),
        )
    }

    pub fn pg_indexes() -> Case {
        let base = || {
            pg_table("docs")
                .with(col("title", "text"))
                .with(col("body", "text"))
                .with(col("tenant_id", "bigint"))
                .with(col("published_at", "timestamp with time zone"))
                .with(col("deleted_at", "timestamp with time zone"))
                .with(col("slug", "text"))
                .with(col("tags", "text[]"))
        };
        let from = pg_public(vec![base()
            .index(pg_index("docs_slug_idx", &["slug"]))
            .index(pg_index("docs_title_idx", &["title"]))
            .index(pg_index("docs_body_idx", &["body"]).invalid())
            .index(pg_index("docs_old_idx", &["deleted_at"]))]);
        let to = pg_public(vec![base()
            .index(pg_index("docs_slug_key", &["slug"]))
            .index(pg_index("docs_title_idx", &["title"]))
            .index(pg_index("docs_body_idx", &["body"]))
            .index(
                pg_index("docs_tenant_published_idx", &["tenant_id", "published_at"])
                    .unique()
                    .desc(1)
                    .nulls_first(1, false)
                    .include(&["title"])
                    .predicate("(deleted_at IS NULL)")
                    .opt("fillfactor", "80")
                    .opt("tablespace", "fast space"),
            )
            .index(
                pg_index("docs_title_pattern_idx", &["title"])
                    .opclass(0, "text_pattern_ops")
                    .part_collation(0, "\"C\"")
                    .nulls_first(0, true),
            )
            .index(
                index_with("btree", "docs_lower_slug_idx", &[])
                    .expr("lower(slug)")
                    .unique(),
            )
            .index(pg_index("docs_tenant_slug_idx", &["tenant_id", "slug"]).unique())
            .index(
                index_with("gin", "docs_tags_idx", &["tags"]).opt("fastupdate", "off"),
            )]);
        let mut to = to;
        let docs = &mut to.schemas[0].tables[0];
        let nnd = docs
            .indexes
            .iter_mut()
            .find(|i| i.name == "docs_tenant_slug_idx")
            .unwrap();
        nnd.nulls_not_distinct = true;
        diffed(from, to, hints())
    }

    pub fn pg_views() -> Case {
        let orders = pg_table("orders")
            .with(col("total", "numeric"))
            .with(col("paid", "boolean"));
        let mut secure = view(
            "paid_orders",
            " SELECT orders.id,\n    orders.total\n   FROM public.orders\n  WHERE orders.paid;",
        );
        secure
            .options
            .insert("security_barrier".into(), "true".into());
        secure
            .options
            .insert("check_option".into(), "cascaded".into());
        secure.comment = Some("only the paid ones".into());
        let mut totals = view(
            "order_totals",
            " SELECT sum(orders.total) AS total\n   FROM public.orders;",
        );
        totals.materialized = true;
        totals.options.insert("tablespace".into(), "fast".into());
        totals.options.insert("fillfactor".into(), "50".into());
        totals.indexes = vec![pg_index("order_totals_total_idx", &["total"]).unique()];
        totals.comment = Some("refreshed nightly".into());
        let mut stats = view(
            "order_stats",
            " SELECT count(*) AS n\n   FROM public.orders;",
        );
        stats.materialized = true;
        stats.indexes = vec![pg_index("order_stats_n_idx", &["n"])];
        let mut stats_to = stats.clone();
        stats_to.indexes = vec![pg_index("order_stats_n_key", &["n"]).unique()];
        let mut old_mat = view("old_snapshot", " SELECT 1 AS one;");
        old_mat.materialized = true;
        let recent = |def: &str| view("recent_orders", def);
        let mut from_s = public()
            .table(orders.clone())
            .view(stats)
            .view(old_mat)
            .view(view("old_report", " SELECT 1 AS one;"))
            .view(recent(
                " SELECT orders.id\n   FROM public.orders\n  ORDER BY orders.id DESC\n LIMIT 10;",
            ));
        from_s.views.sort_by(|a, b| a.name.cmp(&b.name));
        let to_s = public()
            .table(orders)
            .view(stats_to)
            .view(secure)
            .view(totals)
            .view(recent(
                " SELECT orders.id,\n    orders.total\n   FROM public.orders\n  ORDER BY orders.id DESC\n LIMIT 20;",
            ));
        diffed(pg(vec![from_s]), pg(vec![to_s]), hints())
    }

    /// Functions and procedures: one unchanged, one with a new body (CREATE OR REPLACE), one
    /// whose result changes (dropped and created), one with a new signature beside the old one
    /// (created; the old one dropped), a new procedure with a comment.
    pub fn pg_routines() -> Case {
        let keep = pg_function("keep", "", "integer", " SELECT 1 ");
        let touch = pg_function(
            "touch",
            "",
            "trigger",
            " BEGIN NEW.at := now(); RETURN NEW; END ",
        );
        let mut touch_to = touch.clone();
        touch_to.definition = touch_to.definition.replace("now()", "clock_timestamp()");
        let mut total = pg_function("total", "n integer", "integer", " BEGIN RETURN n; END ");
        total.comment = Some("sum".into());
        let mut total_to = pg_function("total", "n integer", "bigint", " BEGIN RETURN n; END ");
        total_to.comment = Some("sum".into());
        let add = pg_function(
            "add_one",
            "a integer",
            "integer",
            " BEGIN RETURN a + 1; END ",
        );
        let add_to = pg_function(
            "add_one",
            "a integer, b integer",
            "integer",
            " BEGIN RETURN a + b; END ",
        );
        let mut purge = pg_function("purge", "days integer", "", " DELETE FROM log ");
        purge.kind = RoutineKind::Procedure;
        purge.result = None;
        purge.arguments = "IN days integer".into();
        purge.definition = "CREATE OR REPLACE PROCEDURE public.purge(IN days integer)\n LANGUAGE sql\nAS $procedure$ DELETE FROM log $procedure$".into();
        purge.comment = Some("it's nightly".into());
        let from = pg(vec![public()
            .routine(keep.clone())
            .routine(touch)
            .routine(total)
            .routine(add)]);
        let to = pg(vec![public()
            .routine(keep)
            .routine(touch_to)
            .routine(total_to)
            .routine(add_to)
            .routine(purge)]);
        diffed(from, to, hints())
    }

    /// Triggers on a table: one unchanged, one whose WHEN changes (dropped and created: the
    /// server's version is unknown), one disabled, one dropped, a new constraint trigger with a
    /// comment, and one on a table renamed by a hint (unchanged: nothing to do).
    pub fn pg_triggers() -> Case {
        let (from, to) = triggers_case();
        diffed(from, to, hints().rename_table(PUBLIC, "members", "people"))
    }

    /// The same on Postgres 15: a changed trigger is replaced in one statement
    /// (`CREATE OR REPLACE TRIGGER`), except a constraint trigger.
    pub fn pg_triggers_replaced_in_place() -> Case {
        let (mut from, mut to) = triggers_case();
        from.server_version = "15.4".into();
        to.server_version = "15.4".into();
        diffed(from, to, hints().rename_table(PUBLIC, "members", "people"))
    }

    fn triggers_case() -> (Database, Database) {
        let t = pg_table("t").with(col("v", "integer"));
        let touch = pg_function("touch", "", "trigger", " BEGIN RETURN NEW; END ");
        let fire = |name: &str, when: &str| {
            pg_trigger(
                name,
                "t",
                "BEFORE UPDATE",
                &format!("FOR EACH ROW{when} EXECUTE FUNCTION public.touch()"),
            )
        };
        let kept = fire("a_kept", "");
        let changed = fire("b_changed", " WHEN ((old.v IS DISTINCT FROM new.v))");
        let changed_to = fire("b_changed", " WHEN ((new.v > 0))");
        let mut disabled_to = fire("c_disabled", "");
        disabled_to.enabled = TriggerEnabled::Disabled;
        let dropped = fire("d_dropped", "");
        let mut added = pg_trigger(
            "e_added",
            "t",
            "AFTER INSERT",
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.touch('it''s')",
        );
        added.definition = added
            .definition
            .replace("CREATE TRIGGER", "CREATE CONSTRAINT TRIGGER");
        added.constraint = true;
        added.comment = Some("checks at commit".into());
        let mut constraint = added.clone();
        constraint.name = "f_constraint".into();
        constraint.definition = constraint.definition.replace("e_added", "f_constraint");
        constraint.comment = None;
        let mut constraint_to = constraint.clone();
        constraint_to.definition = constraint_to
            .definition
            .replace("AFTER INSERT", "AFTER INSERT OR UPDATE");
        let people = pg_table("people").with(col("v", "integer"));
        let members = pg_table("members").with(col("v", "integer"));
        let on_people = pg_trigger(
            "audit",
            "people",
            "AFTER DELETE",
            "FOR EACH ROW EXECUTE FUNCTION public.touch()",
        );
        let on_members = pg_trigger(
            "audit",
            "members",
            "AFTER DELETE",
            "FOR EACH ROW EXECUTE FUNCTION public.touch()",
        );
        let from = pg(vec![public()
            .table(t.clone())
            .table(people)
            .routine(touch.clone())
            .trigger(kept.clone())
            .trigger(changed)
            .trigger(fire("c_disabled", ""))
            .trigger(dropped)
            .trigger(constraint)
            .trigger(on_people)]);
        let to = pg(vec![public()
            .table(t)
            .table(members)
            .routine(touch)
            .trigger(kept)
            .trigger(changed_to)
            .trigger(disabled_to)
            .trigger(added)
            .trigger(constraint_to)
            .trigger(on_members)]);
        (from, to)
    }

    pub fn pg_comments() -> Case {
        let mut mood = enum_type("mood", &["sad", "happy"]);
        let mut seq = sequence("ticket_no");
        let mut title_key = unique("notes_title_key", &["title"]);
        let mut v = view("note_titles", " SELECT notes.title\n   FROM public.notes;");
        let mut mv = view("note_count", " SELECT count(*) AS n\n   FROM public.notes;");
        mv.materialized = true;
        mv.indexes = vec![pg_index("note_count_n_idx", &["n"])];
        let notes = |title_comment: Option<&str>, idx_comment: Option<&str>, key: Unique| {
            let mut t = pg_table("notes")
                .with(col("title", "text"))
                .with(col("body", "text"))
                .unique(key)
                .index(pg_index("notes_body_idx", &["body"]));
            t.columns[1].comment = title_comment.map(str::to_string);
            t.indexes[0].comment = idx_comment.map(str::to_string);
            t
        };
        let from = pg(vec![public()
            .comment("old")
            .enum_type(mood.clone())
            .sequence(seq.clone())
            .extension(extension("pg_trgm", "1.6"))
            .table(notes(Some("the title"), None, title_key.clone()).comment("notes"))
            .view(v.clone())
            .view(mv.clone())]);
        mood.comment = Some("how it feels".into());
        seq.comment = Some("numbers tickets".into());
        title_key.comment = Some("one note per title".into());
        v.comment = Some("titles only".into());
        mv.comment = Some("how many".into());
        mv.indexes[0].comment = Some("for REFRESH … CONCURRENTLY".into());
        let to = pg(vec![public()
            .comment("the application's schema")
            .enum_type(mood)
            .sequence(seq)
            .extension(extension("pg_trgm", "1.6"))
            .table(
                notes(None, Some("body search"), title_key).comment("what users wrote, isn't it"),
            )
            .view(v)
            .view(mv)]);
        let mut case = diffed(from, to, hints());
        // The diff has no comment changes on extensions: built by hand.
        case.changes.push(Change::Comment {
            target: CommentTarget::Extension {
                name: "pg_trgm".into(),
            },
            comment: Some("trigram matching".into()),
        });
        case
    }

    /// Only the primary key's comment changes. (Today the diff also renames the key to its own
    /// name, which Postgres refuses, and so rebuilds the view over the table.)
    pub fn pg_primary_key_comment_only() -> Case {
        let t = |comment: Option<&str>| {
            let mut t = pg_table("notes").with(col("title", "text"));
            t.primary_key.as_mut().unwrap().comment = comment.map(str::to_string);
            t
        };
        let v = view("note_titles", " SELECT notes.title\n   FROM public.notes;");
        diffed(
            pg(vec![public().table(t(None)).view(v.clone())]),
            pg(vec![public().table(t(Some("identifies a note"))).view(v)]),
            hints(),
        )
    }

    // ------------------------------------------------------------ MySQL / MariaDB

    /// Routines and triggers on MariaDB (`CREATE OR REPLACE`); a disabled state and comments
    /// are refused (MySQL has neither for them).
    pub fn my_routines_and_triggers() -> Case {
        let db = mariadb(vec![my_table("t").with(my_str("name", "varchar(20)"))]);
        let s = || APP.to_string();
        let mut f = pg_function("f", "", "int", "");
        f.definition = "CREATE FUNCTION `f`() RETURNS int DETERMINISTIC RETURN 1".into();
        let mut g = f.clone();
        g.definition = g.definition.replace("RETURN 1", "RETURN 2");
        let trg = Trigger {
            name: "t_bi".into(),
            table: "t".into(),
            definition: "CREATE TRIGGER `t_bi` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.name = lower(NEW.name)".into(),
            enabled: TriggerEnabled::Enabled,
            constraint: false,
            comment: None,
            options: Options::new(),
        };
        let mut trg_to = trg.clone();
        trg_to.definition = trg_to.definition.replace("lower", "upper");
        let changes = vec![
            Change::CreateRoutine {
                schema: s(),
                routine: f.clone(),
            },
            Change::ReplaceRoutine {
                schema: s(),
                from: f.clone(),
                to: g,
            },
            Change::DropRoutine {
                schema: s(),
                routine: f,
            },
            Change::CreateTrigger {
                schema: s(),
                trigger: trg.clone(),
            },
            Change::ReplaceTrigger {
                schema: s(),
                from: trg.clone(),
                to: trg_to,
                in_place: true,
            },
            Change::SetTriggerEnabled {
                schema: s(),
                table: "t".into(),
                name: "t_bi".into(),
                from: TriggerEnabled::Enabled,
                to: TriggerEnabled::Disabled,
            },
            Change::DropTrigger {
                schema: s(),
                trigger: trg,
            },
            Change::Comment {
                target: CommentTarget::Routine {
                    schema: s(),
                    name: "f".into(),
                    kind: RoutineKind::Function,
                    arguments: String::new(),
                },
                comment: Some("c".into()),
            },
            Change::Comment {
                target: CommentTarget::Trigger {
                    schema: s(),
                    table: "t".into(),
                    trigger: "t_bi".into(),
                },
                comment: Some("c".into()),
            },
        ];
        given(db, changes)
    }

    /// Events and sequences on MariaDB (see `events_and_sequences_models`).
    pub fn my_events_and_sequences() -> Case {
        let (from, to, hints) = events_and_sequences_models();
        diffed(from, to, hints)
    }

    /// The same on MySQL proper: `DISABLE ON REPLICA`; every sequence change refused (MySQL
    /// has no sequences).
    pub fn mysql_events_and_refused_sequences() -> Case {
        let (from, to, hints) = events_and_sequences_models();
        let (from, to) = on_mysql_proper(from, to);
        diffed(from, to, hints)
    }

    /// MySQL partitioning on MariaDB (see `my_partition_models`): no ALGORITHM / LOCK.
    pub fn my_partitions() -> Case {
        let (from, to) = my_partition_models();
        diffed(from, to, hints())
    }

    /// The same on MySQL proper: ALGORITHM / LOCK per operation.
    pub fn mysql_partitions() -> Case {
        let (from, to) = my_partition_models();
        let (from, to) = on_mysql_proper(from, to);
        diffed(from, to, hints())
    }

    /// MySQL partitioning on Postgres: refused, naming the table.
    pub fn pg_refused_mysql_partitioning() -> Case {
        given(
            pg_public(vec![]),
            vec![Change::AlterPartitioning {
                schema: PUBLIC.into(),
                table: "t".into(),
                from: None,
                to: Some(my_partitioning("HASH", "`id`", &[("p0", None)])),
                keep_rows: false,
            }],
        )
    }

    /// Events on Postgres: refused, naming the event.
    pub fn pg_refused_events() -> Case {
        let db = pg_public(vec![]);
        let e = my_event("purge", "DELETE FROM t");
        let mut f = e.clone();
        f.status = EventStatus::Disabled;
        given(
            db,
            vec![
                Change::CreateEvent {
                    schema: PUBLIC.into(),
                    event: e.clone(),
                },
                Change::AlterEvent {
                    schema: PUBLIC.into(),
                    from: e.clone(),
                    to: f,
                },
                Change::DropEvent {
                    schema: PUBLIC.into(),
                    event: e,
                },
            ],
        )
    }

    pub fn pg_domains() -> Case {
        let (from, to) = domain_models();
        diffed(from, to, hints())
    }

    /// Partitioned tables: a partition attached online, one detached (CONCURRENTLY on 15) and
    /// dropped, one beside a DEFAULT partition (detached plainly), a new sub-partitioned table,
    /// and a plain table that becomes partitioned (no statement: the planner refuses it).
    pub fn pg_partitions() -> Case {
        let (mut from, mut to) = partition_models("15.4");
        from.schemas[0]
            .tables
            .push(Table::new("plain").with(col("at", "date")));
        let mut plain = Table::new("plain").with(col("at", "date"));
        plain.partition = Some(Partitioning {
            key: Some("RANGE (at)".into()),
            of: None,
        });
        to.schemas[0].tables.push(plain);
        from.canonicalize();
        to.canonicalize();
        diffed(from, to, hints())
    }

    pub fn pg_composite_and_range_types() -> Case {
        let (from, to) = composite_models();
        diffed(from, to, hints())
    }

    pub fn pg_enum_renames() -> Case {
        let (from, to, hints) = enum_rename_models();
        diffed(from, to, hints)
    }

    /// The Postgres-only type changes (domains, composite and range types, enum renames) as a
    /// MySQL renderer meets them: each refused, naming the object.
    pub fn my_refused_type_changes() -> Case {
        let (a, b) = domain_models();
        let (c, d) = composite_models();
        let (e, f, h) = enum_rename_models();
        let mut changes = migrator_core::diff::diff_unchecked(&a, &b, &hints());
        changes.extend(migrator_core::diff::diff_unchecked(&c, &d, &hints()));
        changes.extend(migrator_core::diff::diff_unchecked(&e, &f, &h));
        // Partitioning (Postgres only): attach, detach and a refused repartition.
        let p = cases::pg_partitions();
        changes.extend(p.changes.into_iter().filter(|c| {
            matches!(
                c,
                Change::AttachPartition { .. }
                    | Change::DetachPartition { .. }
                    | Change::Repartition { .. }
            )
        }));
        changes.retain(|c| !matches!(c, Change::CreateTable { .. } | Change::CreateIndex { .. }));
        given(mariadb(vec![]), changes)
    }

    /// What MySQL has no statement for: every such change, built by hand (the diff of two
    /// MySQL models never produces them).
    pub fn my_refused_changes() -> Case {
        let t = my_table("t").with(my_str("name", "varchar(20)"));
        let db = mariadb(vec![t]);
        let s = || APP.to_string();
        let tb = || "t".to_string();
        let mut not_valid_check = check("t_name_check", "(`name` <> '')");
        not_valid_check.validated = false;
        let mut not_valid_fk = my_fk("t_parent", &["id"], "t", &["id"]);
        not_valid_fk.validated = false;
        let mut deferrable_fk = my_fk("t_parent", &["id"], "t", &["id"]);
        deferrable_fk.deferrable = true;
        let mut mat = view("mv", "select 1 AS `one`");
        mat.materialized = true;
        let comment = |target: CommentTarget| Change::Comment {
            target,
            comment: Some("c".into()),
        };
        let policy = pg_policy("t", "p", "true");
        let changes = vec![
            Change::CreateSchema {
                schema: "other".into(),
            },
            Change::DropSchema {
                schema: "other".into(),
            },
            Change::CreatePolicy {
                schema: s(),
                policy: policy.clone(),
            },
            Change::AlterPolicy {
                schema: s(),
                from: policy.clone(),
                to: policy.clone(),
            },
            Change::ReplacePolicy {
                schema: s(),
                from: policy.clone(),
                to: policy.clone(),
            },
            Change::RenamePolicy {
                schema: s(),
                table: "t".into(),
                from: "p".into(),
                to: "q".into(),
            },
            Change::DropPolicy {
                schema: s(),
                policy,
            },
            Change::Comment {
                target: CommentTarget::Policy {
                    schema: s(),
                    table: "t".into(),
                    policy: "p".into(),
                },
                comment: Some("c".into()),
            },
            Change::CreateExtension {
                schema: s(),
                extension: extension("citext", "1.6"),
            },
            Change::UpdateExtension {
                name: "citext".into(),
                version: "1.7".into(),
            },
            Change::DropExtension {
                name: "citext".into(),
            },
            Change::CreateEnum {
                schema: s(),
                value: enum_type("mood", &["sad", "happy"]),
            },
            Change::AddEnumValue {
                schema: s(),
                name: "mood".into(),
                value: "ok".into(),
                before: None,
            },
            Change::RecreateEnum {
                schema: s(),
                from: enum_type("mood", &["sad", "happy"]),
                to: enum_type("mood", &["happy", "sad"]),
                columns: vec![EnumColumn {
                    schema: s(),
                    table: tb(),
                    column: "name".into(),
                    default: None,
                    checks: vec![],
                    indexes: vec![],
                }],
            },
            Change::DropEnum {
                schema: s(),
                name: "mood".into(),
            },
            Change::CreateSequence {
                schema: s(),
                sequence: sequence("seq"),
            },
            Change::AlterSequence {
                schema: s(),
                from: sequence("seq"),
                to: sequence("seq"),
            },
            Change::RenameSequence {
                schema: s(),
                from: "seq".into(),
                to: "seq2".into(),
            },
            Change::SetSequenceOwner {
                schema: s(),
                name: "seq".into(),
                owner: None,
            },
            Change::DropSequence {
                schema: s(),
                name: "seq".into(),
            },
            Change::AddExclusion {
                schema: s(),
                table: tb(),
                exclusion: Exclusion {
                    name: "t_excl".into(),
                    definition: "EXCLUDE USING gist (id WITH =)".into(),
                    deferrable: false,
                    initially_deferred: false,
                    comment: None,
                },
            },
            Change::ValidateConstraint {
                schema: s(),
                table: tb(),
                name: "t_name_check".into(),
            },
            Change::RenameConstraint {
                schema: s(),
                table: tb(),
                from: "t_a".into(),
                to: "t_b".into(),
            },
            Change::AddCheck {
                schema: s(),
                table: tb(),
                check: not_valid_check,
            },
            Change::AddForeignKey {
                schema: s(),
                table: tb(),
                key: not_valid_fk,
            },
            Change::AddForeignKey {
                schema: s(),
                table: tb(),
                key: deferrable_fk,
            },
            Change::AddColumn {
                schema: s(),
                table: tb(),
                column: col("n", "bigint").identity(IdentityGeneration::Always),
            },
            Change::AlterColumn {
                schema: s(),
                table: tb(),
                from: col("n", "bigint").not_null(),
                to: col("n", "bigint").identity(IdentityGeneration::ByDefault),
                using: None,
            },
            Change::CreateView {
                schema: s(),
                view: mat,
            },
            Change::DropView {
                schema: s(),
                name: "mv".into(),
                materialized: true,
            },
            comment(CommentTarget::Schema { schema: s() }),
            comment(CommentTarget::Column {
                schema: s(),
                table: tb(),
                column: "name".into(),
            }),
            comment(CommentTarget::Index {
                schema: s(),
                table: tb(),
                index: "t_name".into(),
            }),
            comment(CommentTarget::View {
                schema: s(),
                view: "v".into(),
                materialized: false,
            }),
            comment(CommentTarget::View {
                schema: s(),
                view: "mv".into(),
                materialized: true,
            }),
            comment(CommentTarget::Constraint {
                schema: s(),
                table: tb(),
                constraint: "PRIMARY".into(),
            }),
            comment(CommentTarget::Enum {
                schema: s(),
                name: "mood".into(),
            }),
            comment(CommentTarget::Sequence {
                schema: s(),
                name: "seq".into(),
            }),
            comment(CommentTarget::Extension {
                name: "citext".into(),
            }),
        ];
        given(db, changes)
    }

    pub fn my_create_tables() -> Case {
        let customers = my_table("customers").with(my_str("name", "varchar(100)").not_null());
        let from = mariadb(vec![customers.clone()]);
        let mut cascade = my_fk("orders_customer", &["customer_id"], "customers", &["id"]);
        cascade.on_delete = ReferentialAction::Cascade;
        let orders = my_table("orders")
            .with(col("customer_id", "bigint unsigned").not_null())
            .with(
                col("code", "varchar(32)")
                    .charset("utf8mb4", "utf8mb4_bin")
                    .not_null(),
            )
            .with(
                my_str("status", "enum('new','paid','it''s shipped')")
                    .not_null()
                    .default("'new'"),
            )
            .with(my_str("note", "text").comment("it's free \\ text"))
            // MariaDB's JSON with a collation other than its implied utf8mb4_bin.
            .with(col("payload", "json").charset("utf8mb4", "utf8mb4_unicode_ci"))
            .with(
                col("updated_at", "timestamp")
                    .not_null()
                    .default("current_timestamp()")
                    .opt("on_update", "current_timestamp()"),
            )
            .with(col("total", "decimal(10,2)").not_null().default("0.00"))
            .with(col("total_with_tax", "decimal(12,2)").generated("`total` * 1.2", true))
            .with(col("total_cents", "bigint").generated("`total` * 100", false))
            .with(my_str("secret", "varchar(64)").opt("invisible", "true"))
            .with(
                col("qty", "int")
                    .not_null()
                    .default("1")
                    .opt("check", "`qty` >= 0"),
            )
            .index(my_index("orders_customer", &["customer_id"]))
            .index(my_index("orders_code", &["code"]).unique())
            .index(index_with("FULLTEXT", "orders_note_ft", &["note"]))
            .index(
                my_index("orders_code_prefix", &["code", "updated_at"])
                    .length(0, 8)
                    .desc(1)
                    .comment("for 'prefix' search")
                    .opt("ignored", "true"),
            )
            .check(check("orders_total_check", "`total` >= 0"))
            .fk(cascade)
            .comment("customer's orders")
            .opt("row_format", "DYNAMIC");
        let cache = my_bare_table("cache")
            .with(col("k", "int").not_null())
            .with(col("v", "varbinary(255)"))
            .index(index_with("HASH", "cache_k", &["k"]).unique())
            .opt("engine", "MEMORY");
        let to = mariadb(vec![customers, orders, cache]);
        diffed(from, to, hints())
    }

    pub fn my_rename_and_drop_table() -> Case {
        let users = my_table("users").with(my_str("email", "varchar(255)").not_null());
        let mut accounts = users.clone();
        accounts.name = "accounts".into();
        let from = mariadb(vec![users, my_table("sessions")]);
        let to = mariadb(vec![accounts]);
        diffed(from, to, hints().rename_table(APP, "accounts", "users"))
    }

    pub fn my_table_options() -> Case {
        let from = mariadb(vec![
            my_table("engine_changes"),
            my_table("charset_changes")
                .opt("charset", "utf8mb3")
                .opt("collation", "utf8mb3_general_ci"),
            my_table("collation_changes"),
            my_table("row_format_set"),
            my_table("row_format_dropped").opt("row_format", "COMPRESSED"),
        ]);
        let to = mariadb(vec![
            my_table("engine_changes").opt("engine", "Aria"),
            my_table("charset_changes"),
            my_table("collation_changes").opt("collation", "utf8mb4_unicode_ci"),
            my_table("row_format_set").opt("row_format", "DYNAMIC"),
            my_table("row_format_dropped"),
        ]);
        diffed(from, to, hints())
    }

    pub fn my_add_column() -> Case {
        let events = || my_table("events");
        let articles = || {
            my_table("articles")
                .with(my_str("body", "text"))
                .index(index_with("FULLTEXT", "articles_body", &["body"]))
        };
        let from = mariadb(vec![events(), articles()]);
        let to = mariadb(vec![
            events()
                .with(col("attempts", "int"))
                .with(col("retries", "int").not_null().default("0"))
                .with(my_str("kind", "varchar(20)").not_null().default("'click'"))
                .with(
                    col("created_at", "datetime(6)")
                        .not_null()
                        .default("current_timestamp(6)"),
                )
                .with(my_str("token", "char(36)").not_null().default("uuid()"))
                .with(col("due", "date").default("(curdate() + interval 1 day)"))
                .with(col("weight", "int").opt("check", "`weight` > 0"))
                .with(col("doubled", "int").generated("`retries` * 2", true))
                .with(col("tripled", "int").generated("`retries` * 3", false)),
            articles()
                .with(col("views", "int"))
                .with(col("score", "int").generated("`views` * 2", true)),
        ]);
        diffed(from, to, hints())
    }

    /// A new AUTO_INCREMENT column is added with its key in one statement (the diff's `add_key`).
    pub fn my_add_auto_increment_column() -> Case {
        let keyed = |name: &str| {
            my_bare_table(name)
                .with(col("id", "bigint unsigned").not_null())
                .pk("PRIMARY", &["id"])
        };
        let from = mariadb(vec![
            my_bare_table("logs").with(my_str("msg", "text")),
            keyed("jobs"),
            keyed("tasks"),
        ]);
        let to = mariadb(vec![
            my_bare_table("logs")
                .with(col("id", "bigint unsigned").auto_increment())
                .with(my_str("msg", "text"))
                .pk("PRIMARY", &["id"]),
            keyed("jobs")
                .with(col("seq", "int").auto_increment())
                .index(my_index("jobs_seq", &["seq"]).unique()),
            keyed("tasks")
                .with(col("n", "int").auto_increment())
                .index(my_index("tasks_n", &["n"])),
        ]);
        diffed(from, to, hints())
    }

    fn items(cols: Vec<Column>) -> Table {
        cols.into_iter().fold(my_table("items"), |t, c| t.with(c))
    }

    pub fn my_alter_column() -> Case {
        let latin = |name: &str, ty: &str| col(name, ty).charset("latin1", "latin1_swedish_ci");
        let from = mariadb(vec![items(vec![
            col("qty", "int"),
            col("price", "int").default("0"),
            my_str("small", "varchar(20)"),
            my_str("grows", "varchar(20)"),
            latin("latin_small", "varchar(100)"),
            latin("latin_large", "varchar(200)"),
            my_str("state", "enum('a','b')"),
            my_str("reordered", "enum('a','b')"),
            my_str("flags", "set('x','y')"),
            col("becomes_not_null", "int"),
            col("becomes_null", "int").not_null(),
            col("commented", "int"),
            my_str("collated", "varchar(10)"),
            latin("converted", "varchar(10)"),
            col("widened", "int"),
            col("checked", "int"),
            col("hidden", "int"),
            col("doc", "json").charset("utf8mb4", "utf8mb4_unicode_ci"),
        ])]);
        let to = mariadb(vec![items(vec![
            col("qty", "int").default("1"),
            col("price", "int"),
            my_str("small", "varchar(63)"),
            my_str("grows", "varchar(64)"),
            latin("latin_small", "varchar(255)"),
            latin("latin_large", "varchar(300)"),
            my_str("state", "enum('a','b','c')"),
            my_str("reordered", "enum('b','a')"),
            my_str("flags", "set('x','y','z')"),
            col("becomes_not_null", "int").not_null(),
            col("becomes_null", "int"),
            col("commented", "int").comment("what it's for"),
            my_str("collated", "varchar(10)").charset("utf8mb4", "utf8mb4_bin"),
            my_str("converted", "varchar(10)"),
            col("widened", "bigint"),
            col("checked", "int").opt("check", "`checked` > 0"),
            col("hidden", "int").opt("invisible", "true"),
            col("doc", "json")
                .charset("utf8mb4", "utf8mb4_unicode_ci")
                .comment("raw"),
        ])]);
        diffed(from, to, hints())
    }

    /// On a table with a FULLTEXT index an in-place rebuild takes a shared lock.
    pub fn my_alter_column_on_fulltext_table() -> Case {
        let t = |cols: Vec<Column>| {
            cols.into_iter()
                .fold(my_table("posts"), |t, c| t.with(c))
                .index(index_with("FULLTEXT", "posts_body", &["body"]))
        };
        let from = mariadb(vec![t(vec![
            my_str("body", "text"),
            col("votes", "int"),
            col("rank", "int"),
            col("stars", "int"),
            col("hits", "int"),
        ])]);
        let to = mariadb(vec![t(vec![
            my_str("body", "text"),
            col("votes", "int").not_null(),
            col("rank", "bigint"),
            col("stars", "int").default("0"),
            col("hits", "int").comment("page views"),
        ])]);
        diffed(from, to, hints())
    }

    pub fn my_alter_generated_columns() -> Case {
        let t = |cols: Vec<Column>| {
            cols.into_iter()
                .fold(my_table("prices").with(col("net", "int")), |t, c| t.with(c))
        };
        let from = mariadb(vec![t(vec![
            col("virt", "int").generated("`net` * 2", false),
            col("stored", "int").generated("`net` * 3", true),
            col("becomes_generated", "int"),
            col("stops_being_generated", "int").generated("`net` * 5", false),
            col("virt_retyped", "int").generated("`net` * 6", false),
        ])]);
        let to = mariadb(vec![t(vec![
            col("virt", "int").generated("`net` * 20", false),
            col("stored", "int").generated("`net` * 30", true),
            col("becomes_generated", "int").generated("`net` * 4", true),
            col("stops_being_generated", "int"),
            col("virt_retyped", "bigint").generated("`net` * 6", false),
        ])]);
        diffed(from, to, hints())
    }

    pub fn my_rename_and_drop_column() -> Case {
        let plain = |c: Vec<Column>| c.into_iter().fold(my_table("people"), |t, c| t.with(c));
        let fulltext = |c: Vec<Column>| {
            c.into_iter()
                .fold(my_table("pages"), |t, c| t.with(c))
                .index(index_with("FULLTEXT", "pages_body", &["body"]))
        };
        let from = mariadb(vec![
            plain(vec![my_str("name", "varchar(50)"), col("age", "int")]),
            fulltext(vec![my_str("body", "text"), col("legacy", "int")]),
        ]);
        let to = mariadb(vec![
            plain(vec![my_str("full_name", "varchar(50)")]),
            fulltext(vec![my_str("body", "text")]),
        ]);
        diffed(
            from,
            to,
            hints().rename_column(APP, "people", "full_name", "name"),
        )
    }

    pub fn my_keys_and_constraints() -> Case {
        let billing_owner = {
            let mut f = my_fk("wallets_owner", &["owner_id"], "owners", &["id"]);
            f.ref_schema = "billing".into();
            f.on_update = ReferentialAction::Cascade;
            f.on_delete = ReferentialAction::SetNull;
            f
        };
        let mut no_action = my_fk("wallets_wallet", &["parent_id"], "wallets", &["id"]);
        no_action.on_delete = ReferentialAction::NoAction;
        no_action.match_full = true;
        let wallets = || {
            my_bare_table("wallets")
                .with(col("id", "bigint unsigned").not_null())
                .with(col("owner_id", "bigint unsigned"))
                .with(col("parent_id", "bigint unsigned"))
                .with(col("balance", "decimal(12,2)").not_null().default("0.00"))
        };
        let searchable = |pk: bool| {
            let t = my_bare_table("searchable")
                .with(col("id", "bigint unsigned").not_null())
                .with(my_str("body", "text"))
                .index(index_with("FULLTEXT", "searchable_body", &["body"]));
            if pk {
                t.pk("PRIMARY", &["id"])
            } else {
                t
            }
        };
        let from = mariadb(vec![
            wallets()
                .check(check("wallets_old_check", "`balance` < 1000000"))
                .fk(my_fk("wallets_parent", &["parent_id"], "wallets", &["id"]))
                .index(my_index("wallets_parent", &["parent_id"])),
            searchable(false),
            my_table("legacy_keyed").with(col("code", "int").not_null()),
        ]);
        let to = mariadb(vec![
            wallets()
                .pk("PRIMARY", &["id"])
                .check(check("wallets_balance_check", "`balance` >= 0"))
                .fk(billing_owner)
                .fk(no_action)
                .index(my_index("wallets_owner", &["owner_id"]))
                .index(my_index("wallets_wallet", &["parent_id"])),
            searchable(true),
            my_bare_table("legacy_keyed")
                .with(col("id", "bigint unsigned").not_null())
                .with(col("code", "int").not_null()),
        ]);
        let mut case = diffed(from, to, hints());
        // MySQL models have no unique constraints (a unique key is an index), so the diff never
        // adds one; the renderer still writes it.
        case.changes.push(Change::AddUnique {
            schema: APP.into(),
            table: "wallets".into(),
            unique: unique("wallets_owner_parent", &["owner_id", "parent_id"]),
        });
        case
    }

    /// Dropping an AUTO_INCREMENT primary-key column: AUTO_INCREMENT goes first, then the key.
    pub fn my_drop_auto_increment_primary_key() -> Case {
        let from = mariadb(vec![my_table("counters").with(col("n", "int").not_null())]);
        let to = mariadb(vec![
            my_bare_table("counters").with(col("n", "int").not_null())
        ]);
        diffed(from, to, hints())
    }

    /// Foreign keys and checks cannot be renamed on MySQL: dropped and added again, the key's
    /// index renamed in between.
    pub fn my_constraint_renames() -> Case {
        let t = |fk_name: &str, check_name: &str| {
            my_table("lines")
                .with(col("order_id", "bigint unsigned").not_null())
                .with(col("qty", "int").not_null())
                .fk(my_fk(fk_name, &["order_id"], "orders", &["id"]))
                .index(my_index(fk_name, &["order_id"]))
                .check(check(check_name, "`qty` > 0"))
        };
        let from = mariadb(vec![my_table("orders"), t("lines_order", "lines_qty")]);
        let to = mariadb(vec![
            my_table("orders"),
            t("lines_order_fk", "lines_qty_positive"),
        ]);
        diffed(from, to, hints())
    }

    pub fn my_indexes() -> Case {
        let t = || {
            my_table("places")
                .with(my_str("name", "varchar(200)").not_null())
                .with(my_str("email", "varchar(255)"))
                .with(col("location", "point").not_null())
                .with(my_str("about", "text"))
                .with(col("rating", "int"))
        };
        let from = mariadb(vec![t()
            .index(my_index("places_name", &["name"]))
            .index(my_index("places_email", &["email"]))
            .index(my_index("places_rating", &["rating"]).comment("old comment"))]);
        let to = mariadb(vec![t()
            .index(my_index("places_name_idx", &["name"]))
            .index(my_index("places_email_key", &["email"]).unique())
            .index(index_with("SPATIAL", "places_location", &["location"]))
            .index(index_with("FULLTEXT", "places_about", &["about"]))
            .index(
                my_index("places_name_prefix", &["name", "rating"])
                    .length(0, 10)
                    .desc(1)
                    .comment("it's a prefix")
                    .opt("ignored", "true"),
            )
            .index(index_with("BTREE", "places_lower_email", &[]).expr("lower(`email`)"))
            .index(my_index("places_rating", &["rating"]).comment("new comment"))]);
        diffed(from, to, hints())
    }

    /// InnoDB clusters a table without a primary key on its first unique NOT NULL index:
    /// dropping it copies the table (`renderer_for` knows, `renderer` does not).
    pub fn my_index_drops_on_clustered_table() -> Case {
        let t = || {
            my_bare_table("tags")
                .with(my_str("slug", "varchar(64)").not_null())
                .with(my_str("label", "varchar(64)"))
        };
        let from = mariadb(vec![t()
            .index(my_index("tags_slug", &["slug"]).unique())
            .index(my_index("tags_label", &["label"]).unique())]);
        let to = mariadb(vec![t()]);
        diffed(from, to, hints())
    }

    /// An index a kept foreign key needs is dropped in the statement creating its replacement.
    pub fn my_index_replaced_under_foreign_key() -> Case {
        let t = || {
            my_table("payments")
                .with(col("customer_id", "bigint unsigned").not_null())
                .with(col("created_at", "datetime").not_null())
                .fk(my_fk(
                    "payments_customer",
                    &["customer_id"],
                    "customers",
                    &["id"],
                ))
        };
        let from = mariadb(vec![
            my_table("customers"),
            t().index(my_index("payments_customer", &["customer_id"])),
        ]);
        let to = mariadb(vec![
            my_table("customers"),
            t().index(my_index(
                "payments_customer_created",
                &["customer_id", "created_at"],
            )),
        ]);
        diffed(from, to, hints())
    }

    pub fn my_views() -> Case {
        let orders = my_table("orders").with(col("total", "decimal(10,2)"));
        let mut strict = view(
            "big_orders",
            "select `orders`.`id` AS `id`,`orders`.`total` AS `total` from `orders` where `orders`.`total` > 100",
        );
        strict.options.insert("algorithm".into(), "merge".into());
        strict.options.insert("security".into(), "invoker".into());
        strict
            .options
            .insert("check_option".into(), "cascaded".into());
        let totals = |def: &str| view("totals", def);
        let from = my_db(
            MARIADB,
            vec![orders.clone()],
            vec![
                totals("select sum(`orders`.`total`) AS `t` from `orders`"),
                view("unused", "select 1 AS `one`"),
            ],
        );
        let to = my_db(
            MARIADB,
            vec![orders],
            vec![
                strict,
                totals("select sum(`orders`.`total`) AS `t`,count(0) AS `n` from `orders`"),
            ],
        );
        diffed(from, to, hints())
    }

    // MySQL proper (9.7): the MariaDB cases above, planned for a MySQL server. What differs is
    // the ALGORITHM= MySQL accepts (see migrator_core::flavor and tests/mysql_algorithms.rs).

    fn mysql(case: Case) -> Case {
        let (from, to) = on_mysql_proper(case.from, case.to);
        Case { from, to, ..case }
    }

    pub fn mysql_table_options() -> Case {
        mysql(my_table_options())
    }

    pub fn mysql_add_column() -> Case {
        mysql(my_add_column())
    }

    pub fn mysql_alter_column() -> Case {
        mysql(my_alter_column())
    }

    pub fn mysql_alter_column_on_fulltext_table() -> Case {
        mysql(my_alter_column_on_fulltext_table())
    }

    pub fn mysql_alter_generated_columns() -> Case {
        mysql(my_alter_generated_columns())
    }

    pub fn mysql_rename_and_drop_column() -> Case {
        mysql(my_rename_and_drop_column())
    }

    pub fn mysql_keys_and_constraints() -> Case {
        mysql(my_keys_and_constraints())
    }

    pub fn mysql_indexes() -> Case {
        mysql(my_indexes())
    }

    pub fn mysql_index_replaced_under_foreign_key() -> Case {
        mysql(my_index_replaced_under_foreign_key())
    }

    pub fn mysql_comments() -> Case {
        mysql(my_comments())
    }

    pub fn my_comments() -> Case {
        let from = mariadb(vec![
            my_table("a").with(col("x", "int")).comment("old"),
            my_table("b"),
        ]);
        let to = mariadb(vec![
            my_table("a").with(col("x", "int").comment("the x")),
            my_table("b").comment("it's b"),
        ]);
        diffed(from, to, hints())
    }
}

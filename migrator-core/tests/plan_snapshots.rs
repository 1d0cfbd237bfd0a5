//! Golden tests of the planner: for each recipe of `plan/postgres.rs` and `plan/mysql.rs` (and
//! each refusal), two hand-built models, the changes `diff_unchecked` finds between them (as
//! `migrator plan` computes them) and the whole plan: every step's phase, summary, lock,
//! hazards, up and down SQL, irreversibility and backfill — or the refusal.
//!
//! No server. Each case is one test and one snapshot (`plan_snapshots__<case>.snap`);
//! `every_change_variant_is_planned` fails when a `Change` variant has no plan case.
//!
//! A refactor of the planner must keep these green byte for byte. After an intended change of
//! output, run with `INSTA_UPDATE=always` (or `cargo insta review`), read the diff of
//! `tests/snapshots/` and commit it; with `CI=true` a missing snapshot fails instead of being
//! written.

mod common;

use common::*;
use migrator_core::diff::Hints;
use migrator_core::diff::{Change, CommentTarget};
use migrator_core::schema::*;
use migrator_core::Dialect;
use std::collections::BTreeSet;

pub struct PlanCase {
    from: Database,
    to: Database,
    hints: Hints,
    allow_destructive: bool,
    changes: Vec<Change>,
}

/// The plan of what `diff_unchecked` finds from `from` to `to`.
fn diffed(from: Database, to: Database, hints: Hints) -> PlanCase {
    let changes = migrator_core::diff::diff_unchecked(&from, &to, &hints);
    assert!(!changes.is_empty(), "the case's models do not differ");
    PlanCase {
        from,
        to,
        hints,
        allow_destructive: false,
        changes,
    }
}

impl PlanCase {
    fn destructive(mut self) -> Self {
        self.allow_destructive = true;
        self
    }
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let c = cases::$name();
                insta::assert_snapshot!(plan_changes_text(
                    &c.changes,
                    &c.from,
                    &c.to,
                    &c.hints,
                    c.allow_destructive
                ));
            }
        )*
        const ALL_CASES: &[(&str, fn() -> PlanCase)] = &[$((stringify!($name), cases::$name as fn() -> PlanCase)),*];
    };
}

cases!(
    pg_policies,
    pg_policy_column_rename_refused,
    pg_routines_and_triggers,
    pg_routines_and_triggers_dropped,
    pg_trigger_kept_while_its_table_renames_a_column,
    // Postgres
    pg_new_schema_extension_enum_sequence_table_view,
    pg_changed_extension_enum_sequences,
    pg_serial_table_renamed,
    pg_add_column_nullable,
    pg_add_column_not_null_with_constant_default,
    pg_add_column_not_null_with_volatile_default,
    pg_add_column_not_null_with_backfill_hint,
    pg_add_column_not_null_without_value_refused,
    pg_add_column_backfill_walks_a_composite_key_by_its_first_column,
    pg_add_identity_and_generated_columns,
    pg_column_becomes_not_null_without_hint,
    pg_column_becomes_not_null_with_backfill_hint,
    pg_column_becomes_not_null_with_hint_without_primary_key_refused,
    pg_column_becomes_nullable,
    pg_column_default_collation_and_cheap_type_changes,
    pg_type_change_through_shadow_column,
    pg_type_change_with_using_hint_not_null_and_default,
    pg_type_change_rebuilds_plain_indexes,
    pg_type_change_refused_for_expression_index,
    pg_type_change_refused_for_view,
    pg_type_change_with_checks,
    pg_rename_column_with_checks,
    pg_type_change_refused_without_primary_key,
    pg_lossy_type_change_refused,
    pg_lossy_type_change_allowed,
    pg_rename_column_nullable,
    pg_rename_column_not_null_with_default_and_indexes,
    pg_rename_column_refused_for_foreign_key,
    pg_rename_column_refused_for_opclass_index,
    pg_rename_column_and_type_change_refused,
    pg_rename_table,
    pg_indexes_on_existing_table,
    pg_index_replaced_under_the_same_name,
    pg_unique_and_primary_key_on_existing_tables,
    pg_unique_and_primary_key_on_new_table,
    pg_check_and_foreign_key_on_existing_table,
    pg_check_replaced_under_the_same_name,
    pg_validate_rename_and_exclusion_constraints,
    pg_drops_refused,
    pg_drops_allowed,
    pg_drop_table_with_its_keys,
    pg_enum_value_removed_refused,
    pg_enum_rebuilt,
    pg_comments_and_table_options,
    pg_views_rebuilt_and_materialized_view_indexes,
    pg_domains,
    pg_composite_and_range_types,
    pg_partitions,
    pg_partitions_on_13,
    pg_table_partitioned_refused,
    pg_enum_renames,
    pg_domain_remade_refused_while_used,
    pg_composite_attribute_type_refused_while_used,
    // MySQL / MariaDB
    my_new_tables_with_foreign_key_and_fulltext,
    my_add_columns_instant_and_copy,
    my_add_column_not_null_with_expression_default,
    my_add_column_not_null_with_backfill_hint,
    my_add_column_not_null_without_value_refused,
    my_add_column_backfill_walks_a_composite_key_by_its_first_column,
    my_add_auto_increment_column_with_its_key,
    my_add_column_to_fulltext_table,
    my_column_becomes_not_null_without_hint,
    my_column_becomes_not_null_with_backfill_hint,
    my_column_becomes_nullable,
    my_instant_column_changes,
    my_type_change_through_shadow_column,
    my_type_change_with_using_hint_not_null_default_and_indexes,
    my_type_change_with_non_integer_primary_key,
    my_type_change_refused_for_view,
    my_type_change_on_fulltext_table,
    my_enum_reordered,
    my_enum_value_removed_refused,
    my_rename_column_nullable,
    my_rename_column_not_null_with_default_and_index,
    my_rename_column_locks_foreign_key_neighbours,
    my_rename_column_refused_for_foreign_key,
    my_rename_column_with_checks_in_place,
    my_rename_column_with_checks_and_a_new_index_refused,
    my_rename_table,
    my_indexes_on_existing_table,
    my_index_replaced_under_foreign_key,
    my_primary_keys_added,
    my_keys_index_and_check_on_new_table,
    my_checks_added_and_renamed,
    my_foreign_key_on_mariadb,
    my_foreign_key_on_mariadb_without_integer_key,
    my_foreign_key_on_mysql_proper,
    my_add_columns_on_mysql_proper,
    my_rename_checked_column_on_mysql_proper_refused,
    my_enum_append_under_a_check_on_mysql_proper,
    my_type_change_beside_an_enum_check_on_mysql_proper,
    my_alter_columns_on_mysql_proper,
    my_foreign_key_renamed,
    my_drops_refused,
    my_drops_allowed,
    my_drop_auto_increment_primary_key,
    my_table_options_and_comments,
    my_views,
    my_plan_refuses_what_mysql_cannot_express,
    my_routines_and_triggers,
    my_routines_and_triggers_on_mysql_proper,
    my_events_and_sequences,
    my_events_on_mysql_proper,
    pg_plan_refuses_events,
    my_partitions,
    my_partitions_on_mysql_proper,
    pg_plan_refuses_mysql_partitioning,
);

#[test]
fn every_change_variant_is_planned() {
    let cases: Vec<PlanCase> = ALL_CASES.iter().map(|(_, f)| f()).collect();
    let seen = |dialect: Dialect| -> BTreeSet<&'static str> {
        cases
            .iter()
            .filter(|c| c.from.dialect == dialect)
            .flat_map(|c| c.changes.iter().map(variant))
            .collect()
    };
    let all: BTreeSet<&str> = ALL_VARIANTS.iter().copied().collect();
    let pg_seen = seen(Dialect::Postgres);
    let pg_missing: Vec<&&str> = all.difference(&pg_seen).collect();
    assert!(
        pg_missing.is_empty(),
        "no Postgres plan case for {pg_missing:?}"
    );
    // What the MySQL renderer accepts (the rest is refused by its check, as
    // `my_plan_refuses_what_mysql_cannot_express` shows).
    let mysql: BTreeSet<&str> = [
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
        "add_foreign_key",
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
        "drop_trigger",
        "create_event",
        "alter_event",
        "drop_event",
        "create_sequence",
        "alter_sequence",
        "drop_sequence",
        "alter_partitioning",
    ]
    .into_iter()
    .collect();
    let my_seen = seen(Dialect::Mysql);
    let my_missing: Vec<&&str> = mysql.difference(&my_seen).collect();
    assert!(
        my_missing.is_empty(),
        "no MySQL plan case for {my_missing:?}"
    );
}

mod cases {
    use super::*;

    fn public() -> Schema {
        Schema::new(PUBLIC)
    }

    /// `public.users`: `id` (identity, primary key), `email text NOT NULL`, `name text`.
    fn users() -> Table {
        pg_table("users")
            .with(col("email", "text").not_null())
            .with(col("name", "text"))
    }

    fn pg_users(t: Table) -> (Database, Database) {
        (pg_public(vec![users()]), pg_public(vec![t]))
    }

    // ------------------------------------------------------------ Postgres: policies

    /// See `policies_case`: policies created before row-level security is turned on (a new
    /// table too), turned off before its policy is dropped in contract; every policy step
    /// carries the hazard that it takes effect at once.
    pub fn pg_policies() -> PlanCase {
        let (from, to, h) = policies_case();
        diffed(from, to, h)
    }

    /// A column a policy reads cannot be renamed through a shadow column: refused, naming the
    /// policy and what to do.
    pub fn pg_policy_column_rename_refused() -> PlanCase {
        let mut from = public();
        from.tables = vec![pg_table("docs").with(col("owner", "text"))];
        from.policies = vec![pg_policy("docs", "docs_owner", "(owner = CURRENT_USER)")];
        let mut to = public();
        to.tables = vec![pg_table("docs").with(col("author", "text"))];
        to.policies = vec![pg_policy("docs", "docs_owner", "(author = CURRENT_USER)")];
        let mut h = hints();
        h.column_renames.insert(
            ((String::new(), "docs".into()), "author".into()),
            "owner".into(),
        );
        diffed(pg(vec![from]), pg(vec![to]), h)
    }

    // ------------------------------------------------------------ Postgres: routines, triggers

    /// An audit function and trigger added to a table in use; a function body changed (CREATE
    /// OR REPLACE); a function whose signature changes (new one in expand, old one dropped in
    /// contract); a trigger whose WHEN changes on Postgres 15 (replaced in one statement) and
    /// one disabled.
    pub fn pg_routines_and_triggers() -> PlanCase {
        let audit_log = pg_table("audit_log").with(col("what", "text"));
        let touch = pg_function(
            "touch",
            "",
            "trigger",
            " BEGIN NEW.name := lower(NEW.name); RETURN NEW; END ",
        );
        let mut touch_to = touch.clone();
        touch_to.definition = touch_to.definition.replace("lower", "upper");
        let price = pg_function(
            "price",
            "n integer",
            "numeric",
            " BEGIN RETURN n * 1.1; END ",
        );
        let price_to = pg_function(
            "price",
            "n integer, rate numeric",
            "numeric",
            " BEGIN RETURN n * rate; END ",
        );
        let audit = pg_function(
            "audit",
            "",
            "trigger",
            " BEGIN INSERT INTO public.audit_log VALUES (TG_OP); RETURN NULL; END ",
        );
        let on_users = |name: &str, spec: &str, rest: &str| pg_trigger(name, "users", spec, rest);
        let lower = on_users(
            "users_lower",
            "BEFORE INSERT OR UPDATE",
            "FOR EACH ROW EXECUTE FUNCTION public.touch()",
        );
        let lower_to = on_users(
            "users_lower",
            "BEFORE INSERT OR UPDATE",
            "FOR EACH ROW WHEN ((new.name IS NOT NULL)) EXECUTE FUNCTION public.touch()",
        );
        let quiet = on_users(
            "users_quiet",
            "AFTER UPDATE",
            "FOR EACH STATEMENT EXECUTE FUNCTION public.touch()",
        );
        let mut quiet_to = quiet.clone();
        quiet_to.enabled = TriggerEnabled::Disabled;
        let audited = on_users(
            "users_audit",
            "AFTER INSERT OR DELETE OR UPDATE",
            "FOR EACH ROW EXECUTE FUNCTION public.audit()",
        );
        let mut from = pg(vec![public()
            .table(users())
            .routine(touch)
            .routine(price)
            .trigger(lower)
            .trigger(quiet)]);
        let mut to = pg(vec![public()
            .table(users())
            .table(audit_log)
            .routine(touch_to)
            .routine(price_to)
            .routine(audit)
            .trigger(lower_to)
            .trigger(quiet_to)
            .trigger(audited)]);
        from.server_version = "15.4".into();
        to.server_version = "15.4".into();
        diffed(from, to, hints())
    }

    /// A trigger and its function no longer declared: both dropped in contract, the trigger
    /// first; rollback creates them again.
    pub fn pg_routines_and_triggers_dropped() -> PlanCase {
        let touch = pg_function("touch", "", "trigger", " BEGIN RETURN NEW; END ");
        let lower = pg_trigger(
            "users_lower",
            "users",
            "BEFORE INSERT",
            "FOR EACH ROW EXECUTE FUNCTION public.touch()",
        );
        let from = pg(vec![public().table(users()).routine(touch).trigger(lower)]);
        let to = pg(vec![public().table(users())]);
        diffed(from, to, hints())
    }

    /// An `updated_at` trigger on a table whose column is renamed (shadow column with
    /// migrator's sync triggers): the user's trigger is left alone.
    pub fn pg_trigger_kept_while_its_table_renames_a_column() -> PlanCase {
        let stamp = pg_function(
            "stamp",
            "",
            "trigger",
            " BEGIN NEW.updated_at := now(); RETURN NEW; END ",
        );
        let updated = pg_trigger(
            "users_updated_at",
            "users",
            "BEFORE UPDATE",
            "FOR EACH ROW EXECUTE FUNCTION public.stamp()",
        );
        let t = users().with(col("updated_at", "timestamptz"));
        let t_to = pg_table("users")
            .with(col("email", "text").not_null())
            .with(col("full_name", "text"))
            .with(col("updated_at", "timestamptz"));
        let from = pg(vec![public()
            .table(t)
            .routine(stamp.clone())
            .trigger(updated.clone())]);
        let to = pg(vec![public().table(t_to).routine(stamp).trigger(updated)]);
        let mut case = diffed(
            from,
            to,
            hints().rename_column(PUBLIC, "users", "full_name", "name"),
        );
        // Only the rename: the trigger and its function are the same on both sides.
        assert!(
            case.changes
                .iter()
                .all(|c| matches!(c, Change::RenameColumn { .. })),
            "{:?}",
            case.changes
        );
        case.allow_destructive = false;
        case
    }

    // ------------------------------------------------------------ Postgres: new objects

    pub fn pg_new_schema_extension_enum_sequence_table_view() -> PlanCase {
        let from = pg(vec![public().table(users())]);
        let mut invoice_no = sequence("invoice_no");
        invoice_no.owned_by = Some(SequenceOwner {
            table: "invoices".into(),
            column: "number".into(),
        });
        let mut not_valid = check("invoices_total_check", "(total >= (0)::numeric)");
        not_valid.validated = false;
        let invoices = pg_table("invoices")
            .with(
                col("number", "bigint")
                    .not_null()
                    .default("nextval('billing.invoice_no'::regclass)"),
            )
            .with(col("user_id", "bigint").not_null())
            .with(col("total", "numeric(12,2)").not_null())
            .with(user_col(
                "state",
                "billing",
                "invoice_state",
                UserTypeKind::Enum,
            ))
            .with(user_col("tag", PUBLIC, "citext", UserTypeKind::Base))
            .check(not_valid)
            .fk(fk(
                "invoices_user_id_fkey",
                &["user_id"],
                PUBLIC,
                "users",
                &["id"],
            ))
            .index(pg_index("invoices_user_id_idx", &["user_id"]))
            .comment("one per order");
        let unpaid = view(
            "unpaid",
            " SELECT invoices.id,\n    invoices.total\n   FROM billing.invoices\n  WHERE (invoices.state = 'open'::billing.invoice_state);",
        );
        let to = pg(vec![
            public()
                .table(users())
                .extension(extension("citext", "1.6")),
            Schema::new("billing")
                .comment("money")
                .enum_type(enum_type("invoice_state", &["open", "paid"]))
                .sequence(invoice_no)
                .table(invoices)
                .view(unpaid),
        ]);
        diffed(from, to, hints())
    }

    pub fn pg_changed_extension_enum_sequences() -> PlanCase {
        let mut counter = sequence("counter");
        let mut counter_to = counter.clone();
        counter_to.max = i64::MAX;
        counter.max = 1_000_000;
        counter_to.increment = 2;
        let owned = sequence("owned");
        let mut owned_to = owned.clone();
        owned_to.owned_by = Some(SequenceOwner {
            table: "users".into(),
            column: "id".into(),
        });
        let from = pg(vec![public()
            .extension(extension("pg_trgm", "1.5"))
            .enum_type(enum_type("mood", &["sad", "happy"]))
            .sequence(counter)
            .sequence(owned)
            .table(users())]);
        let to = pg(vec![public()
            .extension(extension("pg_trgm", "1.6"))
            .enum_type(enum_type("mood", &["sad", "ok", "happy", "ecstatic"]))
            .sequence(counter_to)
            .sequence(owned_to)
            .table(users())]);
        diffed(from, to, hints())
    }

    /// A `serial` table renamed (hint): the table recipe leaves a view under the old name; its
    /// sequence and key are renamed and the default follows.
    pub fn pg_serial_table_renamed() -> PlanCase {
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

    // ------------------------------------------------------------ Postgres: add column

    pub fn pg_add_column_nullable() -> PlanCase {
        let (from, to) = pg_users(users().with(col("nickname", "character varying(40)")));
        diffed(from, to, hints())
    }

    pub fn pg_add_column_not_null_with_constant_default() -> PlanCase {
        let (from, to) = pg_users(
            users()
                .with(col("status", "text").not_null().default("'active'::text"))
                .with(
                    col("created_at", "timestamp with time zone")
                        .not_null()
                        .default("now()"),
                ),
        );
        diffed(from, to, hints())
    }

    /// A volatile default would rewrite the table: added nullable, filled, backfilled with the
    /// default's expression, then NOT NULL and the default in contract.
    pub fn pg_add_column_not_null_with_volatile_default() -> PlanCase {
        let (from, to) =
            pg_users(users().with(col("token", "uuid").not_null().default("gen_random_uuid()")));
        diffed(from, to, hints())
    }

    pub fn pg_add_column_not_null_with_backfill_hint() -> PlanCase {
        let (from, to) = pg_users(users().with(col("display_name", "text").not_null()));
        diffed(
            from,
            to,
            hints().backfill(PUBLIC, "users", "display_name", "coalesce(name, email)"),
        )
    }

    pub fn pg_add_column_not_null_without_value_refused() -> PlanCase {
        let (from, to) = pg_users(users().with(col("display_name", "text").not_null()));
        diffed(from, to, hints())
    }

    pub fn pg_add_column_backfill_walks_a_composite_key_by_its_first_column() -> PlanCase {
        let t = || {
            Table::new("memberships")
                .with(col("user_id", "bigint").not_null())
                .with(col("group_id", "bigint").not_null())
                .pk("memberships_pkey", &["user_id", "group_id"])
        };
        diffed(
            pg_public(vec![t()]),
            pg_public(vec![t().with(col("role", "text").not_null())]),
            hints().backfill("", "memberships", "role", "'member'"),
        )
    }

    pub fn pg_add_identity_and_generated_columns() -> PlanCase {
        let (from, to) = pg_users(
            users()
                .with(col("serial_no", "bigint").identity(IdentityGeneration::ByDefault))
                .with(
                    col("email_domain", "text").generated("split_part(email, '@'::text, 2)", true),
                ),
        );
        diffed(from, to, hints())
    }

    // ------------------------------------------------------------ Postgres: alter column

    pub fn pg_column_becomes_not_null_without_hint() -> PlanCase {
        let (from, to) = pg_users(users().replace("name", col("name", "text").not_null()));
        diffed(from, to, hints())
    }

    pub fn pg_column_becomes_not_null_with_backfill_hint() -> PlanCase {
        let (from, to) =
            pg_users(users().replace("name", col("name", "text").not_null().default("''::text")));
        diffed(
            from,
            to,
            hints().backfill(PUBLIC, "users", "name", "split_part(email, '@', 1)"),
        )
    }

    pub fn pg_column_becomes_not_null_with_hint_without_primary_key_refused() -> PlanCase {
        let t = |nullable: bool| {
            let mut c = col("note", "text");
            c.nullable = nullable;
            Table::new("log")
                .with(col("at", "timestamp with time zone"))
                .with(c)
        };
        diffed(
            pg_public(vec![t(true)]),
            pg_public(vec![t(false)]),
            hints().backfill("", "log", "note", "''"),
        )
    }

    pub fn pg_column_becomes_nullable() -> PlanCase {
        let (from, to) = pg_users(users().replace("email", col("email", "text")));
        diffed(from, to, hints())
    }

    pub fn pg_column_default_collation_and_cheap_type_changes() -> PlanCase {
        let t = |cols: Vec<Column>| cols.into_iter().fold(pg_table("items"), |t, c| t.with(c));
        let from = pg_public(vec![t(vec![
            col("code", "character varying(20)"),
            col("label", "character varying(20)").not_null(),
            col("price", "numeric(10,2)"),
            col("title", "text"),
            col("qty", "integer"),
        ])]);
        let to = pg_public(vec![t(vec![
            col("code", "character varying(50)"),
            col("label", "text").not_null(),
            col("price", "numeric(12,2)"),
            col("title", "text").collate("\"C\""),
            col("qty", "integer").default("1"),
        ])]);
        diffed(from, to, hints())
    }

    pub fn pg_type_change_through_shadow_column() -> PlanCase {
        let t = |ty: &str| pg_table("events").with(col("count", ty));
        diffed(
            pg_public(vec![t("integer")]),
            pg_public(vec![t("bigint")]),
            hints(),
        )
    }

    pub fn pg_type_change_with_using_hint_not_null_and_default() -> PlanCase {
        let from = pg_public(vec![
            pg_table("prices").with(col("amount", "text").not_null().default("'0'::text"))
        ]);
        let to = pg_public(vec![
            pg_table("prices").with(col("amount", "numeric(12,2)").not_null().default("0"))
        ]);
        diffed(
            from,
            to,
            hints().using(
                PUBLIC,
                "prices",
                "amount",
                "NULLIF(amount, '')::numeric(12,2)",
            ),
        )
    }

    pub fn pg_type_change_rebuilds_plain_indexes() -> PlanCase {
        let t = |ty: &str| {
            pg_table("orders")
                .with(col("customer_id", ty))
                .with(col("placed_at", "timestamp with time zone"))
                .index(pg_index("orders_customer_id_idx", &["customer_id"]))
                .index(
                    pg_index(
                        "orders_customer_id_placed_at_idx",
                        &["customer_id", "placed_at"],
                    )
                    .desc(1),
                )
                .index(pg_index("orders_placed_at_idx", &["placed_at"]).include(&["customer_id"]))
                .index(pg_index("orders_customer_id_key", &["customer_id"]).unique())
        };
        diffed(
            pg_public(vec![t("integer")]),
            pg_public(vec![t("bigint")]),
            hints(),
        )
    }

    pub fn pg_type_change_refused_for_expression_index() -> PlanCase {
        let t = |ty: &str| {
            pg_table("orders")
                .with(col("qty", ty))
                .index(index_with("btree", "orders_abs_qty_idx", &[]).expr("abs(qty)"))
        };
        diffed(
            pg_public(vec![t("integer")]),
            pg_public(vec![t("bigint")]),
            hints(),
        )
    }

    pub fn pg_type_change_refused_for_view() -> PlanCase {
        let db = |ty: &str| {
            pg(vec![public()
                .table(pg_table("orders").with(col("total", ty)))
                .view(view(
                    "big_orders",
                    " SELECT orders.id,\n    orders.total\n   FROM public.orders\n  WHERE (orders.total > 100);",
                ))])
        };
        diffed(db("integer"), db("bigint"), hints())
    }

    /// The checks are copied onto the shadow column (`NOT VALID`, validated) and take their
    /// names in the swap.
    pub fn pg_type_change_with_checks() -> PlanCase {
        let t = |ty: &str| {
            pg_table("orders")
                .with(col("total", ty))
                .check(check("orders_total_check", "(total >= 0)"))
        };
        diffed(
            pg_public(vec![t("integer")]),
            pg_public(vec![t("bigint")]),
            hints(),
        )
    }

    pub fn pg_rename_column_with_checks() -> PlanCase {
        let t = |c: &str| {
            pg_table("orders")
                .with(col(c, "integer").not_null())
                .with(col("floor", "integer"))
                .check(check("orders_qty_pos", &format!("({c} > 0)")))
                .check(check("orders_over_floor", &format!("({c} >= floor)")))
        };
        diffed(
            pg_public(vec![t("qty")]),
            pg_public(vec![t("quantity")]),
            hints().rename_column("public", "orders", "quantity", "qty"),
        )
    }

    pub fn pg_type_change_refused_without_primary_key() -> PlanCase {
        let t = |ty: &str| Table::new("readings").with(col("value", ty));
        diffed(
            pg_public(vec![t("integer")]),
            pg_public(vec![t("bigint")]),
            hints(),
        )
    }

    fn narrowed() -> (Database, Database) {
        let t = |ty: &str| pg_table("stats").with(col("hits", ty).not_null());
        (pg_public(vec![t("bigint")]), pg_public(vec![t("integer")]))
    }

    pub fn pg_lossy_type_change_refused() -> PlanCase {
        let (from, to) = narrowed();
        diffed(from, to, hints())
    }

    pub fn pg_lossy_type_change_allowed() -> PlanCase {
        let (from, to) = narrowed();
        diffed(from, to, hints()).destructive()
    }

    // ------------------------------------------------------------ Postgres: rename column

    pub fn pg_rename_column_nullable() -> PlanCase {
        let (from, to) = pg_users(users().replace("name", col("full_name", "text")));
        diffed(
            from,
            to,
            hints().rename_column(PUBLIC, "users", "full_name", "name"),
        )
    }

    pub fn pg_rename_column_not_null_with_default_and_indexes() -> PlanCase {
        let t = |c: &str| {
            pg_table("people")
                .with(col(c, "text").not_null().default("'anonymous'::text"))
                .with(col("born", "date"))
                .index(pg_index("people_handle_idx", &[c]))
                .index(pg_index("people_handle_born_idx", &[c, "born"]).unique())
                .index(pg_index("people_born_idx", &["born"]).include(&[c]))
        };
        diffed(
            pg_public(vec![t("nick")]),
            pg_public(vec![t("handle")]),
            hints().rename_column(PUBLIC, "people", "handle", "nick"),
        )
    }

    pub fn pg_rename_column_refused_for_foreign_key() -> PlanCase {
        let t = |c: &str| {
            pg_table("orders").with(col(c, "bigint")).fk(fk(
                "orders_customer_fkey",
                &[c],
                PUBLIC,
                "users",
                &["id"],
            ))
        };
        diffed(
            pg_public(vec![users(), t("client_id")]),
            pg_public(vec![users(), t("customer_id")]),
            hints().rename_column(PUBLIC, "orders", "customer_id", "client_id"),
        )
    }

    pub fn pg_rename_column_refused_for_opclass_index() -> PlanCase {
        let t = |c: &str| {
            pg_table("docs")
                .with(col(c, "text"))
                .index(pg_index("docs_slug_idx", &[c]).opclass(0, "text_pattern_ops"))
        };
        diffed(
            pg_public(vec![t("path")]),
            pg_public(vec![t("slug")]),
            hints().rename_column(PUBLIC, "docs", "slug", "path"),
        )
    }

    pub fn pg_rename_column_and_type_change_refused() -> PlanCase {
        let t = |c: Column| pg_table("counters").with(c);
        diffed(
            pg_public(vec![t(col("n", "integer"))]),
            pg_public(vec![t(col("total", "bigint"))]),
            hints().rename_column(PUBLIC, "counters", "total", "n"),
        )
    }

    pub fn pg_rename_table() -> PlanCase {
        let mut accounts = users();
        accounts.name = "accounts".into();
        accounts.primary_key = Some(primary_key("users_pkey", &["id"]));
        diffed(
            pg_public(vec![users()]),
            pg_public(vec![accounts]),
            hints().rename_table("", "accounts", "users"),
        )
    }

    // ------------------------------------------------------------ Postgres: indexes, keys

    pub fn pg_indexes_on_existing_table() -> PlanCase {
        let from = pg_public(vec![users()
            .index(pg_index("users_name_idx", &["name"]))
            .index(pg_index("users_old_idx", &["name", "email"]))]);
        let to = pg_public(vec![users()
            .index(pg_index("users_name_key", &["name"]))
            .index(
                pg_index("users_email_idx", &["email"])
                    .unique()
                    .predicate("(name IS NOT NULL)"),
            )
            .index(
                index_with("btree", "users_lower_email_idx", &[]).expr("lower(email)"),
            )]);
        diffed(from, to, hints())
    }

    /// Same name, new definition: the drop is contract, so the new index waits for it there.
    pub fn pg_index_replaced_under_the_same_name() -> PlanCase {
        let from = pg_public(vec![users().index(pg_index("users_email_idx", &["email"]))]);
        let to = pg_public(vec![
            users().index(pg_index("users_email_idx", &["email"]).unique())
        ]);
        diffed(from, to, hints())
    }

    pub fn pg_unique_and_primary_key_on_existing_tables() -> PlanCase {
        let keyless = || {
            Table::new("visits")
                .with(col("id", "bigint").not_null())
                .with(col("at", "timestamp with time zone"))
        };
        let mut email_key = unique("users_email_key", &["email"]);
        email_key.include = strings(&["name"]);
        email_key.nulls_not_distinct = true;
        let mut visits = keyless().pk("visits_pkey", &["id"]);
        visits.primary_key.as_mut().unwrap().deferrable = true;
        let from = pg_public(vec![users(), keyless()]);
        let to = pg_public(vec![users().unique(email_key), visits]);
        diffed(from, to, hints())
    }

    /// A key added to a table this plan creates (the diff declares keys inline; built by hand).
    pub fn pg_unique_and_primary_key_on_new_table() -> PlanCase {
        let tags = Table::new("tags")
            .with(col("id", "bigint").not_null())
            .with(col("slug", "text").not_null());
        let from = pg_public(vec![]);
        let to = pg_public(vec![tags
            .clone()
            .pk("tags_pkey", &["id"])
            .unique(unique("tags_slug_key", &["slug"]))]);
        let s = || PUBLIC.to_string();
        let changes = vec![
            Change::CreateTable {
                schema: s(),
                table: tags,
            },
            Change::AddPrimaryKey {
                schema: s(),
                table: "tags".into(),
                key: primary_key("tags_pkey", &["id"]),
            },
            Change::AddUnique {
                schema: s(),
                table: "tags".into(),
                unique: unique("tags_slug_key", &["slug"]),
            },
        ];
        PlanCase {
            from,
            to,
            hints: hints(),
            allow_destructive: false,
            changes,
        }
    }

    pub fn pg_check_and_foreign_key_on_existing_table() -> PlanCase {
        let orders = || {
            pg_table("orders")
                .with(col("user_id", "bigint"))
                .with(col("total", "numeric"))
        };
        let mut declared_not_valid = check("orders_user_check", "(user_id > 0)");
        declared_not_valid.validated = false;
        let mut cascade = fk(
            "orders_user_id_fkey",
            &["user_id"],
            PUBLIC,
            "users",
            &["id"],
        );
        cascade.on_delete = ReferentialAction::Cascade;
        let from = pg_public(vec![users(), orders()]);
        let to = pg_public(vec![
            users(),
            orders()
                .check(check("orders_total_check", "(total >= (0)::numeric)"))
                .check(declared_not_valid)
                .fk(cascade),
        ]);
        diffed(from, to, hints())
    }

    pub fn pg_check_replaced_under_the_same_name() -> PlanCase {
        let t = |expr: &str| {
            pg_table("orders")
                .with(col("total", "numeric"))
                .check(check("orders_total_check", expr))
        };
        diffed(
            pg_public(vec![t("(total >= (0)::numeric)")]),
            pg_public(vec![t("(total > (0)::numeric)")]),
            hints(),
        )
    }

    pub fn pg_validate_rename_and_exclusion_constraints() -> PlanCase {
        let t = || {
            pg_table("bookings")
                .with(col("room", "integer"))
                .with(col("during", "tstzrange"))
        };
        let mut pending = check("bookings_room_check", "(room > 0)");
        pending.validated = false;
        let from = pg_public(vec![t()
            .check(pending.clone())
            .unique(unique("bookings_room_uniq", &["room", "during"]))]);
        pending.validated = true;
        let to = pg_public(vec![t()
            .check(pending)
            .unique(unique("bookings_room_during_key", &["room", "during"]))
            .exclusion(
                "bookings_room_during_excl",
                "EXCLUDE USING gist (room WITH =, during WITH &&)",
            )]);
        diffed(from, to, hints())
    }

    // ------------------------------------------------------------ Postgres: drops

    fn everything_dropped() -> (Database, Database) {
        let legacy_seq = sequence("legacy_seq");
        let from = pg(vec![
            public()
                .extension(extension("hstore", "1.8"))
                .enum_type(enum_type("size", &["s", "m"]))
                .sequence(legacy_seq)
                .table(
                    users()
                        .with(col("legacy", "integer"))
                        .check(check("users_legacy_check", "(legacy > 0)"))
                        .index(pg_index("users_name_idx", &["name"])),
                )
                .table(pg_table("old_things"))
                .view(view("old_view", " SELECT 1 AS one;")),
            Schema::new("attic"),
        ]);
        let to = pg(vec![public().table(users())]);
        (from, to)
    }

    pub fn pg_drops_refused() -> PlanCase {
        let (from, to) = everything_dropped();
        diffed(from, to, hints())
    }

    pub fn pg_drops_allowed() -> PlanCase {
        let (from, to) = everything_dropped();
        diffed(from, to, hints()).destructive()
    }

    /// A dropped table's foreign keys are dropped first, on their own: its down re-creates the
    /// table and its indexes, the keys' downs add them back.
    pub fn pg_drop_table_with_its_keys() -> PlanCase {
        let sessions = pg_table("sessions")
            .with(col("user_id", "bigint").not_null())
            .with(col("token", "text").not_null().comment("opaque"))
            .unique(unique("sessions_token_key", &["token"]))
            .fk(fk(
                "sessions_user_id_fkey",
                &["user_id"],
                PUBLIC,
                "users",
                &["id"],
            ))
            .index(pg_index("sessions_user_id_idx", &["user_id"]));
        diffed(
            pg_public(vec![users(), sessions]),
            pg_public(vec![users()]),
            hints(),
        )
        .destructive()
    }

    // ------------------------------------------------------------ Postgres: enums, comments, options, views

    fn enum_db(values: &[&str]) -> Database {
        pg(vec![public().enum_type(enum_type("status", values)).table(
            pg_table("orders").with(
                user_col("status", PUBLIC, "status", UserTypeKind::Enum)
                    .not_null()
                    .default("'new'::public.status"),
            ),
        )])
    }

    /// New domains in expand (before the table using them); a new CHECK on an existing domain
    /// NOT VALID in expand, validated in contract; NOT NULL and dropped checks in contract; a
    /// domain made again (base type change) while unused, in expand.
    pub fn pg_domains() -> PlanCase {
        let (from, to) = domain_models();
        diffed(from, to, hints())
    }

    /// Partitioned tables on Postgres 15: a new partition attached online (plain table, CHECK
    /// matching its bound NOT VALID, VALIDATE, ATTACH, CHECK dropped) in expand; beside a
    /// DEFAULT partition with a hazard; an index on the parent ON ONLY, then each partition's
    /// CONCURRENTLY and attached; dropped partitions detached (CONCURRENTLY, or plainly where
    /// a DEFAULT partition exists) and dropped in contract; a new sub-partitioned table in
    /// plain DDL, parents first.
    pub fn pg_partitions() -> PlanCase {
        let (from, to) = partition_models("15.4");
        diffed(from, to, hints()).destructive()
    }

    /// Postgres 13 has no DETACH … CONCURRENTLY: a plain DETACH with its hazard.
    pub fn pg_partitions_on_13() -> PlanCase {
        let (from, to) = partition_models("13.12");
        diffed(from, to, hints()).destructive()
    }

    /// A plain table that becomes partitioned: refused, saying what to do instead.
    pub fn pg_table_partitioned_refused() -> PlanCase {
        let from = pg_public(vec![Table::new("t").with(col("at", "date"))]);
        let mut t = Table::new("t").with(col("at", "date"));
        t.partition = Some(Partitioning {
            key: Some("RANGE (at)".into()),
            of: None,
        });
        diffed(from, pg_public(vec![t]), hints())
    }

    pub fn pg_composite_and_range_types() -> PlanCase {
        let (from, to) = composite_models();
        diffed(from, to, hints()).destructive()
    }

    pub fn pg_enum_renames() -> PlanCase {
        let (from, to, hints) = enum_rename_models();
        diffed(from, to, hints)
    }

    /// A domain whose base type changes while a column uses it: Postgres cannot alter it.
    pub fn pg_domain_remade_refused_while_used() -> PlanCase {
        let db = |base: &str| {
            let mut s = public();
            s.domains = vec![domain("qty", base)];
            let mut c = col("n", "public.qty");
            c.data_type = user_type(PUBLIC, "qty", UserTypeKind::Domain);
            s.tables = vec![pg_table("items").with(c)];
            pg(vec![s])
        };
        diffed(db("integer"), db("bigint"), hints())
    }

    /// An attribute type change of a composite type a column uses: refused (Postgres refuses
    /// it too).
    pub fn pg_composite_attribute_type_refused_while_used() -> PlanCase {
        let db = |ty: &str| {
            let mut s = public();
            s.composites = vec![composite("pair", &[("a", ty), ("b", "text")])];
            let mut c = col("p", "public.pair");
            c.data_type = user_type(PUBLIC, "pair", UserTypeKind::Composite);
            s.tables = vec![pg_table("items").with(c)];
            pg(vec![s])
        };
        diffed(db("integer"), db("bigint"), hints())
    }

    pub fn pg_enum_value_removed_refused() -> PlanCase {
        diffed(
            enum_db(&["new", "paid", "void"]),
            enum_db(&["new", "paid"]),
            hints(),
        )
    }

    pub fn pg_enum_rebuilt() -> PlanCase {
        diffed(
            enum_db(&["new", "paid", "void"]),
            enum_db(&["new", "void", "paid"]),
            hints(),
        )
    }

    pub fn pg_comments_and_table_options() -> PlanCase {
        let from = pg_public(vec![users().opt("fillfactor", "100"), pg_table("cache")]);
        let to = pg_public(vec![
            users()
                .replace("email", col("email", "text").not_null().comment("login"))
                .comment("people")
                .opt("fillfactor", "80"),
            pg_table("cache").opt("persistence", "unlogged"),
        ]);
        diffed(from, to, hints())
    }

    /// A view over a table whose column changes is dropped and created again in expand; a view
    /// that goes away is dropped in contract; a kept materialized view's indexes change.
    pub fn pg_views_rebuilt_and_materialized_view_indexes() -> PlanCase {
        let people = |ty: &str| pg_table("people").with(col("name", ty));
        let orders = pg_table("orders").with(col("total", "numeric"));
        let names = view(
            "names",
            " SELECT people.id,\n    people.name\n   FROM public.people;",
        );
        let mut totals = view(
            "order_totals",
            " SELECT sum(orders.total) AS total\n   FROM public.orders;",
        );
        totals.materialized = true;
        totals.indexes = vec![pg_index("order_totals_total_idx", &["total"])];
        let mut totals_to = totals.clone();
        totals_to.indexes = vec![pg_index("order_totals_total_key", &["total"]).unique()];
        let from = pg(vec![public()
            .table(people("character varying(100)"))
            .table(orders.clone())
            .view(names.clone())
            .view(totals)
            .view(view("gone", " SELECT 1 AS one;"))]);
        let to = pg(vec![public()
            .table(people("character varying(200)"))
            .table(orders)
            .view(names)
            .view(totals_to)]);
        diffed(from, to, hints())
    }

    // ------------------------------------------------------------ MySQL / MariaDB

    /// `app.customers`: `id` (AUTO_INCREMENT primary key), `email varchar(255) NOT NULL`,
    /// `name varchar(100)`.
    fn customers() -> Table {
        my_table("customers")
            .with(my_str("email", "varchar(255)").not_null())
            .with(my_str("name", "varchar(100)"))
    }

    fn my_customers(t: Table) -> (Database, Database) {
        (mariadb(vec![customers()]), mariadb(vec![t]))
    }

    pub fn my_new_tables_with_foreign_key_and_fulltext() -> PlanCase {
        let orders = my_table("orders")
            .with(col("customer_id", "bigint unsigned").not_null())
            .with(my_str("note", "text").comment("free text"))
            .with(
                col("created_at", "datetime")
                    .not_null()
                    .default("current_timestamp()"),
            )
            .fk(my_fk(
                "orders_customer",
                &["customer_id"],
                "customers",
                &["id"],
            ))
            .index(my_index("orders_customer", &["customer_id"]))
            .index(index_with("FULLTEXT", "orders_note", &["note"]))
            .check(check("orders_created_check", "`created_at` > '2000-01-01'"))
            .comment("orders");
        diffed(
            mariadb(vec![customers()]),
            mariadb(vec![customers(), orders]),
            hints(),
        )
    }

    pub fn my_add_columns_instant_and_copy() -> PlanCase {
        let (from, to) = my_customers(
            customers()
                .with(col("visits", "int"))
                .with(col("score", "int").not_null().default("0"))
                .with(
                    col("seen_at", "datetime")
                        .not_null()
                        .default("current_timestamp()"),
                )
                .with(col("due", "date").default("(curdate() + interval 1 day)"))
                .with(col("score2", "int").generated("`score` * 2", true)),
        );
        diffed(from, to, hints())
    }

    pub fn my_add_column_not_null_with_expression_default() -> PlanCase {
        let (from, to) = my_customers(
            customers().with(my_str("token", "char(36)").not_null().default("uuid()")),
        );
        diffed(from, to, hints())
    }

    pub fn my_add_column_not_null_with_backfill_hint() -> PlanCase {
        let (from, to) =
            my_customers(customers().with(my_str("display_name", "varchar(200)").not_null()));
        diffed(
            from,
            to,
            hints().backfill(
                "",
                "customers",
                "display_name",
                "COALESCE(name, SUBSTRING_INDEX(`email`, '@', 1))",
            ),
        )
    }

    pub fn my_add_column_not_null_without_value_refused() -> PlanCase {
        let (from, to) =
            my_customers(customers().with(my_str("display_name", "varchar(200)").not_null()));
        diffed(from, to, hints())
    }

    pub fn my_add_column_backfill_walks_a_composite_key_by_its_first_column() -> PlanCase {
        let t = || {
            my_bare_table("memberships")
                .with(col("user_id", "bigint unsigned").not_null())
                .with(col("group_id", "bigint unsigned").not_null())
                .pk("PRIMARY", &["user_id", "group_id"])
        };
        diffed(
            mariadb(vec![t()]),
            mariadb(vec![t().with(my_str("role", "varchar(20)").not_null())]),
            hints().backfill(APP, "memberships", "role", "'member'"),
        )
    }

    pub fn my_add_auto_increment_column_with_its_key() -> PlanCase {
        let from = mariadb(vec![my_bare_table("logs").with(my_str("msg", "text"))]);
        let to = mariadb(vec![my_bare_table("logs")
            .with(col("id", "bigint unsigned").auto_increment())
            .with(my_str("msg", "text"))
            .pk("PRIMARY", &["id"])]);
        diffed(from, to, hints())
    }

    pub fn my_add_column_to_fulltext_table() -> PlanCase {
        let t = || {
            my_table("articles")
                .with(my_str("body", "text"))
                .index(index_with("FULLTEXT", "articles_body", &["body"]))
        };
        diffed(
            mariadb(vec![t()]),
            mariadb(vec![t()
                .with(col("views", "int"))
                .with(col("rank", "int").not_null())]),
            hints().backfill(APP, "articles", "rank", "0"),
        )
    }

    pub fn my_column_becomes_not_null_without_hint() -> PlanCase {
        let (from, to) =
            my_customers(customers().replace("name", my_str("name", "varchar(100)").not_null()));
        diffed(from, to, hints())
    }

    pub fn my_column_becomes_not_null_with_backfill_hint() -> PlanCase {
        let (from, to) = my_customers(customers().replace(
            "name",
            my_str("name", "varchar(100)").not_null().default("''"),
        ));
        diffed(
            from,
            to,
            hints().backfill(APP, "customers", "name", "SUBSTRING_INDEX(email, '@', 1)"),
        )
    }

    pub fn my_column_becomes_nullable() -> PlanCase {
        let (from, to) =
            my_customers(customers().replace("email", my_str("email", "varchar(255)")));
        diffed(from, to, hints())
    }

    pub fn my_instant_column_changes() -> PlanCase {
        let t = |cols: Vec<Column>| cols.into_iter().fold(my_table("items"), |t, c| t.with(c));
        let from = mariadb(vec![t(vec![
            col("qty", "int"),
            my_str("code", "varchar(20)"),
            my_str("state", "enum('new','done')"),
            col("weight", "int"),
        ])]);
        let to = mariadb(vec![t(vec![
            col("qty", "int").default("1"),
            my_str("code", "varchar(60)"),
            my_str("state", "enum('new','done','archived')"),
            col("weight", "int").comment("grams"),
        ])]);
        diffed(from, to, hints())
    }

    pub fn my_type_change_through_shadow_column() -> PlanCase {
        let t = |ty: &str| my_table("events").with(col("count", ty));
        diffed(mariadb(vec![t("int")]), mariadb(vec![t("bigint")]), hints())
    }

    pub fn my_type_change_with_using_hint_not_null_default_and_indexes() -> PlanCase {
        let t = |c: Column| {
            my_table("prices")
                .with(c)
                .with(col("currency", "char(3)").charset("ascii", "ascii_general_ci"))
                .index(my_index("prices_amount", &["amount"]))
                .index(my_index("prices_currency_amount", &["currency", "amount"]))
        };
        let from = mariadb(vec![t(my_str("amount", "varchar(20)")
            .not_null()
            .default("'0'"))]);
        let to = mariadb(vec![t(col("amount", "decimal(12,2)")
            .not_null()
            .default("0.00"))]);
        diffed(
            from,
            to,
            hints().using(
                APP,
                "prices",
                "amount",
                "CAST(NULLIF(amount, '') AS DECIMAL(12,2))",
            ),
        )
    }

    pub fn my_type_change_with_non_integer_primary_key() -> PlanCase {
        let t = |ty: &str| {
            my_bare_table("settings")
                .with(my_str("name", "varchar(64)").not_null())
                .with(col("value", ty))
                .pk("PRIMARY", &["name"])
        };
        diffed(mariadb(vec![t("int")]), mariadb(vec![t("bigint")]), hints())
    }

    pub fn my_type_change_refused_for_view() -> PlanCase {
        let db = |ty: &str| {
            my_db(
                MARIADB,
                vec![my_table("orders").with(col("total", ty))],
                vec![view(
                    "totals",
                    "select sum(`orders`.`total`) AS `total` from `orders`",
                )],
            )
        };
        diffed(db("int"), db("bigint"), hints())
    }

    /// On a table with a FULLTEXT index, adding or dropping a column needs `LOCK=SHARED`.
    pub fn my_type_change_on_fulltext_table() -> PlanCase {
        let t = |ty: &str| {
            my_table("posts")
                .with(my_str("body", "text"))
                .with(col("votes", ty))
                .index(index_with("FULLTEXT", "posts_body", &["body"]))
        };
        diffed(mariadb(vec![t("int")]), mariadb(vec![t("bigint")]), hints())
    }

    pub fn my_enum_reordered() -> PlanCase {
        let t =
            |ty: &str| my_table("tickets").with(my_str("state", ty).not_null().default("'open'"));
        diffed(
            mariadb(vec![t("enum('open','closed')")]),
            mariadb(vec![t("enum('closed','open')")]),
            hints(),
        )
    }

    pub fn my_enum_value_removed_refused() -> PlanCase {
        let t = |ty: &str| my_table("tickets").with(my_str("state", ty));
        diffed(
            mariadb(vec![t("enum('open','closed','void')")]),
            mariadb(vec![t("enum('open','closed')")]),
            hints(),
        )
    }

    pub fn my_rename_column_nullable() -> PlanCase {
        let (from, to) =
            my_customers(customers().replace("name", my_str("full_name", "varchar(100)")));
        diffed(
            from,
            to,
            hints().rename_column(APP, "customers", "full_name", "name"),
        )
    }

    pub fn my_rename_column_not_null_with_default_and_index() -> PlanCase {
        let t = |c: &str| {
            my_table("people")
                .with(my_str(c, "varchar(40)").not_null().default("'anonymous'"))
                .with(col("born", "date"))
                .index(my_index("people_handle", &[c]))
                .index(my_index("people_handle_born", &[c, "born"]).unique())
        };
        diffed(
            mariadb(vec![t("nick")]),
            mariadb(vec![t("handle")]),
            hints().rename_column(APP, "people", "handle", "nick"),
        )
    }

    /// `LOCK TABLES` names the tables the renamed column's table references and those
    /// referencing it (and the history table).
    pub fn my_rename_column_locks_foreign_key_neighbours() -> PlanCase {
        let orders = |c: &str| {
            my_table("orders")
                .with(col("customer_id", "bigint unsigned").not_null())
                .with(my_str(c, "varchar(200)"))
                .fk(my_fk(
                    "orders_customer",
                    &["customer_id"],
                    "customers",
                    &["id"],
                ))
                .index(my_index("orders_customer", &["customer_id"]))
        };
        let lines = my_table("lines")
            .with(col("order_id", "bigint unsigned").not_null())
            .fk(my_fk("lines_order", &["order_id"], "orders", &["id"]))
            .index(my_index("lines_order", &["order_id"]));
        diffed(
            mariadb(vec![customers(), orders("memo"), lines.clone()]),
            mariadb(vec![customers(), orders("note"), lines]),
            hints().rename_column(APP, "orders", "note", "memo"),
        )
    }

    /// MariaDB: the column keeps its identity and takes the new name in contract, inside its
    /// checks and index (adding a CHECK again would copy the table).
    pub fn my_rename_column_with_checks_in_place() -> PlanCase {
        let t = |c: &str| {
            my_table("orders")
                .with(col(c, "int").not_null())
                .check(check("orders_qty_pos", &format!("`{c}` > 0")))
                .index(my_index("orders_qty", &[c]))
        };
        diffed(
            mariadb(vec![t("qty")]),
            mariadb(vec![t("quantity")]),
            hints().rename_column(APP, "orders", "quantity", "qty"),
        )
    }

    /// In place, an index the plan adds on the new column would go with the shadow: refused.
    pub fn my_rename_column_with_checks_and_a_new_index_refused() -> PlanCase {
        let t = |c: &str| {
            my_table("orders")
                .with(col(c, "int").not_null())
                .check(check("orders_qty_pos", &format!("`{c}` > 0")))
        };
        diffed(
            mariadb(vec![t("qty")]),
            mariadb(vec![
                t("quantity").index(my_index("orders_quantity", &["quantity"]))
            ]),
            hints().rename_column(APP, "orders", "quantity", "qty"),
        )
    }

    pub fn my_rename_column_refused_for_foreign_key() -> PlanCase {
        let t = |c: &str| {
            my_table("orders")
                .with(col(c, "bigint unsigned"))
                .fk(my_fk("orders_customer", &[c], "customers", &["id"]))
                .index(my_index("orders_customer", &[c]))
        };
        diffed(
            mariadb(vec![customers(), t("client_id")]),
            mariadb(vec![customers(), t("customer_id")]),
            hints().rename_column(APP, "orders", "customer_id", "client_id"),
        )
    }

    pub fn my_rename_table() -> PlanCase {
        let mut accounts = customers();
        accounts.name = "accounts".into();
        diffed(
            mariadb(vec![customers()]),
            mariadb(vec![accounts]),
            hints().rename_table(APP, "accounts", "customers"),
        )
    }

    pub fn my_indexes_on_existing_table() -> PlanCase {
        let t = || customers().with(my_str("bio", "text"));
        let from = mariadb(vec![t()
            .index(my_index("customers_name", &["name"]))
            .index(my_index("customers_old", &["name", "email"]))
            .index(my_index("customers_email", &["email"]).comment("old"))]);
        let to = mariadb(vec![t()
            .index(my_index("customers_name_idx", &["name"]))
            .index(my_index("customers_email", &["email"]).comment("login lookups"))
            .index(my_index("customers_email_key", &["email"]).unique())
            .index(index_with("FULLTEXT", "customers_bio", &["bio"]))]);
        diffed(from, to, hints()).destructive()
    }

    pub fn my_index_replaced_under_foreign_key() -> PlanCase {
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
        diffed(
            mariadb(vec![
                customers(),
                t().index(my_index("payments_customer", &["customer_id"])),
            ]),
            mariadb(vec![
                customers(),
                t().index(my_index(
                    "payments_customer_created",
                    &["customer_id", "created_at"],
                )),
            ]),
            hints(),
        )
    }

    pub fn my_primary_keys_added() -> PlanCase {
        let visits = || {
            my_bare_table("visits")
                .with(col("id", "bigint unsigned").not_null())
                .with(col("at", "datetime"))
        };
        let searchable = || {
            my_bare_table("searchable")
                .with(col("id", "bigint unsigned").not_null())
                .with(my_str("body", "text"))
                .index(index_with("FULLTEXT", "searchable_body", &["body"]))
        };
        diffed(
            mariadb(vec![visits(), searchable()]),
            mariadb(vec![
                visits().pk("PRIMARY", &["id"]),
                searchable().pk("PRIMARY", &["id"]),
            ]),
            hints(),
        )
    }

    /// Keys, an index and a check added to a table this plan creates (the MySQL diff declares
    /// them inline; built by hand).
    pub fn my_keys_index_and_check_on_new_table() -> PlanCase {
        let tags = my_bare_table("tags")
            .with(col("id", "bigint unsigned").not_null())
            .with(my_str("slug", "varchar(64)").not_null())
            .with(col("uses", "int").not_null());
        let full = tags
            .clone()
            .pk("PRIMARY", &["id"])
            .index(my_index("tags_slug", &["slug"]).unique())
            .index(my_index("tags_uses", &["uses"]))
            .check(check("tags_uses_check", "`uses` >= 0"));
        let s = || APP.to_string();
        let t = || "tags".to_string();
        let changes = vec![
            Change::CreateTable {
                schema: s(),
                table: tags,
            },
            Change::AddPrimaryKey {
                schema: s(),
                table: t(),
                key: primary_key("PRIMARY", &["id"]),
            },
            Change::AddUnique {
                schema: s(),
                table: t(),
                unique: unique("tags_slug", &["slug"]),
            },
            Change::CreateIndex {
                schema: s(),
                table: t(),
                index: my_index("tags_uses", &["uses"]),
                online: false,
            },
            Change::AddCheck {
                schema: s(),
                table: t(),
                check: check("tags_uses_check", "`uses` >= 0"),
            },
        ];
        PlanCase {
            from: mariadb(vec![]),
            to: mariadb(vec![full]),
            hints: hints(),
            allow_destructive: false,
            changes,
        }
    }

    pub fn my_checks_added_and_renamed() -> PlanCase {
        let t = || customers().with(col("age", "int"));
        diffed(
            mariadb(vec![t().check(check("customers_age", "`age` >= 0"))]),
            mariadb(vec![t()
                .check(check("customers_age_check", "`age` >= 0"))
                .check(check("customers_email_check", "`email` like '%@%'"))]),
            hints(),
        )
        .destructive()
    }

    fn orders_fk_case(server: &str, key_type: &str) -> PlanCase {
        let orders = |with_fk: bool| {
            let t = my_bare_table("orders")
                .with(col("id", key_type).not_null())
                .with(col("customer_id", "bigint unsigned"))
                .pk("PRIMARY", &["id"])
                .index(my_index("orders_customer", &["customer_id"]));
            if with_fk {
                let mut f = my_fk("orders_customer", &["customer_id"], "customers", &["id"]);
                f.on_delete = ReferentialAction::SetNull;
                t.fk(f)
            } else {
                t
            }
        };
        diffed(
            my_db(server, vec![customers(), orders(false)], vec![]),
            my_db(server, vec![customers(), orders(true)], vec![]),
            hints(),
        )
    }

    pub fn my_foreign_key_on_mariadb() -> PlanCase {
        orders_fk_case(MARIADB, "bigint unsigned")
    }

    pub fn my_foreign_key_on_mariadb_without_integer_key() -> PlanCase {
        orders_fk_case(MARIADB, "char(26)")
    }

    /// MySQL proper: `foreign_key_checks` as a session variable around the ALTER, and the
    /// orphan check as a stored procedure (no `SET STATEMENT`, no `BEGIN NOT ATOMIC`).
    pub fn my_foreign_key_on_mysql_proper() -> PlanCase {
        orders_fk_case(MYSQL, "bigint unsigned")
    }

    /// MySQL proper: a non-deterministic default is set after ADD COLUMN and backfilled.
    pub fn my_add_columns_on_mysql_proper() -> PlanCase {
        let mut case = my_add_columns_instant_and_copy();
        let (from, to) = on_mysql_proper(case.from, case.to);
        let mut to = to;
        let t = &mut to.schemas[0].tables[0];
        t.columns
            .push(col("token", "varchar(36)").default("(uuid())"));
        case.changes = migrator_core::diff::diff_unchecked(&from, &to, &case.hints);
        PlanCase { from, to, ..case }
    }

    /// MySQL proper cannot rename a column a CHECK uses (ERROR 3959): refused with what to do.
    pub fn my_rename_checked_column_on_mysql_proper_refused() -> PlanCase {
        let t = |name: &str| {
            my_table("scores")
                .with(col(name, "int"))
                .check(check("scores_positive", &format!("(`{name}` > 0)")))
        };
        let (from, to) = on_mysql_proper(mariadb(vec![t("points")]), mariadb(vec![t("score")]));
        diffed(
            from,
            to,
            hints().rename_column(APP, "scores", "score", "points"),
        )
    }

    /// MySQL proper: an ENUM value appended to a column a CHECK uses. No shadow column can
    /// replace it (ERROR 3959) and MySQL validates a CHECK only by copying: one flagged copy.
    pub fn my_enum_append_under_a_check_on_mysql_proper() -> PlanCase {
        let t = |ty: &str| {
            my_table("posts")
                .with(col("status", ty).not_null())
                .with(col("published_at", "datetime"))
                .check(check(
                    "posts_published_has_date",
                    "((`status` <> 'published') or (`published_at` is not null))",
                ))
        };
        let (from, to) = on_mysql_proper(
            mariadb(vec![t("enum('draft','published')")]),
            mariadb(vec![t("enum('draft','published','archived')")]),
        );
        diffed(from, to, hints())
    }

    /// MySQL proper: a type change (shadow column) in a table with a CHECK reading an ENUM
    /// column. MySQL renames any column there only by copying the table (ERROR 1845 for INSTANT
    /// and INPLACE): the contract's name swap is a flagged copy.
    pub fn my_type_change_beside_an_enum_check_on_mysql_proper() -> PlanCase {
        let t = |ty: &str| {
            my_table("posts")
                .with(col("status", "enum('draft','published')").not_null())
                .with(col("published_at", "datetime"))
                .with(col("views", ty).not_null())
                .check(check(
                    "posts_published_has_date",
                    "((`status` <> 'published') or (`published_at` is not null))",
                ))
        };
        let (from, to) = on_mysql_proper(mariadb(vec![t("int")]), mariadb(vec![t("bigint")]));
        diffed(from, to, hints())
    }

    /// MySQL proper: VARCHAR growth in place (not instant), ENUM append and comment instant.
    pub fn my_alter_columns_on_mysql_proper() -> PlanCase {
        let case = my_instant_column_changes();
        let (from, to) = on_mysql_proper(case.from, case.to);
        PlanCase { from, to, ..case }
    }

    pub fn my_foreign_key_renamed() -> PlanCase {
        let t = |name: &str| {
            my_table("lines")
                .with(col("order_id", "bigint unsigned").not_null())
                .fk(my_fk(name, &["order_id"], "orders", &["id"]))
                .index(my_index(name, &["order_id"]))
        };
        diffed(
            mariadb(vec![my_table("orders"), t("lines_order")]),
            mariadb(vec![my_table("orders"), t("lines_order_fk")]),
            hints(),
        )
    }

    fn my_everything_dropped() -> (Database, Database) {
        let searchable = || {
            my_table("searchable")
                .with(my_str("body", "text"))
                .index(index_with("FULLTEXT", "searchable_body", &["body"]))
        };
        let from = my_db(
            MARIADB,
            vec![
                customers()
                    .with(col("legacy", "int"))
                    .check(check("customers_legacy", "`legacy` > 0"))
                    .index(my_index("customers_name", &["name"])),
                searchable().with(col("old", "int")),
                my_table("old_things"),
            ],
            vec![view("old_view", "select 1 AS `one`")],
        );
        let to = mariadb(vec![customers(), searchable()]);
        (from, to)
    }

    pub fn my_drops_refused() -> PlanCase {
        let (from, to) = my_everything_dropped();
        diffed(from, to, hints())
    }

    pub fn my_drops_allowed() -> PlanCase {
        let (from, to) = my_everything_dropped();
        diffed(from, to, hints()).destructive()
    }

    pub fn my_drop_auto_increment_primary_key() -> PlanCase {
        let from = mariadb(vec![my_table("counters").with(col("n", "int").not_null())]);
        let to = mariadb(vec![
            my_bare_table("counters").with(col("n", "int").not_null())
        ]);
        diffed(from, to, hints()).destructive()
    }

    pub fn my_table_options_and_comments() -> PlanCase {
        let from = mariadb(vec![customers(), my_table("cache")]);
        let to = mariadb(vec![
            customers()
                .replace(
                    "name",
                    my_str("name", "varchar(100)").comment("as they write it"),
                )
                .comment("people who buy"),
            my_table("cache").opt("engine", "Aria"),
        ]);
        diffed(from, to, hints())
    }

    fn my_routines_and_triggers_models() -> (Database, Database) {
        let f = |name: &str, body: &str| {
            Routine {
            name: name.into(),
            kind: RoutineKind::Function,
            arguments: "`p` int".into(),
            signature: String::new(),
            result: Some("int".into()),
            defaults: 0,
            definition: format!("CREATE FUNCTION `{name}`(`p` int) RETURNS int DETERMINISTIC CONTAINS SQL SQL SECURITY DEFINER {body}"),
            comment: None,
        }
        };
        let t = |name: &str, spec: &str, body: &str| Trigger {
            name: name.into(),
            table: "customers".into(),
            definition: format!(
                "CREATE TRIGGER `{name}` {spec} ON `customers` FOR EACH ROW {body}"
            ),
            enabled: TriggerEnabled::Enabled,
            constraint: false,
            comment: None,
            options: Options::new(),
        };
        let mut from = my_db(MARIADB, vec![customers()], vec![]);
        from.schemas[0].routines = vec![f("tax", "RETURN p * 2"), f("gone", "RETURN p")];
        from.schemas[0].triggers = vec![
            t("c_lower", "BEFORE INSERT", "SET NEW.name = lower(NEW.name)"),
            t("c_old", "AFTER DELETE", "SET @n = 1"),
        ];
        let mut to = my_db(MARIADB, vec![customers()], vec![]);
        to.schemas[0].routines = vec![f("tax", "RETURN p * 3"), f("fresh", "RETURN p + 1")];
        let mut upper = t("c_upper", "BEFORE INSERT", "SET NEW.name = upper(NEW.name)");
        upper.options.insert("follows".into(), "c_lower".into());
        to.schemas[0].triggers = vec![
            t(
                "c_lower",
                "BEFORE INSERT",
                "BEGIN SET NEW.name = lower(trim(NEW.name)); END",
            ),
            upper,
        ];
        from.canonicalize();
        to.canonicalize();
        (from, to)
    }

    /// MariaDB: routines and triggers created (in `FOLLOWS` order), replaced with `CREATE OR
    /// REPLACE`, dropped in contract.
    pub fn my_routines_and_triggers() -> PlanCase {
        let (from, to) = my_routines_and_triggers_models();
        diffed(from, to, hints())
    }

    /// MariaDB events and sequences: events created and altered in expand (after the column
    /// and sequence they read), dropped first in contract; a sequence created in expand before
    /// the column whose default calls it, dropped in contract; `event_scheduler` OFF on the
    /// server: the hazard.
    pub fn my_events_and_sequences() -> PlanCase {
        let (mut from, to, hints) = events_and_sequences_models();
        from.server_settings
            .insert("event_scheduler".into(), "OFF".into());
        PlanCase {
            allow_destructive: true,
            ..diffed(from, to, hints)
        }
    }

    /// Events on MySQL proper (scheduler ON: no hazard), without the sequences it has not.
    pub fn my_events_on_mysql_proper() -> PlanCase {
        let (mut from, mut to, hints) = events_and_sequences_models();
        from.schemas[0].sequences.clear();
        to.schemas[0].sequences.clear();
        to.schemas[0].tables = from.schemas[0].tables.clone();
        let (mut from, to) = on_mysql_proper(from, to);
        from.server_settings
            .insert("event_scheduler".into(), "ON".into());
        diffed(from, to, hints)
    }

    /// The same on MySQL proper: no `CREATE OR REPLACE`, so a changed routine or trigger is
    /// dropped and created, missing for an instant.
    pub fn my_routines_and_triggers_on_mysql_proper() -> PlanCase {
        let (from, to) = my_routines_and_triggers_models();
        let (from, to) = on_mysql_proper(from, to);
        diffed(from, to, hints())
    }

    pub fn my_views() -> PlanCase {
        let names = |def: &str| view("names", def);
        let from = my_db(
            MARIADB,
            vec![customers()],
            vec![
                names("select `customers`.`name` AS `name` from `customers`"),
                view("gone", "select 1 AS `one`"),
            ],
        );
        let mut emails = view(
            "emails",
            "select `customers`.`email` AS `email` from `customers`",
        );
        emails.options.insert("security".into(), "invoker".into());
        let to = my_db(
            MARIADB,
            vec![customers()],
            vec![
                emails,
                names(
                    "select `customers`.`id` AS `id`,`customers`.`name` AS `name` from `customers`",
                ),
            ],
        );
        diffed(from, to, hints()).destructive()
    }

    /// Events on Postgres: the whole plan is refused, naming the event.
    /// MySQL partitioning (see `my_partition_models`), drops allowed: the dropped partition in
    /// contract, additions and widening reorganizations in expand.
    pub fn my_partitions() -> PlanCase {
        let (from, to) = my_partition_models();
        diffed(from, to, hints()).destructive()
    }

    pub fn my_partitions_on_mysql_proper() -> PlanCase {
        let (from, to) = my_partition_models();
        let (from, to) = on_mysql_proper(from, to);
        diffed(from, to, hints()).destructive()
    }

    /// MySQL partitioning on Postgres: refused.
    pub fn pg_plan_refuses_mysql_partitioning() -> PlanCase {
        let db = pg_public(vec![]);
        PlanCase {
            from: db.clone(),
            to: db,
            hints: hints(),
            allow_destructive: false,
            changes: vec![Change::AlterPartitioning {
                schema: PUBLIC.into(),
                table: "t".into(),
                from: None,
                to: Some(my_partitioning("HASH", "`id`", &[("p0", None)])),
                keep_rows: false,
            }],
        }
    }

    pub fn pg_plan_refuses_events() -> PlanCase {
        let db = pg_public(vec![]);
        let e = my_event("purge", "DELETE FROM t");
        let mut f = e.clone();
        f.comment = Some("c".into());
        PlanCase {
            from: db.clone(),
            to: db,
            hints: hints(),
            allow_destructive: false,
            changes: vec![
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
        }
    }

    /// Changes the MySQL renderer refuses make the whole plan fail (built by hand: the MySQL
    /// diff never produces them).
    pub fn my_plan_refuses_what_mysql_cannot_express() -> PlanCase {
        let db = mariadb(vec![customers()]);
        let changes = vec![
            Change::Comment {
                target: CommentTarget::Table {
                    schema: APP.into(),
                    table: "customers".into(),
                },
                comment: Some("fine".into()),
            },
            Change::RenameSequence {
                schema: APP.into(),
                from: "invoice_no".into(),
                to: "ticket_no".into(),
            },
        ];
        PlanCase {
            from: db.clone(),
            to: db,
            hints: hints(),
            allow_destructive: false,
            changes,
        }
    }
}

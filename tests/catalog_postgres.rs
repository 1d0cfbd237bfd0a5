//! Postgres catalog introspection against a real server.
//!
//! The server comes from `MIGRATOR_TEST_PG_URL` (e.g. `postgres://postgres:pw@127.0.0.1:5432/postgres`).
//! Unset: the tests print "skipping" and pass — except under `CI=true`, where they fail.
//! Every test creates its own database and drops it at the end.

use migrator_core::catalog::postgres::PgVersion;
use migrator_core::catalog::{Inspector, PostgresInspector};
use migrator_core::schema::*;
use migrator_core::DatabaseUrl;

/// The server URL, or `None` (skip) when not configured outside CI.
fn server_url() -> Option<DatabaseUrl> {
    match std::env::var("MIGRATOR_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => {
            Some(DatabaseUrl::parse(&url).expect("MIGRATOR_TEST_PG_URL is not a valid URL"))
        }
        _ if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true")) => {
            panic!("MIGRATOR_TEST_PG_URL is not set, and CI=true: the Postgres tests must run")
        }
        _ => {
            eprintln!("skipping: MIGRATOR_TEST_PG_URL is not set");
            None
        }
    }
}

/// A database of its own for one test, on the test server; dropped when the value goes out
/// of scope (also when the test panics).
struct TestDb {
    server: DatabaseUrl,
    name: String,
    url: DatabaseUrl,
    client: Option<tokio_postgres::Client>,
}

impl TestDb {
    async fn create(tag: &str) -> Option<TestDb> {
        let server = server_url()?;
        let name = format!("catalog_{tag}_{:08x}", rand::random::<u32>());
        let admin = migrator_core::connect::postgres(&server, "migrator-tests")
            .await
            .expect("connect to the test server");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("CREATE DATABASE");
        let url = server.with_database(&name);
        let client = migrator_core::connect::postgres(&url, "migrator-tests")
            .await
            .expect("connect to the test database");
        Some(TestDb {
            server,
            name,
            url,
            client: Some(client),
        })
    }

    fn client(&self) -> &tokio_postgres::Client {
        self.client.as_ref().expect("open")
    }

    async fn load(&self, ddl: &str) {
        if let Err(e) = self.client().batch_execute(ddl).await {
            panic!(
                "loading DDL failed: {}",
                migrator_core::connect::pg_error_text(&e)
            );
        }
    }

    async fn server_version(&self) -> i32 {
        let row = self
            .client()
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .await
            .expect("server version");
        row.get(0)
    }

    /// Inspects `schemas` (all when empty) through a fresh inspector connection.
    async fn inspect(&self, schemas: &[&str]) -> Database {
        let mut inspector = PostgresInspector::connect(&self.url)
            .await
            .expect("connect");
        let schemas: Vec<String> = schemas.iter().map(|s| s.to_string()).collect();
        inspector.inspect(&schemas).await.expect("inspect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.client.take();
        let server = self.server.clone();
        let name = self.name.clone();
        // Drop may run inside the test's runtime (or while panicking): use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let admin = migrator_core::connect::postgres(&server, "migrator-tests").await?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .map_err(|e| migrator_core::Error::db("DROP DATABASE", e))
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

fn schema<'a>(db: &'a Database, name: &str) -> &'a Schema {
    db.schema(name).unwrap_or_else(|| {
        let names: Vec<_> = db.schemas.iter().map(|s| &s.name).collect();
        panic!("no schema {name:?}; have {names:?}")
    })
}

fn table<'a>(db: &'a Database, schema_name: &str, name: &str) -> &'a Table {
    let s = schema(db, schema_name);
    s.table(name).unwrap_or_else(|| {
        let names: Vec<_> = s.tables.iter().map(|t| &t.name).collect();
        panic!("no table {schema_name}.{name:?}; have {names:?}")
    })
}

fn column<'a>(t: &'a Table, name: &str) -> &'a Column {
    t.column(name)
        .unwrap_or_else(|| panic!("no column {}.{name}", t.name))
}

fn index<'a>(t: &'a Table, name: &str) -> &'a Index {
    t.index(name).unwrap_or_else(|| {
        let names: Vec<_> = t.indexes.iter().map(|i| &i.name).collect();
        panic!("no index {name} on {}; have {names:?}", t.name)
    })
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&str> {
    items.iter().map(name).collect()
}

fn col(name: &str) -> IndexKey {
    IndexKey::Column(name.into())
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A realistic shop: everything the model describes, plus things it must leave out.
const SHOP: &str = r#"
CREATE EXTENSION citext;
CREATE EXTENSION pg_trgm;
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'the store';
CREATE TYPE shop.order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');
COMMENT ON TYPE shop.order_status IS 'order lifecycle';
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN shop.positive_int AS integer CHECK (VALUE > 0);

CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5 CACHE 10),
    email citext NOT NULL,
    name varchar(200) COLLATE "C" NOT NULL,
    referred_by bigint REFERENCES shop.customers (id) ON DELETE SET NULL,
    tags text[] DEFAULT '{}',
    mood mood,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE shop.customers IS 'People who buy things';
COMMENT ON COLUMN shop.customers.email IS 'login, case-insensitive';
CREATE UNIQUE INDEX customers_email_active ON shop.customers (email) WHERE created_at > '2020-01-01';
CREATE INDEX customers_lower_name ON shop.customers (lower(name::text));
CREATE INDEX customers_created ON shop.customers (created_at DESC NULLS LAST) INCLUDE (name);
CREATE INDEX customers_name_trgm ON shop.customers USING gin (name gin_trgm_ops);
COMMENT ON INDEX shop.customers_created IS 'recent first';
ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY customers_all ON shop.customers USING (true);
CREATE POLICY customers_tenant ON shop.customers AS RESTRICTIVE FOR UPDATE TO pg_signal_backend, pg_monitor
    USING (name = current_setting('app.tenant', true)) WITH CHECK (mood IS NOT NULL);
COMMENT ON POLICY customers_tenant ON shop.customers IS 'one tenant';
CREATE POLICY customers_insert ON shop.customers FOR INSERT TO pg_monitor WITH CHECK (id > 0);

CREATE TABLE shop.products (
    sku varchar(32) PRIMARY KEY,
    title text NOT NULL,
    price numeric(10,2) NOT NULL CHECK (price >= 0),
    qty shop.positive_int,
    price_with_vat numeric GENERATED ALWAYS AS (price * 1.2) STORED
) WITH (fillfactor = 80);
ALTER TABLE shop.products ADD CONSTRAINT title_not_empty CHECK (title <> '') NOT VALID;

CREATE SEQUENCE shop.invoice_no AS integer START 1000 INCREMENT 2 MINVALUE 10 MAXVALUE 999999 CACHE 5 CYCLE;
CREATE SEQUENCE shop.loose_seq;
CREATE TABLE shop.orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL,
    status shop.order_status NOT NULL DEFAULT 'pending',
    invoice integer DEFAULT nextval('shop.invoice_no'),
    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES shop.customers (id)
        ON DELETE CASCADE ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (customer_id, invoice)
);
ALTER SEQUENCE shop.invoice_no OWNED BY shop.orders.invoice;

CREATE TABLE shop.order_items (
    order_id integer REFERENCES shop.orders ON DELETE CASCADE,
    line int4,
    sku varchar(32),
    quantity integer NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, line)
);
ALTER TABLE shop.order_items
    ADD CONSTRAINT order_items_sku_fkey FOREIGN KEY (sku) REFERENCES shop.products (sku) NOT VALID;
COMMENT ON CONSTRAINT order_items_sku_fkey ON shop.order_items IS 'checked later';

CREATE VIEW shop.order_totals AS
    SELECT o.id, count(*) AS n FROM shop.orders o JOIN shop.order_items i ON i.order_id = o.id GROUP BY o.id;
COMMENT ON VIEW shop.order_totals IS 'totals';
CREATE MATERIALIZED VIEW shop.daily AS
    SELECT date_trunc('day', created_at) AS day, count(*) AS n FROM shop.customers GROUP BY 1;
CREATE UNIQUE INDEX daily_day ON shop.daily (day);

CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.created_at := now(); RETURN NEW; END $$;
CREATE TRIGGER customers_touch BEFORE UPDATE ON shop.customers FOR EACH ROW EXECUTE FUNCTION shop.touch();

CREATE TABLE "MixedCase" ("Id" int PRIMARY KEY, "Some Col" text, "lower" text);
CREATE INDEX "Mixed_Idx" ON "MixedCase" ("Some Col", "lower");
CREATE TABLE """; DROP TABLE x; --" (a int);
CREATE TABLE public.categories (
    id int PRIMARY KEY,
    parent_id int REFERENCES public.categories (id),
    name text NOT NULL
);

-- migrator's own bookkeeping: never part of the model.
CREATE TABLE migrator_history (version text PRIMARY KEY);
CREATE TABLE migrator_backfill_progress (id int);
CREATE FUNCTION migrator_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER migrator_sync_trg BEFORE INSERT ON shop.orders FOR EACH ROW EXECUTE FUNCTION migrator_sync();
"#;

#[tokio::test]
async fn ecommerce_schema_is_introspected() {
    let Some(t) = TestDb::create("shop").await else {
        return;
    };
    t.load(SHOP).await;
    let db = t.inspect(&[]).await;
    if std::env::var("MIGRATOR_TEST_DUMP").is_ok() {
        println!("{}", serde_json::to_string_pretty(&db).unwrap());
    }
    assert_eq!(db.dialect, migrator_core::Dialect::Postgres);
    assert_eq!(names(&db.schemas, |s| &s.name), ["public", "shop"]);

    // public: extensions listed, their objects not; migrator's own tables and functions hidden;
    // hostile and mixed-case names come back verbatim.
    let public = schema(&db, "public");
    assert_eq!(public.comment.as_deref(), Some("standard public schema"));
    assert_eq!(
        names(&public.extensions, |e| &e.name),
        ["citext", "pg_trgm"]
    );
    assert!(public.extensions.iter().all(|e| !e.version.is_empty()));
    assert_eq!(
        names(&public.tables, |t| &t.name),
        ["\"; DROP TABLE x; --", "MixedCase", "categories"]
    );
    assert!(
        public.unmanaged.is_empty(),
        "extension functions / types and migrator_sync() must not be listed: {:?}",
        public.unmanaged
    );
    assert_eq!(names(&public.enums, |e| &e.name), ["mood"]);
    assert_eq!(public.enums[0].values, ["sad", "ok", "happy"]);

    let mixed = table(&db, "public", "MixedCase");
    assert_eq!(
        names(&mixed.columns, |c| &c.name),
        ["Id", "Some Col", "lower"]
    );
    assert_eq!(mixed.primary_key.as_ref().unwrap().name, "MixedCase_pkey");
    assert_eq!(mixed.primary_key.as_ref().unwrap().columns, ["Id"]);
    let mixed_idx = index(mixed, "Mixed_Idx");
    assert_eq!(
        mixed_idx
            .parts
            .iter()
            .map(|p| p.key.clone())
            .collect::<Vec<_>>(),
        [col("Some Col"), col("lower")]
    );
    let hostile = table(&db, "public", "\"; DROP TABLE x; --");
    assert_eq!(names(&hostile.columns, |c| &c.name), ["a"]);

    // Self-referencing foreign key.
    let categories = table(&db, "public", "categories");
    let fk = &categories.foreign_keys[0];
    assert_eq!(fk.name, "categories_parent_id_fkey");
    assert_eq!(
        (fk.ref_schema.as_str(), fk.ref_table.as_str()),
        ("public", "categories")
    );
    assert_eq!(
        (fk.columns.clone(), fk.ref_columns.clone()),
        (strings(&["parent_id"]), strings(&["id"]))
    );
    assert_eq!(fk.on_delete, ReferentialAction::NoAction);

    let shop = schema(&db, "shop");
    assert_eq!(shop.comment.as_deref(), Some("the store"));
    assert_eq!(
        names(&shop.tables, |t| &t.name),
        ["customers", "order_items", "orders", "products"]
    );

    // customers: identity, extension type, collation, array, enum from another schema.
    let customers = table(&db, "shop", "customers");
    assert_eq!(customers.comment.as_deref(), Some("People who buy things"));
    assert_eq!(
        names(&customers.columns, |c| &c.name),
        [
            "id",
            "email",
            "name",
            "referred_by",
            "tags",
            "mood",
            "created_at"
        ]
    );
    let id = column(customers, "id");
    assert_eq!(id.data_type, ColumnType::builtin("bigint"));
    assert!(!id.nullable);
    assert_eq!(id.default, None);
    assert_eq!(
        id.identity,
        Some(Identity {
            generation: IdentityGeneration::Always,
            start: 100,
            increment: 5,
            min: 1,
            max: i64::MAX,
            cache: 10,
            cycle: false,
        })
    );
    let email = column(customers, "email");
    assert_eq!(email.data_type.name, "public.citext");
    assert_eq!(
        email.data_type.user_type,
        Some(UserType {
            schema: "public".into(),
            name: "citext".into(),
            kind: UserTypeKind::Base,
        })
    );
    assert_eq!(email.comment.as_deref(), Some("login, case-insensitive"));
    let name = column(customers, "name");
    assert_eq!(name.data_type.name, "character varying(200)");
    assert_eq!(name.collation.as_deref(), Some("\"C\""));
    assert_eq!(column(customers, "email").collation, None);
    let tags = column(customers, "tags");
    assert_eq!(tags.data_type.name, "text[]");
    assert!(tags.data_type.array);
    assert_eq!(tags.data_type.user_type, None);
    assert_eq!(tags.default.as_deref(), Some("'{}'::text[]"));
    let mood = column(customers, "mood");
    assert_eq!(mood.data_type.name, "public.mood");
    assert_eq!(
        mood.data_type.user_type.as_ref().unwrap().kind,
        UserTypeKind::Enum
    );
    let created = column(customers, "created_at");
    assert_eq!(created.data_type.name, "timestamp with time zone");
    assert_eq!(created.default.as_deref(), Some("now()"));
    assert_eq!(
        customers.options.get("row_security").map(String::as_str),
        Some("enabled")
    );
    let pk = customers.primary_key.as_ref().unwrap();
    assert_eq!(
        (pk.name.as_str(), pk.columns.clone()),
        ("customers_pkey", strings(&["id"]))
    );
    // Self-referencing, ON DELETE SET NULL.
    let fk = customers
        .foreign_keys
        .iter()
        .find(|f| f.name == "customers_referred_by_fkey")
        .unwrap();
    assert_eq!(
        (fk.ref_schema.as_str(), fk.ref_table.as_str()),
        ("shop", "customers")
    );
    assert_eq!(fk.on_delete, ReferentialAction::SetNull);
    assert!(fk.validated && !fk.deferrable);

    // Indexes: the primary key's index is described by the key, not listed.
    assert_eq!(
        names(&customers.indexes, |i| &i.name),
        [
            "customers_created",
            "customers_email_active",
            "customers_lower_name",
            "customers_name_trgm"
        ]
    );
    let created_idx = index(customers, "customers_created");
    assert_eq!(created_idx.method, "btree");
    assert!(!created_idx.unique && created_idx.valid);
    assert_eq!(created_idx.parts.len(), 1);
    assert_eq!(created_idx.parts[0].key, col("created_at"));
    assert!(
        created_idx.parts[0].desc && !created_idx.parts[0].nulls_first,
        "DESC NULLS LAST"
    );
    assert_eq!(created_idx.include, ["name"]);
    assert_eq!(created_idx.comment.as_deref(), Some("recent first"));
    let partial = index(customers, "customers_email_active");
    assert!(partial.unique);
    assert_eq!(
        partial.predicate.as_deref(),
        Some("(created_at > '2020-01-01 00:00:00+00'::timestamp with time zone)")
    );
    let expr = index(customers, "customers_lower_name");
    assert_eq!(
        expr.parts[0].key,
        IndexKey::Expr("lower((name)::text)".into())
    );
    let trgm = index(customers, "customers_name_trgm");
    assert_eq!(trgm.method, "gin");
    assert_eq!(
        trgm.parts[0].opclass.as_deref(),
        Some("public.gin_trgm_ops")
    );
    assert_eq!(created_idx.parts[0].opclass, None);

    // products: generated column, domain, checks (one NOT VALID), storage parameter.
    let products = table(&db, "shop", "products");
    let vat = column(products, "price_with_vat");
    assert_eq!(
        vat.generated,
        Some(Generated {
            expr: "(price * 1.2)".into(),
            stored: true
        })
    );
    assert_eq!(vat.default, None);
    assert_eq!(column(products, "price").data_type.name, "numeric(10,2)");
    let qty = column(products, "qty");
    assert_eq!(qty.data_type.name, "shop.positive_int");
    assert_eq!(
        qty.data_type.user_type.as_ref().unwrap().kind,
        UserTypeKind::Domain
    );
    assert_eq!(
        names(&products.checks, |c| &c.name),
        ["products_price_check", "title_not_empty"]
    );
    let price_check = products.check("products_price_check").unwrap();
    assert_eq!(price_check.expr, "(price >= (0)::numeric)");
    assert!(price_check.validated);
    let not_valid = products.check("title_not_empty").unwrap();
    assert_eq!(not_valid.expr, "(title <> ''::text)");
    assert!(!not_valid.validated, "NOT VALID check");
    assert_eq!(
        products.options.get("fillfactor").map(String::as_str),
        Some("80")
    );

    // orders: serial, enum default, deferrable FK with actions, unique constraint.
    let orders = table(&db, "shop", "orders");
    assert_eq!(
        column(orders, "id").default.as_deref(),
        Some("nextval('shop.orders_id_seq'::regclass)")
    );
    assert_eq!(column(orders, "id").data_type.name, "integer");
    assert_eq!(
        column(orders, "status").default.as_deref(),
        Some("'pending'::shop.order_status")
    );
    let fk = orders.foreign_key("orders_customer_fk").unwrap();
    assert_eq!(fk.on_delete, ReferentialAction::Cascade);
    assert_eq!(fk.on_update, ReferentialAction::Restrict);
    assert!(fk.deferrable && fk.initially_deferred && fk.validated && !fk.match_full);
    assert_eq!(
        orders.uniques,
        [Unique {
            name: "orders_customer_id_invoice_key".into(),
            columns: strings(&["customer_id", "invoice"]),
            include: vec![],
            nulls_not_distinct: false,
            deferrable: false,
            initially_deferred: false,
            comment: None,
        }]
    );
    assert!(orders.indexes.is_empty(), "{:?}", orders.indexes);

    // order_items: composite key, ON DELETE CASCADE, NOT VALID FK with a comment.
    let items = table(&db, "shop", "order_items");
    assert_eq!(
        items.primary_key.as_ref().unwrap().columns,
        ["order_id", "line"]
    );
    assert_eq!(column(items, "line").data_type.name, "integer");
    let cascade = items.foreign_key("order_items_order_id_fkey").unwrap();
    assert_eq!(cascade.on_delete, ReferentialAction::Cascade);
    assert_eq!(
        (cascade.ref_table.as_str(), cascade.ref_columns.clone()),
        ("orders", strings(&["id"]))
    );
    let unvalidated = items.foreign_key("order_items_sku_fkey").unwrap();
    assert!(!unvalidated.validated);
    assert_eq!(unvalidated.comment.as_deref(), Some("checked later"));

    // Sequences: serial and OWNED BY ones, not the identity one.
    assert_eq!(
        names(&shop.sequences, |s| &s.name),
        ["invoice_no", "loose_seq", "orders_id_seq"]
    );
    assert_eq!(
        shop.sequence("invoice_no").unwrap(),
        &Sequence {
            name: "invoice_no".into(),
            data_type: "integer".into(),
            start: 1000,
            increment: 2,
            min: 10,
            max: 999999,
            cache: 5,
            cycle: true,
            owned_by: Some(SequenceOwner {
                table: "orders".into(),
                column: "invoice".into()
            }),
            comment: None,
        }
    );
    assert_eq!(shop.sequence("loose_seq").unwrap().owned_by, None);
    assert_eq!(shop.sequence("loose_seq").unwrap().data_type, "bigint");
    assert_eq!(
        shop.sequence("orders_id_seq").unwrap().owned_by,
        Some(SequenceOwner {
            table: "orders".into(),
            column: "id".into()
        })
    );

    // Views.
    assert_eq!(names(&shop.views, |v| &v.name), ["daily", "order_totals"]);
    let totals = shop.view("order_totals").unwrap();
    assert!(!totals.materialized);
    assert_eq!(totals.comment.as_deref(), Some("totals"));
    assert!(
        totals.definition.contains("FROM (shop.orders o"),
        "{}",
        totals.definition
    );
    let daily = shop.view("daily").unwrap();
    assert!(daily.materialized);
    assert_eq!(names(&daily.indexes, |i| &i.name), ["daily_day"]);
    assert!(daily.indexes[0].unique);
    assert_eq!(daily.indexes[0].parts[0].key, col("day"));

    // Enums.
    let status = shop.enum_type("order_status").unwrap();
    assert_eq!(status.values, ["pending", "paid", "shipped", "cancelled"]);
    assert_eq!(status.comment.as_deref(), Some("order lifecycle"));

    // Routines and triggers are modelled; not migrator's trigger on orders.
    assert_eq!(
        names(&shop.routines, |r| &r.name),
        ["touch"],
        "{:?}",
        shop.routines
    );
    assert_eq!(
        names(&shop.triggers, |t| &t.name),
        ["customers_touch"],
        "{:?}",
        shop.triggers
    );
    // Domains are modelled.
    let positive = shop.domain("positive_int").unwrap();
    assert_eq!(positive.base.name, "integer");
    assert_eq!(positive.checks.len(), 1);
    assert_eq!(positive.checks[0].expr, "(VALUE > 0)");

    // Policies are modelled (roles sorted, `PUBLIC` by default, expressions as the server
    // prints them), not listed as unmanaged.
    assert_eq!(shop.unmanaged, []);
    assert_eq!(
        shop.policies,
        [
            Policy {
                name: "customers_all".into(),
                table: "customers".into(),
                permissive: true,
                command: PolicyCommand::All,
                roles: vec!["PUBLIC".into()],
                using: Some("true".into()),
                check: None,
                comment: None,
            },
            Policy {
                name: "customers_insert".into(),
                table: "customers".into(),
                permissive: true,
                command: PolicyCommand::Insert,
                roles: vec!["pg_monitor".into()],
                using: None,
                check: Some("(id > 0)".into()),
                comment: None,
            },
            Policy {
                name: "customers_tenant".into(),
                table: "customers".into(),
                permissive: false,
                command: PolicyCommand::Update,
                roles: vec!["pg_monitor".into(), "pg_signal_backend".into()],
                using: Some("((name)::text = current_setting('app.tenant'::text, true))".into()),
                check: Some("(mood IS NOT NULL)".into()),
                comment: Some("one tenant".into()),
            },
        ]
    );

    // The model serializes; a column's type is under "type".
    let json = serde_json::to_value(&db).unwrap();
    assert_eq!(
        json["schemas"][1]["tables"][0]["columns"][0]["type"]["name"],
        "bigint"
    );
}

#[tokio::test]
async fn same_ddl_in_two_databases_gives_equal_models() {
    let Some(a) = TestDb::create("eq_a").await else {
        return;
    };
    let Some(b) = TestDb::create("eq_b").await else {
        return;
    };
    a.load(SHOP).await;
    b.load(SHOP).await;
    let (ma, mb) = (a.inspect(&[]).await, b.inspect(&[]).await);
    assert_eq!(ma, mb);
    assert_eq!(
        serde_json::to_string(&ma).unwrap(),
        serde_json::to_string(&mb).unwrap()
    );
    // Inspecting twice gives the same model too.
    assert_eq!(ma, a.inspect(&[]).await);
    // A subset gives the same schema.
    let only_shop = a.inspect(&["shop"]).await;
    assert_eq!(only_shop.schemas.len(), 1);
    assert_eq!(&only_shop.schemas[0], schema(&ma, "shop"));
}

/// NOT NULL and generated columns give one model on Postgres 13 to 18, although 18 catalogs NOT
/// NULL as named constraints too (kept under their old names by a rename) and has virtual
/// generated columns; the inspector records the version it read.
#[tokio::test]
async fn not_null_constraints_and_generated_kinds_give_one_model_on_every_version() {
    let Some(a) = TestDb::create("nn_a").await else {
        return;
    };
    let Some(b) = TestDb::create("nn_b").await else {
        return;
    };
    let version = PgVersion::from_num(a.server_version().await as u32);
    // a: created under other names, then renamed; b: created with the final names.
    a.load(
        "CREATE TABLE clients (id int GENERATED ALWAYS AS IDENTITY, \
             name text CONSTRAINT name_required NOT NULL, code int NOT NULL, note text, \
             CONSTRAINT pk PRIMARY KEY (id));
         ALTER TABLE clients RENAME TO customers;
         ALTER TABLE customers RENAME COLUMN code TO ref;",
    )
    .await;
    b.load(
        "CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY, name text NOT NULL, \
             ref int NOT NULL, note text, CONSTRAINT pk PRIMARY KEY (id));",
    )
    .await;
    let not_null_constraints = a
        .client()
        .query(
            "SELECT conname::text FROM pg_constraint \
             WHERE conrelid = 'customers'::regclass AND contype = 'n' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>();
    if version.not_null_constraints() {
        assert_eq!(
            not_null_constraints,
            [
                "clients_code_not_null",
                "clients_id_not_null",
                "name_required"
            ],
            "Postgres {version} names NOT NULL constraints and keeps the names on renames"
        );
    } else {
        assert!(not_null_constraints.is_empty(), "{not_null_constraints:?}");
    }
    let (ma, mb) = (a.inspect(&["public"]).await, b.inspect(&["public"]).await);
    assert_eq!(PgVersion::of(&ma), Some(version));
    assert_eq!(ma.server_version, version.to_string());
    assert_eq!(ma, mb, "the renamed table's model is the fresh table's");
    let customers = table(&ma, "public", "customers");
    assert!(customers.checks.is_empty() && customers.uniques.is_empty());
    let nullable: Vec<(&str, bool)> = customers
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.nullable))
        .collect();
    assert_eq!(
        nullable,
        [
            ("id", false),
            ("name", false),
            ("ref", false),
            ("note", true)
        ]
    );
    let changes = migrator_core::diff::diff(
        &ma,
        &mb,
        &migrator_core::diff::Hints::default(),
        migrator_core::diff::DiffOptions {
            allow_destructive: true,
        },
    )
    .unwrap();
    assert!(changes.is_empty(), "{changes:#?}");

    if version.not_null_constraints() {
        // 18: a NOT VALID NOT NULL constraint sets attnotnull while NULLs may remain: the
        // column is not NOT NULL yet (as under the planner's CHECK … NOT VALID).
        a.load(
            "INSERT INTO customers (name, ref) VALUES ('x', 1);
             UPDATE customers SET note = NULL;
             ALTER TABLE customers ADD CONSTRAINT note_required NOT NULL note NOT VALID;",
        )
        .await;
        let ma = a.inspect(&["public"]).await;
        let t = table(&ma, "public", "customers");
        assert!(
            column(t, "note").nullable,
            "NOT VALID NOT NULL is not NOT NULL yet"
        );
        a.load("ALTER TABLE customers DROP CONSTRAINT note_required;")
            .await;
    }

    // Generated columns: stored everywhere, virtual on 18+ (its default kind there).
    a.load("CREATE TABLE g (a int, s int GENERATED ALWAYS AS (a * 3) STORED);")
        .await;
    if version.virtual_generated_columns() {
        a.load(
            "ALTER TABLE g ADD COLUMN v int GENERATED ALWAYS AS (a * 2), \
                 ADD COLUMN vx int GENERATED ALWAYS AS (a * 4) VIRTUAL NOT NULL;",
        )
        .await;
    }
    let ma = a.inspect(&["public"]).await;
    let g = table(&ma, "public", "g");
    // (name, generated as (expression, stored), nullable)
    type Shape<'a> = (&'a str, Option<(&'a str, bool)>, bool);
    let generated: Vec<Shape> = g
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.generated.as_ref().map(|g| (g.expr.as_str(), g.stored)),
                c.nullable,
            )
        })
        .collect();
    let mut expected = vec![("a", None, true), ("s", Some(("(a * 3)", true)), true)];
    if version.virtual_generated_columns() {
        expected.push(("v", Some(("(a * 2)", false)), true));
        expected.push(("vx", Some(("(a * 4)", false)), false));
    }
    assert_eq!(generated, expected);
    assert!(g.columns.iter().all(|c| c.default.is_none()));
}

/// The same table, spelled with aliases and with the canonical names.
const ALIASES: &str = "CREATE TABLE t (
    c1 int4 DEFAULT '42', c2 varchar(20), c3 timestamptz, c4 bool DEFAULT 't', c5 float8,
    c6 decimal(10,2), c7 int8[], c8 timestamp(3), c9 char(5), c10 int2, c11 float4,
    c12 \"varchar\", c13 int, c14 time with time zone, c15 bit varying(8), c16 numeric DEFAULT 1.50
);";
const CANONICAL: &str = "CREATE TABLE t (
    c1 integer DEFAULT 42, c2 character varying(20), c3 timestamp with time zone,
    c4 boolean DEFAULT true, c5 double precision, c6 numeric(10,2), c7 bigint[],
    c8 timestamp(3) without time zone, c9 character(5), c10 smallint, c11 real,
    c12 character varying, c13 integer, c14 timetz, c15 varbit(8), c16 numeric DEFAULT 1.50
);";

#[tokio::test]
async fn type_aliases_normalize_to_one_spelling() {
    let Some(a) = TestDb::create("alias").await else {
        return;
    };
    let Some(b) = TestDb::create("canon").await else {
        return;
    };
    a.load(ALIASES).await;
    b.load(CANONICAL).await;
    let (ma, mb) = (a.inspect(&[]).await, b.inspect(&[]).await);
    assert_eq!(
        ma, mb,
        "aliases and canonical names must give the same model"
    );
    let t = table(&ma, "public", "t");
    let types: Vec<&str> = t
        .columns
        .iter()
        .map(|c| c.data_type.name.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "integer",
            "character varying(20)",
            "timestamp with time zone",
            "boolean",
            "double precision",
            "numeric(10,2)",
            "bigint[]",
            "timestamp(3) without time zone",
            "character(5)",
            "smallint",
            "real",
            "character varying",
            "integer",
            "time with time zone",
            "bit varying(8)",
            "numeric",
        ]
    );
    assert_eq!(column(t, "c1").default.as_deref(), Some("42"));
    assert_eq!(column(t, "c4").default.as_deref(), Some("true"));
    assert_eq!(column(t, "c16").default.as_deref(), Some("1.50"));
    assert!(t.columns.iter().all(|c| c.data_type.user_type.is_none()));
}

#[tokio::test]
async fn unmanaged_objects_are_listed_and_partitions_are_tables() {
    let Some(t) = TestDb::create("unmanaged").await else {
        return;
    };
    t.load(
        r#"
        CREATE EXTENSION hstore;
        CREATE TABLE measurements (id int, at date NOT NULL, v int) PARTITION BY RANGE (at);
        CREATE TABLE measurements_2024 PARTITION OF measurements
            FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE INDEX measurements_at ON measurements (at);
        CREATE SEQUENCE meas_seq OWNED BY measurements.id;
        CREATE TABLE plain (id serial PRIMARY KEY, note hstore);
        CREATE RULE plain_log AS ON DELETE TO plain DO ALSO NOTHING;
        CREATE PROCEDURE p_cleanup(days int) LANGUAGE sql AS $$ DELETE FROM plain WHERE id < days $$;
        CREATE FUNCTION add_one(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
        CREATE FUNCTION add_one(bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
        CREATE AGGREGATE my_sum(integer) (SFUNC = int4pl, STYPE = integer);
        CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
        CREATE TYPE pair AS (a int, b text);
        CREATE TYPE floatrange AS RANGE (subtype = float8);
        CREATE FOREIGN DATA WRAPPER dummy_fdw;
        CREATE SERVER dummy_srv FOREIGN DATA WRAPPER dummy_fdw;
        CREATE FOREIGN TABLE remote_things (id int) SERVER dummy_srv;
        CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER plain_trg AFTER INSERT ON plain FOR EACH ROW EXECUTE FUNCTION trg();
        CREATE TRIGGER meas_trg AFTER INSERT ON measurements FOR EACH ROW EXECUTE FUNCTION trg();
        ALTER TABLE plain ENABLE ROW LEVEL SECURITY;
        ALTER TABLE plain FORCE ROW LEVEL SECURITY;
        CREATE POLICY plain_read ON plain FOR SELECT USING (true);
        CREATE POLICY meas_read ON measurements FOR SELECT USING (true);
        CREATE UNLOGGED TABLE scratch (v text);
        CREATE TABLE migrator_history (version text PRIMARY KEY, id serial);
        CREATE FUNCTION migrator_copy_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER migrator_copy AFTER INSERT ON plain FOR EACH ROW EXECUTE FUNCTION migrator_copy_trg();
        CREATE SEQUENCE ticket_seq OWNED BY migrator_history.id;
        ALTER TABLE plain ADD CONSTRAINT migrator_nn_note CHECK (note IS NOT NULL) NOT VALID;
        ALTER TABLE plain ADD CONSTRAINT migrator_u UNIQUE (note);
        CREATE INDEX migrator_tmp_idx ON plain (id);
        "#,
    )
    .await;
    let db = t.inspect(&[]).await;
    let public = schema(&db, "public");
    assert_eq!(
        names(&public.tables, |t| &t.name),
        ["measurements", "measurements_2024", "plain", "scratch"]
    );
    let listed: Vec<(UnmanagedKind, &str, Option<&str>)> = public
        .unmanaged
        .iter()
        .map(|u| (u.kind, u.name.as_str(), u.table.as_deref()))
        .collect();
    use UnmanagedKind::*;
    assert_eq!(
        listed,
        [
            (Aggregate, "my_sum(integer)", None),
            (Rule, "plain_log", Some("plain")),
            (ForeignTable, "remote_things", None),
        ]
    );
    // Functions, procedures (overloads apart) and triggers of modelled tables (partitioned ones
    // too, not their clones on the partitions) are managed; not migrator's own.
    let routines: Vec<(RoutineKind, &str, &str, &str, Option<&str>)> = public
        .routines
        .iter()
        .map(|r| {
            (
                r.kind,
                r.name.as_str(),
                r.signature.as_str(),
                r.arguments.as_str(),
                r.result.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        routines,
        [
            (
                RoutineKind::Function,
                "add_one",
                "bigint",
                "bigint",
                Some("bigint")
            ),
            (
                RoutineKind::Function,
                "add_one",
                "integer",
                "integer",
                Some("integer")
            ),
            (
                RoutineKind::Procedure,
                "p_cleanup",
                "integer",
                "IN days integer",
                None
            ),
            (RoutineKind::Function, "trg", "", "", Some("trigger")),
        ]
    );
    // Postgres 14 added argument modes to procedures (OUT), and since then prints `IN`; 13 does
    // not. Both sides of a diff come from the same server, so either spelling is consistent.
    let definition = &public.routines[2].definition;
    assert!(
        definition.starts_with("CREATE OR REPLACE PROCEDURE public.p_cleanup(IN days integer)")
            || definition.starts_with("CREATE OR REPLACE PROCEDURE public.p_cleanup(days integer)"),
        "{definition}"
    );
    assert!(
        definition.contains("DELETE FROM plain WHERE id < days"),
        "{definition}"
    );
    assert_eq!(
        names(&public.triggers, |t| &t.name),
        ["meas_trg", "plain_trg"]
    );
    assert_eq!(
        public.triggers[1].definition,
        "CREATE TRIGGER plain_trg AFTER INSERT ON public.plain FOR EACH ROW EXECUTE FUNCTION public.trg()"
    );
    assert_eq!(public.triggers[1].enabled, TriggerEnabled::Enabled);
    // Policies are managed, also those of a partitioned table.
    assert_eq!(
        names(&public.policies, |p| &p.name),
        ["meas_read", "plain_read"]
    );
    assert_eq!(public.policies[1].command, PolicyCommand::Select);
    // The partitioned table has its key and index; the partition its bound, and neither the
    // columns nor the index it has from its parent.
    let meas = table(&db, "public", "measurements");
    assert_eq!(
        meas.partition.as_ref().and_then(|p| p.key.as_deref()),
        Some("RANGE (at)")
    );
    assert_eq!(names(&meas.columns, |c| &c.name), ["id", "at", "v"]);
    assert_eq!(names(&meas.indexes, |i| &i.name), ["measurements_at"]);
    let part = table(&db, "public", "measurements_2024");
    assert_eq!(
        part.partition_of(),
        Some(&PartitionOf {
            parent_schema: "public".into(),
            parent: "measurements".into(),
            bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')".into(),
        })
    );
    assert!(
        part.columns.is_empty() && part.indexes.is_empty(),
        "{part:?}"
    );

    // Domains, composite and range types are modelled, not listed as unmanaged.
    assert_eq!(names(&public.domains, |d| &d.name), ["email"]);
    assert_eq!(names(&public.composites, |c| &c.name), ["pair"]);
    assert_eq!(
        names(&public.composites[0].attributes, |a| &a.name),
        ["a", "b"]
    );
    assert_eq!(names(&public.ranges, |r| &r.name), ["floatrange"]);
    assert_eq!(public.ranges[0].subtype.name, "double precision");
    // Sequences: serial of `plain`, and one owned by the partitioned table; not the two owned
    // by migrator_history.
    assert_eq!(
        names(&public.sequences, |s| &s.name),
        ["meas_seq", "plain_id_seq"]
    );
    assert_eq!(
        public.sequence("meas_seq").unwrap().owned_by,
        Some(SequenceOwner {
            table: "measurements".into(),
            column: "id".into()
        })
    );
    let plain = table(&db, "public", "plain");
    assert_eq!(
        plain.options.get("row_security").map(String::as_str),
        Some("forced")
    );
    // migrator's own constraints and indexes (and the index behind its unique) are not shown.
    assert!(
        plain.checks.is_empty() && plain.uniques.is_empty(),
        "{plain:?}"
    );
    assert!(plain.indexes.is_empty(), "{:?}", plain.indexes);
    assert_eq!(plain.primary_key.as_ref().unwrap().name, "plain_pkey");
    assert_eq!(column(plain, "note").data_type.name, "public.hstore");
    let scratch = table(&db, "public", "scratch");
    assert_eq!(
        scratch.options.get("persistence").map(String::as_str),
        Some("unlogged")
    );
    assert_eq!(names(&public.extensions, |e| &e.name), ["hstore"]);
}

#[tokio::test]
async fn index_details() {
    let Some(t) = TestDb::create("indexes").await else {
        return;
    };
    t.load(
        r#"
        CREATE TABLE docs (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            title text NOT NULL,
            slug varchar(100),
            body text,
            rank int,
            lang text COLLATE "C",
            during tsrange,
            CONSTRAINT docs_slug_key UNIQUE (slug) INCLUDE (title),
            CONSTRAINT docs_no_overlap EXCLUDE USING gist (during WITH &&)
        );
        CREATE INDEX docs_rank_desc ON docs (rank DESC);
        CREATE INDEX docs_rank_desc_nf ON docs (rank DESC NULLS FIRST);
        CREATE INDEX docs_rank_asc_nf ON docs (rank ASC NULLS FIRST);
        CREATE INDEX docs_title_pattern ON docs (title text_pattern_ops);
        CREATE INDEX docs_title_c ON docs (title COLLATE "C");
        CREATE INDEX docs_lang ON docs (lang);
        CREATE INDEX docs_mixed ON docs (lower(title), rank, (rank + 1)) WHERE body IS NOT NULL;
        COMMENT ON INDEX docs_mixed IS 'mixed keys';
        CREATE INDEX docs_hash ON docs USING hash (slug);
        CREATE INDEX docs_brin ON docs USING brin (id) WITH (pages_per_range = 32);
        CREATE INDEX docs_ff ON docs (slug) WITH (fillfactor = 70);
        INSERT INTO docs (title, rank) VALUES ('a', 1), ('b', 1);
        "#,
    )
    .await;
    // A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind.
    assert!(t
        .client()
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY docs_rank_uniq ON docs (rank)")
        .await
        .is_err());
    let pg15 = PgVersion::from_num(t.server_version().await as u32).nulls_not_distinct();
    if pg15 {
        t.load("CREATE UNIQUE INDEX docs_title_nnd ON docs (title) NULLS NOT DISTINCT;")
            .await;
    }
    let db = t.inspect(&["public"]).await;
    let docs = table(&db, "public", "docs");

    let mut expected = vec![
        "docs_brin",
        "docs_ff",
        "docs_hash",
        "docs_lang",
        "docs_mixed",
        "docs_rank_asc_nf",
        "docs_rank_desc",
        "docs_rank_desc_nf",
        "docs_rank_uniq",
        "docs_title_c",
        "docs_title_pattern",
    ];
    if pg15 {
        expected.push("docs_title_nnd");
        expected.sort();
    }
    assert_eq!(
        names(&docs.indexes, |i| &i.name),
        expected,
        "constraint indexes are not listed"
    );

    let desc = &index(docs, "docs_rank_desc").parts;
    assert!(desc[0].desc && desc[0].nulls_first);
    assert_eq!(
        desc,
        &index(docs, "docs_rank_desc_nf").parts,
        "DESC = DESC NULLS FIRST"
    );
    let asc_nf = &index(docs, "docs_rank_asc_nf").parts[0];
    assert!(!asc_nf.desc && asc_nf.nulls_first);
    assert_eq!(
        index(docs, "docs_title_pattern").parts[0]
            .opclass
            .as_deref(),
        Some("text_pattern_ops")
    );
    assert_eq!(
        index(docs, "docs_title_c").parts[0].collation.as_deref(),
        Some("\"C\"")
    );
    assert_eq!(
        index(docs, "docs_lang").parts[0].collation,
        None,
        "the column's own collation"
    );
    let mixed = index(docs, "docs_mixed");
    assert_eq!(
        mixed
            .parts
            .iter()
            .map(|p| p.key.clone())
            .collect::<Vec<_>>(),
        [
            IndexKey::Expr("lower(title)".into()),
            col("rank"),
            // As it goes into an index's column list: parenthesized unless a function call.
            IndexKey::Expr("((rank + 1))".into())
        ]
    );
    assert_eq!(mixed.predicate.as_deref(), Some("(body IS NOT NULL)"));
    assert_eq!(mixed.comment.as_deref(), Some("mixed keys"));
    assert_eq!(index(docs, "docs_hash").method, "hash");
    let brin = index(docs, "docs_brin");
    assert_eq!(brin.method, "brin");
    assert_eq!(
        brin.options.get("pages_per_range").map(String::as_str),
        Some("32")
    );
    assert_eq!(
        index(docs, "docs_ff")
            .options
            .get("fillfactor")
            .map(String::as_str),
        Some("70")
    );
    let invalid = index(docs, "docs_rank_uniq");
    assert!(
        invalid.unique && !invalid.valid,
        "left INVALID by CONCURRENTLY"
    );
    assert!(docs
        .indexes
        .iter()
        .filter(|i| i.name != "docs_rank_uniq")
        .all(|i| i.valid));
    if pg15 {
        assert!(index(docs, "docs_title_nnd").nulls_not_distinct);
        assert!(!index(docs, "docs_ff").nulls_not_distinct);
    }

    assert_eq!(docs.uniques.len(), 1);
    assert_eq!(docs.uniques[0].name, "docs_slug_key");
    assert_eq!(docs.uniques[0].columns, ["slug"]);
    assert_eq!(docs.uniques[0].include, ["title"]);
    assert_eq!(docs.exclusions.len(), 1);
    assert_eq!(docs.exclusions[0].name, "docs_no_overlap");
    assert_eq!(
        docs.exclusions[0].definition,
        "EXCLUDE USING gist (during WITH &&)"
    );
    let id = column(docs, "id");
    assert_eq!(
        id.identity.as_ref().unwrap().generation,
        IdentityGeneration::ByDefault
    );
}

#[tokio::test]
async fn constraints_options_and_quoted_schemas() {
    let Some(t) = TestDb::create("constraints").await else {
        return;
    };
    t.load(
        r#"
        CREATE SCHEMA "Sales Dept";
        COMMENT ON SCHEMA "Sales Dept" IS 'it''s sales';
        CREATE TYPE "Sales Dept"."Tier" AS ENUM ('it''s', 'a "b"', 'c');
        CREATE TABLE "Sales Dept".batch (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED);
        CREATE TABLE "Sales Dept"."Region" (
            "Code" char(2) PRIMARY KEY,
            "Name" text,
            tier "Sales Dept"."Tier"[]
        );
        CREATE TABLE "Sales Dept".pairs (x int, y int, UNIQUE (y, x));
        CREATE TABLE "Sales Dept".rep (
            id int GENERATED BY DEFAULT AS IDENTITY (MINVALUE 10 MAXVALUE 1000 CYCLE),
            region char(2) DEFAULT 'EU',
            a int,
            b int,
            "; DROP TABLE x; --" text,
            PRIMARY KEY (id),
            CONSTRAINT rep_region_fk FOREIGN KEY (region) REFERENCES "Sales Dept"."Region" ("Code")
                ON DELETE SET DEFAULT ON UPDATE CASCADE,
            CONSTRAINT rep_ab_fk FOREIGN KEY (a, b) REFERENCES "Sales Dept".pairs (y, x) MATCH FULL,
            CONSTRAINT positive_a CHECK (a > 0) NO INHERIT
        );
        COMMENT ON COLUMN "Sales Dept".rep."; DROP TABLE x; --" IS 'x';
        COMMENT ON CONSTRAINT positive_a ON "Sales Dept".rep IS 'a is positive';
        "#,
    )
    .await;
    let db = t.inspect(&["Sales Dept"]).await;
    assert_eq!(names(&db.schemas, |s| &s.name), ["Sales Dept"]);
    let sales = schema(&db, "Sales Dept");
    assert_eq!(sales.comment.as_deref(), Some("it's sales"));
    assert_eq!(sales.enums[0].name, "Tier");
    assert_eq!(sales.enums[0].values, ["it's", "a \"b\"", "c"]);

    let region = table(&db, "Sales Dept", "Region");
    let pk = region.primary_key.as_ref().unwrap();
    assert_eq!(pk.columns, ["Code"]);
    assert!(!pk.deferrable && !pk.initially_deferred);
    let deferred = table(&db, "Sales Dept", "batch")
        .primary_key
        .as_ref()
        .unwrap();
    assert!(deferred.deferrable && deferred.initially_deferred);
    assert_eq!(column(region, "Code").data_type.name, "character(2)");
    let tier = &column(region, "tier").data_type;
    assert_eq!(tier.name, "\"Sales Dept\".\"Tier\"[]");
    assert!(tier.array);
    assert_eq!(
        tier.user_type,
        Some(UserType {
            schema: "Sales Dept".into(),
            name: "Tier".into(),
            kind: UserTypeKind::Enum
        })
    );

    let rep = table(&db, "Sales Dept", "rep");
    let identity = column(rep, "id").identity.clone().unwrap();
    assert_eq!(
        (
            identity.generation,
            identity.min,
            identity.max,
            identity.start,
            identity.cycle
        ),
        (IdentityGeneration::ByDefault, 10, 1000, 10, true)
    );
    assert_eq!(
        column(rep, "region").default.as_deref(),
        Some("'EU'::bpchar")
    );
    assert_eq!(
        column(rep, "; DROP TABLE x; --").comment.as_deref(),
        Some("x")
    );
    let region_fk = rep.foreign_key("rep_region_fk").unwrap();
    assert_eq!(
        (region_fk.ref_schema.as_str(), region_fk.ref_table.as_str()),
        ("Sales Dept", "Region")
    );
    assert_eq!(region_fk.ref_columns, ["Code"]);
    assert_eq!(region_fk.on_delete, ReferentialAction::SetDefault);
    assert_eq!(region_fk.on_update, ReferentialAction::Cascade);
    let ab = rep.foreign_key("rep_ab_fk").unwrap();
    assert_eq!(ab.columns, ["a", "b"]);
    assert_eq!(
        ab.ref_columns,
        ["y", "x"],
        "column order of the key is kept"
    );
    assert!(ab.match_full);
    let check = rep.check("positive_a").unwrap();
    assert_eq!(check.expr, "(a > 0)");
    assert!(check.no_inherit && check.validated);
    assert_eq!(check.comment.as_deref(), Some("a is positive"));
    let pairs = table(&db, "Sales Dept", "pairs");
    assert_eq!(pairs.uniques[0].columns, ["y", "x"]);
    assert!(
        sales.sequences.is_empty(),
        "identity sequences are part of the column"
    );
}

#[tokio::test]
async fn schema_selection() {
    let Some(t) = TestDb::create("select").await else {
        return;
    };
    t.load(
        r#"
        CREATE SCHEMA core;
        CREATE SCHEMA app;
        CREATE TABLE core.users (id int PRIMARY KEY, email text UNIQUE);
        CREATE TABLE app.sessions (
            id int PRIMARY KEY,
            user_email text REFERENCES core.users (email)
        );
        CREATE TEMP TABLE scratch_tmp (a int);
        "#,
    )
    .await;
    let all = t.inspect(&[]).await;
    assert_eq!(
        names(&all.schemas, |s| &s.name),
        ["app", "core", "public"],
        "system, toast and temp schemas are not inspected"
    );

    // Only `app`: the key into `core` still names its referenced columns.
    let app = t.inspect(&["app", "no_such_schema"]).await;
    assert_eq!(names(&app.schemas, |s| &s.name), ["app"]);
    let fk = &table(&app, "app", "sessions").foreign_keys[0];
    assert_eq!(
        (fk.ref_schema.as_str(), fk.ref_table.as_str()),
        ("core", "users")
    );
    assert_eq!(fk.ref_columns, ["email"]);
    assert_eq!(schema(&all, "app"), schema(&app, "app"));

    let none = t.inspect(&["no_such_schema"]).await;
    assert!(none.schemas.is_empty());
}

/// Partitioned tables and partitions (issue 14): keys and bounds of every kind (range, list,
/// hash, DEFAULT, a sub-partitioned partition, one in another schema); on a partition, only
/// what is its own — not the parent's columns, nor the constraints (checks, primary key,
/// unique, foreign keys) and indexes it inherits, whether it was created `PARTITION OF` or
/// attached with copies of them; its own checks and indexes are reported.
#[tokio::test]
async fn partitioned_tables_and_their_partitions() {
    let Some(t) = TestDb::create("partitions").await else {
        return;
    };
    t.load(
        r#"
        CREATE SCHEMA archive;
        CREATE TABLE users (id int PRIMARY KEY);
        CREATE TABLE events (
            id bigint NOT NULL, at date NOT NULL, region text NOT NULL,
            user_id int REFERENCES users (id), kind text CHECK (kind <> ''),
            PRIMARY KEY (id, at, region), UNIQUE (kind, at, region)
        ) PARTITION BY RANGE (at);
        CREATE INDEX events_region ON events (region);
        CREATE TABLE events_2024 PARTITION OF events
            (CONSTRAINT own_check CHECK (id > 0))
            FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE INDEX events_2024_own ON events_2024 (user_id);
        CREATE TABLE events_2025 PARTITION OF events
            FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (region);
        CREATE TABLE events_2025_eu PARTITION OF events_2025 FOR VALUES IN ('de', 'fr');
        CREATE TABLE events_rest PARTITION OF events DEFAULT;
        CREATE TABLE archive.events_2020 PARTITION OF events
            FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
        -- Attached: its own copies of the parent's check and columns merge into the parent's.
        CREATE TABLE events_2026 (id bigint NOT NULL, at date NOT NULL, region text NOT NULL,
            user_id int, kind text, CONSTRAINT events_kind_check CHECK (kind <> ''));
        ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        CREATE TABLE sessions (id bigint NOT NULL) PARTITION BY HASH (id);
        CREATE TABLE sessions_0 PARTITION OF sessions FOR VALUES WITH (MODULUS 2, REMAINDER 0);
        CREATE TABLE refs (e_id bigint, e_at date, e_region text,
            FOREIGN KEY (e_id, e_at, e_region) REFERENCES events (id, at, region));
        "#,
    )
    .await;
    let db = t.inspect(&["public", "archive"]).await;
    let public = schema(&db, "public");
    assert!(public.unmanaged.is_empty(), "{:?}", public.unmanaged);
    let events = table(&db, "public", "events");
    let key = |t: &Table| t.partition.as_ref().and_then(|p| p.key.clone());
    let bound = |t: &Table| {
        t.partition_of()
            .map(|o| (o.parent.clone(), o.bound.clone()))
    };
    assert_eq!(key(events).as_deref(), Some("RANGE (at)"));
    assert_eq!(bound(events), None);
    assert_eq!(
        names(&events.columns, |c| &c.name),
        ["id", "at", "region", "user_id", "kind"]
    );
    assert_eq!(events.primary_key.as_ref().unwrap().name, "events_pkey");
    assert_eq!(
        names(&events.uniques, |u| &u.name),
        ["events_kind_at_region_key"]
    );
    assert_eq!(names(&events.checks, |c| &c.name), ["events_kind_check"]);
    assert_eq!(
        names(&events.foreign_keys, |f| &f.name),
        ["events_user_id_fkey"]
    );
    assert_eq!(names(&events.indexes, |i| &i.name), ["events_region"]);

    let p2024 = table(&db, "public", "events_2024");
    assert_eq!(
        bound(p2024),
        Some((
            "events".into(),
            "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')".into()
        ))
    );
    assert!(p2024.columns.is_empty(), "{:?}", p2024.columns);
    assert_eq!(names(&p2024.checks, |c| &c.name), ["own_check"]);
    assert!(p2024.primary_key.is_none() && p2024.uniques.is_empty());
    assert!(p2024.foreign_keys.is_empty(), "{:?}", p2024.foreign_keys);
    assert_eq!(names(&p2024.indexes, |i| &i.name), ["events_2024_own"]);
    assert_eq!(
        p2024.indexes[0].parts[0].key,
        IndexKey::Column("user_id".into())
    );

    let p2025 = table(&db, "public", "events_2025");
    assert_eq!(key(p2025).as_deref(), Some("LIST (region)"));
    assert!(p2025.indexes.is_empty() && p2025.primary_key.is_none());
    assert_eq!(
        bound(table(&db, "public", "events_2025_eu")),
        Some(("events_2025".into(), "FOR VALUES IN ('de', 'fr')".into()))
    );
    assert_eq!(
        bound(table(&db, "public", "events_rest")),
        Some(("events".into(), "DEFAULT".into()))
    );
    let archived = table(&db, "archive", "events_2020");
    assert_eq!(archived.partition_of().unwrap().parent_schema, "public");
    let attached = table(&db, "public", "events_2026");
    assert!(
        attached.columns.is_empty()
            && attached.checks.is_empty()
            && attached.primary_key.is_none()
            && attached.uniques.is_empty()
            && attached.foreign_keys.is_empty()
            && attached.indexes.is_empty(),
        "{attached:?}"
    );
    assert_eq!(
        bound(table(&db, "public", "sessions_0")),
        Some((
            "sessions".into(),
            "FOR VALUES WITH (modulus 2, remainder 0)".into()
        ))
    );
    assert_eq!(
        key(table(&db, "public", "sessions")).as_deref(),
        Some("HASH (id)")
    );
    // A foreign key to a partitioned table: one key, not one per partition.
    assert_eq!(
        names(&table(&db, "public", "refs").foreign_keys, |f| &f.name),
        ["refs_e_id_e_at_e_region_fkey"]
    );
    // Plain tables have no partitioning.
    assert!(table(&db, "public", "users").partition.is_none());
}

//! `migrator erd` on the e-commerce example (the declared schema, loaded on the test servers):
//! the Mermaid output parsed back (entities, relationships, cardinalities), the SVG parsed as
//! XML (one entity group per table, one relation per foreign key), DOT's crow's-foot ends.

use migrator_tests::cli::*;
use migrator_tests::{migrator_in, output_text, TempDir};
use std::collections::{BTreeMap, BTreeSet};

type Entities = BTreeMap<String, Vec<String>>;
type Relations = BTreeSet<(String, String, String)>;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn erd(schema: &str, dev: &str, format: &str) -> String {
    let dir = TempDir::new();
    let o = migrator_in(
        dir.path(),
        None,
        &[
            "erd",
            "--from",
            schema,
            "--dev-url",
            dev,
            "--format",
            format,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// `(parent, left marker + line + right marker, child)` of each Mermaid relationship line, and
/// the entities with their attribute lines.
fn parse_mermaid(text: &str) -> (Entities, Relations) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("erDiagram"));
    let mut entities = BTreeMap::new();
    let mut relations = BTreeSet::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in lines {
        let line = line.trim();
        if let Some((name, attrs)) = current.as_mut() {
            if line == "}" {
                entities.insert(name.clone(), std::mem::take(attrs));
                current = None;
            } else {
                attrs.push(line.to_string());
            }
        } else if let Some(name) = line.strip_suffix(" {") {
            current = Some((name.to_string(), Vec::new()));
        } else {
            let (rel, _label) = line.split_once(" : ").expect("a relationship line");
            let parts: Vec<&str> = rel.split(' ').collect();
            assert_eq!(parts.len(), 3, "{line}");
            relations.insert((parts[0].into(), parts[1].into(), parts[2].into()));
        }
    }
    assert!(current.is_none(), "an entity block is not closed");
    (entities, relations)
}

#[tokio::test]
async fn pg_ecommerce_erd() {
    let Some(db) = fresh(Engine::Postgres, "erd").await else {
        return;
    };
    let schema = format!("{ROOT}/examples/ecommerce/schema.sql");
    let (entities, relations) = parse_mermaid(&erd(&schema, &db.url, "mermaid"));
    for table in [
        "users",
        "addresses",
        "carts",
        "categories",
        "products",
        "product_variants",
        "orders",
        "order_items",
        "payments",
        "reviews",
    ] {
        assert!(
            entities.contains_key(table),
            "{table} missing: {entities:?}"
        );
    }
    let has = |parent: &str, marks: &str, child: &str| {
        assert!(
            relations.contains(&(parent.into(), marks.into(), child.into())),
            "{parent} {marks} {child} missing from {relations:?}"
        );
    };
    // A NOT NULL key: exactly one parent, any number of children.
    has("users", "||..o{", "orders");
    // A nullable key: zero or one parent (a self-reference here).
    has("categories", "|o..o{", "categories");
    // The key is the child's whole primary key: one-to-one, identifying (solid line).
    has("users", "||--o|", "carts");
    // Part of the child's primary key: identifying, one-to-many.
    has("orders", "||--o{", "order_items");
    // A two-column key to a two-column parent key.
    has("product_variants", "||..o{", "order_items");
    let fks: usize = relations.len();
    assert!(fks >= 10, "{relations:?}");
    // Keys on the attribute lines.
    let carts = &entities["carts"];
    assert!(
        carts.iter().any(|a| a.contains(" user_id PK, FK")),
        "{carts:?}"
    );
    let categories = &entities["categories"];
    assert!(
        categories.iter().any(|a| a.contains(" slug UK")),
        "{categories:?}"
    );
    assert!(
        categories
            .iter()
            .any(|a| a.contains(" parent_id FK \"nullable\"")),
        "{categories:?}"
    );

    // SVG: well-formed, one entity per table, one relation per foreign key.
    let svg = erd(&schema, &db.url, "svg");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let groups = |class: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class))
            .count()
    };
    assert_eq!(groups("entity"), entities.len());
    assert_eq!(groups("relation"), fks);
    assert_eq!(groups("schema"), 1);

    // DOT: one edge per key, crow's feet where a parent has many children.
    let dot = erd(&schema, &db.url, "dot");
    assert!(dot.starts_with("digraph erd {"), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), fks, "{dot}");
    assert!(
        dot.contains("\"orders\" -> \"users\" [arrowhead=teetee, arrowtail=crowodot"),
        "{dot}"
    );
    db.drop_db().await;
}

/// The MySQL inspector's keys drawn the same way: a nullable key, a one-to-one key (a unique
/// index on it), a two-column key; names that Mermaid cannot take as ids are aliased.
#[tokio::test]
async fn mariadb_keys_and_cardinalities() {
    let Some(db) = fresh(Engine::Mariadb, "erd").await else {
        return;
    };
    let dir = TempDir::new();
    dir.write(
        "schema.sql",
        "CREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(200) NOT NULL UNIQUE);\n\
         CREATE TABLE profiles (user_id BIGINT NOT NULL UNIQUE, bio TEXT,\n\
           FOREIGN KEY (user_id) REFERENCES users (id));\n\
         CREATE TABLE `order lines` (id BIGINT PRIMARY KEY, user_id BIGINT NULL,\n\
           sku VARCHAR(20) NOT NULL, region CHAR(2) NOT NULL,\n\
           FOREIGN KEY (user_id) REFERENCES users (id));\n\
         CREATE TABLE stock (sku VARCHAR(20) NOT NULL, region CHAR(2) NOT NULL, PRIMARY KEY (sku, region));\n\
         ALTER TABLE `order lines` ADD FOREIGN KEY (sku, region) REFERENCES stock (sku, region);\n",
    );
    let schema = dir.path().join("schema.sql").display().to_string();
    let text = erd(&schema, &db.url, "mermaid");
    let (entities, relations) = parse_mermaid(&text);
    assert!(
        entities.contains_key("order_lines[\"order lines\"]"),
        "{text}"
    );
    for rel in [
        ("users", "||..o|", "profiles"),
        ("users", "|o..o{", "order_lines"),
        ("stock", "||..o{", "order_lines"),
    ] {
        assert!(
            relations.contains(&(rel.0.into(), rel.1.into(), rel.2.into())),
            "{rel:?} missing: {text}"
        );
    }
    let svg = erd(&schema, &db.url, "svg");
    roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert!(svg.contains(">order lines</text>"), "{svg}");
    db.drop_db().await;
}

/// A format for another command, and a format erd does not draw, are refused by name.
#[test]
fn formats_are_checked_per_command() {
    let dir = TempDir::new();
    let o = migrator_in(dir.path(), None, &["verify", "--format", "svg"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert!(
        output_text(&o).contains("are for `migrator erd`"),
        "{}",
        output_text(&o)
    );
    let o = migrator_in(dir.path(), None, &["plan", "--format", "dot"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert!(
        output_text(&o).contains("text, json or mermaid"),
        "{}",
        output_text(&o)
    );
    let o = migrator_in(dir.path(), None, &["erd", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert!(
        output_text(&o).contains("mermaid (default), dot or svg"),
        "{}",
        output_text(&o)
    );
}

/// `plan --format mermaid` draws the same plan as `--format json` says: one section per phase in
/// the order they run, one period per file in its phase's section, one event per step (its
/// summary and lock), for e-commerce v1 → v2 on Postgres.
#[tokio::test]
async fn pg_plan_timeline_matches_the_plan() {
    let Some(db) = fresh(Engine::Postgres, "timeline").await else {
        return;
    };
    let dir = TempDir::new();
    let versions = format!("{ROOT}/examples/ecommerce/versions/postgres");
    let plan = |version: &str, extra: &[&str]| {
        let schema = format!("{versions}/{version}.sql");
        let mut args = vec![
            "plan",
            "--schema",
            schema.as_str(),
            "--dev-url",
            db.url.as_str(),
            "--no-rehearse",
            "--name",
            version,
        ];
        args.extend_from_slice(extra);
        let o = migrator_in(dir.path(), None, &args, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    plan("v1", &[]);
    let json: serde_json::Value =
        serde_json::from_str(&plan("v2", &["--dry-run", "--format", "json"])).unwrap();
    let text = plan("v2", &["--dry-run", "--format", "mermaid"]);

    // What JSON says, as (phase, period, events).
    let steps = json["steps"].as_array().unwrap();
    let mut expected = Vec::new();
    for f in json["files"].as_array().unwrap() {
        // Each run plans with the clock's version: the periods are compared without it.
        let mut period = f["name"].as_str().unwrap().to_string();
        if f["no_transaction"].as_bool().unwrap() {
            period.push_str(" (no transaction)");
        }
        let events: Vec<String> = f["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let s = &steps[i.as_u64().unwrap() as usize];
                format!(
                    "{} (lock: {})",
                    s["summary"].as_str().unwrap(),
                    s["lock"].as_str().unwrap()
                )
            })
            .collect();
        expected.push((f["phase"].as_str().unwrap().to_string(), period, events));
    }
    assert!(expected.len() >= 2, "v1 → v2 plans several files: {json}");

    // What the timeline says.
    let unescape = |s: &str| {
        s.replace("#58;", ":")
            .replace("#59;", ";")
            .replace("#35;", "#")
    };
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("timeline"), "{text}");
    assert!(lines.next().unwrap().trim().starts_with("title "), "{text}");
    let mut drawn: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut section = None;
    for line in lines {
        let t = line.trim();
        if let Some(s) = t.strip_prefix("section ") {
            section = Some(s.to_string());
        } else if let Some(event) = t.strip_prefix(": ") {
            let event = unescape(event);
            let event = match event.strip_suffix(" hazard(s)]") {
                Some(rest) => rest.rsplit_once(" [").unwrap().0.to_string(),
                None => event,
            };
            drawn
                .last_mut()
                .expect("an event after a period")
                .2
                .push(event);
        } else {
            assert!(!t.contains(':'), "an unescaped colon in {t:?}");
            let phase = section.clone().expect("a period inside a section");
            let (version, name) = t.split_once('_').expect("VERSION_NAME");
            assert!(
                version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()),
                "{t}"
            );
            drawn.push((phase, unescape(name), Vec::new()));
        }
    }
    let order = |p: &str| {
        ["expand", "backfill", "contract"]
            .iter()
            .position(|x| *x == p)
    };
    let mut sorted = expected.clone();
    sorted.sort_by_key(|(p, _, _)| order(p));
    assert_eq!(drawn, sorted, "{text}");
}

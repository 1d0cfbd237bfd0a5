//! Mermaid `erDiagram` text (renders on GitHub, GitLab and in most Markdown viewers).
//!
//! Entity ids keep to the characters Mermaid accepts (letters, digits, `_`, `-`); a name with
//! others (a schema's dot, a space) is shown through an alias: `public_orders["public.orders"]`.
//! A relationship reads `PARENT ||--o{ CHILD : "fk_name"`: the left marker says how many parents
//! a child row has, the right one how many children a parent row has; `--` is an identifying
//! key (part of the child's primary key), `..` any other.

use super::{Cardinality, Erd};
use std::fmt::Write;

pub fn render(erd: &Erd) -> String {
    let mut out = String::from("erDiagram\n");
    for e in erd.entities() {
        let entity = id(&e.name);
        let alias = if entity == e.name {
            String::new()
        } else {
            format!("[\"{}\"]", label(&e.name))
        };
        let _ = writeln!(out, "    {entity}{alias} {{");
        for a in &e.attributes {
            let keys: Vec<&str> = [(a.pk, "PK"), (a.fk, "FK"), (a.unique && !a.pk, "UK")]
                .into_iter()
                .filter_map(|(on, k)| on.then_some(k))
                .collect();
            let name = id(&a.name);
            let mut line = format!("        {} {name}", word(&a.data_type));
            if !keys.is_empty() {
                line.push(' ');
                line.push_str(&keys.join(", "));
            }
            let mut notes = Vec::new();
            if name != a.name {
                notes.push(label(&a.name));
            }
            if a.nullable {
                notes.push("nullable".into());
            }
            if !notes.is_empty() {
                let _ = write!(line, " \"{}\"", notes.join(", "));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for r in &erd.relations {
        let left = match r.parent_side {
            Cardinality::ExactlyOne => "||",
            Cardinality::ZeroOrOne | Cardinality::ZeroOrMany => "|o",
        };
        let right = match r.child_side {
            Cardinality::ZeroOrMany => "o{",
            Cardinality::ZeroOrOne | Cardinality::ExactlyOne => "o|",
        };
        let line = if r.identifying { "--" } else { ".." };
        let _ = writeln!(
            out,
            "    {} {left}{line}{right} {} : \"{}\"",
            id(&r.parent),
            id(&r.child),
            label(&r.label)
        );
    }
    out
}

/// An id Mermaid accepts: letters, digits, `_` and `-`; anything else becomes `_`.
pub fn id(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.starts_with(|c: char| c.is_ascii_digit() || c == '-') || id.is_empty() {
        format!("_{id}")
    } else {
        id
    }
}

/// A type as one word (`numeric(10,2)` → `numeric(10_2)`, `timestamp with time zone` →
/// `timestamp_with_time_zone`).
fn word(t: &str) -> String {
    t.chars()
        .map(|c| {
            if c.is_alphanumeric() || "_()[]-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Text inside `"…"`: Mermaid has no escape for `"`, so it becomes `'`; line breaks become spaces.
fn label(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

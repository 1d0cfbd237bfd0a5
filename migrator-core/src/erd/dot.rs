//! Graphviz DOT: one cluster per schema, each table a record of its columns, each foreign key an
//! edge from child to parent with crow's-foot ends (`arrowtail` at the child: `crowodot` zero
//! or many, `teeodot` zero or one; `arrowhead` at the parent: `teetee` exactly one, `teeodot`
//! zero or one).

use super::{Cardinality, Erd};
use std::fmt::Write;

pub fn render(erd: &Erd) -> String {
    let mut out = String::from(
        "digraph erd {\n    graph [rankdir=LR, fontname=\"Helvetica\"];\n    node [shape=plaintext, fontname=\"Helvetica\"];\n    edge [dir=both, fontname=\"Helvetica\", fontsize=10];\n",
    );
    for (i, g) in erd.groups.iter().enumerate() {
        let _ = writeln!(out, "    subgraph cluster_{i} {{");
        let _ = writeln!(out, "        label={};", quote(&g.schema));
        for e in &g.entities {
            let mut rows = format!(
                "<tr><td bgcolor=\"#dde6f0\" colspan=\"2\"><b>{}</b></td></tr>",
                html(&e.name)
            );
            for a in &e.attributes {
                let keys: Vec<&str> = [(a.pk, "PK"), (a.fk, "FK"), (a.unique && !a.pk, "UK")]
                    .into_iter()
                    .filter_map(|(on, k)| on.then_some(k))
                    .collect();
                let name = if a.pk {
                    format!("<u>{}</u>", html(&a.name))
                } else {
                    html(&a.name)
                };
                let _ = write!(
                    rows,
                    "<tr><td align=\"left\" port=\"{}\">{name}{}</td><td align=\"left\">{}{}</td></tr>",
                    html(&a.name),
                    if keys.is_empty() { String::new() } else { format!(" ({})", keys.join(", ")) },
                    html(&a.data_type),
                    if a.nullable { "" } else { " not null" }
                );
            }
            let _ = writeln!(
                out,
                "        {} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">{rows}</table>>];",
                quote(&e.name)
            );
        }
        out.push_str("    }\n");
    }
    for r in &erd.relations {
        let head = match r.parent_side {
            Cardinality::ExactlyOne => "teetee",
            Cardinality::ZeroOrOne | Cardinality::ZeroOrMany => "teeodot",
        };
        let tail = match r.child_side {
            Cardinality::ZeroOrMany => "crowodot",
            Cardinality::ZeroOrOne | Cardinality::ExactlyOne => "teeodot",
        };
        let _ = writeln!(
            out,
            "    {} -> {} [arrowhead={head}, arrowtail={tail}, label={}];",
            quote(&r.child),
            quote(&r.parent),
            quote(&r.label)
        );
    }
    out.push_str("}\n");
    out
}

/// A DOT string literal.
fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

/// Text inside an HTML-like label.
pub(super) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

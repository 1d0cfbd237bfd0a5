//! A stand-alone SVG picture, laid out here (no Graphviz): each schema is a framed band; inside
//! it tables stand in columns by foreign-key depth (parents left of their children), and each
//! foreign key is a curve from the child's key column to the parent's referenced column, with
//! crow's-foot ends (two bars: exactly one; bar and circle: zero or one; crow and circle: zero
//! or many).

use super::dot::html as xml;
use super::{Cardinality, Erd};
use std::collections::HashMap;
use std::fmt::Write;

const ROW: f64 = 18.0;
const HEAD: f64 = 24.0;
const CHAR: f64 = 7.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 24.0;
const PAD: f64 = 20.0;
const LABEL: f64 = 26.0;

struct Placed {
    x: f64,
    y: f64,
    w: f64,
    /// Row centre y of each attribute, by name.
    rows: HashMap<String, f64>,
}

pub fn render(erd: &Erd) -> String {
    let mut boxes: HashMap<&str, Placed> = HashMap::new();
    let mut body = String::new();
    let mut top = PAD;
    let mut width: f64 = 0.0;
    for g in &erd.groups {
        // Depth: 0 without a parent in this schema, else one more than its deepest parent.
        let names: Vec<&str> = g.entities.iter().map(|e| e.name.as_str()).collect();
        let mut depth: HashMap<&str, usize> = names.iter().map(|n| (*n, 0)).collect();
        for _ in 0..names.len() {
            for r in &erd.relations {
                if r.parent != r.child {
                    if let (Some(&p), Some(&c)) =
                        (depth.get(r.parent.as_str()), depth.get(r.child.as_str()))
                    {
                        // Bounded: a cycle of keys stops deepening at the number of tables.
                        if c < p + 1 && p + 1 < names.len() {
                            depth.insert(r.child.as_str(), p + 1);
                        }
                    }
                }
            }
        }
        let columns = depth.values().copied().max().unwrap_or(0) + 1;
        let widths: Vec<f64> = (0..columns)
            .map(|d| {
                g.entities
                    .iter()
                    .filter(|e| depth[e.name.as_str()] == d)
                    .map(box_width)
                    .fold(0.0, f64::max)
            })
            .collect();
        let mut x = PAD + PAD;
        let mut bottom = top + LABEL;
        let mut placed = Vec::new();
        for (d, w) in widths.iter().enumerate() {
            let mut y = top + LABEL + PAD / 2.0;
            for e in g.entities.iter().filter(|e| depth[e.name.as_str()] == d) {
                let h = HEAD + ROW * e.attributes.len() as f64;
                let rows = e
                    .attributes
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (a.name.clone(), y + HEAD + ROW * i as f64 + ROW / 2.0))
                    .collect();
                placed.push((e, x, y, *w));
                boxes.insert(&e.name, Placed { x, y, w: *w, rows });
                y += h + GAP_Y;
                bottom = bottom.max(y);
            }
            x += w + GAP_X;
        }
        let right = x - GAP_X + PAD;
        let _ = writeln!(
            body,
            "  <g class=\"schema\"><rect x=\"{PAD}\" y=\"{top}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"#f7f9fb\" stroke=\"#b8c4d0\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text></g>",
            right - PAD,
            bottom - top,
            PAD + 8.0,
            top + 17.0,
            xml(&g.schema)
        );
        for (e, x, y, w) in placed {
            let h = HEAD + ROW * e.attributes.len() as f64;
            let _ = writeln!(body, "  <g class=\"entity\" id=\"{}\">", xml(&e.name));
            let _ = writeln!(
                body,
                "    <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\" stroke=\"#50657a\"/>\n    <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{HEAD}\" fill=\"#dde6f0\" stroke=\"#50657a\"/>\n    <text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>",
                x + 8.0,
                y + 16.0,
                xml(&e.name)
            );
            for (i, a) in e.attributes.iter().enumerate() {
                let ty = y + HEAD + ROW * i as f64 + 13.0;
                let keys = keys(a.pk, a.fk, a.unique && !a.pk);
                let _ = writeln!(
                    body,
                    "    <text x=\"{}\" y=\"{ty}\"{}>{}{}</text><text x=\"{}\" y=\"{ty}\" fill=\"#50657a\" text-anchor=\"end\">{}{}</text>",
                    x + 8.0,
                    if a.pk { " text-decoration=\"underline\"" } else { "" },
                    xml(&a.name),
                    keys,
                    x + w - 8.0,
                    xml(&a.data_type),
                    if a.nullable { "?" } else { "" }
                );
            }
            body.push_str("  </g>\n");
        }
        width = width.max(right);
        top = bottom + PAD;
    }
    for r in &erd.relations {
        let (Some(c), Some(p)) = (boxes.get(r.child.as_str()), boxes.get(r.parent.as_str())) else {
            continue;
        };
        let cy = r
            .columns
            .first()
            .and_then(|n| c.rows.get(n))
            .copied()
            .unwrap_or(c.y + HEAD / 2.0);
        let py = r
            .ref_columns
            .first()
            .and_then(|n| p.rows.get(n))
            .copied()
            .unwrap_or(p.y + HEAD / 2.0);
        // Leave each box by the side facing the other; a table in the same column (or itself)
        // is reached around the right side.
        let (cx, cdir, px, pdir) = if p.x + p.w < c.x {
            (c.x, -1.0, p.x + p.w, 1.0)
        } else if c.x + c.w < p.x {
            (c.x + c.w, 1.0, p.x, -1.0)
        } else {
            (c.x + c.w, 1.0, p.x + p.w, 1.0)
        };
        let bend = ((px - cx).abs() / 2.0).max(40.0);
        let _ = writeln!(
            body,
            "  <g class=\"relation\" data-fk=\"{}\"><path d=\"M{cx},{cy} C{},{cy} {},{py} {px},{py}\" fill=\"none\" stroke=\"#50657a\"{}/>{}{}</g>",
            xml(&r.label),
            cx + cdir * bend,
            px + pdir * bend,
            if r.identifying { "" } else { " stroke-dasharray=\"5,3\"" },
            end(cx, cy, cdir, r.child_side),
            end(px, py, pdir, r.parent_side),
        );
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{body}</svg>\n",
        w = width + PAD,
        h = top,
    )
}

fn keys(pk: bool, fk: bool, uk: bool) -> String {
    let k: Vec<&str> = [(pk, "PK"), (fk, "FK"), (uk, "UK")]
        .into_iter()
        .filter_map(|(on, k)| on.then_some(k))
        .collect();
    if k.is_empty() {
        String::new()
    } else {
        format!(" ({})", k.join(", "))
    }
}

fn box_width(e: &super::Entity) -> f64 {
    let widest = e
        .attributes
        .iter()
        .map(|a| a.name.chars().count() + a.data_type.chars().count() + 14)
        .chain([e.name.chars().count() + 4])
        .max()
        .unwrap_or(10);
    (widest as f64 * CHAR + 16.0).max(140.0)
}

/// The crow's-foot glyph where a relation meets a box at (`x`, `y`), the line leaving in
/// direction `dir` (+1 right, -1 left).
fn end(x: f64, y: f64, dir: f64, card: Cardinality) -> String {
    let bar = |d: f64| {
        format!(
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#50657a\"/>",
            x + dir * d,
            y - 6.0,
            y + 6.0
        )
    };
    let circle = |d: f64| {
        format!(
            "<circle cx=\"{}\" cy=\"{y}\" r=\"4\" fill=\"#ffffff\" stroke=\"#50657a\"/>",
            x + dir * d
        )
    };
    match card {
        Cardinality::ExactlyOne => format!("{}{}", bar(6.0), bar(10.0)),
        Cardinality::ZeroOrOne => format!("{}{}", bar(6.0), circle(15.0)),
        Cardinality::ZeroOrMany => format!(
            "<path d=\"M{x},{} L{},{y} L{x},{}\" fill=\"none\" stroke=\"#50657a\"/>{}",
            y - 7.0,
            x + dir * 12.0,
            y + 7.0,
            circle(17.0)
        ),
    }
}

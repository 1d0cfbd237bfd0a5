//! Which column type changes keep every value (used to tell a safe change from a destructive one).

/// Whether every value of type `from` converts to `to` without loss or error. Type names are as
/// the Postgres catalog prints them (`format_type`) or as MySQL's `COLUMN_TYPE`.
pub fn lossless(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let (fb, fa) = split(from);
    let (tb, ta) = split(to);
    // Anything can be written as text.
    if matches!(tb.as_str(), "text" | "longtext" | "mediumtext") {
        return true;
    }
    if tb == "character varying" && ta.is_empty() {
        return true;
    }
    let rank = |t: &str| -> Option<u8> {
        Some(match t {
            "smallint" | "tinyint" => 1,
            "integer" | "int" | "mediumint" => 2,
            "bigint" => 3,
            _ => return None,
        })
    };
    if let (Some(a), Some(b)) = (rank(&fb), rank(&tb)) {
        return a <= b;
    }
    match (fb.as_str(), tb.as_str()) {
        (
            "character varying" | "varchar" | "character" | "char",
            "character varying" | "varchar",
        ) => num(&ta, 0) >= num(&fa, 0),
        ("smallint" | "integer" | "bigint", "numeric" | "decimal") => {
            ta.is_empty() || num(&ta, 0) >= 20
        }
        ("numeric" | "decimal", "numeric" | "decimal") => {
            ta.is_empty()
                || (num(&ta, 1) >= num(&fa, 1)
                    && num(&ta, 0) - num(&ta, 1) >= num(&fa, 0) - num(&fa, 1)
                    && !fa.is_empty())
        }
        ("real" | "float", "double precision" | "double") => true,
        ("timestamp without time zone", "timestamp with time zone") => true,
        _ => false,
    }
}

/// `character varying(20)` → (`character varying`, `20`); `numeric(10,2)` → (`numeric`, `10,2`).
fn split(t: &str) -> (String, String) {
    match t.split_once('(') {
        Some((base, rest)) => (
            base.trim().to_string(),
            rest.trim_end_matches([')', ' ']).to_string(),
        ),
        None => (t.trim().to_string(), String::new()),
    }
}

fn num(args: &str, i: usize) -> i64 {
    args.split(',')
        .nth(i)
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::lossless;

    #[test]
    fn widening_is_lossless_and_narrowing_is_not() {
        assert!(lossless("integer", "bigint"));
        assert!(!lossless("bigint", "integer"));
        assert!(lossless("character varying(10)", "character varying(20)"));
        assert!(!lossless("character varying(20)", "character varying(10)"));
        assert!(lossless("character varying(20)", "text"));
        assert!(lossless("integer", "text"));
        assert!(!lossless("text", "integer"));
        assert!(lossless("numeric(10,2)", "numeric(12,2)"));
        assert!(!lossless("numeric(10,2)", "numeric(10,1)"));
        assert!(lossless("numeric(10,2)", "numeric"));
        assert!(!lossless("numeric", "numeric(10,2)"));
        assert!(lossless(
            "timestamp without time zone",
            "timestamp with time zone"
        ));
    }
}

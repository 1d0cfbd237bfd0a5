//! Which column type changes keep every value (used to tell a safe change from a destructive one).

/// Whether every value of type `from` converts to `to` without loss or error. Type names are as
/// the Postgres catalog prints them (`format_type`) or as MySQL's `COLUMN_TYPE`.
pub fn lossless(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    // MySQL ENUM / SET: keeping every value keeps every row's value.
    if let (Some(a), Some(b)) = (members(from), members(to)) {
        return from.starts_with("enum") == to.starts_with("enum")
            && a.iter().all(|v| b.contains(v));
    }
    // MySQL `unsigned` integers: a signed value may be negative.
    let (from_unsigned, to_unsigned) = (from.ends_with(" unsigned"), to.ends_with(" unsigned"));
    let (fb, fa) = split(from.trim_end_matches(" unsigned"));
    let (tb, ta) = split(to.trim_end_matches(" unsigned"));
    // Anything can be written as text (MySQL's text types have sizes, though).
    let text_size = |t: &str| -> Option<u8> {
        Some(match t {
            "tinytext" => 0,
            "text" => 1,
            "mediumtext" => 2,
            "longtext" => 3,
            _ => return None,
        })
    };
    if matches!(tb.as_str(), "text" | "longtext" | "mediumtext") {
        return match (text_size(&fb), text_size(&tb)) {
            (Some(a), Some(b)) => a <= b,
            _ => true,
        };
    }
    if tb == "character varying" && ta.is_empty() {
        return true;
    }
    let rank = |t: &str| -> Option<u8> {
        Some(match t {
            "tinyint" => 0,
            "smallint" => 1,
            "mediumint" => 2,
            "integer" | "int" => 3,
            "bigint" => 4,
            _ => return None,
        })
    };
    if let (Some(a), Some(b)) = (rank(&fb), rank(&tb)) {
        return match (from_unsigned, to_unsigned) {
            (false, true) => false,
            (true, false) => a < b,
            _ => a <= b,
        };
    }
    if from_unsigned != to_unsigned {
        return false;
    }
    match (fb.as_str(), tb.as_str()) {
        (
            "character varying" | "varchar" | "character" | "char",
            "character varying" | "varchar",
        )
        | ("character" | "char", "character" | "char")
        | ("binary" | "varbinary", "varbinary")
        | ("binary", "binary") => num(&ta, 0) >= num(&fa, 0),
        ("tinyblob", "blob" | "mediumblob" | "longblob")
        | ("blob", "mediumblob" | "longblob")
        | ("mediumblob", "longblob") => true,
        // Fractional seconds: more digits keep every value.
        ("datetime", "datetime") | ("timestamp", "timestamp") | ("time", "time") => {
            num(&ta, 0) >= num(&fa, 0)
        }
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

/// The values of a MySQL `enum('a','b')` / `set('a','b')` type, quotes undone.
fn members(t: &str) -> Option<Vec<String>> {
    let inner = t
        .strip_prefix("enum(")
        .or_else(|| t.strip_prefix("set("))?
        .strip_suffix(')')?;
    let mut values = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut v = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                '\\' => {
                    if let Some(n) = chars.next() {
                        v.push(n);
                    }
                }
                c => v.push(c),
            }
        }
        values.push(v);
    }
    Some(values)
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

    #[test]
    fn mysql_types() {
        assert!(lossless("int", "bigint"));
        assert!(!lossless("bigint", "int"));
        assert!(!lossless("int", "mediumint"));
        assert!(lossless("tinyint", "smallint"));
        assert!(!lossless("smallint", "tinyint"));
        assert!(lossless("int unsigned", "bigint unsigned"));
        assert!(lossless("int unsigned", "bigint"));
        assert!(!lossless("int unsigned", "int"));
        assert!(!lossless("int", "int unsigned"));
        assert!(lossless("enum('a','b')", "enum('a','b','c')"));
        assert!(lossless("enum('a','b')", "enum('b','x','a')"));
        assert!(!lossless("enum('a','b')", "enum('a')"));
        assert!(!lossless("enum('a')", "set('a')"));
        assert!(lossless("set('it''s')", "set('it''s','x')"));
        assert!(lossless("varchar(10)", "varchar(20)"));
        assert!(lossless("datetime", "datetime(6)"));
        assert!(!lossless("datetime(6)", "datetime"));
        assert!(lossless("text", "longtext"));
        assert!(!lossless("longtext", "text"));
        assert!(lossless("decimal(10,2)", "decimal(12,2)"));
    }
}

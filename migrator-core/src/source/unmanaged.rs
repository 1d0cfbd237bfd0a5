//! A declared schema may only declare what migrator models: anything else (aggregates,
//! rules, system-versioned tables…) would be invisible to `plan`, `diff` and `drift`, so
//! the declared object would silently never exist. The scratch database's inventory of
//! [`Unmanaged`] objects finds them; the statement that declares each is located for the error.

use super::{DeclaredSchema, Ignore, SchemaFile, Unmodelled};
use crate::migrations::Statement;
use crate::schema::{Database, Unmanaged, UnmanagedKind};
use crate::{Error, Result};

/// Fails on the first unmanaged object of `db` (the declared schema as loaded), naming the file
/// and line of the statement that declares it and listing the others.
/// An unmanaged object and the name of its schema.
type Found<'a> = (&'a str, &'a Unmanaged);

/// Objects of a kind in `ignore` are passed over (and said once).
pub(super) fn refuse_unmanaged(
    declared: &DeclaredSchema,
    db: &Database,
    ignore: Ignore,
) -> Result<()> {
    let (passed, objects): (Vec<Found>, Vec<Found>) = db
        .schemas
        .iter()
        .flat_map(|s| s.unmanaged.iter().map(|u| (s.name.as_str(), u)))
        .partition(|(_, u)| ignore.contains(Unmodelled::of(u.kind)));
    if !passed.is_empty() {
        let names: Vec<String> = passed.iter().map(|&(s, u)| describe(s, u)).collect();
        tracing::warn!(
            "the declared schema's objects of kinds ignored by [schema] ignore are not compared: {}",
            names.join(", ")
        );
    }
    let Some(&(schema, first)) = objects.first() else {
        return Ok(());
    };
    let (file, line) = locate(declared, first)
        .map(|(f, s)| (f.name.clone(), s.line))
        .unwrap_or_else(|| {
            let f = declared.files.first();
            (f.map(|f| f.name.clone()).unwrap_or_default(), 1)
        });
    let others: Vec<String> = objects[1..]
        .iter()
        .map(|&(schema, u)| match locate(declared, u) {
            Some((f, s)) => format!("{} ({}:{})", describe(schema, u), f.name, s.line),
            None => describe(schema, u),
        })
        .collect();
    let more = match others.len() {
        0 => String::new(),
        n => format!("; {n} more: {}", others.join(", ")),
    };
    Err(Error::Syntax {
        file,
        line,
        message: format!(
            "declares {}, which migrator does not manage yet: plan, diff and drift would ignore it. Take it out of the declared schema and create it in a hand-written migration (`migrator new`), or pass over every object of the kind with `ignore = [\"{}\"]` under `[schema]` in migrator.toml{more}",
            describe(schema, first),
            Unmodelled::of(first.kind).name()
        ),
    })
}

fn describe(schema: &str, u: &Unmanaged) -> String {
    match &u.table {
        Some(t) => format!("{} {} on {schema}.{t}", u.kind, u.name),
        None => format!("{} {schema}.{}", u.kind, u.name),
    }
}

/// Words a declaring statement contains, by kind (lowercase, before the object's name).
fn keywords(kind: UnmanagedKind) -> &'static [&'static str] {
    match kind {
        UnmanagedKind::Aggregate => &["aggregate"],
        UnmanagedKind::Trigger => &["trigger"],
        UnmanagedKind::Policy => &["policy"],
        UnmanagedKind::Rule => &["rule"],
        UnmanagedKind::Type => &["type"],
        UnmanagedKind::ForeignTable => &["foreign table"],
        UnmanagedKind::Other => &["system versioning", "table"],
    }
}

/// The statement declaring `u`: the first one that contains its kind's keyword and its name as
/// a whole word (functions without their argument list).
fn locate<'a>(
    declared: &'a DeclaredSchema,
    u: &Unmanaged,
) -> Option<(&'a SchemaFile, &'a Statement)> {
    let name = u.name.split('(').next().unwrap_or(&u.name).to_lowercase();
    let statements = || {
        declared
            .files
            .iter()
            .flat_map(|f| f.statements.iter().map(move |s| (f, s)))
    };
    let has_word = |sql: &str, word: &str| {
        sql.match_indices(word).any(|(i, _)| {
            let before = sql[..i].chars().next_back();
            let after = sql[i + word.len()..].chars().next();
            let edge = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            edge(before) && edge(after)
        })
    };
    statements()
        .find(|(_, s)| {
            let sql = s.sql.to_lowercase();
            has_word(&sql, &name) && keywords(u.kind).iter().any(|k| has_word(&sql, k))
        })
        .or_else(|| statements().find(|(_, s)| has_word(&s.sql.to_lowercase(), &name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::split;
    use crate::schema::Schema;
    use crate::Dialect;

    fn declared(text: &str) -> DeclaredSchema {
        DeclaredSchema {
            files: vec![SchemaFile {
                name: "schema.sql".into(),
                statements: split("schema.sql", text, Dialect::Postgres).unwrap(),
            }],
            hints: Default::default(),
        }
    }

    fn with(objects: Vec<Unmanaged>) -> Database {
        let mut s = Schema::new("public");
        s.unmanaged = objects;
        let mut db = Database::new(Dialect::Postgres);
        db.schemas.push(s);
        db
    }

    #[test]
    fn names_the_line_of_the_declaring_statement() {
        let d = declared(
            "CREATE TABLE touch_log (id int);\n\nCREATE AGGREGATE total(integer) (sfunc = int4pl, stype = integer);\n\nCREATE POLICY touch_it ON touch_log\n  USING (true);\n",
        );
        let db = with(vec![
            Unmanaged {
                kind: UnmanagedKind::Policy,
                name: "touch_it".into(),
                table: Some("touch_log".into()),
            },
            Unmanaged {
                kind: UnmanagedKind::Aggregate,
                name: "total(integer)".into(),
                table: None,
            },
        ]);
        let err = refuse_unmanaged(&d, &db, Ignore::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("schema.sql:5"), "{err}");
        assert!(err.contains("policy touch_it on public.touch_log"), "{err}");
        assert!(
            err.contains("aggregate public.total(integer) (schema.sql:3)"),
            "{err}"
        );
        assert!(err.contains("migrator new"), "{err}");
        assert!(err.contains("ignore = [\"foreign-tables\"]"), "{err}");

        // Ignoring one kind leaves the other refused; ignoring both passes.
        let only_aggregates = Ignore::default().with(Unmodelled::Aggregates);
        let err = refuse_unmanaged(&d, &db, only_aggregates)
            .unwrap_err()
            .to_string();
        assert!(err.contains("schema.sql:5"), "{err}");
        assert!(!err.contains("aggregate"), "{err}");
        let both = only_aggregates.with(Unmodelled::ForeignTables);
        assert!(refuse_unmanaged(&d, &db, both).is_ok());
    }

    #[test]
    fn nothing_unmanaged_is_fine() {
        let d = declared("CREATE TABLE t (id int);\n");
        assert!(refuse_unmanaged(&d, &with(vec![]), Ignore::default()).is_ok());
    }
}

//! Drift: does the live database still match what the project says it should be?
//!
//! Checks, in order: (b) the directory against `migrator.sum`; (c) applied files edited since
//! they ran, history rows whose files are gone; (d) pending, out-of-order, partial and failed
//! migrations; (a) the live schema against the schema the applied migrations produce (replayed
//! in a scratch database) and, when a declared schema is given, against it. Any finding is drift
//! (exit 2 in the CLI); a clean database has none.

use crate::diff::{diff_unchecked, Change, Hints};
use crate::fleet::{FleetOptions, FleetReport};
use crate::migrations::Version;
use crate::render::render_all;
use crate::runner::State;
use crate::schema::Database;
use crate::source::{inspect_declared, inspect_replayed, inspect_replayed_up_to, Ignore};
use crate::{DatabaseUrl, Dialect, MigrationSet, Migrator, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One way the database or the directory drifted.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `integrity`, `edited`, `missing-file`, `pending`, `out-of-order`, `partial`, `failed`,
    /// `schema` (live vs migrations) or `declared` (live vs declared schema).
    pub kind: &'static str,
    /// The file it is about, when there is one.
    pub file: Option<String>,
    /// 1-based line in `file`, when known.
    pub line: Option<usize>,
    pub message: String,
    /// For schema drift: the SQL that would make the live database match.
    pub sql: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    pub database: String,
    pub findings: Vec<Finding>,
}

impl DriftReport {
    pub fn clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// GitHub Actions workflow commands, one annotation per finding.
    pub fn github(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let mut props = Vec::new();
            if let Some(file) = &f.file {
                props.push(format!("file={file}"));
            }
            if let Some(line) = f.line {
                props.push(format!("line={line}"));
            }
            props.push(format!("title=migrator drift: {}", f.kind));
            let mut msg = f.message.clone();
            if let Some(sql) = &f.sql {
                msg.push_str("\nto match: ");
                msg.push_str(sql);
            }
            // Workflow commands escape %, CR and LF in the message.
            let msg = msg
                .replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A");
            out.push_str(&format!("::error {}::{msg}\n", props.join(",")));
        }
        out
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.findings.is_empty() {
            return writeln!(f, "{}: no drift", self.database);
        }
        writeln!(
            f,
            "{}: {} drift finding(s)",
            self.database,
            self.findings.len()
        )?;
        for x in &self.findings {
            let place = match (&x.file, x.line) {
                (Some(file), Some(line)) => format!("{file}:{line}: "),
                (Some(file), None) => format!("{file}: "),
                _ => String::new(),
            };
            writeln!(f, "  [{}] {place}{}", x.kind, x.message)?;
            if let Some(sql) = &x.sql {
                for l in sql.lines() {
                    writeln!(f, "      {l}")?;
                }
            }
        }
        Ok(())
    }
}

/// A short description of a change, from the live database's point of view.
fn describe(c: &Change) -> String {
    let v = serde_json::to_value(c).unwrap_or_default();
    let kind = v["change"].as_str().unwrap_or("change").replace('_', " ");
    let schema = v["schema"].as_str().unwrap_or("");
    let object = v["table"]["name"]
        .as_str()
        .or(v["table"].as_str())
        .or(v["name"].as_str())
        .or(v["view"]["name"].as_str())
        .or(v["index"]["name"].as_str())
        .or(v["routine"]["name"].as_str())
        .or(v["trigger"]["table"].as_str())
        .or(v["policy"]["table"].as_str())
        .or(v["to"]["table"].as_str())
        .unwrap_or("");
    let detail = v["column"]["name"]
        .as_str()
        .or(v["column"].as_str())
        .or(v["index"]["name"].as_str())
        .or(v["key"]["name"].as_str())
        .or(v["check"]["name"].as_str())
        .or(v["unique"]["name"].as_str())
        .or(v["to"]["name"].as_str())
        .or(v["trigger"]["name"].as_str())
        .or(v["policy"]["name"].as_str())
        .unwrap_or("");
    let mut target = [schema, object]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(".");
    if !detail.is_empty() && detail != object {
        target.push_str(&format!(" ({detail})"));
    }
    format!("needs `{kind}` {target}").trim_end().to_string()
}

/// Objects migrator does not model yet (triggers, functions, policies, …) that one side has and
/// the other lacks: the diff cannot see them, so they are compared by kind, table and name.
fn unmanaged_findings(
    kind: &'static str,
    file: Option<String>,
    what: &str,
    live: &crate::schema::Database,
    expected: &crate::schema::Database,
) -> Vec<Finding> {
    use std::collections::BTreeSet;
    let objects = |db: &crate::schema::Database| -> BTreeSet<(String, crate::schema::UnmanagedKind, Option<String>, String)> {
        db.schemas
            .iter()
            .flat_map(|s| {
                s.unmanaged
                    .iter()
                    .map(|u| (s.name.clone(), u.kind, u.table.clone(), u.name.clone()))
            })
            .collect()
    };
    let (have, want) = (objects(live), objects(expected));
    let describe = |(schema, kind, table, name): &(
        String,
        crate::schema::UnmanagedKind,
        Option<String>,
        String,
    )| {
        match table {
            Some(t) => format!("{kind} {name} on {schema}.{t}"),
            None => format!("{kind} {schema}.{name}"),
        }
    };
    let extra = have.difference(&want).map(|o| {
        format!(
            "the live database has {}, which {what} does not (migrator does not manage this kind of object yet: drop it, or add it to the migrations by hand)",
            describe(o)
        )
    });
    let missing = want.difference(&have).map(|o| {
        format!(
            "the live database lacks {}, which {what} has (migrator does not manage this kind of object yet: create it by hand)",
            describe(o)
        )
    });
    extra
        .chain(missing)
        .map(|message| Finding {
            kind,
            file: file.clone(),
            line: None,
            message,
            sql: None,
        })
        .collect()
}

fn schema_findings(
    kind: &'static str,
    file: Option<String>,
    what: &str,
    changes: &[Change],
    live: &crate::schema::Database,
) -> Result<Vec<Finding>> {
    // The renderer reads the live model (MySQL picks algorithms from it).
    let r = crate::render::renderer_for(live)?;
    Ok(changes
        .iter()
        .map(|c| Finding {
            kind,
            file: file.clone(),
            line: None,
            message: format!("the live database differs from {what}: it {}", describe(c)),
            sql: Some(
                crate::render::script(&render_all(r.as_ref(), std::slice::from_ref(c)))
                    .trim_end()
                    .to_string(),
            ),
        })
        .collect())
}

/// Checks `url` against the migrations in `dir` and, optionally, the declared schema.
/// Scratch databases are created on `dev` (default: the server of `url`); the declared schema's
/// unmodelled objects of `ignore` kinds are passed over.
pub async fn drift(
    url: &DatabaseUrl,
    dir: &Path,
    declared: Option<&Path>,
    dev: Option<&DatabaseUrl>,
    ignore: Ignore,
) -> Result<DriftReport> {
    DriftCheck::new(dir, declared, dev.unwrap_or(url), ignore)?
        .check(url)
        .await
}

/// Every target of a fleet checked as [`drift`] does (all of them, whatever fails), at most
/// `parallel` at once. The scratch databases are made once for the fleet: the declared schema,
/// and what the migrations produce up to each version some target is at.
pub async fn drift_fleet(
    check: &DriftCheck<'_>,
    targets: &[DatabaseUrl],
    parallel: usize,
    on_result: &mut (dyn FnMut(&crate::fleet::TargetResult<DriftReport>) + Send),
) -> FleetReport<DriftReport> {
    let opts = FleetOptions {
        parallel,
        continue_on_error: true,
        ..FleetOptions::default()
    };
    crate::fleet::run::run(
        targets,
        &opts,
        &crate::StopFlag::default(),
        |url| async move {
            match check.check(&url).await {
                Ok(report) => (Some(report), Ok(())),
                Err(e) => (None, Err(e)),
            }
        },
        on_result,
    )
    .await
}

/// The project side of drift, read once for any number of targets: the directory (with its sum
/// problems), the declared schema and what the migrations produce, each loaded into a scratch
/// database on `dev` once and kept.
pub struct DriftCheck<'a> {
    dir: &'a Path,
    set: MigrationSet,
    declared: Option<&'a Path>,
    dev: DatabaseUrl,
    ignore: Ignore,
    /// What the migrations up to a version (`None`: none) produce.
    replayed: tokio::sync::Mutex<BTreeMap<Option<Version>, Database>>,
    declared_db: tokio::sync::OnceCell<Database>,
}

impl<'a> DriftCheck<'a> {
    pub fn new(
        dir: &'a Path,
        declared: Option<&'a Path>,
        dev: &DatabaseUrl,
        ignore: Ignore,
    ) -> Result<DriftCheck<'a>> {
        Ok(DriftCheck {
            dir,
            set: MigrationSet::load_dir(dir)?,
            declared,
            dev: dev.clone(),
            ignore,
            replayed: Default::default(),
            declared_db: Default::default(),
        })
    }

    /// What the migrations up to `last_applied` produce, replayed once per version.
    async fn replayed(&self, last_applied: Option<Version>) -> Result<Database> {
        // Held while replaying: a second target at the same version waits for this one.
        let mut cache = self.replayed.lock().await;
        if let Some(db) = cache.get(&last_applied) {
            return Ok(db.clone());
        }
        let db = match last_applied {
            Some(to) => inspect_replayed_up_to(&self.dev, &self.set, to).await?,
            // Nothing applied: an empty scratch database is what the migrations produce.
            None => {
                let nothing = MigrationSet {
                    migrations: Vec::new(),
                    ..self.set.clone()
                };
                inspect_replayed(&self.dev, &nothing).await?
            }
        };
        cache.insert(last_applied, db.clone());
        Ok(db)
    }

    async fn declared_db(&self, path: &Path) -> Result<Database> {
        self.declared_db
            .get_or_try_init(|| async {
                inspect_declared(&self.dev, path, self.ignore)
                    .await
                    .map(|(db, _)| db)
            })
            .await
            .cloned()
    }

    /// A scratch database's model as `url` would hold it: a MySQL scratch database carries the
    /// dev URL's database name, and a Postgres schema target holds in its schema what a
    /// scratch database holds in `public` (the schema itself, its comment and options, is
    /// made outside the migrations: taken from `live`).
    fn as_target(&self, mut db: Database, url: &DatabaseUrl, live: &Database) -> Database {
        match url.dialect() {
            Dialect::Mysql => db.rename_schema(
                &self.dev.database().unwrap_or_default(),
                &url.database().unwrap_or_default(),
            ),
            Dialect::Postgres => {
                if let Some(name) = url.schema() {
                    db.rename_schema("public", name);
                    let own = live.schemas.iter().find(|s| s.name == name);
                    if let Some(s) = db.schemas.iter_mut().find(|s| s.name == name) {
                        s.comment = own.and_then(|o| o.comment.clone());
                        s.options = own.map(|o| o.options.clone()).unwrap_or_default();
                    }
                }
            }
        }
        db
    }

    /// The findings for one target.
    pub async fn check(&self, url: &DatabaseUrl) -> Result<DriftReport> {
        let (dir, set) = (self.dir, &self.set);
        let dir_name = |f: &str| dir.join(f).display().to_string();
        let mut findings = Vec::new();
        for p in &set.integrity {
            findings.push(Finding {
                kind: "integrity",
                file: Some(dir_name(&p.file)),
                line: None,
                message: p.message.clone(),
                sql: None,
            });
        }
        let migrator = Migrator::new(set.clone());
        let status = migrator.status(url).await?;
        let mut last_applied = None;
        for e in &status.migrations {
            let file = e
                .file
                .clone()
                .unwrap_or_else(|| format!("{}_{}.up.sql", e.version, e.name));
            let (kind, message) = match e.state {
                State::Applied => {
                    last_applied = Some(e.version);
                    continue;
                }
                State::Edited => (
                    "edited",
                    format!(
                        "applied, but edited since (recorded {})",
                        e.history
                            .as_ref()
                            .map(|h| h.checksum_up.as_str())
                            .unwrap_or("?")
                    ),
                ),
                State::MissingFile => (
                    "missing-file",
                    "applied to the database, but the file is gone from the directory".to_string(),
                ),
                State::Pending | State::AwaitingContract => {
                    ("pending", format!("not applied yet ({})", e.state.as_str()))
                }
                State::OutOfOrder => (
                    "out-of-order",
                    "not applied, and older than the newest applied migration".to_string(),
                ),
                State::Partial | State::Failed | State::RollbackPartial => (
                    "partial",
                    format!(
                        "{}: {}",
                        e.state.as_str(),
                        e.history
                            .as_ref()
                            .and_then(|h| h.error.clone())
                            .unwrap_or_default()
                    ),
                ),
            };
            if matches!(e.state, State::Edited | State::MissingFile) {
                last_applied = Some(e.version);
            }
            findings.push(Finding {
                kind,
                file: Some(dir_name(&file)),
                line: None,
                message,
                sql: None,
            });
        }

        // A schema target: its own schema only (the other tenants share the database).
        let only: Vec<String> = url.schema().map(str::to_string).into_iter().collect();
        let live = crate::catalog::connect(url).await?.inspect(&only).await?;
        // (a) what the applied migrations produce, when the files can be trusted to replay.
        let replayable = set.integrity.is_empty()
            && !findings
                .iter()
                .any(|f| matches!(f.kind, "edited" | "missing-file"));
        if replayable {
            let expected = self.as_target(self.replayed(last_applied).await?, url, &live);
            let changes = diff_unchecked(&live, &expected, &Hints::default());
            let file = Some(dir.display().to_string());
            let what = "what its applied migrations produce";
            findings.extend(schema_findings(
                "schema",
                file.clone(),
                what,
                &changes,
                &live,
            )?);
            findings.extend(unmanaged_findings("schema", file, what, &live, &expected));
        }
        // The declared schema, when given.
        if let Some(path) = self.declared {
            let want = self.as_target(self.declared_db(path).await?, url, &live);
            let changes = diff_unchecked(&live, &want, &Hints::default());
            let file = Some(path.display().to_string());
            let what = "the declared schema";
            findings.extend(schema_findings(
                "declared",
                file.clone(),
                what,
                &changes,
                &live,
            )?);
            // No unmanaged objects here: a declared schema with any is refused (naming its
            // line), and those the migrations create by hand are compared in the "schema"
            // check above.
        }
        Ok(DriftReport {
            database: url.redacted(),
            findings,
        })
    }
}

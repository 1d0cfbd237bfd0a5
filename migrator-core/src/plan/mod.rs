//! Plan: a diff's [`Change`]s → backward-compatible [`Step`]s in three phases, written as
//! migration files.
//!
//! - **expand**: everything both application versions can live with (new tables, nullable
//!   columns, shadow columns with sync triggers, indexes built concurrently, constraints
//!   `NOT VALID`);
//! - **backfill**: batched updates (`-- migrator:backfill`), resumable;
//! - **contract**: what breaks the old version (drops, NOT NULL, validation, swaps), run with
//!   `apply --contract` once the new version is deployed.
//!
//! Every step knows its up and down SQL, its lock level and its hazards (pgroll-style), so
//! `plan` can print them and each file gets a working down file.
//!
//! - [`postgres`]: the Postgres recipes;
//! - [`mysql`]: the MySQL / MariaDB recipes;
//! - [`inverse`]: what undoes a plain change (the down of a plain step);
//! - [`files`]: grouping steps into migration files.

mod common;
pub mod files;
pub mod inverse;
pub mod mysql;
pub mod postgres;

use crate::diff::Change;
use crate::migrations::Phase;
use crate::render::SqlStatement;
use crate::schema::Database;
use crate::source::Hints;
use crate::{Dialect, Error, Result};
use serde::Serialize;

/// A backfill: one batched UPDATE of a table, keyed by a unique column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backfill {
    /// The table as SQL names it (quoted, Postgres schema-qualified), as the runner's
    /// `-- migrator:backfill table=` reads it.
    pub table: String,
    /// The key column, quoted.
    pub key: String,
    pub update: String,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub phase: Phase,
    /// What the step does, for people.
    pub summary: String,
    /// The strongest lock it takes and for how long.
    pub lock: String,
    /// What can go wrong or cost: rewrites, scans under lock, data loss…
    pub hazards: Vec<String>,
    pub up: Vec<SqlStatement>,
    /// Runs in reverse step order when the file is rolled back.
    pub down: Vec<SqlStatement>,
    /// The down cannot restore what the up removed (data).
    pub irreversible: bool,
    pub backfill: Option<Backfill>,
}

/// Options of `migrator plan`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Allow drops and lossy changes (only ever in contract).
    pub allow_destructive: bool,
    /// Rows per backfill batch written into the backfill directive.
    pub batch_size: u64,
}

/// Plans `changes` (from `from` to `to`) for `dialect`.
pub fn plan(
    dialect: Dialect,
    changes: &[Change],
    from: &Database,
    to: &Database,
    hints: &Hints,
    opts: PlanOptions,
) -> Result<Vec<Step>> {
    if !opts.allow_destructive {
        let losses: Vec<String> = changes.iter().filter_map(Change::data_loss).collect();
        if !losses.is_empty() {
            return Err(Error::Refused(format!(
                "the plan would lose data:\n  - {}\nRe-run with --allow-destructive (the drops are planned in the contract phase), or add a `-- migrator:renamed-from` hint if something was renamed",
                losses.join("\n  - ")
            )));
        }
    }
    match dialect {
        Dialect::Postgres => postgres::plan(changes, from, to, hints, opts),
        Dialect::Mysql => mysql::plan(changes, from, to, hints, opts),
    }
}

/// What `migrator plan` did.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub steps: Vec<Step>,
    pub files: Vec<files::PlannedFile>,
    /// False with `--dry-run`.
    pub written: bool,
}

impl std::fmt::Display for PlanReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.steps.is_empty() {
            return writeln!(
                f,
                "no changes: the migrations directory already produces the declared schema"
            );
        }
        for file in &self.files {
            writeln!(
                f,
                "{} {}_{}.up.sql{}{}",
                if self.written { "wrote" } else { "would write" },
                file.version,
                file.name,
                if file.no_transaction {
                    " (no transaction)"
                } else {
                    ""
                },
                if file.backfill.is_some() {
                    " (batched backfill)"
                } else {
                    ""
                }
            )?;
            for &i in &file.steps {
                let s = &self.steps[i];
                writeln!(f, "  [{}] {}  (lock: {})", s.phase, s.summary, s.lock)?;
                for h in &s.hazards {
                    writeln!(f, "      hazard: {h}")?;
                }
                if s.irreversible {
                    writeln!(f, "      its rollback cannot restore lost data")?;
                }
            }
        }
        if self.files.iter().any(|x| x.phase == Phase::Contract) {
            writeln!(f, "next: `migrator apply` runs expand and backfill; deploy the new application version; then `migrator apply --contract`")?;
        }
        Ok(())
    }
}

/// `migrator plan`: diffs the schema the migrations directory produces (replayed in a scratch
/// database on `dev`) against the declared schema, plans the steps and writes the files.
pub async fn plan_directory(
    dir: &std::path::Path,
    schema: &std::path::Path,
    dev: &crate::DatabaseUrl,
    name: &str,
    opts: PlanOptions,
    dry_run: bool,
) -> Result<PlanReport> {
    let set = crate::MigrationSet::load_dir(dir)?;
    set.check_integrity()?;
    let from = crate::source::inspect_replayed(dev, &set).await?;
    let (to, hints) = crate::source::inspect_declared(dev, schema).await?;
    let changes = crate::diff::diff_unchecked(&from, &to, &hints);
    let steps = plan(dev.dialect(), &changes, &from, &to, &hints, opts)?;
    if steps.is_empty() {
        return Ok(PlanReport {
            steps,
            files: vec![],
            written: false,
        });
    }
    let now: u64 = chrono::Utc::now()
        .format("%Y%m%d%H%M%S")
        .to_string()
        .parse()
        .expect("digits");
    let base = match set.last_version() {
        Some(v) if v.0 >= now => crate::migrations::Version(v.0 + 1),
        _ => crate::migrations::Version(now),
    };
    let tool = format!("migrator {}", crate::TOOL_VERSION);
    let files = files::group(&steps, base, name, opts.batch_size.max(1), &tool);
    if !dry_run {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for f in &files {
            for (ext, text) in [("up", &f.up), ("down", &f.down)] {
                let path = dir.join(format!("{}_{}.{ext}.sql", f.version, f.name));
                std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
            }
        }
        crate::migrations::rehash(dir)?;
    }
    Ok(PlanReport {
        steps,
        files,
        written: !dry_run,
    })
}

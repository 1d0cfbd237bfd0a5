//! `migrator plan`: the migrations directory replayed, the declared schema loaded, both diffed,
//! the changes planned and written as migration files.

use crate::migrations::Phase;
use crate::plan::{files, plan, PlanOptions, Step};
use crate::{Error, Result};
use serde::Serialize;

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

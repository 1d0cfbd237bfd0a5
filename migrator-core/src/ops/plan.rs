//! `migrator plan`: the migrations directory replayed, the declared schema loaded, both diffed,
//! the changes planned and written as migration files.

use crate::migrations::Phase;
use crate::plan::{files, plan, PlanOptions, Step};
use crate::rehearse::{PlanUnderTest, RehearsalReport, RehearseOptions};
use crate::{Error, Result};
use serde::Serialize;

/// What `migrator plan` did.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub steps: Vec<Step>,
    pub files: Vec<files::PlannedFile>,
    /// False with `--dry-run`.
    pub written: bool,
    /// What the rehearsal did; `None` when it was skipped (`--no-rehearse`) or there was
    /// nothing to plan.
    pub rehearsal: Option<RehearsalReport>,
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
        match &self.rehearsal {
            Some(r) => write!(f, "{r}")?,
            None => writeln!(
                f,
                "not rehearsed (--no-rehearse): the files were not run on a scratch database — no sample rows, no expand / backfill / contract / rollback run, no old- or new-application probe, no comparison with the declared schema, no lint"
            )?,
        }
        if self.files.iter().any(|x| x.phase == Phase::Contract) {
            writeln!(f, "next: `migrator apply` runs expand and backfill; deploy the new application version; then `migrator apply --contract`")?;
        }
        Ok(())
    }
}

/// A computed plan, before anything is written: the sources it came from, its steps and the
/// files it would write. [`prepare_plan`] makes one; [`PlanDraft::rehearse`] proves it in a
/// scratch database; [`PlanDraft::write`] writes its files.
#[derive(Debug, Clone)]
pub struct PlanDraft {
    pub dir: std::path::PathBuf,
    /// The migrations directory as loaded.
    pub set: crate::MigrationSet,
    /// The schema the directory produces.
    pub from: crate::schema::Database,
    /// The declared schema.
    pub to: crate::schema::Database,
    pub hints: crate::diff::Hints,
    pub changes: Vec<crate::diff::Change>,
    pub steps: Vec<Step>,
    pub files: Vec<files::PlannedFile>,
}

impl PlanDraft {
    /// What [`crate::rehearse::rehearse`] reads.
    pub fn under_test(&self) -> PlanUnderTest<'_> {
        PlanUnderTest {
            dir: &self.dir,
            set: &self.set,
            from: &self.from,
            to: &self.to,
            changes: &self.changes,
            steps: &self.steps,
            files: &self.files,
        }
    }

    /// Rehearses the plan in a scratch database on `dev` (see [`crate::rehearse`]).
    pub async fn rehearse(
        &self,
        dev: &crate::DatabaseUrl,
        opts: &RehearseOptions,
    ) -> Result<RehearsalReport> {
        crate::rehearse::rehearse(dev, &self.under_test(), opts).await
    }

    /// Writes the files into the migrations directory and rehashes `migrator.sum`.
    pub fn write(&self) -> Result<()> {
        let dir = &self.dir;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for f in &self.files {
            for (ext, text) in [("up", &f.up), ("down", &f.down)] {
                let path = dir.join(format!("{}_{}.{ext}.sql", f.version, f.name));
                std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
            }
        }
        crate::migrations::rehash(dir)?;
        Ok(())
    }
}

/// Diffs the schema the migrations directory produces (replayed in a scratch database on `dev`)
/// against the declared schema and plans the steps and files, writing nothing.
pub async fn prepare_plan(
    dir: &std::path::Path,
    schema: &std::path::Path,
    dev: &crate::DatabaseUrl,
    name: &str,
    opts: PlanOptions,
) -> Result<PlanDraft> {
    // Checked first: the files are named after it, and a bad name would be written.
    crate::migrations::validate_name(name).map_err(|message| Error::Config {
        file: "plan name".into(),
        message,
    })?;
    let set = crate::MigrationSet::load_dir(dir)?;
    set.check_integrity()?;
    let from = crate::source::inspect_replayed(dev, &set).await?;
    let (to, hints) = crate::source::inspect_declared(dev, schema, opts.ignore).await?;
    let changes = crate::diff::diff_unchecked(&from, &to, &hints);
    let steps = plan(dev.dialect(), &changes, &from, &to, &hints, opts)?;
    let files = if steps.is_empty() {
        Vec::new()
    } else {
        let base = crate::migrations::Version::next_after(set.last_version());
        let tool = format!("migrator {}", crate::TOOL_VERSION);
        files::group(
            &steps,
            base,
            name,
            opts.batch_size.max(1),
            &tool,
            dev.dialect(),
        )
    };
    Ok(PlanDraft {
        dir: dir.to_path_buf(),
        set,
        from,
        to,
        hints,
        changes,
        steps,
        files,
    })
}

/// `migrator plan`: diffs the schema the migrations directory produces (replayed in a scratch
/// database on `dev`) against the declared schema, plans the steps, rehearses them (unless
/// `rehearse` is `None`: `--no-rehearse`) and writes the files (unless `dry_run`). A plan that
/// fails its rehearsal is [`Error::Rehearsal`], and nothing is written.
pub async fn plan_directory(
    dir: &std::path::Path,
    schema: &std::path::Path,
    dev: &crate::DatabaseUrl,
    name: &str,
    opts: PlanOptions,
    dry_run: bool,
    rehearse: Option<&RehearseOptions>,
) -> Result<PlanReport> {
    let draft = prepare_plan(dir, schema, dev, name, opts).await?;
    if draft.steps.is_empty() {
        return Ok(PlanReport {
            steps: draft.steps,
            files: vec![],
            written: false,
            rehearsal: None,
        });
    }
    let rehearsal = match rehearse {
        Some(o) => Some(draft.rehearse(dev, o).await?),
        None => None,
    };
    if !dry_run {
        draft.write()?;
    }
    Ok(PlanReport {
        steps: draft.steps,
        files: draft.files,
        written: !dry_run,
        rehearsal,
    })
}

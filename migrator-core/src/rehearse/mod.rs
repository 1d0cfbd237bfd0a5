//! Rehearsal: a plan is proven before it is written.
//!
//! `migrator plan` computes its steps and files, then [`rehearse`] runs them in a scratch
//! database on the dev server, the way production will meet them:
//!
//! 1. the migrations directory is replayed (as for the diff), and **sample rows** go into every
//!    table the plan touches, their foreign-key parents and their direct children
//!    ([`sample`]: values from column types, defaults, enum values, CHECK literals, keys; parents
//!    first; rows the server refuses are skipped and counted);
//! 2. **expand and backfill** run exactly as `migrator apply` runs them: the planned files are
//!    written into a temporary copy of the migrations directory (the same bytes `plan` would
//!    write, `migrator.sum` rehashed) and the same runner ([`Migrator::apply_with`], contract
//!    excluded) applies them one file at a time;
//! 3. an **old-application probe** (old names, none of the new columns) and a
//!    **new-application probe** (new names, none of the dropped columns) INSERT and UPDATE a
//!    row in each touched table, and each row is read back through both shapes ([`probe`]);
//! 4. **contract** runs; the catalog must then equal the declared schema (the comparison
//!    `drift` makes) with none of migrator's own objects (sync triggers, temporary checks,
//!    shadow columns) left behind, and the new-application probe must still write;
//! 5. everything is **rolled back**, contract first ([`Migrator::rollback`] to the last version
//!    before the plan, irreversible downs forced); the catalog must equal the one before step 2
//!    and every probe row must still be there, as far as the old shape can hold it.
//!
//! The planned files are also **linted** together with the directory, as `migrator lint` would;
//! error-level findings fail the rehearsal. Any failure names the stage, the planned step and
//! file, the statement, the server's message and the probe, with a hint; `plan` then writes
//! nothing.
//!
//! A probe the generator cannot make work (a CHECK it cannot satisfy, a type it does not know)
//! is not blamed on the plan: the old-application probe is first written before expand
//! (calibration), and a new-application probe that fails on the declared schema itself (after a
//! clean contract) is only noted.

mod events;
mod partition;
mod probe;
mod report;
mod sample;
mod session;

pub use report::Probe;
pub use report::{Failure, FileRun, LintOutcome, ProbeRun, RehearsalReport, Stage, StageTime};
pub use sample::TableRows;

use crate::diff::{diff_unchecked, Change, Hints};
use crate::lint::{LintOptions, Linter, Severity};
use crate::migrations::{Phase, Version};
use crate::plan::files::PlannedFile;
use crate::plan::Step;
use crate::render::SqlStatement;
use crate::runner::{ApplyOptions, RollbackTarget};
use crate::schema::Database;
use crate::source::{inspect_live, Scratch};
use crate::{DatabaseUrl, Error, MigrationSet, Migrator, Result, Settings};
use probe::Shapes;
use sample::{parents_first, values_for, Other, Values};
use session::Session;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tracing::Instrument;

/// Sample rows per table when not told otherwise.
pub const DEFAULT_ROWS: u64 = 200;

/// How to rehearse.
#[derive(Debug, Clone)]
pub struct RehearseOptions {
    /// Sample rows per table.
    pub rows: u64,
    /// Where the sample rows start: row `k` (1-based) of a table is made from index
    /// `sample_offset + k` (see [`sample`]), so another offset gives other values, other
    /// NULL and DEFAULT positions. `0` when not told otherwise.
    pub sample_offset: u64,
    /// The lint rules to apply (as `migrator lint` would, e.g. with `[lint]` of
    /// `migrator.toml`); `None`: the defaults for the dev server's dialect.
    pub lint: Option<LintOptions>,
    /// Runner settings for the scratch database (lock timeout, backfill batch size…). The
    /// progress bar is never drawn.
    pub settings: Settings,
}

impl Default for RehearseOptions {
    fn default() -> Self {
        RehearseOptions {
            rows: DEFAULT_ROWS,
            sample_offset: 0,
            lint: None,
            settings: Settings::default(),
        }
    }
}

/// A computed plan, not written yet: what [`rehearse`] needs to know about it.
#[derive(Debug, Clone, Copy)]
pub struct PlanUnderTest<'a> {
    /// The migrations directory the plan extends.
    pub dir: &'a Path,
    /// Its migrations, as loaded (and integrity-checked) for the plan.
    pub set: &'a MigrationSet,
    /// The schema the directory produces (replayed).
    pub from: &'a Database,
    /// The declared schema.
    pub to: &'a Database,
    pub changes: &'a [Change],
    pub steps: &'a [Step],
    /// The files `plan` would write.
    pub files: &'a [PlannedFile],
}

/// Rehearses `plan` in a scratch database on `dev` (created and dropped here). `Ok` with the
/// report when it passed; [`Error::Rehearsal`] with the report when it found a problem; any
/// other error when it could not run (no server, no right to create a database…).
pub async fn rehearse(
    dev: &DatabaseUrl,
    plan: &PlanUnderTest<'_>,
    opts: &RehearseOptions,
) -> Result<RehearsalReport> {
    let started = Instant::now();
    let mut settings = opts.settings.clone();
    settings.progress_bar = false;
    let mut r = Rehearsal {
        dev,
        plan,
        rows: opts.rows,
        offset: opts.sample_offset,
        settings,
        shapes: Shapes::new(plan.from, plan.to, plan.changes),
        values: values_for(dev.dialect()),
        report: RehearsalReport {
            rows_per_table: opts.rows,
            ..Default::default()
        },
        kept: Vec::new(),
    };
    let copy = TempCopy::new(plan.dir, plan.files)?;
    let result = async {
        let set = MigrationSet::load_dir(copy.path())?;
        set.check_integrity()?;
        let t = Instant::now();
        r.lint(copy.path(), opts)?;
        r.time(Stage::Lint, t);
        let scratch = Scratch::create(dev).await?;
        let name = scratch.name().to_string();
        let run = r
            .run(&scratch, &set)
            .instrument(tracing::info_span!("scratch"))
            .await;
        if let Err(e) = scratch.drop().await {
            tracing::warn!("could not drop scratch database {name}: {e}");
        }
        run
    }
    .await;
    drop(copy);
    result?;
    let mut report = r.report;
    report.millis = started.elapsed().as_millis() as u64;
    report.passed = report.failures.is_empty();
    if report.passed {
        Ok(report)
    } else {
        Err(Error::Rehearsal(Box::new(report)))
    }
}

/// Fills the database `url` names, which must hold the schema `plan.from` (the migrations
/// directory applied), with the sample rows a rehearsal of `plan` with `opts` writes in its
/// scratch database: the same tables, the same rows, in the same order. For tests and
/// tooling that apply a rehearsed plan to a second database holding the rehearsal's data.
pub async fn fill_sample(
    url: &DatabaseUrl,
    plan: &PlanUnderTest<'_>,
    opts: &RehearseOptions,
) -> Result<Vec<TableRows>> {
    let mut r = Rehearsal {
        dev: url,
        plan,
        rows: opts.rows,
        offset: opts.sample_offset,
        settings: opts.settings.clone(),
        shapes: Shapes::new(plan.from, plan.to, plan.changes),
        values: values_for(url.dialect()),
        report: RehearsalReport::default(),
        kept: Vec::new(),
    };
    let mut session = session::connect(url).await?;
    let (old, new) = r.touched();
    let scope = r.sample_scope(&old, &new);
    r.sample(session.as_mut(), &scope).await;
    session.close().await;
    Ok(r.report.tables)
}

/// `(schema, table)` pairs.
type Tables = BTreeSet<(String, String)>;

/// When a probe runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    BeforeExpand,
    AfterExpand,
    AfterContract,
}

impl When {
    fn text(self) -> &'static str {
        match self {
            When::BeforeExpand => "before expand",
            When::AfterExpand => "after expand",
            When::AfterContract => "after contract",
        }
    }

    /// The first row index of the probe, clear of every sample row (`end`: the last sample
    /// row's index).
    fn index(self, probe: Probe, end: u64) -> u64 {
        let slot = match (self, probe) {
            (When::BeforeExpand, _) => 0,
            (When::AfterExpand, Probe::OldApp) => 1,
            (When::AfterExpand, Probe::NewApp) => 2,
            (When::AfterContract, _) => 3,
        };
        end + 1000 + 10 * slot
    }
}

/// A probe row to find again after rollback, in the old shape.
struct Kept {
    who: String,
    schema: String,
    table: String,
    locator: Vec<(String, String)>,
    /// Old column → the text it must read.
    expected: BTreeMap<String, Option<String>>,
}

struct Rehearsal<'a> {
    dev: &'a DatabaseUrl,
    plan: &'a PlanUnderTest<'a>,
    rows: u64,
    /// [`RehearseOptions::sample_offset`].
    offset: u64,
    settings: Settings,
    shapes: Shapes<'a>,
    values: &'static dyn Values,
    report: RehearsalReport,
    kept: Vec<Kept>,
}

/// A probe failure, before deciding whose fault it is.
struct ProbeFault {
    table: String,
    failure: Failure,
}

impl<'a> Rehearsal<'a> {
    fn time(&mut self, stage: Stage, since: Instant) {
        self.report.stages.push(StageTime {
            stage,
            millis: since.elapsed().as_millis() as u64,
        });
    }

    fn fail(&mut self, failure: Failure) {
        self.report.failures.push(failure);
    }

    fn note(&mut self, note: String) {
        self.report.notes.push(note);
    }

    // ---------------------------------------------------------------- lint

    fn lint(&mut self, dir: &Path, opts: &RehearseOptions) -> Result<()> {
        let dialect = self.dev.dialect();
        let options = opts
            .lint
            .clone()
            .unwrap_or_else(|| LintOptions::new(dialect));
        let report = Linter::new(options).lint_dir(dir)?;
        let mine: BTreeMap<String, (&PlannedFile, bool)> = self
            .plan
            .files
            .iter()
            .flat_map(|f| {
                [
                    (format!("{}_{}.up.sql", f.version, f.name), (f, false)),
                    (format!("{}_{}.down.sql", f.version, f.name), (f, true)),
                ]
            })
            .collect();
        for mut finding in report.findings {
            let name = Path::new(&finding.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(&(file, down)) = mine.get(&name) else {
                continue;
            };
            finding.file = name.clone();
            match finding.severity {
                Severity::Error => {
                    self.report.lint.errors += 1;
                    let text = if down { &file.down } else { &file.up };
                    let index = crate::migrations::split(&name, text, dialect)
                        .ok()
                        .and_then(|s| s.iter().rposition(|st| st.line <= finding.line))
                        .map(|k| k + 1);
                    let located = index.and_then(|k| self.statement_of(file, k, down));
                    self.report.failures.push(Failure {
                        server: false,
                        stage: Stage::Lint,
                        step: located.map(|(s, _)| s.summary.clone()),
                        file: Some(format!("{name}:{}", finding.line)),
                        statement: located.map(|(_, st)| st.sql.clone()),
                        message: format!("{}: {}", finding.rule, finding.message),
                        probe: None,
                        hint: format!(
                            "{} (`migrator lint --explain {}`). `plan` should not write what `lint` refuses: write this change by hand, or switch the rule off in migrator.toml if it does not apply to you",
                            finding.help, finding.rule
                        ),
                    });
                }
                Severity::Warning => self.report.lint.warnings += 1,
            }
            self.report.lint.findings.push(finding);
        }
        Ok(())
    }

    // ---------------------------------------------------------------- attribution

    /// The step and statement behind statement `index` (1-based) of `file`'s up or down file.
    fn statement_of(
        &self,
        file: &PlannedFile,
        index: usize,
        down: bool,
    ) -> Option<(&'a Step, &'a SqlStatement)> {
        let steps = self.plan.steps;
        let order: Vec<usize> = if down {
            file.steps.iter().rev().copied().collect()
        } else {
            file.steps.clone()
        };
        let mut k = index;
        for s in order {
            let stmts = if down { &steps[s].down } else { &steps[s].up };
            if k >= 1 && k <= stmts.len() {
                return Some((&steps[s], &stmts[k - 1]));
            }
            k = k.checked_sub(stmts.len())?;
        }
        None
    }

    fn file_name(f: &PlannedFile, down: bool) -> String {
        format!(
            "{}_{}.{}.sql",
            f.version,
            f.name,
            if down { "down" } else { "up" }
        )
    }

    /// The expand and backfill steps whose SQL names one of `tables` (as SQL spells it), and
    /// their files.
    fn steps_on(&self, tables: &[String]) -> (Option<String>, Option<String>) {
        let mut summaries = Vec::new();
        let mut files = BTreeSet::new();
        for f in self.plan.files.iter().filter(|f| f.phase == Phase::Expand) {
            for &s in &f.steps {
                let step = &self.plan.steps[s];
                if step
                    .up
                    .iter()
                    .any(|st| tables.iter().any(|t| st.sql.contains(t.as_str())))
                {
                    summaries.push(step.summary.clone());
                    files.insert(Self::file_name(f, false));
                }
            }
        }
        let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join("; "));
        (join(summaries), join(files.into_iter().collect()))
    }

    /// A failure of running planned file `f` (up, or down when rolling back).
    fn run_failure(&self, stage: Stage, f: Option<&PlannedFile>, e: &Error, down: bool) -> Failure {
        let text = match e {
            Error::Statement { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let hint = data_hint(stage, &text).unwrap_or(match stage {
            Stage::Expand => "expand failed on the schema the migrations directory produces, filled with sample rows: check the `-- migrator:` hints of the declared schema (a backfill or using expression must be valid SQL over the table's columns); if the planner got it wrong, write this migration by hand (`migrator new`)",
            Stage::Backfill => "the backfill failed on sample rows: its `-- migrator:backfill` expression must be valid SQL over the table's existing columns and give every existing row a value the column accepts",
            Stage::Contract => "contract failed on rows the old schema allows (NULLs, values outside a new CHECK, duplicates for a new unique key, rows without a parent for a new foreign key): fill or fix such rows first (a `-- migrator:backfill` hint fills NULLs), or if production cannot hold them, re-run with --no-rehearse",
            _ => "the down files do not undo the plan on rehearsed data: a rollback in production would fail here",
        });
        match e {
            Error::Statement {
                file,
                index,
                message,
                excerpt,
                ..
            } => {
                let planned = self
                    .plan
                    .files
                    .iter()
                    .find(|p| Self::file_name(p, down) == *file)
                    .or(f);
                let located = planned.and_then(|p| self.statement_of(p, *index, down));
                Failure {
                    server: true,
                    stage,
                    step: located.map(|(s, _)| s.summary.clone()),
                    file: Some(file.clone()),
                    statement: Some(
                        located
                            .map(|(_, st)| st.sql.clone())
                            .unwrap_or_else(|| excerpt.clone()),
                    ),
                    message: message.clone(),
                    probe: None,
                    hint: hint.into(),
                }
            }
            other => Failure {
                server: true,
                stage,
                step: f.map(|p| {
                    p.steps
                        .iter()
                        .map(|&s| self.plan.steps[s].summary.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
                file: f.map(|p| Self::file_name(p, down)),
                statement: None,
                message: other.to_string(),
                probe: None,
                hint: hint.into(),
            },
        }
    }

    // ---------------------------------------------------------------- scope

    /// The tables the changes name, as `(old shape, new shape)` sets of `(schema, table)`.
    fn touched(&self) -> (Tables, Tables) {
        let (from, to) = (self.plan.from, self.plan.to);
        let mut old = BTreeSet::new();
        let mut new = BTreeSet::new();
        for c in self.plan.changes {
            for (s, t) in change_tables(c) {
                if from.table(&s, &t).is_some() {
                    old.insert((s.clone(), t.clone()));
                    if let Some(n) = self.shapes.new_table(&s, &t) {
                        new.insert((s.clone(), n));
                    }
                }
                if to.table(&s, &t).is_some() {
                    new.insert((s.clone(), t.clone()));
                    if let Some(o) = self.shapes.old_table(&s, &t) {
                        old.insert((s.clone(), o));
                    }
                }
            }
        }
        (old, new)
    }

    /// Where sample rows go: the touched tables, the parents of touched and new tables, the
    /// direct children of touched tables, and all their parents (old shape names).
    fn sample_scope(
        &self,
        old: &BTreeSet<(String, String)>,
        new: &BTreeSet<(String, String)>,
    ) -> BTreeSet<(String, String)> {
        let from = self.plan.from;
        let mut scope = old.clone();
        for (s, t) in new {
            let Some(table) = self.plan.to.table(s, t) else {
                continue;
            };
            for f in &table.foreign_keys {
                if let Some(o) = self.shapes.old_table(&f.ref_schema, &f.ref_table) {
                    scope.insert((f.ref_schema.clone(), o));
                }
            }
        }
        for schema in &from.schemas {
            for t in &schema.tables {
                if t.foreign_keys
                    .iter()
                    .any(|f| old.contains(&(f.ref_schema.clone(), f.ref_table.clone())))
                {
                    scope.insert((schema.name.clone(), t.name.clone()));
                }
            }
        }
        loop {
            let mut more = Vec::new();
            for (s, t) in &scope {
                for f in from
                    .table(s, t)
                    .map(|t| t.foreign_keys.as_slice())
                    .unwrap_or(&[])
                {
                    let p = (f.ref_schema.clone(), f.ref_table.clone());
                    if from.table(&p.0, &p.1).is_some() && !scope.contains(&p) {
                        more.push(p);
                    }
                }
            }
            if more.is_empty() {
                break;
            }
            scope.extend(more);
        }
        scope
    }

    /// Tables the plan drops (their rows cannot come back), old names; and the partitioned
    /// tables whose partitions it drops or adds (rows in those partitions go with them, on
    /// contract or on rollback).
    fn dropped_tables(&self) -> BTreeSet<(String, String)> {
        let mut out: BTreeSet<(String, String)> = self
            .plan
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::DropTable { schema, name } => Some((schema.clone(), name.clone())),
                _ => None,
            })
            .collect();
        out.extend(partition::parents_losing_rows(
            self.plan.changes,
            self.plan.from,
            self.plan.to,
        ));
        out
    }

    /// Columns the plan drops: `(schema, table, column)`, the table under either name.
    fn dropped_columns(&self) -> BTreeSet<(String, String, String)> {
        let mut out = BTreeSet::new();
        for c in self.plan.changes {
            if let Change::DropColumn {
                schema,
                table,
                column,
            } = c
            {
                out.insert((schema.clone(), table.clone(), column.clone()));
                if let Some(o) = self.shapes.old_table(schema, table) {
                    out.insert((schema.clone(), o, column.clone()));
                }
            }
        }
        out
    }

    // ---------------------------------------------------------------- the run

    async fn inspect(&self, scratch: &Scratch) -> Result<Database> {
        let mut db = inspect_live(&scratch.url).await?;
        if self.dev.dialect().database_is_schema() {
            db.rename_schema(scratch.name(), &self.dev.database().unwrap_or_default());
        }
        Ok(events::status_aside(db))
    }

    async fn own_objects(&self, session: &mut dyn Session) -> Result<Vec<String>> {
        let sql = session.own_objects();
        let rows = session
            .query(sql)
            .await
            .map_err(|m| Error::db("listing migrator's own objects", m))?;
        // The runner's bookkeeping (history, backfill progress, lock holder) is not the plan's.
        let bookkeeping = [
            crate::runner::history::HISTORY_TABLE,
            "migrator_backfill",
            "migrator_lock_holder",
        ];
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .filter(|o| {
                let object = o.split_once(' ').map_or(o.as_str(), |(_, x)| x);
                let table = object.split('.').next().unwrap_or(object);
                !bookkeeping.iter().any(|b| table.starts_with(b))
            })
            .collect())
    }

    async fn run(&mut self, scratch: &Scratch, set: &MigrationSet) -> Result<()> {
        let t = Instant::now();
        Migrator::new(self.plan.set.clone())
            .with_settings(self.settings.clone())
            .apply_with(
                &scratch.url,
                &ApplyOptions {
                    to: None,
                    contract: true,
                },
            )
            .await?;
        self.time(Stage::Replay, t);
        let mut session = session::connect(&scratch.url).await?;
        let result = self.stages(session.as_mut(), scratch, set).await;
        session.close().await;
        result
    }

    async fn apply_file(
        &mut self,
        url: &DatabaseUrl,
        set: &MigrationSet,
        f: &PlannedFile,
    ) -> Result<()> {
        let report = Migrator::new(set.clone())
            .with_settings(self.settings.clone())
            .apply_with(
                url,
                &ApplyOptions {
                    to: Some(f.version),
                    contract: f.phase == Phase::Contract,
                },
            )
            .await?;
        for run in report.applied {
            self.report.files.push(FileRun {
                file: format!("{}_{}.up.sql", run.version, run.name),
                phase: run.phase,
                millis: run.millis,
                rows: run.rows,
            });
        }
        Ok(())
    }

    async fn stages(
        &mut self,
        session: &mut dyn Session,
        scratch: &Scratch,
        set: &MigrationSet,
    ) -> Result<()> {
        let url = &scratch.url;
        let before = self.inspect(scratch).await?;
        let own_before = self.own_objects(session).await?;
        let (old, new) = self.touched();
        let scope = self.sample_scope(&old, &new);

        // 1. Sample rows, and the old-application probe on the old schema.
        let edges = self.sample(session, &scope).await;
        let old_ok = self.calibrate(session, &old, &edges).await;
        let counts_before = self.counts(session, &scope).await;

        // 2. Expand and backfill, file by file, as `apply` runs them.
        let Some(backfill_failed) = self.expand(url, set).await else {
            self.note("the probes, contract and rollback were not rehearsed: expand failed".into());
            return Ok(());
        };

        // 3. Both application versions, while expand is applied.
        let new_tables = parents_first(self.plan.to, &new, &[]);
        let new_faults = self.probe_expanded(session, &old_ok, &new_tables).await;
        if backfill_failed {
            self.report
                .failures
                .extend(new_faults.into_iter().map(|f| f.failure));
            self.note("contract and rollback were not rehearsed: the backfill failed".into());
            return Ok(());
        }

        // 4. Contract: the declared schema, nothing of migrator's left, the new version writes.
        if !self
            .contract(session, scratch, set, &own_before, &new_tables, new_faults)
            .await?
        {
            self.note("rollback was not rehearsed: contract failed".into());
            return Ok(());
        }

        // 5. Roll everything back, contract first: the start schema, the rows written meanwhile.
        if self.roll_back(url, set).await {
            self.compare_start(session, scratch, &before, &own_before)
                .await?;
            self.check_rows(session, &scope, &counts_before).await;
        }
        Ok(())
    }

    /// Fills the sample scope. The rows respect the foreign keys the new shape adds (an
    /// application's references are consistent long before they are declared), not its CHECKs
    /// (rows the old schema allows and the new one refuses are what a plan must be ready for).
    /// Returns those foreign keys as `(child, parent)` edges.
    async fn sample(&mut self, session: &mut dyn Session, scope: &Tables) -> Vec<sample::Edge> {
        let t = Instant::now();
        let others: BTreeMap<(String, String), Other> = scope
            .iter()
            .map(|(s, t)| ((s.clone(), t.clone()), self.new_side(s, t, false)))
            .collect();
        let edges: Vec<sample::Edge> = others
            .iter()
            .flat_map(|(child, o)| {
                o.foreign_keys
                    .iter()
                    .map(|(_, p)| (child.clone(), (p.schema.clone(), p.table.clone())))
            })
            .collect();
        let order = parents_first(self.plan.from, scope, &edges);
        self.report.tables = sample::fill(
            session,
            self.values,
            self.plan.from,
            &order,
            &others,
            self.offset,
            self.rows,
        )
        .await;
        self.time(Stage::Sample, t);
        edges
    }

    /// The old-application probe on the old schema, before expand: the tables where the
    /// generator cannot write a row the old schema accepts are not the plan's fault, and are
    /// left out of the probes after expand. Returns the others.
    async fn calibrate(
        &mut self,
        session: &mut dyn Session,
        old: &Tables,
        edges: &[sample::Edge],
    ) -> Vec<(String, String)> {
        let t = Instant::now();
        let old_tables = parents_first(self.plan.from, old, edges);
        let mut old_ok = Vec::new();
        for (s, tname) in &old_tables {
            match self.old_probe(session, s, tname, When::BeforeExpand).await {
                Ok(()) => old_ok.push((s.clone(), tname.clone())),
                Err(e) => {
                    let note = format!(
                        "old-application probe skipped on {s}.{tname}: the rehearsal could not write a row the old schema accepts ({})",
                        e.message
                    );
                    self.note(note);
                }
            }
        }
        self.time(Stage::Calibrate, t);
        old_ok
    }

    /// Runs the expand and backfill files. `None` when expand failed (nothing more can be
    /// rehearsed), else whether a backfill failed (the probes still run on what expand made).
    async fn expand(&mut self, url: &DatabaseUrl, set: &MigrationSet) -> Option<bool> {
        for f in self
            .plan
            .files
            .iter()
            .filter(|f| f.phase != Phase::Contract)
        {
            let t = Instant::now();
            let result = self.apply_file(url, set, f).await;
            let stage = match f.phase {
                Phase::Backfill => Stage::Backfill,
                Phase::Expand | Phase::Contract => Stage::Expand,
            };
            self.time(stage, t);
            if let Err(e) = result {
                let failure = self.run_failure(stage, Some(f), &e, false);
                self.fail(failure);
                return match stage {
                    Stage::Backfill => Some(true),
                    _ => None,
                };
            }
        }
        Some(false)
    }

    /// Both probes while expand is applied. Old-application failures are failures; the
    /// new-application ones are returned, to be judged once contract shows whether the
    /// generator can write the declared schema at all.
    async fn probe_expanded(
        &mut self,
        session: &mut dyn Session,
        old_ok: &[(String, String)],
        new_tables: &[(String, String)],
    ) -> Vec<ProbeFault> {
        let t = Instant::now();
        for (s, tname) in old_ok {
            if let Err(e) = self.old_probe(session, s, tname, When::AfterExpand).await {
                let failure = self.probe_failure(Probe::OldApp, When::AfterExpand, s, tname, e);
                self.fail(failure);
            }
        }
        self.time(Stage::OldAppProbe, t);
        let t = Instant::now();
        let mut new_faults = Vec::new();
        for (s, tname) in new_tables {
            if let Err(e) = self.new_probe(session, s, tname, When::AfterExpand).await {
                new_faults.push(ProbeFault {
                    table: format!("{s}.{tname}"),
                    failure: self.probe_failure(Probe::NewApp, When::AfterExpand, s, tname, e),
                });
            }
        }
        self.time(Stage::NewAppProbe, t);
        new_faults
    }

    /// Runs contract, compares with the declared schema and migrator's own objects, and probes
    /// the new application again. `false` when contract failed.
    async fn contract(
        &mut self,
        session: &mut dyn Session,
        scratch: &Scratch,
        set: &MigrationSet,
        own_before: &[String],
        new_tables: &[(String, String)],
        new_faults: Vec<ProbeFault>,
    ) -> Result<bool> {
        let url = &scratch.url;
        for f in self
            .plan
            .files
            .iter()
            .filter(|f| f.phase == Phase::Contract)
        {
            let t = Instant::now();
            let result = self.apply_file(url, set, f).await;
            self.time(Stage::Contract, t);
            if let Err(e) = result {
                let failure = self.run_failure(Stage::Contract, Some(f), &e, false);
                self.fail(failure);
                self.report
                    .failures
                    .extend(new_faults.into_iter().map(|f| f.failure));
                return Ok(false);
            }
        }
        let t = Instant::now();
        let after = self.inspect(scratch).await?;
        let left = diff_unchecked(
            &after,
            &events::status_aside(self.plan.to.clone()),
            &Hints::default(),
        );
        if !left.is_empty() {
            let failure = Failure {
                server: false,
                stage: Stage::DeclaredSchema,
                step: None,
                file: None,
                statement: None,
                message: format!(
                    "after contract the database still differs from the declared schema; it would need:\n{}",
                    describe(&after, &left)
                ),
                probe: None,
                hint: "the plan misses or mis-orders a change: `migrator drift` would report this after `apply --contract`".into(),
            };
            self.fail(failure);
        }
        let own_after = self.own_objects(session).await?;
        let leftovers_ok = self.compare_own(own_before, &own_after, "contract");
        self.time(Stage::DeclaredSchema, t);
        let t = Instant::now();
        let mut contract_faults: BTreeMap<String, Failure> = BTreeMap::new();
        for (s, tname) in new_tables {
            if let Err(e) = self.new_probe(session, s, tname, When::AfterContract).await {
                contract_faults.insert(
                    format!("{s}.{tname}"),
                    self.probe_failure(Probe::NewApp, When::AfterContract, s, tname, e),
                );
            }
        }
        self.time(Stage::NewAppProbe, t);
        // After a clean contract the database *is* the declared schema: a new-application probe
        // that fails there is the generator's problem, not the plan's.
        let declared = left.is_empty() && leftovers_ok;
        for (table, failure) in &contract_faults {
            if declared {
                let note = format!(
                    "new-application probe not counted on {table}: the rehearsal could not write a row the declared schema itself accepts ({})",
                    failure.message
                );
                self.note(note);
            } else {
                self.fail(failure.clone());
            }
        }
        for fault in new_faults {
            if declared && contract_faults.contains_key(&fault.table) {
                continue;
            }
            self.fail(fault.failure);
        }
        Ok(true)
    }

    /// Rolls every planned file back, contract first (irreversible downs forced). `false` when
    /// the rollback failed.
    async fn roll_back(&mut self, url: &DatabaseUrl, set: &MigrationSet) -> bool {
        let t = Instant::now();
        let target = RollbackTarget::To(self.plan.set.last_version().unwrap_or(Version(0)));
        let irreversible: Vec<String> = self
            .plan
            .files
            .iter()
            .filter(|f| f.steps.iter().any(|&s| self.plan.steps[s].irreversible))
            .map(|f| Self::file_name(f, true))
            .collect();
        let rolled = Migrator::new(set.clone())
            .with_settings(self.settings.clone())
            .rollback(url, &target, true)
            .await;
        self.time(Stage::Rollback, t);
        match rolled {
            Ok(report) => {
                for run in report.rolled_back {
                    self.report.files.push(FileRun {
                        file: format!("{}_{}.down.sql", run.version, run.name),
                        phase: run.phase,
                        millis: run.millis,
                        rows: None,
                    });
                }
            }
            Err(e) => {
                let failure = self.run_failure(Stage::Rollback, None, &e, true);
                self.fail(failure);
                return false;
            }
        }
        if !irreversible.is_empty() {
            self.note(format!(
                "rolled back with --force through {}, marked irreversible: the columns and tables they drop come back empty",
                irreversible.join(", ")
            ));
        }
        true
    }

    /// After rollback: the schema before expand, and none of migrator's own objects.
    async fn compare_start(
        &mut self,
        session: &mut dyn Session,
        scratch: &Scratch,
        before: &Database,
        own_before: &[String],
    ) -> Result<()> {
        let t = Instant::now();
        let back = self.inspect(scratch).await?;
        let mut start = before.clone();
        let dropped = self.dropped_columns();
        for s in &mut start.schemas {
            for t in &mut s.tables {
                for c in &mut t.columns {
                    if dropped.contains(&(s.name.clone(), t.name.clone(), c.name.clone()))
                        && c.default.is_none()
                    {
                        // Comes back empty, so NULL only if no default fills it.
                        c.nullable = true;
                    }
                }
            }
        }
        // A CHECK or foreign key the plan drops comes back NOT VALID when the rows written
        // meanwhile break it (the down validates only when they fit, as its hazard says).
        let mut left_not_valid = Vec::new();
        for c in self.plan.changes {
            let Change::DropConstraint {
                schema,
                table,
                name,
            } = c
            else {
                continue;
            };
            let Some(b) = back.table(schema, table) else {
                continue;
            };
            let Some(s) = start
                .schemas
                .iter_mut()
                .find(|s| &s.name == schema)
                .and_then(|s| s.tables.iter_mut().find(|t| &t.name == table))
            else {
                continue;
            };
            if let (Some(k), Some(bk)) =
                (s.checks.iter_mut().find(|k| &k.name == name), b.check(name))
            {
                if k.validated && !bk.validated {
                    k.validated = false;
                    left_not_valid.push(format!("{schema}.{table}.{name}"));
                }
            }
            if let (Some(k), Some(bk)) = (
                s.foreign_keys.iter_mut().find(|k| &k.name == name),
                b.foreign_key(name),
            ) {
                if k.validated && !bk.validated {
                    k.validated = false;
                    left_not_valid.push(format!("{schema}.{table}.{name}"));
                }
            }
        }
        if !left_not_valid.is_empty() {
            self.note(format!(
                "rolled back, {} came back NOT VALID: rows written while it was gone break it",
                left_not_valid.join(", ")
            ));
        }
        let changed = diff_unchecked(&back, &start, &Hints::default());
        if !changed.is_empty() {
            let failure = Failure {
                server: false,
                stage: Stage::StartSchema,
                step: None,
                file: None,
                statement: None,
                message: format!(
                    "after rollback the database differs from before expand; it would need:\n{}",
                    describe(&back, &changed)
                ),
                probe: None,
                hint: "the down files do not restore the schema: a rollback in production would leave it changed".into(),
            };
            self.fail(failure);
        }
        let own_back = self.own_objects(session).await?;
        self.compare_own(own_before, &own_back, "rollback");
        self.time(Stage::StartSchema, t);
        Ok(())
    }

    /// After rollback: every probe row, and no table holding fewer rows than before expand.
    async fn check_rows(
        &mut self,
        session: &mut dyn Session,
        scope: &Tables,
        counts_before: &BTreeMap<(String, String), u64>,
    ) {
        let t = Instant::now();
        self.check_kept(session).await;
        let counts_after = self.counts(session, scope).await;
        let gone = self.dropped_tables();
        for (table, n) in counts_before {
            let after = counts_after.get(table).copied().unwrap_or(0);
            if after < *n && !gone.contains(table) {
                let failure = Failure {
                    server: false,
                    stage: Stage::ProbeRows,
                    step: None,
                    file: None,
                    statement: None,
                    message: format!(
                        "{}.{} held {n} row(s) before expand and {after} after rollback",
                        table.0, table.1
                    ),
                    probe: None,
                    hint: "the plan or its rollback deletes rows".into(),
                };
                self.fail(failure);
            }
        }
        self.time(Stage::ProbeRows, t);
    }

    fn compare_own(&mut self, before: &[String], now: &[String], after: &str) -> bool {
        let extra: Vec<&String> = now.iter().filter(|o| !before.contains(o)).collect();
        let missing: Vec<&String> = before.iter().filter(|o| !now.contains(o)).collect();
        if extra.is_empty() && missing.is_empty() {
            return true;
        }
        let mut message = String::new();
        if !extra.is_empty() {
            message.push_str(&format!(
                "left behind after {after}: {}",
                extra
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !missing.is_empty() {
            if !message.is_empty() {
                message.push_str("; ");
            }
            message.push_str(&format!(
                "gone after {after}: {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.fail(Failure {
            server: false,
            stage: Stage::OwnObjects,
            step: None,
            file: None,
            statement: None,
            message,
            probe: None,
            hint: "migrator's sync triggers, functions, temporary checks and shadow columns must be gone once a plan is contracted or rolled back; left behind, they keep running on every write".into(),
        });
        false
    }

    async fn counts(
        &self,
        session: &mut dyn Session,
        tables: &BTreeSet<(String, String)>,
    ) -> BTreeMap<(String, String), u64> {
        let mut out = BTreeMap::new();
        for (s, t) in tables {
            let sql = format!("SELECT count(*) FROM {}", session.table(s, t));
            if let Ok(rows) = session.query(&sql).await {
                if let Some(n) = rows
                    .first()
                    .and_then(|r| r.first().cloned().flatten())
                    .and_then(|v| v.parse().ok())
                {
                    out.insert((s.clone(), t.clone()), n);
                }
            }
        }
        out
    }
}

/// A hint from what the server said, when it points at data the old schema allows and the new
/// one does not.
fn data_hint(stage: Stage, message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    if m.contains("foreign key") {
        Some("rows reference parents that do not exist, for a foreign key the declared schema adds: fix them first (in production too), or if production cannot hold such rows, re-run with --no-rehearse")
    } else if m.contains("migrator_nn_")
        || m.contains("not-null")
        || m.contains("cannot be null")
        || m.contains("contains null")
    {
        Some("rows hold NULL in a column the declared schema makes NOT NULL: add a `-- migrator:backfill <expression>` hint on the column so the plan fills them")
    } else if m.contains("check constraint") || (m.contains("constraint") && m.contains("failed")) {
        Some(if stage == Stage::Backfill {
            "existing rows violate a CHECK the plan adds (NOT VALID constraints are still checked on every row an UPDATE writes, a backfill's included): fix those rows first (in production too), or if production cannot hold such rows, re-run with --no-rehearse"
        } else {
            "rows the old schema allows violate a CHECK the declared schema adds: fix them first (in production too), or if production cannot hold such rows, re-run with --no-rehearse"
        })
    } else if m.contains("data truncated") || m.contains("out of range") {
        Some("rows hold values the new column definition does not accept (NULL for NOT NULL, too long or out of range for the new type): add a `-- migrator:backfill <expression>` hint to fill NULLs, or a `-- migrator:using <expression>` hint to convert the values")
    } else if m.contains("duplicate") || m.contains("unique") {
        Some("rows the old schema allows hold duplicates for a unique key the declared schema adds: fix them first (in production too), or if production cannot hold such rows, re-run with --no-rehearse")
    } else if m.contains("does not exist") || m.contains("unknown column") {
        Some("a `-- migrator:backfill` or `-- migrator:using` expression names a column or function that does not exist: it must be valid SQL over the table's existing columns")
    } else {
        None
    }
}

/// The changes as SQL, for a message.
fn describe(db: &Database, changes: &[Change]) -> String {
    match crate::render::renderer_for(db) {
        Ok(r) => crate::render::script(&crate::render::render_all(r.as_ref(), changes))
            .trim_end()
            .to_string(),
        Err(_) => format!("{changes:?}"),
    }
}

/// The tables a change names, `(schema, table)`, under whichever name it uses.
fn change_tables(c: &Change) -> Vec<(String, String)> {
    use crate::diff::change::CommentTarget;
    let one = |s: &String, t: &String| vec![(s.clone(), t.clone())];
    match c {
        Change::CreateSchema { .. }
        | Change::DropSchema { .. }
        | Change::CreateExtension { .. }
        | Change::UpdateExtension { .. }
        | Change::DropExtension { .. }
        | Change::CreateEnum { .. }
        | Change::AddEnumValue { .. }
        | Change::DropEnum { .. }
        | Change::CreateSequence { .. }
        | Change::AlterSequence { .. }
        | Change::RenameSequence { .. }
        | Change::SetSequenceOwner { .. }
        | Change::DropSequence { .. }
        | Change::CreateView { .. }
        | Change::DropView { .. }
        | Change::CreateRoutine { .. }
        | Change::ReplaceRoutine { .. }
        | Change::DropRoutine { .. }
        | Change::CreateEvent { .. }
        | Change::AlterEvent { .. }
        | Change::DropEvent { .. }
        | Change::CreateDomain { .. }
        | Change::DropDomain { .. }
        | Change::SetDomainDefault { .. }
        | Change::SetDomainNotNull { .. }
        | Change::AddDomainCheck { .. }
        | Change::ValidateDomainCheck { .. }
        | Change::DropDomainCheck { .. }
        | Change::CreateComposite { .. }
        | Change::DropComposite { .. }
        | Change::AddAttribute { .. }
        | Change::DropAttribute { .. }
        | Change::AlterAttribute { .. }
        | Change::CreateRange { .. }
        | Change::DropRange { .. }
        | Change::RenameEnum { .. }
        | Change::RenameEnumValue { .. } => vec![],
        Change::CreateTrigger { schema, trigger } | Change::DropTrigger { schema, trigger } => {
            one(schema, &trigger.table)
        }
        Change::ReplaceTrigger {
            schema, from, to, ..
        } => vec![
            (schema.clone(), from.table.clone()),
            (schema.clone(), to.table.clone()),
        ],
        Change::SetTriggerEnabled { schema, table, .. } => one(schema, table),
        Change::CreatePolicy { schema, policy } | Change::DropPolicy { schema, policy } => {
            one(schema, &policy.table)
        }
        Change::AlterPolicy {
            schema, from, to, ..
        }
        | Change::ReplacePolicy {
            schema, from, to, ..
        } => vec![
            (schema.clone(), from.table.clone()),
            (schema.clone(), to.table.clone()),
        ],
        Change::RenamePolicy { schema, table, .. } => one(schema, table),
        Change::RecreateEnum { columns, .. } => columns
            .iter()
            .map(|c| (c.schema.clone(), c.table.clone()))
            .collect(),
        Change::CreateTable { schema, table } => one(schema, &table.name),
        Change::RenameTable { schema, from, to } => {
            vec![(schema.clone(), from.clone()), (schema.clone(), to.clone())]
        }
        Change::DropTable { schema, name } => one(schema, name),
        Change::AttachPartition { schema, table, .. } => {
            let mut t = one(schema, &table.name);
            t.extend(
                table
                    .partition_of()
                    .map(|of| (of.parent_schema.clone(), of.parent.clone())),
            );
            t
        }
        Change::DetachPartition {
            schema,
            name,
            parent_schema,
            parent,
            ..
        } => vec![
            (schema.clone(), name.clone()),
            (parent_schema.clone(), parent.clone()),
        ],
        Change::Repartition { schema, table, .. } => one(schema, table),
        Change::AddForeignKey { schema, table, key } => vec![
            (schema.clone(), table.clone()),
            (key.ref_schema.clone(), key.ref_table.clone()),
        ],
        Change::AlterTableOptions { schema, table, .. }
        | Change::AlterPartitioning { schema, table, .. }
        | Change::AddColumn { schema, table, .. }
        | Change::RenameColumn { schema, table, .. }
        | Change::AlterColumn { schema, table, .. }
        | Change::DropColumn { schema, table, .. }
        | Change::AddPrimaryKey { schema, table, .. }
        | Change::AddUnique { schema, table, .. }
        | Change::AddCheck { schema, table, .. }
        | Change::AddExclusion { schema, table, .. }
        | Change::ValidateConstraint { schema, table, .. }
        | Change::RenameConstraint { schema, table, .. }
        | Change::DropConstraint { schema, table, .. }
        | Change::CreateIndex { schema, table, .. }
        | Change::RenameIndex { schema, table, .. }
        | Change::DropIndex { schema, table, .. } => one(schema, table),
        Change::Comment { target, .. } => match target {
            CommentTarget::Table { schema, table }
            | CommentTarget::Column { schema, table, .. }
            | CommentTarget::Index { schema, table, .. }
            | CommentTarget::Constraint { schema, table, .. }
            | CommentTarget::Trigger { schema, table, .. }
            | CommentTarget::Policy { schema, table, .. } => one(schema, table),
            CommentTarget::Routine { .. }
            | CommentTarget::Schema { .. }
            | CommentTarget::View { .. }
            | CommentTarget::Enum { .. }
            | CommentTarget::Sequence { .. }
            | CommentTarget::Extension { .. }
            | CommentTarget::Domain { .. }
            | CommentTarget::Type { .. } => vec![],
        },
    }
}

/// A temporary copy of the migrations directory with the planned files written into it and
/// `migrator.sum` rehashed, exactly as `plan` would leave the real one. Removed on drop.
struct TempCopy {
    path: PathBuf,
}

impl TempCopy {
    fn new(dir: &Path, files: &[PlannedFile]) -> Result<TempCopy> {
        let path = std::env::temp_dir().join(format!(
            "migrator_rehearsal_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        let copy = TempCopy { path };
        if dir.is_dir() {
            for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
                let src = entry.map_err(|e| Error::io(dir, e))?.path();
                if let (true, Some(name)) = (src.is_file(), src.file_name()) {
                    let dst = copy.path.join(name);
                    std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
                }
            }
        }
        for f in files {
            for (ext, text) in [("up", &f.up), ("down", &f.down)] {
                let p = copy
                    .path
                    .join(format!("{}_{}.{ext}.sql", f.version, f.name));
                // Events do not run during the rehearsal (see `events.rs`).
                std::fs::write(&p, events::inert_events(text)).map_err(|e| Error::io(&p, e))?;
            }
        }
        crate::migrations::rehash(&copy.path)?;
        Ok(copy)
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

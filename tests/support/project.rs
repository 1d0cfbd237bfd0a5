//! A realistic project evolved over several declared versions (`examples/NAME/versions/
//! postgres|mysql/vN.sql`) through the real `migrator` binary: each step is `plan`
//! (rehearsed), `apply` (expand + backfill) while the previous application version writes, the
//! new version started beside it, the old one stopped, `apply --contract`, the new one
//! stopped, `drift` clean, the data checked, then the step rolled back (the schema must be
//! exactly the previous version, as `migrator diff` sees it) and applied again. At the end
//! everything is rolled back to v1 (the schema exactly v1, the seeded data intact) and then to
//! nothing. Used by `tests/blog.rs` and `tests/healthcare.rs`.

use crate::cli::{self, exec, fails, migrator, ok, scalar, Engine};
use crate::online::{self, App};
use crate::TempDir;
use std::time::Duration;

/// One version step: the writes of the application version before it (old shape) and after it
/// (new shape); `{id}` is a fresh id per iteration of each writer.
pub struct Step {
    pub version: &'static str,
    pub old: &'static [&'static str],
    pub new: &'static [&'static str],
    /// Each query with the value it must return after contract.
    pub checks: &'static [(&'static str, &'static str)],
    /// Extra `migrator plan` arguments (`--allow-destructive`).
    pub plan_args: &'static [&'static str],
}

/// A project on one server family.
pub struct Project {
    /// `examples/NAME/versions`.
    pub name: &'static str,
    pub steps: &'static [Step],
    /// Rows loaded after v1.
    pub seed: &'static [&'static str],
    /// What must still hold after the full rollback to v1.
    pub v1_checks: &'static [(&'static str, &'static str)],
    /// Run before each rollback: what an operator does first (the plan says why).
    pub before_rollback: &'static [&'static str],
    /// A table of v1, gone after the rollback to nothing.
    pub table: &'static str,
}

fn versions_dir(name: &str, engine: Engine) -> std::path::PathBuf {
    let dialect = match engine {
        Engine::Postgres => "postgres",
        Engine::Mariadb => "mysql",
    };
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .join("versions")
        .join(dialect)
}

fn declare(project: &TempDir, name: &str, engine: Engine, version: &str) {
    let sql =
        std::fs::read_to_string(versions_dir(name, engine).join(format!("{version}.sql"))).unwrap();
    project.write("schema.sql", &sql);
}

/// The newest version among the files `plan --name <name>` wrote.
fn last_version_of(project: &TempDir, name: &str) -> String {
    let mut versions: Vec<String> = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.contains(&format!("_{name}")) && f.ends_with(".up.sql"))
        .map(|f| f.split('_').next().unwrap().to_string())
        .collect();
    versions.sort();
    versions
        .pop()
        .unwrap_or_else(|| panic!("no files for {name}"))
}

async fn check(engine: Engine, url: &str, what: &str, checks: &[(&str, &str)]) {
    for (sql, want) in checks {
        assert_eq!(scalar(engine, url, sql).await, *want, "{what}: {sql}");
    }
}

/// Runs `migrator ARGS` off the async runtime's worker (the writers keep running meanwhile).
async fn run(project: &TempDir, url: &str, args: &[&str]) -> std::process::Output {
    let dir = project.path().to_path_buf();
    let url = url.to_string();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        migrator(&dir, &url, &args)
    })
    .await
    .unwrap()
}

/// The database is exactly `version` as `migrator diff` sees it (declared as schema.sql).
async fn is_version(
    project: &TempDir,
    p: &Project,
    engine: Engine,
    url: &str,
    version: &str,
    what: &str,
) {
    declare(project, p.name, engine, version);
    let diff = run(project, url, &["diff", "--from", url, "--to", "schema.sql"]).await;
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{what}: not {version}: {}",
        cli::text(&diff)
    );
}

async fn before_rollback(engine: Engine, url: &str, p: &Project) {
    for sql in p.before_rollback {
        exec(engine, url, sql).await;
    }
}

/// Walks the project on `engine`: `pg` on Postgres, `my` on MySQL / MariaDB (see the module
/// docs).
pub async fn walk(engine: Engine, pg: &Project, my: &Project) {
    let p = match engine {
        Engine::Postgres => pg,
        Engine::Mariadb => my,
    };
    let Some(db) = cli::fresh(engine, p.name).await else {
        return;
    };
    let online_engine = match engine {
        Engine::Postgres => online::Engine::Postgres,
        Engine::Mariadb => online::Engine::Mysql,
    };
    let project = TempDir::new();
    let url = db.url.as_str();
    let label = |v: &str| format!("{}_{v}", p.name);

    declare(&project, p.name, engine, "v1");
    ok(run(&project, url, &["plan", "--name", &label("v1")]).await);
    ok(run(&project, url, &["apply", "--contract"]).await);
    let v1_version = last_version_of(&project, &label("v1"));
    for sql in p.seed {
        exec(engine, url, sql).await;
    }
    let drift = ok(run(&project, url, &["drift"]).await);
    assert!(drift.contains("no drift"), "{drift}");

    let mut previous = ("v1", v1_version.clone());
    for (n, step) in p.steps.iter().enumerate() {
        let v = step.version;
        let base = (n as u64 + 1) * 10_000_000;
        let old_app = online::start(
            online_engine,
            url,
            App::new("old app", step.old.iter().map(|s| s.to_string()).collect()),
            base + 1_000_000,
        );
        tokio::time::sleep(Duration::from_millis(200)).await;

        declare(&project, p.name, engine, v);
        let name = label(v);
        let mut args = vec!["plan", "--name", name.as_str()];
        args.extend_from_slice(step.plan_args);
        let plan = ok(run(&project, url, &args).await);
        ok(run(&project, url, &["apply"]).await);
        let status = ok(run(&project, url, &["status"]).await);

        let new_app = online::start(
            online_engine,
            url,
            App::new("new app", step.new.iter().map(|s| s.to_string()).collect()),
            base + 5_000_000,
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (old_ok, old_errors) = online::finish(old_app).await;
        ok(run(&project, url, &["apply", "--contract"]).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (new_ok, new_errors) = online::finish(new_app).await;
        println!(
            "{} {} {v}: old app {old_ok} statements, new app {new_ok} statements",
            engine.name(),
            p.name
        );
        assert!(
            old_errors.is_empty(),
            "{v}: {} old-app errors, first: {}\nplan:\n{plan}\nstatus:\n{status}",
            old_errors.len(),
            old_errors[0]
        );
        assert!(
            new_errors.is_empty(),
            "{v}: {} new-app errors, first: {}\nplan:\n{plan}",
            new_errors.len(),
            new_errors[0]
        );
        assert!(old_ok > 10 && new_ok > 10, "{v}: both apps ran");
        let drift = ok(run(&project, url, &["drift"]).await);
        assert!(drift.contains("no drift"), "{v}: {drift}");
        check(engine, url, v, step.checks).await;

        // The step's own downs, with its data in place: back to the previous version (the
        // schema must be exactly it), then forward again.
        before_rollback(engine, url, p).await;
        ok(run(&project, url, &["rollback", "--to", &previous.1, "--force"]).await);
        is_version(
            &project,
            p,
            engine,
            url,
            previous.0,
            &format!("{v} rolled back"),
        )
        .await;
        declare(&project, p.name, engine, v);
        ok(run(&project, url, &["apply", "--contract"]).await);
        let drift = ok(run(&project, url, &["drift"]).await);
        assert!(drift.contains("no drift"), "{v} applied again: {drift}");
        previous = (v, last_version_of(&project, &name));
    }

    // Back to the start: every down file, newest first, to v1 …
    before_rollback(engine, url, p).await;
    ok(run(&project, url, &["rollback", "--to", &v1_version, "--force"]).await);
    // (`drift` would list the rolled-back files as pending: the schema is compared with v1.)
    is_version(&project, p, engine, url, "v1", "after the rollback").await;
    check(engine, url, "after rollback to v1", p.v1_checks).await;
    // … and to nothing.
    ok(run(&project, url, &["rollback", "--to", "0", "--force"]).await);
    assert!(!cli::table_exists(engine, url, p.table).await);
    fails(run(&project, url, &["drift"]).await, 2);
    db.drop_db().await;
}

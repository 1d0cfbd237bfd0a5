//! Fleets (`--targets NAME` from `[targets.NAME]` in migrator.toml): one migrations directory
//! applied to every tenant schema of databases on two Postgres servers (100 each) and to 50
//! MariaDB tenant databases: apply, drift, the contract guard, contract, rollback, status, a
//! broken tenant with and without `--continue-on-error`, and `kill -9` in the middle of a fleet
//! run with the `--parallel` bound observed on the server and connections handed on.

use migrator_tests::cli::*;
use migrator_tests::*;
use std::time::Duration;

const TENANTS_PG: usize = 100;
const TENANTS_MY: usize = 50;

/// Create `items`, add `note` (expand), drop `legacy` (contract).
fn project(dir: &TempDir) {
    add(
        dir,
        "20260101000001",
        "create_items",
        "CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL, legacy VARCHAR(50));\n\
         INSERT INTO items (id, name, legacy) VALUES (1, 'one', 'x');\n",
        "DROP TABLE items;\n",
    );
    add(
        dir,
        "20260101000002",
        "add_note",
        "ALTER TABLE items ADD COLUMN note VARCHAR(50);\n",
        "ALTER TABLE items DROP COLUMN note;\n",
    );
    add(
        dir,
        "20260101000003",
        "drop_legacy",
        "-- migrator:phase contract\nALTER TABLE items DROP COLUMN legacy;\n",
        "ALTER TABLE items ADD COLUMN legacy VARCHAR(50);\n",
    );
    rehash(dir);
}

/// `host:port` of a URL.
fn label_server(url: &str) -> String {
    migrator_core::DatabaseUrl::parse(url)
        .unwrap()
        .label()
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

/// `(done, failed, not run)` of the summary line `N target(s): D done, F failed, S not run`.
fn summary(out: &str) -> (usize, usize, usize) {
    let line = out
        .lines()
        .find(|l| l.contains(" target(s): ") && l.contains(" not run"))
        .unwrap_or_else(|| panic!("no summary line: {out}"));
    let n = |word: &str| -> usize {
        let before = line.split(word).next().unwrap();
        before
            .rsplit(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .unwrap()
            .parse()
            .unwrap()
    };
    (n(" done"), n(" failed"), n(" not run"))
}

/// `rollback --targets tenants`: each of the `n` targets rolls back its newest migration.
fn rollback_one_everywhere(dir: &TempDir, url: &str, n: usize) {
    let out = ok(migrator(
        dir,
        url,
        &["rollback", "--targets", "tenants", "--parallel", "8"],
    ));
    assert_eq!(
        out.matches(": rolled back 1 migration(s)").count(),
        n,
        "{out}"
    );
}

/// How many tenant schemas of `url`'s database have `items` with exactly `columns`.
async fn pg_schemas_with_columns(url: &str, columns: &str) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM (SELECT table_schema, string_agg(column_name::text, ',' ORDER BY column_name) AS cols \
         FROM information_schema.columns WHERE table_name = 'items' AND table_schema LIKE 'tenant%' \
         GROUP BY table_schema) x WHERE cols = '{columns}'"
    );
    scalar(Engine::Postgres, url, &sql).await.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_tenant_schemas_on_two_servers() {
    let e = Engine::Postgres;
    let Some(a) = fresh(e, "fleet_a").await else {
        return;
    };
    // The second server of the test set (the replica tests' primary); outside CI without it,
    // a second database of the same server.
    let b = match pg_replica_primary_url() {
        Some(second) => fresh_pg_db_on(second, "fleet_b").await,
        None => fresh(e, "fleet_b").await,
    }
    .expect("a second database");
    assert!(
        !in_ci() || label_server(&a.url) != label_server(&b.url),
        "two servers in CI"
    );
    for db in [&a, &b] {
        let mut ddl: String = (0..TENANTS_PG)
            .map(|i| format!("CREATE SCHEMA tenant_{i:03};"))
            .collect();
        // Not a tenant: the pattern's `_` is escaped, so `tenantx` does not match.
        ddl.push_str("CREATE SCHEMA tenantx;");
        pg_connect(&db.url).await.batch_execute(&ddl).await.unwrap();
    }
    let dir = TempDir::new();
    project(&dir);
    dir.write(
        "migrator.toml",
        &format!(
            "[targets.tenants]\nurls = [\"{}\", \"{}\"]\nschemas = 'tenant\\_%'\n\n[targets.first]\nurl = \"{}\"\nschemas = 'tenant\\_%'\n",
            a.url, b.url, a.url
        ),
    );
    let all = 2 * TENANTS_PG;

    let out = ok(migrator(&dir, &a.url, &["status", "--targets", "tenants"]));
    assert!(out.contains(&format!("{all} target(s)")), "{out}");
    assert!(out.contains(&format!("{all} at none")), "{out}");

    // Canary: the first 5 targets, then stop.
    let out = ok(migrator(
        &dir,
        &a.url,
        &["apply", "--targets", "tenants", "--canary", "5"],
    ));
    assert_eq!(summary(&out), (5, 0, all - 5), "{out}");
    assert!(out.contains("run again with --continue"), "{out}");
    // Contract while 195 targets have not expanded: refused, nothing runs anywhere.
    let out = fails(
        migrator(
            &dir,
            &a.url,
            &["apply", "--targets", "tenants", "--contract"],
        ),
        1,
    );
    assert!(
        out.contains(&format!(
            "contract refused on the fleet: {} of {all} target(s)",
            all - 5
        )),
        "{out}"
    );
    assert_eq!(
        pg_schemas_with_columns(&a.url, "id,legacy,name,note").await,
        5
    );
    let out = ok(migrator(
        &dir,
        &a.url,
        &[
            "apply",
            "--targets",
            "tenants",
            "--canary",
            "5",
            "--continue",
            "--parallel",
            "8",
        ],
    ));
    assert_eq!(summary(&out), (all, 0, 0), "{out}");
    assert_eq!(out.matches(": up to date").count(), 5, "{out}");
    assert_eq!(
        out.matches(": applied 2 migration(s)").count(),
        all - 5,
        "{out}"
    );
    for db in [&a, &b] {
        assert_eq!(
            pg_schemas_with_columns(&db.url, "id,legacy,name,note").await,
            TENANTS_PG as i64
        );
        // Each tenant's history is its own; nothing landed outside the tenants.
        let histories = "SELECT count(*) FROM pg_tables WHERE tablename = 'migrator_history' AND schemaname LIKE 'tenant\\_%'";
        assert_eq!(scalar(e, &db.url, histories).await, TENANTS_PG.to_string());
        let outside = "SELECT count(*) FROM pg_tables WHERE tablename IN ('items', 'migrator_history') AND schemaname IN ('public', 'tenantx')";
        assert_eq!(scalar(e, &db.url, outside).await, "0");
    }

    let out = ok(migrator(
        &dir,
        &a.url,
        &[
            "apply",
            "--targets",
            "tenants",
            "--contract",
            "--parallel",
            "8",
        ],
    ));
    assert_eq!(summary(&out), (all, 0, 0), "{out}");
    let out = ok(migrator(&dir, &a.url, &["status", "--targets", "tenants"]));
    assert!(
        out.contains(&format!("{all} at 20260101000003_drop_legacy")),
        "{out}"
    );

    // Drift across the fleet: every tenant clean; one changed by hand is named (exit 2).
    let drift = ["drift", "--targets", "tenants", "--parallel", "8"];
    let out = ok(migrator(&dir, &a.url, &drift));
    assert!(
        out.contains(&format!("{all} target(s): {all} clean, 0 drifted")),
        "{out}"
    );
    exec(
        e,
        &b.url,
        "ALTER TABLE tenant_042.items ADD COLUMN by_hand int",
    )
    .await;
    let out = fails(migrator(&dir, &a.url, &drift), 2);
    assert!(
        out.contains(&format!("{all} target(s): {} clean, 1 drifted", all - 1)),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("/tenant_042: DRIFT") && l.contains("by_hand")),
        "{out}"
    );
    exec(
        e,
        &b.url,
        "ALTER TABLE tenant_042.items DROP COLUMN by_hand",
    )
    .await;

    // Rollback across the fleet: the contract comes off everywhere.
    rollback_one_everywhere(&dir, &a.url, all);
    for db in [&a, &b] {
        assert_eq!(
            pg_schemas_with_columns(&db.url, "id,legacy,name,note").await,
            TENANTS_PG as i64
        );
    }

    // One broken tenant: the first failure stops the fleet (one target at a time here, so
    // exactly the targets after it are not started) ...
    exec(e, &b.url, "ALTER TABLE tenant_050.items DROP COLUMN legacy").await;
    let out = fails(
        migrator(
            &dir,
            &a.url,
            &[
                "apply",
                "--targets",
                "tenants",
                "--contract",
                "--parallel",
                "1",
            ],
        ),
        1,
    );
    assert_eq!(summary(&out), (TENANTS_PG + 50, 1, 49), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("/tenant_050: FAILED") && l.contains("legacy")),
        "{out}"
    );
    assert_eq!(out.matches("an earlier target failed").count(), 49, "{out}");
    // ... and with --continue-on-error the others go on.
    let out = fails(
        migrator(
            &dir,
            &a.url,
            &[
                "apply",
                "--targets",
                "tenants",
                "--contract",
                "--continue-on-error",
                "--parallel",
                "8",
            ],
        ),
        1,
    );
    assert_eq!(summary(&out), (all - 1, 1, 0), "{out}");
    // Its contract's transaction was rolled back: it stays one version behind the others.
    let out = ok(migrator(&dir, &a.url, &["status", "--targets", "tenants"]));
    assert!(
        out.contains(&format!("{} at 20260101000003_drop_legacy", all - 1)),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("1 at 20260101000002_add_note") && l.contains("/tenant_050")),
        "{out}"
    );

    // kill -9 in the middle of a fleet run of the first database, four targets at once: the
    // server never sees more than four runners, and the re-run finishes every target.
    add(
        &dir,
        "20260101000004",
        "slow_late",
        "-- migrator:no-transaction\nALTER TABLE items ADD COLUMN late VARCHAR(50);\nSELECT pg_sleep(0.2);\n",
        "ALTER TABLE items DROP COLUMN late;\n",
    );
    rehash(&dir);
    let mut child = command(
        &dir,
        &a.url,
        &[
            "apply",
            "--targets",
            "first",
            "--contract",
            "--parallel",
            "4",
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let poll = pg_connect(&a.url).await;
    let runners = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND application_name LIKE 'migrator %'",
        a.name
    );
    let pids = format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = '{}' AND application_name LIKE 'migrator %'",
        a.name
    );
    let mut sessions = std::collections::BTreeSet::new();
    let mut most = 0i64;
    let mut done_seen = 0i64;
    let started = std::time::Instant::now();
    // Until a third of the tenants have the new column, then SIGKILL.
    while done_seen < TENANTS_PG as i64 / 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the fleet run did not advance"
        );
        let n: i64 = poll.query_one(runners.as_str(), &[]).await.unwrap().get(0);
        most = most.max(n);
        for row in poll.query(pids.as_str(), &[]).await.unwrap() {
            sessions.insert(row.get::<_, i32>(0));
        }
        done_seen = poll
            .query_one(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'late'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        (2..=4).contains(&most),
        "{most} runner sessions at once with --parallel 4"
    );
    // The targets of one database hand their sessions on: a few connections for a third of
    // 100 tenants (one each, 33 or more, without it; each lives 200 ms, polled every 20 ms).
    assert!(
        sessions.len() <= 6,
        "{} runner sessions over {done_seen} tenants with --parallel 4",
        sessions.len()
    );
    let out = ok(migrator(
        &dir,
        &a.url,
        &["apply", "--targets", "first", "--contract"],
    ));
    assert_eq!(summary(&out), (TENANTS_PG, 0, 0), "{out}");
    let out = ok(migrator(&dir, &a.url, &["status", "--targets", "first"]));
    assert!(
        out.contains(&format!("{TENANTS_PG} at 20260101000004_slow_late")),
        "{out}"
    );
    assert_eq!(
        pg_schemas_with_columns(&a.url, "id,late,name,note").await,
        TENANTS_PG as i64
    );
    a.drop_db().await;
    b.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_tenant_databases() {
    let e = Engine::Mariadb;
    let Some(base) = fresh(e, "fleet").await else {
        return;
    };
    let tenants: Vec<String> = (0..TENANTS_MY)
        .map(|i| format!("{}_t{i:02}", base.name))
        .collect();
    for t in &tenants {
        exec(e, &base.url, &format!("CREATE DATABASE `{t}`")).await;
    }
    let dir = TempDir::new();
    project(&dir);
    // LIKE: the base name's `_` are escaped (TOML literal string: the backslashes stay).
    let pattern = format!("{}\\_t%", base.name.replace('_', "\\_"));
    dir.write(
        "migrator.toml",
        &format!(
            "[targets.tenants]\nurl = \"{}\"\ndatabases = '{pattern}'\n",
            base.url
        ),
    );
    let tenant_url = |t: &str| {
        base.url
            .replace(&format!("/{}", base.name), &format!("/{t}"))
    };

    // Expand everywhere, then contract (contract first is refused: nothing has expanded).
    let out = fails(
        migrator(
            &dir,
            &base.url,
            &["apply", "--targets", "tenants", "--contract"],
        ),
        1,
    );
    assert!(out.contains("contract refused on the fleet"), "{out}");
    for flags in [&[][..], &["--contract"][..]] {
        let mut args = vec!["apply", "--targets", "tenants", "--parallel", "8"];
        args.extend_from_slice(flags);
        let out = ok(migrator(&dir, &base.url, &args));
        assert_eq!(summary(&out), (TENANTS_MY, 0, 0), "{out}");
    }
    assert!(
        !table_exists(e, &base.url, "items").await,
        "the generator's own database is not a target"
    );
    for t in [&tenants[0], &tenants[TENANTS_MY - 1]] {
        let cols = scalar(
            e,
            &tenant_url(t),
            "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items'",
        )
        .await;
        assert_eq!(cols, "id,name,note");
    }
    let o = migrator(
        &dir,
        &base.url,
        &["status", "--targets", "tenants", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        status["versions"][0]["version"],
        "20260101000003_drop_legacy"
    );
    assert_eq!(status["versions"][0]["count"], TENANTS_MY);

    // Drift: every database clean; one changed by hand is named, in JSON too (exit 2).
    let out = ok(migrator(
        &dir,
        &base.url,
        &["drift", "--targets", "tenants"],
    ));
    assert!(
        out.contains(&format!(
            "{TENANTS_MY} target(s): {TENANTS_MY} clean, 0 drifted"
        )),
        "{out}"
    );
    exec(
        e,
        &tenant_url(&tenants[3]),
        "CREATE INDEX by_hand ON items (name)",
    )
    .await;
    let o = migrator(
        &dir,
        &base.url,
        &["drift", "--targets", "tenants", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let drift: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let drifted: Vec<&serde_json::Value> = drift["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["report"]["findings"]
                .as_array()
                .is_some_and(|f| !f.is_empty())
        })
        .collect();
    assert_eq!(drifted.len(), 1, "{drift}");
    assert!(
        drifted[0]["label"].as_str().unwrap().ends_with(&tenants[3])
            && drifted[0].to_string().contains("by_hand"),
        "{drift}"
    );
    exec(e, &tenant_url(&tenants[3]), "DROP INDEX by_hand ON items").await;

    rollback_one_everywhere(&dir, &base.url, TENANTS_MY);

    // A broken tenant, with --continue-on-error: reported, the others done.
    exec(
        e,
        &tenant_url(&tenants[7]),
        "ALTER TABLE items DROP COLUMN legacy",
    )
    .await;
    let out = fails(
        migrator(
            &dir,
            &base.url,
            &[
                "apply",
                "--targets",
                "tenants",
                "--contract",
                "--continue-on-error",
                "--parallel",
                "8",
            ],
        ),
        1,
    );
    assert_eq!(summary(&out), (TENANTS_MY - 1, 1, 0), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains(&format!("/{}: FAILED", tenants[7]))),
        "{out}"
    );
    for t in &tenants {
        exec(e, &base.url, &format!("DROP DATABASE IF EXISTS `{t}`")).await;
    }
    base.drop_db().await;
}

/// Bad fleet input: an unknown fleet name, a pattern that matches nothing, `--continue`
/// without `--canary`; each says what to do, exit 1.
#[tokio::test(flavor = "multi_thread")]
async fn fleet_input_errors_name_what_to_fix() {
    let e = Engine::Postgres;
    let Some(db) = fresh(e, "fleet_bad").await else {
        return;
    };
    let dir = TempDir::new();
    project(&dir);
    dir.write(
        "migrator.toml",
        &format!(
            "[targets.tenants]\nurl = \"{}\"\nschemas = 'nobody\\_%'\n",
            db.url
        ),
    );
    let out = fails(
        migrator(&dir, &db.url, &["apply", "--targets", "tenant"]),
        1,
    );
    assert!(
        out.contains("--targets tenant: no [targets.tenant] table; it declares tenants"),
        "{out}"
    );
    let out = fails(
        migrator(&dir, &db.url, &["apply", "--targets", "tenants"]),
        1,
    );
    assert!(out.contains("the generator finds no target"), "{out}");
    let out = fails(
        migrator(
            &dir,
            &db.url,
            &["apply", "--targets", "tenants", "--continue"],
        ),
        1, // a usage error exits 1, as every error does (migrator-cli/src/main.rs)
    );
    assert!(out.contains("--canary"), "{out}");
    let password = db.url.split(':').nth(2).unwrap().split('@').next().unwrap();
    assert!(!out.contains(password), "password printed: {out}");
    db.drop_db().await;
}

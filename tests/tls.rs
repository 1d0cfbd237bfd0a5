//! TLS against the real test servers. `scripts/test-servers.sh` gives both servers a
//! certificate for the DNS name `localhost` only (not 127.0.0.1), signed by the throwaway CA in
//! `MIGRATOR_TEST_CA`: connecting to `localhost` passes the host-name check, to `127.0.0.1`
//! fails it. Whether a session is encrypted is asked of the server (`pg_stat_ssl`,
//! `Ssl_cipher`), never assumed; users the server lets in over TLS only (a pg_hba.conf rule
//! for members of `migrator_tls_only`, MariaDB's `REQUIRE SSL`) prove that every connection of
//! a CLI run — runner, lock, backfill, catalog, scratch databases — is encrypted.

use migrator_core::{connect, DatabaseUrl};
use migrator_tests::*;
use mysql_async::prelude::Queryable;
use std::path::{Path, PathBuf};

/// A path as a URL query value.
fn url_value(path: &Path) -> String {
    let mut out = String::new();
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with `mode_param=mode`, and `ca_param=CA` when `ca` is given.
fn tls_url(url: &str, mode: &str, ca_param: &str, ca: Option<&Path>) -> String {
    let mut params = mode.to_string();
    if let Some(ca) = ca {
        params.push_str(&format!("&{ca_param}={}", url_value(ca)));
    }
    with_params(url, &params)
}

fn pg_tls(url: &str, mode: &str, ca: Option<&Path>) -> String {
    tls_url(url, &format!("sslmode={mode}"), "sslrootcert", ca)
}

fn mysql_tls(url: &str, mode: &str, ca: Option<&Path>) -> String {
    tls_url(url, &format!("ssl-mode={mode}"), "ssl-ca", ca)
}

/// Connects the way migrator does and asks the server whether this session is encrypted.
async fn pg_session_encrypted(url: &str) -> Result<bool, String> {
    let url = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    let client = connect::postgres(&url, "migrator tls test")
        .await
        .map_err(|e| e.to_string())?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

/// Connects the way migrator does and returns the session's `Ssl_cipher` (empty: plain).
async fn mysql_session_cipher(url: &str) -> Result<String, String> {
    let url = DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    let mut conn = connect::mysql(&url).await.map_err(|e| e.to_string())?;
    let row: Option<(String, String)> = conn
        .query_first("SHOW STATUS LIKE 'Ssl_cipher'")
        .await
        .map_err(|e| e.to_string())?;
    let _ = conn.disconnect().await;
    Ok(row.map(|(_, cipher)| cipher).unwrap_or_default())
}

/// A CA that signed nothing the servers use, made with the `openssl` CLI in `dir`.
fn unrelated_ca(dir: &TempDir) -> PathBuf {
    let cert = dir.path().join("unrelated-ca.crt");
    let out = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=an unrelated CA", "-keyout"])
        .arg(dir.path().join("unrelated-ca.key"))
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl (scripts/test-servers.sh installs it)");
    assert!(out.status.success(), "{}", output_text(&out));
    cert
}

/// Both servers and the CA, or `None` outside CI when something is not configured.
fn servers() -> Option<(String, String, PathBuf)> {
    Some((pg_url()?, mysql_url()?, test_ca()?))
}

#[track_caller]
fn assert_refused(result: Result<impl std::fmt::Debug, String>, needles: &[&str], secret: &str) {
    let message = match result {
        Ok(v) => panic!("connection should have been refused, got {v:?}"),
        Err(m) => m,
    };
    for n in needles {
        assert!(message.contains(n), "expected `{n}` in: {message}");
    }
    assert!(
        !message.contains(secret),
        "the password leaked into: {message}"
    );
}

fn password_of(url: &str) -> String {
    let userinfo = url.split_once("://").unwrap().1.rsplit_once('@').unwrap().0;
    userinfo.split_once(':').unwrap().1.to_string()
}

// ------------------------------------------------------------------------------ Postgres

#[tokio::test]
async fn postgres_require_and_verify_full_encrypt() {
    let Some((pg, _, ca)) = servers() else { return };
    let local = with_host(&pg, "localhost");
    // Control: the check can say "not encrypted".
    assert_eq!(
        pg_session_encrypted(&pg_tls(&pg, "disable", None)).await,
        Ok(false)
    );
    for url in [
        pg_tls(&pg, "require", None),
        pg_tls(&local, "verify-full", Some(&ca)),
        pg_tls(&pg, "verify-ca", Some(&ca)),
        // libpq's default is prefer: TLS when the server offers it.
        pg.clone(),
        pg_tls(&pg, "prefer", None),
    ] {
        assert_eq!(
            pg_session_encrypted(&url).await,
            Ok(true),
            "{}",
            redact_url(&url)
        );
    }
}

#[tokio::test]
async fn postgres_verify_full_checks_the_host_name() {
    let Some((pg, _, ca)) = servers() else { return };
    // 127.0.0.1 is the right server with a valid certificate, but the certificate names
    // `localhost` only.
    let url = pg_tls(&pg, "verify-full", Some(&ca));
    assert_refused(
        pg_session_encrypted(&url).await,
        &[
            "cannot connect to postgres://postgres:***@127.0.0.1",
            "not valid for the host name `127.0.0.1`",
            "it names localhost",
            "sslmode=verify-ca",
        ],
        &password_of(&pg),
    );
}

#[tokio::test]
async fn postgres_verification_without_or_with_the_wrong_ca_fails() {
    let Some((pg, _, ca)) = servers() else { return };
    let dir = TempDir::new();
    let wrong = unrelated_ca(&dir);
    let local = with_host(&pg, "localhost");
    let secret = password_of(&pg);
    // No CA given: the built-in public roots do not know the test CA.
    for mode in ["verify-ca", "verify-full"] {
        assert_refused(
            pg_session_encrypted(&pg_tls(&local, mode, None)).await,
            &[
                "not signed by a trusted CA",
                "no sslrootcert=PATH is given",
                "sslmode=require",
            ],
            &secret,
        );
        assert_refused(
            pg_session_encrypted(&pg_tls(&local, mode, Some(&wrong))).await,
            &[
                "not signed by a trusted CA",
                wrong.to_str().unwrap(),
                "give the CA that signed it with sslrootcert=PATH",
            ],
            &secret,
        );
    }
    let missing = dir.path().join("no-such-ca.crt");
    assert_refused(
        pg_session_encrypted(&pg_tls(&local, "verify-full", Some(&missing))).await,
        &["cannot read the CA file", "no-such-ca.crt", "sslrootcert"],
        &secret,
    );
    // A file that is no certificate at all.
    let garbage = dir.path().join("garbage.crt");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    assert_refused(
        pg_session_encrypted(&pg_tls(&local, "verify-full", Some(&garbage))).await,
        &["garbage.crt holds no PEM certificate"],
        &secret,
    );
    // And with the right CA it works (the failures above are about the CA, not the server).
    assert_eq!(
        pg_session_encrypted(&pg_tls(&local, "verify-full", Some(&ca))).await,
        Ok(true)
    );
}

#[tokio::test]
async fn postgres_bad_sslmode_is_a_url_error() {
    let Some((pg, _, _)) = servers() else { return };
    assert_refused(
        pg_session_encrypted(&pg_tls(&pg, "always", None)).await,
        &[
            "database URL postgres://postgres:***@",
            "`sslmode=always` is not a TLS mode",
            "verify-full",
        ],
        &password_of(&pg),
    );
}

/// A Postgres login that the server accepts over TLS only (see scripts/test-servers.sh).
async fn pg_tls_only_user(server: &str) -> (String, String) {
    let role = unique_name("tls_only");
    let password = format!("pw{}", unique_name("x"));
    pg_exec(
        server,
        &format!(
            "DO $$ BEGIN CREATE ROLE migrator_tls_only NOLOGIN;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
             CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}' IN ROLE migrator_tls_only;"
        ),
    )
    .await;
    (role, password)
}

/// The project of the CLI tests: a migration whose first row of `seen` records how its
/// session was encrypted (`seen_column` is that value's column and type, `record` its
/// expression), a batched backfill (its own code path: batches, progress rows), and a declared
/// schema with one more table, `extra`, that `plan`, `drift` and `diff` must find.
fn tls_project(seen_column: &str, record: &str) -> TempDir {
    let dir = TempDir::new();
    let table = format!("CREATE TABLE seen (id INT PRIMARY KEY, {seen_column}, v INT);\n");
    let column = seen_column.split_whitespace().next().unwrap();
    dir.write(
        "migrations/20260101000001_seen.up.sql",
        &format!("{table}INSERT INTO seen (id, {column}) SELECT 1, {record};\n"),
    );
    dir.write(
        "migrations/20260101000001_seen.down.sql",
        "DROP TABLE seen;\n",
    );
    dir.write(
        "migrations/20260101000002_fill.up.sql",
        "-- migrator:phase backfill\n-- migrator:backfill table=seen key=id\nUPDATE seen SET v = id;\n",
    );
    dir.write("migrations/20260101000002_fill.down.sql", "SELECT 1;\n");
    dir.write(
        "schema.sql",
        &format!("{table}CREATE TABLE extra (id INT PRIMARY KEY);\n"),
    );
    expect_output(&migrator_in(dir.path(), None, &["rehash"], &[]), 0, &[]);
    dir
}

/// Runs the CLI on `dir` for a login the server admits over TLS only: first as the control over
/// `plain` (refused, saying `refused`), then apply / status / drift / diff (scratch databases,
/// catalog inspection, runner, lock, backfill) over `url`.
fn cli_over_tls(dir: &Path, plain: &str, refused: &str, url: &str) {
    expect_output(
        &migrator_in(dir, Some(plain), &["status"], &[]),
        1,
        &["cannot connect to", refused],
    );
    let u = Some(url);
    expect_output(
        &migrator_in(dir, u, &["apply"], &[]),
        0,
        &["20260101000001_seen", "20260101000002_fill"],
    );
    expect_output(
        &migrator_in(dir, u, &["status"], &[]),
        0,
        &["2 applied, 0 pending"],
    );
    expect_output(
        &migrator_in(dir, u, &["drift", "--schema", "schema.sql"], &[]),
        2,
        &["extra"],
    );
    expect_output(
        &migrator_in(dir, u, &["diff", "--from", url, "--to", "schema.sql"], &[]),
        2,
        &["extra"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_cli_runs_entirely_over_tls() {
    let Some((pg, _, ca)) = servers() else { return };
    let db = fresh_pg_db("tls_cli").await.unwrap();
    let (role, password) = pg_tls_only_user(&pg).await;
    let login = with_user(&db.url, &role, &password);
    let dir = tls_project(
        "ssl boolean",
        "ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    );
    let url = pg_tls(&with_host(&login, "localhost"), "verify-full", Some(&ca));
    // How the server words the pg_hba.conf refusal of a plain connection: "no encryption"
    // since Postgres 14, "SSL off" in 13.
    let refused = if pg_version(&pg).await.major() >= 14 {
        "no encryption"
    } else {
        "SSL off"
    };
    cli_over_tls(dir.path(), &pg_tls(&login, "disable", None), refused, &url);
    expect_output(
        &migrator_in(dir.path(), Some(&url), &["plan", "--dry-run"], &[]),
        0,
        &["extra"],
    );
    let seen = pg_query_strings(&db.url, "SELECT ssl::text, v::text FROM seen").await;
    assert_eq!(
        seen,
        vec![vec![Some("true".to_string()), Some("1".to_string())]],
        "the migration ran on an encrypted session and the backfill filled v"
    );
    db.drop_db().await;
    pg_exec(&pg, &format!("DROP ROLE {role}")).await;
}

// ------------------------------------------------------------------------------ MariaDB

#[tokio::test]
async fn mysql_required_and_verify_identity_encrypt() {
    let Some((_, my, ca)) = servers() else { return };
    let local = with_host(&my, "localhost");
    assert_eq!(
        mysql_session_cipher(&mysql_tls(&my, "DISABLED", None)).await,
        Ok(String::new()),
        "control: a plain session has no cipher"
    );
    for url in [
        mysql_tls(&my, "REQUIRED", None),
        mysql_tls(&local, "VERIFY_IDENTITY", Some(&ca)),
        // VERIFY_CA accepts the certificate although it does not name 127.0.0.1.
        mysql_tls(&my, "VERIFY_CA", Some(&ca)),
        // The default is PREFERRED, like the mysql client's.
        my.clone(),
        // mysql_async's own spellings.
        with_params(
            &my,
            &format!(
                "require_ssl=true&verify_identity=false&ssl-ca={}",
                url_value(&ca)
            ),
        ),
    ] {
        let cipher = mysql_session_cipher(&url).await;
        assert!(
            matches!(&cipher, Ok(c) if !c.is_empty()),
            "{}: {cipher:?}",
            redact_url(&url)
        );
    }
}

#[tokio::test]
async fn mysql_verification_failures_say_what_to_do() {
    let Some((_, my, ca)) = servers() else { return };
    let dir = TempDir::new();
    let wrong = unrelated_ca(&dir);
    let local = with_host(&my, "localhost");
    let secret = password_of(&my);
    assert_refused(
        mysql_session_cipher(&mysql_tls(&my, "VERIFY_IDENTITY", Some(&ca))).await,
        &[
            "cannot connect to mysql://migrator:***@127.0.0.1",
            "not valid for the host name `127.0.0.1`",
            "it names localhost",
            "ssl-mode=VERIFY_CA",
        ],
        &secret,
    );
    for mode in ["VERIFY_CA", "VERIFY_IDENTITY"] {
        assert_refused(
            mysql_session_cipher(&mysql_tls(&local, mode, None)).await,
            &["not signed by a trusted CA", "no ssl-ca=PATH is given"],
            &secret,
        );
        assert_refused(
            mysql_session_cipher(&mysql_tls(&local, mode, Some(&wrong))).await,
            &[
                "not signed by a trusted CA",
                wrong.to_str().unwrap(),
                "ssl-mode=REQUIRED",
            ],
            &secret,
        );
        assert_refused(
            mysql_session_cipher(&mysql_tls(&my, mode, Some(&wrong))).await,
            &["not signed by a trusted CA"],
            &secret,
        );
    }
    assert_refused(
        mysql_session_cipher(&mysql_tls(&my, "SOMETIMES", None)).await,
        &["`ssl-mode=SOMETIMES` is not a TLS mode", "VERIFY_IDENTITY"],
        &secret,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mysql_cli_runs_entirely_over_tls() {
    let Some((_, my, ca)) = servers() else { return };
    let db = fresh_mysql_db("tls_cli").await.unwrap();
    let user = unique_name("tls_only");
    let password = format!("pw{}", unique_name("x"));
    mysql_create_login(&my, &user, &password, "REQUIRE SSL").await;
    let login = with_user(&db.url, &user, &password);
    // The session's status: information_schema.SESSION_STATUS on MariaDB,
    // performance_schema.session_status on MySQL (which dropped the former in 8.0).
    let status_table = if mysql_flavor(&my).await.is_mariadb() {
        "information_schema.SESSION_STATUS"
    } else {
        "performance_schema.session_status"
    };
    let dir = tls_project(
        "cipher VARCHAR(200)",
        &format!("VARIABLE_VALUE FROM {status_table} WHERE VARIABLE_NAME = 'SSL_CIPHER'"),
    );
    let url = mysql_tls(
        &with_host(&login, "localhost"),
        "VERIFY_IDENTITY",
        Some(&ca),
    );
    cli_over_tls(
        dir.path(),
        &mysql_tls(&login, "DISABLED", None),
        "Access denied",
        &url,
    );
    let seen = mysql_query_strings(&db.url, "SELECT cipher, v FROM seen").await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        matches!(&seen[0][0], Some(c) if !c.is_empty()),
        "the migration ran on an encrypted session: {seen:?}"
    );
    assert_eq!(seen[0][1].as_deref(), Some("1"), "the backfill filled v");
    db.drop_db().await;
    mysql_exec(&my, &format!("DROP USER '{user}'@'127.0.0.1'")).await;
}

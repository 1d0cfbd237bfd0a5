//! The command line as a user meets it (issue 18): help texts (every command and argument
//! described, a subcommand's own options before the global ones), shell completions, man
//! pages, `--color` / `NO_COLOR`, and "applied …" lines printed as each migration finishes.
//! The first groups need no server; the streaming and colour-of-logs tests run on both.

use migrator_tests::cli::*;
use migrator_tests::{migrator_bin, migrator_in, on_both, output_text, TempDir};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `migrator ARGS` with no project, no database and no colour variables from the test's own
/// environment.
fn bare(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(migrator_bin());
    c.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MIGRATOR_DEV_URL")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run migrator")
}

fn stdout_of(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", output_text(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const COMMANDS: &[&str] = &[
    "diff",
    "plan",
    "new",
    "apply",
    "rollback",
    "status",
    "drift",
    "verify",
    "rehash",
    "baseline",
    "repair",
    "lint",
    "completions",
    "man",
    "erd",
    "backfill",
];

/// The entries (`  --flag <X>  text`, `  <ARG>  text`, `  name  text`) of one `-h` section.
fn entries<'a>(help: &'a str, heading: &str) -> Vec<&'a str> {
    let Some(start) = help.find(&format!("\n{heading}:\n")) else {
        return Vec::new();
    };
    help[start + heading.len() + 3..]
        .lines()
        .take_while(|l| l.starts_with(' '))
        .collect()
}

#[test]
fn every_command_and_argument_has_a_description() {
    let top = stdout_of(&bare(&["-h"], &[]));
    let listed = entries(&top, "Commands");
    for name in COMMANDS {
        let line = listed
            .iter()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("`{name}` not listed in:\n{top}"));
        assert!(
            line.trim_start()[name.len()..].trim().len() > 10,
            "`{name}` has no description: {line:?}"
        );
    }
    let mut checked = 0;
    for name in COMMANDS {
        let help = stdout_of(&bare(&[name, "-h"], &[]));
        for heading in ["Arguments", "Options", "Global options"] {
            for line in entries(&help, heading) {
                // `  --flag <X>   description`: the spec, then two or more spaces, then text.
                let spec_and_text: Vec<&str> = line.trim().splitn(2, "  ").collect();
                assert!(
                    spec_and_text.len() == 2 && !spec_and_text[1].trim().is_empty(),
                    "`migrator {name} -h`: an entry without a description under {heading}: {line:?}\n{help}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} entries checked");
}

#[test]
fn baseline_version_is_described() {
    let help = stdout_of(&bare(&["baseline", "--help"], &[]));
    assert!(
        help.contains("<VERSION>\n          A migration version"),
        "{help}"
    );
}

#[test]
fn a_subcommand_lists_its_own_options_first_and_the_global_ones_under_a_heading() {
    for (name, own) in [
        ("apply", "--contract"),
        ("rollback", "--steps"),
        ("lint", "--dialect"),
        ("plan", "--dry-run"),
    ] {
        let help = stdout_of(&bare(&[name, "--help"], &[]));
        let own_at = help.find(own).unwrap_or_else(|| panic!("{own}: {help}"));
        let heading = help
            .find("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("no `Global options:` heading:\n{help}"));
        let global_at = help.find("--database-url").unwrap();
        assert!(
            own_at < heading && heading < global_at,
            "`migrator {name} --help`: own options first, then the global ones:\n{help}"
        );
        // The global options are not repeated among the command's own.
        assert!(
            !entries(&help, "Options")
                .iter()
                .any(|l| l.contains("--lock-timeout")),
            "{help}"
        );
    }
}

#[test]
fn format_github_is_documented_for_lint_and_drift() {
    for name in ["lint", "drift"] {
        let help = stdout_of(&bare(&[name, "--help"], &[]));
        assert!(
            help.contains("`--format github`") && help.contains("GitHub Actions annotations"),
            "`migrator {name} --help`:\n{help}"
        );
    }
    let help = stdout_of(&bare(&["status", "--help"], &[]));
    assert!(help.contains("for `lint` and `drift` only"), "{help}");
    assert!(
        help.contains("Exit 0 when nothing needs attention, 2 when"),
        "{help}"
    );
}

#[test]
fn bash_completion_registers_after_sourcing() {
    let script = stdout_of(&bare(&["completions", "bash"], &[]));
    assert!(script.contains("_migrator()"), "{script}");
    let dir = TempDir::new();
    dir.write("migrator.bash", &script);
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p migrator",
            dir.path().join("migrator.bash").display()
        ))
        .output()
        .expect("run bash");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(out.contains("-F _migrator migrator"), "{out}");
    // Completing `migrator ap` offers `apply`; `migrator apply --con` offers `--contract`.
    let complete = |words: &str| {
        let o = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; _migrator migrator \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                dir.path().join("migrator.bash").display()
            ))
            .output()
            .expect("run bash");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let offered = complete("migrator ap");
    assert!(offered.lines().any(|l| l == "apply"), "{offered}");
    let offered = complete("migrator apply --con");
    assert!(
        offered.lines().any(|l| l.trim() == "--contract"),
        "{offered}"
    );
}

#[test]
fn completions_for_zsh_fish_and_powershell_name_every_command() {
    for (shell, marker) in [
        ("zsh", "#compdef migrator"),
        ("fish", "complete -c migrator"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(&bare(&["completions", shell], &[]));
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        for name in COMMANDS {
            assert!(script.contains(name), "{shell}: `{name}` missing");
        }
        assert!(
            script.contains("lock-timeout"),
            "{shell}: global flags missing"
        );
    }
}

#[test]
fn man_pages_cover_the_tool_and_each_command() {
    let page = stdout_of(&bare(&["man"], &[]));
    assert!(page.contains(".TH migrator 1"), "{page}");
    assert!(page.contains("zero\\-downtime"), "{page}");
    let apply = stdout_of(&bare(&["man", "apply"], &[]));
    assert!(apply.contains(".TH migrator-apply 1"), "{apply}");
    assert!(apply.contains("\\-\\-contract"), "{apply}");
    assert!(
        apply.contains("\\-\\-lock\\-timeout"),
        "global options on the command's page: {apply}"
    );
    let dir = TempDir::new();
    let out = dir.path().join("man1");
    let o = bare(&["man", "--out-dir", out.to_str().unwrap()], &[]);
    stdout_of(&o);
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written.len(), COMMANDS.len() + 1, "{written:?}");
    for name in COMMANDS {
        assert!(
            written.contains(&format!("migrator-{name}.1")),
            "{written:?}"
        );
    }
    // The page renders with man(1), when the machine has it.
    if let Ok(o) = Command::new("man")
        .arg("-l")
        .arg(out.join("migrator-status.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output()
    {
        if o.status.success() {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(text.contains("GLOBAL OPTIONS"), "{text}");
        }
    }
}

const ESC: &str = "\x1b[";

#[test]
fn color_flag_and_no_color_decide_the_colour_of_usage_errors() {
    // Piped stderr: no colour unless --color always.
    let o = bare(&["verify", "--no-such-flag"], &[]);
    assert!(!output_text(&o).contains(ESC), "{}", output_text(&o));
    let o = bare(&["verify", "--no-such-flag", "--color", "always"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(output_text(&o).contains(ESC), "{}", output_text(&o));
    let o = bare(
        &["--color=always", "verify", "--no-such-flag"],
        &[("NO_COLOR", "1")],
    );
    assert!(
        output_text(&o).contains(ESC),
        "--color always wins over NO_COLOR"
    );
    let o = bare(&["verify", "--no-such-flag", "--color", "never"], &[]);
    assert!(!output_text(&o).contains(ESC), "{}", output_text(&o));
}

/// `sh -c CMD` under a pseudo-terminal (`script`), so that `auto` sees a terminal; `None` when
/// `script` is not installed.
fn in_pty(cmd: &str, env: &[(&str, &str)]) -> Option<String> {
    let mut c = Command::new("script");
    c.args(["-qec", cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().ok()?;
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn auto_colours_a_terminal_unless_no_color_is_set() {
    let bin = migrator_bin();
    let cmd = format!("{} verify --no-such-flag", bin.display());
    let Some(tty) = in_pty(&cmd, &[]) else {
        eprintln!("skipped: no `script` command for a pseudo-terminal");
        return;
    };
    assert!(tty.contains(ESC), "a terminal gets colour: {tty:?}");
    let tty = in_pty(&cmd, &[("NO_COLOR", "1")]).unwrap();
    assert!(!tty.contains(ESC), "NO_COLOR: {tty:?}");
    let tty = in_pty(&format!("{cmd} --color never"), &[]).unwrap();
    assert!(!tty.contains(ESC), "--color never: {tty:?}");
}

/// Logs (`applying …` at info level) follow `--color` too; piped, they are plain.
async fn logs_follow_color(e: Engine) {
    let Some(db) = fresh(e, "color").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "create_a",
        "CREATE TABLE a (id INT PRIMARY KEY);\n",
        "DROP TABLE a;\n",
    );
    rehash(&dir);
    let o = migrator_in(
        dir.path(),
        Some(&db.url),
        &["apply", "--color", "always"],
        &[],
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(err.contains("applying") && err.contains(ESC), "{err:?}");
    let o = migrator_in(dir.path(), Some(&db.url), &["rollback"], &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.contains("rolling back") && !err.contains(ESC),
        "{err:?}"
    );
    let o = migrator_in(
        dir.path(),
        Some(&db.url),
        &["apply", "--color", "never"],
        &[],
    );
    assert!(!output_text(&o).contains(ESC), "{}", output_text(&o));
    db.drop_db().await;
}

/// The "applied …" line of a migration is printed when it finishes, not when the run ends: the
/// first line arrives while the second migration (a 3-second sleep) still runs.
async fn applied_lines_stream(e: Engine) {
    let Some(db) = fresh(e, "stream").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "create_a",
        "CREATE TABLE a (id INT PRIMARY KEY);\n",
        "DROP TABLE a;\n",
    );
    add(
        &dir,
        "20260101000002",
        "slow",
        &format!("{};\n", e.sleep_sql(3.0)),
        "SELECT 1;\n",
    );
    rehash(&dir);
    let mut child = command(&dir, &db.url, &["apply", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn migrator");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().map(|l| l.unwrap());
        let at = Instant::now();
        let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
        (first, at, rest)
    });
    let status = child.wait().unwrap();
    let exited = Instant::now();
    let (first, first_at, rest) = reader.join().unwrap();
    assert!(status.success(), "{first:?} {rest:?}");
    let first = first.expect("a first line");
    assert!(
        first.starts_with("applied 20260101000001_create_a"),
        "{first}"
    );
    assert!(
        exited.duration_since(first_at) >= Duration::from_secs(2),
        "the first line came {:?} before the end: printed at the end, not as it finished",
        exited.duration_since(first_at)
    );
    assert!(
        rest.iter()
            .any(|l| l.starts_with("applied 20260101000002_slow")),
        "{rest:?}"
    );
    db.drop_db().await;
}

/// Ctrl-C during a backfill: the run stops after the batch in progress, says where and how to
/// resume, exits 130, and `apply` then resumes after the last committed key and finishes
/// everything (every row filled once, the migration after it applied).
async fn ctrl_c_stops_at_a_batch_and_apply_resumes(e: Engine) {
    let Some(db) = fresh(e, "sigint").await else {
        return;
    };
    let rows = match e {
        Engine::Postgres => "SELECT g, NULL FROM generate_series(1, 20000) g",
        Engine::Mariadb => "SELECT seq, NULL FROM seq_1_to_20000",
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "create_t",
        &format!(
            "CREATE TABLE t (id bigint PRIMARY KEY, v bigint);\nINSERT INTO t (id, v) {rows};\n"
        ),
        "DROP TABLE t;\n",
    );
    add(
        &dir,
        "20260101000002",
        "fill_v",
        "-- migrator:phase backfill\n-- migrator:backfill table=t key=id batch=500\n\
         UPDATE t SET v = id * 2;\n",
        "-- migrator:irreversible\n",
    );
    add(
        &dir,
        "20260101000003",
        "create_u",
        "CREATE TABLE u (id int PRIMARY KEY);\n",
        "DROP TABLE u;\n",
    );
    rehash(&dir);
    // 40 batches, 0.2 s apart: some 8 s of backfill to interrupt.
    let child = command(&dir, &db.url, &["apply", "--pause", "0.2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn migrator");
    let deadline = Instant::now() + Duration::from_secs(60);
    let exists = match e {
        Engine::Postgres => "SELECT COUNT(*) FROM pg_class WHERE relname = 'migrator_backfill'",
        Engine::Mariadb => "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'migrator_backfill'",
    };
    loop {
        let batches = if scalar(e, &db.url, exists).await == "0" {
            0
        } else {
            scalar(
                e,
                &db.url,
                "SELECT COALESCE(MAX(batches), 0) FROM migrator_backfill",
            )
            .await
            .parse::<u64>()
            .unwrap_or(0)
        };
        if batches >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the backfill never got going");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(130), "{text}");
    assert!(text.contains("interrupted: apply stops after"), "{text}");
    assert!(
        text.contains(
            "stopped on request: 20260101000002_fill_v.up.sql: the backfill of t after batch"
        ),
        "{text}"
    );
    assert!(
        text.contains("`migrator apply` resumes after key"),
        "{text}"
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("applied 20260101000001_create_t"),
        "{text}"
    );
    let filled: u64 = scalar(e, &db.url, "SELECT COUNT(*) FROM t WHERE v IS NOT NULL")
        .await
        .parse()
        .unwrap();
    assert!(
        filled > 0 && filled < 20000,
        "stopped part-way: {filled} filled"
    );
    let status = migrator(&dir, &db.url, &["status"]);
    assert_eq!(status.status.code(), Some(2), "{}", output_text(&status));
    assert!(
        output_text(&status).contains("partial"),
        "{}",
        output_text(&status)
    );

    let o = migrator(&dir, &db.url, &["apply"]);
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("applied 20260101000003_create_u"), "{text}");
    assert_eq!(
        scalar(e, &db.url, "SELECT COUNT(*) FROM t WHERE v = id * 2").await,
        "20000"
    );
    db.drop_db().await;
}

on_both!(
    logs_follow_color,
    applied_lines_stream,
    ctrl_c_stops_at_a_batch_and_apply_resumes
);

/// A Postgres backfill under a terminal draws a progress bar with a total and an ETA. The table
/// was never analyzed (no row estimate: `reltuples` is -1, or 0 on PG 13), so the total comes
/// from how far the batches got through the integer key's range: 20,000 dense keys.
#[tokio::test]
async fn pg_backfill_progress_bar_has_a_total_and_an_eta() {
    let Some(db) = fresh(Engine::Postgres, "progress").await else {
        return;
    };
    let dir = TempDir::new();
    add(
        &dir,
        "20260101000001",
        "create_t",
        "CREATE TABLE t (id bigint PRIMARY KEY, v bigint);\n\
         INSERT INTO t SELECT g, NULL FROM generate_series(1, 20000) g;\n",
        "DROP TABLE t;\n",
    );
    add(
        &dir,
        "20260101000002",
        "fill_v",
        "-- migrator:phase backfill\n-- migrator:backfill table=t key=id batch=1000\n\
         UPDATE t SET v = id * 2;\n",
        "-- migrator:irreversible\n",
    );
    rehash(&dir);
    let cmd = format!(
        "cd '{}' && '{}' apply --dir migrations --pause 0.1",
        dir.path().display(),
        migrator_bin().display()
    );
    let tty = in_pty(&cmd, &[("DATABASE_URL", db.url.as_str())]);
    let Some(tty) = tty else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no `script` command for a pseudo-terminal (util-linux)"
        );
        eprintln!("skipped: no `script` command for a pseudo-terminal");
        return;
    };
    assert!(
        tty.contains("applied 20260101000002_fill_v"),
        "the backfill ran: {tty:?}"
    );
    assert!(tty.contains("backfill t ["), "a bar: {tty:?}");
    assert!(tty.contains("/~20,000 rows"), "a total: {tty:?}");
    assert!(tty.contains("(ETA "), "an ETA: {tty:?}");
    db.drop_db().await;
}

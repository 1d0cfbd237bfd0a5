//! `migrator lint`: safety rules on hand-written migration SQL. Exit 2 when any error-level
//! finding remains.

use crate::args::{DialectArg, LintArgs};
use crate::context::Ctx;
use crate::output::out;
use crate::output::{self, Format};
use migrator_core::lint::{self, LintOptions, Linter};
use migrator_core::{Dialect, Error};

pub fn run(ctx: &Ctx, args: LintArgs) -> Result<u8, Error> {
    if args.list_rules {
        match ctx.format {
            Format::Text => out!("{}", lint::rules_table()),
            Format::Json => output::pretty_json(&lint::rule_infos()),
        }
        return Ok(0);
    }
    if let Some(name) = &args.explain {
        out!("{}", lint::explain(name)?);
        return Ok(0);
    }
    let linter = Linter::new(options(ctx, &args)?);
    let report = if args.files.is_empty() {
        linter.lint_dir(&ctx.dir)?
    } else {
        linter.lint_paths(&args.files)?
    };
    if ctx.github {
        out!("{}", report.github());
    } else {
        ctx.print(&report);
    }
    Ok(report.exit_code())
}

/// The rules' options: the dialect, then `[lint]` of the configuration file, then the flags.
fn options(ctx: &Ctx, args: &LintArgs) -> Result<LintOptions, Error> {
    let dialect = lint::resolve_dialect(
        args.dialect.map(|d| match d {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::Mysql,
        }),
        ctx.database_url.as_deref(),
    )?;
    let flag_error = |flag: &str, message: String| Error::Config {
        file: flag.to_string(),
        message,
    };
    let mut options = LintOptions::new(dialect).with_config(&ctx.lint, &ctx.config_file)?;
    options.standalone |= args.standalone;
    if let Some(v) = args.postgres_version {
        options.postgres_version =
            lint::check_postgres_version(v).map_err(|m| flag_error("--postgres-version", m))?;
    }
    if let Some(f) = &args.mysql_flavor {
        options.mysql_flavor = f.parse().map_err(|m| flag_error("--mysql-flavor", m))?;
    }
    for rule in &args.disable {
        options
            .disable(rule)
            .map_err(|m| flag_error("--disable", m))?;
    }
    Ok(options)
}

//! Sources of a schema model: a live database, a declared schema (SQL files), or a migrations
//! directory. The last two are loaded into a [`scratch::Scratch`] database on a server and read
//! back with the same [`crate::catalog`] inspector as a live database, so both sides of a diff are
//! normalized by the server itself.
//!
//! - [`scratch`]: creating and dropping scratch databases;
//! - `unmanaged` and [`ignore`]: the refusal of declared objects migrator does not model, and
//!   the user's opt-out per kind.
//!
//! The `-- migrator:` hints of a declared schema are read here, with its statements, but belong
//! to the diff ([`crate::diff::hints`]).

pub mod ignore;
pub mod scratch;
mod unmanaged;

pub use ignore::{Ignore, Unmodelled};

pub use scratch::Scratch;

use crate::catalog;
use crate::diff::hints::{self, Hints};
use crate::migrations::{normalize, split, Statement};
use crate::runner::ApplyOptions;
use crate::schema::Database;
use crate::{DatabaseUrl, Dialect, Error, MigrationSet, Migrator, Result};
use std::path::{Path, PathBuf};
use tracing::Instrument;

/// One file of a declared schema.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    pub name: String,
    pub statements: Vec<Statement>,
}

/// A declared schema: the `.sql` files of a file or directory, in name order, and their hints.
#[derive(Debug, Clone)]
pub struct DeclaredSchema {
    pub files: Vec<SchemaFile>,
    pub hints: Hints,
}

impl DeclaredSchema {
    /// Reads a `.sql` file, or every `.sql` file below a directory (sorted by path).
    pub fn read(path: &Path, dialect: Dialect) -> Result<DeclaredSchema> {
        let mut paths = Vec::new();
        if path.is_dir() {
            collect_sql(path, &mut paths)?;
            paths.sort();
            if paths.is_empty() {
                return Err(Error::Directory {
                    file: path.display().to_string(),
                    message: "no .sql files in the declared schema directory".into(),
                });
            }
        } else {
            paths.push(path.to_path_buf());
        }
        let mut files = Vec::new();
        let mut hints = Hints::default();
        for p in paths {
            let name = p.display().to_string();
            let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
            let text = normalize(&name, &bytes)?;
            let statements = split(&name, &text, dialect)?;
            if let Some((s, what)) = statements
                .iter()
                .find_map(|s| ignore::other_database(&s.sql, dialect).map(|w| (s, w)))
            {
                return Err(Error::Syntax {
                    file: name,
                    line: s.line,
                    message: format!(
                        "`{what}` in a declared schema acts on another database of the server than the one it describes; remove it (a declared schema holds the objects of one database)"
                    ),
                });
            }
            hints.extend(hints::parse(&name, &text, &statements, dialect)?);
            files.push(SchemaFile { name, statements });
        }
        Ok(DeclaredSchema { files, hints })
    }

    /// Runs every statement on `url` (an empty scratch database). A failing statement is reported
    /// at its file and line with the server's message.
    pub async fn load_into(&self, url: &DatabaseUrl) -> Result<()> {
        let mut server = crate::server::connect(url).await?;
        let mut result = Ok(());
        for f in &self.files {
            let sql: Vec<&str> = f.statements.iter().map(|s| s.sql.as_str()).collect();
            if let Err(failure) = server.run_script(&sql).await {
                result = Err(load_error(
                    f,
                    &f.statements[failure.index],
                    &failure.message,
                ));
                break;
            }
        }
        server.close().await;
        result
    }
}

fn load_error(f: &SchemaFile, s: &Statement, message: &str) -> Error {
    Error::Syntax {
        file: f.name.clone(),
        line: s.line,
        message: format!("the declared schema does not load: {message}"),
    }
}

fn collect_sql(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            collect_sql(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a live database.
pub async fn inspect_live(url: &DatabaseUrl) -> Result<Database> {
    catalog::connect(url).await?.inspect(&[]).await
}

/// Loads a declared schema into a scratch database on `server` and reads it back. What it
/// declares that migrator does not model is refused at its line, unless its kind is in `ignore`.
pub async fn inspect_declared(
    server: &DatabaseUrl,
    path: &Path,
    ignore: Ignore,
) -> Result<(Database, Hints)> {
    let mut declared = DeclaredSchema::read(path, server.dialect())?;
    ignore::set_aside(&mut declared, ignore)?;
    let db = in_scratch(server, Load::Declared(&declared)).await?;
    unmanaged::refuse_unmanaged(&declared, &db, ignore)?;
    Ok((db, declared.hints))
}

/// Replays a migrations directory (every migration, contract ones included) into a scratch
/// database on `server` and reads the result: the schema the files produce.
pub async fn inspect_replayed(server: &DatabaseUrl, set: &MigrationSet) -> Result<Database> {
    in_scratch(server, Load::Replay(set, None)).await
}

/// The same, replaying only the migrations up to and including `to` (`drift` compares a live
/// database with what its applied migrations produce).
pub async fn inspect_replayed_up_to(
    server: &DatabaseUrl,
    set: &MigrationSet,
    to: crate::migrations::Version,
) -> Result<Database> {
    in_scratch(server, Load::Replay(set, Some(to))).await
}

/// What to put into a scratch database.
enum Load<'a> {
    Declared(&'a DeclaredSchema),
    /// Every migration, or those up to a version.
    Replay(&'a MigrationSet, Option<crate::migrations::Version>),
}

/// Creates a scratch database, fills it, inspects it, and drops it on every path.
async fn in_scratch(server: &DatabaseUrl, load: Load<'_>) -> Result<Database> {
    let scratch = Scratch::create(server).await?;
    let result = async {
        match load {
            Load::Declared(d) => d.load_into(&scratch.url).await?,
            Load::Replay(set, to) => {
                let opts = ApplyOptions { to, contract: true };
                // Replays log inside a `scratch` span, which the CLI keeps quiet.
                Migrator::new(set.clone())
                    .apply_with(&scratch.url, &opts)
                    .instrument(tracing::info_span!("scratch"))
                    .await?;
            }
        }
        let mut db = inspect_live(&scratch.url).await?;
        // A MySQL scratch database is itself the schema: give it the server URL's database name
        // (the live database's, when the server is the live one), references included, so that
        // it compares with the live database whatever their names.
        if server.dialect().database_is_schema() {
            db.rename_schema(scratch.name(), &server.database().unwrap_or_default());
        }
        Ok(db)
    }
    .await;
    let name = scratch.name().to_string();
    if let Err(e) = scratch.drop().await {
        tracing::warn!("could not drop scratch database {name}: {e}");
    }
    result
}

/// Where a schema comes from, as `migrator diff --from / --to` name it.
#[derive(Debug, Clone)]
pub enum Source {
    /// A live database.
    Database(DatabaseUrl),
    /// A migrations directory, replayed.
    Migrations(PathBuf),
    /// A declared schema: a `.sql` file or a directory of them.
    Declared(PathBuf),
}

impl Source {
    /// `postgres://…` / `mysql://…` → database; a directory holding `migrator.sum` or
    /// `*.up.sql` files → migrations; any other path → declared schema.
    pub fn parse(text: &str) -> Result<Source> {
        if text.contains("://") {
            return Ok(Source::Database(DatabaseUrl::parse(text)?));
        }
        let path = PathBuf::from(text);
        if !path.exists() {
            return Err(Error::Directory {
                file: text.to_string(),
                message: "no such file or directory (expected a database URL, a migrations directory or a .sql file)".into(),
            });
        }
        if path.is_dir() {
            let is_migrations = path.join(crate::migrations::SUM_FILE).exists()
                || std::fs::read_dir(&path)
                    .map_err(|e| Error::io(&path, e))?
                    .filter_map(|e| e.ok())
                    .any(|e| e.file_name().to_string_lossy().ends_with(".up.sql"));
            if is_migrations {
                return Ok(Source::Migrations(path));
            }
        }
        Ok(Source::Declared(path))
    }

    pub fn url(&self) -> Option<&DatabaseUrl> {
        match self {
            Source::Database(u) => Some(u),
            _ => None,
        }
    }

    /// Reads the schema (and the hints of a declared schema), using `dev` for scratch databases;
    /// `ignore` as for [`inspect_declared`].
    pub async fn inspect(
        &self,
        dev: Option<&DatabaseUrl>,
        ignore: Ignore,
    ) -> Result<(Database, Hints)> {
        let need_dev = || {
            dev.ok_or_else(|| Error::Config {
                file: "arguments".into(),
                message: "reading SQL files needs a database server for a scratch database: pass --dev-url (or a database URL on the other side)".into(),
            })
        };
        match self {
            Source::Database(url) => Ok((inspect_live(url).await?, Hints::default())),
            Source::Migrations(dir) => {
                let set = MigrationSet::load_dir(dir)?;
                set.check_integrity()?;
                Ok((inspect_replayed(need_dev()?, &set).await?, Hints::default()))
            }
            Source::Declared(path) => inspect_declared(need_dev()?, path, ignore).await,
        }
    }
}

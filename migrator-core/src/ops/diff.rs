//! `migrator diff`: two sources read and diffed, the changes rendered as one script.

use crate::diff::{Change, DiffOptions};
use crate::render::SqlStatement;
use crate::source::{Ignore, Source};
use crate::{DatabaseUrl, Error, Result};

/// The result of diffing two sources.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceDiff {
    pub changes: Vec<Change>,
    pub statements: Vec<SqlStatement>,
}

/// Reads both sides and diffs them. Scratch databases go to `dev`, else to the server of
/// whichever side is a database. A declared side's unmodelled objects of `ignore` kinds are
/// passed over.
pub async fn diff_sources(
    from: &Source,
    to: &Source,
    dev: Option<&DatabaseUrl>,
    opts: DiffOptions,
    ignore: Ignore,
) -> Result<SourceDiff> {
    let dev = dev.or(from.url()).or(to.url());
    // Both sides at once: each is a round trip or two on its own connection.
    let (a, b) = tokio::join!(from.inspect(dev, ignore), to.inspect(dev, ignore));
    let ((a, _), (b, hints)) = (a?, b?);
    if a.dialect != b.dialect {
        return Err(Error::Refused(format!(
            "cannot diff a {} schema against a {} one",
            a.dialect, b.dialect
        )));
    }
    let changes = crate::diff::diff(&a, &b, &hints, opts)?;
    let renderer = crate::render::renderer_for(&a)?;
    let statements = crate::render::try_render_all(renderer.as_ref(), &changes)?;
    Ok(SourceDiff {
        changes,
        statements,
    })
}

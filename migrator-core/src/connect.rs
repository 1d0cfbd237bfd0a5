//! Opening connections. The only module that hands a password to a driver; errors it returns
//! carry the redacted URL.

use crate::{DatabaseUrl, Error, Result};

/// A dedicated (non-pooled) Postgres connection; its driver task runs on the current runtime.
pub async fn postgres(url: &DatabaseUrl, application_name: &str) -> Result<tokio_postgres::Client> {
    let mut config: tokio_postgres::Config = url.expose().parse().map_err(|e| Error::Url {
        url: url.redacted(),
        message: format!("{e}"),
    })?;
    if config.get_application_name().is_none() {
        config.application_name(application_name);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    let (client, connection) =
        config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| Error::Connect {
                target: url.redacted(),
                message: pg_error_text(&e),
            })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("postgres connection closed: {e}");
        }
    });
    Ok(client)
}

/// A dedicated (non-pooled) MySQL / MariaDB connection. Not from a pool: a pool resets the
/// session when a connection is returned, which releases `GET_LOCK` locks.
pub async fn mysql(url: &DatabaseUrl) -> Result<mysql_async::Conn> {
    let opts = mysql_async::Opts::from_url(url.expose()).map_err(|e| Error::Url {
        url: url.redacted(),
        // The driver's message may quote the URL; say only what kind of problem it is.
        message: mysql_url_problem(&e),
    })?;
    let builder = mysql_async::OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .wait_timeout(Some(28_800))
        // Rows matched, not only rows changed, like Postgres (backfill batches count them).
        .client_found_rows(true);
    let connect = mysql_async::Conn::new(builder);
    match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(Error::Connect {
            target: url.redacted(),
            message: scrub(&e.to_string(), url),
        }),
        Err(_) => Err(Error::Connect {
            target: url.redacted(),
            message: "timed out after 10 s".into(),
        }),
    }
}

/// The full text of a Postgres error: the server's message with its detail and hint, or the
/// client-side cause.
pub fn pg_error_text(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(d) = db.detail() {
            s.push_str(&format!("; detail: {d}"));
        }
        if let Some(h) = db.hint() {
            s.push_str(&format!("; hint: {h}"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    s
}

fn mysql_url_problem(e: &mysql_async::UrlError) -> String {
    use mysql_async::UrlError::*;
    match e {
        UnsupportedScheme { .. } => "unsupported scheme".into(),
        InvalidParamValue { param, .. } => format!("invalid value for parameter `{param}`"),
        UnknownParameter { param } => format!("unknown parameter `{param}`"),
        _ => "malformed URL".into(),
    }
}

/// Removes the password of `url` from a driver message, should the driver have echoed it.
fn scrub(message: &str, url: &DatabaseUrl) -> String {
    let raw = url.expose();
    let password = raw
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .and_then(|auth| auth.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p.to_string());
    match password {
        Some(p) if !p.is_empty() => message.replace(&p, "***"),
        _ => message.to_string(),
    }
}

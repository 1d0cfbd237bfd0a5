//! Opening connections. The only module that hands a password to a driver; errors it returns
//! carry the redacted URL.
//!
//! TLS follows the URL's settings ([`crate::tls`]) on every connection: runner, lock,
//! backfill, catalog inspection and scratch databases all connect through here.

use crate::tls::{connect_error, find_rustls_error, presented_name, TlsMode, TlsSettings};
use crate::{DatabaseUrl, Error, Result};
use tokio_postgres::config::SslMode;

/// A dedicated (non-pooled) Postgres connection; its driver task runs on the current runtime.
pub async fn postgres(url: &DatabaseUrl, application_name: &str) -> Result<tokio_postgres::Client> {
    let mut config: tokio_postgres::Config = url.driver_url().parse().map_err(|e| Error::Url {
        url: url.redacted(),
        // With its cause: which option or value is wrong (`invalid value for option `port``).
        message: scrub(&pg_error_text(&e), url),
    })?;
    if config.get_application_name().is_none() {
        config.application_name(application_name);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    let tls = url.tls();
    let rustls_config = match tls.mode {
        TlsMode::Disable => None,
        _ => Some(
            tls.postgres_client_config()
                .map_err(|m| connect_error(url, m))?,
        ),
    };
    config.ssl_mode(match tls.mode {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
    });
    let client = match pg_connect(&config, rustls_config).await {
        Ok(client) => client,
        // libpq's `prefer`: when the TLS handshake itself fails, try again without TLS.
        Err(e) if tls.mode == TlsMode::Prefer && is_pg_tls_failure(&e) => {
            tracing::debug!(
                "TLS handshake with {} failed ({}); sslmode=prefer: connecting without TLS",
                url.redacted(),
                scrub(&pg_error_text(&e), url)
            );
            config.ssl_mode(SslMode::Disable);
            pg_connect(&config, None)
                .await
                .map_err(|e| pg_connect_error(url, &e))?
        }
        Err(e) => return Err(pg_connect_error(url, &e)),
    };
    if url.schema().is_some() {
        set_schema(&client, url).await?;
    }
    Ok(client)
}

/// Makes a session work in `url`'s schema (a schema target's `search_path`, bound, so any
/// name is safe), or in the connection's own default when it names none.
pub(crate) async fn set_schema(client: &tokio_postgres::Client, url: &DatabaseUrl) -> Result<()> {
    let set = match url.schema() {
        Some(schema) => {
            client
                .execute(
                    "SELECT set_config('search_path', $1, false)",
                    &[&crate::Dialect::Postgres.ident(schema)],
                )
                .await
        }
        None => client.execute("RESET search_path", &[]).await,
    };
    set.map(|_| ()).map_err(|e| {
        Error::db(
            format!("setting search_path on {}", url.redacted()),
            pg_error_text(&e),
        )
    })
}

async fn pg_connect(
    config: &tokio_postgres::Config,
    tls: Option<rustls::ClientConfig>,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    Ok(match tls {
        Some(tls) => {
            let (client, connection) = config
                .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
                .await?;
            spawn_connection(connection);
            client
        }
        None => {
            let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
            spawn_connection(connection);
            client
        }
    })
}

fn spawn_connection<F>(connection: F)
where
    F: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("postgres connection closed: {e}");
        }
    });
}

fn is_pg_tls_failure(e: &tokio_postgres::Error) -> bool {
    find_rustls_error(e).is_some() || e.to_string().contains("TLS handshake")
}

fn pg_connect_error(url: &DatabaseUrl, e: &tokio_postgres::Error) -> Error {
    let tls = url.tls();
    let text = pg_error_text(e);
    let message = if text.contains("server does not support TLS") {
        tls.no_tls_on_server()
    } else if let Some(r) = find_rustls_error(e) {
        tls.explain(r, &url.host().unwrap_or_default())
    } else {
        text
    };
    connect_error(url, scrub(&message, url))
}

/// A dedicated (non-pooled) MySQL / MariaDB connection. Not from a pool: a pool resets the
/// session when a connection is returned, which releases `GET_LOCK` locks.
pub async fn mysql(url: &DatabaseUrl) -> Result<mysql_async::Conn> {
    let opts = mysql_async::Opts::from_url(&url.driver_url()).map_err(|e| Error::Url {
        url: url.redacted(),
        // The driver's message may quote the URL; say only what kind of problem it is.
        message: mysql_url_problem(&e),
    })?;
    let builder = mysql_async::OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .wait_timeout(Some(28_800))
        // Rows matched, not only rows changed, like Postgres (backfill batches count them).
        .client_found_rows(true);
    let tls = url.tls();
    let ssl = mysql_ssl_opts(tls).map_err(|m| connect_error(url, m))?;
    let host = url.host().unwrap_or_default();
    match mysql_try(builder.clone().ssl_opts(ssl.clone())).await {
        Ok(conn) => Ok(conn),
        Err(MysqlFailure::Driver(e)) if tls.mode == TlsMode::Prefer && is_mysql_tls_failure(&e) => {
            // PREFERRED: the server has no TLS (or the handshake failed): go plain.
            tracing::debug!(
                "no TLS with {} ({}); ssl-mode=PREFERRED: connecting without TLS",
                url.redacted(),
                scrub(&e.to_string(), url)
            );
            mysql_try(builder.ssl_opts(None))
                .await
                .map_err(|f| mysql_connect_error(url, f))
        }
        Err(MysqlFailure::Driver(e)) if tls.mode == TlsMode::VerifyCa => {
            // mysql_async cannot check the CA without the host name on this rustls version
            // (its `skip_domain_validation` looks for "NotValidForName" in an error text that
            // no longer contains it). rustls checks the chain *before* the name, so a
            // name-only failure proves the certificate chains to the CA; connect again checking
            // the certificate against one of the names it presents: the new connection is
            // verified in full (chain and name) again, so another server cannot slip in.
            let retry_name = match find_rustls_error(&e) {
                Some(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForNameContext { presented, .. },
                )) => presented.iter().find_map(|p| presented_name(p)),
                _ => None,
            };
            let (Some(name), Some(ssl)) = (retry_name, ssl) else {
                return Err(mysql_connect_error(url, MysqlFailure::Driver(e)));
            };
            tracing::debug!("ssl-mode=VERIFY_CA: checking the certificate of {host} as `{name}`");
            let ssl = ssl.with_danger_tls_hostname_override(Some(name));
            mysql_try(builder.ssl_opts(ssl))
                .await
                .map_err(|f| mysql_connect_error(url, f))
        }
        Err(f) => Err(mysql_connect_error(url, f)),
    }
}

fn mysql_ssl_opts(tls: &TlsSettings) -> Result<Option<mysql_async::SslOpts>, String> {
    // mysql_async builds its rustls configuration with the process-default provider.
    crate::tls::provider();
    let any_cert = || mysql_async::SslOpts::default().with_danger_accept_invalid_certs(true);
    Ok(match tls.mode {
        TlsMode::Disable => None,
        // Like libmysqlclient: PREFERRED and REQUIRED encrypt without checking the certificate.
        TlsMode::Prefer | TlsMode::Require => Some(any_cert()),
        TlsMode::VerifyCa | TlsMode::VerifyFull => {
            let mut ssl = mysql_async::SslOpts::default();
            match tls.read_root_certs()? {
                Some(certs) => {
                    // Only the given CA, like libmysqlclient's --ssl-ca.
                    let roots = certs
                        .into_iter()
                        .map(|c| c.as_ref().to_vec().into())
                        .collect();
                    ssl = ssl.with_root_certs(roots).with_disable_built_in_roots(true);
                }
                None if !tls.builtin_roots => {
                    return Err(format!(
                        "built_in_roots=false and no {} given: no CA to check the server against",
                        tls.ca_param()
                    ))
                }
                None => {}
            }
            Some(ssl.with_danger_skip_domain_validation(tls.mode == TlsMode::VerifyCa))
        }
    })
}

enum MysqlFailure {
    Driver(mysql_async::Error),
    Timeout,
}

async fn mysql_try(builder: mysql_async::OptsBuilder) -> Result<mysql_async::Conn, MysqlFailure> {
    let connect = mysql_async::Conn::new(builder);
    match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(MysqlFailure::Driver(e)),
        Err(_) => Err(MysqlFailure::Timeout),
    }
}

fn is_mysql_tls_failure(e: &mysql_async::Error) -> bool {
    matches!(
        e,
        mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer)
    ) || find_rustls_error(e).is_some()
}

fn mysql_connect_error(url: &DatabaseUrl, failure: MysqlFailure) -> Error {
    let tls = url.tls();
    let message = match failure {
        MysqlFailure::Timeout => "timed out after 10 s".into(),
        MysqlFailure::Driver(mysql_async::Error::Driver(
            mysql_async::DriverError::NoClientSslFlagFromServer,
        )) => tls.no_tls_on_server(),
        MysqlFailure::Driver(e) => match find_rustls_error(&e) {
            Some(r) => tls.explain(r, &url.host().unwrap_or_default()),
            None => e.to_string(),
        },
    };
    connect_error(url, scrub(&message, url))
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
        // The URL parser's messages name the part, never quote it (`invalid port number`).
        Parse(e) => format!("malformed URL: {e}"),
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

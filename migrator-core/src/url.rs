//! Database URLs. The raw text (with its password) stays private to this module and
//! [`crate::connect`]; everything printable goes through [`DatabaseUrl::redacted`].

use crate::tls::{is_tls_param, TlsSettings};
use crate::{Dialect, Error, Result};
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    dialect: Dialect,
    /// From the query string (`sslmode`, `ssl-mode`, …); see [`crate::tls`].
    tls: TlsSettings,
    /// Postgres: the schema a fleet target lives in (schema-per-tenant; see [`crate::fleet`]):
    /// the connection's `search_path`, so its history table and the migrations' unqualified
    /// names are the tenant's.
    schema: Option<String>,
}

impl DatabaseUrl {
    /// Parses `postgres://…`, `postgresql://…`, `mysql://…` or `mariadb://…`.
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let scheme = raw.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        let dialect = match scheme.as_deref() {
            Some("postgres" | "postgresql") => Dialect::Postgres,
            Some("mysql" | "mariadb") => Dialect::Mysql,
            Some(other) => {
                return Err(Error::Url {
                    url: redact(raw),
                    message: format!(
                        "unsupported scheme `{other}`; use postgres://… or mysql://… (MariaDB too)"
                    ),
                })
            }
            None => return Err(Error::Url {
                url: redact(raw),
                message:
                    "not a URL; expected postgres://user:password@host:port/database or mysql://…"
                        .into(),
            }),
        };
        let (_, rest) = raw.split_once("://").unwrap_or((raw, ""));
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let host = authority.rsplit('@').next().unwrap_or("");
        // Postgres may omit the host (Unix socket, or `?host=`); MySQL URLs need one.
        if host.is_empty() && dialect.url_needs_host() {
            return Err(Error::Url {
                url: redact(raw),
                message: "no host given".into(),
            });
        }
        let raw = match dialect {
            // mysql_async only knows the mysql:// scheme.
            Dialect::Mysql if !raw.starts_with("mysql://") => format!("mysql://{rest}"),
            _ => raw.to_string(),
        };
        let tls = TlsSettings::from_params(dialect, &query_params(&raw)).map_err(|message| {
            Error::Url {
                url: redact(&raw),
                message,
            }
        })?;
        Ok(DatabaseUrl {
            raw,
            dialect,
            tls,
            schema: None,
        })
    }

    /// The TLS settings given in the URL (default: TLS when the server offers it).
    pub fn tls(&self) -> &TlsSettings {
        &self.tls
    }

    /// The host as written in the URL (without port), if any.
    pub fn host(&self) -> Option<String> {
        let rest = self.raw.split_once("://")?.1;
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let hostport = authority.rsplit('@').next().unwrap_or("");
        let host = if let Some(v6) = hostport.strip_prefix('[') {
            v6.split(']').next().unwrap_or("")
        } else {
            hostport.split(':').next().unwrap_or("")
        };
        (!host.is_empty()).then(|| percent_decode(host))
    }

    /// `host[:port]/database[/schema]`: a short name for one target of a fleet (no user, no
    /// password).
    pub fn label(&self) -> String {
        let rest = self.raw.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let hostport = authority.rsplit('@').next().unwrap_or("");
        let mut label = format!("{hostport}/{}", self.database().unwrap_or_default());
        if let Some(schema) = &self.schema {
            label.push('/');
            label.push_str(schema);
        }
        label
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The URL with any password replaced by `***`, safe for output and logs (and the
    /// schema of a schema target, as ` [schema NAME]`).
    pub fn redacted(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{} [schema {schema}]", redact(&self.raw)),
            None => redact(&self.raw),
        }
    }

    /// The database name (path component), if any.
    pub fn database(&self) -> Option<String> {
        let rest = self.raw.split_once("://")?.1;
        let path = rest.split_once('/')?.1;
        let name = path.split('?').next().unwrap_or("");
        (!name.is_empty()).then(|| percent_decode(name))
    }

    /// Refuses a URL that names no database, for a target database (not a server for scratch
    /// databases, whose database part is not used): Postgres would pick the database named
    /// after the user and MySQL none at all, so migrations would land somewhere unintended or
    /// fail late. `?dbname=` counts on Postgres.
    pub fn require_database(&self) -> Result<()> {
        let in_query = self.dialect == Dialect::Postgres
            && query_params(&self.raw)
                .iter()
                .any(|(k, v)| k == "dbname" && !v.is_empty());
        if self.database().is_some() || in_query {
            return Ok(());
        }
        let example = match self.dialect {
            Dialect::Postgres => "postgres://user:password@host:5432/DATABASE",
            Dialect::Mysql => "mysql://user:password@host:3306/DATABASE",
        };
        Err(Error::Url {
            url: self.redacted(),
            message: format!(
                "no database name; add it to the URL ({example}). migrator does not guess one (Postgres would connect to the database named after the user)"
            ),
        })
    }

    /// The same server with another database name (used for scratch databases).
    pub fn with_database(&self, database: &str) -> DatabaseUrl {
        let (scheme, rest) = self.raw.split_once("://").unwrap_or(("", &self.raw));
        let (authority, tail) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let query = tail.split_once('?').map(|(_, q)| q);
        let mut raw = format!("{scheme}://{authority}/{database}");
        if let Some(q) = query {
            raw.push('?');
            raw.push_str(q);
        }
        DatabaseUrl {
            raw,
            dialect: self.dialect,
            tls: self.tls.clone(),
            schema: None,
        }
    }

    /// The same database, its connections working in `schema` (Postgres `search_path`): a
    /// schema-per-tenant fleet target.
    pub fn with_schema(&self, schema: &str) -> DatabaseUrl {
        DatabaseUrl {
            schema: Some(schema.to_string()),
            ..self.clone()
        }
    }

    /// Whether a session opened for `self` can serve `other` once switched over (a fleet
    /// hands sessions from one target to the next): on Postgres, the same database (`other`
    /// may name another schema); on MySQL, the same server and login (another database).
    pub fn session_reusable_for(&self, other: &DatabaseUrl) -> bool {
        match self.dialect {
            Dialect::Postgres => {
                self.raw == other.raw && self.tls == other.tls && other.dialect == self.dialect
            }
            Dialect::Mysql => {
                other.database().is_some() && self.with_database("") == other.with_database("")
            }
        }
    }

    /// The schema of [`DatabaseUrl::with_schema`], if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The full URL including the password. Only for handing to a driver.
    pub(crate) fn expose(&self) -> &str {
        &self.raw
    }

    /// [`Self::expose`] without the TLS parameters, which [`crate::connect`] applies itself
    /// (the drivers know none or only some of them).
    pub(crate) fn driver_url(&self) -> String {
        let Some((base, query)) = self.raw.split_once('?') else {
            return self.raw.clone();
        };
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| {
                let key = kv.split_once('=').map_or(*kv, |(k, _)| k);
                !kv.is_empty() && !is_tls_param(self.dialect, &percent_decode(key))
            })
            .collect();
        if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

/// Replaces the password of `scheme://user:password@host…` and any `password=` query parameter.
pub fn redact(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        // Not a URL: it might be a key=value connection string.
        return redact_params(raw, ' ');
    };
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let host = &authority[at + 1..];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***@{host}"),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => format!("{path}?{}", redact_params(query, '&')),
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// `text` (a message that may quote configuration or input) with the password of every URL in
/// it, and every `password=` value, replaced.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        // The URL starts after the last delimiter before `://` and ends at the next one.
        let delim = |c: char| {
            c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | '(' | ')' | ',')
        };
        let start = rest[..at].rfind(delim).map(|i| i + 1).unwrap_or(0);
        let end = rest[at..].find(delim).map(|i| at + i).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        out.push_str(&redact(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    redact_params(&out, ' ')
}

fn redact_params(text: &str, sep: char) -> String {
    text.split(sep)
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.trim().eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join(&sep.to_string())
}

/// The query parameters of a URL, percent-decoded (`+` is left alone: these are URLs, not
/// form data).
fn query_params(raw: &str) -> Vec<(String, String)> {
    let Some((_, query)) = raw.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_serve_schemas_of_one_database_and_databases_of_one_server() {
        let pg = DatabaseUrl::parse("postgres://u:p@h:5432/app").unwrap();
        let (a, b) = (pg.with_schema("t1"), pg.with_schema("t2"));
        assert!(a.session_reusable_for(&b) && a.session_reusable_for(&pg));
        let other_db = DatabaseUrl::parse("postgres://u:p@h:5432/other").unwrap();
        assert!(!a.session_reusable_for(&other_db.with_schema("t2")));
        let other_host = DatabaseUrl::parse("postgres://u:p@h2:5432/app").unwrap();
        assert!(!a.session_reusable_for(&other_host.with_schema("t2")));
        let my = DatabaseUrl::parse("mysql://u:p@h:3306/t1").unwrap();
        assert!(my.session_reusable_for(&my.with_database("t2")));
        let other_login = DatabaseUrl::parse("mysql://v:p@h:3306/t2").unwrap();
        assert!(!my.session_reusable_for(&other_login));
        let no_db = DatabaseUrl::parse("mysql://u:p@h:3306").unwrap();
        assert!(!my.session_reusable_for(&no_db));
    }

    #[test]
    fn redacts_passwords_inside_free_text() {
        let t = redact_text(
            "invalid type: string \"postgres://u:s3cret@h/db?password=p2\", expected f64; password=p3 x",
        );
        assert!(
            !t.contains("s3cret") && !t.contains("p2") && !t.contains("p3"),
            "{t}"
        );
        assert!(t.contains("postgres://u:***@h/db"), "{t}");
    }

    #[test]
    fn redacts_password_in_userinfo_and_query() {
        assert_eq!(
            redact("postgres://alice:s3cret@db:5432/app?sslmode=require&password=x"),
            "postgres://alice:***@db:5432/app?sslmode=require&password=***"
        );
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(
            redact("host=a password=pw user=b"),
            "host=a password=*** user=b"
        );
        // A password containing '@' still disappears.
        let u = DatabaseUrl::parse("postgres://u:p@ss@h/db").unwrap();
        assert!(!u.to_string().contains("ss"), "{u}");
    }

    #[test]
    fn a_target_url_must_name_its_database() {
        for ok in [
            "postgres://u:pw@h:5432/app",
            "postgres://u:pw@h?dbname=app",
            "mysql://u:pw@h/app",
        ] {
            DatabaseUrl::parse(ok).unwrap().require_database().unwrap();
        }
        for bad in [
            "postgres://u:hunter2@h:5432",
            "postgres://u:hunter2@h:5432/",
            "postgres://u:hunter2@h/?sslmode=disable",
            "mysql://u:hunter2@h:3306",
        ] {
            let e = DatabaseUrl::parse(bad)
                .unwrap()
                .require_database()
                .unwrap_err()
                .to_string();
            assert!(e.contains("no database name"), "{e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn parses_dialects_and_database() {
        let u = DatabaseUrl::parse("postgresql://u:p@localhost:5/my%5Fdb?x=1").unwrap();
        assert_eq!(u.dialect(), Dialect::Postgres);
        assert_eq!(u.database().as_deref(), Some("my_db"));
        let m = DatabaseUrl::parse("mariadb://u:p@h:3306/app").unwrap();
        assert_eq!(m.dialect(), Dialect::Mysql);
        assert!(m.expose().starts_with("mysql://"));
        assert_eq!(
            m.with_database("scratch").redacted(),
            "mysql://u:***@h:3306/scratch"
        );
        assert!(DatabaseUrl::parse("sqlite://x").is_err());
        assert!(DatabaseUrl::parse("nonsense").is_err());
        assert!(DatabaseUrl::parse("mysql:///db").is_err());
    }

    #[test]
    fn tls_parameters_are_read_and_kept_from_the_driver() {
        use crate::tls::TlsMode;
        let u = DatabaseUrl::parse(
            "postgres://u:p@localhost:5/db?application_name=x&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem",
        )
        .unwrap();
        assert_eq!(u.tls().mode, TlsMode::VerifyFull);
        assert_eq!(
            u.tls().root_cert.as_deref(),
            Some(std::path::Path::new("/tmp/ca.pem"))
        );
        assert_eq!(
            u.driver_url(),
            "postgres://u:p@localhost:5/db?application_name=x"
        );
        assert_eq!(u.host().as_deref(), Some("localhost"));
        // Scratch databases keep the settings.
        assert_eq!(u.with_database("s").tls(), u.tls());
        let m = DatabaseUrl::parse("mysql://u:p@[::1]:3306/db?ssl-mode=REQUIRED").unwrap();
        assert_eq!(m.tls().mode, TlsMode::Require);
        assert_eq!(m.driver_url(), "mysql://u:p@[::1]:3306/db");
        assert_eq!(m.host().as_deref(), Some("::1"));
        let e = DatabaseUrl::parse("postgres://u:s3cret@h/db?sslmode=bogus").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("sslmode=bogus") && text.contains("verify-ca"),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
    }
}

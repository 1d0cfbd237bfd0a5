//! Fleets: one migrations directory applied to many targets — the databases of a list, every
//! Postgres schema of a database matching a pattern (schema-per-tenant), every MySQL database
//! of a server matching one (database-per-tenant), or what a query names.
//!
//! A target is a [`DatabaseUrl`]; a schema target is the database's URL with the schema
//! ([`DatabaseUrl::with_schema`]): its connections work in that schema (`search_path`), so its
//! history table and the migrations' unqualified names are the tenant's, and its runner lock
//! is its own. Each target is migrated by the ordinary runner, so a fleet run resumes as one
//! database does: done targets are up to date, partial ones resume (see [`run`]).

pub mod run;

use crate::config::{invalid, TargetsConfig};
use crate::{DatabaseUrl, Dialect, Error, Result};

pub use run::{FleetOptions, FleetReport, Outcome, TargetResult};

/// How the targets of a `[targets.NAME]` table are made from its servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Generator {
    /// The servers' URLs are the targets.
    Listed,
    /// Postgres: the schemas whose name is LIKE the pattern; MySQL: the databases.
    Like(String),
    /// The names the query's first column returns (schemas / databases, as for `Like`).
    Query(String),
}

/// A named fleet, as `migrator.toml` declares it.
#[derive(Debug, Clone)]
pub struct FleetSpec {
    pub name: String,
    pub servers: Vec<DatabaseUrl>,
    pub generator: Generator,
}

impl FleetSpec {
    /// The fleet `[targets.NAME]` of the configuration file at `file` (for messages).
    pub fn from_config(name: &str, config: &TargetsConfig, file: Option<&str>) -> Result<Self> {
        let key = |k: &str| format!("[targets.{name}] {k}");
        if config.url.is_some() && config.urls.is_some() {
            return Err(invalid(
                &key("urls"),
                file,
                &"(given too)",
                "`url` (one server) or `urls` (a list of servers), not both: move the url into urls",
            ));
        }
        let mut raw: Vec<String> = config.url.iter().cloned().collect();
        raw.extend(config.urls.iter().flatten().cloned());
        if raw.is_empty() {
            return Err(invalid(
                &key("url"),
                file,
                &"(missing)",
                "the server of the targets: url = \"postgres://…\" or urls = [\"…\", …]",
            ));
        }
        let servers = raw
            .iter()
            .map(|u| {
                DatabaseUrl::parse(u).map_err(|e| {
                    invalid(
                        &key("url"),
                        file,
                        &crate::url::redact(u),
                        &format!(
                            "a database URL ({})",
                            crate::url::redact_text(&e.to_string())
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let generators = [
            config
                .schemas
                .as_ref()
                .map(|p| ("schemas", Generator::Like(p.clone()))),
            config
                .databases
                .as_ref()
                .map(|p| ("databases", Generator::Like(p.clone()))),
            config
                .query
                .as_ref()
                .map(|q| ("query", Generator::Query(q.clone()))),
        ];
        // An empty pattern or query would find nothing (or everything): say so before connecting.
        if let Some((k, text)) = generators.iter().flatten().find_map(|(k, g)| match g {
            Generator::Like(text) | Generator::Query(text) if text.trim().is_empty() => {
                Some((k, text))
            }
            _ => None,
        }) {
            return Err(invalid(
                &key(k),
                file,
                &format!("{text:?}"),
                "a LIKE pattern such as 'tenant\\_%' (or a query naming the targets); for the URLs themselves as the targets, leave the key out",
            ));
        }
        let mut given = generators.into_iter().flatten();
        let (generator_key, generator) = given.next().unwrap_or(("", Generator::Listed));
        if let Some((other, _)) = given.next() {
            return Err(invalid(
                &key(other),
                file,
                &"(given too)",
                &format!("one generator per fleet: `{generator_key}` is already given"),
            ));
        }
        for url in &servers {
            // `schemas` needs Postgres and `databases` MySQL: the two words say which.
            let wrong = match (url.dialect(), generator_key) {
                (Dialect::Postgres, "databases") => {
                    Some("`schemas` (a Postgres fleet is made of schemas)")
                }
                (Dialect::Mysql, "schemas") => {
                    Some("`databases` (a MySQL / MariaDB fleet is made of databases)")
                }
                _ => None,
            };
            if let Some(use_instead) = wrong {
                return Err(invalid(
                    &key(generator_key),
                    file,
                    &url.redacted(),
                    &format!("use {use_instead}"),
                ));
            }
            if generator != Generator::Listed || url.schema().is_none() {
                url.require_database()?;
            }
        }
        Ok(FleetSpec {
            name: name.to_string(),
            servers,
            generator,
        })
    }

    /// The fleet's targets, in order: server by server, each server's names in name order.
    /// A generator that finds nothing on a server is an error (a typo in a pattern must not
    /// look like a fleet that is up to date).
    pub async fn resolve(&self) -> Result<Vec<DatabaseUrl>> {
        let mut targets = Vec::new();
        for server in &self.servers {
            let names = match &self.generator {
                Generator::Listed => {
                    targets.push(server.clone());
                    continue;
                }
                Generator::Like(pattern) => {
                    let mut conn = crate::server::connect(server).await?;
                    let names = conn.tenants_like(pattern).await;
                    conn.close().await;
                    names?
                }
                Generator::Query(query) => {
                    let mut conn = crate::server::connect(server).await?;
                    let names = conn.tenants_from(query).await;
                    conn.close().await;
                    names?
                }
            };
            if names.is_empty() {
                return Err(Error::Refused(format!(
                    "targets `{}`: the generator finds no target on {}; check the pattern or query in [targets.{}]",
                    self.name,
                    server.redacted(),
                    self.name
                )));
            }
            targets.extend(names.iter().map(|name| tenant(server, name)));
        }
        Ok(targets)
    }
}

/// The target of tenant `name` on `server`: a schema of its database (Postgres) or a database
/// of the server (MySQL).
fn tenant(server: &DatabaseUrl, name: &str) -> DatabaseUrl {
    match server.dialect() {
        Dialect::Postgres => server.with_schema(name),
        Dialect::Mysql => server.with_database(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml_text: &str) -> TargetsConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn a_fleet_needs_a_server_and_at_most_one_generator_of_its_dialect() {
        let spec = FleetSpec::from_config(
            "t",
            &config("url = \"postgres://u:hunter2@h/app\"\nschemas = \"tenant_%\"\n"),
            None,
        )
        .unwrap();
        assert_eq!(spec.generator, Generator::Like("tenant_%".into()));
        let listed = FleetSpec::from_config(
            "t",
            &config("urls = [\"mysql://u:p@a/x\", \"mysql://u:p@b/y\"]\n"),
            None,
        )
        .unwrap();
        assert_eq!(
            (listed.servers.len(), listed.generator),
            (2, Generator::Listed)
        );

        for (text, says) in [
            ("schemas = \"t_%\"\n", "[targets.t] url = (missing)"),
            (
                "url = \"postgres://u:hunter2@h/app\"\nschemas = \"a\"\nquery = \"SELECT 1\"\n",
                "[targets.t] query = (given too)",
            ),
            (
                "url = \"postgres://u:hunter2@h/app\"\ndatabases = \"t_%\"\n",
                "use `schemas`",
            ),
            (
                "url = \"mysql://u:hunter2@h/app\"\nschemas = \"t_%\"\n",
                "use `databases`",
            ),
            ("url = \"sqlite://u:hunter2@h/app\"\n", "unsupported scheme"),
            (
                "url = \"postgres://u:hunter2@h\"\nschemas = \"t_%\"\n",
                "no database name",
            ),
        ] {
            let e = FleetSpec::from_config("t", &config(text), Some("migrator.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{text}: {e}");
            assert!(!e.contains("hunter2"), "password printed: {e}");
        }
    }

    #[test]
    fn a_tenant_is_a_schema_on_postgres_and_a_database_on_mysql() {
        let pg = DatabaseUrl::parse("postgres://u:pw@h/app").unwrap();
        let t = tenant(&pg, "tenant_7");
        assert_eq!(t.schema(), Some("tenant_7"));
        assert_eq!(t.database().as_deref(), Some("app"));
        assert_eq!(t.redacted(), "postgres://u:***@h/app [schema tenant_7]");
        let my = DatabaseUrl::parse("mysql://u:pw@h:3306/admin").unwrap();
        let t = tenant(&my, "tenant_7");
        assert_eq!(
            (t.schema(), t.database().as_deref()),
            (None, Some("tenant_7"))
        );
    }
}

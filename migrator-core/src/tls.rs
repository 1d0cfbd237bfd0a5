//! TLS for database connections: rustls with the `ring` provider (no OpenSSL).
//!
//! The settings come from the database URL, with the client libraries' own parameter names:
//!
//! | mode | Postgres `sslmode=` | MySQL `ssl-mode=` | encrypts | checks the CA | checks the host name |
//! |---|---|---|---|---|---|
//! | [`TlsMode::Disable`] | `disable` | `DISABLED` | no | | |
//! | [`TlsMode::Prefer`] (default) | `prefer` | `PREFERRED` | if the server can | no | no |
//! | [`TlsMode::Require`] | `require` | `REQUIRED` | yes | no | no |
//! | [`TlsMode::VerifyCa`] | `verify-ca` | `VERIFY_CA` | yes | yes | no |
//! | [`TlsMode::VerifyFull`] | `verify-full` | `VERIFY_IDENTITY` | yes | yes | yes |
//!
//! The CA comes from `sslrootcert=PATH` (Postgres) or `ssl-ca=PATH` (MySQL), a PEM file; without
//! it the verifying modes trust the Mozilla root set compiled in (`webpki-roots`). Either
//! vocabulary is accepted for either database. MySQL URLs also accept mysql_async's own
//! `require_ssl` / `verify_ca` / `verify_identity` / `built_in_roots`, mapped to the same modes.
//!
//! Every connection migrator opens goes through [`crate::connect`], which reads these settings
//! from the URL; scratch databases get URLs made by [`crate::DatabaseUrl::with_database`], which
//! keeps the query string, so they use the same settings.

use crate::{Dialect, Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;

/// How a connection uses TLS (libpq's `sslmode`, MySQL's `--ssl-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain connection.
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    Prefer,
    /// TLS or no connection; the certificate is not checked (protects against eavesdropping,
    /// not against a server impersonating the real one).
    Require,
    /// TLS, and the certificate must chain to a trusted CA; any host name.
    VerifyCa,
    /// TLS, the certificate must chain to a trusted CA and name the host connected to.
    VerifyFull,
}

/// TLS settings of one database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: TlsMode,
    /// PEM file of the CA(s) to trust (`sslrootcert` / `ssl-ca`).
    pub root_cert: Option<PathBuf>,
    /// Trust the compiled-in Mozilla roots when no `root_cert` is given (MySQL
    /// `built_in_roots=false` turns it off).
    pub builtin_roots: bool,
    dialect: Dialect,
}

/// URL query parameters that are TLS settings: removed from the URL handed to the driver.
pub(crate) fn is_tls_param(dialect: Dialect, key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let names: &[&str] = match dialect {
        Dialect::Postgres => &["sslmode", "sslrootcert"],
        Dialect::Mysql => &[
            "ssl-mode",
            "ssl_mode",
            "sslmode",
            "ssl-ca",
            "ssl_ca",
            "sslca",
            "sslrootcert",
            "require_ssl",
            "verify_ca",
            "verify_identity",
            "built_in_roots",
        ],
    };
    names.contains(&key.as_str())
}

impl TlsSettings {
    /// Reads the TLS parameters among the (already percent-decoded) query parameters of a URL.
    /// `Err` is a message for [`Error::Url`].
    pub(crate) fn from_params(
        dialect: Dialect,
        params: &[(String, String)],
    ) -> std::result::Result<TlsSettings, String> {
        let mut settings = TlsSettings {
            mode: TlsMode::Prefer,
            root_cert: None,
            builtin_roots: true,
            dialect,
        };
        let mut mode_given: Option<&str> = None;
        // mysql_async's spellings: require_ssl, verify_ca, verify_identity.
        let (mut require_ssl, mut verify_ca, mut verify_identity) = (None, None, None);
        for (key, value) in params {
            let k = key.to_ascii_lowercase();
            if !is_tls_param(dialect, &k) {
                continue;
            }
            match k.as_str() {
                "sslmode" | "ssl-mode" | "ssl_mode" => {
                    if let Some(first) = mode_given {
                        if first != key {
                            return Err(format!("both `{first}` and `{key}` are given; keep one"));
                        }
                    }
                    mode_given = Some(key);
                    settings.mode = parse_mode(value).ok_or_else(|| {
                        format!(
                            "`{key}={value}` is not a TLS mode; use one of {}",
                            settings.mode_names().join(", ")
                        )
                    })?;
                }
                "sslrootcert" | "ssl-ca" | "ssl_ca" | "sslca" => {
                    if value.is_empty() {
                        return Err(format!("`{key}` is empty; give the path of a PEM file"));
                    }
                    settings.root_cert = Some(PathBuf::from(value));
                }
                "require_ssl" => require_ssl = Some(parse_bool(key, value)?),
                "verify_ca" => verify_ca = Some(parse_bool(key, value)?),
                "verify_identity" => verify_identity = Some(parse_bool(key, value)?),
                "built_in_roots" => settings.builtin_roots = parse_bool(key, value)?,
                _ => {}
            }
        }
        if let Some(require) = require_ssl {
            if let Some(first) = mode_given {
                return Err(format!(
                    "both `{first}` and `require_ssl` are given; keep `{first}`"
                ));
            }
            // mysql_async: require_ssl=true verifies everything unless verify_ca=false
            // (accept any certificate) or verify_identity=false (any host name).
            settings.mode = match (require, verify_ca, verify_identity) {
                (false, _, _) => TlsMode::Disable,
                (true, Some(false), _) => TlsMode::Require,
                (true, _, Some(false)) => TlsMode::VerifyCa,
                (true, _, _) => TlsMode::VerifyFull,
            };
        }
        Ok(settings)
    }

    /// The name of the mode parameter in this dialect's vocabulary.
    pub fn mode_param(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => "sslmode",
            Dialect::Mysql => "ssl-mode",
        }
    }

    /// The name of the CA file parameter in this dialect's vocabulary.
    pub fn ca_param(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => "sslrootcert",
            Dialect::Mysql => "ssl-ca",
        }
    }

    /// `mode` as written in this dialect's vocabulary.
    pub fn mode_name(&self, mode: TlsMode) -> &'static str {
        let i = match mode {
            TlsMode::Disable => 0,
            TlsMode::Prefer => 1,
            TlsMode::Require => 2,
            TlsMode::VerifyCa => 3,
            TlsMode::VerifyFull => 4,
        };
        self.mode_names()[i]
    }

    fn mode_names(&self) -> [&'static str; 5] {
        match self.dialect {
            Dialect::Postgres => ["disable", "prefer", "require", "verify-ca", "verify-full"],
            Dialect::Mysql => [
                "DISABLED",
                "PREFERRED",
                "REQUIRED",
                "VERIFY_CA",
                "VERIFY_IDENTITY",
            ],
        }
    }

    /// `sslmode=verify-full`, `ssl-mode=REQUIRED`, …
    pub fn setting(&self, mode: TlsMode) -> String {
        format!("{}={}", self.mode_param(), self.mode_name(mode))
    }

    /// The CA certificates to trust, read from `root_cert` (PEM). `None` when no file is given.
    /// Errors say which file and what is wrong with it.
    pub fn read_root_certs(&self) -> Result<Option<Vec<CertificateDer<'static>>>, String> {
        let Some(path) = &self.root_cert else {
            return Ok(None);
        };
        let shown = path.display();
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "cannot read the CA file {shown} given by {}: {e}",
                self.ca_param()
            )
        })?;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| format!("the CA file {shown} is not valid PEM: {e}"))?;
        if certs.is_empty() {
            return Err(format!(
                "the CA file {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            ));
        }
        Ok(Some(certs))
    }

    /// The trust store for the verifying modes: the CA file, else the Mozilla roots.
    fn root_store(&self) -> Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        match self.read_root_certs()? {
            Some(certs) => {
                for cert in certs {
                    roots.add(cert).map_err(|e| {
                        format!(
                            "the CA file {} holds a certificate rustls cannot use: {e}",
                            self.root_cert.as_deref().unwrap_or("".as_ref()).display()
                        )
                    })?;
                }
            }
            None if self.builtin_roots => {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            None => {
                return Err(format!(
                    "built_in_roots=false and no {} given: no CA to check the server against",
                    self.ca_param()
                ))
            }
        }
        Ok(roots)
    }

    /// The rustls client configuration for a Postgres connection in this mode.
    pub(crate) fn postgres_client_config(&self) -> Result<rustls::ClientConfig, String> {
        let provider = provider();
        let verifier = match self.mode {
            TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => Verifier {
                roots: None,
                check_name: false,
                provider: provider.clone(),
            },
            TlsMode::VerifyCa | TlsMode::VerifyFull => Verifier {
                roots: Some(Arc::new(self.root_store()?)),
                check_name: self.mode == TlsMode::VerifyFull,
                provider: provider.clone(),
            },
        };
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS set-up failed: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth())
    }

    /// Says what went wrong in a TLS handshake that rustls refused, and what to do about it.
    pub(crate) fn explain(&self, e: &rustls::Error, host: &str) -> String {
        let verify_ca = self.setting(TlsMode::VerifyCa);
        let require = self.setting(TlsMode::Require);
        let trusted = match &self.root_cert {
            Some(path) => format!("the CA in {} ({})", path.display(), self.ca_param()),
            None => format!(
                "the built-in Mozilla root CAs, since no {}=PATH is given",
                self.ca_param()
            ),
        };
        match e {
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => format!(
                "the server's TLS certificate is not valid for the host name `{host}`; connect \
                 with a host name the certificate names, or use {verify_ca} to check only the CA"
            ),
            rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                presented,
                ..
            }) => format!(
                "the server's TLS certificate is not valid for the host name `{host}` (it names {}); \
                 connect with a host name the certificate names, or use {verify_ca} to check only \
                 the CA",
                if presented.is_empty() {
                    "no host at all".to_string()
                } else {
                    presented
                        .iter()
                        .map(|p| presented_name(p).unwrap_or_else(|| p.clone()))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            ) => format!(
                "the server's TLS certificate is not signed by a trusted CA (trusted: {trusted}); \
                 give the CA that signed it with {}=PATH, or use {require} to encrypt without \
                 checking the certificate",
                self.ca_param()
            ),
            rustls::Error::InvalidCertificate(cert) => format!(
                "the server's TLS certificate was refused: {cert} (trusted: {trusted}); fix the \
                 certificate, or use {require} to encrypt without checking it"
            ),
            other => format!(
                "the TLS handshake failed: {other}; check that the server speaks TLS 1.2 or 1.3, \
                 or use {} to connect without TLS",
                self.setting(TlsMode::Disable)
            ),
        }
    }

    /// The message for a server that refused TLS while the mode requires it.
    pub(crate) fn no_tls_on_server(&self) -> String {
        format!(
            "the server does not support TLS but the URL requires it ({}); turn TLS on on the \
             server, or use {} or {}",
            self.setting(self.mode),
            self.setting(TlsMode::Prefer),
            self.setting(TlsMode::Disable)
        )
    }
}

fn parse_mode(value: &str) -> Option<TlsMode> {
    Some(
        match value.to_ascii_lowercase().replace('_', "-").as_str() {
            "disable" | "disabled" => TlsMode::Disable,
            "prefer" | "preferred" => TlsMode::Prefer,
            "require" | "required" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" | "verify-identity" => TlsMode::VerifyFull,
            _ => return None,
        },
    )
}

fn parse_bool(key: &str, value: &str) -> std::result::Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("`{key}={value}` is not true or false")),
    }
}

/// The one crypto provider migrator uses (ring). Also installed as the process default,
/// because mysql_async builds its rustls configuration with `ClientConfig::builder()`.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: std::sync::OnceLock<Arc<CryptoProvider>> = std::sync::OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            let p = Arc::new(rustls::crypto::ring::default_provider());
            // Fails only if another provider is already the default: that one is used then.
            let _ = p.as_ref().clone().install_default();
            p
        })
        .clone()
}

/// A name from rustls' list of the names a certificate presents (`DnsName("localhost")`,
/// `IpAddress(127.0.0.1)`), as a host name; `*.example.com` becomes `x.example.com` (a name
/// the wildcard matches). `None` for other kinds of names.
pub(crate) fn presented_name(presented: &str) -> Option<String> {
    if let Some(dns) = presented
        .strip_prefix("DnsName(\"")
        .and_then(|s| s.strip_suffix("\")"))
    {
        return Some(match dns.strip_prefix("*.") {
            Some(rest) => format!("x.{rest}"),
            None => dns.to_string(),
        });
    }
    presented
        .strip_prefix("IpAddress(")
        .and_then(|s| s.strip_suffix(')'))
        .map(str::to_string)
}

/// Finds the rustls error behind a driver error (drivers wrap it in `std::io::Error`, whose
/// `source()` skips the wrapped error, so each level is also looked into with `get_ref`).
pub(crate) fn find_rustls_error<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(r) = find_rustls_error(inner) {
                return Some(r);
            }
        }
        current = err.source();
    }
    None
}

/// Server certificate check for Postgres connections.
///
/// `roots: None` accepts any certificate: that is what libpq's `sslmode=prefer` and `require`
/// do (the session is encrypted, which defeats passive eavesdropping, but nothing proves who the
/// server is). rustls has no such mode, hence this verifier; the handshake signatures are still
/// checked, so the server must hold the key of the certificate it sent.
///
/// With roots, the chain must lead to one of them (`verify-ca`), and with `check_name` the
/// certificate must also name the host connected to (`verify-full`).
#[derive(Debug)]
struct Verifier {
    roots: Option<Arc<RootCertStore>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(roots) = &self.roots else {
            return Ok(ServerCertVerified::assertion());
        };
        let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        if self.check_name {
            rustls::client::verify_server_name(&cert, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Builds an [`Error::Connect`] for `url`.
pub(crate) fn connect_error(url: &crate::DatabaseUrl, message: String) -> Error {
    Error::Connect {
        target: url.redacted(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn modes_in_both_vocabularies() {
        let pg = |q| TlsSettings::from_params(Dialect::Postgres, &params(q));
        let my = |q| TlsSettings::from_params(Dialect::Mysql, &params(q));
        assert_eq!(pg(&[]).unwrap().mode, TlsMode::Prefer);
        assert_eq!(my(&[]).unwrap().mode, TlsMode::Prefer);
        assert_eq!(
            pg(&[("sslmode", "verify-full")]).unwrap().mode,
            TlsMode::VerifyFull
        );
        assert_eq!(
            pg(&[("sslmode", "disable")]).unwrap().mode,
            TlsMode::Disable
        );
        assert_eq!(
            my(&[("ssl-mode", "VERIFY_IDENTITY")]).unwrap().mode,
            TlsMode::VerifyFull
        );
        assert_eq!(
            my(&[("ssl_mode", "verify_ca")]).unwrap().mode,
            TlsMode::VerifyCa
        );
        assert_eq!(
            my(&[("ssl-mode", "REQUIRED"), ("ssl-ca", "/x/ca.pem")])
                .unwrap()
                .root_cert,
            Some(PathBuf::from("/x/ca.pem"))
        );
        let bad = pg(&[("sslmode", "sometimes")]).unwrap_err();
        assert!(bad.contains("verify-full"), "{bad}");
        let bad = my(&[("ssl-mode", "sometimes")]).unwrap_err();
        assert!(bad.contains("VERIFY_IDENTITY"), "{bad}");
    }

    #[test]
    fn mysql_async_spellings() {
        let my = |q| TlsSettings::from_params(Dialect::Mysql, &params(q)).map(|s| s.mode);
        assert_eq!(my(&[("require_ssl", "true")]), Ok(TlsMode::VerifyFull));
        assert_eq!(
            my(&[("require_ssl", "true"), ("verify_identity", "false")]),
            Ok(TlsMode::VerifyCa)
        );
        assert_eq!(
            my(&[("require_ssl", "true"), ("verify_ca", "false")]),
            Ok(TlsMode::Require)
        );
        assert_eq!(my(&[("require_ssl", "false")]), Ok(TlsMode::Disable));
        assert!(my(&[("require_ssl", "true"), ("ssl-mode", "REQUIRED")]).is_err());
        assert!(my(&[("require_ssl", "maybe")]).is_err());
    }

    #[test]
    fn presented_names() {
        assert_eq!(
            presented_name("DnsName(\"localhost\")").as_deref(),
            Some("localhost")
        );
        assert_eq!(
            presented_name("DnsName(\"*.db.example\")").as_deref(),
            Some("x.db.example")
        );
        assert_eq!(
            presented_name("IpAddress(10.0.0.1)").as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(presented_name("DirectoryName"), None);
    }
}

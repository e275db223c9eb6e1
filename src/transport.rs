//! Delivers composed messages: SMTP (our own client in `smtp`, over rustls, with a small
//! pool), one `.eml` file per message under `state_dir/outbox`, or stdout. Classifies
//! failures (deferred, unreachable, outcome unknown, credentials refused, permanent) from
//! the SMTP stage and reply code, never from message text. Knows nothing of the log.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use lettre::Message;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::model::{Config, Tls, Transport as Kind};
use crate::smtp::{self, Connection, Error, Stage};

pub use crate::credentials::{CREDENTIAL_NAME, PASSWORD_ENV};

/// A pooled connection idle longer than this is checked with NOOP before reuse; within a
/// burst connections are reused at once, with no extra round trip.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(2);
/// A pooled connection idle longer than this is closed rather than reused (servers drop
/// idle clients after a minute or more).
const MAX_IDLE: Duration = Duration::from_secs(50);
/// Idle connections kept open.
const POOL_SIZE: usize = 8;

/// What the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The server's answer (or where the file went).
    pub answer: String,
    /// Recipients the server refused while accepting the message for the others, each as
    /// `address (answer)`.
    pub refused: Vec<String>,
}

/// Why a delivery did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// This message was deferred (4xx): retry it later.
    Transient(String),
    /// The server could not be reached or stopped answering (connect, timeout, TLS, a lost
    /// connection before the message was handed over, 421): retry later, and send nothing
    /// more to it now.
    Unreachable(String),
    /// The message and its final dot were written, then the connection was lost before the
    /// answer: the server may have it. Retried only after the normal backoff, with the same
    /// Message-ID.
    OutcomeUnknown(String),
    /// The server refused the credentials: a configuration problem, not the email's. Keep
    /// the email pending and send nothing more until the credentials change.
    Authentication(String),
    /// Refused for good (5xx).
    Permanent(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Transient(message)
            | Failure::Unreachable(message)
            | Failure::OutcomeUnknown(message)
            | Failure::Authentication(message)
            | Failure::Permanent(message) => message,
        }
    }

    /// True when the next message would fail the same way: stop sending for now.
    pub fn halts_sending(&self) -> bool {
        matches!(
            self,
            Failure::Unreachable(_) | Failure::OutcomeUnknown(_) | Failure::Authentication(_)
        )
    }
}

pub enum Transport {
    Smtp(Box<Smtp>),
    File(PathBuf),
    Stdout,
}

impl Transport {
    /// Builds the configured transport. Reads the password file (never logs it).
    pub fn from_config(config: &Config) -> Result<Transport> {
        match config.mail.transport {
            Kind::File => {
                let outbox = config.state_dir.join("outbox");
                std::fs::create_dir_all(&outbox)
                    .with_context(|| format!("creating the outbox `{}`", outbox.display()))?;
                Ok(Transport::File(outbox))
            }
            Kind::Stdout => Ok(Transport::Stdout),
            Kind::Smtp => Ok(Transport::Smtp(Box::new(Smtp::from_config(config)?))),
        }
    }

    /// Sends one message; every step is bounded by `mail.timeout`.
    pub async fn send(&self, message: &Message) -> Result<Sent, Failure> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await,
            Transport::File(outbox) => write_eml(outbox, message)
                .map(|answer| Sent {
                    answer,
                    refused: Vec::new(),
                })
                .map_err(|error| Failure::Transient(format!("{error:#}"))),
            Transport::Stdout => {
                use std::io::Write as _;
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(&message.formatted())
                    .and_then(|()| stdout.write_all(b"\n"))
                    .and_then(|()| stdout.flush())
                    .map_err(|error| Failure::Transient(format!("writing to stdout: {error}")))?;
                Ok(Sent {
                    answer: "written to stdout".into(),
                    refused: Vec::new(),
                })
            }
        }
    }

    /// Closes pooled connections politely (QUIT, bounded).
    pub async fn close(&self) {
        if let Transport::Smtp(smtp) = self {
            smtp.close().await;
        }
    }
}

/// SMTP with a small pool of idle connections. Concurrency is the caller's business: each
/// send takes an idle connection or opens one.
pub struct Smtp {
    settings: smtp::Settings,
    idle: Mutex<Vec<(Connection, Instant)>>,
}

impl Smtp {
    fn from_config(config: &Config) -> Result<Smtp> {
        let mail = &config.mail;
        let host = mail
            .host
            .clone()
            .context("`mail.host` is required with the smtp transport")?;
        let security = match mail.tls {
            Tls::None => smtp::Security::None,
            Tls::Starttls => {
                smtp::Security::StartTls(tls_config(mail.ca_file.as_deref(), "mail.ca_file")?)
            }
            Tls::Tls => smtp::Security::Tls(tls_config(mail.ca_file.as_deref(), "mail.ca_file")?),
        };
        let credentials = match &mail.username {
            Some(username) => Some((username.clone(), password(config)?)),
            None => None,
        };
        Ok(Smtp {
            settings: smtp::Settings {
                host,
                port: mail.port,
                security,
                credentials,
                timeout: mail.timeout,
                hello: hello_name(),
            },
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn send(&self, message: &Message) -> Result<Sent, Failure> {
        let envelope = message.envelope();
        let from = envelope.from().map(ToString::to_string).unwrap_or_default();
        let recipients: Vec<String> = envelope.to().iter().map(ToString::to_string).collect();
        let body = message.formatted();
        let mut connection = self.connection().await.map_err(|error| classify(&error))?;
        let result = connection.send(&from, &recipients, &body).await;
        let reusable = match &result {
            Ok(_) | Err(Error::NoRecipient(_)) => true,
            Err(Error::Rejected(stage, reply)) => {
                reply.code != 421 && matches!(stage, Stage::Mail | Stage::Data | Stage::Message)
            }
            Err(_) => false,
        };
        if reusable {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < POOL_SIZE {
                idle.push((connection, Instant::now()));
            }
        }
        match result {
            Ok(delivery) => Ok(Sent {
                answer: delivery.answer.to_string(),
                refused: delivery
                    .refused
                    .iter()
                    .map(|(address, reply)| format!("{address} ({reply})"))
                    .collect(),
            }),
            Err(error) => Err(classify(&error)),
        }
    }

    /// An idle connection (checked with NOOP if it idled a while), else a new one.
    async fn connection(&self) -> Result<Connection, Error> {
        loop {
            let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let Some((mut connection, since)) = taken else {
                return Connection::open(&self.settings).await;
            };
            let idle = since.elapsed();
            if idle > MAX_IDLE {
                continue;
            }
            if idle <= CHECK_AFTER_IDLE || connection.is_alive().await {
                return Ok(connection);
            }
        }
    }

    async fn close(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        for (connection, _) in idle {
            connection.quit().await;
        }
    }
}

/// Transient or permanent, from the stage and the reply code, never from the text. Anything
/// about the connection or the session (greeting, EHLO, TLS, AUTH) is not a property of the
/// email and never fails it for good.
fn classify(error: &Error) -> Failure {
    let text = error.to_string();
    match error {
        Error::OutcomeUnknown(_) => Failure::OutcomeUnknown(text),
        Error::Rejected(Stage::Auth, reply) if !reply.is_transient() => {
            Failure::Authentication(text)
        }
        Error::Protocol(Stage::Auth, _) => Failure::Authentication(text),
        Error::Rejected(Stage::Mail | Stage::Data | Stage::Message, reply) if reply.code != 421 => {
            if reply.is_transient() {
                Failure::Transient(text)
            } else {
                Failure::Permanent(text)
            }
        }
        Error::NoRecipient(refused) => {
            if refused.iter().any(|(_, reply)| reply.code == 421) {
                Failure::Unreachable(text)
            } else if refused.iter().any(|(_, reply)| reply.is_transient()) {
                Failure::Transient(text)
            } else {
                Failure::Permanent(text)
            }
        }
        Error::Timeout(_)
        | Error::Io(..)
        | Error::Tls(_)
        | Error::Rejected(..)
        | Error::Protocol(..) => Failure::Unreachable(text),
    }
}

/// rustls with the system's trust anchors, plus `ca_file` (named `key` in messages:
/// `mail.ca_file`, `inbox.ca_file`) for a private CA. Shared by SMTP and IMAP intake.
pub fn tls_config(ca_file: Option<&Path>, key: &str) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(
        added,
        ignored,
        errors = native.errors.len(),
        "loaded the system's trust anchors"
    );
    if let Some(path) = ca_file {
        let pem = crate::config::read_regular_bytes(path, crate::config::DEFAULT_MAX_FILE_BYTES)
            .map_err(|message| {
                anyhow::anyhow!("reading `{key}` `{}`: {message}", path.display())
            })?;
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .ok()
            .filter(|certificates| !certificates.is_empty())
            .with_context(|| format!("`{key}` `{}` holds no PEM certificate", path.display()))?;
        for certificate in certificates {
            roots
                .add(certificate)
                .with_context(|| format!("`{key}` `{}`: unusable certificate", path.display()))?;
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name for EHLO: this machine's host name, else `localhost`.
fn hello_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim();
    let usable = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if usable { name } else { "localhost" }.to_string()
}

/// The SMTP password: `mail.password_file`, else `FOLLOWUP_SMTP_PASSWORD`, else the systemd
/// credential `smtp-password` (`credentials` reads them). Never logged.
fn password(config: &Config) -> Result<String> {
    match crate::credentials::read(&crate::credentials::smtp(
        config.mail.password_file.as_deref(),
    ))? {
        Some(password) => Ok(password),
        None => bail!(
            "`mail.username` is set but no password was found: set `mail.password_file`, the environment variable {PASSWORD_ENV}, or systemd's LoadCredential={CREDENTIAL_NAME}:…"
        ),
    }
}

/// Writes one message as `<outbox>/<Message-ID>.eml`, atomically: a repeat of the same
/// message replaces the file rather than adding a second one.
fn write_eml(outbox: &Path, message: &Message) -> Result<String> {
    use std::io::Write as _;
    let id = message
        .headers()
        .get_raw("Message-ID")
        .unwrap_or("message")
        .trim_matches(['<', '>'])
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>();
    let path = outbox.join(format!("{id}.eml"));
    let temporary = outbox.join(format!(".{id}.eml.tmp-{}", std::process::id()));
    let mut file = std::fs::File::create(&temporary)
        .with_context(|| format!("creating `{}`", temporary.display()))?;
    file.write_all(&message.formatted())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing `{}`", temporary.display()))?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("renaming into `{}`", path.display()))?;
    Ok(format!("written to {}", path.display()))
}

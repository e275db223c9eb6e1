//! Delivers composed messages: SMTP (lettre over rustls, pooled), one `.eml` file per
//! message under `state_dir/outbox`, or stdout. Classifies failures as transient or
//! permanent from lettre's error kinds, never from message text. Knows nothing of the log.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls as LettreTls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::model::{Config, Tls, Transport as Kind};

pub use crate::credentials::{CREDENTIAL_NAME, PASSWORD_ENV};

/// Why a delivery did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth retrying: connection, timeout, TLS handshake, 4xx.
    Transient(String),
    /// Refused for good: 5xx.
    Permanent(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Transient(message) | Failure::Permanent(message) => message,
        }
    }
}

pub enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
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
            Kind::Smtp => smtp(config).map(|transport| Transport::Smtp(Box::new(transport))),
        }
    }

    /// Sends one message; returns the server's answer (or where the file went).
    pub async fn send(&self, message: &Message) -> Result<String, Failure> {
        match self {
            Transport::Smtp(transport) => {
                let mut retried = false;
                loop {
                    match transport.send(message.clone()).await {
                        Ok(response) => {
                            let text: Vec<&str> = response.message().collect();
                            return Ok(format!("{} {}", response.code(), text.join(" ")));
                        }
                        // A pooled connection the server closed while idle fails the next
                        // send without an SMTP answer (lettre #743): reconnect once.
                        Err(error)
                            if !retried
                                && status_free(&error)
                                && !error.is_timeout()
                                && !error.is_tls() =>
                        {
                            retried = true;
                            tracing::debug!(error = %error, "retrying once on a fresh connection");
                        }
                        Err(error) => return Err(classify(&error)),
                    }
                }
            }
            Transport::File(outbox) => {
                write_eml(outbox, message).map_err(|error| Failure::Transient(format!("{error:#}")))
            }
            Transport::Stdout => {
                use std::io::Write as _;
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(&message.formatted())
                    .and_then(|()| stdout.write_all(b"\n"))
                    .and_then(|()| stdout.flush())
                    .map_err(|error| Failure::Transient(format!("writing to stdout: {error}")))?;
                Ok("written to stdout".into())
            }
        }
    }
}

/// True when the server gave no SMTP status: the connection broke or was closed.
fn status_free(error: &lettre::transport::smtp::Error) -> bool {
    error.status().is_none()
}

fn classify(error: &lettre::transport::smtp::Error) -> Failure {
    let text = error.to_string();
    if error.is_permanent() {
        Failure::Permanent(text)
    } else {
        Failure::Transient(text)
    }
}

fn smtp(config: &Config) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let mail = &config.mail;
    let host = mail
        .host
        .clone()
        .context("`mail.host` is required with the smtp transport")?;
    let tls = match mail.tls {
        Tls::None => LettreTls::None,
        Tls::Starttls => LettreTls::Required(tls_parameters(&host, mail.ca_file.as_deref())?),
        Tls::Tls => LettreTls::Wrapper(tls_parameters(&host, mail.ca_file.as_deref())?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
        .port(mail.port)
        .tls(tls)
        .timeout(Some(mail.timeout))
        // Short idle timeout: servers drop idle clients, and a stale connection costs a retry.
        .pool_config(
            PoolConfig::new()
                .max_size(4)
                .idle_timeout(Duration::from_secs(20)),
        );
    if let Some(username) = &mail.username {
        let password = password(config)?;
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

fn tls_parameters(host: &str, ca_file: Option<&Path>) -> Result<TlsParameters> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("reading `mail.ca_file` `{}`", path.display()))?;
        let certificate = Certificate::from_pem(&pem).with_context(|| {
            format!(
                "`mail.ca_file` `{}` holds no PEM certificate",
                path.display()
            )
        })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().context("setting up TLS")
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

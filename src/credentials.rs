//! Where secrets come from: a password file named in the configuration, an environment
//! variable, or a systemd credential (`LoadCredential=`), in that order, with a check that a
//! password file is not readable by others. Shared by every part that logs in (SMTP, and
//! IMAP intake). Never logs a secret, never writes anything.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The environment variable holding the SMTP password.
pub const PASSWORD_ENV: &str = "FOLLOWUP_SMTP_PASSWORD";
/// The credential name read from `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`).
pub const CREDENTIAL_NAME: &str = "smtp-password";
/// Where the packaged unit's `LoadCredential=` reads the SMTP password from.
pub const CREDENTIAL_SOURCE: &str = "/etc/followup/smtp-password";
/// A secret file is read only up to this size: a password, not a file system.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Where a secret may come from, for one login.
#[derive(Debug, Clone, Copy)]
pub struct Secret<'a> {
    /// The configuration's `…password_file`, if set (and the key, for messages).
    pub file: Option<&'a Path>,
    pub file_key: &'a str,
    /// The environment variable tried next.
    pub env: &'a str,
    /// The systemd credential tried last, under `$CREDENTIALS_DIRECTORY`.
    pub credential: &'a str,
    /// The file the packaged unit loads that credential from, for the message when it is missing.
    pub credential_source: &'a str,
}

/// The SMTP password's sources.
pub fn smtp(password_file: Option<&Path>) -> Secret<'_> {
    Secret {
        file: password_file,
        file_key: "mail.password_file",
        env: PASSWORD_ENV,
        credential: CREDENTIAL_NAME,
        credential_source: CREDENTIAL_SOURCE,
    }
}

/// The environment variable holding the IMAP password (`[inbox]`).
pub const IMAP_PASSWORD_ENV: &str = "FOLLOWUP_IMAP_PASSWORD";
/// The systemd credential holding the IMAP password.
pub const IMAP_CREDENTIAL_NAME: &str = "imap-password";
/// Where a unit's `LoadCredential=` would read the IMAP password from.
pub const IMAP_CREDENTIAL_SOURCE: &str = "/etc/followup/imap-password";

/// The IMAP password's sources (`inbox.password_file`, then the variable, then the credential).
pub fn imap(password_file: Option<&Path>) -> Secret<'_> {
    Secret {
        file: password_file,
        file_key: "inbox.password_file",
        env: IMAP_PASSWORD_ENV,
        credential: IMAP_CREDENTIAL_NAME,
        credential_source: IMAP_CREDENTIAL_SOURCE,
    }
}

/// Reads the secret from the first source that has it; trailing line ends are dropped.
/// `Ok(None)` when no source has one (the caller decides whether a login needs it).
pub fn read(secret: &Secret) -> Result<Option<String>> {
    if let Some(path) = secret.file {
        let text = read_secret_file(path)
            .with_context(|| format!("reading `{}` `{}`", secret.file_key, path.display()))?;
        return Ok(Some(text));
    }
    if let Ok(value) = std::env::var(secret.env) {
        return Ok(Some(value));
    }
    let Some(directory) = std::env::var_os("CREDENTIALS_DIRECTORY") else {
        return Ok(None);
    };
    let path = PathBuf::from(&directory).join(secret.credential);
    match read_secret_file(&path) {
        Ok(text) => Ok(Some(text)),
        Err(error) => bail!(
            "the systemd credential `{}` is missing or unreadable under $CREDENTIALS_DIRECTORY `{}` ({error:#}): create `{}` (owner root, mode 0600) for the unit's LoadCredential={}:{}, then run `systemctl restart followup` (systemd copies credentials only when the service starts; a reload does not read them again)",
            secret.credential,
            Path::new(&directory).display(),
            secret.credential_source,
            secret.credential,
            secret.credential_source,
        ),
    }
}

/// Reads a small secret file: a regular file, bounded, never blocking on a FIFO.
fn read_secret_file(path: &Path) -> Result<String> {
    let text = crate::config::read_regular_file(path, MAX_SECRET_BYTES)
        .map_err(|message| anyhow::anyhow!("{message}"))?;
    Ok(text.trim_end_matches(['\r', '\n']).to_string())
}

/// A warning when a secret file can be read by its group or by everyone (`chmod 600` fixes
/// it); `None` when it is private or cannot be inspected (reading it will report that).
pub fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    if mode & 0o044 == 0 {
        return None;
    }
    let who = match (mode & 0o040 != 0, mode & 0o004 != 0) {
        (true, true) => "its group and by everyone",
        (true, false) => "its group",
        _ => "everyone",
    };
    Some(format!(
        "the password file `{}` can be read by {who} (mode {mode:04o}); make it private with `chmod 600 {}`",
        path.display(),
        path.display()
    ))
}
